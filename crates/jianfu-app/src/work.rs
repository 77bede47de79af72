//! What one person has to do next, for their home page: the tasks due or
//! returned, the requests to review, the submissions to check, each with
//! its deadline and a link. It lists work, never counts of other people's
//! work, and never ranks communities or workers (the five don'ts).

use crate::{App, CurrentUser, Result};
use jianfu_core::role::Role;
use serde::Serialize;

/// One thing to do, or to wait for.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NextStep {
    /// What kind of step it is; the page words it (`task_returned`,
    /// `task_fill`, `task_none`, `task_waiting`, `report_draft`, `report_publish`,
    /// `review_tasks`, `admission_returned`, `admission_waiting`,
    /// `admission_review`, `admission_escalated`, `township_report`).
    pub kind: &'static str,
    pub title: String,
    /// The community or department it concerns, where that is not the
    /// reader's own.
    pub unit: Option<String>,
    /// The stored status, as the record has it.
    pub status: String,
    /// The deadline (YYYY-MM-DD), where there is one.
    pub due: Option<String>,
    pub overdue: bool,
    pub href: String,
    /// Cells still empty (a task), submissions waiting (a report),
    /// communities not yet submitted (a township's report).
    pub count: Option<i64>,
    /// The reviewer's comment on a returned task or request.
    pub comment: Option<String>,
}

/// Steps that need the reader first, then by deadline.
fn order(steps: &mut [NextStep]) {
    fn weight(kind: &str) -> u8 {
        match kind {
            "task_returned" | "admission_returned" => 0,
            "task_fill" | "task_none" | "admission_review" | "review_tasks" | "report_publish" => 1,
            "warning_answer" | "warning_close" | "point_confirm" => 1,
            "bad_ratings" | "bad_appeals" => 1,
            "report_draft" | "township_report" | "admission_escalated" | "warnings_open" => 2,
            "survey_answer" => 2,
            _ => 3,
        }
    }
    steps.sort_by(|a, b| {
        (weight(a.kind), a.due.is_none(), &a.due).cmp(&(weight(b.kind), b.due.is_none(), &b.due))
    });
}

/// A warning's title with the month it concerns: two cases of one rule
/// and department differ by their month.
fn warning_title(w: &jianfu_store::WarningRow) -> String {
    match jianfu_core::monitoring::Month::from_key(w.month) {
        Some(m) => format!("{} · {m}", w.title),
        None => w.title.clone(),
    }
}

/// A step with only its kind, title and link; the rest added where known.
fn step(kind: &'static str, title: String, href: String) -> NextStep {
    NextStep {
        kind,
        title,
        unit: None,
        status: String::new(),
        due: None,
        overdue: false,
        href,
        count: None,
        comment: None,
    }
}

fn overdue(due: &str, today: &str) -> bool {
    !due.is_empty() && due < today
}

