//! The office's and the department's side of 直报: who reads what, the
//! steps of the loop (triage, assignment, answer, closing), the custodian
//! step that decides what the department may see, and typical cases.
//!
//! A report reaches the 减负办 only, never the chain of the unit it
//! concerns. The department concerned reads a report only once it is
//! assigned to it, and then the office's restatement of it: the reporter's
//! own words, evidence and township only if the office shares them.

use crate::{App, AppError, CurrentUser, Result};
use jianfu_core::direct_report::{is_overdue, Category, Change, Disclosure, Status, Step};
use jianfu_core::role::Role;
use jianfu_store::{DirectReportRow, EvidenceMeta, ReportChange, ReportMessage};
use serde::{Deserialize, Serialize};

/// Who is reading a report: what each may see differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    Office,
    Department,
    /// The reporter, by the receipt code.
    Reporter,
}

/// A report as one viewer may see it; what the viewer may not see is
/// `None`, never filled and hidden by a page.
#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    pub id: i64,
    pub category: String,
    pub category_label: &'static str,
    pub department: String,
    pub department_id: Option<i64>,
    pub happened_on: String,
    /// The reporter's own words: office and reporter; the department only
    /// when the office shared them.
    pub demand: Option<String>,
    pub minutes: i64,
    pub admission_number: Option<String>,
    pub admission_id: Option<i64>,
    /// The township: office; department only when disclosed.
    pub township: Option<String>,
    /// The community, if the reporter named it: office and reporter only.
    pub community: Option<String>,
    /// The reporter's name, if filed named: office only.
    pub named_reporter: Option<String>,
    pub anonymous: bool,
    pub filed_on: String,
    pub status: String,
    pub status_label: &'static str,
    pub merged_into: Option<i64>,
    pub decline_reason: Option<String>,
    pub assigned_to: Option<String>,
    pub assign_note: Option<String>,
    pub due_on: Option<String>,
    pub overdue: bool,
    pub disclosure: String,
    pub evidence_shared: bool,
    pub finding: Option<String>,
    pub change_kind: Option<String>,
    pub change_label: Option<&'static str>,
    pub answered_on: Option<String>,
    pub closing: Option<String>,
    pub closed_on: Option<String>,
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
    pub reopened: bool,
    pub can_rate: bool,
    pub can_reopen: bool,
    pub messages: Vec<ReportMessage>,
    pub evidence: Vec<EvidenceMeta>,
    pub typical_case: bool,
    /// Where the report was merged into another: how that one stands, so
    /// the reporter follows the case that is being handled.
    pub merged_target: Option<MergedTarget>,
}

/// The report a merged report joined, as its reporter may read it.
#[derive(Debug, Clone, Serialize)]
pub struct MergedTarget {
    pub id: i64,
    pub status: String,
    pub status_label: &'static str,
    pub due_on: Option<String>,
    pub change_kind: Option<String>,
    pub closing: Option<String>,
    pub closed_on: Option<String>,
    pub open: bool,
}

/// A step the office or the department takes.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum OfficeStep {
    /// Accept: it goes on the ledger. The office may name the department
    /// where the reporter's words matched none.
    Accept {
        #[serde(default)]
        department_id: Option<i64>,
    },
    Merge {
        into: i64,
    },
    Decline {
        reason: String,
    },
    /// 整治: to the department concerned, with a deadline (default: the
    /// settings' working days from today) and the office's restatement.
    Assign {
        department_id: i64,
        #[serde(default)]
        due: Option<chrono::NaiveDate>,
        note: String,
    },
    /// The custodian step: what the department may see of the reporter.
    Disclose {
        township: bool,
        #[serde(default)]
        share_words: bool,
        reason: String,
    },
    /// 反馈: the department's answer.
    Answer {
        finding: String,
        change: String,
    },
    /// 优化: verified and closed.
    Close {
        closing: String,
    },
    /// A message the reporter reads with the code.
    Reply {
        text: String,
    },
}

