//! 直报 at its edges, through the HTTP API and the pages, on both
//! databases:
//! - a typical case naming a place in any short form ("民主村" for
//!   "民主村社区") is refused, and a published one can be withdrawn;
//! - what the office writes for a department names no community;
//! - a disclosure that changes nothing is refused;
//! - a reopening refused for a missing reason leaves the report closed and
//!   unrated, so the reporter can still rate it;
//! - a filing form sent twice (a refreshed receipt page) files once;
//! - a merged report tells its reporter where it went, and what they add
//!   reaches the office on that report, never the other reporter;
//! - the burden ledger never places a direct report for anyone but the
//!   office: no unit filter, no township sum, no sort order gives the
//!   reporter's community or township away;
//! - a department written as people write it ("卫健委") is recognised, and
//!   a report whose department is not known cannot be accepted without one;
//! - a new assignment starts with nothing disclosed.

mod common;

use common::api::{error_of, json_ok, Actor};
use common::{Backend, TestServer};
use serde_json::{json, Value};

fn report_body(demand: &str) -> Value {
    json!({
        "category": "wechat_group",
        "department": "卫生健康委员会",
        "happened_on": jianfu_app::today().to_string(),
        "demand": demand,
        "minutes": 60
    })
}

fn digits(code: &str) -> String {
    code.chars().filter(char::is_ascii_digit).collect()
}

/// Files a report as `who`; its id (as the office lists it) and code.
async fn file(s: &TestServer, who: &Actor, office: &Actor, demand: &str) -> (i64, String) {
    let receipt = json_ok(
        who.send(s, "POST", "/api/v1/direct-reports", report_body(demand))
            .await,
    )
    .await;
    let code = digits(receipt["code"].as_str().expect("code"));
    let list = json_ok(office.get(s, "/api/v1/direct-reports").await).await;
    let id = list["reports"]
        .as_array()
        .expect("reports")
        .iter()
        .find(|r| r["demand"] == demand)
        .and_then(|r| r["id"].as_i64())
        .expect("filed report listed");
    (id, code)
}

async fn step(s: &TestServer, office: &Actor, id: i64, body: Value) -> reqwest::Response {
    office
        .send(
            s,
            "POST",
            &format!("/api/v1/direct-reports/{id}/steps"),
            body,
        )
        .await
}

/// Takes a report from received to closed.
async fn close(s: &TestServer, office: &Actor, dept: &Actor, id: i64) {
    json_ok(step(s, office, id, json!({"action": "accept"})).await).await;
    let detail = json_ok(office.get(s, &format!("/api/v1/direct-reports/{id}")).await).await;
    let department = detail["department_id"].as_i64().expect("department");
    json_ok(
        step(
            s,
            office,
            id,
            json!({"action": "assign", "department_id": department, "note": "请核实"}),
        )
        .await,
    )
    .await;
    json_ok(
        step(
            s,
            dept,
            id,
            json!({"action": "answer", "finding": "属实，已撤回", "change": "withdrew"}),
        )
        .await,
    )
    .await;
    json_ok(
        step(
            s,
            office,
            id,
            json!({"action": "close", "closing": "已核实办结"}),
        )
        .await,
    )
    .await;
}

