//! Prefilling every task of a report at once: each community's register
//! read and filled, several at a time on every core. Publication runs
//! it so each task carries its cell counts (the burden estimate: how many
//! cells the register answers and how many are left to type) from the
//! start, and a department can refresh them for the whole district.

use super::fill_counts_changed;
use crate::{App, AppError, CurrentUser, Result};
use jianfu_core::reports::{CompiledReport, FilledGrid};
use jianfu_store::TaskRow;
use serde::Serialize;
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
        let counts = self
            .prefill_map(report, tasks.clone(), |_, g| g.counts)
            .await?;
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

    /// Fills the report for each task from the register, a few
    /// communities at once, and keeps what `f` takes of each grid, in the
    /// tasks' order. Nothing is written.
    pub(crate) async fn prefill_map<T: Send + 'static>(
        &self,
        report: CompiledReport,
        tasks: Vec<TaskRow>,
        f: impl Fn(&CompiledReport, FilledGrid) -> T + Send + Sync + 'static,
    ) -> Result<Vec<T>> {
        let report = Arc::new(report);
        let f = Arc::new(f);
        // A few communities at once: while one community's rows are read
        // (on its connection's thread), another's are filled.
        let workers = std::thread::available_parallelism()
            .map(|n| n.get() + 1)
            .unwrap_or(2)
            .clamp(2, 4);
        let permits = Arc::new(Semaphore::new(workers));
        let mut running = JoinSet::new();
        for (i, t) in tasks.into_iter().enumerate() {
            let (app, report, permits, f) =
                (self.clone(), report.clone(), permits.clone(), f.clone());
            running.spawn(async move {
                let _permit = permits
                    .acquire_owned()
                    .await
                    .map_err(|e| AppError::Invalid(format!("预填中断：{e}")))?;
                let grid = app.register_grid(&t, report.clone()).await?;
                Ok::<_, AppError>((i, f(&report, grid)))
            });
        }
        let mut out: Vec<Option<T>> = Vec::new();
        while let Some(done) = running.join_next().await {
            let (i, v) = done.map_err(|e| AppError::Invalid(format!("预填中断：{e}")))??;
            if out.len() <= i {
                out.resize_with(i + 1, || None);
            }
            out[i] = Some(v);
        }
        out.into_iter()
            .map(|v| v.ok_or_else(|| AppError::Invalid("预填中断：缺少结果".into())))
            .collect()
    }
}
