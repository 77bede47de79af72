//! `/api/v1` endpoints of 一表通 reports: templates, definitions,
//! publishing, filling tasks cell by cell, review and export.

use crate::context::ReqCtx;
use crate::errors::ApiError;
use crate::extract::{upload_error, ApiJson, ApiMultipart, ApiPath, ApiQuery};
use crate::session::{urlencode, ApiUser};
use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use jianfu_app::reports::{ExportFormat, NewReportInput};
use serde::Deserialize;
use serde_json::{json, Value};

/// Reads the one file of a multipart upload.
pub async fn read_upload(mut mp: axum::extract::Multipart) -> Result<(String, Vec<u8>), ApiError> {
    while let Some(field) = mp.next_field().await.map_err(|e| upload_error(&e))? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("模板.xlsx").to_string();
            let bytes = field.bytes().await.map_err(|e| upload_error(&e))?;
            if bytes.is_empty() {
                return Err(ApiError::BadRequest(format!("文件“{name}”是空的")));
            }
            return Ok((name, bytes.to_vec()));
        }
    }
    Err(ApiError::BadRequest(
        "请选择要上传的模板文件（字段 file）".into(),
    ))
}

pub async fn analyze_template(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiMultipart(mp): ApiMultipart,
) -> Result<Json<Value>, ApiError> {
    let (name, bytes) = read_upload(mp).await?;
    let proposals = state
        .app
        .propose_reports(&s.user, &name, bytes, ctx.ip)
        .await?;
    Ok(Json(json!({"file": name, "proposals": proposals})))
}

pub async fn list(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
) -> Result<Json<Value>, ApiError> {
    let reports = state.app.reports_for(&s.user).await?;
    let list: Vec<Value> = reports
        .iter()
        .map(|r| {
            json!({"id": r.id, "title": r.title, "kind": r.kind, "department": r.department,
                   "frequency": r.frequency, "period": r.period, "deadline": r.deadline,
                   "status": r.status})
        })
        .collect();
    Ok(Json(json!({"reports": list})))
}

pub async fn create(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiJson(input): ApiJson<NewReportInput>,
) -> Result<Json<Value>, ApiError> {
    let id = state.app.create_report(&s.user, input, ctx.ip).await?;
    Ok(Json(json!({"id": id})))
}

pub async fn detail(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    let (r, def) = state.app.report_detail(&s.user, id, ctx.ip).await?;
    Ok(Json(json!({"report": r, "definition": def})))
}

pub async fn publish(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    let p = state.app.publish_report(&s.user, id, ctx.ip).await?;
    Ok(Json(
        json!({"tasks": p.tasks, "with_rows": p.tasks - p.without_rows,
                   "without_rows": p.without_rows}),
    ))
}

/// Prefills every task of the report again and returns the district's
/// cell counts: what the register answers and what is left to type.
pub async fn prefill(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    let summary = state.app.prefill_report(&s.user, id, ctx.ip).await?;
    Ok(Json(json!(summary)))
}

pub async fn consolidated(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    let c = state.app.consolidation(&s.user, id, ctx.ip).await?;
    Ok(Json(json!(c)))
}

pub fn download(file_name: &str, format: ExportFormat, bytes: Vec<u8>) -> Response {
    let mime = match format {
        ExportFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ExportFormat::Csv => "text/csv; charset=utf-8",
    };
    let ascii = match format {
        ExportFormat::Xlsx => "report.xlsx",
        ExportFormat::Csv => "report.csv",
    };
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
                    urlencode(file_name)
                ),
            ),
        ],
        bytes,
    )
        .into_response()
}

pub fn parse_format(s: &str) -> Result<ExportFormat, ApiError> {
    ExportFormat::from_ext(s)
        .ok_or_else(|| ApiError::BadRequest(format!("不支持的导出格式“{s}”（xlsx 或 csv）")))
}

pub async fn export_report(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath((id, format)): ApiPath<(i64, String)>,
) -> Result<Response, ApiError> {
    let format = parse_format(&format)?;
    let (name, bytes) = state.app.export_report(&s.user, id, format, ctx.ip).await?;
    Ok(download(&name, format, bytes))
}

#[derive(Deserialize)]
pub struct PurposeInput {
    #[serde(default)]
    purpose: String,
}

