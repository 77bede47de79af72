//! The workflow: draft → submitted → (escalated →) admitted, returned or
//! refused; the yearly caps checked at admission; the county level's
//! override; the 准入编号.
//!
//! Every step is one transaction that also records the decision, and a
//! step taken on a request someone else has just moved is refused rather
//! than applied twice.

use super::{require_office, status_label, to_json};
use crate::{App, AppError, CurrentUser, Result};
use chrono::Datelike;
use jianfu_core::admission::caps::{self, Cap, CapBasis, Usage};
use jianfu_core::admission::rules::{Finding, Severity};
use jianfu_core::admission::{admission_number, valid_until, DemandKind};
use jianfu_core::role::Role;
use jianfu_store::{AdmissionRow, Assessment, CapRow, Db, UsageRow};
use serde::{Deserialize, Serialize};

/// A step of the workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Submit,
    Escalate,
    Admit,
    Return,
    Refuse,
}

impl Action {
    pub fn code(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Escalate => "escalate",
            Action::Admit => "admit",
            Action::Return => "return",
            Action::Refuse => "refuse",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Action::Submit => "提交审核",
            Action::Escalate => "提级审核",
            Action::Admit => "准入",
            Action::Return => "退回修改",
            Action::Refuse => "不予准入",
        }
    }

    pub fn from_code(s: &str) -> Option<Action> {
        [
            Action::Submit,
            Action::Escalate,
            Action::Admit,
            Action::Return,
            Action::Refuse,
        ]
        .into_iter()
        .find(|a| a.code() == s)
    }
}

/// A request against its department's cap for its kind and year.
#[derive(Debug, Clone, Serialize)]
pub struct CapStatus {
    pub basis: CapBasis,
    pub cap: Cap,
    pub used: Usage,
    pub hours: f64,
    /// Why admitting it would pass the cap, if it would.
    pub breach: Option<String>,
}

/// One line of the caps dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct CapLine {
    pub department_id: i64,
    pub department: String,
    pub kind: String,
    pub kind_label: &'static str,
    pub basis: CapBasis,
    pub cap: Cap,
    pub used: Usage,
    /// Share of the cap used, the larger of count and hours (0–1+).
    pub share: Option<f64>,
}

fn usage_of(rows: &[UsageRow], department_id: i64, kind: &str) -> Option<Usage> {
    rows.iter()
        .find(|u| u.department_id == department_id && u.kind == kind)
        .map(|u| Usage {
            count: u.count.clamp(0, u32::MAX as i64) as u32,
            hours: u.hours,
        })
}

fn cap_of(row: Option<(Option<i64>, Option<f64>)>) -> Option<Cap> {
    row.map(|(c, h)| Cap {
        max_count: c.map(|c| c.clamp(0, u32::MAX as i64) as u32),
        max_hours: h,
    })
}

impl App {
    /// What the actor may do with the request now.
    pub(crate) async fn actions_for(
        &self,
        actor: &CurrentUser,
        row: &AdmissionRow,
    ) -> Result<Vec<Action>> {
        let county = self.is_county_reviewer(actor).await?;
        Ok(match (actor.role, row.status.as_str()) {
            (Role::Department, "draft" | "returned") if row.department_id == actor.unit.id => {
                vec![Action::Submit]
            }
            (Role::Jianfuban, "submitted") if county => {
                vec![Action::Admit, Action::Return, Action::Refuse]
            }
            (Role::Jianfuban, "submitted") if row.needs_escalation != 0 => {
                vec![Action::Escalate, Action::Return, Action::Refuse]
            }
            (Role::Jianfuban, "submitted") => vec![
                Action::Admit,
                Action::Escalate,
                Action::Return,
                Action::Refuse,
            ],
            (Role::Jianfuban, "escalated") if county => {
                vec![Action::Admit, Action::Return, Action::Refuse]
            }
            _ => vec![],
        })
    }

