//! The demo's 18 months of history for 监测: the plan of
//! `jianfu-core::demo::history` admitted in the past (each with its 准入编号
//! and the Standard Cost Model estimate), communities' direct reports of unnumbered
//! demands, twelve monitoring points with their confirmations, then the
//! ledger built and the rules run, with warnings in every state.
//!
//! The admissions are written straight into the store with their past
//! dates: the workflow would date them today. Their decision log says so.

use crate::demo::{DEMO_COMMUNITY_CODE, DISTRICT_CODE, OTHER_COMMUNITY_CODE};
use crate::monitoring::WarningStep;
use crate::{App, AppError, CurrentUser, Result};
use chrono::Datelike;
use jianfu_core::admission::estimate::estimate;
use jianfu_core::admission::settings::Settings;
use jianfu_core::admission::{admission_number, Demand};
use jianfu_core::demo::history::{plan, District};
use jianfu_core::monitoring::Month;
use jianfu_core::org::OrgKind;
use jianfu_store::{AdmissionDraft, Assessment, Db, LedgerGroup, LedgerScope, NewConfirmation};
use std::collections::HashMap;

/// A township by its code, with its communities by theirs (for code order).
type CodedTownship = (String, i64, Vec<(String, i64)>);

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| AppError::Invalid(format!("演示数据无法保存：{e}")))
}

