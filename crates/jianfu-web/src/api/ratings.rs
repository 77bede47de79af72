//! `/api/v1` endpoints of 好差评: the window records a service case (and
//! gets its rating link), a resident rates it without an account, the
//! township and the office handle bad ratings, everyone reads the figures.

use crate::context::ReqCtx;
use crate::errors::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::session::ApiUser;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use jianfu_core::rating::RatingInput;
use serde::Deserialize;
use serde_json::{json, Value};

/// The resident's routes: no session, so no CSRF token; the API takes
/// JSON only and a page's form must come from this site.
pub fn is_sessionless_post(path: &str) -> bool {
    path.starts_with("/pj/") || path.starts_with("/api/v1/public/ratings/")
}

/// Many ratings from one address within minutes are flagged (not
/// refused); the address is counted in memory only.
pub fn burst(state: &AppState, ctx: &ReqCtx) -> bool {
    state.rating_burst.admit_quietly(ctx.ip.as_deref()).is_err()
}

#[derive(Deserialize)]
pub struct CaseInput {
    pub service: String,
    pub case_no: String,
}

pub async fn record(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiJson(c): ApiJson<CaseInput>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(
        state
            .app
            .record_service_case(&s.user, &c.service, &c.case_no, ctx.ip)
            .await?
    )))
}

pub async fn cases(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        json!({ "cases": state.app.window_cases(&s.user).await? }),
    ))
}

pub async fn form(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(state.app.rating_form(&token).await?)))
}

#[derive(Deserialize, Default)]
pub struct RateInput {
    pub level: Option<i64>,
    #[serde(default)]
    pub efficiency: Option<i64>,
    #[serde(default)]
    pub quality: Option<i64>,
    #[serde(default)]
    pub attitude: Option<i64>,
    #[serde(default)]
    pub comment: String,
}

impl From<RateInput> for RatingInput {
    fn from(r: RateInput) -> Self {
        RatingInput {
            level: r.level,
            efficiency: r.efficiency,
            quality: r.quality,
            attitude: r.attitude,
            comment: r.comment,
        }
    }
}

pub async fn rate(
    State(state): State<AppState>,
    ctx: ReqCtx,
    crate::session::MaybeUser(session): crate::session::MaybeUser,
    ApiPath(token): ApiPath<String>,
    ApiJson(r): ApiJson<RateInput>,
) -> Result<Json<Value>, ApiError> {
    // A staff session may not rate for a resident.
    if session.is_some() {
        return Err(ApiError::Forbidden(
            crate::i18n::t(ctx.lang, "hc_staff_cannot_rate").to_string(),
        ));
    }
    let burst = burst(&state, &ctx);
    let bad = state.app.rate_service(&token, r.into(), burst).await?;
    Ok(Json(json!({ "rated": true, "bad": bad })))
}

pub async fn bad_ratings(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        json!({ "bad_ratings": state.app.bad_ratings_for(&s.user, ctx.ip).await? }),
    ))
}

#[derive(Deserialize)]
pub struct StepInput {
    pub action: String,
    #[serde(default)]
    pub note: String,
}

pub async fn step(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(st): ApiJson<StepInput>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(
        state
            .app
            .bad_rating_step(&s.user, id, &st.action, &st.note, ctx.ip)
            .await?
    )))
}

pub async fn overview(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(state.app.rating_overview().await?)))
}

/// This site as the browser reached it (scheme and host), for absolute
/// links: jianfu knows no other name for itself on an intranet. A host
/// header with anything but a host name's characters falls back to the
/// loopback address.
pub fn origin(ctx: &ReqCtx, headers: &axum::http::HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("127.0.0.1");
    let scheme = if ctx.secure { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// The rating link of a case as an SVG QR code, for printing at the
/// window.
pub fn qr_svg(origin: &str, link: &str) -> Result<String, ApiError> {
    let url = format!("{origin}{link}");
    let code = qrcode::QrCode::new(url.as_bytes())
        .map_err(|e| ApiError::BadRequest(format!("二维码无法生成：{e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build())
}
