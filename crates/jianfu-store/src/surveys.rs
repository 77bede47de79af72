//! 评价: survey templates (versioned), rounds, what each rater's unit is
//! asked about, who has answered, and what was answered.
//!
//! "Who has answered" and "what was answered" are written in one
//! transaction but to two tables that share no key: participation holds
//! (round, user, subject) and nothing else; an answer holds a random id,
//! the round, the subject, the rater's group and township, and the answers.
//! No column, index or foreign key leads from one to the other.

use crate::{db::now_ms, Db, Result};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct TemplateRow {
    pub id: i64,
    pub code: String,
    pub version: i64,
    pub name: String,
    pub purpose: String,
    /// The questions as JSON (`jianfu_core::survey::Question`s).
    pub questions: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RoundRow {
    pub id: i64,
    pub template_id: i64,
    pub template_code: String,
    pub template_version: i64,
    pub purpose: String,
    pub title: String,
    pub roles: String,
    pub scope_unit: i64,
    pub period_from: String,
    pub period_to: String,
    pub opens_on: String,
    pub closes_on: String,
    pub closed_early: Option<String>,
    pub k: i64,
    pub weights: String,
    pub created_at: i64,
}

/// A new round, as the 减负办 sets it up.
#[derive(Debug, Clone)]
pub struct NewRound<'a> {
    pub template_id: i64,
    pub title: &'a str,
    pub roles: &'a str,
    pub scope_unit: i64,
    pub period_from: &'a str,
    pub period_to: &'a str,
    pub opens_on: &'a str,
    pub closes_on: &'a str,
    pub k: i64,
    pub weights: &'a str,
    pub created_by: i64,
}

/// A department a unit is asked to rate, with the demands it sent.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SubjectRow {
    pub unit_id: i64,
    pub department_id: i64,
    pub department: String,
    /// JSON list of the demands' labels.
    pub demands: String,
}

/// One demand that reached a unit, from the ledger.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DemandRow {
    pub unit_id: i64,
    pub township_id: Option<i64>,
    pub department_id: i64,
    pub source_label: String,
}

/// What was answered, without who answered it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AnswerRow {
    pub subject: i64,
    pub rater_group: String,
    pub township_id: Option<i64>,
    pub answers: String,
}

/// One answer to store, with the participation that goes with it.
#[derive(Debug, Clone)]
pub struct NewAnswer<'a> {
    pub round_id: i64,
    pub user_id: i64,
    pub subject: i64,
    /// Random, so that no order or sequence ties it to its participation.
    pub answer_id: &'a str,
    pub rater_group: &'a str,
    pub township_id: Option<i64>,
    pub answers: &'a str,
}

const ROUND: &str = "SELECT r.id, r.template_id, t.code AS template_code, \
     t.version AS template_version, t.purpose, r.title, r.roles, r.scope_unit, r.period_from, \
     r.period_to, r.opens_on, r.closes_on, r.closed_early, r.k, r.weights, r.created_at \
     FROM survey_rounds r JOIN survey_templates t ON t.id = r.template_id";

