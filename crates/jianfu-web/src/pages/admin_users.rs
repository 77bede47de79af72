use crate::context::ReqCtx;
use crate::errors::PageError;
use crate::extract::{PageForm, PagePath};
use crate::i18n::Lang;
use crate::render::{base, render};
use crate::session::PageUser;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jianfu_app::accounts::AccountRequest;
use jianfu_app::{AppError, CurrentUser};
use jianfu_core::role::Role;
use jianfu_store::now_ms;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize, Default)]
pub struct CreateForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    password: String,
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
}

async fn require_admin(
    state: &AppState,
    ctx: &ReqCtx,
    user: &CurrentUser,
) -> Result<(), PageError> {
    if user.role.can_manage_users() {
        return Ok(());
    }
    // The audit log keeps the reason as written; the page says it in the
    // reader's language.
    let _ = state
        .app
        .deny(
            user,
            "page:/admin/users",
            "只有系统管理员可以管理账号",
            ctx.ip.clone(),
        )
        .await;
    Err(PageError::new(
        StatusCode::FORBIDDEN,
        crate::i18n::t(ctx.lang, "forbidden_admin"),
        ctx.lang,
    ))
}

async fn page(
    state: &AppState,
    ctx: &ReqCtx,
    s: &crate::context::Session,
    status: StatusCode,
    error: Option<String>,
    notice: Option<&str>,
    form: &CreateForm,
) -> Result<Response, PageError> {
    let app = &state.app;
    let rows = app
        .db
        .users_in_scope(&s.user.scope.path)
        .await
        .map_err(|e| PageError::from_app(e.into(), ctx.lang))?;
    let now = now_ms();
    let mut users = Vec::with_capacity(rows.len());
    for u in rows {
        let scope_name = app
            .db
            .unit(u.scope_id)
            .await
            .ok()
            .flatten()
            .map(|x| x.name)
            .unwrap_or_default();
        let role_label = Role::from_code(&u.role)
            .map(|r| {
                if ctx.lang == Lang::Zh {
                    r.label_zh()
                } else {
                    r.label_en()
                }
            })
            .unwrap_or("");
        users.push(json!({
            "id": u.id,
            "username": u.username,
            "display_name": u.display_name,
            "role_label": role_label,
            "scope_name": scope_name,
            "disabled": u.disabled != 0,
            "locked": u.locked_until.is_some_and(|t| t > now),
        }));
    }
    let roles: Vec<_> = Role::ALL
        .iter()
        .map(|r| json!({"code": r.code(), "label": if ctx.lang == Lang::Zh { r.label_zh() } else { r.label_en() }}))
        .collect();
    let mut data = base(ctx, Some(s));
    data.insert("users".into(), json!(users));
    data.insert("roles".into(), json!(roles));
    data.insert("error".into(), json!(error));
    data.insert("notice".into(), json!(notice));
    data.insert(
        "form".into(),
        json!({"username": form.username, "display_name": form.display_name, "role": form.role, "unit": form.unit}),
    );
    Ok((status, render("users.html", ctx, data)?).into_response())
}

pub async fn list(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
) -> Result<Response, PageError> {
    require_admin(&state, &ctx, &s.user).await?;
    let form = CreateForm {
        role: "community".into(),
        ..Default::default()
    };
    page(&state, &ctx, &s, StatusCode::OK, None, None, &form).await
}

pub async fn create(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageForm(f): PageForm<CreateForm>,
) -> Result<Response, PageError> {
    require_admin(&state, &ctx, &s.user).await?;
    let result: Result<i64, AppError> = async {
        let role = Role::from_code(&f.role).ok_or_else(|| {
            AppError::Invalid(
                crate::i18n::t(ctx.lang, "user_role_unknown").replace("{role}", &f.role),
            )
        })?;
        let unit = state
            .app
            .db
            .unit_by_code_or_name(f.unit.trim())
            .await?
            .ok_or_else(|| {
                AppError::Invalid(
                    crate::i18n::t(ctx.lang, "user_unit_not_found")
                        .replace("{unit}", f.unit.trim()),
                )
            })?;
        state
            .app
            .create_account(
                Some(&s.user),
                &AccountRequest {
                    username: f.username.trim().to_string(),
                    display_name: f.display_name.clone(),
                    password: f.password.clone(),
                    role,
                    unit_id: unit.id,
                },
            )
            .await
    }
    .await;
    let outcome = result.map(|_| "notice_user_created");
    respond(&state, &ctx, &s, outcome, &f).await
}

/// Re-renders the account page after an action: a notice on success, the
/// service's message as a 400 on bad input, an error page otherwise.
async fn respond(
    state: &AppState,
    ctx: &ReqCtx,
    s: &crate::context::Session,
    outcome: Result<&'static str, AppError>,
    form: &CreateForm,
) -> Result<Response, PageError> {
    match outcome {
        Ok(notice_key) => {
            let notice = crate::i18n::t(ctx.lang, notice_key);
            page(
                state,
                ctx,
                s,
                StatusCode::OK,
                None,
                Some(notice),
                &CreateForm::default(),
            )
            .await
        }
        Err(AppError::Invalid(m) | AppError::Forbidden(m)) => {
            page(state, ctx, s, StatusCode::BAD_REQUEST, Some(m), None, form).await
        }
        Err(e) => Err(PageError::from_app(e, ctx.lang)),
    }
}

async fn set_disabled(
    state: AppState,
    ctx: ReqCtx,
    s: crate::context::Session,
    id: i64,
    disabled: bool,
) -> Result<Response, PageError> {
    require_admin(&state, &ctx, &s.user).await?;
    match state.app.set_account_disabled(&s.user, id, disabled).await {
        Ok(()) => Ok(Redirect::to("/admin/users").into_response()),
        Err(e) => respond(&state, &ctx, &s, Err(e), &CreateForm::default()).await,
    }
}

pub async fn disable(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
) -> Result<Response, PageError> {
    set_disabled(state, ctx, s, id, true).await
}

pub async fn enable(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
) -> Result<Response, PageError> {
    set_disabled(state, ctx, s, id, false).await
}

pub async fn password(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<PasswordForm>,
) -> Result<Response, PageError> {
    require_admin(&state, &ctx, &s.user).await?;
    let outcome = state
        .app
        .reset_password(&s.user, id, &f.password)
        .await
        .map(|_| "notice_password_reset");
    respond(&state, &ctx, &s, outcome, &CreateForm::default()).await
}
