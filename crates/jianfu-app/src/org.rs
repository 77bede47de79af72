//! Reading the org tree within a user's scope.

use crate::{auth::CurrentUser, App, AppError, Result};
use jianfu_core::org::OrgKind;
use jianfu_core::scope;
use jianfu_store::{OrgUnit, UnitCounts};

impl App {
    /// The unit with this id if the actor may see it. An attempt outside the
    /// actor's scope is refused and audited.
    pub async fn unit_for(
        &self,
        actor: &CurrentUser,
        id: i64,
        ip: Option<String>,
    ) -> Result<OrgUnit> {
        let unit = self
            .db
            .unit(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("单位 {id}")))?;
        if !actor.can_see(&unit) {
            self.audit(
                Some(actor),
                "access.denied",
                Some(format!("org_unit:{id}")),
                "denied",
                Some(format!("越权访问“{}”", unit.name)),
                ip,
            )
            .await?;
            return Err(AppError::Forbidden(format!(
                "“{}”不在您的管辖范围内",
                unit.name
            )));
        }
        Ok(unit)
    }

    /// Ancestors of `unit` that the actor may see, root first.
    pub async fn visible_ancestors(
        &self,
        actor: &CurrentUser,
        unit: &OrgUnit,
    ) -> Result<Vec<OrgUnit>> {
        let ids: Vec<i64> = scope::ancestors(&unit.path)
            .into_iter()
            .filter(|id| *id != unit.id)
            .collect();
        let units = self.db.units_by_ids(&ids).await?;
        Ok(units.into_iter().filter(|u| actor.can_see(u)).collect())
    }

    /// The actor's scope as a flat list; grids are left out above the
    /// community level, where there would be thousands.
    pub async fn scope_units(&self, actor: &CurrentUser) -> Result<Vec<OrgUnit>> {
        let small = matches!(actor.scope.kind(), Some(OrgKind::Community | OrgKind::Grid));
        Ok(self.db.subtree(&actor.scope.path, small).await?)
    }

    pub async fn search_scope(&self, actor: &CurrentUser, q: &str) -> Result<Vec<OrgUnit>> {
        let q = q.trim();
        if q.is_empty() {
            return Ok(Vec::new());
        }
        if q.chars().count() > 50 {
            return Err(AppError::Invalid("搜索内容不能超过50个字".into()));
        }
        Ok(self.db.search_units(&actor.scope.path, q, 100).await?)
    }

    pub async fn counts_for(&self, unit: &OrgUnit) -> Result<UnitCounts> {
        Ok(self.db.unit_counts(&unit.path).await?)
    }
}
