//! Login attempts per client address, in memory.
//!
//! Lockout protects one account; it does nothing against a client that
//! tries many names (unknown names never lock) or that floods the login to
//! burn CPU on argon2. Each address has a token bucket: `capacity` attempts
//! at once, refilled evenly over a minute. An attempt takes a token before
//! the password is checked; a successful login gives it back, so colleagues
//! behind one office NAT address are not refused for signing in, only for
//! failing.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// More addresses than this and new ones share one bucket (see `take`).
const MAX_ADDRESSES: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

pub struct LoginThrottle {
    /// Whether to stay out of the server log: 直报's counter must not write
    /// the address of a reporter anywhere.
    quiet: bool,
    capacity: f64,
    /// Tokens regained per second.
    rate: f64,
    max_addresses: usize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    buckets: HashMap<Key, Bucket>,
    /// When the map was last swept, so a flood of new addresses against a
    /// full map sweeps it once a second, not on every attempt.
    swept: Option<Instant>,
}

/// Who an attempt is counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    Addr(IpAddr),
    /// No address known, or too many addresses tracked already.
    Shared,
}

impl Key {
    /// An IPv6 client usually holds a whole /64, so its addresses count as
    /// one; an address that does not parse counts as unknown.
    pub fn of(ip: Option<&str>) -> Key {
        match ip.and_then(|s| s.trim().parse::<IpAddr>().ok()) {
            Some(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
                let mut seg = v6.segments();
                seg[4..].fill(0);
                Key::Addr(IpAddr::V6(seg.into()))
            }
            Some(IpAddr::V6(v6)) => v6
                .to_ipv4_mapped()
                .map_or(Key::Shared, |v4| Key::Addr(IpAddr::V4(v4))),
            Some(v4) => Key::Addr(v4),
            None => Key::Shared,
        }
    }
}

impl LoginThrottle {
    /// `per_minute` attempts a minute, all of them usable at once.
    pub fn new(per_minute: u32) -> Self {
        Self::with_limit(per_minute, MAX_ADDRESSES)
    }

    fn with_limit(per_minute: u32, max_addresses: usize) -> Self {
        let per_minute = f64::from(per_minute.max(1));
        LoginThrottle {
            quiet: false,
            capacity: per_minute,
            rate: per_minute / 60.0,
            max_addresses: max_addresses.max(1),
            state: Mutex::new(State::default()),
        }
    }

