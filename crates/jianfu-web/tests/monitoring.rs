//! 监测 through the HTTP API on both databases:
//! - a community's month on the ledger equals what was admitted for it
//!   (the estimate's minutes), measured where it was measured (a filled
//!   report task), plus what it reported (直报); every figure traced to its source;
//! - the rebound rules open cases; the warning workflow with scope;
//! - a monitoring point confirms its month prefilled, an edit is a new
//!   version, bad figures are refused naming the field, one reminder only.

mod common;

use common::api::{error_of, json_ok, Actor};
use common::{Backend, TestServer};
use serde_json::{json, Value};

fn this_month() -> String {
    jianfu_app::today().format("%Y-%m").to_string()
}

fn first_day() -> String {
    jianfu_app::today().format("%Y-%m-01").to_string()
}

/// Requests, submits and admits a demand of minzheng's; returns its view.
async fn admitted(s: &TestServer, dept: &Actor, office: &Actor, body: Value) -> Value {
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
    v
}

fn minutes_of(lines: &Value, kind: &str) -> f64 {
    lines["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["kind"] == kind)
        .map(|l| l["minutes"].as_f64().unwrap())
        .sum()
}

async fn a_month_on_the_ledger_is_what_reached_the_community(b: Backend) {
    let s = TestServer::start(b).await;
    let dept = Actor::login(&s, "minzheng").await;
    let office = Actor::login(&s, "jianfuban").await;
    let minzhu = s.unit_id("500107003003").await;
    let month = this_month();

    let meeting = admitted(
        &s,
        &dept,
        &office,
        json!({"title": "低保工作推进会",
        "details": {"kind": "meeting", "date": first_day(), "duration_minutes": 90,
                    "keynote_minutes": 30, "attendees_per_unit": 2, "on_site": true},
        "duty_item": "社会救助对象排查与申报协助", "lead_hours": 240, "targets": [minzhu]}),
    )
    .await;
    let inspection = admitted(
        &s,
        &dept,
        &office,
        json!({"title": "救助资金专项检查",
        "details": {"kind": "inspection", "window_start": first_day(), "window_end": first_day(),
                    "content": "救助资金", "mergeable": false, "in_annual_plan": false},
        "duty_item": "社会救助对象排查与申报协助", "lead_hours": 240, "targets": [minzhu]}),
    )
    .await;
    let document = admitted(
        &s,
        &dept,
        &office,
        json!({"title": "关于做好冬季救助的通知",
        "details": {"kind": "document", "text": "字".repeat(1200), "single_task": false},
        "duty_item": "社会救助对象排查与申报协助", "lead_hours": 240, "targets": [minzhu]}),
    )
    .await;

    // A report filled and submitted: its minutes are measured.
    let report = json_ok(dept.send(&s, "POST", "/api/v1/reports", json!({
        "definition": {"title": "低保对象核对表", "kind": "roster", "entity": "person",
            "columns": [
                {"path": ["姓名"], "source": {"type": "element", "element": "person.name"}, "left": 0, "right": 0},
                {"path": ["核对情况"], "source": {"type": "manual"}, "left": 1, "right": 1}]},
        "frequency": "once", "period": month, "deadline": jianfu_app::today().to_string(),
        "targets": [minzhu]})).await).await["id"].as_i64().unwrap();
    s.admit_report(report).await;
    json_ok(
        dept.send(
            &s,
            "POST",
            &format!("/api/v1/reports/{report}/publish"),
            json!({}),
        )
        .await,
    )
    .await;
    let worker = Actor::login(&s, "minzhu").await;
    let tasks = json_ok(worker.get(&s, "/api/v1/tasks").await).await;
    let task = tasks["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["report_id"] == report)
        .expect("task")["id"]
        .as_i64()
        .unwrap();
    let view = json_ok(worker.get(&s, &format!("/api/v1/tasks/{task}")).await).await;
    let rows = view["grid"]["rows"].as_array().unwrap().clone();
    assert!(!rows.is_empty(), "the community has residents");
    for (i, r) in rows.iter().take(2).enumerate() {
        if i > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
        }
        json_ok(
            worker
                .send(
                    &s,
                    "PUT",
                    &format!("/api/v1/tasks/{task}/cells"),
                    json!({"row": r["key"], "col": 1, "value": "已核对"}),
                )
                .await,
        )
        .await;
    }
    json_ok(
        worker
            .send(
                &s,
                "POST",
                &format!("/api/v1/tasks/{task}/submit"),
                json!({}),
            )
            .await,
    )
    .await;
    let active_ms = json_ok(worker.get(&s, "/api/v1/tasks").await).await["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == task)
        .unwrap()["active_ms"]
        .as_i64()
        .unwrap();
    // And a demand that came without a number, reported (naming the
    // community) and accepted by the office.
    json_ok(
        worker
            .send(
                &s,
                "POST",
                "/api/v1/direct-reports",
                json!({"category": "unadmitted_demand", "department": "区民政局",
                       "happened_on": first_day(), "minutes": 30, "name_community": true,
                       "demand": "微信群里要求当天下午报送台账"}),
            )
            .await,
    )
    .await;
    let reported = json_ok(office.get(&s, "/api/v1/direct-reports").await).await["reports"][0]
        ["id"]
        .as_i64()
        .unwrap();
    json_ok(
        office
            .send(
                &s,
                "POST",
                &format!("/api/v1/direct-reports/{reported}/steps"),
                json!({"action": "accept"}),
            )
            .await,
    )
    .await;

    // Every line of the month, traced to its source.
    let lines = json_ok(
        office
            .get(
                &s,
                &format!("/api/v1/ledger/lines?from={month}&to={month}&unit={minzhu}"),
            )
            .await,
    )
    .await;
    let est = |v: &Value| v["estimate"]["minutes_per_unit"].as_f64().unwrap();
    let close = |a: f64, b: f64| (a - b).abs() < 0.011;
    assert!(
        close(minutes_of(&lines, "meeting"), est(&meeting)),
        "{lines}"
    );
    // 2 attendees × (90 minutes + 60 minutes' travel, the default).
    assert!(close(est(&meeting), 300.0));
    assert!(close(minutes_of(&lines, "inspection"), est(&inspection)));
    assert!(close(minutes_of(&lines, "document"), est(&document)));
    assert!(close(
        minutes_of(&lines, "report"),
        (active_ms as f64 / 60_000.0 * 100.0).round() / 100.0
    ));
    let all = lines["lines"].as_array().unwrap();
    let report_line = all.iter().find(|l| l["kind"] == "report").unwrap();
    assert_eq!(report_line["provenance"], "measured", "{report_line}");
    assert!(report_line["source_label"]
        .as_str()
        .unwrap()
        .contains("低保对象核对表"));
    let inspection_line = all.iter().find(|l| l["kind"] == "inspection").unwrap();
    assert!(inspection_line["source_label"]
        .as_str()
        .unwrap()
        .contains(inspection["number"].as_str().unwrap()));
    let flag = all
        .iter()
        .find(|l| l["kind"] == "unnumbered")
        .expect("the direct report is on the ledger");
    assert_eq!(flag["provenance"], "reported");
    assert_eq!(flag["admitted"], 0);
    assert!(close(flag["minutes"].as_f64().unwrap(), 30.0), "{flag}");

    // The community's own dashboard shows the same total, less the direct
    // report: nobody but the office reads a direct report by place (a
    // colleague would learn that someone here reported).
    let mine = json_ok(
        worker
            .get(&s, &format!("/api/v1/ledger?from={month}&to={month}"))
            .await,
    )
    .await;
    let total: f64 = all
        .iter()
        .filter(|l| l["source_kind"] != "direct")
        .map(|l| l["minutes"].as_f64().unwrap())
        .sum::<f64>()
        / 60.0;
    assert!(
        (mine["total_hours"].as_f64().unwrap() - total).abs() < 0.06,
        "{mine}"
    );
    let items = |kind: &str| {
        mine["kinds"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kind"] == kind)
            .map_or(0, |k| k["items"].as_i64().unwrap())
    };
    for kind in ["meeting", "inspection", "document", "report"] {
        assert_eq!(items(kind), 1, "{kind}: {mine}");
    }
    assert_eq!(items("unnumbered"), 0, "{mine}");
    // Another community sees none of it; a department only its own.
    let other = Actor::login(&s, "dagongguan").await;
    let theirs = json_ok(
        other
            .get(&s, &format!("/api/v1/ledger?from={month}&to={month}"))
            .await,
    )
    .await;
    assert_eq!(theirs["total_hours"].as_f64().unwrap(), 0.0, "{theirs}");
    let r = other
        .get(
            &s,
            &format!("/api/v1/ledger/lines?from={month}&to={month}&unit={minzhu}"),
        )
        .await;
    assert!(matches!(r.status().as_u16(), 403 | 404));
    let renshe = Actor::login(&s, "renshe").await;
    let theirs = json_ok(
        renshe
            .get(&s, &format!("/api/v1/ledger?from={month}&to={month}"))
            .await,
    )
    .await;
    assert_eq!(theirs["total_hours"].as_f64().unwrap(), 0.0);
    // Bad periods are refused in Chinese, naming the parameter.
    let msg = error_of(office.get(&s, "/api/v1/ledger?from=2026-13").await, 400).await;
    assert!(msg.contains("from"), "{msg}");
    // No ranking of communities: the office's units are townships in org order.
    let district = json_ok(
        office
            .get(&s, &format!("/api/v1/ledger?from={month}&to={month}"))
            .await,
    )
    .await;
    let names: Vec<&str> = district["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert!(names.iter().any(|n| n.contains("谢家湾")), "{names:?}");
}

async fn warnings_open_cases_and_follow_the_loop(b: Backend) {
    let s = TestServer::start(b).await;
    let dept = Actor::login(&s, "minzheng").await;
    let renshe = Actor::login(&s, "renshe").await;
    let office = Actor::login(&s, "jianfuban").await;
    let minzhu = s.unit_id("500107003003").await;
    // Sent in the morning, due in the afternoon.
    admitted(
        &s,
        &dept,
        &office,
        json!({"title": "困难群众临时摸排",
        "details": {"kind": "task", "description": "当天摸排", "minutes_per_unit": 60},
        "duty_item": "社会救助对象排查与申报协助", "lead_hours": 4, "targets": [minzhu]}),
    )
    .await;
    // Two departments inspecting one community on one day.
    for (who, title) in [(&dept, "低保检查"), (&renshe, "就业检查")] {
        let duty = if title == "低保检查" {
            "社会救助对象排查与申报协助"
        } else {
            "安全隐患排查"
        };
        admitted(&s, who, &office, json!({"title": title,
            "details": {"kind": "inspection", "window_start": first_day(), "window_end": first_day(),
                        "content": title, "mergeable": true, "in_annual_plan": true},
            "duty_item": duty, "lead_hours": 240, "targets": [minzhu]})).await;
    }
    let month = this_month();
    let run = json_ok(
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
    let rules: Vec<&str> = run["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"short_lead") && rules.contains(&"inspection_cluster"),
        "{run}"
    );
    // Running again opens no second case.
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
    let list = all["warnings"].as_array().unwrap();
    assert_eq!(
        list.iter().filter(|w| w["rule"] == "short_lead").count(),
        1,
        "{all}"
    );
    let lead = list.iter().find(|w| w["rule"] == "short_lead").unwrap();
    let id = lead["id"].as_i64().unwrap();
    assert!(lead["message"].as_str().unwrap().contains("4 小时"));

    // Scope: the department sees its own; another department and a
    // community see nothing of it.
    let mine = json_ok(dept.get(&s, "/api/v1/warnings").await).await;
    assert!(mine["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["id"] == id));
    let theirs = json_ok(renshe.get(&s, "/api/v1/warnings").await).await;
    assert!(theirs["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|w| w["id"] != id));
    assert_eq!(
        renshe
            .get(&s, &format!("/api/v1/warnings/{id}"))
            .await
            .status(),
        403
    );
    let worker = Actor::login(&s, "minzhu").await;
    assert_eq!(worker.get(&s, "/api/v1/warnings").await.status(), 403);
    assert_eq!(
        dept.send(&s, "POST", "/api/v1/warnings/run", json!({}))
            .await
            .status(),
        403
    );

    let path = format!("/api/v1/warnings/{id}/step");
    // Out of order: the department cannot answer before it is assigned.
    error_of(
        dept.send(
            &s,
            "POST",
            &path,
            json!({"action": "answer", "answer": "已整改"}),
        )
        .await,
        400,
    )
    .await;
    let v = json_ok(
        office
            .send(
                &s,
                "POST",
                &path,
                json!({"action": "assign", "note": "请说明原因"}),
            )
            .await,
    )
    .await;
    assert_eq!(v["status"], "assigned");
    assert!(v["due"].as_str().is_some_and(|d| !d.is_empty()));
    assert_eq!(
        renshe
            .send(
                &s,
                "POST",
                &path,
                json!({"action": "answer", "answer": "x"})
            )
            .await
            .status(),
        403
    );
    let msg = error_of(
        dept.send(
            &s,
            "POST",
            &path,
            json!({"action": "answer", "answer": "  "}),
        )
        .await,
        400,
    )
    .await;
    assert!(msg.contains("核查与整改情况"), "{msg}");
    json_ok(
        dept.send(
            &s,
            "POST",
            &path,
            json!({"action": "answer", "answer": "临时摸排已撤回，今后提前三天下达"}),
        )
        .await,
    )
    .await;
    let msg = error_of(
        office
            .send(
                &s,
                "POST",
                &path,
                json!({"action": "close", "feedback": "已核实", "improvement": ""}),
            )
            .await,
        400,
    )
    .await;
    assert!(msg.contains("优化措施"), "{msg}");
    let v = json_ok(
        office
            .send(
                &s,
                "POST",
                &path,
                json!({"action": "close", "feedback": "已核实撤回",
        "improvement": "临时任务须提前 24 小时以上下达，纳入准入规则"}),
            )
            .await,
    )
    .await;
    assert_eq!(v["status"], "closed");
    for action in ["warning.assign", "warning.answer", "warning.close"] {
        let who = if action == "warning.answer" {
            "minzheng"
        } else {
            "jianfuban"
        };
        assert_eq!(s.audit(action, who).await.len(), 1, "{action}");
    }
}

async fn a_monitoring_point_confirms_its_month(b: Backend) {
    let s = TestServer::start(b).await;
    let office = Actor::login(&s, "jianfuban").await;
    let worker = Actor::login(&s, "minzhu").await;
    let minzhu = s.unit_id("500107003003").await;
    let month = this_month();
    // Not a point yet: refused.
    assert_eq!(
        worker
            .get(&s, &format!("/api/v1/confirmations/{month}"))
            .await
            .status(),
        403
    );
    json_ok(
        office
            .send(
                &s,
                "PUT",
                &format!("/api/v1/monitoring-points/{minzhu}"),
                json!({"contact": "张主任", "contact_phone": "13800001234"}),
            )
            .await,
    )
    .await;
    let status = json_ok(
        office
            .get(&s, &format!("/api/v1/monitoring-points?month={month}"))
            .await,
    )
    .await;
    let p = &status["points"][0];
    assert_eq!(p["confirmed"], false);
    assert_eq!(p["contact_phone"], "138****1234", "masked: {p}");

    let view = json_ok(
        worker
            .get(&s, &format!("/api/v1/confirmations/{month}"))
            .await,
    )
    .await;
    assert!(
        view["lines"].is_array() && view["previous"].is_null(),
        "{view}"
    );
    // Bad figures name their field; a future month is refused.
    let path = format!("/api/v1/confirmations/{month}");
    let msg = error_of(
        worker
            .send(&s, "PUT", &path, json!({"unannounced_meetings": -1}))
            .await,
        400,
    )
    .await;
    assert!(msg.contains("临时通知的会议"), "{msg}");
    let msg = error_of(
        worker
            .send(&s, "PUT", &path, json!({"estimate_hours": -3.5}))
            .await,
        400,
    )
    .await;
    assert!(msg.contains("本月估计工时"), "{msg}");
    let next = jianfu_core::monitoring::Month::parse(&month)
        .unwrap()
        .plus(1);
    let msg = error_of(
        worker
            .send(
                &s,
                "PUT",
                &format!("/api/v1/confirmations/{next}"),
                json!({}),
            )
            .await,
        400,
    )
    .await;
    assert!(msg.contains("还没有到"), "{msg}");
    let msg = error_of(worker.get(&s, "/api/v1/confirmations/2026-00").await, 400).await;
    assert!(msg.contains("年月"), "{msg}");

    let v = json_ok(
        worker
            .send(
                &s,
                "PUT",
                &path,
                json!({"unannounced_meetings": 2,
        "wechat_demands": 3, "hidden_hours": 6, "estimate_hours": 40, "active_ms": 150000}),
            )
            .await,
    )
    .await;
    assert_eq!(v["version"], 1);
    let v = json_ok(
        worker
            .send(
                &s,
                "PUT",
                &path,
                json!({"unannounced_meetings": 2,
        "wechat_demands": 4, "hidden_hours": 7, "estimate_hours": 40, "active_ms": 60000}),
            )
            .await,
    )
    .await;
    assert_eq!(v["version"], 2, "a second confirmation is an edit");
    let view = json_ok(worker.get(&s, &path).await).await;
    assert_eq!(view["previous"]["wechat_demands"], 4);
    // On the ledger: the hidden burden, and the confirmation's own time.
    let lines = json_ok(
        office
            .get(
                &s,
                &format!("/api/v1/ledger/lines?from={month}&to={month}&unit={minzhu}"),
            )
            .await,
    )
    .await;
    assert!(
        (minutes_of(&lines, "hidden") - 420.0).abs() < 0.01,
        "{lines}"
    );
    assert!(
        (minutes_of(&lines, "confirmation") - 1.0).abs() < 0.01,
        "{lines}"
    );
    let status = json_ok(
        office
            .get(&s, &format!("/api/v1/monitoring-points?month={month}"))
            .await,
    )
    .await;
    assert_eq!(status["points"][0]["confirmed"], true);
    assert_eq!(status["points"][0]["version"], 2);
    // One reminder at most, and none once confirmed.
    let prev = jianfu_core::monitoring::Month::parse(&month)
        .unwrap()
        .plus(-1);
    let remind = format!("/api/v1/monitoring-points/{minzhu}/remind?month={prev}");
    json_ok(office.send(&s, "POST", &remind, json!({})).await).await;
    let msg = error_of(office.send(&s, "POST", &remind, json!({})).await, 400).await;
    assert!(msg.contains("提醒过"), "{msg}");
    let msg = error_of(
        office
            .send(
                &s,
                "POST",
                &format!("/api/v1/monitoring-points/{minzhu}/remind?month={month}"),
                json!({}),
            )
            .await,
        400,
    )
    .await;
    assert!(msg.contains("已确认"), "{msg}");
    // Only the office designates points.
    let dept = Actor::login(&s, "minzheng").await;
    assert_eq!(
        dept.send(
            &s,
            "PUT",
            &format!("/api/v1/monitoring-points/{minzhu}"),
            json!({"contact": "x"})
        )
        .await
        .status(),
        403
    );
}

on_both_backends!(
    a_month_on_the_ledger_is_what_reached_the_community,
    warnings_open_cases_and_follow_the_loop,
    a_monitoring_point_confirms_its_month,
);
