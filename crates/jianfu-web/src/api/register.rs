//! `/api/v1` endpoints of the dictionary and the base register.

use crate::context::ReqCtx;
use crate::errors::ApiError;
use crate::extract::{json_body, upload_error, ApiJson, ApiMultipart, ApiPath, ApiQuery};
use crate::session::ApiUser;
use crate::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jianfu_app::import::{
    read_table, rejected_rows_xlsx, suggest_mapping, ImportMode, ImportOptions, Mapping,
};
use jianfu_app::register::Source;
use jianfu_core::mask;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

use jianfu_app::today;

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

pub async fn elements(
    State(state): State<AppState>,
    ApiUser(_): ApiUser,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Json<Value> {
    let dict = state.app.dict();
    let list = dict.search(q.q.as_deref().unwrap_or(""));
    Json(json!({"elements": list, "total": list.len()}))
}

pub async fn element(
    State(state): State<AppState>,
    ApiUser(_): ApiUser,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    let dict = state.app.dict();
    let el = dict
        .element(&code)
        .ok_or_else(|| ApiError::NotFound(format!("指标 {code} 不存在")))?;
    let table = el.code_table.as_deref().and_then(|t| dict.table(t));
    Ok(Json(
        json!({"element": el, "code_table": table, "used_by_reports": []}),
    ))
}

pub async fn persons(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Json<Value>, ApiError> {
    let (rows, total) = state
        .app
        .search_residents(
            &s.user,
            q.q.as_deref().unwrap_or(""),
            q.limit.unwrap_or(50),
            q.offset.unwrap_or(0),
            ctx.ip,
        )
        .await?;
    let persons: Vec<Value> = rows
        .iter()
        .map(|p| json!({"id": p.id, "name": p.name, "id_number": mask::id_number(&p.id_number), "unit_id": p.unit_id, "household_id": p.household_id}))
        .collect();
    Ok(Json(json!({"persons": persons, "total": total})))
}

pub async fn places(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(kind): ApiPath<String>,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Json<Value>, ApiError> {
    let kind = jianfu_app::register::place_type(&kind)?;
    let (rows, total) = state
        .app
        .places_for(
            &s.user,
            kind,
            q.q.as_deref().unwrap_or(""),
            q.limit.unwrap_or(50),
            q.offset.unwrap_or(0),
            ctx.ip,
        )
        .await?;
    Ok(Json(json!({"places": rows, "total": total})))
}

pub async fn place(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath((kind, id)): ApiPath<(String, i64)>,
) -> Result<Json<Value>, ApiError> {
    let kind = jianfu_app::register::place_type(&kind)?;
    let view = state.app.place_view(&s.user, kind, id, ctx.ip).await?;
    Ok(Json(json!(view)))
}

pub async fn person(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    let view = state.app.person_view(&s.user, id, today(), ctx.ip).await?;
    Ok(Json(json!(view)))
}

pub async fn history(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    let rows = state.app.person_history(&s.user, id, ctx.ip).await?;
    Ok(Json(json!({"history": rows})))
}

#[derive(Deserialize)]
pub struct RevealBody {
    element: String,
}

pub async fn reveal(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<RevealBody>,
) -> Result<Json<Value>, ApiError> {
    let value = state.app.reveal(&s.user, id, &b.element, ctx.ip).await?;
    Ok(Json(json!({"element": b.element, "value": value})))
}

#[derive(Deserialize)]
pub struct FactBody {
    element: String,
    value: String,
}

pub async fn set_fact(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<FactBody>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .set_person_fact(&s.user, id, &b.element, &b.value, today(), ctx.ip)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn conflicts(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
) -> Result<Json<Value>, ApiError> {
    let rows = state.app.conflicts_for(&s.user).await?;
    Ok(Json(json!({"conflicts": rows})))
}

#[derive(Deserialize)]
pub struct ResolveBody {
    accept: bool,
}

pub async fn resolve(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ResolveBody>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .resolve_conflict(&s.user, id, b.accept, ctx.ip)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The fields of an import request, from a multipart form.
#[derive(Default)]
pub struct ImportForm {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub community: String,
    pub source: String,
    pub department: String,
    pub mode: String,
    pub dry_run: bool,
    /// Header label → element code ("" = not imported), overriding the
    /// suggestion.
    pub mapping: HashMap<String, String>,
}

pub async fn read_import_form(mut mp: axum::extract::Multipart) -> Result<ImportForm, ApiError> {
    let mut f = ImportForm::default();
    while let Some(field) = mp.next_field().await.map_err(|e| upload_error(&e))? {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            f.file_name = field.file_name().unwrap_or("upload").to_string();
            f.bytes = field.bytes().await.map_err(|e| upload_error(&e))?.to_vec();
            continue;
        }
        let text = field.text().await.map_err(|e| match upload_error(&e) {
            ApiError::BadRequest(_) => {
                ApiError::BadRequest(format!("表单字段“{name}”无法读取（应为 UTF-8 文本）"))
            }
            other => other,
        })?;
        match name.as_str() {
            "community" => f.community = text,
            "source" => f.source = text,
            "department" => f.department = text,
            "mode" => f.mode = text,
            "dry_run" => f.dry_run = matches!(text.as_str(), "1" | "true" | "on"),
            "mapping" => {
                // Shaped {"列名":"指标代码"}.
                f.mapping =
                    json_body(text.as_bytes(), "表单字段“mapping”").map_err(ApiError::from)?
            }
            other if other.starts_with("map:") => {
                f.mapping.insert(other[4..].to_string(), text);
            }
            _ => {}
        }
    }
    Ok(f)
}

/// Runs an import request: suggested mapping plus overrides, then the dry
/// run or the commit. Returns the mapping used and the report, and stores a
/// rejected-rows workbook when rows were refused.
pub async fn run_import(
    state: &AppState,
    user: &jianfu_app::CurrentUser,
    f: &ImportForm,
) -> Result<(Mapping, jianfu_app::import::ImportReport, Option<String>), ApiError> {
    let dict = state.app.dict();
    if f.bytes.is_empty() {
        return Err(ApiError::BadRequest("没有收到文件".into()));
    }
    // Reading a workbook is CPU work bounded by the upload limits; it runs
    // on the blocking pool so the async workers keep answering others.
    let (name, bytes) = (f.file_name.clone(), f.bytes.clone());
    let table = tokio::task::spawn_blocking(move || {
        read_table(&name, &bytes, &jianfu_app::workbook::SheetLimits::UPLOAD)
    })
    .await
    .map_err(|_| ApiError::BadRequest(format!("{} 无法读取", f.file_name)))??;
    let table = std::sync::Arc::new(table);
    let community = match f.community.trim() {
        "" => user.scope.clone(),
        key => state
            .app
            .db
            .unit_by_code_or_name(key)
            .await?
            .ok_or_else(|| ApiError::BadRequest(format!("找不到村社区“{key}”")))?,
    };
    // Only what this community's own imports taught guides the mapping.
    let learned = state.app.import_aliases(community.id).await?;
    let mut mapping = suggest_mapping(&dict, &learned, &table).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "{} 中找不到表头：前20行没有一列能对应到指标库",
            f.file_name
        ))
    })?;
    for c in &mut mapping.columns {
        if let Some(code) = f.mapping.get(&c.label) {
            c.element = (!code.is_empty()).then(|| code.clone());
            c.kind = Some(jianfu_app::import::MatchKind::Manual);
        }
    }
    let source = match f.source.trim() {
        "" => Source::Import,
        s => Source::from_label(s)
            .ok_or_else(|| ApiError::BadRequest(format!("来源“{s}”无效，应为 导入 或 共享")))?,
    };
    let department_id = match f.department.trim() {
        "" => None,
        d => Some(
            state
                .app
                .db
                .unit_by_code_or_name(d)
                .await?
                .ok_or_else(|| ApiError::BadRequest(format!("找不到部门“{d}”")))?
                .id,
        ),
    };
    let report = state
        .app
        .import_residents(
            Some(user),
            table.clone(),
            &f.bytes,
            &mapping,
            &ImportOptions {
                file_name: f.file_name.clone(),
                community_id: community.id,
                source,
                department_id,
                mode: if f.mode == "skip_invalid" {
                    ImportMode::SkipInvalid
                } else {
                    ImportMode::Atomic
                },
                dry_run: f.dry_run,
                today: today(),
                // The server's other requests must not wait for an upload.
                exclusive: false,
            },
        )
        .await?;
    // Mappings a person chose and then imported with teach the matcher,
    // for this community only.
    if report.committed {
        state
            .app
            .learn_from_import(Some(user), community.id, &mapping)
            .await?;
    }
    let rejected = if report.errors.is_empty() {
        None
    } else {
        let xlsx = rejected_rows_xlsx(&table, mapping.header_row, &report.errors)?;
        Some(
            state
                .uploads
                .put(user.id, &format!("未导入-{}.xlsx", f.file_name), xlsx),
        )
    };
    Ok((mapping, report, rejected))
}

