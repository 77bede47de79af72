//! Text a person must write (a reason, an answer): whether anything
//! visible was written. Zero-width spaces, joiners, direction marks, the
//! byte-order mark and blank fillers (braille blank, Hangul filler) print
//! nothing, so a "reason" made of them is no reason.

/// Characters that print nothing and are not whitespace.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{2800}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}' | '\u{FFA0}' | '\u{E0000}'..='\u{E007F}')
}

/// How many characters of `s` show on a page.
pub fn visible_chars(s: &str) -> usize {
    s.chars()
        .filter(|c| !c.is_whitespace() && !invisible(*c))
        .count()
}

/// Whether `s` shows nothing at all.
pub fn is_blank(s: &str) -> bool {
    visible_chars(s) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_reasons_are_blank() {
        for s in [
            "",
            "  ",
            "\t\n",
            "\u{3000}",
            "\u{00A0}",
            "\u{200B}",
            "\u{2060}",
            "\u{FEFF}",
            "\u{2800}",
            " \u{200B}\u{200D} ",
        ] {
            assert!(is_blank(s), "{s:?}");
        }
        assert!(!is_blank("同意"));
        assert_eq!(visible_chars("\u{200B}同意\u{200B}"), 2);
    }
}
