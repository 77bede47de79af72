//! Each rule fires on a constructed case and stays silent on a near miss.

use super::*;

fn s() -> MonitoringSettings {
    MonitoringSettings::default()
}

fn month(y: i32, m: u32) -> Month {
    Month::new(y, m).unwrap()
}

fn dm(month: Month, items: u32, hours: f64) -> DepartmentMonth {
    DepartmentMonth {
        department_id: 3,
        department: "区民政局".into(),
        month_key: month.key(),
        items,
        minutes: hours * 60.0,
        ..Default::default()
    }
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn visit(unit: i64, dept: i64, d: &str) -> Visit {
    Visit {
        unit_id: unit,
        unit: format!("社区{unit}"),
        department_id: dept,
        department: format!("部门{dept}"),
        day: day(d),
        label: "检查".into(),
    }
}

#[test]
fn a_rise_against_last_year_fires_and_a_small_one_does_not() {
    let m = month(2026, 10);
    let rows = vec![dm(m.last_year(), 4, 100.0), dm(m, 4, 125.0)];
    let w = department_rise(&rows, m, &s());
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].message.contains("同比上升 25%"), "{}", w[0].message);
    assert_eq!(w[0].key, "department_rise:3:2026-10");
    // Near miss: +19% is under the 20% threshold.
    let rows = vec![dm(m.last_year(), 4, 100.0), dm(m, 4, 119.0)];
    assert!(department_rise(&rows, m, &s()).is_empty());
    // Too small to matter: under the monthly floor of hours.
    let rows = vec![dm(m.last_year(), 1, 5.0), dm(m, 1, 15.0)];
    assert!(department_rise(&rows, m, &s()).is_empty());
}

#[test]
fn a_rise_against_the_three_months_before_fires() {
    let m = month(2026, 10);
    let mut rows: Vec<_> = (1..=3).map(|i| dm(m.plus(-i), 3, 60.0)).collect();
    rows.push(dm(m, 3, 80.0));
    let w = department_rise(&rows, m, &s());
    assert_eq!(w.len(), 1);
    assert!(w[0].evidence[0].contains("前三个月平均 60.0 小时"));
    // +30% exactly is not above the threshold.
    let mut rows: Vec<_> = (1..=3).map(|i| dm(m.plus(-i), 3, 60.0)).collect();
    rows.push(dm(m, 3, 78.0));
    assert!(department_rise(&rows, m, &s()).is_empty());
}

#[test]
fn fewer_items_but_more_hours_is_digital_reduction() {
    let m = month(2026, 9);
    let then: Vec<_> = (0..3)
        .map(|i| dm(m.last_year().plus(-i), 10, 30.0))
        .collect();
    let mut rows = then.clone();
    rows.extend((0..3).map(|i| dm(m.plus(-i), 6, 40.0)));
    let w = digital_reduction(&rows, m, &s());
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].evidence[0].contains("事项 18 项（去年同期 30 项）"));
    // Fewer items and fewer hours is real reduction.
    let mut rows = then;
    rows.extend((0..3).map(|i| dm(m.plus(-i), 6, 25.0)));
    assert!(digital_reduction(&rows, m, &s()).is_empty());
}

#[test]
fn fewer_but_wider_reports_are_digital_reduction() {
    let m = month(2026, 9);
    let mut rows = Vec::new();
    for i in 0..3 {
        rows.push(DepartmentMonth {
            reports: 4,
            report_cells: 400,
            ..dm(m.last_year().plus(-i), 4, 30.0)
        });
        rows.push(DepartmentMonth {
            reports: 2,
            report_cells: 400,
            ..dm(m.plus(-i), 4, 30.0)
        });
    }
    let w = digital_reduction(&rows, m, &s());
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].message.contains("表格变宽"));
}

