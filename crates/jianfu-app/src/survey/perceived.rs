//! Perceived burden beside measured burden, for the monitoring dashboard:
//! the last closed burden-perception round, by township (only townships
//! with k answers or more), next to the hours the ledger measured per
//! community and month in the same period. "Perceived" and "measured" are
//! shown side by side, never blended into one figure.

use super::{RoundState, RoundView};
use crate::{App, CurrentUser, Result};
use chrono::Datelike;
use jianfu_core::monitoring::Month;
use jianfu_core::org::OrgKind;
use jianfu_core::role::Role;
use jianfu_core::survey::{self, shipped};
use jianfu_store::{LedgerGroup, LedgerScope};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct PerceivedRow {
    pub township_id: i64,
    pub township: String,
    pub answers: usize,
    /// The three-item scale, 1–5.
    pub burden_index: Option<f64>,
    /// The red-tape item, 0–10.
    pub red_tape: Option<f64>,
    /// Hours a week on reports, meetings, inspections and apps, from the
    /// time diaries of those who kept one.
    pub diary_burden_hours: Option<f64>,
    /// What the ledger measured: hours per community per month.
    pub measured_hours: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PerceivedBeside {
    pub round: RoundView,
    pub rows: Vec<PerceivedRow>,
    pub working: String,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

impl App {
    /// For the office (every township) and a township (its own row); None
    /// for other readers or before any perception round has closed.
    pub async fn perceived_beside_measured(
        &self,
        actor: &CurrentUser,
    ) -> Result<Option<PerceivedBeside>> {
        if !matches!(actor.role, Role::Jianfuban | Role::Township) {
            return Ok(None);
        }
        let today = crate::today();
        let Some(round) = self
            .db
            .rounds()
            .await?
            .iter()
            .map(|r| RoundView::from_row(r, today))
            .filter(|r| r.template == shipped::PERCEPTION && r.state == RoundState::Closed)
            .max_by(|a, b| a.closes_on.cmp(&b.closes_on))
        else {
            return Ok(None);
        };
        let k = u32::try_from(round.k.max(1)).unwrap_or(survey::DEFAULT_K);
        let answers = self.db.round_answers(round.id).await?;
        let groups = self.perception_groups(&answers, k).await?;
        // The ledger over the round's period, by township.
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let (from, to) = match (day(&round.period_from), day(&round.period_to)) {
            (Some(f), Some(t)) => (f, t.min(today)),
            _ => return Ok(None),
        };
        let (Some(mf), Some(mt)) = (
            Month::new(from.year(), from.month()),
            Month::new(to.year(), to.month()),
        ) else {
            return Ok(None);
        };
        let months = mf.through(mt).count().max(1) as f64;
        let mut measured: BTreeMap<i64, f64> = BTreeMap::new();
        for s in self
            .db
            .ledger_sums(
                LedgerGroup::Township,
                &LedgerScope::default(),
                mf.key(),
                mt.key(),
            )
            .await?
        {
            *measured.entry(s.group_id).or_default() += s.minutes / 60.0;
        }
        let mut rows = Vec::new();
        for g in groups {
            let Some(t) = g.unit_id else { continue };
            if actor.role == Role::Township && t != actor.unit.id {
                continue;
            }
            let communities = self
                .db
                .children(t)
                .await?
                .iter()
                .filter(|u| u.kind() == Some(OrgKind::Community))
                .count()
                .max(1) as f64;
            let diary: Vec<f64> = [
                "hours_reports",
                "hours_meetings",
                "hours_inspections",
                "hours_apps",
            ]
            .iter()
            .filter_map(|c| g.means.get(*c).copied())
            .collect();
            rows.push(PerceivedRow {
                township_id: t,
                township: g.name.clone(),
                answers: g.answers,
                burden_index: g.burden_index,
                red_tape: g.means.get("red_tape").copied(),
                diary_burden_hours: (!diary.is_empty()).then(|| round1(diary.iter().sum())),
                measured_hours: measured.get(&t).map(|h| round1(h / communities / months)),
            });
        }
        let working = format!(
            "感知：{}（{} 至 {}），每个街镇不足 {k} 份不显示；负担指数为三题（1–5）平均，繁文缛节 0–10，时间日记为报表、会议、督检考、App 每周小时数之和（填写者平均）。实测：同期负担台账按街镇合计的小时数 ÷ 村社区数 ÷ 月数（{} 个月）。两者并列，不合成一个数。",
            round.title, round.period_from, round.period_to, months
        );
        Ok(Some(PerceivedBeside {
            round,
            rows,
            working,
        }))
    }
}
