//! Reports, their tasks (one per community), the rows and values a task
//! adds, and the log of typed cells. The register itself holds every fact a
//! task writes; these tables hold only what belongs to the report.

use crate::register::Tx;
use crate::{codec, db::now_ms, orgs::subtree_pattern, Db, Result, StoreError};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ReportRow {
    pub id: i64,
    pub title: String,
    pub department_id: i64,
    pub department: String,
    pub kind: String,
    pub definition: String,
    pub frequency: String,
    pub period: String,
    pub deadline: String,
    pub targets: String,
    pub template_name: Option<String>,
    pub status: String,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub published_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewReport {
    pub title: String,
    pub department_id: i64,
    pub kind: String,
    pub definition: String,
    pub frequency: String,
    pub period: String,
    pub deadline: String,
    pub targets: String,
    pub template_name: Option<String>,
    pub created_by: Option<i64>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct TaskRow {
    pub id: i64,
    pub report_id: i64,
    pub report_title: String,
    pub report_period: String,
    pub report_deadline: String,
    pub department_id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_path: String,
    pub status: String,
    pub cells_total: i64,
    pub cells_prefilled: i64,
    pub cells_typed: i64,
    pub active_ms: i64,
    pub last_edit_at: Option<i64>,
    pub submitted_at: Option<i64>,
    pub snapshot: Option<String>,
    pub reviewed_at: Option<i64>,
    pub review_comment: Option<String>,
}

/// One entity offered to a report, with its current values.
#[derive(Debug, Clone)]
pub struct EntityFacts {
    pub id: i64,
    pub unit_id: i64,
    pub household_id: Option<i64>,
    pub name: String,
    pub facts: HashMap<String, String>,
}

const REPORT_COLUMNS: &str = "r.id, r.title, r.department_id, d.short_name AS department, r.kind, \
     r.definition, r.frequency, r.period, r.deadline, r.targets, r.template_name, r.status, \
     r.created_by, r.created_at, r.published_at";

const TASK_COLUMNS: &str =
    "t.id, t.report_id, r.title AS report_title, r.period AS report_period, \
     r.deadline AS report_deadline, r.department_id, t.unit_id, u.name AS unit_name, \
     u.path AS unit_path, t.status, t.cells_total, t.cells_prefilled, t.cells_typed, t.active_ms, \
     t.last_edit_at, t.submitted_at, t.snapshot, t.reviewed_at, t.review_comment";

/// Separators of [`EntityPack`]: fields of an entity (unit, id, household,
/// name, document), and entities. JSON never holds them raw, and names
/// have them replaced. The document comes last so the database copies it
/// once while concatenating.
const FIELD_SEP: char = '\u{1f}';
const RECORD_SEP: char = '\u{1e}';

/// The `string_agg(` of a person's record, left open for its separator.
/// One aggregate over all the persons, not one per unit: a GROUP BY made
/// SQLite sort every document through a temporary B-tree first.
const PERSON_RECORD: &str =
    "string_agg(CAST(p.unit_id AS TEXT) || '\u{1f}' || CAST(p.id AS TEXT) || '\u{1f}' || \
     COALESCE(CAST(p.household_id AS TEXT), '') || '\u{1f}' || \
     replace(replace(p.name, '\u{1e}', ' '), '\u{1f}', ' ') || '\u{1f}' || COALESCE(e.doc, '')";

/// Households packed (no name field), those `condition` picks.
fn household_pack_sql(condition: &str) -> String {
    format!(
        "SELECT string_agg(CAST(h.unit_id AS TEXT) || '{F}' || CAST(h.id AS TEXT) || '{F}' || \
         CAST(h.id AS TEXT) || '{F}{F}' || COALESCE(e.doc, ''), '{R}') \
         FROM households h \
         LEFT JOIN entity_current e ON e.entity_type = 'household' AND e.entity_id = h.id \
         WHERE {condition}",
        F = FIELD_SEP,
        R = RECORD_SEP
    )
}

/// Entities of one type as the database packed them, each with its unit.
#[derive(Debug, Clone)]
pub struct EntityPack {
    entity_type: String,
    packed: String,
}

impl EntityPack {
    /// The pack's entities with their values: all, or only the wanted.
    pub fn unpack(&self, wanted: Option<&codec::Wanted>) -> Result<Vec<EntityFacts>> {
        let mut out = Vec::new();
        self.each_record(|unit_id, id, household_id, name, doc| {
            out.push(EntityFacts {
                id,
                unit_id,
                household_id,
                name: name.to_string(),
                facts: self.decode(id, doc, wanted)?,
            });
            Ok(())
        })?;
        Ok(out)
    }

    /// The entities `keep` accepts, judged on the `first` elements alone,
    /// with the `then` elements: a roster lists a few of a community's
    /// thousands, and only those need their other columns decoded.
    pub fn unpack_where(
        &self,
        first: &codec::Wanted,
        then: &codec::Wanted,
        mut keep: impl FnMut(i64, &HashMap<String, String>) -> bool,
    ) -> Result<Vec<EntityFacts>> {
        let mut out = Vec::new();
        self.each_record(|unit_id, id, household_id, name, doc| {
            if keep(id, &self.decode(id, doc, Some(first))?) {
                out.push(EntityFacts {
                    id,
                    unit_id,
                    household_id,
                    name: name.to_string(),
                    facts: self.decode(id, doc, Some(then))?,
                });
            }
            Ok(())
        })?;
        Ok(out)
    }

    fn decode(
        &self,
        id: i64,
        doc: &str,
        wanted: Option<&codec::Wanted>,
    ) -> Result<HashMap<String, String>> {
        let et = self.entity_type.as_str();
        match (doc, wanted) {
            ("", _) => Ok(HashMap::new()),
            (d, Some(w)) => codec::decode_selected(d, w),
            (d, None) => codec::decode_values(et, d),
        }
        .map_err(|e| StoreError::Invalid(format!("实体 {et}:{id} 的当前值损坏：{e}")))
    }

    /// Calls `f` with each record's unit, id, household, name and document.
    fn each_record(
        &self,
        mut f: impl FnMut(i64, i64, Option<i64>, &str, &str) -> Result<()>,
    ) -> Result<()> {
        let et = self.entity_type.as_str();
        if self.packed.is_empty() {
            return Ok(());
        }
        for record in self.packed.split(RECORD_SEP) {
            let bad = |what: &str| {
                let at: String = record.chars().take(24).collect();
                StoreError::Invalid(format!("{et}数据损坏（“{at}”）：{what}"))
            };
            let mut fields = record.splitn(5, FIELD_SEP);
            let (Some(unit), Some(id), Some(household), Some(name), Some(doc)) = (
                fields.next(),
                fields.next(),
                fields.next(),
                fields.next(),
                fields.next(),
            ) else {
                return Err(bad("字段不全"));
            };
            let unit_id: i64 = unit.parse().map_err(|_| bad("单位编号无效"))?;
            let id: i64 = id.parse().map_err(|_| bad("编号无效"))?;
            let household_id = match household {
                "" => None,
                h => Some(h.parse().map_err(|_| bad("家庭户编号无效"))?),
            };
            f(unit_id, id, household_id, name, doc)?;
        }
        Ok(())
    }
}

/// A gap between two typed cells longer than this is a pause, not work.
const IDLE_MS: i64 = 120_000;

impl Db {
    pub async fn insert_report(&self, r: &NewReport) -> Result<i64> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO reports (title, department_id, kind, definition, frequency, period, \
             deadline, targets, template_name, created_by, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) RETURNING id",
        )
        .bind(&r.title)
        .bind(r.department_id)
        .bind(&r.kind)
        .bind(&r.definition)
        .bind(&r.frequency)
        .bind(&r.period)
        .bind(&r.deadline)
        .bind(&r.targets)
        .bind(&r.template_name)
        .bind(r.created_by)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    /// Rewrites a draft; false when it is no longer a draft.
    pub async fn update_draft_report(&self, id: i64, r: &NewReport) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE reports SET title = $1, kind = $2, definition = $3, frequency = $4, \
             period = $5, deadline = $6, targets = $7, template_name = $8 \
             WHERE id = $9 AND status = '草稿' AND NOT EXISTS (SELECT 1 FROM admissions \
             WHERE report_id = $9 AND status IN ('submitted', 'escalated', 'admitted'))",
        )
        .bind(&r.title)
        .bind(&r.kind)
        .bind(&r.definition)
        .bind(&r.frequency)
        .bind(&r.period)
        .bind(&r.deadline)
        .bind(&r.targets)
        .bind(&r.template_name)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Whether a request to admit this report is under review or admitted.
    pub async fn report_has_live_admission(&self, report_id: i64) -> Result<bool> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM admissions WHERE report_id = $1 \
             AND status IN ('submitted', 'escalated', 'admitted')",
        )
        .bind(report_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    pub async fn report(&self, id: i64) -> Result<Option<ReportRow>> {
        let sql = format!(
            "SELECT {REPORT_COLUMNS} FROM reports r JOIN org_units d ON d.id = r.department_id \
             WHERE r.id = $1"
        );
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Reports of these departments, or all of them (`None`), newest first.
    pub async fn reports(&self, departments: Option<&[i64]>) -> Result<Vec<ReportRow>> {
        let mut sql = format!(
            "SELECT {REPORT_COLUMNS} FROM reports r JOIN org_units d ON d.id = r.department_id"
        );
        if let Some(ids) = departments {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
            sql.push_str(&format!(" WHERE r.department_id IN ({})", marks.join(",")));
        }
        sql.push_str(" ORDER BY r.id DESC");
        let mut q = sqlx::query_as(&sql);
        for id in departments.unwrap_or_default() {
            q = q.bind(*id);
        }
        Ok(q.fetch_all(&self.pool).await?)
    }

    /// Publishes a draft: one task per target unit, in one transaction.
    pub async fn publish_report(&self, id: i64, units: &[i64]) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE reports SET status = '已发布', published_at = $1 WHERE id = $2 AND status = '草稿'",
        )
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Invalid("报表已发布，不能重复发布".into()));
        }
        for u in units {
            sqlx::query("INSERT INTO report_tasks (report_id, unit_id) VALUES ($1, $2)")
                .bind(id)
                .bind(*u)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn tasks_of_report(&self, report_id: i64) -> Result<Vec<TaskRow>> {
        let sql = format!(
            "SELECT {TASK_COLUMNS} FROM report_tasks t JOIN reports r ON r.id = t.report_id \
             JOIN org_units u ON u.id = t.unit_id WHERE t.report_id = $1 ORDER BY u.path"
        );
        Ok(sqlx::query_as(&sql)
            .bind(report_id)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Tasks of the units in a scope, open ones first, by deadline.
    pub async fn tasks_in_scope(&self, scope_path: &str) -> Result<Vec<TaskRow>> {
        let sql = format!(
            "SELECT {TASK_COLUMNS} FROM report_tasks t JOIN reports r ON r.id = t.report_id \
             JOIN org_units u ON u.id = t.unit_id WHERE u.path LIKE $1 \
             ORDER BY CASE WHEN t.status IN ('已提交','已接收') THEN 1 ELSE 0 END, r.deadline, t.id"
        );
        Ok(sqlx::query_as(&sql)
            .bind(subtree_pattern(scope_path))
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn task(&self, id: i64) -> Result<Option<TaskRow>> {
        let sql = format!(
            "SELECT {TASK_COLUMNS} FROM report_tasks t JOIN reports r ON r.id = t.report_id \
             JOIN org_units u ON u.id = t.unit_id WHERE t.id = $1"
        );
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// The entities of a type under a unit, in no particular order, each
    /// with the unit it is registered in. Unpack them with
    /// [`EntityPack::unpack`].
    ///
    /// The pack is one value the database concatenated: a community of
    /// thousands of persons comes back as one row, because handing rows
    /// over one by one (SQLite's worker thread wakes the reader for each)
    /// cost more than reading them. `string_agg` is the same SQL on
    /// PostgreSQL and on SQLite (3.44 and later; bundled).
    pub async fn entity_packs(
        &self,
        entity_type: &str,
        scope_path: &str,
    ) -> Result<Vec<EntityPack>> {
        // The units first, then their entities through the unit index: a
        // LIKE on the joined path made SQLite scan every person of the
        // district for one community's task.
        if entity_type == "person" {
            if let Some(packs) = self.person_packs_by_range(scope_path).await? {
                return Ok(packs);
            }
        }
        let sql = match entity_type {
            "person" => format!(
                "SELECT {PERSON_RECORD}, '{R}') \
                 FROM persons p \
                 LEFT JOIN entity_current e ON e.entity_type = 'person' AND e.entity_id = p.id \
                 WHERE p.unit_id IN (SELECT id FROM org_units WHERE path LIKE $1)",
                R = RECORD_SEP
            ),
            "household" => {
                household_pack_sql("h.unit_id IN (SELECT id FROM org_units WHERE path LIKE $1)")
            }
            other => return Err(StoreError::Invalid(format!("报表不支持对象类型“{other}”"))),
        };
        self.packs_of(entity_type, &sql, scope_path).await
    }

    /// [`Db::entity_packs`] of persons read along `entity_current` when the
    /// unit's persons are (nearly) one run of ids, as they are when a
    /// community is registered or imported at once: a range scan of the
    /// documents with each person found by its integer key, instead of a
    /// search by (type, id) for every person. `None` when the ids are
    /// scattered or a person has no document, so the general plan reads
    /// them.
    async fn person_packs_by_range(&self, scope_path: &str) -> Result<Option<Vec<EntityPack>>> {
        let pattern = subtree_pattern(scope_path);
        let (lo, hi, n): (Option<i64>, Option<i64>, i64) = sqlx::query_as(
            "SELECT MIN(id), MAX(id), COUNT(*) FROM persons \
             WHERE unit_id IN (SELECT id FROM org_units WHERE path LIKE $1)",
        )
        .bind(&pattern)
        .fetch_one(&self.pool)
        .await?;
        let (Some(lo), Some(hi)) = (lo, hi) else {
            return Ok(None);
        };
        if hi - lo + 1 > 2 * n {
            return Ok(None);
        }
        // CROSS JOIN makes SQLite walk the documents first; PostgreSQL
        // plans it as the inner join it is.
        let sql = format!(
            "SELECT {PERSON_RECORD}, '{R}') \
             FROM entity_current e CROSS JOIN persons p \
             WHERE e.entity_type = 'person' AND e.entity_id BETWEEN $2 AND $3 \
             AND p.id = e.entity_id \
             AND p.unit_id IN (SELECT id FROM org_units WHERE path LIKE $1)",
            R = RECORD_SEP
        );
        let (packed,): (Option<String>,) = sqlx::query_as(&sql)
            .bind(&pattern)
            .bind(lo)
            .bind(hi)
            .fetch_one(&self.pool)
            .await?;
        let packed = packed.unwrap_or_default();
        let found = match packed.as_str() {
            "" => 0,
            p => p.matches(RECORD_SEP).count() as i64 + 1,
        };
        if found != n {
            return Ok(None);
        }
        Ok(Some(vec![EntityPack {
            entity_type: "person".into(),
            packed,
        }]))
    }

    /// The households of the persons under a unit, packed like
    /// [`Db::entity_packs`]: what a person report reads of households,
    /// wherever the household itself is registered.
    pub async fn household_packs_of_persons(&self, scope_path: &str) -> Result<Vec<EntityPack>> {
        let sql = household_pack_sql(
            "h.id IN (SELECT household_id FROM persons \
             WHERE unit_id IN (SELECT id FROM org_units WHERE path LIKE $1))",
        );
        self.packs_of("household", &sql, scope_path).await
    }

    async fn packs_of(
        &self,
        entity_type: &str,
        sql: &str,
        scope_path: &str,
    ) -> Result<Vec<EntityPack>> {
        let (packed,): (Option<String>,) = sqlx::query_as(sql)
            .bind(subtree_pattern(scope_path))
            .fetch_one(&self.pool)
            .await?;
        Ok(vec![EntityPack {
            entity_type: entity_type.to_string(),
            packed: packed.unwrap_or_default(),
        }])
    }

    /// Entities of a type under a unit, with their current values (all of
    /// them, or only the `wanted` elements), in registration order.
    pub async fn entities_in_scope(
        &self,
        entity_type: &str,
        scope_path: &str,
        wanted: Option<&codec::Wanted>,
    ) -> Result<Vec<EntityFacts>> {
        let mut out = Vec::new();
        for pack in self.entity_packs(entity_type, scope_path).await? {
            out.extend(pack.unpack(wanted)?);
        }
        out.sort_unstable_by_key(|e| e.id);
        Ok(out)
    }

    /// Current values of these entities, for the households of a roster.
    pub async fn values_of(
        &self,
        entity_type: &str,
        ids: &[i64],
    ) -> Result<HashMap<i64, HashMap<String, String>>> {
        let mut out = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let mut m = crate::register::Marks::of(self);
            let sql = format!(
                "SELECT entity_id, doc FROM entity_current WHERE entity_type = {} AND entity_id IN ({})",
                m.one(),
                m.list(chunk.len())
            );
            let mut q = sqlx::query_as::<_, (i64, String)>(&sql).bind(entity_type);
            for id in chunk {
                q = q.bind(*id);
            }
            for (id, doc) in q.fetch_all(&self.pool).await? {
                let v = codec::decode_values(entity_type, &doc).map_err(|e| {
                    StoreError::Invalid(format!("实体 {entity_type}:{id} 的当前值损坏：{e}"))
                })?;
                out.insert(id, v);
            }
        }
        Ok(out)
    }

    pub async fn task_rows(&self, task_id: i64) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> =
            sqlx::query_as("SELECT entity_id FROM task_rows WHERE task_id = $1 ORDER BY added_at")
                .bind(task_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    pub async fn add_task_row(
        tx: &mut Tx,
        task_id: i64,
        entity_type: &str,
        entity_id: i64,
        by: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO task_rows (task_id, entity_type, entity_id, added_by, added_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(task_id)
        .bind(entity_type)
        .bind(entity_id)
        .bind(by)
        .bind(now_ms())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Values of the report-only columns: (row key, column) → value.
    pub async fn task_cells(&self, task_id: i64) -> Result<HashMap<(String, usize), String>> {
        let rows: Vec<(String, i64, String)> =
            sqlx::query_as("SELECT row_key, col, value FROM task_cells WHERE task_id = $1")
                .bind(task_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(k, c, v)| ((k, usize::try_from(c).unwrap_or(usize::MAX)), v))
            .collect())
    }

    pub async fn put_task_cell(
        tx: &mut Tx,
        task_id: i64,
        row_key: &str,
        col: i64,
        value: &str,
        author: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO task_cells (task_id, row_key, col, value, author_id, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (task_id, row_key, col) DO UPDATE SET value = excluded.value, \
             author_id = excluded.author_id, updated_at = excluded.updated_at",
        )
        .bind(task_id)
        .bind(row_key)
        .bind(col)
        .bind(value)
        .bind(author)
        .bind(now_ms())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The register cells typed in this task: (entity id, element).
    pub async fn typed_elements(&self, task_id: i64) -> Result<Vec<(i64, String)>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT DISTINCT row_key, element FROM task_edits WHERE task_id = $1 AND element IS NOT NULL",
        )
        .bind(task_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(k, e)| k.parse().ok().map(|id| (id, e)))
            .collect())
    }

    /// Starts a cell edit: the first statement of the edit's transaction
    /// writes the task row, so concurrent edits of one task queue here
    /// (SQLite's write lock, PostgreSQL's row lock) and each then reads what
    /// the one before it wrote. Adds the time since the previous edit to the
    /// active time (a gap over two minutes is a pause, not work); a task not
    /// yet started, or returned, is now being filled.
    pub async fn begin_task_edit(tx: &mut Tx, task_id: i64) -> Result<()> {
        let now = now_ms();
        sqlx::query(
            "UPDATE report_tasks SET active_ms = active_ms + CASE \
                 WHEN last_edit_at IS NULL OR $1 < last_edit_at THEN 0 \
                 WHEN $1 - last_edit_at > $2 THEN $2 \
                 ELSE $1 - last_edit_at END, \
             last_edit_at = $1, \
             status = CASE WHEN status IN ('未开始','退回') THEN '填报中' ELSE status END \
             WHERE id = $3",
        )
        .bind(now)
        .bind(IDLE_MS)
        .bind(task_id)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// A report-only value as stored now, read inside the edit.
    pub async fn task_cell(
        tx: &mut Tx,
        task_id: i64,
        row_key: &str,
        col: i64,
    ) -> Result<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT value FROM task_cells WHERE task_id = $1 AND row_key = $2 AND col = $3",
        )
        .bind(task_id)
        .bind(row_key)
        .bind(col)
        .fetch_optional(&mut **tx)
        .await?;
        Ok(row.map(|(v,)| v))
    }

    /// Logs a typed cell and recounts the distinct cells typed in the task.
    pub async fn record_task_edit(
        tx: &mut Tx,
        task_id: i64,
        row_key: &str,
        col: i64,
        element: Option<&str>,
        value: &str,
        author: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO task_edits (task_id, row_key, col, element, value, author_id, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(task_id)
        .bind(row_key)
        .bind(col)
        .bind(element)
        .bind(value)
        .bind(author)
        .bind(now_ms())
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "UPDATE report_tasks SET cells_typed = (SELECT COUNT(*) FROM \
                 (SELECT DISTINCT row_key, col FROM task_edits WHERE task_id = $1) typed) \
             WHERE id = $1",
        )
        .bind(task_id)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Stores the cell counts seen when the task was last opened.
    /// Cell counts of many tasks in one transaction (prefilling a report).
    pub async fn set_task_counts_tx(
        tx: &mut Tx,
        task_id: i64,
        total: i64,
        prefilled: i64,
    ) -> Result<()> {
        sqlx::query("UPDATE report_tasks SET cells_total = $1, cells_prefilled = $2 WHERE id = $3")
            .bind(total)
            .bind(prefilled)
            .bind(task_id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    pub async fn set_task_counts(&self, task_id: i64, total: i64, prefilled: i64) -> Result<()> {
        sqlx::query("UPDATE report_tasks SET cells_total = $1, cells_prefilled = $2 WHERE id = $3")
            .bind(total)
            .bind(prefilled)
            .bind(task_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Moves a task from one of `from` to `to`; false if it was in none of
    /// them (someone else moved it first).
    #[allow(clippy::too_many_arguments)]
    /// A submission taken back before the department decided on it: the
    /// task is open again and the submitted snapshot is dropped. False when
    /// the task is no longer submitted (accepted or returned meanwhile).
    pub async fn withdraw_task(&self, task_id: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE report_tasks SET status = '填报中', submitted_by = NULL, submitted_at = NULL, \
             snapshot = NULL WHERE id = $1 AND status = '已提交'",
        )
        .bind(task_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn move_task(
        &self,
        task_id: i64,
        from: &[&str],
        to: &str,
        by: i64,
        snapshot: Option<&str>,
        comment: Option<&str>,
    ) -> Result<bool> {
        let marks: Vec<String> = (6..from.len() + 6).map(|i| format!("${i}")).collect();
        let (who, when) = if to == "已提交" {
            ("submitted_by", "submitted_at")
        } else {
            ("reviewed_by", "reviewed_at")
        };
        let sql = format!(
            "UPDATE report_tasks SET status = $1, {who} = $2, {when} = $3, \
             snapshot = COALESCE($4, snapshot), review_comment = COALESCE($5, review_comment) \
             WHERE status IN ({list}) AND id = {id}",
            id = format_args!("${}", from.len() + 6),
            list = marks.join(",")
        );
        let mut q = sqlx::query(&sql)
            .bind(to)
            .bind(by)
            .bind(now_ms())
            .bind(snapshot)
            .bind(comment);
        for f in from {
            q = q.bind(*f);
        }
        let done = q.bind(task_id).execute(&self.pool).await?;
        Ok(done.rows_affected() == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pack(packed: String) -> EntityPack {
        EntityPack {
            entity_type: "person".into(),
            packed,
        }
    }

    #[test]
    fn the_sql_record_uses_the_separators_the_reader_splits_on() {
        assert_eq!(PERSON_RECORD.matches(FIELD_SEP).count(), 5);
        assert_eq!(PERSON_RECORD.matches(RECORD_SEP).count(), 1);
    }

    #[test]
    fn packs_unpack_into_entities() {
        let doc = r#"{"p":[["导入",null,1]],"v":{"name":["张三",0],"sex":["1",0],"note":["a\u001eb",0]}}"#;
        let text = format!("7{FIELD_SEP}12{FIELD_SEP}5{FIELD_SEP}张三{FIELD_SEP}{doc}{RECORD_SEP}8{FIELD_SEP}13{FIELD_SEP}{FIELD_SEP}李四{FIELD_SEP}");
        let all = pack(text.clone()).unpack(None).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(
            (all[0].id, all[0].household_id, all[0].unit_id),
            (12, Some(5), 7)
        );
        assert_eq!(all[0].name, "张三");
        assert_eq!(all[0].facts["person.note"], "a\u{1e}b");
        // No household and no document: no facts, not an error.
        assert_eq!(
            (all[1].unit_id, all[1].household_id, all[1].facts.len()),
            (8, None, 0)
        );
        let some = pack(text)
            .unpack(Some(&codec::Wanted::new("person", ["person.sex"])))
            .unwrap();
        assert_eq!(some[0].facts.len(), 1);
        assert_eq!(some[0].facts["person.sex"], "1");
        // Nothing registered: an empty pack, no entities.
        assert!(pack(String::new()).unpack(None).unwrap().is_empty());
    }

    #[test]
    fn a_damaged_pack_is_named_not_misread() {
        for bad in [
            "u\u{1f}1\u{1f}\u{1f}名\u{1f}".to_string(),
            "7\u{1f}x\u{1f}\u{1f}名\u{1f}".to_string(),
            "7\u{1f}1\u{1f}y\u{1f}名\u{1f}".to_string(),
            "7\u{1f}1\u{1f}2".to_string(),
            "7\u{1f}1\u{1f}\u{1f}名\u{1f}{not json".to_string(),
        ] {
            let err = pack(bad.clone()).unpack(None).unwrap_err().to_string();
            assert!(
                err.contains("数据损坏") || err.contains("person:1"),
                "{bad:?}: {err}"
            );
        }
    }
}
