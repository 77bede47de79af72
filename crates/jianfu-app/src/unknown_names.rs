//! Lockout for names that are not accounts, in memory.
//!
//! A real account locks after `max_failures` wrong passwords and then
//! answers "locked"; a name that is no account used to answer "wrong
//! password" forever. So five tries told anyone whether a name exists.
//! Unknown names now count failures and "lock" the same way; nothing is
//! stored in the database for them (they are not accounts, and an
//! attacker choosing names must not be able to grow a table).

use std::collections::HashMap;
use std::sync::Mutex;

/// More names than this and the oldest untouched ones are forgotten.
const MAX_NAMES: usize = 10_000;

/// A user name is at most 32 characters; longer keys are cut so an
/// attacker's megabyte names cost no memory.
const MAX_KEY_CHARS: usize = 64;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: i64,
    locked_until: Option<i64>,
    last: i64,
}

/// What an unknown name answers, like an account would.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    /// Wrong user name or password.
    Refused,
    /// Locked for this many more minutes.
    Locked { minutes: i64 },
}

#[derive(Default)]
pub struct UnknownNames {
    names: Mutex<HashMap<String, Entry>>,
}

impl UnknownNames {
    /// Records a failed login for a name that is no account, at `now`
    /// (unix ms), with the account lockout rules.
    pub fn fail(&self, name: &str, now: i64, max_failures: i64, lockout_minutes: i64) -> Answer {
        self.fail_bounded(name, now, max_failures, lockout_minutes, MAX_NAMES)
    }

    fn fail_bounded(
        &self,
        name: &str,
        now: i64,
        max_failures: i64,
        lockout_minutes: i64,
        max_names: usize,
    ) -> Answer {
        let key: String = name.chars().take(MAX_KEY_CHARS).collect();
        let mut names = match self.names.lock() {
            Ok(n) => n,
            // Plain numbers are left behind by a panic elsewhere; still usable.
            Err(poisoned) => poisoned.into_inner(),
        };
        if !names.contains_key(&key) && names.len() >= max_names.max(1) {
            // Forget the least recently tried half: a name an attacker is
            // working on right now stays, old ones go.
            let mut lasts: Vec<i64> = names.values().map(|e| e.last).collect();
            lasts.sort_unstable();
            let cut = lasts[lasts.len() / 2];
            names.retain(|_, e| e.last > cut || e.locked_until.is_some_and(|u| u > now));
        }
        let e = names.entry(key).or_insert(Entry {
            failures: 0,
            locked_until: None,
            last: now,
        });
        e.last = now;
        if let Some(until) = e.locked_until {
            if until > now {
                return Answer::Locked {
                    minutes: ((until - now) as f64 / 60_000.0).ceil() as i64,
                };
            }
            // A lock that has run out starts a fresh count, as for accounts.
            e.failures = 0;
            e.locked_until = None;
        }
        e.failures += 1;
        if e.failures >= max_failures {
            e.locked_until = Some(now + lockout_minutes * 60_000);
            return Answer::Locked {
                minutes: lockout_minutes,
            };
        }
        Answer::Refused
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.names.lock().map_or(0, |n| n.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_like_an_account() {
        let u = UnknownNames::default();
        let t = 1_000_000;
        assert_eq!(u.fail("nobody", t, 3, 15), Answer::Refused);
        assert_eq!(u.fail("nobody", t, 3, 15), Answer::Refused);
        assert_eq!(u.fail("nobody", t, 3, 15), Answer::Locked { minutes: 15 });
        assert_eq!(
            u.fail("nobody", t + 60_000, 3, 15),
            Answer::Locked { minutes: 14 }
        );
        // Other names count on their own.
        assert_eq!(u.fail("someone", t, 3, 15), Answer::Refused);
        // After the lock a fresh count starts.
        let later = t + 15 * 60_000;
        assert_eq!(u.fail("nobody", later, 3, 15), Answer::Refused);
    }

    #[test]
    fn memory_stays_bounded_and_keeps_the_busy_names() {
        let u = UnknownNames::default();
        for i in 0..3 {
            u.fail_bounded("target", i, 3, 15, 100);
        }
        for i in 0..1_000 {
            u.fail_bounded(&format!("flood-{i}"), 10 + i, 3, 15, 100);
            assert!(u.len() <= 100);
        }
        assert_eq!(
            u.fail_bounded("target", 2_000, 3, 15, 100),
            Answer::Locked { minutes: 15 },
            "a locked name survives the flood"
        );
        let long = "x".repeat(10_000);
        u.fail(&long, 0, 3, 15);
        assert!(u
            .names
            .lock()
            .unwrap()
            .keys()
            .all(|k| k.chars().count() <= MAX_KEY_CHARS));
    }
}