/// The consolidated result with full ID and phone numbers: the owning
/// department only, with a stated purpose, audited.
pub async fn export_report_full(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath((id, format)): ApiPath<(i64, String)>,
    ApiJson(p): ApiJson<PurposeInput>,
) -> Result<Response, ApiError> {
    let format = parse_format(&format)?;
    let (name, bytes) = state
        .app
        .export_report_full(&s.user, id, format, &p.purpose, ctx.ip)
        .await?;
    Ok(download(&name, format, bytes))
}

pub async fn tasks(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
) -> Result<Json<Value>, ApiError> {
    let tasks = state.app.tasks_for(&s.user).await?;
    let list: Vec<Value> = tasks
        .iter()
        .map(|t| {
            json!({"id": t.id, "report_id": t.report_id, "title": t.report_title,
                   "period": t.report_period, "deadline": t.report_deadline,
                   "unit": t.unit_name, "status": t.status,
                   "cells_total": t.cells_total, "cells_prefilled": t.cells_prefilled,
                   "cells_typed": t.cells_typed, "active_ms": t.active_ms})
        })
        .collect();
    Ok(Json(json!({"tasks": list})))
}

pub async fn task(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    let mut view = state.app.open_task(&s.user, id, ctx.ip).await?;
    // The snapshot is the department's copy; the grid is what matters here.
    view.task.snapshot = None;
    Ok(Json(json!(view)))
}

#[derive(Deserialize)]
pub struct CellInput {
    row: String,
    col: usize,
    value: String,
    #[serde(default)]
    seen: Option<String>,
}

pub async fn save_cell(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(c): ApiJson<CellInput>,
) -> Result<Json<Value>, ApiError> {
    let saved = state
        .app
        .save_task_cell(
            &s.user,
            id,
            &c.row,
            c.col,
            &c.value,
            c.seen.as_deref(),
            ctx.ip,
        )
        .await?;
    Ok(Json(json!(saved)))
}

#[derive(Deserialize)]
pub struct RowInput {
    id_number: String,
    #[serde(default)]
    name: String,
    /// `{"kind":"none"}`, `{"kind":"existing","id":…,"relation":"20"}` or
    /// `{"kind":"new","address":"…"}`; absent means none.
    #[serde(default)]
    household: jianfu_app::reports::HouseholdChoice,
}

#[derive(Deserialize)]
pub struct HouseholdSearch {
    #[serde(default)]
    q: String,
}

/// Households of the task's community for the grid's picker (by head's or
/// member's name, or address).
pub async fn task_households(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<HouseholdSearch>,
) -> Result<Json<Value>, ApiError> {
    let list = state.app.task_households(&s.user, id, &q.q, ctx.ip).await?;
    Ok(Json(json!({"households": list})))
}

pub async fn add_row(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<RowInput>,
) -> Result<Json<Value>, ApiError> {
    let person = state
        .app
        .add_task_person(
            &s.user,
            id,
            &jianfu_app::reports::NewRowPerson {
                id_number: r.id_number,
                name: r.name,
                household: r.household,
            },
            ctx.ip,
        )
        .await?;
    Ok(Json(json!({"person_id": person})))
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    let gaps = state.app.submit_task(&s.user, id, ctx.ip).await?;
    Ok(Json(json!({"status": "已提交", "gaps_left": gaps})))
}

pub async fn withdraw(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    state.app.withdraw_task(&s.user, id, ctx.ip).await?;
    Ok(Json(json!({"status": "填报中"})))
}

#[derive(Deserialize)]
pub struct ReturnInput {
    comment: String,
}

pub async fn return_task(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<ReturnInput>,
) -> Result<Json<Value>, ApiError> {
    state
        .app
        .return_task(&s.user, id, &r.comment, ctx.ip)
        .await?;
    Ok(Json(json!({"status": "退回"})))
}

pub async fn accept(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    state.app.accept_task(&s.user, id, ctx.ip).await?;
    Ok(Json(json!({"status": "已接收"})))
}

pub async fn export_task(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath((id, format)): ApiPath<(i64, String)>,
) -> Result<Response, ApiError> {
    let format = parse_format(&format)?;
    let (name, bytes) = state.app.export_task(&s.user, id, format, ctx.ip).await?;
    Ok(download(&name, format, bytes))
}
