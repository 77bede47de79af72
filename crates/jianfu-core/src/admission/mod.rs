//! 准入: every demand a department wants to push down to communities is
//! described, costed and checked before it may reach them.
//!
//! - [`Demand`]: what is asked, of how many communities, how often, with
//!   the fields of its kind ([`Details`]);
//! - [`estimate`]: its burden by the Standard Cost Model, with the working
//!   shown line by line;
//! - [`rules`]: the automatic findings, each naming its rule and where the
//!   rule comes from;
//! - [`caps`]: the yearly caps (总量控制/熔断) and the numbers of a breach;
//! - [`settings`]: every figure the office may tune.

pub mod caps;
pub mod estimate;
pub mod rules;
pub mod settings;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// The kinds of demand the gate admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DemandKind {
    Report,
    Meeting,
    Inspection,
    Document,
    Task,
    App,
    Plaque,
    Certificate,
}

impl DemandKind {
    pub const ALL: [DemandKind; 8] = [
        DemandKind::Report,
        DemandKind::Meeting,
        DemandKind::Inspection,
        DemandKind::Document,
        DemandKind::Task,
        DemandKind::App,
        DemandKind::Plaque,
        DemandKind::Certificate,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DemandKind::Report => "report",
            DemandKind::Meeting => "meeting",
            DemandKind::Inspection => "inspection",
            DemandKind::Document => "document",
            DemandKind::Task => "task",
            DemandKind::App => "app",
            DemandKind::Plaque => "plaque",
            DemandKind::Certificate => "certificate",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            DemandKind::Report => "报表/台账",
            DemandKind::Meeting => "会议",
            DemandKind::Inspection => "督查检查考核",
            DemandKind::Document => "文件",
            DemandKind::Task => "工作任务",
            DemandKind::App => "政务APP/工作群",
            DemandKind::Plaque => "挂牌",
            DemandKind::Certificate => "证明事项",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            DemandKind::Report => "Report / register",
            DemandKind::Meeting => "Meeting",
            DemandKind::Inspection => "Inspection / assessment",
            DemandKind::Document => "Document",
            DemandKind::Task => "Work task",
            DemandKind::App => "App / work group",
            DemandKind::Plaque => "Plaque",
            DemandKind::Certificate => "Certificate",
        }
    }

    /// The letter in a 准入编号, so the number alone tells the kind.
    fn letter(self) -> char {
        match self {
            DemandKind::Report => 'B',
            DemandKind::Meeting => 'H',
            DemandKind::Inspection => 'J',
            DemandKind::Document => 'W',
            DemandKind::Task => 'R',
            DemandKind::App => 'A',
            DemandKind::Plaque => 'P',
            DemandKind::Certificate => 'Z',
        }
    }

    pub fn from_code(s: &str) -> Option<DemandKind> {
        DemandKind::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// Ceilings on a request's own figures; each is far above any real demand
/// and far below what overflows an estimate.
pub const LIMIT_MEETING_MINUTES: u32 = 24 * 60;
pub const LIMIT_ATTENDEES: u32 = 1_000;
pub const LIMIT_TASK_MINUTES: u32 = 60 * 24 * 31;
pub const LIMIT_APP_MINUTES_PER_WEEK: u32 = 60 * 24 * 7;
pub const LIMIT_CERTIFICATES_PER_YEAR: u32 = 100_000;
pub const LIMIT_TEXT_CHARS: usize = 200_000;

/// The fields each kind of demand has of its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Details {
    /// A report or register: the template decides its burden.
    Report {
        report_id: Option<i64>,
    },
    Meeting {
        date: Option<NaiveDate>,
        /// Length of the whole meeting.
        duration_minutes: u32,
        /// Length of the main speech (主讲话).
        keynote_minutes: u32,
        attendees_per_unit: u32,
        on_site: bool,
    },
    Inspection {
        window_start: Option<NaiveDate>,
        window_end: Option<NaiveDate>,
        content: String,
        /// Whether it could be merged with another inspection.
        mergeable: bool,
        /// Whether it was filed in the year's inspection plan.
        in_annual_plan: bool,
    },
    Document {
        text: String,
        /// A single-task document (单项工作文件) has a shorter cap.
        single_task: bool,
    },
    Task {
        description: String,
        /// The requester's own estimate of a community's time.
        minutes_per_unit: u32,
    },
    App {
        purpose: String,
        clock_in: bool,
        ranking: bool,
        likes: bool,
        forced_install: bool,
        /// Minutes a community spends on it in a week.
        minutes_per_week: u32,
    },
    Plaque {
        name: String,
    },
    Certificate {
        name: String,
        /// Certificates a community issues in a year.
        per_unit_per_year: u32,
    },
}

