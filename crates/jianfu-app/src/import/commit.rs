//! Checking every row and writing the file in one transaction, in a
//! single streaming pass: rows are checked and written a chunk at a time,
//! and the transaction is rolled back for a dry run or when atomic mode met
//! a bad row. Memory stays flat with the file's size except for one 8-byte
//! key per ID number, kept to find duplicates within the file.

use super::mapping::Mapping;
use super::table::Table;
use crate::register::{
    derived_person_facts, write_entities, write_new_entities, EntityWrite, NewEntity, Source,
    WriteContext,
};
use crate::{auth::CurrentUser, App, AppError, Result};
use jianfu_core::dictionary::EntityType;
use jianfu_core::id_number::IdNumber;
use jianfu_core::org::OrgKind;
use jianfu_store::{now_ms, Db, ImportCounts, NewImport, NewPersonRow, OrgUnit};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

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
}

impl ImportReport {
    /// Number of distinct rows with at least one error.
    pub fn rejected_rows(&self) -> usize {
        self.rows_rejected
    }
}

struct CheckedRow {
    row: usize,
    id_number: IdNumber,
    values: BTreeMap<String, String>,
    labels: HashMap<String, String>,
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

/// Data rows of an in-memory table, after its header row.
pub fn table_rows(table: &Table, header_row: usize) -> impl Iterator<Item = Result<DataRow>> + '_ {
    table
        .rows
        .iter()
        .enumerate()
        .skip(header_row + 1)
        .map(|(i, r)| Ok((i + 1, r.clone())))
}

/// Data rows of a UTF-8 CSV file, read as a stream.
pub fn csv_rows(
    path: &std::path::Path,
    header_row: usize,
) -> Result<impl Iterator<Item = Result<DataRow>>> {
    let name = path.display().to_string();
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
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
            Ok((i + 1, rec.iter().map(|c| c.trim().to_string()).collect()))
        }))
}

struct Prepared<'m> {
    id_col: &'m super::mapping::ColumnMapping,
    community: OrgUnit,
    community_units: Vec<i64>,
}

