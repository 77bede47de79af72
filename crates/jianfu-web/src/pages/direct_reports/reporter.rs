//! The reporter's pages: the filing form (signed in, and the public form),
//! the receipt shown once, and the follow-up by code.
//!
//! The reporter's pages post the code in the body, never in a URL (where
//! it would land in the browser's history), and answer `no-store`. Filing
//! and adding information carry a one-time token, so a refreshed page does
//! not file twice.

use super::{bad_request, categories, no_store, reporter_only};
use crate::context::{ReqCtx, Session};
use crate::errors::PageError;
use crate::extract::{PageForm, PageMultipart, PageQuery};
use crate::render::{base, render};
use crate::session::{MaybeUser, PageUser};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use jianfu_app::direct_report::{ReportForm, ReportView, Upload};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// The filing form, empty or with what the reporter submitted and the
/// error that sent it back (so nothing typed is lost).
struct FormPage<'a> {
    public: bool,
    values: ReportForm,
    error: Option<String>,
    status: StatusCode,
    session: Option<&'a Session>,
}

async fn form_page(state: &AppState, ctx: &ReqCtx, p: FormPage<'_>) -> Result<Response, PageError> {
    let err = |e: jianfu_store::StoreError| PageError::from_app(e.into(), ctx.lang);
    let mut data = base(ctx, p.session);
    let departments: Vec<String> = state
        .app
        .db
        .departments()
        .await
        .map_err(err)?
        .into_iter()
        .map(|d| d.short_name)
        .collect();
    data.insert("departments".into(), json!(departments));
    data.insert("categories".into(), json!(categories()));
    data.insert("f".into(), json!(p.values));
    // An untouched form shows an empty minutes box, not "0".
    data.insert(
        "minutes".into(),
        json!((p.error.is_some() && p.values.minutes >= 0).then_some(p.values.minutes)),
    );
    data.insert("today".into(), json!(jianfu_app::today().to_string()));
    data.insert("public".into(), json!(p.public));
    data.insert("error".into(), json!(p.error));
    data.insert("once".into(), json!(crate::once::new_token()));
    if p.public {
        let townships = state
            .app
            .db
            .subtree("/", false)
            .await
            .map_err(err)?
            .into_iter()
            .filter(|u| u.kind == "township")
            .map(|u| json!({"id": u.id, "name": u.short_name}))
            .collect::<Vec<_>>();
        data.insert("townships".into(), json!(townships));
        data.insert(
            "open".into(),
            json!(state
                .app
                .public_form_open()
                .await
                .map_err(|e| PageError::from_app(e, ctx.lang))?),
        );
    } else if let Some(s) = p.session {
        data.insert("unit".into(), json!(s.user.unit.short_name));
        data.insert("display_name".into(), json!(s.user.display_name));
    }
    let html = render("zhibao_new.html", ctx, data)?;
    Ok((p.status, [(header::CACHE_CONTROL, "no-store")], html).into_response())
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    category: Option<String>,
}

pub async fn new_form(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageQuery(q): PageQuery<NewQuery>,
) -> Result<Response, PageError> {
    reporter_only(&ctx, &s)?;
    let values = ReportForm {
        category: q.category.unwrap_or_default(),
        ..ReportForm::default()
    };
    let page = FormPage {
        public: false,
        values,
        error: None,
        status: StatusCode::OK,
        session: Some(&s),
    };
    form_page(&state, &ctx, page).await
}

pub async fn public_form(
    State(state): State<AppState>,
    ctx: ReqCtx,
    MaybeUser(session): MaybeUser,
) -> Result<Response, PageError> {
    let page = FormPage {
        public: true,
        values: ReportForm::default(),
        error: None,
        status: StatusCode::OK,
        session: session.as_ref(),
    };
    form_page(&state, &ctx, page).await
}

/// A filing as posted: the fields, the files, the one-time token, and the
/// first field that could not be read (the form comes back with it).
#[derive(Default)]
struct Filing {
    form: ReportForm,
    uploads: Vec<Upload>,
    once: String,
    error: Option<String>,
}

