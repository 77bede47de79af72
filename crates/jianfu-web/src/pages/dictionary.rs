use crate::context::ReqCtx;
use crate::errors::PageError;
use crate::extract::{PageForm, PagePath, PageQuery};
use crate::i18n::{labels, Lang};
use crate::render::{base, render};
use crate::session::PageUser;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use jianfu_app::dictionary::ElementEdit;
use jianfu_core::dictionary::{Element, Sensitivity};
use serde::Deserialize;
use serde_json::{json, Map, Value};

#[derive(Deserialize)]
pub struct Q {
    #[serde(default)]
    q: String,
}

fn element_view(e: &Element, lang: Lang) -> Value {
    let mut v = json!(e);
    v["entity_label"] = json!(labels::entity_type(lang, e.entity));
    v["type_label"] = json!(labels::value_type(lang, e.value_type));
    v["sensitivity_label"] = json!(labels::sensitivity(lang, e.sensitivity));
    v
}

/// The sensitivity choices of the edit form: the stored (Chinese) value
/// is what the form sends; the page shows it in its language.
fn sensitivities(current: Sensitivity, lang: Lang) -> Value {
    json!([
        Sensitivity::Public,
        Sensitivity::Internal,
        Sensitivity::Personal,
        Sensitivity::SensitivePersonal,
    ]
    .into_iter()
    .map(|s| json!({"value": s.label_zh(), "label": labels::sensitivity(lang, s), "selected": s == current}))
    .collect::<Vec<_>>())
}

pub async fn list(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageQuery(q): PageQuery<Q>,
) -> Result<Html<String>, PageError> {
    let dict = state.app.dict();
    let elements: Vec<Value> = dict
        .search(&q.q)
        .into_iter()
        .map(|e| element_view(e, ctx.lang))
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
    PagePath(code): PagePath<String>,
) -> Result<Response, PageError> {
    element_page(&state, &ctx, &s, &code, Map::new(), StatusCode::OK).await
}

async fn element_page(
    state: &AppState,
    ctx: &ReqCtx,
    s: &crate::context::Session,
    code: &str,
    extra: Map<String, Value>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let dict = state.app.dict();
    let e = dict.element(code).ok_or_else(|| {
        PageError::new(
            StatusCode::NOT_FOUND,
            crate::i18n::t(ctx.lang, "not_found"),
            ctx.lang,
        )
    })?;
    let versions = state
        .app
        .element_versions(code)
        .await
        .map_err(|e| PageError::from_app(e, ctx.lang))?;
    let used = state
        .app
        .reports_reading(code)
        .await
        .map_err(|e| PageError::from_app(e, ctx.lang))?;
    let mut data = base(ctx, Some(s));
    data.insert("used_by".into(), json!(used));
    data.insert("e".into(), element_view(e, ctx.lang));
    data.insert(
        "sensitivities".into(),
        sensitivities(e.sensitivity, ctx.lang),
    );
    data.insert("versions".into(), json!(versions));
    data.insert(
        "can_edit".into(),
        json!(s.user.role == jianfu_core::role::Role::Jianfuban),
    );
    data.insert(
        "table".into(),
        json!(e.code_table.as_deref().and_then(|t| dict.table(t))),
    );
    data.extend(extra);
    Ok((status, render("element.html", ctx, data)?).into_response())
}

#[derive(Deserialize)]
pub struct EditForm {
    name: String,
    #[serde(default)]
    aliases: String,
    #[serde(default)]
    unit: String,
    sensitivity: String,
    #[serde(default)]
    steward: String,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    description: String,
}

pub async fn save(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(code): PagePath<String>,
    PageForm(f): PageForm<EditForm>,
) -> Result<Response, PageError> {
    let edit = ElementEdit {
        code: code.clone(),
        name: f.name,
        aliases: f
            .aliases
            .split(['、', ',', '，', '|', '\n'])
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect(),
        unit: Some(f.unit),
        sensitivity: f.sensitivity,
        steward: Some(f.steward),
        rule: Some(f.rule),
        description: Some(f.description),
        ..Default::default()
    };
    let mut extra = Map::new();
    let status = match state.app.save_element(&s.user, &edit, ctx.ip.clone()).await {
        Ok(v) => {
            extra.insert(
                "notice".into(),
                json!(crate::i18n::t(ctx.lang, "element_saved").replace("{v}", &v.to_string())),
            );
            StatusCode::OK
        }
        Err(jianfu_app::AppError::Invalid(m)) => {
            extra.insert("error".into(), json!(m));
            StatusCode::BAD_REQUEST
        }
        Err(e) => return Err(PageError::from_app(e, ctx.lang)),
    };
    element_page(&state, &ctx, &s, &code, extra, status).await
}
