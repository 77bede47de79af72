//! The burden of a demand by the Standard Cost Model:
//!
//! > hours a year = communities × times a year × minutes per community ÷ 60
//!
//! and its cost at the office's hourly rate. Every figure is shown with
//! where it came from, so a department can see why its request costs what
//! it costs and what would make it cheaper.

use super::settings::Settings;
use super::{document_chars, Demand, Details};
use serde::{Deserialize, Serialize};

/// What filling a report would leave the communities to type, from
/// prefilling it against the register (the 一表通 matching).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportWork {
    /// Communities the report was prefilled for.
    pub units: u32,
    /// Cells of all those communities' tasks.
    pub cells: u64,
    /// Cells the register filled.
    pub prefilled: u64,
    /// Cells still to type, by value type (`text`, `number`, `date`,
    /// `code`, `boolean`, `id_number`), summed over the communities.
    pub typed_by_type: Vec<(String, u64)>,
}

impl ReportWork {
    pub fn typed(&self) -> u64 {
        self.typed_by_type.iter().map(|(_, n)| n).sum()
    }
}

/// Minutes per typed cell measured on filled tasks.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    pub tasks: u32,
    pub cells_typed: u64,
    pub active_minutes: f64,
}

impl Measured {
    pub fn minutes_per_cell(&self) -> Option<f64> {
        (self.cells_typed > 0).then(|| self.active_minutes / self.cells_typed as f64)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub units: u32,
    pub per_year: u32,
    pub minutes_per_unit: f64,
    pub hours_per_year: f64,
    pub hourly_rate: f64,
    pub cost_yuan: f64,
    /// The working, one line per step, in Chinese.
    pub working: Vec<String>,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The minutes one community spends on one occurrence, with the lines
/// that explain them.
fn minutes_per_unit(
    d: &Demand,
    s: &Settings,
    report: Option<&ReportWork>,
    measured: Option<&Measured>,
) -> (f64, Vec<String>) {
    let mut lines = Vec::new();
    let minutes = match &d.details {
        Details::Report { .. } => {
            let Some(w) = report.filter(|w| w.units > 0) else {
                lines.push(format!(
                    "尚未关联报表模板，无法由预填计算需填单元格；暂按每次核对报送 {} 分钟计",
                    s.report_overhead_minutes
                ));
                return (s.report_overhead_minutes, lines);
            };
            let units = w.units as f64;
            lines.push(format!(
                "按底库试预填 {} 个村社区：共 {} 个单元格，系统预填 {} 个，需基层填写 {} 个（每个村社区平均 {:.1} 个）",
                w.units,
                w.cells,
                w.prefilled,
                w.typed(),
                w.typed() as f64 / units
            ));
            let measured_rate = measured
                .filter(|m| m.tasks >= s.measured_min_tasks)
                .and_then(|m| m.minutes_per_cell().map(|r| (m, r)));
            let typing = match measured_rate {
                Some((m, rate)) => {
                    lines.push(format!(
                        "每个单元格 {rate:.2} 分钟：取自 {} 个已填报任务的实测平均（{} 个单元格，{:.0} 分钟）",
                        m.tasks, m.cells_typed, m.active_minutes
                    ));
                    w.typed() as f64 / units * rate
                }
                None => {
                    let c = &s.minutes_per_cell;
                    let mut total = 0.0;
                    for (ty, n) in &w.typed_by_type {
                        let (label, per) = match ty.as_str() {
                            "number" => ("数字", c.number),
                            "date" => ("日期", c.date),
                            "code" => ("代码选项", c.code),
                            "boolean" => ("是否", c.boolean),
                            "id_number" => ("身份证号", c.id_number),
                            _ => ("文字", c.text),
                        };
                        let avg = *n as f64 / units;
                        lines.push(format!(
                            "{label}单元格平均 {avg:.1} 个 × {per} 分钟（默认值，待实测替代）"
                        ));
                        total += avg * per;
                    }
                    total
                }
            };
            lines.push(format!(
                "填写 {typing:.1} 分钟 + 核对报送 {} 分钟",
                s.report_overhead_minutes
            ));
            typing + s.report_overhead_minutes
        }
        Details::Meeting {
            duration_minutes,
            attendees_per_unit,
            on_site,
            ..
        } => {
            let travel = if *on_site {
                s.meeting_travel_minutes
            } else {
                0.0
            };
            lines.push(format!(
                "（会议 {duration_minutes} 分钟{}）× 每个村社区 {attendees_per_unit} 人",
                if *on_site {
                    format!(" + 往返 {travel} 分钟")
                } else {
                    "，线上参加".to_string()
                }
            ));
            (*duration_minutes as f64 + travel) * *attendees_per_unit as f64
        }
        Details::Inspection { .. } => {
            lines.push(format!(
                "每次迎检准备与接待 {} 分钟（可调整的默认值）",
                s.inspection_minutes
            ));
            s.inspection_minutes
        }
        Details::Document { text, .. } => {
            let chars = document_chars(text);
            let reading = chars as f64 / s.reading_chars_per_minute;
            lines.push(format!(
                "全文 {chars} 字 ÷ 每分钟 {} 字 = 阅读 {reading:.1} 分钟，另加传达处理 {} 分钟",
                s.reading_chars_per_minute, s.document_handling_minutes
            ));
            reading + s.document_handling_minutes
        }
        Details::Task {
            minutes_per_unit, ..
        } => {
            lines.push(format!(
                "每个村社区 {minutes_per_unit} 分钟（申请部门估计）"
            ));
            *minutes_per_unit as f64
        }
        Details::App {
            minutes_per_week, ..
        } => {
            // An app is used all year: its burden is weekly, whatever
            // per_year says.
            lines.push(format!(
                "每周使用 {minutes_per_week} 分钟 × 52 周，按每年 1 次计"
            ));
            *minutes_per_week as f64 * 52.0
        }
        Details::Plaque { .. } => {
            lines.push(format!("挂牌及维护 {} 分钟（一次性）", s.plaque_minutes));
            s.plaque_minutes
        }
        Details::Certificate {
            per_unit_per_year, ..
        } => {
            lines.push(format!(
                "每年开具 {per_unit_per_year} 份 × 每份 {} 分钟",
                s.certificate_minutes
            ));
            *per_unit_per_year as f64 * s.certificate_minutes
        }
    };
    (minutes, lines)
}

/// The times a year that count for a kind: an app, a plaque and a
/// certificate are costed as one yearly occurrence.
pub fn effective_per_year(d: &Demand) -> u32 {
    match d.details {
        Details::App { .. } | Details::Plaque { .. } | Details::Certificate { .. } => 1,
        _ => d.per_year.max(1),
    }
}

/// The burden of a demand, with its working.
pub fn estimate(
    d: &Demand,
    s: &Settings,
    report: Option<&ReportWork>,
    measured: Option<&Measured>,
) -> Estimate {
    let (minutes, mut working) = minutes_per_unit(d, s, report, measured);
    let per_year = effective_per_year(d);
    let hours = d.units as f64 * per_year as f64 * minutes / 60.0;
    working.push(format!(
        "{} 个村社区 × 每年 {per_year} 次 × 每次 {:.1} 分钟 ÷ 60 = 每年 {:.1} 小时",
        d.units,
        minutes,
        round1(hours)
    ));
    let cost = hours * s.hourly_rate;
    working.push(format!(
        "{:.1} 小时 × 每小时 {} 元 = {:.0} 元",
        round1(hours),
        s.hourly_rate,
        cost
    ));
    Estimate {
        units: d.units,
        per_year,
        minutes_per_unit: round1(minutes),
        hours_per_year: round1(hours),
        hourly_rate: s.hourly_rate,
        cost_yuan: cost.round(),
        working,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demand(details: Details, units: u32, per_year: u32) -> Demand {
        Demand {
            title: "t".into(),
            details,
            units,
            per_year,
            lead_hours: None,
            duty_item: None,
        }
    }

    #[test]
    fn a_report_costs_only_its_typed_cells() {
        let s = Settings::default();
        let d = demand(Details::Report { report_id: Some(1) }, 10, 12);
        let w = ReportWork {
            units: 10,
            cells: 1000,
            prefilled: 900,
            typed_by_type: vec![("text".into(), 60), ("boolean".into(), 40)],
        };
        let e = estimate(&d, &s, Some(&w), None);
        // 6 text × 0.5 + 4 boolean × 0.1 + 5 overhead = 8.4 minutes.
        assert_eq!(e.minutes_per_unit, 8.4);
        // 10 × 12 × 8.4 / 60 = 16.8 hours, at 40 元 = 672 元.
        assert_eq!(e.hours_per_year, 16.8);
        assert_eq!(e.cost_yuan, 672.0);
        assert!(e.working.iter().any(|l| l.contains("系统预填 900")));
        // Fully prefilled, only the overhead remains.
        let none = ReportWork {
            typed_by_type: vec![],
            ..w.clone()
        };
        assert_eq!(estimate(&d, &s, Some(&none), None).minutes_per_unit, 5.0);
    }

    #[test]
    fn measured_averages_replace_defaults_once_there_are_enough() {
        let s = Settings::default();
        let d = demand(Details::Report { report_id: Some(1) }, 2, 1);
        let w = ReportWork {
            units: 2,
            cells: 100,
            prefilled: 80,
            typed_by_type: vec![("text".into(), 20)],
        };
        let few = Measured {
            tasks: 2,
            cells_typed: 10,
            active_minutes: 30.0,
        };
        assert_eq!(
            estimate(&d, &s, Some(&w), Some(&few)).minutes_per_unit,
            10.0
        );
        let many = Measured { tasks: 9, ..few };
        // 10 cells per community × 3 minutes + 5 overhead.
        let e = estimate(&d, &s, Some(&w), Some(&many));
        assert_eq!(e.minutes_per_unit, 35.0);
        assert!(
            e.working.iter().any(|l| l.contains("实测")),
            "{:?}",
            e.working
        );
    }

    #[test]
    fn other_kinds() {
        let s = Settings::default();
        let meeting = demand(
            Details::Meeting {
                date: None,
                duration_minutes: 90,
                keynote_minutes: 30,
                attendees_per_unit: 2,
                on_site: true,
            },
            100,
            4,
        );
        // (90 + 60) × 2 = 300 minutes; 100 × 4 × 300 / 60 = 2000 hours.
        let e = estimate(&meeting, &s, None, None);
        assert_eq!(e.hours_per_year, 2000.0);
        let doc = demand(
            Details::Document {
                text: "字".repeat(3000),
                single_task: false,
            },
            219,
            1,
        );
        // 3000 / 300 = 10 minutes reading + 10 handling.
        assert_eq!(estimate(&doc, &s, None, None).minutes_per_unit, 20.0);
        let app = demand(
            Details::App {
                purpose: "p".into(),
                clock_in: false,
                ranking: false,
                likes: false,
                forced_install: false,
                minutes_per_week: 30,
            },
            10,
            12,
        );
        let e = estimate(&app, &s, None, None);
        assert_eq!(e.per_year, 1);
        assert_eq!(e.hours_per_year, 260.0);
    }
}
