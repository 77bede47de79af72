//! `/api/v1` endpoints of 评价: templates, rounds, answering, closing,
//! results and the scores export. Results respect the embargo and k here
//! exactly as on the pages: both call the same services.

use crate::context::ReqCtx;
use crate::errors::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::session::ApiUser;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use jianfu_app::survey::RoundInput;
use jianfu_core::survey::Question;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub async fn templates(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        json!({ "templates": state.app.survey_templates(&s.user).await? }),
    ))
}

#[derive(Deserialize)]
pub struct TemplateInput {
    pub name: String,
    pub questions: Vec<Question>,
}

pub async fn save_template(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(code): ApiPath<String>,
    ApiJson(t): ApiJson<TemplateInput>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(
        state
            .app
            .save_survey_template(&s.user, &code, &t.name, t.questions, ctx.ip)
            .await?
    )))
}

pub async fn rounds(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        json!({ "rounds": state.app.survey_rounds(&s.user).await? }),
    ))
}

pub async fn create_round(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiJson(input): ApiJson<RoundInput>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(
        state
            .app
            .create_survey_round(&s.user, input, ctx.ip)
            .await?
    )))
}

pub async fn form(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(state.app.rater_round(&s.user, id).await?)))
}

#[derive(Deserialize)]
pub struct AnswerInput {
    /// The department rated; 0 (or left out) for a survey about no one.
    #[serde(default)]
    pub subject: i64,
    pub answers: BTreeMap<String, Value>,
}

pub async fn answer(
    State(state): State<AppState>,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(a): ApiJson<AnswerInput>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(
        state
            .app
            .answer_survey(&s.user, id, a.subject, &a.answers)
            .await?
    )))
}

pub async fn close(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(
        state.app.close_survey_round(&s.user, id, ctx.ip).await?
    )))
}

pub async fn results(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(
        state.app.survey_results(&s.user, id, ctx.ip).await?
    )))
}

pub async fn department_card(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath((id, department)): ApiPath<(i64, i64)>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(
        state
            .app
            .survey_department_card(&s.user, id, department, ctx.ip)
            .await?
    )))
}

pub async fn export(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiUser(s): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<axum::response::Response, ApiError> {
    let bytes = state.app.export_survey_scores(&s.user, id, ctx.ip).await?;
    Ok(super::reports::download(
        &format!("逆向考核得分-{id}.xlsx"),
        jianfu_app::reports::ExportFormat::Xlsx,
        bytes,
    ))
}