    /// Takes a step of the workflow. Returning and refusing need a
    /// reason; admitting checks the cap and gives the number.
    pub async fn decide_admission(
        &self,
        actor: &CurrentUser,
        id: i64,
        action: Action,
        reason: &str,
        ip: Option<String>,
    ) -> Result<super::AdmissionView> {
        let row = self.visible_admission(actor, id, ip.clone()).await?;
        let allowed = self.actions_for(actor, &row).await?;
        if !allowed.contains(&action) {
            let why = match (action, row.status.as_str()) {
                (Action::Admit, "submitted") if row.needs_escalation != 0 => {
                    "该事项须提级审核，由区领导决定".to_string()
                }
                (_, "escalated") => "该事项已提级审核，只能由区领导决定".to_string(),
                (_, s) => format!("当前状态为“{}”", status_label(s)),
            };
            return Err(AppError::Forbidden(format!(
                "不能对“{}”执行“{}”：{why}",
                row.title,
                action.label_zh()
            )));
        }
        // A reason of invisible characters (zero-width spaces) is none.
        let reason = if jianfu_core::text::is_blank(reason) {
            ""
        } else {
            reason.trim()
        };
        if matches!(action, Action::Return | Action::Refuse) && reason.is_empty() {
            return Err(AppError::Invalid(format!(
                "{}须写明理由",
                action.label_zh()
            )));
        }
        // Admitting against a 不符合 finding is the reviewer's call, but it
        // must say why, so the decision log shows who overrode what.
        if action == Action::Admit && reason.is_empty() {
            let violated: Vec<String> = row
                .findings
                .as_deref()
                .and_then(|f| serde_json::from_str::<Vec<Finding>>(f).ok())
                .unwrap_or_default()
                .into_iter()
                .filter(|f| f.severity == Severity::Violation)
                .map(|f| f.title)
                .collect();
            if !violated.is_empty() {
                return Err(AppError::Invalid(format!(
                    "审查结论中有“不符合”项（{}），仍要准入须写明理由",
                    violated.join("、")
                )));
            }
        }
        if reason.chars().count() > 2000 {
            return Err(AppError::Invalid("理由不能超过 2000 字".into()));
        }
        let mut outcome = action;
        let mut note = reason.to_string();
        // Assessed before the transaction: the trial prefill reads the
        // register on several connections.
        // The report as it was when assessed: an edit that lands between
        // the assessment and the submission must not be admitted unseen.
        let report_before = match (action, row.report_id) {
            (Action::Submit, Some(rid)) => self.db.report(rid).await?.map(|r| r.definition),
            _ => None,
        };
        let assessed = match action {
            Action::Submit => Some(self.assess(&row).await?),
            _ => None,
        };
        let mut tx = self.db.begin().await?;
        let to = match action {
            Action::Submit => {
                let (est, findings) =
                    assessed.ok_or_else(|| AppError::Invalid("审查结果缺失".into()))?;
                let escalate = findings.iter().any(|f| f.escalates);
                Db::set_assessment_tx(
                    &mut tx,
                    row.id,
                    "submitted",
                    &Assessment {
                        estimate: to_json(&est)?,
                        hours: est.hours_per_year,
                        findings: to_json(&findings)?,
                        needs_escalation: escalate,
                    },
                )
                .await?;
                self.record(&mut tx, &row, action, "submitted", reason, actor)
                    .await?;
                tx.commit().await.map_err(jianfu_store::StoreError::from)?;
                if let Some(rid) = row.report_id {
                    let now = self.db.report(rid).await?.map(|r| r.definition);
                    if now != report_before {
                        let mut tx = self.db.begin().await?;
                        Db::set_admission_status_tx(&mut tx, row.id, "submitted", "draft").await?;
                        tx.commit().await.map_err(jianfu_store::StoreError::from)?;
                        return Err(AppError::Invalid(
                            "报表在评估期间被修改，评估已作废；请重新提交准入申请".into(),
                        ));
                    }
                }
                return self.finish(actor, row.id, action, "submitted", ip).await;
            }
            Action::Escalate => "escalated",
            Action::Return => "returned",
            Action::Refuse => "refused",
            Action::Admit => {
                let standing = self.standing_tx(&mut tx, &row).await?;
                match standing.breach {
                    Some(b) => {
                        match self.db.cap_override(row.id).await? {
                            Some(o) => {
                                note = format!(
                                    "超出年度总量（{b}），经 {} 批准突破：{}",
                                    o.actor, o.reason
                                );
                                "admitted"
                            }
                            None => {
                                outcome = Action::Refuse;
                                note = format!("熔断：超出年度总量控制。{b}。如确需下达，须由区领导登记突破批准");
                                "refused"
                            }
                        }
                    }
                    None => "admitted",
                }
            }
        };
        if !Db::set_admission_status_tx(&mut tx, row.id, &row.status, to).await? {
            return Err(AppError::Invalid(format!(
                "“{}”的状态已被他人改变，请刷新后再试",
                row.title
            )));
        }
        if to == "admitted" {
            let today = crate::reports::today();
            let seq = Db::next_admission_seq_tx(&mut tx, row.year).await?;
            let district = self.district_code(row.department_id).await?;
            let kind = DemandKind::from_code(&row.kind)
                .ok_or_else(|| AppError::Invalid(format!("未知的事项类型“{}”", row.kind)))?;
            let number = admission_number(&district, row.year as i32, kind, seq as u32);
            let requested = row
                .requested_until
                .as_deref()
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            let until = valid_until(today, requested);
            Db::set_admitted_tx(
                &mut tx,
                row.id,
                &number,
                &today.to_string(),
                &until.to_string(),
            )
            .await?;
            // A requested validity past a year is cut to a year: say so.
            let cut = match requested {
                Some(r) if r > until => format!("（申请至 {r}，准入有效期最长一年）"),
                Some(r) if r < today => format!("（申请的 {r} 早于准入日，按一年计）"),
                _ => String::new(),
            };
            note = if note.is_empty() {
                format!("准入编号 {number}，有效期至 {until}{cut}")
            } else {
                format!("准入编号 {number}，有效期至 {until}{cut}。{note}")
            };
        }
        self.record(&mut tx, &row, outcome, to, &note, actor)
            .await?;
        tx.commit().await.map_err(jianfu_store::StoreError::from)?;
        if to == "admitted" {
            // What was admitted now reaches communities: on the ledger.
            self.refresh_ledger(crate::monitoring::LedgerSource::Admission(row.id))
                .await?;
        }
        self.finish(actor, row.id, outcome, to, ip).await
    }

