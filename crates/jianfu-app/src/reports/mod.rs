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
mod prefill;
mod repeats;
mod review;
mod rows;

pub use design::{NewReportInput, Published, TemplateProposal};
pub use export::ExportFormat;
pub use fill::{CellSaved, TaskView};
pub use prefill::PrefillSummary;
pub use review::{Consolidation, Difference};
pub use rows::{HouseholdChoice, NewRowPerson};

use crate::{App, AppError, CurrentUser, Result};
use jianfu_core::reports::{
    fill_roster, fill_statistical, fixed, CellState, ColumnSource, CompiledReport, FilledGrid,
    GridCell, GridRow, ReportDef, ReportKind, RosterEntity, RowAxis, Subject, TaskInputs,
    UnitGroup,
};
use jianfu_core::role::Role;
use jianfu_store::{EntityFacts, ReportRow, TaskRow};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Whether the stored cell counts of a task are out of date.
pub(crate) fn fill_counts_changed(task: &TaskRow, c: &jianfu_core::reports::CellCounts) -> bool {
    task.cells_total != c.cells as i64 || task.cells_prefilled != c.prefilled as i64
}

/// One task's report filled from its community's entities: pure, so the
/// whole district can be filled on every core at once.
#[allow(clippy::too_many_arguments)]
pub(crate) fn fill_task(
    report: &CompiledReport,
    dict: &jianfu_core::dictionary::Dictionary,
    task: &TaskRow,
    entities: &[&EntityFacts],
    households: &HashMap<i64, HashMap<String, String>>,
    inputs: &TaskInputs,
    pinned: &HashSet<i64>,
    on: chrono::NaiveDate,
) -> FilledGrid {
    fn subject<'a>(
        e: &'a EntityFacts,
        households: &'a HashMap<i64, HashMap<String, String>>,
    ) -> Subject<'a> {
        Subject {
            facts: &e.facts,
            household: e.household_id.and_then(|h| households.get(&h)),
        }
    }
    if report.def.kind == ReportKind::Statistical {
        let group = UnitGroup {
            key: task.unit_id.to_string(),
            label: task.unit_name.clone(),
            members: entities.iter().map(|e| subject(e, households)).collect(),
        };
        return fill_statistical(report, dict, &[group], inputs, on);
    }
    let offered: Vec<RosterEntity<'_>> = entities
        .iter()
        .map(|e| RosterEntity {
            id: e.id,
            label: e.name.clone(),
            subject: subject(e, households),
            pinned: pinned.contains(&e.id),
        })
        .collect();
    fill_roster(report, dict, &offered, inputs, on)
}

/// Runs CPU work on the blocking pool.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Invalid(format!("报表计算中断：{e}")))?
}

/// The elements to read of each entity for this report.
pub(crate) fn wanted(report: &CompiledReport) -> jianfu_store::codec::Wanted {
    jianfu_store::codec::Wanted::new(&report.def.entity, report.read_elements())
}

pub(crate) use crate::today;

/// 家庭人口数: counted from the members, never stored.
const HOUSEHOLD_SIZE: &str = "household.size";
/// 户主姓名 and 户主身份证号: the member recorded as 本人 or 户主, unless
/// the household's own record (an import, a department's data) says.
const HEAD_NAME: &str = "household.head_name";
const HEAD_ID_NUMBER: &str = "household.head_id_number";

/// What a report needs derived of households from their members.
#[derive(Debug, Clone, Copy, Default)]
struct HouseholdDerivation {
    size: bool,
    head: bool,
}

impl HouseholdDerivation {
    /// What the report reads: in a column or in an expression.
    fn of(report: &CompiledReport) -> Self {
        HouseholdDerivation {
            size: report.reads_element(HOUSEHOLD_SIZE),
            head: report.reads_element(HEAD_NAME) || report.reads_element(HEAD_ID_NUMBER),
        }
    }

    fn any(self) -> bool {
        self.size || self.head
    }
}

