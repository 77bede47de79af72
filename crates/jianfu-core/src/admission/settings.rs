//! Every figure of the gate that the 减负办 may tune. The defaults are the
//! figures of the policies named in [`super::rules`]; the cost figures are
//! starting points until measured averages replace them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// 元 per hour of a community worker's time.
    pub hourly_rate: f64,
    /// Minutes to type one cell, by the element's value type, until
    /// filled tasks give a measured average.
    pub minutes_per_cell: CellMinutes,
    /// Filled tasks (with typed cells) needed before the measured average
    /// replaces the defaults.
    pub measured_min_tasks: u32,
    /// Minutes to check and submit a report once, however few its gaps.
    pub report_overhead_minutes: f64,
    /// Travel to and from an on-site meeting.
    pub meeting_travel_minutes: f64,
    /// Preparing for and receiving one inspection.
    pub inspection_minutes: f64,
    /// Reading speed for documents, characters per minute.
    pub reading_chars_per_minute: f64,
    /// Handling a document besides reading it (filing, relaying).
    pub document_handling_minutes: f64,
    /// Hanging and keeping a plaque, once.
    pub plaque_minutes: f64,
    /// Issuing one certificate.
    pub certificate_minutes: f64,
    pub document_max_chars: usize,
    pub single_task_document_max_chars: usize,
    pub keynote_max_minutes: u32,
    /// Inspections one community may receive in a week and in a month.
    pub inspections_per_week: u32,
    pub inspections_per_month: u32,
    /// Hours between receiving a demand and its deadline, at least.
    pub min_lead_hours: u32,
    /// Yearly burden above which a request is escalated (提级审核).
    pub escalation_hours: f64,
    /// Register coverage of an element from which the register is said to
    /// hold it already.
    pub held_coverage: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CellMinutes {
    pub text: f64,
    pub number: f64,
    pub date: f64,
    pub code: f64,
    pub boolean: f64,
    pub id_number: f64,
}

impl Default for CellMinutes {
    fn default() -> Self {
        CellMinutes {
            text: 0.5,
            number: 0.3,
            date: 0.4,
            code: 0.2,
            boolean: 0.1,
            id_number: 0.8,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            hourly_rate: 40.0,
            minutes_per_cell: CellMinutes::default(),
            measured_min_tasks: 5,
            report_overhead_minutes: 5.0,
            meeting_travel_minutes: 60.0,
            inspection_minutes: 240.0,
            reading_chars_per_minute: 300.0,
            document_handling_minutes: 10.0,
            plaque_minutes: 60.0,
            certificate_minutes: 15.0,
            document_max_chars: 5000,
            single_task_document_max_chars: 4000,
            keynote_max_minutes: 60,
            inspections_per_week: 1,
            inspections_per_month: 2,
            min_lead_hours: 72,
            escalation_hours: 2000.0,
            held_coverage: 0.9,
        }
    }
}

impl Settings {
    /// Figures that make no sense, in Chinese, each naming its field.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let positive = [
            ("每小时成本", self.hourly_rate),
            ("阅读速度", self.reading_chars_per_minute),
            ("提级审核阈值", self.escalation_hours),
        ];
        for (name, v) in positive {
            if !(v.is_finite() && v > 0.0) {
                out.push(format!("{name}必须是大于 0 的数，当前为 {v}"));
            }
        }
        let m = &self.minutes_per_cell;
        let non_negative = [
            ("每次报送的核对时间", self.report_overhead_minutes),
            ("往返会场时间", self.meeting_travel_minutes),
            ("迎检准备时间", self.inspection_minutes),
            ("文件处理时间", self.document_handling_minutes),
            ("挂牌时间", self.plaque_minutes),
            ("开具证明时间", self.certificate_minutes),
            ("文本单元格分钟数", m.text),
            ("数字单元格分钟数", m.number),
            ("日期单元格分钟数", m.date),
            ("代码单元格分钟数", m.code),
            ("是否单元格分钟数", m.boolean),
            ("身份证号单元格分钟数", m.id_number),
        ];
        for (name, v) in non_negative {
            if !(v.is_finite() && v >= 0.0) {
                out.push(format!("{name}不能为负数，当前为 {v}"));
            }
        }
        if !(0.0..=1.0).contains(&self.held_coverage) {
            out.push(format!(
                "“底库已有”的覆盖率须在 0 到 1 之间，当前为 {}",
                self.held_coverage
            ));
        }
        if self.single_task_document_max_chars > self.document_max_chars {
            out.push("单项工作文件的字数上限不应高于一般文件".to_string());
        }
        if self.inspections_per_week > self.inspections_per_month {
            out.push("每周检查上限不应高于每月上限".to_string());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_sane_and_partial_json_keeps_them() {
        assert!(Settings::default().problems().is_empty());
        let s: Settings = serde_json::from_str(r#"{"hourly_rate": 55}"#).unwrap();
        assert_eq!(s.hourly_rate, 55.0);
        assert_eq!(s.document_max_chars, 5000);
        let bad = Settings {
            hourly_rate: 0.0,
            held_coverage: 1.5,
            ..Settings::default()
        };
        assert_eq!(bad.problems().len(), 2, "{:?}", bad.problems());
    }
}
