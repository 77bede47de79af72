//! 准入 through the HTTP API on both databases: a report cannot be
//! published until admitted; a request is costed from the register and
//! checked by every rule; heavy or off-list items go to the county level;
//! yearly caps refuse with the numbers unless overridden; anyone can check
//! a 准入编号 and sees no personal data; a community reports a demand
//! without a number.

mod common;

use common::{Backend, TestServer};
use serde_json::{json, Value};

async fn json_ok(r: reqwest::Response) -> Value {
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body
}

async fn error_of(r: reqwest::Response, status: u16) -> String {
    assert_eq!(r.status(), status);
    let body: Value = r.json().await.unwrap();
    body["error"].as_str().unwrap().to_string()
}

struct Actor {
    c: reqwest::Client,
    csrf: String,
}

impl Actor {
    async fn login(s: &TestServer, user: &str) -> Actor {
        let (c, csrf) = s.login(user).await;
        Actor { c, csrf }
    }

    async fn post(&self, s: &TestServer, path: &str, body: Value) -> reqwest::Response {
        self.c
            .post(s.url(path))
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn put(&self, s: &TestServer, path: &str, body: Value) -> reqwest::Response {
        self.c
            .put(s.url(path))
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn get(&self, s: &TestServer, path: &str) -> reqwest::Response {
        self.c.get(s.url(path)).send().await.unwrap()
    }

    /// Creates and submits a request; returns its id and the view.
    async fn request(&self, s: &TestServer, body: Value) -> (i64, Value) {
        let id = json_ok(self.post(s, "/api/v1/admissions", body).await).await["id"]
            .as_i64()
            .unwrap();
        let v = json_ok(
            self.post(
                s,
                &format!("/api/v1/admissions/{id}/decide"),
                json!({"action": "submit"}),
            )
            .await,
        )
        .await;
        assert_eq!(v["status"], "submitted", "{v}");
        (id, v)
    }

    async fn decide(
        &self,
        s: &TestServer,
        id: i64,
        action: &str,
        reason: &str,
    ) -> reqwest::Response {
        self.post(
            s,
            &format!("/api/v1/admissions/{id}/decide"),
            json!({"action": action, "reason": reason}),
        )
        .await
    }
}

fn rules(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

const ON_LIST: &str = "社会救助对象排查与申报协助";

fn roster(title: &str, phone_label: &str) -> Value {
    json!({
        "title": title, "kind": "roster", "entity": "person",
        "filter": "age >= 80",
        "columns": [
            {"path": ["序号"], "source": {"type": "serial"}, "left": 0, "right": 0},
            {"path": ["姓名"], "source": {"type": "element", "element": "person.name"}, "left": 0, "right": 0},
            {"path": [phone_label], "source": {"type": "element", "element": "person.phone"}, "left": 0, "right": 0},
            {"path": ["健康状况"], "source": {"type": "element", "element": "person.health_status"}, "left": 0, "right": 0},
            {"path": ["走访情况"], "source": {"type": "manual"}, "left": 0, "right": 0}
        ]
    })
}

async fn create_report(s: &TestServer, dept: &Actor, def: Value) -> i64 {
    let minzhu = s.unit_id("500107003003").await;
    json_ok(
        dept.post(
            s,
            "/api/v1/reports",
            json!({"definition": def, "frequency": "monthly", "period": "2026年12月",
                   "deadline": "2026-12-31", "targets": [minzhu]}),
        )
        .await,
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

/// A report goes from draft to admitted, costed from the register, and
/// only then may be published; its number can be checked by anyone.
async fn a_report_is_admitted_before_it_is_published(backend: Backend) {
    let s = TestServer::start(backend).await;
    let dept = Actor::login(&s, "minzheng").await;
    let report = create_report(&s, &dept, roster("高龄老人走访表", "联系电话")).await;

    let refused = dept
        .post(&s, &format!("/api/v1/reports/{report}/publish"), json!({}))
        .await;
    let msg = error_of(refused, 403).await;
    assert!(
        msg.contains("尚未准入") && msg.contains("准入编号"),
        "{msg}"
    );

    let (id, v) = dept
        .request(
            &s,
            json!({"details": {"kind": "report", "report_id": report},
                   "duty_item": ON_LIST, "lead_hours": 240}),
        )
        .await;
    // The request took the report's title, frequency and one community.
    assert_eq!(v["title"], "高龄老人走访表");
    assert_eq!(v["demand"]["units"], 1);
    assert_eq!(v["demand"]["per_year"], 12);
    // Costed from a trial prefill: names and phones come from the
    // register, the visit notes must be typed.
    let e = &v["estimate"];
    let working = e["working"].to_string();
    assert!(working.contains("系统预填"), "{working}");
    assert!(e["minutes_per_unit"].as_f64().unwrap() > 5.0, "{e}");
    assert!(e["hours_per_year"].as_f64().unwrap() > 1.0, "{e}");
    // The register holds names and phones: said, and nothing else fires.
    assert_eq!(rules(&v), ["register_holds"], "{v}");
    assert!(v["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("姓名"));
    assert_eq!(v["needs_escalation"], 0);

    // The department cannot decide; the office can.
    let own = dept.decide(&s, id, "admit", "").await;
    assert_eq!(own.status(), 403);
    let office = Actor::login(&s, "jianfuban").await;
    let pending = json_ok(office.get(&s, "/api/v1/admissions?pending=1").await).await;
    assert!(pending["admissions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["id"] == id));
    let v = json_ok(office.decide(&s, id, "admit", "").await).await;
    assert_eq!(v["status"], "admitted", "{v}");
    let number = v["number"].as_str().unwrap().to_string();
    assert!(number.starts_with("ZR-500107-2026-B"), "{number}");
    assert!(v["valid_until"].as_str().is_some());
    let steps: Vec<&str> = v["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["action"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["submit", "admit"]);
    // Deciding twice is refused, not applied twice.
    assert_eq!(office.decide(&s, id, "refuse", "再议").await.status(), 403);
    assert!(!s.audit("admission.admit", "jianfuban").await.is_empty());

    json_ok(
        dept.post(&s, &format!("/api/v1/reports/{report}/publish"), json!({}))
            .await,
    )
    .await;

    // The public check needs no login and shows nothing personal.
    let anon = s.client();
    let p = json_ok(
        anon.get(s.url(&format!("/api/v1/public/admissions/{number}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(p["title"], "高龄老人走访表");
    assert_eq!(p["department"], "民政局");
    assert_eq!(p["valid"], true);
    assert!(p["hours_per_year"].as_f64().unwrap() > 0.0);
    let mut keys: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "cost_yuan",
            "department",
            "hours_per_year",
            "kind",
            "number",
            "per_year",
            "status",
            "title",
            "units",
            "valid",
            "valid_from",
            "valid_until"
        ]
    );
    let text = p.to_string();
    let resident = s.first_resident("500107003003").await;
    assert!(!text.contains(&resident.name), "{text}");
    // No run of digits as long as an ID or phone number, anywhere.
    let longest_digits = text
        .split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0);
    assert!(longest_digits < 11, "{text}");
    // The public page too.
    let page = anon
        .get(s.url(&format!("/check?number={number}")))
        .send()
        .await
        .unwrap();
    let st = page.status();
    let html = page.text().await.unwrap();
    assert_eq!(st, 200, "{html}");
    assert!(
        html.contains("高龄老人走访表") && html.contains("有效"),
        "{html}"
    );
    let unknown = anon
        .get(s.url("/api/v1/public/admissions/ZR-500107-2026-B9999"))
        .send()
        .await
        .unwrap();
    assert!(error_of(unknown, 404).await.contains("未经准入"));
    let malformed = anon
        .get(s.url("/api/v1/public/admissions/'%20OR%201=1"))
        .send()
        .await
        .unwrap();
    assert!(error_of(malformed, 400).await.contains("不是准入编号"));

    // The consistency assessment as a workbook.
    let x = dept
        .get(&s, &format!("/api/v1/admissions/{id}/assessment.xlsx"))
        .await;
    assert_eq!(x.status(), 200);
    let bytes = x.bytes().await.unwrap().to_vec();
    let sheets = jianfu_app::forms::read_workbook("a.xlsx", bytes).unwrap();
    let g = &sheets[0].1.as_ref().unwrap().grid;
    let all: Vec<String> = (0..g.height())
        .flat_map(|r| (0..g.width()).map(move |c| g.raw(r, c).to_string()))
        .collect();
    assert!(all.iter().any(|c| c.contains("一致性评估")), "{all:?}");
    assert!(all.iter().any(|c| c.contains(&number)));
    assert!(all.iter().any(|c| c.contains("底库已有")));

    // Another department cannot see the request, nor learn its title
    // from the refusal.
    let other = Actor::login(&s, "renshe").await;
    let seen = other.get(&s, &format!("/api/v1/admissions/{id}")).await;
    assert_eq!(seen.status(), 403);
    let body = seen.text().await.unwrap_or_default();
    assert!(!body.contains("高龄老人走访表"), "{body}");
    let changed = other
        .put(
            &s,
            &format!("/api/v1/admissions/{id}"),
            json!({"details": {"kind": "report", "report_id": report}, "lead_hours": 240}),
        )
        .await;
    assert_eq!(changed.status(), 403);
    let body = changed.text().await.unwrap_or_default();
    assert!(!body.contains("高龄老人走访表"), "{body}");
    // A second report asking for the phone again overlaps the first.
    let second = create_report(&s, &dept, roster("独居老人联系表", "手机号码")).await;
    let (_, v2) = dept
        .request(
            &s,
            json!({"details": {"kind": "report", "report_id": second},
                   "duty_item": ON_LIST, "lead_hours": 240}),
        )
        .await;
    // What the register prefills (name, phone) is shared, not asked
    // again; what communities would type again (健康状况) is a repeat.
    assert!(
        rules(&v2).contains(&"overlap".to_string()),
        "{}",
        v2["findings"]
    );
    let overlap = v2["findings"][0]["message"].as_str().unwrap();
    assert!(
        overlap.contains("健康状况") && overlap.contains(&number),
        "{overlap}"
    );
    assert!(
        !overlap.contains("联系电话") && !overlap.contains("姓名"),
        "{overlap}"
    );
}

/// Each rule fires on a request built to trigger it and stays silent on
/// a clean one, through the whole stack.
async fn every_rule_fires_on_its_case(backend: Backend) {
    let s = TestServer::start(backend).await;
    let dept = Actor::login(&s, "minzheng").await;
    let cases = [
        (
            json!({"kind": "document", "text": "字".repeat(5001), "single_task": false}),
            Some("document_length"),
        ),
        (
            json!({"kind": "document", "text": "字".repeat(4001), "single_task": true}),
            Some("document_length"),
        ),
        (
            json!({"kind": "document", "text": "字".repeat(4000), "single_task": true}),
            None,
        ),
        (
            json!({"kind": "meeting", "date": "2026-12-10", "duration_minutes": 120,
                   "keynote_minutes": 61, "attendees_per_unit": 1, "on_site": true}),
            Some("keynote_length"),
        ),
        (
            json!({"kind": "meeting", "date": "2026-12-10", "duration_minutes": 90,
                   "keynote_minutes": 60, "attendees_per_unit": 1, "on_site": false}),
            None,
        ),
        (
            json!({"kind": "app", "purpose": "学习强基", "clock_in": true, "ranking": false,
                   "likes": false, "forced_install": false, "minutes_per_week": 20}),
            Some("app_five_donts"),
        ),
        (
            json!({"kind": "inspection", "window_start": "2026-12-07", "window_end": "2026-12-08",
                   "content": "安全生产", "mergeable": true, "in_annual_plan": false}),
            Some("inspection_plan"),
        ),
    ];
    for (details, rule) in cases {
        let (_, v) = dept
            .request(
                &s,
                json!({"title": "测试事项", "details": details, "duty_item": ON_LIST,
                       "lead_hours": 120, "targets": [s.unit_id("500107003003").await]}),
            )
            .await;
        let expect: Vec<String> = rule.into_iter().map(String::from).collect();
        assert_eq!(rules(&v), expect, "{details}: {v}");
    }
    // Sent in the morning, due in the afternoon.
    let (_, v) = dept
        .request(
            &s,
            json!({"title": "紧急统计", "details": {"kind": "task", "description": "统计",
                   "minutes_per_unit": 30}, "duty_item": ON_LIST, "lead_hours": 4,
                   "targets": [s.unit_id("500107003003").await]}),
        )
        .await;
    assert_eq!(rules(&v), ["lead_time"]);
    assert!(v["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("4 小时"));

    // Inspections clustering on one community: one admitted this week,
    // a second the same week passes the weekly cap of one.
    let office = Actor::login(&s, "jianfuban").await;
    let minzhu = s.unit_id("500107003003").await;
    let week = |day: &str| {
        json!({"title": "消防检查", "details": {"kind": "inspection", "window_start": day,
               "window_end": day, "content": "消防", "mergeable": true, "in_annual_plan": true},
               "duty_item": "安全隐患排查", "lead_hours": 240,
               "targets": [minzhu]})
    };
    let (first, v) = dept.request(&s, week("2026-12-08")).await;
    assert!(rules(&v).is_empty(), "{v}");
    json_ok(office.decide(&s, first, "admit", "").await).await;
    let (_, v) = dept.request(&s, week("2026-12-10")).await;
    assert_eq!(rules(&v), ["inspection_frequency"], "{v}");
    assert!(v["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("民主村"));
    let (_, v) = dept.request(&s, week("2026-12-15")).await;
    assert!(rules(&v).is_empty(), "{v}");

    // The office tunes the figures: a longer minimum lead time makes the
    // same five days too short; nonsense is refused by name.
    let mut settings = json_ok(office.get(&s, "/api/v1/admission-settings").await).await;
    assert_eq!(settings["min_lead_hours"], 72);
    settings["min_lead_hours"] = json!(200);
    json_ok(
        office
            .put(&s, "/api/v1/admission-settings", settings.clone())
            .await,
    )
    .await;
    let (_, v) = dept
        .request(
            &s,
            json!({"title": "慢一点的统计", "details": {"kind": "task", "description": "统计",
                   "minutes_per_unit": 30}, "duty_item": ON_LIST, "lead_hours": 120,
                   "targets": [minzhu]}),
        )
        .await;
    assert_eq!(rules(&v), ["lead_time"]);
    settings["hourly_rate"] = json!(0);
    let r = office.put(&s, "/api/v1/admission-settings", settings).await;
    assert!(error_of(r, 400).await.contains("每小时成本"));
    assert_eq!(
        dept.get(&s, "/api/v1/admission-settings").await.status(),
        403
    );

    // Bad input is refused with the field named and nothing stored.
    let before = json_ok(dept.get(&s, "/api/v1/admissions").await).await["admissions"]
        .as_array()
        .unwrap()
        .len();
    let bad = dept
        .post(
            &s,
            "/api/v1/admissions",
            json!({"title": "会", "details": {"kind": "meeting", "duration_minutes": 30,
                   "keynote_minutes": 45, "attendees_per_unit": 1, "on_site": false}}),
        )
        .await;
    assert!(error_of(bad, 400).await.contains("主讲话时长"));
    let after = json_ok(dept.get(&s, "/api/v1/admissions").await).await["admissions"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after);
}

/// An item off the duty list, or a heavy one, goes to the county level:
/// the office may only escalate it, and the county leader decides.
async fn off_list_items_are_escalated(backend: Backend) {
    let s = TestServer::start(backend).await;
    let dept = Actor::login(&s, "minzheng").await;
    let (id, v) = dept
        .request(
            &s,
            json!({"title": "文明城市创建挂牌", "details": {"kind": "plaque", "name": "文明创建工作站"},
                   "duty_item": "创建文明城市宣传", "lead_hours": 240}),
        )
        .await;
    assert_eq!(rules(&v), ["duty_list"]);
    assert_eq!(v["needs_escalation"], 1);
    assert_eq!(v["demand"]["units"], 219);
    let office = Actor::login(&s, "jianfuban").await;
    let msg = error_of(office.decide(&s, id, "admit", "").await, 403).await;
    assert!(msg.contains("提级审核"), "{msg}");
    let v = json_ok(office.decide(&s, id, "escalate", "不在职责清单").await).await;
    assert_eq!(v["status"], "escalated");
    assert_eq!(office.decide(&s, id, "admit", "").await.status(), 403);
    let leader = Actor::login(&s, "quzhang").await;
    let v = json_ok(
        leader
            .decide(&s, id, "admit", "区委区政府联合审批同意")
            .await,
    )
    .await;
    assert_eq!(v["status"], "admitted");
    assert!(v["number"].as_str().unwrap().contains("-P"));

    // Returning needs a reason, and a returned request can be edited.
    let (id2, _) = dept
        .request(
            &s,
            json!({"title": "证明开具", "details": {"kind": "certificate", "name": "居住证明",
                   "per_unit_per_year": 20}, "duty_item": ON_LIST, "lead_hours": 240}),
        )
        .await;
    let msg = error_of(office.decide(&s, id2, "return", " ").await, 400).await;
    assert!(msg.contains("理由"));
    let v = json_ok(office.decide(&s, id2, "return", "请说明法定依据").await).await;
    assert_eq!(v["status"], "returned");
    json_ok(
        dept.put(
            &s,
            &format!("/api/v1/admissions/{id2}"),
            json!({"title": "居住证明开具（依据户籍管理规定）",
                   "details": {"kind": "certificate", "name": "居住证明", "per_unit_per_year": 20},
                   "duty_item": ON_LIST, "lead_hours": 240}),
        )
        .await,
    )
    .await;
}

/// A request that would pass its department's yearly cap is refused with
/// the numbers; with the county level's recorded override it passes.
async fn caps_refuse_with_numbers_unless_overridden(backend: Backend) {
    let s = TestServer::start(backend).await;
    let office = Actor::login(&s, "jianfuban").await;
    let dept = Actor::login(&s, "minzheng").await;
    let mzj = json_ok(dept.get(&s, "/api/v1/me").await).await["user"]["unit"]["id"]
        .as_i64()
        .unwrap();
    json_ok(
        office
            .put(
                &s,
                "/api/v1/admission-caps",
                json!({"year": 2026, "department_id": mzj, "kind": "meeting", "max_count": 1}),
            )
            .await,
    )
    .await;
    let minzhu = s.unit_id("500107003003").await;
    let meeting = |title: &str| {
        json!({"title": title, "details": {"kind": "meeting", "date": "2026-12-10",
               "duration_minutes": 60, "keynote_minutes": 20, "attendees_per_unit": 1,
               "on_site": false}, "duty_item": ON_LIST, "lead_hours": 240,
               "targets": [minzhu]})
    };
    let (a, _) = dept.request(&s, meeting("低保政策培训会")).await;
    json_ok(office.decide(&s, a, "admit", "").await).await;
    let (b, v) = dept.request(&s, meeting("救助工作推进会")).await;
    assert!(v["cap"]["breach"].as_str().unwrap().contains("上限 1 项"));
    let v = json_ok(office.decide(&s, b, "admit", "").await).await;
    assert_eq!(v["status"], "refused");
    let last = v["decisions"].as_array().unwrap().last().unwrap().clone();
    let reason = last["reason"].as_str().unwrap();
    assert!(
        reason.contains("熔断") && reason.contains("已准入 1 项，上限 1 项"),
        "{reason}"
    );
    assert!(v["number"].is_null());

    // The office cannot override; the county leader can.
    let (c, _) = dept.request(&s, meeting("年终救助工作会")).await;
    let r = office
        .post(
            &s,
            &format!("/api/v1/admissions/{c}/override"),
            json!({"reason": "x"}),
        )
        .await;
    assert_eq!(r.status(), 403);
    let leader = Actor::login(&s, "quzhang").await;
    json_ok(
        leader
            .post(
                &s,
                &format!("/api/v1/admissions/{c}/override"),
                json!({"reason": "年终总结，区政府常务会议同意"}),
            )
            .await,
    )
    .await;
    let v = json_ok(office.decide(&s, c, "admit", "").await).await;
    assert_eq!(v["status"], "admitted", "{v}");
    let note = v["decisions"].as_array().unwrap().last().unwrap()["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        note.contains("张副区长") && note.contains("区政府常务会议"),
        "{note}"
    );

    // The dashboard shows the cap used (two of one: the override).
    let d = json_ok(office.get(&s, "/api/v1/admission-caps?year=2026").await).await;
    let line = d["caps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["department_id"] == mzj && l["kind"] == "meeting")
        .unwrap()
        .clone();
    assert_eq!(line["used"]["count"], 2);
    assert_eq!(line["cap"]["max_count"], 1);
    assert_eq!(line["share"], 2.0);
    // Caps are set by the office only, for departments only.
    assert_eq!(
        dept.put(
            &s,
            "/api/v1/admission-caps",
            json!({"year": 2026, "department_id": mzj, "kind": "meeting", "max_count": 9}),
        )
        .await
        .status(),
        403
    );
    let minzhu = s.unit_id("500107003003").await;
    let r = office
        .put(
            &s,
            "/api/v1/admission-caps",
            json!({"year": 2026, "department_id": minzhu, "kind": "meeting", "max_count": 9}),
        )
        .await;
    assert!(error_of(r, 400).await.contains("不是部门"));

    // Last year's total is the ceiling of this year's cap.
    let db = &s.app.db;
    let creator = db.user_by_name("minzheng").await.unwrap().unwrap().id;
    let last = db
        .insert_admission(
            &jianfu_store::AdmissionDraft {
                department_id: mzj,
                kind: "document".into(),
                title: "2025年文件".into(),
                demand: "{}".into(),
                targets: "[]".into(),
                report_id: None,
                year: 2025,
                requested_until: None,
            },
            creator,
        )
        .await
        .unwrap();
    let mut tx = db.begin().await.unwrap();
    jianfu_store::Db::set_assessment_tx(
        &mut tx,
        last,
        "admitted",
        &jianfu_store::Assessment {
            estimate: "{}".into(),
            hours: 40.0,
            findings: "[]".into(),
            needs_escalation: false,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let r = office
        .put(
            &s,
            "/api/v1/admission-caps",
            json!({"year": 2026, "department_id": mzj, "kind": "document", "max_count": 2}),
        )
        .await;
    let msg = error_of(r, 400).await;
    assert!(
        msg.contains("只减不增") && msg.contains("上年总量 1 项"),
        "{msg}"
    );
    json_ok(
        office
            .put(
                &s,
                "/api/v1/admission-caps",
                json!({"year": 2026, "department_id": mzj, "kind": "document",
                       "max_count": 1, "max_hours": 30.0}),
            )
            .await,
    )
    .await;
    // Caps with and without an hours limit, again and again: every pooled
    // connection sees both statements (a NULL hour once broke the next).
    for i in 0..24 {
        let hours = if i % 2 == 0 {
            json!(null)
        } else {
            json!(1000.0 + i as f64)
        };
        json_ok(
            office
                .put(
                    &s,
                    "/api/v1/admission-caps",
                    json!({"year": 2026, "department_id": mzj, "kind": "plaque",
                           "max_count": 5, "max_hours": hours}),
                )
                .await,
        )
        .await;
    }
    // Beyond the caps per kind, the department's total over all kinds may
    // not rise above last year's (one item): a plaque, uncapped as a kind,
    // is refused with the numbers.
    let (p, v) = dept
        .request(
            &s,
            json!({"title": "救助站挂牌", "details": {"kind": "plaque", "name": "社会救助服务站"},
                   "duty_item": ON_LIST, "lead_hours": 240, "targets": [minzhu]}),
        )
        .await;
    assert!(
        v["cap"]["breach"]
            .as_str()
            .unwrap()
            .contains("部门年度总量"),
        "{v}"
    );
    let v = json_ok(office.decide(&s, p, "admit", "").await).await;
    assert_eq!(v["status"], "refused");
    let reason = v["decisions"].as_array().unwrap().last().unwrap()["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(reason.contains("上年共 1 项"), "{reason}");

    // Without a cap set, last year's total is the cap.
    let d = json_ok(office.get(&s, "/api/v1/admission-caps?year=2027").await).await;
    let implicit = d["caps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["department_id"] == mzj && l["kind"] == "meeting")
        .unwrap()
        .clone();
    assert_eq!(implicit["basis"], "last_year");
    assert_eq!(implicit["cap"]["max_count"], 2);
}

/// The duty list is the office's to edit; a worker is pointed to 直报
/// for a demand that came without a number.
async fn the_duty_list_is_the_offices(backend: Backend) {
    let s = TestServer::start(backend).await;
    let worker = Actor::login(&s, "minzhu").await;
    let dept = Actor::login(&s, "minzheng").await;
    assert_eq!(worker.get(&s, "/api/v1/admissions").await.status(), 403);
    let office = Actor::login(&s, "jianfuban").await;
    // The duty list is the office's to edit.
    assert_eq!(
        dept.post(&s, "/api/v1/duty-items", json!({"name": "x"}))
            .await
            .status(),
        403
    );
    json_ok(
        office
            .post(&s, "/api/v1/duty-items", json!({"name": "防汛值守协助"}))
            .await,
    )
    .await;
    let dup = office
        .post(&s, "/api/v1/duty-items", json!({"name": "防汛值守协助"}))
        .await;
    assert!(error_of(dup, 400).await.contains("已有"));
}

/// The pages: a department requests through the form (with a target
/// community), the office tunes the settings; others are turned away.
async fn the_pages_work_for_each_role(backend: Backend) {
    let s = TestServer::start(backend).await;
    let dept = Actor::login(&s, "minzheng").await;
    let r = dept
        .c
        .post(s.url("/admissions"))
        .form(&[
            ("_csrf", dept.csrf.as_str()),
            ("kind", "task"),
            ("title", "入户核查"),
            ("description", "核查低保家庭收入"),
            ("minutes_per_unit", "90"),
            ("targets", "500107003003"),
            ("lead_hours", "120"),
            ("duty_item", ON_LIST),
            ("submit", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let id: i64 = to.rsplit('/').next().unwrap().parse().unwrap();
    let v = json_ok(dept.get(&s, &format!("/api/v1/admissions/{id}")).await).await;
    assert_eq!(v["status"], "submitted");
    assert_eq!(v["demand"]["units"], 1);
    let html = dept.get(&s, &to).await.text().await.unwrap();
    assert!(html.contains("入户核查") && html.contains("每年"), "{html}");
    let bad = dept
        .c
        .post(s.url("/admissions"))
        .form(&[
            ("_csrf", dept.csrf.as_str()),
            ("kind", "task"),
            ("title", "x"),
            ("minutes_per_unit", "九十"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("每个村社区所需分钟数"));
    assert_eq!(dept.get(&s, "/admissions/settings").await.status(), 403);
    let office = Actor::login(&s, "jianfuban").await;
    let page = office.get(&s, "/admissions/settings").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("提级审核阈值"));
    let caps = office.get(&s, "/admissions/caps").await;
    assert_eq!(caps.status(), 200);
    let worker = Actor::login(&s, "minzhu").await;
    let list = worker.get(&s, "/admissions").await.text().await.unwrap();
    assert!(list.contains("flag-form") && !list.contains("admission-form"));
}

on_both_backends!(
    the_pages_work_for_each_role,
    a_report_is_admitted_before_it_is_published,
    every_rule_fires_on_its_case,
    off_list_items_are_escalated,
    caps_refuse_with_numbers_unless_overridden,
    the_duty_list_is_the_offices,
);