impl App {
    pub async fn next_steps(&self, actor: &CurrentUser) -> Result<Vec<NextStep>> {
        let today = crate::today().to_string();
        let mut steps = Vec::new();
        match actor.role {
            Role::Community | Role::Grid => {
                for t in self.tasks_for(actor).await? {
                    let kind = match t.status.as_str() {
                        "退回" => "task_returned",
                        // Nobody in the register matches: one click says so.
                        "未开始" | "填报中" if t.cells_total == 0 => "task_none",
                        "未开始" | "填报中" => "task_fill",
                        "已提交" => "task_waiting",
                        _ => continue,
                    };
                    let gaps = (t.cells_total - t.cells_prefilled - t.cells_typed).max(0);
                    steps.push(NextStep {
                        kind,
                        overdue: kind != "task_waiting" && overdue(&t.report_deadline, &today),
                        title: format!("{}（{}）", t.report_title, t.report_period),
                        unit: (actor.role == Role::Grid).then(|| t.unit_name.clone()),
                        status: t.status,
                        due: Some(t.report_deadline).filter(|d| !d.is_empty()),
                        href: format!("/tasks/{}", t.id),
                        count: Some(gaps),
                        comment: t.review_comment.filter(|_| kind == "task_returned"),
                    });
                }
            }
            Role::Township => {
                // Per report, how many of its communities have not yet
                // submitted: a count, never a list of who is behind.
                let mut by_report: std::collections::BTreeMap<i64, NextStep> = Default::default();
                for t in self.tasks_for(actor).await? {
                    let open = matches!(t.status.as_str(), "未开始" | "填报中" | "退回");
                    let step = by_report.entry(t.report_id).or_insert_with(|| NextStep {
                        kind: "township_report",
                        title: format!("{}（{}）", t.report_title, t.report_period),
                        unit: None,
                        status: String::new(),
                        overdue: false,
                        due: Some(t.report_deadline.clone()).filter(|d| !d.is_empty()),
                        href: format!("/reports/{}", t.report_id),
                        count: Some(0),
                        comment: None,
                    });
                    if open {
                        step.count = step.count.map(|n| n + 1);
                        step.overdue |= overdue(&t.report_deadline, &today);
                    }
                }
                steps.extend(by_report.into_values().filter(|s| s.count > Some(0)));
            }
            Role::Department => {
                for r in self.reports_for(actor).await? {
                    if r.status == "草稿" {
                        let admitted = self.db.admission_of_report(r.id, &today).await?.is_some();
                        // Under review, the request's own step says so.
                        if !admitted && self.db.report_has_live_admission(r.id).await? {
                            continue;
                        }
                        steps.push(NextStep {
                            kind: if admitted {
                                "report_publish"
                            } else {
                                "report_draft"
                            },
                            title: r.title.clone(),
                            unit: None,
                            status: r.status.clone(),
                            due: Some(r.deadline.clone()).filter(|d| !d.is_empty()),
                            overdue: false,
                            href: format!("/reports/{}", r.id),
                            count: None,
                            comment: None,
                        });
                        continue;
                    }
                    let waiting = self
                        .db
                        .tasks_of_report(r.id)
                        .await?
                        .iter()
                        .filter(|t| t.status == "已提交")
                        .count() as i64;
                    if waiting > 0 {
                        steps.push(NextStep {
                            kind: "review_tasks",
                            title: format!("{}（{}）", r.title, r.period),
                            unit: None,
                            status: r.status.clone(),
                            due: Some(r.deadline.clone()).filter(|d| !d.is_empty()),
                            overdue: false,
                            href: format!("/reports/{}", r.id),
                            count: Some(waiting),
                            comment: None,
                        });
                    }
                }
                for a in self.list_admissions(actor, false).await? {
                    let kind = match a.status.as_str() {
                        "returned" | "draft" => "admission_returned",
                        "submitted" | "escalated" => "admission_waiting",
                        _ => continue,
                    };
                    steps.push(NextStep {
                        kind,
                        title: a.title,
                        unit: None,
                        status: a.status,
                        due: None,
                        overdue: false,
                        href: format!("/admissions/{}", a.id),
                        count: None,
                        comment: None,
                    });
                }
            }
            Role::Jianfuban => {
                let county = self.is_county_reviewer(actor).await?;
                for a in self.list_admissions(actor, true).await? {
                    // An escalated request waits for the county level: the
                    // office sees it, but it is not the office's to decide.
                    let kind = if a.status == "escalated" && !county {
                        "admission_escalated"
                    } else {
                        "admission_review"
                    };
                    steps.push(NextStep {
                        kind,
                        title: a.title,
                        unit: Some(a.department),
                        status: a.status,
                        due: None,
                        overdue: false,
                        href: format!("/admissions/{}", a.id),
                        count: None,
                        comment: None,
                    });
                }
            }
            Role::Admin => {}
        }
        steps.extend(self.monitoring_steps(actor, &today).await?);
        steps.extend(self.direct_report_steps(actor, &today).await?);
        steps.extend(self.evaluation_steps(actor, &today).await?);
        order(&mut steps);
        Ok(steps)
    }

