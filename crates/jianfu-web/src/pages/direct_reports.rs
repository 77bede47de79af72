//! Pages of 直报: the filing form (signed in, and the public form), the
//! receipt shown once, the reporter's follow-up by code, the office's and
//! the department's lists and report pages, and typical cases.
//!
//! The reporter's pages post the code in the body, never in a URL (where
//! it would land in the browser's history), and answer `no-store`.

use crate::api::direct_reports::file_response;
use crate::context::{ReqCtx, Session};
use crate::errors::PageError;
use crate::extract::{PageForm, PageMultipart, PagePath, PageQuery};
use crate::render::{base, render};
use crate::session::{MaybeUser, PageUser};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use jianfu_app::direct_report::{OfficeStep, ReportForm, ReportView, Upload};
use jianfu_core::direct_report::{Category, Change, Status};
use jianfu_core::role::Role;
use serde::Deserialize;
use serde_json::{json, Map, Value};

fn err(ctx: &ReqCtx) -> impl Fn(jianfu_app::AppError) -> PageError + '_ {
    move |e| PageError::from_app(e, ctx.lang)
}

fn bad(ctx: &ReqCtx, message: String) -> PageError {
    PageError::untranslated(
        StatusCode::BAD_REQUEST,
        "refused_invalid",
        message,
        ctx.lang,
    )
}

/// The filing form is for grassroots accounts; anyone else is told so
/// (and the refusal is audited by the web layer).
fn reporter_only(ctx: &ReqCtx, s: &Session) -> Result<(), PageError> {
    if s.user.role.is_grassroots() {
        Ok(())
    } else {
        Err(PageError::new(
            StatusCode::FORBIDDEN,
            crate::i18n::t(ctx.lang, "dr_only_grassroots"),
            ctx.lang,
        ))
    }
}

fn no_store(html: Html<String>) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], html).into_response()
}

fn categories() -> Vec<Value> {
    Category::ALL
        .iter()
        .map(|c| json!({"code": c.code(), "label": c.label_zh()}))
        .collect()
}

/// Index: what each role does here.
pub async fn index(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageQuery(q): PageQuery<ListQuery>,
) -> Result<Html<String>, PageError> {
    let mut data = base(&ctx, Some(&s));
    let role = s.user.role;
    data.insert("may_file".into(), json!(role.is_grassroots()));
    if matches!(role, Role::Jianfuban | Role::Department) {
        let all = state
            .app
            .direct_reports_for(&s.user, ctx.ip.clone())
            .await
            .map_err(err(&ctx))?;
        let status = q.status.filter(|s| !s.is_empty());
        let mut counts: Vec<Value> = Vec::new();
        for st in Status::ALL {
            let n = all.iter().filter(|r| r.status == st.code()).count();
            if n > 0 {
                counts.push(json!({"code": st.code(), "n": n}));
            }
        }
        let overdue = all.iter().filter(|r| r.overdue).count();
        let rows: Vec<&ReportView> = all
            .iter()
            .filter(|r| match status.as_deref() {
                Some("overdue") => r.overdue,
                Some(st) => r.status == st,
                None => true,
            })
            .collect();
        data.insert("rows".into(), json!(rows));
        data.insert("counts".into(), json!(counts));
        data.insert("overdue".into(), json!(overdue));
        data.insert("status".into(), json!(status));
        data.insert("total".into(), json!(all.len()));
        data.insert("is_office".into(), json!(role == Role::Jianfuban));
        data.insert(
            "public_open".into(),
            json!(state.app.public_form_open().await.map_err(err(&ctx))?),
        );
    }
    render("zhibao.html", &ctx, data)
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    category: Option<String>,
}

