//! Pages of 一表通: the report and task lists, designing a report from an
//! uploaded template, a report's status and consolidated result, and the
//! filling grid (its spreadsheet behaviour is in assets/app.js and talks to
//! the JSON API cell by cell).

use crate::api::reports::{download, parse_format};
use crate::context::ReqCtx;
use crate::errors::PageError;
use crate::extract::{PageForm, PagePath, PageQuery};
use crate::i18n::{labels, t};
use crate::render::{base, fmt_time, render};
use crate::session::PageUser;
use crate::AppState;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jianfu_core::reports::ColumnSource;
use jianfu_core::role::Role;
use serde::Deserialize;
use serde_json::json;

fn err(ctx: &ReqCtx) -> impl Fn(jianfu_app::AppError) -> PageError + '_ {
    move |e| PageError::from_app(e, ctx.lang)
}

pub(super) fn source_code(s: &ColumnSource) -> &'static str {
    match s {
        ColumnSource::Serial => "serial",
        ColumnSource::Blank => "blank",
        ColumnSource::Element { .. } => "element",
        ColumnSource::Manual => "manual",
        ColumnSource::Computed { .. } => "computed",
        ColumnSource::RowLabel => "row_label",
        ColumnSource::Count { .. } => "count",
        ColumnSource::CountHouseholds { .. } => "count_households",
        ColumnSource::Sum { .. } => "sum",
        ColumnSource::Ratio { .. } => "ratio",
    }
}

pub async fn list(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
) -> Result<Html<String>, PageError> {
    let app = &state.app;
    let reports = app.reports_for(&s.user).await.map_err(err(&ctx))?;
    let tasks = app.tasks_for(&s.user).await.map_err(err(&ctx))?;
    let mut data = base(&ctx, Some(&s));
    data.insert(
        "designer".into(),
        json!(matches!(s.user.role, Role::Department | Role::Jianfuban)),
    );
    data.insert("reports".into(), json!(reports));
    data.insert(
        "tasks".into(),
        json!(tasks
            .iter()
            .map(
                |t| json!({"id": t.id, "title": t.report_title, "period": t.report_period,
                "deadline": t.report_deadline, "unit": t.unit_name, "status": t.status,
                "typed": t.cells_typed, "cells": t.cells_total, "prefilled": t.cells_prefilled})
            )
            .collect::<Vec<_>>()),
    );
    render("reports.html", &ctx, data)
}

/// What a report's page says after the step just taken.
#[derive(Deserialize)]
pub struct DetailNotice {
    #[serde(default)]
    saved: Option<String>,
    #[serde(default)]
    published: Option<i64>,
    #[serde(default)]
    accepted: Option<i64>,
    #[serde(default)]
    returned: Option<i64>,
}

