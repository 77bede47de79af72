//! The design screen as a department uses it: a statistical template is
//! proposed with its row names and counts (not "typed by the community"),
//! elements are picked from the dictionary by name, alias or initials, the
//! filter's variables are listed, households can be counted beside
//! persons, and a draft can be edited until it goes to 准入.

mod common;

use common::{Backend, TestServer};
use jianfu_app::forms::{write_xlsx, SheetOut};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// A township-style statistical table: title, unit column, counts.
fn statistical_xlsx() -> Vec<u8> {
    let rows = vec![
        s(&["低保对象统计表", "", "", ""]),
        s(&["填报单位：", "", "填报日期：", ""]),
        s(&["村（社区）", "低保人数", "低保户数", "低保残疾人数"]),
        s(&["民主村社区", "", "", ""]),
        s(&["大公馆社区", "", "", ""]),
        s(&["合计", "", "", ""]),
        s(&["填表人：", "", "审核人：", ""]),
    ];
    write_xlsx(&[SheetOut {
        name: "统计表",
        rows: &rows,
        merges: &[jianfu_core::forms::Merge {
            top: 0,
            left: 0,
            bottom: 0,
            right: 3,
        }],
        header_rows: (2, 2),
        data_rows: None,
        number_formats: &[],
    }])
    .unwrap()
}

/// The `<select name="src_{i}">` of the page, as text.
fn source_select(html: &str, i: usize) -> String {
    let start = html
        .find(&format!("name=\"src_{i}\""))
        .unwrap_or_else(|| panic!("column {i} on the page"));
    let end = html[start..]
        .find("</select>")
        .map_or(html.len(), |e| start + e);
    html[start..end].to_string()
}

fn selected(select: &str) -> String {
    select
        .split("<option ")
        .find(|o| o.contains(" selected"))
        .and_then(|o| o.split('"').nth(1))
        .unwrap_or_default()
        .to_string()
}

