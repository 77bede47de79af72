//! 监测: the burden ledger (derived rows, replaced per source), the
//! aggregates the dashboard and the warning rules read, monitoring points
//! and their monthly confirmations with history, and warning cases.

use crate::register::Tx;
use crate::{Db, Result};
use jianfu_core::monitoring::LedgerEntry;
use serde::Serialize;

/// Rows per INSERT: 18 parameters each, well under SQLite's limit.
const INSERT_CHUNK: usize = 400;

/// A ledger entry with the township it lies in, as stored.
pub struct StoredEntry<'a> {
    pub entry: &'a LedgerEntry,
    pub township_id: Option<i64>,
}

impl Db {
    /// Replaces every ledger row computed from these sources with `rows`
    /// (all of them from those sources), in the caller's transaction.
    pub async fn replace_ledger_sources(
        tx: &mut Tx,
        source_kind: &str,
        source_ids: &[i64],
        rows: &[StoredEntry<'_>],
    ) -> Result<()> {
        for ids in source_ids.chunks(500) {
            let marks: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "DELETE FROM ledger_entries WHERE source_kind = $1 AND source_id IN ({})",
                marks.join(",")
            );
            let mut q = sqlx::query(&sql).bind(source_kind);
            for id in ids {
                q = q.bind(*id);
            }
            q.execute(&mut **tx).await?;
        }
        Self::insert_ledger(tx, rows).await
    }

    /// Empties the ledger (a full rebuild follows in the same transaction).
    pub async fn clear_ledger(tx: &mut Tx) -> Result<()> {
        sqlx::query("DELETE FROM ledger_entries")
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    pub async fn insert_ledger(tx: &mut Tx, rows: &[StoredEntry<'_>]) -> Result<()> {
        for chunk in rows.chunks(INSERT_CHUNK) {
            let mut values = Vec::with_capacity(chunk.len());
            for i in 0..chunk.len() {
                let b = i * 18;
                let marks: Vec<String> = (1..=18).map(|k| format!("${}", b + k)).collect();
                values.push(format!("({})", marks.join(",")));
            }
            let sql = format!(
                "INSERT INTO ledger_entries (unit_id, township_id, month, department_id, kind, \
                 items, minutes, provenance, source_kind, source_id, source_label, admitted, \
                 in_plan, lead_hours, day, cells_prefilled, cells_typed, working) VALUES {}",
                values.join(",")
            );
            let mut q = sqlx::query(&sql);
            for r in chunk {
                let e = r.entry;
                q = q
                    .bind(e.unit_id)
                    .bind(r.township_id)
                    .bind(e.month.key())
                    .bind(e.department_id)
                    .bind(e.kind.code())
                    .bind(e.items as i64)
                    .bind(e.minutes)
                    .bind(e.provenance.code())
                    .bind(e.source.kind.clone())
                    .bind(e.source.id)
                    .bind(e.source.label.clone())
                    .bind(i64::from(e.admitted))
                    .bind(e.in_plan.map(i64::from))
                    .bind(e.lead_hours.map(i64::from))
                    .bind(e.day.map(|d| d.to_string()))
                    .bind(e.cells_prefilled as i64)
                    .bind(e.cells_typed as i64)
                    .bind(e.working.clone());
            }
            q.execute(&mut **tx).await?;
        }
        Ok(())
    }
}

/// One group of the ledger summed (by unit, department, kind or month).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct LedgerSum {
    /// The group's id (unit or department), 0 when not grouped by one.
    pub group_id: i64,
    pub group_name: String,
    pub month: i64,
    pub kind: String,
    pub items: i64,
    pub minutes: f64,
    pub measured_minutes: f64,
    pub reported_minutes: f64,
    pub unadmitted: i64,
    pub unplanned: i64,
    pub reports: i64,
    pub cells_prefilled: i64,
    pub cells_typed: i64,
}

/// How the dashboard groups the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerGroup {
    /// Per community (or township) it reached.
    Unit,
    /// Per township.
    Township,
    /// Per department that caused it.
    Department,
    /// The whole scope, per month and kind.
    Kind,
}

/// The part of the ledger a reader may see.
#[derive(Debug, Clone, Default)]
pub struct LedgerScope {
    /// A subtree of the org tree (`/1/4/`), for townships and communities.
    pub unit_path: Option<String>,
    /// One department's entries only.
    pub department_id: Option<i64>,
    /// Readers other than the 减负办: a direct report's entry sits on the
    /// community its reporter named (else the township), so it is left out
    /// of everything read by place (a unit's subtree, sums by community or
    /// township) and sorted apart from the places in a list. It still
    /// counts in totals by month, kind and department.
    pub hide_direct_places: bool,
}

const NOT_DIRECT: &str = " AND l.source_kind <> 'direct'";

