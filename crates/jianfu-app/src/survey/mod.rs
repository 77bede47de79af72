//! 评价 as services, on the one survey engine of `jianfu_core::survey`:
//! templates (versioned, the 减负办 edits them), rounds (who answers, about
//! whom, when), answering, closing; results and the export are in
//! `results`.
//!
//! Anonymity is the store's: an answer is written beside, never with, the
//! record that its rater answered (`Db::record_answer`). Answering is not
//! audited, since an audit entry would be exactly the link the store avoids.

mod perceived;
mod progress;
mod results;
mod templates;

pub use perceived::{PerceivedBeside, PerceivedRow};
pub use progress::RoundProgress;
pub use results::{DepartmentCard, PerceptionGroup, RoundResults};

use crate::{App, AppError, CurrentUser, Result};
use chrono::{Datelike, NaiveDate};
use jianfu_core::role::Role;
use jianfu_core::survey::{self, shipped, Question};
use jianfu_store::{NewAnswer, NewRound, RoundRow, TemplateRow};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A template as the office reads and edits it.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateView {
    pub id: i64,
    pub code: String,
    pub version: i64,
    pub name: String,
    pub purpose: String,
    pub questions: Vec<Question>,
}

impl TemplateView {
    fn from_row(t: TemplateRow) -> Result<Self> {
        let questions: Vec<Question> = serde_json::from_str(&t.questions).map_err(|e| {
            AppError::Invalid(format!(
                "问卷模板 {} 第 {} 版无法读取：{e}",
                t.code, t.version
            ))
        })?;
        Ok(TemplateView {
            id: t.id,
            code: t.code,
            version: t.version,
            name: t.name,
            purpose: t.purpose,
            questions,
        })
    }
}

/// A new round, as the office sets it up.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct RoundInput {
    pub template: String,
    pub title: String,
    /// Role codes of who answers: community, grid, township.
    pub roles: Vec<String>,
    /// The demands rated (reverse assessment): from and to, inclusive.
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    #[serde(default)]
    pub k: Option<u32>,
    /// Rater group → weight; the shipped 村社区 0.6, 街镇 0.4 when empty.
    #[serde(default)]
    pub weights: BTreeMap<String, f64>,
}

/// Where a round stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundState {
    Upcoming,
    Open,
    Closed,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoundView {
    pub id: i64,
    pub title: String,
    pub purpose: String,
    pub template: String,
    pub template_version: i64,
    pub roles: Vec<String>,
    pub period_from: String,
    pub period_to: String,
    pub opens_on: String,
    pub closes_on: String,
    /// The day it closed, if the office closed it before its date.
    pub closed_early: Option<String>,
    pub state: RoundState,
    pub k: i64,
    pub weights: BTreeMap<String, f64>,
}

impl RoundView {
    pub(crate) fn from_row(r: &RoundRow, today: NaiveDate) -> Self {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let state = if r.closed_early.is_some() || day(&r.closes_on).is_some_and(|c| today > c) {
            RoundState::Closed
        } else if day(&r.opens_on).is_some_and(|o| today < o) {
            RoundState::Upcoming
        } else {
            RoundState::Open
        };
        RoundView {
            id: r.id,
            title: r.title.clone(),
            purpose: r.purpose.clone(),
            template: r.template_code.clone(),
            template_version: r.template_version,
            roles: r.roles.split(',').map(str::to_string).collect(),
            period_from: r.period_from.clone(),
            period_to: r.period_to.clone(),
            opens_on: r.opens_on.clone(),
            closes_on: r.closes_on.clone(),
            closed_early: r.closed_early.clone(),
            state,
            k: r.k,
            weights: serde_json::from_str(&r.weights).unwrap_or_default(),
        }
    }

    pub fn is_reverse(&self) -> bool {
        self.purpose == "reverse"
    }
}

