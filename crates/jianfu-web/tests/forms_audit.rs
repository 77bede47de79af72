//! The 一表通 forms audit through the HTTP API on both databases:
//! - a batch of forms is audited: the items several forms ask for, the
//!   prefill share, one proposed code for an item three forms ask and the
//!   dictionary lacks, a column one form asks left without one;
//! - a broken file and a sheet that is not a form are named, never
//!   guessed, and the rest is still audited;
//! - the .xlsx export opens and carries the same figures;
//! - the 减负办 accepts a proposal into the dictionary; accepting it again
//!   makes no second element; nobody else may, and grassroots accounts
//!   may not audit at all.

mod common;

use common::api::{error_of, json_ok, Actor};
use common::{simple_form_xlsx, Backend, TestServer};
use serde_json::{json, Value};

fn batch() -> reqwest::multipart::Form {
    let files: Vec<(&str, Vec<u8>)> = vec![
        (
            "规划.xlsx",
            simple_form_xlsx(
                "宅基地使用情况登记表",
                &["序号", "姓名", "身份证号码", "宅基地面积（㎡）", "联系电话"],
            ),
        ),
        (
            "农业.xlsx",
            simple_form_xlsx(
                "农户宅基地信息台账",
                &["户主姓名", "※宅基地面积", "承包地块数"],
            ),
        ),
        (
            "住建.xlsx",
            simple_form_xlsx(
                "农村住房情况花名册",
                &["姓名", "手机", "宅基地 面积", "房屋层数"],
            ),
        ),
        ("坏文件.xlsx", b"PK\x03\x04 not a workbook".to_vec()),
        ("空.xlsx", Vec::new()),
    ];
    let mut f = reqwest::multipart::Form::new();
    for (name, bytes) in files {
        f = f.part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    }
    f
}

async fn post_batch(s: &TestServer, who: &Actor, path: &str) -> reqwest::Response {
    who.c
        .post(s.url(path))
        .header("x-csrf-token", &who.csrf)
        .multipart(batch())
        .send()
        .await
        .expect("upload")
}

fn column<'a>(v: &'a Value, file: &str, leaf: &str) -> &'a Value {
    let f = v["forms"]
        .as_array()
        .expect("forms")
        .iter()
        .find(|f| f["file"] == file)
        .expect("form");
    f["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .find(|c| c["path"].as_array().and_then(|p| p.last()) == Some(&json!(leaf)))
        .unwrap_or_else(|| panic!("{leaf} in {f}"))
}