async fn a_statistical_design_counts_and_a_draft_can_be_edited(b: Backend) {
    let srv = TestServer::start(b).await;
    let (dept, csrf) = srv.login("minzheng").await;

    // The proposal page: row names and counts by default, the picker and
    // the filter's variables beside the form.
    let form = Form::new().text("_csrf", csrf.clone()).part(
        "file",
        Part::bytes(statistical_xlsx())
            .file_name("低保对象统计表.xlsx")
            .mime_str("application/octet-stream")
            .unwrap(),
    );
    let r = dept
        .post(srv.url("/reports/new"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let page = r.text().await.unwrap();
    assert_eq!(status, 200, "{page}");
    assert_eq!(selected(&source_select(&page, 0)), "row_label", "{page}");
    for i in 1..=3 {
        assert_eq!(selected(&source_select(&page, i)), "count", "column {i}");
    }
    assert!(page.contains("识别为 统计表"), "the kind is named");
    assert!(page.contains("<datalist id=\"element-list\" translate=\"no\">"));
    assert!(page.contains("value=\"person.name\""));
    assert!(page.contains("id=\"filter-vars-table\"") && page.contains("<code>age</code>"));
    assert!(
        page.contains("<code>household.dibao</code>"),
        "household facts are named"
    );

    // Saved with persons and households counted side by side.
    let analysed: Value = dept
        .post(srv.url("/api/v1/templates/analyze"))
        .header("x-csrf-token", &csrf)
        .multipart(
            Form::new().part(
                "file",
                Part::bytes(statistical_xlsx())
                    .file_name("低保对象统计表.xlsx")
                    .mime_str("application/octet-stream")
                    .unwrap(),
            ),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let definition = analysed["proposals"][0]["definition"].to_string();
    let fields = |title: &str| {
        vec![
            ("_csrf", csrf.clone()),
            ("definition", definition.clone()),
            ("title", title.to_string()),
            ("entity", "person".into()),
            ("filter", String::new()),
            ("frequency", "quarterly".into()),
            ("period", "2026年第4季度".into()),
            ("deadline", "2027-01-10".into()),
            ("src_0", "row_label".into()),
            ("src_1", "count".into()),
            ("expr_1", String::new()),
            ("src_2", "count_households".into()),
            ("expr_2", String::new()),
            ("src_3", "count".into()),
            ("expr_3", "dibao == true && disabled == true".into()),
        ]
    };
    // A refused save shows the form again as submitted, with the reason:
    // going back to a page that answered an upload would lose the work.
    let mut bad = fields("低保对象统计表");
    bad.push(("expr_2", "age >=".into()));
    bad.retain(|(k, v)| *k != "expr_2" || v == "age >=");
    let r = dept
        .post(srv.url("/reports/create"))
        .form(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let again = r.text().await.unwrap();
    assert!(again.contains("id=\"save-error\""), "{again}");
    assert!(again.contains("value=\"2026年第4季度\"") && again.contains("value=\"2027-01-10\""));
    assert!(again.contains("age &gt;="), "the condition typed is kept");
    // The login client does not follow redirects: follow the one given.
    let follow = |r: reqwest::Response| {
        assert_eq!(r.status(), 303, "{}", r.status());
        let to = r.headers()["location"]
            .to_str()
            .unwrap_or_default()
            .to_string();
        let client = dept.clone();
        let url = srv.url(&to);
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let r = dept
        .post(srv.url("/reports/create"))
        .form(&fields("低保对象统计表"))
        .send()
        .await
        .unwrap();
    let draft_page = follow(r).await;
    let id: i64 = srv
        .app
        .db
        .reports(None)
        .await
        .unwrap()
        .iter()
        .find(|r| r.title == "低保对象统计表")
        .expect("saved")
        .id;
    assert!(draft_page.contains("id=\"edit-draft\""), "{draft_page}");
    let stored: Value =
        serde_json::from_str(&srv.app.db.report(id).await.unwrap().unwrap().definition).unwrap();
    assert_eq!(
        stored["columns"][2]["source"]["type"], "count_households",
        "{stored}"
    );

    // Edited: the form comes back filled, and the change is kept.
    let edit = dept
        .get(srv.url(&format!("/reports/{id}/edit")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(edit.contains(&format!("action=\"/reports/{id}/edit\"")));
    assert!(edit.contains("2026年第4季度") && edit.contains("dibao == true &amp;&amp; disabled"));
    assert_eq!(selected(&source_select(&edit, 2)), "count_households");
    let r = dept
        .post(srv.url(&format!("/reports/{id}/edit")))
        .form(&fields("低保对象季度统计表"))
        .send()
        .await
        .unwrap();
    let after = follow(r).await;
    assert!(after.contains("id=\"draft-saved\"") && after.contains("低保对象季度统计表"));
    assert!(srv.audit("report.update", "minzheng").await.len() == 1);

    // Another department can neither open nor change it.
    let (other, ocsrf) = srv.login("renshe").await;
    let r = other
        .get(srv.url(&format!("/reports/{id}/edit")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let mut theirs = fields("改名");
    theirs[0].1 = ocsrf;
    let r = other
        .post(srv.url(&format!("/reports/{id}/edit")))
        .form(&theirs)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // Once admitted it is what was admitted: no edit.
    srv.admit_report(id).await;
    let page = dept
        .get(srv.url(&format!("/reports/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("id=\"edit-draft\""));
    let r = dept
        .post(srv.url(&format!("/reports/{id}/edit")))
        .form(&fields("改了"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("不能修改"));

    // Published, each community's row counts households no more often
    // than persons.
    let r = dept
        .post(srv.url(&format!("/api/v1/reports/{id}/publish")))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let (worker, _) = srv.login("minzhu").await;
    let tasks: Value = worker
        .get(srv.url("/api/v1/tasks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let task = tasks["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["report_id"] == id)
        .expect("task")["id"]
        .as_i64()
        .unwrap();
    let view: Value = worker
        .get(srv.url(&format!("/api/v1/tasks/{task}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let row = &view["grid"]["rows"][0]["cells"];
    let n = |i: usize| -> i64 {
        row[i]["display"]
            .as_str()
            .unwrap_or("x")
            .parse()
            .expect("a number")
    };
    assert!(n(1) > 0, "the community has residents: {row}");
    assert!(n(2) > 0 && n(2) <= n(1), "{row}");
    let _ = json!(null);
}

on_both_backends!(a_statistical_design_counts_and_a_draft_can_be_edited);
