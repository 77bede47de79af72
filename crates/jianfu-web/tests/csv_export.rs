//! CSV exports cannot carry a formula into the reviewer's spreadsheet: a
//! value typed as `=HYPERLINK(...)` comes out as text (OWASP CSV injection).

mod common;

use common::{Backend, TestServer};
use jianfu_core::id_number::{IdNumber, Sex};
use serde_json::{json, Value};

const LINK: &str = "=HYPERLINK(\"http://evil.example\",\"点此查看\")";

async fn json_ok(r: reqwest::Response) -> Value {
    let status = r.status();
    let text = r.text().await.expect("body");
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).expect("json")
}

/// The fields of a CSV text, one record a line (the exports are UTF-8 with
/// a BOM, as Excel wants).
fn records(csv: &str) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    r.records()
        .map(|rec| {
            rec.expect("csv record")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

fn idn(birth: &str, seq: u32) -> String {
    let d = chrono::NaiveDate::parse_from_str(birth, "%Y-%m-%d").expect("date");
    IdNumber::compose("500107", d, seq, Sex::Female)
        .expect("id number")
        .to_string()
}

async fn formula_cells_are_quoted_in_every_csv_export(backend: Backend) {
    let s = TestServer::start(backend).await;
    let (dept, dcsrf) = s.login("minzheng").await;
    let minzhu = s.unit_id("500107003003").await;
    let def = json!({
        "title": "走访记录", "kind": "roster", "entity": "person",
        "columns": [
            {"path": ["序号"], "source": {"type": "serial"}, "left": 0, "right": 0},
            {"path": ["姓名"], "source": {"type": "element", "element": "person.name"}, "left": 1, "right": 1},
            {"path": ["走访情况"], "source": {"type": "manual"}, "left": 2, "right": 2},
            {"path": ["=1+1"], "source": {"type": "manual"}, "left": 3, "right": 3}
        ]
    });
    let report = json_ok(
        dept.post(s.url("/api/v1/reports"))
            .header("x-csrf-token", &dcsrf)
            .json(
                &json!({"definition": def, "frequency": "once", "period": "2026年",
                          "deadline": "2026-12-31", "targets": [minzhu]}),
            )
            .send()
            .await
            .expect("create"),
    )
    .await["id"]
        .as_i64()
        .expect("report id");
    s.admit_report(report).await;
    json_ok(
        dept.post(s.url(&format!("/api/v1/reports/{report}/publish")))
            .header("x-csrf-token", &dcsrf)
            .send()
            .await
            .expect("publish"),
    )
    .await;

    // The worker registers a resident whose name is a formula and types
    // two report-only values: a formula and a plain negative number.
    let (w, wcsrf) = s.login("minzhu").await;
    let tasks = json_ok(w.get(s.url("/api/v1/tasks")).send().await.expect("tasks")).await;
    let task = tasks["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["report_id"] == report)
        .expect("the task")["id"]
        .as_i64()
        .expect("task id");
    let added = json_ok(
        w.post(s.url(&format!("/api/v1/tasks/{task}/rows")))
            .header("x-csrf-token", &wcsrf)
            .json(
                &json!({"id_number": idn("1950-05-06", 31), "name": "@SUM(1+1)*cmd|' /C calc'!A0"}),
            )
            .send()
            .await
            .expect("add row"),
    )
    .await;
    let key = added["person_id"].as_i64().expect("person id").to_string();
    for (col, value) in [(2, LINK), (3, "-3")] {
        json_ok(
            w.put(s.url(&format!("/api/v1/tasks/{task}/cells")))
                .header("x-csrf-token", &wcsrf)
                .json(&json!({"row": key, "col": col, "value": value, "seen": ""}))
                .send()
                .await
                .expect("save cell"),
        )
        .await;
    }

    let check = |csv: String, what: &str| {
        let recs = records(&csv);
        assert_eq!(recs[0][3], "'=1+1", "{what}: header from the template");
        let row = recs
            .iter()
            .find(|r| r.get(2).is_some_and(|v| v.contains("HYPERLINK")))
            .unwrap_or_else(|| panic!("{what}: no row with the link: {csv}"));
        assert_eq!(row[2], format!("'{LINK}"), "{what}: report-only value");
        assert_eq!(row[1], "'@SUM(1+1)*cmd|' /C calc'!A0", "{what}: name");
        assert_eq!(row[3], "-3", "{what}: a plain number stays a number");
        assert!(
            row[0].parse::<u32>().is_ok(),
            "{what}: serial stays a number: {row:?}"
        );
        for r in &recs {
            for cell in r {
                let formula = cell.starts_with(['=', '+', '@', '\t', '\r'])
                    || (cell.starts_with('-') && cell.parse::<f64>().is_err());
                assert!(!formula, "{what}: unsafe cell {cell:?}");
            }
        }
    };

    let task_csv = w
        .get(s.url(&format!("/api/v1/tasks/{task}/export/csv")))
        .send()
        .await
        .expect("task export");
    assert_eq!(task_csv.status(), 200);
    check(task_csv.text().await.expect("csv"), "task export");

    json_ok(
        w.post(s.url(&format!("/api/v1/tasks/{task}/submit")))
            .header("x-csrf-token", &wcsrf)
            .send()
            .await
            .expect("submit"),
    )
    .await;
    let consolidated = dept
        .get(s.url(&format!("/api/v1/reports/{report}/export/csv")))
        .send()
        .await
        .expect("report export");
    assert_eq!(consolidated.status(), 200);
    check(
        consolidated.text().await.expect("csv"),
        "consolidated export",
    );

    let full = dept
        .post(s.url(&format!("/api/v1/reports/{report}/export-full/csv")))
        .header("x-csrf-token", &dcsrf)
        .json(&json!({"purpose": "发放高龄补贴核对"}))
        .send()
        .await
        .expect("full export");
    assert_eq!(full.status(), 200);
    check(full.text().await.expect("csv"), "full export");
}

on_both_backends!(formula_cells_are_quoted_in_every_csv_export);
