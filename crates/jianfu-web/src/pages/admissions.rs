//! Pages of 准入: the list (a department's requests, the office's queue),
//! the request form with each kind's own fields, a request with its
//! estimate, findings and decisions (printable as the 一致性评估), the caps
//! dashboard, and the public check.

use crate::context::ReqCtx;
use crate::errors::PageError;
use crate::extract::{PageForm, PagePath, PageQuery};
use crate::i18n::{labels, t, Lang};
use crate::render::{base, render};
use crate::session::PageUser;
use crate::AppState;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jianfu_app::admission::{Action, AdmissionInput, AdmissionView};
use jianfu_core::admission::caps::Cap;
use jianfu_core::admission::{DemandKind, Details};
use jianfu_core::reports::ColumnSource;
use jianfu_core::role::Role;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

fn err(ctx: &ReqCtx) -> impl Fn(jianfu_app::AppError) -> PageError + '_ {
    move |e| PageError::from_app(e, ctx.lang)
}

fn bad(ctx: &ReqCtx, msg: String) -> PageError {
    PageError::new(axum::http::StatusCode::BAD_REQUEST, msg, ctx.lang)
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    report: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageQuery(q): PageQuery<ListQuery>,
) -> Result<Html<String>, PageError> {
    let app = &state.app;
    let mut data = base(&ctx, Some(&s));
    let role = s.user.role;
    data.insert("is_department".into(), json!(role == Role::Department));
    data.insert("is_office".into(), json!(role == Role::Jianfuban));
    data.insert(
        "is_grassroots".into(),
        json!(matches!(
            role,
            Role::Community | Role::Grid | Role::Township
        )),
    );
    if matches!(role, Role::Department | Role::Jianfuban) {
        let rows = app
            .list_admissions(&s.user, false)
            .await
            .map_err(err(&ctx))?;
        let list: Vec<_> = rows
            .iter()
            .map(|r| {
                json!({"id": r.id, "number": r.number, "title": r.title,
                       "kind": labels::demand_kind_code(ctx.lang, &r.kind),
                       "department": r.department, "status": r.status,
                       "status_label": labels::admission_status(ctx.lang, &r.status),
                       "hours": format!("{:.1}", r.hours),
                       "escalate": r.needs_escalation != 0,
                       "valid_until": r.valid_until})
            })
            .collect();
        data.insert("admissions".into(), json!(list));
    }
    if role == Role::Department {
        let reports = app.reports_for(&s.user).await.map_err(err(&ctx))?;
        data.insert(
            "reports".into(),
            json!(reports
                .iter()
                .filter(|r| r.status == "草稿")
                .map(|r| {
                    // The request counts a report as often as it is filled.
                    let freq = jianfu_core::reports::Frequency::from_code(&r.frequency);
                    json!({"id": r.id, "title": r.title, "selected": q.report == Some(r.id),
                           "frequency": freq.map(|f| labels::frequency(ctx.lang, f)),
                           "per_year": freq.map_or(1, |f| f.per_year())})
                })
                .collect::<Vec<_>>()),
        );
        data.insert("kinds".into(), json!(kinds(ctx.lang)));
        data.insert(
            "preset_kind".into(),
            json!(if q.report.is_some() { "report" } else { "" }),
        );
    }
    data.insert(
        "may_report".into(),
        json!(matches!(
            role,
            Role::Community | Role::Grid | Role::Township
        )),
    );
    data.insert(
        "duty_items".into(),
        json!(app.duty_list().await.map_err(err(&ctx))?),
    );
    render("admissions.html", &ctx, data)
}

fn kinds(lang: Lang) -> Vec<Value> {
    DemandKind::ALL
        .iter()
        .map(|k| json!({"code": k.code(), "label": labels::demand_kind(lang, *k)}))
        .collect()
}

/// "“{what}”须为…，而填写的是“{v}”" in the page's language.
fn not_valid(lang: Lang, key: &str, what: &str, v: &str) -> String {
    t(lang, key).replace("{what}", what).replace("{v}", v)
}

