//! 直报 through the HTTP API on both databases:
//! - after an anonymous report is filed, nothing in any table, the audit
//!   log or the server log links it to the reporter (user id, name,
//!   session, address, browser);
//! - the department concerned reads only reports assigned to it, never the
//!   reporter's community, and its own place and words only when the
//!   office disclosed them; another department is refused and audited;
//! - the receipt code opens the report, a wrong and an unknown code get the
//!   same answer, and guessing is slowed down;
//! - evidence is cleaned (GPS out of a JPEG, the author out of a .docx),
//!   a file that is not what it says, an archive or an oversized file is
//!   refused naming the file, and nothing is stored;
//! - the whole loop: triage, assignment (deadline in working days),
//!   answer, closing, rating, reopening once; the ledger counts it;
//! - the flags of the previous release are migrated as named reports.

mod common;

use base64::Engine;
use common::api::{error_of, json_ok, Actor};
use common::{Backend, TestServer};
use jianfu_app::direct_report::fixtures;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};

/// Everything the server logs, for searching it.
fn server_log() -> Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let sink = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || LogWriter(sink.clone()))
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
        buf
    })
    .clone()
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(b);
        }
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn log_len() -> usize {
    server_log().lock().map(|v| v.len()).unwrap_or(0)
}

/// The server's log lines since `from`: the test's own HTTP client logs
/// into the same process (its destination is 127.0.0.1 too), so its
/// lines are left out.
fn log_since(from: usize) -> String {
    let log = server_log();
    let v = log.lock().expect("log");
    String::from_utf8_lossy(&v[from.min(v.len())..])
        .lines()
        .filter(|l| {
            !["hyper_util::client", "reqwest::", "cookie_store"]
                .iter()
                .any(|c| l.contains(c))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every row of every table, as text.
async fn whole_database(s: &TestServer) -> HashSet<String> {
    let mut out = HashSet::new();
    for t in s.app.db.table_names().await.expect("tables") {
        // sqlx's own record of the migrations applied holds no data of ours.
        if t == "_sqlx_migrations" {
            continue;
        }
        for row in s.app.db.table_rows_as_text(&t).await.expect("rows") {
            let cells: Vec<String> = row.iter().map(|(c, v)| format!("{c}={v}")).collect();
            out.insert(format!("{t}: {}", cells.join(" | ")));
        }
    }
    out
}

fn report_body(extra: Value) -> Value {
    let mut v = json!({
        "category": "wechat_group",
        "department": "卫生健康委员会",
        "happened_on": jianfu_app::today().to_string(),
        "demand": "工作群里要求当天下午报送辖区老人体检名单",
        "minutes": 90
    });
    if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        for (k, x) in e {
            o.insert(k.clone(), x.clone());
        }
    }
    v
}

fn digits(code: &str) -> String {
    code.chars().filter(char::is_ascii_digit).collect()
}

async fn follow(s: &TestServer, code: &str) -> reqwest::Response {
    s.client()
        .post(s.url("/api/v1/direct-reports/follow"))
        .json(&json!({"code": code}))
        .send()
        .await
        .expect("follow")
}

async fn a_filed_report_holds_nothing_of_its_reporter(b: Backend) {
    // The log is captured before the server starts.
    drop(server_log());
    let s = TestServer::start(b).await;
    let user = s
        .app
        .db
        .user_by_name("minzhu")
        .await
        .expect("user")
        .expect("minzhu");
    // Signed in by hand, to know the session cookie it carries.
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("ReporterBrowser/7.3 (jianfu anonymity test)")
        .build()
        .expect("client");
    let r = c
        .post(s.url("/api/v1/login"))
        .json(&json!({"username": "minzhu", "password": common::PASSWORD}))
        .send()
        .await
        .expect("login");
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("jianfu_session="))
        .and_then(|v| v.split(';').next())
        .expect("session cookie")
        .to_string();
    let token = cookie.trim_start_matches("jianfu_session=").to_string();
    let csrf = r.json::<Value>().await.expect("json")["csrf_token"]
        .as_str()
        .expect("csrf")
        .to_string();

    let before = whole_database(&s).await;
    let log_from = log_len();
    let receipt = json_ok(
        c.post(s.url("/api/v1/direct-reports"))
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .json(&report_body(json!({})))
            .send()
            .await
            .expect("file"),
    )
    .await;
    let code = digits(receipt["code"].as_str().expect("code"));
    assert_eq!(code.len(), 16, "{receipt}");
    let after = whole_database(&s).await;
    let log = log_since(log_from);
    assert!(
        log.contains("direct_reports"),
        "the server's log is captured: {log}"
    );

    let new_rows: Vec<&String> = after.difference(&before).collect();
    assert!(
        new_rows.iter().any(|r| r.starts_with("direct_reports:")),
        "the report is stored: {new_rows:?}"
    );
    let token_hash = jianfu_app::auth::token_hash(&token);
    let id = user.id.to_string();
    for row in &new_rows {
        for needle in [
            user.username.as_str(),
            user.display_name.as_str(),
            token.as_str(),
            token_hash.as_str(),
            "127.0.0.1",
            "ReporterBrowser",
            code.as_str(),
        ] {
            assert!(!row.contains(needle), "{needle:?} found in {row}");
        }
        // The user id as the value of any column that could name a person.
        for cell in row.split(" | ") {
            let (col, val) = cell.rsplit_once('=').unwrap_or(("", ""));
            let personal = ["user", "_by", "actor", "reporter", "session"]
                .iter()
                .any(|w| col.contains(w));
            assert!(
                !(personal && val == id),
                "the reporter's id in {col}: {row}"
            );
        }
        assert!(!row.starts_with("audit_log:"), "no audit entry: {row}");
        assert!(!row.starts_with("sessions:"), "no session change: {row}");
    }
    // The day only, and no community unless the reporter named it.
    let stored = new_rows
        .iter()
        .find(|r| r.starts_with("direct_reports:"))
        .expect("row");
    assert!(stored.contains("named_user_id= |"), "{stored}");
    assert!(stored.contains("community_id= |"), "{stored}");
    assert!(
        stored.contains(&format!("filed_on={} |", jianfu_app::today())),
        "{stored}"
    );
    for needle in [
        user.username.as_str(),
        user.display_name.as_str(),
        token.as_str(),
        "127.0.0.1",
        "ReporterBrowser",
        code.as_str(),
    ] {
        assert!(!log.contains(needle), "{needle:?} in the server log: {log}");
    }
    // The office's steps are audited; none of them names the reporter.
    let office = Actor::login(&s, "jianfuban").await;
    let list = json_ok(office.get(&s, "/api/v1/direct-reports").await).await;
    let rid = list["reports"][0]["id"].as_i64().expect("id");
    assert_eq!(list["reports"][0]["anonymous"], true);
    assert_eq!(list["reports"][0]["named_reporter"], Value::Null);
    json_ok(
        office
            .send(
                &s,
                "POST",
                &format!("/api/v1/direct-reports/{rid}/steps"),
                json!({"action": "accept"}),
            )
            .await,
    )
    .await;
    let steps = s.audit("direct.accept", "jianfuban").await;
    assert_eq!(steps.len(), 1, "the office's step is audited");
    let all = whole_database(&s).await;
    let about: Vec<&String> = all
        .iter()
        .filter(|r| r.starts_with("audit_log:") && r.contains(&format!("direct:{rid}")))
        .collect();
    assert!(!about.is_empty());
    for row in about {
        assert!(!row.contains(&user.username), "{row}");
        assert!(!row.contains(&format!("user_id={id} |")), "{row}");
    }
}

async fn the_department_sees_only_what_the_office_gives_it(b: Backend) {
    let s = TestServer::start(b).await;
    let worker = Actor::login(&s, "minzhu").await;
    let office = Actor::login(&s, "jianfuban").await;
    let wjw = Actor::login(&s, "weijian").await;
    let mzj = Actor::login(&s, "minzheng").await;
    json_ok(
        worker
            .send(
                &s,
                "POST",
                "/api/v1/direct-reports",
                report_body(json!({"name_community": true})),
            )
            .await,
    )
    .await;
    let list = json_ok(office.get(&s, "/api/v1/direct-reports").await).await;
    let r = &list["reports"][0];
    let id = r["id"].as_i64().expect("id");
    assert_eq!(r["community"], "民主村社区", "{r}");
    let dept_id = r["department_id"].as_i64().expect("matched to 卫健委");
    // Before assignment no department reads it.
    assert_eq!(
        json_ok(wjw.get(&s, "/api/v1/direct-reports").await).await["reports"],
        json!([])
    );
    let steps = format!("/api/v1/direct-reports/{id}/steps");
    json_ok(
        office
            .send(&s, "POST", &steps, json!({"action": "accept"}))
            .await,
    )
    .await;
    let v = json_ok(
        office
            .send(
                &s,
                "POST",
                &steps,
                json!({"action": "assign", "department_id": dept_id,
                "note": "请核实是否在工作群布置未经准入的报表"}),
            )
            .await,
    )
    .await;
    assert_eq!(v["status"], "assigned");
    // The deadline: the settings' working days on the holiday calendar.
    let expected = jianfu_core::calendar::WorkCalendar::official()
        .add_working_days(jianfu_app::today(), 10)
        .to_string();
    assert_eq!(v["due_on"], expected);

    let seen = json_ok(wjw.get(&s, &format!("/api/v1/direct-reports/{id}")).await).await;
    for field in ["community", "township", "demand", "named_reporter"] {
        assert_eq!(seen[field], Value::Null, "{field}: {seen}");
    }
    assert_eq!(seen["assign_note"], "请核实是否在工作群布置未经准入的报表");
    let text = seen.to_string();
    assert!(
        !text.contains("民主村") && !text.contains("谢家湾"),
        "{text}"
    );
    assert_eq!(
        json_ok(wjw.get(&s, "/api/v1/direct-reports").await).await["reports"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    // Another department: refused, and the refusal is audited.
    let r = mzj.get(&s, &format!("/api/v1/direct-reports/{id}")).await;
    assert_eq!(r.status(), 403);
    let denied = s.audit("access.denied", "minzheng").await;
    assert!(
        denied
            .iter()
            .any(|e| e.target.as_deref() == Some(&format!("direct:{id}"))),
        "{denied:?}"
    );
    assert_eq!(
        mzj.send(
            &s,
            "POST",
            &steps,
            json!({"action": "answer", "finding": "x", "change": "withdrew"})
        )
        .await
        .status(),
        403
    );

    // The custodian step: the township and the words, never the community.
    json_ok(
        office
            .send(
                &s,
                "POST",
                &steps,
                json!({"action": "disclose", "township": true, "share_words": true,
                "reason": "部门需要知道街道才能核查"}),
            )
            .await,
    )
    .await;
    let seen = json_ok(wjw.get(&s, &format!("/api/v1/direct-reports/{id}")).await).await;
    assert_eq!(seen["township"], "谢家湾街道", "{seen}");
    assert!(seen["demand"]
        .as_str()
        .is_some_and(|d| d.contains("老人体检")));
    assert_eq!(seen["community"], Value::Null);
    assert!(s.audit("direct.disclose", "jianfuban").await.len() == 1);
}

async fn the_receipt_code_follows_and_a_wrong_one_tells_nothing(b: Backend) {
    let s = TestServer::start(b).await;
    let worker = Actor::login(&s, "minzhu-wg1").await;
    let receipt = json_ok(
        worker
            .send(&s, "POST", "/api/v1/direct-reports", report_body(json!({})))
            .await,
    )
    .await;
    let code = digits(receipt["code"].as_str().expect("code"));
    let v = json_ok(follow(&s, &format!("{} {}", &code[..8], &code[8..])).await).await;
    assert_eq!(v["status"], "received");
    assert_eq!(v["demand"], "工作群里要求当天下午报送辖区老人体检名单");
    // A wrong code (one digit changed) and an unknown one: the same answer.
    let mut wrong: Vec<char> = code.chars().collect();
    wrong[15] = if wrong[15] == '0' { '1' } else { '0' };
    let wrong: String = wrong.into_iter().collect();
    let r1 = follow(&s, &wrong).await;
    let (st1, b1) = (r1.status(), r1.text().await.expect("body"));
    let r2 = follow(&s, "0000000000000000").await;
    let (st2, b2) = (r2.status(), r2.text().await.expect("body"));
    assert_eq!((st1.as_u16(), &b1), (st2.as_u16(), &b2));
    assert_eq!(st1.as_u16(), 404);
    assert!(b1.contains("回执码"), "{b1}");
    let m = error_of(follow(&s, "12ab").await, 400).await;
    assert!(m.contains("16 位数字"), "{m}");
    // Adding information with the code; the office reads it.
    let v = json_ok(
        s.client()
            .post(s.url("/api/v1/direct-reports/follow/messages"))
            .json(&json!({"code": code, "text": "群里今天又催了一次"}))
            .send()
            .await
            .expect("add"),
    )
    .await;
    assert_eq!(v["messages"][0]["side"], "reporter");
    // Guessing is slowed down: the address runs out of attempts.
    let mut limited = false;
    for _ in 0..40 {
        if follow(&s, "1111222233334444").await.status() == 429 {
            limited = true;
            break;
        }
    }
    assert!(limited, "repeated codes from one address are limited");
}

async fn evidence_is_cleaned_and_bad_files_store_nothing(b: Backend) {
    let s = TestServer::start(b).await;
    let worker = Actor::login(&s, "minzhu").await;
    let office = Actor::login(&s, "jianfuban").await;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let receipt = json_ok(
        worker
            .send(
                &s,
                "POST",
                "/api/v1/direct-reports",
                report_body(json!({"evidence": [
                    {"name": "张三的截图.jpg", "content_base64": b64(&fixtures::jpeg_with_gps())},
                    {"name": "通知.docx", "content_base64": b64(&fixtures::docx_with_author())}
                ]})),
            )
            .await,
    )
    .await;
    let files = receipt["files"].as_array().expect("files");
    assert_eq!(files[0]["stored_as"], "附件1.jpg");
    let told = files[0]["stripped"].to_string();
    assert!(told.contains("GPS"), "the reporter is told: {told}");
    assert!(
        files[1]["stripped"].to_string().contains("作者"),
        "{receipt}"
    );
    let id = json_ok(office.get(&s, "/api/v1/direct-reports").await).await["reports"][0]["id"]
        .as_i64()
        .expect("id");
    let jpeg = office
        .get(&s, &format!("/api/v1/direct-reports/{id}/files/1"))
        .await;
    assert_eq!(jpeg.headers()["content-type"], "image/jpeg");
    assert!(jpeg.headers()["content-disposition"]
        .to_str()
        .unwrap_or("")
        .starts_with("attachment"));
    let jpeg = jpeg.bytes().await.expect("bytes");
    assert!(!jpeg.windows(6).any(|w| w == b"Exif\0\0"), "no EXIF left");
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
    let docx = office
        .get(&s, &format!("/api/v1/direct-reports/{id}/files/2"))
        .await
        .bytes()
        .await
        .expect("bytes");
    let text = fixtures::zip_text(&docx);
    assert!(text.contains(fixtures::DOCX_TEXT), "the text is kept");
    assert!(!text.contains(fixtures::DOCX_AUTHOR), "the author is gone");
    // The department concerned cannot read evidence not shared with it.
    let wjw = Actor::login(&s, "weijian").await;
    assert_eq!(
        wjw.get(&s, &format!("/api/v1/direct-reports/{id}/files/1"))
            .await
            .status(),
        403
    );

    // Refusals name the file and store nothing.
    let count = || async { s.app.db.direct_reports(None).await.expect("list").len() };
    let stored = count().await;
    let pdf_as_jpg = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF".to_vec();
    for (name, bytes, words) in [
        ("照片.jpg", pdf_as_jpg, "照片.jpg"),
        ("材料.zip", fixtures::plain_zip(), "压缩包"),
        (
            "大文件.png",
            vec![0u8; jianfu_app::direct_report::MAX_EVIDENCE_BYTES + 1],
            "20 MB",
        ),
    ] {
        let m = error_of(
            worker
                .send(
                    &s,
                    "POST",
                    "/api/v1/direct-reports",
                    report_body(json!({"evidence": [
                    {"name": "好的.docx", "content_base64": b64(&fixtures::docx_with_author())},
                    {"name": name, "content_base64": b64(&bytes)}]})),
                )
                .await,
            400,
        )
        .await;
        assert!(m.contains(words), "{name}: {m}");
        assert_eq!(count().await, stored, "nothing stored for {name}");
    }
    let m = error_of(
        worker
            .send(
                &s,
                "POST",
                "/api/v1/direct-reports",
                report_body(json!({"happened_on": "明天"})),
            )
            .await,
        400,
    )
    .await;
    assert!(m.contains("发生日期"), "{m}");
}

async fn the_loop_runs_to_the_reporters_rating(b: Backend) {
    let s = TestServer::start(b).await;
    let worker = Actor::login(&s, "xiejiawan").await;
    let office = Actor::login(&s, "jianfuban").await;
    let wjw = Actor::login(&s, "weijian").await;
    let town = Actor::login(&s, "xiejiawan").await;
    let receipt = json_ok(
        worker
            .send(
                &s,
                "POST",
                "/api/v1/direct-reports",
                report_body(json!({"named": true})),
            )
            .await,
    )
    .await;
    let code = digits(receipt["code"].as_str().expect("code"));
    let list = json_ok(office.get(&s, "/api/v1/direct-reports").await).await;
    let r = &list["reports"][0];
    assert_eq!(
        r["named_reporter"], "谢家湾街道 陈干事",
        "named: the office sees the name"
    );
    let id = r["id"].as_i64().expect("id");
    let dept = r["department_id"].as_i64().expect("dept");
    let steps = format!("/api/v1/direct-reports/{id}/steps");
    // Steps out of order are refused with the state named.
    let m = error_of(
        office
            .send(
                &s,
                "POST",
                &steps,
                json!({"action": "close", "closing": "x"}),
            )
            .await,
        400,
    )
    .await;
    assert!(m.contains("待分拣"), "{m}");
    json_ok(
        office
            .send(&s, "POST", &steps, json!({"action": "accept"}))
            .await,
    )
    .await;
    // Accepted: it counts on the ledger, and only the office reads what.
    let month = jianfu_app::today().format("%Y-%m").to_string();
    let lines = format!("/api/v1/ledger/lines?from={month}&to={month}&kind=hidden");
    let seen = json_ok(office.get(&s, &lines).await).await;
    assert!(seen.to_string().contains("直报"), "{seen}");
    // The department concerned counts it without place or words; the
    // township, reading by place, does not see it at all.
    let d = json_ok(wjw.get(&s, &lines).await).await.to_string();
    assert!(
        d.contains("仅减负办可见") && !d.contains("工作群里布置任务"),
        "{d}"
    );
    let t = json_ok(town.get(&s, &lines).await).await.to_string();
    assert!(
        !t.contains("直报") && !t.contains("工作群里布置任务"),
        "{t}"
    );
    json_ok(
        office
            .send(
                &s,
                "POST",
                &steps,
                json!({"action": "assign", "department_id": dept, "note": "请核实"}),
            )
            .await,
    )
    .await;
    let v = json_ok(
        wjw.send(
            &s,
            "POST",
            &steps,
            json!({"action": "answer", "finding": "经核实属实，已撤回", "change": "withdrew"}),
        )
        .await,
    )
    .await;
    assert_eq!(v["status"], "answered");
    json_ok(
        office
            .send(
                &s,
                "POST",
                &steps,
                json!({"action": "close", "closing": "部门已撤回，减负办回访核实"}),
            )
            .await,
    )
    .await;
    // The reporter reads the outcome and reopens once.
    let v = json_ok(follow(&s, &code).await).await;
    assert_eq!(v["status"], "closed");
    assert_eq!(v["closing"], "部门已撤回，减负办回访核实");
    assert_eq!(v["change_label"], "已撤回该要求");
    assert_eq!(v["can_reopen"], true);
    let rate = |body: Value| {
        let c = s.client();
        let url = s.url("/api/v1/direct-reports/follow/rating");
        async move { c.post(url).json(&body).send().await.expect("rate") }
    };
    let m = error_of(rate(json!({"code": code, "rating": 9})).await, 400).await;
    assert!(m.contains("1 到 5"), "{m}");
    let v = json_ok(
        rate(json!({"code": code, "rating": 2, "comment": "群里还在要", "reopen": true})).await,
    )
    .await;
    assert_eq!(v["status"], "accepted");
    assert_eq!(v["reopened"], true);
    json_ok(
        office
            .send(
                &s,
                "POST",
                &steps,
                json!({"action": "close", "closing": "已再次督促，群内要求已删除"}),
            )
            .await,
    )
    .await;
    let v = json_ok(rate(json!({"code": code, "rating": 4, "reopen": false})).await).await;
    assert_eq!(v["rating"], 4);
    let m = error_of(
        rate(json!({"code": code, "rating": 1, "comment": "再开", "reopen": true})).await,
        400,
    )
    .await;
    assert!(m.contains("一次"), "{m}");
    // A typical case names no reporter and no place.
    let m = error_of(
        office
            .send(
                &s,
                "POST",
                &format!("/api/v1/direct-reports/{id}/publish"),
                json!({"title": "群里要表", "body": "谢家湾街道反映某部门在群里要表"}),
            )
            .await,
        400,
    )
    .await;
    assert!(m.contains("谢家湾街道"), "{m}");
    json_ok(
        office
            .send(&s, "POST", &format!("/api/v1/direct-reports/{id}/publish"),
                json!({"title": "工作群里要表", "body": "某部门在工作群里布置未经准入的报表，已撤回并通报。"}))
            .await,
    )
    .await;
    let cases = json_ok(wjw.get(&s, "/api/v1/typical-cases").await).await;
    assert_eq!(cases["cases"][0]["title"], "工作群里要表");
}

/// The public form works without an account only while the office keeps
/// it open; it keeps the township the reporter chose and nothing else.
async fn the_public_form_is_the_offices_to_open(b: Backend) {
    let s = TestServer::start(b).await;
    let office = Actor::login(&s, "jianfuban").await;
    let worker = Actor::login(&s, "minzhu").await;
    let public = |body: Value| {
        let c = s.client();
        let url = s.url("/api/v1/public/direct-reports");
        async move { c.post(url).json(&body).send().await.expect("public") }
    };
    let m = error_of(public(report_body(json!({}))).await, 403).await;
    assert!(m.contains("尚未开放"), "{m}");
    // A community cannot open it; the office can, and it is audited.
    assert_eq!(
        worker
            .send(
                &s,
                "PUT",
                "/api/v1/direct-reports/public-form",
                json!({"open": true})
            )
            .await
            .status(),
        403
    );
    json_ok(
        office
            .send(
                &s,
                "PUT",
                "/api/v1/direct-reports/public-form",
                json!({"open": true}),
            )
            .await,
    )
    .await;
    assert_eq!(s.audit("direct.public_form", "jianfuban").await.len(), 1);
    let township = s.unit_id("500107003").await;
    let receipt = json_ok(public(report_body(json!({"township_id": township}))).await).await;
    assert_eq!(digits(receipt["code"].as_str().expect("code")).len(), 16);
    let r = &json_ok(office.get(&s, "/api/v1/direct-reports").await).await["reports"][0];
    assert_eq!(r["township"], "谢家湾街道", "{r}");
    assert_eq!(r["community"], Value::Null);
    assert_eq!(r["anonymous"], true);
    // A township that is not one is refused by name.
    let community = s.unit_id("500107003003").await;
    let m = error_of(
        public(report_body(json!({"township_id": community}))).await,
        400,
    )
    .await;
    assert!(m.contains("街镇"), "{m}");
    // The page posts without a session, from this site only.
    let page = s
        .client()
        .post(s.url("/zhibao/follow"))
        .header("origin", "http://evil.example")
        .form(&[("code", "0000 0000 0000 0000")])
        .send()
        .await
        .expect("cross-site post");
    assert_eq!(page.status(), 403, "a cross-site form is refused");
    let page = s
        .client()
        .post(s.url("/zhibao/follow"))
        .header("origin", s.base.clone())
        .form(&[("code", receipt["code"].as_str().unwrap_or_default())])
        .send()
        .await
        .expect("same-site post");
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert!(page
        .text()
        .await
        .unwrap_or_default()
        .contains("report-status"));
}

/// The flags of a database from before 直报 become named reports, with
/// their place, department and state, and the ledger keeps pointing at
/// them.
async fn old_flags_are_migrated_as_named_reports(b: Backend) {
    let test_db = common::TestDb::new(b).await;
    let db = jianfu_store::Db::connect_without_migrating(&test_db.url)
        .await
        .expect("connect");
    db.migrate_up_to(10).await.expect("older schema");
    for sql in [
        "INSERT INTO org_units (id, code, name, short_name, kind, parent_id, path, created_at) VALUES (1, '500107', '九龙坡区', '九龙坡区', 'county', NULL, '/1/', 0)",
        "INSERT INTO org_units (id, code, name, short_name, kind, parent_id, path, created_at) VALUES (2, '500107003', '谢家湾街道办事处', '谢家湾街道', 'township', 1, '/1/2/', 0)",
        "INSERT INTO org_units (id, code, name, short_name, kind, parent_id, path, created_at) VALUES (3, '500107003003', '民主村社区居民委员会', '民主村社区', 'community', 2, '/1/2/3/', 0)",
        "INSERT INTO org_units (id, code, name, short_name, kind, parent_id, path, created_at) VALUES (4, NULL, '九龙坡区民政局', '民政局', 'department', 1, '/1/4/', 0)",
        "INSERT INTO users (id, username, display_name, password_hash, role, unit_id, scope_id, created_at) VALUES (9, 'minzhu', '刘专干', 'x', 'community', 3, 3, 0)",
        "INSERT INTO admission_flags (id, unit_id, reporter_id, department, description, number_given, status, response, created_at, handled_at) VALUES (5, 3, 9, '民政局', '群里要表', NULL, 'handled', '已约谈', 1764547200000, 1764720000000)",
        "INSERT INTO admission_flags (id, unit_id, reporter_id, department, description, status, created_at) VALUES (6, 3, 9, '某街道办', '电话要照片', 'open', 1764547200000)",
        "INSERT INTO ledger_entries (unit_id, township_id, month, kind, provenance, source_kind, source_id, source_label) VALUES (3, 2, 202512, 'unnumbered', 'reported', 'flag', 6, '某街道办：电话要照片')",
    ] {
        db.execute_for_test(sql).await.expect(sql);
    }
    db.migrate().await.expect("migrates");
    let reports = db.direct_reports(None).await.expect("reports");
    assert_eq!(reports.len(), 2);
    let handled = reports.iter().find(|r| r.id == 5).expect("5");
    assert_eq!(handled.status, "closed");
    assert_eq!(handled.closing.as_deref(), Some("已约谈"));
    assert_eq!(handled.named_user_id, Some(9), "the reporter stays named");
    assert_eq!(handled.community_id, Some(3));
    assert_eq!(handled.township_id, Some(2));
    assert_eq!(handled.department_id, Some(4));
    assert_eq!(handled.happened_on, "2025-12-01");
    let open = reports.iter().find(|r| r.id == 6).expect("6");
    assert_eq!(open.status, "accepted", "an open flag already counted");
    assert_eq!(open.department_id, None);
    assert_eq!(open.department_text, "某街道办");
    let ledger = db
        .table_rows_as_text("ledger_entries")
        .await
        .expect("ledger");
    assert!(ledger[0]
        .iter()
        .any(|(c, v)| c == "source_kind" && v == "direct"));
    assert!(!db
        .table_names()
        .await
        .expect("tables")
        .contains(&"admission_flags".to_string()));
    // A new report after the migrated ones gets a new id (PostgreSQL's
    // identity was moved past them).
    let id = db
        .insert_direct_report(
            &jianfu_store::NewDirectReport {
                receipt_hash: "h",
                category: "other",
                department_id: None,
                department_text: "x",
                happened_on: "2026-01-01",
                demand: "x",
                minutes: 0,
                admission_number: None,
                admission_id: None,
                township_id: Some(2),
                community_id: None,
                named_user_id: None,
                filed_on: "2026-01-01",
            },
            &[],
        )
        .await
        .expect("insert");
    assert_eq!(id, 7);
    db.close().await;
}

on_both_backends!(
    a_filed_report_holds_nothing_of_its_reporter,
    the_department_sees_only_what_the_office_gives_it,
    the_receipt_code_follows_and_a_wrong_one_tells_nothing,
    evidence_is_cleaned_and_bad_files_store_nothing,
    the_loop_runs_to_the_reporters_rating,
    old_flags_are_migrated_as_named_reports,
    the_public_form_is_the_offices_to_open,
);