impl Details {
    pub fn kind(&self) -> DemandKind {
        match self {
            Details::Report { .. } => DemandKind::Report,
            Details::Meeting { .. } => DemandKind::Meeting,
            Details::Inspection { .. } => DemandKind::Inspection,
            Details::Document { .. } => DemandKind::Document,
            Details::Task { .. } => DemandKind::Task,
            Details::App { .. } => DemandKind::App,
            Details::Plaque { .. } => DemandKind::Plaque,
            Details::Certificate { .. } => DemandKind::Certificate,
        }
    }

    /// Problems that make the request impossible to assess, in Chinese,
    /// each naming its field. Figures past what any real demand asks are
    /// refused too: a meeting of 4,294,967,295 minutes once became an
    /// estimate of 2.46e22 hours.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut at_most = |what: &str, value: u32, max: u32| {
            if value > max {
                out.push(format!("{what} {value} 超出合理范围（最多 {max}）"));
            }
        };
        match self {
            Details::Meeting {
                duration_minutes,
                keynote_minutes,
                attendees_per_unit,
                ..
            } => {
                at_most("会议时长（分钟）", *duration_minutes, LIMIT_MEETING_MINUTES);
                at_most(
                    "主讲话时长（分钟）",
                    *keynote_minutes,
                    LIMIT_MEETING_MINUTES,
                );
                at_most("每个村社区参会人数", *attendees_per_unit, LIMIT_ATTENDEES);
            }
            Details::Task {
                minutes_per_unit, ..
            } => at_most(
                "每个村社区所需分钟数",
                *minutes_per_unit,
                LIMIT_TASK_MINUTES,
            ),
            Details::App {
                minutes_per_week, ..
            } => at_most(
                "每周使用分钟数",
                *minutes_per_week,
                LIMIT_APP_MINUTES_PER_WEEK,
            ),
            Details::Certificate {
                per_unit_per_year, ..
            } => at_most(
                "每年开具份数",
                *per_unit_per_year,
                LIMIT_CERTIFICATES_PER_YEAR,
            ),
            _ => {}
        }
        let text_len = match self {
            Details::Document { text, .. } => text.chars().count(),
            Details::Inspection { content: t, .. }
            | Details::Task { description: t, .. }
            | Details::App { purpose: t, .. }
            | Details::Plaque { name: t }
            | Details::Certificate { name: t, .. } => t.chars().count(),
            _ => 0,
        };
        if text_len > LIMIT_TEXT_CHARS {
            out.push(format!(
                "文字 {text_len} 字超出上限（最多 {LIMIT_TEXT_CHARS} 字）"
            ));
        }
        match self {
            Details::Meeting {
                duration_minutes,
                keynote_minutes,
                attendees_per_unit,
                ..
            } => {
                if *duration_minutes == 0 {
                    out.push("会议时长（分钟）必须大于 0".to_string());
                }
                if keynote_minutes > duration_minutes {
                    out.push(format!(
                        "主讲话时长 {keynote_minutes} 分钟超过会议时长 {duration_minutes} 分钟"
                    ));
                }
                if *attendees_per_unit == 0 {
                    out.push("每个村社区参会人数必须大于 0".to_string());
                }
            }
            Details::Inspection {
                window_start,
                window_end,
                content,
                ..
            } => {
                if content.trim().is_empty() {
                    out.push("请填写检查内容".to_string());
                }
                match (window_start, window_end) {
                    (Some(s), Some(e)) if e < s => {
                        out.push(format!("检查时段的结束日期 {e} 早于开始日期 {s}"))
                    }
                    (None, _) | (_, None) => out.push("请填写检查时段的开始和结束日期".to_string()),
                    _ => {}
                }
            }
            Details::Document { text, .. } => {
                if text.trim().is_empty() {
                    out.push("请粘贴文件全文（用于计算字数）".to_string());
                }
            }
            Details::Task {
                description,
                minutes_per_unit,
            } => {
                if description.trim().is_empty() {
                    out.push("请填写工作任务的内容".to_string());
                }
                if *minutes_per_unit == 0 {
                    out.push("请估计每个村社区完成任务所需的分钟数".to_string());
                }
            }
            Details::App { purpose, .. } => {
                if purpose.trim().is_empty() {
                    out.push("请填写政务APP或工作群的用途".to_string());
                }
            }
            Details::Plaque { name } | Details::Certificate { name, .. } => {
                if name.trim().is_empty() {
                    out.push("请填写名称".to_string());
                }
            }
            Details::Report { .. } => {}
        }
        out
    }
}

/// A demand as the gate weighs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Demand {
    pub title: String,
    pub details: Details,
    /// Communities it reaches.
    pub units: u32,
    /// Times a year each community meets it.
    pub per_year: u32,
    /// Hours a community has between receiving it and its deadline.
    pub lead_hours: Option<u32>,
    /// The duty-list (职责清单) item it falls under, if any.
    pub duty_item: Option<String>,
}

