//! Helpers for writing the audit log with the actor filled in.

use std::cell::Cell;
use std::future::Future;

tokio::task_local! {
    /// Set by `App::deny` while a request is tracked, so the web layer
    /// knows a refusal was already audited with its reason.
    static REFUSAL_AUDITED: Cell<bool>;
}

/// Runs `f` (one request's handling) and says whether a refusal was
/// audited by a service meanwhile. The web layer audits any other refusal
/// itself, so a check written in a handler, a middleware or a new route
/// cannot refuse without a trace.
pub async fn tracking_refusals<F: Future>(f: F) -> (F::Output, bool) {
    REFUSAL_AUDITED
        .scope(Cell::new(false), async move {
            let out = f.await;
            (out, REFUSAL_AUDITED.with(Cell::get))
        })
        .await
}

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
        // However a service records a refusal, the web layer must not
        // record it a second time.
        if outcome == "denied" {
            let _ = REFUSAL_AUDITED.try_with(|c| c.set(true));
        }
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
