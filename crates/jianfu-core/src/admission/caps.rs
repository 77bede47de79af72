//! 总量控制/熔断: each department's yearly demands on communities, per kind,
//! are capped both as a count and as burden hours, and the total may not
//! rise above last year's. A request that would pass a cap is refused
//! with the numbers, unless the county level has recorded an override.

use serde::{Deserialize, Serialize};

/// What a department has had admitted in a year, for one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    pub count: u32,
    pub hours: f64,
}

/// A yearly cap; either part may be absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Cap {
    pub max_count: Option<u32>,
    pub max_hours: Option<f64>,
}

/// Where the cap in force comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapBasis {
    /// Set by the 减负办 for this year.
    Set,
    /// None set: last year's admitted total, which may not be passed.
    LastYear,
    /// Neither: the first year on record.
    None,
}

/// The cap in force: this year's, else last year's total.
pub fn in_force(set: Option<Cap>, last_year: Option<Usage>) -> (Cap, CapBasis) {
    match (set, last_year) {
        (Some(c), _) => (c, CapBasis::Set),
        (None, Some(u)) if u.count > 0 => (
            Cap {
                max_count: Some(u.count),
                max_hours: Some(u.hours),
            },
            CapBasis::LastYear,
        ),
        _ => (Cap::default(), CapBasis::None),
    }
}

/// Why adding `hours` would pass the cap, with the numbers; `None` if it
/// fits.
pub fn breach(cap: &Cap, used: &Usage, hours: f64, basis: CapBasis) -> Option<String> {
    let whose = match basis {
        CapBasis::LastYear => "（未单独设定，按不超过上年总量）",
        _ => "",
    };
    let mut parts = Vec::new();
    if let Some(max) = cap.max_count {
        if used.count + 1 > max {
            parts.push(format!(
                "数量：已准入 {} 项，上限 {max} 项{whose}，再准入将达 {} 项",
                used.count,
                used.count + 1
            ));
        }
    }
    if let Some(max) = cap.max_hours {
        // A cent of an hour is rounding, not burden.
        if used.hours + hours > max + 0.01 {
            parts.push(format!(
                "负担：已用 {:.1} 小时，本项 {:.1} 小时，合计 {:.1} 小时，超过上限 {max:.1} 小时{whose}",
                used.hours,
                hours,
                used.hours + hours
            ));
        }
    }
    (!parts.is_empty()).then(|| parts.join("；"))
}

/// Why adding `hours` would take a department's total over all kinds
/// above last year's total (总量只减不增), with the numbers; `None` if it
/// fits or there is no last year on record.
pub fn department_breach(used: &Usage, hours: f64, last_year: Option<Usage>) -> Option<String> {
    let last = last_year.filter(|u| u.count > 0)?;
    let mut parts = Vec::new();
    if used.count + 1 > last.count {
        parts.push(format!(
            "本部门今年已准入 {} 项，上年共 {} 项",
            used.count, last.count
        ));
    }
    if used.hours + hours > last.hours + 0.01 {
        parts.push(format!(
            "今年负担将达 {:.1} 小时，上年共 {:.1} 小时",
            used.hours + hours,
            last.hours
        ));
    }
    (!parts.is_empty()).then(|| format!("部门年度总量不得高于上年：{}", parts.join("，")))
}

/// Whether a cap may be set for a year: never above last year's total.
pub fn check_new_cap(cap: &Cap, last_year: Option<Usage>) -> Result<(), String> {
    if let Some(h) = cap.max_hours {
        if !(h.is_finite() && h >= 0.0) {
            return Err(format!("负担上限须为不小于 0 的小时数，当前为 {h}"));
        }
    }
    let Some(last) = last_year.filter(|u| u.count > 0) else {
        return Ok(());
    };
    let mut over = Vec::new();
    if let Some(c) = cap.max_count.filter(|c| *c > last.count) {
        over.push(format!("数量上限 {c} 项高于上年总量 {} 项", last.count));
    }
    if let Some(h) = cap.max_hours.filter(|h| *h > last.hours + 0.01) {
        over.push(format!(
            "负担上限 {h:.1} 小时高于上年总量 {:.1} 小时",
            last.hours
        ));
    }
    if over.is_empty() {
        Ok(())
    } else {
        Err(format!("年度总量只减不增：{}", over.join("；")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_passing_either_part_is_refused_with_numbers() {
        let cap = Cap {
            max_count: Some(3),
            max_hours: Some(100.0),
        };
        let used = Usage {
            count: 2,
            hours: 90.0,
        };
        assert_eq!(breach(&cap, &used, 10.0, CapBasis::Set), None);
        let b = breach(&cap, &used, 10.5, CapBasis::Set).unwrap();
        assert!(
            b.contains("合计 100.5 小时") && b.contains("上限 100.0"),
            "{b}"
        );
        let full = Usage {
            count: 3,
            hours: 10.0,
        };
        let b = breach(&cap, &full, 1.0, CapBasis::Set).unwrap();
        assert!(b.contains("已准入 3 项，上限 3 项"), "{b}");
        assert_eq!(breach(&Cap::default(), &full, 1e9, CapBasis::None), None);
    }

    #[test]
    fn last_years_total_is_the_cap_when_none_is_set() {
        let last = Usage {
            count: 4,
            hours: 50.0,
        };
        let (cap, basis) = in_force(None, Some(last));
        assert_eq!(basis, CapBasis::LastYear);
        let b = breach(&cap, &last, 1.0, basis).unwrap();
        assert!(b.contains("上年总量"), "{b}");
        assert_eq!(in_force(None, None).1, CapBasis::None);
        let set = Cap {
            max_count: Some(9),
            max_hours: None,
        };
        assert_eq!(in_force(Some(set), Some(last)), (set, CapBasis::Set));
    }

    #[test]
    fn a_department_total_may_not_rise_above_last_year() {
        let last = Some(Usage {
            count: 3,
            hours: 100.0,
        });
        let used = Usage {
            count: 2,
            hours: 60.0,
        };
        assert_eq!(department_breach(&used, 40.0, last), None);
        let b = department_breach(&used, 41.0, last).unwrap();
        assert!(b.contains("101.0") && b.contains("100.0"), "{b}");
        let full = Usage {
            count: 3,
            hours: 10.0,
        };
        assert!(department_breach(&full, 1.0, last)
            .unwrap()
            .contains("已准入 3 项，上年共 3 项"));
        assert_eq!(department_breach(&full, 1e6, None), None);
    }

    #[test]
    fn caps_may_not_rise_above_last_year() {
        let last = Some(Usage {
            count: 4,
            hours: 50.0,
        });
        let up = Cap {
            max_count: Some(5),
            max_hours: Some(60.0),
        };
        let e = check_new_cap(&up, last).unwrap_err();
        assert!(
            e.contains("5 项高于上年总量 4 项") && e.contains("60.0"),
            "{e}"
        );
        let down = Cap {
            max_count: Some(3),
            max_hours: Some(45.0),
        };
        assert!(check_new_cap(&down, last).is_ok());
        assert!(check_new_cap(&up, None).is_ok());
        let bad = Cap {
            max_count: None,
            max_hours: Some(f64::NAN),
        };
        assert!(check_new_cap(&bad, None).is_err());
    }
}
