//! `jianfu demo` shows 一表通 working before anyone designs a report: the
//! department's admitted reports reach the communities with tasks in
//! every state, each home page leads to its next task, and what a worker
//! typed into one report is prefilled in the next.

mod common;

use common::{Backend, Options, TestServer};
use serde_json::Value;

async fn get_json(c: &reqwest::Client, s: &TestServer, path: &str) -> Value {
    let r = c.get(s.url(path)).send().await.expect("get");
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.expect("json")
}

async fn the_demo_shows_one_form_in_every_state(b: Backend) {
    let s = TestServer::start_with(
        b,
        Options {
            // As `jianfu demo` builds it: about 230 residents a community.
            residents: 50_000,
            activity: true,
            ..Default::default()
        },
    )
    .await;
    let statuses = |v: &Value| -> Vec<(String, String)> {
        v["tasks"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| {
                (
                    t["title"].as_str().unwrap_or_default().to_string(),
                    t["status"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };
    let (minzhu, _) = s.login("minzhu").await;
    let (dagongguan, _) = s.login("dagongguan").await;
    let mut seen: Vec<String> = Vec::new();
    for c in [&minzhu, &dagongguan] {
        for (_, status) in statuses(&get_json(c, &s, "/api/v1/tasks").await) {
            seen.push(status);
        }
    }
    for state in ["未开始", "填报中", "已提交", "退回", "已接收"] {
        assert!(
            seen.iter().any(|s| s == state),
            "no task is {state}: {seen:?}"
        );
    }

    // The returned task leads dagongguan's home page, with its comment.
    let home = dagongguan
        .get(s.url("/"))
        .send()
        .await
        .expect("home")
        .text()
        .await
        .expect("html");
    let first = home
        .find("step-task_returned")
        .expect("a returned task is listed");
    assert!(
        home.find("step-task_fill").is_none_or(|f| f > first),
        "returned work comes first"
    );
    assert!(home.contains("请补充后重新提交"), "the comment is shown");

    // The card asks for the emergency contact the roster already asked
    // for: dagongguan typed it there, so here it is prefilled, untouched.
    let tasks = get_json(&dagongguan, &s, "/api/v1/tasks").await;
    let card = tasks["tasks"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| t["title"] == "独居老人关爱服务登记表")
        .expect("the card's task");
    assert_eq!(card["status"], "未开始");
    let id = card["id"].as_i64().expect("id");
    let view = get_json(&dagongguan, &s, &format!("/api/v1/tasks/{id}")).await;
    let columns = view["definition"]["columns"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let contact = columns
        .iter()
        .position(|c| c["source"]["element"] == "person.emergency_contact")
        .expect("an emergency contact column");
    let prefilled = view["grid"]["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["cells"][contact]["state"] == "prefilled")
        .count();
    assert!(prefilled >= 1, "{view}");

    // The department's home page leads to the submission to review and to
    // the draft; the township's counts its communities still to submit.
    let (dept, _) = s.login("minzheng").await;
    let home = dept
        .get(s.url("/"))
        .send()
        .await
        .expect("home")
        .text()
        .await
        .expect("html");
    assert!(
        home.contains("step-review_tasks") && home.contains("step-report_draft"),
        "{home}"
    );
    let (street, _) = s.login("xiejiawan").await;
    let home = street
        .get(s.url("/"))
        .send()
        .await
        .expect("home")
        .text()
        .await
        .expect("html");
    assert!(
        home.contains("step-township_report") && home.contains("个村社区尚未提交"),
        "{home}"
    );
}

on_both_backends!(the_demo_shows_one_form_in_every_state);
