//! The department's side: each community's status, returning a submission
//! with a comment or accepting (and so locking) it, the result consolidated
//! across communities from what they submitted, and the facts that changed
//! in the register since.

use crate::{App, AppError, CurrentUser, Result};
use jianfu_core::reports::{
    fixed, number_text, CellState, ColumnSource, GridRow, ReportDef, ReportKind,
};
use jianfu_store::{ReportRow, TaskRow};
use serde::Serialize;
use std::collections::HashMap;

/// A submitted cell whose register value changed after submission.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    pub task_id: i64,
    pub unit: String,
    pub row: String,
    pub column: String,
    pub submitted: String,
    pub now: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Consolidation {
    pub report: ReportRow,
    pub definition: ReportDef,
    pub tasks: Vec<TaskRow>,
    /// Rows from every submitted or accepted task, in community order.
    pub rows: Vec<GridRow>,
    /// For a roster or card: the community each row came from.
    pub row_units: Vec<String>,
    pub differences: Vec<Difference>,
}

fn submitted(t: &TaskRow) -> bool {
    t.status == "已提交" || t.status == "已接收"
}

/// Adds numbers written as text; a ratio cell carries `num/den`.
fn add_cell(acc: &mut (f64, f64, bool), value: &str) {
    if let Some((n, d)) = value.split_once('/') {
        if let (Ok(n), Ok(d)) = (n.parse::<f64>(), d.parse::<f64>()) {
            acc.0 += n;
            acc.1 += d;
            acc.2 = true;
        }
    } else if let Ok(v) = value.parse::<f64>() {
        acc.0 += v;
    }
}

/// Statistical rows of several communities summed by row key, with a
/// 合计 row; ratios are recomputed from their summed parts.
fn sum_statistical(def: &ReportDef, parts: Vec<Vec<GridRow>>) -> Vec<GridRow> {
    let mut order: Vec<(String, String)> = Vec::new();
    let mut sums: HashMap<String, Vec<(f64, f64, bool)>> = HashMap::new();
    let width = def.columns.len();
    for rows in &parts {
        for r in rows.iter().filter(|r| r.key != "total") {
            let acc = sums.entry(r.key.clone()).or_insert_with(|| {
                order.push((r.key.clone(), r.label.clone()));
                vec![(0.0, 0.0, false); width]
            });
            for (i, c) in r.cells.iter().enumerate().take(width) {
                add_cell(&mut acc[i], &c.value);
            }
        }
    }
    let mut total = vec![(0.0, 0.0, false); width];
    let mut out = Vec::new();
    let render = |key: &str, label: &str, n: usize, acc: &[(f64, f64, bool)]| GridRow {
        key: key.to_string(),
        label: label.to_string(),
        cells: def
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| match &c.source {
                ColumnSource::Serial if key == "total" => fixed(String::new()),
                ColumnSource::Serial => fixed(n.to_string()),
                ColumnSource::RowLabel => fixed(label.to_string()),
                ColumnSource::Ratio { .. } => {
                    let (num, den, _) = acc[i];
                    let mut cell = fixed(if den > 0.0 {
                        format!("{:.1}", num * 100.0 / den)
                    } else {
                        String::new()
                    });
                    cell.value = format!("{num}/{den}");
                    cell
                }
                ColumnSource::Count { .. }
                | ColumnSource::CountHouseholds { .. }
                | ColumnSource::Sum { .. }
                | ColumnSource::Manual => fixed(number_text(acc[i].0)),
                _ => fixed(String::new()),
            })
            .collect(),
    };
    for (n, (key, label)) in order.iter().enumerate() {
        let acc = &sums[key];
        for (t, a) in total.iter_mut().zip(acc) {
            t.0 += a.0;
            t.1 += a.1;
        }
        out.push(render(key, label, n + 1, acc));
    }
    if out.len() > 1 {
        out.push(render("total", "合计", 0, &total));
    }
    out
}

