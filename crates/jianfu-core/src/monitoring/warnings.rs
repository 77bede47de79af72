//! Rebound warnings (反弹预警): rules over the ledger. Each rule is a
//! function that fires on the pattern it guards against and stays silent
//! on a near miss; each warning names its rule, says what it found with the
//! numbers, and where the rule comes from. A warning's `key` says what it
//! is about (rule, department or unit, period), so running the rules again
//! finds the same case instead of opening a second one.

use super::month::Month;
use super::settings::MonitoringSettings;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const WARNING_RULES: [(&str, &str); 7] = [
    ("department_rise", "部门负担反弹"),
    ("digital_reduction", "数字减负（数量减、工作量增）"),
    ("inspection_cluster", "检查扎堆"),
    ("repeat_visits", "同一部门反复到访"),
    ("unadmitted_share", "未准入、计划外事项占比高"),
    ("short_lead", "上午发下午要"),
    ("hidden_burden", "监测点报告隐性负担"),
];

const SOURCE_RULES: &str =
    "《整治形式主义为基层减负若干规定》（2024年）：建立基层负担动态监测，防止反弹回潮、隐形变异";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    pub rule: String,
    pub title: String,
    /// What the case is about, stable across runs of the rules.
    pub key: String,
    pub department_id: Option<i64>,
    pub unit_id: Option<i64>,
    /// The month it concerns.
    pub month: Month,
    pub message: String,
    /// Where the rule comes from.
    pub source: String,
    /// The figures it rests on, one line each.
    pub evidence: Vec<String>,
}

/// `about`: the department and the unit the warning concerns.
fn warning(
    rule: &str,
    key: String,
    (department_id, unit_id): (Option<i64>, Option<i64>),
    month: Month,
    message: String,
    source: &str,
    evidence: Vec<String>,
) -> Warning {
    let title = WARNING_RULES
        .iter()
        .find(|(code, _)| *code == rule)
        .map_or(rule, |(_, t)| t)
        .to_string();
    Warning {
        rule: rule.into(),
        title,
        key,
        department_id,
        unit_id,
        month,
        message,
        source: source.into(),
        evidence,
    }
}

/// One department's month on communities, summed from the ledger.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DepartmentMonth {
    pub department_id: i64,
    pub department: String,
    pub month_key: i64,
    /// Demands that arrived.
    pub items: u32,
    pub minutes: f64,
    /// Report tasks and the cells they asked (typed + prefilled).
    pub reports: u32,
    pub report_cells: u32,
    /// Demands that arrived without a 准入编号.
    pub unadmitted: u32,
    /// Inspections outside the annual plan.
    pub unplanned: u32,
}

type ByDepartment<'a> = BTreeMap<i64, BTreeMap<i64, &'a DepartmentMonth>>;

fn by_department(rows: &[DepartmentMonth]) -> ByDepartment<'_> {
    let mut out: ByDepartment<'_> = BTreeMap::new();
    for r in rows {
        out.entry(r.department_id)
            .or_default()
            .insert(r.month_key, r);
    }
    out
}

fn pct(now: f64, then: f64) -> f64 {
    (now - then) / then * 100.0
}

/// A department's hours on communities rising against the same month last
/// year, or against its average of the three months before.
pub fn department_rise(rows: &[DepartmentMonth], m: Month, s: &MonitoringSettings) -> Vec<Warning> {
    let mut out = Vec::new();
    for (dept, months) in by_department(rows) {
        let Some(now) = months.get(&m.key()) else {
            continue;
        };
        let hours = now.minutes / 60.0;
        if hours < s.min_department_hours {
            continue;
        }
        let mut evidence = Vec::new();
        if let Some(then) = months.get(&m.last_year().key()).filter(|t| t.minutes > 0.0) {
            let rise = pct(now.minutes, then.minutes);
            if rise > s.yoy_rise_pct {
                evidence.push(format!(
                    "{m} 共 {hours:.1} 小时，去年同月 {:.1} 小时，同比上升 {rise:.0}%（阈值 {}%）",
                    then.minutes / 60.0,
                    s.yoy_rise_pct
                ));
            }
        }
        let before: Vec<f64> = (1..=3)
            .filter_map(|i| months.get(&m.plus(-i).key()).map(|r| r.minutes))
            .collect();
        if before.len() == 3 {
            let avg = before.iter().sum::<f64>() / 3.0;
            if avg > 0.0 {
                let rise = pct(now.minutes, avg);
                if rise > s.trailing_rise_pct {
                    evidence.push(format!(
                        "前三个月平均 {:.1} 小时，本月上升 {rise:.0}%（阈值 {}%）",
                        avg / 60.0,
                        s.trailing_rise_pct
                    ));
                }
            }
        }
        if !evidence.is_empty() {
            out.push(warning(
                "department_rise",
                format!("department_rise:{dept}:{m}"),
                (Some(dept), None),
                m,
                format!(
                    "{}对基层的负担在 {m} 反弹：{}",
                    now.department,
                    evidence.join("；")
                ),
                SOURCE_RULES,
                evidence,
            ));
        }
    }
    out
}

