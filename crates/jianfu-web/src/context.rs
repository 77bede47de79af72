//! Per-request context that every handler may need: the language, the
//! client address and whether the connection is secure.

use crate::i18n::Lang;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use jianfu_app::CurrentUser;

#[derive(Debug, Clone)]
pub struct ReqCtx {
    pub lang: Lang,
    pub ip: Option<String>,
    pub secure: bool,
    pub path: String,
    /// The query string as sent, without `?` (empty if none).
    pub query: String,
}

/// The session's user and cookie token, set by the session middleware.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: CurrentUser,
    pub token: String,
}

impl<S: Send + Sync> FromRequestParts<S> for ReqCtx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<ReqCtx>().cloned().unwrap_or(ReqCtx {
            lang: Lang::Zh,
            ip: None,
            secure: false,
            path: parts.uri.path().to_string(),
            query: parts.uri.query().unwrap_or_default().to_string(),
        }))
    }
}