pub async fn import(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    ApiMultipart(mp): ApiMultipart,
) -> Result<Json<Value>, ApiError> {
    let f = read_import_form(mp).await?;
    let (mapping, report, rejected) = run_import(&state, &s.user, &f).await?;
    let rejected_url = rejected.map(|t| format!("/api/v1/imports/rejected/{t}"));
    Ok(Json(
        json!({"mapping": mapping, "report": report, "rejected_rows_xlsx": rejected_url}),
    ))
}

pub async fn rejected(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    ApiPath(token): ApiPath<String>,
) -> Result<Response, ApiError> {
    let f = state
        .uploads
        .get(s.user.id, &token)
        .ok_or_else(|| ApiError::NotFound("文件不存在或已过期（保留1小时）".into()))?;
    Ok(xlsx_download(&f.file_name, f.bytes.as_ref().clone()))
}

pub fn xlsx_download(file_name: &str, bytes: Vec<u8>) -> Response {
    let encoded: String = crate::session::urlencode(file_name);
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"rejected.xlsx\"; filename*=UTF-8''{encoded}"),
            ),
        ],
        bytes,
    )
        .into_response()
}

pub async fn save_element(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(code): ApiPath<String>,
    ApiJson(mut edit): ApiJson<jianfu_app::dictionary::ElementEdit>,
) -> Result<Json<Value>, ApiError> {
    edit.code = code;
    let version = state.app.save_element(&s.user, &edit, ctx.ip).await?;
    Ok(Json(json!({"code": edit.code, "version": version})))
}

pub async fn element_versions(
    State(state): State<AppState>,
    ApiUser(_): ApiUser,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    let rows = state.app.element_versions(&code).await?;
    if rows.is_empty() {
        return Err(ApiError::NotFound(format!("指标 {code} 不存在")));
    }
    Ok(Json(json!({"versions": rows})))
}

#[derive(Deserialize)]
pub struct MoveBody {
    /// Division code or name of the receiving village or community.
    community: String,
}

pub async fn move_person(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<MoveBody>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .move_person(&s.user, id, &b.community, today(), ctx.ip)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn merge_candidates(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
) -> Result<Json<Value>, ApiError> {
    let rows = state.app.merge_candidates_for(&s.user).await?;
    Ok(Json(json!({"merge_candidates": rows})))
}

pub async fn decide_merge(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ResolveBody>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .decide_merge(&s.user, id, b.accept, today(), ctx.ip)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
