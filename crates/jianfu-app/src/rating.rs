//! 好差评 as services: a community's window records a service it handled
//! and hands the resident a link (and its QR code); the resident rates it
//! once, without an account; a bad rating becomes a case for the window's
//! township to call back and settle within the working days in settings,
//! with an appeal decided by the 减负办; the public page counts it all.
//!
//! The window never reads which case got which rating: its list says only
//! whether a case was rated, and a bad one reaches it once settled.

use crate::{App, AppError, CurrentUser, Result};
use jianfu_core::rating::{self as rules, BadStatus, BadStep, RatingInput};
use jianfu_core::role::Role;
use jianfu_store::{
    BadChange, BadRatingRow, NewRating, NewServiceCase, RatingCount, ServiceCaseRow,
};
use serde::Serialize;

/// A case as the window sees it.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub id: i64,
    pub service: String,
    pub service_label: &'static str,
    pub case_no: String,
    pub recorded_on: String,
    pub rated: bool,
    /// The path of the rating link, for the QR code.
    pub link: String,
}

impl CaseView {
    fn from_row(r: ServiceCaseRow) -> Self {
        CaseView {
            service_label: rules::service_label(&r.service).unwrap_or("其他服务"),
            link: format!("/pj/{}", r.token),
            id: r.id,
            service: r.service,
            case_no: r.case_no,
            recorded_on: r.recorded_on,
            rated: r.rated != 0,
        }
    }
}

/// What the resident sees before rating: the service, never a name.
#[derive(Debug, Clone, Serialize)]
pub struct RatingForm {
    pub service: String,
    pub service_label: &'static str,
    pub community: String,
    pub recorded_on: String,
    pub rated: bool,
}

/// A bad rating as its handlers read it.
#[derive(Debug, Clone, Serialize)]
pub struct BadView {
    #[serde(flatten)]
    pub row: BadRatingRow,
    pub service_label: &'static str,
    pub level_label: &'static str,
    pub status_label: &'static str,
    pub overdue: bool,
    /// The anti-gaming flags, one by one.
    pub flag_list: Vec<String>,
}