impl App {
    /// Writes the history and builds the ledger from it. `office` and
    /// `leader` are the 减负办's demo accounts.
    pub(crate) async fn seed_monitoring_history(
        &self,
        seed: u64,
        office: &CurrentUser,
    ) -> Result<String> {
        let district = self
            .db
            .unit_by_code(DISTRICT_CODE)
            .await?
            .ok_or_else(|| AppError::NotFound("演示区县".into()))?;
        let units = self.db.subtree(&district.path, false).await?;
        let mut townships: Vec<CodedTownship> = units
            .iter()
            .filter(|u| u.kind() == Some(OrgKind::Township))
            .map(|t| (t.code.clone().unwrap_or_default(), t.id, Vec::new()))
            .collect();
        for u in units
            .iter()
            .filter(|u| u.kind() == Some(OrgKind::Community))
        {
            if let Some(t) = townships.iter_mut().find(|t| Some(t.1) == u.parent_id) {
                t.2.push((u.code.clone().unwrap_or_default(), u.id));
            }
        }
        townships.sort();
        let townships: Vec<(i64, Vec<i64>)> = townships
            .into_iter()
            .map(|(_, id, mut c)| {
                c.sort();
                (id, c.into_iter().map(|(_, id)| id).collect::<Vec<i64>>())
            })
            .filter(|(_, c)| !c.is_empty())
            .collect();
        let unit_id = |code: &str| {
            units
                .iter()
                .find(|u| u.code.as_deref() == Some(code))
                .map(|u| u.id)
                .unwrap_or(0)
        };
        let last = Month::of(crate::today()).plus(-1);
        let first = last.plus(-17);
        let history = plan(
            &District {
                townships: &townships,
                demo_community: unit_id(DEMO_COMMUNITY_CODE),
                other_community: unit_id(OTHER_COMMUNITY_CODE),
            },
            first,
            last,
            seed,
        );
        let departments: HashMap<&str, i64> = {
            let all = self.db.departments().await?;
            crate::demo::DEPARTMENTS
                .iter()
                .filter_map(|(key, name)| {
                    all.iter()
                        .find(|d| d.short_name == *name)
                        .map(|d| (*key, d.id))
                })
                .collect()
        };
        let settings = Settings::default();
        for d in &history.demands {
            let Some(&dept) = departments.get(d.department) else {
                continue;
            };
            let demand = Demand {
                title: d.title.clone(),
                details: d.details.clone(),
                units: d.targets.len() as u32,
                per_year: 1,
                lead_hours: Some(d.lead_hours),
                duty_item: None,
            };
            let est = estimate(&demand, &settings, None, None);
            let kind = d.details.kind();
            let id = self
                .db
                .insert_admission(
                    &AdmissionDraft {
                        department_id: dept,
                        kind: kind.code().into(),
                        title: d.title.clone(),
                        demand: json(&demand)?,
                        targets: json(&d.targets)?,
                        report_id: None,
                        year: d.day.year() as i64,
                        requested_until: None,
                    },
                    office.id,
                )
                .await?;
            let mut tx = self.db.begin().await?;
            Db::set_assessment_tx(
                &mut tx,
                id,
                "admitted",
                &Assessment {
                    estimate: json(&est)?,
                    hours: est.hours_per_year,
                    findings: "[]".into(),
                    needs_escalation: false,
                },
            )
            .await?;
            let seq = Db::next_admission_seq_tx(&mut tx, d.day.year() as i64).await?;
            let number = admission_number(DISTRICT_CODE, d.day.year(), kind, seq as u32);
            let until = d.day + chrono::Duration::days(364);
            Db::set_admitted_tx(&mut tx, id, &number, &d.day.to_string(), &until.to_string())
                .await?;
            Db::insert_decision_tx(
                &mut tx,
                id,
                "admit",
                "submitted",
                "admitted",
                &format!("演示历史数据：{} 准入", d.day),
                office.id,
            )
            .await?;
            tx.commit().await.map_err(jianfu_store::StoreError::from)?;
        }
        for (i, p) in history.points.iter().enumerate() {
            let contact = ["张主任", "李书记", "王专干", "赵主任"][i % 4];
            self.db
                .put_point(
                    *p,
                    contact,
                    &format!("1380000{:04}", 1000 + i),
                    true,
                    office.id,
                )
                .await?;
        }
        // Confirmations are entered by the community's worker.
        let reporter = self
            .db
            .user_by_name("minzhu")
            .await?
            .map(|u| u.id)
            .unwrap_or(office.id);
        // 直报, with the history's unnumbered demands among the reports.
        let receipt = self
            .seed_direct_reports(seed, &history.flags, office.id)
            .await?;
        self.rebuild_ledger().await?;
        // Each confirmation states the month against what the ledger held.
        for c in &history.confirmations {
            let path = match self.db.unit(c.community).await? {
                Some(u) => u.path,
                None => continue,
            };
            let held: f64 = self
                .db
                .ledger_sums(
                    LedgerGroup::Kind,
                    &LedgerScope {
                        unit_path: Some(path),
                        ..Default::default()
                    },
                    c.month.key(),
                    c.month.key(),
                )
                .await?
                .iter()
                .map(|r| r.minutes)
                .sum();
            let mut tx = self.db.begin().await?;
            Db::put_confirmation_tx(
                &mut tx,
                &NewConfirmation {
                    unit_id: c.community,
                    month: c.month.key(),
                    unannounced_meetings: c.meetings,
                    unannounced_inspections: c.inspections,
                    wechat_demands: c.wechat,
                    photo_requests: c.photos,
                    hidden_minutes: c.hidden_hours * 60.0,
                    estimate_hours: ((held / 60.0 * c.estimate_factor + c.hidden_hours) * 10.0)
                        .round()
                        / 10.0,
                    note: String::new(),
                    ledger_minutes: held,
                    active_ms: c.active_ms,
                    confirmed_by: reporter,
                },
            )
            .await?;
            tx.commit().await.map_err(jianfu_store::StoreError::from)?;
        }
        self.rebuild_ledger().await?;
        // The rules over the last three months; cases in every state.
        for m in last.plus(-2).through(last) {
            self.run_warning_rules(m).await?;
        }
        let cases = self.db.warnings(None).await?;
        // The rebounding 卫健委 (which has a demo account) first: one case
        // closed, one answered for the office to close, one assigned for
        // the department to answer; the rest wait to be assigned.
        let mut with_department: Vec<&jianfu_store::WarningRow> =
            cases.iter().filter(|w| w.department_id.is_some()).collect();
        with_department.sort_by_key(|w| (w.department.as_deref() != Some("卫生健康委员会"), w.id));
        let with_department: Vec<i64> = with_department.iter().map(|w| w.id).collect();
        for (i, id) in with_department.iter().take(4).enumerate() {
            self.step_warning(
                office,
                *id,
                WarningStep::Assign {
                    due: None,
                    note: "请核实并说明原因".into(),
                },
                None,
            )
            .await?;
            // Closed, assigned (卫健委 answers it on its page), answered
            // (the office closes it), assigned.
            if i == 0 || i == 2 {
                // Answered, as the department would on its page.
                self.db
                    .answer_warning(*id, "已核实：部分事项合并下达，下季度起按年度计划执行")
                    .await?;
            }
            if i == 0 {
                // … and closed by the office.
                self.db
                    .close_warning(
                        *id,
                        "部门已答复并整改",
                        "同类事项合并，纳入年度计划管理",
                        &crate::today().to_string(),
                    )
                    .await?;
            }
        }
        Ok(receipt)
    }
}
