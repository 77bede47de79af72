//! Extractors that refuse a malformed request in Chinese, naming the part
//! of the request that was wrong (body, path parameter, query parameter,
//! form field, upload).
//!
//! axum's own `Json`, `Path`, `Query`, `Form` and `Multipart` answer a bad
//! request with English plain text ("Failed to parse the request body as
//! JSON", "Cannot parse `abc` to a `i64`"). Every handler takes these
//! wrappers instead: `Api*` answer with the API's JSON error, `Page*` with
//! the HTML error page. A test (`tests::handlers_use_these_extractors`)
//! fails if a handler takes one of axum's directly.

mod describe;

use crate::context::ReqCtx;
use crate::errors::{ApiError, PageError};
use crate::i18n::Lang;
use axum::body::Bytes;
use axum::extract::multipart::MultipartError;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Multipart, Path, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

pub use describe::quoted;

/// What was wrong with a request, already worded for a person.
#[derive(Debug)]
pub struct Problem {
    pub status: StatusCode,
    pub message: String,
}

impl Problem {
    fn bad(message: String) -> Self {
        Problem {
            status: StatusCode::BAD_REQUEST,
            message,
        }
    }
}

impl From<Problem> for ApiError {
    fn from(p: Problem) -> Self {
        ApiError::Rejected(p.status, p.message)
    }
}

fn page_error(parts: &Parts, p: Problem) -> PageError {
    page_error_in(lang_of(&parts.extensions), p)
}

fn lang_of(ext: &axum::http::Extensions) -> Lang {
    ext.get::<ReqCtx>().map_or(Lang::Zh, |c| c.lang)
}

/// The request reader's messages are Chinese (they name the field that
/// was wrong); a page in another language says so in its own words too.
fn page_error_in(lang: Lang, p: Problem) -> PageError {
    PageError::untranslated(p.status, "refused_request", p.message, lang)
}

/// A JSON request body.
pub struct ApiJson<T>(pub T);

/// Path parameters (`/persons/{id}`).
pub struct ApiPath<T>(pub T);

/// The query string.
pub struct ApiQuery<T>(pub T);

/// A `multipart/form-data` upload; read its fields with
/// [`upload_error`] for errors.
pub struct ApiMultipart(pub Multipart);

/// Path parameters of a page.
pub struct PagePath<T>(pub T);

/// The query string of a page.
pub struct PageQuery<T>(pub T);

/// A posted `application/x-www-form-urlencoded` form.
pub struct PageForm<T>(pub T);

/// An upload posted by a page.
pub struct PageMultipart(pub Multipart);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(body_problem)?;
        Ok(ApiJson(json_body(&bytes, "请求体")?))
    }
}

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        path_params(parts, state)
            .await
            .map(ApiPath)
            .map_err(Into::into)
    }
}

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for PagePath<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        match path_params(parts, state).await {
            Ok(v) => Ok(PagePath(v)),
            Err(p) => Err(page_error(parts, p)),
        }
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        urlencoded(parts.uri.query().unwrap_or_default(), "查询参数")
            .map(ApiQuery)
            .map_err(Into::into)
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for PageQuery<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, PageError> {
        match urlencoded(parts.uri.query().unwrap_or_default(), "查询参数") {
            Ok(v) => Ok(PageQuery(v)),
            Err(p) => Err(page_error(parts, p)),
        }
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, PageError> {
        let lang = lang_of(req.extensions());
        if !has_content_type(req.headers(), "application/x-www-form-urlencoded") {
            let p = Problem {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                message: "表单格式不对：应以 application/x-www-form-urlencoded 提交".into(),
            };
            return Err(page_error_in(lang, p));
        }
        let parsed = match Bytes::from_request(req, state).await {
            Ok(bytes) => std::str::from_utf8(&bytes)
                .map_err(|_| Problem::bad("表单内容不是 UTF-8 文本".into()))
                .and_then(|text| urlencoded(text, "表单字段")),
            Err(e) => Err(body_problem(e)),
        };
        parsed.map(PageForm).map_err(|p| page_error_in(lang, p))
    }
}

impl<S: Send + Sync> FromRequest<S> for ApiMultipart {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Multipart::from_request(req, state)
            .await
            .map(ApiMultipart)
            .map_err(|_| not_multipart().into())
    }
}

impl<S: Send + Sync> FromRequest<S> for PageMultipart {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, PageError> {
        let lang = lang_of(req.extensions());
        Multipart::from_request(req, state)
            .await
            .map(PageMultipart)
            .map_err(|_| page_error_in(lang, not_multipart()))
    }
}

fn not_multipart() -> Problem {
    Problem::bad("上传格式不对：请求体应为 multipart/form-data（选择文件后提交）".into())
}

/// An error while reading the fields of an upload, in Chinese.
pub fn upload_error(e: &MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large().into()
    } else {
        ApiError::BadRequest("上传内容不完整或格式不对，无法读取，请重新选择文件上传".into())
    }
}

fn too_large() -> Problem {
    Problem {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        message: format!(
            "请求体过大（上限 {} MB）",
            crate::uploads::MAX_UPLOAD_BYTES / (1024 * 1024)
        ),
    }
}

