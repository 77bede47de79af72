//! 直报: direct reports, their messages and evidence, and typical cases.
//!
//! What an anonymous report keeps is decided here, by the columns the
//! insert writes: no user, session, address or time of day. Each step of
//! the loop moves a report from the states it was read in
//! (`UPDATE … WHERE status IN (…)`), so two office workers never both
//! decide the same report.

use crate::{Db, Result};
use serde::Serialize;

/// A direct report as the services read it, with the names of the units it
/// refers to. It has no receipt hash: nothing outside this module needs it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DirectReportRow {
    pub id: i64,
    pub category: String,
    pub department_id: Option<i64>,
    pub department_text: String,
    pub department_name: Option<String>,
    pub happened_on: String,
    pub demand: String,
    pub minutes: i64,
    pub admission_number: Option<String>,
    pub admission_id: Option<i64>,
    pub township_id: Option<i64>,
    pub township_name: Option<String>,
    pub community_id: Option<i64>,
    pub community_name: Option<String>,
    pub named_user_id: Option<i64>,
    pub named_user_name: Option<String>,
    pub has_receipt: i64,
    pub filed_on: String,
    pub status: String,
    pub merged_into: Option<i64>,
    pub decline_reason: Option<String>,
    pub assigned_to: Option<i64>,
    pub assigned_name: Option<String>,
    pub assign_note: Option<String>,
    pub due_on: Option<String>,
    pub disclosure: String,
    pub evidence_shared: i64,
    pub finding: Option<String>,
    pub change_kind: Option<String>,
    pub answered_on: Option<String>,
    pub closing: Option<String>,
    pub closed_on: Option<String>,
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
    pub reopened: i64,
    pub updated_on: String,
}

const SELECT: &str = "SELECT r.id, r.category, r.department_id, r.department_text, \
     d.short_name AS department_name, r.happened_on, r.demand, r.minutes, r.admission_number, \
     r.admission_id, r.township_id, t.short_name AS township_name, r.community_id, \
     c.short_name AS community_name, r.named_user_id, nu.display_name AS named_user_name, \
     CASE WHEN r.receipt_hash IS NULL THEN 0 ELSE 1 END AS has_receipt, r.filed_on, r.status, \
     r.merged_into, r.decline_reason, r.assigned_to, a.short_name AS assigned_name, \
     r.assign_note, r.due_on, r.disclosure, r.evidence_shared, r.finding, r.change_kind, \
     r.answered_on, r.closing, r.closed_on, r.rating, r.rating_comment, r.reopened, r.updated_on \
     FROM direct_reports r \
     LEFT JOIN org_units d ON d.id = r.department_id \
     LEFT JOIN org_units t ON t.id = r.township_id \
     LEFT JOIN org_units c ON c.id = r.community_id \
     LEFT JOIN org_units a ON a.id = r.assigned_to \
     LEFT JOIN users nu ON nu.id = r.named_user_id";

/// What a new report stores: exactly these fields, nothing about the
/// request it came in.
#[derive(Debug, Clone)]
pub struct NewDirectReport<'a> {
    pub receipt_hash: &'a str,
    pub category: &'a str,
    pub department_id: Option<i64>,
    pub department_text: &'a str,
    pub happened_on: &'a str,
    pub demand: &'a str,
    pub minutes: i64,
    pub admission_number: Option<&'a str>,
    pub admission_id: Option<i64>,
    pub township_id: Option<i64>,
    pub community_id: Option<i64>,
    pub named_user_id: Option<i64>,
    pub filed_on: &'a str,
}

