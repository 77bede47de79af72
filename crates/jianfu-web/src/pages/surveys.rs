//! Pages of 评价: the office sets up and closes rounds and reads results;
//! a grassroots worker answers, one department at a time, seeing which
//! demands each department sent; a department reads its own card after
//! the close. The results go through the same services as the API, so the
//! embargo and k hold here too.

use crate::context::{ReqCtx, Session};
use crate::errors::PageError;
use crate::extract::{PageForm, PagePath, PageQuery};
use crate::render::{base, render};
use crate::session::PageUser;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jianfu_app::survey::{RaterRound, RoundInput, RoundState};
use jianfu_core::role::Role;
use jianfu_core::survey::shipped;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

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

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

/// Notices a redirect may name, so a query string cannot put text on the
/// page.
const DONE: [&str; 4] = [
    "sv_done_created",
    "sv_done_answered",
    "sv_done_closed",
    "sv_done_template",
];

fn notice(q: &DoneQuery) -> Option<&'static str> {
    let d = q.done.as_deref()?;
    DONE.iter()
        .copied()
        .find(|k| k.strip_prefix("sv_done_") == Some(d))
}

pub async fn index(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageQuery(q): PageQuery<DoneQuery>,
) -> Result<Html<String>, PageError> {
    index_page(&state, &ctx, &s, notice(&q), None, None).await
}

async fn index_page(
    state: &AppState,
    ctx: &ReqCtx,
    s: &Session,
    notice: Option<&'static str>,
    error: Option<String>,
    typed: Option<Value>,
) -> Result<Html<String>, PageError> {
    let mut data = base(ctx, Some(s));
    let role = s.user.role;
    let office = role == Role::Jianfuban;
    let rounds = state.app.survey_rounds(&s.user).await.map_err(err(ctx))?;
    let mut listed = Vec::new();
    for r in rounds {
        // A grassroots worker sees how many departments are left to rate.
        let remaining = if role.is_grassroots() && r.state == RoundState::Open {
            state
                .app
                .rater_round(&s.user, r.id)
                .await
                .ok()
                .map(|f| f.remaining)
        } else {
            None
        };
        listed.push(json!({"round": r, "remaining": remaining}));
    }
    if office {
        let templates = state
            .app
            .survey_templates(&s.user)
            .await
            .map_err(err(ctx))?;
        // Each template with its questions as the office edits them.
        let templates: Vec<Value> = templates
            .iter()
            .map(|t| {
                let mut v = json!(t);
                v["questions_json"] =
                    json!(serde_json::to_string_pretty(&t.questions).unwrap_or_default());
                v
            })
            .collect();
        data.insert("templates".into(), json!(templates));
        let today = jianfu_app::today();
        data.insert(
            "defaults".into(),
            typed.unwrap_or_else(|| {
                json!({
                    "template": shipped::REVERSE,
                    "opens_on": today.to_string(),
                    "closes_on": (today + chrono::Days::new(14)).to_string(),
                    "period_from": format!("{}-01-01", chrono::Datelike::year(&today)),
                    "period_to": today.to_string(),
                    "k": 5, "w_community": 0.6, "w_township": 0.4,
                    "roles": ["community", "township"],
                })
            }),
        );
    }
    data.insert("office".into(), json!(office));
    data.insert("rounds".into(), json!(listed));
    data.insert("notice".into(), json!(notice));
    data.insert("error".into(), json!(error));
    render("pingjia.html", ctx, data)
}

#[derive(Deserialize)]
pub struct RoundForm {
    template: String,
    title: String,
    #[serde(default)]
    period_from: String,
    #[serde(default)]
    period_to: String,
    #[serde(default)]
    opens_on: String,
    #[serde(default)]
    closes_on: String,
    #[serde(default)]
    k: String,
    #[serde(default)]
    w_community: String,
    #[serde(default)]
    w_township: String,
    #[serde(default)]
    role_community: Option<String>,
    #[serde(default)]
    role_grid: Option<String>,
    #[serde(default)]
    role_township: Option<String>,
}

