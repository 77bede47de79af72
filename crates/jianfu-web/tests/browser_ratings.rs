//! 好差评 in real headless Chromium on a phone-sized window: a resident
//! opens the rating link of a case (what the QR code holds), without an
//! account, and rates it 非常不满意; the township calls back and closes the
//! bad rating on its page.

mod common;

use common::api::{json_ok, Actor};
use common::browser::{browser, click, start_driver, submit_login, text_with, type_into};
use common::{Backend, TestServer, PASSWORD};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_rates_on_a_phone_and_the_township_settles_it() {
    let s = TestServer::start(Backend::Sqlite).await;
    let window = Actor::login(&s, "minzhu").await;
    let case = json_ok(
        window
            .send(
                &s,
                "POST",
                "/api/v1/service-cases",
                json!({"service": "subsistence", "case_no": "DB-0042"}),
            )
            .await,
    )
    .await;
    let id = case["id"].as_i64().expect("id");
    let link = case["link"].as_str().expect("link").to_string();

    let driver = start_driver().await;
    let b = browser(&driver).await;
    b.set_window_size(390, 844).await.expect("phone size");
    b.goto(&s.url(&link)).await.expect("rating page");
    click(&b, "level-1").await;
    click(&b, "attitude-1").await;
    type_into(&b, "#comment", "材料说了三遍还让回去补").await;
    click(&b, "submit-rating").await;
    text_with(&b, "thanks", "回访").await;
    let wide = b
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth;",
            vec![],
        )
        .await
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0);
    assert!(
        wide <= 1.0,
        "the rating page is {wide} px wider than the phone"
    );
    // Opening the link again says it was rated.
    b.goto(&s.url(&link)).await.expect("again");
    text_with(&b, "already", "已经评价").await;

    // The township calls back and settles it.
    b.goto(&s.url("/login?next=/haochaping"))
        .await
        .expect("login");
    submit_login(&b, "xiejiawan", PASSWORD).await;
    type_into(
        &b,
        &format!("#note-{id}"),
        "已电话回访，当面致歉并一次性告知材料清单",
    )
    .await;
    click(&b, &format!("callback-{id}")).await;
    text_with(&b, &format!("bad-status-{id}"), "已回访").await;
    type_into(&b, &format!("#note-{id}"), "窗口印发低保申请一次性告知单").await;
    click(&b, &format!("rectify-{id}")).await;
    text_with(&b, &format!("bad-status-{id}"), "已办结").await;
}
