//! Monitoring points, their monthly confirmations (one per month, a second
//! one an edit kept in history), and rebound-warning cases moving through
//! 识别 → 整治 → 反馈 → 优化, each step from the state it read.

use crate::register::Tx;
use crate::{db::now_ms, Db, Result};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PointRow {
    pub unit_id: i64,
    pub unit: String,
    pub unit_path: String,
    pub contact: String,
    pub contact_phone: String,
    pub active: i64,
    pub designated_at: i64,
    pub reminded_month: Option<i64>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ConfirmationRow {
    pub unit_id: i64,
    pub month: i64,
    pub unannounced_meetings: i64,
    pub unannounced_inspections: i64,
    pub wechat_demands: i64,
    pub photo_requests: i64,
    pub hidden_minutes: f64,
    pub estimate_hours: f64,
    pub note: String,
    pub ledger_minutes: f64,
    pub active_ms: i64,
    pub confirmed_by: Option<i64>,
    pub confirmed_at: i64,
    pub version: i64,
}

/// What a point confirms for a month.
#[derive(Debug, Clone, Serialize)]
pub struct NewConfirmation {
    pub unit_id: i64,
    pub month: i64,
    pub unannounced_meetings: i64,
    pub unannounced_inspections: i64,
    pub wechat_demands: i64,
    pub photo_requests: i64,
    pub hidden_minutes: f64,
    pub estimate_hours: f64,
    pub note: String,
    pub ledger_minutes: f64,
    pub active_ms: i64,
    pub confirmed_by: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct WarningRow {
    pub id: i64,
    pub key: String,
    pub rule: String,
    pub title: String,
    pub department_id: Option<i64>,
    pub department: Option<String>,
    pub unit_id: Option<i64>,
    pub unit: Option<String>,
    pub month: i64,
    pub message: String,
    pub source: String,
    pub evidence: String,
    pub status: String,
    pub due: Option<String>,
    pub assign_note: Option<String>,
    pub answer: Option<String>,
    pub feedback: Option<String>,
    pub improvement: Option<String>,
    pub created_at: i64,
    pub assigned_at: Option<i64>,
    pub answered_at: Option<i64>,
    pub closed_at: Option<i64>,
}

const WARNING_COLUMNS: &str =
    "w.id, w.key, w.rule, w.title, w.department_id, d.short_name AS department, \
     w.unit_id, u.short_name AS unit, w.month, w.message, w.source, w.evidence, w.status, w.due, \
     w.assign_note, w.answer, w.feedback, w.improvement, w.created_at, w.assigned_at, \
     w.answered_at, w.closed_at";

const WARNING_FROM: &str = "burden_warnings w LEFT JOIN org_units d ON d.id = w.department_id \
     LEFT JOIN org_units u ON u.id = w.unit_id";

impl Db {
    /// Designates a unit as a monitoring point, or updates its contact.
    pub async fn put_point(
        &self,
        unit_id: i64,
        contact: &str,
        phone: &str,
        active: bool,
        by: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO monitoring_points (unit_id, contact, contact_phone, active, designated_by, designated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (unit_id) DO UPDATE SET contact = excluded.contact, \
             contact_phone = excluded.contact_phone, active = excluded.active",
        )
        .bind(unit_id)
        .bind(contact)
        .bind(phone)
        .bind(i64::from(active))
        .bind(by)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn points(&self) -> Result<Vec<PointRow>> {
        Ok(sqlx::query_as(
            "SELECT p.unit_id, u.short_name AS unit, u.path AS unit_path, p.contact, \
             p.contact_phone, p.active, p.designated_at, p.reminded_month \
             FROM monitoring_points p JOIN org_units u ON u.id = p.unit_id ORDER BY u.path",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn point(&self, unit_id: i64) -> Result<Option<PointRow>> {
        Ok(sqlx::query_as(
            "SELECT p.unit_id, u.short_name AS unit, u.path AS unit_path, p.contact, \
             p.contact_phone, p.active, p.designated_at, p.reminded_month \
             FROM monitoring_points p JOIN org_units u ON u.id = p.unit_id WHERE p.unit_id = $1",
        )
        .bind(unit_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Marks the one reminder of a month as sent; false when it was already.
    pub async fn mark_point_reminded(&self, unit_id: i64, month: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE monitoring_points SET reminded_month = $1 \
             WHERE unit_id = $2 AND (reminded_month IS NULL OR reminded_month < $1)",
        )
        .bind(month)
        .bind(unit_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn confirmation(&self, unit_id: i64, month: i64) -> Result<Option<ConfirmationRow>> {
        Ok(
            sqlx::query_as("SELECT * FROM point_confirmations WHERE unit_id = $1 AND month = $2")
                .bind(unit_id)
                .bind(month)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Every confirmation of months `from`..=`to`.
    pub async fn confirmations(&self, from: i64, to: i64) -> Result<Vec<ConfirmationRow>> {
        Ok(sqlx::query_as(
            "SELECT * FROM point_confirmations WHERE month >= $1 AND month <= $2 \
             ORDER BY unit_id, month",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Saves a month's confirmation. A second one of the same month keeps
    /// the first in history and raises the version; returns the version.
    pub async fn put_confirmation_tx(tx: &mut Tx, c: &NewConfirmation) -> Result<i64> {
        let old: Option<ConfirmationRow> =
            sqlx::query_as("SELECT * FROM point_confirmations WHERE unit_id = $1 AND month = $2")
                .bind(c.unit_id)
                .bind(c.month)
                .fetch_optional(&mut **tx)
                .await?;
        let version = match &old {
            Some(o) => {
                sqlx::query(
                    "INSERT INTO point_confirmation_history (unit_id, month, version, snapshot, replaced_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(o.unit_id)
                .bind(o.month)
                .bind(o.version)
                .bind(serde_json::to_string(o).unwrap_or_default())
                .bind(now_ms())
                .execute(&mut **tx)
                .await?;
                sqlx::query("DELETE FROM point_confirmations WHERE unit_id = $1 AND month = $2")
                    .bind(c.unit_id)
                    .bind(c.month)
                    .execute(&mut **tx)
                    .await?;
                o.version + 1
            }
            None => 1,
        };
        sqlx::query(
            "INSERT INTO point_confirmations (unit_id, month, unannounced_meetings, \
             unannounced_inspections, wechat_demands, photo_requests, hidden_minutes, \
             estimate_hours, note, ledger_minutes, active_ms, confirmed_by, confirmed_at, version) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)",
        )
        .bind(c.unit_id)
        .bind(c.month)
        .bind(c.unannounced_meetings)
        .bind(c.unannounced_inspections)
        .bind(c.wechat_demands)
        .bind(c.photo_requests)
        .bind(c.hidden_minutes)
        .bind(c.estimate_hours)
        .bind(&c.note)
        .bind(c.ledger_minutes)
        .bind(c.active_ms)
        .bind(c.confirmed_by)
        .bind(now_ms())
        .bind(version)
        .execute(&mut **tx)
        .await?;
        Ok(version)
    }

    /// The earlier versions of a month's confirmation, newest first.
    pub async fn confirmation_history(
        &self,
        unit_id: i64,
        month: i64,
    ) -> Result<Vec<(i64, String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT version, snapshot, replaced_at FROM point_confirmation_history \
             WHERE unit_id = $1 AND month = $2 ORDER BY version DESC",
        )
        .bind(unit_id)
        .bind(month)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Opens a warning case unless one with the same key exists; true when new.
    #[allow(clippy::too_many_arguments)]
    pub async fn open_warning(
        &self,
        key: &str,
        rule: &str,
        title: &str,
        department_id: Option<i64>,
        unit_id: Option<i64>,
        month: i64,
        message: &str,
        source: &str,
        evidence: &str,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO burden_warnings (key, rule, title, department_id, unit_id, month, \
             message, source, evidence, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) \
             ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(rule)
        .bind(title)
        .bind(department_id)
        .bind(unit_id)
        .bind(month)
        .bind(message)
        .bind(source)
        .bind(evidence)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Warnings, newest first; one department's only when given.
    pub async fn warnings(&self, department_id: Option<i64>) -> Result<Vec<WarningRow>> {
        let sql = format!(
            "SELECT {WARNING_COLUMNS} FROM {WARNING_FROM} \
             WHERE ($1 = 0 OR w.department_id = $1) ORDER BY w.month DESC, w.id DESC"
        );
        Ok(sqlx::query_as(&sql)
            .bind(department_id.unwrap_or(0))
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn warning(&self, id: i64) -> Result<Option<WarningRow>> {
        let sql = format!("SELECT {WARNING_COLUMNS} FROM {WARNING_FROM} WHERE w.id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// 整治: assigned to its department with a deadline.
    pub async fn assign_warning(&self, id: i64, due: &str, note: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE burden_warnings SET status = 'assigned', due = $1, assign_note = $2, \
             assigned_at = $3 WHERE id = $4 AND status = 'open' AND department_id IS NOT NULL",
        )
        .bind(due)
        .bind(note)
        .bind(now_ms())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// 反馈: the department's answer.
    pub async fn answer_warning(&self, id: i64, answer: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE burden_warnings SET status = 'answered', answer = $1, answered_at = $2 \
             WHERE id = $3 AND status = 'assigned'",
        )
        .bind(answer)
        .bind(now_ms())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// 优化: closed by the office with the feedback it took and what changed.
    /// A warning about no department (a pile-up, hidden burden) closes from open.
    /// Closes an answered case, one no department can answer, or one whose
    /// department let the deadline pass (`today`, YYYY-MM-DD): the office
    /// records what it found itself.
    pub async fn close_warning(
        &self,
        id: i64,
        feedback: &str,
        improvement: &str,
        today: &str,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE burden_warnings SET status = 'closed', feedback = $1, improvement = $2, \
             closed_at = $3 WHERE id = $4 AND (status = 'answered' \
             OR (status = 'open' AND department_id IS NULL) \
             OR (status = 'assigned' AND due IS NOT NULL AND due < $5))",
        )
        .bind(feedback)
        .bind(improvement)
        .bind(now_ms())
        .bind(id)
        .bind(today)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
