//! 监测 as services: the ledger built from what the system holds
//! (`ledger`), the dashboard's figures for each reader's scope with a trace
//! of every figure to its ledger lines, the rebound rules run over the
//! ledger, and warning cases with monitoring points (`cases`).
//!
//! Scope: the 减负办 reads the district; a department reads the burden it
//! caused; a township its communities; a community its own. Communities
//! are listed in the order of the org tree, never by burden: the five
//! don'ts forbid ranking communities or workers. Departments may be ranked
//! by the burden they cause.

mod annual;
mod cases;
mod ledger;
mod tuning;
pub(crate) mod workbook;

pub use annual::{annual_workbook, AnnualReport, AnnualRow, WarningTally};
pub use cases::{ConfirmationForm, ConfirmationView, PointStatus, WarningStep};
pub use ledger::LedgerSource;

use crate::{App, AppError, CurrentUser, Result};
use jianfu_core::monitoring::warnings::{
    department_rise, digital_reduction, hidden_burden, inspection_cluster, repeat_visits,
    short_lead, unadmitted_share, DepartmentMonth, LeadTime, PointMonth, Visit,
};
use jianfu_core::monitoring::{BurdenKind, Month, Warning};
use jianfu_core::role::Role;
use jianfu_store::{LedgerGroup, LedgerLine, LedgerScope, LedgerSum};
use serde::Serialize;
use std::collections::BTreeMap;

/// One row of a dashboard table: a community, township, department or
/// month, with its figures.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Figure {
    pub id: i64,
    pub name: String,
    pub month: String,
    pub kind: String,
    pub items: i64,
    pub hours: f64,
    pub measured_hours: f64,
    pub reported_hours: f64,
    /// The same figure a year earlier, where the table compares.
    pub last_year_hours: Option<f64>,
    pub change_pct: Option<f64>,
}

/// Which ledger lines to show behind a figure.
#[derive(Debug, Clone)]
pub struct TraceQuery {
    pub unit_id: Option<i64>,
    pub department_id: Option<i64>,
    pub kind: Option<String>,
    pub from: Month,
    pub to: Month,
}

/// Lines listed behind a figure, at most; the totals cover them all.
pub const TRACE_LIMIT: i64 = 2000;

/// The ledger lines behind a figure: the first `TRACE_LIMIT` of them, and
/// how many there are with their hours.
#[derive(Debug, Clone, Serialize)]
pub struct Trace {
    pub lines: Vec<LedgerLine>,
    pub total_lines: i64,
    pub total_hours: f64,
}

/// Before and after, in the form the policy reports use ("指标 −51%").
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub label: &'static str,
    pub unit: &'static str,
    pub now: f64,
    pub last_year: f64,
    pub change_pct: Option<f64>,
}

/// What a dashboard shows for a period.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub from: String,
    pub to: String,
    /// Per month of the period: hours and items.
    pub months: Vec<Figure>,
    /// Per kind of burden over the period.
    pub kinds: Vec<Figure>,
    /// Departments by the burden they caused, largest first.
    pub departments: Vec<Figure>,
    /// Townships (office) or communities (township), in org order.
    pub units: Vec<Figure>,
    pub comparisons: Vec<Comparison>,
    /// 一表通: cells the register prefilled and cells typed.
    pub cells_prefilled: i64,
    pub cells_typed: i64,
    pub total_hours: f64,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn change(now: f64, then: f64) -> Option<f64> {
    (then > 0.0).then(|| round1((now - then) / then * 100.0))
}

impl App {
    /// The part of the ledger this reader may see; refused (and audited)
    /// for a role with none.
    pub(crate) async fn ledger_scope(
        &self,
        actor: &CurrentUser,
        ip: Option<String>,
    ) -> Result<LedgerScope> {
        match actor.role {
            Role::Jianfuban => Ok(LedgerScope::default()),
            Role::Department => Ok(LedgerScope {
                department_id: Some(actor.unit.id),
                hide_direct_places: true,
                ..Default::default()
            }),
            Role::Township | Role::Community => Ok(LedgerScope {
                unit_path: Some(actor.scope.path.clone()),
                hide_direct_places: true,
                ..Default::default()
            }),
            Role::Grid | Role::Admin => Err(self
                .deny(actor, "ledger", "您的角色不查看负担台账", ip)
                .await),
        }
    }

