//! 一表通 forms audit over the API: a folder of department forms uploaded
//! at once (multipart, every field named `file`), answered as JSON or as
//! the .xlsx a county's leaders read; a proposed item accepted into the
//! dictionary.

use super::ApiError;
use crate::context::ReqCtx;
use crate::extract::{upload_error, ApiJson, ApiMultipart};
use crate::session::ApiUser;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use jianfu_app::forms::{AcceptProposal, Report, UploadedFiles, MAX_AUDIT_FILES};
use serde_json::{json, Value};

/// Every `file` field of the body, by file name; an empty one is refused
/// with its name.
pub async fn read_files(mut mp: axum::extract::Multipart) -> Result<UploadedFiles, ApiError> {
    let mut files = Vec::new();
    while let Some(field) = mp.next_field().await.map_err(|e| upload_error(&e))? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("表格.xlsx").to_string();
        let bytes = field.bytes().await.map_err(|e| upload_error(&e))?;
        // An empty file is named among the errors by the reader, like any
        // other file it cannot open; the rest of the batch is audited.
        files.push((name, bytes.to_vec()));
        if files.len() > MAX_AUDIT_FILES {
            return Err(ApiError::BadRequest(format!(
                "一次最多审计 {MAX_AUDIT_FILES} 个文件；请分批上传"
            )));
        }
    }
    if files.is_empty() {
        return Err(ApiError::BadRequest(
            "请选择要审计的表格文件（字段 file，可多个）".into(),
        ));
    }
    Ok(files)
}

/// The audit as JSON: the `forms analyze --json` contract, with the
/// repeated items, the prefill share, the proposals, and what was skipped.
pub fn audit_json(report: &Report, dict: &jianfu_core::dictionary::Dictionary) -> Value {
    let mut v = report.contract_json();
    let repeated: Vec<Value> = report
        .items(dict)
        .into_iter()
        .filter(|i| i.forms.len() >= 2)
        .map(|i| {
            let forms: Vec<Value> = i
                .forms
                .iter()
                .map(|&f| json!({"file": report.forms[f].file, "sheet": report.forms[f].sheet}))
                .collect();
            json!({"label": i.label, "code": i.code, "proposed": i.proposed, "forms": forms})
        })
        .collect();
    v["repeated"] = json!(repeated);
    v["prefill_share"] = json!(report.prefill_share());
    v["proposals"] = json!(report.proposals);
    v["skipped"] = json!(report
        .skipped
        .iter()
        .map(|(file, sheet, why)| json!({"file": file, "sheet": sheet, "reason": why}))
        .collect::<Vec<_>>());
    v["errors"] = json!(report
        .errors
        .iter()
        .map(|(file, why)| json!({"file": file, "reason": why}))
        .collect::<Vec<_>>());
    v
}

pub async fn audit(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiMultipart(mp): ApiMultipart,
) -> Result<Json<Value>, ApiError> {
    state.app.may_audit_forms(&s.user, ctx.ip.clone()).await?;
    let files = read_files(mp).await?;
    let report = state.app.audit_forms(&s.user, files, ctx.ip).await?;
    Ok(Json(audit_json(&report, &state.app.dict())))
}

pub async fn audit_xlsx(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiMultipart(mp): ApiMultipart,
) -> Result<axum::response::Response, ApiError> {
    state.app.may_audit_forms(&s.user, ctx.ip.clone()).await?;
    let files = read_files(mp).await?;
    let report = state.app.audit_forms(&s.user, files, ctx.ip).await?;
    let bytes = report.audit_xlsx(&state.app.dict())?;
    Ok(super::reports::download(
        "表格审计.xlsx",
        jianfu_app::reports::ExportFormat::Xlsx,
        bytes,
    ))
}

pub async fn accept(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiJson(input): ApiJson<AcceptProposal>,
) -> Result<Json<Value>, ApiError> {
    let code = state.app.accept_proposal(&s.user, &input, ctx.ip).await?;
    Ok(Json(json!({"code": code})))
}
