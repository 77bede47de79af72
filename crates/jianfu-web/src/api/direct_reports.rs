//! `/api/v1` endpoints of 直报: filing (signed in, or on the public form),
//! follow-up by receipt code, and the office's and department's steps.
//!
//! The reporter's routes never hand the client address to a service, and
//! answer `Cache-Control: no-store`; their attempts are counted per address
//! in memory only (`AppState::reporter_throttle`).

use crate::context::ReqCtx;
use crate::errors::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::session::ApiUser;
use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use jianfu_app::direct_report::{OfficeStep, ReportForm, Upload};
use serde::Deserialize;
use serde_json::{json, Value};

/// The paths a reporter uses: no address reaches a service or the audit
/// log from these, and nothing is cached.
pub fn is_reporter_route(path: &str) -> bool {
    matches!(
        path,
        "/zhibao/new"
            | "/zhibao/follow"
            | "/zhibao/follow/add"
            | "/zhibao/follow/rate"
            | "/zhibao/public"
            | "/api/v1/direct-reports"
            | "/api/v1/direct-reports/follow"
            | "/api/v1/direct-reports/follow/messages"
            | "/api/v1/direct-reports/follow/rating"
            | "/api/v1/public/direct-reports"
    )
}

/// The reporter's routes that work without a session (the code is the key).
pub fn is_sessionless_post(path: &str) -> bool {
    matches!(
        path,
        "/zhibao/follow"
            | "/zhibao/follow/add"
            | "/zhibao/follow/rate"
            | "/zhibao/public"
            | "/api/v1/direct-reports/follow"
            | "/api/v1/direct-reports/follow/messages"
            | "/api/v1/direct-reports/follow/rating"
            | "/api/v1/public/direct-reports"
    )
}

/// A JSON answer nobody caches.
pub fn no_store(v: Value) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], Json(v)).into_response()
}

/// One attempt of a reporter's route from this address, or 429.
pub fn admit(state: &AppState, ctx: &ReqCtx) -> Result<(), ApiError> {
    state
        .reporter_throttle
        .admit_quietly(ctx.ip.as_deref())
        .map(|_| ())
        .map_err(|(retry_after, message)| ApiError::TooManyRequests {
            message,
            retry_after,
        })
}

#[derive(Deserialize)]
pub struct EvidenceInput {
    pub name: String,
    /// The file's bytes in base64.
    pub content_base64: String,
}

#[derive(Deserialize)]
pub struct FilingInput {
    #[serde(flatten)]
    pub form: ReportForm,
    #[serde(default)]
    pub evidence: Vec<EvidenceInput>,
}

fn uploads(evidence: Vec<EvidenceInput>) -> Result<Vec<Upload>, ApiError> {
    evidence
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            base64::engine::general_purpose::STANDARD
                .decode(e.content_base64.trim())
                .map(|bytes| Upload {
                    file_name: e.name.clone(),
                    bytes,
                })
                .map_err(|_| {
                    ApiError::BadRequest(format!(
                        "第 {} 个附件“{}”的 content_base64 不是有效的 base64",
                        i + 1,
                        e.name.chars().take(60).collect::<String>()
                    ))
                })
        })
        .collect()
}

/// A signed-in grassroots worker files a report.
pub async fn file(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiJson(input): ApiJson<FilingInput>,
) -> Result<Response, ApiError> {
    // Only a reporter's attempts are counted; anyone else is refused below.
    if s.user.role.is_grassroots() {
        admit(&state, &ctx)?;
    }
    let files = uploads(input.evidence)?;
    // The address goes only to a refusal of the wrong role (no report is
    // stored then); a report itself never receives it.
    let receipt = state
        .app
        .file_direct_report(&s.user, input.form, files, ctx.ip.clone())
        .await?;
    Ok(no_store(json!(receipt)))
}

/// The public form, without an account, while the office keeps it open.
pub async fn file_public(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiJson(input): ApiJson<FilingInput>,
) -> Result<Response, ApiError> {
    admit(&state, &ctx)?;
    let files = uploads(input.evidence)?;
    let receipt = state.app.file_public_report(input.form, files).await?;
    Ok(no_store(json!(receipt)))
}

