//! Eighteen months of what county departments sent down, for the demo's
//! 监测 screens: meetings, inspections, documents and tasks each month, with
//! the patterns real inspections found (brief §6) built in so the warnings
//! have something to find:
//! - one department whose burden rebounds in the last quarter (卫健委);
//! - "数字减负": fewer items but heavier ones (统计局);
//! - three departments inspecting one community on one day;
//! - one department visiting the same community four times in two months;
//! - a task sent in the morning and due in the afternoon;
//! - demands that arrived without a 准入编号, flagged by communities;
//! - monitoring points' confirmations, one reporting burden the ledger lacks.
//!
//! Pure and deterministic: the same seed and inputs give the same plan.

use crate::admission::Details;
use crate::monitoring::Month;
use chrono::{Datelike, NaiveDate, Weekday};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A demand to admit in the past.
#[derive(Debug, Clone)]
pub struct PlannedDemand {
    pub department: &'static str,
    pub title: String,
    pub details: Details,
    pub day: NaiveDate,
    pub targets: Vec<i64>,
    pub lead_hours: u32,
}

/// A demand a community flagged as arriving without a number.
#[derive(Debug, Clone)]
pub struct PlannedFlag {
    pub community: i64,
    pub department: &'static str,
    pub description: String,
    pub day: NaiveDate,
}

/// A monitoring point's confirmation of a month.
#[derive(Debug, Clone)]
pub struct PlannedConfirmation {
    pub community: i64,
    pub month: Month,
    pub meetings: i64,
    pub inspections: i64,
    pub wechat: i64,
    pub photos: i64,
    pub hidden_hours: f64,
    /// The point's estimate of the month, as a multiple of what the ledger
    /// shows (the app multiplies once the ledger is built).
    pub estimate_factor: f64,
    pub active_ms: i64,
}

#[derive(Debug, Clone, Default)]
pub struct HistoryPlan {
    pub demands: Vec<PlannedDemand>,
    pub flags: Vec<PlannedFlag>,
    pub points: Vec<i64>,
    pub confirmations: Vec<PlannedConfirmation>,
}

/// The district as the plan needs it: each township with its communities,
/// in code order; the demo's own community and its neighbour.
pub struct District<'a> {
    pub townships: &'a [(i64, Vec<i64>)],
    pub demo_community: i64,
    pub other_community: i64,
}

/// Departments that send work in the history, by the demo's keys. 民政局
/// and 人社局 are left to the demo's live requests and the tests.
const SENDERS: [(&str, &str); 10] = [
    ("wjw", "健康"),
    ("xczxj", "乡村振兴"),
    ("cl", "残疾人"),
    ("tyjr", "退役军人"),
    ("tjj", "统计"),
    ("zjw", "住房"),
    ("jw", "教育"),
    ("ybj", "医保"),
    ("yjj", "安全生产"),
    ("zfw", "平安建设"),
];

/// A weekday in the month: the `n`th day, moved to the next Monday when it
/// falls on a weekend.
fn workday(m: Month, n: u32) -> NaiveDate {
    let mut d = NaiveDate::from_ymd_opt(m.year, m.month, n.clamp(1, 28)).unwrap_or(m.first_day());
    while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
        d = d.succ_opt().unwrap_or(d);
    }
    d
}

