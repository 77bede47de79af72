//! The burden ledger (负担台账): what reached community X in month M, from
//! whom, and what it cost in minutes. Every entry is computed from
//! something the system holds and says where it came from, so a figure on
//! a dashboard can be traced to an admission, a task or a report by the
//! community; nothing here is typed twice.
//!
//! Minutes follow the Standard Cost Model of the 准入 estimate: an
//! admitted demand costs each target community the estimate's minutes per
//! occurrence, placed in the month it happens (a meeting's date, an
//! inspection's first day, a document's or task's arrival), or spread over
//! the months it lasts (an app, certificates). A report task costs what was
//! measured while it was filled (active editing time), or its estimate
//! until then.

use super::month::Month;
use crate::admission::Details;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What kind of burden an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BurdenKind {
    Report,
    Meeting,
    Inspection,
    Document,
    Task,
    App,
    Plaque,
    Certificate,
    /// A demand that arrived without a 准入编号 (flagged by the community).
    Unnumbered,
    /// Burden only the community knows: unannounced meetings and
    /// inspections, WeChat-group demands, 留痕 photos (a monitoring point's
    /// confirmation, a direct report).
    Hidden,
    /// The monitoring point's own monthly confirmation: jianfu counts
    /// itself as burden too.
    Confirmation,
}

impl BurdenKind {
    pub const ALL: [BurdenKind; 11] = [
        BurdenKind::Report,
        BurdenKind::Meeting,
        BurdenKind::Inspection,
        BurdenKind::Document,
        BurdenKind::Task,
        BurdenKind::App,
        BurdenKind::Plaque,
        BurdenKind::Certificate,
        BurdenKind::Unnumbered,
        BurdenKind::Hidden,
        BurdenKind::Confirmation,
    ];

    pub fn code(self) -> &'static str {
        match self {
            BurdenKind::Report => "report",
            BurdenKind::Meeting => "meeting",
            BurdenKind::Inspection => "inspection",
            BurdenKind::Document => "document",
            BurdenKind::Task => "task",
            BurdenKind::App => "app",
            BurdenKind::Plaque => "plaque",
            BurdenKind::Certificate => "certificate",
            BurdenKind::Unnumbered => "unnumbered",
            BurdenKind::Hidden => "hidden",
            BurdenKind::Confirmation => "confirmation",
        }
    }

    pub fn from_code(s: &str) -> Option<BurdenKind> {
        BurdenKind::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            BurdenKind::Report => "报表",
            BurdenKind::Meeting => "会议",
            BurdenKind::Inspection => "督查检查考核",
            BurdenKind::Document => "文件",
            BurdenKind::Task => "工作任务",
            BurdenKind::App => "政务APP/工作群",
            BurdenKind::Plaque => "挂牌",
            BurdenKind::Certificate => "证明事项",
            BurdenKind::Unnumbered => "无准入编号的事项",
            BurdenKind::Hidden => "隐性负担（基层报告）",
            BurdenKind::Confirmation => "监测点月度确认",
        }
    }
}

/// Where a figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    /// Measured by jianfu (active editing time of a filled task).
    Measured,
    /// The 准入 estimate (Standard Cost Model).
    Estimated,
    /// Reported by the community (a flag, a confirmation, a direct report).
    Reported,
}

impl Provenance {
    pub fn code(self) -> &'static str {
        match self {
            Provenance::Measured => "measured",
            Provenance::Estimated => "estimated",
            Provenance::Reported => "reported",
        }
    }

    pub fn from_code(s: &str) -> Option<Provenance> {
        [
            Provenance::Measured,
            Provenance::Estimated,
            Provenance::Reported,
        ]
        .into_iter()
        .find(|p| p.code() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Provenance::Measured => "实测",
            Provenance::Estimated => "测算",
            Provenance::Reported => "基层报告",
        }
    }
}

/// The record an entry was computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    /// `admission`, `task`, `flag`, `confirmation`, `direct_report`.
    pub kind: String,
    pub id: i64,
    /// What a reader recognises: the 准入编号 and title, the report's title.
    pub label: String,
}

