//! Pages of the base register: residents, a person's facts and history,
//! import with preview, and conflicts.

use crate::api::register::{read_import_form, run_import, xlsx_download, ImportForm};
use crate::context::{ReqCtx, Session};
use crate::errors::{ApiError, PageError};
use crate::extract::{PageForm, PageMultipart, PagePath, PageQuery};
use crate::i18n::t;
use crate::render::{base, insert_pager, render};
use crate::session::{urlencode, PageUser};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use jianfu_app::AppError;
use jianfu_core::dictionary::EntityType;
use jianfu_core::mask;
use jianfu_core::org::OrgKind;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

const PAGE: i64 = 50;

use jianfu_app::today;

fn page_err(ctx: &ReqCtx) -> impl Fn(AppError) -> PageError + '_ {
    move |e| match e {
        AppError::Forbidden(_) => PageError::new(
            StatusCode::FORBIDDEN,
            t(ctx.lang, "forbidden_resident"),
            ctx.lang,
        ),
        other => PageError::from_app(other, ctx.lang),
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    offset: i64,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageQuery(q): PageQuery<ListQuery>,
) -> Result<Html<String>, PageError> {
    let app = &state.app;
    let (rows, total) = app
        .search_residents(&s.user, &q.q, PAGE, q.offset, ctx.ip.clone())
        .await
        .map_err(page_err(&ctx))?;
    let mut unit_names: HashMap<i64, String> = HashMap::new();
    let mut persons = Vec::with_capacity(rows.len());
    for p in &rows {
        if let std::collections::hash_map::Entry::Vacant(slot) = unit_names.entry(p.unit_id) {
            let name = app
                .db
                .unit(p.unit_id)
                .await
                .ok()
                .flatten()
                .map(|u| u.short_name);
            slot.insert(name.unwrap_or_default());
        }
        persons.push(json!({
            "id": p.id, "name": p.name, "id_number": mask::id_number(&p.id_number),
            "unit": unit_names.get(&p.unit_id), "household_id": p.household_id,
        }));
    }
    let link = |offset: i64| format!("/register?q={}&offset={offset}", urlencode(&q.q));
    let conflicts = app
        .conflicts_for(&s.user)
        .await
        .map(|c| c.len())
        .unwrap_or(0);
    let mut data = base(&ctx, Some(&s));
    data.insert("q".into(), json!(q.q));
    data.insert("persons".into(), json!(persons));
    data.insert("total".into(), json!(total));
    data.insert("conflicts".into(), json!(conflicts));
    insert_pager(&mut data, q.offset, PAGE, total, link);
    render("register_list.html", &ctx, data)
}

async fn person_page(
    state: &AppState,
    ctx: &ReqCtx,
    s: &Session,
    id: i64,
    extra: Map<String, Value>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let dict = state.app.dict();
    let app = &state.app;
    let view = app
        .person_view(&s.user, id, today(), ctx.ip.clone())
        .await
        .map_err(page_err(ctx))?;
    let history = app
        .person_history(&s.user, id, ctx.ip.clone())
        .await
        .map_err(page_err(ctx))?;
    let names: HashMap<&str, &str> = dict
        .elements()
        .iter()
        .map(|e| (e.code.as_str(), e.name.as_str()))
        .collect();
    let editable: Vec<Value> = dict
        .elements()
        .iter()
        .filter(|e| e.entity == EntityType::Person)
        .filter(|e| {
            !jianfu_app::register::DERIVED_ELEMENTS.contains(&e.code.as_str())
                && e.code != "person.id_number"
        })
        .map(|e| json!({"code": e.code, "name": e.name}))
        .collect();
    let mut data = base(ctx, Some(s));
    data.insert("p".into(), json!(view));
    data.insert("history".into(), json!(history));
    data.insert("names".into(), json!(names));
    data.insert("editable".into(), json!(editable));
    data.extend(extra);
    Ok((status, render("person.html", ctx, data)?).into_response())
}