/// One ledger line, for the trace of a figure.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct LedgerLine {
    pub unit_id: i64,
    pub unit: String,
    pub month: i64,
    pub department: Option<String>,
    pub kind: String,
    pub items: i64,
    pub minutes: f64,
    pub provenance: String,
    pub source_kind: String,
    pub source_id: i64,
    pub source_label: String,
    pub admitted: i64,
    pub day: Option<String>,
    pub working: String,
}

/// An inspection on the ledger, for the pile-up and repeat-visit rules.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct VisitRow {
    pub unit_id: i64,
    pub unit: String,
    pub department_id: i64,
    pub department: String,
    pub day: String,
    pub label: String,
}

fn scope_filter(scope: &LedgerScope, first: usize) -> (String, Vec<String>, Option<i64>) {
    let mut sql = String::new();
    let mut texts = Vec::new();
    let mut n = first;
    if let Some(p) = &scope.unit_path {
        sql.push_str(&format!(
            " AND l.unit_id IN (SELECT id FROM org_units WHERE path LIKE ${n})"
        ));
        if scope.hide_direct_places {
            sql.push_str(NOT_DIRECT);
        }
        texts.push(crate::orgs::subtree_pattern(p));
        n += 1;
    }
    match scope.department_id {
        // 0 is the dashboard's 未指明部门: entries no department is named on.
        Some(0) => {
            sql.push_str(" AND l.department_id IS NULL");
            (sql, texts, None)
        }
        Some(d) => {
            sql.push_str(&format!(" AND l.department_id = ${n}"));
            (sql, texts, Some(d))
        }
        None => (sql, texts, None),
    }
}

impl Db {
    /// The ledger summed per group and month (and kind, for `Kind`), from
    /// month `from` to `to` (yyyymm, both included).
    pub async fn ledger_sums(
        &self,
        group: LedgerGroup,
        scope: &LedgerScope,
        from: i64,
        to: i64,
    ) -> Result<Vec<LedgerSum>> {
        let (id, name, join, kind) = match group {
            LedgerGroup::Unit => (
                "l.unit_id",
                "u.short_name",
                "JOIN org_units u ON u.id = l.unit_id",
                "''",
            ),
            LedgerGroup::Township => (
                "COALESCE(l.township_id, 0)",
                "COALESCE(u.short_name, '')",
                "LEFT JOIN org_units u ON u.id = l.township_id",
                "''",
            ),
            LedgerGroup::Department => (
                "COALESCE(l.department_id, 0)",
                "COALESCE(u.short_name, '未指明部门')",
                "LEFT JOIN org_units u ON u.id = l.department_id",
                "''",
            ),
            LedgerGroup::Kind => ("0", "''", "", "l.kind"),
        };
        let (id, name, join, kind) = match group {
            // A literal has no type in PostgreSQL until cast.
            LedgerGroup::Kind => ("CAST(0 AS BIGINT)", "CAST('' AS TEXT)", join, kind),
            _ => (
                id,
                name,
                join,
                if kind == "''" {
                    "CAST('' AS TEXT)"
                } else {
                    kind
                },
            ),
        };
        let (mut filter, texts, dept) = scope_filter(scope, 3);
        if scope.hide_direct_places
            && matches!(group, LedgerGroup::Unit | LedgerGroup::Township)
            && !filter.contains(NOT_DIRECT)
        {
            filter.push_str(NOT_DIRECT);
        }
        // PostgreSQL refuses constants in GROUP BY, and sums integers as
        // NUMERIC: group by real columns only, and cast every sum.
        let mut groups = vec!["l.month".to_string()];
        if group != LedgerGroup::Kind {
            groups.push(id.to_string());
            groups.push(name.to_string());
        }
        if group == LedgerGroup::Kind {
            groups.push(kind.to_string());
        }
        let int = |e: &str| format!("CAST(COALESCE(SUM({e}), 0) AS BIGINT)");
        let sql = format!(
            "SELECT {id} AS group_id, {name} AS group_name, l.month AS month, {kind} AS kind, \
             {items} AS items, COALESCE(SUM(l.minutes), 0.0) AS minutes, \
             COALESCE(SUM(CASE WHEN l.provenance = 'measured' THEN l.minutes ELSE 0.0 END), 0.0) AS measured_minutes, \
             COALESCE(SUM(CASE WHEN l.provenance = 'reported' THEN l.minutes ELSE 0.0 END), 0.0) AS reported_minutes, \
             {unadmitted} AS unadmitted, {unplanned} AS unplanned, {reports} AS reports, \
             {prefilled} AS cells_prefilled, {typed} AS cells_typed \
             FROM ledger_entries l {join} \
             WHERE l.month >= $1 AND l.month <= $2{filter} \
             GROUP BY {} ORDER BY l.month",
            groups.join(", "),
            items = int("l.items"),
            unadmitted = int("CASE WHEN l.admitted = 0 AND l.items > 0 THEN l.items ELSE 0 END"),
            unplanned = int("CASE WHEN l.in_plan = 0 THEN l.items ELSE 0 END"),
            reports = int("CASE WHEN l.kind = 'report' THEN l.items ELSE 0 END"),
            prefilled = int("l.cells_prefilled"),
            typed = int("l.cells_typed"),
        );
        let mut q = sqlx::query_as(&sql).bind(from).bind(to);
        for t in texts {
            q = q.bind(t);
        }
        if let Some(d) = dept {
            q = q.bind(d);
        }
        Ok(q.fetch_all(&self.pool).await?)
    }

