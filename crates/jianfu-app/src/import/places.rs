//! Rosters of houses (房屋) and organizations (单位、企业、社会组织): one
//! row per entity, found again by its natural key — a house by its address,
//! an organization by its 统一社会信用代码 or, without one, by its name.
//! These files are small (a community has dozens to hundreds of each), so
//! they are written row by row in the file's transaction, through the same
//! write rule as residents.

use super::commit::{ImportOptions, ImportReport, RowError};
use super::mapping::Mapping;
use crate::register::{write_entities, EntityWrite, WriteContext};
use crate::{auth::CurrentUser, App, AppError, Result};
use jianfu_core::dictionary::EntityType;
use jianfu_store::{now_ms, Db, NewImport};
use std::collections::{BTreeMap, HashMap};

/// The entity type a roster without an ID-number column describes: every
/// mapped column must be a house element, or every one an organization
/// element.
pub(super) fn place_roster_kind(
    dict: &jianfu_core::dictionary::Dictionary,
    mapping: &Mapping,
) -> Option<EntityType> {
    let mut kinds = mapping
        .columns
        .iter()
        .filter_map(|c| c.element.as_deref())
        .filter_map(|code| dict.element(code).map(|e| e.entity));
    let first = kinds.next()?;
    (matches!(first, EntityType::House | EntityType::Organization) && kinds.all(|k| k == first))
        .then_some(first)
}

/// The column that names an entity of this kind, and the column (if any)
/// that identifies it better than its name.
fn key_elements(kind: EntityType) -> (&'static str, Option<&'static str>) {
    match kind {
        EntityType::Organization => ("organization.name", Some("organization.credit_code")),
        _ => ("house.address", None),
    }
}

impl App {
    pub(super) async fn import_places(
        &self,
        actor: Option<&CurrentUser>,
        rows: impl Iterator<Item = Result<(usize, csv::StringRecord)>>,
        mapping: &Mapping,
        opts: &ImportOptions,
        digest: &str,
        kind: EntityType,
    ) -> Result<ImportReport> {
        let dict = self.dict();
        let community = self.import_target(actor, opts).await?;
        let (name_code, id_code) = key_elements(kind);
        let mut columns: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
        for c in &mapping.columns {
            if let Some(code) = &c.element {
                columns.insert(code, (c.index, c.label.as_str()));
            }
        }
        let name_label = match columns.get(name_code) {
            Some((_, label)) => label.to_string(),
            None => {
                let el = dict.element(name_code).map(|e| e.name.clone());
                return Err(AppError::Invalid(format!(
                    "{}名册必须有“{}”列",
                    kind.label_zh(),
                    el.unwrap_or_default()
                )));
            }
        };
        let mut tx = self.db.begin().await?;
        let import_id = Db::insert_import(
            &mut tx,
            &NewImport {
                file_name: opts.file_name.clone(),
                file_sha256: digest.to_string(),
                unit_id: community.id,
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
        let mut report = ImportReport::default();
        let mut rejected = 0usize;
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut writes = Vec::new();
        let mut rows_of_writes = Vec::new();
        for next in rows {
            let (row, cells) = next?;
            if cells.iter().all(|c| c.is_empty()) {
                continue;
            }
            report.rows_total += 1;
            let mut values = BTreeMap::new();
            let mut errors = Vec::new();
            for (code, (index, label)) in &columns {
                let raw = cells.get(*index).unwrap_or("");
                if raw.is_empty() {
                    continue;
                }
                let Some(el) = dict.element(code) else {
                    continue;
                };
                match dict.check_value(el, raw, opts.today) {
                    Ok(v) => {
                        values.insert(code.to_string(), v.to_storage());
                    }
                    Err(e) => errors.push(RowError {
                        row,
                        column: label.to_string(),
                        reason: e.to_string(),
                    }),
                }
            }
            let name = values.get(name_code).cloned();
            if name.is_none() && errors.is_empty() {
                errors.push(RowError {
                    row,
                    column: name_label.clone(),
                    reason: format!("{}为空", name_label),
                });
            }
            let key = id_code
                .and_then(|c| values.get(c))
                .or(name.as_ref())
                .cloned()
                .unwrap_or_default();
            if errors.is_empty() {
                if let Some(first) = seen.insert(key.clone(), row) {
                    errors.push(RowError {
                        row,
                        column: String::new(),
                        reason: format!("与第{first}行是同一{}", kind.label_zh()),
                    });
                }
            }
            if !errors.is_empty() {
                rejected += 1;
                report.errors.extend(errors);
                continue;
            }
            let name = name.unwrap_or_default();
            let (id, created) =
                Db::place_for_key(&mut tx, kind.code(), community.id, &key, &name).await?;
            if created {
                report.created += 1;
            } else {
                Db::set_place_name(&mut tx, id, &name).await?;
            }
            report.rows_valid += 1;
            rows_of_writes.push((row, created));
            writes.push(EntityWrite {
                entity_type: kind.code(),
                entity_id: id,
                derived: Vec::new(),
                values,
                tag: writes.len(),
            });
        }
        let outcome = write_entities(&mut tx, &ctx, &writes).await?;
        report.facts_written = outcome.facts_written;
        report.conflicts = outcome.conflicts;
        let existing = rows_of_writes.iter().filter(|(_, c)| !c).count();
        let changed_existing = outcome.entities_changed.saturating_sub(report.created);
        report.updated = changed_existing;
        report.unchanged = existing.saturating_sub(changed_existing);
        self.conclude(
            actor,
            tx,
            import_id,
            report,
            rejected,
            opts,
            if kind == EntityType::House {
                "处房屋"
            } else {
                "个组织"
            },
        )
        .await
    }
}