async fn typical_cases_name_no_place_and_can_be_withdrawn(b: Backend) {
    let s = TestServer::start(b).await;
    let worker = Actor::login(&s, "minzhu").await;
    let office = Actor::login(&s, "jianfuban").await;
    let wjw = Actor::login(&s, "weijian").await;
    let (id, _) = file(&s, &worker, &office, "群里要求下午交体检名单").await;
    close(&s, &office, &wjw, id).await;
    let publish = format!("/api/v1/direct-reports/{id}/publish");
    // The short form of the community's name, in the body; the township's
    // short form in the title.
    for (title, body, named) in [
        ("群里要表", "民主村反映某部门在群里要表", "民主村社区"),
        ("谢家湾的群里要表", "某部门在群里要表", "谢家湾街道"),
    ] {
        let m = error_of(
            office
                .send(&s, "POST", &publish, json!({"title": title, "body": body}))
                .await,
            400,
        )
        .await;
        assert!(m.contains(named) && m.contains("某社区"), "{m}");
    }
    let cases = json_ok(wjw.get(&s, "/api/v1/typical-cases").await).await;
    assert_eq!(cases["cases"].as_array().map(Vec::len), Some(0));
    json_ok(
        office
            .send(
                &s,
                "POST",
                &publish,
                json!({"title": "工作群里要表", "body": "某社区反映某部门在工作群里要表，已撤回。"}),
            )
            .await,
    )
    .await;
    let cases = json_ok(wjw.get(&s, "/api/v1/typical-cases").await).await;
    assert_eq!(cases["cases"][0]["title"], "工作群里要表");
    // Only the office takes it down, and it is audited.
    let m = error_of(wjw.send(&s, "DELETE", &publish, json!({})).await, 403).await;
    assert!(m.contains("减负办"), "{m}");
    json_ok(office.send(&s, "DELETE", &publish, json!({})).await).await;
    let cases = json_ok(wjw.get(&s, "/api/v1/typical-cases").await).await;
    assert_eq!(cases["cases"].as_array().map(Vec::len), Some(0));
    assert_eq!(s.audit("direct.withdraw_case", "jianfuban").await.len(), 1);
    error_of(office.send(&s, "DELETE", &publish, json!({})).await, 404).await;
    // The report itself stays closed.
    let detail = json_ok(
        office
            .get(&s, &format!("/api/v1/direct-reports/{id}"))
            .await,
    )
    .await;
    assert_eq!(detail["status"], "closed");
}

async fn office_words_for_a_department_name_no_place(b: Backend) {
    let s = TestServer::start(b).await;
    let worker = Actor::login(&s, "minzhu").await;
    let office = Actor::login(&s, "jianfuban").await;
    let (id, _) = file(&s, &worker, &office, "要求每天拍照留痕上传").await;
    json_ok(step(&s, &office, id, json!({"action": "accept"})).await).await;
    let detail = json_ok(
        office
            .get(&s, &format!("/api/v1/direct-reports/{id}"))
            .await,
    )
    .await;
    let department = detail["department_id"].as_i64().expect("department");
    let m = error_of(
        step(
            &s,
            &office,
            id,
            json!({"action": "assign", "department_id": department, "note": "民主村的专干反映每天要拍照"}),
        )
        .await,
        400,
    )
    .await;
    assert!(m.contains("民主村社区"), "{m}");
    let detail = json_ok(
        office
            .get(&s, &format!("/api/v1/direct-reports/{id}"))
            .await,
    )
    .await;
    assert_eq!(detail["status"], "accepted", "nothing was assigned");
    // Disclosing nothing new is refused, not audited as a disclosure.
    let m = error_of(
        step(
            &s,
            &office,
            id,
            json!({"action": "disclose", "township": false, "share_words": false, "reason": "无"}),
        )
        .await,
        400,
    )
    .await;
    assert!(m.contains("没有变化"), "{m}");
    assert!(s.audit("direct.disclose", "jianfuban").await.is_empty());
}

async fn a_refused_reopening_leaves_the_rating_open(b: Backend) {
    let s = TestServer::start(b).await;
    let worker = Actor::login(&s, "minzhu").await;
    let office = Actor::login(&s, "jianfuban").await;
    let wjw = Actor::login(&s, "weijian").await;
    let (id, code) = file(&s, &worker, &office, "上午发通知下午要数据").await;
    close(&s, &office, &wjw, id).await;
    let rate = |body: Value| {
        let c = s.client();
        let url = s.url("/api/v1/direct-reports/follow/rating");
        async move { c.post(url).json(&body).send().await.expect("rate") }
    };
    let m = error_of(
        rate(json!({"code": code, "rating": 1, "comment": " ", "reopen": true})).await,
        400,
    )
    .await;
    assert!(m.contains("原因") || m.contains("说明"), "{m}");
    let v = json_ok(
        s.client()
            .post(s.url("/api/v1/direct-reports/follow"))
            .json(&json!({"code": code}))
            .send()
            .await
            .expect("follow"),
    )
    .await;
    assert_eq!(v["status"], "closed");
    assert_eq!(v["rating"], Value::Null);
    assert_eq!(v["can_rate"], true);
    assert_eq!(v["can_reopen"], true);
    let v = json_ok(
        rate(json!({"code": code, "rating": 2, "comment": "群里还在要", "reopen": true})).await,
    )
    .await;
    assert_eq!(v["status"], "accepted");
}

