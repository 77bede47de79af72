//! 一表通 reports as services: designing a report from a department's
//! template (`design`), publishing it as one task per community and filling
//! only the gaps (`fill`), submission, review and consolidation (`review`),
//! and export in the template's layout (`export`).
//!
//! Who may do what:
//! - a department (or the 减负办) designs, publishes, reviews and exports
//!   its own reports;
//! - a community worker fills the tasks of their community;
//! - a township sees the status and results of its communities' tasks.

mod design;
mod export;
mod fill;
mod review;

pub use design::{NewReportInput, TemplateProposal};
pub use export::ExportFormat;
pub use fill::{CellSaved, TaskView};
pub use review::{Consolidation, Difference};

use crate::{App, AppError, CurrentUser, Result};
use jianfu_core::reports::{
    fill_roster, fill_statistical, CompiledReport, FilledGrid, ReportDef, ReportKind, RosterEntity,
    Subject, TaskInputs, UnitGroup,
};
use jianfu_core::role::Role;
use jianfu_store::{ReportRow, TaskRow};
use std::collections::{HashMap, HashSet};

/// Whether the stored cell counts of a task are out of date.
pub(crate) fn fill_counts_changed(task: &TaskRow, c: &jianfu_core::reports::CellCounts) -> bool {
    task.cells_total != c.cells as i64 || task.cells_prefilled != c.prefilled as i64
}

/// Today's date: the reference date of ages in filters.
pub(crate) fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

impl App {
    pub(crate) fn parse_definition(&self, row: &ReportRow) -> Result<ReportDef> {
        serde_json::from_str(&row.definition)
            .map_err(|e| AppError::Invalid(format!("报表“{}”的定义损坏：{e}", row.title)))
    }

    pub(crate) fn compile(&self, row: &ReportRow) -> Result<CompiledReport> {
        let def = self.parse_definition(row)?;
        CompiledReport::new(def, &self.dict()).map_err(|e| AppError::Invalid(e.to_string()))
    }

    /// The report, if the actor's department owns it (or the actor is the
    /// 减负办, which oversees every report).
    pub(crate) async fn owned_report(
        &self,
        actor: &CurrentUser,
        id: i64,
        ip: Option<String>,
    ) -> Result<ReportRow> {
        let r = self
            .db
            .report(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("报表 {id}")))?;
        let owns = match actor.role {
            Role::Department => r.department_id == actor.unit.id,
            Role::Jianfuban => true,
            _ => false,
        };
        if !owns {
            self.audit(
                Some(actor),
                "access.denied",
                Some(format!("report:{id}")),
                "denied",
                Some(format!("无权管理报表“{}”", r.title)),
                ip,
            )
            .await?;
            return Err(AppError::Forbidden(format!(
                "报表“{}”不是本部门的报表",
                r.title
            )));
        }
        Ok(r)
    }

    /// The task, if it lies in the actor's scope (its community, the
    /// township above it) or belongs to the actor's department's report.
    pub(crate) async fn visible_task(
        &self,
        actor: &CurrentUser,
        id: i64,
        ip: Option<String>,
    ) -> Result<TaskRow> {
        let t = self
            .db
            .task(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("填报任务 {id}")))?;
        let in_scope = jianfu_core::scope::contains(&actor.scope.path, &t.unit_path);
        let ok = match actor.role {
            Role::Community | Role::Township | Role::Grid => in_scope,
            Role::Department => t.department_id == actor.unit.id,
            Role::Jianfuban => true,
            Role::Admin => false,
        };
        if !ok {
            self.audit(
                Some(actor),
                "access.denied",
                Some(format!("task:{id}")),
                "denied",
                Some(format!("越权访问“{}”的填报任务", t.unit_name)),
                ip,
            )
            .await?;
            return Err(AppError::Forbidden(format!(
                "“{}”的填报任务不在您的管辖范围内",
                t.unit_name
            )));
        }
        Ok(t)
    }

    /// The task's report filled from the register as it is now.
    pub(crate) async fn live_grid(
        &self,
        task: &TaskRow,
        report: &CompiledReport,
    ) -> Result<FilledGrid> {
        let dict = self.dict();
        let def = &report.def;
        let entities = self
            .db
            .entities_in_scope(&def.entity, &task.unit_path)
            .await?;
        let wants_household = def.entity == "person"
            && (def.filter.as_deref().is_some_and(|f| f.contains("household"))
                || report
                    .elements()
                    .any(|(_, e)| e.starts_with("household."))
                || def.columns.iter().any(|c| {
                    matches!(&c.source, jianfu_core::reports::ColumnSource::Computed { expr } if expr.contains("household"))
                }));
        let households = if wants_household {
            let ids: Vec<i64> = entities
                .iter()
                .filter_map(|e| e.household_id)
                .collect::<HashSet<_>>()
                .into_iter()
                .collect();
            self.db.values_of("household", &ids).await?
        } else {
            HashMap::new()
        };
        fn subject<'a>(
            e: &'a jianfu_store::EntityFacts,
            households: &'a HashMap<i64, HashMap<String, String>>,
        ) -> Subject<'a> {
            Subject {
                facts: &e.facts,
                household: e.household_id.and_then(|h| households.get(&h)),
            }
        }
        let mut inputs = TaskInputs {
            manual: self.db.task_cells(task.id).await?,
            typed: HashSet::new(),
        };
        if def.kind == ReportKind::Statistical {
            let group = UnitGroup {
                key: task.unit_id.to_string(),
                label: task.unit_name.clone(),
                members: entities.iter().map(|e| subject(e, &households)).collect(),
            };
            return Ok(fill_statistical(report, &dict, &[group], &inputs, today()));
        }
        inputs.typed = self.db.typed_elements(task.id).await?.into_iter().collect();
        let pinned: HashSet<i64> = self.db.task_rows(task.id).await?.into_iter().collect();
        let offered: Vec<RosterEntity<'_>> = entities
            .iter()
            .map(|e| RosterEntity {
                id: e.id,
                label: e.name.clone(),
                subject: subject(e, &households),
                pinned: pinned.contains(&e.id),
            })
            .collect();
        let mut grid = fill_roster(report, &dict, &offered, &inputs, today());
        self.mask_grid(def, &mut grid);
        Ok(grid)
    }

    /// ID and phone numbers leave the service masked, in grids as anywhere.
    fn mask_grid(&self, def: &ReportDef, grid: &mut FilledGrid) {
        let dict = self.dict();
        let masked: Vec<Option<jianfu_core::dictionary::ValueType>> = def
            .columns
            .iter()
            .map(|c| match &c.source {
                jianfu_core::reports::ColumnSource::Element { element } => {
                    dict.element(element).map(|e| e.value_type).filter(|t| {
                        matches!(
                            t,
                            jianfu_core::dictionary::ValueType::IdNumber
                                | jianfu_core::dictionary::ValueType::Phone
                        )
                    })
                }
                _ => None,
            })
            .collect();
        for row in &mut grid.rows {
            for (cell, t) in row.cells.iter_mut().zip(&masked) {
                if let (Some(t), false) = (t, cell.value.is_empty()) {
                    let m = match t {
                        jianfu_core::dictionary::ValueType::Phone => {
                            jianfu_core::mask::phone(&cell.value)
                        }
                        _ => jianfu_core::mask::id_number(&cell.value),
                    };
                    cell.value = m.clone();
                    cell.display = m;
                }
            }
        }
    }
}
