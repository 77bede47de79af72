//! 评价 (逆向考核 and the perception survey) through the HTTP API on both
//! databases:
//! - a round rates only the departments whose demands reached the rater's
//!   unit, and says which demands;
//! - nothing is shown before the round closes or for fewer than k answers,
//!   through every results endpoint and the export; each refusal is 403
//!   and audited;
//! - the weighted, trimmed score of a constructed round equals the hand
//!   computation;
//! - no table links an answer to its rater: every path from the users to
//!   the answers is tried;
//! - a second answer, an answer to a closed round and a score out of range
//!   are refused in Chinese.

mod common;

use common::api::{close_open_rounds, error_of, json_ok, Actor};
use common::{Backend, Options, TestServer, PASSWORD};
use jianfu_app::accounts::AccountRequest;
use jianfu_core::role::Role;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A new grassroots account in `unit`, signed in, with its user name.
async fn rater(s: &TestServer, name: &str, role: Role, unit: i64) -> (Actor, String) {
    s.app
        .create_account(
            None,
            &AccountRequest {
                username: name.into(),
                display_name: format!("评价人{name}"),
                password: PASSWORD.into(),
                role,
                unit_id: unit,
            },
        )
        .await
        .expect("account");
    (Actor::login(s, name).await, name.to_string())
}

fn round_body() -> Value {
    let today = jianfu_app::today();
    json!({
        "template": "reverse_7x",
        "title": "2026 年度基层对区级部门逆向考核",
        "roles": ["community", "township"],
        "period_from": "2026-01-01",
        "period_to": "2026-11-30",
        "opens_on": today.to_string(),
        "closes_on": (today + chrono::Days::new(14)).to_string(),
        "weights": {"村社区": 0.6, "街镇": 0.4}
    })
}

/// Every question of the subject answered with `value`, and a comment.
fn answers_for(subject: &Value, value: i64, comment: Option<&str>) -> Value {
    let mut a = BTreeMap::new();
    for q in subject["questions"].as_array().expect("questions") {
        let code = q["code"].as_str().expect("code").to_string();
        if q["type"] == "scale" {
            a.insert(code, json!(value));
        } else if code == "comment" {
            if let Some(c) = comment {
                a.insert(code, json!(c));
            }
        }
    }
    json!({ "subject": subject["subject"], "answers": a })
}