async fn a_resent_filing_form_files_once(b: Backend) {
    let s = TestServer::start(b).await;
    let worker = Actor::login(&s, "minzhu").await;
    let office = Actor::login(&s, "jianfuban").await;
    let form = || {
        reqwest::multipart::Form::new()
            .text("_csrf", worker.csrf.clone())
            .text("_once", "0123456789abcdef0123456789abcdef")
            .text("category", "trace_photos")
            .text("department", "卫生健康委员会")
            .text("happened_on", jianfu_app::today().to_string())
            .text("demand", "每次入户都要拍照上传留痕")
            .text("minutes", "30")
    };
    let post = || async {
        worker
            .c
            .post(s.url("/zhibao/new"))
            .multipart(form())
            .send()
            .await
            .expect("file")
    };
    let first = post().await;
    let status = first.status();
    let page = first.text().await.expect("page");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("id=\"receipt-code\""), "{page}");
    let again = post().await;
    assert_eq!(again.status(), 409);
    let page = again.text().await.expect("page");
    assert!(page.contains("已经提交"), "{page}");
    let list = json_ok(office.get(&s, "/api/v1/direct-reports").await).await;
    let same = list["reports"]
        .as_array()
        .expect("reports")
        .iter()
        .filter(|r| r["demand"] == "每次入户都要拍照上传留痕")
        .count();
    assert_eq!(same, 1);
}

async fn a_merged_report_points_to_where_it_went(b: Backend) {
    let s = TestServer::start(b).await;
    let first = Actor::login(&s, "minzhu").await;
    let second = Actor::login(&s, "xiejiawan").await;
    let office = Actor::login(&s, "jianfuban").await;
    let (target, target_code) = file(&s, &first, &office, "群里要求每周报送走访照片").await;
    let (dup, dup_code) = file(&s, &second, &office, "工作群每周要走访照片").await;
    json_ok(step(&s, &office, target, json!({"action": "accept"})).await).await;
    json_ok(step(&s, &office, dup, json!({"action": "merge", "into": target})).await).await;
    let follow = |code: String| {
        let c = s.client();
        let url = s.url("/api/v1/direct-reports/follow");
        async move {
            json_ok(
                c.post(url)
                    .json(&json!({"code": code}))
                    .send()
                    .await
                    .expect("follow"),
            )
            .await
        }
    };
    let v = follow(dup_code.clone()).await;
    assert_eq!(v["status"], "merged");
    assert_eq!(v["merged_target"]["status"], "accepted");
    // The office's numbers are not the reporter's to know.
    assert_eq!(v["merged_target"]["id"], 0);
    assert_eq!(v["id"], 0);
    // What the merged report's reporter adds reaches the office on the
    // target, marked; the target's reporter does not read it.
    json_ok(
        s.client()
            .post(s.url("/api/v1/direct-reports/follow/messages"))
            .json(&json!({"code": dup_code, "text": "本周又在群里催了"}))
            .send()
            .await
            .expect("add"),
    )
    .await;
    let on_target = json_ok(
        office
            .get(&s, &format!("/api/v1/direct-reports/{target}"))
            .await,
    )
    .await;
    assert!(
        on_target["messages"]
            .to_string()
            .contains(&format!("（来自合并的直报 {dup}）本周又在群里催了")),
        "{on_target}"
    );
    let v = follow(target_code).await;
    assert!(!v.to_string().contains("本周又在群里催了"), "{v}");
    let v = follow(dup_code).await;
    assert!(v.to_string().contains("本周又在群里催了"), "{v}");
}

