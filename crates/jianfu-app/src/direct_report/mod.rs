//! 直报 as services: filing a report of hidden burden, following it with
//! the receipt code, and (in `handling`) the office's and the department's
//! steps through the loop.
//!
//! Anonymity is built into what is written, not hidden afterwards. Filing
//! writes the report and its cleaned evidence and nothing else: no audit
//! entry (its exact time would sit beside the reporter's other entries),
//! no user, session, address or user agent, the day only. The reporter's
//! own later steps (adding information, rating, reopening) are kept on the
//! report by day and are not audited either. docs/security.md says what
//! this protects against and what it cannot.

mod cases;
mod evidence;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
mod handling;
mod quota;

pub use evidence::{clean_evidence, CleanedEvidence, EvidenceError, MAX_EVIDENCE_BYTES};
pub(crate) use handling::required;
pub use handling::{OfficeStep, ReportView, Viewer};
pub use quota::{FilingQuota, PublicBudget};

use crate::{App, AppError, CurrentUser, Result};
use jianfu_core::direct_report::{check_filing, format_receipt, normalize_receipt, Filing, Status};
use jianfu_core::org::OrgKind;
use jianfu_core::role::Role;
use jianfu_store::{NewDirectReport, NewEvidence};
use serde::{Deserialize, Serialize};

/// At most this many evidence files with one report.
pub const MAX_EVIDENCE_FILES: usize = 5;

/// What a reporter fills in. `name_community` and `named` are the
/// reporter's choices; both default to the most protective.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
pub struct ReportForm {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub happened_on: String,
    #[serde(default)]
    pub demand: String,
    #[serde(default)]
    pub minutes: i64,
    #[serde(default)]
    pub admission_number: String,
    /// Store the reporter's community (else only its township).
    #[serde(default)]
    pub name_community: bool,
    /// File named: the 减负办 (only) sees who filed it.
    #[serde(default)]
    pub named: bool,
    /// On the public form: the township the reporter chooses to give.
    #[serde(default)]
    pub township_id: Option<i64>,
}

/// An evidence file as uploaded.
#[derive(Debug, Clone)]
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// What the reporter is shown once: the code, and what was removed from
/// each file.
#[derive(Debug, Clone, Serialize)]
pub struct Receipt {
    /// 16 digits in groups of four.
    pub code: String,
    pub files: Vec<StrippedFile>,
    /// What was recorded about the reporter, told on the receipt.
    pub recorded: Recorded,
}

/// What a report records about its reporter: the reporter's own choices.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Recorded {
    pub township: bool,
    pub community: bool,
    pub named: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct StrippedFile {
    /// The name the file is stored under (附件1.jpg): never the name it
    /// was uploaded with, which may name the reporter.
    pub stored_as: String,
    pub uploaded_as: String,
    pub stripped: Vec<&'static str>,
}

impl App {
    /// A grassroots worker files a report. Only the role is read from the
    /// account; the account is stored only if the reporter chose "named".
    pub async fn file_direct_report(
        &self,
        actor: &CurrentUser,
        form: ReportForm,
        uploads: Vec<Upload>,
        ip: Option<String>,
    ) -> Result<Receipt> {
        if !actor.role.is_grassroots() {
            return Err(self
                .deny(
                    actor,
                    "direct_reports",
                    "只有村（社区）、网格和街镇工作人员可以直报",
                    ip,
                )
                .await);
        }
        self.direct_quota.take_account(actor.id)?;
        let (township, community) = self.places_of(actor).await?;
        let community = if form.name_community { community } else { None };
        let named = form.named.then_some(actor.id);
        let filed = self
            .store_report(form, uploads, Some(township), community, named)
            .await;
        if filed.is_err() {
            self.direct_quota.give_back(actor.id);
        }
        filed
    }

