//! Warning cases through 识别 → 整治 → 反馈 → 优化, and monitoring points
//! with their monthly confirmation. Every step is audited; a department
//! reads and answers only its own warnings.

use crate::{App, AppError, CurrentUser, Result};
use chrono::NaiveDate;
use jianfu_core::monitoring::Month;
use jianfu_core::org::OrgKind;
use jianfu_core::role::Role;
use jianfu_store::{LedgerLine, LedgerScope, NewConfirmation, WarningRow};
use serde::{Deserialize, Serialize};

/// A step of a warning case.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum WarningStep {
    /// 整治: the office assigns it to its department with a deadline
    /// (default: the settings' working days from today).
    Assign {
        #[serde(default)]
        due: Option<NaiveDate>,
        #[serde(default)]
        note: String,
    },
    /// 反馈: the department says what it found and what it changed.
    Answer { answer: String },
    /// 优化: the office closes it with the feedback it took and what changed.
    Close {
        feedback: String,
        improvement: String,
    },
}

/// How many months (this one included) a point may still confirm or edit.
pub const CONFIRM_WINDOW_MONTHS: i32 = 3;

use crate::direct_report::required;

/// A monitoring point and whether it confirmed the month.
#[derive(Debug, Clone, Serialize)]
pub struct PointStatus {
    pub unit_id: i64,
    pub unit: String,
    pub contact: String,
    pub contact_phone: String,
    pub confirmed: bool,
    pub confirmed_at: Option<i64>,
    pub version: Option<i64>,
    /// Whether the month's one reminder was already sent.
    pub reminded: bool,
}

/// What a point adds to its month.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct ConfirmationForm {
    #[serde(default)]
    pub unannounced_meetings: i64,
    #[serde(default)]
    pub unannounced_inspections: i64,
    #[serde(default)]
    pub wechat_demands: i64,
    #[serde(default)]
    pub photo_requests: i64,
    /// Hours those took, all together.
    #[serde(default)]
    pub hidden_hours: f64,
    /// The point's own estimate of the month's hours on demands from above.
    #[serde(default)]
    pub estimate_hours: f64,
    #[serde(default)]
    pub note: String,
    /// Milliseconds the screen was open while typing (the page measures).
    #[serde(default)]
    pub active_ms: i64,
}

/// The confirmation screen: the month as the ledger has it, prefilled,
/// and what the point said before.
#[derive(Debug, Clone, Serialize)]
pub struct ConfirmationView {
    pub unit: String,
    pub month: String,
    pub lines: Vec<LedgerLine>,
    pub ledger_hours: f64,
    pub previous: Option<jianfu_store::ConfirmationRow>,
}

impl App {
    /// Warnings the reader may see: all for the office, a department's own.
    pub async fn warnings_for(
        &self,
        actor: &CurrentUser,
        ip: Option<String>,
    ) -> Result<Vec<WarningRow>> {
        match actor.role {
            Role::Jianfuban => Ok(self.db.warnings(None).await?),
            Role::Department => Ok(self.db.warnings(Some(actor.unit.id)).await?),
            _ => Err(self
                .deny(
                    actor,
                    "warnings",
                    "只有减负办和被预警的部门可以查看预警",
                    ip,
                )
                .await),
        }
    }

