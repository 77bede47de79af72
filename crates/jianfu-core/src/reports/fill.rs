//! A report filled from the register: which cells the register already
//! answers (prefilled), which are still missing (gaps a worker fills once),
//! and the counts behind the burden figures.

use super::definition::{ColumnSource, DefinitionError, ReportDef, ReportKind, RowAxis};
use super::expr::{value_text, Expr, Subject};
use crate::dictionary::{Dictionary, ValueType};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// A definition with its expressions compiled once.
#[derive(Debug, Clone)]
pub struct CompiledReport {
    pub def: ReportDef,
    filter: Option<Expr>,
    /// Per column: its computed expression or statistical filter.
    column_exprs: Vec<Option<Expr>>,
    /// Per column: a ratio's denominator.
    denominators: Vec<Option<Expr>>,
}

/// Distinct regular expressions in one report's filters and cells.
pub const MAX_REPORT_PATTERNS: usize = 32;

impl CompiledReport {
    pub fn new(def: ReportDef, dict: &Dictionary) -> Result<CompiledReport, DefinitionError> {
        def.check(dict)?;
        let entity = def.entity.clone();
        let compile = |src: &str| {
            Expr::new(src, dict, &entity).map_err(|e| DefinitionError(vec![e.to_string()]))
        };
        let filter = def.filter.as_deref().map(compile).transpose()?;
        let mut column_exprs = Vec::with_capacity(def.columns.len());
        let mut denominators = Vec::with_capacity(def.columns.len());
        for c in &def.columns {
            let (e, d) = match &c.source {
                ColumnSource::Computed { expr } => (Some(compile(expr)?), None),
                ColumnSource::Count { filter }
                | ColumnSource::CountHouseholds { filter }
                | ColumnSource::Sum { filter, .. } => {
                    (filter.as_deref().map(compile).transpose()?, None)
                }
                ColumnSource::Ratio {
                    numerator,
                    denominator,
                } => (
                    Some(compile(numerator)?),
                    denominator.as_deref().map(compile).transpose()?,
                ),
                _ => (None, None),
            };
            column_exprs.push(e);
            denominators.push(d);
        }
        // Each thread keeps a report's patterns compiled (64 at most): a
        // report with more would compile them again for every resident.
        let mut patterns: Vec<&str> = filter
            .iter()
            .chain(column_exprs.iter().flatten())
            .chain(denominators.iter().flatten())
            .flat_map(|e| e.patterns().iter().map(String::as_str))
            .collect();
        patterns.sort_unstable();
        patterns.dedup();
        if patterns.len() > MAX_REPORT_PATTERNS {
            return Err(DefinitionError(vec![format!(
                "报表的条件中共有 {} 个不同的正则表达式，超出上限（最多 {MAX_REPORT_PATTERNS} 个）",
                patterns.len()
            )]));
        }
        Ok(CompiledReport {
            def,
            filter,
            column_exprs,
            denominators,
        })
    }

    /// Whether the report is about this entity.
    pub fn selects(&self, s: Subject<'_>, on: NaiveDate) -> bool {
        self.filter.as_ref().is_none_or(|f| f.matches(s, on))
    }

    /// Every element of the report's own entity that filling it reads: its
    /// columns, sums and row codes, and the names in its expressions.
    /// Reading only these is what makes a district cheap to fill.
    pub fn read_elements(&self) -> std::collections::BTreeSet<&str> {
        let mut out: std::collections::BTreeSet<&str> = self.read_columns().collect();
        let exprs = self
            .filter
            .iter()
            .chain(self.column_exprs.iter().flatten())
            .chain(self.denominators.iter().flatten());
        for e in exprs {
            out.extend(e.elements());
        }
        // 年龄 is never stored: it is counted from the birth date.
        if out.contains(AGE) {
            out.insert("person.birth_date");
        }
        out
    }

