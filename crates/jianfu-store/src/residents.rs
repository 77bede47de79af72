use crate::{db::now_ms, orgs::subtree_pattern, Db, Result};
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct NewPerson {
    pub id_number: String,
    pub name: String,
    pub relation: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PersonRow {
    pub id: i64,
    pub id_number: String,
    pub name: String,
    pub household_id: Option<i64>,
    pub relation: Option<String>,
    pub phone: Option<String>,
    pub unit_id: i64,
}

/// Rows per multi-row INSERT: well under SQLite's and PostgreSQL's limits on
/// bound parameters, and large enough to amortise round trips.
const BATCH: usize = 400;

impl Db {
    /// Inserts households with their members in one transaction: a failure
    /// anywhere leaves nothing behind.
    pub async fn insert_households(
        &self,
        households: &[(i64, String, Vec<NewPerson>)],
    ) -> Result<usize> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let mut pending: Vec<(i64, i64, &NewPerson)> = Vec::new();
        let mut total = 0;
        for (unit_id, address, members) in households {
            let (hid,): (i64,) = sqlx::query_as(
                "INSERT INTO households (unit_id, address, created_at) VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(unit_id)
            .bind(address)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            for m in members {
                pending.push((hid, *unit_id, m));
            }
        }
        for chunk in pending.chunks(BATCH) {
            let mut sql = String::from(
                "INSERT INTO persons (id_number, name, household_id, relation, phone, unit_id, created_at) VALUES ",
            );
            for i in 0..chunk.len() {
                let b = i * 7;
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!(
                    "(${},${},${},${},${},${},${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7
                ));
            }
            let mut q = sqlx::query(&sql);
            for (hid, unit_id, p) in chunk {
                q = q
                    .bind(p.id_number.as_str())
                    .bind(p.name.as_str())
                    .bind(*hid)
                    .bind(p.relation.as_deref())
                    .bind(p.phone.as_deref())
                    .bind(*unit_id)
                    .bind(now);
            }
            total += q.execute(&mut *tx).await?.rows_affected() as usize;
        }
        tx.commit().await?;
        Ok(total)
    }

    /// All ID numbers, for checks over the whole register.
    pub async fn all_id_numbers(&self) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as("SELECT id_number FROM persons ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    pub async fn person_count(&self) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM persons")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    /// Residents registered in the subtree at `scope_path`, a page at a time.
    pub async fn persons_in_scope(
        &self,
        scope_path: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<PersonRow>> {
        Ok(sqlx::query_as(
            "SELECT id, id_number, name, household_id, relation, phone, unit_id FROM persons \
             WHERE unit_id IN (SELECT id FROM org_units WHERE path LIKE $1) \
             ORDER BY household_id, id LIMIT $2 OFFSET $3",
        )
        .bind(subtree_pattern(scope_path))
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?)
    }
}