    /// The dashboard of months `from`..=`to` for this reader.
    pub async fn dashboard(
        &self,
        actor: &CurrentUser,
        from: Month,
        to: Month,
        ip: Option<String>,
    ) -> Result<Dashboard> {
        if from > to || from.through(to).count() > 60 {
            return Err(AppError::Invalid(
                "统计期间无效：起始月份应不晚于结束月份，且最长 60 个月".into(),
            ));
        }
        let scope = self.ledger_scope(actor, ip).await?;
        let by_township = matches!(actor.role, Role::Jianfuban | Role::Department);
        self.dashboard_for(&scope, by_township, from, to).await
    }

    /// The dashboard of a part of the ledger: units summed by township
    /// (the office's and a department's view) or by community.
    pub(crate) async fn dashboard_for(
        &self,
        scope: &LedgerScope,
        by_township: bool,
        from: Month,
        to: Month,
    ) -> Result<Dashboard> {
        let scope = scope.clone();
        let (a, b) = (from.key(), to.key());
        let (la, lb) = (from.last_year().key(), to.last_year().key());
        let sums = |rows: &[LedgerSum]| -> (f64, i64) {
            rows.iter()
                .fold((0.0, 0), |(m, i), r| (m + r.minutes, i + r.items))
        };
        // Per month and kind, this period and the same period last year.
        let kinds_now = self.db.ledger_sums(LedgerGroup::Kind, &scope, a, b).await?;
        let kinds_then = self
            .db
            .ledger_sums(LedgerGroup::Kind, &scope, la, lb)
            .await?;
        let mut months: BTreeMap<i64, Figure> = from
            .through(to)
            .map(|m| {
                (
                    m.key(),
                    Figure {
                        month: m.to_string(),
                        name: m.to_string(),
                        ..Default::default()
                    },
                )
            })
            .collect();
        let mut kinds: BTreeMap<String, Figure> = BTreeMap::new();
        for r in &kinds_now {
            if let Some(f) = months.get_mut(&r.month) {
                f.items += r.items;
                f.hours += r.minutes / 60.0;
                f.measured_hours += r.measured_minutes / 60.0;
                f.reported_hours += r.reported_minutes / 60.0;
            }
            let k = kinds.entry(r.kind.clone()).or_insert_with(|| Figure {
                kind: r.kind.clone(),
                name: BurdenKind::from_code(&r.kind)
                    .map_or(r.kind.clone(), |k| k.label_zh().into()),
                ..Default::default()
            });
            k.items += r.items;
            k.hours += r.minutes / 60.0;
            k.measured_hours += r.measured_minutes / 60.0;
            k.reported_hours += r.reported_minutes / 60.0;
        }
        for r in &kinds_then {
            if let Some(k) = kinds.get_mut(&r.kind) {
                *k.last_year_hours.get_or_insert(0.0) += r.minutes / 60.0;
            }
        }
        for k in kinds.values_mut() {
            k.hours = round1(k.hours);
            k.measured_hours = round1(k.measured_hours);
            k.reported_hours = round1(k.reported_hours);
            k.last_year_hours = k.last_year_hours.map(round1);
            k.change_pct = k.last_year_hours.and_then(|t| change(k.hours, t));
        }
        for f in months.values_mut() {
            f.hours = round1(f.hours);
            f.measured_hours = round1(f.measured_hours);
            f.reported_hours = round1(f.reported_hours);
        }
        // Departments: ranked by the burden they caused (allowed).
        let dept_now = self
            .db
            .ledger_sums(LedgerGroup::Department, &scope, a, b)
            .await?;
        let dept_then = self
            .db
            .ledger_sums(LedgerGroup::Department, &scope, la, lb)
            .await?;
        let mut departments = group_totals(&dept_now, &dept_then);
        departments.sort_by(|x, y| y.hours.total_cmp(&x.hours).then(x.name.cmp(&y.name)));
        // Units: the office sees townships, a township its communities, in
        // org order — never ranked.
        let unit_group = if by_township {
            LedgerGroup::Township
        } else {
            LedgerGroup::Unit
        };
        let now = self.db.ledger_sums(unit_group, &scope, a, b).await?;
        let then = self.db.ledger_sums(unit_group, &scope, la, lb).await?;
        let units = self.in_org_order(group_totals(&now, &then)).await?;
        let pick = |rows: &[LedgerSum], kind: &str| -> (f64, i64) {
            let v: Vec<LedgerSum> = rows.iter().filter(|r| r.kind == kind).cloned().collect();
            sums(&v)
        };
        let compare = |label, unit, now: f64, then: f64| Comparison {
            label,
            unit,
            now: round1(now),
            last_year: round1(then),
            change_pct: change(now, then),
        };
        let (all_now, all_then) = (sums(&kinds_now), sums(&kinds_then));
        let mut comparisons = vec![compare(
            "基层负担总工时",
            "小时",
            all_now.0 / 60.0,
            all_then.0 / 60.0,
        )];
        for (kind, label, unit) in [
            ("report", "报表填报次数", "份"),
            ("meeting", "会议", "次"),
            ("inspection", "督查检查考核", "次"),
            ("document", "文件", "份"),
        ] {
            let (n, t) = (pick(&kinds_now, kind), pick(&kinds_then, kind));
            comparisons.push(compare(label, unit, n.1 as f64, t.1 as f64));
        }
        let (rn, rt) = (pick(&kinds_now, "report"), pick(&kinds_then, "report"));
        comparisons.push(compare("报表填报工时", "小时", rn.0 / 60.0, rt.0 / 60.0));
        let cells_prefilled = kinds_now.iter().map(|r| r.cells_prefilled).sum();
        let cells_typed = kinds_now.iter().map(|r| r.cells_typed).sum();
        Ok(Dashboard {
            from: from.to_string(),
            to: to.to_string(),
            months: months.into_values().collect(),
            kinds: kinds.into_values().collect(),
            departments,
            units,
            comparisons,
            cells_prefilled,
            cells_typed,
            total_hours: round1(all_now.0 / 60.0),
        })
    }

