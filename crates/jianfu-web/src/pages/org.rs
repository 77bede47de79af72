use crate::context::ReqCtx;
use crate::errors::PageError;
use crate::extract::{PagePath, PageQuery};
use crate::pages::unit_view;
use crate::render::{base, render};
use crate::session::PageUser;
use crate::AppState;
use axum::extract::State;
use axum::response::Html;
use jianfu_store::OrgUnit;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

#[derive(Deserialize)]
pub struct TreeQuery {
    #[serde(default)]
    q: String,
}

/// Nests a flat, in-scope list of units under `root_id`.
fn nest(units: &[OrgUnit], root_id: i64, lang: crate::i18n::Lang) -> Value {
    let mut by_parent: HashMap<i64, Vec<&OrgUnit>> = HashMap::new();
    for u in units {
        if let Some(p) = u.parent_id {
            by_parent.entry(p).or_default().push(u);
        }
    }
    fn build(
        u: &OrgUnit,
        by_parent: &HashMap<i64, Vec<&OrgUnit>>,
        depth: usize,
        lang: crate::i18n::Lang,
    ) -> Value {
        let mut v = unit_view(u, lang);
        let children: Vec<Value> = by_parent
            .get(&u.id)
            .map(|cs| {
                cs.iter()
                    .map(|c| build(c, by_parent, depth + 1, lang))
                    .collect()
            })
            .unwrap_or_default();
        v["children"] = json!(children);
        v["open"] = json!(depth == 0);
        v
    }
    units
        .iter()
        .find(|u| u.id == root_id)
        .map(|root| build(root, &by_parent, 0, lang))
        .unwrap_or(Value::Null)
}

pub async fn tree(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageQuery(q): PageQuery<TreeQuery>,
) -> Result<Html<String>, PageError> {
    let err = |e| PageError::from_app(e, ctx.lang);
    let mut data = base(&ctx, Some(&s));
    data.insert("q".into(), json!(q.q));
    if q.q.trim().is_empty() {
        let units = state.app.scope_units(&s.user).await.map_err(err)?;
        data.insert("tree".into(), nest(&units, s.user.scope.id, ctx.lang));
    } else {
        let results: Vec<Value> = state
            .app
            .search_scope(&s.user, &q.q)
            .await
            .map_err(err)?
            .iter()
            .map(|u| unit_view(u, ctx.lang))
            .collect();
        data.insert("results".into(), json!(results));
    }
    render("org_tree.html", &ctx, data)
}

pub async fn unit(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
) -> Result<Html<String>, PageError> {
    let err = |e| PageError::from_app(e, ctx.lang);
    let app = &state.app;
    let unit = match app.unit_for(&s.user, id, ctx.ip.clone()).await {
        Ok(u) => u,
        Err(jianfu_app::AppError::Forbidden(_)) => return Err(PageError::forbidden(ctx.lang)),
        Err(e) => return Err(err(e)),
    };
    let crumbs: Vec<Value> = app
        .visible_ancestors(&s.user, &unit)
        .await
        .map_err(err)?
        .iter()
        .map(|u| unit_view(u, ctx.lang))
        .collect();
    let children: Vec<Value> = app
        .db
        .children(unit.id)
        .await
        .map_err(|e| err(e.into()))?
        .iter()
        .map(|u| unit_view(u, ctx.lang))
        .collect();
    let counts = app.counts_for(&unit).await.map_err(err)?;
    let mut data = base(&ctx, Some(&s));
    data.insert("unit".into(), unit_view(&unit, ctx.lang));
    data.insert("crumbs".into(), json!(crumbs));
    data.insert("children".into(), json!(children));
    data.insert("counts".into(), json!(counts));
    render("org_unit.html", &ctx, data)
}
