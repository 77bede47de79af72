//! How many reports one account may file, counted in memory only.
//!
//! A flood from one account would bury the office's list; a count in the
//! database would be a record that the account filed something and when.
//! So the count lives here, per hour, and is forgotten within the hour
//! (and at every restart). Addresses are counted the same way, in the web
//! layer, which is the only one that sees them.

use crate::{AppError, Result};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Reports one account may file in an hour: more than any real week of
/// hidden burden arrives in an hour, far fewer than a flood.
pub const PER_ACCOUNT_PER_HOUR: u32 = 10;
const WINDOW: Duration = Duration::from_secs(3600);
/// Accounts tracked at once; beyond this the oldest windows are dropped.
const MAX_ACCOUNTS: usize = 10_000;

#[derive(Default)]
pub struct FilingQuota {
    windows: Mutex<HashMap<i64, (Instant, u32)>>,
}

impl FilingQuota {
    /// Takes one filing for the account, or says when it may file again.
    pub fn take_account(&self, account: i64) -> Result<()> {
        self.take_at(account, Instant::now())
    }

    /// Returns a filing that was refused (a wrong date, a bad file): only
    /// reports actually filed count against the hour.
    pub fn give_back(&self, account: i64) {
        let mut map = match self.windows.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(entry) = map.get_mut(&account) {
            entry.1 = entry.1.saturating_sub(1);
        }
    }

    fn take_at(&self, account: i64, now: Instant) -> Result<()> {
        let mut map = match self.windows.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        if map.len() >= MAX_ACCOUNTS {
            map.retain(|_, (start, _)| now.saturating_duration_since(*start) < WINDOW);
        }
        let entry = map.entry(account).or_insert((now, 0));
        if now.saturating_duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        if entry.1 >= PER_ACCOUNT_PER_HOUR {
            let wait = WINDOW.saturating_sub(now.saturating_duration_since(entry.0));
            return Err(AppError::Invalid(format!(
                "一小时内最多直报 {PER_ACCOUNT_PER_HOUR} 件；请在 {} 分钟后再试",
                wait.as_secs() / 60 + 1
            )));
        }
        entry.1 += 1;
        Ok(())
    }
}

/// What the public form (no account) may take in a day, for all senders
/// together: the per-address limit of the web layer stops one sender, this
/// stops many from filling the disk while the office keeps the form open.
pub const PUBLIC_REPORTS_PER_DAY: u32 = 300;
pub const PUBLIC_EVIDENCE_BYTES_PER_DAY: u64 = 1024 * 1024 * 1024;

#[derive(Default)]
pub struct PublicBudget {
    day: Mutex<(i64, u32, u64)>,
}

impl PublicBudget {
    /// Takes one public filing with `bytes` of evidence on day `day` (days
    /// since the epoch), or says why not.
    pub fn take(&self, day: i64, bytes: u64) -> Result<()> {
        let mut d = match self.day.lock() {
            Ok(d) => d,
            Err(poisoned) => poisoned.into_inner(),
        };
        if d.0 != day {
            *d = (day, 0, 0);
        }
        if d.1 >= PUBLIC_REPORTS_PER_DAY
            || d.2.saturating_add(bytes) > PUBLIC_EVIDENCE_BYTES_PER_DAY
        {
            return Err(AppError::Invalid(
                "今天通过免登录表单提交的直报已达上限；请登录后直报，或明天再试".into(),
            ));
        }
        d.1 += 1;
        d.2 += bytes;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_form_takes_a_days_budget() {
        let b = PublicBudget::default();
        assert!(b.take(1, PUBLIC_EVIDENCE_BYTES_PER_DAY).is_ok());
        assert!(b.take(1, 1).is_err(), "the day's bytes are spent");
        assert!(b.take(2, 1).is_ok(), "a new day");
        for _ in 1..PUBLIC_REPORTS_PER_DAY {
            assert!(b.take(2, 0).is_ok());
        }
        assert!(b.take(2, 0).is_err(), "the day's reports are spent");
    }

    #[test]
    fn an_account_files_ten_an_hour_then_waits() {
        let q = FilingQuota::default();
        let t0 = Instant::now();
        for _ in 0..PER_ACCOUNT_PER_HOUR {
            assert!(q.take_at(1, t0).is_ok());
        }
        let err = q.take_at(1, t0).unwrap_err().to_string();
        assert!(err.contains("一小时内最多直报"), "{err}");
        assert!(q.take_at(2, t0).is_ok(), "another account is not held");
        assert!(q.take_at(1, t0 + WINDOW).is_ok(), "a new hour");
        q.give_back(2);
        assert!(q.take_at(2, t0).is_ok(), "a refused filing was given back");
    }
}
