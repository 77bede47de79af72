//! Checking every row and writing the file in one transaction, in a
//! single streaming pass: rows are checked and written a chunk at a time,
//! and the transaction is rolled back for a dry run or when atomic mode met
//! a bad row. Memory stays flat with the file's size except for one 8-byte
//! key per ID number, kept to find duplicates within the file.

use super::households::{HouseholdGrouper, RowHousehold};
use super::mapping::Mapping;
use super::table::Table;
use crate::register::{
    derived_person_facts, encode_new_entity, store_new_entities, write_entities, EncodedEntity,
    EntityWrite, Flag, NewGroup, Source, WriteContext,
};
use crate::{auth::CurrentUser, App, AppError, Result};
use jianfu_core::dictionary::EntityType;
use jianfu_core::id_number::IdNumber;
use jianfu_core::org::OrgKind;
use jianfu_store::{now_ms, Db, ImportCounts, NewImport, NewPersonRow, OrgUnit, RegisteredPerson};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Any bad row and nothing is written.
    Atomic,
    /// Good rows are written, bad rows are listed for download.
    SkipInvalid,
}

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub file_name: String,
    /// The community (村社区) the residents belong to.
    pub community_id: i64,
    pub source: Source,
    /// The department whose export this is, for source 共享.
    pub department_id: Option<i64>,
    pub mode: ImportMode,
    pub dry_run: bool,
    pub today: chrono::NaiveDate,
    /// The caller owns the database (the command line, not the server): a
    /// SQLite import may then write without the WAL while nothing else has
    /// the database open (see `Db::begin_bulk`).
    pub exclusive: bool,
}

/// A row that cannot be imported, and why. Rows are numbered as the
/// spreadsheet shows them (1-based).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.column.is_empty() {
            write!(f, "第{}行：{}", self.row, self.reason)
        } else {
            write!(f, "第{}行“{}”列：{}", self.row, self.column, self.reason)
        }
    }
}

/// A typed value that contradicts a derived one; it is not written.
#[derive(Debug, Clone, Serialize)]
pub struct RowFlag {
    pub row: usize,
    pub column: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub rows_total: usize,
    pub rows_valid: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub facts_written: usize,
    pub conflicts: usize,
    pub merge_candidates: usize,
    /// Rows refused, counted in full even when `errors` was capped.
    pub rows_rejected: usize,
    pub errors: Vec<RowError>,
    pub flags: Vec<RowFlag>,
    pub committed: bool,
    pub import_id: Option<i64>,
    /// Written with the database to itself (no WAL; see
    /// `ImportOptions::exclusive`).
    pub exclusive: bool,
}

impl ImportReport {
    /// Number of distinct rows with at least one error.
    pub fn rejected_rows(&self) -> usize {
        self.rows_rejected
    }
}

/// A row that passed every check, with what it would write if the person
/// is new (built on the reading thread).
struct CheckedRow {
    row: usize,
    id_number: IdNumber,
    /// Person values: (index into the plan's columns, storage value), in
    /// code order.
    values: Vec<(usize, String)>,
    /// Household values this row gives first (later rows of the same
    /// household repeat them or are refused).
    household_values: Vec<(usize, String)>,
    name: Option<String>,
    /// The household this row belongs to (see [`super::households`]).
    household_ref: Option<String>,
    encoded: EncodedEntity,
}

/// The mapping resolved against the dictionary once per file: the mapped
/// columns in element-code order (a code mapped twice keeps its last
/// column, as a later cell would overwrite an earlier one).
struct Plan {
    id_index: usize,
    id_label: String,
    columns: Vec<PlanColumn>,
}

struct PlanColumn {
    index: usize,
    code: String,
    label: String,
    /// A household element (户主姓名, 家庭年收入, 是否低保户…).
    household: bool,
}

impl Plan {
    fn code(&self, i: usize) -> &str {
        &self.columns[i].code
    }

    fn label_of(&self, code: &str) -> Option<&str> {
        self.columns
            .iter()
            .find(|c| c.code == code)
            .map(|c| c.label.as_str())
    }

    fn values_map(&self, values: &[(usize, String)]) -> BTreeMap<String, String> {
        values
            .iter()
            .map(|(i, v)| (self.code(*i).to_string(), v.clone()))
            .collect()
    }
}