fn date(v: &str, field: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").map_err(|_| {
        format!(
            "“{field}”应为日期（如 2026-12-31），而不是“{}”",
            v.chars().take(20).collect::<String>()
        )
    })
}

fn number(v: &str, field: &str) -> Result<f64, String> {
    v.trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| {
            format!(
                "“{field}”应为数字，而不是“{}”",
                v.chars().take(20).collect::<String>()
            )
        })
}

impl RoundForm {
    fn input(&self) -> Result<RoundInput, String> {
        let roles = [
            ("community", &self.role_community),
            ("grid", &self.role_grid),
            ("township", &self.role_township),
        ]
        .into_iter()
        .filter(|(_, on)| on.is_some())
        .map(|(r, _)| r.to_string())
        .collect();
        let mut weights = BTreeMap::new();
        weights.insert(
            shipped::GROUP_COMMUNITY.to_string(),
            number(&self.w_community, "村社区权重")?,
        );
        weights.insert(
            shipped::GROUP_TOWNSHIP.to_string(),
            number(&self.w_township, "街镇权重")?,
        );
        let k = number(&self.k, "匿名门槛 k")?;
        if k.fract() != 0.0 || !(0.0..=1000.0).contains(&k) {
            return Err(format!("匿名门槛 k 应为整数，而不是 {k}"));
        }
        Ok(RoundInput {
            template: self.template.clone(),
            title: self.title.clone(),
            roles,
            period_from: date(&self.period_from, "评价期间从")?,
            period_to: date(&self.period_to, "评价期间到")?,
            opens_on: date(&self.opens_on, "开始日")?,
            closes_on: date(&self.closes_on, "截止日")?,
            k: Some(k as u32),
            weights,
        })
    }

    fn typed(&self) -> Value {
        let mut roles = Vec::new();
        for (r, on) in [
            ("community", &self.role_community),
            ("grid", &self.role_grid),
            ("township", &self.role_township),
        ] {
            if on.is_some() {
                roles.push(r);
            }
        }
        json!({
            "template": self.template, "title": self.title,
            "period_from": self.period_from, "period_to": self.period_to,
            "opens_on": self.opens_on, "closes_on": self.closes_on, "k": self.k,
            "w_community": self.w_community, "w_township": self.w_township, "roles": roles,
        })
    }
}

pub async fn create(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageForm(f): PageForm<RoundForm>,
) -> Result<Response, PageError> {
    let result = match f.input() {
        Ok(input) => state
            .app
            .create_survey_round(&s.user, input, ctx.ip.clone())
            .await
            .map_err(|e| match e {
                jianfu_app::AppError::Invalid(m) => Ok(m),
                other => Err(other),
            }),
        Err(m) => Err(Ok(m)),
    };
    match result {
        Ok(r) => Ok(Redirect::to(&format!("/pingjia/{}?done=created", r.id)).into_response()),
        Err(Ok(message)) => {
            let html = index_page(&state, &ctx, &s, None, Some(message), Some(f.typed())).await?;
            Ok((StatusCode::BAD_REQUEST, html).into_response())
        }
        Err(Err(e)) => Err(err(&ctx)(e)),
    }
}

pub async fn round(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<DoneQuery>,
) -> Result<Html<String>, PageError> {
    round_page(&state, &ctx, &s, id, notice(&q), None).await
}

async fn round_page(
    state: &AppState,
    ctx: &ReqCtx,
    s: &Session,
    id: i64,
    notice: Option<&'static str>,
    error: Option<(i64, String, BTreeMap<String, String>)>,
) -> Result<Html<String>, PageError> {
    let mut data = base(ctx, Some(s));
    if s.user.role.is_grassroots() {
        let form: RaterRound = state.app.rater_round(&s.user, id).await.map_err(err(ctx))?;
        data.insert("round".into(), json!(form.round));
        data.insert("form".into(), json!(form));
    } else {
        let listed = state.app.survey_rounds(&s.user).await.map_err(err(ctx))?;
        let round = listed
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| err(ctx)(jianfu_app::AppError::NotFound(format!("评价 {id}"))))?;
        let progress = state
            .app
            .round_progress(&s.user, &round)
            .await
            .map_err(err(ctx))?;
        data.insert("progress".into(), json!(progress));
        data.insert("round".into(), json!(round));
    }
    data.insert("office".into(), json!(s.user.role == Role::Jianfuban));
    data.insert("notice".into(), json!(notice));
    if let Some((subject, message, typed)) = error {
        data.insert(
            "error".into(),
            json!({"subject": subject, "message": message, "typed": typed}),
        );
    }
    render("pingjia_round.html", ctx, data)
}

