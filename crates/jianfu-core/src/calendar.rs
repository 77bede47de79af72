//! Working days in mainland China. A weekend is off and a weekday is
//! worked, except for the dates the State Council's yearly notice on
//! holidays (国务院办公厅关于部分节假日安排的通知) moves: statutory
//! holidays and their bridging days off (放假调休), and the Saturdays or
//! Sundays worked instead (调休上班). Deadlines counted "in working days"
//! (a department's answer to a warning, a rectification) must skip them:
//! ten working days from 2026-09-28 end on 2026-10-16, not on 10-12.
//!
//! The notices for 2025 (国办发明电〔2024〕12号) and 2026 (国办发明电
//! 〔2025〕7号) are built in. A later year's notice is entered by the
//! 减负办 in the monitoring settings (extra holidays and extra working
//! days) until the next release carries it; until then that year counts
//! weekends only, and the settings page says so.

use chrono::{Datelike, NaiveDate, Weekday};
use std::collections::BTreeSet;

/// Days off (holidays and bridging days) and make-up working days of one
/// year's notice, as (month, day).
struct Notice {
    year: i32,
    days_off: &'static [(u32, u32, u32)],
    make_up_days: &'static [(u32, u32)],
}

/// Ranges are (month, first day, last day), within one month.
const NOTICES: &[Notice] = &[
    Notice {
        year: 2025,
        days_off: &[
            (1, 1, 1),   // 元旦
            (1, 28, 31), // 春节 1月28日至2月4日
            (2, 1, 4),
            (4, 4, 6),   // 清明节
            (5, 1, 5),   // 劳动节
            (5, 31, 31), // 端午节 5月31日至6月2日
            (6, 1, 2),
            (10, 1, 8), // 国庆节、中秋节
        ],
        make_up_days: &[(1, 26), (2, 8), (4, 27), (9, 28), (10, 11)],
    },
    Notice {
        year: 2026,
        days_off: &[
            (1, 1, 3),   // 元旦
            (2, 15, 23), // 春节
            (4, 4, 6),   // 清明节
            (5, 1, 5),   // 劳动节
            (6, 19, 21), // 端午节
            (9, 25, 27), // 中秋节
            (10, 1, 7),  // 国庆节
        ],
        make_up_days: &[(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)],
    },
];

/// Which days are worked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkCalendar {
    days_off: BTreeSet<NaiveDate>,
    make_up_days: BTreeSet<NaiveDate>,
}

impl WorkCalendar {
    /// The built-in notices.
    pub fn official() -> Self {
        let mut c = WorkCalendar::default();
        for n in NOTICES {
            for &(m, first, last) in n.days_off {
                for d in first..=last {
                    if let Some(date) = NaiveDate::from_ymd_opt(n.year, m, d) {
                        c.days_off.insert(date);
                    }
                }
            }
            for &(m, d) in n.make_up_days {
                if let Some(date) = NaiveDate::from_ymd_opt(n.year, m, d) {
                    c.make_up_days.insert(date);
                }
            }
        }
        c
    }

    /// The built-in notices with the office's additions: extra days off
    /// and extra working days (a later year's notice, a local holiday).
    /// A date in both lists is a working day: the make-up day is the
    /// later, deliberate entry.
    pub fn with_additions(days_off: &[NaiveDate], make_up_days: &[NaiveDate]) -> Self {
        let mut c = Self::official();
        c.days_off.extend(days_off.iter().copied());
        c.make_up_days.extend(make_up_days.iter().copied());
        c
    }

