use crate::{db::now_ms, orgs::escape_like, Db, Result};
use serde::Serialize;

#[derive(Debug, Clone, Default)]
pub struct NewAuditEntry {
    pub user_id: Option<i64>,
    pub username: Option<String>,
    /// Dotted verb, e.g. `login.failure`, `user.create`, `access.denied`.
    pub action: String,
    pub target: Option<String>,
    /// `ok`, `denied` or `failed`.
    pub outcome: String,
    pub detail: Option<String>,
    pub ip: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub user_id: Option<i64>,
    pub username: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
    pub ip: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub username: Option<String>,
    /// Matches the action exactly or as a prefix (`login` finds `login.*`).
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

enum Arg {
    Text(String),
    Int(i64),
}

impl Db {
    /// Appends one entry. There is deliberately no update or delete: the
    /// tables' triggers refuse both.
    pub async fn append_audit(&self, e: &NewAuditEntry) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_log (at, user_id, username, action, target, outcome, detail, ip) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(now_ms())
        .bind(e.user_id)
        .bind(e.username.as_deref())
        .bind(&e.action)
        .bind(e.target.as_deref())
        .bind(&e.outcome)
        .bind(e.detail.as_deref())
        .bind(e.ip.as_deref())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Entries matching the filter, newest first, and the total count.
    pub async fn query_audit(&self, f: &AuditFilter) -> Result<(Vec<AuditEntry>, i64)> {
        let mut conds: Vec<String> = Vec::new();
        let mut args: Vec<Arg> = Vec::new();
        let mut push = |cond: &str, arg: Arg| {
            args.push(arg);
            conds.push(cond.replace("$?", &format!("${}", args.len())));
        };
        if let Some(u) = f.username.as_deref().filter(|s| !s.is_empty()) {
            push("username = $?", Arg::Text(u.to_string()));
        }
        if let Some(a) = f.action.as_deref().filter(|s| !s.is_empty()) {
            push(
                "action LIKE $? ESCAPE '\\'",
                Arg::Text(format!("{}%", escape_like(a))),
            );
        }
        if let Some(o) = f.outcome.as_deref().filter(|s| !s.is_empty()) {
            push("outcome = $?", Arg::Text(o.to_string()));
        }
        if let Some(t) = f.from_ms {
            push("at >= $?", Arg::Int(t));
        }
        if let Some(t) = f.to_ms {
            push("at < $?", Arg::Int(t));
        }
        let where_sql = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        let n = args.len();
        let list_sql = format!(
            "SELECT id, at, user_id, username, action, target, outcome, detail, ip FROM audit_log{where_sql} \
             ORDER BY id DESC LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let mut q = sqlx::query_as::<_, AuditEntry>(&list_sql);
        let count_sql = format!("SELECT COUNT(*) FROM audit_log{where_sql}");
        let mut cq = sqlx::query_as::<_, (i64,)>(&count_sql);
        for a in &args {
            match a {
                Arg::Text(s) => {
                    q = q.bind(s.clone());
                    cq = cq.bind(s.clone());
                }
                Arg::Int(i) => {
                    q = q.bind(*i);
                    cq = cq.bind(*i);
                }
            }
        }
        let rows = q
            .bind(f.limit.clamp(1, 1000))
            .bind(f.offset.max(0))
            .fetch_all(&self.pool)
            .await?;
        let (total,) = cq.fetch_one(&self.pool).await?;
        Ok((rows, total))
    }

    /// Tries to rewrite history; exists only so tests can prove the database
    /// refuses it.
    pub async fn try_tamper_audit(&self) -> Result<()> {
        sqlx::query("UPDATE audit_log SET outcome = 'ok'")
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM audit_log")
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
