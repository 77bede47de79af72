//! The results of a round: nothing before it closes (the office included),
//! nothing for a group of fewer than k answers, in pages, exports and the
//! API alike, since they all come through here. A refused read is audited.
//!
//! Reverse assessment gives one score card per department (trimmed,
//! weighted, `jianfu_core::survey::scoring`), its comments without their
//! source, and the change against the last round of the same template.
//! The perception survey gives means by township beside the district's.

use super::{RoundState, RoundView};
use crate::monitoring::workbook::{tables_xlsx, Table, Val};
use crate::{App, AppError, CurrentUser, Result};
use jianfu_core::role::Role;
use jianfu_core::survey::scoring::{score_card, RatedAnswer, ScoreCard};
use jianfu_core::survey::{self, shipped, Answer, Question};
use jianfu_store::AnswerRow;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct DepartmentCard {
    pub department_id: i64,
    pub department: String,
    pub answers: usize,
    pub card: ScoreCard,
    /// The free-text comments, in the order of their random ids: no
    /// source, no time.
    pub comments: Vec<String>,
    /// The overall score of the last round of the same template, when
    /// that round showed one for this department.
    pub previous_overall: Option<f64>,
    pub change: Option<f64>,
}

/// The perception survey's means for one township (or the district).
#[derive(Debug, Clone, Serialize)]
pub struct PerceptionGroup {
    pub unit_id: Option<i64>,
    pub name: String,
    pub answers: usize,
    /// Question code → mean, for the scales and the diary.
    pub means: BTreeMap<String, f64>,
    /// The burden index: the mean of the three scale items on 1–5.
    pub burden_index: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoundResults {
    pub round: RoundView,
    pub answers: usize,
    pub cards: Vec<DepartmentCard>,
    /// Departments rated by fewer than k: named, with nothing of theirs.
    pub withheld: Vec<String>,
    pub perception: Vec<PerceptionGroup>,
    /// How the figures were computed.
    pub working: String,
}

fn numbers(a: &AnswerRow) -> BTreeMap<String, Answer> {
    serde_json::from_str(&a.answers).unwrap_or_default()
}

fn rated(a: &AnswerRow, questions: &[Question]) -> RatedAnswer {
    let given = numbers(a);
    let mut per: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for q in questions {
        if let (Some(ind), Some(Answer::Number(v))) = (&q.indicator, given.get(&q.code)) {
            per.entry(ind.clone()).or_default().push(*v);
        }
    }
    RatedAnswer {
        group: a.rater_group.clone(),
        scores: per
            .into_iter()
            .map(|(k, v)| (k, v.iter().sum::<f64>() / v.len() as f64))
            .collect(),
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

impl App {
    /// Refuses (403, audited) unless the round is closed.
    async fn results_gate(
        &self,
        actor: &CurrentUser,
        round: &RoundView,
        ip: Option<String>,
    ) -> Result<()> {
        let allowed = match actor.role {
            Role::Jianfuban | Role::Admin => true,
            Role::Department => round.is_reverse(),
            _ => false,
        };
        let target = format!("survey_round:{}", round.id);
        if !allowed {
            return Err(self
                .deny(actor, &target, "评价结果只对减负办和被评价部门开放", ip)
                .await);
        }
        if round.state != RoundState::Closed {
            return Err(self
                .deny(
                    actor,
                    &target,
                    &format!(
                        "“{}”在 {} 截止前，任何人（包括减负办）都不能查看结果",
                        round.title, round.closes_on
                    ),
                    ip,
                )
                .await);
        }
        Ok(())
    }

    /// The results of a closed round as `actor` may read them: the office
    /// every department's card; a department its own only.
    pub async fn survey_results(
        &self,
        actor: &CurrentUser,
        id: i64,
        ip: Option<String>,
    ) -> Result<RoundResults> {
        let round = self.round_view(id).await?;
        self.results_gate(actor, &round, ip.clone()).await?;
        let mut out = self.compute_results(&round).await?;
        if actor.role == Role::Department {
            let own: Vec<DepartmentCard> = out
                .cards
                .into_iter()
                .filter(|c| c.department_id == actor.unit.id)
                .collect();
            if own.is_empty() {
                return Err(self
                    .deny(
                        actor,
                        &format!("survey_round:{id}"),
                        &format!(
                            "本轮对本部门的有效评价不足 {} 份，或本部门未被评价：为保护评价人，不显示结果",
                            round.k
                        ),
                        ip,
                    )
                    .await);
            }
            out.cards = own;
            out.withheld.clear();
        }
        self.audit(
            Some(actor),
            "survey.results",
            Some(format!("survey_round:{id}")),
            "ok",
            None,
            ip,
        )
        .await?;
        Ok(out)
    }

    /// One department's card, for the office or that department; 403 and
    /// audited below k.
    pub async fn survey_department_card(
        &self,
        actor: &CurrentUser,
        id: i64,
        department: i64,
        ip: Option<String>,
    ) -> Result<DepartmentCard> {
        let round = self.round_view(id).await?;
        self.results_gate(actor, &round, ip.clone()).await?;
        let target = format!("survey_round:{id}");
        if actor.role == Role::Department && actor.unit.id != department {
            return Err(self
                .deny(actor, &target, "部门只能查看本部门的评价结果", ip)
                .await);
        }
        let out = self.compute_results(&round).await?;
        match out
            .cards
            .into_iter()
            .find(|c| c.department_id == department)
        {
            Some(c) => Ok(c),
            None => Err(self
                .deny(
                    actor,
                    &target,
                    &format!(
                        "该部门本轮的有效评价不足 {} 份：为保护评价人，不显示结果",
                        round.k
                    ),
                    ip,
                )
                .await),
        }
    }

    async fn compute_results(&self, round: &RoundView) -> Result<RoundResults> {
        let questions = self.round_questions(round).await?;
        let answers = self.db.round_answers(round.id).await?;
        let k = u32::try_from(round.k.max(1)).unwrap_or(survey::DEFAULT_K);
        let mut out = RoundResults {
            round: round.clone(),
            answers: answers.len(),
            cards: Vec::new(),
            withheld: Vec::new(),
            perception: Vec::new(),
            working: String::new(),
        };
        if round.is_reverse() {
            let previous = self.previous_cards(round).await?;
            let mut by_dept: BTreeMap<i64, Vec<&AnswerRow>> = BTreeMap::new();
            for a in &answers {
                by_dept.entry(a.subject).or_default().push(a);
            }
            let ids: Vec<i64> = by_dept.keys().copied().collect();
            let names: BTreeMap<i64, String> = self
                .db
                .units_by_ids(&ids)
                .await?
                .into_iter()
                .map(|u| (u.id, u.short_name))
                .collect();
            for (dept, list) in by_dept {
                let name = names
                    .get(&dept)
                    .cloned()
                    .unwrap_or_else(|| dept.to_string());
                let rated: Vec<RatedAnswer> = list.iter().map(|a| rated(a, &questions)).collect();
                let card = score_card(&rated, &round.weights, k);
                if survey::may_show(true, list.len(), k).is_err() || card.overall.is_none() {
                    out.withheld.push(name);
                    continue;
                }
                // A group below k is neither scored nor shown: its
                // comments and its size stay out of the card too.
                let counted: Vec<String> = card
                    .groups
                    .iter()
                    .filter(|g| g.counted)
                    .map(|g| g.group.clone())
                    .collect();
                let mut card = card;
                card.groups.retain(|g| g.counted);
                let comments = list
                    .iter()
                    .filter(|a| counted.contains(&a.rater_group))
                    .filter_map(|a| match numbers(a).get("comment") {
                        Some(Answer::Text(t)) => Some(t.clone()),
                        _ => None,
                    })
                    .collect();
                let previous_overall = previous.get(&dept).copied();
                let change = match (card.overall, previous_overall) {
                    (Some(now), Some(before)) => Some(round1(now - before)),
                    _ => None,
                };
                out.cards.push(DepartmentCard {
                    department_id: dept,
                    department: name,
                    answers: list.len(),
                    card,
                    comments,
                    previous_overall,
                    change,
                });
            }
            // Departments ranked by how their raters scored them: ranking
            // departments is allowed, ranking communities is not.
            out.cards.sort_by(|a, b| {
                b.card
                    .overall
                    .unwrap_or(0.0)
                    .total_cmp(&a.card.overall.unwrap_or(0.0))
            });
            out.working = format!(
                "每个部门只由本期收到其任务的村社区、街镇评价；每个评价组不足 {k} 份的不计入也不显示，部门合计不足 {k} 份的整张评分卡不显示。组权重：{}。去极值：5 份及以上去掉一个最高分和一个最低分，40 份及以上各去掉 2.5%。与上一轮同模板评价的综合得分比较。",
                round
                    .weights
                    .iter()
                    .map(|(g, w)| format!("{g} {w}"))
                    .collect::<Vec<_>>()
                    .join("、")
            );
        } else {
            out.perception = self.perception_groups(&answers, k).await?;
            out.working = format!(
                "负担指数为“弄清要求”“完成任务”“压力”三题（1–5，越高越重）的平均；繁文缛节为 0–10；时间日记为填写者的平均小时数。不足 {k} 份的街镇不显示。"
            );
        }
        Ok(out)
    }

    /// Overall scores of the last closed round of the same template.
    async fn previous_cards(&self, round: &RoundView) -> Result<BTreeMap<i64, f64>> {
        let today = crate::today();
        let previous = self
            .db
            .rounds()
            .await?
            .iter()
            .map(|r| RoundView::from_row(r, today))
            .filter(|r| {
                r.template == round.template
                    && r.id != round.id
                    && r.state == RoundState::Closed
                    && r.closes_on < round.closes_on
            })
            .max_by(|a, b| a.closes_on.cmp(&b.closes_on));
        let Some(previous) = previous else {
            return Ok(BTreeMap::new());
        };
        let questions = self.round_questions(&previous).await?;
        let k = u32::try_from(previous.k.max(1)).unwrap_or(survey::DEFAULT_K);
        let mut by_dept: BTreeMap<i64, Vec<RatedAnswer>> = BTreeMap::new();
        for a in self.db.round_answers(previous.id).await? {
            by_dept
                .entry(a.subject)
                .or_default()
                .push(rated(&a, &questions));
        }
        Ok(by_dept
            .into_iter()
            .filter(|(_, list)| list.len() >= k as usize)
            .filter_map(|(d, list)| {
                score_card(&list, &previous.weights, k)
                    .overall
                    .map(|o| (d, o))
            })
            .collect())
    }

    pub(super) async fn perception_groups(
        &self,
        answers: &[AnswerRow],
        k: u32,
    ) -> Result<Vec<PerceptionGroup>> {
        let mut by_township: BTreeMap<Option<i64>, Vec<&AnswerRow>> = BTreeMap::new();
        for a in answers {
            by_township.entry(a.township_id).or_default().push(a);
        }
        let ids: Vec<i64> = by_township.keys().flatten().copied().collect();
        let names: BTreeMap<i64, String> = self
            .db
            .units_by_ids(&ids)
            .await?
            .into_iter()
            .map(|u| (u.id, u.short_name))
            .collect();
        let mut out = Vec::new();
        let mut hidden = 0;
        for (t, list) in by_township {
            if survey::may_show(true, list.len(), k).is_err() {
                hidden += list.len();
                continue;
            }
            let name = t
                .and_then(|t| names.get(&t).cloned())
                .unwrap_or_else(|| "未知街镇".into());
            out.push(perception_group(t, name, &list, k));
        }
        // The district's figure, less the townships shown, would give the
        // hidden townships' figure: shown only when those are k or more
        // together (or none).
        let all: Vec<&AnswerRow> = answers.iter().collect();
        if survey::may_show(true, all.len(), k).is_ok() && (hidden == 0 || hidden >= k as usize) {
            out.insert(0, perception_group(None, "全区".into(), &all, k));
        }
        Ok(out)
    }

    /// The office's export of a reverse assessment, in a layout a county
    /// 考核办 pastes into the annual department assessment: one row per
    /// department, the seven indicators and the X, the overall score, the
    /// number of answers and the change; a second sheet with the working.
    pub async fn export_survey_scores(
        &self,
        actor: &CurrentUser,
        id: i64,
        ip: Option<String>,
    ) -> Result<Vec<u8>> {
        if !matches!(actor.role, Role::Jianfuban | Role::Admin) {
            return Err(self
                .deny(
                    actor,
                    &format!("survey_round:{id}"),
                    "只有减负办可以导出评价得分",
                    ip,
                )
                .await);
        }
        let results = self.survey_results(actor, id, ip.clone()).await?;
        if !results.round.is_reverse() {
            return Err(AppError::Invalid(
                "只有逆向考核可以导出部门得分；负担感知度结果在监测页面查看".into(),
            ));
        }
        let mut head = vec!["序号".to_string(), "被评价部门".to_string()];
        let indicators: Vec<String> = shipped::SEVEN
            .iter()
            .map(|(_, name, _)| name.to_string())
            .chain([shipped::INDICATOR_X.to_string()])
            .collect();
        head.extend(indicators.iter().cloned());
        head.extend(
            ["综合得分", "有效评价（份）", "上轮综合得分", "变化"]
                .iter()
                .map(|s| s.to_string()),
        );
        let mut rows = Vec::new();
        for (i, c) in results.cards.iter().enumerate() {
            let mut row: Vec<Val> = vec![Val::Int(i as i64 + 1), c.department.clone().into()];
            for ind in &indicators {
                row.push(match c.card.indicators.get(ind) {
                    Some(v) => Val::Num(*v),
                    None => Val::Text("—".into()),
                });
            }
            row.push(
                c.card
                    .overall
                    .map(Val::Num)
                    .unwrap_or(Val::Text("—".into())),
            );
            row.push(Val::Int(c.answers as i64));
            row.push(
                c.previous_overall
                    .map(Val::Num)
                    .unwrap_or(Val::Text("—".into())),
            );
            row.push(c.change.map(Val::Num).unwrap_or(Val::Text("—".into())));
            rows.push(row);
        }
        let note = if results.withheld.is_empty() {
            results.working.clone()
        } else {
            format!(
                "{}不足 {} 份未出分：{}。",
                results.working,
                results.round.k,
                results.withheld.join("、")
            )
        };
        let bytes = tables_xlsx(&[Table {
            sheet: "部门得分".into(),
            title: format!("{}（百分制）", results.round.title),
            note,
            head,
            rows,
        }])?;
        self.audit(
            Some(actor),
            "survey.export",
            Some(format!("survey_round:{id}")),
            "ok",
            Some(format!("导出 {} 个部门的得分", results.cards.len())),
            ip,
        )
        .await?;
        Ok(bytes)
    }
}

fn perception_group(
    unit_id: Option<i64>,
    name: String,
    list: &[&AnswerRow],
    k: u32,
) -> PerceptionGroup {
    let mut sums: BTreeMap<String, (f64, usize)> = BTreeMap::new();
    for a in list {
        for (code, v) in numbers(a) {
            if let Answer::Number(x) = v {
                let e = sums.entry(code).or_insert((0.0, 0));
                e.0 += x;
                e.1 += 1;
            }
        }
    }
    // An optional question answered by fewer than k is not shown: one
    // person's diary would be read as their own.
    let means: BTreeMap<String, f64> = sums
        .into_iter()
        .filter(|(_, (_, n))| *n >= k.max(1) as usize)
        .map(|(c, (s, n))| (c, (s / n as f64 * 10.0).round() / 10.0))
        .collect();
    let scale: Vec<f64> = ["learn", "comply", "stress"]
        .iter()
        .filter_map(|c| means.get(*c).copied())
        .collect();
    let burden_index = (scale.len() == 3).then(|| round1(scale.iter().sum::<f64>() / 3.0));
    PerceptionGroup {
        unit_id,
        name,
        answers: list.len(),
        means,
        burden_index,
    }
}