/// An evidence file after its metadata was stripped.
#[derive(Debug, Clone)]
pub struct NewEvidence<'a> {
    pub kind: &'a str,
    pub content_type: &'a str,
    pub stripped: String,
    pub bytes: &'a [u8],
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct EvidenceMeta {
    pub position: i64,
    pub kind: String,
    pub content_type: String,
    pub size: i64,
    pub stripped: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ReportMessage {
    pub side: String,
    pub body: String,
    pub written_on: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct TypicalCaseRow {
    pub id: i64,
    pub report_id: i64,
    pub title: String,
    pub body: String,
    pub category: String,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    pub published_on: String,
}

/// A closed report as the office rewrote it for publication.
#[derive(Debug, Clone)]
pub struct NewTypicalCase<'a> {
    pub report_id: i64,
    pub title: &'a str,
    pub body: &'a str,
    pub category: &'a str,
    pub department_id: Option<i64>,
    pub published_on: &'a str,
    pub published_by: i64,
}

/// A change one step of the loop makes, beside the new status.
#[derive(Debug, Clone)]
pub enum ReportChange<'a> {
    Accept {
        department_id: Option<i64>,
    },
    Merge {
        into: i64,
    },
    Decline {
        reason: &'a str,
    },
    Assign {
        department_id: i64,
        due_on: &'a str,
        note: &'a str,
    },
    Answer {
        finding: &'a str,
        change_kind: &'a str,
    },
    Close {
        closing: &'a str,
    },
}