/// Reads the filing form: its fields and files. A field that cannot be
/// read is reported, the rest still read, so the form comes back filled.
async fn read_filing(mut mp: axum::extract::Multipart) -> Filing {
    let mut out = Filing::default();
    let f = &mut out.form;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                out.error = Some(crate::extract::upload_error(&e).message());
                break;
            }
        };
        let name = field.name().unwrap_or("").to_string();
        if name == "evidence" {
            let file_name = field.file_name().unwrap_or("").to_string();
            match field.bytes().await {
                // A browser sends an empty part for an empty file input.
                Ok(bytes) if file_name.is_empty() && bytes.is_empty() => {}
                Ok(bytes) => out.uploads.push(Upload {
                    file_name,
                    bytes: bytes.to_vec(),
                }),
                Err(e) => {
                    out.error = Some(crate::extract::upload_error(&e).message());
                    break;
                }
            }
            continue;
        }
        let Ok(text) = field.text().await else {
            out.error
                .get_or_insert(format!("表单字段“{name}”无法读取（应为 UTF-8 文本）"));
            continue;
        };
        match name.as_str() {
            "category" => f.category = text,
            "department" => f.department = text,
            "happened_on" => f.happened_on = text,
            "demand" => f.demand = text,
            "minutes" => match text.trim() {
                "" => {
                    // Left blank: given back blank, not as "0".
                    f.minutes = -1;
                    out.error
                        .get_or_insert("请填写“用时（分钟）”：估计即可；没有占用时间请填 0".into());
                }
                t => match t.parse() {
                    Ok(n) => f.minutes = n,
                    Err(_) => {
                        out.error.get_or_insert(format!(
                            "“用时（分钟）”应为整数，而不是“{}”",
                            t.chars().take(20).collect::<String>()
                        ));
                    }
                },
            },
            "admission_number" => f.admission_number = text,
            "name_community" => f.name_community = text == "on" || text == "1",
            "named" => f.named = text == "on" || text == "1",
            "township_id" => f.township_id = text.trim().parse().ok(),
            "_once" => out.once = text,
            _ => {}
        }
    }
    out
}

fn receipt_page(
    ctx: &ReqCtx,
    session: Option<&Session>,
    receipt: &jianfu_app::direct_report::Receipt,
) -> Result<Response, PageError> {
    let mut data = base(ctx, session);
    data.insert("receipt".into(), json!(receipt));
    Ok(no_store(render("zhibao_receipt.html", ctx, data)?))
}

/// The page a resent filing gets: the report was filed the first time;
/// its code was shown then and is not kept anywhere to show again.
fn already_filed(ctx: &ReqCtx, session: Option<&Session>) -> Result<Response, PageError> {
    let mut data = base(ctx, session);
    data.insert("already_filed".into(), json!(true));
    let html = render("zhibao_receipt.html", ctx, data)?;
    Ok((
        StatusCode::CONFLICT,
        [(header::CACHE_CONTROL, "no-store")],
        html,
    )
        .into_response())
}

/// Files a report from the signed-in form or the public one.
async fn file_from(
    state: &AppState,
    ctx: &ReqCtx,
    session: Option<&Session>,
    public: bool,
    mp: axum::extract::Multipart,
) -> Result<Response, PageError> {
    if let Err((_, message)) = state.reporter_throttle.admit_quietly(ctx.ip.as_deref()) {
        return Err(bad_request(ctx, StatusCode::TOO_MANY_REQUESTS, message));
    }
    let filing = read_filing(mp).await;
    let back = |values: ReportForm, error: String| FormPage {
        public,
        values,
        error: Some(error),
        status: StatusCode::BAD_REQUEST,
        session,
    };
    if let Some(e) = filing.error {
        return form_page(state, ctx, back(filing.form, e)).await;
    }
    // Spent only once the post could be read: a form sent back with an
    // error keeps its (new) token and can be posted again.
    if !state.once_tokens.spend(&filing.once) {
        return already_filed(ctx, session);
    }
    let values = filing.form.clone();
    let filed = match session.filter(|_| !public) {
        Some(s) => {
            state
                .app
                .file_direct_report(&s.user, filing.form, filing.uploads, ctx.ip.clone())
                .await
        }
        None => {
            state
                .app
                .file_public_report(filing.form, filing.uploads)
                .await
        }
    };
    match filed {
        Ok(receipt) => receipt_page(ctx, session, &receipt),
        Err(jianfu_app::AppError::Invalid(m)) => form_page(state, ctx, back(values, m)).await,
        Err(e) => Err(PageError::from_app(e, ctx.lang)),
    }
}

pub async fn file(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageMultipart(mp): PageMultipart,
) -> Result<Response, PageError> {
    reporter_only(&ctx, &s)?;
    file_from(&state, &ctx, Some(&s), false, mp).await
}

pub async fn file_public(
    State(state): State<AppState>,
    ctx: ReqCtx,
    MaybeUser(session): MaybeUser,
    PageMultipart(mp): PageMultipart,
) -> Result<Response, PageError> {
    // The public form files as nobody, whoever is signed in; the session
    // only draws the page's header.
    file_from(&state, &ctx, session.as_ref(), true, mp).await
}

#[derive(Deserialize, Default)]
pub struct FollowForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    reopen: Option<String>,
    #[serde(default, rename = "_once")]
    once: String,
}

