//! Filling a task: the report prefilled from the register, gap cells saved
//! one by one as facts (source 手工, with their author) so no later report
//! asks for them again, rows added for persons the register lacks, and the
//! submission with its snapshot.

use super::today;
use crate::register::write::{write_entities, EntityWrite, WriteContext};
use crate::{App, AppError, CurrentUser, Result};
use jianfu_core::reports::{CellCounts, ColumnSource, FilledGrid, GridCell, ReportDef};
use jianfu_core::role::Role;
use jianfu_store::{Db, ReportRow, TaskRow};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct TaskView {
    pub task: TaskRow,
    pub report: ReportRow,
    pub definition: ReportDef,
    pub grid: FilledGrid,
    /// Whether the actor may type into it now.
    pub editable: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct CellSaved {
    pub cell: GridCell,
    pub counts: CellCounts,
    /// The value someone else saved since the page was loaded, which this
    /// save replaced (kept in the register's history).
    pub replaced: Option<String>,
}

const OPEN: [&str; 3] = ["未开始", "填报中", "退回"];

impl App {
    pub(super) fn may_fill(&self, actor: &CurrentUser, task: &TaskRow) -> bool {
        matches!(actor.role, Role::Community | Role::Grid)
            && jianfu_core::scope::contains(&actor.scope.path, &task.unit_path)
            && OPEN.contains(&task.status.as_str())
    }

    pub(super) async fn task_and_report(
        &self,
        actor: &CurrentUser,
        id: i64,
        ip: Option<String>,
    ) -> Result<(TaskRow, ReportRow)> {
        let task = self.visible_task(actor, id, ip).await?;
        let report = self
            .db
            .report(task.report_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("报表 {}", task.report_id)))?;
        Ok((task, report))
    }

    /// Tasks in the actor's scope (a community's own, a township's
    /// communities'), open ones first.
    pub async fn tasks_for(&self, actor: &CurrentUser) -> Result<Vec<TaskRow>> {
        match actor.role {
            Role::Community | Role::Grid | Role::Township => {
                Ok(self.db.tasks_in_scope(&actor.scope.path).await?)
            }
            _ => Ok(Vec::new()),
        }
    }

    /// Opens a task: the report prefilled from the register. Opening shows
    /// personal data of the listed residents, so it is audited.
    pub async fn open_task(
        &self,
        actor: &CurrentUser,
        id: i64,
        ip: Option<String>,
    ) -> Result<TaskView> {
        let (task, report) = self.task_and_report(actor, id, ip.clone()).await?;
        let compiled = self.compile(&report)?;
        let grid = self.live_grid(&task, &compiled).await?;
        if super::fill_counts_changed(&task, &grid.counts) {
            self.db
                .set_task_counts(
                    task.id,
                    grid.counts.cells as i64,
                    grid.counts.prefilled as i64,
                )
                .await?;
        }
        self.audit(
            Some(actor),
            "task.open",
            Some(format!("task:{id}")),
            "ok",
            Some(format!("打开“{}”的“{}”", task.unit_name, report.title)),
            ip,
        )
        .await?;
        let editable = self.may_fill(actor, &task);
        Ok(TaskView {
            task,
            report,
            definition: compiled.def.clone(),
            grid,
            editable,
        })
    }

    /// Saves one typed cell. A register element becomes a fact of the row's
    /// person (or household) with source 手工; a report-only column is kept
    /// with the task. The value is checked first; nothing is written if it
    /// is wrong. `seen` is the value the worker's page showed, to tell them
    /// when someone else changed the cell meanwhile (last writer wins; the
    /// register keeps both in the history).
    #[allow(clippy::too_many_arguments)]
    pub async fn save_task_cell(
        &self,
        actor: &CurrentUser,
        id: i64,
        row_key: &str,
        col: usize,
        raw: &str,
        seen: Option<&str>,
        ip: Option<String>,
    ) -> Result<CellSaved> {
        let (task, report) = self.task_and_report(actor, id, ip.clone()).await?;
        if !self.may_fill(actor, &task) {
            return Err(AppError::Forbidden(format!(
                "任务状态为“{}”，不能修改",
                task.status
            )));
        }
        let compiled = self.compile(&report)?;
        let def = &compiled.def;
        let column = def
            .columns
            .get(col)
            .ok_or_else(|| AppError::Invalid(format!("第{}列不存在", col + 1)))?;
        let label = column.label();
        // Only this row is read to check the cell, not the whole community.
        let row = self
            .live_row(&task, &compiled, row_key)
            .await?
            .ok_or_else(|| AppError::Invalid(format!("第“{row_key}”行不在本报表中")))?;
        let who = row.label.clone();
        let current = &row.cells[col];
        if !current.state.editable() {
            return Err(AppError::Invalid(format!(
                "“{label}”已由登记数据填好，不需要填写；如有错误请在居民信息中更正"
            )));
        }
        let raw = raw.trim();
        let mut tx = self.db.begin().await?;
        Db::begin_task_edit(&mut tx, task.id).await?;
        // What the cell holds now, read after the lock: what another
        // person saved since this page was loaded is seen here.
        let differs = |now: Option<&str>| -> Option<String> {
            let now = now.unwrap_or("");
            let seen = seen?;
            let masked = [
                jianfu_core::mask::phone(now),
                jianfu_core::mask::id_number(now),
            ];
            (seen != now && !masked.iter().any(|m| m == seen)).then(|| now.to_string())
        };
        let replaced;
        let element = match &column.source {
            ColumnSource::Element { element } => {
                let dict = self.dict();
                let el = dict
                    .element(element)
                    .ok_or_else(|| AppError::Invalid(format!("指标“{element}”不存在")))?;
                if crate::register::DERIVED_ELEMENTS.contains(&element.as_str()) {
                    let how = if element.starts_with("household.") {
                        "由户成员派生：请在居民信息中登记所属家庭户"
                    } else {
                        "由身份证号派生：请在居民信息中更正身份证号"
                    };
                    return Err(AppError::Invalid(format!(
                        "“{label}”（{who}）{how}，不能在报表中填写"
                    )));
                }
                // Clearing is allowed only for a value typed in this task
                // (undoing a paste); a gap stays a gap.
                let stored = if raw.is_empty() {
                    if current.state != jianfu_core::reports::CellState::Filled {
                        return Err(AppError::Invalid(format!(
                            "“{label}”（{who}）为空，未保存；不清楚时可先跳过，稍后再填"
                        )));
                    }
                    String::new()
                } else {
                    dict.check_value(el, raw, today())
                        .map_err(|e| AppError::Invalid(format!("“{label}”（{who}）：{e}")))?
                        .to_storage()
                };
                let person_id: i64 = row_key
                    .parse()
                    .map_err(|_| AppError::Invalid(format!("行“{row_key}”无效")))?;
                let (entity_type, entity_id) = if element.starts_with("household.")
                    && def.entity == "person"
                {
                    let p = self
                        .db
                        .person(person_id)
                        .await?
                        .ok_or_else(|| AppError::NotFound(format!("居民 {person_id}")))?;
                    let h = p.household_id.ok_or_else(|| {
                        AppError::Invalid(format!("该居民尚未登记所属家庭户，无法填写“{label}”"))
                    })?;
                    ("household", h)
                } else if def.entity == "household" {
                    ("household", person_id)
                } else {
                    ("person", person_id)
                };
                let docs = Db::current_docs(&mut tx, entity_type, &[entity_id]).await?;
                replaced = differs(
                    docs.get(&entity_id)
                        .and_then(|d| d.get(element))
                        .map(|c| c.v.as_str()),
                )
                .map(|v| crate::register::shown(&dict, element, &v).0);
                let mut values = BTreeMap::new();
                values.insert(element.clone(), stored);
                write_entities(
                    &mut tx,
                    &WriteContext::manual(actor.id, today()),
                    &[EntityWrite {
                        entity_type: if entity_type == "person" {
                            "person"
                        } else {
                            "household"
                        },
                        entity_id,
                        derived: Vec::new(),
                        values,
                        tag: 0,
                    }],
                )
                .await?;
                Some(element.clone())
            }
            ColumnSource::Manual => {
                replaced = differs(
                    Db::task_cell(&mut tx, task.id, row_key, col as i64)
                        .await?
                        .as_deref(),
                );
                Db::put_task_cell(&mut tx, task.id, row_key, col as i64, raw, actor.id).await?;
                None
            }
            _ => {
                return Err(AppError::Invalid(format!("“{label}”不需要填写")));
            }
        };
        Db::record_task_edit(
            &mut tx,
            task.id,
            row_key,
            col as i64,
            element.as_deref(),
            raw,
            actor.id,
        )
        .await?;
        tx.commit().await.map_err(jianfu_store::StoreError::from)?;
        self.audit(
            Some(actor),
            "task.cell",
            Some(format!("task:{id}")),
            "ok",
            Some(format!("填写“{label}”")),
            ip,
        )
        .await?;
        let after = self.live_grid(&task, &compiled).await?;
        let cell = after
            .rows
            .iter()
            .find(|r| r.key == row_key)
            .map(|r| r.cells[col].clone())
            .ok_or_else(|| AppError::Invalid("保存后该行不再属于本报表".into()))?;
        Ok(CellSaved {
            cell,
            counts: after.counts,
            replaced,
        })
    }

    /// Submits a task: the grid as it is now is kept as the submitted
    /// result. Gaps may remain; the count is returned so the page can say
    /// so.
    pub async fn submit_task(
        &self,
        actor: &CurrentUser,
        id: i64,
        ip: Option<String>,
    ) -> Result<usize> {
        let (task, report) = self.task_and_report(actor, id, ip.clone()).await?;
        if !self.may_fill(actor, &task) {
            return Err(AppError::Forbidden(format!(
                "任务状态为“{}”，不能提交",
                task.status
            )));
        }
        let compiled = self.compile(&report)?;
        let grid = self.live_grid(&task, &compiled).await?;
        let snapshot = serde_json::to_string(&grid.rows)
            .map_err(|e| AppError::Invalid(format!("无法保存提交结果：{e}")))?;
        self.db
            .set_task_counts(
                task.id,
                grid.counts.cells as i64,
                grid.counts.prefilled as i64,
            )
            .await?;
        if !self
            .db
            .move_task(task.id, &OPEN, "已提交", actor.id, Some(&snapshot), None)
            .await?
        {
            return Err(AppError::Invalid(
                "任务已被他人提交或状态已变化，请刷新".into(),
            ));
        }
        // Submitted time is measured time: the ledger takes it now.
        self.refresh_ledger(crate::monitoring::LedgerSource::Report(task.report_id))
            .await?;
        self.audit(
            Some(actor),
            "task.submit",
            Some(format!("task:{id}")),
            "ok",
            Some(format!(
                "提交“{}”（{}个单元格，空缺{}个）",
                report.title, grid.counts.cells, grid.counts.gaps
            )),
            ip,
        )
        .await?;
        Ok(grid.counts.gaps)
    }

    /// Takes a submission back to correct it, while the department has not
    /// yet accepted or returned it. Only the community that submitted it.
    pub async fn withdraw_task(
        &self,
        actor: &CurrentUser,
        id: i64,
        ip: Option<String>,
    ) -> Result<()> {
        let (task, report) = self.task_and_report(actor, id, ip.clone()).await?;
        let own = matches!(actor.role, Role::Community | Role::Grid)
            && jianfu_core::scope::contains(&actor.scope.path, &task.unit_path);
        if !own {
            return Err(AppError::Forbidden("只有提交的村（社区）可以撤回".into()));
        }
        if task.status != "已提交" || !self.db.withdraw_task(task.id).await? {
            return Err(AppError::Invalid(format!(
                "任务状态为“{}”，部门已处理，不能撤回",
                task.status
            )));
        }
        self.refresh_ledger(crate::monitoring::LedgerSource::Report(task.report_id))
            .await?;
        self.audit(
            Some(actor),
            "task.withdraw",
            Some(format!("task:{id}")),
            "ok",
            Some(format!("撤回“{}”的提交", report.title)),
            ip,
        )
        .await
    }
}
