//! Pages of 准入: the list (a department's requests, the office's queue),
//! the request form with each kind's own fields, a request with its
//! estimate, findings and decisions (printable as the 一致性评估), the caps
//! dashboard, flags of unnumbered demands, and the public check.

use crate::context::ReqCtx;
use crate::errors::PageError;
use crate::extract::{PageForm, PagePath, PageQuery};
use crate::render::{base, fmt_time, render};
use crate::session::PageUser;
use crate::AppState;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jianfu_app::admission::{Action, AdmissionInput};
use jianfu_core::admission::caps::Cap;
use jianfu_core::admission::{DemandKind, Details};
use jianfu_core::reports::ColumnSource;
use jianfu_core::role::Role;
use serde::Deserialize;
use serde_json::json;
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
                       "kind": DemandKind::from_code(&r.kind).map_or("", |k| k.label_zh()),
                       "department": r.department, "status": r.status,
                       "status_label": jianfu_app::admission::status_label(&r.status),
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
                           "frequency": freq.map(|f| f.label_zh()),
                           "per_year": freq.map_or(1, |f| f.per_year())})
                })
                .collect::<Vec<_>>()),
        );
        data.insert("kinds".into(), json!(kinds()));
        data.insert(
            "preset_kind".into(),
            json!(if q.report.is_some() { "report" } else { "" }),
        );
    }
    if matches!(
        role,
        Role::Community | Role::Grid | Role::Township | Role::Jianfuban
    ) {
        let flags = app.list_flags(&s.user).await.map_err(err(&ctx))?;
        data.insert(
            "flags".into(),
            json!(flags
                .iter()
                .map(
                    |f| json!({"id": f.id, "unit": f.unit_name, "department": f.department,
                                "description": f.description, "number": f.number_given,
                                "status": f.status, "response": f.response,
                                "at": fmt_time(f.created_at)})
                )
                .collect::<Vec<_>>()),
        );
    }
    data.insert(
        "duty_items".into(),
        json!(app.duty_list().await.map_err(err(&ctx))?),
    );
    render("admissions.html", &ctx, data)
}

fn kinds() -> Vec<serde_json::Value> {
    DemandKind::ALL
        .iter()
        .map(|k| json!({"code": k.code(), "label": k.label_zh()}))
        .collect()
}

/// Reads the request form: common fields and the chosen kind's own.
fn input_of(f: &HashMap<String, String>) -> Result<AdmissionInput, String> {
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
            .map_err(|_| format!("“{what}”须为非负整数，而填写的是“{v}”"))
    };
    let date = |k: &str, what: &str| -> Result<Option<chrono::NaiveDate>, String> {
        let v = text(k);
        if v.is_empty() {
            return Ok(None);
        }
        chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| format!("“{what}”须为日期（如 2026-12-01），而填写的是“{v}”"))
    };
    let kind = DemandKind::from_code(&text("kind")).ok_or_else(|| "请选择事项类型".to_string())?;
    let details = match kind {
        DemandKind::Report => Details::Report {
            report_id: text("report_id").parse().ok(),
        },
        DemandKind::Meeting => Details::Meeting {
            date: date("meeting_date", "会议日期")?,
            duration_minutes: number("duration_minutes", "会议时长")?,
            keynote_minutes: number("keynote_minutes", "主讲话时长")?,
            attendees_per_unit: number("attendees_per_unit", "每个村社区参会人数")?,
            on_site: flag("on_site"),
        },
        DemandKind::Inspection => Details::Inspection {
            window_start: date("window_start", "检查开始日期")?,
            window_end: date("window_end", "检查结束日期")?,
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
            minutes_per_unit: number("minutes_per_unit", "每个村社区所需分钟数")?,
        },
        DemandKind::App => Details::App {
            purpose: text("purpose"),
            clock_in: flag("clock_in"),
            ranking: flag("ranking"),
            likes: flag("likes"),
            forced_install: flag("forced_install"),
            minutes_per_week: number("minutes_per_week", "每周使用分钟数")?,
        },
        DemandKind::Plaque => Details::Plaque { name: text("name") },
        DemandKind::Certificate => Details::Certificate {
            name: text("name"),
            per_unit_per_year: number("per_unit_per_year", "每年开具份数")?,
        },
    };
    let lead = number("lead_hours", "办理时限")?;
    Ok(AdmissionInput {
        title: text("title"),
        details,
        targets: vec![],
        per_year: number("per_year", "每年次数")?.max(1),
        lead_hours: (lead > 0).then_some(lead),
        duty_item: Some(text("duty_item")).filter(|d| !d.is_empty()),
        requested_until: date("requested_until", "申请有效期至")?,
    })
}

