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
    /// Labels people mapped by hand, normalised label → element code.
    pub async fn learned_aliases(&self) -> Result<std::collections::HashMap<String, String>> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT alias, element_code FROM learned_aliases")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().collect())
    }

    /// Remembers a confirmed mapping; a later confirmation of the same label
    /// to another element replaces it.
    pub async fn learn_alias(
        &self,
        alias: &str,
        element_code: &str,
        by: Option<i64>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO learned_aliases (alias, element_code, created_by, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (alias) DO UPDATE SET element_code = excluded.element_code, created_by = excluded.created_by, \
             created_at = excluded.created_at",
        )
        .bind(alias)
        .bind(element_code)
        .bind(by)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
