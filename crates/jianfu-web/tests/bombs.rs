//! Small files that ask for gigabytes, sent through the real upload
//! endpoints by ordinary accounts. Each must be refused in Chinese, naming
//! its limit, while the server keeps answering and its memory stays under
//! a stated bound. This file holds one test so that the process's peak
//! memory is this test's alone.

mod common;

use common::{Backend, TestServer};
use jianfu_app::workbook::fixtures::{
    deeply_nested_xlsx, inflating_xlsx, many_shared_strings_xlsx, ods_of, xls_of, xlsx_of,
};
use reqwest::multipart::{Form, Part};
use serde_json::Value;

/// The peak resident memory this process may reach while serving every
/// bomb below (the demo district of the harness included). Before the
/// guard, the first bomb alone aborted the process asking for 512 GiB.
const PEAK_BOUND_MIB: u64 = 512;

fn peak_rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

fn bombs() -> Vec<(&'static str, Vec<u8>)> {
    let corner = xlsx_of(
        r#"<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>"#,
        None,
    );
    let merges: String = (0..400)
        .map(|i| format!(r#"<mergeCell ref="A{}:B1000000"/>"#, i + 1))
        .collect();
    let merged = xlsx_of(
        &format!(
            r#"<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData><mergeCells>{merges}</mergeCells>"#
        ),
        None,
    );
    // One string of 30,000 characters named by 90,000 cells: 8 GB of copies.
    let cells: String = (1..=90_000)
        .map(|r| format!(r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>"#))
        .collect();
    let shared = xlsx_of(
        &format!("<sheetData>{cells}</sheetData>"),
        Some(&format!("<si><t>{}</t></si>", "长".repeat(30_000))),
    );
    let inflating = inflating_xlsx(300 << 20);
    let repeated = ods_of(
        r#"<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"/></table:table-row>"#,
    );
    let number = |row: u16, col: u16| {
        let mut d = row.to_le_bytes().to_vec();
        d.extend_from_slice(&col.to_le_bytes());
        d.extend_from_slice(&[0, 0]);
        d.extend_from_slice(&1.0f64.to_le_bytes());
        (0x0203u16, d)
    };
    let old = xls_of(&[vec![number(0, 0), number(65_535, 255)]]);
    let commas = vec![b','; 8 << 20];
    vec![
        ("角落.xlsx", corner),
        ("合并.xlsx", merged),
        ("共享文本.xlsx", shared),
        ("压缩炸弹.xlsx", inflating),
        ("重复.ods", repeated),
        ("旧格式.xls", old),
        ("逗号.csv", commas),
        // 15 million shared strings once grew the server by 586 MiB, 40
        // million nested elements by 774 MiB.
        ("字符串表.xlsx", many_shared_strings_xlsx(15_000_000)),
        ("嵌套.xlsx", deeply_nested_xlsx(40_000_000)),
    ]
}

async fn post_file(
    s: &TestServer,
    c: &reqwest::Client,
    csrf: &str,
    path: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let form = Form::new()
        .part("file", Part::bytes(bytes).file_name(name.to_string()))
        .text("dry_run", "1");
    let r = c
        .post(s.url(path))
        .header("x-csrf-token", csrf)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bomb_is_refused_with_bounded_memory() {
    let s = TestServer::start(Backend::Sqlite).await;
    let (community, ccsrf) = s.login("minzhu").await;
    let (department, dcsrf) = s.login("minzheng").await;
    for (name, bytes) in bombs() {
        assert!(
            bytes.len() < 9 << 20,
            "{name} is a small upload: {}",
            bytes.len()
        );
        for (who, c, csrf, path) in [
            ("村社区", &community, &ccsrf, "/api/v1/imports"),
            ("部门", &department, &dcsrf, "/api/v1/templates/analyze"),
        ] {
            if path.ends_with("analyze") && name.ends_with(".csv") {
                continue;
            }
            let (status, body) = post_file(&s, c, csrf, path, name, bytes.clone()).await;
            let message = body["error"].as_str().unwrap_or_default().to_string();
            assert_eq!(status, 400, "{who} {name} → {path}: {body}");
            assert!(
                message.contains(name) && message.contains("上限"),
                "{who} {name}: the refusal names the file and its limit: {message}"
            );
            let health = s
                .client()
                .get(s.url("/healthz"))
                .send()
                .await
                .expect("the server still answers");
            assert_eq!(health.status(), 200, "after {name}");
        }
        let peak = peak_rss_mib();
        println!("{name}: peak resident memory {peak} MiB");
        assert!(peak < PEAK_BOUND_MIB, "after {name}: peak {peak} MiB");
    }
    // Template analysis is for those who design reports; a community's
    // attempt is refused and audited.
    let (status, _) = post_file(
        &s,
        &community,
        &ccsrf,
        "/api/v1/templates/analyze",
        "a.xlsx",
        vec![1, 2, 3],
    )
    .await;
    assert_eq!(status, 403);
    assert!(!s.audit("access.denied", "minzhu").await.is_empty());
}
