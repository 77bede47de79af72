//! Pages of 监测: the dashboard (charts with their tables), the ledger
//! lines behind a figure, warning cases and their steps, monitoring points
//! and a point's monthly confirmation.

use crate::api::monitoring::{period, PeriodQuery};
use crate::charts;
use crate::context::ReqCtx;
use crate::errors::PageError;
use crate::extract::{PageForm, PagePath, PageQuery};
use crate::render::{base, fmt_time, render};
use crate::session::PageUser;
use crate::AppState;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jianfu_app::monitoring::{ConfirmationForm, TraceQuery, WarningStep};
use jianfu_core::monitoring::{BurdenKind, Month, Provenance};
use jianfu_core::role::Role;
use serde::Deserialize;
use serde_json::json;

fn err(ctx: &ReqCtx) -> impl Fn(jianfu_app::AppError) -> PageError + '_ {
    move |e| PageError::from_app(e, ctx.lang)
}

fn bad(ctx: &ReqCtx, e: crate::errors::ApiError) -> PageError {
    PageError::new(axum::http::StatusCode::BAD_REQUEST, e.message(), ctx.lang)
}

fn kind_label(ctx: &ReqCtx, code: &str) -> String {
    let key = format!("bk_{code}");
    let t = crate::i18n::t(ctx.lang, &key);
    if t.is_empty() {
        BurdenKind::from_code(code).map_or(code.to_string(), |k| k.label_zh().to_string())
    } else {
        t.to_string()
    }
}