/// "数字减负": over the quarter ending `m` against the same quarter last
/// year, fewer demands but more hours, or fewer reports each asking more.
pub fn digital_reduction(
    rows: &[DepartmentMonth],
    m: Month,
    s: &MonitoringSettings,
) -> Vec<Warning> {
    let mut out = Vec::new();
    let sum = |months: &BTreeMap<i64, &DepartmentMonth>, end: Month| {
        let mut acc = DepartmentMonth::default();
        for i in 0..3 {
            if let Some(r) = months.get(&end.plus(-i).key()) {
                acc.items += r.items;
                acc.minutes += r.minutes;
                acc.reports += r.reports;
                acc.report_cells += r.report_cells;
            }
        }
        acc
    };
    for (dept, months) in by_department(rows) {
        let (now, then) = (sum(&months, m), sum(&months, m.last_year()));
        if then.items == 0 || now.minutes / 60.0 < s.min_department_hours {
            continue;
        }
        let name = months
            .values()
            .next()
            .map_or(String::new(), |r| r.department.clone());
        let mut evidence = Vec::new();
        if now.items < then.items && now.minutes > then.minutes * 1.1 {
            evidence.push(format!(
                "截至 {m} 的三个月：事项 {} 项（去年同期 {} 项），工作量 {:.1} 小时（去年同期 {:.1} 小时）",
                now.items,
                then.items,
                now.minutes / 60.0,
                then.minutes / 60.0
            ));
        }
        if now.reports > 0 && then.reports > 0 && now.reports < then.reports {
            let (wide_now, wide_then) = (
                now.report_cells as f64 / now.reports as f64,
                then.report_cells as f64 / then.reports as f64,
            );
            if wide_now > wide_then * 1.2 {
                evidence.push(format!(
                    "报表 {} 份（去年同期 {} 份），每份平均 {wide_now:.0} 个单元格（去年同期 {wide_then:.0} 个）：份数减少、表格变宽",
                    now.reports, then.reports
                ));
            }
        }
        if !evidence.is_empty() {
            out.push(warning(
                "digital_reduction",
                format!("digital_reduction:{dept}:{m}"),
                (Some(dept), None),
                m,
                format!("{name}出现“数字减负”迹象：{}", evidence.join("；")),
                "《整治形式主义为基层减负若干规定》：防止“数字减负”、变换形式加重基层负担",
                evidence,
            ));
        }
    }
    out
}

/// An inspection (or visit) a community received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    pub unit_id: i64,
    pub unit: String,
    pub department_id: i64,
    pub department: String,
    pub day: NaiveDate,
    /// The 准入编号 and title, or how it was reported.
    pub label: String,
}

