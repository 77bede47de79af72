//! Pages of 直报: the office's and the department's lists and report
//! pages, and typical cases. The reporter's pages are in `reporter`.

mod reporter;

pub use reporter::{
    file, file_public, follow, follow_add, follow_form, follow_rate, new_form, public_form,
};

use crate::api::direct_reports::file_response;
use crate::context::{ReqCtx, Session};
use crate::errors::PageError;
use crate::extract::{PageForm, PagePath, PageQuery};
use crate::render::{base, render};
use crate::session::PageUser;
use crate::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use jianfu_app::direct_report::{OfficeStep, ReportView};
use jianfu_core::direct_report::{Category, Change, Status};
use jianfu_core::role::Role;
use serde::Deserialize;
use serde_json::{json, Value};

fn err(ctx: &ReqCtx) -> impl Fn(jianfu_app::AppError) -> PageError + '_ {
    move |e| PageError::from_app(e, ctx.lang)
}

fn bad(ctx: &ReqCtx, message: String) -> PageError {
    bad_request(ctx, StatusCode::BAD_REQUEST, message)
}

/// A refusal in the service's own (Chinese) words.
fn bad_request(ctx: &ReqCtx, status: StatusCode, message: String) -> PageError {
    PageError::untranslated(status, "refused_invalid", message, ctx.lang)
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
}

#[derive(Deserialize, Default)]
pub struct DetailQuery {
    #[serde(default)]
    done: Option<String>,
}

/// Steps whose success the report page confirms (`?done=`).
const DONE: [&str; 11] = [
    "accept",
    "merge",
    "decline",
    "assign",
    "disclose",
    "answer",
    "close",
    "reply",
    "publish",
    "withdraw",
    "public_form",
];

pub async fn detail(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<DetailQuery>,
) -> Result<Response, PageError> {
    let notice = q.done.as_deref().filter(|d| DONE.contains(d));
    let page = ReportPage {
        notice,
        ..ReportPage::default()
    };
    report_page(&state, &ctx, &s, id, page).await
}

/// What a report page shows beyond the report: a confirmation after a
/// step, or the refusal of one with what was typed kept.
#[derive(Default)]
struct ReportPage<'a> {
    notice: Option<&'a str>,
    error: Option<String>,
    /// The form the error belongs to and what was typed in it.
    typed: Option<(&'a str, Value)>,
}

async fn report_page(
    state: &AppState,
    ctx: &ReqCtx,
    s: &Session,
    id: i64,
    page: ReportPage<'_>,
) -> Result<Response, PageError> {
    let r = state
        .app
        .direct_report_for(&s.user, id, ctx.ip.clone())
        .await
        .map_err(err(ctx))?;
    let office = s.user.role == Role::Jianfuban;
    let status = Status::from_code(&r.status).unwrap_or(Status::Received);
    let mut data = base(ctx, Some(s));
    let departments: Vec<Value> = state
        .app
        .db
        .departments()
        .await
        .map_err(|e| err(ctx)(e.into()))?
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
    data.insert("notice".into(), json!(page.notice));
    data.insert("error".into(), json!(page.error));
    if let Some((form, typed)) = page.typed {
        data.insert("error_form".into(), json!(form));
        data.insert("typed".into(), typed);
    }
    data.insert("r".into(), json!(r));
    let html = render("zhibao_report.html", ctx, data)?;
    let code = if page.error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok((code, [(header::CACHE_CONTROL, "no-store")], html).into_response())
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
    // What was typed, to give back with a refusal.
    let typed = json!({
        "reason": f.reason, "note": f.note, "due": f.due, "finding": f.finding,
        "change": f.change, "closing": f.closing, "text": f.text, "into": f.into,
        "department_id": f.department_id,
    });
    let step = match f.action.as_str() {
        "accept" => OfficeStep::Accept {
            department_id: number(&ctx, &f.department_id, "部门")?,
        },
        "merge" => OfficeStep::Merge {
            into: number(&ctx, &f.into, "合并到")?
                .ok_or_else(|| bad(&ctx, "请填写要合并到的直报编号".into()))?,
        },
        "decline" => OfficeStep::Decline {
            reason: f.reason.clone(),
        },
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
            note: f.note.clone(),
        },
        "disclose" => OfficeStep::Disclose {
            township: f.township.is_some(),
            share_words: f.share_words.is_some(),
            reason: f.reason.clone(),
        },
        "answer" => OfficeStep::Answer {
            finding: f.finding.clone(),
            change: f.change.clone(),
        },
        "close" => OfficeStep::Close {
            closing: f.closing.clone(),
        },
        "reply" => OfficeStep::Reply {
            text: f.text.clone(),
        },
        other => {
            return Err(bad(
                &ctx,
                format!("未知的操作“{}”", other.chars().take(20).collect::<String>()),
            ))
        }
    };
    match state
        .app
        .step_direct_report(&s.user, id, step, ctx.ip.clone())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/zhibao/{id}?done={}", f.action)).into_response()),
        Err(jianfu_app::AppError::Invalid(m)) => {
            let page = ReportPage {
                error: Some(m),
                typed: Some((action_form(&f.action), typed)),
                ..ReportPage::default()
            };
            report_page(&state, &ctx, &s, id, page).await
        }
        Err(e) => Err(err(&ctx)(e)),
    }
}

/// The form on the report page an action is posted from.
fn action_form(action: &str) -> &'static str {
    match action {
        "accept" | "merge" | "decline" => "triage",
        "assign" => "assign",
        "disclose" => "disclose",
        "answer" => "answer",
        "close" => "close",
        "reply" => "reply",
        _ => "",
    }
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
    match state
        .app
        .publish_typical_case(&s.user, id, &f.title, &f.body, ctx.ip.clone())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/zhibao/{id}?done=publish")).into_response()),
        Err(jianfu_app::AppError::Invalid(m)) => {
            let page = ReportPage {
                error: Some(m),
                typed: Some(("publish", json!({"title": f.title, "body": f.body}))),
                ..ReportPage::default()
            };
            report_page(&state, &ctx, &s, id, page).await
        }
        Err(e) => Err(err(&ctx)(e)),
    }
}

pub async fn withdraw_case(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
) -> Result<Response, PageError> {
    state
        .app
        .withdraw_typical_case(&s.user, id, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    Ok(Redirect::to(&format!("/zhibao/{id}?done=withdraw")).into_response())
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