/// Reads the request form: common fields and the chosen kind's own.
fn input_of(f: &HashMap<String, String>, lang: Lang) -> Result<AdmissionInput, String> {
    let text = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let flag = |k: &str| {
        f.get(k)
            .is_some_and(|v| v == "on" || v == "1" || v == "true")
    };
    let number = |k: &str, what: &str| -> Result<u32, String> {
        let v = text(k);
        if v.is_empty() {
            return Ok(0);
        }
        v.parse::<u32>()
            .map_err(|_| not_valid(lang, "err_not_count", t(lang, what), &v))
    };
    let date = |k: &str, what: &str| -> Result<Option<chrono::NaiveDate>, String> {
        let v = text(k);
        if v.is_empty() {
            return Ok(None);
        }
        chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| not_valid(lang, "err_not_date", t(lang, what), &v))
    };
    let kind = DemandKind::from_code(&text("kind"))
        .ok_or_else(|| t(lang, "adm_err_choose_kind").to_string())?;
    let details = match kind {
        DemandKind::Report => Details::Report {
            report_id: text("report_id").parse().ok(),
        },
        DemandKind::Meeting => Details::Meeting {
            date: date("meeting_date", "adm_w_meeting_date")?,
            duration_minutes: number("duration_minutes", "adm_w_duration")?,
            keynote_minutes: number("keynote_minutes", "adm_w_keynote")?,
            attendees_per_unit: number("attendees_per_unit", "adm_w_attendees")?,
            on_site: flag("on_site"),
        },
        DemandKind::Inspection => Details::Inspection {
            window_start: date("window_start", "adm_w_window_start")?,
            window_end: date("window_end", "adm_w_window_end")?,
            content: text("content"),
            mergeable: flag("mergeable"),
            in_annual_plan: flag("in_annual_plan"),
        },
        DemandKind::Document => Details::Document {
            text: f.get("text").cloned().unwrap_or_default(),
            single_task: flag("single_task"),
        },
        DemandKind::Task => Details::Task {
            description: text("description"),
            minutes_per_unit: number("minutes_per_unit", "adm_w_minutes_per_unit")?,
        },
        DemandKind::App => Details::App {
            purpose: text("purpose"),
            clock_in: flag("clock_in"),
            ranking: flag("ranking"),
            likes: flag("likes"),
            forced_install: flag("forced_install"),
            minutes_per_week: number("minutes_per_week", "adm_w_minutes_week")?,
        },
        DemandKind::Plaque => Details::Plaque { name: text("name") },
        DemandKind::Certificate => Details::Certificate {
            name: text("name"),
            per_unit_per_year: number("per_unit_per_year", "adm_w_per_unit_year")?,
        },
    };
    let lead = number("lead_hours", "adm_w_lead")?;
    Ok(AdmissionInput {
        title: text("title"),
        details,
        targets: vec![],
        per_year: number("per_year", "adm_w_per_year")?.max(1),
        lead_hours: (lead > 0).then_some(lead),
        duty_item: Some(text("duty_item")).filter(|d| !d.is_empty()),
        requested_until: date("requested_until", "adm_w_requested_until")?,
    })
}

