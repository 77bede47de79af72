//! What the gate shows beyond the office: the public check of a 准入编号
//! (no login, no personal data) and the duty list (职责清单). A demand
//! that came without a number is reported through 直报.

use super::{require_office, status_label};
use crate::{App, AppError, CurrentUser, Result};
use jianfu_core::admission::estimate::Estimate;
use jianfu_core::admission::{looks_like_number, DemandKind};
use jianfu_store::DutyItemRow;
use serde::Serialize;

/// A demand as anyone may see it by its number: what it is, whose, how
/// long it is valid and what it costs. Nothing of any person.
#[derive(Debug, Clone, Serialize)]
pub struct PublicAdmission {
    pub number: String,
    pub title: String,
    pub department: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    /// Whether it is in force today.
    pub valid: bool,
    pub units: u32,
    pub per_year: u32,
    pub hours_per_year: Option<f64>,
    pub cost_yuan: Option<f64>,
}

impl App {
    /// Looks a 准入编号 up. `None` for a number that was never given: the
    /// demand carrying it has not been admitted.
    pub async fn public_admission(&self, number: &str) -> Result<Option<PublicAdmission>> {
        let number = number.trim().to_ascii_uppercase();
        if !looks_like_number(&number) {
            return Err(AppError::Invalid(format!(
                "“{}”不是准入编号：准入编号形如 ZR-500107-2026-B0001",
                number.chars().take(40).collect::<String>()
            )));
        }
        let Some(row) = self.db.admission_by_number(&number).await? else {
            return Ok(None);
        };
        let estimate: Option<Estimate> = row
            .estimate
            .as_deref()
            .and_then(|e| serde_json::from_str(e).ok());
        let today = crate::reports::today().to_string();
        let valid = row.status == "admitted"
            && row
                .valid_from
                .as_deref()
                .is_some_and(|f| f <= today.as_str())
            && row
                .valid_until
                .as_deref()
                .is_some_and(|u| u >= today.as_str());
        Ok(Some(PublicAdmission {
            number,
            title: row.title,
            department: row.department,
            kind: DemandKind::from_code(&row.kind).map_or("未知", |k| k.label_zh()),
            status: status_label(&row.status),
            valid_from: row.valid_from,
            valid_until: row.valid_until,
            valid,
            units: estimate.as_ref().map_or(0, |e| e.units),
            per_year: estimate.as_ref().map_or(0, |e| e.per_year),
            hours_per_year: estimate.as_ref().map(|e| e.hours_per_year),
            cost_yuan: estimate.as_ref().map(|e| e.cost_yuan),
        }))
    }

    pub async fn duty_list(&self) -> Result<Vec<DutyItemRow>> {
        Ok(self.db.duty_items().await?)
    }

    pub async fn add_duty_item(
        &self,
        actor: &CurrentUser,
        name: &str,
        note: &str,
        ip: Option<String>,
    ) -> Result<()> {
        require_office(actor)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AppError::Invalid("职责事项名称须为 1 到 100 字".into()));
        }
        if note.trim().chars().count() > 500 {
            return Err(AppError::Invalid("职责事项说明最多 500 字".into()));
        }
        if !self.db.add_duty_item(name, note.trim()).await? {
            return Err(AppError::Invalid(format!("职责清单中已有“{name}”")));
        }
        self.audit(
            Some(actor),
            "duty.add",
            None,
            "ok",
            Some(name.to_string()),
            ip,
        )
        .await
    }

    pub async fn remove_duty_item(
        &self,
        actor: &CurrentUser,
        id: i64,
        ip: Option<String>,
    ) -> Result<()> {
        require_office(actor)?;
        if !self.db.remove_duty_item(id).await? {
            return Err(AppError::NotFound(format!("职责事项 {id}")));
        }
        self.audit(
            Some(actor),
            "duty.remove",
            Some(format!("duty:{id}")),
            "ok",
            None,
            ip,
        )
        .await
    }
}
