//! A hand-filled column asked again: a department's template column that
//! matches no element is typed by the community; when another department's
//! saved report, or another sheet of the same upload, asks the same thing
//! by hand, the analysis says so and proposes one new data item for both.
//! The units keep different values apart (元 against 人), and a
//! department's own earlier save of the same form is not a second form.

mod common;

use common::{simple_form_xlsx, Backend, TestServer};
use jianfu_app::forms::{write_xlsx, SheetOut};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

/// The analysis of a template as `who`: per column, (last label, proposed
/// code, reason) of the first sheet, and the whole answer.
async fn analyze(
    s: &TestServer,
    who: &str,
    file: Vec<u8>,
) -> (Vec<(String, Value, String)>, Value) {
    let (c, csrf) = s.login(who).await;
    let v: Value = c
        .post(s.url("/api/v1/templates/analyze"))
        .header("x-csrf-token", &csrf)
        .multipart(Form::new().part("file", Part::bytes(file).file_name("模板.xlsx")))
        .send()
        .await
        .expect("analyze")
        .json()
        .await
        .expect("json");
    let p = &v["proposals"][0];
    let columns = p["definition"]["columns"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let rows = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let label = c["path"]
                .as_array()
                .and_then(|p| p.last())
                .and_then(|l| l.as_str())
                .unwrap_or_default()
                .to_string();
            let reason = p["reasons"][i][1].as_str().unwrap_or_default().to_string();
            (label, p["proposed"][i].clone(), reason)
        })
        .collect();
    (rows, v)
}

fn proposed(rows: &[(String, Value, String)], label: &str) -> Value {
    rows.iter()
        .find(|(l, _, _)| l == label)
        .map(|(_, p, _)| p.clone())
        .unwrap_or_else(|| panic!("no column {label}: {rows:?}"))
}

async fn a_hand_filled_column_asked_again_is_proposed_once(b: Backend) {
    let s = TestServer::start(b).await;
    let first = simple_form_xlsx(
        "茶园管护登记表",
        &["序号", "姓名", "茶园（亩）", "采茶补贴（元）"],
    );
    // Alone in the county, nothing is proposed: one form is not a repeat.
    let (rows, answer) = analyze(&s, "minzheng", first.clone()).await;
    assert_eq!(proposed(&rows, "茶园（亩）"), Value::Null, "{answer}");
    assert_eq!(proposed(&rows, "采茶补贴（元）"), Value::Null);
    let definition = answer["proposals"][0]["definition"].clone();
    assert_eq!(
        definition["columns"][2]["source"]["type"], "manual",
        "the community types it: {definition}"
    );
    let (dept, csrf) = s.login("minzheng").await;
    let r = dept
        .post(s.url("/api/v1/reports"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"definition": definition, "frequency": "monthly",
                       "period": "2026年12月", "deadline": "2026-12-30", "targets": []}))
        .send()
        .await
        .expect("create");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());

    // Another department asks the same area by hand, in other words.
    let second = simple_form_xlsx(
        "茶叶产业奖补花名册",
        &["姓名", "茶园面积", "采茶补贴（人）"],
    );
    let (rows, answer) = analyze(&s, "renshe", second).await;
    assert_eq!(
        proposed(&rows, "茶园面积"),
        json!("new.cha_yuan_mian_ji"),
        "{answer}"
    );
    let reason = &rows.iter().find(|r| r.0 == "茶园面积").expect("column").2;
    assert!(reason.contains("共有 2 张表"), "{reason}");
    assert!(reason.contains("减负办"), "{reason}");
    // Money against a count of people: not the same item.
    assert_eq!(proposed(&rows, "采茶补贴（人）"), Value::Null, "{answer}");

    // The department's own form, uploaded again, is not a second form.
    let (rows, _) = analyze(&s, "minzheng", first).await;
    assert_eq!(proposed(&rows, "茶园（亩）"), Value::Null);

    // Two sheets of one upload asking the same thing are a batch too.
    let s2 = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let sheet_a = vec![
        s2(&["养蜂户登记表"]),
        s2(&["姓名", "蜂箱数（箱）", "蜜源地点"]),
        s2(&["", "", ""]),
    ];
    let sheet_b = vec![
        s2(&["蜂蜜收购台账"]),
        s2(&["姓名", "蜜源 地点", "收购日期"]),
        s2(&["", "", ""]),
    ];
    let sheet = |name, rows| SheetOut {
        name,
        rows,
        merges: &[],
        header_rows: (1, 1),
        data_rows: None,
        number_formats: &[],
    };
    let both = write_xlsx(&[sheet("登记", &sheet_a), sheet("台账", &sheet_b)]).expect("xlsx");
    let (rows, answer) = analyze(&s, "renshe", both).await;
    assert_eq!(
        proposed(&rows, "蜜源地点"),
        json!("new.mi_yuan_di_dian"),
        "{answer}"
    );
    let second_sheet = &answer["proposals"][1];
    let at = second_sheet["definition"]["columns"]
        .as_array()
        .and_then(|c| {
            c.iter()
                .position(|c| c["path"][0] == "蜜源 地点" || c["path"][0] == "蜜源地点")
        })
        .expect("the second sheet's column");
    assert_eq!(second_sheet["proposed"][at], json!("new.mi_yuan_di_dian"));
}

on_both_backends!(a_hand_filled_column_asked_again_is_proposed_once);
