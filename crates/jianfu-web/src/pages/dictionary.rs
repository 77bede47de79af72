use crate::context::ReqCtx;
use crate::errors::PageError;
use crate::render::{base, render};
use crate::session::PageUser;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Html;
use jianfu_core::dictionary::Element;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
pub struct Q {
    #[serde(default)]
    q: String,
}

fn element_view(e: &Element) -> Value {
    let mut v = json!(e);
    v["entity_label"] = json!(e.entity.label_zh());
    v["type_label"] = json!(e.value_type.label_zh());
    v["sensitivity_label"] = json!(e.sensitivity.label_zh());
    v
}

pub async fn list(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    Query(q): Query<Q>,
) -> Result<Html<String>, PageError> {
    let elements: Vec<Value> = state
        .app
        .dict
        .search(&q.q)
        .into_iter()
        .map(element_view)
        .collect();
    let mut data = base(&ctx, Some(&s));
    data.insert("q".into(), json!(q.q));
    data.insert("elements".into(), json!(elements));
    render("dictionary.html", &ctx, data)
}

pub async fn detail(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    Path(code): Path<String>,
) -> Result<Html<String>, PageError> {
    let e = state.app.dict.element(&code).ok_or_else(|| {
        PageError::new(
            StatusCode::NOT_FOUND,
            crate::i18n::t(ctx.lang, "not_found"),
            ctx.lang,
        )
    })?;
    let mut data = base(&ctx, Some(&s));
    data.insert("e".into(), element_view(e));
    data.insert(
        "table".into(),
        json!(e
            .code_table
            .as_deref()
            .and_then(|t| state.app.dict.table(t))),
    );
    render("element.html", &ctx, data)
}
