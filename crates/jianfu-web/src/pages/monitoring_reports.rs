//! Pages of 监测 that produce documents or tune the rules: the annual
//! report (printable page and .xlsx), the dashboard as .xlsx, and the
//! monitoring settings (thresholds of the rebound rules, the working-day
//! calendar's additions).

use crate::api::monitoring::{period, PeriodQuery};
use crate::api::reports::download;
use crate::context::ReqCtx;
use crate::errors::PageError;
use crate::extract::{PageForm, PageQuery};
use crate::render::{base, render};
use crate::session::PageUser;
use crate::AppState;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jianfu_app::reports::ExportFormat;
use jianfu_core::calendar::{parse_dates, WorkCalendar};
use jianfu_core::monitoring::{BurdenKind, MonitoringSettings};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

fn err(ctx: &ReqCtx) -> impl Fn(jianfu_app::AppError) -> PageError + '_ {
    move |e| PageError::from_app(e, ctx.lang)
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    #[serde(default)]
    year: Option<String>,
}

/// The year asked for, or the current one; a wrong year is named.
pub fn year_param(q: Option<&str>) -> Result<i32, String> {
    match q.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(chrono::Datelike::year(&jianfu_app::today())),
        Some(s) => s
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| format!("参数 year：“{s}”不是有效的年份，应为 2026")),
    }
}

fn bad_request(ctx: &ReqCtx, message: String) -> PageError {
    PageError::untranslated(
        axum::http::StatusCode::BAD_REQUEST,
        "refused_request",
        message,
        ctx.lang,
    )
}

fn kind_label(ctx: &ReqCtx, code: &str) -> String {
    let t = crate::i18n::t(ctx.lang, &format!("bk_{code}"));
    if t.is_empty() {
        BurdenKind::from_code(code).map_or(code.to_string(), |k| k.label_zh().to_string())
    } else {
        t.to_string()
    }
}