    /// Sorts figures of units by their place in the org tree.
    async fn in_org_order(&self, figures: Vec<Figure>) -> Result<Vec<Figure>> {
        let ids: Vec<i64> = figures.iter().map(|f| f.id).collect();
        let paths: BTreeMap<i64, String> = self
            .db
            .units_by_ids(&ids)
            .await?
            .into_iter()
            .map(|u| (u.id, u.path))
            .collect();
        let mut out = figures;
        out.sort_by(|a, b| paths.get(&a.id).cmp(&paths.get(&b.id)));
        Ok(out)
    }

    /// The ledger lines behind a figure, within the reader's scope: a
    /// unit (its subtree), a department, a kind, months `from`..=`to`.
    pub async fn ledger_trace(
        &self,
        actor: &CurrentUser,
        q: &TraceQuery,
        ip: Option<String>,
    ) -> Result<Trace> {
        let (unit_id, department_id, kind, from, to) =
            (q.unit_id, q.department_id, q.kind.as_deref(), q.from, q.to);
        let mut scope = self.ledger_scope(actor, ip.clone()).await?;
        if let Some(u) = unit_id {
            let unit = self.unit_for(actor, u, ip.clone()).await?;
            if scope.unit_path.is_none()
                || unit
                    .path
                    .starts_with(scope.unit_path.as_deref().unwrap_or(""))
            {
                scope.unit_path = Some(unit.path);
            }
        }
        if let Some(d) = department_id {
            match scope.department_id {
                Some(own) if own != d => {
                    return Err(self
                        .deny(
                            actor,
                            &format!("department:{d}"),
                            "只能查看本部门造成的负担",
                            ip,
                        )
                        .await)
                }
                _ => scope.department_id = Some(d),
            }
        }
        if let Some(k) = kind {
            if BurdenKind::from_code(k).is_none() {
                return Err(AppError::Invalid(format!("负担类型“{k}”无效")));
            }
        }
        if from > to || from.through(to).count() > 60 {
            return Err(AppError::Invalid(
                "统计期间无效：起始月份应不晚于结束月份，且最长 60 个月".into(),
            ));
        }
        let mut lines = self
            .db
            .ledger_lines(&scope, from.key(), to.key(), kind, TRACE_LIMIT)
            .await?;
        let (total_lines, total_minutes) = self
            .db
            .ledger_line_totals(&scope, from.key(), to.key(), kind)
            .await?;
        // A direct report is a complaint about the department or township
        // that sent the demand: readers other than the 减负办 see that it
        // counted, never which report it was or who raised it.
        let hide_reports = actor.role != Role::Jianfuban;
        for l in &mut lines {
            if hide_reports && l.source_kind == "direct" {
                l.unit_id = 0;
                l.unit = "（不显示）".into();
                l.source_id = 0;
                l.source_label = "基层直报的隐性负担（内容和反映单位仅减负办可见）".into();
                l.working = String::new();
            }
        }
        Ok(Trace {
            lines,
            total_lines,
            total_hours: round1(total_minutes / 60.0),
        })
    }