/// What the reading thread hands the writer: checked rows and the errors
/// found in the same stretch of the file.
#[derive(Default)]
struct Batch {
    rows: Vec<CheckedRow>,
    errors: Vec<RowError>,
    error_rows: usize,
    rows_total: usize,
    /// Only on the last batch: checks that need the whole file.
    flags: Vec<RowFlag>,
}

/// Rows checked and written together; large enough to amortise round
/// trips, small enough to keep memory flat.
const CHUNK: usize = 5_000;
/// Row errors kept in the report; the count goes on past it.
const MAX_ERRORS: usize = 10_000;

/// An ID number as a u64 (17 digits and the check character as 0–10), so a
/// million of them take 8 MB rather than a String each.
fn id_key(id: &IdNumber) -> u64 {
    let s = id.as_str().as_bytes();
    let body = s[..17]
        .iter()
        .fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'));
    let check = if s[17] == b'X' {
        10
    } else {
        u64::from(s[17] - b'0')
    };
    body * 11 + check
}

/// One data row after the header: its 1-based sheet row and its cells.
pub type DataRow = (usize, Vec<String>);

/// The cells of a row in one buffer (a `Vec<String>` would be one
/// allocation per cell, twenty million for a million-row file).
type Cells = csv::StringRecord;

/// Data rows of a UTF-8 CSV file as records, read as a stream; cells are
/// trimmed.
fn csv_records(
    path: &std::path::Path,
    header_row: usize,
) -> Result<impl Iterator<Item = Result<(usize, Cells)>>> {
    let name = path.display().to_string();
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| AppError::Invalid(format!("无法打开 {name}：{e}")))?;
    Ok(reader
        .into_records()
        .enumerate()
        .skip(header_row + 1)
        .map(move |(i, rec)| {
            let rec = rec.map_err(|e| {
                AppError::Invalid(format!("{name} 第{}行不是有效的 UTF-8 CSV：{e}", i + 1))
            })?;
            Ok((i + 1, rec))
        }))
}

/// Data rows of a UTF-8 CSV file, read as a stream.
pub fn csv_rows(
    path: &std::path::Path,
    header_row: usize,
) -> Result<impl Iterator<Item = Result<DataRow>>> {
    Ok(csv_records(path, header_row)?
        .map(|r| r.map(|(n, rec)| (n, rec.iter().map(str::to_string).collect()))))
}

struct Prepared {
    plan: Arc<Plan>,
    community: OrgUnit,
    community_units: Vec<i64>,
}

/// Batches in flight between the reading thread and the writer: one being
/// written, one ready, one being filled.
const BATCHES_IN_FLIGHT: usize = 2;

/// Everything the reading thread needs, owned so it can leave the task.
struct Reader {
    dict: Arc<jianfu_core::dictionary::Dictionary>,
    plan: Arc<Plan>,
    ctx: WriteContext,
    source: Source,
    department_id: Option<i64>,
    today: chrono::NaiveDate,
}

impl Reader {
    /// Checks one row against the dictionary and builds what it would write
    /// for a new person.
    fn check_row(
        &self,
        (excel_row, row): &(usize, Cells),
    ) -> std::result::Result<CheckedRow, Vec<RowError>> {
        let plan = &*self.plan;
        let cell = |idx: usize| row.get(idx).unwrap_or("");
        let mut errors = Vec::new();
        let raw_id = cell(plan.id_index);
        let id = match IdNumber::parse(raw_id, self.today) {
            Ok(id) => Some(id),
            Err(e) => {
                errors.push(RowError {
                    row: *excel_row,
                    column: plan.id_label.clone(),
                    reason: if raw_id.trim().is_empty() {
                        "身份证号为空".into()
                    } else {
                        e.to_string()
                    },
                });
                None
            }
        };
        let mut values = Vec::with_capacity(plan.columns.len());
        let mut household_values = Vec::new();
        for (i, c) in plan.columns.iter().enumerate() {
            let raw = cell(c.index);
            if raw.trim().is_empty() {
                continue;
            }
            let Some(el) = self.dict.element(&c.code) else {
                continue;
            };
            match self.dict.check_value(el, raw, self.today) {
                Ok(v) if c.household => household_values.push((i, v.to_storage())),
                Ok(v) => values.push((i, v.to_storage())),
                Err(e) => errors.push(RowError {
                    row: *excel_row,
                    column: c.label.clone(),
                    reason: e.to_string(),
                }),
            }
        }
        let id_number = match id {
            Some(id) if errors.is_empty() => id,
            _ => return Err(errors),
        };
        let find = |code: &str| {
            values
                .iter()
                .find(|(i, _)| plan.code(*i) == code)
                .map(|(_, v)| v.clone())
        };
        let name = find("person.name");
        let derived = derived_person_facts(&id_number);
        let derived: Vec<(&str, &str)> = derived.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut typed: Vec<(&str, &str)> = values
            .iter()
            .map(|(i, v)| (plan.code(*i), v.as_str()))
            .collect();
        typed.push(("person.id_number", id_number.as_str()));
        let encoded = encode_new_entity(
            "person",
            &self.ctx,
            &derived,
            &[NewGroup {
                source: self.source,
                department_id: self.department_id,
                values: &typed,
            }],
            0,
        );
        Ok(CheckedRow {
            row: *excel_row,
            id_number,
            values,
            household_values,
            name,
            household_ref: None,
            encoded,
        })
    }

