//! The gate's assessment of a request: what the core rules need, gathered
//! from the register and from what is already admitted. For a report,
//! the burden comes from prefilling it for every target community as if
//! it were published: the cells the register answers cost nothing, the
//! rest are counted by value type.

use super::parse;
use crate::{App, AppError, Result};
use jianfu_core::admission::estimate::{estimate, Estimate, Measured, ReportWork};
use jianfu_core::admission::rules::{
    findings, BookedInspection, Context, Coverage, Finding, Overlap,
};
use jianfu_core::admission::{Demand, DemandKind, Details};
use jianfu_core::dictionary::ValueType;
use jianfu_core::reports::{CellState, ColumnSource, CompiledReport, FilledGrid};
use jianfu_store::{AdmissionRow, OrgUnit, TaskRow};
use std::collections::{BTreeMap, HashMap};

/// The cost class of a typed cell (see `Settings::minutes_per_cell`).
fn cost_class(t: Option<ValueType>) -> &'static str {
    match t {
        Some(ValueType::Integer | ValueType::Decimal) => "number",
        Some(ValueType::Date) => "date",
        Some(ValueType::Code) => "code",
        Some(ValueType::Boolean) => "boolean",
        Some(ValueType::IdNumber) => "id_number",
        _ => "text",
    }
}

/// Per community: cells, prefilled, typed cells by class, and per
/// element column (prefilled, gaps).
#[derive(Default)]
struct TrialCounts {
    cells: u64,
    prefilled: u64,
    typed: BTreeMap<&'static str, u64>,
    columns: BTreeMap<usize, (u64, u64)>,
}

fn count_trial(
    report: &CompiledReport,
    dict: &jianfu_core::dictionary::Dictionary,
    g: &FilledGrid,
) -> TrialCounts {
    let mut out = TrialCounts {
        cells: g.counts.cells as u64,
        prefilled: g.counts.prefilled as u64,
        ..TrialCounts::default()
    };
    for row in &g.rows {
        for (i, (cell, col)) in row.cells.iter().zip(&report.def.columns).enumerate() {
            let typed = match (&col.source, cell.state) {
                (ColumnSource::Element { element }, CellState::Gap) => {
                    out.columns.entry(i).or_default().1 += 1;
                    Some(cost_class(dict.element(element).map(|e| e.value_type)))
                }
                (ColumnSource::Element { .. }, CellState::Prefilled | CellState::Filled) => {
                    out.columns.entry(i).or_default().0 += 1;
                    None
                }
                (ColumnSource::Manual, _) => Some("text"),
                _ => None,
            };
            if let Some(class) = typed {
                *out.typed.entry(class).or_default() += 1;
            }
        }
    }
    out
}

