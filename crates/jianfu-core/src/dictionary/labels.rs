//! Normalising the labels printed in form headers, so that "姓 名",
//! "姓名：" and "姓名（必填）" all find the same element.

use pinyin::ToPinyin;

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{3000}' || c == '\u{00a0}'
}

/// Full-width ASCII forms (Ａ, １, （) become their half-width twins.
fn half_width(c: char) -> char {
    match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        '【' | '〔' => '[',
        '】' | '〕' => ']',
        c => c,
    }
}

/// Removes every bracketed part: units "(元)", notes "（18位）" and printed
/// options "（是□否□）" qualify a label without changing what it asks.
fn strip_brackets(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Drops question numbering such as "R1." or "3、" or "一、" at the start.
fn strip_numbering(s: &str) -> &str {
    let bytes: Vec<(usize, char)> = s.char_indices().collect();
    let mut i = 0;
    if let Some((_, c)) = bytes.first() {
        if c.is_ascii_alphabetic() && bytes.get(1).is_some_and(|(_, d)| d.is_ascii_digit()) {
            i = 1;
        }
    }
    let start_digits = i;
    while bytes
        .get(i)
        .is_some_and(|(_, c)| c.is_ascii_digit() || "一二三四五六七八九十".contains(*c))
    {
        i += 1;
    }
    if i > start_digits {
        if let Some((pos, c)) = bytes.get(i) {
            if matches!(c, '.' | '、' | '．' | ')') {
                return &s[pos + c.len_utf8()..];
            }
        }
    }
    s
}

pub fn normalize_label(label: &str) -> String {
    let half: String = label
        .chars()
        .filter(|c| !is_space(*c))
        .map(half_width)
        .collect();
    let stripped = strip_brackets(&half);
    let unnumbered = strip_numbering(&stripped);
    unnumbered
        .trim_end_matches([':', '*', '□', '☐'])
        .trim_start_matches(['*'])
        .to_lowercase()
}

/// First letters of the pinyin of each character: 身份证号 → "sfzh".
pub fn pinyin_initials(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            if c.is_ascii_alphanumeric() {
                Some(c.to_ascii_lowercase())
            } else {
                c.to_pinyin().and_then(|p| p.first_letter().chars().next())
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation() {
        assert_eq!(normalize_label("姓 名"), "姓名");
        assert_eq!(normalize_label("姓名："), "姓名");
        assert_eq!(normalize_label("年收入(元)"), "年收入");
        assert_eq!(normalize_label("年收入（元）"), "年收入");
        assert_eq!(normalize_label("是否低保（是□否□）"), "是否低保");
        assert_eq!(normalize_label("R1.姓 名"), "姓名");
        assert_eq!(normalize_label("3、联系电话"), "联系电话");
        assert_eq!(normalize_label("户籍所在地（区(县) 街(镇)）"), "户籍所在地");
        assert_eq!(normalize_label("ＩＤ"), "id");
        assert_eq!(normalize_label("1-月资金总支出"), "1-月资金总支出");
    }

    #[test]
    fn initials() {
        assert_eq!(pinyin_initials("身份证号"), "sfzh");
        assert_eq!(pinyin_initials("低保A1"), "dba1");
    }
}