    /// Finds the row's household and keeps the household values it gives
    /// first; a row that cannot be placed, or whose household values
    /// disagree with an earlier row's, is refused.
    fn place_household(
        &self,
        grouper: &mut HouseholdGrouper,
        r: &mut CheckedRow,
    ) -> std::result::Result<(), RowError> {
        let plan = &*self.plan;
        let refuse = |column: &str, reason: String| RowError {
            row: r.row,
            column: column.to_string(),
            reason,
        };
        let person = |code: &str| {
            r.values
                .iter()
                .find(|(i, _)| plan.code(*i) == code)
                .map(|(_, v)| v.as_str())
        };
        let household = |code: &str| {
            r.household_values
                .iter()
                .find(|(i, _)| plan.code(*i) == code)
                .map(|(_, v)| v.as_str())
        };
        let placed = grouper.place(
            r.row,
            RowHousehold {
                household_ref: person("person.household_id"),
                head_id: household("household.head_id_number"),
                head_name: household("household.head_name"),
                relation: person("person.relation_to_head"),
                own_id: r.id_number.as_str(),
                own_name: r.name.as_deref(),
            },
        );
        let key = match placed {
            Ok(Some(key)) => key,
            Ok(None) if r.household_values.is_empty() => return Ok(()),
            Ok(None) => {
                return Err(refuse(
                    "",
                    "无法确定所属户：户号、户主身份证号、户主姓名和与户主关系都为空".into(),
                ))
            }
            Err(reason) => return Err(refuse("", reason)),
        };
        let mut given: Vec<(usize, String)> = Vec::new();
        for (i, v) in std::mem::take(&mut r.household_values) {
            // 家庭人口数 is derived from the members, never stored as typed.
            if plan.code(i) == "household.size" {
                grouper.typed_size(&key, r.row, &v);
            } else {
                given.push((i, v));
            }
        }
        let pairs: Vec<(&str, &str)> = given
            .iter()
            .map(|(i, v)| (plan.code(*i), v.as_str()))
            .collect();
        let fresh = grouper
            .new_values(&key, r.row, &pairs)
            .map_err(|(k, reason)| refuse(&plan.columns[given[k].0].label, reason))?;
        r.household_values = fresh.into_iter().map(|k| given[k].clone()).collect();
        grouper.admit(&key);
        r.household_ref = Some(key);
        Ok(())
    }

