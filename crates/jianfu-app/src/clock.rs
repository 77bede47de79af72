//! The deployment's time zone (setting `time_zone`, default
//! Asia/Shanghai). Every time a person reads (pages, exports, the audit
//! log, the decision log) and every "today" (ages, deadlines, validity) is
//! in this one zone, whatever zone the server's own clock is set to: a
//! decision log in UTC beside facts in local time misled reviewers.

use chrono::{NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use std::sync::OnceLock;

pub const DEFAULT_ZONE: &str = "Asia/Shanghai";

static ZONE: OnceLock<Tz> = OnceLock::new();

/// Parses an IANA zone name, in Chinese when it is wrong.
pub fn parse_zone(name: &str) -> Result<Tz, String> {
    name.trim().parse::<Tz>().map_err(|_| {
        format!("time_zone“{name}”不是有效的时区名称，应为 Asia/Shanghai 这样的 IANA 名称")
    })
}

/// Sets the zone once, at start; later calls change nothing.
pub fn set_zone(name: &str) -> Result<(), String> {
    let tz = parse_zone(name)?;
    let _ = ZONE.set(tz);
    Ok(())
}

pub fn zone() -> Tz {
    ZONE.get().copied().unwrap_or(chrono_tz::Asia::Shanghai)
}

/// Unix milliseconds as local time in `format` ("" when out of range).
pub fn format_ms(ms: i64, format: &str) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&zone()).format(format).to_string())
        .unwrap_or_default()
}

/// Today in the deployment's zone.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&zone()).date_naive()
}

/// Unix milliseconds of the local midnight starting `day`.
pub fn day_start_ms(day: NaiveDate) -> Option<i64> {
    let midnight = day.and_hms_opt(0, 0, 0)?;
    zone()
        .from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_in_the_deployment_zone() {
        // 2026-12-01 16:30 UTC is 2026-12-02 00:30 in Shanghai.
        let ms = 1_796_142_600_000;
        assert_eq!(format_ms(ms, "%Y-%m-%d %H:%M"), "2026-12-02 00:30");
        let day = NaiveDate::from_ymd_opt(2026, 12, 2).expect("date");
        assert_eq!(day_start_ms(day), Some(1_796_140_800_000));
        assert!(parse_zone("Mars/Olympus").unwrap_err().contains("时区"));
        assert!(parse_zone("Asia/Urumqi").is_ok());
    }
}
