//! 好差评 through the HTTP API on both databases:
//! - a window records a case; a resident rates it without an account, once
//!   (一次一评); a wrong link, a second rating and a level out of range are
//!   refused in Chinese;
//! - the window sees that a case was rated, never how, until a bad rating
//!   is settled;
//! - a bad rating is due in the working days of settings (15 by default,
//!   counted on the holiday calendar), must be called back first, and is
//!   rectified, explained or appealed; the office, not the township,
//!   decides an appeal, and a malicious rating leaves the public figures;
//! - a rating seconds after the case was recorded is flagged as prompted;
//! - the QR code is an SVG of the rating link.

mod common;

use common::api::{error_of, json_ok, Actor};
use common::{Backend, TestServer};
use serde_json::{json, Value};

async fn record(s: &TestServer, window: &Actor, case_no: &str) -> (i64, String) {
    let v = json_ok(
        window
            .send(
                s,
                "POST",
                "/api/v1/service-cases",
                json!({"service": "elderly_allowance", "case_no": case_no}),
            )
            .await,
    )
    .await;
    let link = v["link"].as_str().expect("link").to_string();
    let token = link.trim_start_matches("/pj/").to_string();
    (v["id"].as_i64().expect("id"), token)
}

async fn rate(s: &TestServer, token: &str, body: Value) -> reqwest::Response {
    s.client()
        .post(s.url(&format!("/api/v1/public/ratings/{token}")))
        .json(&body)
        .send()
        .await
        .expect("rate")
}

