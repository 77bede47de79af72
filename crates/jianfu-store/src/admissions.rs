//! 准入: admission requests, their decisions, 准入编号, yearly caps and
//! overrides, the duty list, and the gate's
//! settings. The rules themselves live in jianfu-core; these tables keep
//! what was requested, what the gate found and who decided.

use crate::register::Tx;
use crate::{db::now_ms, Db, Result};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AdmissionRow {
    pub id: i64,
    pub number: Option<String>,
    pub department_id: i64,
    pub department: String,
    pub kind: String,
    pub title: String,
    pub demand: String,
    pub targets: String,
    pub report_id: Option<i64>,
    pub status: String,
    pub estimate: Option<String>,
    pub hours: f64,
    pub findings: Option<String>,
    pub needs_escalation: i64,
    pub year: i64,
    pub requested_until: Option<String>,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    pub created_by: i64,
    pub created_at: i64,
    pub submitted_at: Option<i64>,
    pub decided_at: Option<i64>,
}

const ADMISSION_COLUMNS: &str = "a.id, a.number, a.department_id, d.short_name AS department, \
     a.kind, a.title, a.demand, a.targets, a.report_id, a.status, a.estimate, a.hours, \
     a.findings, a.needs_escalation, a.year, a.requested_until, a.valid_from, a.valid_until, \
     a.created_by, a.created_at, a.submitted_at, a.decided_at";

/// A request as its department writes it.
#[derive(Debug, Clone)]
pub struct AdmissionDraft {
    pub department_id: i64,
    pub kind: String,
    pub title: String,
    pub demand: String,
    pub targets: String,
    pub report_id: Option<i64>,
    pub year: i64,
    pub requested_until: Option<String>,
}

