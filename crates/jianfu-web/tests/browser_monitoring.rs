//! 监测 in real headless Chromium: the 减负办 opens the dashboard, runs the
//! rules, follows a warning and assigns it; the department answers it on
//! its own page; the office closes it with what changed.

mod common;

use common::browser::{
    browser, click, gone, log_out, start_driver, submit_login, text_becomes, type_into,
};
use common::{Backend, TestServer, PASSWORD};
use fantoccini::Locator;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_follows_a_warning_through_the_loop() {
    let s = TestServer::start(Backend::Sqlite).await;
    // A demand sent with four hours to answer: the rules will warn.
    let (dept, dcsrf) = s.login("minzheng").await;
    let (office, ocsrf) = s.login("jianfuban").await;
    let minzhu = s.unit_id("500107003003").await;
    let r = dept
        .post(s.url("/api/v1/admissions"))
        .header("x-csrf-token", &dcsrf)
        .json(&json!({"title": "困难群众当天摸排",
            "details": {"kind": "task", "description": "当天摸排", "minutes_per_unit": 60},
            "duty_item": "社会救助对象排查与申报协助", "lead_hours": 4, "targets": [minzhu]}))
        .send()
        .await
        .unwrap();
    let id = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let decide = format!("/api/v1/admissions/{id}/decide");
    let ok = dept
        .post(s.url(&decide))
        .header("x-csrf-token", &dcsrf)
        .json(&json!({"action": "submit"}))
        .send()
        .await
        .unwrap();
    assert!(ok.status().is_success());
    let ok = office
        .post(s.url(&decide))
        .header("x-csrf-token", &ocsrf)
        .json(&json!({"action": "admit", "reason": "急需摸排，已说明"}))
        .send()
        .await
        .unwrap();
    assert!(ok.status().is_success());

    let driver = start_driver().await;
    let b = browser(&driver).await;
    b.goto(&s.url("/login?next=/monitoring")).await.unwrap();
    submit_login(&b, "jianfuban", PASSWORD).await;
    b.wait().for_element(Locator::Id("by-kind")).await.unwrap();
    // The chart and its table say the same: one task line.
    let kinds = b
        .find(Locator::Id("kinds-table"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(kinds.contains("工作任务"), "{kinds}");
    assert!(b.find(Locator::Css("#by-kind svg rect")).await.is_ok());
    if let Ok(png) = b.screenshot().await {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screens");
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join("monitoring-390.png"), png);
    }
    click(&b, "to-warnings").await;
    click(&b, "run-rules").await;
    b.find(Locator::Css("#run-rules button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let link = b
        .wait()
        .for_element(Locator::XPath(
            "//table[@id='warnings']//a[contains(., '上午发下午要')]",
        ))
        .await
        .unwrap();
    link.click().await.unwrap();
    b.wait()
        .for_element(Locator::Id("assign-form"))
        .await
        .unwrap();
    type_into(
        &b,
        "#assign-form textarea[name=note]",
        "请说明为何只给四小时",
    )
    .await;
    click(&b, "assign").await;
    b.wait()
        .for_element(Locator::Id("warning-status"))
        .await
        .unwrap();
    let url = b.current_url().await.unwrap();
    log_out(&b).await;

    // The department answers on the warning's page.
    submit_login(&b, "minzheng", PASSWORD).await;
    b.wait().for_element(Locator::Id("welcome")).await.unwrap();
    b.goto(url.as_str()).await.unwrap();
    b.wait()
        .for_element(Locator::Id("answer-form"))
        .await
        .unwrap();
    type_into(
        &b,
        "#answer-form textarea",
        "已撤回当天摸排，改为提前三个工作日下达",
    )
    .await;
    click(&b, "answer").await;
    b.wait()
        .for_element(Locator::Id("warning-status"))
        .await
        .unwrap();
    assert!(gone(&b, "answer-form").await, "the answer form goes");
    log_out(&b).await;

    // The office closes it with the feedback and what changed.
    submit_login(&b, "jianfuban", PASSWORD).await;
    b.wait().for_element(Locator::Id("welcome")).await.unwrap();
    b.goto(url.as_str()).await.unwrap();
    b.wait()
        .for_element(Locator::Id("close-form"))
        .await
        .unwrap();
    type_into(&b, "#close-form textarea[name=feedback]", "已核实撤回").await;
    type_into(
        &b,
        "#close-form textarea[name=improvement]",
        "临时任务至少提前 24 小时下达",
    )
    .await;
    click(&b, "close").await;
    assert_eq!(
        text_becomes(&b, "warning-status", "已优化办结").await,
        "已优化办结"
    );
    b.close().await.unwrap();
}