struct FollowPage<'a> {
    code: &'a str,
    view: Option<&'a ReportView>,
    error: Option<String>,
    notice: Option<&'static str>,
    status: StatusCode,
}

fn follow_page(
    ctx: &ReqCtx,
    session: Option<&Session>,
    p: FollowPage<'_>,
) -> Result<Response, PageError> {
    let mut data: Map<String, Value> = base(ctx, session);
    data.insert("code".into(), json!(p.code));
    data.insert("r".into(), json!(p.view));
    data.insert("error".into(), json!(p.error));
    data.insert("notice".into(), json!(p.notice));
    data.insert("once".into(), json!(crate::once::new_token()));
    let html = render("zhibao_follow.html", ctx, data)?;
    Ok((p.status, [(header::CACHE_CONTROL, "no-store")], html).into_response())
}

pub async fn follow_form(
    ctx: ReqCtx,
    MaybeUser(session): MaybeUser,
) -> Result<Response, PageError> {
    let page = FollowPage {
        code: "",
        view: None,
        error: None,
        notice: None,
        status: StatusCode::OK,
    };
    follow_page(&ctx, session.as_ref(), page)
}

/// Every follow-up post: read, add information, rate. A refusal comes back
/// on the same page with the code kept, so the reporter can try again.
async fn follow_action(
    state: &AppState,
    ctx: &ReqCtx,
    session: Option<&Session>,
    f: FollowForm,
    action: &str,
) -> Result<Response, PageError> {
    if let Err((_, message)) = state.reporter_throttle.admit_quietly(ctx.ip.as_deref()) {
        let page = FollowPage {
            code: "",
            view: None,
            error: Some(message),
            notice: None,
            status: StatusCode::TOO_MANY_REQUESTS,
        };
        return follow_page(ctx, session, page);
    }
    // A resent "add" shows the report as it is, without adding twice.
    let resent = action == "add" && !state.once_tokens.spend(&f.once);
    let (result, notice) = match action {
        "add" if resent => (
            state.app.follow_direct_report(&f.code).await,
            "dr_notice_resent",
        ),
        "add" => (
            state.app.add_report_information(&f.code, &f.text).await,
            "dr_notice_added",
        ),
        "rate" => (
            match f.rating.trim().parse::<i64>() {
                Ok(rating) => {
                    state
                        .app
                        .rate_direct_report(&f.code, rating, &f.comment, f.reopen.is_some())
                        .await
                }
                Err(_) => Err(jianfu_app::AppError::Invalid("请选择评价（1 到 5）".into())),
            },
            if f.reopen.is_some() {
                "dr_notice_reopened"
            } else {
                "dr_notice_rated"
            },
        ),
        _ => (state.app.follow_direct_report(&f.code).await, ""),
    };
    match result {
        Ok(view) => {
            let page = FollowPage {
                code: &f.code,
                view: Some(&view),
                error: None,
                notice: (!notice.is_empty()).then_some(notice),
                status: StatusCode::OK,
            };
            follow_page(ctx, session, page)
        }
        Err(jianfu_app::AppError::NotFound(m)) => {
            let page = FollowPage {
                code: &f.code,
                view: None,
                error: Some(format!("未找到：{m}")),
                notice: None,
                status: StatusCode::NOT_FOUND,
            };
            follow_page(ctx, session, page)
        }
        Err(jianfu_app::AppError::Invalid(m)) => {
            // The report stays on screen where the code opened one.
            let view = state.app.follow_direct_report(&f.code).await.ok();
            let page = FollowPage {
                code: &f.code,
                view: view.as_ref(),
                error: Some(m),
                notice: None,
                status: StatusCode::BAD_REQUEST,
            };
            follow_page(ctx, session, page)
        }
        Err(e) => Err(PageError::from_app(e, ctx.lang)),
    }
}

pub async fn follow(
    State(state): State<AppState>,
    ctx: ReqCtx,
    MaybeUser(session): MaybeUser,
    PageForm(f): PageForm<FollowForm>,
) -> Result<Response, PageError> {
    follow_action(&state, &ctx, session.as_ref(), f, "read").await
}

pub async fn follow_add(
    State(state): State<AppState>,
    ctx: ReqCtx,
    MaybeUser(session): MaybeUser,
    PageForm(f): PageForm<FollowForm>,
) -> Result<Response, PageError> {
    follow_action(&state, &ctx, session.as_ref(), f, "add").await
}

pub async fn follow_rate(
    State(state): State<AppState>,
    ctx: ReqCtx,
    MaybeUser(session): MaybeUser,
    PageForm(f): PageForm<FollowForm>,
) -> Result<Response, PageError> {
    follow_action(&state, &ctx, session.as_ref(), f, "rate").await
}