    /// Reads and checks the whole file, sending a batch every `CHUNK` good
    /// rows. Stops early when the writer has gone (it failed).
    fn run(
        self,
        rows: impl Iterator<Item = Result<(usize, Cells)>>,
        out: tokio::sync::mpsc::Sender<Result<Batch>>,
    ) {
        let mut seen: HashMap<u64, usize> = HashMap::new();
        let mut grouper = HouseholdGrouper::default();
        let mut batch = Batch::default();
        for next in rows {
            let data = match next {
                Ok(d) => d,
                Err(e) => {
                    let _ = out.blocking_send(Err(e));
                    return;
                }
            };
            if data.1.iter().all(|c| c.is_empty()) {
                continue;
            }
            batch.rows_total += 1;
            match self.check_row(&data) {
                Ok(mut r) => match seen.insert(id_key(&r.id_number), r.row) {
                    Some(first) => {
                        batch.error_rows += 1;
                        batch.errors.push(RowError {
                            row: r.row,
                            column: self.plan.id_label.clone(),
                            reason: format!("与第{first}行的身份证号重复"),
                        });
                    }
                    None => match self.place_household(&mut grouper, &mut r) {
                        Ok(()) => batch.rows.push(r),
                        Err(e) => {
                            batch.error_rows += 1;
                            batch.errors.push(e);
                        }
                    },
                },
                Err(errs) => {
                    batch.error_rows += 1;
                    batch.errors.extend(errs);
                }
            }
            if batch.rows.len() >= CHUNK
                && out.blocking_send(Ok(std::mem::take(&mut batch))).is_err()
            {
                return;
            }
        }
        let size_label = self
            .plan
            .columns
            .iter()
            .find(|c| c.code == "household.size")
            .map(|c| c.label.clone())
            .unwrap_or_default();
        batch.flags = grouper
            .size_mismatches()
            .into_iter()
            .map(|m| RowFlag {
                row: m.row,
                column: size_label.clone(),
                reason: format!(
                    "填写的家庭人口数“{}”与文件中该户的成员行数（{}）不符；家庭人口数由成员派生，未写入",
                    m.typed, m.members
                ),
            })
            .collect();
        let _ = out.blocking_send(Ok(batch));
    }
}

impl App {
    /// Checks the mapping and every row, and unless this is a dry run (or
    /// atomic mode met a bad row) writes the file in one transaction.
    pub async fn import_residents(
        &self,
        actor: Option<&CurrentUser>,
        table: Arc<Table>,
        bytes: &[u8],
        mapping: &Mapping,
        opts: &ImportOptions,
    ) -> Result<ImportReport> {
        let digest: String = Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let first = mapping.header_row + 1;
        let rows = (first..table.rows.len()).map(move |i| {
            let cells: Cells = table.rows[i].iter().map(|c| c.trim()).collect();
            Ok((i + 1, cells))
        });
        self.import_rows(actor, rows, mapping, opts, &digest).await
    }