/// Household facts derived from the members, by household.
type DerivedHouseholds = HashMap<i64, Vec<(&'static str, String)>>;

/// Adds a household's derived facts: the size over anything typed there
/// before sizes were derived, the head only where nothing was recorded.
fn apply_derived(
    facts: &mut HashMap<String, String>,
    derived: Option<&Vec<(&'static str, String)>>,
) {
    for (code, value) in derived.into_iter().flatten() {
        if *code == HOUSEHOLD_SIZE {
            facts.insert(code.to_string(), value.clone());
        } else {
            facts
                .entry(code.to_string())
                .or_insert_with(|| value.clone());
        }
    }
}

/// A report that reads an element, as the dictionary shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReportUse {
    pub id: i64,
    pub title: String,
    pub department: String,
    pub status: String,
}

impl App {
    /// The reports that read an element: ask for it, count or sum it, or
    /// filter on it. Titles and departments only; nothing personal.
    pub async fn reports_reading(&self, code: &str) -> Result<Vec<ReportUse>> {
        let mut out = Vec::new();
        for r in self.db.reports(None).await? {
            // A report whose definition no longer compiles reads nothing.
            let Ok(c) = self.compile(&r) else { continue };
            if c.reads_element(code) {
                out.push(ReportUse {
                    id: r.id,
                    title: r.title,
                    department: r.department,
                    status: r.status,
                });
            }
        }
        Ok(out)
    }

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
            // Only the number: another department's title is its own.
            return Err(AppError::Forbidden(format!("报表 {id} 不是本部门的报表")));
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

    /// The task's report filled from the register as it is now, masked
    /// as everything shown is.
    pub(crate) async fn live_grid(
        &self,
        task: &TaskRow,
        report: &CompiledReport,
    ) -> Result<FilledGrid> {
        let mut grid = self.register_grid(task, Arc::new(report.clone())).await?;
        self.mask_grid(&report.def, &mut grid);
        Ok(grid)
    }

    /// The task's report filled from the register, unmasked: what the
    /// grid shows and what the burden counts are taken from. The CPU work
    /// runs off the async threads.
    pub(crate) async fn register_grid(
        &self,
        task: &TaskRow,
        report: Arc<CompiledReport>,
    ) -> Result<FilledGrid> {
        let def = &report.def;
        let statistical = def.kind == ReportKind::Statistical;
        let packs = self.db.entity_packs(&def.entity, &task.unit_path).await?;
        let inputs = TaskInputs {
            manual: self.db.task_cells(task.id).await?,
            typed: if statistical {
                HashSet::new()
            } else {
                self.db.typed_elements(task.id).await?.into_iter().collect()
            },
        };
        let pinned: Arc<HashSet<i64>> = Arc::new(if statistical {
            HashSet::new()
        } else {
            self.db.task_rows(task.id).await?.into_iter().collect()
        });
        let households_too = report.reads_household();
        // When only the columns read a household, the rows are chosen
        // first and only their households are read: a roster lists a few
        // of a community's thousands.
        let select_first = households_too && !report.selection_reads_household();
        let on = today();
        let (r, p) = (report.clone(), pinned.clone());
        // A roster whose filter reads no household judges each entity on
        // the filter's elements alone; only the rows it lists are decoded
        // whole.
        let filter_first = !statistical
            && !report.selection_reads_household()
            && !report.filter_elements().is_empty();
        let entities = blocking(move || {
            let wanted = wanted(&r);
            let mut entities = Vec::new();
            if filter_first {
                let first = jianfu_store::codec::Wanted::new(&r.def.entity, r.filter_elements());
                for pack in &packs {
                    entities.extend(pack.unpack_where(&first, &wanted, |id, facts| {
                        p.contains(&id)
                            || r.selects(
                                Subject {
                                    facts,
                                    household: None,
                                },
                                on,
                            )
                    })?);
                }
            } else {
                for pack in &packs {
                    entities.extend(pack.unpack(Some(&wanted))?);
                }
                if select_first {
                    entities.retain(|e| {
                        p.contains(&e.id)
                            || r.selects(
                                Subject {
                                    facts: &e.facts,
                                    household: None,
                                },
                                on,
                            )
                    });
                }
            }
            entities.sort_unstable_by_key(|e| e.id);
            Ok(entities)
        })
        .await?;
        let (households, household_packs) = match (households_too, select_first) {
            (false, _) => (HashMap::new(), Vec::new()),
            (true, true) => {
                let ids: Vec<i64> = entities
                    .iter()
                    .filter_map(|e| e.household_id)
                    .collect::<HashSet<_>>()
                    .into_iter()
                    .collect();
                (self.db.values_of("household", &ids).await?, Vec::new())
            }
            (true, false) => (
                HashMap::new(),
                self.db.household_packs_of_persons(&task.unit_path).await?,
            ),
        };
        let derivation = HouseholdDerivation::of(&report);
        let derived = if derivation.any() {
            let ids: HashSet<i64> = if def.entity == "household" {
                entities.iter().map(|e| e.id).collect()
            } else {
                entities.iter().filter_map(|e| e.household_id).collect()
            };
            self.derive_households(derivation, &ids.into_iter().collect::<Vec<_>>())
                .await?
        } else {
            HashMap::new()
        };
        let (dict, task) = (self.dict(), task.clone());
        blocking(move || {
            let mut households = households;
            let mut entities = entities;
            for pack in &household_packs {
                households.extend(pack.unpack(None)?.into_iter().map(|h| (h.id, h.facts)));
            }
            if report.def.entity == "household" {
                for e in &mut entities {
                    apply_derived(&mut e.facts, derived.get(&e.id));
                }
            } else {
                for (id, values) in &derived {
                    apply_derived(households.entry(*id).or_default(), Some(values));
                }
                if report.counts_households() {
                    // A household the register holds no fact of is still a
                    // household to count.
                    for e in &entities {
                        if let Some(h) = e.household_id {
                            households.entry(h).or_default();
                        }
                    }
                }
            }
            let members: Vec<&EntityFacts> = entities.iter().collect();
            Ok(fill_task(
                &report,
                &dict,
                &task,
                &members,
                &households,
                &inputs,
                &pinned,
                on,
            ))
        })
        .await
    }

    /// What `what` asks of these households, derived from their members:
    /// one read of the members when the head is wanted (its rows give the
    /// size too), a count alone otherwise.
    async fn derive_households(
        &self,
        what: HouseholdDerivation,
        ids: &[i64],
    ) -> Result<DerivedHouseholds> {
        let mut out = DerivedHouseholds::new();
        if what.head {
            let members = self.db.household_member_relations(ids).await?;
            if what.size {
                let mut sizes: HashMap<i64, usize> = HashMap::new();
                for m in &members {
                    *sizes.entry(m.household_id).or_default() += 1;
                }
                for (id, n) in sizes {
                    out.entry(id)
                        .or_default()
                        .push((HOUSEHOLD_SIZE, n.to_string()));
                }
            }
            for (id, head) in crate::register::heads_of(members) {
                let facts = out.entry(id).or_default();
                facts.push((HEAD_NAME, head.name));
                facts.push((HEAD_ID_NUMBER, head.id_number));
            }
        } else if what.size {
            for (id, n) in self.db.household_sizes(ids).await? {
                out.entry(id)
                    .or_default()
                    .push((HOUSEHOLD_SIZE, n.to_string()));
            }
        }
        Ok(out)
    }

    /// One row of the task as it stands, read without the rest of the
    /// community: what a cell save checks. `None` if the row is not in the
    /// report (another community's resident, or one the filter leaves out).
    pub(crate) async fn live_row(
        &self,
        task: &TaskRow,
        report: &CompiledReport,
        row_key: &str,
    ) -> Result<Option<GridRow>> {
        let def = &report.def;
        let manual = self.db.task_cells(task.id).await?;
        if def.kind == ReportKind::Statistical {
            // Only report-only cells are typed in a statistical table, and
            // its rows are the community (or the row element's codes).
            let known = match &def.rows {
                RowAxis::Units => row_key == task.unit_id.to_string(),
                RowAxis::Codes { element } => self
                    .dict()
                    .element(element)
                    .and_then(|e| e.code_table.clone())
                    .and_then(|t| self.dict().table(&t).map(|t| t.label(row_key).is_some()))
                    .unwrap_or(false),
            };
            if !known {
                return Ok(None);
            }
            let cells = def
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| match c.source {
                    ColumnSource::Manual => {
                        let v = manual
                            .get(&(row_key.to_string(), i))
                            .cloned()
                            .unwrap_or_default();
                        GridCell {
                            display: v.clone(),
                            value: v,
                            state: CellState::Manual,
                        }
                    }
                    _ => fixed(String::new()),
                })
                .collect();
            return Ok(Some(GridRow {
                key: row_key.to_string(),
                label: task.unit_name.clone(),
                cells,
            }));
        }
        let Ok(id) = row_key.parse::<i64>() else {
            return Ok(None);
        };
        let (unit_id, household_id, name) = match def.entity.as_str() {
            "person" => match self.db.person(id).await? {
                Some(p) => (p.unit_id, p.household_id, p.name),
                None => return Ok(None),
            },
            _ => match self.db.household_unit(id).await? {
                Some(u) => (u, Some(id), String::new()),
                None => return Ok(None),
            },
        };
        let in_task = match self.db.unit(unit_id).await? {
            Some(u) => jianfu_core::scope::contains(&task.unit_path, &u.path),
            None => false,
        };
        if !in_task {
            return Ok(None);
        }
        let facts = self
            .db
            .values_of(&def.entity, &[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        let mut facts = facts;
        let mut households = match household_id {
            Some(h) if report.reads_household() => self.db.values_of("household", &[h]).await?,
            _ => HashMap::new(),
        };
        let derivation = HouseholdDerivation::of(report);
        if let (Some(h), true) = (household_id, derivation.any()) {
            let derived = self.derive_households(derivation, &[h]).await?;
            let facts = if def.entity == "household" {
                &mut facts
            } else {
                households.entry(h).or_default()
            };
            apply_derived(facts, derived.get(&h));
        }
        let inputs = TaskInputs {
            manual,
            typed: self
                .db
                .typed_elements(task.id)
                .await?
                .into_iter()
                .filter(|(e, _)| *e == id)
                .collect(),
        };
        let pinned = self.db.task_rows(task.id).await?.contains(&id);
        let entity = RosterEntity {
            id,
            label: name,
            subject: Subject {
                facts: &facts,
                household: household_id.and_then(|h| households.get(&h)),
            },
            pinned,
        };
        let mut grid = fill_roster(report, &self.dict(), &[entity], &inputs, today());
        self.mask_grid(def, &mut grid);
        Ok(grid.rows.pop())
    }

    /// ID and phone numbers leave the service masked, in grids as anywhere,
    /// by the one rule (`Element::masked`).
    fn mask_grid(&self, def: &ReportDef, grid: &mut FilledGrid) {
        let dict = self.dict();
        let elements: Vec<Option<&jianfu_core::dictionary::Element>> = def
            .columns
            .iter()
            .map(|c| match &c.source {
                jianfu_core::reports::ColumnSource::Element { element } => dict.element(element),
                _ => None,
            })
            .collect();
        for row in &mut grid.rows {
            for (cell, el) in row.cells.iter_mut().zip(&elements) {
                if let Some(m) = el.and_then(|e| e.masked(&cell.value)) {
                    cell.value = m.clone();
                    cell.display = m;
                }
            }
        }
    }
}
