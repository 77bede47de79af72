//! 准入 as services: a department requests admission of a demand, the gate
//! costs and checks it (`assess`), the 减负办 decides, escalating heavy or
//! off-list items to the county level, within yearly caps (`decide`);
//! anyone may check a 准入编号 and a community may flag a demand that has
//! none (`public`). The rules are jianfu-core's; this module gathers what
//! they need from the register and records every decision.
//!
//! Who may do what:
//! - a department writes, edits and submits its own requests;
//! - the 减负办 sees every request, decides, sets caps, keeps the duty
//!   list and the settings, and answers flags;
//! - a 减负办 user with the county-review grant (区领导) also decides
//!   escalated requests and records cap overrides;
//! - a community, grid or township worker flags unnumbered demands.

mod assess;
mod assessment;
mod decide;
mod public;

pub use assessment::assessment_rows;
pub use decide::{Action, CapStatus};
pub use public::PublicAdmission;

use crate::{App, AppError, CurrentUser, Result};
use chrono::{Datelike, NaiveDate};
use jianfu_core::admission::estimate::Estimate;
use jianfu_core::admission::rules::Finding;
use jianfu_core::admission::settings::Settings;
use jianfu_core::admission::{Demand, DemandKind, Details};
use jianfu_core::org::OrgKind;
use jianfu_core::role::Role;
use jianfu_store::{AdmissionDraft, AdmissionRow, DecisionRow, OverrideRow};
use serde::{Deserialize, Serialize};

/// The grant that makes a 减负办 user the higher reviewer (提级审核).
pub const COUNTY_REVIEW: &str = "county_review";

const SETTINGS_KEY: &str = "admission";

/// A request as a department writes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AdmissionInput {
    #[serde(default)]
    pub title: String,
    pub details: Details,
    /// Communities (or townships, for all their communities); none means
    /// every community of the district. A report's own targets win.
    #[serde(default)]
    pub targets: Vec<i64>,
    #[serde(default = "once")]
    pub per_year: u32,
    #[serde(default)]
    pub lead_hours: Option<u32>,
    #[serde(default)]
    pub duty_item: Option<String>,
    #[serde(default)]
    pub requested_until: Option<NaiveDate>,
}

fn once() -> u32 {
    1
}

/// A request with everything known about it.
#[derive(Debug, Clone, Serialize)]
pub struct AdmissionView {
    #[serde(flatten)]
    pub row: AdmissionRow,
    pub status_label: &'static str,
    pub kind_label: &'static str,
    pub demand: Demand,
    pub estimate: Option<Estimate>,
    pub findings: Vec<Finding>,
    pub decisions: Vec<DecisionRow>,
    pub cap_override: Option<OverrideRow>,
    /// Where the request stands against its department's cap.
    pub cap: Option<CapStatus>,
    /// What the viewer may do with it now.
    pub actions: Vec<Action>,
}

pub fn status_label(status: &str) -> &'static str {
    match status {
        "draft" => "草稿",
        "submitted" => "待审核",
        "escalated" => "提级审核中",
        "admitted" => "已准入",
        "returned" => "已退回",
        "refused" => "不予准入",
        _ => "未知",
    }
}

impl App {
    pub(crate) async fn admission_settings(&self) -> Result<Settings> {
        match self.db.setting(SETTINGS_KEY).await? {
            Some(text) => serde_json::from_str(&text)
                .map_err(|e| AppError::Invalid(format!("准入设置已损坏：{e}"))),
            None => Ok(Settings::default()),
        }
    }

    pub async fn get_admission_settings(&self, actor: &CurrentUser) -> Result<Settings> {
        require_office(actor)?;
        self.admission_settings().await
    }

    /// Replaces the gate's figures; only the 减负办, and only sane ones.
    pub async fn put_admission_settings(
        &self,
        actor: &CurrentUser,
        s: &Settings,
        ip: Option<String>,
    ) -> Result<()> {
        require_office(actor)?;
        let problems = s.problems();
        if !problems.is_empty() {
            return Err(AppError::Invalid(format!(
                "设置有误：{}",
                problems.join("；")
            )));
        }
        let text = serde_json::to_string(s)
            .map_err(|e| AppError::Invalid(format!("设置无法保存：{e}")))?;
        self.db.put_setting(SETTINGS_KEY, &text, actor.id).await?;
        self.audit(Some(actor), "admission.settings", None, "ok", None, ip)
            .await
    }

    /// Whether the user is the higher reviewer.
    pub async fn is_county_reviewer(&self, actor: &CurrentUser) -> Result<bool> {
        Ok(actor.role == Role::Jianfuban && self.db.has_grant(actor.id, COUNTY_REVIEW).await?)
    }

