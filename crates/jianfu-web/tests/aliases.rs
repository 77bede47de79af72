//! Learned aliases stay where they were learned, across two departments
//! and two communities: a department's design correction (姓名 → 户主姓名
//! in a household roster) guides only that department's next design, and
//! never a community's import; a community's manual mapping guides only its
//! own next import. The 减负办 sees every alias and can remove a bad one.

mod common;

use common::{Backend, TestServer};
use jianfu_app::forms::{write_xlsx, SheetOut};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

fn template() -> Vec<u8> {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let rows = vec![
        s(&["困难家庭走访登记表", "", ""]),
        s(&["序号", "姓名", "家庭住址"]),
        s(&["", "", ""]),
        s(&["", "", ""]),
    ];
    write_xlsx(&[SheetOut {
        name: "登记表",
        rows: &rows,
        merges: &[],
        header_rows: (1, 1),
        data_rows: None,
        number_formats: &[],
    }])
    .expect("xlsx")
}

/// The element the analysis proposes for the 姓名 column, as `who`.
async fn proposed_for_name(s: &TestServer, who: &str) -> String {
    let (c, csrf) = s.login(who).await;
    let form = Form::new().part("file", Part::bytes(template()).file_name("走访表.xlsx"));
    let v: Value = c
        .post(s.url("/api/v1/templates/analyze"))
        .header("x-csrf-token", &csrf)
        .multipart(form)
        .send()
        .await
        .expect("analyze")
        .json()
        .await
        .expect("json");
    let columns = v["proposals"][0]["definition"]["columns"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    columns
        .iter()
        .find(|c| c["path"].as_array().and_then(|p| p.last()) == Some(&json!("姓名")))
        .and_then(|c| c["source"]["element"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// The element a dry-run import maps the 姓名 column to, as `who`.
async fn import_maps_name(s: &TestServer, who: &str, manual: Option<&str>) -> (String, Value) {
    let (c, csrf) = s.login(who).await;
    let file = "姓名,身份证号,走访备注\n张三,11010519491231002X,已走访\n";
    let mut form = Form::new()
        .part(
            "file",
            Part::bytes(file.as_bytes().to_vec()).file_name("走访.csv"),
        )
        .text("dry_run", if manual.is_some() { "0" } else { "1" })
        .text("mode", "skip_invalid");
    if let Some(code) = manual {
        form = form.text("mapping", json!({"走访备注": code}).to_string());
    }
    let v: Value = c
        .post(s.url("/api/v1/imports"))
        .header("x-csrf-token", &csrf)
        .multipart(form)
        .send()
        .await
        .expect("import")
        .json()
        .await
        .expect("json");
    let of = |label: &str| {
        v["mapping"]["columns"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["label"] == label))
            .and_then(|c| c["element"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    (of("姓名"), json!({"备注": of("走访备注"), "all": v}))
}

async fn learned_aliases_stay_where_they_were_learned(b: Backend) {
    let s = TestServer::start(b).await;
    assert_eq!(proposed_for_name(&s, "minzheng").await, "person.name");
    // minzheng corrects 姓名 to the household head's name and saves.
    let (dept, csrf) = s.login("minzheng").await;
    let def = json!({
        "title": "困难家庭走访登记表", "kind": "roster", "entity": "household",
        "columns": [
            {"path": ["姓名"], "source": {"type": "element", "element": "household.head_name"}, "left": 0, "right": 0},
            {"path": ["家庭住址"], "source": {"type": "element", "element": "household.address"}, "left": 1, "right": 1}
        ],
        "layout": {"header": [], "merges": []}
    });
    let r = dept
        .post(s.url("/api/v1/reports"))
        .header("x-csrf-token", &csrf)
        .json(
            &json!({"definition": def, "frequency": "monthly", "period": "2026年12月",
                       "deadline": "2026-12-30", "targets": []}),
        )
        .send()
        .await
        .expect("create");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());

    // Its own next design is guided; another department's is not.
    assert_eq!(
        proposed_for_name(&s, "minzheng").await,
        "household.head_name"
    );
    assert_eq!(proposed_for_name(&s, "renshe").await, "person.name");
    // No community's import is touched.
    for community in ["minzhu", "dagongguan"] {
        assert_eq!(import_maps_name(&s, community, None).await.0, "person.name");
    }

    // minzhu maps 走访备注 to 备注 by hand and imports: its next import is
    // guided, 大公馆's is not.
    let (_, first) = import_maps_name(&s, "minzhu", Some("person.remarks")).await;
    assert_eq!(first["备注"], "person.remarks", "{first}");
    assert_eq!(
        import_maps_name(&s, "minzhu", None).await.1["备注"],
        "person.remarks"
    );
    assert_eq!(import_maps_name(&s, "dagongguan", None).await.1["备注"], "");

    // The 减负办 sees both aliases with where they apply, and removes one.
    let (office, ocsrf) = s.login("jianfuban").await;
    let list: Value = office
        .get(s.url("/api/v1/learned-aliases"))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let aliases = list["aliases"].as_array().cloned().unwrap_or_default();
    let design = aliases
        .iter()
        .find(|a| a["scope"] == "design" && a["element_code"] == "household.head_name")
        .unwrap_or_else(|| panic!("{list}"));
    assert!(aliases
        .iter()
        .any(|a| a["scope"] == "import" && a["element_code"] == "person.remarks"));
    let id = design["id"].as_i64().expect("id");
    let r = office
        .delete(s.url(&format!("/api/v1/learned-aliases/{id}")))
        .header("x-csrf-token", &ocsrf)
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 204);
    assert_eq!(proposed_for_name(&s, "minzheng").await, "person.name");
    assert!(!s.audit("alias.forget", "jianfuban").await.is_empty());
    // A department may not remove one.
    let r = dept
        .delete(s.url(&format!("/api/v1/learned-aliases/{id}")))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 403);
}

on_both_backends!(learned_aliases_stay_where_they_were_learned);
