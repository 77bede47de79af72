//! 一表通 through the HTTP API on both databases: a department's template
//! with a 3-row merged header becomes a report, is published, filled only
//! where the register has gaps, submitted, returned, accepted and
//! consolidated, and exported with the same header; a gap filled once is
//! never asked for again; two people saving one cell lose nothing.

mod common;

use chrono::NaiveDate;
use common::{Backend, TestServer};
use jianfu_app::forms::{read_workbook, write_xlsx, SheetOut};
use jianfu_core::forms::Merge;
use jianfu_core::id_number::{IdNumber, Sex};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

fn idn(birth: &str, seq: u32) -> String {
    let d = NaiveDate::parse_from_str(birth, "%Y-%m-%d").unwrap();
    IdNumber::compose("500107", d, seq, Sex::Female)
        .unwrap()
        .to_string()
}

fn m(top: usize, left: usize, bottom: usize, right: usize) -> Merge {
    Merge {
        top,
        left,
        bottom,
        right,
    }
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// The header rows of the template (rows 2–4 of the sheet).
fn template_header() -> (Vec<Vec<String>>, Vec<Merge>) {
    (
        vec![
            s(&["序号", "老人基本情况", "", "", "", "签字"]),
            s(&["", "姓名", "公民身份号码", "联系信息", "", ""]),
            s(&["", "", "", "联系电话", "现住址", ""]),
        ],
        vec![
            m(0, 0, 2, 0),
            m(0, 1, 0, 4),
            m(0, 5, 2, 5),
            m(1, 1, 2, 1),
            m(1, 2, 2, 2),
            m(1, 3, 1, 4),
        ],
    )
}

/// A department's form as it would arrive: title, meta line, a 3-row
/// merged header, two blank data rows and a footer.
fn template_xlsx() -> Vec<u8> {
    let (header, hm) = template_header();
    let mut rows = vec![
        s(&["老年人信息登记表", "", "", "", "", ""]),
        s(&["填报单位：", "", "", "填报日期：", "", ""]),
    ];
    rows.extend(header);
    rows.push(vec![String::new(); 6]);
    rows.push(vec![String::new(); 6]);
    rows.push(s(&["填表人：", "", "", "审核人：", "", ""]));
    let mut merges = vec![m(0, 0, 0, 5)];
    merges.extend(hm.iter().map(|x| Merge {
        top: x.top + 2,
        bottom: x.bottom + 2,
        ..*x
    }));
    write_xlsx(&[SheetOut {
        name: "登记表",
        rows: &rows,
        merges: &merges,
        header_rows: (2, 4),
        data_rows: None,
        number_formats: &[],
    }])
    .unwrap()
}

async fn json_ok(r: reqwest::Response) -> Value {
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body
}

struct Flow {
    report: i64,
    task: i64,
}

/// minzheng designs the report from the template and publishes it to
/// 民主村社区; returns the report and the task.
async fn design_and_publish(
    s: &TestServer,
    dept: &reqwest::Client,
    csrf: &str,
    filter: Option<&str>,
    template: Vec<u8>,
) -> Flow {
    let form = Form::new().part(
        "file",
        Part::bytes(template)
            .file_name("老年人信息登记表.xlsx")
            .mime_str("application/octet-stream")
            .unwrap(),
    );
    let analysed = json_ok(
        dept.post(s.url("/api/v1/templates/analyze"))
            .header("x-csrf-token", csrf)
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let mut def = analysed["proposals"][0]["definition"].clone();
    def["filter"] = json!(filter);
    let community = s.unit_id("500107003003").await;
    let created = json_ok(
        dept.post(s.url("/api/v1/reports"))
            .header("x-csrf-token", csrf)
            .json(
                &json!({"definition": def, "frequency": "quarterly", "period": "2026年第4季度",
                          "deadline": "2026-12-31", "targets": [community]}),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    let report = created["id"].as_i64().unwrap();
    s.admit_report(report).await;
    let published = json_ok(
        dept.post(s.url(&format!("/api/v1/reports/{report}/publish")))
            .header("x-csrf-token", csrf)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(published["tasks"], 1);
    let c = json_ok(
        dept.get(s.url(&format!("/api/v1/reports/{report}/consolidated")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let task = c["tasks"][0]["id"].as_i64().unwrap();
    assert_eq!(c["tasks"][0]["status"], "未开始");
    Flow { report, task }
}

fn column_of(view: &Value, label: &str) -> usize {
    view["definition"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["path"].as_array().unwrap().last().unwrap() == label)
        .unwrap_or_else(|| panic!("no column {label}"))
}

fn row_of<'a>(view: &'a Value, name: &str) -> &'a Value {
    view["grid"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["label"] == name)
        .unwrap_or_else(|| panic!("no row {name}: {view}"))
}

async fn template_to_export(backend: Backend) {
    let s = TestServer::start(backend).await;
    let (dept, dcsrf) = s.login("minzheng").await;
    let flow = design_and_publish(&s, &dept, &dcsrf, Some("age >= 60"), template_xlsx()).await;
    let (w, wcsrf) = s.login("minzhu").await;
    let tasks = json_ok(w.get(s.url("/api/v1/tasks")).send().await.unwrap()).await;
    assert!(tasks["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["id"] == flow.task));

    // A resident the register lacks is added as a row and registered.
    let elder = idn("1950-05-06", 21);
    json_ok(
        w.post(s.url(&format!("/api/v1/tasks/{}/rows", flow.task)))
            .header("x-csrf-token", &wcsrf)
            .json(&json!({"id_number": elder, "name": "陈桂英"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(s
        .app
        .db
        .person_by_id_number(&elder)
        .await
        .unwrap()
        .is_some());
    let view = json_ok(
        w.get(s.url(&format!("/api/v1/tasks/{}", flow.task)))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(view["editable"], true);
    let name_col = column_of(&view, "姓名");
    let id_col = column_of(&view, "公民身份号码");
    let phone_col = column_of(&view, "联系电话");
    let row = row_of(&view, "陈桂英");
    let key = row["key"].as_str().unwrap().to_string();
    // What the register knows is prefilled, the ID number masked.
    assert_eq!(row["cells"][name_col]["state"], "prefilled");
    assert_eq!(row["cells"][id_col]["state"], "prefilled");
    assert!(row["cells"][id_col]["display"]
        .as_str()
        .unwrap()
        .contains('*'));
    assert_eq!(row["cells"][phone_col]["state"], "gap");
    let cells_before = view["grid"]["counts"]["gaps"].as_u64().unwrap();

    // A wrong value is refused, in Chinese, naming the column; nothing is written.
    let bad = w
        .put(s.url(&format!("/api/v1/tasks/{}/cells", flow.task)))
        .header("x-csrf-token", &wcsrf)
        .json(&json!({"row": key, "col": phone_col, "value": "12345"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let msg = bad.text().await.unwrap();
    assert!(msg.contains("联系电话"), "{msg}");
    // A prefilled cell cannot be typed over.
    let locked = w
        .put(s.url(&format!("/api/v1/tasks/{}/cells", flow.task)))
        .header("x-csrf-token", &wcsrf)
        .json(&json!({"row": key, "col": name_col, "value": "别人"}))
        .send()
        .await
        .unwrap();
    assert_eq!(locked.status(), 400);
    // A resident of another community cannot be written through this task.
    let district = s.app.db.unit_by_code("500107").await.unwrap().unwrap();
    let minzhu = s
        .app
        .db
        .unit_by_code("500107003003")
        .await
        .unwrap()
        .unwrap();
    let inside: Vec<i64> = s
        .app
        .db
        .entities_in_scope("person", &minzhu.path, None)
        .await
        .unwrap()
        .iter()
        .map(|p| p.id)
        .collect();
    let outsider = s
        .app
        .db
        .entities_in_scope("person", &district.path, None)
        .await
        .unwrap()
        .into_iter()
        .find(|p| !inside.contains(&p.id))
        .expect("demo residents outside 民主村社区");
    let r = w
        .put(s.url(&format!("/api/v1/tasks/{}/cells", flow.task)))
        .header("x-csrf-token", &wcsrf)
        .json(&json!({"row": outsider.id.to_string(), "col": phone_col, "value": "13912345678"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("不在本报表中"));
    assert!(s
        .app
        .db
        .current_doc("person", outsider.id)
        .await
        .unwrap()
        .get("person.phone")
        .is_none_or(|c| c.v != "13912345678"));
    let saved = json_ok(
        w.put(s.url(&format!("/api/v1/tasks/{}/cells", flow.task)))
            .header("x-csrf-token", &wcsrf)
            .json(&json!({"row": key, "col": phone_col, "value": "13912345678", "seen": ""}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(saved["cell"]["state"], "filled");
    assert_eq!(saved["counts"]["gaps"].as_u64().unwrap(), cells_before - 1);
    // The value is a fact of the register now, typed by hand.
    let pid = s
        .app
        .db
        .person_by_id_number(&elder)
        .await
        .unwrap()
        .unwrap()
        .id;
    let doc = s.app.db.current_doc("person", pid).await.unwrap();
    assert_eq!(doc["person.phone"].v, "13912345678");
    assert_eq!(doc["person.phone"].s, "手工");

    // Submit, return with a comment, fix, submit again, accept: locked.
    let submit = |c: &reqwest::Client, t: &str| {
        c.post(s.url(&format!("/api/v1/tasks/{}/submit", flow.task)))
            .header("x-csrf-token", t)
            .send()
    };
    json_ok(submit(&w, &wcsrf).await.unwrap()).await;
    let returned = dept
        .post(s.url(&format!("/api/v1/tasks/{}/return", flow.task)))
        .header("x-csrf-token", &dcsrf)
        .json(&json!({"comment": "请补充现住址"}))
        .send()
        .await
        .unwrap();
    assert_eq!(returned.status(), 200);
    let tasks = json_ok(w.get(s.url("/api/v1/tasks")).send().await.unwrap()).await;
    let t = tasks["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == flow.task)
        .unwrap()
        .clone();
    assert_eq!(t["status"], "退回");
    json_ok(submit(&w, &wcsrf).await.unwrap()).await;
    json_ok(
        dept.post(s.url(&format!("/api/v1/tasks/{}/accept", flow.task)))
            .header("x-csrf-token", &dcsrf)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let after = w
        .put(s.url(&format!("/api/v1/tasks/{}/cells", flow.task)))
        .header("x-csrf-token", &wcsrf)
        .json(&json!({"row": key, "col": phone_col, "value": "13900000000"}))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 403, "an accepted task is locked");

    // The burden of the task was measured.
    let task = s.app.db.task(flow.task).await.unwrap().unwrap();
    assert_eq!(task.cells_typed, 1);
    assert!(task.cells_total > 0 && task.cells_prefilled > 0);

    // A fact changed after submission shows as a difference.
    let fix = w
        .put(s.url(&format!("/api/v1/persons/{pid}/facts")))
        .header("x-csrf-token", &wcsrf)
        .json(&json!({"element": "person.phone", "value": "13700001111"}))
        .send()
        .await
        .unwrap();
    assert!(fix.status().is_success(), "{}", fix.text().await.unwrap());
    let c = json_ok(
        dept.get(s.url(&format!("/api/v1/reports/{}/consolidated", flow.report)))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(c["tasks"][0]["status"], "已接收");
    assert!(c["rows"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["label"] == "陈桂英"));
    let diffs = c["differences"].as_array().unwrap();
    assert!(
        diffs
            .iter()
            .any(|d| d["column"] == "联系电话" && d["row"] == "陈桂英"),
        "{diffs:?}"
    );

    // In full, for the department's own use: a purpose is required, only
    // the department may, and the numbers that leave are audited.
    let full_url = s.url(&format!("/api/v1/reports/{}/export-full/xlsx", flow.report));
    let none = dept
        .post(&full_url)
        .header("x-csrf-token", &dcsrf)
        .json(&json!({"purpose": " "}))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 400);
    let (office, ocsrf) = s.login("jianfuban").await;
    let r = office
        .post(&full_url)
        .header("x-csrf-token", &ocsrf)
        .json(&json!({"purpose": "核对发放名单"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let full = dept
        .post(&full_url)
        .header("x-csrf-token", &dcsrf)
        .json(&json!({"purpose": "高龄津贴发放核对"}))
        .send()
        .await
        .unwrap();
    assert_eq!(full.status(), 200);
    let sheets = read_workbook("full.xlsx", full.bytes().await.unwrap().to_vec()).unwrap();
    let g = &sheets[0].1.as_ref().unwrap().grid;
    let cells: Vec<String> = (0..g.height())
        .flat_map(|r| (0..g.width()).map(move |c| g.raw(r, c).to_string()))
        .collect();
    let id_like = |c: &String| c.len() == 18 && c.bytes().take(17).all(|b| b.is_ascii_digit());
    assert!(cells.iter().any(id_like), "{cells:?}");
    let audit = s.audit("report.export_full", "minzheng").await;
    assert_eq!(audit.len(), 1);
    assert!(audit[0]
        .detail
        .as_deref()
        .unwrap_or_default()
        .contains("高龄津贴发放核对"));

    // Exported in the template's layout: the same 3-row merged header.
    let x = dept
        .get(s.url(&format!("/api/v1/reports/{}/export/xlsx", flow.report)))
        .send()
        .await
        .unwrap();
    assert_eq!(x.status(), 200);
    let bytes = x.bytes().await.unwrap().to_vec();
    let sheets = read_workbook("export.xlsx", bytes).unwrap();
    let grid = &sheets[0].1.as_ref().unwrap().grid;
    assert!(grid.raw(0, 0).contains("老年人信息登记表"));
    assert!(grid.raw(0, 0).contains("2026年第4季度"));
    let (header, hmerges) = template_header();
    // Title, the template's meta line, the unit line, then the header.
    let top = (0..grid.height())
        .find(|r| grid.raw(*r, 0) == "序号")
        .expect("header row");
    for (i, h) in header.iter().enumerate() {
        let got: Vec<String> = (0..6).map(|c| grid.raw(top + i, c).to_string()).collect();
        assert_eq!(&got, h, "header row {i}");
    }
    for hm in &hmerges {
        let want = Merge {
            top: hm.top + top,
            bottom: hm.bottom + top,
            ..*hm
        };
        assert!(grid.merges().contains(&want), "missing merge {want:?}");
    }
    let csv = dept
        .get(s.url(&format!("/api/v1/tasks/{}/export/csv", flow.task)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("陈桂英"), "{csv}");
    assert!(csv.contains("老人基本情况/姓名"), "{csv}");

    // Another community and another department are refused, and audited.
    let (other, _) = s.login("dagongguan").await;
    let r = other
        .get(s.url(&format!("/api/v1/tasks/{}", flow.task)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(!s.audit("access.denied", "dagongguan").await.is_empty());
    let (rs, _) = s.login("renshe").await;
    let r = rs
        .get(s.url(&format!("/api/v1/reports/{}/consolidated", flow.report)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

async fn a_gap_filled_once_is_never_asked_again(backend: Backend) {
    let s = TestServer::start(backend).await;
    let (dept, dcsrf) = s.login("minzheng").await;
    let first = design_and_publish(&s, &dept, &dcsrf, None, template_xlsx()).await;
    // A second form asks for the phone in other words.
    let def2 = json!({
        "title": "困难群众走访表", "kind": "roster", "entity": "person",
        "columns": [
            {"path": ["序号"], "source": {"type": "serial"}, "left": 0, "right": 0},
            {"path": ["姓名"], "source": {"type": "element", "element": "person.name"}, "left": 0, "right": 0},
            {"path": ["手机号码"], "source": {"type": "element", "element": "person.phone"}, "left": 0, "right": 0},
            {"path": ["走访情况"], "source": {"type": "manual"}, "left": 0, "right": 0}
        ],
        "layout": {"header": [], "merges": []}
    });
    let community = s.unit_id("500107003003").await;
    let r2 = json_ok(
        dept.post(s.url("/api/v1/reports"))
            .header("x-csrf-token", &dcsrf)
            .json(
                &json!({"definition": def2, "frequency": "monthly", "period": "2026年12月",
                          "deadline": "2026-12-20", "targets": [community]}),
            )
            .send()
            .await
            .unwrap(),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    s.admit_report(r2).await;
    json_ok(
        dept.post(s.url(&format!("/api/v1/reports/{r2}/publish")))
            .header("x-csrf-token", &dcsrf)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (w, wcsrf) = s.login("minzhu").await;
    let elder = idn("1948-02-03", 33);
    json_ok(
        w.post(s.url(&format!("/api/v1/tasks/{}/rows", first.task)))
            .header("x-csrf-token", &wcsrf)
            .json(&json!({"id_number": elder, "name": "胡秀兰"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let view = json_ok(
        w.get(s.url(&format!("/api/v1/tasks/{}", first.task)))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let key = row_of(&view, "胡秀兰")["key"].as_str().unwrap().to_string();
    json_ok(
        w.put(s.url(&format!("/api/v1/tasks/{}/cells", first.task)))
            .header("x-csrf-token", &wcsrf)
            .json(&json!({"row": key, "col": column_of(&view, "联系电话"), "value": "13811112222"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let tasks = json_ok(w.get(s.url("/api/v1/tasks")).send().await.unwrap()).await;
    let t2 = tasks["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["report_id"] == r2)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let v2 = json_ok(
        w.get(s.url(&format!("/api/v1/tasks/{t2}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let row = row_of(&v2, "胡秀兰");
    let phone = &row["cells"][column_of(&v2, "手机号码")];
    assert_eq!(phone["state"], "prefilled", "{row}");
    assert_eq!(phone["display"], "138****2222");
    // The report-only column is still asked for: it is not a register fact.
    assert_eq!(row["cells"][column_of(&v2, "走访情况")]["state"], "manual");
    // The dictionary tells which reports ask for the phone number.
    let page = dept
        .get(s.url("/dictionary/person.phone"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let used: String = page
        .split("id=\"used-by\"")
        .nth(1)
        .unwrap_or_default()
        .chars()
        .take(600)
        .collect();
    assert!(used.contains("困难群众走访表"), "{used}");
    let unused = dept
        .get(s.url("/dictionary/person.ethnicity"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!unused.contains("id=\"used-by\""));
}

async fn two_people_saving_one_cell_lose_nothing(backend: Backend) {
    let s = TestServer::start(backend).await;
    let (dept, dcsrf) = s.login("minzheng").await;
    let flow = design_and_publish(&s, &dept, &dcsrf, None, template_xlsx()).await;
    let (a, acsrf) = s.login("minzhu").await;
    let (b, bcsrf) = s.login("minzhu").await;
    let elder = idn("1952-07-08", 45);
    json_ok(
        a.post(s.url(&format!("/api/v1/tasks/{}/rows", flow.task)))
            .header("x-csrf-token", &acsrf)
            .json(&json!({"id_number": elder, "name": "罗德明"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let view = json_ok(
        a.get(s.url(&format!("/api/v1/tasks/{}", flow.task)))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let key = row_of(&view, "罗德明")["key"].as_str().unwrap().to_string();
    let col = column_of(&view, "现住址");
    let put = |c: &reqwest::Client, t: &str, v: &str| {
        c.put(s.url(&format!("/api/v1/tasks/{}/cells", flow.task)))
            .header("x-csrf-token", t)
            .json(&json!({"row": key, "col": col, "value": v, "seen": ""}))
            .send()
    };
    let (ra, rb) = tokio::join!(
        put(&a, &acsrf, "谢家湾街道民主村1栋1号"),
        put(&b, &bcsrf, "谢家湾街道民主村2栋2号")
    );
    let (ra, rb) = (json_ok(ra.unwrap()).await, json_ok(rb.unwrap()).await);
    // Whoever saved second was told the cell had changed under them.
    assert!(
        ra["replaced"].is_string() || rb["replaced"].is_string(),
        "{ra} {rb}"
    );
    let pid = s
        .app
        .db
        .person_by_id_number(&elder)
        .await
        .unwrap()
        .unwrap()
        .id;
    let now = s.app.db.current_doc("person", pid).await.unwrap()["person.current_address"]
        .v
        .clone();
    assert!(now.contains("1栋1号") || now.contains("2栋2号"));
    // Both values are in the register's history: last writer wins, nothing lost.
    let history = s.app.db.history("person", pid).await.unwrap();
    let text = serde_json::to_string(&history).unwrap();
    assert!(text.contains("1栋1号") && text.contains("2栋2号"), "{text}");
}

async fn a_statistical_report_built_in_the_ui_counts_and_consolidates(backend: Backend) {
    let s = TestServer::start(backend).await;
    let (dept, dcsrf) = s.login("minzheng").await;
    let minzhu = s.unit_id("500107003003").await;
    let def = json!({
        "title": "居民情况统计表", "kind": "statistical", "entity": "person",
        "columns": [
            {"path": ["单位"], "source": {"type": "row_label"}, "left": 0, "right": 0},
            {"path": ["居民人数"], "source": {"type": "count"}, "left": 0, "right": 0},
            {"path": ["其中", "60岁以上"], "source": {"type": "count", "filter": "age >= 60"}, "left": 0, "right": 0},
            {"path": ["其中", "残疾人"], "source": {"type": "count", "filter": "disabled == true"}, "left": 0, "right": 0},
            {"path": ["走访户数"], "source": {"type": "manual"}, "left": 0, "right": 0}
        ],
        "layout": {"header": [], "merges": []}
    });
    let id = json_ok(
        dept.post(s.url("/api/v1/reports"))
            .header("x-csrf-token", &dcsrf)
            .json(
                &json!({"definition": def, "frequency": "monthly", "period": "2026年11月",
                          "deadline": "2026-11-30", "targets": [minzhu]}),
            )
            .send()
            .await
            .unwrap(),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    // A broken filter is refused with the column named.
    let mut bad = def.clone();
    bad["columns"][2]["source"]["filter"] = json!("age >=");
    let r = dept
        .post(s.url("/api/v1/reports"))
        .header("x-csrf-token", &dcsrf)
        .json(
            &json!({"definition": bad, "frequency": "monthly", "period": "2026年11月",
                      "deadline": "2026-11-30"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("60岁以上"));
    s.admit_report(id).await;
    json_ok(
        dept.post(s.url(&format!("/api/v1/reports/{id}/publish")))
            .header("x-csrf-token", &dcsrf)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (w, wcsrf) = s.login("minzhu").await;
    let tasks = json_ok(w.get(s.url("/api/v1/tasks")).send().await.unwrap()).await;
    let task = tasks["tasks"][0]["id"].as_i64().unwrap();
    // Publication prefilled the task: its burden is known before anyone
    // opens it (the unit and three counts answered; only 走访户数 is left to type).
    assert_eq!(tasks["tasks"][0]["cells_total"], 5, "{tasks}");
    assert_eq!(tasks["tasks"][0]["cells_prefilled"], 4, "{tasks}");
    let summary = json_ok(
        dept.post(s.url(&format!("/api/v1/reports/{id}/prefill")))
            .header("x-csrf-token", &dcsrf)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        summary,
        json!({"tasks": 1, "cells": 5, "prefilled": 4, "gaps": 1})
    );
    // Only the owning department refreshes the district's prefill.
    let r = w
        .post(s.url(&format!("/api/v1/reports/{id}/prefill")))
        .header("x-csrf-token", &wcsrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let view = json_ok(
        w.get(s.url(&format!("/api/v1/tasks/{task}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let row = &view["grid"]["rows"][0];
    let unit = s.app.db.unit(minzhu).await.unwrap().unwrap();
    let registered = s
        .app
        .db
        .entities_in_scope("person", &unit.path, None)
        .await
        .unwrap()
        .len();
    assert_eq!(row["cells"][1]["display"], registered.to_string());
    assert_eq!(row["cells"][4]["state"], "manual");
    json_ok(
        w.put(s.url(&format!("/api/v1/tasks/{task}/cells")))
            .header("x-csrf-token", &wcsrf)
            .json(&json!({"row": row["key"], "col": 4, "value": "12"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    json_ok(
        w.post(s.url(&format!("/api/v1/tasks/{task}/submit")))
            .header("x-csrf-token", &wcsrf)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let c = json_ok(
        dept.get(s.url(&format!("/api/v1/reports/{id}/consolidated")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(c["rows"][0]["cells"][1]["display"], registered.to_string());
    assert_eq!(c["rows"][0]["cells"][4]["display"], "12");
    // The UI-built header: 其中 spans its two children.
    let header = c["definition"]["layout"]["header"].as_array().unwrap();
    assert_eq!(header.len(), 2);
    assert_eq!(header[0][2], "其中");
    assert_eq!(header[1][3], "残疾人");
}

/// Publishes a report to 民主村社区 and opens its task as the worker.
async fn publish_and_open(s: &TestServer, def: Value) -> Value {
    let (dept, dcsrf) = s.login("minzheng").await;
    let minzhu = s.unit_id("500107003003").await;
    let id = json_ok(
        dept.post(s.url("/api/v1/reports"))
            .header("x-csrf-token", &dcsrf)
            .json(
                &json!({"definition": def, "frequency": "once", "period": "2026年",
                          "deadline": "2026-12-31", "targets": [minzhu]}),
            )
            .send()
            .await
            .unwrap(),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    s.admit_report(id).await;
    json_ok(
        dept.post(s.url(&format!("/api/v1/reports/{id}/publish")))
            .header("x-csrf-token", &dcsrf)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (w, _) = s.login("minzhu").await;
    let tasks = json_ok(w.get(s.url("/api/v1/tasks")).send().await.unwrap()).await;
    let task = tasks["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["report_id"] == id)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    json_ok(
        w.get(s.url(&format!("/api/v1/tasks/{task}")))
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Household values reach a person report both ways: shown in a column
/// (the rows are chosen first, then only their households read) and used
/// in a filter or count (every household of the community read).
async fn household_facts_reach_person_reports(backend: Backend) {
    // Enough residents that the community has households on 低保.
    let opts = common::Options {
        residents: 3000,
        ..Default::default()
    };
    let s = TestServer::start_with(backend, opts).await;
    let minzhu = s
        .app
        .db
        .unit(s.unit_id("500107003003").await)
        .await
        .unwrap()
        .unwrap();
    let persons = s
        .app
        .db
        .entities_in_scope("person", &minzhu.path, None)
        .await
        .unwrap();
    let ids: Vec<i64> = persons.iter().filter_map(|p| p.household_id).collect();
    let households = s.app.db.values_of("household", &ids).await.unwrap();
    let address = |p: &jianfu_store::EntityFacts| {
        p.household_id
            .and_then(|h| households.get(&h))
            .and_then(|f| f.get("household.address"))
            .cloned()
            .unwrap_or_default()
    };
    let on_dibao = |p: &jianfu_store::EntityFacts| {
        p.household_id
            .and_then(|h| households.get(&h))
            .and_then(|f| f.get("household.dibao"))
            .is_some_and(|v| v == "1")
    };

    let roster = json!({
        "title": "老年人住址表", "kind": "roster", "entity": "person",
        "filter": "age >= 60",
        "columns": [
            {"path": ["姓名"], "source": {"type": "element", "element": "person.name"}, "left": 0, "right": 0},
            {"path": ["住址"], "source": {"type": "element", "element": "household.address"}, "left": 0, "right": 0}
        ]
    });
    let view = publish_and_open(&s, roster).await;
    let rows = view["grid"]["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    for row in rows {
        let id: i64 = row["key"].as_str().unwrap().parse().unwrap();
        let p = persons.iter().find(|p| p.id == id).unwrap();
        assert_eq!(row["cells"][1]["value"], address(p), "person {id}");
    }
    assert!(rows.iter().any(|r| r["cells"][1]["value"] != ""));

    let table = json!({
        "title": "低保户人员统计", "kind": "statistical", "entity": "person",
        "columns": [
            {"path": ["单位"], "source": {"type": "row_label"}, "left": 0, "right": 0},
            {"path": ["低保户人员"], "source": {"type": "count", "filter": "household.dibao == true"}, "left": 0, "right": 0}
        ]
    });
    let view = publish_and_open(&s, table).await;
    let want = persons.iter().filter(|p| on_dibao(p)).count();
    assert!(
        want > 0,
        "the demo community has households on 低保 ({} persons)",
        persons.len()
    );
    assert_eq!(
        view["grid"]["rows"][0]["cells"][1]["value"],
        want.to_string()
    );
}

/// Values the register derives are prefilled, never asked: 年龄 from the
/// birth date, 家庭人口数 counted from the household's members (in a
/// column and in a count) and 户主姓名 from the member recorded as 户主.
/// Typing over one is refused.
async fn derived_values_are_prefilled_never_asked(backend: Backend) {
    let opts = common::Options {
        residents: 3000,
        ..Default::default()
    };
    let s = TestServer::start_with(backend, opts).await;
    let minzhu = s
        .app
        .db
        .unit(s.unit_id("500107003003").await)
        .await
        .unwrap()
        .unwrap();
    let persons = s
        .app
        .db
        .entities_in_scope("person", &minzhu.path, None)
        .await
        .unwrap();
    let mut sizes = std::collections::HashMap::new();
    let mut heads = std::collections::HashMap::new();
    for h in persons.iter().filter_map(|p| p.household_id) {
        if let std::collections::hash_map::Entry::Vacant(e) = sizes.entry(h) {
            let members = s.app.db.household_members(h).await.unwrap();
            e.insert(members.len());
            for m in members {
                let doc = s.app.db.current_doc("person", m.id).await.unwrap();
                let relation = doc.get("person.relation_to_head").map(|c| c.v.as_str());
                if matches!(relation, Some("01" | "02")) {
                    assert!(heads.insert(h, m.name).is_none(), "one head in {h}");
                }
            }
        }
    }
    let on = jianfu_app::today();

    let roster = json!({
        "title": "老年人家庭情况表", "kind": "roster", "entity": "person",
        "filter": "age >= 60",
        "columns": [
            {"path": ["姓名"], "source": {"type": "element", "element": "person.name"}, "left": 0, "right": 0},
            {"path": ["年龄"], "source": {"type": "element", "element": "person.age"}, "left": 0, "right": 0},
            {"path": ["家庭人口数"], "source": {"type": "element", "element": "household.size"}, "left": 0, "right": 0},
            {"path": ["户主姓名"], "source": {"type": "element", "element": "household.head_name"}, "left": 0, "right": 0}
        ]
    });
    let view = publish_and_open(&s, roster).await;
    let rows = view["grid"]["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    for row in rows {
        let id: i64 = row["key"].as_str().unwrap().parse().unwrap();
        let p = persons.iter().find(|p| p.id == id).unwrap();
        let age = jianfu_core::reports::expr::age_on(&p.facts["person.birth_date"], on).unwrap();
        assert!(age >= 60);
        assert_eq!(row["cells"][1]["value"], age.to_string(), "person {id}");
        assert_eq!(row["cells"][1]["state"], "prefilled");
        let size = sizes[&p.household_id.unwrap()];
        assert_eq!(row["cells"][2]["value"], size.to_string(), "person {id}");
        assert_eq!(row["cells"][2]["state"], "prefilled");
        let head = &heads[&p.household_id.unwrap()];
        assert_eq!(row["cells"][3]["value"], head.as_str(), "person {id}");
        assert_eq!(row["cells"][3]["state"], "prefilled");
    }
    assert_eq!(view["grid"]["counts"]["gaps"], 0);
    let (w, wcsrf) = s.login("minzhu").await;
    let task = view["task"]["id"].as_i64().unwrap();
    for col in [1, 2] {
        let r = w
            .put(s.url(&format!("/api/v1/tasks/{task}/cells")))
            .header("x-csrf-token", &wcsrf)
            .json(&json!({"row": rows[0]["key"], "col": col, "value": "3"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "column {col}");
    }

    let table = json!({
        "title": "三人以上户人员统计", "kind": "statistical", "entity": "person",
        "columns": [
            {"path": ["单位"], "source": {"type": "row_label"}, "left": 0, "right": 0},
            {"path": ["三人以上户人员"], "source": {"type": "count", "filter": "household.size >= 3"}, "left": 0, "right": 0}
        ]
    });
    let view = publish_and_open(&s, table).await;
    let want = persons
        .iter()
        .filter(|p| p.household_id.is_some_and(|h| sizes[&h] >= 3))
        .count();
    assert!(
        want > 0,
        "the demo community has households of three or more"
    );
    assert_eq!(
        view["grid"]["rows"][0]["cells"][1]["value"],
        want.to_string()
    );
}

on_both_backends!(
    a_card_exports_one_filled_card_per_resident,
    household_facts_reach_person_reports,
    derived_values_are_prefilled_never_asked,
    template_to_export,
    a_gap_filled_once_is_never_asked_again,
    two_people_saving_one_cell_lose_nothing,
    a_statistical_report_built_in_the_ui_counts_and_consolidates,
    a_row_for_someone_registered_elsewhere_names_no_community,
);

/// Adding a task row for a person registered in another community says
/// only that, stores a merge candidate for the owning community, and never
/// names where the person lives.
async fn a_row_for_someone_registered_elsewhere_names_no_community(backend: Backend) {
    let s = TestServer::start(backend).await;
    let (dept, dcsrf) = s.login("minzheng").await;
    let flow = design_and_publish(&s, &dept, &dcsrf, None, template_xlsx()).await;
    let elsewhere = s.first_resident("500107003004").await;
    let (w, csrf) = s.login("minzhu").await;
    let r = w
        .post(s.url(&format!("/api/v1/tasks/{}/rows", flow.task)))
        .header("x-csrf-token", &csrf)
        .json(&json!({"id_number": elsewhere.id_number, "name": elsewhere.name}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("已在其他村社区登记") && text.contains("合并候选"),
        "{text}"
    );
    assert!(!text.contains("大公馆"), "{text}");
    assert_eq!(s.app.db.count_rows("merge_candidates").await.unwrap(), 1);
}

/// A card (登记表) comes back as the department printed it: one filled
/// card per resident, each value in its own cell beside its label.
async fn a_card_exports_one_filled_card_per_resident(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let (dept, dcsrf) = srv.login("minzheng").await;
    let rows = vec![
        s(&["居民基本情况登记表", "", "", ""]),
        s(&["姓名", "", "性别", ""]),
        s(&["公民身份号码", "", "民族", ""]),
        s(&["家庭住址", "", "", ""]),
        s(&["填表人：", "", "审核人：", ""]),
    ];
    let merges = vec![m(0, 0, 0, 3), m(3, 1, 3, 3)];
    let bytes = write_xlsx(&[SheetOut {
        name: "登记表",
        rows: &rows,
        merges: &merges,
        header_rows: (1, 3),
        data_rows: None,
        number_formats: &[],
    }])
    .unwrap();
    let form = Form::new().part(
        "file",
        Part::bytes(bytes)
            .file_name("居民基本情况登记表.xlsx")
            .mime_str("application/octet-stream")
            .unwrap(),
    );
    let analysed = json_ok(
        dept.post(srv.url("/api/v1/templates/analyze"))
            .header("x-csrf-token", &dcsrf)
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let def = analysed["proposals"][0]["definition"].clone();
    assert_eq!(def["kind"], "card", "{analysed}");
    let name_col = def["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["path"].as_array().unwrap().last().unwrap() == "姓名")
        .unwrap()
        .clone();
    assert_eq!(name_col["value_cell"], json!([0, 1]), "{def}");
    let minzhu = srv.unit_id("500107003003").await;
    let id = json_ok(
        dept.post(srv.url("/api/v1/reports"))
            .header("x-csrf-token", &dcsrf)
            .json(
                &json!({"definition": def, "frequency": "once", "period": "2026年",
                          "deadline": "2026-12-31", "targets": [minzhu]}),
            )
            .send()
            .await
            .unwrap(),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    srv.admit_report(id).await;
    json_ok(
        dept.post(srv.url(&format!("/api/v1/reports/{id}/publish")))
            .header("x-csrf-token", &dcsrf)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let c = json_ok(
        dept.get(srv.url(&format!("/api/v1/reports/{id}/consolidated")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let task = c["tasks"][0]["id"].as_i64().unwrap();
    let x = dept
        .get(srv.url(&format!("/api/v1/tasks/{task}/export/xlsx")))
        .send()
        .await
        .unwrap();
    assert_eq!(x.status(), 200);
    let sheets = read_workbook("card.xlsx", x.bytes().await.unwrap().to_vec()).unwrap();
    let g = &sheets[0].1.as_ref().unwrap().grid;
    let label_rows: Vec<usize> = (0..g.height()).filter(|r| g.raw(*r, 0) == "姓名").collect();
    assert!(label_rows.len() >= 2, "one card per resident");
    for r in &label_rows {
        assert!(
            !g.raw(*r, 1).is_empty(),
            "a name beside its label in row {r}"
        );
        assert!(["男", "女"].contains(&g.raw(*r, 3)), "{}", g.raw(*r, 3));
        assert!(g.raw(r + 1, 1).contains('*'), "ID numbers stay masked");
    }
}

/// The same template saved in the old binary format (.xls, written by
/// scripts/make-xls-fixture.py) is understood exactly as the .xlsx: the
/// same columns, header tree and merges.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_xls_template_reads_like_its_xlsx() {
    let srv = TestServer::start(Backend::Sqlite).await;
    let (dept, dcsrf) = srv.login("minzheng").await;
    let analyse = |name: &'static str, bytes: Vec<u8>| {
        let dept = dept.clone();
        let dcsrf = dcsrf.clone();
        let url = srv.url("/api/v1/templates/analyze");
        async move {
            let form = Form::new().part(
                "file",
                Part::bytes(bytes)
                    .file_name(name)
                    .mime_str("application/octet-stream")
                    .unwrap(),
            );
            json_ok(
                dept.post(url)
                    .header("x-csrf-token", dcsrf)
                    .multipart(form)
                    .send()
                    .await
                    .unwrap(),
            )
            .await["proposals"][0]["definition"]
                .clone()
        }
    };
    let xls = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/老年人信息登记表.xls"),
    )
    .unwrap();
    let from_xls = analyse("老年人信息登记表.xls", xls).await;
    let from_xlsx = analyse("老年人信息登记表.xlsx", template_xlsx()).await;
    assert_eq!(from_xls["kind"], "roster");
    assert_eq!(from_xls["columns"], from_xlsx["columns"]);
    assert_eq!(from_xls["layout"]["merges"], from_xlsx["layout"]["merges"]);
    assert_eq!(from_xls["layout"]["header"], from_xlsx["layout"]["header"]);
    let paths: Vec<String> = from_xls["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            c["path"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap())
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect();
    assert!(
        paths.contains(&"老人基本情况/联系信息/联系电话".to_string()),
        "{paths:?}"
    );
}
