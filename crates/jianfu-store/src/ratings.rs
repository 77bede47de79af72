//! 好差评: service cases recorded at a community's window, one rating per
//! case, bad ratings as cases, and the figures the public page shows.

use crate::{Db, Result};
use serde::Serialize;

/// A service case as the window recorded it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ServiceCaseRow {
    pub id: i64,
    pub community_id: i64,
    pub community: String,
    pub township_id: Option<i64>,
    pub service: String,
    pub case_no: String,
    pub token: String,
    pub recorded_on: String,
    pub recorded_ms: i64,
    /// Whether a rating came in (never which).
    pub rated: i64,
}

pub struct NewServiceCase<'a> {
    pub community_id: i64,
    pub township_id: Option<i64>,
    pub service: &'a str,
    pub case_no: &'a str,
    pub token: &'a str,
    pub recorded_on: &'a str,
    pub recorded_ms: i64,
    pub recorded_by: Option<i64>,
}

pub struct NewRating<'a> {
    pub case_id: i64,
    pub level: i64,
    pub efficiency: Option<i64>,
    pub quality: Option<i64>,
    pub attitude: Option<i64>,
    pub comment: Option<&'a str>,
    pub rated_on: &'a str,
    pub flags: &'a str,
    /// For a bad rating: the case's deadline; None for a good one.
    pub bad_due_on: Option<&'a str>,
}

/// A bad rating with its case, as the township and the office read it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct BadRatingRow {
    pub case_id: i64,
    pub community_id: i64,
    pub community: String,
    pub township_id: Option<i64>,
    pub township: Option<String>,
    pub service: String,
    pub case_no: String,
    pub recorded_on: String,
    pub level: i64,
    pub efficiency: Option<i64>,
    pub quality: Option<i64>,
    pub attitude: Option<i64>,
    pub comment: Option<String>,
    pub rated_on: String,
    pub flags: String,
    pub status: String,
    pub opened_on: String,
    pub due_on: String,
    pub callback_on: Option<String>,
    pub callback_note: Option<String>,
    pub outcome: Option<String>,
    pub outcome_note: Option<String>,
    pub appeal_reason: Option<String>,
    pub decision_note: Option<String>,
    pub closed_on: Option<String>,
}

/// One change on a bad rating, applied only from the statuses given.
pub struct BadChange<'a> {
    pub from: &'a [&'a str],
    pub to: &'a str,
    pub callback_note: Option<&'a str>,
    pub outcome: Option<&'a str>,
    pub outcome_note: Option<&'a str>,
    pub appeal_reason: Option<&'a str>,
    pub decision_note: Option<&'a str>,
    pub day: &'a str,
    /// The office upheld an appeal: the rating leaves every figure.
    pub exclude_rating: bool,
}

/// Flagged ratings of one window.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct FlaggedCount {
    pub community: String,
    pub township: Option<String>,
    pub prompted: i64,
    pub burst: i64,
    pub total: i64,
}

/// Ratings counted per service or township, for the public page.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RatingCount {
    pub key: String,
    pub name: String,
    pub total: i64,
    pub satisfied: i64,
    pub bad: i64,
    pub settled: i64,
}

const CASE: &str = "SELECT c.id, c.community_id, u.short_name AS community, c.township_id, \
     c.service, c.case_no, c.token, c.recorded_on, c.recorded_ms, \
     CASE WHEN r.case_id IS NULL THEN 0 ELSE 1 END AS rated \
     FROM service_cases c JOIN org_units u ON u.id = c.community_id \
     LEFT JOIN service_ratings r ON r.case_id = c.id";

/// Cases to act on first, the most urgent on top; settled ones after,
/// the newest first.
const OPEN_FIRST: &str = "CASE WHEN b.status = 'closed' THEN 1 ELSE 0 END, \
     CASE WHEN b.status = 'closed' THEN '' ELSE b.due_on END, b.closed_on DESC, b.case_id";

