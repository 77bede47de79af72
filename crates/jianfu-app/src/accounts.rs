//! Account administration: creating users with a role and a scope that fit
//! their unit, disabling them and resetting passwords.

use crate::{auth::CurrentUser, passwords, App, AppError, Result};
use jianfu_core::org::OrgKind;
use jianfu_core::role::Role;
use jianfu_store::{NewUser, OrgUnit, UserRow};

#[derive(Debug, Clone)]
pub struct AccountRequest {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    pub unit_id: i64,
}

fn check_username(name: &str) -> Result<()> {
    let ok_len = (3..=32).contains(&name.len());
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '.'));
    if !ok_len || !ok_chars {
        return Err(AppError::Invalid(
            "用户名须为3至32位小写字母、数字或 _ - .".into(),
        ));
    }
    Ok(())
}

impl App {
    /// The scope a role gets in a unit. Grassroots roles see their own unit;
    /// county offices (departments, 减负办) see the county they serve.
    pub async fn scope_for(&self, role: Role, unit: &OrgUnit) -> Result<OrgUnit> {
        let kind = unit.kind();
        let expect = |want: &[OrgKind], what: &str| -> Result<()> {
            match kind {
                Some(k) if want.contains(&k) => Ok(()),
                _ => Err(AppError::Invalid(format!(
                    "{}账号必须属于{}，而“{}”是{}",
                    role.label_zh(),
                    what,
                    unit.name,
                    kind.map(|k| k.label_zh()).unwrap_or("未知类型")
                ))),
            }
        };
        match role {
            Role::Community => expect(&[OrgKind::Community], "村社区")?,
            Role::Grid => expect(&[OrgKind::Grid], "网格")?,
            Role::Township => expect(&[OrgKind::Township], "街镇")?,
            Role::Department | Role::Jianfuban => {
                expect(&[OrgKind::Department], "部门")?;
                let parent_id = unit
                    .parent_id
                    .ok_or_else(|| AppError::Invalid(format!("部门“{}”没有上级单位", unit.name)))?;
                return self
                    .db
                    .unit(parent_id)
                    .await?
                    .ok_or_else(|| AppError::NotFound(format!("单位 {parent_id}")));
            }
            Role::Admin => {}
        }
        Ok(unit.clone())
    }

    /// Creates an account. `actor` is `None` for the command line, which runs
    /// with the operator's authority on the server.
    pub async fn create_account(
        &self,
        actor: Option<&CurrentUser>,
        req: &AccountRequest,
    ) -> Result<i64> {
        if let Some(a) = actor {
            if !a.role.can_manage_users() {
                return Err(AppError::Forbidden("只有系统管理员可以管理账号".into()));
            }
        }
        check_username(&req.username)?;
        if req.display_name.trim().is_empty() {
            return Err(AppError::Invalid("姓名不能为空".into()));
        }
        passwords::check_policy(&req.password).map_err(AppError::Invalid)?;
        let unit = self
            .db
            .unit(req.unit_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("单位 {}", req.unit_id)))?;
        if let Some(a) = actor {
            if !a.can_see(&unit) {
                return Err(AppError::Forbidden(format!(
                    "“{}”不在您的管辖范围内",
                    unit.name
                )));
            }
        }
        let scope = self.scope_for(req.role, &unit).await?;
        let hash = self
            .passwords
            .hash(&req.password)
            .await
            .map_err(AppError::Invalid)?;
        let result = self
            .db
            .insert_user(&NewUser {
                username: &req.username,
                display_name: req.display_name.trim(),
                password_hash: &hash,
                role: req.role.code(),
                unit_id: unit.id,
                scope_id: scope.id,
            })
            .await;
        let id = match result {
            Ok(id) => id,
            Err(e) if e.is_unique_violation() => {
                return Err(AppError::Invalid(format!("用户名“{}”已存在", req.username)))
            }
            Err(e) => return Err(e.into()),
        };
        self.audit(
            actor,
            "user.create",
            Some(format!("user:{}", req.username)),
            "ok",
            Some(format!("角色 {}，单位 {}", req.role.label_zh(), unit.name)),
            None,
        )
        .await?;
        Ok(id)
    }

    /// Looks up an account the actor may administer.
    pub async fn managed_user(&self, actor: &CurrentUser, id: i64) -> Result<UserRow> {
        if !actor.role.can_manage_users() {
            return Err(AppError::Forbidden("只有系统管理员可以管理账号".into()));
        }
        let user = self
            .db
            .user(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("账号 {id}")))?;
        let scope = self
            .db
            .unit(user.scope_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("单位 {}", user.scope_id)))?;
        if !actor.can_see(&scope) {
            return Err(AppError::Forbidden("该账号不在您的管辖范围内".into()));
        }
        Ok(user)
    }

    pub async fn set_account_disabled(
        &self,
        actor: &CurrentUser,
        id: i64,
        disabled: bool,
    ) -> Result<()> {
        let user = self.managed_user(actor, id).await?;
        if user.id == actor.id && disabled {
            return Err(AppError::Invalid("不能停用自己的账号".into()));
        }
        self.db.set_user_disabled(id, disabled).await?;
        if disabled {
            self.db.delete_user_sessions(id).await?;
        }
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        self.audit(
            Some(actor),
            action,
            Some(format!("user:{}", user.username)),
            "ok",
            None,
            None,
        )
        .await
    }

    pub async fn reset_password(&self, actor: &CurrentUser, id: i64, password: &str) -> Result<()> {
        let user = self.managed_user(actor, id).await?;
        passwords::check_policy(password).map_err(AppError::Invalid)?;
        let hash = self
            .passwords
            .hash(password)
            .await
            .map_err(AppError::Invalid)?;
        self.db.set_password_hash(id, &hash).await?;
        self.db.delete_user_sessions(id).await?;
        self.audit(
            Some(actor),
            "user.password_reset",
            Some(format!("user:{}", user.username)),
            "ok",
            None,
            None,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::check_username;

    #[test]
    fn usernames() {
        assert!(check_username("minzhu").is_ok());
        assert!(check_username("a.b-c_1").is_ok());
        assert!(check_username("ab").is_err());
        assert!(check_username("Admin").is_err());
        assert!(check_username("张三").is_err());
        assert!(check_username("x'; drop").is_err());
    }
}
