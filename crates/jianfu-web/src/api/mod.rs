//! The JSON API under `/api/v1`, described by `openapi.json`.

pub mod admissions;
pub mod aliases;
pub mod direct_reports;
pub mod forms_audit;
pub mod monitoring;
pub mod ratings;
pub mod register;
pub mod reports;
pub mod surveys;

use crate::context::ReqCtx;
use crate::cookies;
use crate::errors::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::session::ApiUser;
use crate::AppState;
use axum::extract::{OriginalUri, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use jianfu_app::accounts::AccountRequest;
use jianfu_app::audit_query::{parse_filter, AuditQuery};
use jianfu_app::CurrentUser;
use jianfu_core::role::Role;
use jianfu_store::OrgUnit;
use serde::Deserialize;
use serde_json::{json, Value};

pub const OPENAPI: &str = include_str!("openapi.json");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/me", get(me))
        .route("/org/units", get(units))
        .route("/org/units/{id}", get(unit))
        .route("/users", get(users).post(create_user))
        .route("/audit", get(audit))
        .route("/openapi.json", get(openapi))
        .route("/elements", get(register::elements))
        .route(
            "/elements/{code}",
            get(register::element).put(register::save_element),
        )
        .route("/elements/{code}/versions", get(register::element_versions))
        .route("/learned-aliases", get(aliases::list))
        .route(
            "/learned-aliases/{id}",
            axum::routing::delete(aliases::forget),
        )
        .route("/persons", get(register::persons))
        .route("/persons/{id}", get(register::person))
        .route("/persons/{id}/history", get(register::history))
        .route("/persons/{id}/move", post(register::move_person))
        .route("/persons/{id}/reveal", post(register::reveal))
        .route(
            "/persons/{id}/facts",
            axum::routing::put(register::set_fact),
        )
        .route("/conflicts", get(register::conflicts))
        .route("/conflicts/{id}", post(register::resolve))
        .route("/merge-candidates", get(register::merge_candidates))
        .route("/merge-candidates/{id}", post(register::decide_merge))
        .route(
            "/imports",
            post(register::import).layer(crate::uploads::upload_limit()),
        )
        .route("/imports/rejected/{token}", get(register::rejected))
        .route("/places/{type}", get(register::places))
        .route("/places/{type}/{id}", get(register::place))
        .route(
            "/forms/audit",
            post(forms_audit::audit).layer(crate::uploads::upload_limit()),
        )
        .route(
            "/forms/audit.xlsx",
            post(forms_audit::audit_xlsx).layer(crate::uploads::upload_limit()),
        )
        .route("/forms/proposals", post(forms_audit::accept))
        .route(
            "/templates/analyze",
            post(reports::analyze_template).layer(crate::uploads::upload_limit()),
        )
        .route("/reports", get(reports::list).post(reports::create))
        .route("/reports/{id}", get(reports::detail))
        .route("/reports/{id}/publish", post(reports::publish))
        .route("/reports/{id}/prefill", post(reports::prefill))
        .route("/reports/{id}/consolidated", get(reports::consolidated))
        .route("/reports/{id}/export/{format}", get(reports::export_report))
        .route(
            "/reports/{id}/export-full/{format}",
            post(reports::export_report_full),
        )
        .route("/tasks", get(reports::tasks))
        .route("/tasks/{id}", get(reports::task))
        .route("/tasks/{id}/cells", axum::routing::put(reports::save_cell))
        .route("/tasks/{id}/rows", post(reports::add_row))
        .route("/tasks/{id}/households", get(reports::task_households))
        .route("/tasks/{id}/submit", post(reports::submit))
        .route("/tasks/{id}/withdraw", post(reports::withdraw))
        .route("/tasks/{id}/return", post(reports::return_task))
        .route("/tasks/{id}/accept", post(reports::accept))
        .route("/tasks/{id}/export/{format}", get(reports::export_task))
        .route(
            "/admissions",
            get(admissions::list).post(admissions::create),
        )
        .route(
            "/admissions/{id}",
            get(admissions::detail).put(admissions::update),
        )
        .route("/admissions/{id}/decide", post(admissions::decide))
        .route("/admissions/{id}/override", post(admissions::override_cap))
        .route(
            "/admissions/{id}/assessment.xlsx",
            get(admissions::assessment_xlsx),
        )
        .route(
            "/admission-caps",
            get(admissions::caps).put(admissions::set_cap),
        )
        .route(
            "/admission-settings",
            get(admissions::settings).put(admissions::put_settings),
        )
        .route(
            "/duty-items",
            get(admissions::duty_items).post(admissions::add_duty_item),
        )
        .route(
            "/duty-items/{id}",
            axum::routing::delete(admissions::remove_duty_item),
        )
        .route(
            "/direct-reports",
            get(direct_reports::list)
                .post(direct_reports::file)
                .layer(crate::uploads::upload_limit()),
        )
        .route("/direct-reports/follow", post(direct_reports::follow))
        .route(
            "/direct-reports/follow/messages",
            post(direct_reports::follow_message),
        )
        .route(
            "/direct-reports/follow/rating",
            post(direct_reports::follow_rating),
        )
        .route(
            "/direct-reports/public-form",
            put(direct_reports::public_form),
        )
        .route("/direct-reports/{id}", get(direct_reports::detail))
        .route("/direct-reports/{id}/steps", post(direct_reports::step))
        .route(
            "/direct-reports/{id}/publish",
            post(direct_reports::publish).delete(direct_reports::withdraw),
        )
        .route(
            "/direct-reports/{id}/files/{position}",
            get(direct_reports::evidence),
        )
        .route(
            "/public/direct-reports",
            post(direct_reports::file_public).layer(crate::uploads::upload_limit()),
        )
        .route("/typical-cases", get(direct_reports::typical_cases))
        .route("/service-cases", get(ratings::cases).post(ratings::record))
        .route("/bad-ratings", get(ratings::bad_ratings))
        .route("/bad-ratings/{id}/steps", post(ratings::step))
        .route(
            "/public/ratings/{token}",
            get(ratings::form).post(ratings::rate),
        )
        .route("/public/rating-overview", get(ratings::overview))
        .route("/survey-templates", get(surveys::templates))
        .route("/survey-templates/{code}", put(surveys::save_template))
        .route(
            "/survey-rounds",
            get(surveys::rounds).post(surveys::create_round),
        )
        .route("/survey-rounds/{id}/form", get(surveys::form))
        .route("/survey-rounds/{id}/answers", post(surveys::answer))
        .route("/survey-rounds/{id}/close", post(surveys::close))
        .route("/survey-rounds/{id}/results", get(surveys::results))
        .route(
            "/survey-rounds/{id}/results/{department}",
            get(surveys::department_card),
        )
        .route("/survey-rounds/{id}/export.xlsx", get(surveys::export))
        .route(
            "/public/admissions/{number}",
            get(admissions::public_lookup),
        )
        .route("/ledger", get(monitoring::ledger))
        .route("/ledger/lines", get(monitoring::ledger_lines))
        .route("/ledger/export.xlsx", get(monitoring::ledger_xlsx))
        .route("/ledger/annual", get(monitoring::annual))
        .route("/ledger/annual.xlsx", get(monitoring::annual_xlsx))
        .route(
            "/monitoring-settings",
            get(monitoring::settings).put(monitoring::put_settings),
        )
        .route("/warnings", get(monitoring::warnings))
        .route("/warnings/run", post(monitoring::run_rules))
        .route("/warnings/{id}", get(monitoring::warning))
        .route("/warnings/{id}/step", post(monitoring::warning_step))
        .route("/monitoring-points", get(monitoring::points))
        .route("/monitoring-points/{unit}", put(monitoring::put_point))
        .route(
            "/monitoring-points/{unit}/remind",
            post(monitoring::remind_point),
        )
        .route(
            "/confirmations/{month}",
            get(monitoring::confirmation).put(monitoring::put_confirmation),
        )
        // Both last: the method fallback applies to the routes added before.
        .fallback(no_such_endpoint)
        .method_not_allowed_fallback(method_not_allowed)
}

