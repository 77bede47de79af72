use crate::{db::now_ms, orgs::subtree_pattern, Db, Result};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub role: String,
    pub unit_id: i64,
    pub scope_id: i64,
    pub failed_logins: i64,
    pub locked_until: Option<i64>,
    pub disabled: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub unit_id: i64,
    pub scope_id: i64,
}

const COLS: &str = "id, username, display_name, password_hash, role, unit_id, scope_id, \
                    failed_logins, locked_until, disabled, created_at";

impl Db {
    pub async fn insert_user(&self, u: &NewUser<'_>) -> Result<i64> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO users (username, display_name, password_hash, role, unit_id, scope_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(u.username)
        .bind(u.display_name)
        .bind(u.password_hash)
        .bind(u.role)
        .bind(u.unit_id)
        .bind(u.scope_id)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    pub async fn user_by_name(&self, username: &str) -> Result<Option<UserRow>> {
        Ok(
            sqlx::query_as(&format!("SELECT {COLS} FROM users WHERE username = $1"))
                .bind(username)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn user(&self, id: i64) -> Result<Option<UserRow>> {
        Ok(
            sqlx::query_as(&format!("SELECT {COLS} FROM users WHERE id = $1"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Accounts whose scope unit lies inside `scope_path`.
    pub async fn users_in_scope(&self, scope_path: &str) -> Result<Vec<UserRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {} FROM users x JOIN org_units s ON s.id = x.scope_id \
             WHERE s.path LIKE $1 ORDER BY x.username",
            COLS.split(", ")
                .map(|c| format!("x.{}", c.trim()))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .bind(subtree_pattern(scope_path))
        .fetch_all(&self.pool)
        .await?)
    }

    /// Records a failed login; returns the new failure count.
    pub async fn record_login_failure(&self, id: i64, lock_until: Option<i64>) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "UPDATE users SET failed_logins = failed_logins + 1, \
             locked_until = COALESCE($1, locked_until) WHERE id = $2 RETURNING failed_logins",
        )
        .bind(lock_until)
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }

    pub async fn lock_user_until(&self, id: i64, until: i64) -> Result<()> {
        sqlx::query("UPDATE users SET locked_until = $1 WHERE id = $2")
            .bind(until)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn reset_login_failures(&self, id: i64) -> Result<()> {
        sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn set_user_disabled(&self, id: i64, disabled: bool) -> Result<()> {
        sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(disabled as i64)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn set_password_hash(&self, id: i64, hash: &str) -> Result<()> {
        sqlx::query("UPDATE users SET password_hash = $1, failed_logins = 0, locked_until = NULL WHERE id = $2")
            .bind(hash)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