impl Db {
    /// Stores a report and its evidence in one transaction: a file that
    /// fails leaves no report behind, and no report without its files.
    pub async fn insert_direct_report(
        &self,
        r: &NewDirectReport<'_>,
        files: &[NewEvidence<'_>],
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO direct_reports (receipt_hash, category, department_id, \
             department_text, happened_on, demand, minutes, admission_number, admission_id, \
             township_id, community_id, named_user_id, filed_on, status, updated_on) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,'received',$13) RETURNING id",
        )
        .bind(r.receipt_hash)
        .bind(r.category)
        .bind(r.department_id)
        .bind(r.department_text)
        .bind(r.happened_on)
        .bind(r.demand)
        .bind(r.minutes)
        .bind(r.admission_number)
        .bind(r.admission_id)
        .bind(r.township_id)
        .bind(r.community_id)
        .bind(r.named_user_id)
        .bind(r.filed_on)
        .fetch_one(&mut *tx)
        .await?;
        for (i, f) in files.iter().enumerate() {
            sqlx::query(
                "INSERT INTO direct_report_files (report_id, position, kind, content_type, \
                 size, stripped, bytes) VALUES ($1,$2,$3,$4,$5,$6,$7)",
            )
            .bind(id)
            .bind(i as i64 + 1)
            .bind(f.kind)
            .bind(f.content_type)
            .bind(f.bytes.len() as i64)
            .bind(&f.stripped)
            .bind(f.bytes)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    pub async fn direct_report(&self, id: i64) -> Result<Option<DirectReportRow>> {
        Ok(sqlx::query_as(&format!("{SELECT} WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// The report a receipt hash opens, if any.
    pub async fn direct_report_by_receipt(&self, hash: &str) -> Result<Option<DirectReportRow>> {
        Ok(
            sqlx::query_as(&format!("{SELECT} WHERE r.receipt_hash = $1"))
                .bind(hash)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Reports, newest first: all, or those assigned to one department.
    pub async fn direct_reports(&self, assigned_to: Option<i64>) -> Result<Vec<DirectReportRow>> {
        let sql = match assigned_to {
            Some(_) => format!("{SELECT} WHERE r.assigned_to = $1 ORDER BY r.id DESC"),
            None => format!("{SELECT} ORDER BY r.id DESC"),
        };
        let mut q = sqlx::query_as(&sql);
        if let Some(d) = assigned_to {
            q = q.bind(d);
        }
        Ok(q.fetch_all(&self.pool).await?)
    }

    /// Moves a report from one of `from` to `to` with the step's change;
    /// false if it was no longer in any of those states.
    pub async fn step_direct_report(
        &self,
        id: i64,
        from: &[&str],
        to: &str,
        change: &ReportChange<'_>,
        today: &str,
    ) -> Result<bool> {
        let (set, binds): (&str, Vec<Bind<'_>>) = match change {
            ReportChange::Accept { department_id } => (
                "department_id = COALESCE($4, department_id)",
                vec![Bind::OptInt(*department_id)],
            ),
            ReportChange::Merge { into } => ("merged_into = $4", vec![Bind::Int(*into)]),
            ReportChange::Decline { reason } => ("decline_reason = $4", vec![Bind::Text(reason)]),
            ReportChange::Assign {
                department_id,
                due_on,
                note,
            } => (
                // What the office disclosed was disclosed to one
                // department: another starts from nothing.
                "disclosure = CASE WHEN assigned_to = $4 THEN disclosure ELSE 'none' END, \
                 evidence_shared = CASE WHEN assigned_to = $4 THEN evidence_shared ELSE 0 END, \
                 assigned_to = $4, due_on = $5, assign_note = $6, finding = NULL, \
                 change_kind = NULL, answered_on = NULL",
                vec![
                    Bind::Int(*department_id),
                    Bind::Text(due_on),
                    Bind::Text(note),
                ],
            ),
            ReportChange::Answer {
                finding,
                change_kind,
            } => (
                "finding = $4, change_kind = $5, answered_on = $3",
                vec![Bind::Text(finding), Bind::Text(change_kind)],
            ),
            ReportChange::Close { closing } => {
                ("closing = $4, closed_on = $3", vec![Bind::Text(closing)])
            }
        };
        // $1 status, $2 id, $3 today, the step's own values from $4, then
        // the states it may come from.
        let first = 4 + binds.len();
        let placeholders: Vec<String> =
            (0..from.len()).map(|i| format!("${}", first + i)).collect();
        let sql = format!(
            "UPDATE direct_reports SET status = $1, updated_on = $3, {set} \
             WHERE id = $2 AND status IN ({})",
            placeholders.join(",")
        );
        let mut q = sqlx::query(&sql).bind(to).bind(id).bind(today);
        for b in &binds {
            q = match b {
                Bind::Int(v) => q.bind(*v),
                Bind::OptInt(v) => q.bind(*v),
                Bind::Text(v) => q.bind(*v),
            };
        }
        for s in from {
            q = q.bind(*s);
        }
        Ok(q.execute(&self.pool).await?.rows_affected() == 1)
    }

    /// The custodian step: what the department concerned may see.
    pub async fn disclose_direct_report(
        &self,
        id: i64,
        disclosure: &str,
        evidence_shared: bool,
        today: &str,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE direct_reports SET disclosure = $1, evidence_shared = $2, updated_on = $3 \
             WHERE id = $4",
        )
        .bind(disclosure)
        .bind(i64::from(evidence_shared))
        .bind(today)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The reporter's rating of a closed report, once per closing.
    pub async fn rate_direct_report(
        &self,
        id: i64,
        rating: i64,
        comment: &str,
        today: &str,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE direct_reports SET rating = $1, rating_comment = $2, updated_on = $3 \
             WHERE id = $4 AND status = 'closed' AND rating IS NULL",
        )
        .bind(rating)
        .bind(comment)
        .bind(today)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn add_report_message(
        &self,
        report_id: i64,
        side: &str,
        body: &str,
        today: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO direct_report_messages (report_id, side, body, written_on) \
             VALUES ($1,$2,$3,$4)",
        )
        .bind(report_id)
        .bind(side)
        .bind(body)
        .bind(today)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn report_messages(&self, report_id: i64) -> Result<Vec<ReportMessage>> {
        Ok(sqlx::query_as(
            "SELECT side, body, written_on FROM direct_report_messages WHERE report_id = $1 \
             ORDER BY id",
        )
        .bind(report_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// What the reporters of reports merged into `target_id` added with
    /// their codes, for the office working on the target: (merged report,
    /// message). The target's own reporter never reads these.
    pub async fn merged_reporter_messages(
        &self,
        target_id: i64,
    ) -> Result<Vec<(i64, ReportMessage)>> {
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT m.report_id, m.side, m.body, m.written_on FROM direct_report_messages m \
             JOIN direct_reports r ON r.id = m.report_id \
             WHERE r.merged_into = $1 AND m.side = 'reporter' ORDER BY m.id",
        )
        .bind(target_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, side, body, written_on)| {
                (
                    id,
                    ReportMessage {
                        side,
                        body,
                        written_on,
                    },
                )
            })
            .collect())
    }

    pub async fn report_evidence(&self, report_id: i64) -> Result<Vec<EvidenceMeta>> {
        Ok(sqlx::query_as(
            "SELECT position, kind, content_type, size, stripped FROM direct_report_files \
             WHERE report_id = $1 ORDER BY position",
        )
        .bind(report_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// One evidence file's content type and bytes.
    pub async fn report_evidence_file(
        &self,
        report_id: i64,
        position: i64,
    ) -> Result<Option<(String, Vec<u8>)>> {
        Ok(sqlx::query_as(
            "SELECT content_type, bytes FROM direct_report_files \
             WHERE report_id = $1 AND position = $2",
        )
        .bind(report_id)
        .bind(position)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The site's salt for receipt hashes: made once, then always the same,
    /// so a receipt finds its report by an index lookup of its hash.
    pub async fn receipt_salt(&self, fresh: &str) -> Result<String> {
        sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES ('direct_report_salt', $1, 0) \
             ON CONFLICT (key) DO NOTHING",
        )
        .bind(fresh)
        .execute(&self.pool)
        .await?;
        let (salt,): (String,) =
            sqlx::query_as("SELECT value FROM settings WHERE key = 'direct_report_salt'")
                .fetch_one(&self.pool)
                .await?;
        Ok(salt)
    }

    /// Publishes a typical case; None if the report was published already.
    pub async fn publish_typical_case(&self, c: &NewTypicalCase<'_>) -> Result<Option<i64>> {
        let row: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO typical_cases (report_id, title, body, category, department_id, \
             published_on, published_by) VALUES ($1,$2,$3,$4,$5,$6,$7) \
             ON CONFLICT (report_id) DO NOTHING RETURNING id",
        )
        .bind(c.report_id)
        .bind(c.title)
        .bind(c.body)
        .bind(c.category)
        .bind(c.department_id)
        .bind(c.published_on)
        .bind(c.published_by)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(id,)| id))
    }

    /// Takes a typical case down; the report itself stays as it was.
    pub async fn withdraw_typical_case(&self, report_id: i64) -> Result<bool> {
        let done = sqlx::query("DELETE FROM typical_cases WHERE report_id = $1")
            .bind(report_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The reporter reopens a closed report (once): back to 受理, the
    /// reason kept as the reporter's message, in one transaction so a
    /// reopened report always says why.
    pub async fn reopen_direct_report(&self, id: i64, reason: &str, today: &str) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE direct_reports SET status = 'accepted', reopened = reopened + 1, \
             rating = NULL, rating_comment = NULL, closed_on = NULL, updated_on = $1 \
             WHERE id = $2 AND status = 'closed' AND reopened = 0 AND rating IS NULL",
        )
        .bind(today)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO direct_report_messages (report_id, side, body, written_on) \
             VALUES ($1,'reporter',$2,$3)",
        )
        .bind(id)
        .bind(reason)
        .bind(today)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn typical_cases(&self) -> Result<Vec<TypicalCaseRow>> {
        Ok(sqlx::query_as(
            "SELECT tc.id, tc.report_id, tc.title, tc.body, tc.category, tc.department_id, \
             d.short_name AS department_name, tc.published_on FROM typical_cases tc \
             LEFT JOIN org_units d ON d.id = tc.department_id ORDER BY tc.id DESC",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}

enum Bind<'a> {
    Int(i64),
    OptInt(Option<i64>),
    Text(&'a str),
}
