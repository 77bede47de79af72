//! The consolidated export looks like the department's printed form: the
//! title bold, larger and centred, every data cell boxed, dates as dates
//! Excel can sort, and a 村（社区） column saying whose row it is.

mod common;

use common::{Backend, TestServer};
use serde_json::{json, Value};
use std::io::Read;

async fn json_ok(r: reqwest::Response) -> Value {
    let status = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{status}: {body}");
    body
}

fn part(xlsx: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("xlsx");
    let mut out = String::new();
    zip.by_name(name)
        .expect(name)
        .read_to_string(&mut out)
        .expect("utf-8");
    out
}

async fn the_consolidated_export_keeps_the_forms_look(b: Backend) {
    let s = TestServer::start_with(
        b,
        common::Options {
            residents: 3_000,
            ..Default::default()
        },
    )
    .await;
    let (dept, dcsrf) = s.login("minzheng").await;
    let (community, ccsrf) = s.login("minzhu").await;
    let minzhu = s.unit_id("500107003003").await;
    let report = json_ok(
        dept.post(s.url("/api/v1/reports"))
            .header("x-csrf-token", &dcsrf)
            .json(&json!({
                "definition": {
                    "title": "老年人信息表", "kind": "roster", "entity": "person",
                    "filter": "age >= 60",
                    "columns": [
                        {"path": ["序号"], "source": {"type": "serial"}, "left": 0, "right": 0},
                        {"path": ["姓名"], "source": {"type": "element", "element": "person.name"}, "left": 1, "right": 1},
                        {"path": ["出生日期"], "source": {"type": "element", "element": "person.birth_date"}, "left": 2, "right": 2}
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
    s.admit_report(report).await;
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
    json_ok(
        community
            .post(s.url(&format!("/api/v1/tasks/{task}/submit")))
            .header("x-csrf-token", &ccsrf)
            .send()
            .await
            .expect("submit"),
    )
    .await;
    let r = dept
        .get(s.url(&format!("/api/v1/reports/{report}/export/xlsx")))
        .send()
        .await
        .expect("export");
    assert_eq!(r.status(), 200);
    let xlsx = r.bytes().await.expect("bytes").to_vec();
    let strings = part(&xlsx, "xl/sharedStrings.xml");
    assert!(strings.contains("村（社区）"), "the unit column's header");
    assert!(strings.contains("民主村社区"), "each row's community");
    let styles = part(&xlsx, "xl/styles.xml");
    assert!(
        styles.contains("<sz val=\"16\"/>") && styles.contains("<b/>"),
        "a bold, larger title: {styles}"
    );
    assert!(styles.contains("thin"), "boxed cells");
    assert!(styles.contains("yyyy-mm-dd"), "a date format");
    let sheet = part(&xlsx, "xl/worksheets/sheet1.xml");
    // Birth dates are numbers (Excel dates), in the third column, not
    // shared strings: look at the first data row's C cell.
    let c = sheet
        .split("<c r=\"C")
        .skip(1)
        .map(|cell| cell.split("</c>").next().unwrap_or_default().to_string())
        .find(|cell| !cell.contains("t=\"s\""))
        .unwrap_or_default();
    assert!(c.contains("<v>"), "a birth date written as a date: {sheet}");
}

on_both_backends!(the_consolidated_export_keeps_the_forms_look);