pub async fn annual(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageQuery(q): PageQuery<YearQuery>,
) -> Result<Html<String>, PageError> {
    let year = year_param(q.year.as_deref()).map_err(|m| bad_request(&ctx, m))?;
    let r = state
        .app
        .annual_report(&s.user, year, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    let mut data = base(&ctx, Some(&s));
    let kinds: Vec<Value> = r
        .kinds
        .iter()
        .map(|k| json!({"label": kind_label(&ctx, &k.code), "row": k}))
        .collect();
    let this_year = chrono::Datelike::year(&jianfu_app::today());
    if year == this_year {
        // The year is not over: its last months compare a part with a whole.
        data.insert("partial".into(), json!(jianfu_app::today().to_string()));
    }
    data.insert("r".into(), json!(r));
    data.insert("kinds".into(), json!(kinds));
    data.insert(
        "years".into(),
        json!((this_year - 4..=this_year).rev().collect::<Vec<_>>()),
    );
    render("annual.html", &ctx, data)
}

pub async fn annual_xlsx(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageQuery(q): PageQuery<YearQuery>,
) -> Result<Response, PageError> {
    let year = year_param(q.year.as_deref()).map_err(|m| bad_request(&ctx, m))?;
    let (name, bytes) = state
        .app
        .annual_report_xlsx(&s.user, year, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    Ok(download(&name, ExportFormat::Xlsx, bytes))
}

pub async fn dashboard_xlsx(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageQuery(q): PageQuery<PeriodQuery>,
) -> Result<Response, PageError> {
    let (from, to) = period(&q).map_err(|e| bad_request(&ctx, e.message()))?;
    let (name, bytes) = state
        .app
        .dashboard_xlsx(&s.user, from, to, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    Ok(download(&name, ExportFormat::Xlsx, bytes))
}

/// The thresholds on the settings page, in the order shown, each with
/// whether it is a whole number.
const FIELDS: [(&str, bool); 13] = [
    ("yoy_rise_pct", false),
    ("trailing_rise_pct", false),
    ("min_department_hours", false),
    ("inspections_same_day", true),
    ("inspections_same_week", true),
    ("repeat_visits", true),
    ("repeat_window_days", true),
    ("unadmitted_share_pct", false),
    ("unadmitted_min_items", true),
    ("min_lead_hours", true),
    ("hidden_gap_pct", false),
    ("answer_working_days", true),
    ("bad_rating_working_days", true),
];

/// How `MonitoringSettings::validate` names each field, first words of
/// its message, longest first where one name starts another.
const RULE_NAMES: [(&str, &str); 15] = [
    ("同比上升阈值", "yoy_rise_pct"),
    ("环比上升阈值", "trailing_rise_pct"),
    ("部门月负担下限", "min_department_hours"),
    ("同日检查次数", "inspections_same_day"),
    ("同周检查次数", "inspections_same_week"),
    ("重复到访次数", "repeat_visits"),
    ("重复到访的统计天数", "repeat_window_days"),
    ("未准入占比阈值", "unadmitted_share_pct"),
    ("未准入事项下限", "unadmitted_min_items"),
    ("最短提前时间", "min_lead_hours"),
    ("隐性负担差额阈值", "hidden_gap_pct"),
    ("部门答复期限", "answer_working_days"),
    ("差评整改期限", "bad_rating_working_days"),
    ("补充的节假日", "extra_days_off"),
    ("补充的调休上班日", "extra_working_days"),
];

fn not_valid(ctx: &ReqCtx, key: &str, what: &str, v: &str) -> String {
    crate::i18n::t(ctx.lang, key)
        .replace("{what}", what)
        .replace("{v}", v)
}

fn dates_text(d: &[chrono::NaiveDate]) -> String {
    d.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

fn settings_page(
    ctx: &ReqCtx,
    s: &crate::context::Session,
    values: &HashMap<String, String>,
    error: Option<(String, String)>,
    saved: bool,
) -> Result<Html<String>, PageError> {
    let mut data = base(ctx, Some(s));
    let fields: Vec<Value> = FIELDS
        .iter()
        .map(|(k, whole)| {
            json!({"key": k, "whole": whole,
                   "label": crate::i18n::t(ctx.lang, &format!("ms_{k}")),
                   "hint": crate::i18n::t(ctx.lang, &format!("ms_{k}_hint")),
                   "value": values.get(*k).cloned().unwrap_or_default()})
        })
        .collect();
    let calendar = WorkCalendar::with_additions(
        &parse_dates(values.get("extra_days_off").map_or("", |v| v)).unwrap_or_default(),
        &parse_dates(values.get("extra_working_days").map_or("", |v| v)).unwrap_or_default(),
    );
    let this_year = chrono::Datelike::year(&jianfu_app::today());
    let unknown: Vec<i32> = (this_year..=this_year + 1)
        .filter(|y| !calendar.known_years().contains(y))
        .collect();
    data.insert("fields".into(), json!(fields));
    data.insert(
        "extra_days_off".into(),
        json!(values.get("extra_days_off").cloned().unwrap_or_default()),
    );
    data.insert(
        "extra_working_days".into(),
        json!(values
            .get("extra_working_days")
            .cloned()
            .unwrap_or_default()),
    );
    // The built-in notices only: a date typed for 2027 does not make the
    // 2027 notice known.
    data.insert(
        "known_years".into(),
        json!(WorkCalendar::official()
            .known_years()
            .into_iter()
            .collect::<Vec<_>>()),
    );
    data.insert("unknown_years".into(), json!(unknown));
    if let Some((field, message)) = error {
        data.insert("error_field".into(), json!(field));
        data.insert("error".into(), json!(message));
    }
    data.insert("saved".into(), json!(saved));
    render("monitoring_settings.html", ctx, data)
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

pub async fn settings(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageQuery(q): PageQuery<SavedQuery>,
) -> Result<Html<String>, PageError> {
    let current = state
        .app
        .get_monitoring_settings(&s.user, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    let json = serde_json::to_value(&current).unwrap_or_default();
    let mut values: HashMap<String, String> = FIELDS
        .iter()
        .map(|(k, _)| {
            let v = match &json[*k] {
                Value::Number(n) => n.to_string(),
                other => other.to_string(),
            };
            (k.to_string(), v)
        })
        .collect();
    values.insert("extra_days_off".into(), dates_text(&current.extra_days_off));
    values.insert(
        "extra_working_days".into(),
        dates_text(&current.extra_working_days),
    );
    settings_page(&ctx, &s, &values, None, q.saved.is_some())
}

/// Reads the typed settings; the first bad field and its message.
fn read_settings(
    ctx: &ReqCtx,
    f: &HashMap<String, String>,
    current: &MonitoringSettings,
) -> Result<MonitoringSettings, (String, String)> {
    let mut values = serde_json::to_value(current).unwrap_or_default();
    for (key, whole) in FIELDS {
        let label = crate::i18n::t(ctx.lang, &format!("ms_{key}"));
        let raw = f.get(key).map(|v| v.trim()).unwrap_or("");
        let n: f64 = raw
            .parse()
            .ok()
            .filter(|n: &f64| n.is_finite())
            .ok_or_else(|| {
                (
                    key.to_string(),
                    not_valid(ctx, "err_not_number", label, raw),
                )
            })?;
        values[key] = if whole {
            if n < 0.0 || n.fract() != 0.0 || n > 100_000.0 {
                return Err((key.to_string(), not_valid(ctx, "err_not_count", label, raw)));
            }
            json!(n as u64)
        } else {
            json!(n)
        };
    }
    for key in ["extra_days_off", "extra_working_days"] {
        let label = crate::i18n::t(ctx.lang, &format!("ms_{key}"));
        let dates = parse_dates(f.get(key).map_or("", |v| v))
            .map_err(|m| (key.to_string(), format!("“{label}”：{m}")))?;
        values[key] = json!(dates);
    }
    let next: MonitoringSettings = serde_json::from_value(values)
        .map_err(|e| (String::new(), format!("设置无法读取：{e}")))?;
    // Name the field the rule refused, so the page can mark it.
    next.validate().map_err(|m| {
        let field = RULE_NAMES
            .iter()
            .find(|(name, _)| m.starts_with(name))
            .map_or("", |(_, k)| k);
        (field.to_string(), m)
    })?;
    Ok(next)
}

pub async fn save_settings(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let app = &state.app;
    let current = app
        .get_monitoring_settings(&s.user, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    let next = match read_settings(&ctx, &f, &current) {
        Ok(n) => n,
        // Shown again as typed, with the field named, nothing saved.
        Err(e) => return Ok(settings_page(&ctx, &s, &f, Some(e), false)?.into_response()),
    };
    if let Err(e) = app
        .put_monitoring_settings(&s.user, &next, ctx.ip.clone())
        .await
    {
        return match e {
            jianfu_app::AppError::Invalid(m) => {
                Ok(settings_page(&ctx, &s, &f, Some((String::new(), m)), false)?.into_response())
            }
            other => Err(err(&ctx)(other)),
        };
    }
    Ok(Redirect::to("/monitoring/settings?saved=1").into_response())
}