/// Public figures: per service, per township, and what was settled.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub by_service: Vec<CountView>,
    pub by_township: Vec<CountView>,
    pub settled: Vec<SettledView>,
    pub total: i64,
    pub satisfied_pct: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CountView {
    /// The service's code (by service) or the township's id.
    pub key: String,
    pub name: String,
    pub total: i64,
    pub satisfied_pct: Option<f64>,
    pub bad: i64,
    pub settled: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SettledView {
    pub service: String,
    pub service_label: &'static str,
    pub township: String,
    pub outcome: String,
    pub outcome_note: String,
    pub closed_on: String,
}

fn count_view(c: RatingCount, by_service: bool) -> CountView {
    CountView {
        key: c.key.clone(),
        name: if by_service {
            rules::service_label(&c.key)
                .unwrap_or("其他服务")
                .to_string()
        } else {
            c.name
        },
        satisfied_pct: rules::satisfied_share(c.satisfied, c.total),
        total: c.total,
        bad: c.bad,
        settled: c.settled,
    }
}

fn random_token() -> String {
    use rand::RngCore;
    let mut b = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl App {
    /// The window's community (a grid worker's too) and its township.
    async fn window_of(&self, actor: &CurrentUser) -> Result<(i64, i64)> {
        if !matches!(actor.role, Role::Community | Role::Grid) {
            return Err(AppError::Forbidden(
                "只有村（社区）便民服务窗口登记和查看办件".into(),
            ));
        }
        let (township, community) = self.places_of(actor).await?;
        let community = community
            .ok_or_else(|| AppError::Forbidden("只有村（社区）便民服务窗口登记服务事项".into()))?;
        Ok((community, township))
    }

    /// The window records a service it handled: the resident gets the
    /// rating link. A case number is the window's own and is kept once.
    pub async fn record_service_case(
        &self,
        actor: &CurrentUser,
        service: &str,
        case_no: &str,
        ip: Option<String>,
    ) -> Result<CaseView> {
        if !matches!(actor.role, Role::Community | Role::Grid) {
            return Err(self
                .deny(
                    actor,
                    "service_cases",
                    "只有村（社区）便民服务窗口登记服务事项",
                    ip,
                )
                .await);
        }
        let (community, township) = self.window_of(actor).await?;
        if rules::service_label(service).is_none() {
            return Err(AppError::Invalid(format!(
                "请从清单中选择服务事项，而不是“{}”",
                service.chars().take(30).collect::<String>()
            )));
        }
        let case_no = case_no.trim();
        if jianfu_core::text::is_blank(case_no) || case_no.chars().count() > 40 {
            return Err(AppError::Invalid("请填写办件编号（最多 40 字）".into()));
        }
        let token = random_token();
        let id = self
            .db
            .add_service_case(&NewServiceCase {
                community_id: community,
                township_id: Some(township),
                service,
                case_no,
                token: &token,
                recorded_on: &crate::today().to_string(),
                recorded_ms: jianfu_store::now_ms(),
                recorded_by: Some(actor.id),
            })
            .await?
            .ok_or_else(|| AppError::Invalid(format!("办件编号“{case_no}”已经登记过")))?;
        let row = self
            .db
            .service_case(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("办件 {id}")))?;
        Ok(CaseView::from_row(row))
    }

    /// The window's recent cases: rated or not, never how.
    pub async fn window_cases(&self, actor: &CurrentUser) -> Result<Vec<CaseView>> {
        let (community, _) = self.window_of(actor).await?;
        // Not even whether a case was rated: watched against the public
        // figures, the moment a case turns "rated" would tell the window
        // which resident gave which rating.
        Ok(self
            .db
            .service_cases_of(community, 200)
            .await?
            .into_iter()
            .map(|r| CaseView {
                rated: false,
                ..CaseView::from_row(r)
            })
            .collect())
    }

    /// One of the window's cases, for its QR code.
    pub async fn window_case(
        &self,
        actor: &CurrentUser,
        id: i64,
        ip: Option<String>,
    ) -> Result<CaseView> {
        let (community, _) = self.window_of(actor).await?;
        let row = self
            .db
            .service_case(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("办件 {id}")))?;
        if row.community_id != community {
            return Err(self
                .deny(
                    actor,
                    &format!("service_case:{id}"),
                    "只能查看本窗口登记的办件",
                    ip,
                )
                .await);
        }
        Ok(CaseView::from_row(row))
    }

    async fn case_by_token(&self, token: &str) -> Result<ServiceCaseRow> {
        let t = token.trim();
        let well_formed = t.len() == 24 && t.chars().all(|c| c.is_ascii_hexdigit());
        let found = if well_formed {
            self.db.service_case_by_token(t).await?
        } else {
            None
        };
        found.ok_or_else(|| {
            AppError::NotFound("评价链接：链接不完整或已失效，请向办事窗口重新索取".into())
        })
    }

    pub async fn rating_form(&self, token: &str) -> Result<RatingForm> {
        let c = self.case_by_token(token).await?;
        Ok(RatingForm {
            service_label: rules::service_label(&c.service).unwrap_or("其他服务"),
            service: c.service,
            community: c.community,
            recorded_on: c.recorded_on,
            rated: c.rated != 0,
        })
    }

    /// A resident rates a case, once. `burst` is the web layer's word that
    /// this address sent many ratings in minutes (the address is never
    /// passed here); a rating seconds after the case was recorded is
    /// flagged as possibly prompted. Flags are shown to the office, they
    /// refuse nothing.
    pub async fn rate_service(&self, token: &str, input: RatingInput, burst: bool) -> Result<bool> {
        let c = self.case_by_token(token).await?;
        if c.rated != 0 {
            return Err(AppError::Invalid(
                "这次服务已经评价过了：每次服务只评价一次".into(),
            ));
        }
        rules::check_rating(&input).map_err(AppError::Invalid)?;
        let level = input.level.unwrap_or(3);
        let mut flags = Vec::new();
        if burst {
            flags.push("burst");
        }
        if jianfu_store::now_ms() - c.recorded_ms < rules::PROMPTED_SECONDS * 1000 {
            flags.push("prompted");
        }
        let today = crate::today();
        let bad = rules::is_bad(level);
        let due = if bad {
            let s = self.monitoring_settings().await?;
            Some(
                s.calendar()
                    .add_working_days(today, s.bad_rating_working_days)
                    .to_string(),
            )
        } else {
            None
        };
        let comment = input.comment.trim();
        let took = self
            .db
            .add_rating(&NewRating {
                case_id: c.id,
                level,
                efficiency: input.efficiency,
                quality: input.quality,
                attitude: input.attitude,
                comment: (!comment.is_empty()).then_some(comment),
                rated_on: &today.to_string(),
                flags: &flags.join(","),
                bad_due_on: due.as_deref(),
            })
            .await?;
        if !took {
            return Err(AppError::Invalid(
                "这次服务已经评价过了：每次服务只评价一次".into(),
            ));
        }
        Ok(bad)
    }

    fn bad_view(&self, row: BadRatingRow) -> BadView {
        let status = BadStatus::from_code(&row.status).unwrap_or(BadStatus::Open);
        // An appeal waits on the office, not on the township.
        let overdue = matches!(status, BadStatus::Open | BadStatus::CalledBack)
            && chrono::NaiveDate::parse_from_str(&row.due_on, "%Y-%m-%d")
                .is_ok_and(|d| crate::today() > d);
        BadView {
            service_label: rules::service_label(&row.service).unwrap_or("其他服务"),
            level_label: rules::level_label(row.level),
            status_label: status.label_zh(),
            overdue,
            flag_list: row
                .flags
                .split(',')
                .filter(|f| !f.is_empty())
                .map(str::to_string)
                .collect(),
            row,
        }
    }

    /// Bad ratings as `actor` may read them: the office all; a township
    /// its windows'; a window its own, once settled.
    pub async fn bad_ratings_for(
        &self,
        actor: &CurrentUser,
        ip: Option<String>,
    ) -> Result<Vec<BadView>> {
        let rows = match actor.role {
            Role::Jianfuban => self.db.bad_ratings(None).await?,
            Role::Township => self.db.bad_ratings(Some(actor.unit.id)).await?,
            Role::Community | Role::Grid => {
                let (community, township) = self.window_of(actor).await?;
                // Settled ones only, and without what ties a rating to a
                // resident the window served: its case number, words,
                // sub-scores and flags.
                self.db
                    .bad_ratings(Some(township))
                    .await?
                    .into_iter()
                    .filter(|r| r.community_id == community && r.status == "closed")
                    .map(|mut r| {
                        r.case_no = String::new();
                        r.comment = None;
                        r.efficiency = None;
                        r.quality = None;
                        r.attitude = None;
                        r.flags = String::new();
                        r.callback_note = None;
                        r.appeal_reason = None;
                        r.rated_on = r.rated_on.get(..7).unwrap_or_default().to_string();
                        r
                    })
                    .collect()
            }
            _ => {
                return Err(self
                    .deny(actor, "bad_ratings", "差评由街镇办理、减负办督办", ip)
                    .await)
            }
        };
        Ok(rows.into_iter().map(|r| self.bad_view(r)).collect())
    }

    /// A step on a bad rating: the township calls back, rectifies,
    /// explains or appeals; the office decides an appeal.
    pub async fn bad_rating_step(
        &self,
        actor: &CurrentUser,
        case_id: i64,
        action: &str,
        note: &str,
        ip: Option<String>,
    ) -> Result<BadView> {
        let row = self
            .db
            .bad_rating(case_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("差评 {case_id}")))?;
        let step = match action {
            "callback" => BadStep::CallBack,
            "rectify" => BadStep::Rectify,
            "explain" => BadStep::Explain,
            "appeal" => BadStep::Appeal,
            "uphold" => BadStep::Uphold,
            "reject" => BadStep::Reject,
            other => {
                return Err(AppError::Invalid(format!(
                    "没有“{}”这一步",
                    other.chars().take(20).collect::<String>()
                )))
            }
        };
        let office_step = matches!(step, BadStep::Uphold | BadStep::Reject);
        let allowed = if office_step {
            actor.role == Role::Jianfuban
        } else {
            actor.role == Role::Township && row.township_id == Some(actor.unit.id)
        };
        if !allowed {
            let why = if office_step {
                "申诉由减负办裁定，不由被评价的单位裁定"
            } else {
                "差评由窗口所在街镇回访和办理"
            };
            return Err(self
                .deny(actor, &format!("bad_rating:{case_id}"), why, ip)
                .await);
        }
        let from = BadStatus::from_code(&row.status).unwrap_or(BadStatus::Open);
        let to = rules::next(from, step).map_err(AppError::Invalid)?;
        if step == BadStep::Appeal && row.appeal_reason.is_some() {
            return Err(AppError::Invalid(
                "这条差评已申诉过一次，减负办未予支持：请整改或说明".into(),
            ));
        }
        let note = note.trim();
        if jianfu_core::text::is_blank(note) {
            let what = match step {
                BadStep::CallBack => "回访情况",
                BadStep::Rectify => "整改情况",
                BadStep::Explain => "情况说明",
                BadStep::Appeal => "申诉理由",
                BadStep::Uphold | BadStep::Reject => "裁定意见",
            };
            return Err(AppError::Invalid(format!("请填写“{what}”")));
        }
        if note.chars().count() > 2000 {
            return Err(AppError::Invalid("说明不能超过 2000 字".into()));
        }
        let day = crate::today().to_string();
        let change = BadChange {
            from: &[from.code()],
            to: to.code(),
            callback_note: (step == BadStep::CallBack).then_some(note),
            outcome: match step {
                BadStep::Rectify => Some("rectified"),
                BadStep::Explain => Some("explained"),
                BadStep::Uphold => Some("malicious"),
                _ => None,
            },
            outcome_note: matches!(step, BadStep::Rectify | BadStep::Explain).then_some(note),
            appeal_reason: (step == BadStep::Appeal).then_some(note),
            decision_note: office_step.then_some(note),
            day: &day,
            exclude_rating: step == BadStep::Uphold,
        };
        if !self.db.change_bad_rating(case_id, &change).await? {
            return Err(AppError::Invalid(
                "这条差评刚被他人办理过，请刷新后再看".into(),
            ));
        }
        self.audit(
            Some(actor),
            &format!("rating.{action}"),
            Some(format!("bad_rating:{case_id}")),
            "ok",
            Some(format!("{} → {}", from.label_zh(), to.label_zh())),
            ip,
        )
        .await?;
        let row = self
            .db
            .bad_rating(case_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("差评 {case_id}")))?;
        Ok(self.bad_view(row))
    }

    /// Flagged ratings per window, for the office: possibly prompted or
    /// sent in a burst, good ones included.
    pub async fn flagged_ratings(
        &self,
        actor: &CurrentUser,
    ) -> Result<Vec<jianfu_store::FlaggedCount>> {
        if actor.role != Role::Jianfuban {
            return Ok(Vec::new());
        }
        Ok(self.db.flagged_ratings_by_community().await?)
    }

    /// The public figures: counts and the share satisfied per service and
    /// per township, and the rectifications.
    pub async fn rating_overview(&self) -> Result<Overview> {
        // Up to yesterday: figures that moved with each rating would let a
        // window watch its own cases being rated.
        let today = crate::today().to_string();
        let by_service: Vec<CountView> = self
            .db
            .rating_counts(false, &today)
            .await?
            .into_iter()
            .map(|c| count_view(c, true))
            .collect();
        let by_township = self
            .db
            .rating_counts(true, &today)
            .await?
            .into_iter()
            .map(|c| count_view(c, false))
            .collect();
        let total: i64 = by_service.iter().map(|c| c.total).sum();
        let satisfied: i64 = self
            .db
            .rating_counts(false, &today)
            .await?
            .iter()
            .map(|c| c.satisfied)
            .sum();
        let settled = self
            .db
            .settled_bad_ratings(50)
            .await?
            .into_iter()
            .map(|r| SettledView {
                service_label: rules::service_label(&r.service).unwrap_or("其他服务"),
                service: r.service.clone(),
                township: r.township.unwrap_or_default(),
                outcome: r.outcome.unwrap_or_default(),
                // Published: a phone or ID number typed into a note is
                // masked, as everywhere else.
                outcome_note: jianfu_core::mask::digit_runs(&r.outcome_note.unwrap_or_default()),
                closed_on: r.closed_on.unwrap_or_default(),
            })
            .collect();
        Ok(Overview {
            by_service,
            by_township,
            settled,
            total,
            satisfied_pct: rules::satisfied_share(satisfied, total),
        })
    }
}