/// Several inspections on one community the same day, or in one week.
pub fn inspection_cluster(visits: &[Visit], s: &MonitoringSettings) -> Vec<Warning> {
    let mut out = Vec::new();
    let mut by_day: BTreeMap<(i64, NaiveDate), Vec<&Visit>> = BTreeMap::new();
    let mut by_week: BTreeMap<(i64, i32, u32), Vec<&Visit>> = BTreeMap::new();
    for v in visits {
        by_day.entry((v.unit_id, v.day)).or_default().push(v);
        let w = v.day.iso_week();
        by_week
            .entry((v.unit_id, w.year(), w.week()))
            .or_default()
            .push(v);
    }
    let list = |vs: &[&Visit]| -> Vec<String> {
        vs.iter()
            .map(|v| format!("{} {}：{}", v.day, v.department, v.label))
            .collect()
    };
    let mut covered: Vec<(i64, i32, u32)> = Vec::new();
    for ((unit, day), vs) in &by_day {
        if vs.len() as u32 >= s.inspections_same_day {
            let w = day.iso_week();
            covered.push((*unit, w.year(), w.week()));
            out.push(warning(
                "inspection_cluster",
                format!("inspection_cluster:{unit}:{day}"),
                (None, Some(*unit)),
                Month::of(*day),
                format!("{} 在 {day} 一天内接受 {} 次督查检查", vs[0].unit, vs.len()),
                "中办《关于统筹规范督查检查考核工作的通知》：同类事项合并、统筹安排，避免扎堆检查",
                list(vs),
            ));
        }
    }
    for ((unit, year, week), vs) in &by_week {
        if vs.len() as u32 >= s.inspections_same_week && !covered.contains(&(*unit, *year, *week)) {
            let first = vs.iter().map(|v| v.day).min().unwrap_or(NaiveDate::MIN);
            out.push(warning(
                "inspection_cluster",
                format!("inspection_cluster:{unit}:{year}-W{week:02}"),
                (None, Some(*unit)),
                Month::of(first),
                format!(
                    "{} 在 {year} 年第 {week} 周接受 {} 次督查检查",
                    vs[0].unit,
                    vs.len()
                ),
                "中办《关于统筹规范督查检查考核工作的通知》：同类事项合并、统筹安排，避免扎堆检查",
                list(vs),
            ));
        }
    }
    out
}

/// One department visiting the same unit more than k times in a window of
/// days (a county department on one township 7 times in 2 months).
pub fn repeat_visits(visits: &[Visit], s: &MonitoringSettings) -> Vec<Warning> {
    let mut out = Vec::new();
    let mut pairs: BTreeMap<(i64, i64), Vec<&Visit>> = BTreeMap::new();
    for v in visits {
        pairs
            .entry((v.department_id, v.unit_id))
            .or_default()
            .push(v);
    }
    let window = chrono::Duration::days(s.repeat_window_days as i64);
    for ((dept, unit), mut vs) in pairs {
        vs.sort_by_key(|v| v.day);
        // The largest number of visits inside any window.
        let mut best: (usize, usize) = (0, 0);
        let mut start = 0;
        for end in 0..vs.len() {
            while vs[end].day - vs[start].day >= window {
                start += 1;
            }
            if end + 1 - start > best.1 - best.0 {
                best = (start, end + 1);
            }
        }
        let n = best.1 - best.0;
        if n as u32 > s.repeat_visits {
            let span = &vs[best.0..best.1];
            out.push(warning(
                "repeat_visits",
                format!("repeat_visits:{dept}:{unit}:{}", span[0].day),
                (Some(dept), Some(unit)),
                Month::of(span[0].day),
                format!(
                    "{}在 {} 天内到{} {n} 次（阈值：{} 天内不超过 {} 次）",
                    span[0].department,
                    s.repeat_window_days,
                    span[0].unit,
                    s.repeat_window_days,
                    s.repeat_visits
                ),
                "省级通报：某县级部门两个月内到同一乡镇检查 7 次，属重复督查检查",
                span.iter()
                    .map(|v| format!("{} {}", v.day, v.label))
                    .collect(),
            ));
        }
    }
    out
}