    /// Runs every rebound rule over the ledger for month `m` (and the
    /// inspections of the last year) and opens a case for each new
    /// warning. Returns the warnings found (new or already open).
    pub async fn run_warning_rules(&self, m: Month) -> Result<Vec<Warning>> {
        let s = self.monitoring_settings().await?;
        let all = LedgerScope::default();
        let first = m.plus(-14);
        let rows = self
            .db
            .ledger_sums(LedgerGroup::Department, &all, first.key(), m.key())
            .await?;
        let months: Vec<DepartmentMonth> = rows
            .iter()
            .filter(|r| r.group_id != 0)
            .map(|r| DepartmentMonth {
                department_id: r.group_id,
                department: r.group_name.clone(),
                month_key: r.month,
                items: r.items.max(0) as u32,
                minutes: r.minutes,
                reports: r.reports.max(0) as u32,
                report_cells: (r.cells_prefilled + r.cells_typed).max(0) as u32,
                unadmitted: r.unadmitted.max(0) as u32,
                unplanned: r.unplanned.max(0) as u32,
            })
            .collect();
        let mut found = Vec::new();
        found.extend(department_rise(&months, m, &s));
        found.extend(digital_reduction(&months, m, &s));
        found.extend(unadmitted_share(&months, m, &s));
        let since = m.plus(-11).first_day().to_string();
        let visits: Vec<Visit> = self
            .db
            .ledger_visits(&since)
            .await?
            .into_iter()
            .filter_map(|v| {
                Some(Visit {
                    day: chrono::NaiveDate::parse_from_str(&v.day, "%Y-%m-%d").ok()?,
                    unit_id: v.unit_id,
                    unit: v.unit,
                    department_id: v.department_id,
                    department: v.department,
                    label: v.label,
                })
            })
            .collect();
        found.extend(inspection_cluster(&visits, &s));
        found.extend(repeat_visits(&visits, &s));
        let leads: Vec<LeadTime> = self
            .db
            .ledger_short_leads(s.min_lead_hours as i64, m.plus(-2).key())
            .await?
            .into_iter()
            .map(|l| LeadTime {
                department_id: l.department_id,
                department: l.department,
                source: format!("{}:{}", l.source_kind, l.source_id),
                label: l.label,
                lead_hours: l.lead_hours.max(0) as u32,
                month_key: l.month,
            })
            .collect();
        found.extend(short_lead(&leads, &s));
        found.extend(hidden_burden(&self.point_months(m).await?, &s));
        for w in &found {
            self.db
                .open_warning(
                    &w.key,
                    &w.rule,
                    &w.title,
                    w.department_id,
                    w.unit_id,
                    w.month.key(),
                    &w.message,
                    &w.source,
                    &serde_json::to_string(&w.evidence).unwrap_or_default(),
                )
                .await?;
        }
        Ok(found)
    }

    /// Each monitoring point's confirmation of month `m` beside its ledger.
    async fn point_months(&self, m: Month) -> Result<Vec<PointMonth>> {
        let mut out = Vec::new();
        for c in self.db.confirmations(m.key(), m.key()).await? {
            let name = self
                .db
                .unit(c.unit_id)
                .await?
                .map(|u| u.short_name)
                .unwrap_or_default();
            out.push(PointMonth {
                unit_id: c.unit_id,
                unit: name,
                month_key: c.month,
                reported_minutes: c.estimate_hours * 60.0,
                ledger_minutes: c.ledger_minutes,
                hidden_items: (c.unannounced_meetings
                    + c.unannounced_inspections
                    + c.wechat_demands
                    + c.photo_requests)
                    .max(0) as u32,
                hidden_minutes: c.hidden_minutes,
            });
        }
        Ok(out)
    }
}

/// Sums of groups over the period, with last year's beside them.
fn group_totals(now: &[LedgerSum], then: &[LedgerSum]) -> Vec<Figure> {
    let mut by: BTreeMap<i64, Figure> = BTreeMap::new();
    for r in now {
        let f = by.entry(r.group_id).or_insert_with(|| Figure {
            id: r.group_id,
            name: r.group_name.clone(),
            ..Default::default()
        });
        f.items += r.items;
        f.hours += r.minutes / 60.0;
        f.measured_hours += r.measured_minutes / 60.0;
        f.reported_hours += r.reported_minutes / 60.0;
    }
    for r in then {
        if let Some(f) = by.get_mut(&r.group_id) {
            *f.last_year_hours.get_or_insert(0.0) += r.minutes / 60.0;
        }
    }
    by.into_values()
        .map(|mut f| {
            f.hours = round1(f.hours);
            f.measured_hours = round1(f.measured_hours);
            f.reported_hours = round1(f.reported_hours);
            f.last_year_hours = f.last_year_hours.map(round1);
            f.change_pct = f.last_year_hours.and_then(|t| change(f.hours, t));
            f
        })
        .collect()
}