pub async fn person(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
) -> Result<Response, PageError> {
    person_page(&state, &ctx, &s, id, Map::new(), StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct RevealForm {
    element: String,
}

pub async fn reveal(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<RevealForm>,
) -> Result<Response, PageError> {
    let dict = state.app.dict();
    let value = state
        .app
        .reveal(&s.user, id, &f.element, ctx.ip.clone())
        .await
        .map_err(page_err(&ctx))?;
    let name = dict
        .element(&f.element)
        .map(|e| e.name.clone())
        .unwrap_or_default();
    let mut extra = Map::new();
    extra.insert("revealed".into(), json!({"name": name, "value": value}));
    person_page(&state, &ctx, &s, id, extra, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct FactForm {
    element: String,
    value: String,
}

pub async fn set_fact(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<FactForm>,
) -> Result<Response, PageError> {
    let mut extra = Map::new();
    let status = match state
        .app
        .set_person_fact(&s.user, id, &f.element, &f.value, today(), ctx.ip.clone())
        .await
    {
        Ok(()) => {
            extra.insert("notice".into(), json!(t(ctx.lang, "notice_fact_saved")));
            StatusCode::OK
        }
        Err(AppError::Invalid(m)) => {
            extra.insert("error".into(), json!(m));
            StatusCode::BAD_REQUEST
        }
        Err(e) => return Err(page_err(&ctx)(e)),
    };
    person_page(&state, &ctx, &s, id, extra, status).await
}

async fn import_page(
    state: &AppState,
    ctx: &ReqCtx,
    s: &Session,
    extra: Map<String, Value>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let dict = state.app.dict();
    let app = &state.app;
    let communities: Vec<Value> = if s.user.scope.kind() == Some(OrgKind::Community) {
        vec![json!({"code": s.user.scope.code, "short_name": s.user.scope.short_name})]
    } else {
        app.db
            .subtree(&s.user.scope.path, false)
            .await
            .map_err(|e| PageError::from_app(e.into(), ctx.lang))?
            .iter()
            .filter(|u| u.kind() == Some(OrgKind::Community))
            .map(|u| json!({"code": u.code, "short_name": u.short_name}))
            .collect()
    };
    let departments: Vec<Value> = app
        .db
        .departments()
        .await
        .map_err(|e| PageError::from_app(e.into(), ctx.lang))?
        .iter()
        .map(|d| json!({"name": d.name, "short_name": d.short_name}))
        .collect();
    let person_elements: Vec<Value> = dict
        .elements()
        .iter()
        .filter(|e| e.entity == EntityType::Person)
        .map(|e| json!({"code": e.code, "name": e.name}))
        .collect();
    let mut data = base(ctx, Some(s));
    data.insert("communities".into(), json!(communities));
    data.insert("departments".into(), json!(departments));
    data.insert("person_elements".into(), json!(person_elements));
    data.extend(extra);
    Ok((status, render("import.html", ctx, data)?).into_response())
}

pub async fn import_form(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
) -> Result<Response, PageError> {
    if !s.user.role.can_read_residents() {
        return Err(page_err(&ctx)(
            state
                .app
                .deny(
                    &s.user,
                    "page:/register/import",
                    "您的角色不能导入居民数据",
                    ctx.ip.clone(),
                )
                .await,
        ));
    }
    import_page(&state, &ctx, &s, Map::new(), StatusCode::OK).await
}

fn api_to_page(e: ApiError) -> Result<String, AppError> {
    match e {
        ApiError::BadRequest(m) => Ok(m),
        ApiError::Forbidden(m) => Err(AppError::Forbidden(m)),
        ApiError::NotFound(m) => Ok(m),
        other => Err(AppError::Invalid(format!("{other:?}"))),
    }
}

/// Runs the import (preview or commit) and renders the outcome.
async fn run_and_render(
    state: &AppState,
    ctx: &ReqCtx,
    s: &Session,
    form: ImportForm,
    token: String,
) -> Result<Response, PageError> {
    let mut extra = Map::new();
    let committing = !form.dry_run;
    match run_import(state, &s.user, &form).await {
        Ok((mapping, report, rejected)) => {
            extra.insert("token".into(), json!(token));
            extra.insert("rejected_rows".into(), json!(report.rejected_rows()));
            extra.insert(
                "rejected_url".into(),
                json!(rejected.map(|t| format!("/register/import/rejected/{t}"))),
            );
            extra.insert(
                "form".into(),
                json!({"community": form.community, "source": form.source, "department": form.department}),
            );
            let done = committing && report.committed;
            if !done {
                let mut m = json!(mapping);
                m["header_row"] = json!(mapping.header_row + 1);
                extra.insert("preview".into(), m);
                if committing {
                    extra.insert(
                        "error".into(),
                        json!(t(ctx.lang, "import_not_written")
                            .replace("{n}", &report.rejected_rows().to_string())),
                    );
                }
            } else {
                extra.insert("result".into(), json!(true));
            }
            extra.insert("report".into(), json!(report));
            import_page(state, ctx, s, extra, StatusCode::OK).await
        }
        Err(e) => match api_to_page(e) {
            Ok(msg) => {
                extra.insert("error".into(), json!(msg));
                import_page(state, ctx, s, extra, StatusCode::BAD_REQUEST).await
            }
            Err(e) => Err(page_err(ctx)(e)),
        },
    }
}

pub async fn import_upload(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageMultipart(mp): PageMultipart,
) -> Result<Response, PageError> {
    let mut form = match read_import_form(mp).await {
        Ok(f) => f,
        Err(e) => {
            let mut extra = Map::new();
            extra.insert(
                "error".into(),
                json!(api_to_page(e).unwrap_or_else(|e| e.to_string())),
            );
            return import_page(&state, &ctx, &s, extra, StatusCode::BAD_REQUEST).await;
        }
    };
    form.dry_run = true;
    let token = state
        .uploads
        .put(s.user.id, &form.file_name, form.bytes.clone());
    run_and_render(&state, &ctx, &s, form, token).await
}

pub async fn import_confirm(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(token): PagePath<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let Some(stored) = state.uploads.get(s.user.id, &token) else {
        let mut extra = Map::new();
        extra.insert("error".into(), json!(t(ctx.lang, "import_expired")));
        return import_page(&state, &ctx, &s, extra, StatusCode::BAD_REQUEST).await;
    };
    let mut form = ImportForm {
        file_name: stored.file_name.clone(),
        bytes: stored.bytes.as_ref().clone(),
        ..Default::default()
    };
    for (k, v) in fields {
        match k.as_str() {
            "community" => form.community = v,
            "source" => form.source = v,
            "department" => form.department = v,
            "mode" => form.mode = v,
            _ => {
                if let Some(label) = k.strip_prefix("map:") {
                    form.mapping.insert(label.to_string(), v);
                }
            }
        }
    }
    form.dry_run = form.mode == "preview";
    run_and_render(&state, &ctx, &s, form, token).await
}

pub async fn rejected(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(token): PagePath<String>,
) -> Result<Response, PageError> {
    let f = state.uploads.get(s.user.id, &token).ok_or_else(|| {
        PageError::new(
            StatusCode::NOT_FOUND,
            t(ctx.lang, "import_file_gone"),
            ctx.lang,
        )
    })?;
    Ok(xlsx_download(&f.file_name, f.bytes.as_ref().clone()))
}

pub async fn conflicts(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
) -> Result<Html<String>, PageError> {
    let app = &state.app;
    let list = app.conflicts_for(&s.user).await.map_err(page_err(&ctx))?;
    let merges = app
        .merge_candidates_for(&s.user)
        .await
        .map_err(page_err(&ctx))?;
    let mut data = base(&ctx, Some(&s));
    data.insert("conflicts".into(), json!(list));
    data.insert("merges".into(), json!(merges));
    render("conflicts.html", &ctx, data)
}

#[derive(Deserialize)]
pub struct Decision {
    decision: String,
}

pub async fn resolve(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(d): PageForm<Decision>,
) -> Result<Response, PageError> {
    state
        .app
        .resolve_conflict(&s.user, id, d.decision == "accept", ctx.ip.clone())
        .await
        .map_err(page_err(&ctx))?;
    Ok(axum::response::Redirect::to("/register/conflicts").into_response())
}

pub async fn household(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
) -> Result<Html<String>, PageError> {
    let view = state
        .app
        .household_view(&s.user, id, today(), ctx.ip.clone())
        .await
        .map_err(page_err(&ctx))?;
    // A household is known by its head and its address, not a number.
    let head = view
        .members
        .iter()
        .find(|m| m.relation == "户主" || m.relation == "本人")
        .or(view.members.first())
        .map(|m| m.name.clone())
        .unwrap_or_default();
    let address = view
        .facts
        .iter()
        .find(|f| f.element == "household.address")
        .map(|f| f.value.clone())
        .unwrap_or_default();
    let mut data = base(&ctx, Some(&s));
    data.insert("h".into(), json!(view));
    data.insert("head".into(), json!(head));
    data.insert("address".into(), json!(address));
    render("household.html", &ctx, data)
}

#[derive(Deserialize)]
pub struct MoveForm {
    community: String,
}

pub async fn move_person(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<MoveForm>,
) -> Result<Response, PageError> {
    match state
        .app
        .move_person(&s.user, id, &f.community, today(), ctx.ip.clone())
        .await
    {
        Ok(()) => Ok(axum::response::Redirect::to("/register").into_response()),
        Err(AppError::Invalid(m)) => {
            let mut extra = Map::new();
            extra.insert("error".into(), json!(m));
            person_page(&state, &ctx, &s, id, extra, StatusCode::BAD_REQUEST).await
        }
        Err(e) => Err(page_err(&ctx)(e)),
    }
}

pub async fn decide_merge(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(d): PageForm<Decision>,
) -> Result<Response, PageError> {
    state
        .app
        .decide_merge(&s.user, id, d.decision == "accept", today(), ctx.ip.clone())
        .await
        .map_err(page_err(&ctx))?;
    Ok(axum::response::Redirect::to("/register/conflicts").into_response())
}

#[derive(Deserialize)]
pub struct PagingQuery {
    #[serde(default)]
    offset: i64,
    /// A member's name, or text of the household's facts (its address).
    #[serde(default)]
    q: String,
}

pub async fn households(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageQuery(q): PageQuery<PagingQuery>,
) -> Result<Html<String>, PageError> {
    let (rows, total) = state
        .app
        .households_for(&s.user, &q.q, PAGE, q.offset, ctx.ip.clone())
        .await
        .map_err(page_err(&ctx))?;
    let query: String = form_urlencoded::byte_serialize(q.q.as_bytes()).collect();
    let link = |offset: i64| format!("/register/households?q={query}&offset={offset}");
    let mut data = base(&ctx, Some(&s));
    data.insert("q".into(), json!(q.q));
    data.insert("households".into(), json!(rows));
    data.insert("total".into(), json!(total));
    insert_pager(&mut data, q.offset, PAGE, total, link);
    render("households.html", &ctx, data)
}

/// Houses or organizations in the user's scope (`/register/places/house`,
/// `/register/places/organization`).
pub async fn places(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(kind): PagePath<String>,
    PageQuery(q): PageQuery<ListQuery>,
) -> Result<Html<String>, PageError> {
    let kind = jianfu_app::register::place_type(&kind).map_err(page_err(&ctx))?;
    let (rows, total) = state
        .app
        .places_for(&s.user, kind, &q.q, PAGE, q.offset, ctx.ip.clone())
        .await
        .map_err(page_err(&ctx))?;
    let link = |offset: i64| {
        format!(
            "/register/places/{}?q={}&offset={offset}",
            kind.code(),
            urlencode(&q.q)
        )
    };
    let mut data = base(&ctx, Some(&s));
    data.insert("kind".into(), json!(kind.code()));
    data.insert("places".into(), json!(rows));
    data.insert("total".into(), json!(total));
    data.insert("q".into(), json!(q.q));
    insert_pager(&mut data, q.offset, PAGE, total, link);
    render("places.html", &ctx, data)
}

pub async fn place(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath((kind, id)): PagePath<(String, i64)>,
) -> Result<Html<String>, PageError> {
    let kind = jianfu_app::register::place_type(&kind).map_err(page_err(&ctx))?;
    let view = state
        .app
        .place_view(&s.user, kind, id, ctx.ip.clone())
        .await
        .map_err(page_err(&ctx))?;
    let dict = state.app.dict();
    let names: HashMap<&str, &str> = dict
        .elements()
        .iter()
        .map(|e| (e.code.as_str(), e.name.as_str()))
        .collect();
    let mut data = base(&ctx, Some(&s));
    data.insert("kind".into(), json!(kind.code()));
    data.insert("history".into(), json!(view.history));
    data.insert("v".into(), json!(view));
    data.insert("names".into(), json!(names));
    render("place.html", &ctx, data)
}
