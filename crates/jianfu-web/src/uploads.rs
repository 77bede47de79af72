//! Files kept between two requests: an uploaded spreadsheet between its
//! preview and its commit, and the rejected-rows workbook until it is
//! downloaded. Held in memory for an hour, and only for their owner.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TTL: Duration = Duration::from_secs(3600);
/// Bounds memory: a burst of uploads evicts the oldest.
const MAX_ENTRIES: usize = 64;
pub const MAX_UPLOAD_BYTES: usize = 32 * 1024 * 1024;

/// Any other request body: a report definition, a cell, a form. A 25 MB
/// definition with 150,000 columns was once parsed whole before anything
/// looked at it.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The larger limit, for the routes that take a file.
pub fn upload_limit() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(MAX_UPLOAD_BYTES)
}

#[derive(Clone)]
pub struct Stored {
    pub owner: i64,
    pub file_name: String,
    pub bytes: Arc<Vec<u8>>,
    at: Instant,
}

#[derive(Clone, Default)]
pub struct Uploads {
    inner: Arc<Mutex<HashMap<String, Stored>>>,
}

impl Uploads {
    pub fn put(&self, owner: i64, file_name: &str, bytes: Vec<u8>) -> String {
        let token = jianfu_app::auth::random_token();
        let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, v| v.at.elapsed() < TTL);
        if map.len() >= MAX_ENTRIES {
            if let Some(oldest) = map.iter().min_by_key(|(_, v)| v.at).map(|(k, _)| k.clone()) {
                map.remove(&oldest);
            }
        }
        map.insert(
            token.clone(),
            Stored {
                owner,
                file_name: file_name.to_string(),
                bytes: Arc::new(bytes),
                at: Instant::now(),
            },
        );
        token
    }

    /// The stored file if `owner` put it there and it has not expired.
    pub fn get(&self, owner: i64, token: &str) -> Option<Stored> {
        let map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        map.get(token)
            .filter(|s| s.owner == owner && s.at.elapsed() < TTL)
            .cloned()
    }
}