async fn form_page(
    state: &AppState,
    ctx: &ReqCtx,
    session: Option<&Session>,
    public: bool,
    category: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let mut data = base(ctx, session);
    let departments: Vec<String> = state
        .app
        .db
        .departments()
        .await
        .map_err(|e| err(ctx)(e.into()))?
        .into_iter()
        .map(|d| d.short_name)
        .collect();
    data.insert("departments".into(), json!(departments));
    data.insert("categories".into(), json!(categories()));
    data.insert("category".into(), json!(category));
    data.insert("today".into(), json!(jianfu_app::today().to_string()));
    data.insert("public".into(), json!(public));
    data.insert("error".into(), json!(error));
    if public {
        let townships = state
            .app
            .db
            .subtree("/", false)
            .await
            .map_err(|e| err(ctx)(e.into()))?
            .into_iter()
            .filter(|u| u.kind == "township")
            .map(|u| json!({"id": u.id, "name": u.short_name}))
            .collect::<Vec<_>>();
        data.insert("townships".into(), json!(townships));
        data.insert(
            "open".into(),
            json!(state.app.public_form_open().await.map_err(err(ctx))?),
        );
    } else if let Some(s) = session {
        data.insert("unit".into(), json!(s.user.unit.short_name));
    }
    let html = render("zhibao_new.html", ctx, data)?;
    Ok((status, [(header::CACHE_CONTROL, "no-store")], html).into_response())
}