    /// The communities a request reaches, resolved from its targets.
    async fn target_communities(&self, actor: &CurrentUser, targets: &[i64]) -> Result<Vec<i64>> {
        let district = self.district_of(actor).await?;
        let all = self.db.subtree(&district.path, false).await?;
        let communities = |under: &str| -> Vec<i64> {
            all.iter()
                .filter(|u| u.kind() == Some(OrgKind::Community) && u.path.starts_with(under))
                .map(|u| u.id)
                .collect()
        };
        if targets.is_empty() {
            return Ok(communities(&district.path));
        }
        let mut out = Vec::new();
        for t in targets {
            let unit = all
                .iter()
                .find(|u| u.id == *t)
                .ok_or_else(|| AppError::Invalid(format!("对象单位 {t} 不在本区县内")))?;
            match unit.kind() {
                Some(OrgKind::Community) => out.push(unit.id),
                Some(OrgKind::Township) | Some(OrgKind::County) => {
                    out.extend(communities(&unit.path))
                }
                _ => {
                    return Err(AppError::Invalid(format!(
                        "对象单位“{}”不是街镇或村（社区）",
                        unit.name
                    )))
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// The county a user works in: their unit's nearest county ancestor.
    async fn district_of(&self, actor: &CurrentUser) -> Result<jianfu_store::OrgUnit> {
        self.county_of(actor.unit.clone()).await?.ok_or_else(|| {
            AppError::Invalid(format!("“{}”不属于任何区县，无法申请准入", actor.unit.name))
        })
    }

    /// A unit's nearest county ancestor (itself if it is one).
    pub(crate) async fn county_of(
        &self,
        mut unit: jianfu_store::OrgUnit,
    ) -> Result<Option<jianfu_store::OrgUnit>> {
        // The tree is province > city > county > …; a few steps suffice,
        // and a bound keeps a damaged tree from looping.
        for _ in 0..8 {
            if unit.kind() == Some(OrgKind::County) {
                return Ok(Some(unit));
            }
            let Some(parent) = unit.parent_id else { break };
            match self.db.unit(parent).await? {
                Some(p) => unit = p,
                None => break,
            }
        }
        Ok(None)
    }

    /// The stored form of a request: report requests take the report's
    /// title, targets and frequency.
    async fn draft_of(
        &self,
        actor: &CurrentUser,
        input: &AdmissionInput,
    ) -> Result<AdmissionDraft> {
        let mut input = input.clone();
        let mut targets = input.targets.clone();
        if let Details::Report { report_id } = &input.details {
            let id = report_id.ok_or_else(|| AppError::Invalid("请选择要准入的报表".into()))?;
            let r = self.owned_report(actor, id, None).await?;
            if input.title.trim().is_empty() {
                input.title = r.title.clone();
            }
            targets = serde_json::from_str(&r.targets).unwrap_or_default();
            input.per_year = jianfu_core::reports::Frequency::from_code(&r.frequency)
                .map_or(1, |f| f.per_year());
        }
        let title = input.title.trim().to_string();
        if title.is_empty() {
            return Err(AppError::Invalid("请填写事项名称".into()));
        }
        if title.chars().count() > 200 {
            return Err(AppError::Invalid("事项名称不能超过 200 字".into()));
        }
        if input.per_year == 0 || input.per_year > 366 {
            return Err(AppError::Invalid(format!(
                "每年次数须在 1 到 366 之间，当前为 {}",
                input.per_year
            )));
        }
        let problems = input.details.problems();
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems.join("；")));
        }
        let communities = self.target_communities(actor, &targets).await?;
        if communities.is_empty() {
            return Err(AppError::Invalid("对象范围内没有村（社区）".into()));
        }
        let demand = Demand {
            title: title.clone(),
            details: input.details.clone(),
            units: communities.len() as u32,
            per_year: input.per_year,
            lead_hours: input.lead_hours,
            duty_item: input
                .duty_item
                .map(|d| d.trim().to_string())
                .filter(|d| !d.is_empty()),
        };
        Ok(AdmissionDraft {
            department_id: actor.unit.id,
            kind: input.details.kind().code().to_string(),
            title,
            demand: to_json(&demand)?,
            targets: to_json(&communities)?,
            report_id: match input.details {
                Details::Report { report_id } => report_id,
                _ => None,
            },
            year: crate::reports::today().year() as i64,
            requested_until: input.requested_until.map(|d| d.to_string()),
        })
    }

    /// A department writes a new request (a draft).
    pub async fn create_admission(
        &self,
        actor: &CurrentUser,
        input: &AdmissionInput,
        ip: Option<String>,
    ) -> Result<i64> {
        require_department(actor)?;
        let draft = self.draft_of(actor, input).await?;
        let id = self.db.insert_admission(&draft, actor.id).await?;
        self.audit(
            Some(actor),
            "admission.create",
            Some(format!("admission:{id}")),
            "ok",
            Some(draft.title),
            ip,
        )
        .await?;
        Ok(id)
    }

    /// A department rewrites its draft or returned request.
    pub async fn update_admission(
        &self,
        actor: &CurrentUser,
        id: i64,
        input: &AdmissionInput,
        ip: Option<String>,
    ) -> Result<()> {
        let row = self.own_admission(actor, id).await?;
        let draft = self.draft_of(actor, input).await?;
        if !self.db.update_admission_draft(row.id, &draft).await? {
            return Err(AppError::Invalid(format!(
                "“{}”{}，不能再修改",
                row.title,
                status_label(&row.status)
            )));
        }
        self.audit(
            Some(actor),
            "admission.update",
            Some(format!("admission:{id}")),
            "ok",
            None,
            ip,
        )
        .await
    }

    /// The request, if the actor's department made it.
    async fn own_admission(&self, actor: &CurrentUser, id: i64) -> Result<AdmissionRow> {
        require_department(actor)?;
        let row = self
            .db
            .admission(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("准入申请 {id}")))?;
        if row.department_id != actor.unit.id {
            // Only the number: another department's title is its own.
            return Err(AppError::Forbidden(format!("准入申请 {id} 不是本部门的")));
        }
        Ok(row)
    }