    /// Whether filling the report reads this element at all: in a column,
    /// a filter or a computed cell, a household's element included.
    pub fn reads_element(&self, code: &str) -> bool {
        self.read_elements().contains(code)
            || self
                .filter
                .iter()
                .chain(self.column_exprs.iter().flatten())
                .chain(self.denominators.iter().flatten())
                .any(|e| e.names_household_element(code))
    }

    /// The elements the row filter reads: all a roster needs to know of an
    /// entity it does not list.
    pub fn filter_elements(&self) -> std::collections::BTreeSet<&str> {
        self.filter.iter().flat_map(Expr::elements).collect()
    }

    /// Whether choosing (a roster) or counting (a table) the rows reads
    /// households' facts.
    pub fn selection_reads_household(&self) -> bool {
        let counts = self.def.kind == ReportKind::Statistical;
        self.filter.iter().any(Expr::reads_household)
            || (counts
                && self
                    .column_exprs
                    .iter()
                    .chain(&self.denominators)
                    .flatten()
                    .any(Expr::reads_household))
    }

    /// Whether a column counts the households of a report of persons:
    /// every listed person's household must then be known, facts or not.
    pub fn counts_households(&self) -> bool {
        self.def.entity == "person"
            && self
                .def
                .columns
                .iter()
                .any(|c| matches!(c.source, ColumnSource::CountHouseholds { .. }))
    }

    /// Whether filling the report reads households' facts at all: to
    /// choose or count rows, in a computed cell or in a column.
    pub fn reads_household(&self) -> bool {
        self.counts_households()
            || self.def.entity == "person"
                && (self
                    .filter
                    .iter()
                    .chain(self.column_exprs.iter().flatten())
                    .chain(self.denominators.iter().flatten())
                    .any(Expr::reads_household)
                    || self.read_columns().any(|e| e.starts_with("household.")))
    }

    /// Elements read in columns: shown, summed or rows of the table.
    fn read_columns(&self) -> impl Iterator<Item = &str> {
        self.def
            .columns
            .iter()
            .filter_map(|c| match &c.source {
                ColumnSource::Element { element } | ColumnSource::Sum { element, .. } => {
                    Some(element.as_str())
                }
                _ => None,
            })
            .chain(match &self.def.rows {
                RowAxis::Codes { element } => Some(element.as_str()),
                RowAxis::Units => None,
            })
    }

