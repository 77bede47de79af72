//! The base register through the HTTP API, on both databases: import
//! (atomic, skip-invalid, idempotent), duplicates, conflicts between
//! sources, scope, masking and audited reveal, manual edits.

mod common;

use chrono::NaiveDate;
use common::{Backend, TestServer};
use jianfu_core::id_number::{IdNumber, Sex};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

fn id(birth: &str, seq: u32, sex: Sex) -> String {
    let d = NaiveDate::parse_from_str(birth, "%Y-%m-%d").unwrap();
    IdNumber::compose("500107", d, seq, sex)
        .unwrap()
        .to_string()
}

fn csv(rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = String::new();
    for r in rows {
        out.push_str(&r.join(","));
        out.push('\n');
    }
    out.into_bytes()
}

fn sheet(extra: Vec<Vec<String>>) -> Vec<u8> {
    let mut rows = vec![
        vec!["民主村社区居民信息采集表".to_string()],
        vec![
            "填报单位：民主村社区".into(),
            "".into(),
            "填报日期：2026年11月".into(),
        ],
        vec!["序号", "姓名", "身份证号", "联系电话", "民族", "是否残疾"]
            .into_iter()
            .map(String::from)
            .collect(),
    ];
    rows.extend(extra);
    csv(&rows)
}

fn row(n: usize, name: &str, idn: &str, phone: &str, nation: &str, disabled: &str) -> Vec<String> {
    vec![
        n.to_string(),
        name.into(),
        idn.into(),
        phone.into(),
        nation.into(),
        disabled.into(),
    ]
}

async fn upload(
    s: &TestServer,
    who: &str,
    bytes: Vec<u8>,
    fields: &[(&str, &str)],
) -> (u16, Value) {
    let (c, csrf) = s.login(who).await;
    upload_with(s, &c, &csrf, bytes, fields).await
}

async fn upload_with(
    s: &TestServer,
    c: &reqwest::Client,
    csrf: &str,
    bytes: Vec<u8>,
    fields: &[(&str, &str)],
) -> (u16, Value) {
    upload_named(s, c, csrf, "居民.csv", bytes, fields).await
}

