//! Each home page lists the work that person has next, with its deadline
//! and a link: a community's task (and, once returned, the comment), the
//! department's submissions to review and its drafts, the 减负办's
//! requests to decide. Submitting says what happened and can be taken back
//! until the department decides.

mod common;

use common::{Backend, TestServer};
use serde_json::{json, Value};

async fn json_ok(r: reqwest::Response) -> Value {
    let status = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{status}: {body}");
    body
}

async fn page(c: &reqwest::Client, s: &TestServer, path: &str) -> String {
    let r = c.get(s.url(path)).send().await.expect("page");
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.expect("html")
}

/// The `<section id="next-steps">` of the home page.
fn steps(html: &str) -> String {
    let start = html
        .find("id=\"next-steps\"")
        .expect("the home page lists next steps");
    let end = html[start..]
        .find("</section>")
        .map_or(html.len(), |e| start + e);
    html[start..end].to_string()
}

async fn home_pages_list_the_work_and_submitting_can_be_undone(b: Backend) {
    let s = TestServer::start(b).await;
    let (dept, dcsrf) = s.login("minzheng").await;
    let (community, ccsrf) = s.login("minzhu").await;
    let (office, _) = s.login("jianfuban").await;
    let minzhu = s.unit_id("500107003003").await;

    // Nothing yet: each page says so instead of an empty list.
    assert!(steps(&page(&community, &s, "/").await).contains("no-steps"));

    let report = json_ok(
        dept.post(s.url("/api/v1/reports"))
            .header("x-csrf-token", &dcsrf)
            .json(&json!({
                "definition": {
                    "title": "居民联系电话核对表", "kind": "roster", "entity": "person",
                    "columns": [
                        {"path": ["姓名"], "source": {"type": "element", "element": "person.name"}, "left": 0, "right": 0},
                        {"path": ["核对情况"], "source": {"type": "manual"}, "left": 1, "right": 1}
                    ]
                },
                "frequency": "once", "period": "2026年12月", "deadline": "2027-01-15",
                "targets": [minzhu]
            }))
            .send()
            .await
            .expect("create"),
    )
    .await["id"]
        .as_i64()
        .expect("id");
    // A draft is the department's next step.
    let home = steps(&page(&dept, &s, "/").await);
    assert!(
        home.contains("居民联系电话核对表") && home.contains("提交准入申请"),
        "{home}"
    );
    assert!(
        home.contains(&format!("href=\"/reports/{report}\"")),
        "{home}"
    );
    // The draft's page shows what it asks, and no publish button before
    // admission.
    let draft = page(&dept, &s, &format!("/reports/{report}")).await;
    assert!(
        draft.contains("id=\"draft-columns\"") && draft.contains("核对情况"),
        "{draft}"
    );
    assert!(
        draft.contains("request-admission") && !draft.contains("id=\"publish\""),
        "{draft}"
    );

    // A request waiting for the 减负办 is the 减负办's next step.
    let r = json_ok(
        dept.post(s.url("/api/v1/admissions"))
            .header("x-csrf-token", &dcsrf)
            .json(&json!({"details": {"kind": "report", "report_id": report},
                          "duty_item": "居民基础信息采集与更新", "lead_hours": 240}))
            .send()
            .await
            .expect("request"),
    )
    .await;
    let admission = r["id"].as_i64().expect("id");
    json_ok(
        dept.post(s.url(&format!("/api/v1/admissions/{admission}/decide")))
            .header("x-csrf-token", &dcsrf)
            .json(&json!({"action": "submit"}))
            .send()
            .await
            .expect("submit"),
    )
    .await;
    let home = steps(&page(&office, &s, "/").await);
    assert!(
        home.contains("居民联系电话核对表") && home.contains(&format!("/admissions/{admission}")),
        "{home}"
    );
    let (office_c, ocsrf) = s.login("jianfuban").await;
    json_ok(
        office_c
            .post(s.url(&format!("/api/v1/admissions/{admission}/decide")))
            .header("x-csrf-token", &ocsrf)
            .json(&json!({"action": "admit"}))
            .send()
            .await
            .expect("admit"),
    )
    .await;
    assert!(steps(&page(&office, &s, "/").await).contains("no-steps"));
    assert!(steps(&page(&dept, &s, "/").await).contains("可以发布"));
    let admitted = page(&dept, &s, &format!("/reports/{report}")).await;
    assert!(admitted.contains("id=\"publish\""), "{admitted}");
    // The 减负办 sees the report but never its department's button.
    let overseen = page(&office, &s, &format!("/reports/{report}")).await;
    assert!(!overseen.contains("id=\"publish\""), "{overseen}");

    json_ok(
        dept.post(s.url(&format!("/api/v1/reports/{report}/publish")))
            .header("x-csrf-token", &dcsrf)
            .send()
            .await
            .expect("publish"),
    )
    .await;
    let task = json_ok(
        community
            .get(s.url("/api/v1/tasks"))
            .send()
            .await
            .expect("tasks"),
    )
    .await["tasks"][0]["id"]
        .as_i64()
        .expect("task");

    // The community sees its task with the cells still to fill and the
    // deadline, linked.
    let home = steps(&page(&community, &s, "/").await);
    assert!(
        home.contains("待填报") && home.contains("2027-01-15"),
        "{home}"
    );
    assert!(home.contains(&format!("href=\"/tasks/{task}\"")), "{home}");
    assert!(home.contains("格待填"), "{home}");

    // Submitting says so, with the cells left; withdrawing opens it again.
    let submit = community
        .post(s.url(&format!("/tasks/{task}/submit")))
        .form(&[("_csrf", ccsrf.as_str())])
        .send()
        .await
        .expect("submit");
    assert_eq!(submit.status(), 303);
    let to = submit
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let html = page(&community, &s, &to).await;
    assert!(
        html.contains("id=\"submit-done\"") && html.contains("格留空"),
        "{html}"
    );
    assert!(html.contains("id=\"withdraw-task\""), "{html}");
    // The department's next step is to review it, and its table counts
    // the cells left empty.
    let home = steps(&page(&dept, &s, "/").await);
    assert!(home.contains("1 份待审核"), "{home}");
    assert!(page(&dept, &s, &format!("/reports/{report}"))
        .await
        .contains("gaps-left"));

    let withdrawn = json_ok(
        community
            .post(s.url(&format!("/api/v1/tasks/{task}/withdraw")))
            .header("x-csrf-token", &ccsrf)
            .send()
            .await
            .expect("withdraw"),
    )
    .await;
    assert_eq!(withdrawn["status"], "填报中");
    assert!(!s.audit("task.withdraw", "minzhu").await.is_empty());
    assert!(steps(&page(&dept, &s, "/").await).contains("no-steps"));

    // Once the department has decided, it cannot be taken back.
    json_ok(
        community
            .post(s.url(&format!("/api/v1/tasks/{task}/submit")))
            .header("x-csrf-token", &ccsrf)
            .send()
            .await
            .expect("submit again"),
    )
    .await;
    json_ok(
        dept.post(s.url(&format!("/api/v1/tasks/{task}/accept")))
            .header("x-csrf-token", &dcsrf)
            .send()
            .await
            .expect("accept"),
    )
    .await;
    let late = community
        .post(s.url(&format!("/api/v1/tasks/{task}/withdraw")))
        .header("x-csrf-token", &ccsrf)
        .send()
        .await
        .expect("withdraw");
    assert_eq!(late.status(), 400);
    let body: Value = late.json().await.expect("json");
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("不能撤回"),
        "{body}"
    );
    // Another community cannot withdraw it either.
    let (other, ocsrf2) = s.login("dagongguan").await;
    let foreign = other
        .post(s.url(&format!("/api/v1/tasks/{task}/withdraw")))
        .header("x-csrf-token", &ocsrf2)
        .send()
        .await
        .expect("withdraw");
    assert_eq!(foreign.status(), 403);
}