    /// 直报: a department answers what was assigned to it (overdue in red);
    /// the office triages, closes, and chases what is overdue.
    async fn direct_report_steps(&self, actor: &CurrentUser, today: &str) -> Result<Vec<NextStep>> {
        use jianfu_core::direct_report::Category;
        let mut steps = Vec::new();
        match actor.role {
            Role::Department => {
                for r in self.db.direct_reports(Some(actor.unit.id)).await? {
                    if r.status != "assigned" {
                        continue;
                    }
                    let due = r.due_on.clone().unwrap_or_default();
                    let category = Category::from_code(&r.category).unwrap_or(Category::Other);
                    steps.push(NextStep {
                        overdue: overdue(&due, today),
                        due: r.due_on.clone(),
                        status: r.status.clone(),
                        comment: r.assign_note.clone().filter(|n| !n.is_empty()),
                        ..step(
                            "direct_answer",
                            format!("{} · {}", r.id, category.label_zh()),
                            format!("/zhibao/{}", r.id),
                        )
                    });
                }
            }
            Role::Jianfuban => {
                let all = self.db.direct_reports(None).await?;
                let count = |f: &dyn Fn(&jianfu_store::DirectReportRow) -> bool| {
                    all.iter().filter(|r| f(r)).count() as i64
                };
                for (kind, n, href, late) in [
                    (
                        "direct_triage",
                        count(&|r| r.status == "received"),
                        "/zhibao?status=received",
                        false,
                    ),
                    (
                        // Accepted and not yet assigned; a reopened report
                        // comes back here.
                        "direct_assign",
                        count(&|r| r.status == "accepted"),
                        "/zhibao?status=accepted",
                        false,
                    ),
                    (
                        "direct_close",
                        count(&|r| r.status == "answered"),
                        "/zhibao?status=answered",
                        false,
                    ),
                    (
                        "direct_overdue",
                        count(&|r| {
                            r.status == "assigned"
                                && r.due_on.as_deref().is_some_and(|d| overdue(d, today))
                        }),
                        "/zhibao?status=overdue",
                        true,
                    ),
                ] {
                    if n > 0 {
                        steps.push(NextStep {
                            count: Some(n),
                            overdue: late,
                            ..step(kind, String::new(), href.into())
                        });
                    }
                }
            }
            _ => {}
        }
        Ok(steps)
    }