const BAD: &str = "SELECT b.case_id, c.community_id, u.short_name AS community, c.township_id, \
     t.short_name AS township, c.service, c.case_no, c.recorded_on, r.level, r.efficiency, \
     r.quality, r.attitude, r.comment, r.rated_on, r.flags, b.status, b.opened_on, b.due_on, \
     b.callback_on, b.callback_note, b.outcome, b.outcome_note, b.appeal_reason, \
     b.decision_note, b.closed_on \
     FROM bad_ratings b JOIN service_cases c ON c.id = b.case_id \
     JOIN service_ratings r ON r.case_id = b.case_id \
     JOIN org_units u ON u.id = c.community_id \
     LEFT JOIN org_units t ON t.id = c.township_id";

impl Db {
    /// Records a case; None when the window already has this case number.
    pub async fn add_service_case(&self, c: &NewServiceCase<'_>) -> Result<Option<i64>> {
        let row: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO service_cases (community_id, township_id, service, case_no, token, \
             recorded_on, recorded_ms, recorded_by) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) \
             ON CONFLICT (community_id, case_no) DO NOTHING RETURNING id",
        )
        .bind(c.community_id)
        .bind(c.township_id)
        .bind(c.service)
        .bind(c.case_no)
        .bind(c.token)
        .bind(c.recorded_on)
        .bind(c.recorded_ms)
        .bind(c.recorded_by)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(id,)| id))
    }

    pub async fn service_case(&self, id: i64) -> Result<Option<ServiceCaseRow>> {
        Ok(sqlx::query_as(&format!("{CASE} WHERE c.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn service_case_by_token(&self, token: &str) -> Result<Option<ServiceCaseRow>> {
        Ok(sqlx::query_as(&format!("{CASE} WHERE c.token = $1"))
            .bind(token)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// A window's most recent cases.
    pub async fn service_cases_of(
        &self,
        community_id: i64,
        limit: i64,
    ) -> Result<Vec<ServiceCaseRow>> {
        Ok(sqlx::query_as(&format!(
            "{CASE} WHERE c.community_id = $1 ORDER BY c.id DESC LIMIT {}",
            limit.clamp(1, 1000)
        ))
        .bind(community_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Stores a rating, and a bad rating's case with it, in one
    /// transaction; false when the case was rated already (一次一评).
    pub async fn add_rating(&self, r: &NewRating<'_>) -> Result<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "INSERT INTO service_ratings (case_id, community_id, township_id, service, level, \
             efficiency, quality, attitude, comment, rated_on, flags) \
             SELECT c.id, c.community_id, c.township_id, c.service, $2, $3, $4, $5, $6, $7, $8 \
             FROM service_cases c WHERE c.id = $1 \
             ON CONFLICT (case_id) DO NOTHING",
        )
        .bind(r.case_id)
        .bind(r.level)
        .bind(r.efficiency)
        .bind(r.quality)
        .bind(r.attitude)
        .bind(r.comment)
        .bind(r.rated_on)
        .bind(r.flags)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        if let Some(due) = r.bad_due_on {
            sqlx::query(
                "INSERT INTO bad_ratings (case_id, township_id, opened_on, due_on) \
                 SELECT c.id, c.township_id, $2, $3 FROM service_cases c WHERE c.id = $1",
            )
            .bind(r.case_id)
            .bind(r.rated_on)
            .bind(due)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Bad ratings, of one township's windows or all (None).
    pub async fn bad_ratings(&self, township_id: Option<i64>) -> Result<Vec<BadRatingRow>> {
        let sql = match township_id {
            Some(_) => format!("{BAD} WHERE c.township_id = $1 ORDER BY {OPEN_FIRST}"),
            None => format!("{BAD} ORDER BY {OPEN_FIRST}"),
        };
        let mut q = sqlx::query_as(&sql);
        if let Some(t) = township_id {
            q = q.bind(t);
        }
        Ok(q.fetch_all(&self.pool).await?)
    }

    pub async fn bad_rating(&self, case_id: i64) -> Result<Option<BadRatingRow>> {
        Ok(sqlx::query_as(&format!("{BAD} WHERE b.case_id = $1"))
            .bind(case_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Applies a step; false if the case was not in a status it applies to
    /// (someone else moved it first).
    pub async fn change_bad_rating(&self, case_id: i64, c: &BadChange<'_>) -> Result<bool> {
        let marks: Vec<String> = (0..c.from.len()).map(|i| format!("${}", i + 9)).collect();
        let sql = format!(
            "UPDATE bad_ratings SET status = $2, \
             callback_note = COALESCE($3, callback_note), \
             callback_on = CASE WHEN $3 IS NULL THEN callback_on ELSE $8 END, \
             outcome = COALESCE($4, outcome), outcome_note = COALESCE($5, outcome_note), \
             appeal_reason = COALESCE($6, appeal_reason), \
             decision_note = COALESCE($7, decision_note), \
             closed_on = CASE WHEN $2 = 'closed' THEN $8 ELSE closed_on END \
             WHERE case_id = $1 AND status IN ({})",
            marks.join(",")
        );
        let mut tx = self.begin().await?;
        let mut q = sqlx::query(&sql)
            .bind(case_id)
            .bind(c.to)
            .bind(c.callback_note)
            .bind(c.outcome)
            .bind(c.outcome_note)
            .bind(c.appeal_reason)
            .bind(c.decision_note)
            .bind(c.day);
        for f in c.from {
            q = q.bind(*f);
        }
        let done = q.execute(&mut *tx).await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        if c.exclude_rating {
            sqlx::query("UPDATE service_ratings SET excluded = 1 WHERE case_id = $1")
                .bind(case_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Ratings counted per service (`by_township` false) or per township,
    /// leaving out ratings the office found malicious.
    pub async fn rating_counts(
        &self,
        by_township: bool,
        before_day: &str,
    ) -> Result<Vec<RatingCount>> {
        let (key, name, join) = if by_township {
            (
                "CAST(r.township_id AS TEXT)",
                "COALESCE(t.short_name, '')",
                "LEFT JOIN org_units t ON t.id = r.township_id",
            )
        } else {
            ("r.service", "r.service", "")
        };
        let sql = format!(
            "SELECT {key} AS key, {name} AS name, CAST(COUNT(*) AS BIGINT) AS total, \
             CAST(SUM(CASE WHEN r.level >= 4 THEN 1 ELSE 0 END) AS BIGINT) AS satisfied, \
             CAST(SUM(CASE WHEN r.level <= 2 THEN 1 ELSE 0 END) AS BIGINT) AS bad, \
             CAST(SUM(CASE WHEN b.status = 'closed' THEN 1 ELSE 0 END) AS BIGINT) AS settled \
             FROM service_ratings r {join} LEFT JOIN bad_ratings b ON b.case_id = r.case_id \
             WHERE r.excluded = 0 AND r.rated_on < $1 GROUP BY {key}, {name} ORDER BY {name}"
        );
        Ok(sqlx::query_as(&sql)
            .bind(before_day)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Windows with flagged ratings, the most first.
    pub async fn flagged_ratings_by_community(&self) -> Result<Vec<FlaggedCount>> {
        Ok(sqlx::query_as(
            "SELECT u.short_name AS community, t.short_name AS township, \
             CAST(SUM(CASE WHEN r.flags LIKE '%prompted%' THEN 1 ELSE 0 END) AS BIGINT) AS prompted, \
             CAST(SUM(CASE WHEN r.flags LIKE '%burst%' THEN 1 ELSE 0 END) AS BIGINT) AS burst, \
             CAST(COUNT(*) AS BIGINT) AS total \
             FROM service_ratings r JOIN org_units u ON u.id = r.community_id \
             LEFT JOIN org_units t ON t.id = r.township_id \
             WHERE r.flags <> '' GROUP BY u.short_name, t.short_name \
             ORDER BY COUNT(*) DESC, u.short_name LIMIT 50",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Settled bad ratings with what was done, newest first, for the
    /// public page (no case number, no community).
    pub async fn settled_bad_ratings(&self, limit: i64) -> Result<Vec<BadRatingRow>> {
        Ok(sqlx::query_as(&format!(
            "{BAD} WHERE b.status = 'closed' AND b.outcome <> 'malicious' \
             ORDER BY b.closed_on DESC, b.case_id DESC LIMIT {}",
            limit.clamp(1, 500)
        ))
        .fetch_all(&self.pool)
        .await?)
    }
}
