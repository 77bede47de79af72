//! Reading and writing the few cookies jianfu uses.

use crate::i18n::Lang;
use axum::http::{header, HeaderMap, HeaderValue};

pub const SESSION: &str = "jianfu_session";
pub const LANG: &str = "jianfu_lang";
/// Double-submit token for the login form, before any session exists.
pub const PRE_CSRF: &str = "jianfu_login_csrf";

pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value. Session cookies are HttpOnly and SameSite=Lax.
pub fn set(
    name: &str,
    value: &str,
    max_age_secs: Option<i64>,
    secure: bool,
    http_only: bool,
) -> HeaderValue {
    let mut s = format!("{name}={value}; Path=/; SameSite=Lax");
    if let Some(age) = max_age_secs {
        s.push_str(&format!("; Max-Age={age}"));
    }
    if http_only {
        s.push_str("; HttpOnly");
    }
    if secure {
        s.push_str("; Secure");
    }
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The language chosen, for a year. It is no session cookie: signing out
/// and in again keeps it, and so does a new session in the same browser.
pub fn lang(lang: Lang, secure: bool) -> HeaderValue {
    let tag = if lang == Lang::En { "en" } else { "zh" };
    set(LANG, tag, Some(365 * 86_400), secure, false)
}

pub fn clear(name: &str, secure: bool) -> HeaderValue {
    set(name, "", Some(0), secure, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cookie_header() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; jianfu_session=abc; b=2"),
        );
        assert_eq!(get(&h, SESSION).as_deref(), Some("abc"));
        assert_eq!(get(&h, "c"), None);
    }

    #[test]
    fn session_cookie_attributes() {
        let v = set(SESSION, "x", None, true, true);
        let s = v.to_str().unwrap();
        assert!(s.contains("HttpOnly") && s.contains("SameSite=Lax") && s.contains("Secure"));
    }
}