/// One department a rater is asked to rate, with the demands it sent.
#[derive(Debug, Clone, Serialize)]
pub struct RaterSubject {
    /// The department's id; 0 for a survey about no department.
    pub subject: i64,
    pub department: String,
    pub demands: Vec<String>,
    pub answered: bool,
    pub questions: Vec<Question>,
}

/// A round as one rater sees it.
#[derive(Debug, Clone, Serialize)]
pub struct RaterRound {
    pub round: RoundView,
    pub subjects: Vec<RaterSubject>,
    pub remaining: usize,
}

pub(crate) fn required_text(v: &str, what: &str, max: usize) -> Result<String> {
    let v = v.trim();
    if jianfu_core::text::is_blank(v) {
        return Err(AppError::Invalid(format!("请填写“{what}”")));
    }
    if v.chars().count() > max {
        return Err(AppError::Invalid(format!("“{what}”不能超过 {max} 字")));
    }
    Ok(v.to_string())
}

/// What an answer keeps of where its rater works: the group for a
/// reverse assessment, the township for a perception survey.
pub(crate) fn stored_as(
    reverse: bool,
    group: &'static str,
    township: i64,
) -> (&'static str, Option<i64>) {
    if reverse {
        (group, None)
    } else {
        (shipped::GROUP_ANY, Some(township))
    }
}

