//! One-time form tokens: a form that must not take effect twice (filing a
//! 直报, adding to one) carries a random token, and a token that was spent
//! is refused. Refreshing the receipt page resends the same post; without
//! this, it would file the report again and show a second code.
//!
//! Only spent tokens are kept, in memory, for a day: a token is random and
//! says nothing about who holds it. After a restart a resent post goes
//! through once more, which is the rare case, not the common refresh.

use rand::RngCore;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a spent token is remembered.
const REMEMBER: Duration = Duration::from_secs(24 * 60 * 60);
/// Spent tokens kept at most; the oldest go first beyond it.
const MAX_SPENT: usize = 100_000;

#[derive(Default)]
pub struct OnceTokens {
    spent: Mutex<HashMap<String, Instant>>,
}

/// A fresh token for a form: 128 random bits, hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl OnceTokens {
    /// Spends `token`; false if it was spent before. A form without a
    /// token (the JSON API, an old page) is not refused: the token guards
    /// against a browser resending a post, not against a client.
    pub fn spend(&self, token: &str) -> bool {
        let token = token.trim();
        if token.is_empty() || token.len() > 64 {
            return true;
        }
        let now = Instant::now();
        let mut spent = self.spent.lock().unwrap_or_else(|p| p.into_inner());
        if spent.len() >= MAX_SPENT {
            spent.retain(|_, at| now.duration_since(*at) < REMEMBER);
            if spent.len() >= MAX_SPENT {
                if let Some(oldest) = spent
                    .iter()
                    .min_by_key(|(_, at)| **at)
                    .map(|(k, _)| k.clone())
                {
                    spent.remove(&oldest);
                }
            }
        }
        match spent.get(token) {
            Some(at) if now.duration_since(*at) < REMEMBER => false,
            _ => {
                spent.insert(token.to_string(), now);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_spent_once() {
        let tokens = OnceTokens::default();
        let t = new_token();
        assert_eq!(t.len(), 32);
        assert!(tokens.spend(&t));
        assert!(!tokens.spend(&t));
        assert!(tokens.spend(&new_token()));
        // No token: not a browser form, not refused.
        assert!(tokens.spend(""));
        assert!(tokens.spend(""));
    }
}