#[test]
fn inspections_on_one_community_pile_up_by_day_and_by_week() {
    let same_day = vec![visit(1, 3, "2026-04-07"), visit(1, 4, "2026-04-07")];
    let w = inspection_cluster(&same_day, &s());
    assert_eq!(w.len(), 1);
    assert!(w[0].message.contains("一天内接受 2 次"));
    // Two in a week on different days: under the weekly threshold of 3.
    let two = vec![visit(1, 3, "2026-04-06"), visit(1, 4, "2026-04-08")];
    assert!(inspection_cluster(&two, &s()).is_empty());
    let three = vec![
        visit(1, 3, "2026-04-06"),
        visit(1, 4, "2026-04-08"),
        visit(1, 5, "2026-04-10"),
    ];
    let w = inspection_cluster(&three, &s());
    assert_eq!(w.len(), 1);
    assert!(
        w[0].message.contains("第 15 周接受 3 次"),
        "{}",
        w[0].message
    );
    // Different communities do not add up.
    let spread = vec![visit(1, 3, "2026-04-07"), visit(2, 4, "2026-04-07")];
    assert!(inspection_cluster(&spread, &s()).is_empty());
}

#[test]
fn one_department_visiting_a_unit_too_often_in_two_months() {
    let four = vec![
        visit(1, 3, "2026-03-01"),
        visit(1, 3, "2026-03-20"),
        visit(1, 3, "2026-04-10"),
        visit(1, 3, "2026-04-28"),
    ];
    let w = repeat_visits(&four, &s());
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].message.contains("4 次"));
    // The same four visits spread over more than 61 days: at most 3 in any window.
    let spread = vec![
        visit(1, 3, "2026-01-01"),
        visit(1, 3, "2026-02-10"),
        visit(1, 3, "2026-03-20"),
        visit(1, 3, "2026-04-28"),
    ];
    assert!(repeat_visits(&spread, &s()).is_empty());
}

#[test]
fn a_large_share_of_unadmitted_demands() {
    let m = month(2026, 6);
    let rows: Vec<_> = (0..3)
        .map(|i| DepartmentMonth {
            unadmitted: 1,
            unplanned: 1,
            ..dm(m.plus(-i), 5, 10.0)
        })
        .collect();
    let w = unadmitted_share(&rows, m, &s());
    assert_eq!(w.len(), 1);
    assert!(w[0].message.contains("占 40%"), "{}", w[0].message);
    // One in fifteen is under both the share and the minimum count.
    let rows: Vec<_> = (0..3)
        .map(|i| DepartmentMonth {
            unadmitted: u32::from(i == 0),
            ..dm(m.plus(-i), 5, 10.0)
        })
        .collect();
    assert!(unadmitted_share(&rows, m, &s()).is_empty());
}

#[test]
fn sent_in_the_morning_due_in_the_afternoon() {
    let lead = |h| LeadTime {
        department_id: 3,
        department: "区民政局".into(),
        source: "task:5".into(),
        label: "困难群众摸排表".into(),
        lead_hours: h,
        month_key: 202611,
    };
    let w = short_lead(&[lead(4)], &s());
    assert_eq!(w.len(), 1);
    assert!(w[0].message.contains("只有 4 小时"));
    assert!(short_lead(&[lead(24)], &s()).is_empty());
}

#[test]
fn a_monitoring_point_reporting_more_than_the_ledger() {
    let p = |reported: f64, items| PointMonth {
        unit_id: 9,
        unit: "民主村社区".into(),
        month_key: 202611,
        reported_minutes: reported * 60.0,
        ledger_minutes: 50.0 * 60.0,
        hidden_items: items,
        hidden_minutes: items as f64 * 30.0,
    };
    let w = hidden_burden(&[p(70.0, 0)], &s());
    assert_eq!(w.len(), 1);
    assert!(w[0].evidence[0].contains("70.0 小时"));
    assert_eq!(hidden_burden(&[p(55.0, 2)], &s()).len(), 1);
    assert!(hidden_burden(&[p(59.0, 0)], &s()).is_empty());
}