impl Db {
    /// Adds a template version; the version is one more than the last.
    pub async fn add_template_version(
        &self,
        code: &str,
        name: &str,
        purpose: &str,
        questions: &str,
        by: Option<i64>,
    ) -> Result<TemplateRow> {
        let mut tx = self.begin().await?;
        let (last,): (i64,) = sqlx::query_as(
            "SELECT COALESCE(MAX(version), 0) FROM survey_templates WHERE code = $1",
        )
        .bind(code)
        .fetch_one(&mut *tx)
        .await?;
        let row: TemplateRow = sqlx::query_as(
            "INSERT INTO survey_templates (code, version, name, purpose, questions, created_by, \
             created_at) VALUES ($1,$2,$3,$4,$5,$6,$7) \
             RETURNING id, code, version, name, purpose, questions, created_at",
        )
        .bind(code)
        .bind(last + 1)
        .bind(name)
        .bind(purpose)
        .bind(questions)
        .bind(by)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The newest version of every template.
    pub async fn current_templates(&self) -> Result<Vec<TemplateRow>> {
        Ok(sqlx::query_as(
            "SELECT id, code, version, name, purpose, questions, created_at FROM survey_templates t \
             WHERE version = (SELECT MAX(version) FROM survey_templates u WHERE u.code = t.code) \
             ORDER BY code",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn template(&self, id: i64) -> Result<Option<TemplateRow>> {
        Ok(sqlx::query_as(
            "SELECT id, code, version, name, purpose, questions, created_at FROM survey_templates \
             WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn create_round(&self, r: &NewRound<'_>) -> Result<i64> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO survey_rounds (template_id, title, roles, scope_unit, period_from, \
             period_to, opens_on, closes_on, k, weights, created_by, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) RETURNING id",
        )
        .bind(r.template_id)
        .bind(r.title)
        .bind(r.roles)
        .bind(r.scope_unit)
        .bind(r.period_from)
        .bind(r.period_to)
        .bind(r.opens_on)
        .bind(r.closes_on)
        .bind(r.k)
        .bind(r.weights)
        .bind(r.created_by)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    pub async fn rounds(&self) -> Result<Vec<RoundRow>> {
        Ok(
            sqlx::query_as(&format!("{ROUND} ORDER BY r.opens_on DESC, r.id DESC"))
                .fetch_all(&self.pool)
                .await?,
        )
    }

    pub async fn round(&self, id: i64) -> Result<Option<RoundRow>> {
        Ok(sqlx::query_as(&format!("{ROUND} WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Closes a round before its date (the office); false if closed already.
    pub async fn close_round_early(&self, id: i64, today: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE survey_rounds SET closed_early = $1 WHERE id = $2 AND closed_early IS NULL",
        )
        .bind(today)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records what each unit is asked to rate.
    pub async fn put_subjects(&self, round_id: i64, subjects: &[(i64, i64, String)]) -> Result<()> {
        let mut tx = self.begin().await?;
        for (unit, department, demands) in subjects {
            sqlx::query(
                "INSERT INTO survey_subjects (round_id, unit_id, department_id, demands) \
                 VALUES ($1,$2,$3,$4)",
            )
            .bind(round_id)
            .bind(unit)
            .bind(department)
            .bind(demands)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The departments one unit rates in a round.
    pub async fn subjects_of(&self, round_id: i64, unit_id: i64) -> Result<Vec<SubjectRow>> {
        Ok(sqlx::query_as(
            "SELECT s.unit_id, s.department_id, d.short_name AS department, s.demands \
             FROM survey_subjects s JOIN org_units d ON d.id = s.department_id \
             WHERE s.round_id = $1 AND s.unit_id = $2 ORDER BY d.id",
        )
        .bind(round_id)
        .bind(unit_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Stores an answer and its participation together; false if this user
    /// already answered about this subject in this round.
    pub async fn record_answer(&self, a: &NewAnswer<'_>) -> Result<bool> {
        let mut tx = self.begin().await?;
        let took = sqlx::query(
            "INSERT INTO survey_participation (round_id, user_id, subject) VALUES ($1,$2,$3) \
             ON CONFLICT (round_id, user_id, subject) DO NOTHING",
        )
        .bind(a.round_id)
        .bind(a.user_id)
        .bind(a.subject)
        .execute(&mut *tx)
        .await?;
        if took.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO survey_answers (id, round_id, subject, rater_group, township_id, answers) \
             VALUES ($1,$2,$3,$4,$5,$6)",
        )
        .bind(a.answer_id)
        .bind(a.round_id)
        .bind(a.subject)
        .bind(a.rater_group)
        .bind(a.township_id)
        .bind(a.answers)
        .execute(&mut *tx)
        .await?;
        // PostgreSQL stamps each row with its transaction (xmin), which the
        // participation row shares: rewriting every answer about this
        // subject gives them all this one, so the stamp no longer tells
        // which is new. (A no-op in effect on SQLite.)
        sqlx::query(
            "UPDATE survey_answers SET subject = subject WHERE round_id = $1 AND subject = $2",
        )
        .bind(a.round_id)
        .bind(a.subject)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        // SQLite's write-ahead log keeps each commit's pages, the
        // participation and the answer side by side, until a checkpoint
        // overwrites them: truncate it now, so a copy of the files does not
        // pair them. (Busy readers only delay it to the next answer.)
        if self.backend() == crate::Backend::Sqlite {
            let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await;
        }
        Ok(true)
    }

    /// After a round closes, PostgreSQL's heap is rewritten in the order of
    /// the answers' random ids, so the physical order of rows no longer
    /// follows the order in which they were given. (SQLite keeps both
    /// tables in key order already.)
    pub async fn shuffle_answers_on_disk(&self) -> Result<()> {
        if self.backend() == crate::Backend::Postgres {
            sqlx::query("CLUSTER survey_answers USING survey_answers_pkey")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// The demands that reached each unit in a period, from the burden
    /// ledger: (community or township, its township, department, label).
    /// A township's rows are its own and its communities'. Direct reports
    /// and hidden burden are left out: a rating form listing them would
    /// tell a colleague that someone here reported.
    pub async fn demands_in_period(
        &self,
        from_month: i64,
        to_month: i64,
    ) -> Result<Vec<DemandRow>> {
        Ok(sqlx::query_as(
            "SELECT DISTINCT unit_id, township_id, department_id, source_label FROM ledger_entries \
             WHERE month BETWEEN $1 AND $2 AND department_id IS NOT NULL \
             AND source_kind <> 'direct' AND kind NOT IN ('hidden', 'confirmation') \
             ORDER BY unit_id, department_id, source_label",
        )
        .bind(from_month)
        .bind(to_month)
        .fetch_all(&self.pool)
        .await?)
    }

    /// How many units rate each department in a round.
    pub async fn subject_counts(&self, round_id: i64) -> Result<Vec<(i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT department_id, COUNT(*) FROM survey_subjects WHERE round_id = $1 \
             GROUP BY department_id ORDER BY department_id",
        )
        .bind(round_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The subjects a user has answered in a round (for their own list and
    /// reminders; says nothing of what they answered).
    pub async fn answered_subjects(&self, round_id: i64, user_id: i64) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT subject FROM survey_participation WHERE round_id = $1 AND user_id = $2",
        )
        .bind(round_id)
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(s,)| s).collect())
    }

    /// How many have answered a round (participation only).
    pub async fn participation_count(&self, round_id: i64) -> Result<i64> {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM survey_participation WHERE round_id = $1")
                .bind(round_id)
                .fetch_one(&self.pool)
                .await?;
        Ok(n)
    }

    /// A round's progress for the office: how many accounts have answered
    /// at least once, and how many are asked (active accounts of the
    /// round's roles; for a reverse assessment only those whose unit, or
    /// whose grid's community, has departments to rate). Counts only, so
    /// that nobody is named as late.
    pub async fn round_progress(
        &self,
        round_id: i64,
        roles: &str,
        reverse: bool,
    ) -> Result<(i64, i64)> {
        let (answered,): (i64,) = sqlx::query_as(
            "SELECT COUNT(DISTINCT user_id) FROM survey_participation WHERE round_id = $1",
        )
        .bind(round_id)
        .fetch_one(&self.pool)
        .await?;
        let (asked,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM users u WHERE u.disabled = 0 \
             AND (',' || $2 || ',') LIKE ('%,' || u.role || ',%') \
             AND ($3 = 0 OR EXISTS (SELECT 1 FROM survey_subjects s WHERE s.round_id = $1 \
                  AND (s.unit_id = u.unit_id \
                       OR s.unit_id = (SELECT o.parent_id FROM org_units o WHERE o.id = u.unit_id))))",
        )
        .bind(round_id)
        .bind(roles)
        .bind(i64::from(reverse))
        .fetch_one(&self.pool)
        .await?;
        Ok((answered, asked))
    }

    /// Every answer of a round, in the order of their random ids.
    pub async fn round_answers(&self, round_id: i64) -> Result<Vec<AnswerRow>> {
        Ok(sqlx::query_as(
            "SELECT subject, rater_group, township_id, answers FROM survey_answers \
             WHERE round_id = $1 ORDER BY id",
        )
        .bind(round_id)
        .fetch_all(&self.pool)
        .await?)
    }
}
