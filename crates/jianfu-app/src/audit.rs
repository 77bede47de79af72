//! Helpers for writing the audit log with the actor filled in.

use crate::{auth::CurrentUser, App, Result};
use jianfu_store::NewAuditEntry;

impl App {
    pub async fn audit(
        &self,
        actor: Option<&CurrentUser>,
        action: &str,
        target: Option<String>,
        outcome: &str,
        detail: Option<String>,
        ip: Option<String>,
    ) -> Result<()> {
        self.db
            .append_audit(&NewAuditEntry {
                user_id: actor.map(|a| a.id),
                username: actor.map(|a| a.username.clone()),
                action: action.to_string(),
                target,
                outcome: outcome.to_string(),
                detail,
                ip,
            })
            .await?;
        Ok(())
    }
}

impl App {
    /// Records a refused request and returns the error to send back.
    pub async fn deny(
        &self,
        actor: &CurrentUser,
        target: &str,
        why: &str,
        ip: Option<String>,
    ) -> crate::AppError {
        if let Err(e) = self
            .audit(
                Some(actor),
                "access.denied",
                Some(target.to_string()),
                "denied",
                Some(why.to_string()),
                ip,
            )
            .await
        {
            return e;
        }
        crate::AppError::Forbidden(why.to_string())
    }
}
