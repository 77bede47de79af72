//! Conflicts on every kind of register entity, on both databases: a
//! household's and an organization's conflicts are listed to their own
//! community, decided only within scope, and written to the entity of their
//! own type — never to the person who happens to share the numeric id.

mod common;

use chrono::NaiveDate;
use common::{Backend, TestServer, PASSWORD};
use jianfu_app::accounts::AccountRequest;
use jianfu_core::id_number::{IdNumber, Sex};
use jianfu_core::role::Role;
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

fn id(birth: &str, seq: u32, sex: Sex) -> String {
    let d = NaiveDate::parse_from_str(birth, "%Y-%m-%d").expect("date");
    IdNumber::compose("500107", d, seq, sex)
        .expect("id")
        .to_string()
}

fn csv(rows: &[Vec<&str>]) -> Vec<u8> {
    rows.iter()
        .map(|r| r.join(",") + "\n")
        .collect::<String>()
        .into_bytes()
}

async fn shared_import(s: &TestServer, file: Vec<u8>, department: &str) -> Value {
    let (c, csrf) = s.login("minzhu").await;
    let form = Form::new()
        .part("file", Part::bytes(file).file_name("共享.csv"))
        .text("source", "共享")
        .text("department", department.to_string());
    let r = c
        .post(s.url("/api/v1/imports"))
        .header("x-csrf-token", &csrf)
        .multipart(form)
        .send()
        .await
        .expect("import");
    assert_eq!(r.status(), 200);
    r.json().await.expect("json")
}

/// A township account of another street (黄桷坪), outside 民主村's scope.
async fn outsider(s: &TestServer) -> (reqwest::Client, String) {
    let unit = s.unit_id("500107002").await;
    s.app
        .create_account(
            None,
            &AccountRequest {
                username: "huangjueping".into(),
                display_name: "黄桷坪街道".into(),
                password: PASSWORD.into(),
                role: Role::Township,
                unit_id: unit,
            },
        )
        .await
        .expect("account");
    s.login("huangjueping").await
}

async fn decide(c: &reqwest::Client, csrf: &str, s: &TestServer, id: i64) -> u16 {
    c.post(s.url(&format!("/api/v1/conflicts/{id}")))
        .header("x-csrf-token", csrf)
        .json(&json!({"accept": true}))
        .send()
        .await
        .expect("decide")
        .status()
        .as_u16()
}

async fn conflicts_of(c: &reqwest::Client, s: &TestServer) -> Vec<Value> {
    let v: Value = c
        .get(s.url("/api/v1/conflicts"))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    v["conflicts"].as_array().cloned().unwrap_or_default()
}

