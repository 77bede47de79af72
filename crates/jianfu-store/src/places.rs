//! Houses and organizations: register entities keyed by a natural key
//! within their community. Their facts are stored like every other
//! entity's (fact log and current document); this table only gives them
//! an id, a place in the org tree and a name for lists.

use crate::register::Tx;
use crate::{db::now_ms, orgs::subtree_pattern, Db, Result};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PlaceRow {
    pub id: i64,
    pub entity_type: String,
    pub unit_id: i64,
    pub natural_key: String,
    pub name: String,
}

impl Db {
    /// The entity under this key in the unit, created the first time.
    /// Returns its id and whether it was created.
    pub async fn place_for_key(
        tx: &mut Tx,
        entity_type: &str,
        unit_id: i64,
        natural_key: &str,
        name: &str,
    ) -> Result<(i64, bool)> {
        let found: Option<(i64,)> = sqlx::query_as(
            "SELECT id FROM register_entities WHERE entity_type = $1 AND unit_id = $2 AND natural_key = $3",
        )
        .bind(entity_type)
        .bind(unit_id)
        .bind(natural_key)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some((id,)) = found {
            return Ok((id, false));
        }
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO register_entities (entity_type, unit_id, natural_key, name, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(entity_type)
        .bind(unit_id)
        .bind(natural_key)
        .bind(name)
        .bind(now_ms())
        .fetch_one(&mut **tx)
        .await?;
        Ok((id, true))
    }

    pub async fn set_place_name(tx: &mut Tx, id: i64, name: &str) -> Result<()> {
        sqlx::query("UPDATE register_entities SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    pub async fn place(&self, entity_type: &str, id: i64) -> Result<Option<PlaceRow>> {
        Ok(sqlx::query_as(
            "SELECT id, entity_type, unit_id, natural_key, name FROM register_entities \
             WHERE entity_type = $1 AND id = $2",
        )
        .bind(entity_type)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Entities of a type in a unit's subtree whose name contains `q`.
    pub async fn places_in_scope(
        &self,
        entity_type: &str,
        scope_path: &str,
        q: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<PlaceRow>, i64)> {
        let pattern = format!("%{}%", crate::orgs::escape_like(q.trim()));
        let filter =
            "entity_type = $1 AND unit_id IN (SELECT id FROM org_units WHERE path LIKE $2) \
                      AND name LIKE $3 ESCAPE '\\'";
        let rows = sqlx::query_as(&format!(
            "SELECT id, entity_type, unit_id, natural_key, name FROM register_entities WHERE {filter} \
             ORDER BY id LIMIT $4 OFFSET $5"
        ))
        .bind(entity_type)
        .bind(subtree_pattern(scope_path))
        .bind(&pattern)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let (total,): (i64,) = sqlx::query_as(&format!(
            "SELECT COUNT(*) FROM register_entities WHERE {filter}"
        ))
        .bind(entity_type)
        .bind(subtree_pattern(scope_path))
        .bind(&pattern)
        .fetch_one(&self.pool)
        .await?;
        Ok((rows, total))
    }
}