    /// The same as [`App::import_residents`] for a CSV file too large to
    /// hold in memory: it is read as a stream.
    pub async fn import_csv_file(
        &self,
        actor: Option<&CurrentUser>,
        path: &std::path::Path,
        mapping: &Mapping,
        opts: &ImportOptions,
    ) -> Result<ImportReport> {
        let digest = {
            use std::io::Read;
            let mut f = std::fs::File::open(path)?;
            let mut h = Sha256::new();
            let mut buf = vec![0u8; 1 << 16];
            loop {
                let n = f.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                h.update(&buf[..n]);
            }
            h.finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        self.import_rows(
            actor,
            csv_records(path, mapping.header_row)?,
            mapping,
            opts,
            &digest,
        )
        .await
    }

    async fn prepare(
        &self,
        actor: Option<&CurrentUser>,
        mapping: &Mapping,
        opts: &ImportOptions,
    ) -> Result<Prepared> {
        let dict = self.dict();
        let community = self.import_target(actor, opts).await?;
        let id_col = mapping
            .columns
            .iter()
            .find(|c| c.element.as_deref() == Some("person.id_number"))
            .ok_or_else(|| {
                AppError::Invalid(
                    "没有映射到“公民身份号码”的列：居民以身份证号识别，必须有这一列（房屋或组织名册请只映射房屋或组织指标）".into(),
                )
            })?;
        let mut by_code: BTreeMap<&str, &super::mapping::ColumnMapping> = BTreeMap::new();
        for c in &mapping.columns {
            if let Some(code) = &c.element {
                let el = dict.element(code).ok_or_else(|| {
                    AppError::Invalid(format!("“{}”列映射的指标 {code} 不存在", c.label))
                })?;
                if !matches!(el.entity, EntityType::Person | EntityType::Household) {
                    return Err(AppError::Invalid(format!(
                        "“{}”列是{}指标（{}），居民花名册只接受个人和家庭指标",
                        c.label,
                        el.entity.label_zh(),
                        el.name
                    )));
                }
                if code != "person.id_number" {
                    by_code.insert(code, c);
                }
            }
        }
        let plan = Plan {
            id_index: id_col.index,
            id_label: id_col.label.clone(),
            columns: by_code
                .into_iter()
                .map(|(code, c)| PlanColumn {
                    index: c.index,
                    code: code.to_string(),
                    label: c.label.clone(),
                    household: code.starts_with("household."),
                })
                .collect(),
        };
        const PLACES: [&str; 4] = [
            "person.household_id",
            "household.head_id_number",
            "household.head_name",
            "person.relation_to_head",
        ];
        let places = plan
            .columns
            .iter()
            .any(|c| PLACES.contains(&c.code.as_str()));
        if let (Some(c), false) = (plan.columns.iter().find(|c| c.household), places) {
            return Err(AppError::Invalid(format!(
                "“{}”是家庭指标，但文件没有户号、户主身份证号、户主姓名或与户主关系列，无法确定每一行属于哪一户",
                c.label
            )));
        }
        let mut community_units: Vec<i64> = vec![community.id];
        community_units.extend(self.db.children(community.id).await?.iter().map(|u| u.id));
        Ok(Prepared {
            plan: Arc::new(plan),
            community,
            community_units,
        })
    }

    /// Reads and checks the rows on a blocking thread while this task
    /// writes the batches it sends, so checking and writing overlap.
    async fn import_rows(
        &self,
        actor: Option<&CurrentUser>,
        rows: impl Iterator<Item = Result<(usize, Cells)>> + Send + 'static,
        mapping: &Mapping,
        opts: &ImportOptions,
        digest: &str,
    ) -> Result<ImportReport> {
        let has_id = mapping
            .columns
            .iter()
            .any(|c| c.element.as_deref() == Some("person.id_number"));
        if !has_id {
            if let Some(kind) = super::places::place_roster_kind(&self.dict(), mapping) {
                return self
                    .import_places(actor, rows, mapping, opts, digest, kind)
                    .await;
            }
        }
        let prep = self.prepare(actor, mapping, opts).await?;
        let (tx, bulk) = if opts.exclusive {
            self.db.begin_bulk().await?
        } else {
            (self.db.begin().await?, false)
        };
        let outcome = self
            .import_people(actor, tx, rows, &prep, opts, digest)
            .await;
        if bulk {
            self.db.end_bulk().await;
        }
        outcome.map(|report| ImportReport {
            exclusive: bulk,
            ..report
        })
    }

    async fn import_people(
        &self,
        actor: Option<&CurrentUser>,
        mut tx: jianfu_store::Tx,
        rows: impl Iterator<Item = Result<(usize, Cells)>> + Send + 'static,
        prep: &Prepared,
        opts: &ImportOptions,
        digest: &str,
    ) -> Result<ImportReport> {
        let mut report = ImportReport::default();
        let mut error_rows = 0usize;
        let import_id = Db::insert_import(
            &mut tx,
            &NewImport {
                file_name: opts.file_name.clone(),
                file_sha256: digest.to_string(),
                unit_id: prep.community.id,
                source: opts.source.label().into(),
                department_id: opts.department_id,
                author_id: actor.map(|a| a.id),
            },
        )
        .await?;
        let ctx = WriteContext {
            source: opts.source,
            department_id: opts.department_id,
            author_id: actor.map(|a| a.id),
            import_id: Some(import_id),
            valid_from: opts.today.format("%Y-%m-%d").to_string(),
            now_ms: now_ms(),
        };
        let reader = Reader {
            dict: self.dict(),
            plan: prep.plan.clone(),
            ctx: ctx.clone(),
            source: opts.source,
            department_id: opts.department_id,
            today: opts.today,
        };
        let (sender, mut batches) = tokio::sync::mpsc::channel(BATCHES_IN_FLIGHT);
        let reading = tokio::task::spawn_blocking(move || reader.run(rows, sender));
        let keep_errors = |report: &mut ImportReport, errs: Vec<RowError>| {
            let room = MAX_ERRORS.saturating_sub(report.errors.len());
            report.errors.extend(errs.into_iter().take(room));
        };
        while let Some(batch) = batches.recv().await {
            let batch = batch?;
            report.rows_total += batch.rows_total;
            error_rows += batch.error_rows;
            report.flags.extend(batch.flags);
            keep_errors(&mut report, batch.errors);
            let errs = self
                .write_chunk(
                    &mut tx,
                    &ctx,
                    prep,
                    batch.rows,
                    opts,
                    import_id,
                    &mut report,
                )
                .await?;
            error_rows += errs.len();
            keep_errors(&mut report, errs);
        }
        reading
            .await
            .map_err(|e| AppError::Invalid(format!("读取文件的线程异常结束：{e}")))?;
        self.conclude(actor, tx, import_id, report, error_rows, opts, "人")
            .await
    }

    /// Ends an import: rolls back a dry run or an atomic import with a bad
    /// row, otherwise records the counts, commits and audits.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn conclude(
        &self,
        actor: Option<&CurrentUser>,
        mut tx: jianfu_store::Tx,
        import_id: i64,
        mut report: ImportReport,
        rejected: usize,
        opts: &ImportOptions,
        counted: &str,
    ) -> Result<ImportReport> {
        report.errors.sort_by_key(|e| e.row);
        report.rows_rejected = rejected;
        let atomic_fail = opts.mode == ImportMode::Atomic && rejected > 0;
        if opts.dry_run || atomic_fail {
            tx.rollback()
                .await
                .map_err(jianfu_store::StoreError::from)?;
            // A dry run reads the register as much as an import writes it
            // (it answers for every ID number in the file), so it is
            // audited too, with what it was asked.
            self.audit(
                actor,
                if opts.dry_run {
                    "register.import_dry_run"
                } else {
                    "register.import"
                },
                Some(format!("file:{}", opts.file_name)),
                if opts.dry_run { "ok" } else { "rejected" },
                Some(format!(
                    "{}（{}）：检查{}行，拒绝{}行{}",
                    opts.file_name,
                    opts.source.label(),
                    report.rows_total,
                    rejected,
                    if opts.dry_run {
                        "（试导入，未写入）"
                    } else {
                        "，整批未写入"
                    }
                )),
                None,
            )
            .await?;
            return Ok(report);
        }
        Db::finish_import(
            &mut tx,
            import_id,
            &ImportCounts {
                rows_total: report.rows_total as i64,
                rows_written: report.rows_valid as i64,
                rows_rejected: rejected as i64,
                facts_written: report.facts_written as i64,
                conflicts: report.conflicts as i64,
            },
        )
        .await?;
        tx.commit().await.map_err(jianfu_store::StoreError::from)?;
        report.committed = true;
        report.import_id = Some(import_id);
        self.audit(
            actor,
            "register.import",
            Some(format!("import:{import_id}")),
            "ok",
            Some(format!(
                "{}（{}）：新增{}{counted}，更新{}{counted}，写入{}条事实，冲突{}，拒绝{}行",
                opts.file_name,
                opts.source.label(),
                report.created,
                report.updated,
                report.facts_written,
                report.conflicts,
                rejected
            )),
            None,
        )
        .await?;
        Ok(report)
    }