/// A department's new request: saved as a draft and, if asked, submitted.
pub async fn create(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let mut input = input_of(&f, ctx.lang).map_err(|m| bad(&ctx, m))?;
    let app = &state.app;
    for code in f
        .get("targets")
        .map(String::as_str)
        .unwrap_or("")
        .split([',', '，', ' ', '、'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        let unit = app
            .db
            .unit_by_code_or_name(code)
            .await
            .map_err(|e| err(&ctx)(e.into()))?
            .ok_or_else(|| bad(&ctx, t(ctx.lang, "adm_err_target").replace("{code}", code)))?;
        input.targets.push(unit.id);
    }
    let id = app
        .create_admission(&s.user, &input, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    if f.contains_key("submit") {
        app.decide_admission(&s.user, id, Action::Submit, "", ctx.ip.clone())
            .await
            .map_err(err(&ctx))?;
    }
    Ok(Redirect::to(&format!("/admissions/{id}")).into_response())
}

pub async fn detail(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
) -> Result<Html<String>, PageError> {
    let app = &state.app;
    let v = app
        .admission_view(&s.user, id, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    let mut data = base(&ctx, Some(&s));
    data.insert(
        "actions".into(),
        json!(v
            .actions
            .iter()
            .map(|a| json!({"code": a.code(), "label": labels::admission_action(ctx.lang, *a)}))
            .collect::<Vec<_>>()),
    );
    data.insert(
        "can_override".into(),
        json!(
            app.is_county_reviewer(&s.user).await.map_err(err(&ctx))?
                && matches!(v.row.status.as_str(), "submitted" | "escalated")
                && v.cap.as_ref().is_some_and(|c| c.breach.is_some())
        ),
    );
    data.insert("sections".into(), json!(assessment(&v, ctx.lang)));
    data.insert(
        "kind_label".into(),
        json!(labels::demand_kind_code(ctx.lang, &v.row.kind)),
    );
    data.insert(
        "status_label".into(),
        json!(labels::admission_status(ctx.lang, &v.row.status)),
    );
    // A report request: its columns and what each asks of a community,
    // with a link to the report, so the reviewer judges what is asked.
    if let Some(rid) = v.row.report_id {
        if let Ok((_, def)) = app.report_detail(&s.user, rid, ctx.ip.clone()).await {
            let dict = app.dict();
            let columns: Vec<_> = def
                .columns
                .iter()
                .map(|c| {
                    let element = match &c.source {
                        ColumnSource::Element { element } | ColumnSource::Sum { element, .. } => {
                            dict.element(element).map(|e| e.name.clone())
                        }
                        _ => None,
                    };
                    let duty = match &c.source {
                        ColumnSource::Element { .. } => "duty_prefilled",
                        ColumnSource::Manual => "duty_typed",
                        ColumnSource::Serial | ColumnSource::Blank => "duty_none",
                        _ => "duty_computed",
                    };
                    json!({"label": c.path.join(" › "),
                           "source": super::reports::source_code(&c.source),
                           "element": element, "duty": duty})
                })
                .collect();
            data.insert("report_id".into(), json!(rid));
            data.insert("report_columns".into(), json!(columns));
        }
    }
    data.insert("a".into(), json!(v));
    render("admission.html", &ctx, data)
}

/// A label cell of the assessment.
fn label(text: impl Into<String>) -> Value {
    json!({"t": text.into()})
}

/// A cell of data (a name, a reason someone typed) or of the services'
/// own Chinese text (the estimate's working, a finding's message): shown
/// as it is and marked `translate="no"`.
fn data(text: impl Into<String>) -> Value {
    json!({"d": text.into()})
}

/// A label followed by data in one cell.
fn label_data(text: impl Into<String>, d: impl Into<String>) -> Value {
    json!({"t": text.into(), "d": d.into()})
}

/// The 一致性评估 as the page shows it, in the page's language: the rows
/// of `jianfu_app::admission::assessment_rows` (the .xlsx), without its
/// title row. The words are the catalog's; what the services wrote (the
/// estimate's working, the findings' messages and sources, a cap breach)
/// stays as written.
fn assessment(v: &AdmissionView, lang: Lang) -> Vec<Value> {
    let tr = |k: &str| t(lang, k);
    let mut rows: Vec<Value> = Vec::new();
    let heading = |key: &str| json!({"heading": true, "title": t(lang, key)});
    let kv = |key: &str, val: Value| json!({"cells": [label(t(lang, key)), val]});
    rows.push(heading("asm_h_basic"));
    rows.push(kv(
        "asm_number",
        match &v.row.number {
            Some(n) => label(n.clone()),
            None => label(tr("asm_not_admitted")),
        },
    ));
    rows.push(kv(
        "asm_kind",
        label(labels::demand_kind_code(lang, &v.row.kind)),
    ));
    rows.push(kv("asm_department", data(v.row.department.clone())));
    rows.push(kv(
        "asm_status",
        label(labels::admission_status(lang, &v.row.status)),
    ));
    rows.push(kv(
        "asm_units",
        label(tr("asm_units_n").replace("{n}", &v.demand.units.to_string())),
    ));
    rows.push(kv("asm_per_year", label(v.demand.per_year.to_string())));
    if let Some(h) = v.demand.lead_hours {
        rows.push(kv(
            "asm_lead",
            label(tr("asm_hours_n").replace("{h}", &h.to_string())),
        ));
    }
    rows.push(kv(
        "asm_duty",
        match &v.demand.duty_item {
            Some(d) => data(d.clone()),
            None => label(tr("asm_duty_none")),
        },
    ));
    if let (Some(f), Some(u)) = (&v.row.valid_from, &v.row.valid_until) {
        rows.push(kv(
            "asm_validity",
            label(tr("asm_from_to").replace("{from}", f).replace("{to}", u)),
        ));
    }
    rows.push(heading("asm_h_burden"));
    match &v.estimate {
        Some(e) => {
            if lang != Lang::Zh {
                // The working is the core's Chinese; its figures in words.
                rows.push(kv(
                    "asm_working",
                    label(
                        tr("asm_working_n")
                            .replace("{m}", &format!("{:.1}", e.minutes_per_unit))
                            .replace("{units}", &e.units.to_string())
                            .replace("{n}", &e.per_year.to_string()),
                    ),
                ));
            }
            for line in &e.working {
                rows.push(json!({"cells": [label(""), data(line.clone())]}));
            }
            rows.push(kv(
                "asm_hours_year",
                label(tr("asm_hours_n").replace("{h}", &format!("{:.1}", e.hours_per_year))),
            ));
            rows.push(kv(
                "asm_cost",
                label(tr("asm_yuan_n").replace("{x}", &format!("{:.0}", e.cost_yuan))),
            ));
        }
        None => rows.push(json!({"cells": [label(""), label(tr("asm_on_submit"))]})),
    }
    rows.push(heading("asm_h_findings"));
    if v.findings.is_empty() {
        rows.push(json!({"cells": [label(""), label(tr("asm_no_findings"))]}));
    } else {
        rows.push(json!({"cells": [
            label(tr("asm_col_rule")),
            label(tr("asm_col_verdict")),
            label(tr("asm_col_finding")),
            label(tr("asm_col_basis")),
        ]}));
        for f in &v.findings {
            let severity = labels::severity(lang, f.severity);
            let level = if f.escalates {
                format!("{severity}{}", tr("asm_escalates"))
            } else {
                severity.to_string()
            };
            rows.push(json!({"cells": [
                labels::rule_title(lang, &f.rule).map_or_else(|| data(f.title.clone()), label),
                label(level),
                data(f.message.clone()),
                data(f.source.clone()),
            ]}));
        }
    }
    if let Some(c) = &v.cap {
        rows.push(kv(
            "asm_cap",
            match &c.breach {
                Some(b) => label_data(tr("asm_cap_breach"), b.clone()),
                None => label(
                    tr(if c.cap.max_count.is_none() && c.cap.max_hours.is_none() {
                        "asm_cap_none"
                    } else {
                        "asm_cap_within"
                    })
                    .replace("{kind}", &labels::demand_kind_code(lang, &v.row.kind))
                    .replace("{n}", &c.used.count.to_string())
                    .replace("{h}", &format!("{:.1}", c.used.hours))
                    .replace("{x}", &format!("{:.1}", c.hours)),
                ),
            },
        ));
    }
    rows.push(heading("asm_h_decisions"));
    for d in &v.decisions {
        let at = jianfu_app::clock::format_ms(d.at, "%Y-%m-%d %H:%M");
        let action = Action::from_code(&d.action).map_or_else(
            || data(d.action.clone()),
            |a| label(labels::admission_action(lang, a)),
        );
        rows.push(
            json!({"cells": [label(at), data(d.actor.clone()), action, data(d.reason.clone())]}),
        );
    }
    rows
}

#[derive(Deserialize)]
pub struct DecideForm {
    action: String,
    #[serde(default)]
    reason: String,
}

pub async fn decide(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<DecideForm>,
) -> Result<Response, PageError> {
    let action = Action::from_code(&f.action).ok_or_else(|| {
        bad(
            &ctx,
            t(ctx.lang, "adm_err_action").replace("{a}", &f.action),
        )
    })?;
    state
        .app
        .decide_admission(&s.user, id, action, &f.reason, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    Ok(Redirect::to(&format!("/admissions/{id}")).into_response())
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

pub async fn override_cap(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ReasonForm>,
) -> Result<Response, PageError> {
    state
        .app
        .override_cap(&s.user, id, &f.reason, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    Ok(Redirect::to(&format!("/admissions/{id}")).into_response())
}

pub async fn assessment_xlsx(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
) -> Result<Response, PageError> {
    let (name, bytes) = state
        .app
        .assessment_xlsx(&s.user, id, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    Ok(crate::api::reports::download(
        &name,
        jianfu_app::reports::ExportFormat::Xlsx,
        bytes,
    ))
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    year: Option<i64>,
}

pub async fn caps(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageQuery(q): PageQuery<YearQuery>,
) -> Result<Html<String>, PageError> {
    let app = &state.app;
    let year = q.year.unwrap_or_else(|| app.admission_year());
    let lines = app.cap_dashboard(&s.user, year).await.map_err(err(&ctx))?;
    let mut data = base(&ctx, Some(&s));
    data.insert("year".into(), json!(year));
    data.insert(
        "lines".into(),
        json!(lines
            .iter()
            .map(|l| {
                let pct = l.share.map(|x| (x * 100.0).round() as i64);
                json!({"department": l.department,
                       "kind": labels::demand_kind_code(ctx.lang, &l.kind),
                       "basis": labels::cap_basis(ctx.lang, l.basis),
                       "max_count": l.cap.max_count, "max_hours": l.cap.max_hours,
                       "count": l.used.count, "hours": format!("{:.1}", l.used.hours),
                       "pct": pct, "bar": pct.map(|p| p.min(100)), "over": pct.is_some_and(|p| p > 100)})
            })
            .collect::<Vec<_>>()),
    );
    data.insert("is_office".into(), json!(s.user.role == Role::Jianfuban));
    data.insert("kinds".into(), json!(kinds(ctx.lang)));
    if s.user.role == Role::Jianfuban {
        let depts: Vec<_> = app
            .db
            .subtree(&s.user.scope.path, false)
            .await
            .map_err(|e| err(&ctx)(e.into()))?
            .into_iter()
            .filter(|u| u.kind() == Some(jianfu_core::org::OrgKind::Department))
            .map(|u| json!({"id": u.id, "name": u.short_name}))
            .collect();
        data.insert("departments".into(), json!(depts));
    }
    render("admission_caps.html", &ctx, data)
}

#[derive(Deserialize)]
pub struct CapForm {
    year: i64,
    department_id: i64,
    kind: String,
    #[serde(default)]
    max_count: String,
    #[serde(default)]
    max_hours: String,
}

pub async fn set_cap(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageForm(f): PageForm<CapForm>,
) -> Result<Response, PageError> {
    let max_count = match f.max_count.trim() {
        "" => None,
        v => Some(
            v.parse::<u32>()
                .map_err(|_| bad(&ctx, t(ctx.lang, "caps_err_count").replace("{v}", v)))?,
        ),
    };
    let max_hours = match f.max_hours.trim() {
        "" => None,
        v => Some(
            v.parse::<f64>()
                .map_err(|_| bad(&ctx, t(ctx.lang, "caps_err_hours").replace("{v}", v)))?,
        ),
    };
    state
        .app
        .set_admission_cap(
            &s.user,
            f.year,
            f.department_id,
            &f.kind,
            Cap {
                max_count,
                max_hours,
            },
            ctx.ip.clone(),
        )
        .await
        .map_err(err(&ctx))?;
    Ok(Redirect::to(&format!("/admissions/caps?year={}", f.year)).into_response())
}

#[derive(Deserialize, Default)]
pub struct CheckQuery {
    #[serde(default)]
    number: String,
}

/// The public check of a 准入编号: no login, nothing personal.
pub async fn check(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageQuery(q): PageQuery<CheckQuery>,
) -> Result<Html<String>, PageError> {
    let mut data = base(&ctx, None);
    let number = q.number.trim().to_string();
    data.insert("number".into(), json!(number));
    let upper = number.to_ascii_uppercase();
    if !number.is_empty() && !jianfu_core::admission::looks_like_number(&upper) {
        // Said here rather than by the service, in the page's language.
        let shown: String = number.chars().take(40).collect();
        data.insert(
            "missing".into(),
            json!(t(ctx.lang, "check_malformed").replace("{n}", &shown)),
        );
    } else if !number.is_empty() {
        match state.app.public_admission(&number).await {
            Ok(Some(a)) => {
                let kind = DemandKind::ALL
                    .into_iter()
                    .find(|k| k.label_zh() == a.kind)
                    .map_or(a.kind, |k| labels::demand_kind(ctx.lang, k));
                let status = [
                    "draft",
                    "submitted",
                    "escalated",
                    "admitted",
                    "returned",
                    "refused",
                ]
                .into_iter()
                .find(|st| jianfu_app::admission::status_label(st) == a.status)
                .map_or(a.status, |st| labels::admission_status(ctx.lang, st));
                let mut found = json!(a);
                found["kind"] = json!(kind);
                found["status"] = json!(status);
                data.insert("found".into(), found);
            }
            Ok(None) => {
                data.insert("missing".into(), json!(t(ctx.lang, "check_missing")));
            }
            Err(e) => {
                data.insert("missing".into(), json!(e.to_string()));
            }
        }
    }
    render("check.html", &ctx, data)
}

/// The gate's figures a person tunes; each is labelled by the catalog key
/// `set_<name>` (the nested minutes per cell type are kept as they are).
const SETTING_FIELDS: [&str; 16] = [
    "hourly_rate",
    "report_overhead_minutes",
    "meeting_travel_minutes",
    "inspection_minutes",
    "reading_chars_per_minute",
    "document_handling_minutes",
    "plaque_minutes",
    "certificate_minutes",
    "document_max_chars",
    "single_task_document_max_chars",
    "keynote_max_minutes",
    "inspections_per_week",
    "inspections_per_month",
    "min_lead_hours",
    "escalation_hours",
    "held_coverage",
];

fn setting_label(lang: Lang, key: &str) -> &'static str {
    t(lang, &format!("set_{key}"))
}

pub async fn settings(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
) -> Result<Html<String>, PageError> {
    let app = &state.app;
    let current = app
        .get_admission_settings(&s.user)
        .await
        .map_err(err(&ctx))?;
    let values = serde_json::to_value(&current).unwrap_or_default();
    let mut data = base(&ctx, Some(&s));
    data.insert(
        "fields".into(),
        json!(SETTING_FIELDS
            .iter()
            .map(|k| json!({"key": k, "label": setting_label(ctx.lang, k), "value": values[*k]}))
            .collect::<Vec<_>>()),
    );
    data.insert(
        "duty_items".into(),
        json!(app.duty_list().await.map_err(err(&ctx))?),
    );
    render("admission_settings.html", &ctx, data)
}

pub async fn save_settings(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let app = &state.app;
    let current = app
        .get_admission_settings(&s.user)
        .await
        .map_err(err(&ctx))?;
    let mut values = serde_json::to_value(&current).unwrap_or_default();
    for key in SETTING_FIELDS {
        let Some(raw) = f.get(key).map(|v| v.trim()) else {
            continue;
        };
        let label = setting_label(ctx.lang, key);
        let n: f64 = raw
            .parse()
            .map_err(|_| bad(&ctx, not_valid(ctx.lang, "err_not_number", label, raw)))?;
        // Counts are whole numbers; the rest may have decimals.
        values[key] = if values[key].is_u64() {
            if n < 0.0 || n.fract() != 0.0 {
                return Err(bad(&ctx, not_valid(ctx.lang, "err_not_count", label, raw)));
            }
            json!(n as u64)
        } else {
            json!(n)
        };
    }
    let next: jianfu_core::admission::settings::Settings =
        crate::extract::json_body(values.to_string().as_bytes(), "设置").map_err(|p| {
            PageError::untranslated(p.status, "refused_request", p.message, ctx.lang)
        })?;
    app.put_admission_settings(&s.user, &next, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    Ok(Redirect::to("/admissions/settings").into_response())
}

#[derive(Deserialize)]
pub struct DutyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    note: String,
}

pub async fn add_duty_item(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageForm(f): PageForm<DutyForm>,
) -> Result<Response, PageError> {
    state
        .app
        .add_duty_item(&s.user, &f.name, &f.note, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    Ok(Redirect::to("/admissions/settings").into_response())
}

pub async fn remove_duty_item(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
) -> Result<Response, PageError> {
    state
        .app
        .remove_duty_item(&s.user, id, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    Ok(Redirect::to("/admissions/settings").into_response())
}