/// Text a person must write, trimmed; the message names the field.
pub(crate) fn required(text: &str, field: &str, max: usize) -> Result<String> {
    let t = text.trim();
    if jianfu_core::text::is_blank(t) {
        return Err(AppError::Invalid(format!("请填写“{field}”")));
    }
    if t.chars().count() > max {
        return Err(AppError::Invalid(format!("“{field}”不能超过 {max} 字")));
    }
    Ok(t.to_string())
}

fn date(s: Option<&str>) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s?, "%Y-%m-%d").ok()
}

impl App {
    pub(crate) async fn view_report(&self, r: DirectReportRow, who: Viewer) -> Result<ReportView> {
        let dept = who == Viewer::Department;
        let shared = r.evidence_shared != 0;
        let status = Status::from_code(&r.status).unwrap_or(Status::Received);
        let mut messages = if dept {
            Vec::new()
        } else {
            self.db.report_messages(r.id).await?
        };
        if who == Viewer::Office {
            // What the reporters of merged duplicates add later is read
            // here, where the office works, marked with its source; the
            // target's own reporter never reads another reporter's words.
            for (from, mut m) in self.db.merged_reporter_messages(r.id).await? {
                m.body = format!("（来自合并的直报 {from}）{}", m.body);
                messages.push(m);
            }
            messages.sort_by(|a, b| a.written_on.cmp(&b.written_on));
        }
        let evidence = if dept && !shared {
            Vec::new()
        } else {
            self.db.report_evidence(r.id).await?
        };
        let typical_case = who == Viewer::Office
            && self
                .db
                .typical_cases()
                .await?
                .iter()
                .any(|c| c.report_id == r.id);
        let reporter = who == Viewer::Reporter;
        let merged_target = match r.merged_into {
            Some(target) if !dept => self.db.direct_report(target).await?.map(|t| {
                let st = Status::from_code(&t.status).unwrap_or(Status::Received);
                MergedTarget {
                    id: t.id,
                    status_label: st.label_zh(),
                    open: st.is_open(),
                    status: t.status,
                    due_on: t.due_on,
                    change_kind: t.change_kind,
                    closing: t.closing,
                    closed_on: t.closed_on,
                }
            }),
            _ => None,
        };
        let (rating_missing, never_reopened) = (r.rating.is_none(), r.reopened == 0);
        let rating_comment = (!dept).then(|| r.rating_comment.clone()).flatten();
        let mut v = Self::view_report_brief(r, who);
        v.messages = messages;
        v.evidence = evidence;
        v.typical_case = typical_case;
        v.merged_target = merged_target;
        v.rating_comment = rating_comment;
        v.can_rate = reporter && status == Status::Closed && rating_missing;
        v.can_reopen = reporter && status == Status::Closed && never_reopened;
        if reporter {
            // The number is the office's handle. A reporter who typed it
            // into the signed-in pages would be refused, and the refusal
            // recorded under their name: the code is their only handle.
            v.id = 0;
            v.merged_into = None;
            if let Some(t) = v.merged_target.as_mut() {
                t.id = 0;
            }
        }
        Ok(v)
    }

    fn viewer_of(actor: &CurrentUser) -> Option<Viewer> {
        match actor.role {
            Role::Jianfuban => Some(Viewer::Office),
            Role::Department => Some(Viewer::Department),
            _ => None,
        }
    }