    async fn record(
        &self,
        tx: &mut jianfu_store::Tx,
        row: &AdmissionRow,
        action: Action,
        to: &str,
        reason: &str,
        actor: &CurrentUser,
    ) -> Result<()> {
        Db::insert_decision_tx(tx, row.id, action.code(), &row.status, to, reason, actor.id)
            .await?;
        Ok(())
    }

    async fn finish(
        &self,
        actor: &CurrentUser,
        id: i64,
        action: Action,
        to: &str,
        ip: Option<String>,
    ) -> Result<super::AdmissionView> {
        self.audit(
            Some(actor),
            &format!("admission.{}", action.code()),
            Some(format!("admission:{id}")),
            "ok",
            Some(status_label(to).to_string()),
            ip.clone(),
        )
        .await?;
        self.admission_view(actor, id, ip).await
    }

    /// Where a request stands against its department's cap for its kind
    /// and against the department's total over all kinds, read in `tx` so
    /// an admission is decided on the totals it then adds to. An admitted
    /// request's own share is left out.
    async fn standing_tx(
        &self,
        tx: &mut jianfu_store::Tx,
        row: &AdmissionRow,
    ) -> Result<CapStatus> {
        let this_year = Db::department_usage_tx(tx, row.year, row.department_id).await?;
        let last_year = Db::department_usage_tx(tx, row.year - 1, row.department_id).await?;
        let set = cap_of(Db::cap_tx(tx, row.year, row.department_id, &row.kind).await?);
        let total = |rows: &[UsageRow]| {
            rows.iter().fold(Usage::default(), |a, u| Usage {
                count: a.count + u.count.clamp(0, u32::MAX as i64) as u32,
                hours: a.hours + u.hours,
            })
        };
        let mut used = usage_of(&this_year, row.department_id, &row.kind).unwrap_or_default();
        let mut dept_used = total(&this_year);
        if row.status == "admitted" {
            for u in [&mut used, &mut dept_used] {
                u.count = u.count.saturating_sub(1);
                u.hours -= row.hours;
            }
        }
        let dept_last = Some(total(&last_year)).filter(|u| u.count > 0);
        let (cap, basis) = caps::in_force(set, usage_of(&last_year, row.department_id, &row.kind));
        Ok(CapStatus {
            breach: caps::breach(&cap, &used, row.hours, basis)
                .or_else(|| caps::department_breach(&dept_used, row.hours, dept_last)),
            basis,
            cap,
            used,
            hours: row.hours,
        })
    }

    /// The six-digit code of the county a department belongs to.
    async fn district_code(&self, department_id: i64) -> Result<String> {
        let county = match self.db.unit(department_id).await? {
            Some(unit) => self.county_of(unit).await?,
            None => None,
        };
        Ok(county
            .and_then(|c| c.code)
            .filter(|c| c.len() >= 6)
            .map_or_else(|| "000000".into(), |c| c.chars().take(6).collect()))
    }

    /// Where a request stands against its cap.
    pub(crate) async fn cap_status(&self, row: &AdmissionRow) -> Result<CapStatus> {
        let mut tx = self.db.begin().await?;
        let standing = self.standing_tx(&mut tx, row).await?;
        tx.rollback()
            .await
            .map_err(jianfu_store::StoreError::from)?;
        Ok(standing)
    }

    /// The county level records that a request may pass its cap.
    pub async fn override_cap(
        &self,
        actor: &CurrentUser,
        id: i64,
        reason: &str,
        ip: Option<String>,
    ) -> Result<()> {
        if !self.is_county_reviewer(actor).await? {
            return Err(AppError::Forbidden("只有区领导可以批准突破年度总量".into()));
        }
        let row = self.visible_admission(actor, id, ip.clone()).await?;
        if !matches!(row.status.as_str(), "submitted" | "escalated") {
            return Err(AppError::Invalid(format!(
                "“{}”{}，无需批准突破",
                row.title,
                status_label(&row.status)
            )));
        }
        let reason = reason.trim();
        if jianfu_core::text::is_blank(reason) {
            return Err(AppError::Invalid("批准突破年度总量须写明理由".into()));
        }
        self.db.set_cap_override(id, reason, actor.id).await?;
        self.audit(
            Some(actor),
            "admission.override",
            Some(format!("admission:{id}")),
            "ok",
            Some(reason.to_string()),
            ip,
        )
        .await
    }