impl App {
    /// The office sets up a round. For a reverse assessment, each rater
    /// unit is asked about the departments whose demands reached it in the
    /// period, from the burden ledger; a department that sent nothing is
    /// not rated by that unit.
    pub async fn create_survey_round(
        &self,
        actor: &CurrentUser,
        input: RoundInput,
        ip: Option<String>,
    ) -> Result<RoundView> {
        if actor.role != Role::Jianfuban {
            return Err(self
                .deny(actor, "survey_rounds", "只有减负办可以发起评价", ip)
                .await);
        }
        self.ensure_shipped_templates().await?;
        let template = self
            .db
            .current_templates()
            .await?
            .into_iter()
            .find(|t| t.code == input.template)
            .ok_or_else(|| AppError::Invalid(format!("没有问卷模板“{}”", input.template)))?;
        let title = required_text(&input.title, "名称", 100)?;
        if input.period_to < input.period_from {
            return Err(AppError::Invalid("“评价期间”的结束日早于开始日".into()));
        }
        if input.closes_on < input.opens_on {
            return Err(AppError::Invalid("“截止日”早于“开始日”".into()));
        }
        let mut roles = Vec::new();
        for r in &input.roles {
            match Role::from_code(r.trim()) {
                Some(role) if role.is_grassroots() => roles.push(role.code()),
                _ => {
                    return Err(AppError::Invalid(format!(
                        "“作答对象”只能是村社区、网格员、街镇，而不是“{}”",
                        r.chars().take(20).collect::<String>()
                    )))
                }
            }
        }
        roles.sort();
        roles.dedup();
        if roles.is_empty() {
            return Err(AppError::Invalid("请选择“作答对象”".into()));
        }
        let k = input.k.unwrap_or(survey::DEFAULT_K);
        if !(3..=50).contains(&k) {
            return Err(AppError::Invalid(format!(
                "匿名门槛 k 应在 3 到 50 之间，而不是 {k}：太小会让少数人的回答被认出"
            )));
        }
        let mut weights = input.weights.clone();
        if weights.is_empty() {
            weights.insert(shipped::GROUP_COMMUNITY.into(), 0.6);
            weights.insert(shipped::GROUP_TOWNSHIP.into(), 0.4);
        }
        for (g, w) in &weights {
            if ![shipped::GROUP_COMMUNITY, shipped::GROUP_TOWNSHIP].contains(&g.as_str()) {
                return Err(AppError::Invalid(format!(
                    "评价组只有“村社区”和“街镇”，没有“{}”",
                    g.chars().take(20).collect::<String>()
                )));
            }
            if !w.is_finite() || *w < 0.0 || *w > 100.0 {
                return Err(AppError::Invalid(format!("“{g}”的权重应在 0 到 100 之间")));
            }
        }
        for d in [
            input.period_from,
            input.period_to,
            input.opens_on,
            input.closes_on,
        ] {
            if !(2000..=2099).contains(&d.year()) {
                return Err(AppError::Invalid(format!(
                    "日期 {d} 不在 2000 年到 2099 年之间"
                )));
            }
        }
        let _one_at_a_time = self.round_setup.lock().await;
        if let Some(same) = self
            .refuse_overlapping_round(&template.code, &title, &roles, &input)
            .await?
        {
            // The same round sent twice (a double click, a resent form).
            return self.round_view(same).await;
        }
        let weights_json =
            serde_json::to_string(&weights).map_err(|e| AppError::Invalid(e.to_string()))?;
        let id = self
            .db
            .create_round(&NewRound {
                template_id: template.id,
                title: &title,
                roles: &roles.join(","),
                scope_unit: actor.scope.id,
                period_from: &input.period_from.to_string(),
                period_to: &input.period_to.to_string(),
                opens_on: &input.opens_on.to_string(),
                closes_on: &input.closes_on.to_string(),
                k: i64::from(k),
                weights: &weights_json,
                created_by: actor.id,
            })
            .await?;
        let mut subjects = 0;
        if template.purpose == "reverse" {
            subjects = self.put_round_subjects(id, &input).await?;
        }
        self.audit(
            Some(actor),
            "survey.round_create",
            Some(format!("survey_round:{id}")),
            "ok",
            Some(format!(
                "发起“{title}”（{} 第 {} 版，{} 至 {}，k={k}，{subjects} 个评价关系）",
                template.code, template.version, input.opens_on, input.closes_on
            )),
            ip,
        )
        .await?;
        let row = self
            .db
            .round(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("评价 {id}")))?;
        Ok(RoundView::from_row(&row, crate::today()))
    }

    /// The same questions put to the same people twice at the same time
    /// would be a repeated demand (the five don'ts): a round of a template
    /// whose answering window overlaps another's, for a shared role, is
    /// refused with the round in the way named.
    async fn refuse_overlapping_round(
        &self,
        template: &str,
        title: &str,
        roles: &[&'static str],
        input: &RoundInput,
    ) -> Result<Option<i64>> {
        let now = jianfu_store::now_ms();
        let (opens, closes) = (input.opens_on.to_string(), input.closes_on.to_string());
        for other in self.db.rounds().await? {
            // A round the office closed early asks nobody any more.
            if other.template_code != template || other.closed_early.is_some() {
                continue;
            }
            let other_closes = other.closes_on.as_str();
            let overlaps =
                other.opens_on.as_str() <= closes.as_str() && opens.as_str() <= other_closes;
            let shared = other.roles.split(',').any(|r| roles.contains(&r));
            if overlaps && shared {
                // Sent again within two minutes, same title and dates: the
                // round already made is the answer.
                if other.title == title
                    && other.opens_on == opens
                    && other.closes_on == closes
                    && now - other.created_at < 120_000
                {
                    return Ok(Some(other.id));
                }
                let move_it = if other.opens_on.as_str() > opens.as_str() {
                    format!("把截止日定在 {} 之前", other.opens_on)
                } else {
                    format!("把开始日定在 {other_closes} 之后")
                };
                return Err(AppError::Invalid(format!(
                    "“{}”（{} 至 {}，评价编号 {}）用同一份问卷、问同一批人，与这一轮时间重叠：同一批人不应同时答两份相同的问卷。请{move_it}；若那一轮确已不需要，可在它的页面提前结束（结束后不能恢复）",
                    other.title, other.opens_on, other_closes, other.id
                )));
            }
        }
        Ok(None)
    }

    /// Who rates whom: every community and township the ledger shows a
    /// department's demands reaching in the period. A township rates what
    /// reached it or any of its communities.
    async fn put_round_subjects(&self, round: i64, input: &RoundInput) -> Result<usize> {
        let month = |d: NaiveDate| {
            use chrono::Datelike;
            i64::from(d.year()) * 100 + i64::from(d.month())
        };
        let rows = self
            .db
            .demands_in_period(month(input.period_from), month(input.period_to))
            .await?;
        let mut pairs: BTreeMap<(i64, i64), BTreeSet<String>> = BTreeMap::new();
        for r in rows {
            pairs
                .entry((r.unit_id, r.department_id))
                .or_default()
                .insert(r.source_label.clone());
            if let Some(t) = r.township_id.filter(|t| *t != r.unit_id) {
                pairs
                    .entry((t, r.department_id))
                    .or_default()
                    .insert(r.source_label);
            }
        }
        let subjects: Vec<(i64, i64, String)> = pairs
            .into_iter()
            .map(|((unit, dept), labels)| {
                // The form names the demands; a long list is cut with its
                // count kept.
                let total = labels.len();
                let mut shown: Vec<String> = labels.into_iter().take(8).collect();
                if total > shown.len() {
                    shown.push(format!("等共 {total} 项"));
                }
                (
                    unit,
                    dept,
                    serde_json::to_string(&shown).unwrap_or_else(|_| "[]".into()),
                )
            })
            .collect();
        self.db.put_subjects(round, &subjects).await?;
        Ok(subjects.len())
    }

    /// The rounds `actor` may see: the office all; a grassroots worker
    /// those it answers; a department the closed reverse assessments.
    pub async fn survey_rounds(&self, actor: &CurrentUser) -> Result<Vec<RoundView>> {
        let today = crate::today();
        let all = self.db.rounds().await?;
        Ok(all
            .iter()
            .map(|r| RoundView::from_row(r, today))
            .filter(|r| match actor.role {
                Role::Jianfuban | Role::Admin => true,
                Role::Department => r.is_reverse() && r.state == RoundState::Closed,
                role => r.roles.iter().any(|x| x == role.code()) && r.state != RoundState::Upcoming,
            })
            .collect())
    }

    pub(crate) async fn round_view(&self, id: i64) -> Result<RoundView> {
        let row = self
            .db
            .round(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("评价 {id}")))?;
        Ok(RoundView::from_row(&row, crate::today()))
    }

    pub(crate) async fn round_questions(&self, round: &RoundView) -> Result<Vec<Question>> {
        let row = self
            .db
            .round(round.id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("评价 {}", round.id)))?;
        let t = self
            .db
            .template(row.template_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("评价 {} 的问卷", round.id)))?;
        Ok(TemplateView::from_row(t)?.questions)
    }

    /// The unit a rater answers for: the community of a grid worker, the
    /// community or township of the others.
    async fn rater_unit(&self, actor: &CurrentUser) -> Result<(i64, i64)> {
        let (township, community) = self.places_of(actor).await?;
        Ok((community.unwrap_or(township), township))
    }

    /// A round as `actor` answers it: the departments to rate, with the
    /// demands each sent, and which are done.
    pub async fn rater_round(&self, actor: &CurrentUser, id: i64) -> Result<RaterRound> {
        let round = self.round_view(id).await?;
        if !round.roles.iter().any(|r| r == actor.role.code()) {
            return Err(AppError::Forbidden("这一轮评价不由您所在的岗位作答".into()));
        }
        let questions = self.round_questions(&round).await?;
        let answered: BTreeSet<i64> = self
            .db
            .answered_subjects(id, actor.id)
            .await?
            .into_iter()
            .collect();
        let subjects = if round.is_reverse() {
            let (unit, _) = self.rater_unit(actor).await?;
            self.db
                .subjects_of(id, unit)
                .await?
                .into_iter()
                .map(|s| RaterSubject {
                    subject: s.department_id,
                    answered: answered.contains(&s.department_id),
                    questions: questions
                        .iter()
                        .filter(|q| q.asked_about(Some(&s.department)))
                        .cloned()
                        .collect(),
                    department: s.department,
                    demands: serde_json::from_str(&s.demands).unwrap_or_default(),
                })
                .collect()
        } else {
            vec![RaterSubject {
                subject: 0,
                department: String::new(),
                demands: Vec::new(),
                answered: answered.contains(&0),
                questions,
            }]
        };
        let remaining = subjects.iter().filter(|s| !s.answered).count();
        Ok(RaterRound {
            round,
            subjects,
            remaining,
        })
    }

    /// One rater's answers about one subject. Refused, with the reason: a
    /// round not open, a department the rater's unit was not asked about,
    /// a second answer, an answer out of range.
    pub async fn answer_survey(
        &self,
        actor: &CurrentUser,
        id: i64,
        subject: i64,
        given: &BTreeMap<String, serde_json::Value>,
    ) -> Result<RaterRound> {
        let form = self.rater_round(actor, id).await?;
        match form.round.state {
            RoundState::Open => {}
            RoundState::Upcoming => {
                return Err(AppError::Invalid(format!(
                    "“{}”尚未开始（{} 开始）",
                    form.round.title, form.round.opens_on
                )))
            }
            RoundState::Closed => {
                return Err(AppError::Invalid(format!(
                    "“{}”已经截止，不能再作答",
                    form.round.title
                )))
            }
        }
        let Some(target) = form.subjects.iter().find(|s| s.subject == subject) else {
            return Err(AppError::Invalid(format!(
                "本轮没有请您评价编号为 {subject} 的部门：只评价本期向您所在单位布置过任务的部门"
            )));
        };
        if target.answered {
            return Err(AppError::Invalid(if subject == 0 {
                "您已经答过这份问卷，每人只答一次".into()
            } else {
                format!("您已经评价过“{}”，每个部门只评一次", target.department)
            }));
        }
        let answers = survey::check_answers(&target.questions, given).map_err(AppError::Invalid)?;
        let group = shipped::rater_group(actor.role)
            .ok_or_else(|| AppError::Forbidden("只有基层工作人员参加评价".into()))?;
        let (_, township) = self.rater_unit(actor).await?;
        // An answer keeps only what its results need, so that no small
        // set of accounts matches it: a reverse assessment is scored by
        // rater group, never by place; the perception survey is read by
        // township, never by group (a township's own staff may be one
        // person).
        let (group, township) = stored_as(form.round.is_reverse(), group, township);
        let answer_id = {
            use rand::RngCore;
            let mut b = [0u8; 16];
            rand::rngs::OsRng.fill_bytes(&mut b);
            b.iter().map(|x| format!("{x:02x}")).collect::<String>()
        };
        let json = serde_json::to_string(&answers).map_err(|e| AppError::Invalid(e.to_string()))?;
        let took = self
            .db
            .record_answer(&NewAnswer {
                round_id: id,
                user_id: actor.id,
                subject,
                answer_id: &answer_id,
                rater_group: group,
                township_id: township,
                answers: &json,
            })
            .await?;
        if !took {
            return Err(AppError::Invalid(
                "这份评价已经提交过了，每人只答一次".into(),
            ));
        }
        self.rater_round(actor, id).await
    }

    /// The office closes a round before its date; results open then.
    pub async fn close_survey_round(
        &self,
        actor: &CurrentUser,
        id: i64,
        ip: Option<String>,
    ) -> Result<RoundView> {
        if actor.role != Role::Jianfuban {
            return Err(self
                .deny(
                    actor,
                    &format!("survey_round:{id}"),
                    "只有减负办可以结束评价",
                    ip,
                )
                .await);
        }
        let round = self.round_view(id).await?;
        if round.state == RoundState::Closed {
            return Err(AppError::Invalid(format!("“{}”已经截止", round.title)));
        }
        self.db
            .close_round_early(id, &crate::today().to_string())
            .await?;
        self.db.shuffle_answers_on_disk().await?;
        self.audit(
            Some(actor),
            "survey.round_close",
            Some(format!("survey_round:{id}")),
            "ok",
            Some(format!("提前结束“{}”", round.title)),
            ip,
        )
        .await?;
        self.round_view(id).await
    }
}