    /// A report through the public intranet form, without an account; open
    /// only while the 减负办 has switched the form on.
    pub async fn file_public_report(
        &self,
        form: ReportForm,
        uploads: Vec<Upload>,
    ) -> Result<Receipt> {
        if !self.public_form_open().await? {
            return Err(AppError::Forbidden(
                "减负办尚未开放无需登录的直报表单；请登录后直报".into(),
            ));
        }
        let township = match form.township_id {
            Some(id) => {
                let unit = self
                    .db
                    .unit(id)
                    .await?
                    .filter(|u| u.kind() == Some(OrgKind::Township))
                    .ok_or_else(|| AppError::Invalid(format!("所选街镇 {id} 不存在")))?;
                Some(unit.id)
            }
            None => None,
        };
        let bytes: u64 = uploads.iter().map(|u| u.bytes.len() as u64).sum();
        let day = crate::today()
            .signed_duration_since(chrono::NaiveDate::default())
            .num_days();
        self.public_budget.take(day, bytes)?;
        self.store_report(form, uploads, township, None, None).await
    }

    async fn store_report(
        &self,
        form: ReportForm,
        uploads: Vec<Upload>,
        township_id: Option<i64>,
        community_id: Option<i64>,
        named_user_id: Option<i64>,
    ) -> Result<Receipt> {
        let today = crate::today();
        let checked = check_filing(
            &Filing {
                category: form.category,
                department: form.department,
                happened_on: form.happened_on,
                demand: form.demand,
                minutes: form.minutes,
                admission_number: form.admission_number,
            },
            today,
        )
        .map_err(AppError::Invalid)?;
        if uploads.len() > MAX_EVIDENCE_FILES {
            return Err(AppError::Invalid(format!(
                "附件最多 {MAX_EVIDENCE_FILES} 个，而上传了 {} 个；未保存",
                uploads.len()
            )));
        }
        // Every file is checked and cleaned before anything is written: one
        // bad file refuses the whole report, so nothing is half-stored.
        let cleaned = tokio::task::spawn_blocking(move || {
            uploads
                .into_iter()
                .map(|u| clean_evidence(&u.file_name, &u.bytes).map(|c| (u.file_name, c)))
                .collect::<std::result::Result<Vec<_>, EvidenceError>>()
        })
        .await
        .map_err(|e| AppError::Invalid(format!("附件处理失败：{e}")))?
        .map_err(|e| AppError::Invalid(e.to_string()))?;

        let department_id = self.department_named(&checked.department).await?;
        let admission_id = match checked.admission_number.as_deref() {
            Some(n) => self.db.admission_by_number(n).await?.map(|a| a.id),
            None => None,
        };
        let code = {
            use rand::rngs::OsRng;
            jianfu_core::direct_report::new_receipt(&mut OsRng)
        };
        let hash = self.receipt_hash(&code).await?;
        let stripped_notes: Vec<String> =
            cleaned.iter().map(|(_, c)| c.stripped.join("、")).collect();
        let files: Vec<NewEvidence<'_>> = cleaned
            .iter()
            .zip(&stripped_notes)
            .map(|((_, c), note)| NewEvidence {
                kind: c.kind.extension(),
                content_type: c.kind.content_type(),
                stripped: note.clone(),
                bytes: &c.bytes,
            })
            .collect();
        let day = today.to_string();
        let happened = checked.happened_on.to_string();
        self.db
            .insert_direct_report(
                &NewDirectReport {
                    receipt_hash: &hash,
                    category: checked.category.code(),
                    department_id,
                    department_text: &checked.department,
                    happened_on: &happened,
                    demand: &checked.demand,
                    minutes: checked.minutes,
                    admission_number: checked.admission_number.as_deref(),
                    admission_id,
                    township_id,
                    community_id,
                    named_user_id,
                    filed_on: &day,
                },
                &files,
            )
            .await?;
        Ok(Receipt {
            code: format_receipt(&code),
            files: cleaned
                .iter()
                .enumerate()
                .map(|(i, (name, c))| StrippedFile {
                    stored_as: format!("附件{}.{}", i + 1, c.kind.extension()),
                    uploaded_as: name.chars().take(100).collect(),
                    stripped: c.stripped.clone(),
                })
                .collect(),
            recorded: Recorded {
                township: township_id.is_some(),
                community: community_id.is_some(),
                named: named_user_id.is_some(),
            },
        })
    }

