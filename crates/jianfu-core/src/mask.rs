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

/// `13812345678` → `138****5678`; a short landline `68781234` →
/// `68****34`, where 3 + 4 would hide a single digit.
pub fn phone(s: &str) -> String {
    if s.chars().count() <= 8 {
        return mask_middle(s, 2, 2);
    }
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
        // Only free text: a date or a number is shown as it is.
        ValueType::Text
            if matches!(
                sensitivity,
                Sensitivity::Personal | Sensitivity::SensitivePersonal
            ) =>
        {
            let masked = digit_runs(v);
            (masked != v).then_some(masked)
        }
        _ => None,
    }
}

/// Free text (a search query, an address, a note) with every number of
/// seven or more digits masked. A number may be written with separators
/// (`138-1234-5678`, `500107 19881025 9271`) or in full-width digits; its
/// separators are kept, and of its digits only the first 3 and the last 1
/// (the last 2 for a short one) stay visible, so a certificate number built
/// from an ID number reveals no more than the ID mask does.
pub fn digit_runs(s: &str) -> String {
    fn is_digit(c: char) -> bool {
        c.is_ascii_digit() || ('０'..='９').contains(&c)
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if !is_digit(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // A run: digits, single separators between digits, a final X.
        let start = i;
        let mut end = i;
        while end < chars.len() {
            let c = chars[end];
            let joins = matches!(c, '-' | ' ' | '－' | '　')
                && end + 1 < chars.len()
                && is_digit(chars[end + 1]);
            if is_digit(c) || joins {
                end += 1;
            } else if matches!(c, 'X' | 'x' | 'Ｘ') {
                end += 1;
                break;
            } else {
                break;
            }
        }
        let run = &chars[start..end];
        let digits = run
            .iter()
            .filter(|c| !matches!(c, '-' | ' ' | '－' | '　'))
            .count();
        if digits < 7 {
            out.extend(run);
        } else {
            let tail = if digits >= 12 { 1 } else { 2 };
            let mut seen = 0;
            for &c in run {
                if matches!(c, '-' | ' ' | '－' | '　') {
                    out.push(c);
                    continue;
                }
                seen += 1;
                out.push(if seen <= 3 || seen > digits - tail {
                    c
                } else {
                    '*'
                });
            }
        }
        i = end;
    }
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
            "找 138******78 和 110**************X，第12户"
        );
        assert_eq!(
            super::digit_runs("王五 138-1234-5678"),
            "王五 138-****-**78"
        );
        assert_eq!(
            super::digit_runs("500107 19881025 9271"),
            "500*** ******** ***1"
        );
        assert_eq!(super::digit_runs("５００１０７１９８８"), "５００*****８８");
        assert_eq!(super::phone("68781234"), "68****34");
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
            Some("微信 138******78")
        );
        assert_eq!(super::by_element(T::Text, S::Personal, "张三"), None);
        assert_eq!(super::by_element(T::Text, S::Public, "13812345678"), None);
    }
}
