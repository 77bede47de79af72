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
