//! The base register: entities, the append-only fact log and the current
//! view. The application decides what to write (validation, conflicts,
//! derived facts); this module only stores it, in batches, inside the
//! caller's transaction so an import is all or nothing.

use crate::{codec, db::now_ms, orgs::subtree_pattern, Db, Result, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// The current value of one element, with where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Current {
    /// The value in storage form.
    pub v: String,
    /// Source: 手工, 导入, 共享 or 派生.
    pub s: String,
    /// Department the value was shared by, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub d: Option<i64>,
    /// When it was recorded (unix ms).
    pub t: i64,
}

pub type CurrentDoc = BTreeMap<String, Current>;

/// One row of the fact log: facts recorded together about one entity.
/// `changes` maps element code → new value (`None` retracts it); the fast
/// import path hands it over already encoded (`FactLogRow<String>`, see
/// [`crate::codec::encode_changes`]) so encoding runs off the writer.
#[derive(Debug, Clone, Serialize)]
pub struct FactLogRow<C = BTreeMap<String, Option<String>>> {
    pub entity_type: String,
    pub entity_id: i64,
    pub recorded_at: i64,
    pub valid_from: String,
    pub source: String,
    pub department_id: Option<i64>,
    pub author_id: Option<i64>,
    pub import_id: Option<i64>,
    pub changes: C,
}