    /// The department the reporter named: its full or short name, or an
    /// abbreviation that fits one department only (`org::department_named`).
    pub(crate) async fn department_named(&self, words: &str) -> Result<Option<i64>> {
        let departments: Vec<(i64, String, String)> = self
            .db
            .departments()
            .await?
            .into_iter()
            .map(|d| (d.id, d.name, d.short_name))
            .collect();
        Ok(jianfu_core::org::department_named(words, &departments))
    }

    /// The reporter's township, and community if it has one.
    pub(crate) async fn places_of(&self, actor: &CurrentUser) -> Result<(i64, Option<i64>)> {
        let mut unit = actor.unit.clone();
        let mut community = None;
        for _ in 0..4 {
            match unit.kind() {
                Some(OrgKind::Township) => return Ok((unit.id, community)),
                Some(OrgKind::Community) => community = Some(unit.id),
                _ => {}
            }
            let Some(parent) = unit.parent_id else { break };
            unit = match self.db.unit(parent).await? {
                Some(u) => u,
                None => break,
            };
        }
        Err(AppError::Invalid(format!(
            "账号所在单位“{}”不在任何街镇之下，无法直报；请联系管理员",
            actor.unit.short_name
        )))
    }

    /// argon2id of the code under the site's salt, on the blocking pool:
    /// a slow hash, so a database reader cannot try the codes, and the
    /// same work for a right and a wrong code.
    pub(crate) async fn receipt_hash(&self, code: &str) -> Result<String> {
        let fresh = {
            use rand::RngCore;
            let mut b = [0u8; 16];
            rand::rngs::OsRng.fill_bytes(&mut b);
            b.iter().map(|x| format!("{x:02x}")).collect::<String>()
        };
        let salt = self
            .receipt_salt
            .get_or_try_init(|| self.db.receipt_salt(&fresh))
            .await?
            .clone();
        let code = code.to_string();
        tokio::task::spawn_blocking(move || {
            let mut out = [0u8; 32];
            argon2::Argon2::default()
                .hash_password_into(code.as_bytes(), salt.as_bytes(), &mut out)
                .map(|_| out.iter().map(|x| format!("{x:02x}")).collect::<String>())
                .map_err(|e| AppError::Invalid(format!("回执码处理失败：{e}")))
        })
        .await
        .map_err(|e| AppError::Invalid(format!("回执码处理失败：{e}")))?
    }

    /// The report a receipt code opens. A wrong code and an unknown one
    /// are the same thing and get the same answer after the same work.
    async fn report_by_code(&self, typed: &str) -> Result<jianfu_store::DirectReportRow> {
        let Some(code) = normalize_receipt(typed) else {
            return Err(AppError::Invalid(
                "回执码应为 16 位数字（可带空格）；请核对后再试".into(),
            ));
        };
        let hash = self.receipt_hash(&code).await?;
        self.db
            .direct_report_by_receipt(&hash)
            .await?
            .ok_or_else(|| AppError::NotFound(UNKNOWN_RECEIPT.into()))
    }

    /// What the reporter reads with the code.
    pub async fn follow_direct_report(&self, code: &str) -> Result<ReportView> {
        let r = self.report_by_code(code).await?;
        self.view_report(r, Viewer::Reporter).await
    }

    /// The reporter adds information.
    pub async fn add_report_information(&self, code: &str, text: &str) -> Result<ReportView> {
        let r = self.report_by_code(code).await?;
        let text = handling::required(text, "补充内容", 4000)?;
        let today = crate::today().to_string();
        let is_open = |status: &str| Status::from_code(status).is_some_and(|s| s.is_open());
        if is_open(&r.status) {
            self.db
                .add_report_message(r.id, "reporter", &text, &today)
                .await?;
        } else {
            // A merged report lives on in the one it joined: what its
            // reporter adds goes there, marked, while that one is open.
            let target = match r.merged_into {
                Some(t) => self.db.direct_report(t).await?,
                None => None,
            };
            match target {
                // Kept on the merged report: its reporter reads it there,
                // and the office reads it on the one it works on.
                Some(t) if is_open(&t.status) => {
                    self.db
                        .add_report_message(r.id, "reporter", &text, &today)
                        .await?;
                }
                _ => return Err(AppError::Invalid(
                    "这份反映已办结或不予受理，不能再补充；如对办理结果不满意，请评价并重新打开"
                        .into(),
                )),
            }
        }
        self.view_report(r, Viewer::Reporter).await
    }