    /// Classifies and writes one chunk of checked rows; returns the errors
    /// found by looking the rows up (registered elsewhere, no name), one
    /// per row.
    #[allow(clippy::too_many_arguments)]
    async fn write_chunk(
        &self,
        tx: &mut jianfu_store::Tx,
        ctx: &WriteContext,
        prep: &Prepared,
        checked: Vec<CheckedRow>,
        opts: &ImportOptions,
        import_id: i64,
        report: &mut ImportReport,
    ) -> Result<Vec<RowError>> {
        let dict = self.dict();
        let plan = &*prep.plan;
        let mut errors = Vec::new();
        let ids: Vec<String> = checked.iter().map(|r| r.id_number.to_string()).collect();
        let existing = Db::persons_by_id_numbers(tx, &ids).await?;
        let mut new_rows = Vec::new();
        let mut update_rows: Vec<(RegisteredPerson, CheckedRow)> = Vec::new();
        for r in checked {
            match existing.get(r.id_number.as_str()) {
                Some(p) if prep.community_units.contains(&p.unit_id) => update_rows.push((*p, r)),
                Some(p) => {
                    // Where the person is registered is not the importer's
                    // to know: a file of ID numbers would otherwise answer,
                    // for each, a community outside the scope. The owning
                    // community sees the candidate and decides.
                    errors.push(RowError {
                        row: r.row,
                        column: String::new(),
                        reason: if opts.dry_run {
                            "该身份证号已在其他村社区登记；正式导入时将列为合并候选，由登记地社区核实".into()
                        } else {
                            "该身份证号已在其他村社区登记，已列为合并候选，由登记地社区核实".into()
                        },
                    });
                    let payload =
                        serde_json::to_string(&plan.values_map(&r.values)).unwrap_or_default();
                    Db::insert_merge_candidate(
                        tx,
                        p.id,
                        prep.community.id,
                        &payload,
                        opts.source.label(),
                        Some(import_id),
                    )
                    .await?;
                    report.merge_candidates += 1;
                }
                None if r.name.is_none() => errors.push(RowError {
                    row: r.row,
                    column: String::new(),
                    reason: "新居民缺少姓名".into(),
                }),
                None => new_rows.push(r),
            }
        }
        report.rows_valid += new_rows.len() + update_rows.len();
        // Households named in this chunk; the same reference on a later
        // import finds the same household.
        // A head-based reference (`户主:<ID>`) is the household the head is
        // already registered in, looked up for the whole chunk at once;
        // any other reference is the household stored under it, created
        // the first time.
        let mut households: HashMap<String, i64> = HashMap::new();
        let refs: std::collections::BTreeSet<&str> = new_rows
            .iter()
            .chain(update_rows.iter().map(|(_, r)| r))
            .filter_map(|r| r.household_ref.as_deref())
            .collect();
        let heads: Vec<String> = refs
            .iter()
            .filter_map(|k| k.strip_prefix("户主:").map(str::to_string))
            .collect();
        let registered_heads = Db::persons_by_id_numbers(tx, &heads).await?;
        for reference in refs {
            // Only a head registered in this community joins its household:
            // a head elsewhere must not let this import write into another
            // community's household (its members, its facts).
            let known = reference
                .strip_prefix("户主:")
                .and_then(|head| registered_heads.get(head))
                .filter(|p| prep.community_units.contains(&p.unit_id))
                .and_then(|p| p.household_id);
            let id = match known {
                Some(h) => h,
                None => Db::household_for_ref(tx, prep.community.id, reference).await?,
            };
            households.insert(reference.to_string(), id);
        }
        let household_of = |r: &CheckedRow| {
            r.household_ref
                .as_ref()
                .and_then(|k| households.get(k).copied())
        };
        let mut person_rows = Vec::with_capacity(new_rows.len());
        for r in &new_rows {
            let name = r.name.clone().unwrap_or_default();
            person_rows.push(NewPersonRow {
                id_number: r.id_number.to_string(),
                name_initials: jianfu_core::dictionary::pinyin_initials(&name),
                name,
                household_id: household_of(r),
                unit_id: prep.community.id,
            });
        }
        let created = Db::insert_persons(tx, &person_rows).await?;
        // Flags are reported by file row, new and updated persons alike.
        let mut flagged: Vec<(usize, Flag)> = Vec::new();
        // A resident already registered without a household joins the one
        // the roster names; one already in another household is not moved
        // silently (moving is its own, audited step on the person page).
        for (p, r) in &update_rows {
            match (p.household_id, household_of(r)) {
                (None, Some(h)) => {
                    Db::set_person_placement(tx, p.id, p.unit_id, Some(h)).await?;
                }
                (Some(old), Some(h)) if old != h => report.flags.push(RowFlag {
                    row: r.row,
                    column: String::new(),
                    reason: "该居民已登记在另一户，所属户未调整；如需调整请在居民页面办理".into(),
                }),
                _ => {}
            }
        }
        let mut household_writes: BTreeMap<i64, (usize, BTreeMap<String, String>)> =
            BTreeMap::new();
        for r in new_rows.iter().chain(update_rows.iter().map(|(_, r)| r)) {
            if let (Some(h), false) = (household_of(r), r.household_values.is_empty()) {
                let entry = household_writes
                    .entry(h)
                    .or_insert_with(|| (r.row, BTreeMap::new()));
                for (i, v) in &r.household_values {
                    entry.1.insert(plan.code(*i).to_string(), v.clone());
                }
            }
        }
        let mut fresh = Vec::with_capacity(new_rows.len());
        for r in new_rows {
            let Some(pid) = created.get(r.id_number.as_str()) else {
                continue;
            };
            report.facts_written += r.encoded.facts;
            flagged.extend(r.encoded.flags.iter().map(|f| (r.row, f.clone())));
            fresh.push((*pid, r.encoded.for_entity(*pid)));
        }
        store_new_entities(tx, "person", &fresh).await?;
        let mut writes = Vec::with_capacity(update_rows.len());
        for (i, (p, r)) in update_rows.iter().enumerate() {
            writes.push(EntityWrite {
                entity_type: "person",
                entity_id: p.id,
                derived: derived_person_facts(&r.id_number)
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
                values: plan.values_map(&r.values),
                tag: i,
            });
        }
        let updated_outcome = write_entities(tx, ctx, &writes).await?;
        let household_rows: Vec<usize> = household_writes.values().map(|(row, _)| *row).collect();
        let household_outcome = write_entities(
            tx,
            ctx,
            &household_writes
                .into_iter()
                .enumerate()
                .map(|(tag, (id, (_, values)))| EntityWrite {
                    entity_type: "household",
                    entity_id: id,
                    derived: Vec::new(),
                    values,
                    tag,
                })
                .collect::<Vec<_>>(),
        )
        .await?;
        report.created += created.len();
        report.updated += updated_outcome.entities_changed;
        report.unchanged += update_rows
            .len()
            .saturating_sub(updated_outcome.entities_changed);
        report.facts_written += updated_outcome.facts_written + household_outcome.facts_written;
        report.conflicts += updated_outcome.conflicts + household_outcome.conflicts;
        flagged.extend(
            updated_outcome
                .flags
                .into_iter()
                .map(|f| (update_rows[f.tag].1.row, f)),
        );
        flagged.extend(
            household_outcome
                .flags
                .into_iter()
                .map(|f| (household_rows[f.tag], f)),
        );
        for (row, f) in flagged {
            let name = dict
                .element(&f.element)
                .map(|e| e.name.clone())
                .unwrap_or_default();
            report.flags.push(RowFlag {
                row,
                column: plan
                    .label_of(&f.element)
                    .map(str::to_string)
                    .unwrap_or(name.clone()),
                reason: format!(
                    "填写的{name}“{}”与身份证号不符（应为“{}”），未写入",
                    self.display_value(&f.element, &f.typed),
                    self.display_value(&f.element, &f.derived)
                ),
            });
        }
        Ok(errors)
    }

