//! CSRF protection for every state-changing request.
//!
//! A session carries a random token. Forms send it as `_csrf`, scripts and
//! API clients as the `X-CSRF-Token` header. The two login endpoints, where
//! no session exists yet, are protected differently: the web form by a
//! double-submit cookie (checked in its handler), the JSON API by requiring
//! `Content-Type: application/json`, which no cross-site form can send
//! without a CORS preflight that jianfu never grants.

use crate::context::{ReqCtx, Session};
use crate::errors::{ApiError, PageError};
use crate::i18n::{self, Lang};
use crate::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub const FORM_FIELD: &str = "_csrf";
pub const HEADER: &str = "x-csrf-token";
const MAX_FORM_BYTES: usize = 1 << 20;

/// Compares without an early exit so timing does not reveal the prefix.
pub fn tokens_match(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn is_json(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

fn is_form(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

fn is_multipart(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"))
}

/// The text of one field of a multipart body already in memory.
async fn multipart_field(body: axum::body::Bytes, boundary: String, name: &str) -> Option<String> {
    let stream =
        futures_util::stream::once(std::future::ready(Ok::<_, std::convert::Infallible>(body)));
    let mut form = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}

pub fn form_value(body: &[u8], field: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == field)
        .map(|(_, v)| v)
}

/// A refusal: JSON for the API (in Chinese, like every API message), the
/// error page in the page's language for a form.
fn refused(api: bool, lang: Lang, status: StatusCode, key: &str) -> Response {
    if api {
        let msg = i18n::t(Lang::Zh, key).to_string();
        match status {
            StatusCode::FORBIDDEN => ApiError::Forbidden(msg).into_response(),
            _ => (status, msg).into_response(),
        }
    } else {
        PageError::new(status, i18n::t(lang, key), lang).into_response()
    }
}

fn denied(api: bool, lang: Lang) -> Response {
    refused(api, lang, StatusCode::FORBIDDEN, "csrf_refused")
}

/// Whether a form came from this site: the browser's `Origin` (or, where
/// it sends none, `Sec-Fetch-Site`) names this host.
fn same_origin(req: &Request) -> bool {
    let headers = req.headers();
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(origin) => host.is_some_and(|h| {
            origin
                .split_once("://")
                .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(h))
        }),
        None => headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_none_or(|v| v == "same-origin" || v == "none"),
    }
}

pub async fn enforce(State(_state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe {
        return next.run(req).await;
    }
    let path = req.uri().path().to_string();
    let api = path.starts_with("/api/");
    let lang = req
        .extensions()
        .get::<ReqCtx>()
        .map_or(Lang::Zh, |c| c.lang);
    if path == "/api/v1/login" {
        if !is_json(&req) {
            return ApiError::UnsupportedMediaType.into_response();
        }
        return next.run(req).await;
    }
    if path == "/login" {
        // Checked by the handler against the double-submit cookie.
        return next.run(req).await;
    }
    // A reporter following a report by its code, or using the public
    // form, has no session and gets no cookie (GlobaLeaks: no cookies for
    // reporters). The API takes JSON only, which no cross-site form can
    // send; a page's form must come from this site's own pages.
    if req.extensions().get::<Session>().is_none()
        && (crate::api::direct_reports::is_sessionless_post(&path)
            || crate::api::ratings::is_sessionless_post(&path))
    {
        if api {
            if !is_json(&req) {
                return ApiError::UnsupportedMediaType.into_response();
            }
            return next.run(req).await;
        }
        if !same_origin(&req) {
            return denied(api, lang);
        }
        return next.run(req).await;
    }
    let Some(expected) = req
        .extensions()
        .get::<Session>()
        .map(|s| s.user.csrf_token.clone())
    else {
        return if api {
            ApiError::Unauthorized.into_response()
        } else {
            axum::response::Redirect::to("/login").into_response()
        };
    };
    if let Some(h) = req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        if tokens_match(h, &expected) {
            return next.run(req).await;
        }
        return denied(api, lang);
    }
    // A browser cannot add a header to a file-upload form, so the token
    // travels as a field of the multipart body (never in the URL, where it
    // would land in access logs and the browser's history).
    if is_multipart(&req) {
        let boundary = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| multer::parse_boundary(v).ok());
        let (parts, body) = req.into_parts();
        let bytes = match axum::body::to_bytes(body, crate::uploads::MAX_UPLOAD_BYTES).await {
            Ok(b) => b,
            Err(_) => return refused(api, lang, StatusCode::PAYLOAD_TOO_LARGE, "upload_too_large"),
        };
        let token = match boundary {
            Some(b) => multipart_field(bytes.clone(), b, FORM_FIELD).await,
            None => None,
        };
        if !token.is_some_and(|t| tokens_match(&t, &expected)) {
            return denied(api, lang);
        }
        return next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
    }
    if is_form(&req) {
        let (parts, body) = req.into_parts();
        let bytes = match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
            Ok(b) => b,
            Err(_) => return refused(api, lang, StatusCode::PAYLOAD_TOO_LARGE, "form_too_large"),
        };
        let ok = form_value(&bytes, FORM_FIELD).is_some_and(|t| tokens_match(&t, &expected));
        if !ok {
            return denied(api, lang);
        }
        return next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
    }
    denied(api, lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_comparison() {
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abc", "abd"));
        assert!(!tokens_match("abc", "abcd"));
    }

    #[test]
    fn reads_form_field() {
        assert_eq!(
            form_value(b"a=1&_csrf=x%2By&b=2", "_csrf").as_deref(),
            Some("x+y")
        );
        assert_eq!(form_value(b"a=1", "_csrf"), None);
    }
}