/// The assessment taken when a request is submitted.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub estimate: String,
    pub hours: f64,
    pub findings: String,
    pub needs_escalation: bool,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DecisionRow {
    pub id: i64,
    pub action: String,
    pub from_status: String,
    pub to_status: String,
    pub reason: String,
    pub actor_id: i64,
    pub actor: String,
    pub at: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CapRow {
    pub year: i64,
    pub department_id: i64,
    pub department: String,
    pub kind: String,
    pub max_count: Option<i64>,
    pub max_hours: Option<f64>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct UsageRow {
    pub department_id: i64,
    pub kind: String,
    pub count: i64,
    pub hours: f64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OverrideRow {
    pub admission_id: i64,
    pub reason: String,
    pub actor: String,
    pub at: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DutyItemRow {
    pub id: i64,
    pub name: String,
    pub note: String,
}

/// Typing measured on filled tasks: the basis of measured minutes per cell.
#[derive(Debug, Clone, Copy, Default, Serialize, sqlx::FromRow)]
pub struct TypingMeasure {
    pub tasks: i64,
    pub cells_typed: i64,
    pub active_ms: i64,
}

impl Db {
    pub async fn insert_admission(&self, d: &AdmissionDraft, created_by: i64) -> Result<i64> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO admissions (department_id, kind, title, demand, targets, report_id, \
             year, requested_until, created_by, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id",
        )
        .bind(d.department_id)
        .bind(&d.kind)
        .bind(&d.title)
        .bind(&d.demand)
        .bind(&d.targets)
        .bind(d.report_id)
        .bind(d.year)
        .bind(&d.requested_until)
        .bind(created_by)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    /// Rewrites a request the department may still edit. `false` if it
    /// is no longer a draft or returned request.
    pub async fn update_admission_draft(&self, id: i64, d: &AdmissionDraft) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE admissions SET kind = $1, title = $2, demand = $3, targets = $4, \
             report_id = $5, year = $6, requested_until = $7 \
             WHERE id = $8 AND status IN ('draft','returned')",
        )
        .bind(&d.kind)
        .bind(&d.title)
        .bind(&d.demand)
        .bind(&d.targets)
        .bind(d.report_id)
        .bind(d.year)
        .bind(&d.requested_until)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn admission(&self, id: i64) -> Result<Option<AdmissionRow>> {
        let sql = format!(
            "SELECT {ADMISSION_COLUMNS} FROM admissions a \
             JOIN org_units d ON d.id = a.department_id WHERE a.id = $1"
        );
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn admission_by_number(&self, number: &str) -> Result<Option<AdmissionRow>> {
        let sql = format!(
            "SELECT {ADMISSION_COLUMNS} FROM admissions a \
             JOIN org_units d ON d.id = a.department_id WHERE a.number = $1"
        );
        Ok(sqlx::query_as(&sql)
            .bind(number)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Requests, newest first: one department's, or all; in some states,
    /// or all.
    pub async fn admissions(
        &self,
        department_id: Option<i64>,
        statuses: &[&str],
    ) -> Result<Vec<AdmissionRow>> {
        let mut sql = format!(
            "SELECT {ADMISSION_COLUMNS} FROM admissions a \
             JOIN org_units d ON d.id = a.department_id WHERE 1 = 1"
        );
        if department_id.is_some() {
            sql.push_str(" AND a.department_id = $1");
        }
        if !statuses.is_empty() {
            // The states are the workflow's own constants, never input.
            let list: Vec<String> = statuses
                .iter()
                .filter(|s| s.bytes().all(|b| b.is_ascii_lowercase()))
                .map(|s| format!("'{s}'"))
                .collect();
            sql.push_str(&format!(" AND a.status IN ({})", list.join(",")));
        }
        sql.push_str(" ORDER BY a.id DESC");
        let mut q = sqlx::query_as(&sql);
        if let Some(d) = department_id {
            q = q.bind(d);
        }
        Ok(q.fetch_all(&self.pool).await?)
    }

    /// Admitted requests of a kind still valid on `today` (ISO date).
    pub async fn admitted_of_kind(&self, kind: &str, today: &str) -> Result<Vec<AdmissionRow>> {
        let sql = format!(
            "SELECT {ADMISSION_COLUMNS} FROM admissions a \
             JOIN org_units d ON d.id = a.department_id \
             WHERE a.kind = $1 AND a.status = 'admitted' AND a.valid_until >= $2 \
             ORDER BY a.id"
        );
        Ok(sqlx::query_as(&sql)
            .bind(kind)
            .bind(today)
            .fetch_all(&self.pool)
            .await?)
    }

    /// The valid admission of a report, if it has one.
    pub async fn admission_of_report(
        &self,
        report_id: i64,
        today: &str,
    ) -> Result<Option<AdmissionRow>> {
        let sql = format!(
            "SELECT {ADMISSION_COLUMNS} FROM admissions a \
             JOIN org_units d ON d.id = a.department_id \
             WHERE a.report_id = $1 AND a.status = 'admitted' AND a.valid_until >= $2 \
             ORDER BY a.id DESC LIMIT 1"
        );
        Ok(sqlx::query_as(&sql)
            .bind(report_id)
            .bind(today)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn set_assessment_tx(
        tx: &mut Tx,
        id: i64,
        to_status: &str,
        a: &Assessment,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE admissions SET status = $1, estimate = $2, hours = $3, findings = $4, \
             needs_escalation = $5, submitted_at = $6 WHERE id = $7",
        )
        .bind(to_status)
        .bind(&a.estimate)
        .bind(a.hours)
        .bind(&a.findings)
        .bind(i64::from(a.needs_escalation))
        .bind(now_ms())
        .bind(id)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Moves a request from one state to another; `false` if it was no
    /// longer in `from` (someone else decided first).
    pub async fn set_admission_status_tx(
        tx: &mut Tx,
        id: i64,
        from: &str,
        to: &str,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE admissions SET status = $1, decided_at = $2 WHERE id = $3 AND status = $4",
        )
        .bind(to)
        .bind(now_ms())
        .bind(id)
        .bind(from)
        .execute(&mut **tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives an admitted request its number and validity.
    pub async fn set_admitted_tx(
        tx: &mut Tx,
        id: i64,
        number: &str,
        valid_from: &str,
        valid_until: &str,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE admissions SET number = $1, valid_from = $2, valid_until = $3 WHERE id = $4",
        )
        .bind(number)
        .bind(valid_from)
        .bind(valid_until)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The next 准入编号 sequence of a year. The row lock of the upsert
    /// keeps two concurrent admissions from sharing a number.
    pub async fn next_admission_seq_tx(tx: &mut Tx, year: i64) -> Result<i64> {
        let (last,): (i64,) = sqlx::query_as(
            "INSERT INTO admission_sequences (year, last) VALUES ($1, 1) \
             ON CONFLICT (year) DO UPDATE SET last = admission_sequences.last + 1 \
             RETURNING last",
        )
        .bind(year)
        .fetch_one(&mut **tx)
        .await?;
        Ok(last)
    }

    pub async fn insert_decision_tx(
        tx: &mut Tx,
        admission_id: i64,
        action: &str,
        from: &str,
        to: &str,
        reason: &str,
        actor_id: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO admission_decisions (admission_id, action, from_status, to_status, \
             reason, actor_id, at) VALUES ($1,$2,$3,$4,$5,$6,$7)",
        )
        .bind(admission_id)
        .bind(action)
        .bind(from)
        .bind(to)
        .bind(reason)
        .bind(actor_id)
        .bind(now_ms())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    pub async fn decisions(&self, admission_id: i64) -> Result<Vec<DecisionRow>> {
        Ok(sqlx::query_as(
            "SELECT x.id, x.action, x.from_status, x.to_status, x.reason, x.actor_id, \
             u.display_name AS actor, x.at FROM admission_decisions x \
             JOIN users u ON u.id = x.actor_id WHERE x.admission_id = $1 ORDER BY x.id",
        )
        .bind(admission_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// What each department has had admitted in a year, per kind.
    pub async fn admitted_usage(&self, year: i64) -> Result<Vec<UsageRow>> {
        Ok(sqlx::query_as(
            "SELECT department_id, kind, COUNT(*) AS count, \
             COALESCE(SUM(hours), 0.0) AS hours FROM admissions \
             WHERE year = $1 AND status = 'admitted' GROUP BY department_id, kind",
        )
        .bind(year)
        .fetch_all(&self.pool)
        .await?)
    }

    /// [`Db::admitted_usage`] of one department, inside a transaction so a
    /// cap check and the admission it allows see the same totals.
    pub async fn department_usage_tx(
        tx: &mut Tx,
        year: i64,
        department_id: i64,
    ) -> Result<Vec<UsageRow>> {
        Ok(sqlx::query_as(
            "SELECT department_id, kind, COUNT(*) AS count, \
             COALESCE(SUM(hours), 0.0) AS hours FROM admissions \
             WHERE year = $1 AND department_id = $2 AND status = 'admitted' \
             GROUP BY department_id, kind",
        )
        .bind(year)
        .bind(department_id)
        .fetch_all(&mut **tx)
        .await?)
    }

    pub async fn caps(&self, year: i64) -> Result<Vec<CapRow>> {
        Ok(sqlx::query_as(
            "SELECT c.year, c.department_id, d.short_name AS department, c.kind, c.max_count, \
             c.max_hours FROM admission_caps c JOIN org_units d ON d.id = c.department_id \
             WHERE c.year = $1 ORDER BY d.short_name, c.kind",
        )
        .bind(year)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn cap_tx(
        tx: &mut Tx,
        year: i64,
        department_id: i64,
        kind: &str,
    ) -> Result<Option<(Option<i64>, Option<f64>)>> {
        Ok(sqlx::query_as(
            "SELECT max_count, max_hours FROM admission_caps \
             WHERE year = $1 AND department_id = $2 AND kind = $3",
        )
        .bind(year)
        .bind(department_id)
        .bind(kind)
        .fetch_optional(&mut **tx)
        .await?)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn set_cap(
        &self,
        year: i64,
        department_id: i64,
        kind: &str,
        max_count: Option<i64>,
        max_hours: Option<f64>,
        by: i64,
    ) -> Result<()> {
        // A NULL f64 is never bound: sqlx 0.8's Any driver declares it as
        // a 4-byte float (launchbadge/sqlx#4284), and PostgreSQL then
        // rejects an 8-byte value on the same cached statement.
        let hours = if max_hours.is_some() { "$7" } else { "NULL" };
        let sql = format!(
            "INSERT INTO admission_caps (year, department_id, kind, max_count, set_by, set_at, \
             max_hours) VALUES ($1,$2,$3,$4,$5,$6,{hours}) \
             ON CONFLICT (year, department_id, kind) DO UPDATE SET \
             max_count = excluded.max_count, max_hours = excluded.max_hours, \
             set_by = excluded.set_by, set_at = excluded.set_at"
        );
        let mut q = sqlx::query(&sql)
            .bind(year)
            .bind(department_id)
            .bind(kind)
            .bind(max_count)
            .bind(by)
            .bind(now_ms());
        if let Some(h) = max_hours {
            q = q.bind(h);
        }
        q.execute(&self.pool).await?;
        Ok(())
    }

    pub async fn cap_override(&self, admission_id: i64) -> Result<Option<OverrideRow>> {
        Ok(sqlx::query_as(
            "SELECT o.admission_id, o.reason, u.display_name AS actor, o.at \
             FROM cap_overrides o JOIN users u ON u.id = o.actor_id WHERE o.admission_id = $1",
        )
        .bind(admission_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn set_cap_override(&self, admission_id: i64, reason: &str, by: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO cap_overrides (admission_id, reason, actor_id, at) VALUES ($1,$2,$3,$4) \
             ON CONFLICT (admission_id) DO UPDATE SET reason = excluded.reason, \
             actor_id = excluded.actor_id, at = excluded.at",
        )
        .bind(admission_id)
        .bind(reason)
        .bind(by)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn duty_items(&self) -> Result<Vec<DutyItemRow>> {
        Ok(
            sqlx::query_as("SELECT id, name, note FROM duty_items ORDER BY id")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Adds an item; `false` if the list already has it.
    pub async fn add_duty_item(&self, name: &str, note: &str) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO duty_items (name, note, created_at) VALUES ($1,$2,$3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(note)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn remove_duty_item(&self, id: i64) -> Result<bool> {
        let done = sqlx::query("DELETE FROM duty_items WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn has_grant(&self, user_id: i64, grant: &str) -> Result<bool> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT user_id FROM user_grants WHERE user_id = $1 AND grant_code = $2",
        )
        .bind(user_id)
        .bind(grant)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    pub async fn add_grant(&self, user_id: i64, grant: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO user_grants (user_id, grant_code) VALUES ($1,$2) \
             ON CONFLICT (user_id, grant_code) DO NOTHING",
        )
        .bind(user_id)
        .bind(grant)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|(v,)| v))
    }

    pub async fn put_setting(&self, key: &str, value: &str, by: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO settings (key, value, updated_by, updated_at) VALUES ($1,$2,$3,$4) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, \
             updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(key)
        .bind(value)
        .bind(by)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Typing on every task that has any: the measured basis of minutes
    /// per typed cell.
    pub async fn typing_measure(&self) -> Result<TypingMeasure> {
        Ok(sqlx::query_as(
            "SELECT COUNT(*) AS tasks, CAST(COALESCE(SUM(cells_typed), 0) AS BIGINT) AS cells_typed, \
             CAST(COALESCE(SUM(active_ms), 0) AS BIGINT) AS active_ms FROM report_tasks \
             WHERE cells_typed > 0 AND active_ms > 0",
        )
        .fetch_one(&self.pool)
        .await?)
    }
}
