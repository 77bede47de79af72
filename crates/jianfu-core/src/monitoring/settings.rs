//! The thresholds of the rebound warnings, which the 减负办 tunes. The
//! defaults follow the patterns inspections recorded (brief §6): several
//! departments on one community the same day, one department 7 times on a
//! township in two months, ≈90% of inspections outside any plan.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MonitoringSettings {
    /// A department's hours on communities rising more than this (%)
    /// against the same month last year.
    pub yoy_rise_pct: f64,
    /// … or against its average of the three months before.
    pub trailing_rise_pct: f64,
    /// Below this many hours in a month a department's changes are noise.
    pub min_department_hours: f64,
    /// Inspections on one community on one day from which it is a pile-up.
    pub inspections_same_day: u32,
    /// Inspections on one community in one week from which it is a pile-up.
    pub inspections_same_week: u32,
    /// One department visiting the same unit more than this many times …
    pub repeat_visits: u32,
    /// … within this many days.
    pub repeat_window_days: u32,
    /// A department's demands arriving unadmitted or unplanned above this
    /// share (%) of its demands over three months …
    pub unadmitted_share_pct: f64,
    /// … counted only from this many such demands.
    pub unadmitted_min_items: u32,
    /// Hours between receiving a demand and its deadline, at least.
    pub min_lead_hours: u32,
    /// A monitoring point reporting this much (%) more time than the ledger
    /// shows for its month.
    pub hidden_gap_pct: f64,
    /// Working days a department has to answer a warning.
    pub answer_working_days: u32,
    /// Working days a township has to call back and settle a bad resident
    /// rating (好差评; Sichuan's rule is 15, Dezhou's 5).
    pub bad_rating_working_days: u32,
    /// Days off the built-in holiday notices do not know yet (a later
    /// year's notice, a local holiday), for deadlines in working days.
    pub extra_days_off: Vec<chrono::NaiveDate>,
    /// Weekend days worked (调休上班) the built-in notices do not know.
    pub extra_working_days: Vec<chrono::NaiveDate>,
}

impl Default for MonitoringSettings {
    fn default() -> Self {
        MonitoringSettings {
            yoy_rise_pct: 20.0,
            trailing_rise_pct: 30.0,
            min_department_hours: 20.0,
            inspections_same_day: 2,
            inspections_same_week: 3,
            repeat_visits: 3,
            repeat_window_days: 61,
            unadmitted_share_pct: 20.0,
            unadmitted_min_items: 3,
            min_lead_hours: 24,
            hidden_gap_pct: 20.0,
            answer_working_days: 10,
            bad_rating_working_days: 15,
            extra_days_off: Vec::new(),
            extra_working_days: Vec::new(),
        }
    }
}

impl MonitoringSettings {
    /// The working-day calendar: the built-in notices and the additions.
    pub fn calendar(&self) -> crate::calendar::WorkCalendar {
        crate::calendar::WorkCalendar::with_additions(
            &self.extra_days_off,
            &self.extra_working_days,
        )
    }

    /// Every figure in range, or the first one that is not, in Chinese.
    pub fn validate(&self) -> Result<(), String> {
        let pcts = [
            ("同比上升阈值", self.yoy_rise_pct),
            ("环比上升阈值", self.trailing_rise_pct),
            ("未准入占比阈值", self.unadmitted_share_pct),
            ("隐性负担差额阈值", self.hidden_gap_pct),
        ];
        for (name, v) in pcts {
            if !(0.0..=1000.0).contains(&v) || v.is_nan() {
                return Err(format!("{name}应在 0 到 1000（%）之间，现为 {v}"));
            }
        }
        if !(0.0..=100_000.0).contains(&self.min_department_hours) {
            return Err("部门月负担下限应在 0 到 100000 小时之间".into());
        }
        let counts = [
            ("同日检查次数", self.inspections_same_day),
            ("同周检查次数", self.inspections_same_week),
            ("重复到访次数", self.repeat_visits),
        ];
        for (name, v) in counts {
            if !(1..=100).contains(&v) {
                return Err(format!("{name}应在 1 到 100 之间，现为 {v}"));
            }
        }
        if !(1..=1000).contains(&self.unadmitted_min_items) {
            return Err(format!(
                "未准入事项下限应在 1 到 1000 之间，现为 {}",
                self.unadmitted_min_items
            ));
        }
        if !(1..=720).contains(&self.min_lead_hours) {
            return Err(format!(
                "最短提前时间应在 1 到 720 小时之间，现为 {}",
                self.min_lead_hours
            ));
        }
        if !(1..=366).contains(&self.repeat_window_days) {
            return Err("重复到访的统计天数应在 1 到 366 之间".into());
        }
        if !(1..=60).contains(&self.answer_working_days) {
            return Err("部门答复期限应在 1 到 60 个工作日之间".into());
        }
        if !(1..=60).contains(&self.bad_rating_working_days) {
            return Err("差评整改期限应在 1 到 60 个工作日之间".into());
        }
        if self.extra_days_off.len() + self.extra_working_days.len() > 400 {
            return Err("补充的节假日和调休上班日合计不能超过 400 天".into());
        }
        use chrono::{Datelike, Weekday};
        // 调休上班 moves work onto a weekend; a weekday is worked anyway.
        if let Some(d) = self
            .extra_working_days
            .iter()
            .find(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        {
            return Err(format!(
                "补充的调休上班日 {d} 不是周六或周日：调休上班只会安排在周末"
            ));
        }
        if let Some(d) = self
            .extra_days_off
            .iter()
            .find(|d| self.extra_working_days.contains(d))
        {
            return Err(format!("补充的节假日 {d} 同时被填为调休上班日"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_figures_are_named() {
        assert_eq!(MonitoringSettings::default().validate(), Ok(()));
        let bad = MonitoringSettings {
            yoy_rise_pct: -5.0,
            ..Default::default()
        };
        assert!(bad.validate().unwrap_err().contains("同比上升阈值"));
        let bad = MonitoringSettings {
            repeat_visits: 0,
            ..Default::default()
        };
        assert!(bad.validate().unwrap_err().contains("重复到访次数"));
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let monday = MonitoringSettings {
            extra_working_days: vec![day("2027-02-15")],
            ..Default::default()
        };
        assert!(monday.validate().unwrap_err().contains("2027-02-15"));
        let both = MonitoringSettings {
            extra_days_off: vec![day("2027-02-13")],
            extra_working_days: vec![day("2027-02-13")],
            ..Default::default()
        };
        assert!(both.validate().unwrap_err().contains("同时"));
        let fine = MonitoringSettings {
            extra_days_off: vec![day("2027-02-08")],
            extra_working_days: vec![day("2027-02-13")],
            ..Default::default()
        };
        assert_eq!(fine.validate(), Ok(()));
    }
}