async fn one_rating_per_case_and_a_bad_one_goes_through_its_life(b: Backend) {
    let s = TestServer::start(b).await;
    let window = Actor::login(&s, "minzhu").await;
    let town = Actor::login(&s, "xiejiawan").await;
    let office = Actor::login(&s, "jianfuban").await;
    let (id, token) = record(&s, &window, "GL-2026-0001").await;
    // The same case number again is refused.
    let m = error_of(
        window
            .send(
                &s,
                "POST",
                "/api/v1/service-cases",
                json!({"service": "elderly_allowance", "case_no": "GL-2026-0001"}),
            )
            .await,
        400,
    )
    .await;
    assert!(m.contains("已经登记过"), "{m}");
    // A resident, without an account, reads what it is about and rates.
    let form = json_ok(
        s.client()
            .get(s.url(&format!("/api/v1/public/ratings/{token}")))
            .send()
            .await
            .expect("form"),
    )
    .await;
    assert_eq!(form["service"], "elderly_allowance");
    assert_eq!(form["rated"], false);
    let m = error_of(rate(&s, &token, json!({"level": 9})).await, 400).await;
    assert!(m.contains("1 到 5 级"), "{m}");
    let m = error_of(
        rate(&s, "0123456789abcdef01234567", json!({"level": 5})).await,
        404,
    )
    .await;
    assert!(m.contains("链接"), "{m}");
    let v = json_ok(
        rate(
            &s,
            &token,
            json!({"level": 1, "attitude": 1, "comment": "等了一个小时没人理"}),
        )
        .await,
    )
    .await;
    assert_eq!(v["bad"], true);
    let m = error_of(rate(&s, &token, json!({"level": 5})).await, 400).await;
    assert!(m.contains("只评价一次"), "{m}");

    // The window does not even learn that it was rated.
    let cases = json_ok(window.get(&s, "/api/v1/service-cases").await).await;
    let c = &cases["cases"][0];
    assert_eq!(c["rated"], false);
    assert!(!cases.to_string().contains("等了一个小时"), "{cases}");
    let mine = json_ok(window.get(&s, "/api/v1/bad-ratings").await).await;
    assert_eq!(mine["bad_ratings"].as_array().map(Vec::len), Some(0));

    // The township: due in 15 working days on the holiday calendar.
    let list = json_ok(town.get(&s, "/api/v1/bad-ratings").await).await;
    let bad = list["bad_ratings"]
        .as_array()
        .expect("list")
        .iter()
        .find(|x| x["case_id"] == id)
        .cloned()
        .expect("the bad rating reached the township");
    let due = jianfu_core::monitoring::settings::MonitoringSettings::default()
        .calendar()
        .add_working_days(jianfu_app::today(), 15)
        .to_string();
    assert_eq!(bad["due_on"], due);
    assert_eq!(bad["status"], "open");
    assert!(
        bad["flags"].as_str().unwrap_or("").contains("prompted"),
        "{bad}"
    );
    // The township's page lists it with the step it can take.
    let page = town.get(&s, "/haochaping").await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.expect("page");
    assert!(page.contains(&format!("id=\"callback-{id}\"")), "{page}");
    // Its home page says there are bad ratings to handle, and when the
    // first is due; the window's says nothing of them.
    let home = town.get(&s, "/").await.text().await.expect("home");
    assert!(home.contains("差评待回访、整改或说明"), "{home}");
    let window_home = window.get(&s, "/").await.text().await.expect("home");
    assert!(!window_home.contains("差评待"), "{window_home}");
    let steps = format!("/api/v1/bad-ratings/{id}/steps");
    let m = error_of(
        town.send(
            &s,
            "POST",
            &steps,
            json!({"action": "rectify", "note": "已整改"}),
        )
        .await,
        400,
    )
    .await;
    assert!(m.contains("请先回访"), "{m}");
    let m = error_of(
        town.send(
            &s,
            "POST",
            &steps,
            json!({"action": "callback", "note": " "}),
        )
        .await,
        400,
    )
    .await;
    assert!(m.contains("回访情况"), "{m}");
    // Another township's window is not this township's to handle; the
    // window itself cannot settle its own rating.
    error_of(
        window
            .send(
                &s,
                "POST",
                &steps,
                json!({"action": "callback", "note": "打过电话"}),
            )
            .await,
        403,
    )
    .await;
    json_ok(
        town.send(
            &s,
            "POST",
            &steps,
            json!({"action": "callback", "note": "已电话回访，群众反映午间无人值守"}),
        )
        .await,
    )
    .await;
    let v = json_ok(
        town.send(
            &s,
            "POST",
            &steps,
            json!({"action": "rectify", "note": "窗口实行午间轮岗，公示值班电话 13812345678"}),
        )
        .await,
    )
    .await;
    assert_eq!(v["status"], "closed");
    assert_eq!(v["outcome"], "rectified");
    // Settled: the window reads it now.
    let mine = json_ok(window.get(&s, "/api/v1/bad-ratings").await).await;
    assert_eq!(mine["bad_ratings"].as_array().map(Vec::len), Some(1));

    // An appeal is the office's to decide.
    let (id2, token2) = record(&s, &window, "GL-2026-0002").await;
    json_ok(rate(&s, &token2, json!({"level": 2, "comment": "不满意"})).await).await;
    let steps2 = format!("/api/v1/bad-ratings/{id2}/steps");
    json_ok(
        town.send(
            &s,
            "POST",
            &steps2,
            json!({"action": "callback", "note": "无法联系"}),
        )
        .await,
    )
    .await;
    json_ok(
        town.send(
            &s,
            "POST",
            &steps2,
            json!({"action": "appeal", "note": "办件当天窗口未开放，评价与事实不符"}),
        )
        .await,
    )
    .await;
    error_of(
        town.send(
            &s,
            "POST",
            &steps2,
            json!({"action": "uphold", "note": "成立"}),
        )
        .await,
        403,
    )
    .await;
    let home = office.get(&s, "/").await.text().await.expect("home");
    assert!(home.contains("差评申诉待裁定"), "{home}");
    // The step leads to the appeals alone.
    assert!(home.contains("/haochaping?status=appealed"), "{home}");
    let appeals = office
        .get(&s, "/haochaping?status=appealed")
        .await
        .text()
        .await
        .expect("appeals");
    assert!(appeals.contains(&format!("id=\"bad-{id2}\"")), "{appeals}");
    assert!(!appeals.contains(&format!("id=\"bad-{id}\"")), "{appeals}");
    let v = json_ok(
        office
            .send(
                &s,
                "POST",
                &steps2,
                json!({"action": "uphold", "note": "核实当日窗口未开放，申诉成立"}),
            )
            .await,
    )
    .await;
    assert_eq!(v["outcome"], "malicious");

    // The public figures run to yesterday (a window watching them could
    // otherwise see its own cases being rated); the settled cases show
    // what was done, never a case number, with numbers masked.
    let o = json_ok(
        s.client()
            .get(s.url("/api/v1/public/rating-overview"))
            .send()
            .await
            .expect("overview"),
    )
    .await;
    assert_eq!(o["total"], 0, "today's ratings wait for tomorrow: {o}");
    assert_eq!(o["settled"][0]["outcome"], "rectified");
    assert!(!o.to_string().contains("GL-2026"), "no case numbers: {o}");
    assert!(
        !o.to_string().contains("13812345678"),
        "numbers masked: {o}"
    );
    // A resident's rating page refuses a staff session on this browser.
    let (_, token3) = record(&s, &window, "GL-2026-0003").await;
    let r = window
        .send(
            &s,
            "POST",
            &format!("/api/v1/public/ratings/{token3}"),
            json!({"level": 5}),
        )
        .await;
    assert_eq!(r.status(), 403);

    // The QR code of the link, as SVG.
    let r = window
        .get(&s, &format!("/haochaping/cases/{id}/qr.svg"))
        .await;
    assert_eq!(
        r.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("image/svg+xml")
    );
    let svg = r.text().await.expect("svg");
    assert!(svg.contains("<svg"), "{svg}");
    // Another community's window cannot print it.
    let other = Actor::login(&s, "dagongguan").await;
    let theirs = json_ok(other.get(&s, "/api/v1/service-cases").await).await;
    assert_eq!(theirs["cases"].as_array().map(Vec::len), Some(0));
    let r = other
        .get(&s, &format!("/haochaping/cases/{id}/qr.svg"))
        .await;
    assert_eq!(r.status(), 403);
}

on_both_backends!(one_rating_per_case_and_a_bad_one_goes_through_its_life);