/// Plans the months `first`..=`last` for this district.
pub fn plan(district: &District<'_>, first: Month, last: Month, seed: u64) -> HistoryPlan {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6a69_616e_6675);
    let mut out = HistoryPlan::default();
    let all: Vec<i64> = district
        .townships
        .iter()
        .flat_map(|(_, c)| c.clone())
        .collect();
    if all.is_empty() {
        return out;
    }
    let rebound_from = last.plus(-2);
    for m in first.through(last) {
        let late = m >= rebound_from;
        for (key, topic) in SENDERS {
            // Most departments send a little less this year than last:
            // burden reduction working, except where the patterns say not.
            let this_year = m.year == last.year;
            let meetings = match (key, late, this_year) {
                ("wjw", true, _) => 3,
                (_, _, true) => rng.gen_range(0..2),
                _ => rng.gen_range(1..3),
            };
            for i in 0..meetings {
                let t = &district.townships[rng.gen_range(0..district.townships.len())];
                out.demands.push(PlannedDemand {
                    department: key,
                    title: format!("{topic}工作推进会（{m}）"),
                    details: Details::Meeting {
                        date: Some(workday(m, 4 + i * 7)),
                        duration_minutes: [60, 90, 120][rng.gen_range(0..3)],
                        keynote_minutes: 40,
                        attendees_per_unit: if key == "wjw" && late { 2 } else { 1 },
                        on_site: rng.gen_bool(0.6),
                    },
                    day: workday(m, 1),
                    targets: t.1.clone(),
                    lead_hours: 168,
                });
            }
            if rng.gen_bool(if this_year { 0.3 } else { 0.5 }) {
                let chars = rng.gen_range(1500..4500);
                out.demands.push(PlannedDemand {
                    department: key,
                    title: format!("关于做好{topic}有关工作的通知（{m}）"),
                    details: Details::Document {
                        text: "字".repeat(chars),
                        single_task: false,
                    },
                    day: workday(m, rng.gen_range(2..20)),
                    targets: all.clone(),
                    lead_hours: 240,
                });
            }
            // 统计局: fewer tasks in the last quarter, each four times heavier.
            let (tasks, minutes) = match (key, late) {
                ("tjj", true) => (1, 240),
                ("tjj", false) => (2, 60),
                _ => (u32::from(rng.gen_bool(0.4)), rng.gen_range(30..90)),
            };
            for i in 0..tasks {
                let t = &district.townships[rng.gen_range(0..district.townships.len())];
                out.demands.push(PlannedDemand {
                    department: key,
                    title: format!("{topic}情况摸排（{m}）"),
                    details: Details::Task {
                        description: format!("{topic}对象摸排、核对并报送"),
                        minutes_per_unit: minutes,
                    },
                    day: workday(m, 6 + i * 9),
                    targets: t.1.clone(),
                    lead_hours: 120,
                });
            }
            if rng.gen_bool(0.35) {
                let n = rng.gen_range(2..6);
                let targets: Vec<i64> = (0..n).map(|_| all[rng.gen_range(0..all.len())]).collect();
                let day = workday(m, rng.gen_range(8..25));
                out.demands.push(PlannedDemand {
                    department: key,
                    title: format!("{topic}专项检查（{m}）"),
                    details: Details::Inspection {
                        window_start: Some(day),
                        window_end: Some(day),
                        content: format!("{topic}工作落实情况"),
                        mergeable: true,
                        in_annual_plan: rng.gen_bool(0.8),
                    },
                    day,
                    targets,
                    lead_hours: 240,
                });
            }
        }
    }
    // Three departments on the demo community the same day, last month.
    let pile = workday(last, 16);
    for (key, topic) in [("yjj", "安全生产"), ("zjw", "房屋安全"), ("jw", "校外培训")] {
        out.demands.push(PlannedDemand {
            department: key,
            title: format!("{topic}检查（{pile}）"),
            details: Details::Inspection {
                window_start: Some(pile),
                window_end: Some(pile),
                content: topic.to_string(),
                mergeable: true,
                in_annual_plan: key != "jw",
            },
            day: pile,
            targets: vec![district.demo_community],
            lead_hours: 240,
        });
    }
    // 应急管理局 on the neighbouring community four times in two months.
    for (i, n) in [3u32, 17, 5, 24].iter().enumerate() {
        let m = if i < 2 { last.plus(-1) } else { last };
        let day = workday(m, *n);
        out.demands.push(PlannedDemand {
            department: "yjj",
            title: format!("燃气安全复查（{day}）"),
            details: Details::Inspection {
                window_start: Some(day),
                window_end: Some(day),
                content: "燃气安全".into(),
                mergeable: false,
                in_annual_plan: false,
            },
            day,
            targets: vec![district.other_community],
            lead_hours: 72,
        });
    }
    // Sent in the morning, due in the afternoon.
    out.demands.push(PlannedDemand {
        department: "xczxj",
        title: "防返贫监测对象当天核查".into(),
        details: Details::Task {
            description: "当天核查并报送".into(),
            minutes_per_unit: 90,
        },
        day: workday(last, 9),
        targets: district.townships[0].1.clone(),
        lead_hours: 5,
    });
    // Unnumbered demands, mostly from one department.
    for (i, m) in last.plus(-2).through(last).enumerate() {
        for k in 0..3 {
            let c = all[(i * 7 + k * 13) % all.len()];
            out.flags.push(PlannedFlag {
                community: c,
                department: if k < 2 {
                    "区委政法委"
                } else {
                    "卫生健康委员会"
                },
                description: [
                    "微信群里要求当天报送矛盾纠纷排查台账",
                    "电话通知下午报平安建设宣传照片",
                    "工作群里要求补填健康档案",
                ][k]
                    .into(),
                day: workday(m, 5 + k as u32 * 6),
            });
        }
    }
    // Twelve monitoring points: the first community of twelve townships.
    out.points = district
        .townships
        .iter()
        .filter_map(|(_, c)| c.first().copied())
        .take(12)
        .collect();
    if !out.points.contains(&district.demo_community) {
        if let Some(p) = out.points.last_mut() {
            *p = district.demo_community;
        }
    }
    for (pi, p) in out.points.iter().enumerate() {
        for m in last.plus(-11).through(last) {
            // Two points have not yet confirmed the last month.
            if m == last && pi % 6 == 5 {
                continue;
            }
            let hidden = *p == district.demo_community && m == last;
            out.confirmations.push(PlannedConfirmation {
                community: *p,
                month: m,
                meetings: if hidden { 3 } else { rng.gen_range(0..2) },
                inspections: if hidden { 1 } else { 0 },
                wechat: if hidden { 5 } else { rng.gen_range(0..3) },
                photos: if hidden { 4 } else { rng.gen_range(0..2) },
                hidden_hours: if hidden {
                    14.0
                } else {
                    rng.gen_range(0..4) as f64
                },
                estimate_factor: if hidden {
                    1.8
                } else {
                    1.0 + rng.gen_range(0..10) as f64 / 100.0
                },
                active_ms: rng.gen_range(120_000..300_000),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_is_deterministic_and_carries_the_patterns() {
        let townships: Vec<(i64, Vec<i64>)> = (0..19)
            .map(|t| (1000 + t, (0..12).map(|c| t * 100 + c).collect()))
            .collect();
        let d = District {
            townships: &townships,
            demo_community: 203,
            other_community: 204,
        };
        let (first, last) = (Month::new(2025, 6).unwrap(), Month::new(2026, 11).unwrap());
        let a = plan(&d, first, last, 7);
        let b = plan(&d, first, last, 7);
        assert_eq!(a.demands.len(), b.demands.len());
        assert_eq!(a.demands[10].title, b.demands[10].title);
        assert!(a
            .demands
            .iter()
            .all(|x| x.day <= NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()));
        // Three inspections on the demo community on one day.
        let pile: Vec<_> = a
            .demands
            .iter()
            .filter(|x| x.targets == [203] && matches!(x.details, Details::Inspection { .. }))
            .collect();
        assert_eq!(pile.len(), 3);
        assert!(pile
            .iter()
            .all(|x| x.day == pile[0].day && x.day.weekday().number_from_monday() <= 5));
        assert_eq!(a.points.len(), 12);
        assert!(a.points.contains(&203));
        assert!(a.demands.iter().any(|x| x.lead_hours < 24));
    }
}