impl App {
    /// Returns a submitted task to its community with a comment; it can be
    /// edited and submitted again.
    pub async fn return_task(
        &self,
        actor: &CurrentUser,
        id: i64,
        comment: &str,
        ip: Option<String>,
    ) -> Result<()> {
        let task = self.visible_task(actor, id, ip.clone()).await?;
        self.owned_report(actor, task.report_id, ip.clone()).await?;
        let comment = comment.trim();
        if jianfu_core::text::is_blank(comment) {
            return Err(AppError::Invalid("退回时请写明原因".into()));
        }
        if !self
            .db
            .move_task(id, &["已提交"], "退回", actor.id, None, Some(comment))
            .await?
        {
            return Err(AppError::Invalid(format!(
                "只有已提交的任务可以退回（当前：{}）",
                task.status
            )));
        }
        self.refresh_ledger(crate::monitoring::LedgerSource::Report(task.report_id))
            .await?;
        self.audit(
            Some(actor),
            "task.return",
            Some(format!("task:{id}")),
            "ok",
            Some(format!("退回“{}”：{comment}", task.unit_name)),
            ip,
        )
        .await
    }

    /// Accepts a submission; it is locked from then on.
    pub async fn accept_task(
        &self,
        actor: &CurrentUser,
        id: i64,
        ip: Option<String>,
    ) -> Result<()> {
        let task = self.visible_task(actor, id, ip.clone()).await?;
        self.owned_report(actor, task.report_id, ip.clone()).await?;
        if !self
            .db
            .move_task(id, &["已提交"], "已接收", actor.id, None, None)
            .await?
        {
            return Err(AppError::Invalid(format!(
                "只有已提交的任务可以接收（当前：{}）",
                task.status
            )));
        }
        self.refresh_ledger(crate::monitoring::LedgerSource::Report(task.report_id))
            .await?;
        self.audit(
            Some(actor),
            "task.accept",
            Some(format!("task:{id}")),
            "ok",
            Some(format!("接收“{}”的填报", task.unit_name)),
            ip,
        )
        .await
    }

    /// A township's view of one report: the tasks of its own communities,
    /// in the order of the org tree (never sorted by progress: the five
    /// don'ts forbid ranking communities). A township may open each task
    /// read-only; it sees no other township's communities.
    pub async fn township_report(
        &self,
        actor: &CurrentUser,
        report_id: i64,
        ip: Option<String>,
    ) -> Result<(ReportRow, ReportDef, Vec<TaskRow>)> {
        let target = format!("report:{report_id}");
        if actor.role != jianfu_core::role::Role::Township {
            return Err(self
                .deny(actor, &target, "只有街镇可以查看本辖区的报表进度", ip)
                .await);
        }
        let mut tasks: Vec<TaskRow> = self
            .db
            .tasks_in_scope(&actor.scope.path)
            .await?
            .into_iter()
            .filter(|t| t.report_id == report_id)
            .collect();
        let report = match self.db.report(report_id).await? {
            Some(r) if !tasks.is_empty() => r,
            // The same answer whether the report exists or not: its title
            // belongs to its department.
            _ => {
                return Err(self
                    .deny(
                        actor,
                        &target,
                        &format!("报表 {report_id} 没有下发到本辖区的村（社区）"),
                        ip,
                    )
                    .await)
            }
        };
        tasks.sort_by(|a, b| a.unit_path.cmp(&b.unit_path));
        let def = self.parse_definition(&report)?;
        Ok((report, def, tasks))
    }

    /// The submitted rows of one task, as submitted.
    pub(crate) fn snapshot_rows(&self, task: &TaskRow) -> Result<Vec<GridRow>> {
        match &task.snapshot {
            Some(s) => serde_json::from_str(s)
                .map_err(|e| AppError::Invalid(format!("“{}”的提交结果损坏：{e}", task.unit_name))),
            None => Ok(Vec::new()),
        }
    }