    /// The register elements the report reads per row (for a roster).
    pub fn elements(&self) -> impl Iterator<Item = (usize, &str)> {
        self.def
            .columns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| match &c.source {
                ColumnSource::Element { element } => Some((i, element.as_str())),
                _ => None,
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellState {
    /// Answered by the register; not editable here.
    Prefilled,
    /// Missing from the register: the worker fills it, once.
    Gap,
    /// Filled in this task; still editable until submission.
    Filled,
    /// A value only this report asks for; editable.
    Manual,
    /// Numbered, computed or not data.
    Fixed,
}

impl CellState {
    pub fn editable(self) -> bool {
        matches!(self, CellState::Gap | CellState::Filled | CellState::Manual)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridCell {
    /// Storage form (code, `1`/`0`, ISO date).
    pub value: String,
    /// What the worker reads (label, 是/否).
    pub display: String,
    pub state: CellState,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridRow {
    /// The entity (roster) or the row key (statistical: unit id or code).
    pub key: String,
    pub label: String,
    pub cells: Vec<GridCell>,
}

/// Cell counts of a filled grid (data columns only).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CellCounts {
    pub cells: usize,
    pub prefilled: usize,
    pub gaps: usize,
    pub filled: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilledGrid {
    pub rows: Vec<GridRow>,
    pub counts: CellCounts,
}

impl FilledGrid {
    fn count(rows: Vec<GridRow>, def: &ReportDef) -> FilledGrid {
        let mut counts = CellCounts::default();
        for r in &rows {
            for (i, c) in r.cells.iter().enumerate() {
                if !def.columns[i].source.is_data() {
                    continue;
                }
                counts.cells += 1;
                match c.state {
                    CellState::Prefilled | CellState::Fixed => counts.prefilled += 1,
                    CellState::Gap => counts.gaps += 1,
                    CellState::Filled => counts.filled += 1,
                    CellState::Manual if c.value.is_empty() => counts.gaps += 1,
                    CellState::Manual => counts.filled += 1,
                }
            }
        }
        FilledGrid { rows, counts }
    }
}

/// One entity offered to a roster.
pub struct RosterEntity<'a> {
    pub id: i64,
    pub label: String,
    pub subject: Subject<'a>,
    /// Added to this task by hand: listed whatever the filter says.
    pub pinned: bool,
}

/// What a task already holds: report-only values and the cells typed in it.
#[derive(Debug, Clone, Default)]
pub struct TaskInputs {
    /// (row key, column) → value of a report-only column.
    pub manual: HashMap<(String, usize), String>,
    /// (entity id, element) typed in this task.
    pub typed: HashSet<(i64, String)>,
}

/// A cell nobody types: numbered, computed, a label or a total.
pub fn fixed(text: String) -> GridCell {
    GridCell {
        value: text.clone(),
        display: text,
        state: CellState::Fixed,
    }
}

/// 年龄: derived from the birth date on the report's reference date.
const AGE: &str = "person.age";

/// The value of an element the register derives rather than stores, for
/// one entity (家庭人口数 arrives with the household's facts, counted by
/// the caller from the register).
pub fn derived_value(element: &str, s: Subject<'_>, on: NaiveDate) -> Option<String> {
    match element {
        AGE => s
            .facts
            .get("person.birth_date")
            .and_then(|d| crate::reports::expr::age_on(d, on))
            .map(|a| a.to_string()),
        _ => None,
    }
}

/// Fills a roster (or a card, one row per entity).
pub fn fill_roster(
    report: &CompiledReport,
    dict: &Dictionary,
    entities: &[RosterEntity<'_>],
    inputs: &TaskInputs,
    on: NaiveDate,
) -> FilledGrid {
    let def = &report.def;
    let mut rows = Vec::new();
    for e in entities {
        if !e.pinned && !report.selects(e.subject, on) {
            continue;
        }
        let key = e.id.to_string();
        let serial = rows.len() + 1;
        let cells = def
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| match &c.source {
                ColumnSource::Serial => fixed(serial.to_string()),
                ColumnSource::Element { element } => {
                    let facts = if element.starts_with("household.") && def.entity == "person" {
                        e.subject.household
                    } else {
                        Some(e.subject.facts)
                    };
                    let stored = facts.and_then(|f| f.get(element)).cloned();
                    match stored.or_else(|| derived_value(element, e.subject, on)) {
                        Some(v) => GridCell {
                            display: dict.display_value(element, &v),
                            value: v,
                            state: if inputs.typed.contains(&(e.id, element.clone())) {
                                CellState::Filled
                            } else {
                                CellState::Prefilled
                            },
                        },
                        None => GridCell {
                            value: String::new(),
                            display: String::new(),
                            state: CellState::Gap,
                        },
                    }
                }
                ColumnSource::Manual => {
                    let v = inputs
                        .manual
                        .get(&(key.clone(), i))
                        .cloned()
                        .unwrap_or_default();
                    GridCell {
                        display: v.clone(),
                        value: v,
                        state: CellState::Manual,
                    }
                }
                ColumnSource::Computed { .. } => {
                    let text = report.column_exprs[i]
                        .as_ref()
                        .and_then(|x| x.eval(e.subject, on).ok())
                        .map(|v| value_text(&v))
                        .unwrap_or_default();
                    fixed(text)
                }
                _ => fixed(String::new()),
            })
            .collect();
        rows.push(GridRow {
            key,
            label: e.label.clone(),
            cells,
        });
    }
    FilledGrid::count(rows, def)
}

/// The entities of one org unit, offered to a statistical table.
pub struct UnitGroup<'a> {
    pub key: String,
    pub label: String,
    pub members: Vec<Subject<'a>>,
}

/// A number as a cell shows it: up to two decimals, no trailing zeros.
pub fn number_text(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Fills a statistical table: one row per unit, or per code of the row
/// element across all the units given; with a 合计 row when there is more
/// than one row.
pub fn fill_statistical(
    report: &CompiledReport,
    dict: &Dictionary,
    units: &[UnitGroup<'_>],
    inputs: &TaskInputs,
    on: NaiveDate,
) -> FilledGrid {
    let def = &report.def;
    let selected: Vec<(usize, Subject<'_>)> = units
        .iter()
        .enumerate()
        .flat_map(|(u, g)| g.members.iter().map(move |s| (u, *s)))
        .filter(|(_, s)| report.selects(*s, on))
        .collect();
    // Row key → the subjects it aggregates.
    let mut row_specs: Vec<(String, String, Vec<Subject<'_>>)> = Vec::new();
    match &def.rows {
        RowAxis::Units => {
            for (u, g) in units.iter().enumerate() {
                let members = selected
                    .iter()
                    .filter(|(i, _)| *i == u)
                    .map(|(_, s)| *s)
                    .collect();
                row_specs.push((g.key.clone(), g.label.clone(), members));
            }
        }
        RowAxis::Codes { element } => {
            let table = dict
                .element(element)
                .and_then(|e| e.code_table.as_deref())
                .and_then(|t| dict.table(t));
            let mut by_code: HashMap<&str, Vec<Subject<'_>>> = HashMap::new();
            for (_, s) in &selected {
                if let Some(v) = s.facts.get(element) {
                    by_code.entry(v.as_str()).or_default().push(*s);
                }
            }
            if let Some(t) = table {
                for (code, label) in &t.values {
                    let members = by_code.remove(code.as_str()).unwrap_or_default();
                    row_specs.push((code.clone(), label.clone(), members));
                }
            }
        }
    }
    if row_specs.len() > 1 {
        let all = selected.iter().map(|(_, s)| *s).collect();
        row_specs.push(("total".into(), "合计".into(), all));
    }
    let mut rows = Vec::with_capacity(row_specs.len());
    for (n, (key, label, members)) in row_specs.iter().enumerate() {
        let is_total = key == "total";
        let cells = def
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let expr = report.column_exprs[i].as_ref();
                let pass = |s: &Subject<'_>| expr.is_none_or(|x| x.matches(*s, on));
                match &c.source {
                    ColumnSource::Serial if is_total => fixed(String::new()),
                    ColumnSource::Serial => fixed((n + 1).to_string()),
                    ColumnSource::RowLabel => fixed(label.clone()),
                    ColumnSource::Count { .. } => {
                        fixed(members.iter().filter(|s| pass(s)).count().to_string())
                    }
                    ColumnSource::CountHouseholds { .. } if def.entity == "household" => {
                        fixed(members.iter().filter(|s| pass(s)).count().to_string())
                    }
                    ColumnSource::CountHouseholds { .. } => {
                        // A household's facts are held once and lent to each
                        // member, so their address tells households apart.
                        let households: std::collections::HashSet<*const super::Facts> = members
                            .iter()
                            .filter(|s| pass(s))
                            .filter_map(|s| s.household)
                            .map(|h| h as *const super::Facts)
                            .collect();
                        fixed(households.len().to_string())
                    }
                    ColumnSource::Sum { element, .. } => {
                        let integer = dict
                            .element(element)
                            .is_some_and(|e| e.value_type == ValueType::Integer);
                        // Not `sum()`: an empty f64 sum is -0.0.
                        let sum = members
                            .iter()
                            .filter(|s| pass(s))
                            .filter_map(|s| s.facts.get(element))
                            .filter_map(|v| v.parse::<f64>().ok())
                            .fold(0.0, |a, b| a + b);
                        fixed(if integer {
                            format!("{sum:.0}")
                        } else {
                            number_text(sum)
                        })
                    }
                    ColumnSource::Ratio { .. } => {
                        let den: Vec<&Subject<'_>> = members
                            .iter()
                            .filter(|s| {
                                report.denominators[i]
                                    .as_ref()
                                    .is_none_or(|d| d.matches(**s, on))
                            })
                            .collect();
                        let num = den.iter().filter(|s| pass(s)).count();
                        // The parts stay in the value so submissions of
                        // several communities can be consolidated exactly.
                        let mut cell = fixed(if den.is_empty() {
                            String::new()
                        } else {
                            format!("{:.1}", num as f64 * 100.0 / den.len() as f64)
                        });
                        cell.value = format!("{num}/{}", den.len());
                        cell
                    }
                    ColumnSource::Manual if !is_total => {
                        let v = inputs
                            .manual
                            .get(&(key.clone(), i))
                            .cloned()
                            .unwrap_or_default();
                        GridCell {
                            display: v.clone(),
                            value: v,
                            state: CellState::Manual,
                        }
                    }
                    ColumnSource::Manual => {
                        // The total of a typed numeric column is the sum of
                        // its rows; text columns have no total.
                        let vals: Vec<f64> = row_specs
                            .iter()
                            .filter(|(k, _, _)| k != "total")
                            .filter_map(|(k, _, _)| inputs.manual.get(&(k.clone(), i)))
                            .filter_map(|v| v.parse::<f64>().ok())
                            .collect();
                        fixed(if vals.is_empty() {
                            String::new()
                        } else {
                            number_text(vals.iter().fold(0.0, |a, b| a + b))
                        })
                    }
                    _ => fixed(String::new()),
                }
            })
            .collect();
        rows.push(GridRow {
            key: key.clone(),
            label: label.clone(),
            cells,
        });
    }
    FilledGrid::count(rows, def)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::definition::{ColumnDef, TemplateLayout};
    use crate::reports::Facts;

    fn dict() -> Dictionary {
        Dictionary::builtin().unwrap()
    }

    fn on() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
    }

    fn col(label: &str, source: ColumnSource) -> ColumnDef {
        ColumnDef {
            path: vec![label.to_string()],
            source,
            left: 0,
            right: 0,
            value_cell: None,
        }
    }

    fn el(code: &str) -> ColumnSource {
        ColumnSource::Element {
            element: code.into(),
        }
    }

    fn facts(pairs: &[(&str, &str)]) -> Facts {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn elderly_roster() -> ReportDef {
        ReportDef {
            title: "60岁以上独居老人花名册".into(),
            kind: ReportKind::Roster,
            entity: "person".into(),
            filter: Some("age >= 60 && elderly_alone == true".into()),
            columns: vec![
                col("序号", ColumnSource::Serial),
                col("姓名", el("person.name")),
                col("民族", el("person.ethnicity")),
                col("联系电话", el("person.phone")),
                col("是否低保", el("household.dibao")),
                col("走访次数", ColumnSource::Manual),
                col("签字", ColumnSource::Blank),
            ],
            rows: RowAxis::Units,
            layout: TemplateLayout::default(),
        }
    }

    #[test]
    fn a_report_names_every_element_it_reads() {
        let mut def = elderly_roster();
        def.columns.push(col(
            "月收入",
            ColumnSource::Computed {
                expr: "annual_income / 12.0".into(),
            },
        ));
        let report = CompiledReport::new(def, &dict()).unwrap();
        let read: Vec<&str> = report.read_elements().into_iter().collect();
        assert_eq!(
            read,
            [
                "household.dibao",
                "person.annual_income",
                "person.birth_date",
                "person.elderly_alone",
                "person.ethnicity",
                "person.name",
                "person.phone"
            ]
        );
    }

    #[test]
    fn a_report_reads_household_elements_named_in_its_expressions() {
        let d = dict();
        let mut def = elderly_roster();
        def.filter = Some("age >= 60 && household.size >= 3".into());
        let report = CompiledReport::new(def, &d).unwrap();
        assert!(report.reads_element("household.size"));
        assert!(report.reads_element("household.dibao"), "a column");
        assert!(report.reads_element("person.birth_date"), "age");
        assert!(!report.reads_element("household.head_name"));
        let report = CompiledReport::new(elderly_roster(), &d).unwrap();
        assert!(!report.reads_element("household.size"));
    }

    #[test]
    fn age_is_counted_from_the_birth_date_not_asked() {
        let d = dict();
        let mut def = elderly_roster();
        def.filter = None;
        def.columns = vec![
            col("姓名", el("person.name")),
            col("年龄", el("person.age")),
        ];
        let report = CompiledReport::new(def, &d).unwrap();
        assert!(report.read_elements().contains("person.birth_date"));
        // The day before and the day of the 76th birthday, and no birth date.
        let a = facts(&[("person.name", "甲"), ("person.birth_date", "1950-11-22")]);
        let b = facts(&[("person.name", "乙"), ("person.birth_date", "1950-11-21")]);
        let c = facts(&[("person.name", "丙")]);
        let entity = |id, f| RosterEntity {
            id,
            label: String::new(),
            subject: Subject {
                facts: f,
                household: None,
            },
            pinned: false,
        };
        let g = fill_roster(
            &report,
            &d,
            &[entity(1, &a), entity(2, &b), entity(3, &c)],
            &TaskInputs::default(),
            on(),
        );
        let ages: Vec<(&str, CellState)> = g
            .rows
            .iter()
            .map(|r| (r.cells[1].value.as_str(), r.cells[1].state))
            .collect();
        assert_eq!(
            ages,
            [
                ("75", CellState::Prefilled),
                ("76", CellState::Prefilled),
                ("", CellState::Gap)
            ]
        );
    }

    #[test]
    fn a_roster_prefills_what_the_register_knows_and_leaves_only_gaps() {
        let d = dict();
        let report = CompiledReport::new(elderly_roster(), &d).unwrap();
        let a = facts(&[
            ("person.name", "张三"),
            ("person.birth_date", "1950-03-01"),
            ("person.elderly_alone", "1"),
            ("person.ethnicity", "01"),
        ]);
        let b = facts(&[
            ("person.name", "李四"),
            ("person.birth_date", "1990-03-01"),
            ("person.elderly_alone", "1"),
        ]);
        let c = facts(&[("person.name", "王五"), ("person.phone", "13800000000")]);
        let hh = facts(&[("household.dibao", "1")]);
        let subject = |f| Subject {
            facts: f,
            household: None,
        };
        let entities = vec![
            RosterEntity {
                id: 1,
                label: "张三".into(),
                subject: Subject {
                    facts: &a,
                    household: Some(&hh),
                },
                pinned: false,
            },
            RosterEntity {
                id: 2,
                label: "李四".into(),
                subject: subject(&b),
                pinned: false,
            },
            // Added by hand in this task: listed although the register does
            // not yet say they are elderly and alone.
            RosterEntity {
                id: 3,
                label: "王五".into(),
                subject: subject(&c),
                pinned: true,
            },
        ];
        let mut inputs = TaskInputs::default();
        inputs.manual.insert(("1".into(), 5), "2".into());
        inputs.typed.insert((3, "person.phone".into()));
        let g = fill_roster(&report, &d, &entities, &inputs, on());
        assert_eq!(g.rows.len(), 2);
        let r0 = &g.rows[0];
        assert_eq!(r0.cells[0].display, "1");
        assert_eq!(r0.cells[1].state, CellState::Prefilled);
        assert_eq!(r0.cells[2].display, "汉族");
        assert_eq!(r0.cells[3].state, CellState::Gap);
        assert_eq!(r0.cells[4].display, "是");
        assert_eq!(r0.cells[5].value, "2");
        let r1 = &g.rows[1];
        assert_eq!(r1.key, "3");
        assert_eq!(r1.cells[0].display, "2");
        assert_eq!(r1.cells[3].state, CellState::Filled);
        assert!(r1.cells[3].state.editable());
        assert!(!r1.cells[1].state.editable());
        // 2 rows × 5 data columns; 序号 and 签字 are not counted.
        assert_eq!(
            g.counts,
            CellCounts {
                cells: 10,
                prefilled: 4,
                gaps: 4,
                filled: 2
            }
        );
    }

    #[test]
    fn a_statistical_table_counts_sums_and_totals_per_unit_and_per_code() {
        let d = dict();
        let def = ReportDef {
            title: "残疾人情况统计表".into(),
            kind: ReportKind::Statistical,
            entity: "person".into(),
            filter: Some("disabled == true".into()),
            columns: vec![
                col("单位", ColumnSource::RowLabel),
                col("残疾人数", ColumnSource::Count { filter: None }),
                col(
                    "其中：持证",
                    ColumnSource::Count {
                        filter: Some("disability_cert != null".into()),
                    },
                ),
                col(
                    "年收入合计",
                    ColumnSource::Sum {
                        element: "person.annual_income".into(),
                        filter: None,
                    },
                ),
                col(
                    "持证率(%)",
                    ColumnSource::Ratio {
                        numerator: "disability_cert != null".into(),
                        denominator: None,
                    },
                ),
            ],
            rows: RowAxis::Units,
            layout: TemplateLayout::default(),
        };
        let report = CompiledReport::new(def.clone(), &d).unwrap();
        let p1 = facts(&[
            ("person.disabled", "1"),
            ("person.disability_cert", "X1"),
            ("person.annual_income", "1000"),
            ("person.disability_category", "1"),
        ]);
        let p2 = facts(&[
            ("person.disabled", "1"),
            ("person.disability_category", "2"),
        ]);
        let p3 = facts(&[("person.disabled", "0"), ("person.annual_income", "9999")]);
        let s = |f| Subject {
            facts: f,
            household: None,
        };
        let units = vec![
            UnitGroup {
                key: "10".into(),
                label: "民主村社区".into(),
                members: vec![s(&p1), s(&p2)],
            },
            UnitGroup {
                key: "11".into(),
                label: "兴隆社区".into(),
                members: vec![s(&p3)],
            },
        ];
        let g = fill_statistical(&report, &d, &units, &TaskInputs::default(), on());
        let texts = |r: &GridRow| {
            r.cells
                .iter()
                .map(|c| c.display.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(texts(&g.rows[0]), ["民主村社区", "2", "1", "1000", "50.0"]);
        assert_eq!(texts(&g.rows[1]), ["兴隆社区", "0", "0", "0", ""]);
        assert_eq!(texts(&g.rows[2]), ["合计", "2", "1", "1000", "50.0"]);

        let mut by_code = def;
        by_code.rows = RowAxis::Codes {
            element: "person.disability_category".into(),
        };
        let report = CompiledReport::new(by_code, &d).unwrap();
        let g = fill_statistical(&report, &d, &units, &TaskInputs::default(), on());
        let first = &g.rows[0];
        assert_eq!(first.key, "1");
        assert_eq!(first.cells[1].display, "1");
        assert_eq!(g.rows.last().unwrap().cells[1].display, "2");
    }

    #[test]
    fn households_are_counted_once_whatever_the_number_of_members() {
        let d = dict();
        let def = ReportDef {
            title: "低保统计".into(),
            kind: ReportKind::Statistical,
            entity: "person".into(),
            filter: None,
            columns: vec![
                col("单位", ColumnSource::RowLabel),
                col(
                    "残疾人数",
                    ColumnSource::Count {
                        filter: Some("disabled == true".into()),
                    },
                ),
                col(
                    "有残疾人的户数",
                    ColumnSource::CountHouseholds {
                        filter: Some("disabled == true".into()),
                    },
                ),
                col("总户数", ColumnSource::CountHouseholds { filter: None }),
            ],
            rows: RowAxis::Units,
            layout: TemplateLayout::default(),
        };
        let report = CompiledReport::new(def, &d).unwrap();
        assert!(report.counts_households() && report.reads_household());
        let (h1, h2) = (facts(&[]), facts(&[]));
        let disabled = facts(&[("person.disabled", "1")]);
        let able = facts(&[("person.disabled", "0")]);
        let members = vec![
            // Two disabled members of one household, one of another, a
            // member of the second who is not, and a person in no household.
            Subject {
                facts: &disabled,
                household: Some(&h1),
            },
            Subject {
                facts: &disabled,
                household: Some(&h1),
            },
            Subject {
                facts: &disabled,
                household: Some(&h2),
            },
            Subject {
                facts: &able,
                household: Some(&h2),
            },
            Subject {
                facts: &disabled,
                household: None,
            },
        ];
        let units = vec![UnitGroup {
            key: "10".into(),
            label: "民主村社区".into(),
            members,
        }];
        let g = fill_statistical(&report, &d, &units, &TaskInputs::default(), on());
        let texts: Vec<_> = g.rows[0].cells.iter().map(|c| c.display.clone()).collect();
        assert_eq!(texts, ["民主村社区", "4", "2", "2"]);
    }

    #[test]
    fn definitions_that_do_not_fit_are_refused_with_every_problem_named() {
        let d = dict();
        let mut def = elderly_roster();
        def.filter = Some("age >=".into());
        def.columns
            .push(col("人数", ColumnSource::Count { filter: None }));
        def.columns.push(col("鞋码", el("person.shoe_size")));
        let err = CompiledReport::new(def, &d).unwrap_err().to_string();
        assert!(err.contains("筛选条件"), "{err}");
        assert!(err.contains("花名册不能使用这种列"), "{err}");
        assert!(err.contains("person.shoe_size"), "{err}");
    }

    #[test]
    fn a_column_must_belong_to_the_rows_entity() {
        let d = dict();
        // A person's ID number on a household's row would land on the
        // household (attack review).
        let mut def = elderly_roster();
        def.entity = "household".into();
        def.filter = None;
        def.columns = vec![
            col("户地址", el("household.address")),
            col("身份证号", el("person.id_number")),
        ];
        let err = CompiledReport::new(def, &d).unwrap_err().to_string();
        assert!(
            err.contains("person.id_number") && err.contains("不属于"),
            "{err}"
        );
        // A person's report may show its household's facts.
        let mut def = elderly_roster();
        def.columns.push(col("户地址", el("household.address")));
        assert!(CompiledReport::new(def, &d).is_ok());
    }

    #[test]
    fn a_report_with_more_patterns_than_a_thread_keeps_is_refused() {
        let d = dict();
        let mut def = elderly_roster();
        def.filter = Some(
            (0..8)
                .map(|i| format!("name.matches('^a{i}')"))
                .collect::<Vec<_>>()
                .join(" || "),
        );
        for c in 0..4 {
            def.columns.push(ColumnDef {
                path: vec![format!("计算{c}")],
                source: ColumnSource::Computed {
                    expr: (0..8)
                        .map(|i| format!("name.matches('^b{c}x{i}')"))
                        .collect::<Vec<_>>()
                        .join(" || "),
                },
                left: 0,
                right: 0,
                value_cell: None,
            });
        }
        let err = CompiledReport::new(def, &d).unwrap_err().to_string();
        assert!(err.contains("40 个不同的正则表达式"), "{err}");
    }
}
