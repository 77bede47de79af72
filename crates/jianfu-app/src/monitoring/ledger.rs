//! Building the burden ledger from what the system holds: admitted
//! demands, report tasks, accepted direct reports (直报), and monitoring
//! points' confirmations. Each source's entries are computed by
//! `jianfu-core::monitoring::ledger` and replace that source's rows, so a
//! figure always matches its source; `rebuild_ledger` does every source at
//! once.

use crate::{App, AppError, Result};
use jianfu_core::admission::estimate::Estimate;
use jianfu_core::admission::Demand;
use jianfu_core::monitoring::ledger::{
    admitted_entries, reported_entry, task_entry, AdmittedDemand, ReportedBurden, TaskBurden,
};
use jianfu_core::monitoring::{BurdenKind, LedgerEntry, Month};
use jianfu_store::{AdmissionRow, ConfirmationRow, Db, StoredEntry};
use std::collections::HashMap;

/// A ledger source, for refreshing its rows after it changed.
#[derive(Debug, Clone, Copy)]
pub enum LedgerSource {
    Admission(i64),
    /// Every task of a report.
    Report(i64),
    /// Every direct report (直报).
    DirectReports,
    /// A point's confirmation of a month (unit, yyyymm).
    Confirmation(i64, i64),
}

fn date(s: Option<&str>) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s?, "%Y-%m-%d").ok()
}

impl App {
    /// The month the ledger runs to: the current one.
    fn ledger_until(&self) -> Month {
        Month::of(crate::today())
    }

    /// Each community's township, by the org tree.
    async fn townships(&self) -> Result<HashMap<i64, i64>> {
        let district = self.db.subtree("/", false).await?;
        let kinds: HashMap<i64, &str> = district.iter().map(|u| (u.id, u.kind.as_str())).collect();
        Ok(district
            .iter()
            .filter_map(|u| {
                let parent = u.parent_id?;
                match kinds.get(&parent) {
                    Some(&"township") => Some((u.id, parent)),
                    _ if u.kind == "township" => Some((u.id, u.id)),
                    _ => None,
                }
            })
            .collect())
    }

    fn admission_entries(&self, a: &AdmissionRow, until: Month) -> Result<Vec<LedgerEntry>> {
        let (Some(number), Some(from), Some(to)) = (
            a.number.as_deref(),
            date(a.valid_from.as_deref()),
            date(a.valid_until.as_deref()),
        ) else {
            return Ok(Vec::new());
        };
        let demand: Demand = serde_json::from_str(&a.demand)
            .map_err(|e| AppError::Invalid(format!("准入申请 {} 的内容损坏：{e}", a.id)))?;
        let estimate: Option<Estimate> = a
            .estimate
            .as_deref()
            .and_then(|e| serde_json::from_str(e).ok());
        let targets: Vec<i64> = serde_json::from_str(&a.targets).unwrap_or_default();
        Ok(admitted_entries(
            &AdmittedDemand {
                admission_id: a.id,
                number: number.to_string(),
                title: a.title.clone(),
                department_id: a.department_id,
                minutes_per_unit: estimate.as_ref().map_or(0.0, |e| e.minutes_per_unit),
                per_year: estimate.as_ref().map_or(demand.per_year, |e| e.per_year),
                details: demand.details,
                valid_from: from,
                valid_until: to,
                lead_hours: demand.lead_hours,
                targets,
            },
            until,
        ))
    }

    async fn report_entries(&self, report_id: i64) -> Result<Vec<LedgerEntry>> {
        let Some(r) = self.db.report(report_id).await? else {
            return Ok(Vec::new());
        };
        if r.status == "草稿" {
            return Ok(Vec::new());
        }
        let Some(deadline) = date(Some(&r.deadline)) else {
            return Ok(Vec::new());
        };
        let admission = self.db.admission_of_report(report_id, "").await?;
        let estimate: Option<Estimate> = admission
            .as_ref()
            .and_then(|a| a.estimate.as_deref())
            .and_then(|e| serde_json::from_str(e).ok());
        // From publication to the end of the deadline's day.
        let lead_hours = r.published_at.and_then(|p| {
            let end = crate::clock::day_start_ms(deadline.succ_opt()?)?;
            u32::try_from((end - p).max(0) / 3_600_000).ok()
        });
        let until = self.ledger_until();
        let month = Month::of(deadline);
        if month > until {
            return Ok(Vec::new());
        }
        Ok(self
            .db
            .tasks_of_report(report_id)
            .await?
            .iter()
            .map(|t| {
                task_entry(&TaskBurden {
                    task_id: t.id,
                    report_title: r.title.clone(),
                    number: admission.as_ref().and_then(|a| a.number.clone()),
                    department_id: r.department_id,
                    unit_id: t.unit_id,
                    month,
                    cells_prefilled: t.cells_prefilled.max(0) as u32,
                    cells_typed: t.cells_typed.max(0) as u32,
                    active_ms: t.active_ms,
                    submitted: matches!(t.status.as_str(), "已提交" | "已接收"),
                    estimate_minutes: estimate.as_ref().map(|e| e.minutes_per_unit),
                    lead_hours,
                })
            })
            .collect())
    }