async fn the_ledger_never_places_a_report_for_a_department(b: Backend) {
    let s = TestServer::start(b).await;
    let worker = Actor::login(&s, "minzhu").await;
    let office = Actor::login(&s, "jianfuban").await;
    let wjw = Actor::login(&s, "weijian").await;
    let town = Actor::login(&s, "xiejiawan").await;
    let mut body = report_body("群里要求每周上报走访照片七百七十七张");
    body["minutes"] = json!(777);
    body["name_community"] = json!(true);
    body["department"] = json!("区卫健委");
    json_ok(
        worker
            .send(&s, "POST", "/api/v1/direct-reports", body)
            .await,
    )
    .await;
    let list = json_ok(office.get(&s, "/api/v1/direct-reports").await).await;
    let r = list["reports"]
        .as_array()
        .expect("reports")
        .iter()
        .find(|r| r["minutes"] == 777)
        .cloned()
        .expect("filed");
    assert_eq!(
        r["department"], "卫生健康委员会",
        "the short form is recognised: {r}"
    );
    let id = r["id"].as_i64().expect("id");
    json_ok(step(&s, &office, id, json!({"action": "accept"})).await).await;
    let community = s.unit_id("500107003003").await;
    let township = s.unit_id("500107003").await;
    let month = jianfu_app::today().format("%Y-%m").to_string();
    let lines = |unit: Option<i64>| {
        let mut p = format!("/api/v1/ledger/lines?from={month}&to={month}&kind=hidden");
        if let Some(u) = unit {
            p.push_str(&format!("&unit={u}"));
        }
        p
    };
    let has_777 = |v: &Value| {
        v["lines"].as_array().is_some_and(|l| {
            l.iter()
                .any(|x| x["minutes"] == 777.0 || x["minutes"] == 777)
        })
    };
    // The office sees where it sits.
    let v = json_ok(office.get(&s, &lines(Some(community))).await).await;
    assert!(has_777(&v), "{v}");
    // The department counts it, without a place, and no filter places it.
    let v = json_ok(wjw.get(&s, &lines(None)).await).await;
    assert!(has_777(&v), "{v}");
    assert!(!v.to_string().contains("民主村"), "{v}");
    for unit in [community, township] {
        let v = json_ok(wjw.get(&s, &lines(Some(unit))).await).await;
        assert!(!has_777(&v), "unit {unit} places the report: {v}");
    }
    // Nor does the township's or the community's own view.
    let v = json_ok(town.get(&s, &lines(None)).await).await;
    assert!(!has_777(&v), "{v}");
    let v = json_ok(worker.get(&s, &lines(None)).await).await;
    assert!(!has_777(&v), "{v}");
}

async fn a_department_must_be_known_and_disclosure_is_per_department(b: Backend) {
    let s = TestServer::start(b).await;
    let worker = Actor::login(&s, "minzhu").await;
    let office = Actor::login(&s, "jianfuban").await;
    let mut body = report_body("有个部门在群里要了三次同样的数据");
    body["department"] = json!("上面的某个局");
    json_ok(
        worker
            .send(&s, "POST", "/api/v1/direct-reports", body)
            .await,
    )
    .await;
    let list = json_ok(office.get(&s, "/api/v1/direct-reports").await).await;
    let id = list["reports"]
        .as_array()
        .expect("reports")
        .iter()
        .find(|r| r["demand"] == "有个部门在群里要了三次同样的数据")
        .and_then(|r| r["id"].as_i64())
        .expect("filed");
    let m = error_of(
        step(&s, &office, id, json!({"action": "accept"})).await,
        400,
    )
    .await;
    assert!(
        m.contains("请先选择被反映的部门") && m.contains("上面的某个局"),
        "{m}"
    );
    let wjw_id = s.unit_id_by_name("卫生健康委员会").await;
    let mz_id = s.unit_id_by_name("民政局").await;
    json_ok(
        step(
            &s,
            &office,
            id,
            json!({"action": "accept", "department_id": wjw_id}),
        )
        .await,
    )
    .await;
    json_ok(
        step(
            &s,
            &office,
            id,
            json!({"action": "assign", "department_id": wjw_id, "note": "请核实"}),
        )
        .await,
    )
    .await;
    json_ok(
        step(
            &s,
            &office,
            id,
            json!({"action": "disclose", "township": true, "share_words": true, "reason": "需要到街道核实"}),
        )
        .await,
    )
    .await;
    json_ok(
        step(
            &s,
            &office,
            id,
            json!({"action": "assign", "department_id": mz_id, "note": "转民政局核实"}),
        )
        .await,
    )
    .await;
    let mz = Actor::login(&s, "minzheng").await;
    let v = json_ok(mz.get(&s, &format!("/api/v1/direct-reports/{id}")).await).await;
    assert_eq!(v["township"], Value::Null, "{v}");
    assert_eq!(v["demand"], Value::Null, "{v}");
    assert_eq!(v["disclosure"], "none", "{v}");
}

on_both_backends!(
    typical_cases_name_no_place_and_can_be_withdrawn,
    office_words_for_a_department_name_no_place,
    a_refused_reopening_leaves_the_rating_open,
    a_resent_filing_form_files_once,
    a_merged_report_points_to_where_it_went,
    the_ledger_never_places_a_report_for_a_department,
    a_department_must_be_known_and_disclosure_is_per_department,
);