fn body_problem(e: BytesRejection) -> Problem {
    match e {
        BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_)) => too_large(),
        _ => Problem::bad("请求体无法读取，请重试".into()),
    }
}

fn has_content_type(headers: &HeaderMap, wanted: &str) -> bool {
    content_type(headers).is_some_and(|ct| ct == wanted)
}

/// The media type without parameters, lower case.
fn content_type(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = v.split(';').next()?.trim().to_ascii_lowercase();
    Some(essence)
}

/// `application/json` or any `application/…+json`, as axum accepts.
fn is_json(headers: &HeaderMap) -> bool {
    content_type(headers).is_some_and(|ct| {
        ct.strip_prefix("application/")
            .is_some_and(|sub| sub == "json" || sub.ends_with("+json"))
    })
}

/// Parses JSON, naming the field and the position of a mistake; `part`
/// says what the JSON is ("请求体", "报表定义").
pub fn json_body<T: DeserializeOwned>(bytes: &[u8], part: &str) -> Result<T, Problem> {
    let syntax = |e: &serde_json::Error| {
        let msg = if e.is_eof() {
            if bytes.iter().all(u8::is_ascii_whitespace) {
                format!("{part}为空，应为 JSON")
            } else {
                format!(
                    "{part}不是完整的 JSON：在第{}行第{}列意外结束",
                    e.line(),
                    e.column()
                )
            }
        } else {
            format!(
                "{part}不是合法的 JSON：第{}行第{}列附近有误",
                e.line(),
                e.column()
            )
        };
        Problem::bad(msg)
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        if e.inner().is_data() {
            let path = e.path().to_string();
            let field = (path != ".").then_some(path.as_str());
            Problem::bad(format!(
                "{part}有误：{}",
                describe::data_error(field, &e.inner().to_string())
            ))
        } else {
            syntax(e.inner())
        }
    })?;
    de.end().map_err(|e| syntax(&e))?;
    Ok(value)
}

/// Parses `a=1&b=2` (a query string or a posted form); `part` names it.
pub fn urlencoded<T: DeserializeOwned>(text: &str, part: &str) -> Result<T, Problem> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(text.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let msg = e.inner().to_string();
        if path == "." {
            return Problem::bad(format!("{part}有误：{}", describe::data_error(None, &msg)));
        }
        let value = form_urlencoded::parse(text.as_bytes())
            .find(|(k, _)| *k == path)
            .map(|(_, v)| v.into_owned());
        let clause = describe::data_error(None, &msg);
        let clause = clause.trim_start_matches('的');
        Problem::bad(match value {
            Some(v) if clause.starts_with("应为") => {
                format!(
                    "{part}{}有误：{clause}，而不是{}",
                    quoted(&path),
                    quoted(&v)
                )
            }
            _ => format!("{part}{}有误：{clause}", quoted(&path)),
        })
    })
}

async fn path_params<T: DeserializeOwned + Send, S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
) -> Result<T, Problem> {
    use axum::extract::path::ErrorKind;
    let err = match Path::<T>::from_request_parts(parts, state).await {
        Ok(Path(v)) => return Ok(v),
        Err(PathRejection::FailedToDeserializePathParams(e)) => e.into_kind(),
        Err(e) => {
            // The route has no parameters to give: a routing mistake.
            tracing::error!(error = %e, path = %parts.uri.path(), "path parameters missing");
            return Err(Problem {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                message: "服务器内部错误，请稍后重试".into(),
            });
        }
    };
    // A single parameter's error carries its value but not its name; the
    // route's raw parameters give the name back.
    let raw = RawPathParams::from_request_parts(parts, state).await.ok();
    let key_of = |value: &str| {
        raw.as_ref().and_then(|r| {
            r.iter()
                .find(|(_, v)| *v == value)
                .map(|(k, _)| k.to_string())
        })
    };
    let wrong = |key: Option<String>, value: &str, expected: &str| {
        let name = key.map(|k| quoted(&k)).unwrap_or_default();
        Problem::bad(format!(
            "路径参数{name}应为{}，而不是{}",
            describe::expected_zh(expected),
            quoted(value)
        ))
    };
    Err(match err {
        ErrorKind::ParseErrorAtKey {
            key,
            value,
            expected_type,
        } => wrong(Some(key), &value, expected_type),
        ErrorKind::ParseErrorAtIndex {
            value,
            expected_type,
            ..
        }
        | ErrorKind::ParseError {
            value,
            expected_type,
        } => wrong(key_of(&value), &value, expected_type),
        ErrorKind::InvalidUtf8InPathParam { key } => {
            Problem::bad(format!("路径参数{}不是有效的 UTF-8 文本", quoted(&key)))
        }
        ErrorKind::DeserializeError { key, value, .. } => Problem::bad(format!(
            "路径参数{}的值{}不符合要求",
            quoted(&key),
            quoted(&value)
        )),
        other => {
            tracing::error!(error = %other, path = %parts.uri.path(), "path parameters do not fit the handler");
            Problem {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                message: "服务器内部错误，请稍后重试".into(),
            }
        }
    })
}

#[cfg(test)]
mod tests;
