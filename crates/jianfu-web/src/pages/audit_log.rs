use crate::context::ReqCtx;
use crate::errors::PageError;
use crate::extract::PageQuery;
use crate::render::{base, insert_pager, render};
use crate::session::{urlencode, PageUser};
use crate::AppState;
use axum::extract::State;
use axum::response::Html;
use jianfu_app::audit_query::{parse_filter, AuditQuery, KNOWN_ACTIONS};
use serde_json::json;

const PAGE: i64 = 50;

pub async fn list(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageQuery(q): PageQuery<AuditQuery>,
) -> Result<Html<String>, PageError> {
    let err = |e| PageError::from_app(e, ctx.lang);
    let filter = parse_filter(&q, PAGE).map_err(err)?;
    let (entries, total) = state
        .app
        .read_audit(&s.user, &filter, ctx.ip.clone())
        .await
        .map_err(err)?;
    let link = |offset: i64| {
        let mut parts = vec![format!("offset={offset}")];
        for (k, v) in [
            ("username", &q.username),
            ("action", &q.action),
            ("outcome", &q.outcome),
            ("from", &q.from),
            ("to", &q.to),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                parts.push(format!("{k}={}", urlencode(v)));
            }
        }
        format!("/audit?{}", parts.join("&"))
    };
    let mut data = base(&ctx, Some(&s));
    data.insert("entries".into(), json!(entries));
    data.insert("total".into(), json!(total));
    data.insert("f".into(), json!(q));
    data.insert("known_actions".into(), json!(KNOWN_ACTIONS));
    insert_pager(&mut data, filter.offset, PAGE, total, link);
    render("audit.html", &ctx, data)
}
