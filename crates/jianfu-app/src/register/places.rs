//! Houses and organizations in the register: lists and pages, checked
//! against the actor's scope like residents, with every view audited.

use super::read::ThemeGroup;
use crate::{auth::CurrentUser, App, AppError, Result};
use jianfu_core::dictionary::EntityType;
use jianfu_store::{HistoryEntry, OrgUnit, PlaceRow};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct PlaceView {
    pub id: i64,
    pub entity_type: String,
    pub type_label: String,
    pub name: String,
    pub unit: OrgUnit,
    pub groups: Vec<ThemeGroup>,
    pub history: Vec<HistoryEntry>,
}

/// The entity types that are places or bodies rather than people.
pub fn place_type(code: &str) -> Result<EntityType> {
    match EntityType::from_code(code) {
        Some(t @ (EntityType::House | EntityType::Organization)) => Ok(t),
        _ => Err(AppError::NotFound(format!("登记对象类型“{code}”"))),
    }
}

impl App {
    /// Houses or organizations in the actor's scope whose name contains `q`.
    pub async fn places_for(
        &self,
        actor: &CurrentUser,
        kind: EntityType,
        q: &str,
        limit: i64,
        offset: i64,
        ip: Option<String>,
    ) -> Result<(Vec<PlaceRow>, i64)> {
        if !actor.role.can_read_residents() {
            return Err(self
                .deny(actor, kind.code(), "您的角色不能查看登记信息", ip)
                .await);
        }
        if q.chars().count() > 40 {
            return Err(AppError::Invalid("搜索内容不能超过40个字".into()));
        }
        let found = self
            .db
            .places_in_scope(
                kind.code(),
                &actor.scope.path,
                q,
                limit.clamp(1, 200),
                offset.max(0),
            )
            .await?;
        self.audit(
            Some(actor),
            &format!("{}.list", kind.code()),
            Some(format!("unit:{}", actor.scope.id)),
            "ok",
            None,
            ip,
        )
        .await?;
        Ok(found)
    }

    /// One house or organization with its facts by theme and its history.
    pub async fn place_view(
        &self,
        actor: &CurrentUser,
        kind: EntityType,
        id: i64,
        ip: Option<String>,
    ) -> Result<PlaceView> {
        let target = format!("{}:{id}", kind.code());
        if !actor.role.can_read_residents() {
            return Err(self
                .deny(actor, &target, "您的角色不能查看登记信息", ip)
                .await);
        }
        let place = self
            .db
            .place(kind.code(), id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("{} {id}", kind.label_zh())))?;
        let unit = self
            .db
            .unit(place.unit_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("单位 {}", place.unit_id)))?;
        if !actor.can_see(&unit) {
            return Err(self.deny(actor, &target, "不在您的管辖范围内", ip).await);
        }
        let doc = self.db.current_doc(kind.code(), id).await?;
        let groups = self.ordered_groups(self.fact_groups(&doc).await?);
        let mut history = self.db.history(kind.code(), id).await?;
        super::mask_history(&self.dict(), &mut history);
        self.audit(
            Some(actor),
            &format!("{}.view", kind.code()),
            Some(target),
            "ok",
            None,
            ip,
        )
        .await?;
        Ok(PlaceView {
            id,
            entity_type: kind.code().into(),
            type_label: kind.label_zh().into(),
            name: place.name,
            unit,
            groups,
            history,
        })
    }
}
