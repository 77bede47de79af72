//! Masking of personal data for display (PIPL): the default view never shows
//! a full ID or phone number; revealing one is a separate, audited action.

/// `500107199001011234` → `500107********1234`.
pub fn id_number(s: &str) -> String {
    mask_middle(s, 6, 4)
}

/// `13812345678` → `138****5678`.
pub fn phone(s: &str) -> String {
    mask_middle(s, 3, 4)
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
        assert_eq!(super::id_number("11010519491231002X"), "110105********002X");
        assert_eq!(super::phone("13812345678"), "138****5678");
        assert_eq!(super::phone("123"), "***");
    }
}