async fn a_reverse_assessment_scores_as_computed_by_hand(b: Backend) {
    let s = TestServer::start_with(
        b,
        Options {
            activity: true,
            ..Options::default()
        },
    )
    .await;
    let office = Actor::login(&s, "jianfuban").await;
    let community = s.unit_id("500107003003").await;
    let township = s.unit_id("500107003").await;
    // The demo's round of this year is open: a second one over it, for
    // the same people, is refused and names it.
    let m = error_of(
        office
            .send(&s, "POST", "/api/v1/survey-rounds", round_body())
            .await,
        400,
    )
    .await;
    assert!(
        m.contains("年度基层对区级部门逆向考核") && m.contains("重叠"),
        "{m}"
    );
    close_open_rounds(&s, &office, "reverse_7x").await;
    let round = json_ok(
        office
            .send(&s, "POST", "/api/v1/survey-rounds", round_body())
            .await,
    )
    .await;
    let id = round["id"].as_i64().expect("id");
    assert_eq!(round["state"], "open");
    // Sent twice (a double click): the same round, not a refusal.
    let again = json_ok(
        office
            .send(&s, "POST", "/api/v1/survey-rounds", round_body())
            .await,
    )
    .await;
    assert_eq!(again["id"], round["id"]);
    // A date out of any sensible range is refused, whatever it compares as.
    let mut far = round_body();
    far["title"] = json!("远期");
    far["closes_on"] = json!("+10000-01-01");
    let m = error_of(
        office.send(&s, "POST", "/api/v1/survey-rounds", far).await,
        400,
    )
    .await;
    assert!(m.contains("2099"), "{m}");
    let form_path = format!("/api/v1/survey-rounds/{id}/form");
    let answer_path = format!("/api/v1/survey-rounds/{id}/answers");

    // The community is asked about the departments that sent it demands,
    // each with what it sent.
    let minzhu = Actor::login(&s, "minzhu").await;
    let form = json_ok(minzhu.get(&s, &form_path).await).await;
    let subjects = form["subjects"].as_array().expect("subjects").clone();
    // Direct reports are on the ledger too, but a form listing them would
    // tell a colleague that someone here reported.
    assert!(!form.to_string().contains("直报"), "{form}");
    assert!(subjects.len() >= 2, "{form}");
    for subj in &subjects {
        assert!(
            !subj["demands"].as_array().expect("demands").is_empty(),
            "{subj}"
        );
    }
    // The reminder is the rater's own home page: the round, its close
    // and how many departments are left.
    let home = minzhu.get(&s, "/").await.text().await.expect("home");
    assert!(home.contains("评价待作答"), "{home}");
    assert!(
        home.contains(&format!("还有 {} 个部门未评", subjects.len())),
        "{home}"
    );
    let rated = subjects[0].clone();
    let few = subjects[1].clone();
    let dept = rated["subject"].as_i64().expect("department");

    // Nothing before the close, through every results path.
    let results = format!("/api/v1/survey-rounds/{id}/results");
    let card = format!("/api/v1/survey-rounds/{id}/results/{dept}");
    let export = format!("/api/v1/survey-rounds/{id}/export.xlsx");
    let denied_before = s.audit("access.denied", "jianfuban").await.len();
    for path in [&results, &card, &export] {
        let m = error_of(office.get(&s, path).await, 403).await;
        assert!(m.contains("截止前"), "{path}: {m}");
    }
    assert_eq!(
        s.audit("access.denied", "jianfuban").await.len(),
        denied_before + 3
    );

    // Six community raters (5,4,4,4,3,1) and five township raters
    // (5,5,4,4,4), every item alike.
    let mut raters = Vec::new();
    for (i, v) in [5, 4, 4, 4, 3, 1].into_iter().enumerate() {
        let (a, name) = rater(&s, &format!("sq-c{i}"), Role::Community, community).await;
        let comment = (i < 2).then_some("群里要表太多，一天三次");
        json_ok(
            a.send(&s, "POST", &answer_path, answers_for(&rated, v, comment))
                .await,
        )
        .await;
        raters.push((a, name));
    }
    for (i, v) in [5, 5, 4, 4, 4].into_iter().enumerate() {
        let (a, name) = rater(&s, &format!("sq-t{i}"), Role::Township, township).await;
        let tform = json_ok(a.get(&s, &form_path).await).await;
        let same = tform["subjects"]
            .as_array()
            .expect("subjects")
            .iter()
            .find(|x| x["subject"] == dept)
            .cloned()
            .expect("the township rates what reached its communities");
        json_ok(
            a.send(&s, "POST", &answer_path, answers_for(&same, v, None))
                .await,
        )
        .await;
        raters.push((a, name));
    }
    // Two answers only about another department: below k.
    for (a, _) in raters.iter().take(2) {
        json_ok(
            a.send(&s, "POST", &answer_path, answers_for(&few, 2, None))
                .await,
        )
        .await;
    }

    // The office sees how many have answered, never who.
    let page = office
        .get(&s, &format!("/pingjia/{id}"))
        .await
        .text()
        .await
        .expect("round page");
    assert!(page.contains("已有 11 人交了至少一份"), "{page}");
    assert!(
        !page.contains("sq-c0") && !page.contains("评价人sq"),
        "{page}"
    );

    // Bad input: a second answer, a score out of range, a department the
    // unit was not asked about.
    let (first, _) = &raters[0];
    let m = error_of(
        first
            .send(&s, "POST", &answer_path, answers_for(&rated, 3, None))
            .await,
        400,
    )
    .await;
    assert!(m.contains("已经评价过"), "{m}");
    let (fresh, _) = rater(&s, "sq-late", Role::Community, community).await;
    let m = error_of(
        fresh
            .send(&s, "POST", &answer_path, answers_for(&rated, 9, None))
            .await,
        400,
    )
    .await;
    assert!(m.contains("1 到 5"), "{m}");
    let m = error_of(
        fresh
            .send(
                &s,
                "POST",
                &answer_path,
                json!({"subject": 999_999, "answers": {}}),
            )
            .await,
        400,
    )
    .await;
    assert!(m.contains("没有请您评价"), "{m}");

    // Closed: no more answers, and the results open.
    json_ok(
        office
            .send(
                &s,
                "POST",
                &format!("/api/v1/survey-rounds/{id}/close"),
                json!({}),
            )
            .await,
    )
    .await;
    let m = error_of(
        fresh
            .send(&s, "POST", &answer_path, answers_for(&rated, 3, None))
            .await,
        400,
    )
    .await;
    assert!(m.contains("已经截止"), "{m}");

    // communities: 5,4,4,4,3,1 → 4,4,4,3 → 3.75 → 68.75;
    // townships: 5,5,4,4,4 → 5,4,4 → 4.333 → 83.33;
    // 68.75 × 0.6 + 83.333 × 0.4 = 74.58 → 74.6 on every indicator.
    let r = json_ok(office.get(&s, &results).await).await;
    let c = r["cards"]
        .as_array()
        .expect("cards")
        .iter()
        .find(|c| c["department_id"] == dept)
        .cloned()
        .expect("the rated department has a card");
    assert_eq!(c["answers"], 11);
    assert_eq!(c["card"]["overall"], 74.6, "{c}");
    assert_eq!(c["card"]["indicators"]["工作指导"], 74.6);
    assert!(c["card"]["working"]
        .as_str()
        .unwrap_or_default()
        .contains("去掉一个最高分和一个最低分"));
    let comments = c["comments"].to_string();
    assert!(comments.contains("群里要表太多"), "{comments}");
    assert!(!comments.contains("sq-c") && !comments.contains("评价人"));
    let few_name = few["department"].as_str().expect("name");
    assert!(r["withheld"].to_string().contains(few_name), "{r}");
    assert!(!r["cards"].to_string().contains(few_name));
    let few_card = format!(
        "/api/v1/survey-rounds/{id}/results/{}",
        few["subject"].as_i64().expect("id")
    );
    let m = error_of(office.get(&s, &few_card).await, 403).await;
    assert!(m.contains("不足"), "{m}");

    // The export holds the same card, and not the one below k.
    let bytes = office
        .get(&s, &export)
        .await
        .bytes()
        .await
        .expect("xlsx")
        .to_vec();
    let text = xlsx_text(&bytes);
    assert!(text.contains("74.6") && text.contains("工作指导"), "{text}");
    assert!(!text.contains(&format!("|{few_name}|")), "{text}");

    // A department reads its own card only.
    let own = department_account(&s, dept).await;
    if let Some(own) = own {
        let v = json_ok(own.get(&s, &results).await).await;
        assert_eq!(v["cards"].as_array().map(Vec::len), Some(1));
        assert!(v["withheld"].as_array().is_none_or(Vec::is_empty));
        let other = few["subject"].as_i64().expect("id");
        error_of(
            own.get(&s, &format!("/api/v1/survey-rounds/{id}/results/{other}"))
                .await,
            403,
        )
        .await;
    }
    // A community reads no results.
    error_of(minzhu.get(&s, &results).await, 403).await;

    anonymity_holds(&s, &raters).await;
}

