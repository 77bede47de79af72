//! A large import must not lock out everyone else: while a township's
//! upload is checked and written, other users' pages (each view audited, so
//! a write), their short edits and `/healthz` keep answering without a
//! server error. An upload over the web's row limit is sent to the command
//! line, with a message that says so.

mod common;

use chrono::NaiveDate;
use common::{Backend, TestServer};
use jianfu_core::id_number::{IdNumber, Sex};
use reqwest::multipart::{Form, Part};
use serde_json::json;

fn roster(rows: usize) -> Vec<u8> {
    let mut out = String::from("姓名,身份证号,联系电话\n");
    let start = NaiveDate::from_ymd_opt(1940, 1, 1).expect("date");
    for i in 0..rows {
        let born = start + chrono::Duration::days((i / 400) as i64);
        let sex = if i % 2 == 0 { Sex::Male } else { Sex::Female };
        let id = IdNumber::compose("500107", born, (i % 400) as u32 + 100, sex).expect("id");
        out.push_str(&format!("测试{i},{id},139{:08}\n", i));
    }
    out.into_bytes()
}

async fn upload(s: &TestServer, who: &str, bytes: Vec<u8>, dry_run: bool) -> (u16, String) {
    let (c, csrf) = s.login(who).await;
    let form = Form::new()
        .part("file", Part::bytes(bytes).file_name("大名册.csv"))
        .text("community", "500107003003")
        .text("dry_run", if dry_run { "1" } else { "0" });
    let r = c
        .post(s.url("/api/v1/imports"))
        .header("x-csrf-token", &csrf)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

async fn a_large_import_leaves_the_register_usable(b: Backend) {
    let s = TestServer::start(b).await;
    let p = s.first_resident("500107003004").await;
    let (other, csrf) = s.login("dagongguan").await;
    for dry_run in [true, false] {
        let file = roster(90_000);
        let importing = upload(&s, "xiejiawan", file, dry_run);
        let others = async {
            let mut statuses = Vec::new();
            // Bounded: a fixed number of rounds, each a page view (audited),
            // a short write and a health check.
            for round in 0..12 {
                let page = other
                    .get(s.url(&format!("/register/persons/{}", p.id)))
                    .send()
                    .await
                    .expect("page");
                statuses.push(("person page", page.status().as_u16()));
                let edit = other
                    .put(s.url(&format!("/api/v1/persons/{}/facts", p.id)))
                    .header("x-csrf-token", &csrf)
                    .json(
                        &json!({"element": "person.remarks", "value": format!("第{round}次走访")}),
                    )
                    .send()
                    .await
                    .expect("edit");
                statuses.push(("edit", edit.status().as_u16()));
                let health = s
                    .client()
                    .get(s.url("/healthz"))
                    .send()
                    .await
                    .expect("health");
                statuses.push(("healthz", health.status().as_u16()));
                tokio::time::sleep(std::time::Duration::from_millis(150)).await;
            }
            statuses
        };
        let ((status, body), statuses) = tokio::join!(importing, others);
        assert_eq!(status, 200, "{body}");
        let failed: Vec<_> = statuses.iter().filter(|(_, st)| *st >= 500).collect();
        assert!(failed.is_empty(), "dry run {dry_run}: {failed:?}");
        assert!(
            statuses.iter().all(|(_, st)| matches!(st, 200 | 204)),
            "{statuses:?}"
        );
    }
    assert!(s.app.db.person_count().await.expect("count") >= 12_000);

    // Over the web's limit: refused before anything is read into the
    // register, pointing at the command line.
    let (status, body) = upload(&s, "xiejiawan", roster(100_001), true).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("100000 行") && body.contains("jianfu import"),
        "{body}"
    );
}

on_both_backends!(a_large_import_leaves_the_register_usable);
