use crate::{db::now_ms, Db, Result, StoreError};
use jianfu_core::org::OrgKind;
use jianfu_core::scope;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OrgUnit {
    pub id: i64,
    pub code: Option<String>,
    pub name: String,
    pub short_name: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub path: String,
}

impl OrgUnit {
    pub fn kind(&self) -> Option<OrgKind> {
        OrgKind::from_code(&self.kind)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsertOutcome {
    Inserted,
    Updated,
    Unchanged,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct UnitCounts {
    pub townships: i64,
    pub communities: i64,
    pub grids: i64,
    pub departments: i64,
    pub households: i64,
    pub persons: i64,
}

const COLS: &str = "id, code, name, short_name, kind, parent_id, path";

impl Db {
    /// Inserts a unit under `parent_id` and sets its materialised path.
    pub async fn insert_unit(
        &self,
        code: Option<&str>,
        name: &str,
        short_name: &str,
        kind: OrgKind,
        parent_id: Option<i64>,
    ) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        let parent_path: Option<String> = match parent_id {
            Some(pid) => {
                let row: Option<(String,)> =
                    sqlx::query_as("SELECT path FROM org_units WHERE id = $1")
                        .bind(pid)
                        .fetch_optional(&mut *tx)
                        .await?;
                Some(
                    row.ok_or_else(|| StoreError::Invalid(format!("上级单位 {pid} 不存在")))?
                        .0,
                )
            }
            None => None,
        };
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO org_units (code, name, short_name, kind, parent_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(code)
        .bind(name)
        .bind(short_name)
        .bind(kind.code())
        .bind(parent_id)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        let path = scope::child_path(parent_path.as_deref(), id);
        sqlx::query("UPDATE org_units SET path = $1 WHERE id = $2")
            .bind(&path)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Creates or updates the unit with this division code. Re-importing the
    /// same data is a no-op; a unit whose parent changed is moved, together
    /// with its subtree.
    pub async fn upsert_division(
        &self,
        code: &str,
        name: &str,
        short_name: &str,
        kind: OrgKind,
        parent_code: Option<&str>,
    ) -> Result<UpsertOutcome> {
        let parent = match parent_code {
            Some(pc) => Some(
                self.unit_by_code(pc)
                    .await?
                    .ok_or_else(|| StoreError::Invalid(format!("上级代码 {pc} 不存在")))?,
            ),
            None => None,
        };
        let Some(existing) = self.unit_by_code(code).await? else {
            self.insert_unit(
                Some(code),
                name,
                short_name,
                kind,
                parent.as_ref().map(|p| p.id),
            )
            .await?;
            return Ok(UpsertOutcome::Inserted);
        };
        let parent_id = parent.as_ref().map(|p| p.id);
        if existing.name == name && existing.kind == kind.code() && existing.parent_id == parent_id
        {
            return Ok(UpsertOutcome::Unchanged);
        }
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE org_units SET name = $1, short_name = $2, kind = $3, parent_id = $4 WHERE id = $5")
            .bind(name)
            .bind(short_name)
            .bind(kind.code())
            .bind(parent_id)
            .bind(existing.id)
            .execute(&mut *tx)
            .await?;
        if existing.parent_id != parent_id {
            let new_path = scope::child_path(parent.as_ref().map(|p| p.path.as_str()), existing.id);
            sqlx::query(
                "UPDATE org_units SET path = $1 || substr(path, CAST($2 AS INTEGER)) WHERE path LIKE $3",
            )
            .bind(&new_path)
            .bind(existing.path.len() as i64 + 1)
            .bind(subtree_pattern(&existing.path))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(UpsertOutcome::Updated)
    }

    pub async fn unit(&self, id: i64) -> Result<Option<OrgUnit>> {
        Ok(
            sqlx::query_as(&format!("SELECT {COLS} FROM org_units WHERE id = $1"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// [`Db::unit`] inside a transaction, for a caller that must not touch
    /// the pool meanwhile (an exclusive bulk load, see [`Db::begin_bulk`]).
    pub async fn unit_tx(tx: &mut crate::Tx, id: i64) -> Result<Option<OrgUnit>> {
        Ok(
            sqlx::query_as(&format!("SELECT {COLS} FROM org_units WHERE id = $1"))
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?,
        )
    }

    pub async fn unit_by_code(&self, code: &str) -> Result<Option<OrgUnit>> {
        Ok(
            sqlx::query_as(&format!("SELECT {COLS} FROM org_units WHERE code = $1"))
                .bind(code)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Finds a unit by division code, or by exact name when the name is
    /// unique (departments have no code).
    pub async fn unit_by_code_or_name(&self, key: &str) -> Result<Option<OrgUnit>> {
        if let Some(u) = self.unit_by_code(key).await? {
            return Ok(Some(u));
        }
        let mut rows: Vec<OrgUnit> = sqlx::query_as(&format!(
            "SELECT {COLS} FROM org_units WHERE name = $1 OR short_name = $1 LIMIT 2"
        ))
        .bind(key)
        .fetch_all(&self.pool)
        .await?;
        Ok(if rows.len() == 1 { rows.pop() } else { None })
    }

    pub async fn children(&self, parent_id: i64) -> Result<Vec<OrgUnit>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLS} FROM org_units WHERE parent_id = $1 ORDER BY (code IS NULL), code, id"
        ))
        .bind(parent_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn units_by_ids(&self, ids: &[i64]) -> Result<Vec<OrgUnit>> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(u) = self.unit(*id).await? {
                out.push(u);
            }
        }
        Ok(out)
    }

    /// Every unit in the subtree at `scope_path`, optionally leaving out
    /// grids (there are thousands of them in a real district).
    pub async fn subtree(&self, scope_path: &str, include_grids: bool) -> Result<Vec<OrgUnit>> {
        let grid_filter = if include_grids {
            ""
        } else {
            " AND kind <> 'grid'"
        };
        Ok(sqlx::query_as(&format!(
            "SELECT {COLS} FROM org_units WHERE path LIKE $1{grid_filter} ORDER BY (code IS NULL), code, id"
        ))
        .bind(subtree_pattern(scope_path))
        .fetch_all(&self.pool)
        .await?)
    }

    /// Searches units in scope by name or code.
    pub async fn search_units(
        &self,
        scope_path: &str,
        query: &str,
        limit: i64,
    ) -> Result<Vec<OrgUnit>> {
        let pattern = format!("%{}%", escape_like(query));
        let prefix = format!("{}%", escape_like(query));
        Ok(sqlx::query_as(&format!(
            "SELECT {COLS} FROM org_units WHERE path LIKE $1 \
             AND (name LIKE $2 ESCAPE '\\' OR short_name LIKE $2 ESCAPE '\\' OR code LIKE $3 ESCAPE '\\') \
             ORDER BY length(path), (code IS NULL), code, id LIMIT $4"
        ))
        .bind(subtree_pattern(scope_path))
        .bind(pattern)
        .bind(prefix)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn count_units_of_kind(&self, scope_path: &str, kind: OrgKind) -> Result<i64> {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM org_units WHERE path LIKE $1 AND kind = $2")
                .bind(subtree_pattern(scope_path))
                .bind(kind.code())
                .fetch_one(&self.pool)
                .await?;
        Ok(n)
    }

    pub async fn unit_counts(&self, scope_path: &str) -> Result<UnitCounts> {
        let kinds: Vec<(String, i64)> =
            sqlx::query_as("SELECT kind, COUNT(*) FROM org_units WHERE path LIKE $1 GROUP BY kind")
                .bind(subtree_pattern(scope_path))
                .fetch_all(&self.pool)
                .await?;
        let mut c = UnitCounts::default();
        for (kind, n) in kinds {
            match kind.as_str() {
                "township" => c.townships = n,
                "community" => c.communities = n,
                "grid" => c.grids = n,
                "department" => c.departments = n,
                _ => {}
            }
        }
        let (persons,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM persons WHERE unit_id IN (SELECT id FROM org_units WHERE path LIKE $1)",
        )
        .bind(subtree_pattern(scope_path))
        .fetch_one(&self.pool)
        .await?;
        let (households,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM households WHERE unit_id IN (SELECT id FROM org_units WHERE path LIKE $1)",
        )
        .bind(subtree_pattern(scope_path))
        .fetch_one(&self.pool)
        .await?;
        c.persons = persons;
        c.households = households;
        Ok(c)
    }

    /// Number of units in the whole tree.
    pub async fn count_all_units(&self) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM org_units")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }
}

/// LIKE pattern for a subtree. Paths hold only digits and slashes, so
/// nothing needs escaping, and PostgreSQL can use the text_pattern_ops index.
pub(crate) fn subtree_pattern(path: &str) -> String {
    format!("{path}%")
}

/// Escapes `%`, `_` and `\` so user input is matched literally in LIKE.
pub(crate) fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl Db {
    /// Every division code present, for import validation.
    pub async fn all_unit_codes(&self) -> Result<std::collections::HashSet<String>> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT code FROM org_units WHERE code IS NOT NULL")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}

impl Db {
    /// Every department unit.
    pub async fn departments(&self) -> Result<Vec<OrgUnit>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLS} FROM org_units WHERE kind = 'department' ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await?)
    }
}
