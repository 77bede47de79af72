//! The forms audit in real headless Chromium on a phone-sized window: the
//! 减负办 goes from 一表通 to the audit, uploads three departments' forms
//! at once, reads the figures and the item they all ask for, and accepts
//! the proposed item into the dictionary.

mod common;

use common::browser::{browser, click, start_driver, submit_login, text_with};
use common::{simple_form_xlsx, Backend, TestServer, PASSWORD};
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_audits_a_batch_and_accepts_a_new_item() {
    let s = TestServer::start(Backend::Sqlite).await;
    let dir = tempfile::tempdir().expect("dir");
    let mut paths = Vec::new();
    for (name, title, header) in [
        (
            "规划.xlsx",
            "宅基地使用情况登记表",
            &["姓名", "身份证号码", "宅基地面积（㎡）"][..],
        ),
        (
            "农业.xlsx",
            "农户宅基地信息台账",
            &["户主姓名", "※宅基地面积", "联系电话"][..],
        ),
        (
            "住建.xlsx",
            "农村住房情况花名册",
            &["姓名", "手机", "宅基地 面积"][..],
        ),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, simple_form_xlsx(title, header)).expect("write");
        paths.push(p.display().to_string());
    }
    let driver = start_driver().await;
    let b = browser(&driver).await;
    b.set_window_size(390, 844).await.expect("phone size");
    b.goto(&s.url("/login?next=/reports")).await.expect("goto");
    submit_login(&b, "jianfuban", PASSWORD).await;
    click(&b, "to-audit").await;
    // Several files in one input: chromedriver takes them newline-joined.
    b.wait()
        .for_element(Locator::Id("audit-files"))
        .await
        .expect("file input")
        .send_keys(&paths.join("\n"))
        .await
        .expect("choose files");
    click(&b, "audit-run").await;
    text_with(&b, "fa-forms", "3").await;
    let table = text_with(&b, "fa-repeated-table", "宅基地面积").await;
    assert!(table.contains('3'), "{table}");
    // The export of what is shown, without choosing the files again.
    let href = b
        .find(Locator::Id("audit-download"))
        .await
        .expect("export link")
        .attr("href")
        .await
        .expect("href")
        .unwrap_or_default();
    assert!(href.starts_with("/reports/audit/download/"), "{href}");
    // No page wider than the phone.
    let wide: bool = b
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth + 1;",
            vec![],
        )
        .await
        .expect("width")
        .as_bool()
        .unwrap_or(true);
    assert!(!wide, "the audit page is wider than 390 px");
    // Photographed at phone and desktop width for a person to look at.
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screens");
    std::fs::create_dir_all(&out).expect("screens dir");
    let png = b.screenshot().await.expect("screenshot");
    std::fs::write(out.join("forms-audit-phone.png"), png).expect("write");
    b.set_window_size(1366, 900).await.expect("desktop size");
    let png = b.screenshot().await.expect("screenshot");
    std::fs::write(out.join("forms-audit-desktop.png"), png).expect("write");
    b.set_window_size(390, 844).await.expect("phone size");
    click(&b, "accept-1").await;
    // The new element's page: its name and its code (a person's item, the
    // choice the form offers first).
    // Wait for the element page itself: the audit page's own heading is
    // still there for a moment after the click.
    b.wait()
        .for_element(Locator::Id("versions"))
        .await
        .expect("element page");
    let heading = b
        .find(Locator::Css("h1"))
        .await
        .expect("heading")
        .text()
        .await
        .expect("text");
    assert!(
        heading.contains("宅基地面积") && heading.contains("person."),
        "{heading}"
    );
    b.close().await.expect("close");
}