    /// Sets a department's cap for a year and kind: never above last
    /// year's total.
    #[allow(clippy::too_many_arguments)]
    pub async fn set_admission_cap(
        &self,
        actor: &CurrentUser,
        year: i64,
        department_id: i64,
        kind: &str,
        cap: Cap,
        ip: Option<String>,
    ) -> Result<()> {
        require_office(actor)?;
        let kind = DemandKind::from_code(kind)
            .ok_or_else(|| AppError::Invalid(format!("未知的事项类型“{kind}”")))?;
        let dept = self
            .db
            .unit(department_id)
            .await?
            .filter(|u| u.kind() == Some(jianfu_core::org::OrgKind::Department))
            .ok_or_else(|| AppError::Invalid(format!("单位 {department_id} 不是部门")))?;
        if !(2000..=2100).contains(&year) {
            return Err(AppError::Invalid(format!("年度 {year} 无效")));
        }
        let last = usage_of(
            &self.db.admitted_usage(year - 1).await?,
            department_id,
            kind.code(),
        );
        caps::check_new_cap(&cap, last).map_err(AppError::Invalid)?;
        self.db
            .set_cap(
                year,
                department_id,
                kind.code(),
                cap.max_count.map(i64::from),
                cap.max_hours,
                actor.id,
            )
            .await?;
        self.audit(
            Some(actor),
            "admission.cap",
            Some(format!("unit:{department_id}")),
            "ok",
            Some(format!(
                "{year} 年{}“{}”上限：{} 项，{} 小时",
                dept.name,
                kind.label_zh(),
                cap.max_count.map_or("不限".into(), |c| c.to_string()),
                cap.max_hours.map_or("不限".into(), |h| format!("{h:.1}"))
            )),
            ip,
        )
        .await
    }

    /// Every cap in force for a year, with its use: set caps, and last
    /// year's totals where none is set.
    pub async fn cap_dashboard(&self, actor: &CurrentUser, year: i64) -> Result<Vec<CapLine>> {
        if !matches!(actor.role, Role::Jianfuban | Role::Department) {
            return Err(AppError::Forbidden(
                "只有部门和减负办可以查看总量控制".into(),
            ));
        }
        let set: Vec<CapRow> = self.db.caps(year).await?;
        let used = self.db.admitted_usage(year).await?;
        let last = self.db.admitted_usage(year - 1).await?;
        let mut keys: Vec<(i64, String)> = set
            .iter()
            .map(|c| (c.department_id, c.kind.clone()))
            .chain(used.iter().map(|u| (u.department_id, u.kind.clone())))
            .chain(last.iter().map(|u| (u.department_id, u.kind.clone())))
            .collect();
        keys.sort();
        keys.dedup();
        let mut out = Vec::new();
        for (dept, kind) in keys {
            if actor.role == Role::Department && dept != actor.unit.id {
                continue;
            }
            let row = set
                .iter()
                .find(|c| c.department_id == dept && c.kind == kind);
            let (cap, basis) = caps::in_force(
                cap_of(row.map(|c| (c.max_count, c.max_hours))),
                usage_of(&last, dept, &kind),
            );
            let u = usage_of(&used, dept, &kind).unwrap_or_default();
            let share = [
                cap.max_count.map(|m| {
                    if m == 0 {
                        f64::INFINITY
                    } else {
                        u.count as f64 / m as f64
                    }
                }),
                cap.max_hours
                    .map(|m| if m <= 0.0 { f64::INFINITY } else { u.hours / m }),
            ]
            .into_iter()
            .flatten()
            .map(|s| if s.is_finite() { s } else { 1.0 })
            .fold(None, |a: Option<f64>, s| Some(a.map_or(s, |a| a.max(s))));
            let department = match row {
                Some(r) => r.department.clone(),
                None => self
                    .db
                    .unit(dept)
                    .await?
                    .map(|u| u.short_name)
                    .unwrap_or_default(),
            };
            out.push(CapLine {
                department_id: dept,
                department,
                kind_label: DemandKind::from_code(&kind).map_or("未知", |k| k.label_zh()),
                kind,
                basis,
                cap,
                used: u,
                share,
            });
        }
        Ok(out)
    }

    /// This year, for forms that default to it.
    pub fn admission_year(&self) -> i64 {
        crate::reports::today().year() as i64
    }
}