    /// The ledger lines behind one figure: a unit (or township subtree),
    /// a month, optionally one department and one kind.
    pub async fn ledger_lines(
        &self,
        scope: &LedgerScope,
        from: i64,
        to: i64,
        kind: Option<&str>,
        limit: i64,
    ) -> Result<Vec<LedgerLine>> {
        let (filter, texts, dept) = scope_filter(scope, 4);
        let sql = format!(
            "SELECT l.unit_id, u.short_name AS unit, l.month, d.short_name AS department, l.kind, \
             l.items, l.minutes, l.provenance, l.source_kind, l.source_id, l.source_label, \
             l.admitted, l.day, l.working \
             FROM ledger_entries l JOIN org_units u ON u.id = l.unit_id \
             LEFT JOIN org_units d ON d.id = l.department_id \
             WHERE l.month >= $1 AND l.month <= $2 AND ($3 = '' OR l.kind = $3){filter} \
             ORDER BY l.month, CASE WHEN l.source_kind = 'direct' THEN '' ELSE u.path END, \
             l.kind, l.source_id LIMIT {}",
            limit.clamp(1, 5000)
        );
        let mut q = sqlx::query_as(&sql)
            .bind(from)
            .bind(to)
            .bind(kind.unwrap_or("").to_string());
        for t in texts {
            q = q.bind(t);
        }
        if let Some(d) = dept {
            q = q.bind(d);
        }
        Ok(q.fetch_all(&self.pool).await?)
    }

    /// How many ledger lines `ledger_lines` would list without its limit,
    /// with their minutes: the page says when it shows only a part.
    pub async fn ledger_line_totals(
        &self,
        scope: &LedgerScope,
        from: i64,
        to: i64,
        kind: Option<&str>,
    ) -> Result<(i64, f64)> {
        let (filter, texts, dept) = scope_filter(scope, 4);
        let sql = format!(
            "SELECT CAST(COUNT(*) AS BIGINT), COALESCE(SUM(l.minutes), 0.0)              FROM ledger_entries l              WHERE l.month >= $1 AND l.month <= $2 AND ($3 = '' OR l.kind = $3){filter}"
        );
        let mut q = sqlx::query_as::<_, (i64, f64)>(&sql)
            .bind(from)
            .bind(to)
            .bind(kind.unwrap_or("").to_string());
        for t in texts {
            q = q.bind(t);
        }
        if let Some(d) = dept {
            q = q.bind(d);
        }
        Ok(q.fetch_one(&self.pool).await?)
    }

    /// Inspections on the ledger with a day, from `from_day` (YYYY-MM-DD).
    pub async fn ledger_visits(&self, from_day: &str) -> Result<Vec<VisitRow>> {
        Ok(sqlx::query_as(
            "SELECT l.unit_id, u.short_name AS unit, l.department_id, d.short_name AS department, \
             l.day, l.source_label AS label \
             FROM ledger_entries l JOIN org_units u ON u.id = l.unit_id \
             JOIN org_units d ON d.id = l.department_id \
             WHERE l.kind = 'inspection' AND l.day IS NOT NULL AND l.day >= $1 \
             ORDER BY l.unit_id, l.day",
        )
        .bind(from_day)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Ledger lines with a lead time under `hours`, from month `from`.
    pub async fn ledger_short_leads(&self, hours: i64, from: i64) -> Result<Vec<ShortLeadRow>> {
        Ok(sqlx::query_as(
            "SELECT l.department_id, d.short_name AS department, l.source_kind, l.source_id, \
             MIN(l.source_label) AS label, MIN(l.lead_hours) AS lead_hours, MIN(l.month) AS month \
             FROM ledger_entries l JOIN org_units d ON d.id = l.department_id \
             WHERE l.lead_hours IS NOT NULL AND l.lead_hours < $1 AND l.month >= $2 \
             GROUP BY l.department_id, d.short_name, l.source_kind, l.source_id",
        )
        .bind(hours)
        .bind(from)
        .fetch_all(&self.pool)
        .await?)
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ShortLeadRow {
    pub department_id: i64,
    pub department: String,
    pub source_kind: String,
    pub source_id: i64,
    pub label: String,
    pub lead_hours: i64,
    pub month: i64,
}

#[path = "monitoring_cases.rs"]
mod cases;
pub use cases::{ConfirmationRow, NewConfirmation, PointRow, WarningRow};
