//! `jianfu demo` shows 监测 working: 18 months of history on the ledger,
//! the rebound patterns found as warnings in every state, and twelve
//! monitoring points, two of which have not confirmed last month; 直报 in
//! every state with the receipt code the demo prints.

mod common;

use common::{Backend, Options, TestServer};
use serde_json::Value;

async fn get_json(c: &reqwest::Client, s: &TestServer, path: &str) -> Value {
    let r = c.get(s.url(path)).send().await.expect("get");
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.expect("json")
}

async fn the_demo_has_history_and_warnings(b: Backend) {
    let s = TestServer::start_with(
        b,
        Options {
            residents: 3_000,
            activity: true,
            ..Default::default()
        },
    )
    .await;
    let (office, _) = s.login("jianfuban").await;
    let last = jianfu_core::monitoring::Month::of(jianfu_app::today()).plus(-1);
    let first = last.plus(-17);
    let d = get_json(
        &office,
        &s,
        &format!("/api/v1/ledger?from={first}&to={last}"),
    )
    .await;
    let months = d["months"].as_array().unwrap();
    assert_eq!(months.len(), 18);
    assert!(
        months.iter().all(|m| m["hours"].as_f64().unwrap() > 0.0),
        "every month of the history has burden: {months:?}"
    );
    // Which department rose most this quarter, against last year: 卫健委.
    let quarter = get_json(
        &office,
        &s,
        &format!("/api/v1/ledger?from={}&to={last}", last.plus(-2)),
    )
    .await;
    let rose = quarter["departments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["change_pct"].is_number())
        .max_by(|a, b| {
            a["change_pct"]
                .as_f64()
                .unwrap()
                .total_cmp(&b["change_pct"].as_f64().unwrap())
        })
        .expect("a department with last year's figure");
    assert_eq!(rose["name"], "卫生健康委员会", "{quarter}");

    let warnings = get_json(&office, &s, "/api/v1/warnings").await;
    let list = warnings["warnings"].as_array().unwrap();
    let rules: Vec<&str> = list.iter().map(|w| w["rule"].as_str().unwrap()).collect();
    for rule in [
        "department_rise",
        "digital_reduction",
        "inspection_cluster",
        "repeat_visits",
        "unadmitted_share",
        "short_lead",
        "hidden_burden",
    ] {
        assert!(rules.contains(&rule), "{rule} missing: {rules:?}");
    }
    // The pile-up names the demo community.
    assert!(list.iter().any(|w| w["rule"] == "inspection_cluster"
        && w["unit"].as_str().unwrap_or("").contains("民主村")));
    let states: Vec<&str> = list.iter().map(|w| w["status"].as_str().unwrap()).collect();
    for st in ["open", "assigned", "answered", "closed"] {
        assert!(states.contains(&st), "{st}: {states:?}");
    }
    // 卫健委 has an account and a case to answer, so the whole loop can
    // be walked in the demo; its home page says so.
    let (weijian, _) = s.login("weijian").await;
    let own = get_json(&weijian, &s, "/api/v1/warnings").await;
    assert!(
        own["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["status"] == "assigned"),
        "{own}"
    );
    let home = weijian
        .get(s.url("/"))
        .send()
        .await
        .expect("home")
        .text()
        .await
        .expect("html");
    assert!(home.contains("step-warning_answer"), "{home}");

    let points = get_json(
        &office,
        &s,
        &format!("/api/v1/monitoring-points?month={last}"),
    )
    .await;
    let points = points["points"].as_array().unwrap();
    assert_eq!(points.len(), 12);
    assert_eq!(points.iter().filter(|p| p["confirmed"] == false).count(), 2);

    // 直报: reports in every state and category, some overdue, two typical
    // cases, and the printed receipt code opens a closed report to rate.
    let reports = get_json(&office, &s, "/api/v1/direct-reports").await;
    let reports = reports["reports"].as_array().unwrap();
    assert!(reports.len() >= 20, "{}", reports.len());
    for st in jianfu_core::direct_report::Status::ALL {
        assert!(
            reports.iter().any(|r| r["status"] == st.code()),
            "a report {}",
            st.code()
        );
    }
    for c in jianfu_core::direct_report::Category::ALL {
        assert!(
            reports.iter().any(|r| r["category"] == c.code()),
            "{}",
            c.code()
        );
    }
    assert!(reports.iter().filter(|r| r["overdue"] == true).count() >= 2);
    let cases = get_json(&office, &s, "/api/v1/typical-cases").await;
    assert_eq!(cases["cases"].as_array().map(Vec::len), Some(2));
    let code = s
        .demo
        .receipt_code
        .clone()
        .expect("a receipt code is printed");
    let view: Value = s
        .client()
        .post(s.url("/api/v1/direct-reports/follow"))
        .json(&serde_json::json!({"code": code}))
        .send()
        .await
        .expect("follow")
        .json()
        .await
        .expect("json");
    assert_eq!(view["status"], "closed", "{view}");
    assert_eq!(view["can_rate"], true, "{view}");
    let home = weijian
        .get(s.url("/"))
        .send()
        .await
        .expect("home")
        .text()
        .await
        .expect("html");
    assert!(
        home.contains("step-direct_answer") && home.contains("overdue"),
        "{home}"
    );
}

on_both_backends!(the_demo_has_history_and_warnings);
