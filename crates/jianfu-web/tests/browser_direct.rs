//! 直报 in real headless Chromium, on a phone-sized window: a community
//! worker files a WeChat-group demand anonymously with a photo, keeps the
//! receipt code; the 减负办 accepts and assigns it; the department answers
//! on its own page; the office closes it; the reporter, signed out, follows
//! it with the code and rates it.

mod common;

use common::browser::{browser, click, log_out, start_driver, submit_login, text_with, type_into};
use common::{Backend, TestServer, PASSWORD};
use fantoccini::Locator;

async fn text_of(b: &fantoccini::Client, id: &str) -> String {
    b.wait()
        .for_element(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .text()
        .await
        .unwrap_or_default()
}

async fn screenshot(b: &fantoccini::Client, name: &str) {
    if let Ok(png) = b.screenshot().await {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screens");
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join(name), png);
    }
}

/// Nothing scrolls sideways on the phone (a wide table scrolls inside its
/// own box).
async fn fits_the_phone(b: &fantoccini::Client, what: &str) {
    let wide = b
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth;",
            vec![],
        )
        .await
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0);
    assert!(wide <= 1.0, "{what} is {wide} px wider than the phone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_reports_anonymously_and_follows_it_to_the_end() {
    let s = TestServer::start(Backend::Sqlite).await;
    let photo = tempfile::Builder::new()
        .suffix(".jpg")
        .tempfile()
        .expect("temp file");
    std::fs::write(
        photo.path(),
        jianfu_app::direct_report::fixtures::jpeg_with_gps(),
    )
    .expect("photo");

    let driver = start_driver().await;
    let b = browser(&driver).await;
    b.set_window_size(390, 844).await.expect("phone size");
    b.goto(&s.url("/login?next=/zhibao")).await.expect("goto");
    submit_login(&b, "minzhu", PASSWORD).await;
    click(&b, "to-new").await;
    b.wait()
        .for_element(Locator::Id("report-form"))
        .await
        .expect("form");
    screenshot(&b, "zhibao-form-390.png").await;
    fits_the_phone(&b, "the report form").await;
    type_into(&b, "#department", "卫生健康委员会").await;
    // The date picker's typed order depends on the browser's locale; the
    // value is set as the picker would set it.
    let today = jianfu_app::today().to_string();
    b.execute(
        "document.getElementById('happened_on').value = arguments[0];",
        vec![serde_json::json!(today)],
    )
    .await
    .expect("date");
    type_into(&b, "#minutes", "90").await;
    type_into(
        &b,
        "#demand",
        "工作群里要求当天下午报送辖区老人体检名单，还要每人拍照",
    )
    .await;
    b.find(Locator::Id("evidence"))
        .await
        .expect("file input")
        .send_keys(&photo.path().display().to_string())
        .await
        .expect("attach");
    click(&b, "submit-report").await;
    let code = text_of(&b, "receipt-code").await;
    assert_eq!(
        code.chars().filter(char::is_ascii_digit).count(),
        16,
        "{code}"
    );
    let stripped = text_of(&b, "stripped").await;
    assert!(stripped.contains("GPS"), "{stripped}");
    screenshot(&b, "zhibao-receipt-390.png").await;
    fits_the_phone(&b, "the receipt").await;
    // Copied first: leaving the receipt before that asks to stay.
    click(&b, "copy-code").await;
    log_out(&b).await;

    // The office accepts and assigns it to the department concerned.
    submit_login(&b, "jianfuban", PASSWORD).await;
    b.wait()
        .for_element(Locator::Id("welcome"))
        .await
        .expect("home");
    b.goto(&s.url("/zhibao?status=received"))
        .await
        .expect("list");
    b.wait()
        .for_element(Locator::XPath("//table[@id='direct-reports']//a"))
        .await
        .expect("the report is listed")
        .click()
        .await
        .expect("open");
    let url = b.current_url().await.expect("url");
    assert!(text_of(&b, "reporter").await.contains("匿名"));
    click(&b, "accept").await;
    type_into(
        &b,
        "#assign-note-input",
        "请核实工作群内是否布置了未经准入的报表",
    )
    .await;
    click(&b, "assign").await;
    assert!(text_with(&b, "report-status", "已交办")
        .await
        .contains("已交办"));
    fits_the_phone(&b, "the office's report page").await;
    log_out(&b).await;

    // The department answers from its home page, without the reporter's
    // place or words.
    submit_login(&b, "weijian", PASSWORD).await;
    b.wait()
        .for_element(Locator::Css(".step-direct_answer a"))
        .await
        .expect("the report is on the department's home page")
        .click()
        .await
        .expect("open");
    assert!(b.find(Locator::Id("words-withheld")).await.is_ok());
    assert!(b.find(Locator::Id("place")).await.is_err());
    type_into(&b, "#finding", "经核实，科室在工作群里直接布置，已撤回").await;
    // What changed is chosen, not preset to the best outcome.
    b.find(Locator::Css("#change option[value='withdrew']"))
        .await
        .expect("change option")
        .click()
        .await
        .expect("choose");
    click(&b, "answer").await;
    assert!(text_with(&b, "report-status", "部门已答复")
        .await
        .contains("部门已答复"));
    log_out(&b).await;

    // The office verifies and closes it.
    submit_login(&b, "jianfuban", PASSWORD).await;
    b.wait()
        .for_element(Locator::Id("welcome"))
        .await
        .expect("home");
    b.goto(url.as_str()).await.expect("report");
    type_into(&b, "#closing-input", "部门已撤回要求，减负办已回访核实").await;
    click(&b, "close").await;
    assert!(text_with(&b, "report-status", "已办结")
        .await
        .contains("已办结"));
    log_out(&b).await;

    // The reporter, signed out, follows it with the code and rates it.
    b.goto(&s.url("/zhibao/follow")).await.expect("follow");
    type_into(&b, "#code", &code).await;
    click(&b, "follow-submit").await;
    assert!(text_with(&b, "report-status", "已办结")
        .await
        .contains("已办结"));
    assert!(text_of(&b, "closing").await.contains("回访核实"));
    click(&b, "rating-5").await;
    click(&b, "rate-submit").await;
    assert!(text_with(&b, "report", "5/5").await.contains("5/5"));
    fits_the_phone(&b, "the follow-up").await;
    screenshot(&b, "zhibao-follow-390.png").await;
    b.close().await.expect("close");
}