/// The path as the client sent it, shortened for the message.
fn shown_path(uri: &axum::http::Uri) -> String {
    let p = uri.path();
    let short: String = p.chars().take(120).collect();
    if short.len() < p.len() {
        format!("{short}…")
    } else {
        short
    }
}

async fn no_such_endpoint(method: Method, OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::NotFound(format!(
        "没有这个接口：{method} {}（接口清单见 /api/v1/openapi.json）",
        shown_path(&uri)
    ))
}

async fn method_not_allowed(method: Method, OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::Rejected(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "接口 {} 不支持 {method} 请求（可用的请求方式见 /api/v1/openapi.json）",
            shown_path(&uri)
        ),
    )
}

pub async fn healthz(State(state): State<AppState>) -> Response {
    let database = state.app.db.backend().name();
    match state.app.db.ping().await {
        Ok(()) => Json(json!({"status": "ok", "database": database})).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "error", "database": database})),
            )
                .into_response()
        }
    }
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

fn user_json(u: &CurrentUser) -> Value {
    json!({
        "id": u.id,
        "username": u.username,
        "display_name": u.display_name,
        "role": u.role.code(),
        "role_label": u.role.label_zh(),
        "unit": unit_json(&u.unit),
        "scope": unit_json(&u.scope),
    })
}

