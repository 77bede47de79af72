use crate::context::{ReqCtx, Session};
use crate::cookies;
use crate::csrf::tokens_match;
use crate::errors::PageError;
use crate::extract::{PageForm, PageQuery};
use crate::i18n::t;
use crate::redirect::safe_next;
use crate::render::{base, render};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use jianfu_app::LoginError;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
    next: Option<String>,
}

fn login_page(
    ctx: &ReqCtx,
    status: StatusCode,
    error: Option<String>,
    username: &str,
    next: &str,
) -> Response {
    let token = jianfu_app::auth::random_token();
    let mut data = base(ctx, None);
    data.insert("error".into(), json!(error));
    data.insert("username".into(), json!(username));
    data.insert("next".into(), json!(next));
    data.insert("login_csrf".into(), json!(token));
    match render("login.html", ctx, data) {
        Ok(html) => {
            let mut resp = (status, html).into_response();
            resp.headers_mut().append(
                header::SET_COOKIE,
                cookies::set(cookies::PRE_CSRF, &token, Some(3600), ctx.secure, true),
            );
            resp
        }
        Err(e) => e.into_response(),
    }
}

pub async fn form(
    ctx: ReqCtx,
    session: Option<Extension<Session>>,
    PageQuery(q): PageQuery<NextQuery>,
) -> Response {
    if session.is_some() {
        return Redirect::to(&safe_next(q.next.as_deref())).into_response();
    }
    login_page(
        &ctx,
        StatusCode::OK,
        None,
        "",
        &safe_next(q.next.as_deref()),
    )
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: ReqCtx,
    headers: HeaderMap,
    PageForm(f): PageForm<LoginForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    let cookie = cookies::get(&headers, cookies::PRE_CSRF).unwrap_or_default();
    if cookie.is_empty() || !tokens_match(&cookie, &f.csrf) {
        return login_page(
            &ctx,
            StatusCode::FORBIDDEN,
            Some(t(ctx.lang, "login_expired").into()),
            &f.username,
            &next,
        );
    }
    let key = match state.login_throttle.admit(ctx.ip.as_deref()) {
        Ok(key) => key,
        Err((retry_after, _)) => {
            let message =
                t(ctx.lang, "login_throttled").replace("{secs}", &retry_after.to_string());
            let mut resp = login_page(
                &ctx,
                StatusCode::TOO_MANY_REQUESTS,
                Some(message),
                &f.username,
                &next,
            );
            if let Ok(v) = header::HeaderValue::from_str(&retry_after.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return resp;
        }
    };
    match state
        .app
        .login(&f.username, &f.password, ctx.ip.clone())
        .await
    {
        Ok(ok) => {
            state.login_throttle.refund(&key);
            let max_age = state.app.auth.session_hours * 3600;
            let mut resp = Redirect::to(&next).into_response();
            let h = resp.headers_mut();
            h.append(
                header::SET_COOKIE,
                cookies::set(cookies::SESSION, &ok.token, Some(max_age), ctx.secure, true),
            );
            h.append(
                header::SET_COOKIE,
                cookies::clear(cookies::PRE_CSRF, ctx.secure),
            );
            // The language the form was shown in goes on after sign-in.
            h.append(header::SET_COOKIE, cookies::lang(ctx.lang, ctx.secure));
            resp
        }
        Err(LoginError::BadCredentials) => login_page(
            &ctx,
            StatusCode::UNAUTHORIZED,
            Some(t(ctx.lang, "login_bad_credentials").into()),
            &f.username,
            &next,
        ),
        Err(LoginError::Disabled) => login_page(
            &ctx,
            StatusCode::UNAUTHORIZED,
            Some(t(ctx.lang, "login_disabled").into()),
            &f.username,
            &next,
        ),
        Err(LoginError::Locked { minutes }) => login_page(
            &ctx,
            StatusCode::LOCKED,
            Some(t(ctx.lang, "login_locked").replace("{minutes}", &minutes.to_string())),
            &f.username,
            &next,
        ),
        Err(LoginError::App(e)) => PageError::from_app(e, ctx.lang).into_response(),
    }
}

pub async fn logout(
    State(state): State<AppState>,
    ctx: ReqCtx,
    session: Option<Extension<Session>>,
) -> Response {
    if let Some(Extension(s)) = session {
        if let Err(e) = state.app.logout(&s.token, &s.user, ctx.ip.clone()).await {
            return PageError::from_app(e, ctx.lang).into_response();
        }
    }
    let mut resp = Redirect::to("/login").into_response();
    let h = resp.headers_mut();
    h.append(
        header::SET_COOKIE,
        cookies::clear(cookies::SESSION, ctx.secure),
    );
    // Signing out ends the session, not the language chosen: the sign-in
    // page and the next session keep it.
    h.append(header::SET_COOKIE, cookies::lang(ctx.lang, ctx.secure));
    resp
}