/// A large share of a department's demands over the three months ending
/// `m` arrived without a 准入编号 or outside the annual plan.
pub fn unadmitted_share(
    rows: &[DepartmentMonth],
    m: Month,
    s: &MonitoringSettings,
) -> Vec<Warning> {
    let mut out = Vec::new();
    for (dept, months) in by_department(rows) {
        let (mut items, mut outside, mut unadmitted, mut unplanned) = (0u32, 0u32, 0u32, 0u32);
        for i in 0..3 {
            if let Some(r) = months.get(&m.plus(-i).key()) {
                items += r.items;
                outside += r.unadmitted + r.unplanned;
                unadmitted += r.unadmitted;
                unplanned += r.unplanned;
            }
        }
        if items == 0 || outside < s.unadmitted_min_items {
            continue;
        }
        let share = outside as f64 * 100.0 / items as f64;
        if share > s.unadmitted_share_pct {
            let name = months
                .values()
                .next()
                .map_or(String::new(), |r| r.department.clone());
            let line = format!(
                "截至 {m} 的三个月：{items} 项事项中，无准入编号 {unadmitted} 项、计划外检查 {unplanned} 项，占 {share:.0}%（阈值 {}%）",
                s.unadmitted_share_pct
            );
            out.push(warning(
                "unadmitted_share",
                format!("unadmitted_share:{dept}:{m}"),
                (Some(dept), None),
                m,
                format!("{name}{line}"),
                "准入制度：未经准入的事项不得下派村（社区）；督查检查考核须列入年度计划",
                vec![line],
            ));
        }
    }
    out
}

/// A demand whose deadline left less than the minimum time ("上午发下午要").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadTime {
    pub department_id: i64,
    pub department: String,
    /// The source's kind and id (`admission:7`, `task:12`).
    pub source: String,
    pub label: String,
    pub lead_hours: u32,
    pub month_key: i64,
}

pub fn short_lead(leads: &[LeadTime], s: &MonitoringSettings) -> Vec<Warning> {
    leads
        .iter()
        .filter(|l| l.lead_hours < s.min_lead_hours)
        .filter_map(|l| {
            let m = Month::from_key(l.month_key)?;
            Some(warning(
                "short_lead",
                format!("short_lead:{}", l.source),
                (Some(l.department_id), None),
                m,
                format!(
                    "{}的“{}”从下达到截止只有 {} 小时（至少应为 {} 小时）",
                    l.department, l.label, l.lead_hours, s.min_lead_hours
                ),
                "基层减负：不得“上午发通知、下午要结果”，给基层留出合理办理时间",
                vec![format!("办理时限 {} 小时", l.lead_hours)],
            ))
        })
        .collect()
}

/// A monitoring point's month: what it reported against what the ledger
/// holds for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointMonth {
    pub unit_id: i64,
    pub unit: String,
    pub month_key: i64,
    /// The point's own estimate of the month's hours, in minutes.
    pub reported_minutes: f64,
    /// What the ledger holds for it, the point's additions excluded.
    pub ledger_minutes: f64,
    /// Items only it knew of (unannounced meetings, WeChat demands …).
    pub hidden_items: u32,
    pub hidden_minutes: f64,
}

pub fn hidden_burden(points: &[PointMonth], s: &MonitoringSettings) -> Vec<Warning> {
    let mut out = Vec::new();
    for p in points {
        let Some(m) = Month::from_key(p.month_key) else {
            continue;
        };
        let mut evidence = Vec::new();
        if p.reported_minutes > p.ledger_minutes * (1.0 + s.hidden_gap_pct / 100.0)
            && p.reported_minutes > 0.0
        {
            evidence.push(format!(
                "监测点估计本月 {:.1} 小时，台账只有 {:.1} 小时（差额超过 {}%）",
                p.reported_minutes / 60.0,
                p.ledger_minutes / 60.0,
                s.hidden_gap_pct
            ));
        }
        if p.hidden_items > 0 {
            evidence.push(format!(
                "报告台账以外的事项 {} 项，约 {:.1} 小时（临时会议检查、微信群布置、留痕照片等）",
                p.hidden_items,
                p.hidden_minutes / 60.0
            ));
        }
        if !evidence.is_empty() {
            out.push(warning(
                "hidden_burden",
                format!("hidden_burden:{}:{m}", p.unit_id),
                (None, Some(p.unit_id)),
                m,
                format!(
                    "监测点{}在 {m} 报告了台账未显示的负担：{}",
                    p.unit,
                    evidence.join("；")
                ),
                "减负监测点：及时发现隐形变异问题，防止反弹回潮",
                evidence,
            ));
        }
    }
    out
}

#[cfg(test)]
#[path = "warnings_tests.rs"]
mod tests;
