//! The automatic findings of the gate. Each rule is a function that fires
//! on the case it guards against and stays silent otherwise; each finding
//! names its rule, says what it found with the numbers, and where the rule
//! comes from. Findings inform the reviewer; the two marked `escalates`
//! also send the request to the higher reviewer (提级审核).

use super::estimate::Estimate;
use super::settings::Settings;
use super::{document_chars, Demand, Details};
use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Against a rule: the reviewer should return or refuse it.
    Violation,
    /// Worth a look: the reviewer decides.
    Warning,
}

impl Severity {
    pub fn label_zh(self) -> &'static str {
        match self {
            Severity::Violation => "不符合",
            Severity::Warning => "提示",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub title: String,
    pub message: String,
    /// Where the rule comes from.
    pub source: String,
    pub severity: Severity,
    /// Whether it sends the request to the higher reviewer.
    pub escalates: bool,
}

/// An element the report asks for that admitted reports already ask for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overlap {
    pub element: String,
    pub label: String,
    /// `准入编号 标题` of each admitted report that asks for it.
    pub asked_by: Vec<String>,
}

/// How much of an element the register holds for the target communities'
/// entities (0–1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    pub element: String,
    pub label: String,
    pub covered: f64,
}

/// An inspection already admitted, as the clustering rule sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BookedInspection {
    pub number: String,
    pub units: Vec<i64>,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// What the rules know besides the demand itself.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub settings: Settings,
    pub overlaps: Vec<Overlap>,
    pub coverage: Vec<Coverage>,
    /// The demand's target communities, with their names.
    pub targets: Vec<(i64, String)>,
    pub booked_inspections: Vec<BookedInspection>,
    pub duty_list: Vec<String>,
}

pub const RULES: [(&str, &str); 10] = [
    ("overlap", "重复索取已准入报表的数据"),
    ("register_holds", "底库已有的数据"),
    ("document_length", "文件篇幅超限"),
    ("keynote_length", "会议主讲话超时"),
    ("inspection_frequency", "同一村社区检查过于集中"),
    ("inspection_plan", "检查未列入年度计划"),
    ("app_five_donts", "政务APP“五不”"),
    ("duty_list", "不在村社区职责清单内"),
    ("lead_time", "办理时限过短（上午发下午要）"),
    ("burden_threshold", "负担超过提级审核阈值"),
];

fn finding(
    rule: &str,
    message: String,
    source: &str,
    severity: Severity,
    escalates: bool,
) -> Finding {
    let title = RULES
        .iter()
        .find(|(code, _)| *code == rule)
        .map_or(rule, |(_, t)| t)
        .to_string();
    Finding {
        rule: rule.to_string(),
        title,
        message,
        source: source.to_string(),
        severity,
        escalates,
    }
}

