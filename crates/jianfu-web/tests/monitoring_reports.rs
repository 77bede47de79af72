//! 监测's documents and settings through the HTTP API on both databases:
//! - the annual report agrees with the dashboard of the same year, in
//!   JSON and in its .xlsx, for each reader's scope, and is audited;
//! - the dashboard's .xlsx holds the same figures as its JSON;
//! - the monitoring settings: only the office, every bad figure refused
//!   naming its field, nothing half-saved; the page shows the refused
//!   form again with the field marked;
//! - a warning's default deadline is counted on the holiday calendar.

mod common;

use common::api::{error_of, json_ok, Actor};
use common::{Backend, TestServer};
use jianfu_core::calendar::WorkCalendar;
use serde_json::{json, Value};

/// Requests, submits and admits a demand; returns its id.
async fn admitted(s: &TestServer, dept: &Actor, office: &Actor, body: Value) -> i64 {
    let id = json_ok(dept.send(s, "POST", "/api/v1/admissions", body).await).await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/admissions/{id}/decide");
    json_ok(
        dept.send(s, "POST", &path, json!({"action": "submit"}))
            .await,
    )
    .await;
    let v = json_ok(
        office
            .send(
                s,
                "POST",
                &path,
                json!({"action": "admit", "reason": "测试准入"}),
            )
            .await,
    )
    .await;
    assert_eq!(v["status"], "admitted", "{v}");
    id
}

fn sheet(bytes: &[u8], name: &str) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let range = wb.worksheet_range(name).expect("sheet");
    range
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect()
}

fn num(s: &str) -> f64 {
    s.parse().unwrap_or_else(|_| panic!("not a number: {s}"))
}

async fn xlsx(r: reqwest::Response) -> Vec<u8> {
    assert_eq!(r.status(), 200);
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(ct.contains("spreadsheetml"), "{ct}");
    r.bytes().await.unwrap().to_vec()
}