    pub async fn warning_for(
        &self,
        actor: &CurrentUser,
        id: i64,
        ip: Option<String>,
    ) -> Result<WarningRow> {
        let w = self
            .db
            .warning(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("预警 {id}")))?;
        let visible = match actor.role {
            Role::Jianfuban => true,
            Role::Department => w.department_id == Some(actor.unit.id),
            _ => false,
        };
        if !visible {
            return Err(self
                .deny(
                    actor,
                    &format!("warning:{id}"),
                    &format!("预警 {id} 不是本部门的预警"),
                    ip,
                )
                .await);
        }
        Ok(w)
    }

    /// Takes a step of a warning case.
    pub async fn step_warning(
        &self,
        actor: &CurrentUser,
        id: i64,
        step: WarningStep,
        ip: Option<String>,
    ) -> Result<WarningRow> {
        let w = self.warning_for(actor, id, ip.clone()).await?;
        let office = actor.role == Role::Jianfuban;
        let (done, action, detail) = match &step {
            WarningStep::Assign { due, note } => {
                if !office {
                    return Err(self
                        .deny(
                            actor,
                            &format!("warning:{id}"),
                            "只有减负办可以交办预警",
                            ip,
                        )
                        .await);
                }
                if w.department_id.is_none() {
                    return Err(AppError::Invalid(
                        "该预警不针对某个部门（如检查扎堆、隐性负担），请核实后直接办结".into(),
                    ));
                }
                let s = self.monitoring_settings().await?;
                let today = crate::today();
                // Counted on the holiday calendar: ten working days across
                // 国庆 end a week later than ten weekdays.
                let due = due
                    .unwrap_or_else(|| s.calendar().add_working_days(today, s.answer_working_days));
                if due < today {
                    return Err(AppError::Invalid(format!("整改期限 {due} 早于今天")));
                }
                if due > today + chrono::Days::new(366) {
                    return Err(AppError::Invalid(format!(
                        "整改期限 {due} 太远：最晚为一年之内"
                    )));
                }
                let note = note.trim();
                if note.chars().count() > 2000 {
                    return Err(AppError::Invalid("“交办意见”不能超过 2000 字".into()));
                }
                (
                    self.db.assign_warning(id, &due.to_string(), note).await?,
                    "warning.assign",
                    format!("交办预警“{}”，期限 {due}", w.title),
                )
            }
            WarningStep::Answer { answer } => {
                if actor.role != Role::Department {
                    return Err(self
                        .deny(
                            actor,
                            &format!("warning:{id}"),
                            "只有被预警的部门可以答复",
                            ip,
                        )
                        .await);
                }
                let answer = required(answer, "核查与整改情况", 4000)?;
                (
                    self.db.answer_warning(id, &answer).await?,
                    "warning.answer",
                    format!("答复预警“{}”", w.title),
                )
            }
            WarningStep::Close {
                feedback,
                improvement,
            } => {
                if !office {
                    return Err(self
                        .deny(
                            actor,
                            &format!("warning:{id}"),
                            "只有减负办可以办结预警",
                            ip,
                        )
                        .await);
                }
                let feedback = required(feedback, "反馈", 2000)?;
                let improvement = required(improvement, "优化措施", 2000)?;
                (
                    self.db
                        .close_warning(id, &feedback, &improvement, &crate::today().to_string())
                        .await?,
                    "warning.close",
                    format!("办结预警“{}”", w.title),
                )
            }
        };
        if !done {
            return Err(AppError::Invalid(format!(
                "预警“{}”当前为“{}”，不能进行这一步；请刷新后再试",
                w.title,
                warning_status_label(&w.status)
            )));
        }
        self.audit(
            Some(actor),
            action,
            Some(format!("warning:{id}")),
            "ok",
            Some(detail),
            ip,
        )
        .await?;
        self.db
            .warning(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("预警 {id}")))
    }

    /// Designates a community or township as a monitoring point.
    pub async fn designate_point(
        &self,
        actor: &CurrentUser,
        unit_id: i64,
        contact: &str,
        phone: &str,
        active: bool,
        ip: Option<String>,
    ) -> Result<()> {
        if actor.role != Role::Jianfuban {
            return Err(self
                .deny(actor, "monitoring_points", "只有减负办可以设立监测点", ip)
                .await);
        }
        let unit = self.unit_for(actor, unit_id, ip.clone()).await?;
        if !matches!(unit.kind(), Some(OrgKind::Community | OrgKind::Township)) {
            return Err(AppError::Invalid(format!(
                "“{}”不是村（社区）或街镇，不能设为监测点",
                unit.name
            )));
        }
        let contact = required(contact, "联系人", 50)?;
        let phone = phone.trim();
        if phone.chars().count() > 30 {
            return Err(AppError::Invalid("“联系电话”不能超过 30 个字符".into()));
        }
        // A phone number: digits with the usual separators, nothing else.
        if !phone
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | ' ' | '+' | '(' | ')' | '转'))
        {
            return Err(AppError::Invalid(format!(
                "“联系电话”只能包含数字和 - + ( ) 转，而填写的是“{}”",
                phone.chars().take(30).collect::<String>()
            )));
        }
        self.db
            .put_point(unit_id, &contact, phone, active, actor.id)
            .await?;
        self.audit(
            Some(actor),
            "point.designate",
            Some(format!("unit:{unit_id}")),
            "ok",
            Some(format!("设立减负监测点“{}”", unit.short_name)),
            ip,
        )
        .await
    }

    /// Each point and whether it confirmed month `m`, in org order: the
    /// office sees who is missing, never a ranking.
    pub async fn points_status(
        &self,
        actor: &CurrentUser,
        m: Month,
        ip: Option<String>,
    ) -> Result<Vec<PointStatus>> {
        if actor.role != Role::Jianfuban {
            return Err(self
                .deny(actor, "monitoring_points", "只有减负办可以查看监测点", ip)
                .await);
        }
        let confirmed = self.db.confirmations(m.key(), m.key()).await?;
        Ok(self
            .db
            .points()
            .await?
            .into_iter()
            .filter(|p| p.active != 0)
            .map(|p| {
                let c = confirmed.iter().find(|c| c.unit_id == p.unit_id);
                PointStatus {
                    unit_id: p.unit_id,
                    unit: p.unit,
                    contact: p.contact,
                    contact_phone: jianfu_core::mask::phone(&p.contact_phone),
                    confirmed: c.is_some(),
                    confirmed_at: c.map(|c| c.confirmed_at),
                    version: c.map(|c| c.version),
                    reminded: p.reminded_month == Some(m.key()),
                }
            })
            .collect())
    }

    /// The one reminder a point may get for a month; a second is refused.
    pub async fn remind_point(
        &self,
        actor: &CurrentUser,
        unit_id: i64,
        m: Month,
        ip: Option<String>,
    ) -> Result<()> {
        if actor.role != Role::Jianfuban {
            return Err(self
                .deny(actor, "monitoring_points", "只有减负办可以提醒监测点", ip)
                .await);
        }
        match self.db.point(unit_id).await? {
            Some(p) if p.active != 0 => {}
            _ => {
                return Err(AppError::NotFound(format!(
                    "单位 {unit_id} 不是在用的减负监测点"
                )))
            }
        }
        let this_month = Month::of(crate::today());
        let earliest = this_month.plus(-(CONFIRM_WINDOW_MONTHS - 1));
        if m > this_month || m < earliest {
            return Err(AppError::Invalid(format!(
                "只能提醒确认 {earliest} 至 {this_month} 的月份，而不是 {m}"
            )));
        }
        if self.db.confirmation(unit_id, m.key()).await?.is_some() {
            return Err(AppError::Invalid(format!("该监测点已确认 {m}，无需提醒")));
        }
        if !self.db.mark_point_reminded(unit_id, m.key()).await? {
            return Err(AppError::Invalid(format!(
                "{m} 已提醒过一次；不重复催报（减负“五不”）"
            )));
        }
        self.audit(
            Some(actor),
            "point.remind",
            Some(format!("unit:{unit_id}")),
            "ok",
            Some(format!("提醒监测点确认 {m}")),
            ip,
        )
        .await
    }

    /// The point the actor works for: its community, or its township.
    async fn own_point(&self, actor: &CurrentUser, ip: Option<String>) -> Result<i64> {
        let unit = actor.unit.id;
        match self.db.point(unit).await? {
            Some(p) if p.active != 0 && matches!(actor.role, Role::Community | Role::Township) => {
                Ok(unit)
            }
            _ => Err(self
                .deny(actor, "monitoring_points", "本单位不是减负监测点", ip)
                .await),
        }
    }

    /// The confirmation screen of month `m`: what the ledger holds,
    /// prefilled, and what the point said before.
    pub async fn confirmation_view(
        &self,
        actor: &CurrentUser,
        m: Month,
        ip: Option<String>,
    ) -> Result<ConfirmationView> {
        let unit = self.own_point(actor, ip).await?;
        let lines: Vec<LedgerLine> = self
            .db
            .ledger_lines(
                &LedgerScope {
                    unit_path: Some(actor.scope.path.clone()),
                    // A colleague's direct report is not the point's to see.
                    hide_direct_places: true,
                    ..Default::default()
                },
                m.key(),
                m.key(),
                None,
                500,
            )
            .await?
            .into_iter()
            .filter(|l| l.source_kind != "confirmation")
            .collect();
        let minutes: f64 = lines.iter().map(|l| l.minutes).sum();
        Ok(ConfirmationView {
            unit: actor.unit.short_name.clone(),
            month: m.to_string(),
            ledger_hours: (minutes / 6.0).round() / 10.0,
            lines,
            previous: self.db.confirmation(unit, m.key()).await?,
        })
    }

    /// Saves a point's confirmation of month `m`; a second one is an edit
    /// kept with history. Returns the version.
    pub async fn confirm_month(
        &self,
        actor: &CurrentUser,
        m: Month,
        form: &ConfirmationForm,
        ip: Option<String>,
    ) -> Result<i64> {
        let unit = self.own_point(actor, ip.clone()).await?;
        let this_month = Month::of(crate::today());
        if m > this_month {
            return Err(AppError::Invalid(format!("月份 {m} 还没有到，不能确认")));
        }
        // A point confirms the month just past (or a late one); rewriting
        // last year's months would move the baseline every comparison
        // and the annual report rest on.
        let earliest = this_month.plus(-(CONFIRM_WINDOW_MONTHS - 1));
        if m < earliest {
            return Err(AppError::Invalid(format!(
                "月份 {m} 已超过可确认的期限：只能确认 {earliest} 至 {this_month} 的月份"
            )));
        }
        for (field, v) in [
            ("临时通知的会议", form.unannounced_meetings),
            ("临时通知的检查", form.unannounced_inspections),
            ("微信群布置的事项", form.wechat_demands),
            ("要求的留痕照片", form.photo_requests),
        ] {
            if !(0..=10_000).contains(&v) {
                return Err(AppError::Invalid(format!(
                    "“{field}”应为 0 到 10000 之间的次数，现为 {v}"
                )));
            }
        }
        for (field, v) in [
            ("以上事项用时", form.hidden_hours),
            ("本月估计工时", form.estimate_hours),
        ] {
            if !(0.0..=744.0).contains(&v) || v.is_nan() {
                return Err(AppError::Invalid(format!(
                    "“{field}”应为 0 到 744 之间的小时数，现为 {v}"
                )));
            }
        }
        if form.note.chars().count() > 2000 {
            return Err(AppError::Invalid("“说明”不能超过 2000 字".into()));
        }
        let view = self.confirmation_view(actor, m, ip.clone()).await?;
        let mut tx = self.db.begin().await?;
        let version = jianfu_store::Db::put_confirmation_tx(
            &mut tx,
            &NewConfirmation {
                unit_id: unit,
                month: m.key(),
                unannounced_meetings: form.unannounced_meetings,
                unannounced_inspections: form.unannounced_inspections,
                wechat_demands: form.wechat_demands,
                photo_requests: form.photo_requests,
                hidden_minutes: form.hidden_hours * 60.0,
                estimate_hours: form.estimate_hours,
                note: form.note.trim().to_string(),
                ledger_minutes: view.ledger_hours * 60.0,
                // The screen is meant to take minutes; an open tab all
                // afternoon is not the point's work.
                active_ms: form.active_ms.clamp(0, 30 * 60_000),
                confirmed_by: actor.id,
            },
        )
        .await?;
        tx.commit().await.map_err(jianfu_store::StoreError::from)?;
        self.refresh_ledger(super::LedgerSource::Confirmation(unit, m.key()))
            .await?;
        self.audit(
            Some(actor),
            "point.confirm",
            Some(format!("unit:{unit}")),
            "ok",
            Some(format!("确认 {m} 负担台账（第 {version} 版）")),
            ip,
        )
        .await?;
        Ok(version)
    }
}

pub fn warning_status_label(s: &str) -> &'static str {
    match s {
        "open" => "识别",
        "assigned" => "整治中",
        "answered" => "已反馈",
        "closed" => "已优化办结",
        _ => "未知",
    }
}
