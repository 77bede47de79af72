//! The versioned element dictionary. Each change adds a version; the
//! previous one stays, so a report built on version N keeps its meaning.

use crate::{db::now_ms, Db, Result};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ElementRow {
    pub code: String,
    pub version: i64,
    pub name: String,
    /// Aliases joined by `|`.
    pub aliases: String,
    pub entity: String,
    pub value_type: String,
    pub code_table: Option<String>,
    pub unit: Option<String>,
    pub sensitivity: String,
    pub theme: String,
    pub steward: Option<String>,
    pub rule: Option<String>,
    pub description: Option<String>,
    pub is_current: i64,
    pub created_at: i64,
    pub created_by: Option<i64>,
}

const COLS: &str = "code, version, name, aliases, entity, value_type, code_table, unit, sensitivity, theme, steward, \
                    rule, description, is_current, created_at, created_by";

impl Db {
    pub async fn current_elements(&self) -> Result<Vec<ElementRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLS} FROM elements WHERE is_current = 1 ORDER BY created_at, code"
        ))
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn element_versions(&self, code: &str) -> Result<Vec<ElementRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLS} FROM elements WHERE code = $1 ORDER BY version DESC"
        ))
        .bind(code)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn element_count(&self) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM elements")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    /// Adds `row` as the newest version of its code (version 1 for a new
    /// code) and retires the previous current version. Returns the version.
    pub async fn add_element_version(
        &self,
        row: &ElementRow,
        created_by: Option<i64>,
    ) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        let (max,): (Option<i64>,) =
            sqlx::query_as("SELECT MAX(version) FROM elements WHERE code = $1")
                .bind(&row.code)
                .fetch_one(&mut *tx)
                .await?;
        let version = max.unwrap_or(0) + 1;
        sqlx::query("UPDATE elements SET is_current = 0 WHERE code = $1")
            .bind(&row.code)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO elements (code, version, name, aliases, entity, value_type, code_table, unit, sensitivity, theme, \
             steward, rule, description, is_current, created_at, created_by) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,1,$14,$15)",
        )
        .bind(&row.code)
        .bind(version)
        .bind(&row.name)
        .bind(&row.aliases)
        .bind(&row.entity)
        .bind(&row.value_type)
        .bind(row.code_table.as_deref())
        .bind(row.unit.as_deref())
        .bind(&row.sensitivity)
        .bind(&row.theme)
        .bind(row.steward.as_deref())
        .bind(row.rule.as_deref())
        .bind(row.description.as_deref())
        .bind(now_ms())
        .bind(created_by)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(version)
    }
}

impl Db {
    /// Labels people mapped by hand in one scope (`import` for a
    /// community, `design` for a department), normalised label → element
    /// code. Nothing learned elsewhere is returned.
    pub async fn learned_aliases(
        &self,
        scope: AliasScope,
        unit_id: i64,
    ) -> Result<std::collections::HashMap<String, String>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT alias, element_code FROM scoped_aliases WHERE scope = $1 AND unit_id = $2",
        )
        .bind(scope.code())
        .bind(unit_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().collect())
    }

    /// Remembers a confirmed mapping in its scope; a later confirmation of
    /// the same label there to another element replaces it.
    pub async fn learn_alias(
        &self,
        scope: AliasScope,
        unit_id: i64,
        alias: &str,
        element_code: &str,
        by: Option<i64>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO scoped_aliases (scope, unit_id, alias, element_code, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (scope, unit_id, alias) DO UPDATE SET element_code = excluded.element_code, \
             created_by = excluded.created_by, created_at = excluded.created_at",
        )
        .bind(scope.code())
        .bind(unit_id)
        .bind(alias)
        .bind(element_code)
        .bind(by)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every learned alias, for the 减负办 to review.
    pub async fn all_learned_aliases(&self) -> Result<Vec<LearnedAlias>> {
        Ok(sqlx::query_as(
            "SELECT a.id, a.scope, a.unit_id, u.name AS unit_name, a.alias, a.element_code, a.created_at \
             FROM scoped_aliases a LEFT JOIN org_units u ON u.id = a.unit_id ORDER BY a.scope, a.unit_id, a.alias",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// One learned alias by id.
    pub async fn learned_alias(&self, id: i64) -> Result<Option<LearnedAlias>> {
        Ok(sqlx::query_as(
            "SELECT a.id, a.scope, a.unit_id, u.name AS unit_name, a.alias, a.element_code, a.created_at \
             FROM scoped_aliases a LEFT JOIN org_units u ON u.id = a.unit_id WHERE a.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Forgets one learned alias; false when there was none.
    pub async fn forget_alias(&self, id: i64) -> Result<bool> {
        let done = sqlx::query("DELETE FROM scoped_aliases WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

/// Where an alias was learned, and so where it applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AliasScope {
    /// Confirmed in a community's import: applies to that community's imports.
    Import,
    /// Confirmed in a department's report design: applies to its designs.
    Design,
}

impl AliasScope {
    pub fn code(self) -> &'static str {
        match self {
            AliasScope::Import => "import",
            AliasScope::Design => "design",
        }
    }
}

#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct LearnedAlias {
    pub id: i64,
    pub scope: String,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub alias: String,
    pub element_code: String,
    pub created_at: i64,
}
