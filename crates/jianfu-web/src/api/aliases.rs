//! Learned aliases: what confirmed mappings taught, where each applies, and
//! removing a bad one (减负办).

use crate::context::ReqCtx;
use crate::errors::ApiError;
use crate::extract::ApiPath;
use crate::session::ApiUser;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

pub async fn list(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
) -> Result<Json<Value>, ApiError> {
    let aliases = state.app.learned_aliases_for(&s.user).await?;
    Ok(Json(json!({"aliases": aliases})))
}

pub async fn forget(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    state.app.forget_learned_alias(&s.user, id, ctx.ip).await?;
    Ok(StatusCode::NO_CONTENT)
}