    /// Reports the reader may see: all for the office; those assigned to
    /// it for a department. Nobody else reads reports by number.
    pub async fn direct_reports_for(
        &self,
        actor: &CurrentUser,
        ip: Option<String>,
    ) -> Result<Vec<ReportView>> {
        let rows = match Self::viewer_of(actor) {
            Some(Viewer::Office) => self.db.direct_reports(None).await?,
            Some(Viewer::Department) => self.db.direct_reports(Some(actor.unit.id)).await?,
            _ => {
                return Err(self
                    .deny(
                        actor,
                        "direct_reports",
                        "只有减负办和被交办的部门可以查看直报",
                        ip,
                    )
                    .await)
            }
        };
        let who = Self::viewer_of(actor).unwrap_or(Viewer::Department);
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            // A list shows no messages or files; reading them is per report.
            out.push(Self::view_report_brief(r, who));
        }
        Ok(out)
    }

    /// A report as `who` may see it, without the reads of messages and
    /// files (a list line); `view_report` adds those.
    fn view_report_brief(r: DirectReportRow, who: Viewer) -> ReportView {
        let status = Status::from_code(&r.status).unwrap_or(Status::Received);
        let category = Category::from_code(&r.category).unwrap_or(Category::Other);
        let office = who == Viewer::Office;
        let dept = who == Viewer::Department;
        let reporter = who == Viewer::Reporter;
        let shared = r.evidence_shared != 0;
        let disclosed = Disclosure::from_code(&r.disclosure) == Some(Disclosure::Township);
        let change = r.change_kind.as_deref().and_then(Change::from_code);
        ReportView {
            id: r.id,
            category_label: category.label_zh(),
            // The reporter's own words about the department can name a
            // place or a person: a department reads the department's name
            // only, unless the office shared the reporter's words.
            department: match r.department_name {
                Some(name) => name,
                None if dept && !shared => String::new(),
                None => r.department_text,
            },
            department_id: r.department_id,
            happened_on: r.happened_on,
            demand: (!dept || shared).then_some(r.demand),
            minutes: r.minutes,
            // Likewise the 准入编号 as typed: a department sees it only when
            // it matched an admission.
            admission_number: if dept && !shared && r.admission_id.is_none() {
                None
            } else {
                r.admission_number
            },
            admission_id: r.admission_id,
            township: (!dept || disclosed).then_some(r.township_name).flatten(),
            community: (!dept).then_some(r.community_name).flatten(),
            named_reporter: office.then_some(r.named_user_name).flatten(),
            anonymous: r.named_user_id.is_none(),
            filed_on: r.filed_on,
            status_label: status.label_zh(),
            status: r.status,
            merged_into: r.merged_into,
            decline_reason: r.decline_reason,
            assigned_to: r.assigned_name,
            assign_note: (!reporter).then_some(r.assign_note).flatten(),
            overdue: is_overdue(status, date(r.due_on.as_deref()), crate::today()),
            due_on: r.due_on,
            disclosure: r.disclosure,
            evidence_shared: shared,
            finding: (!reporter).then_some(r.finding).flatten(),
            change_kind: r.change_kind,
            change_label: change.map(Change::label_zh),
            answered_on: r.answered_on,
            closing: r.closing,
            closed_on: r.closed_on,
            rating: r.rating,
            rating_comment: None,
            reopened: r.reopened > 0,
            can_rate: false,
            can_reopen: false,
            messages: Vec::new(),
            evidence: Vec::new(),
            typical_case: false,
            merged_target: None,
            category: r.category,
        }
    }

    /// One report, for the office or the department it is assigned to. A
    /// department reading another's report is refused and audited.
    pub async fn direct_report_for(
        &self,
        actor: &CurrentUser,
        id: i64,
        ip: Option<String>,
    ) -> Result<ReportView> {
        let r = self.readable_report(actor, id, ip).await?;
        let who = Self::viewer_of(actor).unwrap_or(Viewer::Department);
        self.view_report(r, who).await
    }

    async fn readable_report(
        &self,
        actor: &CurrentUser,
        id: i64,
        ip: Option<String>,
    ) -> Result<DirectReportRow> {
        let who = Self::viewer_of(actor);
        let r = match who {
            Some(_) => self.db.direct_report(id).await?,
            None => None,
        };
        let allowed = match (who, &r) {
            (Some(Viewer::Office), Some(_)) => true,
            (Some(Viewer::Department), Some(r)) => r.assigned_to == Some(actor.unit.id),
            _ => false,
        };
        if !allowed {
            if who == Some(Viewer::Office) {
                return Err(AppError::NotFound(format!("直报 {id}")));
            }
            // The same refusal whether it exists or not: a department
            // learns nothing about reports not assigned to it.
            return Err(self
                .deny(
                    actor,
                    &format!("direct:{id}"),
                    &format!("直报 {id} 未交办给本单位"),
                    ip,
                )
                .await);
        }
        r.ok_or_else(|| AppError::NotFound(format!("直报 {id}")))
    }

    /// An evidence file, for the office, or the department once shared.
    pub async fn direct_report_file(
        &self,
        actor: &CurrentUser,
        id: i64,
        position: i64,
        ip: Option<String>,
    ) -> Result<(String, Vec<u8>)> {
        let r = self.readable_report(actor, id, ip.clone()).await?;
        if actor.role == Role::Department && r.evidence_shared == 0 {
            return Err(self
                .deny(
                    actor,
                    &format!("direct:{id}"),
                    "减负办未向本部门提供这份直报的附件",
                    ip,
                )
                .await);
        }
        let file = self
            .db
            .report_evidence_file(id, position)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("直报 {id} 的附件 {position}")))?;
        self.audit(
            Some(actor),
            "direct.evidence_read",
            Some(format!("direct:{id}")),
            "ok",
            Some(format!("查看附件{position}")),
            ip,
        )
        .await?;
        Ok(file)
    }

    /// Takes one step of a report's loop.
    pub async fn step_direct_report(
        &self,
        actor: &CurrentUser,
        id: i64,
        step: OfficeStep,
        ip: Option<String>,
    ) -> Result<ReportView> {
        let r = self.readable_report(actor, id, ip.clone()).await?;
        let office = actor.role == Role::Jianfuban;
        let department_step = matches!(step, OfficeStep::Answer { .. });
        if office == department_step {
            let why = if office {
                "部门答复由被交办的部门填写"
            } else {
                "这一步由减负办办理"
            };
            return Err(self.deny(actor, &format!("direct:{id}"), why, ip).await);
        }
        let today = crate::today();
        let day = today.to_string();
        let from = Status::from_code(&r.status).unwrap_or(Status::Received);
        let (action, detail, moved) = match &step {
            OfficeStep::Accept { department_id } => {
                if let Some(d) = department_id {
                    self.department_unit(*d).await?;
                } else if r.department_id.is_none() && from == Status::Received {
                    // An accepted report counts on the ledger against its
                    // department: without one it would count against none.
                    return Err(AppError::Invalid(format!(
                        "请先选择被反映的部门再受理：反映人写的是“{}”，系统未能对应到某一个部门",
                        r.department_text.chars().take(40).collect::<String>()
                    )));
                }
                let change = ReportChange::Accept {
                    department_id: *department_id,
                };
                (
                    "direct.accept",
                    "受理".to_string(),
                    self.move_report(&r, Step::Accept, &change, &day).await?,
                )
            }
            OfficeStep::Merge { into } => {
                if *into == id {
                    return Err(AppError::Invalid("不能与自身合并".into()));
                }
                let target =
                    self.db.direct_report(*into).await?.ok_or_else(|| {
                        AppError::Invalid(format!("要合并到的直报 {into} 不存在"))
                    })?;
                if target.merged_into.is_some() {
                    return Err(AppError::Invalid(format!(
                        "直报 {into} 本身已合并到其他反映，请合并到 {}",
                        target.merged_into.unwrap_or_default()
                    )));
                }
                let change = ReportChange::Merge { into: *into };
                (
                    "direct.merge",
                    format!("合并到直报 {into}"),
                    self.move_report(&r, Step::Merge, &change, &day).await?,
                )
            }
            OfficeStep::Decline { reason } => {
                let reason = required(reason, "不予受理的理由", 2000)?;
                let change = ReportChange::Decline { reason: &reason };
                (
                    "direct.decline",
                    "不予受理".to_string(),
                    self.move_report(&r, Step::Decline, &change, &day).await?,
                )
            }
            OfficeStep::Assign {
                department_id,
                due,
                note,
            } => {
                let dept = self.department_unit(*department_id).await?;
                let note = required(note, "交办说明", 2000)?;
                self.check_office_text(&r, "交办说明", &note).await?;
                let s = self.monitoring_settings().await?;
                // Counted on the holiday calendar in settings: ten working
                // days across 国庆 end a week later than ten weekdays.
                let due = due
                    .unwrap_or_else(|| s.calendar().add_working_days(today, s.answer_working_days));
                if due < today {
                    return Err(AppError::Invalid(format!("办理期限 {due} 早于今天")));
                }
                if due > today + chrono::Days::new(366) {
                    return Err(AppError::Invalid(format!(
                        "办理期限 {due} 太远：最晚为一年之内"
                    )));
                }
                let due_s = due.to_string();
                let change = ReportChange::Assign {
                    department_id: dept.id,
                    due_on: &due_s,
                    note: &note,
                };
                (
                    "direct.assign",
                    format!("交办{}，期限 {due}", dept.short_name),
                    self.move_report(&r, Step::Assign, &change, &day).await?,
                )
            }
            OfficeStep::Disclose {
                township,
                share_words,
                reason,
            } => {
                let unchanged = *township
                    == (Disclosure::from_code(&r.disclosure) == Some(Disclosure::Township))
                    && *share_words == (r.evidence_shared != 0);
                if unchanged {
                    return Err(AppError::Invalid(
                        "没有变化：请勾选要向部门提供的内容，或取消勾选以收回已提供的内容".into(),
                    ));
                }
                let reason = required(reason, "提供理由", 1000)?;
                let level = if *township {
                    Disclosure::Township
                } else {
                    Disclosure::None
                };
                let done = self
                    .db
                    .disclose_direct_report(id, level.code(), *share_words, &day)
                    .await?;
                (
                    "direct.disclose",
                    format!(
                        "向被交办部门提供：街镇{}，原文和附件{}。理由：{reason}",
                        if *township { "是" } else { "否" },
                        if *share_words { "是" } else { "否" }
                    ),
                    done,
                )
            }
            OfficeStep::Answer { finding, change } => {
                let finding = required(finding, "核查情况", 4000)?;
                let change = Change::from_code(change.trim()).ok_or_else(|| {
                    AppError::Invalid(format!(
                        "“整改方式”无效：{}",
                        change.chars().take(30).collect::<String>()
                    ))
                })?;
                let c = ReportChange::Answer {
                    finding: &finding,
                    change_kind: change.code(),
                };
                (
                    "direct.answer",
                    format!("答复：{}", change.label_zh()),
                    self.move_report(&r, Step::Answer, &c, &day).await?,
                )
            }
            OfficeStep::Close { closing } => {
                let closing = required(closing, "办结意见", 4000)?;
                self.check_office_text(&r, "办结意见", &closing).await?;
                let c = ReportChange::Close { closing: &closing };
                (
                    "direct.close",
                    "办结".to_string(),
                    self.move_report(&r, Step::Close, &c, &day).await?,
                )
            }
            OfficeStep::Reply { text } => {
                let text = required(text, "回复内容", 4000)?;
                self.db
                    .add_report_message(id, "office", &text, &day)
                    .await?;
                ("direct.reply", "回复反映人".to_string(), true)
            }
        };
        if !moved {
            return Err(AppError::Invalid(format!(
                "直报 {id} 当前为“{}”，不能进行这一步；请刷新后再试",
                from.label_zh()
            )));
        }
        if matches!(
            step,
            OfficeStep::Accept { .. } | OfficeStep::Merge { .. } | OfficeStep::Close { .. }
        ) {
            self.refresh_ledger(crate::monitoring::LedgerSource::DirectReports)
                .await?;
        }
        self.audit(
            Some(actor),
            action,
            Some(format!("direct:{id}")),
            "ok",
            Some(detail),
            ip,
        )
        .await?;
        let fresh = self
            .db
            .direct_report(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("直报 {id}")))?;
        let who = Self::viewer_of(actor).unwrap_or(Viewer::Department);
        self.view_report(fresh, who).await
    }

    async fn move_report(
        &self,
        r: &DirectReportRow,
        step: Step,
        change: &ReportChange<'_>,
        day: &str,
    ) -> Result<bool> {
        let (from, to) = step.transition();
        let from: Vec<&str> = from.iter().map(|s| s.code()).collect();
        Ok(self
            .db
            .step_direct_report(r.id, &from, to.code(), change, day)
            .await?)
    }

    async fn department_unit(&self, id: i64) -> Result<jianfu_store::OrgUnit> {
        self.db
            .unit(id)
            .await?
            .filter(|u| u.kind == "department")
            .ok_or_else(|| AppError::Invalid(format!("单位 {id} 不是部门")))
    }
}