/// A 准入编号: district, year, kind letter and sequence, e.g.
/// `ZR-500107-2026-B0007`. It is printed on the demand so a community
/// can look it up.
pub fn admission_number(district_code: &str, year: i32, kind: DemandKind, seq: u32) -> String {
    let district: String = district_code.chars().take(6).collect();
    format!("ZR-{district}-{year}-{}{seq:04}", kind.letter())
}

/// Whether a text has the shape of a 准入编号; a lookup of anything else
/// is answered without touching the database.
pub fn looks_like_number(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 4
        && parts[0] == "ZR"
        && parts[1].len() == 6
        && parts[1].bytes().all(|b| b.is_ascii_digit())
        && parts[2].len() == 4
        && parts[2].bytes().all(|b| b.is_ascii_digit())
        && parts[3].len() >= 5
        && parts[3].as_bytes()[0].is_ascii_uppercase()
        && parts[3][1..].bytes().all(|b| b.is_ascii_digit())
}

/// The last day an admission is valid: a year after admission, or the end
/// of the requested period if that comes first.
pub fn valid_until(admitted: NaiveDate, requested: Option<NaiveDate>) -> NaiveDate {
    let year_later = admitted
        .with_year(admitted.year() + 1)
        .unwrap_or(admitted + chrono::Duration::days(365))
        - chrono::Duration::days(1);
    match requested {
        Some(r) if r >= admitted && r < year_later => r,
        _ => year_later,
    }
}

/// Characters of a document as the length caps count them: every
/// character except whitespace.
pub fn document_chars(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_well_formed_and_recognised() {
        let n = admission_number("500107003003", 2026, DemandKind::Report, 7);
        assert_eq!(n, "ZR-500107-2026-B0007");
        assert!(looks_like_number(&n));
        assert!(looks_like_number("ZR-500107-2026-J12345"));
        for bad in [
            "",
            "ZR-500107-2026",
            "ZR-50010-2026-B0007",
            "ZR-500107-2026-b0007",
            "ZR-500107-2026-B00x7",
            "' OR 1=1 --",
            "ZR-500107-2026-B0007-1",
        ] {
            assert!(!looks_like_number(bad), "{bad}");
        }
    }

    #[test]
    fn kinds_round_trip_their_codes() {
        for k in DemandKind::ALL {
            assert_eq!(DemandKind::from_code(k.code()), Some(k));
        }
        assert_eq!(DemandKind::from_code("wechat"), None);
        let d: Details = serde_json::from_str(
            r#"{"kind":"meeting","date":"2026-12-01","duration_minutes":90,
                "keynote_minutes":30,"attendees_per_unit":2,"on_site":true}"#,
        )
        .unwrap();
        assert_eq!(d.kind(), DemandKind::Meeting);
        assert!(d.problems().is_empty());
    }

    #[test]
    fn validity_is_at_most_a_year() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(valid_until(d("2026-11-21"), None), d("2027-11-20"));
        assert_eq!(
            valid_until(d("2026-11-21"), Some(d("2026-12-31"))),
            d("2026-12-31")
        );
        assert_eq!(
            valid_until(d("2026-11-21"), Some(d("2030-01-01"))),
            d("2027-11-20")
        );
        assert_eq!(valid_until(d("2024-02-29"), None), d("2025-02-27"));
    }

    #[test]
    fn problems_name_the_field() {
        let m = Details::Meeting {
            date: None,
            duration_minutes: 30,
            keynote_minutes: 45,
            attendees_per_unit: 0,
            on_site: false,
        };
        let p = m.problems();
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("主讲话"));
        let i = Details::Inspection {
            window_start: NaiveDate::from_ymd_opt(2026, 5, 2),
            window_end: NaiveDate::from_ymd_opt(2026, 5, 1),
            content: "安全".into(),
            mergeable: false,
            in_annual_plan: true,
        };
        assert!(i.problems()[0].contains("早于"));
        assert_eq!(document_chars("一 二\n三\t"), 3);
    }

    #[test]
    fn absurd_figures_are_refused_with_their_field() {
        let d = Details::Meeting {
            date: None,
            duration_minutes: u32::MAX,
            keynote_minutes: 30,
            attendees_per_unit: 2,
            on_site: true,
        };
        let p = d.problems();
        assert!(
            p.iter()
                .any(|m| m.contains("会议时长") && m.contains("4294967295")),
            "{p:?}"
        );
        let ok = Details::Meeting {
            date: None,
            duration_minutes: 90,
            keynote_minutes: 30,
            attendees_per_unit: 2,
            on_site: true,
        };
        assert!(ok.problems().is_empty());
    }
}
