//! Error responses: JSON for the API, an HTML page for the UI. Messages are
//! Chinese and say what went wrong; internal details go to the log only.

use crate::i18n::{self, Lang};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use jianfu_app::{AppError, LoginError};
use serde_json::json;

#[derive(Debug)]
pub enum ApiError {
    Unauthorized,
    /// 401 with the reason a login was refused.
    LoginRefused(String),
    Forbidden(String),
    NotFound(String),
    BadRequest(String),
    Locked(String),
    /// 429 with the seconds to wait (sent as `Retry-After` too).
    TooManyRequests {
        message: String,
        retry_after: u64,
    },
    UnsupportedMediaType,
    /// A request the extractors refused (its body, path or query), with
    /// the status they chose: 400, 413 or 500.
    Rejected(StatusCode, String),
    Internal(String),
}

impl ApiError {
    /// The message a person reads, for pages that show an API error.
    pub fn message(&self) -> String {
        match self {
            ApiError::Unauthorized => "未登录或会话已过期，请重新登录".into(),
            ApiError::UnsupportedMediaType => "请求格式不正确".into(),
            ApiError::Internal(_) => "服务器内部错误，请稍后重试".into(),
            ApiError::LoginRefused(m)
            | ApiError::Forbidden(m)
            | ApiError::NotFound(m)
            | ApiError::BadRequest(m)
            | ApiError::Locked(m)
            | ApiError::Rejected(_, m)
            | ApiError::TooManyRequests { message: m, .. } => m.clone(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::TooManyRequests {
            message,
            retry_after,
        } = self
        {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(axum::http::header::RETRY_AFTER, retry_after.to_string())],
                Json(json!({ "error": message })),
            )
                .into_response();
        }
        let (status, msg) = match self {
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "未登录或会话已过期，请重新登录".to_string(),
            ),
            ApiError::LoginRefused(m) => (StatusCode::UNAUTHORIZED, m),
            ApiError::Forbidden(m) => (StatusCode::FORBIDDEN, m),
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, m),
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
            ApiError::Locked(m) => (StatusCode::LOCKED, m),
            ApiError::TooManyRequests { message, .. } => (StatusCode::TOO_MANY_REQUESTS, message),
            ApiError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "请求体必须是 JSON（Content-Type: application/json）".to_string(),
            ),
            ApiError::Rejected(status, m) => (status, m),
            ApiError::Internal(m) => {
                tracing::error!(error = %m, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "服务器内部错误，请稍后重试".to_string(),
                )
            }
        };
        (status, Json(json!({ "error": msg }))).into_response()
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid(m) => ApiError::BadRequest(m),
            AppError::Forbidden(m) => ApiError::Forbidden(m),
            AppError::NotFound(m) => ApiError::NotFound(format!("未找到：{m}")),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<jianfu_store::StoreError> for ApiError {
    fn from(e: jianfu_store::StoreError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl From<LoginError> for ApiError {
    fn from(e: LoginError) -> Self {
        match e {
            LoginError::BadCredentials | LoginError::Disabled => {
                ApiError::LoginRefused(e.to_string())
            }
            LoginError::Locked { .. } => ApiError::Locked(e.to_string()),
            LoginError::App(a) => a.into(),
        }
    }
}

#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    /// In the page's language.
    pub message: String,
    pub lang: Lang,
    /// A service's own Chinese message, shown under `message` on a page
    /// in another language (marked `translate="no"`).
    pub detail: Option<String>,
}

impl PageError {
    pub fn new(status: StatusCode, message: impl Into<String>, lang: Lang) -> Self {
        PageError {
            status,
            message: message.into(),
            lang,
            detail: None,
        }
    }

    /// A message the services (or the request reader) wrote in Chinese.
    /// A Chinese page shows it as it is; a page in another language says
    /// `key` in its language and shows the Chinese message under it.
    pub fn untranslated(status: StatusCode, key: &str, chinese: String, lang: Lang) -> Self {
        if lang == Lang::Zh {
            return PageError::new(status, chinese, lang);
        }
        PageError {
            status,
            message: i18n::t(lang, key).to_string(),
            lang,
            detail: Some(chinese),
        }
    }

    pub fn from_app(e: AppError, lang: Lang) -> Self {
        match e {
            AppError::Invalid(m) => {
                PageError::untranslated(StatusCode::BAD_REQUEST, "refused_invalid", m, lang)
            }
            AppError::Forbidden(m) => {
                PageError::untranslated(StatusCode::FORBIDDEN, "refused_forbidden", m, lang)
            }
            AppError::NotFound(_) => {
                PageError::new(StatusCode::NOT_FOUND, i18n::t(lang, "not_found"), lang)
            }
            other => {
                tracing::error!(error = %other, "internal error");
                PageError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    i18n::t(lang, "internal_error"),
                    lang,
                )
            }
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let body = crate::render::error_page(self.lang, &self.message, self.detail.as_deref());
        (self.status, Html(body)).into_response()
    }
}
