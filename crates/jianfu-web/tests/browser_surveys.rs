//! 评价 in real headless Chromium on a phone-sized window: the 减负办
//! starts a reverse assessment on its page; a community worker finds it
//! from the navigation, sees which demands each department sent, rates one
//! and sees it done; the office closes the round and reads the results,
//! where a department with fewer than k answers shows nothing.

mod common;

use common::api::{close_open_rounds, Actor};
use common::browser::{browser, click, log_out, start_driver, submit_login, text_with, type_into};
use common::{Backend, Options, TestServer, PASSWORD};
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_rates_a_department_and_the_office_closes_the_round() {
    let s = TestServer::start_with(
        Backend::Sqlite,
        Options {
            activity: true,
            ..Options::default()
        },
    )
    .await;
    // The demo's reverse assessment of this year is open; the office
    // closes it first, as a second one over it would be refused.
    let office = Actor::login(&s, "jianfuban").await;
    close_open_rounds(&s, &office, "reverse_7x").await;
    let driver = start_driver().await;
    let b = browser(&driver).await;
    b.set_window_size(390, 844).await.expect("phone size");

    // The office starts a round with the defaults the page offers.
    b.goto(&s.url("/login?next=/pingjia")).await.expect("goto");
    submit_login(&b, "jianfuban", PASSWORD).await;
    type_into(&b, "#round-title", "浏览器测试逆向考核").await;
    click(&b, "create-round").await;
    text_with(&b, "notice", "已发起").await;
    log_out(&b).await;

    // A community worker answers it.
    submit_login(&b, "minzhu", PASSWORD).await;
    b.goto(&s.url("/pingjia")).await.expect("list");
    b.wait()
        .for_element(Locator::XPath(
            "//table[@id='rounds']//a[contains(., '浏览器测试逆向考核')]",
        ))
        .await
        .expect("the round is listed")
        .click()
        .await
        .expect("open");
    let first = b
        .wait()
        .for_element(Locator::Css("form.answer-form"))
        .await
        .expect("a department to rate");
    let form_id = first.attr("id").await.ok().flatten().expect("form id");
    let subject = form_id.trim_start_matches("form-").to_string();
    let demands = b
        .find(Locator::Css(&format!("#subject-{subject} ul.demands li")))
        .await
        .expect("the demands it sent are listed");
    assert!(!demands.text().await.unwrap_or_default().is_empty());
    // Every scale answered 4, by clicking as a person would.
    let radios = b
        .find_all(Locator::Css(&format!(
            "#{form_id} input[type=radio][value='4']"
        )))
        .await
        .expect("radios");
    assert!(radios.len() >= 7, "seven indicators at least");
    for r in radios {
        r.click().await.expect("choose 4");
    }
    click(&b, &format!("submit-{subject}")).await;
    text_with(&b, "notice", "已提交").await;
    text_with(&b, &format!("answered-{subject}"), "已评价").await;
    let wide = b
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth;",
            vec![],
        )
        .await
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0);
    assert!(wide <= 1.0, "the form is {wide} px wider than the phone");
    log_out(&b).await;

    // The office closes it; one answer is below k, so nothing is shown.
    submit_login(&b, "jianfuban", PASSWORD).await;
    b.goto(&s.url("/pingjia")).await.expect("list");
    b.wait()
        .for_element(Locator::XPath(
            "//table[@id='rounds']//a[contains(., '浏览器测试逆向考核')]",
        ))
        .await
        .expect("listed")
        .click()
        .await
        .expect("open");
    click(&b, "close-round").await;
    text_with(&b, "round-state", "已截止").await;
    click(&b, "to-results").await;
    text_with(&b, "withheld", "不足").await;
}