/// One department's answers, posted as `subject` and `q_<code>` fields.
pub async fn answer(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let mut subject = 0;
    let mut given = BTreeMap::new();
    let mut typed = BTreeMap::new();
    for (k, v) in fields {
        if k == "subject" {
            subject = v.trim().parse().map_err(|_| {
                bad(
                    &ctx,
                    format!(
                        "评价对象“{}”不是编号",
                        v.chars().take(20).collect::<String>()
                    ),
                )
            })?;
        } else if let Some(code) = k.strip_prefix("q_") {
            typed.insert(code.to_string(), v.clone());
            given.insert(code.to_string(), Value::String(v));
        }
    }
    match state.app.answer_survey(&s.user, id, subject, &given).await {
        Ok(_) => Ok(Redirect::to(&format!("/pingjia/{id}?done=answered#subjects")).into_response()),
        Err(jianfu_app::AppError::Invalid(m)) => {
            let html = round_page(&state, &ctx, &s, id, None, Some((subject, m, typed))).await?;
            Ok((StatusCode::BAD_REQUEST, html).into_response())
        }
        Err(e) => Err(err(&ctx)(e)),
    }
}

pub async fn close(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
) -> Result<Response, PageError> {
    state
        .app
        .close_survey_round(&s.user, id, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    Ok(Redirect::to(&format!("/pingjia/{id}?done=closed")).into_response())
}

pub async fn results(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
) -> Result<Html<String>, PageError> {
    let r = state
        .app
        .survey_results(&s.user, id, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    let mut data = base(&ctx, Some(&s));
    let indicators: Vec<&str> = shipped::SEVEN
        .iter()
        .map(|(_, name, _)| *name)
        .chain([shipped::INDICATOR_X])
        .collect();
    data.insert("indicators".into(), json!(indicators));
    data.insert("diary".into(), json!(shipped::DIARY));
    data.insert("office".into(), json!(s.user.role == Role::Jianfuban));
    data.insert("r".into(), json!(r));
    render("pingjia_results.html", &ctx, data)
}

#[derive(Deserialize)]
pub struct TemplateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    questions: String,
}

/// The office saves an edited template (its questions as JSON, each
/// checked and named in any refusal) as the next version.
pub async fn save_template(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(code): PagePath<String>,
    PageForm(f): PageForm<TemplateForm>,
) -> Result<Response, PageError> {
    // Refused before the questions are read: the format of a template is
    // the office's business (the web layer audits the refusal).
    if !matches!(s.user.role, Role::Jianfuban | Role::Admin) {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            crate::i18n::t(ctx.lang, "sv_office_only"),
            ctx.lang,
        ));
    }
    let parsed: Result<Vec<jianfu_core::survey::Question>, String> =
        serde_json::from_str(&f.questions).map_err(|e| {
            format!(
                "题目格式有误（第 {} 行第 {} 列）：{e}",
                e.line(),
                e.column()
            )
        });
    let saved = match parsed {
        Ok(questions) => state
            .app
            .save_survey_template(&s.user, &code, &f.name, questions, ctx.ip.clone())
            .await
            .map_err(|e| match e {
                jianfu_app::AppError::Invalid(m) => Ok(m),
                other => Err(other),
            }),
        Err(m) => Err(Ok(m)),
    };
    match saved {
        Ok(_) => Ok(Redirect::to("/pingjia?done=template#templates").into_response()),
        Err(Ok(message)) => {
            let html = index_page(&state, &ctx, &s, None, Some(message), None).await?;
            Ok((StatusCode::BAD_REQUEST, html).into_response())
        }
        Err(Err(e)) => Err(err(&ctx)(e)),
    }
}
