//! `/api/v1` endpoints of 准入: requests and their workflow, caps, the duty
//! list, the gate's settings, and the public
//! check of a 准入编号 (no login).

use crate::context::ReqCtx;
use crate::errors::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::session::ApiUser;
use crate::AppState;
use axum::extract::State;
use axum::response::Response;
use axum::Json;
use jianfu_app::admission::{Action, AdmissionInput};
use jianfu_core::admission::caps::Cap;
use jianfu_core::admission::settings::Settings;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pending: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let pending = matches!(q.pending.as_deref(), Some("1" | "true"));
    let rows = state.app.list_admissions(&s.user, pending).await?;
    let list: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({"id": r.id, "number": r.number, "title": r.title, "kind": r.kind,
                   "department": r.department, "status": r.status,
                   "status_label": jianfu_app::admission::status_label(&r.status),
                   "hours": r.hours, "needs_escalation": r.needs_escalation != 0,
                   "valid_until": r.valid_until})
        })
        .collect();
    Ok(Json(json!({"admissions": list})))
}

pub async fn create(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiJson(input): ApiJson<AdmissionInput>,
) -> Result<Json<Value>, ApiError> {
    let id = state.app.create_admission(&s.user, &input, ctx.ip).await?;
    Ok(Json(json!({"id": id})))
}

pub async fn detail(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(
        state.app.admission_view(&s.user, id, ctx.ip).await?
    )))
}

pub async fn update(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<AdmissionInput>,
) -> Result<Json<Value>, ApiError> {
    state
        .app
        .update_admission(&s.user, id, &input, ctx.ip)
        .await?;
    Ok(Json(json!({"id": id})))
}

#[derive(Deserialize)]
pub struct DecideInput {
    action: String,
    #[serde(default)]
    reason: String,
}

pub async fn decide(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<DecideInput>,
) -> Result<Json<Value>, ApiError> {
    let action = Action::from_code(&input.action).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "未知的操作“{}”（submit、escalate、admit、return、refuse）",
            input.action
        ))
    })?;
    let view = state
        .app
        .decide_admission(&s.user, id, action, &input.reason, ctx.ip)
        .await?;
    Ok(Json(json!(view)))
}

#[derive(Deserialize)]
pub struct ReasonInput {
    #[serde(default)]
    reason: String,
}

pub async fn override_cap(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ReasonInput>,
) -> Result<Json<Value>, ApiError> {
    state
        .app
        .override_cap(&s.user, id, &input.reason, ctx.ip)
        .await?;
    Ok(Json(json!({"ok": true})))
}

pub async fn assessment_xlsx(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let (name, bytes) = state.app.assessment_xlsx(&s.user, id, ctx.ip).await?;
    Ok(super::reports::download(
        &name,
        jianfu_app::reports::ExportFormat::Xlsx,
        bytes,
    ))
}

#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<i64>,
}

pub async fn caps(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> Result<Json<Value>, ApiError> {
    let year = q.year.unwrap_or_else(|| state.app.admission_year());
    let lines = state.app.cap_dashboard(&s.user, year).await?;
    Ok(Json(json!({"year": year, "caps": lines})))
}

#[derive(Deserialize)]
pub struct CapInput {
    year: i64,
    department_id: i64,
    kind: String,
    #[serde(default)]
    max_count: Option<u32>,
    #[serde(default)]
    max_hours: Option<f64>,
}

pub async fn set_cap(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiJson(c): ApiJson<CapInput>,
) -> Result<Json<Value>, ApiError> {
    let cap = Cap {
        max_count: c.max_count,
        max_hours: c.max_hours,
    };
    state
        .app
        .set_admission_cap(&s.user, c.year, c.department_id, &c.kind, cap, ctx.ip)
        .await?;
    Ok(Json(json!({"ok": true})))
}

pub async fn duty_items(
    State(state): State<AppState>,
    ApiUser(_): ApiUser,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({"items": state.app.duty_list().await?})))
}

#[derive(Deserialize)]
pub struct DutyInput {
    name: String,
    #[serde(default)]
    note: String,
}

pub async fn add_duty_item(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiJson(d): ApiJson<DutyInput>,
) -> Result<Json<Value>, ApiError> {
    state
        .app
        .add_duty_item(&s.user, &d.name, &d.note, ctx.ip)
        .await?;
    Ok(Json(json!({"ok": true})))
}

pub async fn remove_duty_item(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    state.app.remove_duty_item(&s.user, id, ctx.ip).await?;
    Ok(Json(json!({"ok": true})))
}

pub async fn settings(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(
        state.app.get_admission_settings(&s.user).await?
    )))
}

pub async fn put_settings(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiJson(v): ApiJson<Settings>,
) -> Result<Json<Value>, ApiError> {
    state
        .app
        .put_admission_settings(&s.user, &v, ctx.ip)
        .await?;
    Ok(Json(json!({"ok": true})))
}

/// The public check: no login, no personal data.
pub async fn public_lookup(
    State(state): State<AppState>,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    match state.app.public_admission(&number).await? {
        Some(a) => Ok(Json(json!(a))),
        None => Err(ApiError::NotFound(format!(
            "准入编号 {} 不存在：该事项未经准入，村（社区）可以拒绝，并可向减负办反映",
            number.trim()
        ))),
    }
}