on_both_backends!(home_pages_list_the_work_and_submitting_can_be_undone);

/// A community where nobody matches the filter still gets its task (only
/// it knows whether the register misses someone) and confirms "none here"
/// with one click; the publication says how many are in that case.
async fn a_task_with_nobody_to_list_is_one_click(b: Backend) {
    let s = TestServer::start(b).await;
    let (dept, dcsrf) = s.login("minzheng").await;
    let (community, ccsrf) = s.login("minzhu").await;
    let targets = [
        s.unit_id("500107003003").await,
        s.unit_id("500107003004").await,
    ];
    let report = json_ok(
        dept.post(s.url("/api/v1/reports"))
            .header("x-csrf-token", &dcsrf)
            .json(&json!({
                "definition": {
                    "title": "百岁老人名册", "kind": "roster", "entity": "person",
                    "filter": "age >= 100",
                    "columns": [
                        {"path": ["姓名"], "source": {"type": "element", "element": "person.name"}, "left": 0, "right": 0},
                        {"path": ["走访情况"], "source": {"type": "manual"}, "left": 1, "right": 1}
                    ]
                },
                "frequency": "once", "period": "2026年12月", "deadline": "2027-01-15",
                "targets": targets
            }))
            .send()
            .await
            .expect("create"),
    )
    .await["id"]
        .as_i64()
        .expect("id");
    s.admit_report(report).await;
    let published = json_ok(
        dept.post(s.url(&format!("/api/v1/reports/{report}/publish")))
            .header("x-csrf-token", &dcsrf)
            .send()
            .await
            .expect("publish"),
    )
    .await;
    assert_eq!(published["tasks"], 2, "{published}");
    assert_eq!(published["without_rows"], 2, "{published}");
    let html = page(&dept, &s, &format!("/reports/{report}")).await;
    assert!(
        html.contains("id=\"rows-summary\"") && html.contains("0 个村（社区）有"),
        "{html}"
    );

    let home = steps(&page(&community, &s, "/").await);
    assert!(
        home.contains("step-task_none") && home.contains("一键确认"),
        "{home}"
    );
    let task = json_ok(
        community
            .get(s.url("/api/v1/tasks"))
            .send()
            .await
            .expect("tasks"),
    )
    .await["tasks"][0]["id"]
        .as_i64()
        .expect("task");
    let html = page(&community, &s, &format!("/tasks/{task}")).await;
    assert!(html.contains("id=\"confirm-none\""), "{html}");
    let done = community
        .post(s.url(&format!("/tasks/{task}/submit")))
        .form(&[("_csrf", ccsrf.as_str())])
        .send()
        .await
        .expect("confirm");
    assert_eq!(done.status(), 303);
    let tasks = json_ok(
        community
            .get(s.url("/api/v1/tasks"))
            .send()
            .await
            .expect("tasks"),
    )
    .await;
    assert_eq!(tasks["tasks"][0]["status"], "已提交", "{tasks}");
}

on_both_backends!(a_task_with_nobody_to_list_is_one_click);