/// One line of the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// The community (or township) the burden reached.
    pub unit_id: i64,
    pub month: Month,
    /// The department that caused it, when known.
    pub department_id: Option<i64>,
    pub kind: BurdenKind,
    /// Demands that arrived this month (0 for the later months of an app
    /// still in use: its minutes go on, it arrived once).
    pub items: u32,
    pub minutes: f64,
    pub provenance: Provenance,
    pub source: SourceRef,
    /// Whether it came with a 准入编号.
    pub admitted: bool,
    /// For an inspection: whether it was in the annual plan.
    pub in_plan: Option<bool>,
    /// Hours between arrival and deadline, when known.
    pub lead_hours: Option<u32>,
    /// The day it happened (meetings, inspections), when known.
    pub day: Option<NaiveDate>,
    /// For a report task: cells the register prefilled and cells typed.
    pub cells_prefilled: u32,
    pub cells_typed: u32,
    /// How the minutes were computed, in Chinese.
    pub working: String,
}

/// An admitted demand as the ledger needs it.
#[derive(Debug, Clone)]
pub struct AdmittedDemand {
    pub admission_id: i64,
    pub number: String,
    pub title: String,
    pub department_id: i64,
    pub details: Details,
    /// The estimate's minutes for one community, one occurrence.
    pub minutes_per_unit: f64,
    /// Occurrences a year.
    pub per_year: u32,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub lead_hours: Option<u32>,
    /// Target communities.
    pub targets: Vec<i64>,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The entries an admitted demand puts on its communities, up to and
/// including month `until` (a ledger never runs ahead of today). Reports
/// put none here: their tasks do (see [`task_entry`]).
pub fn admitted_entries(d: &AdmittedDemand, until: Month) -> Vec<LedgerEntry> {
    // A community named twice in a request is reached once: counting it
    // twice doubled its burden and made one inspection look like two.
    let mut targets = d.targets.clone();
    targets.sort_unstable();
    targets.dedup();
    let source = SourceRef {
        kind: "admission".into(),
        id: d.admission_id,
        label: format!("{} {}", d.number, d.title),
    };
    let base = |unit_id: i64, month: Month, kind: BurdenKind| LedgerEntry {
        unit_id,
        month,
        department_id: Some(d.department_id),
        kind,
        items: 1,
        minutes: round2(d.minutes_per_unit),
        provenance: Provenance::Estimated,
        source: source.clone(),
        admitted: true,
        in_plan: None,
        lead_hours: d.lead_hours,
        day: None,
        cells_prefilled: 0,
        cells_typed: 0,
        working: format!("准入测算：每个村社区每次 {:.1} 分钟", d.minutes_per_unit),
    };
    let once = |kind: BurdenKind, day: Option<NaiveDate>, in_plan: Option<bool>| {
        let when = day.unwrap_or(d.valid_from);
        let month = Month::of(when);
        if month > until {
            return Vec::new();
        }
        targets
            .iter()
            .map(|u| LedgerEntry {
                day,
                in_plan,
                ..base(*u, month, kind)
            })
            .collect()
    };
    // Spread over the months it lasts: minutes a year ÷ 12 each month,
    // arriving (items = 1) in its first month only.
    let spread = |kind: BurdenKind, yearly_minutes: f64, what: String| {
        let first = Month::of(d.valid_from);
        let last = Month::of(d.valid_until).min(until);
        let monthly = yearly_minutes / 12.0;
        let mut out = Vec::new();
        for m in first.through(last) {
            for u in &targets {
                out.push(LedgerEntry {
                    items: u32::from(m == first),
                    minutes: round2(monthly),
                    working: format!(
                        "{what}：每年 {yearly_minutes:.0} 分钟 ÷ 12 = 每月 {monthly:.1} 分钟"
                    ),
                    ..base(*u, m, kind)
                });
            }
        }
        out
    };
    match &d.details {
        Details::Report { .. } => Vec::new(),
        Details::Meeting { date, .. } => once(BurdenKind::Meeting, *date, None),
        Details::Inspection {
            window_start,
            in_annual_plan,
            ..
        } => once(BurdenKind::Inspection, *window_start, Some(*in_annual_plan)),
        Details::Document { .. } => once(BurdenKind::Document, None, None),
        Details::Task { .. } => once(BurdenKind::Task, None, None),
        Details::Plaque { .. } => once(BurdenKind::Plaque, None, None),
        // The estimate already holds a year of app use (minutes a week × 52).
        Details::App { .. } => spread(
            BurdenKind::App,
            d.minutes_per_unit,
            "政务APP/工作群使用".into(),
        ),
        Details::Certificate { .. } => spread(
            BurdenKind::Certificate,
            d.minutes_per_unit * d.per_year.max(1) as f64,
            "证明事项开具".into(),
        ),
    }
}

/// A report task as the ledger needs it.
#[derive(Debug, Clone)]
pub struct TaskBurden {
    pub task_id: i64,
    pub report_title: String,
    pub number: Option<String>,
    pub department_id: i64,
    pub unit_id: i64,
    /// The month it was due.
    pub month: Month,
    pub cells_prefilled: u32,
    pub cells_typed: u32,
    /// Active editing time, measured in the grid.
    pub active_ms: i64,
    /// Whether the community has submitted it (measured time is final).
    pub submitted: bool,
    /// The 准入 estimate per community, when admitted.
    pub estimate_minutes: Option<f64>,
    pub lead_hours: Option<u32>,
}

/// One report task's entry: measured once the community has worked in it,
/// estimated before.
pub fn task_entry(t: &TaskBurden) -> LedgerEntry {
    let measured = t.active_ms > 0 && (t.submitted || t.cells_typed > 0);
    let (minutes, provenance, working) = if measured {
        let m = t.active_ms as f64 / 60_000.0;
        (
            m,
            Provenance::Measured,
            format!(
                "实测：在表格中编辑 {m:.1} 分钟，键入 {} 格，系统预填 {} 格",
                t.cells_typed, t.cells_prefilled
            ),
        )
    } else {
        let e = t.estimate_minutes.unwrap_or(0.0);
        (
            e,
            Provenance::Estimated,
            format!("尚未填报，按准入测算每个村社区 {e:.1} 分钟计"),
        )
    };
    LedgerEntry {
        unit_id: t.unit_id,
        month: t.month,
        department_id: Some(t.department_id),
        kind: BurdenKind::Report,
        items: 1,
        minutes: round2(minutes),
        provenance,
        source: SourceRef {
            kind: "task".into(),
            id: t.task_id,
            label: match &t.number {
                Some(n) => format!("{n} {}", t.report_title),
                None => t.report_title.clone(),
            },
        },
        admitted: t.number.is_some(),
        in_plan: None,
        lead_hours: t.lead_hours,
        day: None,
        cells_prefilled: t.cells_prefilled,
        cells_typed: t.cells_typed,
        working,
    }
}

/// A demand a community flagged as arriving without a 准入编号, or hidden
/// burden it reported: the community's own figure.
#[derive(Debug, Clone)]
pub struct ReportedBurden {
    pub source_kind: &'static str,
    pub source_id: i64,
    pub label: String,
    pub unit_id: i64,
    pub month: Month,
    pub department_id: Option<i64>,
    pub kind: BurdenKind,
    pub items: u32,
    pub minutes: f64,
    pub day: Option<NaiveDate>,
}

pub fn reported_entry(r: &ReportedBurden) -> LedgerEntry {
    LedgerEntry {
        unit_id: r.unit_id,
        month: r.month,
        department_id: r.department_id,
        kind: r.kind,
        items: r.items,
        minutes: round2(r.minutes.max(0.0)),
        provenance: Provenance::Reported,
        source: SourceRef {
            kind: r.source_kind.into(),
            id: r.source_id,
            label: r.label.clone(),
        },
        admitted: false,
        in_plan: None,
        lead_hours: None,
        day: r.day,
        cells_prefilled: 0,
        cells_typed: 0,
        working: format!("基层报告：{} 项，{:.0} 分钟", r.items, r.minutes.max(0.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn demand(details: Details, minutes: f64) -> AdmittedDemand {
        AdmittedDemand {
            admission_id: 7,
            number: "ZR-500107-2026-H0007".into(),
            title: "消防检查".into(),
            department_id: 3,
            details,
            minutes_per_unit: minutes,
            per_year: 1,
            valid_from: day("2026-03-10"),
            valid_until: day("2027-03-09"),
            lead_hours: Some(72),
            targets: vec![101, 102],
        }
    }

    #[test]
    fn a_community_named_twice_is_reached_once() {
        let mut d = demand(
            Details::Inspection {
                window_start: Some(day("2026-04-02")),
                window_end: None,
                content: "消防".into(),
                mergeable: false,
                in_annual_plan: true,
            },
            120.0,
        );
        d.targets = vec![101, 102, 101];
        let e = admitted_entries(&d, Month::new(2026, 12).unwrap());
        let units: Vec<i64> = e.iter().map(|x| x.unit_id).collect();
        assert_eq!(units, vec![101, 102]);
    }

    #[test]
    fn an_inspection_lands_on_its_first_day_for_each_target() {
        let d = demand(
            Details::Inspection {
                window_start: Some(day("2026-04-02")),
                window_end: Some(day("2026-04-03")),
                content: "消防".into(),
                mergeable: false,
                in_annual_plan: false,
            },
            120.0,
        );
        let e = admitted_entries(&d, Month::new(2026, 12).unwrap());
        assert_eq!(e.len(), 2);
        assert!(e.iter().all(|x| x.month.to_string() == "2026-04"
            && x.day == Some(day("2026-04-02"))
            && x.in_plan == Some(false)
            && x.minutes == 120.0
            && x.items == 1
            && x.provenance == Provenance::Estimated));
        assert!(e[0].source.label.contains("H0007"));
        // Not yet happened: nothing on the ledger.
        assert!(admitted_entries(&d, Month::new(2026, 3).unwrap()).is_empty());
    }

    #[test]
    fn an_app_is_spread_over_its_months_and_arrives_once() {
        let d = demand(
            Details::App {
                purpose: "走访打卡".into(),
                clock_in: false,
                ranking: false,
                likes: false,
                forced_install: false,
                minutes_per_week: 30,
            },
            30.0 * 52.0,
        );
        let e = admitted_entries(&d, Month::new(2026, 5).unwrap());
        // March, April, May for two communities.
        assert_eq!(e.len(), 6);
        assert_eq!(e.iter().map(|x| x.items).sum::<u32>(), 2);
        let monthly = 30.0 * 52.0 / 12.0;
        assert!(e.iter().all(|x| (x.minutes - monthly).abs() < 0.01));
    }

    #[test]
    fn a_task_is_measured_once_worked_in_and_estimated_before() {
        let mut t = TaskBurden {
            task_id: 5,
            report_title: "高龄老人花名册".into(),
            number: Some("ZR-500107-2026-B0001".into()),
            department_id: 3,
            unit_id: 101,
            month: Month::new(2026, 11).unwrap(),
            cells_prefilled: 40,
            cells_typed: 0,
            active_ms: 0,
            submitted: false,
            estimate_minutes: Some(12.5),
            lead_hours: Some(240),
        };
        let e = task_entry(&t);
        assert_eq!((e.provenance, e.minutes), (Provenance::Estimated, 12.5));
        t.cells_typed = 6;
        t.active_ms = 270_000;
        let e = task_entry(&t);
        assert_eq!((e.provenance, e.minutes), (Provenance::Measured, 4.5));
        assert!(e.working.contains("4.5") && e.admitted);
    }
}