/// A signed-in account of the department, when the demo has one.
async fn department_account(s: &TestServer, dept: i64) -> Option<Actor> {
    for name in ["minzheng", "renshe", "weijian"] {
        let u = s.app.db.user_by_name(name).await.ok().flatten()?;
        if u.unit_id == dept {
            return Some(Actor::login(s, name).await);
        }
    }
    None
}

fn xlsx_text(bytes: &[u8]) -> String {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).expect("sheet");
    range
        .rows()
        .map(|r| {
            format!(
                "|{}|",
                r.iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join("|")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path from a rater to an answer: no row of any table but the
/// answers holds an answer's id; the participation and answer tables share
/// only the round and the subject, which every rater of the subject shares;
/// the answers hold no user, name or time; the audit log holds nothing
/// of the raters' answering.
async fn anonymity_holds(s: &TestServer, raters: &[(Actor, String)]) {
    let db = &s.app.db;
    let answers = db.table_rows_as_text("survey_answers").await.expect("rows");
    let cols: Vec<&str> = answers[0].iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        cols,
        vec![
            "id",
            "round_id",
            "subject",
            "rater_group",
            "township_id",
            "answers"
        ]
    );
    let participation = db
        .table_rows_as_text("survey_participation")
        .await
        .expect("rows");
    let pcols: Vec<&str> = participation[0].iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(pcols, vec!["round_id", "user_id", "subject"]);
    let ids: Vec<String> = answers.iter().map(|r| r[0].1.clone()).collect();
    let mut user_names = Vec::new();
    for (_, name) in raters {
        let u = db.user_by_name(name).await.expect("user").expect("exists");
        user_names.push((u.username, u.display_name));
    }
    for t in db.table_names().await.expect("tables") {
        if t == "survey_answers" || t == "_sqlx_migrations" {
            continue;
        }
        for row in db.table_rows_as_text(&t).await.expect("rows") {
            let line: String = row
                .iter()
                .map(|(c, v)| format!("{c}={v}"))
                .collect::<Vec<_>>()
                .join("|");
            for id in &ids {
                assert!(
                    !line.contains(id.as_str()),
                    "{t} holds an answer id: {line}"
                );
            }
            if t == "audit_log" {
                for (name, display) in &user_names {
                    if line.contains(name.as_str()) || line.contains(display.as_str()) {
                        assert!(
                            !line.contains("survey"),
                            "the audit log links a rater to the survey: {line}"
                        );
                    }
                }
            }
        }
    }
    for row in &answers {
        let line: String = row
            .iter()
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
            .join("|");
        for (name, display) in &user_names {
            assert!(!line.contains(name.as_str()) && !line.contains(display.as_str()));
        }
    }
    // A reverse assessment's answer keeps its rater group, never a place:
    // a township's own staff may be a single account.
    for row in &answers {
        if row[2].1 != "0" {
            assert!(
                row[4].1.is_empty() || row[4].1 == "NULL",
                "a rating keeps a township: {row:?}"
            );
        }
    }
}

async fn the_perception_survey_shows_townships_of_k_or_more(b: Backend) {
    let s = TestServer::start(b).await;
    let office = Actor::login(&s, "jianfuban").await;
    // The office edits a template on its page; a broken edit is named.
    let post = |questions: &str| {
        let c = office.c.clone();
        let url = s.url("/pingjia/templates/perception");
        let form = vec![
            ("_csrf".to_string(), office.csrf.clone()),
            ("name".to_string(), "基层负担感知度调研".to_string()),
            ("questions".to_string(), questions.to_string()),
        ];
        async move { c.post(url).form(&form).send().await.expect("post") }
    };
    let r = post("[{").await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap_or_default().contains("题目格式有误"));
    let twice = r#"[{"code":"a","text":"一","type":"scale","min":1,"max":5},
                    {"code":"a","text":"二","type":"scale","min":1,"max":5}]"#;
    let r = post(twice).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap_or_default().contains("重复"));
    let community = s.unit_id("500107003003").await;
    let today = jianfu_app::today();
    close_open_rounds(&s, &office, "perception").await;
    let round = json_ok(
        office
            .send(
                &s,
                "POST",
                "/api/v1/survey-rounds",
                json!({
                    "template": "perception",
                    "title": "2026 年第四季度基层负担感知度调研",
                    "roles": ["community", "grid"],
                    "period_from": "2026-10-01",
                    "period_to": "2026-12-31",
                    "opens_on": today.to_string(),
                    "closes_on": (today + chrono::Days::new(7)).to_string()
                }),
            )
            .await,
    )
    .await;
    let id = round["id"].as_i64().expect("id");
    let answer_path = format!("/api/v1/survey-rounds/{id}/answers");
    for i in 0..5 {
        let (a, _) = rater(&s, &format!("pq{i}"), Role::Community, community).await;
        let form = json_ok(a.get(&s, &format!("/api/v1/survey-rounds/{id}/form")).await).await;
        assert_eq!(form["subjects"].as_array().map(Vec::len), Some(1));
        json_ok(
            a.send(
                &s,
                "POST",
                &answer_path,
                json!({"answers": {"learn": 4, "comply": 3, "stress": 5, "red_tape": 8,
                       "hours_reports": 10 + i}}),
            )
            .await,
        )
        .await;
        let m = error_of(
            a.send(
                &s,
                "POST",
                &answer_path,
                json!({"answers": {"learn": 1, "comply": 1, "stress": 1, "red_tape": 1}}),
            )
            .await,
            400,
        )
        .await;
        assert!(m.contains("只答一次"), "{m}");
    }
    json_ok(
        office
            .send(
                &s,
                "POST",
                &format!("/api/v1/survey-rounds/{id}/close"),
                json!({}),
            )
            .await,
    )
    .await;
    let r = json_ok(
        office
            .get(&s, &format!("/api/v1/survey-rounds/{id}/results"))
            .await,
    )
    .await;
    let groups = r["perception"].as_array().expect("groups");
    let district = &groups[0];
    assert_eq!(district["name"], "全区");
    assert_eq!(district["burden_index"], 4.0);
    assert_eq!(district["means"]["hours_reports"], 12.0);
    assert!(groups.iter().any(|g| g["name"] == "谢家湾街道"), "{r}");
    // The monitoring dashboard shows it beside the measured ledger: the
    // office every township, a township its own, a community nothing.
    let page = office
        .get(&s, "/monitoring")
        .await
        .text()
        .await
        .expect("page");
    assert!(
        page.contains("id=\"perceived-table\"") && page.contains("谢家湾街道"),
        "{page}"
    );
    let town = Actor::login(&s, "xiejiawan").await;
    let page = town
        .get(&s, "/monitoring")
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("id=\"perceived-table\""), "{page}");
    let worker = Actor::login(&s, "minzhu").await;
    let page = worker
        .get(&s, "/monitoring")
        .await
        .text()
        .await
        .expect("page");
    assert!(!page.contains("id=\"perceived\""), "{page}");
}

on_both_backends!(
    a_reverse_assessment_scores_as_computed_by_hand,
    the_perception_survey_shows_townships_of_k_or_more,
);