    /// The request, if the actor may see it: its department, the 减负办.
    pub(crate) async fn visible_admission(
        &self,
        actor: &CurrentUser,
        id: i64,
        ip: Option<String>,
    ) -> Result<AdmissionRow> {
        let row = self
            .db
            .admission(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("准入申请 {id}")))?;
        let ok = match actor.role {
            Role::Jianfuban => true,
            Role::Department => row.department_id == actor.unit.id,
            _ => false,
        };
        if !ok {
            self.audit(
                Some(actor),
                "access.denied",
                Some(format!("admission:{id}")),
                "denied",
                None,
                ip,
            )
            .await?;
            return Err(AppError::Forbidden(format!("无权查看准入申请 {id}")));
        }
        Ok(row)
    }

    /// Requests the actor may see: a department's own, or all for the
    /// 减负办; optionally only those awaiting a decision.
    pub async fn list_admissions(
        &self,
        actor: &CurrentUser,
        pending_only: bool,
    ) -> Result<Vec<AdmissionRow>> {
        let statuses: &[&str] = if pending_only {
            &["submitted", "escalated"]
        } else {
            &[]
        };
        match actor.role {
            Role::Department => Ok(self.db.admissions(Some(actor.unit.id), statuses).await?),
            Role::Jianfuban => Ok(self.db.admissions(None, statuses).await?),
            _ => Err(AppError::Forbidden(
                "只有部门和减负办可以查看准入申请".into(),
            )),
        }
    }

    pub async fn admission_view(
        &self,
        actor: &CurrentUser,
        id: i64,
        ip: Option<String>,
    ) -> Result<AdmissionView> {
        let row = self.visible_admission(actor, id, ip).await?;
        self.view_of(actor, row).await
    }

    pub(crate) async fn view_of(
        &self,
        actor: &CurrentUser,
        row: AdmissionRow,
    ) -> Result<AdmissionView> {
        let demand: Demand = parse(&row.demand, "申请内容")?;
        let estimate = row
            .estimate
            .as_deref()
            .map(|e| parse::<Estimate>(e, "负担估算"))
            .transpose()?;
        let findings = row
            .findings
            .as_deref()
            .map(|f| parse::<Vec<Finding>>(f, "审查发现"))
            .transpose()?
            .unwrap_or_default();
        let cap = match row.status.as_str() {
            "submitted" | "escalated" | "admitted" => Some(self.cap_status(&row).await?),
            _ => None,
        };
        let actions = self.actions_for(actor, &row).await?;
        Ok(AdmissionView {
            status_label: status_label(&row.status),
            kind_label: DemandKind::from_code(&row.kind).map_or("未知", |k| k.label_zh()),
            decisions: self.db.decisions(row.id).await?,
            cap_override: self.db.cap_override(row.id).await?,
            row,
            demand,
            estimate,
            findings,
            cap,
            actions,
        })
    }
}

fn parse<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| AppError::Invalid(format!("{what}已损坏：{e}")))
}

pub(crate) fn require_department(actor: &CurrentUser) -> Result<()> {
    if actor.role == Role::Department {
        Ok(())
    } else {
        Err(AppError::Forbidden("只有部门可以申请准入".into()))
    }
}

pub(crate) fn require_office(actor: &CurrentUser) -> Result<()> {
    if actor.role == Role::Jianfuban {
        Ok(())
    } else {
        Err(AppError::Forbidden("只有减负办可以进行此操作".into()))
    }
}

/// A value as the JSON it is stored as.
pub(crate) fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| AppError::Invalid(format!("无法保存：{e}")))
}
