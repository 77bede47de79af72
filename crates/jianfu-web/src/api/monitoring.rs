//! `/api/v1` endpoints of 监测: the ledger (dashboard figures and the lines
//! behind each), rebound warnings and their workflow, monitoring points
//! and their monthly confirmations.

use crate::context::ReqCtx;
use crate::errors::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::session::ApiUser;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use jianfu_app::monitoring::{ConfirmationForm, WarningStep};
use jianfu_core::monitoring::Month;
use serde::Deserialize;
use serde_json::{json, Value};

/// A period of months; the default is the last twelve months to this one.
#[derive(Deserialize, Default)]
pub struct PeriodQuery {
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub unit: Option<i64>,
    #[serde(default)]
    pub department: Option<i64>,
    #[serde(default)]
    pub kind: Option<String>,
}

/// A month from a query or path, in Chinese when it is wrong.
pub fn month_param(v: Option<&str>, name: &str, default: Month) -> Result<Month, ApiError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => Month::parse(s).ok_or_else(|| {
            let shown: String = s.chars().take(20).collect();
            ApiError::BadRequest(format!(
                "参数 {name}：“{shown}”不是有效的年月，应为 2026-11"
            ))
        }),
    }
}

pub fn period(q: &PeriodQuery) -> Result<(Month, Month), ApiError> {
    let now = Month::of(jianfu_app::today());
    let to = month_param(q.to.as_deref(), "to", now)?;
    let from = month_param(q.from.as_deref(), "from", to.plus(-11))?;
    Ok((from, to))
}

pub async fn ledger(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> Result<Json<Value>, ApiError> {
    let (from, to) = period(&q)?;
    Ok(Json(json!(
        state.app.dashboard(&s.user, from, to, ctx.ip).await?
    )))
}

pub async fn ledger_lines(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> Result<Json<Value>, ApiError> {
    let (from, to) = period(&q)?;
    let trace = state
        .app
        .ledger_trace(
            &s.user,
            &jianfu_app::monitoring::TraceQuery {
                unit_id: q.unit,
                department_id: q.department,
                kind: q.kind.clone(),
                from,
                to,
            },
            ctx.ip,
        )
        .await?;
    Ok(Json(json!(trace)))
}

pub async fn warnings(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        json!({"warnings": state.app.warnings_for(&s.user, ctx.ip).await?}),
    ))
}

pub async fn warning(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(
        state.app.warning_for(&s.user, id, ctx.ip).await?
    )))
}

pub async fn warning_step(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(step): ApiJson<WarningStep>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(
        state.app.step_warning(&s.user, id, step, ctx.ip).await?
    )))
}

#[derive(Deserialize, Default)]
pub struct MonthQuery {
    #[serde(default)]
    month: Option<String>,
}