    /// Years whose notice the calendar knows (built in or entered).
    pub fn known_years(&self) -> BTreeSet<i32> {
        self.days_off
            .iter()
            .chain(self.make_up_days.iter())
            .map(Datelike::year)
            .collect()
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.make_up_days.contains(&d) {
            return true;
        }
        if self.days_off.contains(&d) {
            return false;
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// The `n`th working day after `from` (`from` itself is not counted).
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut d = from;
        let mut left = n;
        while left > 0 {
            match d.succ_opt() {
                Some(next) => d = next,
                None => break,
            }
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days after `from` up to and including `to` (0 when `to` is
    /// not after `from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        from.iter_days()
            .skip(1)
            .take_while(|d| *d <= to)
            .filter(|d| self.is_working_day(*d))
            .count() as u32
    }
}

/// Parses a list of dates typed one per line or separated by commas,
/// spaces or 、 (2027-01-01 or 2027/1/1). Names the first bad entry.
pub fn parse_dates(text: &str) -> Result<Vec<NaiveDate>, String> {
    let mut out = Vec::new();
    for part in text
        .split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace())
        .filter(|s| !s.is_empty())
    {
        let normal = part.replace(['/', '.'], "-");
        let date = NaiveDate::parse_from_str(&normal, "%Y-%m-%d")
            .map_err(|_| format!("“{part}”不是有效的日期，应写作 2027-01-01"))?;
        if !(2000..=2100).contains(&date.year()) {
            return Err(format!("“{part}”的年份应在 2000 到 2100 之间"));
        }
        out.push(date);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    #[test]
    fn weekends_skip_and_weekdays_count_outside_holidays() {
        let c = WorkCalendar::official();
        let fri = day("2026-12-04");
        assert_eq!(c.add_working_days(fri, 1), day("2026-12-07"));
        assert_eq!(c.add_working_days(fri, 10), day("2026-12-18"));
    }

    #[test]
    fn national_day_is_skipped_and_the_make_up_saturday_counts() {
        let c = WorkCalendar::official();
        // Mon 28 Sep, 29, 30 are worked; 1–7 Oct off; Thu 8, Fri 9, Sat
        // 10 (调休上班), Mon 12, Tue 13, Wed 14, Thu 15, Fri 16.
        assert_eq!(c.add_working_days(day("2026-09-27"), 10), day("2026-10-15"));
        assert!(c.is_working_day(day("2026-10-10")));
        assert!(!c.is_working_day(day("2026-10-05")));
        assert!(c.is_working_day(day("2026-09-20")), "Sunday worked");
        assert!(!c.is_working_day(day("2026-09-25")), "中秋 is a Friday off");
    }

    #[test]
    fn spring_festival_2025_and_2026() {
        let c = WorkCalendar::official();
        assert!(!c.is_working_day(day("2025-02-03")));
        assert!(c.is_working_day(day("2025-02-08")));
        assert!(!c.is_working_day(day("2026-02-23")), "Monday off");
        assert!(c.is_working_day(day("2026-02-28")));
        // Fri 13 Feb 2026 + 1 working day: Sat 14 is worked.
        assert_eq!(c.add_working_days(day("2026-02-13"), 1), day("2026-02-14"));
        assert_eq!(c.add_working_days(day("2026-02-14"), 1), day("2026-02-24"));
    }

    #[test]
    fn additions_cover_a_later_year() {
        let plain = WorkCalendar::official();
        assert!(plain.is_working_day(day("2027-10-04")));
        let c = WorkCalendar::with_additions(&[day("2027-10-04")], &[day("2027-09-26")]);
        assert!(!c.is_working_day(day("2027-10-04")));
        assert!(c.is_working_day(day("2027-09-26")));
        assert!(c.known_years().contains(&2027));
        assert!(!plain.known_years().contains(&2027));
    }

    #[test]
    fn counting_between_two_days() {
        let c = WorkCalendar::official();
        assert_eq!(
            c.working_days_between(day("2026-09-30"), day("2026-10-08")),
            1
        );
        assert_eq!(
            c.working_days_between(day("2026-10-08"), day("2026-10-01")),
            0
        );
    }

    #[test]
    fn typed_dates_are_read_and_bad_ones_named() {
        assert_eq!(
            parse_dates("2027-01-01, 2027/2/6\n2027-01-01").expect("valid"),
            vec![day("2027-01-01"), day("2027-02-06")]
        );
        assert!(parse_dates("2027-02-30")
            .unwrap_err()
            .contains("2027-02-30"));
        assert!(parse_dates("明天").unwrap_err().contains("明天"));
        assert_eq!(parse_dates("  ").expect("empty"), vec![]);
    }
}