    /// 评价's steps. A rater sees the open rounds it still has to answer:
    /// the reminder reads only the rater's own participation, so it names
    /// nobody to anyone else. A township handles its windows' bad ratings
    /// (overdue in red); the office decides appeals.
    async fn evaluation_steps(&self, actor: &CurrentUser, today: &str) -> Result<Vec<NextStep>> {
        let mut steps = Vec::new();
        if actor.role.is_grassroots() {
            for round in self.survey_rounds(actor).await? {
                if round.state != crate::survey::RoundState::Open {
                    continue;
                }
                let form = self.rater_round(actor, round.id).await?;
                if form.remaining == 0 {
                    continue;
                }
                steps.push(NextStep {
                    due: Some(round.closes_on.clone()),
                    // A reverse assessment has one form per department.
                    count: round.is_reverse().then_some(form.remaining as i64),
                    ..step(
                        "survey_answer",
                        round.title.clone(),
                        format!("/pingjia/{}", round.id),
                    )
                });
            }
        }
        let pending = |statuses: &[&str], rows: &[jianfu_store::BadRatingRow]| {
            let open: Vec<&jianfu_store::BadRatingRow> = rows
                .iter()
                .filter(|r| statuses.contains(&r.status.as_str()))
                .collect();
            let first_due = open.iter().map(|r| r.due_on.clone()).min();
            (open.len() as i64, first_due)
        };
        let (kind, statuses, scope, href): (&'static str, &[&str], Option<i64>, &str) =
            match actor.role {
                Role::Township => (
                    "bad_ratings",
                    &["open", "called_back"],
                    Some(actor.unit.id),
                    "/haochaping?status=pending#bad-card",
                ),
                Role::Jianfuban => (
                    "bad_appeals",
                    &["appealed"],
                    None,
                    "/haochaping?status=appealed#bad-card",
                ),
                _ => return Ok(steps),
            };
        let rows = self.db.bad_ratings(scope).await?;
        let (n, first_due) = pending(statuses, &rows);
        if n > 0 {
            // An appeal waits on the office, which has no deadline of its
            // own here; a township's bad ratings have one each.
            let due = first_due.filter(|_| kind == "bad_ratings");
            steps.push(NextStep {
                count: Some(n),
                overdue: due.as_deref().is_some_and(|d| overdue(d, today)),
                due,
                ..step(kind, String::new(), href.into())
            });
        }
        Ok(steps)
    }

    /// 监测's steps: a department answers the warnings assigned to it; the
    /// office closes the answered ones and assigns the new; a monitoring
    /// point confirms the month just past.
    async fn monitoring_steps(&self, actor: &CurrentUser, today: &str) -> Result<Vec<NextStep>> {
        let mut steps = Vec::new();
        match actor.role {
            Role::Department => {
                for w in self.db.warnings(Some(actor.unit.id)).await? {
                    if w.status == "assigned" {
                        let due = w.due.clone().unwrap_or_default();
                        steps.push(NextStep {
                            overdue: overdue(&due, today),
                            due: w.due.clone(),
                            status: w.status.clone(),
                            comment: w.assign_note.clone().filter(|n| !n.is_empty()),
                            ..step(
                                "warning_answer",
                                warning_title(&w),
                                format!("/monitoring/warnings/{}", w.id),
                            )
                        });
                    }
                }
            }
            Role::Jianfuban => {
                let all = self.db.warnings(None).await?;
                for w in all.iter().filter(|w| w.status == "answered") {
                    steps.push(NextStep {
                        unit: w.department.clone(),
                        status: w.status.clone(),
                        ..step(
                            "warning_close",
                            warning_title(w),
                            format!("/monitoring/warnings/{}", w.id),
                        )
                    });
                }
                let open = all.iter().filter(|w| w.status == "open").count() as i64;
                if open > 0 {
                    steps.push(NextStep {
                        count: Some(open),
                        ..step(
                            "warnings_open",
                            String::new(),
                            "/monitoring/warnings?status=open".into(),
                        )
                    });
                }
            }
            Role::Community | Role::Township => {
                let active = self
                    .db
                    .point(actor.unit.id)
                    .await?
                    .is_some_and(|p| p.active != 0);
                let last = jianfu_core::monitoring::Month::of(crate::today()).plus(-1);
                if active
                    && self
                        .db
                        .confirmation(actor.unit.id, last.key())
                        .await?
                        .is_none()
                {
                    steps.push(step(
                        "point_confirm",
                        last.to_string(),
                        format!("/monitoring/confirm?month={last}"),
                    ));
                }
            }
            _ => {}
        }
        Ok(steps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(kind: &'static str, due: Option<&str>) -> NextStep {
        NextStep {
            kind,
            title: kind.into(),
            unit: None,
            status: String::new(),
            due: due.map(str::to_string),
            overdue: false,
            href: String::new(),
            count: None,
            comment: None,
        }
    }

    #[test]
    fn returned_work_comes_first_then_the_nearest_deadline() {
        let mut steps = vec![
            step("task_waiting", Some("2026-12-01")),
            step("task_fill", None),
            step("task_fill", Some("2026-12-20")),
            step("task_returned", Some("2026-12-31")),
            step("task_fill", Some("2026-12-10")),
        ];
        order(&mut steps);
        let seen: Vec<_> = steps.iter().map(|s| (s.kind, s.due.as_deref())).collect();
        assert_eq!(
            seen,
            vec![
                ("task_returned", Some("2026-12-31")),
                ("task_fill", Some("2026-12-10")),
                ("task_fill", Some("2026-12-20")),
                ("task_fill", None),
                ("task_waiting", Some("2026-12-01")),
            ]
        );
        assert!(overdue("2026-11-30", "2026-12-01"));
        assert!(!overdue("2026-12-01", "2026-12-01"));
        assert!(!overdue("", "2026-12-01"));
    }
}
