//! The monitoring settings the 减负办 tunes: the rebound rules' thresholds
//! and the additions to the working-day calendar.

use crate::{App, AppError, CurrentUser, Result};
use jianfu_core::monitoring::MonitoringSettings;
use jianfu_core::role::Role;

const SETTINGS_KEY: &str = "monitoring";

impl App {
    /// The monitoring settings the office tuned, or the defaults.
    pub async fn monitoring_settings(&self) -> Result<MonitoringSettings> {
        Ok(match self.db.setting(SETTINGS_KEY).await? {
            // Settings written by an older release lack newer fields;
            // `serde(default)` fills them. A row that is not JSON at all
            // falls back to the defaults rather than stopping the rules.
            Some(json) => serde_json::from_str(&json).unwrap_or_default(),
            None => MonitoringSettings::default(),
        })
    }

    /// The settings, for the office only.
    pub async fn get_monitoring_settings(
        &self,
        actor: &CurrentUser,
        ip: Option<String>,
    ) -> Result<MonitoringSettings> {
        if actor.role != Role::Jianfuban {
            return Err(self
                .deny(
                    actor,
                    "monitoring.settings",
                    "只有减负办可以查看监测设置",
                    ip,
                )
                .await);
        }
        self.monitoring_settings().await
    }

    /// Replaces the settings after checking every figure; audited with
    /// what changed.
    pub async fn put_monitoring_settings(
        &self,
        actor: &CurrentUser,
        next: &MonitoringSettings,
        ip: Option<String>,
    ) -> Result<()> {
        if actor.role != Role::Jianfuban {
            return Err(self
                .deny(
                    actor,
                    "monitoring.settings",
                    "只有减负办可以修改监测设置",
                    ip,
                )
                .await);
        }
        next.validate()
            .map_err(|e| AppError::Invalid(format!("监测设置有误：{e}")))?;
        let before = serde_json::to_value(self.monitoring_settings().await?).unwrap_or_default();
        let after = serde_json::to_value(next).unwrap_or_default();
        let changed: Vec<String> = after
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(k, v)| before.get(k.as_str()) != Some(v))
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let text = serde_json::to_string(next)
            .map_err(|e| AppError::Invalid(format!("监测设置无法保存：{e}")))?;
        self.db.put_setting(SETTINGS_KEY, &text, actor.id).await?;
        self.audit(
            Some(actor),
            "monitoring.settings",
            None,
            "ok",
            Some(if changed.is_empty() {
                "未改动".into()
            } else {
                changed.join("; ")
            }),
            ip,
        )
        .await
    }
}