    /// The community an import writes into, checked against the actor's
    /// scope; the department for 共享 must be a department.
    pub(super) async fn import_target(
        &self,
        actor: Option<&CurrentUser>,
        opts: &ImportOptions,
    ) -> Result<OrgUnit> {
        let unit = self
            .db
            .unit(opts.community_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("单位 {}", opts.community_id)))?;
        if unit.kind() != Some(OrgKind::Community) {
            return Err(AppError::Invalid(format!(
                "“{}”不是村社区，居民只能导入到村社区",
                unit.name
            )));
        }
        if let Some(a) = actor {
            if !a.role.can_read_residents() || !a.can_see(&unit) {
                return Err(self
                    .deny(
                        a,
                        &format!("org_unit:{}", unit.id),
                        "无权向该村社区导入居民数据",
                        None,
                    )
                    .await);
            }
        }
        match (opts.source, opts.department_id) {
            (Source::Shared, None) => {
                return Err(AppError::Invalid(
                    "来源为“共享”时必须指明提供数据的部门".into(),
                ))
            }
            (_, Some(d)) => {
                let dept = self
                    .db
                    .unit(d)
                    .await?
                    .ok_or_else(|| AppError::NotFound(format!("部门 {d}")))?;
                if dept.kind() != Some(OrgKind::Department) {
                    return Err(AppError::Invalid(format!("“{}”不是部门", dept.name)));
                }
            }
            _ => {}
        }
        if opts.source == Source::Derived {
            return Err(AppError::Invalid("派生数据不能导入".into()));
        }
        Ok(unit)
    }
}
