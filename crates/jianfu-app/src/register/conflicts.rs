//! Deciding conflicts: a person accepts the proposed value (it is written
//! with its original source, and the old value stays in the history) or
//! rejects it.

use super::write::{write_entities, EntityWrite, WriteContext};
use super::Source;
use crate::{auth::CurrentUser, App, AppError, Result};
use jianfu_store::{now_ms, ConflictRow, Db};
use std::collections::BTreeMap;

impl App {
    pub async fn conflicts_for(&self, actor: &CurrentUser) -> Result<Vec<ConflictRow>> {
        if !actor.role.can_read_residents() {
            return Err(self
                .deny(actor, "conflicts", "您的角色不能查看居民个人信息", None)
                .await);
        }
        Ok(self
            .db
            .conflicts_in_scope(&actor.scope.path, "open")
            .await?)
    }

    pub async fn resolve_conflict(
        &self,
        actor: &CurrentUser,
        id: i64,
        accept: bool,
        ip: Option<String>,
    ) -> Result<()> {
        let c = self
            .db
            .conflict(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("冲突 {id}")))?;
        self.person_for(actor, c.entity_id, ip.clone()).await?;
        if c.status != "open" {
            return Err(AppError::Invalid("该冲突已处理".into()));
        }
        let mut tx = self.db.begin().await?;
        if accept {
            let ctx = WriteContext {
                // Accepting is a person's decision, so it overrides like a
                // manual edit, but the fact keeps where the value came from.
                source: Source::Manual,
                department_id: c.department_id,
                author_id: Some(actor.id),
                import_id: c.import_id,
                valid_from: chrono::Local::now()
                    .date_naive()
                    .format("%Y-%m-%d")
                    .to_string(),
                now_ms: now_ms(),
            };
            let mut values = BTreeMap::new();
            values.insert(c.element.clone(), c.proposed_value.clone());
            write_entities(
                &mut tx,
                &ctx,
                &[EntityWrite {
                    entity_type: "person",
                    entity_id: c.entity_id,
                    derived: vec![],
                    values,
                    tag: 0,
                }],
            )
            .await?;
        }
        Db::resolve_conflict(
            &mut tx,
            id,
            if accept { "accepted" } else { "rejected" },
            actor.id,
        )
        .await?;
        tx.commit().await.map_err(jianfu_store::StoreError::from)?;
        let name = self
            .dict()
            .element(&c.element)
            .map(|e| e.name.clone())
            .unwrap_or(c.element.clone());
        self.audit(
            Some(actor),
            "conflict.resolve",
            Some(format!("person:{}", c.entity_id)),
            "ok",
            Some(format!(
                "{}{}（{}）",
                if accept { "采用" } else { "不采用" },
                name,
                c.proposed_source
            )),
            ip,
        )
        .await
    }
}
