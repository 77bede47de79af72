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

/// A merge candidate as people see it. The claiming community sees only
/// what its own file said; the person's community sees its resident.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MergeCandidateView {
    pub id: i64,
    pub person_id: i64,
    /// The name in the claiming file.
    pub claimed_name: String,
    pub id_number: String,
    pub from_unit: String,
    pub to_unit: String,
    pub created_at: i64,
    /// True when the actor may decide: the person is in their scope.
    pub can_decide: bool,
}

impl App {
    pub async fn merge_candidates_for(
        &self,
        actor: &CurrentUser,
    ) -> Result<Vec<MergeCandidateView>> {
        if !actor.role.can_read_residents() {
            return Err(self
                .deny(
                    actor,
                    "merge_candidates",
                    "您的角色不能查看居民个人信息",
                    None,
                )
                .await);
        }
        let mut out = Vec::new();
        for m in self.db.merge_candidates_in_scope(&actor.scope.path).await? {
            let person = self.db.person(m.person_id).await?;
            let from = self.db.unit(m.person_unit_id).await?;
            let to = self.db.unit(m.unit_id).await?;
            let (Some(person), Some(from), Some(to)) = (person, from, to) else {
                continue;
            };
            let payload: BTreeMap<String, String> =
                serde_json::from_str(&m.payload).unwrap_or_default();
            out.push(MergeCandidateView {
                id: m.id,
                person_id: m.person_id,
                claimed_name: payload.get("person.name").cloned().unwrap_or_default(),
                id_number: jianfu_core::mask::id_number(&person.id_number),
                can_decide: actor.can_see(&from),
                // The claiming community learns only that the person is
                // registered elsewhere, never where.
                from_unit: if actor.can_see(&from) {
                    from.short_name
                } else {
                    "其他村社区".into()
                },
                to_unit: to.short_name,
                created_at: m.created_at,
            });
        }
        Ok(out)
    }

    /// The person's current community (or a level above it) decides: move
    /// the person to the claiming community, or dismiss the claim.
    pub async fn decide_merge(
        &self,
        actor: &CurrentUser,
        id: i64,
        accept: bool,
        today: chrono::NaiveDate,
        ip: Option<String>,
    ) -> Result<()> {
        let m = self
            .db
            .merge_candidate(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("合并候选 {id}")))?;
        if m.status != "open" {
            return Err(AppError::Invalid("该合并候选已处理".into()));
        }
        // Scope check (and audit on refusal) through the person.
        self.person_for(actor, m.person_id, ip.clone()).await?;
        if accept {
            let to = self
                .db
                .unit(m.unit_id)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("单位 {}", m.unit_id)))?;
            let key = to.code.clone().unwrap_or(to.name.clone());
            self.move_person(actor, m.person_id, &key, today, ip.clone())
                .await?;
        }
        self.db
            .close_merge_candidate(id, if accept { "merged" } else { "dismissed" })
            .await?;
        self.audit(
            Some(actor),
            "merge.decide",
            Some(format!("person:{}", m.person_id)),
            "ok",
            Some(if accept {
                "确认迁往提交方社区".into()
            } else {
                "驳回".to_string()
            }),
            ip,
        )
        .await
    }
}
