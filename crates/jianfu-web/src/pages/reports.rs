//! Pages of 一表通: the report and task lists, designing a report from an
//! uploaded template, a report's status and consolidated result, and the
//! filling grid (its spreadsheet behaviour is in assets/app.js and talks to
//! the JSON API cell by cell).

use crate::api::reports::{download, parse_format, read_upload};
use crate::context::ReqCtx;
use crate::errors::PageError;
use crate::extract::{PageForm, PageMultipart, PagePath, PageQuery};
use crate::i18n::{labels, t};
use crate::render::{base, fmt_time, render};
use crate::session::PageUser;
use crate::AppState;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jianfu_app::reports::NewReportInput;
use jianfu_core::reports::{ColumnSource, ReportDef};
use jianfu_core::role::Role;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

fn err(ctx: &ReqCtx) -> impl Fn(jianfu_app::AppError) -> PageError + '_ {
    move |e| PageError::from_app(e, ctx.lang)
}

fn source_code(s: &ColumnSource) -> &'static str {
    match s {
        ColumnSource::Serial => "serial",
        ColumnSource::Blank => "blank",
        ColumnSource::Element { .. } => "element",
        ColumnSource::Manual => "manual",
        ColumnSource::Computed { .. } => "computed",
        ColumnSource::RowLabel => "row_label",
        ColumnSource::Count { .. } => "count",
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

/// Upload of a template: the proposal, ready to correct and save.
pub async fn upload(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageMultipart(mp): PageMultipart,
) -> Result<Html<String>, PageError> {
    let (name, bytes) = read_upload(mp).await.map_err(|e| {
        PageError::untranslated(
            axum::http::StatusCode::BAD_REQUEST,
            "refused_request",
            e.message(),
            ctx.lang,
        )
    })?;
    let proposals = state
        .app
        .propose_reports(&s.user, &name, bytes, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    let p = &proposals[0];
    let dict = state.app.dict();
    let columns: Vec<_> = p
        .definition
        .columns
        .iter()
        .zip(&p.reasons)
        .enumerate()
        .map(|(i, (c, (conf, reason)))| {
            let element = match &c.source {
                ColumnSource::Element { element } | ColumnSource::Sum { element, .. } => {
                    element.clone()
                }
                _ => String::new(),
            };
            json!({"i": i, "path": c.path.join(" › "), "source": source_code(&c.source),
                   "element": element,
                   "element_name": dict.element(&element).map(|e| e.name.clone()),
                   "confidence": format!("{:.0}%", conf * 100.0), "reason": reason})
        })
        .collect();
    let mut data = base(&ctx, Some(&s));
    data.insert("file".into(), json!(name));
    data.insert("sheet".into(), json!(p.sheet));
    data.insert(
        "kind".into(),
        json!(labels::report_kind(ctx.lang, p.definition.kind)),
    );
    data.insert("title".into(), json!(p.definition.title));
    data.insert("columns".into(), json!(columns));
    data.insert("notes".into(), json!(p.notes));
    data.insert(
        "definition".into(),
        json!(serde_json::to_string(&p.definition).unwrap_or_default()),
    );
    render("report_new.html", &ctx, data)
}

#[derive(Deserialize)]
pub struct CreateForm {
    definition: String,
    title: String,
    #[serde(default)]
    filter: String,
    frequency: String,
    period: String,
    deadline: String,
    #[serde(default)]
    file: Option<String>,
    #[serde(flatten)]
    rest: HashMap<String, String>,
}

/// Saves the corrected proposal as a draft.
pub async fn create(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageForm(f): PageForm<CreateForm>,
) -> Result<Response, PageError> {
    let mut def: ReportDef = crate::extract::json_body(f.definition.as_bytes(), "报表定义")
        .map_err(|p| PageError::untranslated(p.status, "refused_request", p.message, ctx.lang))?;
    def.title = f.title.trim().to_string();
    def.filter = Some(f.filter.trim().to_string()).filter(|x| !x.is_empty());
    for (i, c) in def.columns.iter_mut().enumerate() {
        let src = f.rest.get(&format!("src_{i}")).map(String::as_str);
        let el = f
            .rest
            .get(&format!("el_{i}"))
            .map(|x| x.trim().to_string())
            .unwrap_or_default();
        let expr = f
            .rest
            .get(&format!("expr_{i}"))
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty());
        c.source = match src {
            Some("serial") => ColumnSource::Serial,
            Some("blank") => ColumnSource::Blank,
            Some("element") => ColumnSource::Element { element: el },
            Some("manual") => ColumnSource::Manual,
            Some("row_label") => ColumnSource::RowLabel,
            Some("count") => ColumnSource::Count { filter: expr },
            Some("sum") => ColumnSource::Sum {
                element: el,
                filter: expr,
            },
            _ => continue,
        };
    }
    let id = state
        .app
        .create_report(
            &s.user,
            NewReportInput {
                definition: def,
                frequency: f.frequency,
                period: f.period,
                deadline: f.deadline,
                targets: Vec::new(),
                template_name: f.file,
            },
            ctx.ip.clone(),
        )
        .await
        .map_err(err(&ctx))?;
    Ok(Redirect::to(&format!("/reports/{id}")).into_response())
}

pub async fn detail(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
) -> Result<Html<String>, PageError> {
    let app = &state.app;
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
        data.insert(
            "rows_summary".into(),
            json!({"with": c.tasks.len() - without, "without": without}),
        );
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
        data.insert(
            "may_publish".into(),
            json!(admitted && s.user.role == Role::Department),
        );
    }
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

pub async fn publish(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
) -> Result<Response, PageError> {
    state
        .app
        .publish_report(&s.user, id, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    Ok(Redirect::to(&format!("/reports/{id}")).into_response())
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
    Ok(Redirect::to(&format!("/reports/{}", task.report_id)).into_response())
}

/// What the task page says after a submission or a withdrawal.
#[derive(Deserialize, Default)]
pub struct TaskNotice {
    submitted: Option<i64>,
    withdrawn: Option<u8>,
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
    data.insert(
        "can_add".into(),
        json!(
            v.editable
                && v.definition.entity == "person"
                && v.definition.kind != jianfu_core::reports::ReportKind::Statistical
        ),
    );
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