    /// The reporter rates the resolution (1–5) and may reopen it once.
    pub async fn rate_direct_report(
        &self,
        code: &str,
        rating: i64,
        comment: &str,
        reopen: bool,
    ) -> Result<ReportView> {
        let r = self.report_by_code(code).await?;
        if !(1..=5).contains(&rating) {
            return Err(AppError::Invalid(format!(
                "“评价”应为 1 到 5 之间的整数，而不是 {rating}"
            )));
        }
        let comment = comment.trim();
        if comment.chars().count() > 1000 {
            return Err(AppError::Invalid("“评价说明”不能超过 1000 字".into()));
        }
        if reopen && r.reopened > 0 {
            return Err(AppError::Invalid(
                "这份反映已重新打开过一次，不能再次打开；可在评价说明中写明意见".into(),
            ));
        }
        // Checked before anything is written: a refused reopen leaves the
        // report as it was, rating included.
        if reopen && jianfu_core::text::is_blank(comment) {
            return Err(AppError::Invalid(
                "重新打开时请在“评价说明”中写明哪里没有解决".into(),
            ));
        }
        let today = crate::today().to_string();
        let done = if reopen {
            // Reopening replaces the rating: the reporter rates again after
            // the next closing. The rating given now stays in the message.
            let reason = format!("重新打开（评价 {rating}/5）：{comment}");
            self.db.reopen_direct_report(r.id, &reason, &today).await?
        } else {
            self.db
                .rate_direct_report(r.id, rating, comment, &today)
                .await?
        };
        if !done {
            return Err(AppError::Invalid(
                "只能在办结后评价一次；这份反映尚未办结或已评价".into(),
            ));
        }
        let fresh = self
            .db
            .direct_report(r.id)
            .await?
            .ok_or_else(|| AppError::NotFound(UNKNOWN_RECEIPT.into()))?;
        self.view_report(fresh, Viewer::Reporter).await
    }

    /// Whether the 减负办 opened the public form (no login).
    pub async fn public_form_open(&self) -> Result<bool> {
        Ok(self.db.setting(PUBLIC_FORM_SETTING).await?.as_deref() == Some("true"))
    }

    /// The 减负办 opens or closes the public form.
    pub async fn set_public_form(
        &self,
        actor: &CurrentUser,
        open: bool,
        ip: Option<String>,
    ) -> Result<()> {
        if actor.role != Role::Jianfuban {
            return Err(self
                .deny(
                    actor,
                    "direct_reports",
                    "只有减负办可以开放或关闭公开直报表单",
                    ip,
                )
                .await);
        }
        self.db
            .put_setting(
                PUBLIC_FORM_SETTING,
                if open { "true" } else { "false" },
                actor.id,
            )
            .await?;
        self.audit(
            Some(actor),
            "direct.public_form",
            None,
            "ok",
            Some(
                if open {
                    "开放公开直报表单"
                } else {
                    "关闭公开直报表单"
                }
                .into(),
            ),
            ip,
        )
        .await
    }
}

const PUBLIC_FORM_SETTING: &str = "direct_report_public";

/// The one answer for a code that opens nothing.
pub const UNKNOWN_RECEIPT: &str = "与该回执码对应的反映（请核对 16 位数字）";

#[cfg(test)]
mod tests {
    #[test]
    fn the_unknown_code_answer_does_not_say_whether_it_existed() {
        let msg = super::UNKNOWN_RECEIPT;
        assert!(!msg.contains("不存在") && !msg.contains("错误"));
    }
}
