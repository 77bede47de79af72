//! Reading the audit log: who may, and how a filter is parsed.

use crate::{auth::CurrentUser, App, AppError, Result};
use chrono::NaiveDate;
use jianfu_store::{AuditEntry, AuditFilter};
use serde::{Deserialize, Serialize};

/// Actions the application writes, offered as filter suggestions.
pub const KNOWN_ACTIONS: [&str; 12] = [
    "login.success",
    "login.failure",
    "login.lockout",
    "logout",
    "access.denied",
    "user.create",
    "user.disable",
    "user.enable",
    "user.password_reset",
    "org.import",
    "export",
    "reveal",
];

/// Filter as it arrives in a query string.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AuditQuery {
    pub username: Option<String>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    /// Inclusive start date, `YYYY-MM-DD`, China Standard Time.
    pub from: Option<String>,
    /// Inclusive end date, `YYYY-MM-DD`, China Standard Time.
    pub to: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

fn day_start_ms(s: &str, what: &str) -> Result<i64> {
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::Invalid(format!("{what}“{s}”不是有效日期，应为 YYYY-MM-DD")))?;
    crate::clock::day_start_ms(d).ok_or_else(|| AppError::Invalid(format!("{what}无效")))
}

pub fn parse_filter(q: &AuditQuery, default_limit: i64) -> Result<AuditFilter> {
    let nonempty = |o: &Option<String>| {
        o.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let from_ms = nonempty(&q.from)
        .map(|s| day_start_ms(&s, "起始日期"))
        .transpose()?;
    let to_ms = nonempty(&q.to)
        .map(|s| day_start_ms(&s, "截止日期").map(|t| t + 86_400_000))
        .transpose()?;
    if let (Some(f), Some(t)) = (from_ms, to_ms) {
        if f >= t {
            return Err(AppError::Invalid("起始日期晚于截止日期".into()));
        }
    }
    if let Some(o) = nonempty(&q.outcome) {
        if !["ok", "failed", "denied"].contains(&o.as_str()) {
            return Err(AppError::Invalid(format!(
                "结果“{o}”无效，应为 ok、failed 或 denied"
            )));
        }
    }
    Ok(AuditFilter {
        username: nonempty(&q.username),
        action: nonempty(&q.action),
        outcome: nonempty(&q.outcome),
        from_ms,
        to_ms,
        limit: q.limit.unwrap_or(default_limit).clamp(1, 1000),
        offset: q.offset.unwrap_or(0).max(0),
    })
}

impl App {
    pub async fn read_audit(
        &self,
        actor: &CurrentUser,
        filter: &AuditFilter,
        ip: Option<String>,
    ) -> Result<(Vec<AuditEntry>, i64)> {
        if !actor.role.can_read_audit() {
            return Err(self
                .deny(
                    actor,
                    "audit_log",
                    "只有系统管理员和减负办可以查看审计日志",
                    ip,
                )
                .await);
        }
        Ok(self.db.query_audit(filter).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_china_days() {
        let q = AuditQuery {
            from: Some("2026-11-21".into()),
            to: Some("2026-11-21".into()),
            ..Default::default()
        };
        let f = parse_filter(&q, 50).unwrap();
        assert_eq!(f.to_ms.unwrap() - f.from_ms.unwrap(), 86_400_000);
        // 2026-11-21 00:00 CST is 2026-11-20 16:00 UTC.
        assert_eq!(f.from_ms.unwrap(), 1_795_219_200_000 - 8 * 3_600_000);
    }

    #[test]
    fn bad_input_is_named() {
        let q = AuditQuery {
            from: Some("21/11/2026".into()),
            ..Default::default()
        };
        assert!(parse_filter(&q, 50)
            .unwrap_err()
            .to_string()
            .contains("起始日期"));
        let q = AuditQuery {
            outcome: Some("maybe".into()),
            ..Default::default()
        };
        assert!(parse_filter(&q, 50).is_err());
    }
}