async fn upload_named(
    s: &TestServer,
    c: &reqwest::Client,
    csrf: &str,
    file_name: &str,
    bytes: Vec<u8>,
    fields: &[(&str, &str)],
) -> (u16, Value) {
    let mut form = Form::new().part("file", Part::bytes(bytes).file_name(file_name.to_string()));
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    let r = c
        .post(s.url("/api/v1/imports"))
        .header("x-csrf-token", csrf)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

async fn atomic_import_with_one_bad_row_writes_nothing(b: Backend) {
    let s = TestServer::start(b).await;
    let persons_before = s.app.db.person_count().await.unwrap();
    let facts_before = s.app.db.count_rows("fact_log").await.unwrap();
    let file = sheet(vec![
        row(
            1,
            "李新一",
            &id("1980-01-01", 11, Sex::Male),
            "13800001111",
            "汉族",
            "否",
        ),
        row(
            2,
            "王新二",
            &id("1990-02-02", 22, Sex::Female),
            "023-68001234",
            "土家族",
            "是",
        ),
        row(
            3,
            "钱坏三",
            "500107198001010012",
            "13800003333",
            "汉族",
            "否",
        ),
    ]);
    let (st, body) = upload(&s, "minzhu", file.clone(), &[("community", "500107003003")]).await;
    assert_eq!(st, 200, "{body}");
    let report = &body["report"];
    assert_eq!(report["committed"], false);
    assert_eq!(report["errors"][0]["row"], 6);
    assert_eq!(report["errors"][0]["column"], "身份证号");
    assert!(
        report["errors"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("校验位"),
        "{report}"
    );
    assert_eq!(
        s.app.db.person_count().await.unwrap(),
        persons_before,
        "nothing written"
    );
    assert_eq!(
        s.app.db.count_rows("fact_log").await.unwrap(),
        facts_before,
        "nothing written"
    );

    // The rejected rows come back as a workbook with a reason column.
    let url = body["rejected_rows_xlsx"].as_str().unwrap();
    let (c, csrf) = s.login("minzhu").await;
    let xlsx = c
        .get(s.url(url))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(c.get(s.url(url)).send().await.unwrap().status(), 200);
    let t =
        jianfu_app::import::read_table("r.xlsx", &xlsx, &jianfu_app::workbook::SheetLimits::UPLOAD)
            .unwrap();
    assert_eq!(t.rows[0].last().unwrap(), "未导入原因");
    assert_eq!(t.rows[1][0], "6");
    assert!(t.rows[1].last().unwrap().contains("校验位"));
    // Another user cannot fetch it.
    let (other, _) = s.login("xiejiawan").await;
    assert_eq!(other.get(s.url(url)).send().await.unwrap().status(), 404);

    // Skipping invalid rows writes the good ones.
    let (st, body) = upload_with(
        &s,
        &c,
        &csrf,
        file.clone(),
        &[("community", "500107003003"), ("mode", "skip_invalid")],
    )
    .await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["report"]["committed"], true);
    assert_eq!(body["report"]["created"], 2);
    assert_eq!(s.app.db.person_count().await.unwrap(), persons_before + 2);

    // The same file again changes nothing.
    let facts = s.app.db.count_rows("fact_log").await.unwrap();
    let (_, body) = upload_with(
        &s,
        &c,
        &csrf,
        file,
        &[("community", "500107003003"), ("mode", "skip_invalid")],
    )
    .await;
    assert_eq!(body["report"]["facts_written"], 0);
    assert_eq!(body["report"]["created"], 0);
    assert_eq!(body["report"]["unchanged"], 2);
    assert_eq!(s.app.db.count_rows("fact_log").await.unwrap(), facts);

    // Derived facts were written with the person.
    let p = s
        .app
        .db
        .person_by_id_number(&id("1990-02-02", 22, Sex::Female))
        .await
        .unwrap()
        .unwrap();
    let doc = s.app.db.current_doc("person", p.id).await.unwrap();
    assert_eq!(doc["person.sex"].v, "2");
    assert_eq!(doc["person.sex"].s, "派生");
    assert_eq!(doc["person.birth_date"].v, "1990-02-02");
    assert_eq!(doc["person.ethnicity"].v, "15");
    assert_eq!(doc["person.phone"].v, "02368001234");
}

async fn duplicate_id_numbers_are_named(b: Backend) {
    let s = TestServer::start(b).await;
    let dup = id("1985-05-05", 55, Sex::Male);
    let file = sheet(vec![
        row(1, "孙甲", &dup, "", "", ""),
        row(2, "孙乙", &dup, "", "", ""),
    ]);
    let (_, body) = upload(&s, "minzhu", file, &[("dry_run", "1")]).await;
    let errors = body["report"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{body}");
    assert_eq!(errors[0]["row"], 5);
    assert!(errors[0]["reason"]
        .as_str()
        .unwrap()
        .contains("与第4行的身份证号重复"));

    // A person already registered in another community is a merge
    // candidate, not a second record.
    let other_community = s.unit_id("500107003004").await;
    let (existing,) = (s
        .app
        .db
        .search_persons(
            &s.app.db.unit(other_community).await.unwrap().unwrap().path,
            "",
            1,
            0,
        )
        .await
        .unwrap()
        .0[0]
        .clone(),);
    let file = sheet(vec![row(
        1,
        &existing.name,
        &existing.id_number,
        "",
        "",
        "",
    )]);
    // A dry run says where the number is not, claims no candidate it did
    // not store, and is audited with its row count.
    let (_, body) = upload(
        &s,
        "minzhu",
        file.clone(),
        &[("mode", "skip_invalid"), ("dry_run", "1")],
    )
    .await;
    let reason = body["report"]["errors"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("已在其他村社区登记") && reason.contains("将列为"),
        "{reason}"
    );
    assert!(
        !reason.contains("大公馆"),
        "the other community is not named: {reason}"
    );
    assert_eq!(s.app.db.count_rows("merge_candidates").await.unwrap(), 0);
    let dry = s.audit("register.import_dry_run", "minzhu").await;
    assert!(
        dry.iter()
            .any(|e| e.detail.as_deref().is_some_and(|d| d.contains("检查1行"))),
        "{dry:?}"
    );
    let (_, body) = upload(&s, "minzhu", file, &[("mode", "skip_invalid")]).await;
    let reason = body["report"]["errors"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("已在其他村社区登记") && reason.contains("已列为合并候选"),
        "{reason}"
    );
    assert!(!reason.contains("大公馆"), "{reason}");
    assert_eq!(body["report"]["merge_candidates"], 1);
    assert_eq!(s.app.db.count_rows("merge_candidates").await.unwrap(), 1);
    let still = s
        .app
        .db
        .person_by_id_number(&existing.id_number)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.unit_id, existing.unit_id, "never moved silently");
}

async fn shared_value_that_disagrees_becomes_a_conflict(b: Backend) {
    let s = TestServer::start(b).await;
    let minzhu = s
        .app
        .db
        .unit_by_code("500107003003")
        .await
        .unwrap()
        .unwrap();
    let (people, _) = s
        .app
        .db
        .search_persons(&minzhu.path, "", 200, 0)
        .await
        .unwrap();
    // A resident whose phone was typed by the community (手工).
    let mut target = None;
    for p in people {
        let doc = s.app.db.current_doc("person", p.id).await.unwrap();
        if doc.get("person.phone").is_some_and(|c| c.s == "手工") {
            target = Some((p, doc["person.phone"].v.clone()));
            break;
        }
    }
    let (p, old_phone) = target.expect("a resident with a phone");
    let file = sheet(vec![row(1, &p.name, &p.id_number, "13999999999", "", "")]);
    let (st, body) = upload(
        &s,
        "minzhu",
        file,
        &[("source", "共享"), ("department", "九龙坡区民政局")],
    )
    .await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["report"]["conflicts"], 1, "{body}");
    let doc = s.app.db.current_doc("person", p.id).await.unwrap();
    assert_eq!(
        doc["person.phone"].v, old_phone,
        "never overwritten silently"
    );

    let (c, csrf) = s.login("minzhu").await;
    let list: Value = c
        .get(s.url("/api/v1/conflicts"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let conflict = &list["conflicts"][0];
    // Both values leave the service masked, like on every page.
    assert_eq!(conflict["proposed_value"], "139****9999");
    assert_eq!(conflict["proposed_source"], "共享");
    assert_eq!(
        conflict["current_value"],
        jianfu_core::mask::phone(&old_phone).as_str()
    );
    let cid = conflict["id"].as_i64().unwrap();
    let r = c
        .post(s.url(&format!("/api/v1/conflicts/{cid}")))
        .header("x-csrf-token", &csrf)
        .json(&json!({"accept": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let doc = s.app.db.current_doc("person", p.id).await.unwrap();
    assert_eq!(doc["person.phone"].v, "13999999999");

    // The history shows both values, masked.
    let h: Value = c
        .get(s.url(&format!("/api/v1/persons/{}/history", p.id)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let phones: Vec<&str> = h["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["changes"]["person.phone"].as_str())
        .collect();
    assert!(phones.contains(&"139****9999"), "{phones:?}");
    assert!(
        phones.contains(&jianfu_core::mask::phone(&old_phone).as_str()),
        "{phones:?}"
    );
    assert_eq!(
        s.app
            .db
            .conflicts_in_scope(&minzhu.path, "open")
            .await
            .unwrap()
            .len(),
        0
    );
}

async fn workers_see_only_their_own_residents(b: Backend) {
    let s = TestServer::start(b).await;
    let theirs = s.first_resident("500107003004").await;
    let (c, _) = s.login("minzhu").await;
    let r = c
        .get(s.url(&format!("/api/v1/persons/{}", theirs.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let page = c
        .get(s.url(&format!("/register/persons/{}", theirs.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 403);
    assert!(!page.text().await.unwrap().contains(&theirs.name));
    assert_eq!(s.audit("access.denied", "minzhu").await.len(), 2);

    // Searching by the other resident's name or ID number finds nothing.
    let found: Value = c
        .get(s.url(&format!("/api/v1/persons?q={}", theirs.id_number)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["total"], 0);
    let all: Value = c
        .get(s.url("/api/v1/persons?limit=200"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let minzhu_units: Vec<i64> = {
        let m = s
            .app
            .db
            .unit_by_code("500107003003")
            .await
            .unwrap()
            .unwrap();
        s.app
            .db
            .subtree(&m.path, true)
            .await
            .unwrap()
            .iter()
            .map(|u| u.id)
            .collect()
    };
    assert!(all["total"].as_i64().unwrap() > 0);
    assert!(all["persons"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| minzhu_units.contains(&p["unit_id"].as_i64().unwrap())));

    // County offices do not browse residents at all.
    let (dept, _) = s.login("minzheng").await;
    assert_eq!(
        dept.get(s.url("/api/v1/persons"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

async fn numbers_are_masked_and_a_reveal_is_audited(b: Backend) {
    let s = TestServer::start(b).await;
    let p = s.first_resident("500107003003").await;
    let (c, csrf) = s.login("minzhu").await;
    let view: Value = c
        .get(s.url(&format!("/api/v1/persons/{}", p.id)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = view.to_string();
    assert!(
        !text.contains(&p.id_number),
        "full ID number leaked: {text}"
    );
    assert_eq!(
        view["id_number"],
        jianfu_core::mask::id_number(&p.id_number)
    );
    let list: Value = c
        .get(s.url("/api/v1/persons"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!list.to_string().contains(&p.id_number));
    let html = c
        .get(s.url(&format!("/register/persons/{}", p.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains(&p.id_number), "page leaks the ID number");
    assert_eq!(s.audit("reveal", "minzhu").await.len(), 0);

    let r = c
        .post(s.url(&format!("/api/v1/persons/{}/reveal", p.id)))
        .header("x-csrf-token", &csrf)
        .json(&json!({"element": "person.id_number"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["value"], p.id_number.as_str());
    let audit = s.audit("reveal", "minzhu").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(
        audit[0].target.as_deref(),
        Some(&format!("person:{}", p.id)[..])
    );
    // Viewing the record is itself audited.
    assert!(!s.audit("person.view", "minzhu").await.is_empty());
}

async fn manual_edits_are_checked_and_recorded(b: Backend) {
    let s = TestServer::start(b).await;
    let p = s.first_resident("500107003003").await;
    let (c, csrf) = s.login("minzhu").await;
    let put = |element: &'static str, value: &'static str| {
        let c = c.clone();
        let csrf = csrf.clone();
        let url = s.url(&format!("/api/v1/persons/{}/facts", p.id));
        async move {
            let r = c
                .put(url)
                .header("x-csrf-token", csrf)
                .json(&json!({"element": element, "value": value}))
                .send()
                .await
                .unwrap();
            let st = r.status().as_u16();
            (st, r.text().await.unwrap())
        }
    };
    assert_eq!(put("person.education", "大学本科毕业").await.0, 204);
    let doc = s.app.db.current_doc("person", p.id).await.unwrap();
    assert_eq!(doc["person.education"].v, "21");
    assert_eq!(doc["person.education"].s, "手工");
    let (st, body) = put("person.sex", "女").await;
    assert_eq!(st, 400);
    assert!(body.contains("派生"), "{body}");
    let (st, body) = put("person.phone", "12345").await;
    assert_eq!(st, 400);
    assert!(
        body.contains("联系电话") && body.contains("12345"),
        "{body}"
    );
    let (st, _) = put("person.no_such_thing", "1").await;
    assert_eq!(st, 400);
    assert_eq!(s.audit("person.update", "minzhu").await.len(), 1);
    // The fact log refuses to be rewritten.
    assert!(s.app.db.try_tamper_facts().await.is_err());
}

async fn bad_files_get_clear_errors(b: Backend) {
    let s = TestServer::start_with(
        b,
        common::Options {
            residents: 20,
            ..Default::default()
        },
    )
    .await;
    let (c, csrf) = s.login("minzhu").await;
    let (st, body) = upload_named(
        &s,
        &c,
        &csrf,
        "花名册.xlsx",
        b"PK\x03\x04garbage".to_vec(),
        &[],
    )
    .await;
    assert_eq!(st, 400);
    let msg = body["error"].as_str().unwrap();
    assert!(
        msg.contains("花名册.xlsx") && msg.contains("损坏"),
        "{body}"
    );
    let (st, body) = upload_named(&s, &c, &csrf, "a.pdf", b"%PDF".to_vec(), &[]).await;
    assert_eq!(st, 400);
    assert!(body["error"].as_str().unwrap().contains("不支持"), "{body}");
    let (st, body) = upload(
        &s,
        "minzhu",
        csv(&[vec!["甲".into(), "乙".into()], vec!["1".into(), "2".into()]]),
        &[],
    )
    .await;
    assert_eq!(st, 400);
    assert!(
        body["error"].as_str().unwrap().contains("找不到表头"),
        "{body}"
    );
    let (st, body) = upload(
        &s,
        "minzhu",
        csv(&[vec!["姓名".into(), "电话".into()]]),
        &[],
    )
    .await;
    assert_eq!(st, 400);
    assert!(
        body["error"].as_str().unwrap().contains("公民身份号码"),
        "{body}"
    );
    // Another community cannot be written into.
    let (st, _) = upload(
        &s,
        "minzhu",
        sheet(vec![]),
        &[("community", "500107003004")],
    )
    .await;
    assert_eq!(st, 403);
    // 共享 needs a department.
    let (st, body) = upload(&s, "minzhu", sheet(vec![]), &[("source", "共享")]).await;
    assert_eq!(st, 400);
    assert!(body["error"].as_str().unwrap().contains("部门"), "{body}");
}

async fn dictionary_is_readable_by_everyone(b: Backend) {
    let s = TestServer::start_with(
        b,
        common::Options {
            residents: 10,
            ..Default::default()
        },
    )
    .await;
    let (c, _) = s.login("minzheng").await;
    let all: Value = c
        .get(s.url("/api/v1/elements"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(all["total"].as_u64().unwrap() >= 150);
    let found: Value = c
        .get(s.url("/api/v1/elements?q=sfz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(found["elements"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["code"] == "person.id_number"));
    let one: Value = c
        .get(s.url("/api/v1/elements/person.ethnicity"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one["code_table"]["values"].as_array().unwrap().len(), 58);
    assert_eq!(
        c.get(s.url("/api/v1/elements/nope"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

async fn jianfuban_versions_the_dictionary(b: Backend) {
    let s = TestServer::start_with(
        b,
        common::Options {
            residents: 10,
            ..Default::default()
        },
    )
    .await;
    let (jfb, csrf) = s.login("jianfuban").await;
    let put = |code: &'static str, body: Value| {
        let c = jfb.clone();
        let csrf = csrf.clone();
        let url = s.url(&format!("/api/v1/elements/{code}"));
        async move {
            let r = c
                .put(url)
                .header("x-csrf-token", csrf)
                .json(&body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let phone = json!({"name": "联系电话", "aliases": ["手机号码", "联系方式", "常用电话"], "sensitivity": "个人信息"});
    let (st, body) = put("person.phone", phone).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["version"], 2);
    let versions: Value = jfb
        .get(s.url("/api/v1/elements/person.phone/versions"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let v = versions["versions"].as_array().unwrap();
    assert_eq!(v.len(), 2, "the old version is kept");
    assert_eq!(v[0]["is_current"], 1);
    assert_eq!(v[1]["is_current"], 0);
    assert!(
        v[1]["aliases"].as_str().unwrap().contains("电话号码"),
        "version 1 unchanged"
    );

    // The new alias is used by the importer at once.
    let file = csv(&[
        vec!["姓名".into(), "公民身份号码".into(), "常用电话".into()],
        vec![
            "冯新".into(),
            id("1970-07-07", 71, Sex::Male),
            "13511112222".into(),
        ],
    ]);
    let (st, body) = upload(&s, "minzhu", file, &[("dry_run", "1")]).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["mapping"]["columns"][2]["element"], "person.phone");

    let (st, body) = put(
        "person.phone",
        json!({"name": "联系电话", "aliases": ["身份证号"], "sensitivity": "个人信息"}),
    )
    .await;
    assert_eq!(st, 400);
    assert!(
        body["error"].as_str().unwrap().contains("身份证号"),
        "{body}"
    );
    let (st, body) = put(
        "person.age",
        json!({"name": "年龄", "sensitivity": "个人信息", "rule": "value >>> 1"}),
    )
    .await;
    assert_eq!(st, 400);
    assert!(body["error"].as_str().unwrap().contains("语法"), "{body}");
    let (st, body) = put("person.pension_note", json!({"name": "养老金备注", "entity": "person", "value_type": "text", "sensitivity": "内部", "theme": "insurance"})).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["version"], 1);

    // Only the 减负办 edits; a refusal is audited.
    let (w, wcsrf) = s.login("minzhu").await;
    let r = w
        .put(s.url("/api/v1/elements/person.phone"))
        .header("x-csrf-token", wcsrf)
        .json(&json!({"name": "x", "sensitivity": "公开"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(s.audit("access.denied", "minzhu").await.len(), 1);
    assert_eq!(s.audit("element.save", "jianfuban").await.len(), 2);
}

async fn households_show_members_within_scope(b: Backend) {
    let s = TestServer::start(b).await;
    let mine = s.first_resident("500107003003").await;
    let theirs = s.first_resident("500107003004").await;
    let (c, _) = s.login("minzhu").await;
    let r = c
        .get(s.url(&format!(
            "/register/households/{}",
            mine.household_id.unwrap()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("户主"), "{html}");
    assert!(html.contains(&mine.name));
    assert!(!html.contains(&mine.id_number), "masked");
    let r = c
        .get(s.url(&format!(
            "/register/households/{}",
            theirs.household_id.unwrap()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(s.audit("access.denied", "minzhu").await.len(), 1);
    // The list names each household's head: the member recorded as 户主.
    let household = mine.household_id.unwrap();
    let mut head = None;
    for m in s.app.db.household_members(household).await.unwrap() {
        let doc = s.app.db.current_doc("person", m.id).await.unwrap();
        if doc
            .get("person.relation_to_head")
            .is_some_and(|c| c.v == "01" || c.v == "02")
        {
            head = Some(m.name);
        }
    }
    let head = head.expect("the demo household has a head");
    let html = c
        .get(s.url("/register/households"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let row = html
        .split("<tr")
        .find(|r| r.contains(&format!("/register/households/{household}\"")))
        .expect("the household is listed");
    assert!(row.contains(&head), "{row}");
}

async fn a_resident_who_moves_keeps_their_history(b: Backend) {
    let s = TestServer::start(b).await;
    let p = s.first_resident("500107003003").await;
    let before = s.app.db.history("person", p.id).await.unwrap().len();
    let (c, csrf) = s.login("minzhu").await;
    let r = c
        .post(s.url(&format!("/api/v1/persons/{}/move", p.id)))
        .header("x-csrf-token", &csrf)
        .json(&json!({"community": "500107003004"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // The old community no longer sees them; the new one does, with history.
    assert_eq!(
        c.get(s.url(&format!("/api/v1/persons/{}", p.id)))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let (d, dcsrf) = s.login("dagongguan").await;
    assert_eq!(
        d.get(s.url(&format!("/api/v1/persons/{}", p.id)))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let h: Value = d
        .get(s.url(&format!("/api/v1/persons/{}/history", p.id)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(h["history"].as_array().unwrap().len(), before + 1);
    assert_eq!(
        h["history"][0]["changes"]["person.community"],
        "500107003004"
    );
    assert_eq!(s.audit("person.move", "minzhu").await.len(), 1);
    // A move to something that is not a community is refused.
    let r = d
        .post(s.url(&format!("/api/v1/persons/{}/move", p.id)))
        .header("x-csrf-token", &dcsrf)
        .json(&json!({"community": "500107003"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("不是村社区"));
}

async fn merge_candidates_are_decided_by_the_registering_community(b: Backend) {
    let s = TestServer::start(b).await;
    let theirs = s.first_resident("500107003004").await;
    let file = sheet(vec![row(1, &theirs.name, &theirs.id_number, "", "", "")]);
    let (_, body) = upload(&s, "minzhu", file, &[("mode", "skip_invalid")]).await;
    assert_eq!(body["report"]["merge_candidates"], 1);

    // The claimant sees the claim but cannot decide it.
    let (m, mcsrf) = s.login("minzhu").await;
    let list: Value = m
        .get(s.url("/api/v1/merge-candidates"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cand = &list["merge_candidates"][0];
    assert_eq!(cand["can_decide"], false);
    assert_eq!(cand["to_unit"], "民主村社区");
    let cid = cand["id"].as_i64().unwrap();
    let r = m
        .post(s.url(&format!("/api/v1/merge-candidates/{cid}")))
        .header("x-csrf-token", &mcsrf)
        .json(&json!({"accept": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // The registering community decides; the person moves with history.
    let (d, dcsrf) = s.login("dagongguan").await;
    let list: Value = d
        .get(s.url("/api/v1/merge-candidates"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["merge_candidates"][0]["can_decide"], true);
    let r = d
        .post(s.url(&format!("/api/v1/merge-candidates/{cid}")))
        .header("x-csrf-token", &dcsrf)
        .json(&json!({"accept": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        m.get(s.url(&format!("/api/v1/persons/{}", theirs.id)))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let list: Value = d
        .get(s.url("/api/v1/merge-candidates"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["merge_candidates"].as_array().unwrap().len(), 0);
}

async fn household_numbers_group_new_residents(b: Backend) {
    let s = TestServer::start_with(
        b,
        common::Options {
            residents: 20,
            ..Default::default()
        },
    )
    .await;
    let file = csv(&[
        vec![
            "户号".into(),
            "姓名".into(),
            "公民身份号码".into(),
            "与户主关系".into(),
        ],
        vec![
            "H-001".into(),
            "陶大".into(),
            id("1960-01-01", 21, Sex::Male),
            "户主".into(),
        ],
        vec![
            "H-001".into(),
            "陶二".into(),
            id("1962-02-02", 22, Sex::Female),
            "妻".into(),
        ],
        vec![
            "H-002".into(),
            "陶三".into(),
            id("1990-03-03", 23, Sex::Male),
            "户主".into(),
        ],
    ]);
    let (st, body) = upload(&s, "minzhu", file.clone(), &[]).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["report"]["created"], 3);
    let a = s
        .app
        .db
        .person_by_id_number(&id("1960-01-01", 21, Sex::Male))
        .await
        .unwrap()
        .unwrap();
    let b2 = s
        .app
        .db
        .person_by_id_number(&id("1962-02-02", 22, Sex::Female))
        .await
        .unwrap()
        .unwrap();
    let c = s
        .app
        .db
        .person_by_id_number(&id("1990-03-03", 23, Sex::Male))
        .await
        .unwrap()
        .unwrap();
    assert!(a.household_id.is_some());
    assert_eq!(a.household_id, b2.household_id);
    assert_ne!(a.household_id, c.household_id);
    let members = s
        .app
        .db
        .household_members(a.household_id.unwrap())
        .await
        .unwrap();
    assert_eq!(members.len(), 2);
    let (_, body) = upload(&s, "minzhu", file, &[]).await;
    assert_eq!(
        body["report"]["facts_written"], 0,
        "re-import changes nothing"
    );
}

async fn confirmed_mappings_teach_the_matcher(b: Backend) {
    let s = TestServer::start_with(
        b,
        common::Options {
            residents: 10,
            ..Default::default()
        },
    )
    .await;
    let file = csv(&[
        vec!["姓名".into(), "公民身份号码".into(), "常住地点".into()],
        vec![
            "郑一".into(),
            id("1971-01-01", 31, Sex::Male),
            "民主村1栋1号".into(),
        ],
    ]);
    let (_, body) = upload(&s, "minzhu", file.clone(), &[("dry_run", "1")]).await;
    assert!(
        body["mapping"]["columns"][2]["element"].is_null(),
        "unknown label at first"
    );
    let mapping = r#"{"常住地点":"person.current_address"}"#;
    let (st, body) = upload(&s, "minzhu", file.clone(), &[("mapping", mapping)]).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["report"]["committed"], true);
    let (_, body) = upload(&s, "minzhu", file, &[("dry_run", "1")]).await;
    assert_eq!(
        body["mapping"]["columns"][2]["element"],
        "person.current_address"
    );
    assert_eq!(body["mapping"]["columns"][2]["kind"], "learned");
}

/// A 低保 roster as departments send it: no 户号, one row per member under
/// the head's row, household columns filled on the head's row only.
fn dibao_roster(member_head: &str, member_dibao: &str, size: &str) -> Vec<u8> {
    let s = |v: &str| v.to_string();
    csv(&[
        vec![s("城乡低保对象花名册")],
        vec![
            s("户主姓名"),
            s("姓名"),
            s("公民身份号码"),
            s("与户主关系"),
            s("家庭人口数"),
            s("是否低保户"),
            s("月保障金额（元）"),
        ],
        vec![
            s("柏大"),
            s("柏大"),
            id("1961-01-01", 41, Sex::Male),
            s("户主"),
            s(size),
            s("是"),
            s("650"),
        ],
        vec![
            s("柏大"),
            s("柏二"),
            id("1963-02-02", 42, Sex::Female),
            s("配偶"),
            s(""),
            s(member_dibao),
            s(""),
        ],
        vec![
            s(member_head),
            s("柏三"),
            id("1990-03-03", 43, Sex::Male),
            s("子"),
            s(""),
            s(""),
            s(""),
        ],
        vec![
            s("章一"),
            s("章一"),
            id("1950-04-04", 44, Sex::Female),
            s("户主"),
            s("1"),
            s("否"),
            s(""),
        ],
    ])
}

async fn household_rosters_group_members_under_their_head(b: Backend) {
    let s = TestServer::start_with(
        b,
        common::Options {
            residents: 20,
            ..Default::default()
        },
    )
    .await;
    let person = |seq, birth: &str, sex| {
        let s = &s;
        let idn = id(birth, seq, sex);
        async move { s.app.db.person_by_id_number(&idn).await.unwrap() }
    };
    // A member whose head is not the head above: nothing is written, and
    // the error names the row and both heads.
    let facts_before = s.app.db.count_rows("fact_log").await.unwrap();
    let (st, body) = upload(&s, "minzhu", dibao_roster("柏小", "", "3"), &[]).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["report"]["committed"], false, "{body}");
    let err = &body["report"]["errors"][0];
    assert_eq!(err["row"], 5, "{body}");
    assert!(err["reason"].as_str().unwrap().contains("柏小"), "{body}");
    assert_eq!(s.app.db.count_rows("fact_log").await.unwrap(), facts_before);
    assert!(person(41, "1961-01-01", Sex::Male).await.is_none());

    // Members disagreeing about a household fact: refused, naming the
    // column and the row that said otherwise.
    let (_, body) = upload(&s, "minzhu", dibao_roster("柏大", "否", "3"), &[]).await;
    let err = &body["report"]["errors"][0];
    assert_eq!(err["row"], 4, "{body}");
    assert_eq!(err["column"], "是否低保户", "{body}");
    assert!(err["reason"].as_str().unwrap().contains("第3行"), "{body}");

    // The good file: two households, each with one head.
    let (st, body) = upload(&s, "minzhu", dibao_roster("柏大", "", "4"), &[]).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["report"]["committed"], true, "{body}");
    assert_eq!(body["report"]["created"], 4, "{body}");
    // 家庭人口数 is derived from the members, so a typed 4 for three member
    // rows is flagged and not stored.
    let flags = body["report"]["flags"].as_array().unwrap();
    assert_eq!(flags.len(), 1, "{body}");
    assert_eq!(flags[0]["row"], 3);
    assert!(flags[0]["reason"]
        .as_str()
        .unwrap()
        .contains("成员行数（3）"));
    let head = person(41, "1961-01-01", Sex::Male).await.unwrap();
    let spouse = person(42, "1963-02-02", Sex::Female).await.unwrap();
    let son = person(43, "1990-03-03", Sex::Male).await.unwrap();
    let other = person(44, "1950-04-04", Sex::Female).await.unwrap();
    let h = head.household_id.expect("head placed in a household");
    assert_eq!(spouse.household_id, Some(h));
    assert_eq!(son.household_id, Some(h));
    assert!(other.household_id.is_some());
    assert_ne!(other.household_id, Some(h));
    let doc = s.app.db.current_doc("household", h).await.unwrap();
    assert_eq!(doc["household.dibao"].v, "1");
    assert_eq!(doc["household.dibao_amount"].v, "650");
    assert_eq!(doc["household.dibao"].s, "导入");
    assert!(!doc.contains_key("household.size"), "derived, never stored");
    let other_doc = s
        .app
        .db
        .current_doc("household", other.household_id.unwrap())
        .await
        .unwrap();
    assert_eq!(other_doc["household.dibao"].v, "0");

    // The household page shows the members and the household's facts.
    let (c, _) = s.login("minzhu").await;
    let page = c
        .get(s.url(&format!("/register/households/{h}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    for text in ["柏大", "柏二", "柏三", "650"] {
        assert!(html.contains(text), "household page lacks {text}");
    }

    // Importing the same file again finds the same households.
    let (_, body) = upload(&s, "minzhu", dibao_roster("柏大", "", "4"), &[]).await;
    assert_eq!(body["report"]["facts_written"], 0, "{body}");
    assert_eq!(body["report"]["created"], 0, "{body}");
    let again = person(43, "1990-03-03", Sex::Male).await.unwrap();
    assert_eq!(again.household_id, Some(h));
}

async fn organization_and_house_rosters_become_register_entities(b: Backend) {
    let s = TestServer::start_with(
        b,
        common::Options {
            residents: 10,
            ..Default::default()
        },
    )
    .await;
    let st = |v: &str| v.to_string();
    let header = vec![
        st("序号"),
        st("单位名称"),
        st("统一社会信用代码"),
        st("法定代表人"),
        st("从业人员数"),
    ];
    let bad = csv(&[
        header.clone(),
        vec![
            st("1"),
            st("重庆民主餐饮有限公司"),
            st("91500107MA5U000001"),
            st("刘一"),
            st("12"),
        ],
        vec![
            st("2"),
            st("民主五金店"),
            st("91500107MA5U00002"),
            st("陈二"),
            st("3"),
        ],
        vec![
            st("3"),
            st("重庆民主餐饮有限公司"),
            st("91500107MA5U000001"),
            st("刘一"),
            st("12"),
        ],
    ]);
    let (status, body) = upload(&s, "minzhu", bad, &[]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["report"]["committed"], false, "{body}");
    let errors = body["report"]["errors"].as_array().unwrap();
    assert_eq!(errors[0]["row"], 3, "{body}");
    assert_eq!(errors[0]["column"], "统一社会信用代码", "{body}");
    assert_eq!(errors[1]["row"], 4, "{body}");
    assert!(
        errors[1]["reason"]
            .as_str()
            .unwrap()
            .contains("与第2行是同一组织"),
        "{body}"
    );
    let good = csv(&[
        header,
        vec![
            st("1"),
            st("重庆民主餐饮有限公司"),
            st("91500107MA5U000001"),
            st("刘一"),
            st("12"),
        ],
        vec![
            st("2"),
            st("民主五金店"),
            st("92500107MA5U000002"),
            st("陈二"),
            st("3"),
        ],
    ]);
    let (_, body) = upload(&s, "minzhu", good.clone(), &[]).await;
    assert_eq!(body["report"]["committed"], true, "{body}");
    assert_eq!(body["report"]["created"], 2, "{body}");
    let (_, body) = upload(&s, "minzhu", good, &[]).await;
    assert_eq!(body["report"]["created"], 0, "{body}");
    assert_eq!(
        body["report"]["facts_written"], 0,
        "re-import changes nothing: {body}"
    );

    let (c, _) = s.login("minzhu").await;
    let list: Value = c
        .get(s.url("/api/v1/places/organization?q=餐饮"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1, "{list}");
    let id = list["places"][0]["id"].as_i64().unwrap();
    let view: Value = c
        .get(s.url(&format!("/api/v1/places/organization/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view["name"], "重庆民主餐饮有限公司");
    let facts: Vec<&Value> = view["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["facts"].as_array().unwrap())
        .collect();
    assert!(
        facts
            .iter()
            .any(|f| f["element"] == "organization.employees" && f["value"] == "12人"),
        "{view}"
    );
    assert_eq!(view["history"].as_array().unwrap().len(), 1, "{view}");
    let page = c
        .get(s.url(&format!("/register/places/organization/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.unwrap().contains("刘一"));

    // Another community's worker sees neither the list entry nor the page.
    let (other, _) = s.login("dagongguan").await;
    let list: Value = other
        .get(s.url("/api/v1/places/organization"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 0, "{list}");
    let r = other
        .get(s.url(&format!("/api/v1/places/organization/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert!(!s.audit("access.denied", "dagongguan").await.is_empty());

    // Houses: keyed by address, codes checked against their tables.
    let houses = csv(&[
        vec![
            st("房屋地址"),
            st("房屋结构"),
            st("房屋安全等级"),
            st("建造年份"),
        ],
        vec![st("民主村3组12号"), st("砖混结构"), st("C"), st("1988")],
        vec![st("民主村3组13号"), st("茅草"), st("B"), st("1992")],
    ]);
    let (_, body) = upload(&s, "minzhu", houses, &[("mode", "skip_invalid")]).await;
    assert_eq!(body["report"]["committed"], true, "{body}");
    assert_eq!(body["report"]["created"], 1, "{body}");
    assert_eq!(body["report"]["errors"][0]["row"], 3, "{body}");
    assert_eq!(body["report"]["errors"][0]["column"], "房屋结构", "{body}");
    let list: Value = c
        .get(s.url("/api/v1/places/house"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["places"][0]["name"], "民主村3组12号", "{list}");
    let r = c
        .get(s.url("/api/v1/places/spaceship"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
}

on_both_backends!(
    organization_and_house_rosters_become_register_entities,
    household_rosters_group_members_under_their_head,
    confirmed_mappings_teach_the_matcher,
    household_numbers_group_new_residents,
    merge_candidates_are_decided_by_the_registering_community,
    a_resident_who_moves_keeps_their_history,
    households_show_members_within_scope,
    jianfuban_versions_the_dictionary,
    atomic_import_with_one_bad_row_writes_nothing,
    duplicate_id_numbers_are_named,
    shared_value_that_disagrees_becomes_a_conflict,
    workers_see_only_their_own_residents,
    numbers_are_masked_and_a_reveal_is_audited,
    manual_edits_are_checked_and_recorded,
    bad_files_get_clear_errors,
    dictionary_is_readable_by_everyone,
);
