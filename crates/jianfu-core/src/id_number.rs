//! Citizen ID numbers (公民身份号码) after GB 11643-1999.
//!
//! An 18-digit number is `AAAAAA YYYYMMDD SSS C`: six digits of registration
//! area (GB/T 2260), the birth date, a sequence whose last digit is odd for
//! men and even for women, and an ISO 7064 MOD 11-2 check character.
//! Legacy 15-digit numbers omit the century ("19") and the check character.

use chrono::{Datelike, NaiveDate};
use std::fmt;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// GB/T 2261.1 code: 1 male, 2 female.
    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "1",
            Sex::Female => "2",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
}

/// Why a string is not a valid ID number. Messages are the Chinese text shown
/// to the user, so they say what is wrong in the user's terms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("身份证号码应为18位（或旧式15位），实际为{0}位")]
    Length(usize),
    #[error("身份证号码第{0}位不是数字")]
    NotDigit(usize),
    #[error("身份证号码中的出生日期 {0} 不存在")]
    BadDate(String),
    #[error("身份证号码中的出生日期 {0} 晚于今天")]
    FutureDate(String),
    #[error("身份证号码校验位错误：应为 {expected}，实际为 {actual}")]
    CheckDigit { expected: char, actual: char },
    #[error("身份证号码的地区码 {0} 无效")]
    BadArea(String),
}

/// A validated 18-digit ID number, always stored upper-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdNumber(String);

impl IdNumber {
    /// Parses and validates a number. A 15-digit number is converted to 18
    /// digits. `today` bounds the birth date so a future birth is refused.
    pub fn parse(input: &str, today: NaiveDate) -> Result<Self, IdNumberError> {
        let s: String = input
            .trim()
            .chars()
            .map(|c| match c {
                'x' | 'ｘ' | 'Ｘ' => 'X',
                // Full-width digits are common in pasted spreadsheets.
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                c => c,
            })
            .collect();
        let len = s.chars().count();
        match len {
            18 => Self::parse18(&s, today),
            15 => {
                for (i, c) in s.chars().enumerate() {
                    if !c.is_ascii_digit() {
                        return Err(IdNumberError::NotDigit(i + 1));
                    }
                }
                let body = format!("{}19{}", &s[..6], &s[6..]);
                let check = check_char(&body);
                Self::parse18(&format!("{body}{check}"), today)
            }
            n => Err(IdNumberError::Length(n)),
        }
    }