    /// Takes one attempt for `key`; returns the key it was counted
    /// against, or how long until the next attempt is allowed.
    ///
    /// The map is bounded: when it is full, buckets that have refilled
    /// (idle for a minute) are dropped; if it is still full, a new address
    /// shares one bucket with every other newcomer. A flood of addresses
    /// thus cannot grow memory, nor evict a busy address to reset its
    /// count; it only throttles itself.
    pub fn take(&self, key: Key, now: Instant) -> Result<Key, Duration> {
        let mut state = self.lock();
        let State { buckets, swept } = &mut *state;
        let key = if buckets.contains_key(&key) || buckets.len() < self.max_addresses {
            key
        } else {
            if swept.is_none_or(|at| now.saturating_duration_since(at) >= Duration::from_secs(1)) {
                let full_after = Duration::from_secs_f64(self.capacity / self.rate);
                buckets.retain(|k, b| {
                    *k == Key::Shared || now.saturating_duration_since(b.at) < full_after
                });
                *swept = Some(now);
            }
            if buckets.len() < self.max_addresses {
                key
            } else {
                Key::Shared
            }
        };
        let b = buckets.entry(key.clone()).or_insert(Bucket {
            tokens: self.capacity,
            at: now,
        });
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.rate).min(self.capacity);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            if b.tokens < 1.0 && !self.quiet {
                tracing::warn!(client = ?key, "login attempts from this address are now throttled");
            }
            Ok(key)
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / self.rate))
        }
    }

    /// [`take`](Self::take) for a request now: the key to refund on
    /// success, or the seconds to wait and the message saying so.
    pub fn admit(&self, ip: Option<&str>) -> Result<Key, (u64, String)> {
        self.take(Key::of(ip), Instant::now())
            .map_err(retry_message)
    }

    /// A counter that never logs the address it counts (直报).
    pub fn quiet(per_minute: u32) -> Self {
        LoginThrottle {
            quiet: true,
            ..Self::new(per_minute)
        }
    }

    /// [`admit`](Self::admit) for a reporter's route, with its own words.
    pub fn admit_quietly(&self, ip: Option<&str>) -> Result<Key, (u64, String)> {
        self.take(Key::of(ip), Instant::now()).map_err(|wait| {
            let (secs, _) = retry_message(wait);
            (secs, format!("操作过于频繁，请在{secs}秒后重试"))
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere while holding the lock leaves plain numbers
        // behind, still usable.
        match self.state.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Gives back the attempt of a successful login.
    pub fn refund(&self, key: &Key) {
        if let Some(b) = self.lock().buckets.get_mut(key) {
            b.tokens = (b.tokens + 1.0).min(self.capacity);
        }
    }
}

/// The refusal a person reads, rounded up to whole seconds.
pub fn retry_message(wait: Duration) -> (u64, String) {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let secs = secs.max(1);
    (secs, format!("登录尝试过于频繁，请在{secs}秒后重试"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> Key {
        Key::of(Some(s))
    }

    #[test]
    fn an_address_gets_its_attempts_then_waits_for_a_refill() {
        let t = LoginThrottle::new(10);
        let start = Instant::now();
        for _ in 0..10 {
            assert!(t.take(addr("10.0.0.1"), start).is_ok());
        }
        let wait = t.take(addr("10.0.0.1"), start).unwrap_err();
        assert_eq!(wait.as_secs(), 6, "one attempt back every 6 seconds");
        // Another address is not affected.
        assert!(t.take(addr("10.0.0.2"), start).is_ok());
        let later = start + Duration::from_secs(6);
        assert!(t.take(addr("10.0.0.1"), later).is_ok());
        assert!(t.take(addr("10.0.0.1"), later).is_err());
        // A full minute idle gives the whole allowance back, no more.
        let idle = later + Duration::from_secs(600);
        for _ in 0..10 {
            assert!(t.take(addr("10.0.0.1"), idle).is_ok());
        }
        assert!(t.take(addr("10.0.0.1"), idle).is_err());
    }

    #[test]
    fn a_successful_login_gives_its_attempt_back() {
        let t = LoginThrottle::new(2);
        let now = Instant::now();
        for _ in 0..50 {
            let k = t.take(addr("10.0.0.1"), now).unwrap();
            t.refund(&k);
        }
        assert!(t.take(addr("10.0.0.1"), now).is_ok());
        assert!(t.take(addr("10.0.0.1"), now).is_ok());
        assert!(t.take(addr("10.0.0.1"), now).is_err());
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_v4_as_v4() {
        assert_eq!(addr("2001:db8:1:2:aaaa::1"), addr("2001:db8:1:2:bbbb::9"));
        assert_ne!(addr("2001:db8:1:2::1"), addr("2001:db8:1:3::1"));
        assert_eq!(addr("::ffff:10.0.0.1"), addr("10.0.0.1"));
        assert_eq!(Key::of(None), Key::Shared);
        assert_eq!(Key::of(Some("not an address")), Key::Shared);
    }

    #[test]
    fn a_flood_of_addresses_stays_bounded_and_throttles_itself() {
        let t = LoginThrottle::with_limit(3, 100);
        let now = Instant::now();
        for i in 0..100u32 {
            let ip = std::net::Ipv4Addr::from(0x0a00_0000 + i).to_string();
            assert_eq!(t.take(addr(&ip), now), Ok(addr(&ip)));
        }
        // The 101st and later addresses share one bucket of 3.
        let newcomer = |i: u32| addr(&std::net::Ipv4Addr::from(0x0b00_0000 + i).to_string());
        for i in 0..3 {
            assert_eq!(t.take(newcomer(i), now), Ok(Key::Shared));
        }
        assert!(t.take(newcomer(3), now).is_err());
        assert!(t.lock().buckets.len() <= 101);
        // Tracked addresses keep their own count meanwhile.
        assert!(t.take(addr("10.0.0.5"), now).is_ok());
        // Once the early buckets have refilled they make room again.
        let later = now + Duration::from_secs(61);
        assert_eq!(t.take(newcomer(4), later), Ok(newcomer(4)));
        assert!(t.lock().buckets.len() <= 101);
    }

    #[test]
    fn the_message_says_when_to_retry() {
        let (secs, msg) = retry_message(Duration::from_millis(5_200));
        assert_eq!(secs, 6);
        assert_eq!(msg, "登录尝试过于频繁，请在6秒后重试");
        assert_eq!(retry_message(Duration::ZERO).0, 1);
    }
}