    /// Accepted direct reports: hidden burden on the community the
    /// reporter chose to name, else on its township, else (a public report
    /// that named no place) on the district.
    async fn direct_entries(&self) -> Result<Vec<LedgerEntry>> {
        use jianfu_core::direct_report::{Category, Status};
        let reports = self.db.direct_reports(None).await?;
        let district = match reports.iter().any(|r| r.township_id.is_none()) {
            true => self.db.subtree("/", false).await?.first().map(|u| u.id),
            false => None,
        };
        let mut out = Vec::new();
        for r in reports {
            if !Status::from_code(&r.status).is_some_and(Status::counts_on_ledger) {
                continue;
            }
            let (Some(unit_id), Ok(day)) = (
                r.community_id.or(r.township_id).or(district),
                chrono::NaiveDate::parse_from_str(&r.happened_on, "%Y-%m-%d"),
            ) else {
                continue;
            };
            let category = Category::from_code(&r.category).unwrap_or(Category::Other);
            out.push(reported_entry(&ReportedBurden {
                source_kind: "direct",
                source_id: r.id,
                // The category and the department only: the reporter's
                // words stay with the office.
                label: format!(
                    "直报：{}（{}）",
                    category.label_zh(),
                    r.department_name.as_deref().unwrap_or(&r.department_text)
                ),
                unit_id,
                month: Month::of(day),
                department_id: r.department_id,
                kind: if category.is_unadmitted() {
                    BurdenKind::Unnumbered
                } else {
                    BurdenKind::Hidden
                },
                items: 1,
                minutes: r.minutes.max(0) as f64,
                day: None,
            }));
        }
        Ok(out)
    }

    fn confirmation_entries(c: &ConfirmationRow) -> Vec<LedgerEntry> {
        let Some(month) = Month::from_key(c.month) else {
            return Vec::new();
        };
        let hidden_items = (c.unannounced_meetings
            + c.unannounced_inspections
            + c.wechat_demands
            + c.photo_requests)
            .max(0) as u32;
        let mut out = Vec::new();
        if hidden_items > 0 || c.hidden_minutes > 0.0 {
            out.push(reported_entry(&ReportedBurden {
                source_kind: "confirmation",
                source_id: c.unit_id * 1_000_000 + c.month,
                label: format!("监测点 {month} 确认：台账以外 {hidden_items} 项"),
                unit_id: c.unit_id,
                month,
                department_id: None,
                kind: BurdenKind::Hidden,
                items: hidden_items,
                minutes: c.hidden_minutes,
                day: None,
            }));
        }
        // The confirmation itself costs the point its time: measured.
        let mut own = reported_entry(&ReportedBurden {
            source_kind: "confirmation",
            source_id: c.unit_id * 1_000_000 + c.month,
            label: format!("监测点 {month} 月度确认"),
            unit_id: c.unit_id,
            month,
            department_id: None,
            kind: BurdenKind::Confirmation,
            items: 0,
            minutes: c.active_ms.max(0) as f64 / 60_000.0,
            day: None,
        });
        own.provenance = jianfu_core::monitoring::Provenance::Measured;
        own.working = format!("实测：填写确认用时 {:.1} 分钟", own.minutes);
        out.push(own);
        out
    }

    async fn entries_of(
        &self,
        source: LedgerSource,
    ) -> Result<(&'static str, Vec<i64>, Vec<LedgerEntry>)> {
        let until = self.ledger_until();
        Ok(match source {
            LedgerSource::Admission(id) => {
                let entries = match self.db.admission(id).await? {
                    Some(a) if a.status == "admitted" => self.admission_entries(&a, until)?,
                    _ => Vec::new(),
                };
                ("admission", vec![id], entries)
            }
            LedgerSource::Report(id) => {
                let ids: Vec<i64> = self
                    .db
                    .tasks_of_report(id)
                    .await?
                    .iter()
                    .map(|t| t.id)
                    .collect();
                ("task", ids, self.report_entries(id).await?)
            }
            LedgerSource::DirectReports => {
                let entries = self.direct_entries().await?;
                let ids = self
                    .db
                    .direct_reports(None)
                    .await?
                    .iter()
                    .map(|r| r.id)
                    .collect();
                ("direct", ids, entries)
            }
            LedgerSource::Confirmation(unit, month) => {
                let entries = match self.db.confirmation(unit, month).await? {
                    Some(c) => Self::confirmation_entries(&c),
                    None => Vec::new(),
                };
                ("confirmation", vec![unit * 1_000_000 + month], entries)
            }
        })
    }

    /// Recomputes the ledger rows of one source after it changed.
    pub async fn refresh_ledger(&self, source: LedgerSource) -> Result<()> {
        let (kind, ids, entries) = self.entries_of(source).await?;
        let townships = self.townships().await?;
        let rows: Vec<StoredEntry<'_>> = entries
            .iter()
            .map(|e| StoredEntry {
                entry: e,
                township_id: townships.get(&e.unit_id).copied(),
            })
            .collect();
        let mut tx = self.db.begin().await?;
        Db::replace_ledger_sources(&mut tx, kind, &ids, &rows).await?;
        tx.commit().await.map_err(jianfu_store::StoreError::from)?;
        Ok(())
    }

    /// Recomputes the whole ledger from every source; returns the rows.
    pub async fn rebuild_ledger(&self) -> Result<usize> {
        let until = self.ledger_until();
        let mut entries = Vec::new();
        for a in self.db.admissions(None, &["admitted"]).await? {
            entries.extend(self.admission_entries(&a, until)?);
        }
        for r in self.db.reports(None).await? {
            entries.extend(self.report_entries(r.id).await?);
        }
        entries.extend(self.direct_entries().await?);
        let first = until.plus(-60).key();
        for c in self.db.confirmations(first, until.key()).await? {
            entries.extend(Self::confirmation_entries(&c));
        }
        let townships = self.townships().await?;
        let rows: Vec<StoredEntry<'_>> = entries
            .iter()
            .map(|e| StoredEntry {
                entry: e,
                township_id: townships.get(&e.unit_id).copied(),
            })
            .collect();
        let mut tx = self.db.begin().await?;
        Db::clear_ledger(&mut tx).await?;
        Db::insert_ledger(&mut tx, &rows).await?;
        tx.commit().await.map_err(jianfu_store::StoreError::from)?;
        Ok(rows.len())
    }
}
