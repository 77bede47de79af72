//! Masking of personal data for display (PIPL): the default view never shows
//! a full ID or phone number; revealing one is a separate, audited action.

use crate::dictionary::{Sensitivity, ValueType};

/// `500107199001011234` → `500107***********4`.
///
/// The birth date (digits 7–14) is shown beside the number as 出生日期 and
/// the area (1–6) as 户籍地, both derived from it, so hiding only the birth
/// date let anyone rebuild the whole number from one page. The sequence
/// digits (15–17) are hidden too: given everything else that is shown, a
/// number still has about 50 candidates (sex fixes the parity of digit 17,
/// the check digit rules out ten in eleven).
pub fn id_number(s: &str) -> String {
    mask_middle(s, 6, 1)
}

/// `13812345678` → `138****5678`.
pub fn phone(s: &str) -> String {
    mask_middle(s, 3, 4)
}

/// How a stored value is shown by default, or None when it is shown as
/// is. The one rule for every page, API, export and log: ID and phone
/// numbers by their type; in any other personal element, a number typed
/// into a text field (seven or more digits in a row) is masked too.
pub fn by_element(value_type: ValueType, sensitivity: Sensitivity, v: &str) -> Option<String> {
    match value_type {
        ValueType::IdNumber => Some(id_number(v)),
        ValueType::Phone => Some(phone(v)),
        _ if matches!(
            sensitivity,
            Sensitivity::Personal | Sensitivity::SensitivePersonal
        ) && longest_digit_run(v) >= 7 =>
        {
            Some(digit_runs(v))
        }
        _ => None,
    }
}

fn longest_digit_run(s: &str) -> usize {
    s.split(|c: char| !(c.is_ascii_digit() || c == 'X' || c == 'x'))
        .map(str::len)
        .max()
        .unwrap_or(0)
}

/// Free text (a search query, a note) with every run of seven or more
/// digits masked: an 18- or 15-character run as an ID number, any other as
/// a phone number.
pub fn digit_runs(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 7 {
            let is_id = matches!(run.len(), 15 | 18);
            out.push_str(&if is_id { id_number(run) } else { phone(run) });
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in s.chars() {
        if c.is_ascii_digit() || ((c == 'X' || c == 'x') && run.len() == 17) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

fn mask_middle(s: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..head].iter().collect();
    out.push_str(&"*".repeat(chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn masks_keep_head_and_tail() {
        assert_eq!(super::id_number("11010519491231002X"), "110105***********X");
        assert_eq!(super::id_number("110105491231002"), "110105********2");
        assert_eq!(super::phone("13812345678"), "138****5678");
        assert_eq!(super::phone("123"), "***");
    }

    #[test]
    fn numbers_in_free_text_are_masked() {
        assert_eq!(
            super::digit_runs("找 13812345678 和 11010519491231002X，第12户"),
            "找 138****5678 和 110105***********X，第12户"
        );
    }

    #[test]
    fn elements_are_masked_by_type_and_sensitivity() {
        use crate::dictionary::{Sensitivity as S, ValueType as T};
        assert_eq!(
            super::by_element(T::Phone, S::Personal, "13812345678").as_deref(),
            Some("138****5678")
        );
        assert_eq!(
            super::by_element(T::Text, S::Personal, "微信 13812345678").as_deref(),
            Some("微信 138****5678")
        );
        assert_eq!(super::by_element(T::Text, S::Personal, "张三"), None);
        assert_eq!(super::by_element(T::Text, S::Public, "13812345678"), None);
    }
}