impl App {
    /// The estimate and findings of a request as things stand now.
    pub(crate) async fn assess(&self, row: &AdmissionRow) -> Result<(Estimate, Vec<Finding>)> {
        let demand: Demand = parse(&row.demand, "申请内容")?;
        let settings = self.admission_settings().await?;
        let target_ids: Vec<i64> = parse(&row.targets, "对象范围")?;
        let units = self.db.units_by_ids(&target_ids).await?;
        let mut ctx = Context {
            settings: settings.clone(),
            targets: units.iter().map(|u| (u.id, u.name.clone())).collect(),
            duty_list: self
                .db
                .duty_items()
                .await?
                .into_iter()
                .map(|d| d.name)
                .collect(),
            ..Context::default()
        };
        let today = crate::reports::today().to_string();
        let mut work = None;
        if let Details::Report {
            report_id: Some(rid),
        } = &demand.details
        {
            let r = self
                .db
                .report(*rid)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("报表 {rid}")))?;
            let compiled = self.compile(&r)?;
            let (w, coverage) = self.trial_prefill(&compiled, &units).await?;
            work = Some(w);
            ctx.coverage = coverage;
            ctx.overlaps = self.overlaps(&compiled, *rid, &today).await?;
        }
        if demand.details.kind() == DemandKind::Inspection {
            for other in self.db.admitted_of_kind("inspection", &today).await? {
                if other.id == row.id {
                    continue;
                }
                let d: Demand = parse(&other.demand, "申请内容")?;
                if let Details::Inspection {
                    window_start: Some(start),
                    window_end: Some(end),
                    ..
                } = d.details
                {
                    ctx.booked_inspections.push(BookedInspection {
                        number: other.number.clone().unwrap_or_default(),
                        units: parse(&other.targets, "对象范围")?,
                        start,
                        end,
                    });
                }
            }
        }
        let m = self.db.typing_measure().await?;
        let measured = Measured {
            tasks: m.tasks.clamp(0, u32::MAX as i64) as u32,
            cells_typed: m.cells_typed.max(0) as u64,
            active_minutes: m.active_ms as f64 / 60_000.0,
        };
        let est = estimate(&demand, &settings, work.as_ref(), Some(&measured));
        let found = findings(&demand, &est, &ctx);
        Ok((est, found))
    }

    /// Prefills the report for every target community as if published,
    /// without writing anything: what would be left to type, and how much
    /// of each element column the register answers.
    async fn trial_prefill(
        &self,
        report: &CompiledReport,
        units: &[OrgUnit],
    ) -> Result<(ReportWork, Vec<Coverage>)> {
        // Trial tasks have no id: nothing typed, added or pinned yet.
        let tasks: Vec<TaskRow> = units
            .iter()
            .map(|u| TaskRow {
                id: 0,
                report_id: 0,
                report_title: String::new(),
                report_period: String::new(),
                report_deadline: String::new(),
                department_id: 0,
                unit_id: u.id,
                unit_name: u.name.clone(),
                unit_path: u.path.clone(),
                status: String::new(),
                cells_total: 0,
                cells_prefilled: 0,
                cells_typed: 0,
                active_ms: 0,
                last_edit_at: None,
                submitted_at: None,
                snapshot: None,
                reviewed_at: None,
                review_comment: None,
            })
            .collect();
        let dict = self.dict();
        let per_unit = self
            .prefill_map(report.clone(), tasks, move |r, g| count_trial(r, &dict, &g))
            .await?;
        let mut work = ReportWork {
            units: units.len() as u32,
            ..ReportWork::default()
        };
        let mut typed: BTreeMap<&str, u64> = BTreeMap::new();
        let mut columns: BTreeMap<usize, (u64, u64)> = BTreeMap::new();
        for c in per_unit {
            work.cells += c.cells;
            work.prefilled += c.prefilled;
            for (k, n) in c.typed {
                *typed.entry(k).or_default() += n;
            }
            for (i, (p, g)) in c.columns {
                let e = columns.entry(i).or_default();
                e.0 += p;
                e.1 += g;
            }
        }
        work.typed_by_type = typed.into_iter().map(|(k, n)| (k.to_string(), n)).collect();
        let coverage = columns
            .into_iter()
            .filter(|(_, (p, g))| p + g > 0)
            .filter_map(|(i, (p, g))| {
                let col = report.def.columns.get(i)?;
                let ColumnSource::Element { element } = &col.source else {
                    return None;
                };
                Some(Coverage {
                    element: element.clone(),
                    label: column_label(report, i),
                    covered: p as f64 / (p + g) as f64,
                })
            })
            .collect();
        Ok((work, coverage))
    }

    /// Elements this report asks for that valid admitted reports (other
    /// than this one: a report admitted again for a new year does not
    /// overlap with itself) already ask for.
    async fn overlaps(
        &self,
        report: &CompiledReport,
        report_id: i64,
        today: &str,
    ) -> Result<Vec<Overlap>> {
        let mut asked: HashMap<String, Vec<String>> = HashMap::new();
        for other in self.db.admitted_of_kind("report", today).await? {
            let (Some(rid), Some(number)) = (other.report_id, &other.number) else {
                continue;
            };
            if rid == report_id {
                continue;
            }
            let Some(r) = self.db.report(rid).await? else {
                continue;
            };
            // A broken old definition must not block judging a new one.
            let Ok(c) = self.compile(&r) else { continue };
            for (_, e) in c.elements() {
                let by = asked.entry(e.to_string()).or_default();
                let label = format!("{number} {}", other.title);
                if !by.contains(&label) {
                    by.push(label);
                }
            }
        }
        let dict = self.dict();
        let mut out: Vec<Overlap> = Vec::new();
        for (i, e) in report.elements() {
            if out.iter().any(|o| o.element == e) {
                continue;
            }
            if let Some(by) = asked.get(e) {
                out.push(Overlap {
                    element: e.to_string(),
                    label: dict
                        .element(e)
                        .map(|x| x.name.clone())
                        .unwrap_or_else(|| column_label(report, i)),
                    asked_by: by.clone(),
                });
            }
        }
        Ok(out)
    }
}

fn column_label(report: &CompiledReport, i: usize) -> String {
    report
        .def
        .columns
        .get(i)
        .and_then(|c| c.path.last())
        .cloned()
        .unwrap_or_default()
}