    fn parse18(s: &str, today: NaiveDate) -> Result<Self, IdNumberError> {
        for (i, c) in s.chars().enumerate() {
            let ok = c.is_ascii_digit() || (i == 17 && c == 'X');
            if !ok {
                return Err(IdNumberError::NotDigit(i + 1));
            }
        }
        let area = &s[..6];
        if area.starts_with('0') || &area[..2] < "11" || &area[..2] > "91" {
            return Err(IdNumberError::BadArea(area.to_string()));
        }
        let date_str = &s[6..14];
        let date = NaiveDate::parse_from_str(date_str, "%Y%m%d")
            .map_err(|_| IdNumberError::BadDate(date_str.to_string()))?;
        if date.year() < 1850 {
            return Err(IdNumberError::BadDate(date_str.to_string()));
        }
        if date > today {
            return Err(IdNumberError::FutureDate(date_str.to_string()));
        }
        let expected = check_char(&s[..17]);
        let actual = s[17..].chars().next().unwrap_or(' ');
        if expected != actual {
            return Err(IdNumberError::CheckDigit { expected, actual });
        }
        Ok(IdNumber(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// GB/T 2260 code of the registration area (digits 1–6).
    pub fn area_code(&self) -> &str {
        &self.0[..6]
    }

    pub fn birth_date(&self) -> NaiveDate {
        // Validated in `parse18`, so this cannot fail for a constructed value.
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").unwrap_or_default()
    }

    pub fn sex(&self) -> Sex {
        let d = self.0.as_bytes()[16] - b'0';
        if d % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// Age in whole years on `on`.
    pub fn age_on(&self, on: NaiveDate) -> u32 {
        age_on(self.birth_date(), on)
    }

    /// Builds a valid number from its parts; `seq` is 0..=999 and its last
    /// digit is forced to match `sex`.
    pub fn compose(area: &str, birth: NaiveDate, seq: u32, sex: Sex) -> Option<Self> {
        if area.len() != 6 || !area.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut seq = seq % 1000;
        let odd = seq % 2 == 1;
        if odd != (sex == Sex::Male) {
            seq = if seq == 999 { 998 } else { seq + 1 };
        }
        let body = format!("{area}{}{seq:03}", birth.format("%Y%m%d"));
        let check = check_char(&body);
        Some(IdNumber(format!("{body}{check}")))
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Age in whole years of someone born on `birth`, on date `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age.max(0) as u32
}

/// ISO 7064 MOD 11-2 check character over the first 17 digits.
pub fn check_char(body17: &str) -> char {
    let sum: u32 = body17
        .bytes()
        .zip(WEIGHTS.iter())
        .map(|(b, w)| (b.wrapping_sub(b'0') as u32) * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
    }

    #[test]
    fn valid_number_with_x_check() {
        // The example from GB 11643-1999 Appendix A.
        let id = IdNumber::parse("11010519491231002x", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.area_code(), "110105");
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.age_on(today()), 76);
    }

    #[test]
    fn valid_male_number() {
        let id = IdNumber::parse("440524188001010014", today()).unwrap();
        assert_eq!(id.sex(), Sex::Male);
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1880, 1, 1).unwrap()
        );
    }

    #[test]
    fn bad_check_digit_names_the_expected_one() {
        let err = IdNumber::parse("110105194912310021", today()).unwrap_err();
        assert_eq!(
            err,
            IdNumberError::CheckDigit {
                expected: 'X',
                actual: '1'
            }
        );
        assert!(err.to_string().contains("校验位"));
    }

    #[test]
    fn impossible_date_is_refused() {
        let body = "11010519490230002";
        let n = format!("{body}{}", check_char(body));
        assert_eq!(
            IdNumber::parse(&n, today()).unwrap_err(),
            IdNumberError::BadDate("19490230".into())
        );
    }

    #[test]
    fn future_date_is_refused() {
        let body = "11010520301231002";
        let n = format!("{body}{}", check_char(body));
        assert!(matches!(
            IdNumber::parse(&n, today()),
            Err(IdNumberError::FutureDate(_))
        ));
    }

    #[test]
    fn fifteen_digit_number_is_converted() {
        let id = IdNumber::parse("110105491231002", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn wrong_length_and_letters() {
        assert_eq!(
            IdNumber::parse("12345", today()).unwrap_err(),
            IdNumberError::Length(5)
        );
        assert_eq!(
            IdNumber::parse("11010519491231A02X", today()).unwrap_err(),
            IdNumberError::NotDigit(15)
        );
    }

    #[test]
    fn full_width_digits_are_accepted() {
        let id = IdNumber::parse("１１０１０５１９４９１２３１００２Ｘ", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn compose_round_trips() {
        let birth = NaiveDate::from_ymd_opt(1988, 2, 29).unwrap();
        for seq in [0, 1, 500, 998, 999] {
            for sex in [Sex::Male, Sex::Female] {
                let id = IdNumber::compose("500107", birth, seq, sex).unwrap();
                let parsed = IdNumber::parse(id.as_str(), today()).unwrap();
                assert_eq!(parsed.sex(), sex);
                assert_eq!(parsed.birth_date(), birth);
            }
        }
    }

    #[test]
    fn age_counts_birthdays() {
        let b = NaiveDate::from_ymd_opt(2000, 11, 22).unwrap();
        assert_eq!(age_on(b, today()), 25);
        assert_eq!(
            age_on(b, NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()),
            26
        );
    }
}