/// Runs the rebound rules for a month (the 减负办; default this month).
pub async fn run_rules(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> Result<Json<Value>, ApiError> {
    if s.user.role != jianfu_core::role::Role::Jianfuban {
        return Err(state
            .app
            .deny(&s.user, "warnings", "只有减负办可以运行预警规则", ctx.ip)
            .await
            .into());
    }
    let m = month_param(q.month.as_deref(), "month", Month::of(jianfu_app::today()))?;
    let found = state.app.run_warning_rules(m).await?;
    Ok(Json(
        json!({"month": m, "found": found.len(), "warnings": found}),
    ))
}

pub async fn points(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> Result<Json<Value>, ApiError> {
    let m = month_param(q.month.as_deref(), "month", Month::of(jianfu_app::today()))?;
    Ok(Json(json!({"month": m,
        "points": state.app.points_status(&s.user, m, ctx.ip).await?})))
}

#[derive(Deserialize)]
pub struct PointInput {
    contact: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

pub async fn put_point(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(unit): ApiPath<i64>,
    ApiJson(p): ApiJson<PointInput>,
) -> Result<Json<Value>, ApiError> {
    state
        .app
        .designate_point(
            &s.user,
            unit,
            &p.contact,
            &p.contact_phone,
            p.active,
            ctx.ip,
        )
        .await?;
    Ok(Json(json!({"ok": true})))
}

pub async fn remind_point(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(unit): ApiPath<i64>,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> Result<Json<Value>, ApiError> {
    let m = month_param(q.month.as_deref(), "month", Month::of(jianfu_app::today()))?;
    state.app.remind_point(&s.user, unit, m, ctx.ip).await?;
    Ok(Json(json!({"ok": true})))
}

pub async fn confirmation(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(month): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    let m = month_param(Some(&month), "month", Month::of(jianfu_app::today()))?;
    Ok(Json(json!(
        state.app.confirmation_view(&s.user, m, ctx.ip).await?
    )))
}

pub async fn put_confirmation(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(month): ApiPath<String>,
    ApiJson(form): ApiJson<ConfirmationForm>,
) -> Result<Json<Value>, ApiError> {
    let m = month_param(Some(&month), "month", Month::of(jianfu_app::today()))?;
    let version = state.app.confirm_month(&s.user, m, &form, ctx.ip).await?;
    Ok(Json(json!({"month": m, "version": version})))
}

/// `?year=2026`; the current year when absent.
#[derive(Deserialize, Default)]
pub struct YearParam {
    #[serde(default)]
    year: Option<String>,
}

fn year_of(q: &YearParam) -> Result<i32, ApiError> {
    crate::pages::year_param(q.year.as_deref()).map_err(ApiError::BadRequest)
}

pub async fn annual(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiQuery(q): ApiQuery<YearParam>,
) -> Result<Json<Value>, ApiError> {
    let year = year_of(&q)?;
    Ok(Json(json!(
        state.app.annual_report(&s.user, year, ctx.ip).await?
    )))
}

pub async fn annual_xlsx(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiQuery(q): ApiQuery<YearParam>,
) -> Result<axum::response::Response, ApiError> {
    let year = year_of(&q)?;
    let (name, bytes) = state.app.annual_report_xlsx(&s.user, year, ctx.ip).await?;
    Ok(super::reports::download(
        &name,
        jianfu_app::reports::ExportFormat::Xlsx,
        bytes,
    ))
}

pub async fn ledger_xlsx(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> Result<axum::response::Response, ApiError> {
    let (from, to) = period(&q)?;
    let (name, bytes) = state.app.dashboard_xlsx(&s.user, from, to, ctx.ip).await?;
    Ok(super::reports::download(
        &name,
        jianfu_app::reports::ExportFormat::Xlsx,
        bytes,
    ))
}

pub async fn settings(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(
        state.app.get_monitoring_settings(&s.user, ctx.ip).await?
    )))
}

/// Replaces the settings; fields left out keep their current value.
pub async fn put_settings(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiJson(patch): ApiJson<Value>,
) -> Result<Json<Value>, ApiError> {
    // Refused before the body is read: a caller without the role learns
    // nothing of the settings from the validation messages.
    if s.user.role != jianfu_core::role::Role::Jianfuban {
        return Err(state
            .app
            .deny(
                &s.user,
                "monitoring.settings",
                "只有减负办可以修改监测设置",
                ctx.ip,
            )
            .await
            .into());
    }
    let current = state.app.monitoring_settings().await?;
    let Value::Object(fields) = patch else {
        return Err(ApiError::BadRequest("请求体应为 JSON 对象".into()));
    };
    type Settings = jianfu_core::monitoring::MonitoringSettings;
    let base = serde_json::to_value(&current).unwrap_or_default();
    let mut merged = base.clone();
    for (k, v) in fields {
        let Some(was) = base.get(&k) else {
            return Err(ApiError::BadRequest(format!("未知的设置项“{k}”")));
        };
        // Each field alone, so that a wrong type is named by its field.
        let mut alone = base.clone();
        alone[&k] = v.clone();
        if serde_json::from_value::<Settings>(alone).is_err() {
            let expected = match (was, &v) {
                (Value::Array(_), _) => "日期列表，如 [\"2027-01-01\"]",
                (Value::Number(n), Value::Number(given)) if n.is_u64() && given.is_u64() => {
                    "范围内的整数（见监测设置页上的说明）"
                }
                (Value::Number(n), _) if n.is_u64() => "不小于 0 的整数",
                _ => "数字",
            };
            return Err(ApiError::BadRequest(format!(
                "设置项 {k} 的值 {v} 无效：应为{expected}"
            )));
        }
        merged[&k] = v;
    }
    let next: Settings = serde_json::from_value(merged)
        .map_err(|e| ApiError::BadRequest(format!("设置格式不正确：{e}")))?;
    state
        .app
        .put_monitoring_settings(&s.user, &next, ctx.ip)
        .await?;
    Ok(Json(json!(next)))
}
