//! A calendar month, the ledger's unit of time. Stored as `yyyymm`
//! (202611), shown as `2026-11`.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Month {
    pub year: i32,
    /// 1–12.
    pub month: u32,
}

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Month> {
        ((1..=12).contains(&month) && (1900..=9999).contains(&year))
            .then_some(Month { year, month })
    }

    pub fn of(d: NaiveDate) -> Month {
        Month {
            year: d.year(),
            month: d.month(),
        }
    }

    /// `2026-11`, `202611` or `2026年11月`.
    pub fn parse(s: &str) -> Option<Month> {
        let s = s.trim();
        let digits: String = s.chars().filter(char::is_ascii_digit).collect();
        let (y, m) = if s.contains('-') || s.contains('年') {
            // Exactly a year and a month: "2026-10-abc" is not a month.
            let parts: Vec<&str> = s
                .split(['-', '年', '月'])
                .filter(|p| !p.is_empty())
                .collect();
            match parts.as_slice() {
                [y, m] => (y.parse().ok()?, m.parse().ok()?),
                _ => return None,
            }
        } else if digits.len() == 6 && digits.len() == s.len() {
            (digits[..4].parse().ok()?, digits[4..].parse().ok()?)
        } else {
            return None;
        };
        // Years the ledger can hold; 0000-01 or 9999-12 is a typing slip.
        if !(1990..=2100).contains(&y) {
            return None;
        }
        Month::new(y, m)
    }

    /// As stored: 202611.
    pub fn key(self) -> i64 {
        self.year as i64 * 100 + self.month as i64
    }

    pub fn from_key(k: i64) -> Option<Month> {
        Month::new(i32::try_from(k / 100).ok()?, u32::try_from(k % 100).ok()?)
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn days(self) -> u32 {
        let next = self.plus(1).first_day();
        (next - self.first_day()).num_days() as u32
    }

    /// This month moved by `n` months (negative: back).
    pub fn plus(self, n: i32) -> Month {
        let index = self.year * 12 + self.month as i32 - 1 + n;
        Month {
            year: index.div_euclid(12),
            month: index.rem_euclid(12) as u32 + 1,
        }
    }

    /// The months from `self` to `last`, both included.
    pub fn through(self, last: Month) -> impl Iterator<Item = Month> {
        let n = (last.year - self.year) * 12 + last.month as i32 - self.month as i32;
        (0..=n.max(-1)).map(move |i| self.plus(i))
    }

    /// The same month a year earlier.
    pub fn last_year(self) -> Month {
        self.plus(-12)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:02}", self.year, self.month)
    }
}

impl TryFrom<String> for Month {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Month::parse(&s).ok_or_else(|| format!("月份“{s}”无效，应为 2026-11 这样的年月"))
    }
}

impl From<Month> for String {
    fn from(m: Month) -> String {
        m.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_move_and_count_days() {
        let m = Month::parse("2026-11").unwrap();
        assert_eq!(m, Month::parse("202611").unwrap());
        assert_eq!(m, Month::parse("2026年11月").unwrap());
        assert_eq!(Month::parse("2026-13"), None);
        assert_eq!(Month::parse("11"), None);
        assert_eq!(Month::parse("abc"), None);
        assert_eq!(Month::parse("2026-10-abc"), None);
        assert_eq!(Month::parse("2026年10月xyz"), None);
        assert_eq!(Month::parse("0000-01"), None);
        assert_eq!(Month::parse("9999-12"), None);
        assert_eq!(m.plus(2).to_string(), "2027-01");
        assert_eq!(m.plus(-11).to_string(), "2025-12");
        assert_eq!(m.last_year().to_string(), "2025-11");
        assert_eq!(Month::from_key(m.key()), Some(m));
        assert_eq!(Month::parse("2024-02").unwrap().days(), 29);
        let span: Vec<String> = Month::parse("2026-11")
            .unwrap()
            .through(Month::parse("2027-02").unwrap())
            .map(|m| m.to_string())
            .collect();
        assert_eq!(span, ["2026-11", "2026-12", "2027-01", "2027-02"]);
        assert_eq!(m.through(m.plus(-1)).count(), 0);
    }
}