impl App {
    /// Checks the mapping and every row, and unless this is a dry run (or
    /// atomic mode met a bad row) writes the file in one transaction.
    pub async fn import_residents(
        &self,
        actor: Option<&CurrentUser>,
        table: &Table,
        bytes: &[u8],
        mapping: &Mapping,
        opts: &ImportOptions,
    ) -> Result<ImportReport> {
        let digest: String = Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        self.import_rows(
            actor,
            table_rows(table, mapping.header_row),
            mapping,
            opts,
            &digest,
        )
        .await
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
            csv_rows(path, mapping.header_row)?,
            mapping,
            opts,
            &digest,
        )
        .await
    }

    async fn prepare<'m>(
        &self,
        actor: Option<&CurrentUser>,
        mapping: &'m Mapping,
        opts: &ImportOptions,
    ) -> Result<Prepared<'m>> {
        let dict = self.dict();
        let community = self.import_target(actor, opts).await?;
        let id_col = mapping
            .columns
            .iter()
            .find(|c| c.element.as_deref() == Some("person.id_number"))
            .ok_or_else(|| {
                AppError::Invalid(
                    "没有映射到“公民身份号码”的列：居民以身份证号识别，必须有这一列".into(),
                )
            })?;
        for c in &mapping.columns {
            if let Some(code) = &c.element {
                let el = dict.element(code).ok_or_else(|| {
                    AppError::Invalid(format!("“{}”列映射的指标 {code} 不存在", c.label))
                })?;
                if el.entity != EntityType::Person {
                    return Err(AppError::Invalid(format!(
                        "“{}”列是{}指标（{}），本导入只接受个人指标",
                        c.label,
                        el.entity.label_zh(),
                        el.name
                    )));
                }
            }
        }
        let mut community_units: Vec<i64> = vec![community.id];
        community_units.extend(self.db.children(community.id).await?.iter().map(|u| u.id));
        Ok(Prepared {
            id_col,
            community,
            community_units,
        })
    }

    /// Checks one row against the dictionary.
    fn check_row(
        &self,
        dict: &jianfu_core::dictionary::Dictionary,
        mapping: &Mapping,
        id_col: &super::mapping::ColumnMapping,
        (excel_row, row): &DataRow,
        today: chrono::NaiveDate,
    ) -> std::result::Result<CheckedRow, Vec<RowError>> {
        let cell = |idx: usize| row.get(idx).map(String::as_str).unwrap_or("");
        let mut errors = Vec::new();
        let id = match IdNumber::parse(cell(id_col.index), today) {
            Ok(id) => Some(id),
            Err(e) => {
                errors.push(RowError {
                    row: *excel_row,
                    column: id_col.label.clone(),
                    reason: if cell(id_col.index).trim().is_empty() {
                        "身份证号为空".into()
                    } else {
                        e.to_string()
                    },
                });
                None
            }
        };
        let mut values = BTreeMap::new();
        let mut labels = HashMap::new();
        for c in &mapping.columns {
            let Some(code) = &c.element else { continue };
            if code == "person.id_number" {
                continue;
            }
            let raw = cell(c.index);
            if raw.trim().is_empty() {
                continue;
            }
            let Some(el) = dict.element(code) else {
                continue;
            };
            match dict.check_value(el, raw, today) {
                Ok(v) => {
                    values.insert(code.clone(), v.to_storage());
                    labels.insert(code.clone(), c.label.clone());
                }
                Err(e) => errors.push(RowError {
                    row: *excel_row,
                    column: c.label.clone(),
                    reason: e.to_string(),
                }),
            }
        }
        match id {
            Some(id_number) if errors.is_empty() => Ok(CheckedRow {
                row: *excel_row,
                id_number,
                values,
                labels,
            }),
            _ => Err(errors),
        }
    }

    async fn import_rows(
        &self,
        actor: Option<&CurrentUser>,
        rows: impl Iterator<Item = Result<DataRow>>,
        mapping: &Mapping,
        opts: &ImportOptions,
        digest: &str,
    ) -> Result<ImportReport> {
        let dict = self.dict();
        let prep = self.prepare(actor, mapping, opts).await?;
        let mut report = ImportReport::default();
        let mut error_rows = 0usize;
        let mut push_errors = |report: &mut ImportReport, errs: Vec<RowError>| {
            let mut rows: Vec<usize> = errs.iter().map(|e| e.row).collect();
            rows.sort_unstable();
            rows.dedup();
            error_rows += rows.len();
            for e in errs {
                if report.errors.len() < MAX_ERRORS {
                    report.errors.push(e);
                }
            }
        };
        let mut seen: HashMap<u64, usize> = HashMap::new();
        let mut tx = self.db.begin().await?;
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
        let mut chunk: Vec<CheckedRow> = Vec::with_capacity(CHUNK);
        let mut rows = rows.peekable();
        while rows.peek().is_some() {
            chunk.clear();
            for next in rows.by_ref() {
                let data = next?;
                if data.1.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                report.rows_total += 1;
                match self.check_row(&dict, mapping, prep.id_col, &data, opts.today) {
                    Ok(r) => match seen.insert(id_key(&r.id_number), r.row) {
                        Some(first) => push_errors(
                            &mut report,
                            vec![RowError {
                                row: r.row,
                                column: prep.id_col.label.clone(),
                                reason: format!("与第{first}行的身份证号重复"),
                            }],
                        ),
                        None => chunk.push(r),
                    },
                    Err(errs) => push_errors(&mut report, errs),
                }
                if chunk.len() >= CHUNK {
                    break;
                }
            }
            let errs = self
                .write_chunk(
                    &mut tx,
                    &ctx,
                    &prep,
                    std::mem::take(&mut chunk),
                    opts,
                    import_id,
                    &mut report,
                )
                .await?;
            push_errors(&mut report, errs);
        }
        report.errors.sort_by_key(|e| e.row);
        let rejected = error_rows;
        report.rows_rejected = rejected;
        let atomic_fail = opts.mode == ImportMode::Atomic && rejected > 0;
        if opts.dry_run || atomic_fail {
            tx.rollback()
                .await
                .map_err(jianfu_store::StoreError::from)?;
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
                "{}（{}）：新增{}人，更新{}人，写入{}条事实，冲突{}，拒绝{}行",
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
    /// found by looking the rows up (registered elsewhere, no name).
    #[allow(clippy::too_many_arguments)]
    async fn write_chunk(
        &self,
        tx: &mut jianfu_store::Tx,
        ctx: &WriteContext,
        prep: &Prepared<'_>,
        checked: Vec<CheckedRow>,
        opts: &ImportOptions,
        import_id: i64,
        report: &mut ImportReport,
    ) -> Result<Vec<RowError>> {
        let dict = self.dict();
        let mut errors = Vec::new();
        let ids: Vec<String> = checked.iter().map(|r| r.id_number.to_string()).collect();
        let existing = Db::persons_by_id_numbers(tx, &ids).await?;
        let mut new_rows = Vec::new();
        let mut update_rows = Vec::new();
        for r in checked {
            match existing.get(r.id_number.as_str()) {
                Some((pid, unit)) if prep.community_units.contains(unit) => {
                    update_rows.push((*pid, r))
                }
                Some((pid, unit)) => {
                    let where_ = self
                        .db
                        .unit(*unit)
                        .await?
                        .map(|u| u.name)
                        .unwrap_or_default();
                    errors.push(RowError {
                        row: r.row,
                        column: String::new(),
                        reason: format!(
                            "该身份证号已登记在“{where_}”，已列为合并候选，请核实是否迁入"
                        ),
                    });
                    let payload = serde_json::to_string(&r.values).unwrap_or_default();
                    Db::insert_merge_candidate(
                        tx,
                        *pid,
                        prep.community.id,
                        &payload,
                        opts.source.label(),
                        Some(import_id),
                    )
                    .await?;
                    report.merge_candidates += 1;
                }
                None if !r.values.contains_key("person.name") => errors.push(RowError {
                    row: r.row,
                    column: String::new(),
                    reason: "新居民缺少姓名".into(),
                }),
                None => new_rows.push(r),
            }
        }
        report.rows_valid += new_rows.len() + update_rows.len();
        // New residents with a household number (户号) join that household
        // in this community; the same number on a later import finds it.
        let mut households: HashMap<String, i64> = HashMap::new();
        let mut person_rows = Vec::with_capacity(new_rows.len());
        for r in &new_rows {
            let name = r.values.get("person.name").cloned().unwrap_or_default();
            let household_id = match r.values.get("person.household_id") {
                Some(reference) => Some(match households.get(reference) {
                    Some(id) => *id,
                    None => {
                        let id = Db::household_for_ref(tx, prep.community.id, reference).await?;
                        households.insert(reference.clone(), id);
                        id
                    }
                }),
                None => None,
            };
            person_rows.push(NewPersonRow {
                id_number: r.id_number.to_string(),
                name_initials: jianfu_core::dictionary::pinyin_initials(&name),
                name,
                household_id,
                unit_id: prep.community.id,
            });
        }
        let created = Db::insert_persons(tx, &person_rows).await?;
        let mut row_of_tag: Vec<&CheckedRow> = Vec::new();
        let mut fresh = Vec::with_capacity(new_rows.len());
        for r in &new_rows {
            let Some(pid) = created.get(r.id_number.as_str()) else {
                continue;
            };
            let mut values = r.values.clone();
            values.insert("person.id_number".into(), r.id_number.to_string());
            fresh.push(NewEntity {
                entity_id: *pid,
                derived: derived_person_facts(&r.id_number)
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
                groups: vec![(opts.source, opts.department_id, values)],
                tag: row_of_tag.len(),
            });
            row_of_tag.push(r);
        }
        let mut writes = Vec::with_capacity(update_rows.len());
        for (pid, r) in &update_rows {
            writes.push(EntityWrite {
                entity_type: "person",
                entity_id: *pid,
                derived: derived_person_facts(&r.id_number)
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
                values: r.values.clone(),
                tag: row_of_tag.len(),
            });
            row_of_tag.push(r);
        }
        let created_outcome = write_new_entities(tx, "person", ctx, &fresh).await?;
        let updated_outcome = write_entities(tx, ctx, &writes).await?;
        report.created += created.len();
        report.updated += updated_outcome.entities_changed;
        report.unchanged += update_rows
            .len()
            .saturating_sub(updated_outcome.entities_changed);
        report.facts_written += created_outcome.facts_written + updated_outcome.facts_written;
        report.conflicts += updated_outcome.conflicts;
        for f in created_outcome
            .flags
            .iter()
            .chain(updated_outcome.flags.iter())
        {
            let r = row_of_tag[f.tag];
            let name = dict
                .element(&f.element)
                .map(|e| e.name.clone())
                .unwrap_or_default();
            report.flags.push(RowFlag {
                row: r.row,
                column: r.labels.get(&f.element).cloned().unwrap_or(name.clone()),
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
    async fn import_target(
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