#[derive(Deserialize)]
pub struct CodeInput {
    pub code: String,
}

pub async fn follow(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiJson(input): ApiJson<CodeInput>,
) -> Result<Response, ApiError> {
    admit(&state, &ctx)?;
    let view = state.app.follow_direct_report(&input.code).await?;
    Ok(no_store(json!(view)))
}

#[derive(Deserialize)]
pub struct MessageInput {
    pub code: String,
    pub text: String,
}

pub async fn follow_message(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiJson(input): ApiJson<MessageInput>,
) -> Result<Response, ApiError> {
    admit(&state, &ctx)?;
    let view = state
        .app
        .add_report_information(&input.code, &input.text)
        .await?;
    Ok(no_store(json!(view)))
}

#[derive(Deserialize)]
pub struct RatingInput {
    pub code: String,
    pub rating: i64,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub reopen: bool,
}

pub async fn follow_rating(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiJson(input): ApiJson<RatingInput>,
) -> Result<Response, ApiError> {
    admit(&state, &ctx)?;
    let view = state
        .app
        .rate_direct_report(&input.code, input.rating, &input.comment, input.reopen)
        .await?;
    Ok(no_store(json!(view)))
}

pub async fn list(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
) -> Result<Json<Value>, ApiError> {
    let reports = state.app.direct_reports_for(&s.user, ctx.ip).await?;
    Ok(Json(json!({ "reports": reports })))
}

pub async fn detail(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(
        state.app.direct_report_for(&s.user, id, ctx.ip).await?
    )))
}

pub async fn step(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(step): ApiJson<OfficeStep>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(
        state
            .app
            .step_direct_report(&s.user, id, step, ctx.ip)
            .await?
    )))
}

#[derive(Deserialize)]
pub struct PublishInput {
    pub title: String,
    pub body: String,
}

pub async fn publish(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(p): ApiJson<PublishInput>,
) -> Result<Json<Value>, ApiError> {
    let case = state
        .app
        .publish_typical_case(&s.user, id, &p.title, &p.body, ctx.ip)
        .await?;
    Ok(Json(json!({ "id": case })))
}

pub async fn withdraw(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    state.app.withdraw_typical_case(&s.user, id, ctx.ip).await?;
    Ok(Json(json!({ "withdrawn": id })))
}

pub async fn evidence(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath((id, position)): ApiPath<(i64, i64)>,
) -> Result<Response, ApiError> {
    let (content_type, bytes) = state
        .app
        .direct_report_file(&s.user, id, position, ctx.ip)
        .await?;
    Ok(file_response(&content_type, bytes, id, position))
}

/// An evidence file as a download, never rendered inline: a stored file
/// is the reporter's, not ours, and must not run as a page of this site.
pub fn file_response(content_type: &str, bytes: Vec<u8>, id: i64, position: i64) -> Response {
    let ext = jianfu_core::direct_report::extension_of(content_type);
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"zhibao-{id}-{position}.{ext}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

pub async fn typical_cases(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
) -> Result<Json<Value>, ApiError> {
    let office = s.user.role == jianfu_core::role::Role::Jianfuban;
    let mut cases = json!(state.app.typical_cases().await?);
    // Which report a case came from is the office's business only.
    if !office {
        if let Some(list) = cases.as_array_mut() {
            for c in list {
                if let Some(o) = c.as_object_mut() {
                    o.remove("report_id");
                }
            }
        }
    }
    Ok(Json(json!({ "cases": cases })))
}

#[derive(Deserialize)]
pub struct PublicFormInput {
    pub open: bool,
}

pub async fn public_form(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiJson(p): ApiJson<PublicFormInput>,
) -> Result<Json<Value>, ApiError> {
    state.app.set_public_form(&s.user, p.open, ctx.ip).await?;
    Ok(Json(json!({ "open": p.open })))
}
