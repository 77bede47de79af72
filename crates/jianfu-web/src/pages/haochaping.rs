//! Pages of 好差评: the window records a service and prints its QR code;
//! the resident rates on a phone without an account (`/pj/{token}`); the
//! township calls back and settles bad ratings, the office decides
//! appeals; everyone, signed in or not, reads the public figures.

use crate::api::ratings::{burst, origin, qr_svg};
use crate::context::{ReqCtx, Session};
use crate::errors::PageError;
use crate::extract::{PageForm, PagePath, PageQuery};
use crate::render::{base, render};
use crate::session::{MaybeUser, PageUser};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use jianfu_core::rating::{RatingInput, LEVELS, SERVICES};
use jianfu_core::role::Role;
use serde::Deserialize;
use serde_json::json;

fn err(ctx: &ReqCtx) -> impl Fn(jianfu_app::AppError) -> PageError + '_ {
    move |e| PageError::from_app(e, ctx.lang)
}

#[derive(Deserialize, Default)]
pub struct Notice {
    #[serde(default)]
    done: Option<String>,
    /// Which bad ratings to list: pending (待回访 or 已回访), appealed,
    /// closed; all when absent or unknown.
    #[serde(default)]
    status: Option<String>,
}

/// The bad-rating lists a page may show, by the query's word.
const BAD_FILTERS: [(&str, &[&str]); 3] = [
    ("pending", &["open", "called_back"]),
    ("appealed", &["appealed"]),
    ("closed", &["closed"]),
];

const DONE: [&str; 2] = ["hc_done_step", "hc_done_case"];

pub async fn index(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageQuery(q): PageQuery<Notice>,
) -> Result<Html<String>, PageError> {
    let notice = q
        .done
        .as_deref()
        .and_then(|d| DONE.iter().find(|k| k.strip_prefix("hc_done_") == Some(d)));
    let filter = q
        .status
        .as_deref()
        .and_then(|w| BAD_FILTERS.iter().find(|(k, _)| *k == w));
    index_page(&state, &ctx, &s, notice.copied(), None, filter).await
}

async fn index_page(
    state: &AppState,
    ctx: &ReqCtx,
    s: &Session,
    notice: Option<&str>,
    error: Option<String>,
    filter: Option<&(&str, &[&str])>,
) -> Result<Html<String>, PageError> {
    let mut data = base(ctx, Some(s));
    let window = matches!(s.user.role, Role::Community | Role::Grid);
    if window {
        let cases = state.app.window_cases(&s.user).await.map_err(err(ctx))?;
        data.insert("cases".into(), json!(cases));
        data.insert(
            "services".into(),
            json!(SERVICES
                .iter()
                .map(|(c, l)| json!({"code": c, "label": l}))
                .collect::<Vec<_>>()),
        );
    }
    let bad = state
        .app
        .bad_ratings_for(&s.user, ctx.ip.clone())
        .await
        .ok()
        .map(|list| match filter {
            Some((_, statuses)) => list
                .into_iter()
                .filter(|b| statuses.contains(&b.row.status.as_str()))
                .collect(),
            None => list,
        });
    data.insert("bad".into(), json!(bad));
    data.insert("bad_filter".into(), json!(filter.map(|(k, _)| *k)));
    let flagged = state.app.flagged_ratings(&s.user).await.map_err(err(ctx))?;
    data.insert("flagged".into(), json!(flagged));
    data.insert("window".into(), json!(window));
    data.insert("township".into(), json!(s.user.role == Role::Township));
    data.insert("office".into(), json!(s.user.role == Role::Jianfuban));
    data.insert("notice".into(), json!(notice));
    data.insert("error".into(), json!(error));
    render("haochaping.html", ctx, data)
}

#[derive(Deserialize)]
pub struct CaseForm {
    #[serde(default)]
    service: String,
    #[serde(default)]
    case_no: String,
}

pub async fn record(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageForm(f): PageForm<CaseForm>,
) -> Result<Response, PageError> {
    match state
        .app
        .record_service_case(&s.user, &f.service, &f.case_no, ctx.ip.clone())
        .await
    {
        Ok(c) => Ok(Redirect::to(&format!("/haochaping/cases/{}", c.id)).into_response()),
        Err(jianfu_app::AppError::Invalid(m)) => {
            let html = index_page(&state, &ctx, &s, None, Some(m), None).await?;
            Ok((StatusCode::BAD_REQUEST, html).into_response())
        }
        Err(e) => Err(err(&ctx)(e)),
    }
}