impl FactLogRow {
    fn encoded(&self) -> FactLogRow<String> {
        FactLogRow {
            entity_type: self.entity_type.clone(),
            entity_id: self.entity_id,
            recorded_at: self.recorded_at,
            valid_from: self.valid_from.clone(),
            source: self.source.clone(),
            department_id: self.department_id,
            author_id: self.author_id,
            import_id: self.import_id,
            changes: codec::encode_changes(
                &self.entity_type,
                self.changes.iter().map(|(k, v)| (k.as_str(), v.as_deref())),
            ),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub id: i64,
    pub recorded_at: i64,
    pub valid_from: String,
    pub source: String,
    pub department: Option<String>,
    pub author: Option<String>,
    pub import_id: Option<i64>,
    pub changes: BTreeMap<String, Option<String>>,
}

/// id, recorded_at, valid_from, source, department, author, import, changes.
type HistoryRow = (
    i64,
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    String,
);

#[derive(Debug, Clone)]
pub struct NewPersonRow {
    pub id_number: String,
    pub name: String,
    pub name_initials: String,
    pub household_id: Option<i64>,
    pub unit_id: i64,
}

/// Where a person already in the register is placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegisteredPerson {
    pub id: i64,
    pub unit_id: i64,
    pub household_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PersonListRow {
    pub id: i64,
    pub id_number: String,
    pub name: String,
    pub household_id: Option<i64>,
    pub unit_id: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ConflictRow {
    pub id: i64,
    pub entity_type: String,
    pub entity_id: i64,
    pub element: String,
    pub current_value: Option<String>,
    pub current_source: Option<String>,
    pub proposed_value: String,
    pub proposed_source: String,
    pub department_id: Option<i64>,
    pub import_id: Option<i64>,
    pub status: String,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewConflict {
    pub entity_type: String,
    pub entity_id: i64,
    pub element: String,
    pub current_value: Option<String>,
    pub current_source: Option<String>,
    pub proposed_value: String,
    pub proposed_source: String,
    pub department_id: Option<i64>,
    pub import_id: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct NewImport {
    pub file_name: String,
    pub file_sha256: String,
    pub unit_id: i64,
    pub source: String,
    pub department_id: Option<i64>,
    pub author_id: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportCounts {
    pub rows_total: i64,
    pub rows_written: i64,
    pub rows_rejected: i64,
    pub facts_written: i64,
    pub conflicts: i64,
}

/// Rows per multi-row statement; keeps bound parameters well under both
/// backends' limits.
const CHUNK: usize = 500;

/// Parameter markers for bulk statements. SQLite gets anonymous `?`:
/// sqlx resolves each named `$N` through sqlite3_bind_parameter_name, a
/// linear search, which made a 4,500-parameter insert quadratic (measured:
/// half of all instructions of the demo build). PostgreSQL needs `$N`.
pub(crate) struct Marks {
    sqlite: bool,
    next: usize,
}

impl Marks {
    fn new(tx: &mut Tx) -> Marks {
        let name = {
            let conn: &mut sqlx::AnyConnection = tx;
            conn.backend_name().to_ascii_lowercase()
        };
        Marks {
            sqlite: name.contains("sqlite"),
            next: 1,
        }
    }

    /// Markers for a statement on the pool rather than in a transaction.
    pub(crate) fn of(db: &Db) -> Marks {
        Marks {
            sqlite: db.backend() == crate::Backend::Sqlite,
            next: 1,
        }
    }

    pub(crate) fn one(&mut self) -> String {
        let n = self.next;
        self.next += 1;
        if self.sqlite {
            "?".into()
        } else {
            format!("${n}")
        }
    }

    pub(crate) fn list(&mut self, n: usize) -> String {
        (0..n).map(|_| self.one()).collect::<Vec<_>>().join(",")
    }

    fn rows(&mut self, rows: usize, cols: usize) -> String {
        (0..rows)
            .map(|_| format!("({})", self.list(cols)))
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl Db {
    /// A write transaction. On SQLite it takes the write lock at BEGIN
    /// (`BEGIN IMMEDIATE`), waiting for it under the busy timeout: a
    /// deferred transaction that reads first and then writes cannot wait
    /// when another writer committed meanwhile, and failed at once with
    /// "database is locked" beside an import (found by the attack review).
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self.backend() {
            crate::Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            crate::Backend::Postgres => self.pool.begin().await?,
        })
    }

    pub async fn insert_household_tx(tx: &mut Tx, unit_id: i64) -> Result<i64> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO households (unit_id, created_at) VALUES ($1, $2) RETURNING id",
        )
        .bind(unit_id)
        .bind(now_ms())
        .fetch_one(&mut **tx)
        .await?;
        Ok(id)
    }

    /// Inserts persons and returns their ids by ID number.
    pub async fn insert_persons(
        tx: &mut Tx,
        rows: &[NewPersonRow],
    ) -> Result<HashMap<String, i64>> {
        let now = now_ms();
        let mut ids = HashMap::with_capacity(rows.len());
        for chunk in rows.chunks(CHUNK) {
            let sql = format!(
                "INSERT INTO persons (id_number, name, name_initials, household_id, unit_id, created_at) VALUES {} \
                 RETURNING id, id_number",
                Marks::new(tx).rows(chunk.len(), 6)
            );
            let mut q = sqlx::query_as::<_, (i64, String)>(&sql);
            for r in chunk {
                q = q
                    .bind(r.id_number.as_str())
                    .bind(r.name.as_str())
                    .bind(r.name_initials.as_str())
                    .bind(r.household_id)
                    .bind(r.unit_id)
                    .bind(now);
            }
            for (id, idn) in q.fetch_all(&mut **tx).await? {
                ids.insert(idn, id);
            }
        }
        Ok(ids)
    }

    /// Persons already registered under these ID numbers.
    pub async fn persons_by_id_numbers(
        tx: &mut Tx,
        id_numbers: &[String],
    ) -> Result<HashMap<String, RegisteredPerson>> {
        let mut out = HashMap::new();
        for chunk in id_numbers.chunks(CHUNK) {
            let sql = format!(
                "SELECT id_number, id, unit_id, household_id FROM persons WHERE id_number IN ({})",
                Marks::new(tx).list(chunk.len())
            );
            let mut q = sqlx::query_as::<_, (String, i64, i64, Option<i64>)>(&sql);
            for idn in chunk {
                q = q.bind(idn.as_str());
            }
            for (idn, id, unit_id, household_id) in q.fetch_all(&mut **tx).await? {
                out.insert(
                    idn,
                    RegisteredPerson {
                        id,
                        unit_id,
                        household_id,
                    },
                );
            }
        }
        Ok(out)
    }

    /// Current documents of these entities (absent ones are left out).
    pub async fn current_docs(
        tx: &mut Tx,
        entity_type: &str,
        ids: &[i64],
    ) -> Result<HashMap<i64, CurrentDoc>> {
        let mut out = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            let mut m = Marks::new(tx);
            let sql = format!(
                "SELECT entity_id, doc FROM entity_current WHERE entity_type = {} AND entity_id IN ({})",
                m.one(),
                m.list(chunk.len())
            );
            let mut q = sqlx::query_as::<_, (i64, String)>(&sql).bind(entity_type);
            for id in chunk {
                q = q.bind(*id);
            }
            for (id, doc) in q.fetch_all(&mut **tx).await? {
                let doc: CurrentDoc = codec::decode_doc(entity_type, &doc).map_err(|e| {
                    StoreError::Invalid(format!("实体 {entity_type}:{id} 的当前值损坏：{e}"))
                })?;
                out.insert(id, doc);
            }
        }
        Ok(out)
    }

    pub async fn append_facts(tx: &mut Tx, rows: &[FactLogRow]) -> Result<()> {
        let encoded: Vec<FactLogRow<String>> = rows.iter().map(FactLogRow::encoded).collect();
        let refs: Vec<&FactLogRow<String>> = encoded.iter().collect();
        Self::append_encoded_facts(tx, &refs).await
    }

    /// Appends fact-log rows whose changes are already encoded.
    pub async fn append_encoded_facts(tx: &mut Tx, rows: &[&FactLogRow<String>]) -> Result<()> {
        for chunk in rows.chunks(CHUNK) {
            let sql = format!(
                "INSERT INTO fact_log (entity_type, entity_id, recorded_at, valid_from, source, department_id, author_id, import_id, changes) VALUES {}",
                Marks::new(tx).rows(chunk.len(), 9)
            );
            let mut q = sqlx::query(&sql);
            for r in chunk {
                q = q
                    .bind(r.entity_type.as_str())
                    .bind(r.entity_id)
                    .bind(r.recorded_at)
                    .bind(r.valid_from.as_str())
                    .bind(r.source.as_str())
                    .bind(r.department_id)
                    .bind(r.author_id)
                    .bind(r.import_id)
                    .bind(r.changes.as_str());
            }
            q.execute(&mut **tx).await?;
        }
        Ok(())
    }

    pub async fn put_current_docs(
        tx: &mut Tx,
        entity_type: &str,
        docs: &[(i64, &CurrentDoc)],
    ) -> Result<()> {
        let encoded: Vec<(i64, String)> = docs
            .iter()
            .map(|(id, d)| (*id, codec::encode_current_doc(entity_type, d)))
            .collect();
        let refs: Vec<(i64, &str)> = encoded.iter().map(|(id, d)| (*id, d.as_str())).collect();
        Self::put_encoded_docs(tx, entity_type, &refs).await
    }

    /// Writes current documents already encoded with
    /// [`crate::codec::encode_doc`].
    pub async fn put_encoded_docs(
        tx: &mut Tx,
        entity_type: &str,
        docs: &[(i64, &str)],
    ) -> Result<()> {
        let now = now_ms();
        for chunk in docs.chunks(CHUNK) {
            let sql = format!(
                "INSERT INTO entity_current (entity_type, entity_id, doc, updated_at) VALUES {} \
                 ON CONFLICT (entity_type, entity_id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at",
                Marks::new(tx).rows(chunk.len(), 4)
            );
            let mut q = sqlx::query(&sql);
            for (id, doc) in chunk {
                q = q.bind(entity_type).bind(*id).bind(*doc).bind(now);
            }
            q.execute(&mut **tx).await?;
        }
        Ok(())
    }

    pub async fn set_person_name(tx: &mut Tx, id: i64, name: &str, initials: &str) -> Result<()> {
        sqlx::query("UPDATE persons SET name = $1, name_initials = $2 WHERE id = $3")
            .bind(name)
            .bind(initials)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    pub async fn set_person_placement(
        tx: &mut Tx,
        id: i64,
        unit_id: i64,
        household_id: Option<i64>,
    ) -> Result<()> {
        sqlx::query("UPDATE persons SET unit_id = $1, household_id = $2 WHERE id = $3")
            .bind(unit_id)
            .bind(household_id)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    pub async fn insert_conflicts(tx: &mut Tx, rows: &[NewConflict]) -> Result<()> {
        let now = now_ms();
        for c in rows {
            sqlx::query(
                "INSERT INTO conflicts (entity_type, entity_id, element, current_value, current_source, proposed_value, \
                 proposed_source, department_id, import_id, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
            )
            .bind(c.entity_type.as_str())
            .bind(c.entity_id)
            .bind(c.element.as_str())
            .bind(c.current_value.as_deref())
            .bind(c.current_source.as_deref())
            .bind(c.proposed_value.as_str())
            .bind(c.proposed_source.as_str())
            .bind(c.department_id)
            .bind(c.import_id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Whether an identical open conflict is already waiting, so importing
    /// the same file twice does not list it twice.
    pub async fn open_conflict_exists(
        tx: &mut Tx,
        entity_type: &str,
        entity_id: i64,
        element: &str,
        value: &str,
    ) -> Result<bool> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM conflicts WHERE entity_type = $1 AND entity_id = $2 AND element = $3 \
             AND proposed_value = $4 AND status = 'open'",
        )
        .bind(entity_type)
        .bind(entity_id)
        .bind(element)
        .bind(value)
        .fetch_one(&mut **tx)
        .await?;
        Ok(n > 0)
    }

    /// Whether an open merge candidate already names this person for this
    /// unit (one is enough; a second would only pile up).
    pub async fn open_merge_candidate_exists(
        tx: &mut Tx,
        person_id: i64,
        unit_id: i64,
    ) -> Result<bool> {
        let found: Option<(i64,)> = sqlx::query_as(
            "SELECT id FROM merge_candidates WHERE person_id = $1 AND unit_id = $2 \
             AND status = 'open' LIMIT 1",
        )
        .bind(person_id)
        .bind(unit_id)
        .fetch_optional(&mut **tx)
        .await?;
        Ok(found.is_some())
    }

    pub async fn insert_merge_candidate(
        tx: &mut Tx,
        person_id: i64,
        unit_id: i64,
        payload: &str,
        source: &str,
        import_id: Option<i64>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO merge_candidates (person_id, unit_id, payload, source, import_id, created_at) VALUES ($1,$2,$3,$4,$5,$6)",
        )
        .bind(person_id)
        .bind(unit_id)
        .bind(payload)
        .bind(source)
        .bind(import_id)
        .bind(now_ms())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    pub async fn insert_import(tx: &mut Tx, i: &NewImport) -> Result<i64> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO imports (file_name, file_sha256, unit_id, source, department_id, author_id, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
        )
        .bind(i.file_name.as_str())
        .bind(i.file_sha256.as_str())
        .bind(i.unit_id)
        .bind(i.source.as_str())
        .bind(i.department_id)
        .bind(i.author_id)
        .bind(now_ms())
        .fetch_one(&mut **tx)
        .await?;
        Ok(id)
    }

    pub async fn finish_import(tx: &mut Tx, id: i64, c: &ImportCounts) -> Result<()> {
        sqlx::query(
            "UPDATE imports SET rows_total = $1, rows_written = $2, rows_rejected = $3, facts_written = $4, conflicts = $5 WHERE id = $6",
        )
        .bind(c.rows_total)
        .bind(c.rows_written)
        .bind(c.rows_rejected)
        .bind(c.facts_written)
        .bind(c.conflicts)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    // ---- reads outside a transaction ----

    /// The elements a sample of current records holds a value for: which
    /// facts the register keeps at all (the forms audit's prefill share).
    /// A sample, since the answer is about elements, not records.
    pub async fn elements_held(&self, per_type: i64) -> Result<std::collections::HashSet<String>> {
        let mut out = std::collections::HashSet::new();
        for t in ["person", "household", "house", "organization"] {
            let rows: Vec<(String,)> =
                sqlx::query_as("SELECT doc FROM entity_current WHERE entity_type = $1 LIMIT $2")
                    .bind(t)
                    .bind(per_type)
                    .fetch_all(&self.pool)
                    .await?;
            for (doc,) in rows {
                if let Ok(d) = codec::decode_doc(t, &doc) {
                    out.extend(d.into_keys());
                }
            }
        }
        Ok(out)
    }

    pub async fn current_doc(&self, entity_type: &str, id: i64) -> Result<CurrentDoc> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT doc FROM entity_current WHERE entity_type = $1 AND entity_id = $2",
        )
        .bind(entity_type)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some((doc,)) => codec::decode_doc(entity_type, &doc)
                .map_err(|e| StoreError::Invalid(format!("当前值损坏：{e}"))),
            None => Ok(CurrentDoc::new()),
        }
    }

    pub async fn history(&self, entity_type: &str, id: i64) -> Result<Vec<HistoryEntry>> {
        let rows: Vec<HistoryRow> = sqlx::query_as(
            "SELECT f.id, f.recorded_at, f.valid_from, f.source, d.name, u.display_name, f.import_id, f.changes \
             FROM fact_log f LEFT JOIN org_units d ON d.id = f.department_id LEFT JOIN users u ON u.id = f.author_id \
             WHERE f.entity_type = $1 AND f.entity_id = $2 ORDER BY f.id DESC",
        )
        .bind(entity_type)
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(
                |(id, recorded_at, valid_from, source, department, author, import_id, changes)| {
                    Ok(HistoryEntry {
                        id,
                        recorded_at,
                        valid_from,
                        source,
                        department,
                        author,
                        import_id,
                        changes: codec::decode_changes(entity_type, &changes)
                            .map_err(|e| StoreError::Invalid(format!("事实记录 {id} 损坏：{e}")))?,
                    })
                },
            )
            .collect()
    }

    pub async fn person(&self, id: i64) -> Result<Option<PersonListRow>> {
        Ok(sqlx::query_as(
            "SELECT id, id_number, name, household_id, unit_id FROM persons WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn person_by_id_number(&self, id_number: &str) -> Result<Option<PersonListRow>> {
        Ok(sqlx::query_as(
            "SELECT id, id_number, name, household_id, unit_id FROM persons WHERE id_number = $1",
        )
        .bind(id_number)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Residents in scope matching `q` (name part, pinyin initials prefix,
    /// a full ID number, or the last 4 to 6 digits of an ID or phone
    /// number), a page at a time, with the total.
    pub async fn search_persons(
        &self,
        scope_path: &str,
        q: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<PersonListRow>, i64)> {
        let q = q.trim();
        let scope = "unit_id IN (SELECT id FROM org_units WHERE path LIKE $1)";
        let (cond, args): (String, Vec<String>) = if q.is_empty() {
            (String::new(), vec![])
        } else if q.len() >= 15
            && q.chars()
                .all(|c| c.is_ascii_digit() || c == 'X' || c == 'x')
        {
            (" AND id_number = $2".into(), vec![q.to_uppercase()])
        } else if (4..=6).contains(&q.len())
            && q.chars()
                .all(|c| c.is_ascii_digit() || c == 'X' || c == 'x')
        {
            // The last digits of an ID or phone number, as a worker reads
            // them off a paper form: the list still shows them masked.
            let tail = q.to_uppercase();
            (
                // Correlated on the person's key: only the documents of
                // residents in scope are read, not the whole district's.
                " AND (id_number LIKE $2 OR EXISTS (SELECT 1 FROM entity_current e \
                 WHERE e.entity_type = 'person' AND e.entity_id = persons.id AND e.doc LIKE $3))"
                    .into(),
                vec![format!("%{tail}"), format!("%\"phone\":[\"%{tail}\",%")],
            )
        } else if q.chars().all(|c| c.is_ascii_alphabetic()) {
            (
                " AND name_initials LIKE $2".into(),
                vec![format!("{}%", q.to_ascii_lowercase())],
            )
        } else {
            (
                " AND name LIKE $2 ESCAPE '\\'".into(),
                vec![format!("%{}%", crate::orgs::escape_like(q))],
            )
        };
        let n = 1 + args.len();
        let list_sql = format!(
            "SELECT id, id_number, name, household_id, unit_id FROM persons WHERE {scope}{cond} \
             ORDER BY household_id, id LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let mut lq =
            sqlx::query_as::<_, PersonListRow>(&list_sql).bind(subtree_pattern(scope_path));
        let count_sql = format!("SELECT COUNT(*) FROM persons WHERE {scope}{cond}");
        let mut cq = sqlx::query_as::<_, (i64,)>(&count_sql).bind(subtree_pattern(scope_path));
        for a in &args {
            lq = lq.bind(a.clone());
            cq = cq.bind(a.clone());
        }
        let rows = lq.bind(limit).bind(offset).fetch_all(&self.pool).await?;
        let (total,) = cq.fetch_one(&self.pool).await?;
        Ok((rows, total))
    }

    pub async fn household_members(&self, household_id: i64) -> Result<Vec<PersonListRow>> {
        Ok(sqlx::query_as("SELECT id, id_number, name, household_id, unit_id FROM persons WHERE household_id = $1 ORDER BY id")
            .bind(household_id)
            .fetch_all(&self.pool)
            .await?)
    }

    /// How many persons are registered in each of these households (those
    /// with none are left out): the derived 家庭人口数.
    pub async fn household_sizes(&self, household_ids: &[i64]) -> Result<HashMap<i64, i64>> {
        let mut out = HashMap::with_capacity(household_ids.len());
        for chunk in household_ids.chunks(CHUNK) {
            let sql = format!(
                "SELECT household_id, COUNT(*) FROM persons WHERE household_id IN ({}) GROUP BY household_id",
                Marks::of(self).list(chunk.len())
            );
            let mut q = sqlx::query_as::<_, (i64, i64)>(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            out.extend(q.fetch_all(&self.pool).await?);
        }
        Ok(out)
    }

    /// The members of these households with their 与户主关系 (storage
    /// code), read from their current documents.
    pub async fn household_member_relations(
        &self,
        household_ids: &[i64],
    ) -> Result<Vec<MemberRelation>> {
        let wanted = codec::Wanted::new("person", ["person.relation_to_head"]);
        let mut out = Vec::new();
        for chunk in household_ids.chunks(CHUNK) {
            let sql = format!(
                "SELECT p.household_id, p.id, p.name, p.id_number, e.doc FROM persons p \
                 LEFT JOIN entity_current e ON e.entity_type = 'person' AND e.entity_id = p.id \
                 WHERE p.household_id IN ({}) ORDER BY p.id",
                Marks::of(self).list(chunk.len())
            );
            let mut q = sqlx::query_as::<_, (i64, i64, String, String, Option<String>)>(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for (household_id, id, name, id_number, doc) in q.fetch_all(&self.pool).await? {
                let relation = match doc {
                    Some(d) => codec::decode_selected(&d, &wanted)
                        .map_err(|e| {
                            StoreError::Invalid(format!("实体 person:{id} 的当前值损坏：{e}"))
                        })?
                        .remove("person.relation_to_head"),
                    None => None,
                };
                out.push(MemberRelation {
                    household_id,
                    id,
                    name,
                    id_number,
                    relation,
                });
            }
        }
        Ok(out)
    }

    pub async fn household_unit(&self, household_id: i64) -> Result<Option<i64>> {
        let row: Option<(i64,)> = sqlx::query_as("SELECT unit_id FROM households WHERE id = $1")
            .bind(household_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.0))
    }

    /// Open (or other) conflicts on any entity in the scope: persons and
    /// households by their community, houses and organizations by theirs.
    /// Each entity type is matched to its own table, so an id is never read
    /// as another type's.
    pub async fn conflicts_in_scope(
        &self,
        scope_path: &str,
        status: &str,
    ) -> Result<Vec<ConflictRow>> {
        Ok(sqlx::query_as(
            "SELECT c.id, c.entity_type, c.entity_id, c.element, c.current_value, c.current_source, c.proposed_value, \
             c.proposed_source, c.department_id, c.import_id, c.status, c.created_at FROM conflicts c \
             WHERE c.status = $2 AND ( \
               (c.entity_type = 'person' AND c.entity_id IN (SELECT p.id FROM persons p JOIN org_units u ON u.id = p.unit_id WHERE u.path LIKE $1)) \
               OR (c.entity_type = 'household' AND c.entity_id IN (SELECT h.id FROM households h JOIN org_units u ON u.id = h.unit_id WHERE u.path LIKE $1)) \
               OR (c.entity_type IN ('house', 'organization') AND c.entity_id IN \
                   (SELECT e.id FROM register_entities e JOIN org_units u ON u.id = e.unit_id WHERE u.path LIKE $1 AND e.entity_type = c.entity_type))) \
             ORDER BY c.id",
        )
        .bind(subtree_pattern(scope_path))
        .bind(status)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The community an entity of this type belongs to, read from that
    /// type's own table.
    pub async fn entity_unit(&self, entity_type: &str, id: i64) -> Result<Option<i64>> {
        let sql = match entity_type {
            "person" => "SELECT unit_id FROM persons WHERE id = $1",
            "household" => "SELECT unit_id FROM households WHERE id = $1",
            "house" => "SELECT unit_id FROM register_entities WHERE id = $1 AND entity_type = 'house'",
            "organization" => {
                "SELECT unit_id FROM register_entities WHERE id = $1 AND entity_type = 'organization'"
            }
            _ => return Ok(None),
        };
        let row: Option<(i64,)> = sqlx::query_as(sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.0))
    }

    pub async fn conflict(&self, id: i64) -> Result<Option<ConflictRow>> {
        Ok(sqlx::query_as(
            "SELECT id, entity_type, entity_id, element, current_value, current_source, proposed_value, proposed_source, \
             department_id, import_id, status, created_at FROM conflicts WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn resolve_conflict(tx: &mut Tx, id: i64, status: &str, by: i64) -> Result<()> {
        sqlx::query("UPDATE conflicts SET status = $1, resolved_by = $2, resolved_at = $3 WHERE id = $4 AND status = 'open'")
            .bind(status)
            .bind(by)
            .bind(now_ms())
            .bind(id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    pub async fn count_rows(&self, table: &str) -> Result<i64> {
        const TABLES: [&str; 6] = [
            "fact_log",
            "entity_current",
            "conflicts",
            "merge_candidates",
            "imports",
            "persons",
        ];
        if !TABLES.contains(&table) {
            return Err(StoreError::Invalid(format!("未知表 {table}")));
        }
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    /// Tries to rewrite the fact log; exists so tests can show it is refused.
    pub async fn try_tamper_facts(&self) -> Result<()> {
        sqlx::query("UPDATE fact_log SET source = '手工'")
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

impl Db {
    /// All ID numbers, for checks over the whole register.
    pub async fn all_id_numbers(&self) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as("SELECT id_number FROM persons ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    pub async fn person_count(&self) -> Result<i64> {
        self.count_rows("persons").await
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct MergeCandidateRow {
    pub id: i64,
    pub person_id: i64,
    /// The community whose import named this person.
    pub unit_id: i64,
    pub payload: String,
    pub source: String,
    pub status: String,
    pub created_at: i64,
    /// Where the person is registered now.
    pub person_unit_id: i64,
}

impl Db {
    /// Open merge candidates where either the person's community or the
    /// claiming community lies in the scope.
    pub async fn merge_candidates_in_scope(
        &self,
        scope_path: &str,
    ) -> Result<Vec<MergeCandidateRow>> {
        Ok(sqlx::query_as(
            "SELECT m.id, m.person_id, m.unit_id, m.payload, m.source, m.status, m.created_at, p.unit_id AS person_unit_id \
             FROM merge_candidates m JOIN persons p ON p.id = m.person_id \
             WHERE m.status = 'open' AND (p.unit_id IN (SELECT id FROM org_units WHERE path LIKE $1) \
                OR m.unit_id IN (SELECT id FROM org_units WHERE path LIKE $1)) ORDER BY m.id",
        )
        .bind(subtree_pattern(scope_path))
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn merge_candidate(&self, id: i64) -> Result<Option<MergeCandidateRow>> {
        Ok(sqlx::query_as(
            "SELECT m.id, m.person_id, m.unit_id, m.payload, m.source, m.status, m.created_at, p.unit_id AS person_unit_id \
             FROM merge_candidates m JOIN persons p ON p.id = m.person_id WHERE m.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn close_merge_candidate(&self, id: i64, status: &str) -> Result<()> {
        sqlx::query("UPDATE merge_candidates SET status = $1 WHERE id = $2 AND status = 'open'")
            .bind(status)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// A member of a household and how they stand to its head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRelation {
    pub household_id: i64,
    pub id: i64,
    pub name: String,
    pub id_number: String,
    /// 与户主关系 as a GB/T 4761 code, if recorded.
    pub relation: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct HouseholdListRow {
    pub id: i64,
    pub unit_id: i64,
    pub members: i64,
}

impl Db {
    /// Households in scope with their member counts, a page at a time;
    /// with `q`, those with a member of that name or that text among the
    /// household's facts (its address).
    pub async fn households_in_scope(
        &self,
        scope_path: &str,
        q: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<HouseholdListRow>, i64)> {
        let q = q.trim();
        let matching = if q.is_empty() {
            ""
        } else {
            " AND (h.id IN (SELECT household_id FROM persons WHERE name LIKE $2 ESCAPE '\\') \
              OR h.id IN (SELECT entity_id FROM entity_current WHERE entity_type = 'household' \
                          AND doc LIKE $2 ESCAPE '\\'))"
        };
        let pattern = format!("%{}%", crate::orgs::escape_like(q));
        let (limit_mark, offset_mark) = if q.is_empty() {
            ("$2", "$3")
        } else {
            ("$3", "$4")
        };
        let list_sql = format!(
            "SELECT h.id, h.unit_id, (SELECT COUNT(*) FROM persons p WHERE p.household_id = h.id) AS members \
             FROM households h WHERE h.unit_id IN (SELECT id FROM org_units WHERE path LIKE $1){matching} \
             ORDER BY h.id LIMIT {limit_mark} OFFSET {offset_mark}"
        );
        let mut list = sqlx::query_as(&list_sql).bind(subtree_pattern(scope_path));
        let count_sql = format!(
            "SELECT COUNT(*) FROM households h WHERE h.unit_id IN (SELECT id FROM org_units WHERE path LIKE $1){matching}"
        );
        let mut count = sqlx::query_as(&count_sql).bind(subtree_pattern(scope_path));
        if !q.is_empty() {
            list = list.bind(pattern.clone());
            count = count.bind(pattern);
        }
        let rows = list.bind(limit).bind(offset).fetch_all(&self.pool).await?;
        let (total,): (i64,) = count.fetch_one(&self.pool).await?;
        Ok((rows, total))
    }
}

impl Db {
    /// The household with this number in the unit, created if new.
    pub async fn household_for_ref(tx: &mut Tx, unit_id: i64, reference: &str) -> Result<i64> {
        let found: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM households WHERE unit_id = $1 AND ref = $2")
                .bind(unit_id)
                .bind(reference)
                .fetch_optional(&mut **tx)
                .await?;
        if let Some((id,)) = found {
            return Ok(id);
        }
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO households (unit_id, ref, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(unit_id)
        .bind(reference)
        .bind(now_ms())
        .fetch_one(&mut **tx)
        .await?;
        Ok(id)
    }
}
