//! Resolves the session cookie and the request context once per request,
//! and the extractors that demand a signed-in user.

use crate::context::{ReqCtx, Session};
use crate::errors::{ApiError, PageError};
use crate::i18n::Lang;
use crate::{cookies, AppState, CookieSecure};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::SocketAddr;

fn forwarded_https(headers: &HeaderMap) -> bool {
    let xfp = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    let fwd = headers
        .get("forwarded")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("proto=https"));
    xfp || fwd
}

fn query_lang(query: Option<&str>) -> Option<Lang> {
    query?
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| *k == "lang")
        .and_then(|(_, v)| Lang::from_tag(v))
}

pub async fn resolve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let headers = req.headers();
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    let ip = if state.cfg.trust_proxy {
        // The last entry is the one the proxy itself added (the address
        // that connected to it); entries before it came from the client
        // and can say anything, which would let a client choose the
        // address its login attempts are counted and audited under.
        headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .or(peer)
    } else {
        peer
    };
    let secure = match state.cfg.cookie_secure {
        CookieSecure::Always => true,
        CookieSecure::Never => false,
        CookieSecure::Auto => forwarded_https(headers),
    };
    let lang_from_query = query_lang(req.uri().query());
    let lang = lang_from_query
        .or_else(|| cookies::get(headers, cookies::LANG).and_then(|v| Lang::from_tag(&v)))
        .unwrap_or(Lang::Zh);
    let token = cookies::get(headers, cookies::SESSION).filter(|t| !t.is_empty() && t.len() < 128);
    if let Some(token) = token {
        match state.app.authenticate(&token).await {
            Ok(Some(user)) => {
                req.extensions_mut().insert(Session { user, token });
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                return ApiError::Internal(e.to_string()).into_response();
            }
        }
    }
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or_default().to_string();
    let ctx = ReqCtx {
        lang,
        ip,
        secure,
        path,
        query,
    };
    req.extensions_mut().insert(ctx.clone());
    // An error page is built without the request: this lets it keep the
    // navigation and the user's name.
    let page = (req.extensions().get::<Session>().cloned(), ctx);
    let mut resp = crate::render::PAGE_CONTEXT.scope(page, next.run(req)).await;
    if let Some(l) = lang_from_query {
        resp.headers_mut()
            .append(header::SET_COOKIE, cookies::lang(l, secure));
    }
    resp
}

/// A signed-in user on a page; anyone else is sent to the login page.
pub struct PageUser(pub Session);

impl<S: Send + Sync> FromRequestParts<S> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Session>() {
            Some(s) => Ok(PageUser(s.clone())),
            None => {
                let path = parts.uri.path();
                let next = if path == "/" {
                    String::new()
                } else {
                    format!("?next={}", urlencode(path))
                };
                Err(Redirect::to(&format!("/login{next}")).into_response())
            }
        }
    }
}

/// A signed-in user on the API; anyone else gets 401.
pub struct ApiUser(pub Session);

impl<S: Send + Sync> FromRequestParts<S> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Session>()
            .cloned()
            .map(ApiUser)
            .ok_or(ApiError::Unauthorized)
    }
}

/// Percent-encodes a path for use in a query string.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl PageError {
    pub fn forbidden(lang: Lang) -> Self {
        PageError::new(
            axum::http::StatusCode::FORBIDDEN,
            crate::i18n::t(lang, "forbidden"),
            lang,
        )
    }
}

/// The signed-in user if there is one: pages anyone may open (a reporter's
/// follow-up, the public form) keep the navigation for a signed-in user.
pub struct MaybeUser(pub Option<Session>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(parts.extensions.get::<Session>().cloned()))
    }
}
