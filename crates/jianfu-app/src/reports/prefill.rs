//! Prefilling every task of a report at once: each community's register
//! read and filled, several at a time on every core. Publication runs
//! it so each task carries its cell counts (the burden estimate: how many
//! cells the register answers and how many are left to type) from the
//! start, and a department can refresh them for the whole district.

use super::{fill_counts_changed, fill_task, reads_household, today};
use crate::{App, AppError, CurrentUser, Result};
use jianfu_core::reports::{CellCounts, CompiledReport, ReportKind, TaskInputs};
use jianfu_store::{EntityFacts, TaskRow};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// What prefilling a report's tasks found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PrefillSummary {
    pub tasks: usize,
    /// Data cells over all tasks.
    pub cells: usize,
    /// Of them, answered by the register.
    pub prefilled: usize,
    /// Of them, still to be typed by the communities.
    pub gaps: usize,
}

/// Per task, the inputs that do not come from the register.
struct TaskExtras {
    inputs: TaskInputs,
    pinned: HashSet<i64>,
}

impl App {
    /// Prefills every task of a report and stores each task's cell counts.
    /// Only the owning department (or the 减负办) may run it.
    pub async fn prefill_report(
        &self,
        actor: &CurrentUser,
        id: i64,
        ip: Option<String>,
    ) -> Result<PrefillSummary> {
        let report = self.owned_report(actor, id, ip).await?;
        let compiled = self.compile(&report)?;
        let tasks = self.db.tasks_of_report(id).await?;
        self.prefill_tasks(compiled, tasks).await
    }

    pub(crate) async fn prefill_tasks(
        &self,
        report: CompiledReport,
        tasks: Vec<TaskRow>,
    ) -> Result<PrefillSummary> {
        if tasks.is_empty() {
            return Ok(PrefillSummary::default());
        }
        let report = Arc::new(report);
        let households_too = reads_household(&report);
        let wanted = Arc::new(super::wanted(&report));
        let dict = self.dict();
        let on = today();
        // One community at a time per worker: while one community's rows
        // are read, another's are filled, and each worker has its own
        // connection.
        let workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 4);
        let permits = Arc::new(Semaphore::new(workers));
        let mut running = JoinSet::new();
        for (i, t) in tasks.iter().enumerate() {
            let (app, t) = (self.clone(), t.clone());
            let (report, wanted, dict, permits) = (
                report.clone(),
                wanted.clone(),
                dict.clone(),
                permits.clone(),
            );
            running.spawn(async move {
                let _permit = permits
                    .acquire_owned()
                    .await
                    .map_err(|e| AppError::Invalid(format!("预填中断：{e}")))?;
                let packs = app
                    .db
                    .entity_packs(&report.def.entity, &t.unit_path)
                    .await?;
                let household_packs = if households_too {
                    app.db.household_packs_of_persons(&t.unit_path).await?
                } else {
                    Vec::new()
                };
                let extras = app.task_extras(&report, &t).await?;
                let counts = tokio::task::spawn_blocking(move || {
                    let mut entities = Vec::new();
                    for p in &packs {
                        entities.extend(p.unpack(Some(&wanted))?);
                    }
                    let mut households = HashMap::new();
                    for p in &household_packs {
                        households.extend(p.unpack(None)?.into_iter().map(|h| (h.id, h.facts)));
                    }
                    entities.sort_unstable_by_key(|e| e.id);
                    let members: Vec<&EntityFacts> = entities.iter().collect();
                    let grid = fill_task(
                        &report,
                        &dict,
                        &t,
                        &members,
                        &households,
                        &extras.inputs,
                        &extras.pinned,
                        on,
                    );
                    Ok::<_, AppError>(grid.counts)
                })
                .await
                .map_err(|e| AppError::Invalid(format!("预填计算中断：{e}")))??;
                Ok::<_, AppError>((i, counts))
            });
        }
        let mut counts = vec![CellCounts::default(); tasks.len()];
        while let Some(done) = running.join_next().await {
            let (i, c) = done.map_err(|e| AppError::Invalid(format!("预填中断：{e}")))??;
            counts[i] = c;
        }
        let mut summary = PrefillSummary {
            tasks: tasks.len(),
            ..PrefillSummary::default()
        };
        let mut tx = self.db.begin().await?;
        for (t, c) in tasks.iter().zip(&counts) {
            summary.cells += c.cells;
            summary.prefilled += c.prefilled;
            summary.gaps += c.gaps;
            if fill_counts_changed(t, c) {
                jianfu_store::Db::set_task_counts_tx(
                    &mut tx,
                    t.id,
                    c.cells as i64,
                    c.prefilled as i64,
                )
                .await?;
            }
        }
        tx.commit().await.map_err(jianfu_store::StoreError::from)?;
        Ok(summary)
    }

    /// What a task holds besides the register: report-only values, the
    /// elements typed in it, and the rows added by hand.
    async fn task_extras(&self, report: &CompiledReport, t: &TaskRow) -> Result<TaskExtras> {
        let statistical = report.def.kind == ReportKind::Statistical;
        Ok(TaskExtras {
            inputs: TaskInputs {
                manual: self.db.task_cells(t.id).await?,
                typed: if statistical {
                    HashSet::new()
                } else {
                    self.db.typed_elements(t.id).await?.into_iter().collect()
                },
            },
            pinned: if statistical {
                HashSet::new()
            } else {
                self.db.task_rows(t.id).await?.into_iter().collect()
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(path: &str) -> TaskRow {
        TaskRow {
            id: 1,
            report_id: 1,
            report_title: String::new(),
            report_period: String::new(),
            report_deadline: String::new(),
            department_id: 1,
            unit_id: 1,
            unit_name: String::new(),
            unit_path: path.into(),
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
        }
    }
}
