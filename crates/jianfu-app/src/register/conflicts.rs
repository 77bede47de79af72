//! Deciding conflicts: a person accepts the proposed value (it is written
//! with its original source, and the old value stays in the history) or
//! rejects it. A conflict may be on a person, a household, a house or an
//! organization; each is scope-checked and written as its own type.

use super::write::{write_entities, EntityWrite, WriteContext};
use super::Source;
use crate::{auth::CurrentUser, App, AppError, Result};
use jianfu_core::dictionary::EntityType;
use jianfu_store::{now_ms, Db, OrgUnit};
use serde::Serialize;
use std::collections::BTreeMap;

/// A conflict as shown: the entity named, values masked by the same rule
/// as every page.
#[derive(Debug, Clone, Serialize)]
pub struct ConflictView {
    pub id: i64,
    pub entity_type: String,
    pub entity_id: i64,
    /// Where the entity's page is, e.g. `/register/households/12`.
    pub entity_link: String,
    /// The person's name, the household's head, the place's name.
    pub entity_name: String,
    pub element: String,
    pub element_name: String,
    pub current_value: Option<String>,
    pub current_source: Option<String>,
    pub proposed_value: String,
    pub proposed_source: String,
    pub department: Option<String>,
    pub created_at: i64,
}

fn entity_type_of(code: &str) -> Result<EntityType> {
    EntityType::from_code(code)
        .ok_or_else(|| AppError::Invalid(format!("未知的登记对象类型“{code}”")))
}

impl App {
    pub async fn conflicts_for(&self, actor: &CurrentUser) -> Result<Vec<ConflictView>> {
        if !actor.role.can_read_residents() {
            return Err(self
                .deny(actor, "conflicts", "您的角色不能查看居民个人信息", None)
                .await);
        }
        let rows = self
            .db
            .conflicts_in_scope(&actor.scope.path, "open")
            .await?;
        let dict = self.dict();
        let depts = self.department_names().await?;
        let mut out = Vec::with_capacity(rows.len());
        for c in rows {
            let (entity_link, entity_name) = self.entity_label(&c.entity_type, c.entity_id).await?;
            let show = |v: &str| super::shown(&dict, &c.element, v).0;
            out.push(ConflictView {
                id: c.id,
                entity_link,
                entity_name,
                element_name: dict
                    .element(&c.element)
                    .map(|e| e.name.clone())
                    .unwrap_or(c.element.clone()),
                current_value: c.current_value.as_deref().map(show),
                current_source: c.current_source.clone(),
                proposed_value: show(&c.proposed_value),
                proposed_source: c.proposed_source.clone(),
                department: c.department_id.and_then(|d| depts.get(&d).cloned()),
                created_at: c.created_at,
                entity_type: c.entity_type,
                entity_id: c.entity_id,
                element: c.element,
            });
        }
        Ok(out)
    }

    /// The page and the name of an entity, for lists.
    async fn entity_label(&self, entity_type: &str, id: i64) -> Result<(String, String)> {
        Ok(match entity_type {
            "person" => (
                format!("/register/persons/{id}"),
                self.db
                    .person(id)
                    .await?
                    .map(|p| p.name)
                    .unwrap_or_default(),
            ),
            "household" => {
                let heads = self.household_heads(&[id]).await?;
                let head = heads.get(&id).map(|h| h.name.clone()).unwrap_or_default();
                (
                    format!("/register/households/{id}"),
                    if head.is_empty() {
                        format!("户 {id}")
                    } else {
                        format!("{head}户")
                    },
                )
            }
            other => (
                format!("/register/places/{other}/{id}"),
                self.db
                    .place(other, id)
                    .await?
                    .map(|p| p.name)
                    .unwrap_or_default(),
            ),
        })
    }

    /// The entity's community if the actor may decide on it; a refusal is
    /// audited. The unit is read from the entity's own table, so a
    /// household's id is never taken for a person's.
    async fn entity_in_scope(
        &self,
        actor: &CurrentUser,
        entity_type: EntityType,
        id: i64,
        ip: Option<String>,
    ) -> Result<OrgUnit> {
        let target = format!("{}:{id}", entity_type.code());
        if !actor.role.can_read_residents() {
            return Err(self
                .deny(actor, &target, "您的角色不能查看登记信息", ip)
                .await);
        }
        let unit = match self.db.entity_unit(entity_type.code(), id).await? {
            Some(u) => self.db.unit(u).await?,
            None => None,
        };
        match unit {
            Some(unit) if actor.can_see(&unit) => Ok(unit),
            Some(_) => Err(self
                .deny(actor, &target, "该登记对象不在您的管辖范围内", ip)
                .await),
            None => Err(AppError::NotFound(format!(
                "{} {id}",
                entity_type.label_zh()
            ))),
        }
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
        let entity_type = entity_type_of(&c.entity_type)?;
        self.entity_in_scope(actor, entity_type, c.entity_id, ip.clone())
            .await?;
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
                    entity_type: entity_type.code(),
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
            Some(format!("{}:{}", c.entity_type, c.entity_id)),
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