async fn a_batch_is_audited_and_a_proposal_accepted_once(b: Backend) {
    let s = TestServer::start(b).await;
    let office = Actor::login(&s, "jianfuban").await;
    let v = json_ok(post_batch(&s, &office, "/api/v1/forms/audit").await).await;
    assert_eq!(v["summary"]["forms"], 3, "{v}");
    // Three forms ask for 宅基地面积, which the dictionary lacks.
    let a = column(&v, "规划.xlsx", "宅基地面积（㎡）");
    let b2 = column(&v, "农业.xlsx", "※宅基地面积");
    let c = column(&v, "住建.xlsx", "宅基地面积");
    assert_eq!(a["proposed"], true, "{a}");
    assert_eq!(a["element"], b2["element"]);
    assert_eq!(a["element"], c["element"]);
    let code = a["element"].as_str().expect("code").to_string();
    assert!(code.starts_with("new."), "{code}");
    // One form alone: nothing proposed.
    assert!(column(&v, "农业.xlsx", "承包地块数")["element"].is_null());
    // 手机 on one form and 联系电话 on another are one item.
    assert_eq!(
        column(&v, "规划.xlsx", "联系电话")["element"],
        column(&v, "住建.xlsx", "手机")["element"]
    );
    let repeated = v["repeated"].as_array().expect("repeated");
    assert!(
        repeated
            .iter()
            .any(|r| r["code"] == json!(code) && r["forms"].as_array().map(Vec::len) == Some(3)),
        "{v}"
    );
    let share = v["prefill_share"].as_f64().expect("share");
    assert!(share > 0.0 && share < 1.0, "{share}");
    // The broken file is named; the rest was still audited.
    let errors = v["errors"].as_array().expect("errors");
    assert!(
        errors.iter().any(|e| e["file"] == "坏文件.xlsx"
            && e["reason"]
                .as_str()
                .is_some_and(|r| r.contains("损坏") || r.contains("无法"))),
        "{v}"
    );

    assert!(errors.iter().any(|e| e["file"] == "空.xlsx"), "{v}");

    // The same audit as a workbook.
    let r = post_batch(&s, &office, "/api/v1/forms/audit.xlsx").await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.expect("xlsx");
    use calamine::Reader;
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("opens");
    let names = wb.sheet_names().to_vec();
    assert_eq!(names, ["汇总", "重复索要", "各表", "新数据项"]);
    let proposals = wb.worksheet_range("新数据项").expect("sheet");
    assert!(
        proposals
            .rows()
            .any(|row| row.first().map(|c| c.to_string()) == Some(code.clone())),
        "the proposal is listed"
    );

    // Accepted into the dictionary, once.
    let accept = json!({"code": code, "name": "宅基地面积", "aliases": ["宅基地 面积"], "entity": "household"});
    let first = json_ok(
        office
            .send(&s, "POST", "/api/v1/forms/proposals", accept.clone())
            .await,
    )
    .await;
    let element = first["code"].as_str().expect("element").to_string();
    assert!(element.starts_with("household."), "{element}");
    let again = json_ok(
        office
            .send(&s, "POST", "/api/v1/forms/proposals", accept.clone())
            .await,
    )
    .await;
    assert_eq!(again["code"], first["code"]);
    let versions = s.app.element_versions(&element).await.expect("versions");
    assert_eq!(versions.len(), 1, "one element, one version");
    // The next audit matches the accepted element instead of proposing;
    // the register holds no values for it, so the prefill share stays.
    let v = json_ok(post_batch(&s, &office, "/api/v1/forms/audit").await).await;
    assert_eq!(v["prefill_share"].as_f64(), Some(share), "{v}");
    // A proposal whose code would land on another element is refused.
    let m = error_of(
        office
            .send(
                &s,
                "POST",
                "/api/v1/forms/proposals",
                json!({"code": "new.name", "name": "养犬情况", "entity": "person"}),
            )
            .await,
        400,
    )
    .await;
    assert!(m.contains("person.name"), "{m}");
    assert_eq!(
        column(&v, "规划.xlsx", "宅基地面积（㎡）")["element"],
        json!(element)
    );
    assert_eq!(
        column(&v, "规划.xlsx", "宅基地面积（㎡）")["proposed"],
        false
    );

    // A code that is no proposal, and someone else accepting.
    let m = error_of(
        office
            .send(
                &s,
                "POST",
                "/api/v1/forms/proposals",
                json!({"code": "person.name", "name": "姓名2", "entity": "person"}),
            )
            .await,
        400,
    )
    .await;
    assert!(m.contains("new."), "{m}");
    let dept = Actor::login(&s, "minzheng").await;
    error_of(
        dept.send(&s, "POST", "/api/v1/forms/proposals", accept)
            .await,
        403,
    )
    .await;
    // A department audits its own forms; a community does not audit.
    let r = post_batch(&s, &dept, "/api/v1/forms/audit").await;
    assert_eq!(r.status(), 200);
    let community = Actor::login(&s, "minzhu").await;
    let r = post_batch(&s, &community, "/api/v1/forms/audit").await;
    assert_eq!(r.status(), 403);
    // No files at all.
    let r = office
        .c
        .post(s.url("/api/v1/forms/audit"))
        .header("x-csrf-token", &office.csrf)
        .multipart(reqwest::multipart::Form::new().text("note", "x"))
        .send()
        .await
        .expect("post");
    let m = error_of(r, 400).await;
    assert!(m.contains("请选择"), "{m}");
}

on_both_backends!(a_batch_is_audited_and_a_proposal_accepted_once);