pub async fn new_form(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageQuery(q): PageQuery<ListQuery>,
) -> Result<Response, PageError> {
    reporter_only(&ctx, &s)?;
    form_page(
        &state,
        &ctx,
        Some(&s),
        false,
        q.category,
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn public_form(
    State(state): State<AppState>,
    ctx: ReqCtx,
    MaybeUser(session): MaybeUser,
) -> Result<Response, PageError> {
    form_page(
        &state,
        &ctx,
        session.as_ref(),
        true,
        None,
        None,
        StatusCode::OK,
    )
    .await
}

/// Reads the filing form: its fields and up to five files.
async fn read_filing(
    mut mp: axum::extract::Multipart,
) -> Result<(ReportForm, Vec<Upload>), String> {
    let mut f = ReportForm::default();
    let mut uploads = Vec::new();
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| crate::extract::upload_error(&e).message())?
    {
        let name = field.name().unwrap_or("").to_string();
        if name == "evidence" {
            let file_name = field.file_name().unwrap_or("").to_string();
            let bytes = field
                .bytes()
                .await
                .map_err(|e| crate::extract::upload_error(&e).message())?;
            // A browser sends an empty part for an empty file input.
            if !file_name.is_empty() || !bytes.is_empty() {
                uploads.push(Upload {
                    file_name,
                    bytes: bytes.to_vec(),
                });
            }
            continue;
        }
        let text = field
            .text()
            .await
            .map_err(|_| format!("表单字段“{name}”无法读取（应为 UTF-8 文本）"))?;
        match name.as_str() {
            "category" => f.category = text,
            "department" => f.department = text,
            "happened_on" => f.happened_on = text,
            "demand" => f.demand = text,
            "minutes" => {
                let t = text.trim();
                f.minutes = if t.is_empty() {
                    0
                } else {
                    t.parse().map_err(|_| {
                        format!(
                            "“用时（分钟）”应为整数，而不是“{}”",
                            t.chars().take(20).collect::<String>()
                        )
                    })?
                };
            }
            "admission_number" => f.admission_number = text,
            "name_community" => f.name_community = text == "on" || text == "1",
            "named" => f.named = text == "on" || text == "1",
            "township_id" => {
                f.township_id = text.trim().parse().ok();
            }
            _ => {}
        }
    }
    Ok((f, uploads))
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

pub async fn file(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageMultipart(mp): PageMultipart,
) -> Result<Response, PageError> {
    reporter_only(&ctx, &s)?;
    if let Err((_, message)) = state.reporter_throttle.admit_quietly(ctx.ip.as_deref()) {
        return Err(PageError::untranslated(
            StatusCode::TOO_MANY_REQUESTS,
            "refused_invalid",
            message,
            ctx.lang,
        ));
    }
    let (form, uploads) = match read_filing(mp).await {
        Ok(v) => v,
        Err(e) => {
            return form_page(
                &state,
                &ctx,
                Some(&s),
                false,
                None,
                Some(e),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
    };
    let category = Some(form.category.clone());
    match state
        .app
        .file_direct_report(&s.user, form, uploads, ctx.ip.clone())
        .await
    {
        Ok(receipt) => receipt_page(&ctx, Some(&s), &receipt),
        Err(jianfu_app::AppError::Invalid(m)) => {
            form_page(
                &state,
                &ctx,
                Some(&s),
                false,
                category,
                Some(m),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(e) => Err(err(&ctx)(e)),
    }
}

pub async fn file_public(
    State(state): State<AppState>,
    ctx: ReqCtx,
    MaybeUser(session): MaybeUser,
    PageMultipart(mp): PageMultipart,
) -> Result<Response, PageError> {
    if let Err((_, message)) = state.reporter_throttle.admit_quietly(ctx.ip.as_deref()) {
        return Err(PageError::untranslated(
            StatusCode::TOO_MANY_REQUESTS,
            "refused_invalid",
            message,
            ctx.lang,
        ));
    }
    let (form, uploads) = match read_filing(mp).await {
        Ok(v) => v,
        Err(e) => {
            return form_page(
                &state,
                &ctx,
                session.as_ref(),
                true,
                None,
                Some(e),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
    };
    let category = Some(form.category.clone());
    match state.app.file_public_report(form, uploads).await {
        Ok(receipt) => receipt_page(&ctx, session.as_ref(), &receipt),
        Err(jianfu_app::AppError::Invalid(m)) => {
            form_page(
                &state,
                &ctx,
                session.as_ref(),
                true,
                category,
                Some(m),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(e) => Err(err(&ctx)(e)),
    }
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
}

fn follow_page(
    ctx: &ReqCtx,
    session: Option<&Session>,
    code: &str,
    view: Option<&ReportView>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let mut data: Map<String, Value> = base(ctx, session);
    data.insert("code".into(), json!(code));
    data.insert("r".into(), json!(view));
    data.insert("error".into(), json!(error));
    let html = render("zhibao_follow.html", ctx, data)?;
    Ok((status, [(header::CACHE_CONTROL, "no-store")], html).into_response())
}

pub async fn follow_form(
    ctx: ReqCtx,
    MaybeUser(session): MaybeUser,
) -> Result<Response, PageError> {
    follow_page(&ctx, session.as_ref(), "", None, None, StatusCode::OK)
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
        return follow_page(
            ctx,
            session,
            "",
            None,
            Some(message),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let result = match action {
        "add" => state.app.add_report_information(&f.code, &f.text).await,
        "rate" => match f.rating.trim().parse::<i64>() {
            Ok(rating) => {
                state
                    .app
                    .rate_direct_report(&f.code, rating, &f.comment, f.reopen.is_some())
                    .await
            }
            Err(_) => Err(jianfu_app::AppError::Invalid("请选择评价（1 到 5）".into())),
        },
        _ => state.app.follow_direct_report(&f.code).await,
    };
    match result {
        Ok(view) => follow_page(ctx, session, &f.code, Some(&view), None, StatusCode::OK),
        Err(jianfu_app::AppError::NotFound(m)) => follow_page(
            ctx,
            session,
            &f.code,
            None,
            Some(format!("未找到：{m}")),
            StatusCode::NOT_FOUND,
        ),
        Err(jianfu_app::AppError::Invalid(m)) => {
            // The report stays on screen where the code opened one.
            let view = state.app.follow_direct_report(&f.code).await.ok();
            follow_page(
                ctx,
                session,
                &f.code,
                view.as_ref(),
                Some(m),
                StatusCode::BAD_REQUEST,
            )
        }
        Err(e) => Err(err(ctx)(e)),
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

pub async fn detail(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
) -> Result<Response, PageError> {
    let r = state
        .app
        .direct_report_for(&s.user, id, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    let office = s.user.role == Role::Jianfuban;
    let status = Status::from_code(&r.status).unwrap_or(Status::Received);
    let mut data = base(&ctx, Some(&s));
    let departments: Vec<Value> = state
        .app
        .db
        .departments()
        .await
        .map_err(|e| err(&ctx)(e.into()))?
        .into_iter()
        .map(|d| json!({"id": d.id, "name": d.short_name}))
        .collect();
    data.insert("departments".into(), json!(departments));
    data.insert(
        "changes".into(),
        json!(Change::ALL
            .iter()
            .map(|c| json!({"code": c.code(), "label": c.label_zh()}))
            .collect::<Vec<_>>()),
    );
    data.insert("is_office".into(), json!(office));
    data.insert(
        "may_triage".into(),
        json!(office && status == Status::Received),
    );
    data.insert(
        "may_assign".into(),
        json!(
            office
                && matches!(
                    status,
                    Status::Accepted | Status::Assigned | Status::Answered
                )
        ),
    );
    data.insert(
        "may_close".into(),
        json!(office && matches!(status, Status::Accepted | Status::Answered)),
    );
    data.insert(
        "may_answer".into(),
        json!(s.user.role == Role::Department && status == Status::Assigned),
    );
    data.insert(
        "may_publish".into(),
        json!(office && status == Status::Closed && !r.typical_case),
    );
    data.insert("r".into(), json!(r));
    Ok(no_store(render("zhibao_report.html", &ctx, data)?))
}

#[derive(Deserialize, Default)]
pub struct StepForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    department_id: String,
    #[serde(default)]
    into: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    township: Option<String>,
    #[serde(default)]
    share_words: Option<String>,
    #[serde(default)]
    finding: String,
    #[serde(default)]
    change: String,
    #[serde(default)]
    closing: String,
    #[serde(default)]
    text: String,
}

fn number(ctx: &ReqCtx, v: &str, field: &str) -> Result<Option<i64>, PageError> {
    let t = v.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse().map(Some).map_err(|_| {
        bad(
            ctx,
            format!(
                "“{field}”应为编号，而不是“{}”",
                t.chars().take(20).collect::<String>()
            ),
        )
    })
}

pub async fn step(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<StepForm>,
) -> Result<Response, PageError> {
    let step = match f.action.as_str() {
        "accept" => OfficeStep::Accept {
            department_id: number(&ctx, &f.department_id, "部门")?,
        },
        "merge" => OfficeStep::Merge {
            into: number(&ctx, &f.into, "合并到")?
                .ok_or_else(|| bad(&ctx, "请填写要合并到的直报编号".into()))?,
        },
        "decline" => OfficeStep::Decline { reason: f.reason },
        "assign" => OfficeStep::Assign {
            department_id: number(&ctx, &f.department_id, "部门")?
                .ok_or_else(|| bad(&ctx, "请选择交办的部门".into()))?,
            due: match f.due.trim() {
                "" => None,
                d => Some(
                    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                        .map_err(|_| bad(&ctx, format!("办理期限“{d}”不是有效日期")))?,
                ),
            },
            note: f.note,
        },
        "disclose" => OfficeStep::Disclose {
            township: f.township.is_some(),
            share_words: f.share_words.is_some(),
            reason: f.reason,
        },
        "answer" => OfficeStep::Answer {
            finding: f.finding,
            change: f.change,
        },
        "close" => OfficeStep::Close { closing: f.closing },
        "reply" => OfficeStep::Reply { text: f.text },
        other => {
            return Err(bad(
                &ctx,
                format!("未知的操作“{}”", other.chars().take(20).collect::<String>()),
            ))
        }
    };
    state
        .app
        .step_direct_report(&s.user, id, step, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    Ok(Redirect::to(&format!("/zhibao/{id}")).into_response())
}

#[derive(Deserialize, Default)]
pub struct PublishForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

pub async fn publish(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<PublishForm>,
) -> Result<Response, PageError> {
    state
        .app
        .publish_typical_case(&s.user, id, &f.title, &f.body, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    Ok(Redirect::to("/zhibao/cases").into_response())
}

pub async fn evidence(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath((id, position)): PagePath<(i64, i64)>,
) -> Result<Response, PageError> {
    let (content_type, bytes) = state
        .app
        .direct_report_file(&s.user, id, position, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    Ok(file_response(&content_type, bytes, id, position))
}

pub async fn cases(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
) -> Result<Html<String>, PageError> {
    let cases = state.app.typical_cases().await.map_err(err(&ctx))?;
    let mut data = base(&ctx, Some(&s));
    let rows: Vec<Value> = cases
        .iter()
        .map(|c| {
            json!({"id": c.id, "title": c.title, "body": c.body, "published_on": c.published_on,
                   "department": c.department_name,
                   "category": c.category})
        })
        .collect();
    data.insert("cases".into(), json!(rows));
    render("zhibao_cases.html", &ctx, data)
}

#[derive(Deserialize, Default)]
pub struct PublicFormToggle {
    #[serde(default)]
    open: String,
}

pub async fn toggle_public_form(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageForm(f): PageForm<PublicFormToggle>,
) -> Result<Response, PageError> {
    state
        .app
        .set_public_form(&s.user, f.open == "1", ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    Ok(Redirect::to("/zhibao").into_response())
}