pub async fn dashboard(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageQuery(q): PageQuery<PeriodQuery>,
) -> Result<Html<String>, PageError> {
    let (from, to) = period(&q).map_err(|e| bad(&ctx, e))?;
    let d = state
        .app
        .dashboard(&s.user, from, to, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    let months: Vec<(String, f64)> = d
        .months
        .iter()
        .map(|m| (m.month.clone(), m.hours))
        .collect();
    let kinds: Vec<(String, f64)> = d
        .kinds
        .iter()
        .map(|k| (kind_label(&ctx, &k.kind), k.hours))
        .collect();
    let departments: Vec<(String, f64)> = d
        .departments
        .iter()
        .take(15)
        .map(|x| (x.name.clone(), x.hours))
        .collect();
    let kinds_rows: Vec<_> = d
        .kinds
        .iter()
        .map(|k| {
            json!({"kind": k.kind, "label": kind_label(&ctx, &k.kind), "items": k.items,
                        "hours": k.hours, "last_year": k.last_year_hours, "change": k.change_pct})
        })
        .collect();
    let mut data = base(&ctx, Some(&s));
    data.insert("d".into(), json!(d));
    data.insert("kinds_rows".into(), json!(kinds_rows));
    data.insert(
        "chart_months".into(),
        json!(charts::columns(
            crate::i18n::t(ctx.lang, "mon_chart_months"),
            &months
        )),
    );
    data.insert(
        "chart_kinds".into(),
        json!(charts::bars(
            crate::i18n::t(ctx.lang, "mon_chart_kinds"),
            &kinds
        )),
    );
    data.insert(
        "chart_departments".into(),
        json!(charts::bars(
            crate::i18n::t(ctx.lang, "mon_chart_departments"),
            &departments
        )),
    );
    data.insert("from".into(), json!(from.to_string()));
    data.insert("to".into(), json!(to.to_string()));
    // One-click periods: this and last quarter, the last 12 months, this
    // and last year.
    let today = jianfu_app::today();
    let now = Month::of(today);
    let quarter = Month::new(now.year, (now.month - 1) / 3 * 3 + 1).unwrap_or(now);
    let year_start = Month::new(now.year, 1).unwrap_or(now);
    let presets = [
        ("mon_p_quarter", quarter, now),
        ("mon_p_last_quarter", quarter.plus(-3), quarter.plus(-1)),
        ("mon_p_12", now.plus(-11), now),
        ("mon_p_year", year_start, now),
        ("mon_p_last_year", year_start.plus(-12), year_start.plus(-1)),
    ];
    data.insert(
        "presets".into(),
        json!(presets
            .iter()
            .map(|(k, a, b)| json!({"label": crate::i18n::t(ctx.lang, k),
                "from": a.to_string(), "to": b.to_string(),
                "current": *a == from && *b == to}))
            .collect::<Vec<_>>()),
    );
    // The department whose burden rose most against the same period last
    // year, in hours; one that started from nothing counts in full.
    let top_rise = d
        .departments
        .iter()
        .filter(|x| x.id != 0)
        .map(|x| (x, x.hours - x.last_year_hours.unwrap_or(0.0)))
        .filter(|(_, rise)| *rise > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((x, rise)) = top_rise {
        data.insert(
            "top_rise".into(),
            json!({"id": x.id, "name": x.name, "rise": (rise * 10.0).round() / 10.0,
                   "pct": x.change_pct, "last_year": x.last_year_hours.unwrap_or(0.0)}),
        );
    }
    if to == now {
        data.insert("partial_month".into(), json!(today.to_string()));
    }
    data.insert(
        "units_are_townships".into(),
        json!(matches!(s.user.role, Role::Jianfuban | Role::Department)),
    );
    data.insert("is_office".into(), json!(s.user.role == Role::Jianfuban));
    // Perceived burden (the last perception survey) beside the measured.
    let perceived = state
        .app
        .perceived_beside_measured(&s.user)
        .await
        .map_err(err(&ctx))?;
    data.insert("perceived".into(), json!(perceived));
    data.insert(
        "saved_pct".into(),
        json!(if d.cells_prefilled + d.cells_typed > 0 {
            (d.cells_prefilled as f64 * 1000.0 / (d.cells_prefilled + d.cells_typed) as f64).round()
                / 10.0
        } else {
            0.0
        }),
    );
    render("monitoring.html", &ctx, data)
}

pub async fn lines(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageQuery(q): PageQuery<PeriodQuery>,
) -> Result<Html<String>, PageError> {
    let (from, to) = period(&q).map_err(|e| bad(&ctx, e))?;
    let trace = state
        .app
        .ledger_trace(
            &s.user,
            &TraceQuery {
                unit_id: q.unit,
                department_id: q.department,
                kind: q.kind.clone().filter(|k| !k.is_empty()),
                from,
                to,
            },
            ctx.ip.clone(),
        )
        .await
        .map_err(err(&ctx))?;
    let rows: Vec<_> = trace
        .lines
        .iter()
        .map(|l| {
            json!({"unit": l.unit, "month": Month::from_key(l.month).map(|m| m.to_string()),
                   "department": l.department, "kind": kind_label(&ctx, &l.kind),
                   "items": l.items, "minutes": format!("{:.1}", l.minutes),
                   "provenance": Provenance::from_code(&l.provenance).map_or("", |p| p.code()),
                   "source": l.source_label, "day": l.day, "working": l.working,
                   "admitted": l.admitted != 0})
        })
        .collect();
    let mut data = base(&ctx, Some(&s));
    data.insert("rows".into(), json!(rows));
    data.insert(
        "total_hours".into(),
        json!(format!("{:.1}", trace.total_hours)),
    );
    data.insert("total_lines".into(), json!(trace.total_lines));
    data.insert(
        "truncated".into(),
        json!(trace.total_lines > trace.lines.len() as i64),
    );
    // Say what the lines are filtered by.
    let mut filters = Vec::new();
    if let Some(k) = q.kind.as_deref().filter(|k| !k.is_empty()) {
        filters.push(kind_label(&ctx, k));
    }
    if let Some(d) = q.department {
        filters.push(if d == 0 {
            crate::i18n::t(ctx.lang, "mon_no_department").to_string()
        } else {
            state
                .app
                .db
                .unit(d)
                .await
                .ok()
                .flatten()
                .map_or(d.to_string(), |u| u.short_name)
        });
    }
    if let Some(u) = q.unit {
        if let Ok(Some(unit)) = state.app.db.unit(u).await {
            filters.push(unit.short_name);
        }
    }
    data.insert("filters".into(), json!(filters));
    data.insert("from".into(), json!(from.to_string()));
    data.insert("to".into(), json!(to.to_string()));
    render("monitoring_lines.html", &ctx, data)
}

#[derive(Deserialize, Default)]
pub struct WarningFilter {
    #[serde(default)]
    rule: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

pub async fn warnings(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageQuery(q): PageQuery<WarningFilter>,
) -> Result<Html<String>, PageError> {
    let list = state
        .app
        .warnings_for(&s.user, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    let today = jianfu_app::today().to_string();
    let rule = q.rule.filter(|r| !r.is_empty());
    let status = q.status.filter(|r| !r.is_empty());
    // Each rule with how many cases it has, for the filter links.
    let mut by_rule: std::collections::BTreeMap<String, usize> = Default::default();
    for w in &list {
        *by_rule.entry(w.rule.clone()).or_default() += 1;
    }
    let rules: Vec<_> = by_rule
        .iter()
        .map(|(r, n)| json!({"rule": r, "count": n}))
        .collect();
    let rows: Vec<_> = list
        .iter()
        .filter(|w| rule.as_ref().is_none_or(|r| &w.rule == r))
        .filter(|w| status.as_ref().is_none_or(|st| &w.status == st))
        .map(|w| {
            let overdue =
                w.status == "assigned" && w.due.as_deref().is_some_and(|d| d < today.as_str());
            json!({"id": w.id, "title": w.title, "rule": w.rule, "department": w.department,
                   "unit": w.unit, "month": Month::from_key(w.month).map(|m| m.to_string()),
                   "status": w.status, "due": w.due, "overdue": overdue, "message": w.message})
        })
        .collect();
    let mut data = base(&ctx, Some(&s));
    data.insert("rows".into(), json!(rows));
    data.insert("rules".into(), json!(rules));
    data.insert("rule".into(), json!(rule));
    data.insert("status".into(), json!(status));
    data.insert("is_office".into(), json!(s.user.role == Role::Jianfuban));
    // The rules run by default over the month just ended: the current
    // month's figures are still partial.
    data.insert(
        "this_month".into(),
        json!(Month::of(jianfu_app::today()).plus(-1).to_string()),
    );
    render("warnings.html", &ctx, data)
}

pub async fn warning(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
) -> Result<Html<String>, PageError> {
    let w = state
        .app
        .warning_for(&s.user, id, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    let evidence: Vec<String> = serde_json::from_str(&w.evidence).unwrap_or_default();
    let office = s.user.role == Role::Jianfuban;
    let today_text = jianfu_app::today().to_string();
    let mut data = base(&ctx, Some(&s));
    data.insert("w".into(), json!(w));
    data.insert("evidence".into(), json!(evidence));
    data.insert(
        "month".into(),
        json!(Month::from_key(w.month).map(|m| m.to_string())),
    );
    data.insert("created".into(), json!(fmt_time(w.created_at)));
    data.insert(
        "may_assign".into(),
        json!(office && w.status == "open" && w.department_id.is_some()),
    );
    data.insert(
        "may_close".into(),
        json!(
            office
                && (w.status == "answered"
                    || w.status == "open" && w.department_id.is_none()
                    // The department let its deadline pass: the office
                    // closes with what it found itself.
                    || w.status == "assigned"
                        && w.due.as_deref().is_some_and(|d| d < today_text.as_str()))
        ),
    );
    data.insert(
        "may_answer".into(),
        json!(s.user.role == Role::Department && w.status == "assigned"),
    );
    render("warning.html", &ctx, data)
}

#[derive(Deserialize)]
pub struct StepForm {
    action: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    feedback: String,
    #[serde(default)]
    improvement: String,
}

pub async fn warning_step(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<StepForm>,
) -> Result<Response, PageError> {
    let step = match f.action.as_str() {
        "assign" => WarningStep::Assign {
            due: if f.due.trim().is_empty() {
                None
            } else {
                Some(
                    chrono::NaiveDate::parse_from_str(f.due.trim(), "%Y-%m-%d").map_err(|_| {
                        PageError::new(
                            axum::http::StatusCode::BAD_REQUEST,
                            format!("整改期限“{}”不是有效日期", f.due),
                            ctx.lang,
                        )
                    })?,
                )
            },
            note: f.note,
        },
        "answer" => WarningStep::Answer { answer: f.answer },
        "close" => WarningStep::Close {
            feedback: f.feedback,
            improvement: f.improvement,
        },
        other => {
            return Err(PageError::new(
                axum::http::StatusCode::BAD_REQUEST,
                format!("未知的操作“{other}”"),
                ctx.lang,
            ))
        }
    };
    state
        .app
        .step_warning(&s.user, id, step, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    Ok(Redirect::to(&format!("/monitoring/warnings/{id}")).into_response())
}

#[derive(Deserialize, Default)]
pub struct MonthForm {
    #[serde(default)]
    month: String,
    #[serde(default)]
    saved: Option<String>,
}

pub async fn run_rules(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageForm(f): PageForm<MonthForm>,
) -> Result<Response, PageError> {
    if s.user.role != Role::Jianfuban {
        return Err(err(&ctx)(
            state
                .app
                .deny(
                    &s.user,
                    "warnings",
                    "只有减负办可以运行预警规则",
                    ctx.ip.clone(),
                )
                .await,
        ));
    }
    let m = crate::api::monitoring::month_param(
        Some(&f.month),
        "month",
        Month::of(jianfu_app::today()),
    )
    .map_err(|e| bad(&ctx, e))?;
    state.app.run_warning_rules(m).await.map_err(err(&ctx))?;
    Ok(Redirect::to("/monitoring/warnings").into_response())
}

pub async fn points(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageQuery(q): PageQuery<MonthForm>,
) -> Result<Html<String>, PageError> {
    // Points confirm the month just past: that is the one to follow up.
    let m = crate::api::monitoring::month_param(
        Some(&q.month),
        "month",
        Month::of(jianfu_app::today()).plus(-1),
    )
    .map_err(|e| bad(&ctx, e))?;
    let list = state
        .app
        .points_status(&s.user, m, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    let missing = list.iter().filter(|p| !p.confirmed).count();
    let mut data = base(&ctx, Some(&s));
    data.insert("points".into(), json!(list));
    data.insert("missing".into(), json!(missing));
    data.insert("month".into(), json!(m.to_string()));
    render("points.html", &ctx, data)
}

#[derive(Deserialize)]
pub struct PointForm {
    unit: String,
    contact: String,
    #[serde(default)]
    contact_phone: String,
}

pub async fn designate(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageForm(f): PageForm<PointForm>,
) -> Result<Response, PageError> {
    let unit = state
        .app
        .db
        .unit_by_code_or_name(f.unit.trim())
        .await
        .map_err(|e| err(&ctx)(e.into()))?
        .ok_or_else(|| {
            PageError::new(
                axum::http::StatusCode::BAD_REQUEST,
                format!("找不到单位“{}”：请填写区划代码或全称", f.unit.trim()),
                ctx.lang,
            )
        })?;
    state
        .app
        .designate_point(
            &s.user,
            unit.id,
            &f.contact,
            &f.contact_phone,
            true,
            ctx.ip.clone(),
        )
        .await
        .map_err(err(&ctx))?;
    Ok(Redirect::to("/monitoring/points").into_response())
}

pub async fn remind(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(unit): PagePath<i64>,
    PageForm(f): PageForm<MonthForm>,
) -> Result<Response, PageError> {
    let m = crate::api::monitoring::month_param(
        Some(&f.month),
        "month",
        Month::of(jianfu_app::today()),
    )
    .map_err(|e| bad(&ctx, e))?;
    state
        .app
        .remind_point(&s.user, unit, m, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    Ok(Redirect::to(&format!("/monitoring/points?month={m}")).into_response())
}

pub async fn confirm_form(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageQuery(q): PageQuery<MonthForm>,
) -> Result<Html<String>, PageError> {
    // By default the month just ended: a point confirms a month once it is over.
    let m = crate::api::monitoring::month_param(
        Some(&q.month),
        "month",
        Month::of(jianfu_app::today()).plus(-1),
    )
    .map_err(|e| bad(&ctx, e))?;
    let v = state
        .app
        .confirmation_view(&s.user, m, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    let lines: Vec<_> = v
        .lines
        .iter()
        .map(|l| {
            json!({"kind": kind_label(&ctx, &l.kind), "source": l.source_label,
                        "department": l.department, "minutes": format!("{:.0}", l.minutes),
                        "provenance": l.provenance})
        })
        .collect();
    let mut data = base(&ctx, Some(&s));
    data.insert("v".into(), json!(v));
    data.insert("lines".into(), json!(lines));
    data.insert("month".into(), json!(m.to_string()));
    data.insert("saved".into(), json!(q.saved.is_some()));
    render("confirm.html", &ctx, data)
}

#[derive(Deserialize)]
pub struct ConfirmFields {
    month: String,
    #[serde(default)]
    unannounced_meetings: String,
    #[serde(default)]
    unannounced_inspections: String,
    #[serde(default)]
    wechat_demands: String,
    #[serde(default)]
    photo_requests: String,
    #[serde(default)]
    hidden_hours: String,
    #[serde(default)]
    estimate_hours: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    active_ms: String,
}

fn number<T: std::str::FromStr + Default>(
    ctx: &ReqCtx,
    field: &str,
    v: &str,
) -> Result<T, PageError> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(T::default());
    }
    v.parse().map_err(|_| {
        PageError::new(
            axum::http::StatusCode::BAD_REQUEST,
            format!("“{field}”应为数字，现为“{v}”"),
            ctx.lang,
        )
    })
}

pub async fn confirm(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageForm(f): PageForm<ConfirmFields>,
) -> Result<Response, PageError> {
    let m = crate::api::monitoring::month_param(
        Some(&f.month),
        "month",
        Month::of(jianfu_app::today()),
    )
    .map_err(|e| bad(&ctx, e))?;
    let form = ConfirmationForm {
        unannounced_meetings: number(&ctx, "临时通知的会议", &f.unannounced_meetings)?,
        unannounced_inspections: number(&ctx, "临时通知的检查", &f.unannounced_inspections)?,
        wechat_demands: number(&ctx, "微信群布置的事项", &f.wechat_demands)?,
        photo_requests: number(&ctx, "要求的留痕照片", &f.photo_requests)?,
        hidden_hours: number(&ctx, "以上事项用时", &f.hidden_hours)?,
        estimate_hours: number(&ctx, "本月估计工时", &f.estimate_hours)?,
        note: f.note,
        active_ms: number(&ctx, "active_ms", &f.active_ms).unwrap_or(0),
    };
    state
        .app
        .confirm_month(&s.user, m, &form, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    Ok(Redirect::to(&format!("/monitoring/confirm?month={m}&saved=1")).into_response())
}
