//! Password hashing with argon2id (PHC string format, per-hash salt).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

pub const MIN_LENGTH: usize = 8;

/// Where the server hashes and verifies passwords.
///
/// argon2 is built to cost tens of milliseconds of CPU and 19 MiB; run on
/// the async workers, a flood of logins stalled every other request (16
/// clients took `/healthz` from 2 ms to half a second). So each hash runs on
/// tokio's blocking pool, and a semaphore with one permit per core bounds
/// how many run at once: a flood queues here, cheaply, instead of taking
/// every core and the memory of one hash per waiting request.
#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    concurrent: usize,
    verifications: Arc<AtomicU64>,
    #[cfg(feature = "fixtures")]
    gate: Arc<Gate>,
}

/// Lets a test hold verifications mid-flight, to see what the server does
/// meanwhile without measuring time. Compiled only for tests.
#[cfg(feature = "fixtures")]
#[derive(Default)]
struct Gate {
    closed: std::sync::Mutex<bool>,
    opened: std::sync::Condvar,
}

#[cfg(feature = "fixtures")]
impl Gate {
    fn set(&self, closed: bool) {
        if let Ok(mut c) = self.closed.lock() {
            *c = closed;
        }
        self.opened.notify_all();
    }

    fn pass(&self) {
        let Ok(mut c) = self.closed.lock() else {
            return;
        };
        while *c {
            match self.opened.wait(c) {
                Ok(g) => c = g,
                Err(_) => return,
            }
        }
    }
}

impl Default for Passwords {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Passwords::new(cores)
    }
}

impl Passwords {
    /// At most `concurrent` hashes at a time (at least one).
    pub fn new(concurrent: usize) -> Self {
        Passwords {
            permits: Arc::new(Semaphore::new(concurrent.max(1))),
            concurrent: concurrent.max(1),
            verifications: Arc::new(AtomicU64::new(0)),
            #[cfg(feature = "fixtures")]
            gate: Arc::default(),
        }
    }

    /// How many hashes may run at once.
    pub fn concurrent(&self) -> usize {
        self.concurrent
    }

    /// Verifications that start from now on wait, once counted, until
    /// [`release`](Self::release).
    #[cfg(feature = "fixtures")]
    pub fn hold(&self) {
        self.gate.set(true);
    }

    #[cfg(feature = "fixtures")]
    pub fn release(&self) {
        self.gate.set(false);
    }

    /// How many verifications have run: a login costs exactly one whatever
    /// the account, which is what makes the answers indistinguishable.
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// Verifies on the blocking pool. With `stored` absent (unknown user)
    /// the password is checked against a hash of a random password, so the
    /// work is the same and the answer always false.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> bool {
        let password = password.to_string();
        let stored = stored.map(str::to_string);
        let counter = self.verifications.clone();
        #[cfg(feature = "fixtures")]
        let gate = self.gate.clone();
        self.run(move || {
            counter.fetch_add(1, Ordering::Relaxed);
            #[cfg(feature = "fixtures")]
            gate.pass();
            match stored {
                Some(h) => verify(&password, &h),
                None => {
                    verify(&password, dummy_hash());
                    false
                }
            }
        })
        .await
        .unwrap_or(false)
    }

    pub async fn hash(&self, password: &str) -> Result<String, String> {
        let password = password.to_string();
        self.run(move || hash(&password))
            .await
            .unwrap_or_else(|| Err("密码哈希失败：服务器繁忙，请稍后重试".into()))
    }

    /// Computes the stand-in hash for unknown users now, at startup, so
    /// the first failed login does not pay for it (and so show it).
    pub async fn warm_up(&self) {
        self.run(|| {
            dummy_hash();
        })
        .await;
    }

    /// `None` if the task could not run (the runtime is shutting down).
    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let _permit = self.permits.acquire().await.ok()?;
        tokio::task::spawn_blocking(f).await.ok()
    }
}

/// A valid argon2id hash of a random password, with the same parameters
/// as real ones, verified against when the account is unknown.
fn dummy_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| {
        let mut bytes = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
        let random: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        hash(&random).unwrap_or_default()
    })
}

pub fn hash(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("密码哈希失败：{e}"))
}

/// Constant-time verification against a stored PHC string. A malformed
/// stored hash verifies as false rather than erroring, so it cannot be used
/// to distinguish accounts.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Checks a new password against the policy; the message is shown to users.
pub fn check_policy(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_LENGTH {
        return Err(format!("密码至少需要{MIN_LENGTH}个字符"));
    }
    if password.chars().all(|c| c.is_ascii_digit()) {
        return Err("密码不能全部是数字".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_argon2id_and_verifies() {
        let h = hash("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse", &h));
        assert!(!verify("wrong horse", &h));
        assert!(!verify("x", "not-a-hash"));
    }

    #[tokio::test]
    async fn verification_runs_on_the_blocking_pool_and_counts() {
        let p = Passwords::new(0);
        let h = p.hash("correct horse").await.unwrap();
        assert!(p.verify("correct horse", Some(&h)).await);
        assert!(!p.verify("wrong horse", Some(&h)).await);
        // An unknown user costs a verification too and never succeeds,
        // not even with an empty password.
        assert!(!p.verify("", None).await);
        assert!(!p.verify("correct horse", None).await);
        assert_eq!(p.verifications(), 4);
        assert!(PasswordHash::new(dummy_hash()).is_ok());
        let dummy = PasswordHash::new(dummy_hash()).unwrap();
        let real = PasswordHash::new(&h).unwrap();
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(
            dummy.params.to_string(),
            real.params.to_string(),
            "same cost as a real hash"
        );
    }

    #[test]
    fn policy() {
        assert!(check_policy("short").is_err());
        assert!(check_policy("12345678").is_err());
        assert!(check_policy("jianfu2026").is_ok());
    }
}