/// Every finding on a demand, in the order of [`RULES`].
pub fn findings(d: &Demand, est: &Estimate, ctx: &Context) -> Vec<Finding> {
    [
        overlap(ctx),
        register_holds(ctx),
        document_length(d, &ctx.settings),
        keynote_length(d, &ctx.settings),
        inspection_frequency(d, ctx),
        inspection_plan(d),
        app_five_donts(d),
        duty_list(d, ctx),
        lead_time(d, &ctx.settings),
        burden_threshold(est, &ctx.settings),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Names the first `most` items and says how many more there are.
fn list<T: AsRef<str>>(items: &[T], most: usize) -> String {
    let shown: Vec<&str> = items.iter().take(most).map(AsRef::as_ref).collect();
    let more = items.len().saturating_sub(most);
    if more > 0 {
        // "A、B 等 7 项" read as a miscount when six were named.
        format!(
            "{}，另 {more} 项（共 {} 项）",
            shown.join("、"),
            items.len()
        )
    } else {
        shown.join("、")
    }
}

/// Data another admitted report already collects, that the communities
/// would still have to type. A column the register answers (for at least
/// `held_coverage` of the rows: names and ID numbers of a roster, facts a
/// gap filled once made known) is prefilled through 一表通, which is the
/// sharing the rule asks for, not a second request.
pub fn overlap(ctx: &Context) -> Option<Finding> {
    // No coverage at all means the trial listed nobody: nothing is typed.
    let typed_again = |element: &str| {
        ctx.coverage
            .iter()
            .any(|c| c.element == element && c.covered < ctx.settings.held_coverage)
    };
    let repeated: Vec<&Overlap> = ctx
        .overlaps
        .iter()
        .filter(|o| typed_again(&o.element))
        .collect();
    if repeated.is_empty() {
        return None;
    }
    let lines: Vec<String> = repeated
        .iter()
        .map(|o| format!("{}（已由 {} 采集）", o.label, list(&o.asked_by, 2)))
        .collect();
    Some(finding(
        "overlap",
        format!(
            "{} 个数据项已由已准入的报表采集，底库却仍不能预填、须基层再填：{}。应从一表通共享，不应再向基层索取。",
            repeated.len(),
            list(&lines, 5)
        ),
        "一数一源、一表通：同一数据只采集一次、多方共享（中办、国办《整治形式主义为基层减负若干规定》，2024年）",
        Severity::Violation,
        false,
    ))
}

pub fn register_holds(ctx: &Context) -> Option<Finding> {
    let held: Vec<String> = ctx
        .coverage
        .iter()
        .filter(|c| c.covered >= ctx.settings.held_coverage)
        .map(|c| format!("{}（{:.0}%）", c.label, c.covered * 100.0))
        .collect();
    if held.is_empty() {
        return None;
    }
    Some(finding(
        "register_holds",
        format!(
            "底库已掌握 {} 个数据项（覆盖率不低于 {:.0}%）：{}。这些单元格由系统预填，基层无需填写。",
            held.len(),
            ctx.settings.held_coverage * 100.0,
            list(&held, 6)
        ),
        "一表通：能从已有数据生成的，不再要求基层填报",
        Severity::Warning,
        false,
    ))
}

pub fn document_length(d: &Demand, s: &Settings) -> Option<Finding> {
    let Details::Document { text, single_task } = &d.details else {
        return None;
    };
    let chars = document_chars(text);
    let cap = if *single_task {
        s.single_task_document_max_chars
    } else {
        s.document_max_chars
    };
    (chars > cap).then(|| {
        finding(
            "document_length",
            format!(
                "全文 {chars} 字，超过{}上限 {cap} 字 {} 字。",
                if *single_task {
                    "单项工作文件"
                } else {
                    "文件"
                },
                chars - cap
            ),
            "精文减会：文件一般不超过 5000 字，单项工作文件不超过 4000 字",
            Severity::Violation,
            false,
        )
    })
}

pub fn keynote_length(d: &Demand, s: &Settings) -> Option<Finding> {
    let Details::Meeting {
        keynote_minutes, ..
    } = &d.details
    else {
        return None;
    };
    (*keynote_minutes > s.keynote_max_minutes).then(|| {
        finding(
            "keynote_length",
            format!(
                "主讲话 {keynote_minutes} 分钟，超过上限 {} 分钟。",
                s.keynote_max_minutes
            ),
            "精文减会：会议主讲话一般不超过 1 小时",
            Severity::Violation,
            false,
        )
    })
}

fn overlaps(a: (NaiveDate, NaiveDate), b: (NaiveDate, NaiveDate)) -> bool {
    a.0 <= b.1 && b.0 <= a.1
}

fn month_of(d: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = d.with_day(1).unwrap_or(d);
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    };
    (first, next.map_or(d, |n| n - Duration::days(1)))
}

fn week_of(d: NaiveDate) -> (NaiveDate, NaiveDate) {
    let monday = d - Duration::days(d.weekday().num_days_from_monday() as i64);
    (monday, monday + Duration::days(6))
}

pub fn inspection_frequency(d: &Demand, ctx: &Context) -> Option<Finding> {
    let Details::Inspection {
        window_start: Some(start),
        window_end: Some(end),
        ..
    } = &d.details
    else {
        return None;
    };
    let s = &ctx.settings;
    let names: HashMap<i64, &str> = ctx
        .targets
        .iter()
        .map(|(id, n)| (*id, n.as_str()))
        .collect();
    let mut breaches: Vec<String> = Vec::new();
    let periods = [
        ("同一周", week_of(*start), s.inspections_per_week),
        ("同一月", month_of(*start), s.inspections_per_month),
    ];
    for (label, period, cap) in periods {
        let mut over: Vec<(&str, usize)> = Vec::new();
        for (unit, name) in &names {
            let booked = ctx
                .booked_inspections
                .iter()
                .filter(|b| b.units.contains(unit) && overlaps((b.start, b.end), period))
                .count();
            if booked + 1 > cap as usize {
                over.push((name, booked + 1));
            }
        }
        if !over.is_empty() {
            over.sort();
            let worst = over.iter().map(|(_, n)| *n).max().unwrap_or(0);
            let named: Vec<String> = over.iter().map(|(n, c)| format!("{n}（{c} 次）")).collect();
            breaches.push(format!(
                "{label}（{} 至 {}）有 {} 个村社区将接受最多 {worst} 次检查，超过上限 {cap} 次：{}",
                period.0,
                period.1,
                over.len(),
                list(&named, 3)
            ));
        }
    }
    if end < start || breaches.is_empty() {
        return None;
    }
    Some(finding(
        "inspection_frequency",
        format!("{}。同类检查应合并进行。", breaches.join("；")),
        "督查检查考核实行计划管理和总量控制，同类事项合并，按月控制频次（中办、国办《整治形式主义为基层减负若干规定》，2024年）",
        Severity::Violation,
        false,
    ))
}

pub fn inspection_plan(d: &Demand) -> Option<Finding> {
    match &d.details {
        Details::Inspection {
            in_annual_plan: false,
            ..
        } => Some(finding(
            "inspection_plan",
            "该检查未列入本年度督查检查考核计划。".to_string(),
            "督查检查考核须列入年度计划并提前报备，计划外事项原则上不开展",
            Severity::Violation,
            false,
        )),
        _ => None,
    }
}

pub fn app_five_donts(d: &Demand) -> Option<Finding> {
    let Details::App {
        clock_in,
        ranking,
        likes,
        forced_install,
        ..
    } = &d.details
    else {
        return None;
    };
    let asks: Vec<&str> = [
        (*clock_in, "打卡"),
        (*ranking, "积分排名"),
        (*likes, "点赞或学习时长考核"),
        (*forced_install, "强制下载安装"),
    ]
    .into_iter()
    .filter_map(|(on, what)| on.then_some(what))
    .collect();
    (!asks.is_empty()).then(|| {
        finding(
            "app_five_donts",
            format!("要求基层{}。", asks.join("、")),
            "政务APP与工作群“五不”：不得打卡排名，不得强制下载安装，不得以点赞、学习时长等作为考核，不得重复索要材料，不得用于商业用途",
            Severity::Violation,
            false,
        )
    })
}

pub fn duty_list(d: &Demand, ctx: &Context) -> Option<Finding> {
    let on_list = d
        .duty_item
        .as_deref()
        .map(str::trim)
        .filter(|i| !i.is_empty())
        .is_some_and(|i| ctx.duty_list.iter().any(|l| l == i));
    (!on_list).then(|| {
        finding(
            "duty_list",
            match d.duty_item.as_deref().map(str::trim).filter(|i| !i.is_empty()) {
                Some(i) => format!("“{i}”不在村（社区）职责清单内，须提级审核。"),
                None => "未对应村（社区）职责清单中的任何事项，须提级审核。".to_string(),
            },
            "职责清单之外的事项，须经县级党委和政府联合审批方可交由村社区承担（中办、国办《关于规范村级组织工作事务、机制牌子和证明事项的意见》，2022年）",
            Severity::Warning,
            true,
        )
    })
}

pub fn lead_time(d: &Demand, s: &Settings) -> Option<Finding> {
    let hours = d.lead_hours?;
    (hours < s.min_lead_hours).then(|| {
        finding(
            "lead_time",
            format!(
                "留给基层的办理时间只有 {hours} 小时，少于规定的 {} 小时。",
                s.min_lead_hours
            ),
            "严禁“上午发、下午要”，给基层留出合理的办理时间（本地规定的最短时限）",
            Severity::Violation,
            false,
        )
    })
}

pub fn burden_threshold(est: &Estimate, s: &Settings) -> Option<Finding> {
    (est.hours_per_year > s.escalation_hours).then(|| {
        finding(
            "burden_threshold",
            format!(
                "估算负担每年 {:.1} 小时，超过提级审核阈值 {} 小时。",
                est.hours_per_year, s.escalation_hours
            ),
            "负担较重的事项提级审核（减负办设定的阈值）",
            Severity::Warning,
            true,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::estimate::estimate;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn demand(details: Details) -> Demand {
        Demand {
            title: "t".into(),
            details,
            units: 3,
            per_year: 1,
            lead_hours: Some(120),
            duty_item: Some("居民信息采集".into()),
        }
    }

    fn ctx() -> Context {
        Context {
            targets: vec![
                (1, "甲社区".into()),
                (2, "乙社区".into()),
                (3, "丙村".into()),
            ],
            duty_list: vec!["居民信息采集".into()],
            ..Context::default()
        }
    }

    fn fired(d: &Demand, c: &Context) -> Vec<String> {
        let e = estimate(d, &c.settings, None, None);
        findings(d, &e, c).into_iter().map(|f| f.rule).collect()
    }

    fn inspection(start: &str, end: &str, planned: bool) -> Details {
        Details::Inspection {
            window_start: Some(date(start)),
            window_end: Some(date(end)),
            content: "安全生产".into(),
            mergeable: true,
            in_annual_plan: planned,
        }
    }

    #[test]
    fn a_clean_demand_of_each_kind_fires_nothing() {
        let c = ctx();
        let clean = [
            Details::Report { report_id: None },
            Details::Meeting {
                date: None,
                duration_minutes: 90,
                keynote_minutes: 60,
                attendees_per_unit: 1,
                on_site: false,
            },
            inspection("2026-05-04", "2026-05-08", true),
            Details::Document {
                text: "字".repeat(5000),
                single_task: false,
            },
            Details::Task {
                description: "d".into(),
                minutes_per_unit: 30,
            },
            Details::App {
                purpose: "p".into(),
                clock_in: false,
                ranking: false,
                likes: false,
                forced_install: false,
                minutes_per_week: 10,
            },
            Details::Plaque { name: "p".into() },
            Details::Certificate {
                name: "c".into(),
                per_unit_per_year: 10,
            },
        ];
        for details in clean {
            let d = demand(details);
            assert_eq!(fired(&d, &c), Vec::<String>::new(), "{d:?}");
        }
    }

    #[test]
    fn overlap_and_register_coverage() {
        let mut c = ctx();
        c.overlaps = vec![Overlap {
            element: "person.phone".into(),
            label: "联系电话".into(),
            asked_by: vec!["ZR-500107-2026-B0001 低保花名册".into()],
        }];
        c.coverage = vec![
            Coverage {
                element: "person.name".into(),
                label: "姓名".into(),
                covered: 1.0,
            },
            Coverage {
                element: "person.phone".into(),
                label: "联系电话".into(),
                covered: 0.5,
            },
            Coverage {
                element: "person.income".into(),
                label: "收入".into(),
                covered: 0.3,
            },
        ];
        let d = demand(Details::Report { report_id: Some(1) });
        let e = estimate(&d, &c.settings, None, None);
        let f = findings(&d, &e, &c);
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f[0].message.contains("联系电话") && f[0].message.contains("B0001"));
        assert!(f[1].message.contains("姓名（100%）") && !f[1].message.contains("收入"));
    }

    #[test]
    fn a_column_the_register_prefills_is_shared_not_asked_again() {
        let mut c = ctx();
        let asked = |element: &str, label: &str| Overlap {
            element: element.into(),
            label: label.into(),
            asked_by: vec!["ZR-500107-2026-B0001 高龄老人花名册".into()],
        };
        // Names and ID numbers of a roster come from the register: asking
        // them through 一表通 is the sharing the rule asks for.
        c.overlaps = vec![
            asked("person.name", "姓名"),
            asked("person.id_number", "公民身份号码"),
        ];
        c.coverage = vec![
            Coverage {
                element: "person.name".into(),
                label: "姓名".into(),
                covered: 1.0,
            },
            Coverage {
                element: "person.id_number".into(),
                label: "公民身份号码".into(),
                covered: 0.99,
            },
        ];
        assert_eq!(overlap(&c), None);
        // A column the communities would type again still fires.
        c.overlaps.push(asked("person.phone", "联系电话"));
        c.coverage.push(Coverage {
            element: "person.phone".into(),
            label: "联系电话".into(),
            covered: 0.2,
        });
        let f = overlap(&c).expect("phone is asked again");
        assert!(f.message.starts_with("1 个数据项"), "{}", f.message);
        assert!(f.message.contains("联系电话") && !f.message.contains("姓名"));
    }

    #[test]
    fn document_caps_depend_on_single_task() {
        let c = ctx();
        let long = demand(Details::Document {
            text: "字".repeat(5001),
            single_task: false,
        });
        assert_eq!(fired(&long, &c), ["document_length"]);
        let single = demand(Details::Document {
            text: "字".repeat(4001),
            single_task: true,
        });
        let e = estimate(&single, &c.settings, None, None);
        let f = findings(&single, &e, &c);
        assert!(f[0].message.contains("4001 字") && f[0].message.contains("4000"));
        let ok = demand(Details::Document {
            text: "字".repeat(4000),
            single_task: true,
        });
        assert!(fired(&ok, &c).is_empty());
    }

    #[test]
    fn keynote_over_an_hour() {
        let d = demand(Details::Meeting {
            date: None,
            duration_minutes: 120,
            keynote_minutes: 61,
            attendees_per_unit: 1,
            on_site: false,
        });
        assert_eq!(fired(&d, &ctx()), ["keynote_length"]);
    }

    #[test]
    fn inspections_clustering_on_a_community() {
        let mut c = ctx();
        // One already booked for 甲社区 in the same week.
        c.booked_inspections = vec![BookedInspection {
            number: "ZR-500107-2026-J0001".into(),
            units: vec![1],
            start: date("2026-05-05"),
            end: date("2026-05-05"),
        }];
        let d = demand(inspection("2026-05-06", "2026-05-07", true));
        let e = estimate(&d, &c.settings, None, None);
        let f = findings(&d, &e, &c);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("同一周") && f[0].message.contains("甲社区（2 次）"));
        assert!(!f[0].message.contains("同一月"), "{}", f[0].message);
        // The next week it is within the weekly cap, and the monthly cap
        // (2) is only passed by a third.
        let next_week = demand(inspection("2026-05-12", "2026-05-12", true));
        assert!(fired(&next_week, &c).is_empty());
        c.booked_inspections.push(BookedInspection {
            number: "ZR-500107-2026-J0002".into(),
            units: vec![1, 2],
            start: date("2026-05-20"),
            end: date("2026-05-21"),
        });
        let third = fired(&next_week, &c);
        assert_eq!(third, ["inspection_frequency"]);
        // Another district's community is not counted.
        c.booked_inspections[1].units = vec![9];
        assert!(fired(&next_week, &c).is_empty());
    }

    #[test]
    fn inspection_outside_the_plan() {
        let d = demand(inspection("2026-05-04", "2026-05-04", false));
        assert_eq!(fired(&d, &ctx()), ["inspection_plan"]);
    }

    #[test]
    fn app_five_donts_names_what_it_asks() {
        let d = demand(Details::App {
            purpose: "学习".into(),
            clock_in: true,
            ranking: false,
            likes: true,
            forced_install: false,
            minutes_per_week: 10,
        });
        let c = ctx();
        let e = estimate(&d, &c.settings, None, None);
        let f = findings(&d, &e, &c);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].message, "要求基层打卡、点赞或学习时长考核。");
    }

    #[test]
    fn outside_the_duty_list_escalates() {
        let c = ctx();
        let mut d = demand(Details::Plaque { name: "p".into() });
        d.duty_item = Some("创建文明城市宣传".into());
        let e = estimate(&d, &c.settings, None, None);
        let f = findings(&d, &e, &c);
        assert_eq!(f.len(), 1);
        assert!(f[0].escalates && f[0].message.contains("创建文明城市宣传"));
        d.duty_item = None;
        assert_eq!(fired(&d, &c), ["duty_list"]);
        d.duty_item = Some(" 居民信息采集 ".into());
        assert!(fired(&d, &c).is_empty());
    }

    #[test]
    fn sent_in_the_morning_due_in_the_afternoon() {
        let mut d = demand(Details::Task {
            description: "统计".into(),
            minutes_per_unit: 20,
        });
        d.lead_hours = Some(4);
        assert_eq!(fired(&d, &ctx()), ["lead_time"]);
        d.lead_hours = Some(72);
        assert!(fired(&d, &ctx()).is_empty());
    }

    #[test]
    fn a_heavy_burden_escalates() {
        let mut d = demand(Details::Task {
            description: "入户走访".into(),
            minutes_per_unit: 600,
        });
        d.units = 219;
        d.per_year = 12;
        let c = ctx();
        let e = estimate(&d, &c.settings, None, None);
        assert_eq!(e.hours_per_year, 26280.0);
        let f = findings(&d, &e, &c);
        assert_eq!(f.len(), 1);
        assert!(f[0].escalates && f[0].message.contains("26280.0"));
    }

    #[test]
    fn a_cut_list_says_how_many_it_did_not_name() {
        let items: Vec<String> = (1..=7).map(|i| format!("项{i}")).collect();
        assert_eq!(
            super::list(&items, 6),
            "项1、项2、项3、项4、项5、项6，另 1 项（共 7 项）"
        );
        assert_eq!(super::list(&items[..2], 6), "项1、项2");
    }
}
