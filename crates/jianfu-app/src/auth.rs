//! Login, sessions and lockout.

use crate::{App, AppError, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jianfu_core::role::Role;
use jianfu_core::scope;
use jianfu_store::{now_ms, OrgUnit, UserRow};
use rand::RngCore;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Consecutive failures that lock an account.
    pub max_failures: i64,
    pub lockout_minutes: i64,
    pub session_hours: i64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            max_failures: 5,
            lockout_minutes: 15,
            session_hours: 12,
        }
    }
}

/// The signed-in user as every request sees it.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit: OrgUnit,
    pub scope: OrgUnit,
    pub csrf_token: String,
}

impl CurrentUser {
    /// Whether `unit` lies in this user's scope (the scope unit's subtree).
    pub fn can_see(&self, unit: &OrgUnit) -> bool {
        scope::contains(&self.scope.path, &unit.path)
    }
}

#[derive(Debug)]
pub struct LoginOk {
    pub token: String,
    pub user: CurrentUser,
}

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("用户名或密码错误")]
    BadCredentials,
    #[error("登录失败次数过多，账号已锁定，请在{minutes}分钟后重试")]
    Locked { minutes: i64 },
    #[error("账号已停用，请联系系统管理员")]
    Disabled,
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<jianfu_store::StoreError> for LoginError {
    fn from(e: jianfu_store::StoreError) -> Self {
        LoginError::App(e.into())
    }
}

pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Sessions are looked up by a hash of the cookie value.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl App {
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        ip: Option<String>,
    ) -> std::result::Result<LoginOk, LoginError> {
        let username = username.trim();
        let now = now_ms();
        // Every attempt runs exactly one argon2 verification, whether the
        // name is unknown, the account disabled or locked, or real, so the
        // answer takes the same time and cannot be used to find accounts.
        let user = self.db.user_by_name(username).await?;
        let password_ok = self
            .passwords
            .verify(password, user.as_ref().map(|u| u.password_hash.as_str()))
            .await;
        let Some(user) = user else {
            // A name that is no account locks like one, so the lockout
            // does not tell which names exist.
            let answer = self.unknown_names.fail(
                username,
                now,
                self.auth.max_failures,
                self.auth.lockout_minutes,
            );
            self.log_login(None, username, "login.failure", "failed", "用户不存在", ip)
                .await?;
            return Err(match answer {
                crate::unknown_names::Answer::Refused => LoginError::BadCredentials,
                crate::unknown_names::Answer::Locked { minutes } => LoginError::Locked { minutes },
            });
        };
        if user.disabled != 0 {
            self.log_login(
                Some(&user),
                username,
                "login.failure",
                "denied",
                if password_ok {
                    "账号已停用"
                } else {
                    "账号已停用，密码错误"
                },
                ip,
            )
            .await?;
            // Only someone who knows the password learns that the account
            // exists and is disabled; anyone else reads the usual refusal.
            return Err(if password_ok {
                LoginError::Disabled
            } else {
                LoginError::BadCredentials
            });
        }
        if let Some(until) = user.locked_until.filter(|u| *u > now) {
            self.log_login(
                Some(&user),
                username,
                "login.failure",
                "denied",
                "账号锁定中",
                ip,
            )
            .await?;
            return Err(LoginError::Locked {
                minutes: ((until - now) as f64 / 60_000.0).ceil() as i64,
            });
        }
        if !password_ok {
            // A lock that has run out starts a fresh count.
            if user.locked_until.is_some() {
                self.db.reset_login_failures(user.id).await?;
            }
            let failures = self.db.record_login_failure(user.id, None).await?;
            if failures >= self.auth.max_failures {
                let until = now + self.auth.lockout_minutes * 60_000;
                self.db.lock_user_until(user.id, until).await?;
                self.log_login(
                    Some(&user),
                    username,
                    "login.lockout",
                    "denied",
                    &format!(
                        "连续{failures}次密码错误，锁定{}分钟",
                        self.auth.lockout_minutes
                    ),
                    ip,
                )
                .await?;
                return Err(LoginError::Locked {
                    minutes: self.auth.lockout_minutes,
                });
            }
            self.log_login(
                Some(&user),
                username,
                "login.failure",
                "failed",
                &format!("密码错误（第{failures}次）"),
                ip,
            )
            .await?;
            return Err(LoginError::BadCredentials);
        }
        self.db.reset_login_failures(user.id).await?;
        // Logins are rare enough that sweeping expired sessions here keeps
        // the table small without a background task.
        self.db.delete_expired_sessions(now).await?;
        let token = random_token();
        let csrf = random_token();
        let expires = now + self.auth.session_hours * 3_600_000;
        self.db
            .insert_session(&token_hash(&token), user.id, &csrf, expires)
            .await?;
        self.log_login(Some(&user), username, "login.success", "ok", "", ip)
            .await?;
        let current = self.current_user_from_row(user, csrf).await?;
        Ok(LoginOk {
            token,
            user: current,
        })
    }

    async fn log_login(
        &self,
        user: Option<&UserRow>,
        username: &str,
        action: &str,
        outcome: &str,
        detail: &str,
        ip: Option<String>,
    ) -> Result<()> {
        self.db
            .append_audit(&jianfu_store::NewAuditEntry {
                user_id: user.map(|u| u.id),
                username: Some(username.chars().take(64).collect()),
                action: action.into(),
                target: None,
                outcome: outcome.into(),
                detail: (!detail.is_empty()).then(|| detail.to_string()),
                ip,
            })
            .await?;
        Ok(())
    }

    async fn current_user_from_row(
        &self,
        user: UserRow,
        csrf_token: String,
    ) -> Result<CurrentUser> {
        let role = Role::from_code(&user.role)
            .ok_or_else(|| AppError::Invalid(format!("未知角色：{}", user.role)))?;
        let unit = self
            .db
            .unit(user.unit_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("单位 {}", user.unit_id)))?;
        let scope = self
            .db
            .unit(user.scope_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("单位 {}", user.scope_id)))?;
        Ok(CurrentUser {
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            role,
            unit,
            scope,
            csrf_token,
        })
    }

    /// The user behind a session cookie, if the session is live and the
    /// account still usable.
    pub async fn authenticate(&self, token: &str) -> Result<Option<CurrentUser>> {
        let Some(session) = self.db.live_session(&token_hash(token), now_ms()).await? else {
            return Ok(None);
        };
        let Some(user) = self.db.user(session.user_id).await? else {
            return Ok(None);
        };
        if user.disabled != 0 {
            return Ok(None);
        }
        Ok(Some(
            self.current_user_from_row(user, session.csrf_token).await?,
        ))
    }

    pub async fn logout(&self, token: &str, user: &CurrentUser, ip: Option<String>) -> Result<()> {
        self.db.delete_session(&token_hash(token)).await?;
        self.audit(Some(user), "logout", None, "ok", None, ip).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        let a = random_token();
        let b = random_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash("x"), token_hash("x"));
        assert_eq!(token_hash("x").len(), 64);
    }
}
