//! Dead ends a new user met in their first hour, closed:
//! - a township's home page leads to a report page of its own communities
//!   (not to a list that refuses it), in the order of the org tree;
//! - a person added to a roster is placed in a household of the
//!   community (found by head or address, or new), so the household's
//!   cells can be filled;
//! - the 减负办 admits against a 不符合 finding only with a reason.

mod common;

use common::{Backend, TestServer};
use serde_json::{json, Value};

async fn json_ok(r: reqwest::Response) -> Value {
    let status = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{status}: {body}");
    body
}

async fn error_of(r: reqwest::Response, status: u16) -> String {
    assert_eq!(r.status(), status);
    let body: Value = r.json().await.unwrap_or(Value::Null);
    body["error"].as_str().unwrap_or_default().to_string()
}

/// Creates minzheng's roster for these communities, admits and publishes it.
async fn published_roster(s: &TestServer, title: &str, targets: &[i64], columns: Value) -> i64 {
    let (dept, csrf) = s.login("minzheng").await;
    let report = json_ok(
        dept.post(s.url("/api/v1/reports"))
            .header("x-csrf-token", &csrf)
            .json(&json!({
                "definition": {"title": title, "kind": "roster", "entity": "person",
                               "filter": "age >= 80", "columns": columns},
                "frequency": "once", "period": "2026年12月", "deadline": "2027-01-15",
                "targets": targets
            }))
            .send()
            .await
            .unwrap(),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    s.admit_report(report).await;
    json_ok(
        dept.post(s.url(&format!("/api/v1/reports/{report}/publish")))
            .header("x-csrf-token", &csrf)
            .send()
            .await
            .unwrap(),
    )
    .await;
    report
}

fn name_column() -> Value {
    json!({"path": ["姓名"], "source": {"type": "element", "element": "person.name"}, "left": 0, "right": 0})
}

async fn a_township_follows_its_home_page_to_its_communities(b: Backend) {
    let s = TestServer::start(b).await;
    let minzhu = s.unit_id("500107003003").await;
    let dagongguan = s.unit_id("500107003004").await;
    let outside = s.unit_id("500107001001").await;
    let report = published_roster(
        &s,
        "高龄老人名册",
        &[dagongguan, outside, minzhu],
        json!([name_column()]),
    )
    .await;
    let elsewhere = published_roster(&s, "西郊名册", &[outside], json!([name_column()])).await;

    let (town, _) = s.login("xiejiawan").await;
    let home = town
        .get(s.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let link = format!("href=\"/reports/{report}\"");
    assert!(
        home.contains(&link),
        "the home page links the report: {home}"
    );

    let r = town
        .get(s.url(&format!("/reports/{report}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"township-tasks\""), "{page}");
    let (a, b2) = (page.find("民主村社区"), page.find("大公馆社区"));
    assert!(
        a.is_some() && b2.is_some(),
        "both communities listed: {page}"
    );
    assert!(a < b2, "in the order of the org tree, not of progress");
    assert!(!page.contains("西郊二村"), "no other township's community");
    // Each community's task opens, read-only.
    let task_link = page
        .split("href=\"/tasks/")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .expect("a task link");
    let task = town
        .get(s.url(&format!("/tasks/{task_link}")))
        .send()
        .await
        .unwrap();
    assert_eq!(task.status(), 200);
    assert!(!task.text().await.unwrap().contains("id=\"submit-task\""));

    // A report that reached none of its communities is refused, and the
    // refusal is audited.
    let before = s.audit("access.denied", "xiejiawan").await.len();
    let r = town
        .get(s.url(&format!("/reports/{elsewhere}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(!r.text().await.unwrap().contains("西郊名册"));
    assert!(s.audit("access.denied", "xiejiawan").await.len() > before);
}

async fn an_added_person_joins_a_household_in_the_grid(b: Backend) {
    let s = TestServer::start(b).await;
    let minzhu = s.unit_id("500107003003").await;
    let report = published_roster(
        &s,
        "高龄老人家庭情况表",
        &[minzhu],
        json!([
            name_column(),
            {"path": ["户主姓名"], "source": {"type": "element", "element": "household.head_name"}, "left": 1, "right": 1},
            {"path": ["户地址"], "source": {"type": "element", "element": "household.address"}, "left": 2, "right": 2}
        ]),
    )
    .await;
    let (worker, csrf) = s.login("minzhu").await;
    let tasks = json_ok(worker.get(s.url("/api/v1/tasks")).send().await.unwrap()).await;
    let task = tasks["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["report_id"] == report)
        .expect("the task")["id"]
        .as_i64()
        .unwrap();
    let add = |body: Value| {
        worker
            .post(s.url(&format!("/api/v1/tasks/{task}/rows")))
            .header("x-csrf-token", &csrf)
            .json(&body)
            .send()
    };

    // A new household, this person its head: the head's name is then known.
    json_ok(
        add(json!({"id_number": "500107194001010013", "name": "新户主",
                   "household": {"kind": "new", "address": "民主村九号楼1单元"}}))
        .await
        .unwrap(),
    )
    .await;
    // Found again by the address, and joined by a second person.
    let found = json_ok(
        worker
            .get(s.url(&format!("/api/v1/tasks/{task}/households?q={}", "九号楼")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let list = found["households"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{found}");
    assert_eq!(list[0]["head"], "新户主");
    let household = list[0]["id"].as_i64().unwrap();
    // Found by the head's name too.
    let by_name = json_ok(
        worker
            .get(s.url(&format!("/api/v1/tasks/{task}/households?q={}", "新户主")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(by_name["households"][0]["id"], household);
    json_ok(
        add(json!({"id_number": "500107194202020023", "name": "新配偶",
                   "household": {"kind": "existing", "id": household, "relation": "10"}}))
        .await
        .unwrap(),
    )
    .await;
    let grid = json_ok(
        worker
            .get(s.url(&format!("/api/v1/tasks/{task}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let rows = grid["grid"]["rows"].as_array().unwrap();
    let row_of = |name: &str| {
        rows.iter()
            .find(|r| r["cells"][0]["display"] == name)
            .unwrap_or_else(|| panic!("{name} listed: {grid}"))
            .clone()
    };
    for name in ["新户主", "新配偶"] {
        let r = row_of(name);
        assert_eq!(r["cells"][1]["display"], "新户主", "{r}");
        assert_eq!(r["cells"][2]["display"], "民主村九号楼1单元", "{r}");
    }

    // Bad choices are refused in Chinese, and nothing is written.
    let persons = s.person_count().await;
    let other = s.household_in("500107003004").await;
    let msg = error_of(
        add(json!({"id_number": "500107194303030036", "name": "外户",
                   "household": {"kind": "existing", "id": other, "relation": "10"}}))
        .await
        .unwrap(),
        400,
    )
    .await;
    assert!(msg.contains("所选家庭不在"), "{msg}");
    let msg = error_of(
        add(json!({"id_number": "500107194303030036", "name": "无址",
                   "household": {"kind": "new", "address": "  "}}))
        .await
        .unwrap(),
        400,
    )
    .await;
    assert!(msg.contains("户地址"), "{msg}");
    let msg = error_of(
        add(json!({"id_number": "500107194303030036", "name": "乱码",
                   "household": {"kind": "existing", "id": household, "relation": "关系"}}))
        .await
        .unwrap(),
        400,
    )
    .await;
    assert!(msg.contains("与户主关系"), "{msg}");
    assert_eq!(s.person_count().await, persons, "nothing half-written");

    // A household has one head: joining as 户主 is refused.
    let msg = error_of(
        add(json!({"id_number": "500107194303030036", "name": "二户主",
                   "household": {"kind": "existing", "id": household, "relation": "02"}}))
        .await
        .unwrap(),
        400,
    )
    .await;
    assert!(msg.contains("已有户主"), "{msg}");
    // Nothing chosen is said as such.
    let msg = error_of(
        add(json!({"id_number": "500107194303030036", "name": "未选",
                   "household": {"kind": "existing", "id": 0, "relation": "10"}}))
        .await
        .unwrap(),
        400,
    )
    .await;
    assert!(msg.contains("请先查找并选择一户"), "{msg}");
    // A demo household is registered in a grid of the community: it can be joined.
    let in_grid = s.household_in("500107003003").await;
    json_ok(
        add(
            json!({"id_number": "500107194303030036", "name": "网格户成员",
                   "household": {"kind": "existing", "id": in_grid, "relation": "10"}}),
        )
        .await
        .unwrap(),
    )
    .await;

    // Another community's resident: one merge candidate however often it
    // is tried, and a name the dictionary refuses is refused first.
    let elsewhere = s.first_resident("500107003004").await;
    let candidates = || async {
        s.app
            .db
            .count_rows("merge_candidates")
            .await
            .expect("count")
    };
    let before = candidates().await;
    for _ in 0..3 {
        let msg = error_of(
            add(json!({"id_number": elsewhere.id_number, "name": "重复"}))
                .await
                .unwrap(),
            400,
        )
        .await;
        assert!(msg.contains("已在其他村社区登记"), "{msg}");
    }
    assert_eq!(candidates().await, before + 1);
    let msg = error_of(
        add(json!({"id_number": elsewhere.id_number, "name": "长".repeat(5000)}))
            .await
            .unwrap(),
        400,
    )
    .await;
    assert!(msg.contains("姓名"), "{msg}");

    // Adds at once, of a resident already registered here, hold no pool
    // connection while their transaction waits: none fails.
    let known = s.first_resident("500107003003").await;
    let adds: Vec<_> = (0..12)
        .map(|_| {
            let (c, url, csrf) = (
                worker.clone(),
                s.url(&format!("/api/v1/tasks/{task}/rows")),
                csrf.clone(),
            );
            let body = json!({"id_number": known.id_number, "name": known.name});
            tokio::spawn(async move {
                c.post(url)
                    .header("x-csrf-token", csrf)
                    .json(&body)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            })
        })
        .collect();
    for a in adds {
        let status = a.await.expect("joined").expect("answered");
        assert!(status < 500, "{status}");
    }

    // Another community's worker cannot search this task's households.
    let (other_worker, _) = s.login("dagongguan").await;
    let r = other_worker
        .get(s.url(&format!("/api/v1/tasks/{task}/households?q=")))
        .send()
        .await
        .unwrap();
    assert!(matches!(r.status().as_u16(), 403 | 404));
}

async fn admitting_against_a_violation_needs_a_reason(b: Backend) {
    let s = TestServer::start(b).await;
    let (dept, dcsrf) = s.login("minzheng").await;
    let (office, ocsrf) = s.login("jianfuban").await;
    // An inspection outside the annual plan is 不符合.
    let id = json_ok(
        dept.post(s.url("/api/v1/admissions"))
            .header("x-csrf-token", &dcsrf)
            .json(&json!({"title": "养老机构安全检查",
                "details": {"kind": "inspection", "window_start": "2027-03-01",
                            "window_end": "2027-03-02", "content": "养老机构消防",
                            "mergeable": true, "in_annual_plan": false},
                "duty_item": "安全隐患排查", "lead_hours": 240,
                "targets": [s.unit_id("500107003003").await]}))
            .send()
            .await
            .unwrap(),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let decide = |action: &'static str, reason: &'static str, who: &'static str| {
        let (c, csrf) = if who == "dept" {
            (&dept, &dcsrf)
        } else {
            (&office, &ocsrf)
        };
        c.post(s.url(&format!("/api/v1/admissions/{id}/decide")))
            .header("x-csrf-token", csrf.as_str())
            .json(&json!({"action": action, "reason": reason}))
            .send()
    };
    let v = json_ok(decide("submit", "", "dept").await.unwrap()).await;
    let violations: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "violation")
        .map(|f| f["title"].as_str().unwrap_or_default())
        .collect();
    assert!(!violations.is_empty(), "{v}");
    let msg = error_of(decide("admit", "  ", "office").await.unwrap(), 400).await;
    assert!(
        msg.contains("须写明理由") && msg.contains(violations[0]),
        "{msg}"
    );
    // Invisible characters are no reason either.
    let msg = error_of(
        decide("admit", "\u{200B}\u{2060}", "office").await.unwrap(),
        400,
    )
    .await;
    assert!(msg.contains("须写明理由"), "{msg}");
    let v = json_ok(
        decide("admit", "区政府专项部署，已与街道协调时间", "office")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(v["status"], "admitted", "{v}");
}

on_both_backends!(
    a_township_follows_its_home_page_to_its_communities,
    an_added_person_joins_a_household_in_the_grid,
    admitting_against_a_violation_needs_a_reason,
);
