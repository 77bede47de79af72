//! A resident moving to another community keeps their identity and their
//! whole history: the person's placement changes, and the move is itself a
//! fact (person.community) in the log.

use super::write::{write_entities, EntityWrite, WriteContext};
use super::Source;
use crate::{auth::CurrentUser, App, AppError, Result};
use jianfu_core::org::OrgKind;
use jianfu_store::{now_ms, Db};
use std::collections::BTreeMap;

impl App {
    /// Moves a person the actor may see to another village or community
    /// (迁出). They leave their household; the receiving community sees
    /// them, with their history, from now on.
    pub async fn move_person(
        &self,
        actor: &CurrentUser,
        id: i64,
        target_key: &str,
        today: chrono::NaiveDate,
        ip: Option<String>,
    ) -> Result<()> {
        let (_, from) = self.person_for(actor, id, ip.clone()).await?;
        let target = self
            .db
            .unit_by_code_or_name(target_key.trim())
            .await?
            .ok_or_else(|| {
                AppError::Invalid(format!(
                    "找不到村社区“{}”：请用12位区划代码或完整名称",
                    target_key.trim()
                ))
            })?;
        if target.kind() != Some(OrgKind::Community) {
            return Err(AppError::Invalid(format!("“{}”不是村社区", target.name)));
        }
        if from.path.starts_with(&target.path) {
            return Err(AppError::Invalid(format!("该居民已在“{}”", target.name)));
        }
        let mut tx = self.db.begin().await?;
        Db::set_person_placement(&mut tx, id, target.id, None).await?;
        let mut values = BTreeMap::new();
        values.insert(
            "person.community".to_string(),
            target.code.clone().unwrap_or_else(|| target.name.clone()),
        );
        let ctx = WriteContext {
            source: Source::Manual,
            department_id: None,
            author_id: Some(actor.id),
            import_id: None,
            valid_from: today.format("%Y-%m-%d").to_string(),
            now_ms: now_ms(),
        };
        write_entities(
            &mut tx,
            &ctx,
            &[EntityWrite {
                entity_type: "person",
                entity_id: id,
                derived: vec![],
                values,
                tag: 0,
            }],
        )
        .await?;
        tx.commit().await.map_err(jianfu_store::StoreError::from)?;
        self.audit(
            Some(actor),
            "person.move",
            Some(format!("person:{id}")),
            "ok",
            Some(format!("从“{}”迁往“{}”", from.name, target.name)),
            ip,
        )
        .await
    }
}
