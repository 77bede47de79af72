//! CSV cells that a spreadsheet cannot take for a formula.
//!
//! Excel, WPS and LibreOffice evaluate a CSV cell that begins with `=`, `+`,
//! `-` or `@` as a formula (and strip a leading tab or carriage return
//! first), so a resident's name or a report-only value typed as
//! `=HYPERLINK(...)` would run in the reviewer's spreadsheet. OWASP's
//! recommendation is to prefix such a cell with `'`, which every one of
//! them reads as "text follows" — the cell shows the value as typed.
//! Every CSV the product writes passes each cell through [`cell`].

use std::borrow::Cow;

/// The characters that start a formula, or that a spreadsheet skips
/// before looking for one.
const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A field ready for a CSV writer: the value as typed, or with a `'` in
/// front when a spreadsheet would read it as a formula.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafeCell<'a>(Cow<'a, str>);

impl SafeCell<'_> {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the value had to be changed.
    pub fn is_quoted(&self) -> bool {
        matches!(self.0, Cow::Owned(_))
    }
}

/// `csv::Writer::write_record` takes fields as bytes.
impl AsRef<[u8]> for SafeCell<'_> {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// The cell as it can safely go into a CSV file.
///
/// A plain decimal number (`-3`, `+2`, `-0.25`) is left as it is, so sums
/// and typed negative figures stay numbers a spreadsheet can add up. That
/// is safe because such a text is digits with at most a sign and one point:
/// it cannot name a function, a reference or a DDE command, and the
/// spreadsheet reads it as the same number whether or not it would have
/// been a formula. Anything else that begins with a trigger gets the `'`.
pub fn cell(value: &str) -> SafeCell<'_> {
    match value.chars().next() {
        Some(c) if TRIGGERS.contains(&c) && !is_plain_number(value) => {
            SafeCell(Cow::Owned(format!("'{value}")))
        }
        _ => SafeCell(Cow::Borrowed(value)),
    }
}

/// `[+-]digits[.digits]` and nothing else: no spaces, no exponent, no
/// second sign, so nothing a formula could hide in.
fn is_plain_number(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    digits(int) && frac.is_none_or(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_quoted() {
        for v in [
            "=HYPERLINK(\"http://evil.example\",\"点击\")",
            "+1+cmd|' /C calc'!A0",
            "-2+3",
            "-1+cmd|' /C calc'!A0",
            "@SUM(A1:A2)",
            "\t=1+1",
            "\r=1+1",
            "=",
            "-",
            "+",
            "- 3",
            "-3e5",
            "-.5",
            "-3.",
            "--3",
            "-3,000",
        ] {
            assert_eq!(cell(v).as_str(), format!("'{v}"), "{v:?}");
            assert!(cell(v).is_quoted());
        }
    }

    #[test]
    fn ordinary_text_and_numbers_are_unchanged() {
        for v in [
            "",
            "张三",
            "500107199001011234",
            "3",
            "-3",
            "+3",
            "-0.25",
            "12.50",
            "a=b",
            " =1",
            "'=already quoted",
            "１＝１",
        ] {
            assert_eq!(cell(v).as_str(), v, "{v:?}");
            assert!(!cell(v).is_quoted(), "{v:?}");
        }
    }
}