async fn household_and_organization_conflicts_stay_in_scope(b: Backend) {
    let s = TestServer::start_with(
        b,
        common::Options {
            residents: 40,
            ..Default::default()
        },
    )
    .await;
    let head = id("1961-01-01", 41, Sex::Male);
    let spouse = id("1963-02-02", 42, Sex::Female);
    let roster = |income: &str| {
        csv(&[
            vec![
                "户主姓名",
                "姓名",
                "公民身份号码",
                "与户主关系",
                "家庭年收入",
            ],
            vec!["柏大", "柏大", &head, "户主", income],
            vec!["柏大", "柏二", &spouse, "配偶", ""],
        ])
    };
    let body = shared_import(&s, roster("30000"), "九龙坡区民政局").await;
    assert_eq!(body["report"]["committed"], true, "{body}");
    let body = shared_import(&s, roster("45000"), "九龙坡区人力资源和社会保障局").await;
    assert_eq!(body["report"]["conflicts"], 1, "{body}");
    let h = s
        .app
        .db
        .person_by_id_number(&head)
        .await
        .expect("query")
        .and_then(|p| p.household_id)
        .expect("household");

    let orgs = |staff: &str| {
        csv(&[
            vec!["单位名称", "统一社会信用代码", "从业人员数", "单位联系电话"],
            vec![
                "重庆民主餐饮有限公司",
                "91500107MA5U000001",
                staff,
                "13912345678",
            ],
        ])
    };
    shared_import(&s, orgs("12"), "九龙坡区民政局").await;
    let body = shared_import(&s, orgs("15"), "九龙坡区人力资源和社会保障局").await;
    assert_eq!(body["report"]["conflicts"], 1, "{body}");

    // The community sees both, each named and linked as its own kind.
    let (community, ccsrf) = s.login("minzhu").await;
    let list = conflicts_of(&community, &s).await;
    let household = list
        .iter()
        .find(|c| c["entity_type"] == "household")
        .unwrap_or_else(|| panic!("household conflict listed: {list:?}"));
    assert_eq!(household["entity_id"], h);
    assert_eq!(
        household["entity_link"],
        format!("/register/households/{h}")
    );
    assert_eq!(household["entity_name"], "柏大户");
    let organization = list
        .iter()
        .find(|c| c["entity_type"] == "organization")
        .unwrap_or_else(|| panic!("organization conflict listed: {list:?}"));
    let org_id = organization["entity_id"].as_i64().expect("id");
    assert_eq!(organization["entity_name"], "重庆民主餐饮有限公司");

    // A township of another street sees neither and may decide neither.
    let (other, ocsrf) = outsider(&s).await;
    assert!(conflicts_of(&other, &s).await.is_empty());
    let facts_before = s.app.db.count_rows("fact_log").await.expect("count");
    for c in [household, organization] {
        let cid = c["id"].as_i64().expect("id");
        assert_eq!(decide(&other, &ocsrf, &s, cid).await, 403, "{c}");
    }
    assert_eq!(
        s.app.db.count_rows("fact_log").await.expect("count"),
        facts_before
    );
    assert_eq!(s.audit("access.denied", "huangjueping").await.len(), 2);

    // The community decides: each value lands on its own entity, and the
    // person whose id equals the household's id is untouched.
    let person_before = s.app.db.current_doc("person", h).await.expect("doc");
    for c in [household, organization] {
        let cid = c["id"].as_i64().expect("id");
        assert_eq!(decide(&community, &ccsrf, &s, cid).await, 204, "{c}");
    }
    let doc = s.app.db.current_doc("household", h).await.expect("doc");
    assert_eq!(doc["household.annual_income"].v, "45000");
    let doc = s
        .app
        .db
        .current_doc("organization", org_id)
        .await
        .expect("doc");
    assert_eq!(doc["organization.employees"].v, "15");
    assert_eq!(
        s.app.db.current_doc("person", h).await.expect("doc"),
        person_before
    );
    assert!(conflicts_of(&community, &s).await.is_empty());

    // The organization's contact phone (个人信息) is masked on its page and
    // in the API, like any personal number.
    let page = community
        .get(s.url(&format!("/register/places/organization/{org_id}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(!page.contains("13912345678") && page.contains("139****5678"));
    let api = community
        .get(s.url(&format!("/api/v1/places/organization/{org_id}")))
        .send()
        .await
        .expect("api")
        .text()
        .await
        .expect("json");
    assert!(!api.contains("13912345678"), "{api}");
}

/// A roster naming, as its head, a person registered in another community
/// must not write into that community's household.
async fn an_import_never_joins_another_communitys_household(b: Backend) {
    let s = TestServer::start(b).await;
    let head = s.first_resident("500107003004").await;
    let h = head
        .household_id
        .expect("the demo resident has a household");
    let members_before = s.app.db.household_members(h).await.expect("members").len();
    let doc_before = s.app.db.current_doc("household", h).await.expect("doc");
    let newcomer = id("2001-05-06", 77, Sex::Male);
    let file = csv(&[
        vec![
            "姓名",
            "身份证号",
            "户主身份证号",
            "与户主关系",
            "是否低保户",
            "家庭年收入",
        ],
        vec!["任二宝", &newcomer, &head.id_number, "子", "是", "1"],
    ]);
    let (c, csrf) = s.login("minzhu").await;
    let r = c
        .post(s.url("/api/v1/imports"))
        .header("x-csrf-token", &csrf)
        .multipart(Form::new().part("file", Part::bytes(file).file_name("户.csv")))
        .send()
        .await
        .expect("import");
    assert_eq!(r.status(), 200);
    assert_eq!(
        s.app.db.household_members(h).await.expect("members").len(),
        members_before,
        "大公馆's household gained no member"
    );
    assert_eq!(
        s.app.db.current_doc("household", h).await.expect("doc"),
        doc_before,
        "大公馆's household facts are untouched"
    );
    if let Some(p) = s
        .app
        .db
        .person_by_id_number(&newcomer)
        .await
        .expect("query")
    {
        assert_ne!(p.household_id, Some(h));
    }
}

on_both_backends!(
    household_and_organization_conflicts_stay_in_scope,
    an_import_never_joins_another_communitys_household,
);