/// The case's page for printing: the QR code and the link.
pub async fn case(
    State(state): State<AppState>,
    ctx: ReqCtx,
    headers: HeaderMap,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
) -> Result<Html<String>, PageError> {
    let c = state
        .app
        .window_case(&s.user, id, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    let site = origin(&ctx, &headers);
    let svg = qr_svg(&site, &c.link)
        .map_err(|_| PageError::new(StatusCode::INTERNAL_SERVER_ERROR, "QR", ctx.lang))?;
    let mut data = base(&ctx, Some(&s));
    data.insert("url".into(), json!(format!("{site}{}", c.link)));
    data.insert("c".into(), json!(c));
    data.insert("svg".into(), json!(svg));
    render("haochaping_case.html", &ctx, data)
}

pub async fn case_qr(
    State(state): State<AppState>,
    ctx: ReqCtx,
    headers: HeaderMap,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
) -> Result<Response, PageError> {
    let c = state
        .app
        .window_case(&s.user, id, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    let svg = qr_svg(&origin(&ctx, &headers), &c.link)
        .map_err(|_| PageError::new(StatusCode::INTERNAL_SERVER_ERROR, "QR", ctx.lang))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"rating-qr.svg\"",
            ),
        ],
        svg,
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct StepForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    note: String,
}

pub async fn step(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<StepForm>,
) -> Result<Response, PageError> {
    match state
        .app
        .bad_rating_step(&s.user, id, &f.action, &f.note, ctx.ip.clone())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/haochaping?done=step#bad-{id}")).into_response()),
        Err(jianfu_app::AppError::Invalid(m)) => {
            let html = index_page(&state, &ctx, &s, None, Some(m), None).await?;
            Ok((StatusCode::BAD_REQUEST, html).into_response())
        }
        Err(e) => Err(err(&ctx)(e)),
    }
}

/// The resident's rating page: no account, one rating per case.
pub async fn rating_page(
    State(state): State<AppState>,
    ctx: ReqCtx,
    MaybeUser(session): MaybeUser,
    PagePath(token): PagePath<String>,
) -> Result<Response, PageError> {
    rating_view(&state, &ctx, session.as_ref(), &token, None, None).await
}

async fn rating_view(
    state: &AppState,
    ctx: &ReqCtx,
    session: Option<&Session>,
    token: &str,
    error: Option<String>,
    thanks: Option<bool>,
) -> Result<Response, PageError> {
    let form = state.app.rating_form(token).await.map_err(err(ctx))?;
    let mut data = base(ctx, session);
    data.insert("form".into(), json!(form));
    data.insert("token".into(), json!(token));
    data.insert("levels".into(), json!(LEVELS));
    data.insert("error".into(), json!(error));
    data.insert("thanks".into(), json!(thanks));
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let html = render("pj.html", ctx, data)?;
    Ok((status, [(header::CACHE_CONTROL, "no-store")], html).into_response())
}

#[derive(Deserialize, Default)]
pub struct RateForm {
    #[serde(default)]
    level: String,
    #[serde(default)]
    efficiency: String,
    #[serde(default)]
    quality: String,
    #[serde(default)]
    attitude: String,
    #[serde(default)]
    comment: String,
}

fn score(v: &str) -> Option<i64> {
    v.trim().parse().ok()
}

pub async fn rate(
    State(state): State<AppState>,
    ctx: ReqCtx,
    MaybeUser(session): MaybeUser,
    PagePath(token): PagePath<String>,
    PageForm(f): PageForm<RateForm>,
) -> Result<Response, PageError> {
    // A signed-in staff account on this browser is the window, not the
    // resident: it may not rate for them (GB/T 39734: no steering).
    if session.is_some() {
        let message = crate::i18n::t(ctx.lang, "hc_staff_cannot_rate").to_string();
        return rating_view(&state, &ctx, session.as_ref(), &token, Some(message), None).await;
    }
    let input = RatingInput {
        level: score(&f.level),
        efficiency: score(&f.efficiency),
        quality: score(&f.quality),
        attitude: score(&f.attitude),
        comment: f.comment,
    };
    let burst = burst(&state, &ctx);
    match state.app.rate_service(&token, input, burst).await {
        Ok(bad) => rating_view(&state, &ctx, session.as_ref(), &token, None, Some(bad)).await,
        Err(jianfu_app::AppError::Invalid(m)) => {
            rating_view(&state, &ctx, session.as_ref(), &token, Some(m), None).await
        }
        Err(e) => Err(err(&ctx)(e)),
    }
}

/// The public page: counts, shares satisfied, rectifications.
pub async fn public(
    State(state): State<AppState>,
    ctx: ReqCtx,
    MaybeUser(session): MaybeUser,
) -> Result<Html<String>, PageError> {
    let o = state.app.rating_overview().await.map_err(err(&ctx))?;
    let mut data = base(&ctx, session.as_ref());
    data.insert("o".into(), json!(o));
    render("haochaping_public.html", &ctx, data)
}