fn unit_json(u: &OrgUnit) -> Value {
    json!({
        "id": u.id,
        "code": u.code,
        "name": u.name,
        "short_name": u.short_name,
        "kind": u.kind,
        "parent_id": u.parent_id,
    })
}

#[derive(Deserialize)]
struct LoginBody {
    username: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<Response, ApiError> {
    let key = state
        .login_throttle
        .admit(ctx.ip.as_deref())
        .map_err(|(retry_after, message)| ApiError::TooManyRequests {
            message,
            retry_after,
        })?;
    let ok = state
        .app
        .login(&body.username, &body.password, ctx.ip.clone())
        .await;
    if ok.is_ok() {
        state.login_throttle.refund(&key);
    }
    let ok = ok?;
    let max_age = state.app.auth.session_hours * 3600;
    let mut resp = Json(json!({"user": user_json(&ok.user), "csrf_token": ok.user.csrf_token}))
        .into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        cookies::set(cookies::SESSION, &ok.token, Some(max_age), ctx.secure, true),
    );
    Ok(resp)
}

async fn logout(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
) -> Result<Response, ApiError> {
    state.app.logout(&s.token, &s.user, ctx.ip.clone()).await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        cookies::clear(cookies::SESSION, ctx.secure),
    );
    Ok(resp)
}

async fn me(ApiUser(s): ApiUser) -> Json<Value> {
    Json(json!({"user": user_json(&s.user), "csrf_token": s.user.csrf_token}))
}

#[derive(Deserialize)]
struct UnitsQuery {
    q: Option<String>,
}

async fn units(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    ApiQuery(q): ApiQuery<UnitsQuery>,
) -> Result<Json<Value>, ApiError> {
    let list = match q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(q) => state.app.search_scope(&s.user, q).await?,
        None => state.app.scope_units(&s.user).await?,
    };
    Ok(Json(
        json!({"units": list.iter().map(unit_json).collect::<Vec<_>>()}),
    ))
}

async fn unit(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    let unit = state.app.unit_for(&s.user, id, ctx.ip.clone()).await?;
    let children = state.app.db.children(unit.id).await?;
    let counts = state.app.counts_for(&unit).await?;
    Ok(Json(json!({
        "unit": unit_json(&unit),
        "children": children.iter().map(unit_json).collect::<Vec<_>>(),
        "counts": counts,
    })))
}

async fn require_admin(state: &AppState, ctx: &ReqCtx, u: &CurrentUser) -> Result<(), ApiError> {
    if u.role.can_manage_users() {
        return Ok(());
    }
    Err(state
        .app
        .deny(
            u,
            "api:/users",
            "只有系统管理员可以管理账号",
            ctx.ip.clone(),
        )
        .await
        .into())
}

async fn users(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
) -> Result<Json<Value>, ApiError> {
    require_admin(&state, &ctx, &s.user).await?;
    let rows = state.app.db.users_in_scope(&s.user.scope.path).await?;
    Ok(Json(json!({"users": rows})))
}

#[derive(Deserialize)]
struct CreateUserBody {
    username: String,
    display_name: String,
    password: String,
    role: String,
    /// Division code, name, or numeric id of the unit.
    unit: String,
}

async fn create_user(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiJson(b): ApiJson<CreateUserBody>,
) -> Result<Response, ApiError> {
    require_admin(&state, &ctx, &s.user).await?;
    let role = Role::from_code(&b.role)
        .ok_or_else(|| ApiError::BadRequest(format!("未知角色：{}", b.role)))?;
    let unit = match b.unit.trim().parse::<i64>() {
        Ok(id) if b.unit.trim().len() < 9 => state.app.db.unit(id).await?,
        _ => state.app.db.unit_by_code_or_name(b.unit.trim()).await?,
    }
    .ok_or_else(|| ApiError::BadRequest(format!("找不到单位“{}”", b.unit)))?;
    let id = state
        .app
        .create_account(
            Some(&s.user),
            &AccountRequest {
                username: b.username.trim().to_string(),
                display_name: b.display_name,
                password: b.password,
                role,
                unit_id: unit.id,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))).into_response())
}

async fn audit(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Value>, ApiError> {
    let filter = parse_filter(&q, 100)?;
    let (entries, total) = state
        .app
        .read_audit(&s.user, &filter, ctx.ip.clone())
        .await?;
    Ok(Json(json!({"entries": entries, "total": total})))
}
