//! Typical cases (典型案例通报) and the check that keeps place names out of
//! what the office writes for a department or for every account.

use super::handling::required;
use crate::{App, AppError, CurrentUser, Result};
use jianfu_core::direct_report::{Disclosure, Status};
use jianfu_core::role::Role;
use jianfu_store::{DirectReportRow, TypicalCaseRow};

impl App {
    /// The office publishes a closed report as a typical case, in its own
    /// words: no reporter and no community appear in a publication.
    pub async fn publish_typical_case(
        &self,
        actor: &CurrentUser,
        id: i64,
        title: &str,
        body: &str,
        ip: Option<String>,
    ) -> Result<i64> {
        if actor.role != Role::Jianfuban {
            return Err(self
                .deny(
                    actor,
                    &format!("direct:{id}"),
                    "只有减负办可以发布典型案例",
                    ip,
                )
                .await);
        }
        let r = self
            .db
            .direct_report(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("直报 {id}")))?;
        if r.status != Status::Closed.code() {
            return Err(AppError::Invalid(format!(
                "直报 {id} 尚未办结，不能作为典型案例发布"
            )));
        }
        let title = required(title, "标题", 100)?;
        let body = required(body, "通报内容", 4000)?;
        // The office edits the text; a place's name left in it would point
        // at the reporter. Every township and community of the district is
        // checked, in the short forms people write ("民主村" for
        // "民主村社区"), not only the ones stored on the report: the
        // reporter's own words may name a place the report does not.
        let places = self.place_names(true).await?;
        for (field, text) in [("标题", &title), ("通报内容", &body)] {
            if let Some(name) = jianfu_core::org::place_named_in(text, &places) {
                return Err(AppError::Invalid(format!(
                    "“{field}”提到了“{name}”：典型案例不写任何村（社区）或街镇的名称，请改为“某社区”“某街道”后再发布"
                )));
            }
        }
        let case = self
            .db
            .publish_typical_case(&jianfu_store::NewTypicalCase {
                report_id: id,
                title: &title,
                body: &jianfu_core::mask::digit_runs(&body),
                category: &r.category,
                department_id: r.department_id,
                published_on: &crate::today().to_string(),
                published_by: actor.id,
            })
            .await?
            .ok_or_else(|| AppError::Invalid(format!("直报 {id} 已发布为典型案例")))?;
        self.audit(
            Some(actor),
            "direct.publish",
            Some(format!("direct:{id}")),
            "ok",
            Some(format!("发布典型案例“{title}”")),
            ip,
        )
        .await?;
        Ok(case)
    }

    /// The office takes a published typical case down (a name slipped
    /// through, or the case was wrong); the report stays closed.
    pub async fn withdraw_typical_case(
        &self,
        actor: &CurrentUser,
        id: i64,
        ip: Option<String>,
    ) -> Result<()> {
        if actor.role != Role::Jianfuban {
            return Err(self
                .deny(
                    actor,
                    &format!("direct:{id}"),
                    "只有减负办可以撤回典型案例",
                    ip,
                )
                .await);
        }
        if !self.db.withdraw_typical_case(id).await? {
            return Err(AppError::NotFound(format!("直报 {id} 的典型案例")));
        }
        self.audit(
            Some(actor),
            "direct.withdraw_case",
            Some(format!("direct:{id}")),
            "ok",
            Some("撤回典型案例".into()),
            ip,
        )
        .await?;
        Ok(())
    }

    /// The names of the district's communities, and of its townships when
    /// `townships`, as the org tree writes them.
    async fn place_names(&self, townships: bool) -> Result<Vec<String>> {
        Ok(self
            .db
            .subtree("/", false)
            .await?
            .into_iter()
            .filter(|u| u.kind == "community" || (townships && u.kind == "township"))
            .flat_map(|u| [u.name, u.short_name])
            .collect())
    }

    /// What the office writes for the department (交办说明, 办结意见) must
    /// not name the reporter's community, nor the township unless the
    /// custodian step disclosed it.
    pub(crate) async fn check_office_text(
        &self,
        r: &DirectReportRow,
        field: &str,
        text: &str,
    ) -> Result<()> {
        let township_disclosed = Disclosure::from_code(&r.disclosure) == Some(Disclosure::Township);
        let places = self.place_names(!township_disclosed).await?;
        if let Some(name) = jianfu_core::org::place_named_in(text, &places) {
            return Err(AppError::Invalid(format!(
                "“{field}”提到了“{name}”：被交办的部门会看到这段文字，而部门不应知道反映人所在的{}。请改为“某社区”等说法；确需部门知道街镇时，请用“向被交办部门提供”一步",
                if township_disclosed { "村（社区）" } else { "村（社区）或街镇" }
            )));
        }
        Ok(())
    }

    /// Typical cases: every account reads them.
    pub async fn typical_cases(&self) -> Result<Vec<TypicalCaseRow>> {
        Ok(self.db.typical_cases().await?)
    }
}
