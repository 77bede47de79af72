use crate::context::ReqCtx;
use crate::errors::PageError;
use crate::pages::unit_view;
use crate::render::{base, render};
use crate::session::PageUser;
use crate::AppState;
use axum::extract::State;
use axum::response::Html;
use jianfu_core::org::OrgKind;
use jianfu_core::role::Role;
use serde_json::json;

/// Each role's home page shows what that role does next.
pub async fn home(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
) -> Result<Html<String>, PageError> {
    let app = &state.app;
    let err = |e: jianfu_app::AppError| PageError::from_app(e, ctx.lang);
    let mut data = base(&ctx, Some(&s));
    let counts = app.counts_for(&s.user.scope).await.map_err(err)?;
    data.insert("counts".into(), json!(counts));
    let steps = app.next_steps(&s.user).await.map_err(err)?;
    data.insert("steps".into(), json!(steps));
    match s.user.role {
        Role::Township => {
            let communities: Vec<_> = app
                .db
                .children(s.user.scope.id)
                .await
                .map_err(|e| err(e.into()))?
                .iter()
                .filter(|u| u.kind() == Some(OrgKind::Community))
                .map(|u| unit_view(u, ctx.lang))
                .collect();
            data.insert("communities".into(), json!(communities));
        }
        Role::Admin => {
            let users = app
                .db
                .users_in_scope(&s.user.scope.path)
                .await
                .map_err(|e| err(e.into()))?;
            data.insert("user_count".into(), json!(users.len()));
        }
        _ => {}
    }
    render("home.html", &ctx, data)
}