/// A department's new request: saved as a draft and, if asked, submitted.
pub async fn create(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let mut input = input_of(&f).map_err(|m| bad(&ctx, m))?;
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
            .ok_or_else(|| {
                bad(
                    &ctx,
                    format!("对象范围中的“{code}”不是本区的街镇或村（社区）"),
                )
            })?;
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
    let (rows, headings) = jianfu_app::admission::assessment_rows(&v);
    let mut data = base(&ctx, Some(&s));
    data.insert(
        "actions".into(),
        json!(v
            .actions
            .iter()
            .map(|a| json!({"code": a.code(), "label": a.label_zh()}))
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
    data.insert(
        "sections".into(),
        json!(rows
            .iter()
            .enumerate()
            .map(|(i, r)| json!({"heading": headings.contains(&i), "cells": r}))
            .skip(1)
            .collect::<Vec<_>>()),
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
    let action = Action::from_code(&f.action)
        .ok_or_else(|| bad(&ctx, format!("未知的操作“{}”", f.action)))?;
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
                json!({"department": l.department, "kind": l.kind_label,
                       "basis": match l.basis {
                           jianfu_core::admission::caps::CapBasis::Set => "减负办设定",
                           jianfu_core::admission::caps::CapBasis::LastYear => "上年总量",
                           jianfu_core::admission::caps::CapBasis::None => "未设上限",
                       },
                       "max_count": l.cap.max_count, "max_hours": l.cap.max_hours,
                       "count": l.used.count, "hours": format!("{:.1}", l.used.hours),
                       "pct": pct, "bar": pct.map(|p| p.min(100)), "over": pct.is_some_and(|p| p > 100)})
            })
            .collect::<Vec<_>>()),
    );
    data.insert("is_office".into(), json!(s.user.role == Role::Jianfuban));
    data.insert("kinds".into(), json!(kinds()));
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
                .map_err(|_| bad(&ctx, format!("数量上限须为整数，而填写的是“{v}”")))?,
        ),
    };
    let max_hours = match f.max_hours.trim() {
        "" => None,
        v => Some(
            v.parse::<f64>()
                .map_err(|_| bad(&ctx, format!("负担上限须为小时数，而填写的是“{v}”")))?,
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

#[derive(Deserialize)]
pub struct FlagForm {
    department: String,
    description: String,
    #[serde(default)]
    number: String,
}

pub async fn flag(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageForm(f): PageForm<FlagForm>,
) -> Result<Response, PageError> {
    state
        .app
        .flag_unadmitted(
            &s.user,
            &f.department,
            &f.description,
            Some(f.number.as_str()),
            ctx.ip.clone(),
        )
        .await
        .map_err(err(&ctx))?;
    Ok(Redirect::to("/admissions").into_response())
}

#[derive(Deserialize)]
pub struct HandleForm {
    response: String,
}

pub async fn handle_flag(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<HandleForm>,
) -> Result<Response, PageError> {
    state
        .app
        .handle_flag(&s.user, id, &f.response, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    Ok(Redirect::to("/admissions").into_response())
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
    if !number.is_empty() {
        match state.app.public_admission(&number).await {
            Ok(Some(a)) => {
                data.insert("found".into(), json!(a));
            }
            Ok(None) => {
                data.insert(
                    "missing".into(),
                    json!("查无此准入编号：该事项未经准入，村（社区）可以拒绝，并可向减负办反映。"),
                );
            }
            Err(e) => {
                data.insert("missing".into(), json!(e.to_string()));
            }
        }
    }
    render("check.html", &ctx, data)
}

/// The gate's figures a person tunes, with their labels (the nested
/// minutes per cell type are kept as they are).
const SETTING_FIELDS: [(&str, &str); 16] = [
    ("hourly_rate", "每小时成本（元）"),
    ("report_overhead_minutes", "每次报送的核对时间（分钟）"),
    ("meeting_travel_minutes", "往返会场时间（分钟）"),
    ("inspection_minutes", "每次迎检准备与接待（分钟）"),
    ("reading_chars_per_minute", "阅读速度（字/分钟）"),
    ("document_handling_minutes", "文件传达处理（分钟）"),
    ("plaque_minutes", "挂牌及维护（分钟）"),
    ("certificate_minutes", "开具一份证明（分钟）"),
    ("document_max_chars", "文件字数上限"),
    ("single_task_document_max_chars", "单项工作文件字数上限"),
    ("keynote_max_minutes", "会议主讲话上限（分钟）"),
    ("inspections_per_week", "每个村社区每周检查上限（次）"),
    ("inspections_per_month", "每个村社区每月检查上限（次）"),
    ("min_lead_hours", "最短办理时限（小时）"),
    ("escalation_hours", "提级审核阈值（小时/年）"),
    ("held_coverage", "“底库已有”覆盖率（0–1）"),
];

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
            .map(|(k, label)| json!({"key": k, "label": label, "value": values[*k]}))
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
    for (key, label) in SETTING_FIELDS {
        let Some(raw) = f.get(key).map(|v| v.trim()) else {
            continue;
        };
        let n: f64 = raw
            .parse()
            .map_err(|_| bad(&ctx, format!("“{label}”须为数字，而填写的是“{raw}”")))?;
        // Counts are whole numbers; the rest may have decimals.
        values[key] = if values[key].is_u64() {
            if n < 0.0 || n.fract() != 0.0 {
                return Err(bad(
                    &ctx,
                    format!("“{label}”须为非负整数，而填写的是“{raw}”"),
                ));
            }
            json!(n as u64)
        } else {
            json!(n)
        };
    }
    let next: jianfu_core::admission::settings::Settings =
        crate::extract::json_body(values.to_string().as_bytes(), "设置")
            .map_err(|p| bad(&ctx, p.message))?;
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