async fn the_annual_report_is_the_years_dashboard(b: Backend) {
    let s = TestServer::start(b).await;
    let dept = Actor::login(&s, "minzheng").await;
    let office = Actor::login(&s, "jianfuban").await;
    let minzhu = s.unit_id("500107003003").await;
    let day = jianfu_app::today().format("%Y-%m-%d").to_string();
    admitted(
        &s,
        &dept,
        &office,
        json!({"title": "低保工作推进会",
            "details": {"kind": "meeting", "date": day, "duration_minutes": 90,
                        "keynote_minutes": 30, "attendees_per_unit": 2, "on_site": true},
            "duty_item": "社会救助对象排查与申报协助", "lead_hours": 240, "targets": [minzhu]}),
    )
    .await;
    let year = chrono::Datelike::year(&jianfu_app::today());
    let report = json_ok(
        office
            .get(&s, &format!("/api/v1/ledger/annual?year={year}"))
            .await,
    )
    .await;
    let dash = json_ok(
        office
            .get(&s, &format!("/api/v1/ledger?from={year}-01&to={year}-12"))
            .await,
    )
    .await;
    let total = report["total"]["hours"].as_f64().unwrap();
    assert!(total > 0.0, "{report}");
    assert_eq!(total, dash["total_hours"].as_f64().unwrap());
    let kinds: f64 = report["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["hours"].as_f64().unwrap())
        .sum();
    assert!((kinds - total).abs() < 0.11, "{kinds} vs {total}");
    assert_eq!(report["months"].as_array().unwrap().len(), 12);
    assert_eq!(report["units_are_townships"], true);
    assert!(report["warnings"].is_array());
    let depts = report["departments"].as_array().unwrap();
    assert!(depts.iter().any(|d| d["name"] == "民政局"), "{report}");

    // The workbook holds the same figures.
    let bytes = xlsx(
        office
            .get(&s, &format!("/api/v1/ledger/annual.xlsx?year={year}"))
            .await,
    )
    .await;
    let overview = sheet(&bytes, "总览");
    assert_eq!(overview[4][0], "合计");
    assert_eq!(num(&overview[4][2]), total);
    let by_dept = sheet(&bytes, "按部门");
    assert_eq!(by_dept.len() - 4, depts.len());
    assert_eq!(by_dept[4][0], depts[0]["name"].as_str().unwrap());
    assert_eq!(num(&by_dept[4][2]), depts[0]["hours"].as_f64().unwrap());
    for name in ["按类型", "按街镇", "按月", "反弹预警", "一表通"] {
        assert!(!sheet(&bytes, name).is_empty(), "{name}");
    }
    assert_eq!(s.audit("ledger.annual_export", "jianfuban").await.len(), 1);
    // The printable page.
    let page = office
        .get(&s, &format!("/monitoring/annual?year={year}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("{year} 年度基层减负报告")), "{page}");
    assert!(page.contains(&format!("/monitoring/annual.xlsx?year={year}")));
    // This year is not over, and the page says so.
    assert!(page.contains("id=\"an-partial\""), "{page}");

    // Scope: a department's report holds only what it caused and its own
    // warnings; a community's has its own figures and no warnings; a
    // grid worker has none.
    let own = json_ok(
        dept.get(&s, &format!("/api/v1/ledger/annual?year={year}"))
            .await,
    )
    .await;
    assert!(own["departments"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["name"] == "民政局"));
    let worker = Actor::login(&s, "minzhu").await;
    let mine = json_ok(
        worker
            .get(&s, &format!("/api/v1/ledger/annual?year={year}"))
            .await,
    )
    .await;
    assert!(mine["warnings"].is_null());
    assert_eq!(mine["units_are_townships"], false);
    assert!(mine["units"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["id"].as_i64() == Some(minzhu)));
    let grid = Actor::login(&s, "minzhu-wg1").await;
    assert_eq!(grid.get(&s, "/api/v1/ledger/annual").await.status(), 403);

    // Bad years are named.
    for bad in ["abc", "1800", "2026.5"] {
        let msg = error_of(
            office
                .get(&s, &format!("/api/v1/ledger/annual?year={bad}"))
                .await,
            400,
        )
        .await;
        assert!(msg.contains("year") && msg.contains(bad), "{msg}");
    }

    // The dashboard's workbook agrees with its JSON.
    let from = format!("{year}-01");
    let to = format!("{year}-12");
    let bytes = xlsx(
        office
            .get(
                &s,
                &format!("/api/v1/ledger/export.xlsx?from={from}&to={to}"),
            )
            .await,
    )
    .await;
    let months = sheet(&bytes, "按月");
    assert_eq!(months.len() - 4, 12);
    for (row, m) in months[4..].iter().zip(dash["months"].as_array().unwrap()) {
        assert_eq!(row[0], m["month"].as_str().unwrap());
        assert_eq!(num(&row[2]), m["hours"].as_f64().unwrap());
    }
    let by_dept = sheet(&bytes, "按部门");
    for (row, d) in by_dept[4..]
        .iter()
        .zip(dash["departments"].as_array().unwrap())
    {
        assert_eq!(row[0], d["name"].as_str().unwrap());
        assert_eq!(num(&row[2]), d["hours"].as_f64().unwrap());
    }
    assert_eq!(
        s.audit("ledger.dashboard_export", "jianfuban").await.len(),
        1
    );
}

async fn monitoring_settings_are_the_offices_and_checked(b: Backend) {
    let s = TestServer::start(b).await;
    let office = Actor::login(&s, "jianfuban").await;
    let dept = Actor::login(&s, "minzheng").await;
    let defaults = json_ok(office.get(&s, "/api/v1/monitoring-settings").await).await;
    assert_eq!(defaults["answer_working_days"], 10);
    assert_eq!(
        dept.get(&s, "/api/v1/monitoring-settings").await.status(),
        403
    );
    assert_eq!(
        dept.send(
            &s,
            "PUT",
            "/api/v1/monitoring-settings",
            json!({"answer_working_days": 1})
        )
        .await
        .status(),
        403
    );
    for (body, field) in [
        (json!({"yoy_rise_pct": -5}), "同比上升阈值"),
        (json!({"answer_working_days": 0}), "部门答复期限"),
        (json!({"min_lead_hours": 0}), "最短提前时间"),
        (json!({"repeat_visits": "三"}), "repeat_visits"),
        (json!({"extra_days_off": ["2027-02-30"]}), "extra_days_off"),
        (json!({"no_such_setting": 1}), "no_such_setting"),
    ] {
        let msg = error_of(
            office
                .send(&s, "PUT", "/api/v1/monitoring-settings", body.clone())
                .await,
            400,
        )
        .await;
        assert!(msg.contains(field), "{body}: {msg}");
    }
    // Nothing of the refused requests was kept.
    assert_eq!(
        json_ok(office.get(&s, "/api/v1/monitoring-settings").await).await,
        defaults
    );
    let saved = json_ok(
        office
            .send(
                &s,
                "PUT",
                "/api/v1/monitoring-settings",
                json!({"yoy_rise_pct": 15, "extra_days_off": ["2027-01-01"]}),
            )
            .await,
    )
    .await;
    assert_eq!(saved["yoy_rise_pct"], 15.0);
    assert_eq!(saved["repeat_visits"], defaults["repeat_visits"]);
    let audit = s.audit("monitoring.settings", "jianfuban").await;
    assert_eq!(audit.len(), 1);
    assert!(audit[0]
        .detail
        .as_deref()
        .unwrap_or("")
        .contains("yoy_rise_pct=15"));

    // The page: a bad figure comes back as typed, its field marked,
    // nothing saved; a good form saves and says so.
    let page = office
        .get(&s, "/monitoring/settings")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("2027-01-01") && page.contains("同比上升阈值"),
        "{page}"
    );
    let mut form: Vec<(String, String)> = vec![("_csrf".into(), office.csrf.clone())];
    for (k, v) in saved.as_object().unwrap() {
        let text = match v {
            Value::Array(a) => a
                .iter()
                .map(|d| d.as_str().unwrap().to_string())
                .collect::<Vec<_>>()
                .join("\n"),
            other => other.to_string(),
        };
        form.push((k.clone(), text));
    }
    let with = |k: &str, v: &str| -> Vec<(String, String)> {
        form.iter()
            .map(|(a, b)| (a.clone(), if a == k { v.to_string() } else { b.clone() }))
            .collect()
    };
    let r = office
        .c
        .post(s.url("/monitoring/settings"))
        .form(&with("inspections_same_week", "很多"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("id=\"settings-error\"") && page.contains("很多"),
        "{page}"
    );
    assert!(
        page.contains("name=\"inspections_same_week\" value=\"很多\""),
        "{page}"
    );
    assert!(page.contains("aria-invalid"), "{page}");
    let r = office
        .c
        .post(s.url("/monitoring/settings"))
        .form(&with("extra_working_days", "2027-13-01"))
        .send()
        .await
        .unwrap();
    let page = r.text().await.unwrap();
    assert!(
        page.contains("2027-13-01") && page.contains("settings-error"),
        "{page}"
    );
    assert_eq!(
        json_ok(office.get(&s, "/api/v1/monitoring-settings").await).await,
        saved,
        "a refused form changes nothing"
    );
    let r = office
        .c
        .post(s.url("/monitoring/settings"))
        .form(&with("inspections_same_week", "4"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(to, "/monitoring/settings?saved=1");
    let page = office.get(&s, &to).await.text().await.unwrap();
    assert!(page.contains("id=\"saved\""), "{page}");
    let after = json_ok(office.get(&s, "/api/v1/monitoring-settings").await).await;
    assert_eq!(after["inspections_same_week"], 4);
    assert_eq!(after["extra_days_off"], json!(["2027-01-01"]));
}

async fn a_warnings_deadline_skips_the_days_off(b: Backend) {
    let s = TestServer::start(b).await;
    let dept = Actor::login(&s, "minzheng").await;
    let office = Actor::login(&s, "jianfuban").await;
    let minzhu = s.unit_id("500107003003").await;
    admitted(
        &s,
        &dept,
        &office,
        json!({"title": "困难群众临时摸排",
        "details": {"kind": "task", "description": "当天摸排", "minutes_per_unit": 60},
        "duty_item": "社会救助对象排查与申报协助", "lead_hours": 4, "targets": [minzhu]}),
    )
    .await;
    // The next seven days are declared off (as a holiday notice would).
    let today = jianfu_app::today();
    let off: Vec<chrono::NaiveDate> = (1..=7).map(|n| today + chrono::Days::new(n)).collect();
    json_ok(
        office
            .send(
                &s,
                "PUT",
                "/api/v1/monitoring-settings",
                json!({"answer_working_days": 2, "extra_days_off": off}),
            )
            .await,
    )
    .await;
    let month = today.format("%Y-%m").to_string();
    json_ok(
        office
            .send(
                &s,
                "POST",
                &format!("/api/v1/warnings/run?month={month}"),
                json!({}),
            )
            .await,
    )
    .await;
    let all = json_ok(office.get(&s, "/api/v1/warnings").await).await;
    let id = all["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["rule"] == "short_lead")
        .expect("short lead warning")["id"]
        .as_i64()
        .unwrap();
    let msg = error_of(
        office
            .send(
                &s,
                "POST",
                &format!("/api/v1/warnings/{id}/step"),
                json!({"action": "assign", "note": "请说明", "due": "9999-12-31"}),
            )
            .await,
        400,
    )
    .await;
    assert!(msg.contains("9999-12-31"), "{msg}");
    let v = json_ok(
        office
            .send(
                &s,
                "POST",
                &format!("/api/v1/warnings/{id}/step"),
                json!({"action": "assign", "note": "请说明"}),
            )
            .await,
    )
    .await;
    let due = chrono::NaiveDate::parse_from_str(v["due"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    let expected = WorkCalendar::with_additions(&off, &[]).add_working_days(today, 2);
    assert_eq!(due, expected);
    // Before its deadline the department answers first: the office cannot
    // close the case over its head.
    error_of(
        office
            .send(
                &s,
                "POST",
                &format!("/api/v1/warnings/{id}/step"),
                json!({"action": "close", "feedback": "x", "improvement": "y"}),
            )
            .await,
        400,
    )
    .await;
    assert!(due > off[6], "two working days after a week off: {due}");
}

/// A monitoring point confirms the last three months, never last year's:
/// an old month would move the baseline the comparisons rest on.
async fn a_point_cannot_rewrite_old_months(b: Backend) {
    let s = TestServer::start(b).await;
    let office = Actor::login(&s, "jianfuban").await;
    let minzhu = s.unit_id("500107003003").await;
    json_ok(
        office
            .send(
                &s,
                "PUT",
                &format!("/api/v1/monitoring-points/{minzhu}"),
                json!({"contact": "刘专干", "contact_phone": "023-6878 1234"}),
            )
            .await,
    )
    .await;
    let msg = error_of(
        office
            .send(
                &s,
                "PUT",
                &format!("/api/v1/monitoring-points/{minzhu}"),
                json!({"contact": "刘专干", "contact_phone": "<img src=x>"}),
            )
            .await,
        400,
    )
    .await;
    assert!(msg.contains("联系电话"), "{msg}");
    let point = Actor::login(&s, "minzhu").await;
    let now = jianfu_core::monitoring::Month::of(jianfu_app::today());
    for old in [now.plus(-3), now.plus(-18)] {
        let msg = error_of(
            point
                .send(
                    &s,
                    "PUT",
                    &format!("/api/v1/confirmations/{old}"),
                    json!({"hidden_hours": 700}),
                )
                .await,
            400,
        )
        .await;
        assert!(
            msg.contains(&old.to_string()) && msg.contains("期限"),
            "{msg}"
        );
    }
    for bad in ["2026-10-abc", "1900-01"] {
        let msg = error_of(
            point
                .send(
                    &s,
                    "PUT",
                    &format!("/api/v1/confirmations/{bad}"),
                    json!({}),
                )
                .await,
            400,
        )
        .await;
        assert!(msg.contains("month"), "{msg}");
    }
    json_ok(
        point
            .send(
                &s,
                "PUT",
                &format!("/api/v1/confirmations/{}", now.plus(-2)),
                json!({"estimate_hours": 3}),
            )
            .await,
    )
    .await;
}

/// An assigned case whose department let the deadline pass can be closed
/// by the office with what it found itself; before the deadline it cannot.
async fn the_office_closes_an_overdue_case(b: Backend) {
    let s = TestServer::start(b).await;
    let dept = Actor::login(&s, "minzheng").await;
    let office = Actor::login(&s, "jianfuban").await;
    let minzhu = s.unit_id("500107003003").await;
    admitted(
        &s,
        &dept,
        &office,
        json!({"title": "困难群众临时摸排",
        "details": {"kind": "task", "description": "当天摸排", "minutes_per_unit": 60},
        "duty_item": "社会救助对象排查与申报协助", "lead_hours": 4, "targets": [minzhu]}),
    )
    .await;
    let month = jianfu_app::today().format("%Y-%m").to_string();
    json_ok(
        office
            .send(
                &s,
                "POST",
                &format!("/api/v1/warnings/run?month={month}"),
                json!({}),
            )
            .await,
    )
    .await;
    let all = json_ok(office.get(&s, "/api/v1/warnings").await).await;
    let id = all["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["rule"] == "short_lead")
        .expect("short lead warning")["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/warnings/{id}/step");
    let close = json!({"action": "close", "feedback": "部门逾期未答复，已约谈", "improvement": "纳入年度计划"});
    // Assigned long ago: the deadline has passed (the API refuses a past
    // deadline, so the store assigns it here).
    assert!(s
        .app
        .db
        .assign_warning(id, "2020-01-01", "请说明")
        .await
        .expect("assign"));
    let page = office
        .get(&s, &format!("/monitoring/warnings/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"close-form\""), "{page}");
    assert_eq!(
        dept.send(&s, "POST", &path, close.clone()).await.status(),
        403
    );
    let v = json_ok(office.send(&s, "POST", &path, close).await).await;
    assert_eq!(v["status"], "closed");
    assert_eq!(v["feedback"], "部门逾期未答复，已约谈");
}

on_both_backends!(
    the_office_closes_an_overdue_case,
    a_point_cannot_rewrite_old_months,
    the_annual_report_is_the_years_dashboard,
    monitoring_settings_are_the_offices_and_checked,
    a_warnings_deadline_skips_the_days_off,
);
