//! 一表通 forms audit page: the 减负办 or a department uploads a folder of
//! forms and reads what they really ask for (the distinct items, the items
//! several forms ask for, the share the base register prefills today, the
//! new items the batch proposes), exports it as .xlsx, and the office
//! accepts a proposal into the dictionary.

use crate::api::forms_audit::read_files;
use crate::context::ReqCtx;
use crate::errors::PageError;
use crate::extract::{PageForm, PageMultipart, PagePath};
use crate::render::{base, render};
use crate::session::PageUser;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jianfu_app::forms::{AcceptProposal, Report};
use jianfu_core::role::Role;
use serde::Deserialize;
use serde_json::json;

fn err(ctx: &ReqCtx) -> impl Fn(jianfu_app::AppError) -> PageError + '_ {
    move |e| PageError::from_app(e, ctx.lang)
}

fn refused(ctx: &ReqCtx, e: crate::errors::ApiError) -> PageError {
    PageError::untranslated(
        StatusCode::BAD_REQUEST,
        "refused_request",
        e.message(),
        ctx.lang,
    )
}

fn page(
    state: &AppState,
    ctx: &ReqCtx,
    s: &crate::context::Session,
    report: Option<&Report>,
    export_token: Option<&str>,
) -> Result<Html<String>, PageError> {
    let mut data = base(ctx, Some(s));
    data.insert("export_token".into(), json!(export_token));
    data.insert("office".into(), json!(s.user.role == Role::Jianfuban));
    if let Some(r) = report {
        let dict = state.app.dict();
        let items = r.items(&dict);
        let name = |i: usize| {
            let f = &r.forms[i];
            f.title
                .clone()
                .unwrap_or_else(|| format!("{} / {}", f.file, f.sheet))
        };
        let repeated: Vec<_> = items
            .iter()
            .filter(|i| i.forms.len() >= 2)
            .map(|i| {
                json!({"label": i.label, "proposed": i.proposed, "count": i.forms.len(),
                       "forms": i.forms.iter().map(|&f| name(f)).collect::<Vec<_>>()})
            })
            .collect();
        let forms: Vec<_> = r
            .forms
            .iter()
            .map(|f| {
                let data = f.columns.iter().filter(|c| c.data).count();
                let matched = f
                    .columns
                    .iter()
                    .filter(|c| c.data && c.element.is_some() && !c.proposed)
                    .count();
                json!({"file": f.file, "sheet": f.sheet, "title": f.title, "kind": f.kind,
                       "columns": f.columns.len(), "data": data, "matched": matched})
            })
            .collect();
        // Accepted already: an element of any entity with its pinyin.
        let accepted = |code: &str| {
            let slug = code.trim_start_matches("new.");
            ["person", "household", "house", "organization"]
                .iter()
                .any(|e| dict.element(&format!("{e}.{slug}")).is_some())
        };
        let proposals: Vec<_> = r
            .proposals
            .iter()
            .map(|p| {
                json!({"code": p.code, "name": p.name, "forms": p.forms,
                       "aliases": p.aliases.join("|"), "accepted": accepted(&p.code)})
            })
            .collect();
        let data_columns: usize =
            forms.iter().filter_map(|f| f["data"].as_u64()).sum::<u64>() as usize;
        data.insert(
            "audit".into(),
            json!({
                "forms": r.forms.len(),
                "columns": r.forms.iter().map(|f| f.columns.len()).sum::<usize>(),
                "data_columns": data_columns,
                "items": items.len(),
                "repeated_count": repeated.len(),
                "asked_again": data_columns.saturating_sub(items.len()),
                "prefill": format!("{:.1}", r.prefill_share() * 100.0),
                "repeated": repeated,
                "proposals": proposals,
                "per_form": forms,
                "skipped": r.skipped.iter().map(|(f, s, why)| json!({"file": f, "sheet": s, "why": why})).collect::<Vec<_>>(),
                "errors": r.errors.iter().map(|(f, why)| json!({"file": f, "why": why})).collect::<Vec<_>>(),
            }),
        );
    }
    render("forms_audit.html", ctx, data)
}

pub async fn show(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
) -> Result<Html<String>, PageError> {
    state
        .app
        .may_audit_forms(&s.user, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    page(&state, &ctx, &s, None, None)
}

/// The uploaded batch audited, once the reader may audit: asked before
/// the upload is read, so a refused reader's files are never parsed.
async fn audited(
    state: &AppState,
    ctx: &ReqCtx,
    s: &crate::context::Session,
    mp: axum::extract::Multipart,
) -> Result<Report, PageError> {
    state
        .app
        .may_audit_forms(&s.user, ctx.ip.clone())
        .await
        .map_err(err(ctx))?;
    let files = read_files(mp).await.map_err(|e| refused(ctx, e))?;
    state
        .app
        .audit_forms(&s.user, files, ctx.ip.clone())
        .await
        .map_err(err(ctx))
}

pub async fn analyze(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageMultipart(mp): PageMultipart,
) -> Result<Html<String>, PageError> {
    let report = audited(&state, &ctx, &s, mp).await?;
    // The workbook of this audit, kept an hour for its reader: the page's
    // file input is empty again, so the export cannot ask for the files.
    let bytes = report.audit_xlsx(&state.app.dict()).map_err(err(&ctx))?;
    let token = state.uploads.put(s.user.id, "表格审计.xlsx", bytes);
    page(&state, &ctx, &s, Some(&report), Some(&token))
}

/// The .xlsx of an audit just shown, by the token its page carries.
pub async fn download(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(token): PagePath<String>,
) -> Result<Response, PageError> {
    let stored = state.uploads.get(s.user.id, &token).ok_or_else(|| {
        PageError::untranslated(
            StatusCode::NOT_FOUND,
            "refused_request",
            "这份审计表已过期（保留一小时），请重新上传表格".into(),
            ctx.lang,
        )
    })?;
    Ok(crate::api::reports::download(
        &stored.file_name,
        jianfu_app::reports::ExportFormat::Xlsx,
        stored.bytes.as_ref().clone(),
    )
    .into_response())
}

/// The audit of the files chosen, straight to .xlsx (the form's second
/// button).
pub async fn export(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageMultipart(mp): PageMultipart,
) -> Result<Response, PageError> {
    let report = audited(&state, &ctx, &s, mp).await?;
    let bytes = report.audit_xlsx(&state.app.dict()).map_err(err(&ctx))?;
    Ok(crate::api::reports::download(
        "表格审计.xlsx",
        jianfu_app::reports::ExportFormat::Xlsx,
        bytes,
    )
    .into_response())
}

#[derive(Deserialize)]
pub struct AcceptForm {
    code: String,
    name: String,
    #[serde(default)]
    aliases: String,
    entity: String,
}

pub async fn accept(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageForm(f): PageForm<AcceptForm>,
) -> Result<Redirect, PageError> {
    let input = AcceptProposal {
        code: f.code,
        name: f.name,
        aliases: f.aliases.split('|').map(str::to_string).collect(),
        entity: f.entity,
    };
    let code = state
        .app
        .accept_proposal(&s.user, &input, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    Ok(Redirect::to(&format!("/dictionary/{code}")))
}