    /// Every community's status and the result consolidated from their
    /// submissions, with the register values that changed since.
    pub async fn consolidation(
        &self,
        actor: &CurrentUser,
        report_id: i64,
        ip: Option<String>,
    ) -> Result<Consolidation> {
        let report = self.owned_report(actor, report_id, ip.clone()).await?;
        let compiled = self.compile(&report)?;
        let tasks = self.db.tasks_of_report(report_id).await?;
        let mut parts = Vec::new();
        let mut row_units = Vec::new();
        let mut differences = Vec::new();
        for t in tasks.iter().filter(|t| submitted(t)) {
            let rows = self.snapshot_rows(t)?;
            if compiled.def.kind != ReportKind::Statistical {
                row_units.extend(std::iter::repeat_n(t.unit_name.clone(), rows.len()));
            }
            let live = self.live_grid(t, &compiled).await?;
            let now: HashMap<&str, &GridRow> =
                live.rows.iter().map(|r| (r.key.as_str(), r)).collect();
            for r in &rows {
                let Some(l) = now.get(r.key.as_str()) else {
                    if compiled.def.kind != ReportKind::Statistical {
                        differences.push(Difference {
                            task_id: t.id,
                            unit: t.unit_name.clone(),
                            row: r.label.clone(),
                            column: String::new(),
                            submitted: "在册".into(),
                            now: "已不符合报表条件".into(),
                        });
                    }
                    continue;
                };
                for (i, (a, b)) in r.cells.iter().zip(&l.cells).enumerate() {
                    if a.value != b.value && a.state != CellState::Fixed
                        || a.value != b.value
                            && compiled.def.kind == ReportKind::Statistical
                            && compiled.def.columns[i].source.is_data()
                    {
                        differences.push(Difference {
                            task_id: t.id,
                            unit: t.unit_name.clone(),
                            row: r.label.clone(),
                            column: compiled.def.columns[i].label(),
                            submitted: a.display.clone(),
                            now: b.display.clone(),
                        });
                    }
                }
            }
            parts.push(rows);
        }
        let rows = if compiled.def.kind == ReportKind::Statistical {
            sum_statistical(&compiled.def, parts)
        } else {
            let mut all: Vec<GridRow> = parts.into_iter().flatten().collect();
            for (n, r) in all.iter_mut().enumerate() {
                for (c, col) in r.cells.iter_mut().zip(&compiled.def.columns) {
                    if col.source == ColumnSource::Serial {
                        *c = fixed((n + 1).to_string());
                    }
                }
            }
            all
        };
        self.audit(
            Some(actor),
            "report.consolidate",
            Some(format!("report:{report_id}")),
            "ok",
            Some(format!("查看“{}”汇总", report.title)),
            ip,
        )
        .await?;
        Ok(Consolidation {
            definition: compiled.def.clone(),
            report,
            tasks,
            rows,
            row_units,
            differences,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jianfu_core::reports::{ColumnDef, RowAxis, TemplateLayout};

    fn row(key: &str, label: &str, values: &[&str]) -> GridRow {
        GridRow {
            key: key.into(),
            label: label.into(),
            cells: values.iter().map(|v| fixed(v.to_string())).collect(),
        }
    }

    #[test]
    fn statistical_submissions_sum_by_row_and_ratios_from_their_parts() {
        let col = |source| ColumnDef {
            path: vec!["x".into()],
            source,
            left: 0,
            right: 0,
            value_cell: None,
        };
        let def = ReportDef {
            title: "t".into(),
            kind: ReportKind::Statistical,
            entity: "person".into(),
            filter: None,
            columns: vec![
                col(ColumnSource::RowLabel),
                col(ColumnSource::Count { filter: None }),
                col(ColumnSource::Ratio {
                    numerator: "true".into(),
                    denominator: None,
                }),
            ],
            rows: RowAxis::Units,
            layout: TemplateLayout::default(),
        };
        let a = vec![row("1", "甲社区", &["甲社区", "3", "1/4"])];
        let b = vec![row("2", "乙社区", &["乙社区", "5", "3/4"])];
        let out = sum_statistical(&def, vec![a, b]);
        assert_eq!(out.len(), 3);
        let total = &out[2];
        assert_eq!(total.label, "合计");
        assert_eq!(total.cells[1].display, "8");
        assert_eq!(total.cells[2].display, "50.0");
    }
}
