//! Aliases learned from mappings people confirmed, applied only where they
//! were learned: a community's import corrections to that community's
//! imports, a department's design corrections to that department's
//! designs. The 减负办 sees them all and can remove a bad one.

use crate::import::{Mapping, MatchKind};
use crate::{App, CurrentUser, Result};
use jianfu_core::dictionary::normalize_label;
use jianfu_core::role::Role;
use jianfu_store::{AliasScope, LearnedAlias};
use std::collections::HashMap;

impl App {
    /// What the community's own earlier imports taught.
    pub async fn import_aliases(&self, community_id: i64) -> Result<HashMap<String, String>> {
        Ok(self
            .db
            .learned_aliases(AliasScope::Import, community_id)
            .await?)
    }

    /// What the department's own earlier designs taught.
    pub async fn design_aliases(&self, department_id: i64) -> Result<HashMap<String, String>> {
        Ok(self
            .db
            .learned_aliases(AliasScope::Design, department_id)
            .await?)
    }

    /// After a committed import: every column a person mapped by hand to
    /// something the dictionary would not have chosen is remembered for
    /// this community.
    pub async fn learn_from_import(
        &self,
        actor: Option<&CurrentUser>,
        community_id: i64,
        mapping: &Mapping,
    ) -> Result<()> {
        let dict = self.dict();
        for c in &mapping.columns {
            if let (Some(MatchKind::Manual), Some(code)) = (c.kind, &c.element) {
                let label = normalize_label(&c.label);
                let already = dict.by_label(&c.label).is_some_and(|e| &e.code == code);
                if !label.is_empty() && !already {
                    self.db
                        .learn_alias(
                            AliasScope::Import,
                            community_id,
                            &label,
                            code,
                            actor.map(|a| a.id),
                        )
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Every learned alias with where it applies: for the 减负办 and the
    /// administrator.
    pub async fn learned_aliases_for(&self, actor: &CurrentUser) -> Result<Vec<LearnedAlias>> {
        if !matches!(actor.role, Role::Jianfuban | Role::Admin) {
            return Err(self
                .deny(
                    actor,
                    "learned_aliases",
                    "只有减负办和系统管理员可以查看学习到的别名",
                    None,
                )
                .await);
        }
        Ok(self.db.all_learned_aliases().await?)
    }

    /// Removes a bad learned alias (减负办 only); audited.
    pub async fn forget_learned_alias(
        &self,
        actor: &CurrentUser,
        id: i64,
        ip: Option<String>,
    ) -> Result<()> {
        let target = format!("learned_alias:{id}");
        if actor.role != Role::Jianfuban {
            return Err(self
                .deny(actor, &target, "只有减负办可以删除学习到的别名", ip)
                .await);
        }
        let Some(alias) = self.db.learned_alias(id).await? else {
            return Err(crate::AppError::NotFound(format!("别名 {id}")));
        };
        self.db.forget_alias(id).await?;
        self.audit(
            Some(actor),
            "alias.forget",
            Some(target),
            "ok",
            Some(format!(
                "删除“{}”→ {}（{}，{}）",
                alias.alias,
                alias.element_code,
                alias.scope,
                alias.unit_name.unwrap_or_default()
            )),
            ip,
        )
        .await
    }
}