pub async fn detail(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
    PageQuery(saved): PageQuery<DetailNotice>,
) -> Result<Html<String>, PageError> {
    let app = &state.app;
    if s.user.role == Role::Township {
        return township_detail(&state, &ctx, &s, id).await;
    }
    let c = app
        .consolidation(&s.user, id, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    let headers: Vec<String> = c
        .definition
        .columns
        .iter()
        .map(|col| col.path.join(" › "))
        .collect();
    let tasks: Vec<_> = c
        .tasks
        .iter()
        .map(|t| {
            json!({"id": t.id, "unit": t.unit_name, "status": t.status,
                   "cells": t.cells_total, "prefilled": t.cells_prefilled, "typed": t.cells_typed,
                   "gaps": (t.cells_total - t.cells_prefilled - t.cells_typed).max(0),
                   "minutes": format!("{:.1}", t.active_ms as f64 / 60000.0),
                   "submitted": t.submitted_at.map(fmt_time), "comment": t.review_comment})
        })
        .collect();
    let mut data = base(&ctx, Some(&s));
    // Who has a list and who has nobody matching: said at publication and
    // after, so an empty task is no surprise.
    if c.definition.kind != jianfu_core::reports::ReportKind::Statistical && !c.tasks.is_empty() {
        let without = c.tasks.iter().filter(|t| t.cells_total == 0).count();
        // Only worth a line when some community has nobody to list.
        if without > 0 {
            data.insert(
                "rows_summary".into(),
                json!({"with": c.tasks.len() - without, "without": without}),
            );
        }
    }
    if c.report.status == "草稿" {
        // A draft shows what it will ask, and whether it may be published
        // yet: only once admitted, and only by its department.
        let dict = app.dict();
        let columns: Vec<_> = c
            .definition
            .columns
            .iter()
            .map(|col| {
                let element = match &col.source {
                    ColumnSource::Element { element } => {
                        dict.element(element).map(|e| e.name.clone())
                    }
                    _ => None,
                };
                json!({"label": col.path.join(" › "), "source": source_code(&col.source),
                       "element": element})
            })
            .collect();
        data.insert("draft_columns".into(), json!(columns));
        let admitted = app
            .db
            .admission_of_report(c.report.id, &jianfu_app::today().to_string())
            .await
            .map_err(|e| err(&ctx)(e.into()))?
            .is_some();
        data.insert("admitted".into(), json!(admitted));
        let live = app
            .db
            .report_has_live_admission(c.report.id)
            .await
            .map_err(|e| err(&ctx)(e.into()))?;
        data.insert(
            "may_edit".into(),
            json!(!live && matches!(s.user.role, Role::Department | Role::Jianfuban)),
        );
        data.insert("under_review".into(), json!(live && !admitted));
        data.insert("saved".into(), json!(saved.saved.is_some()));
        data.insert(
            "may_publish".into(),
            json!(admitted && s.user.role == Role::Department),
        );
    }
    // Say what the last step did, naming the community reviewed.
    let unit_of = |id: Option<i64>| {
        id.and_then(|id| c.tasks.iter().find(|t| t.id == id))
            .map(|t| t.unit_name.clone())
    };
    data.insert("published_n".into(), json!(saved.published));
    data.insert("accepted_unit".into(), json!(unit_of(saved.accepted)));
    data.insert("returned_unit".into(), json!(unit_of(saved.returned)));
    data.insert(
        "statistical".into(),
        json!(c.definition.kind == jianfu_core::reports::ReportKind::Statistical),
    );
    data.insert("report".into(), json!(c.report));
    data.insert(
        "kind".into(),
        json!(labels::report_kind(ctx.lang, c.definition.kind)),
    );
    data.insert("filter".into(), json!(c.definition.filter));
    data.insert("headers".into(), json!(headers));
    data.insert("rows".into(), json!(c.rows));
    data.insert("tasks".into(), json!(tasks));
    data.insert("differences".into(), json!(c.differences));
    render("report.html", &ctx, data)
}

/// A township's page of a report: what was asked of its communities and
/// where each one stands, in the order of the org tree, with a link to each
/// task (read-only for the township). Counts per state say the same at a
/// glance.
async fn township_detail(
    state: &AppState,
    ctx: &ReqCtx,
    s: &crate::context::Session,
    id: i64,
) -> Result<Html<String>, PageError> {
    let (report, def, tasks) = state
        .app
        .township_report(&s.user, id, ctx.ip.clone())
        .await
        .map_err(err(ctx))?;
    let mut by_status: Vec<(String, usize)> = Vec::new();
    for t in &tasks {
        match by_status.iter_mut().find(|(st, _)| *st == t.status) {
            Some((_, n)) => *n += 1,
            None => by_status.push((t.status.clone(), 1)),
        }
    }
    let rows: Vec<_> = tasks
        .iter()
        .map(|t| {
            json!({"id": t.id, "unit": t.unit_name, "status": t.status,
                   "gaps": (t.cells_total - t.cells_prefilled - t.cells_typed).max(0),
                   "cells": t.cells_total,
                   "submitted": t.submitted_at.map(fmt_time), "comment": t.review_comment})
        })
        .collect();
    let mut data = base(ctx, Some(s));
    data.insert("township".into(), json!(true));
    data.insert("report".into(), json!(report));
    data.insert(
        "kind".into(),
        json!(labels::report_kind(ctx.lang, def.kind)),
    );
    data.insert("filter".into(), json!(def.filter));
    data.insert("tasks".into(), json!(rows));
    data.insert(
        "by_status".into(),
        json!(by_status
            .iter()
            .map(|(st, n)| json!({"status": st, "n": n}))
            .collect::<Vec<_>>()),
    );
    render("report.html", ctx, data)
}

pub async fn publish(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
) -> Result<Response, PageError> {
    let published = state
        .app
        .publish_report(&s.user, id, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    Ok(Redirect::to(&format!("/reports/{id}?published={}", published.tasks)).into_response())
}

#[derive(Deserialize)]
pub struct ReviewForm {
    action: String,
    #[serde(default)]
    comment: String,
}

pub async fn review(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ReviewForm>,
) -> Result<Response, PageError> {
    let app = &state.app;
    let task = app
        .db
        .task(id)
        .await
        .map_err(|e| err(&ctx)(e.into()))?
        .ok_or_else(|| {
            PageError::from_app(
                jianfu_app::AppError::NotFound(format!("任务 {id}")),
                ctx.lang,
            )
        })?;
    match f.action.as_str() {
        "accept" => app.accept_task(&s.user, id, ctx.ip.clone()).await,
        _ => {
            app.return_task(&s.user, id, &f.comment, ctx.ip.clone())
                .await
        }
    }
    .map_err(err(&ctx))?;
    let done = if f.action == "accept" {
        "accepted"
    } else {
        "returned"
    };
    Ok(Redirect::to(&format!(
        "/reports/{}?{done}={}#task-status",
        task.report_id, task.id
    ))
    .into_response())
}

/// What the task page says after a submission or a withdrawal.
#[derive(Deserialize, Default)]
pub struct TaskNotice {
    submitted: Option<i64>,
    withdrawn: Option<u8>,
    added: Option<u8>,
}

pub async fn task(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
    PageQuery(notice): PageQuery<TaskNotice>,
) -> Result<Html<String>, PageError> {
    let v = state
        .app
        .open_task(&s.user, id, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    let dict = state.app.dict();
    let columns: Vec<_> = v
        .definition
        .columns
        .iter()
        .map(|c| {
            let hint = match &c.source {
                ColumnSource::Element { element } => dict.element(element).map(|e| {
                    let options =
                        e.code_table
                            .as_deref()
                            .and_then(|t| dict.table(t))
                            .map(|table| {
                                table
                                    .values
                                    .iter()
                                    .take(12)
                                    .map(|(_, l)| l.as_str())
                                    .collect::<Vec<_>>()
                                    .join(t(ctx.lang, "p_sep"))
                            });
                    format!(
                        "{}{}{}{}{}",
                        e.name,
                        t(ctx.lang, "p_lparen"),
                        labels::value_type(ctx.lang, e.value_type),
                        t(ctx.lang, "p_rparen"),
                        options
                            .map(|o| format!("{}{o}", t(ctx.lang, "p_colon")))
                            .unwrap_or_default()
                    )
                }),
                ColumnSource::Manual => Some(t(ctx.lang, "task_hint_manual").to_string()),
                _ => None,
            };
            json!({"label": c.path.join(" › "), "hint": hint})
        })
        .collect();
    let mut data = base(&ctx, Some(&s));
    data.insert("task".into(), json!(v.task));
    data.insert("report".into(), json!(v.report));
    data.insert("columns".into(), json!(columns));
    data.insert("rows".into(), json!(v.grid.rows));
    data.insert("counts".into(), json!(v.grid.counts));
    data.insert("editable".into(), json!(v.editable));
    data.insert(
        "can_withdraw".into(),
        json!(v.task.status == "已提交" && matches!(s.user.role, Role::Community | Role::Grid)),
    );
    data.insert("submitted_gaps".into(), json!(notice.submitted));
    data.insert("withdrawn".into(), json!(notice.withdrawn.is_some()));
    data.insert("added".into(), json!(notice.added.is_some()));
    data.insert(
        "can_add".into(),
        json!(
            v.editable
                && v.definition.entity == "person"
                && v.definition.kind != jianfu_core::reports::ReportKind::Statistical
        ),
    );
    // Joining an existing household: every relation but head (户主/本人),
    // which the household already has.
    let dict = state.app.dict();
    let relations: Vec<_> = dict
        .table("relation")
        .map(|t| {
            t.values
                .iter()
                .filter(|(code, _)| code != "01" && code != "02")
                .map(|(code, label)| json!({"code": code, "label": label}))
                .collect()
        })
        .unwrap_or_default();
    data.insert("relations".into(), json!(relations));
    render("task.html", &ctx, data)
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
) -> Result<Response, PageError> {
    let gaps = state
        .app
        .submit_task(&s.user, id, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    // The page says what happened: submitted, with how many cells left.
    Ok(Redirect::to(&format!("/tasks/{id}?submitted={gaps}")).into_response())
}

pub async fn withdraw(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
) -> Result<Response, PageError> {
    state
        .app
        .withdraw_task(&s.user, id, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    Ok(Redirect::to(&format!("/tasks/{id}?withdrawn=1")).into_response())
}

pub async fn export_task(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath((id, format)): PagePath<(i64, String)>,
) -> Result<Response, PageError> {
    let format = parse_format(&format).map_err(|e| {
        PageError::untranslated(
            axum::http::StatusCode::BAD_REQUEST,
            "refused_request",
            e.message(),
            ctx.lang,
        )
    })?;
    let (name, bytes) = state
        .app
        .export_task(&s.user, id, format, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    Ok(download(&name, format, bytes))
}

pub async fn export_report(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath((id, format)): PagePath<(i64, String)>,
) -> Result<Response, PageError> {
    let format = parse_format(&format).map_err(|e| {
        PageError::untranslated(
            axum::http::StatusCode::BAD_REQUEST,
            "refused_request",
            e.message(),
            ctx.lang,
        )
    })?;
    let (name, bytes) = state
        .app
        .export_report(&s.user, id, format, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    Ok(download(&name, format, bytes))
}

#[derive(Deserialize)]
pub struct PurposeForm {
    #[serde(default)]
    purpose: String,
}

pub async fn export_report_full(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<PurposeForm>,
) -> Result<Response, PageError> {
    let format = jianfu_app::reports::ExportFormat::Xlsx;
    let (name, bytes) = state
        .app
        .export_report_full(&s.user, id, format, &f.purpose, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    Ok(download(&name, format, bytes))
}
