//! End-to-end test in real headless Chromium, driven through chromedriver.
//!
//! Needs Debian's `chromium` and `chromium-driver` (the test script installs
//! them). `CHROMEDRIVER` and `CHROMIUM` override the binaries' paths.

mod common;

use common::browser::{browser, log_out, start_driver, submit_login, text_becomes};
use common::{Backend, TestServer, PASSWORD};
use fantoccini::Locator;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn community_worker_logs_in_sees_home_and_logs_out() {
    let s = TestServer::start(Backend::Sqlite).await;
    let driver = start_driver().await;
    let b = browser(&driver).await;

    b.goto(&s.url("/")).await.unwrap();
    // Not signed in: sent to the login page.
    b.wait().for_element(Locator::Id("username")).await.unwrap();
    assert!(b.current_url().await.unwrap().path().starts_with("/login"));

    submit_login(&b, "minzhu", PASSWORD).await;

    let welcome = b.wait().for_element(Locator::Id("welcome")).await.unwrap();
    assert_eq!(welcome.text().await.unwrap(), "您好，民主村社区 刘专干");
    let reports = b
        .find(Locator::Id("card-reports"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(reports.contains("待填报的报表"), "{reports}");
    let register = b
        .find(Locator::Id("card-register"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(register.contains("居民人数"), "{register}");
    if let Ok(png) = b.screenshot().await {
        let _ = std::fs::write(std::env::temp_dir().join("jianfu-home.png"), png);
    }

    log_out(&b).await;
    assert_eq!(b.current_url().await.unwrap().path(), "/login");

    // The old session is gone: the home page sends us back to login.
    b.goto(&s.url("/")).await.unwrap();
    b.wait().for_element(Locator::Id("username")).await.unwrap();
    assert!(b.current_url().await.unwrap().path().starts_with("/login"));
    assert_eq!(s.audit("logout", "minzhu").await.len(), 1);

    b.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_shows_a_chinese_error() {
    let s = TestServer::start_with(
        Backend::Sqlite,
        common::Options {
            residents: 20,
            ..Default::default()
        },
    )
    .await;
    let driver = start_driver().await;
    let b = browser(&driver).await;
    b.goto(&s.url("/login")).await.unwrap();
    submit_login(&b, "minzhu", "wrong-password").await;
    let err = b
        .wait()
        .for_element(Locator::Id("login-error"))
        .await
        .unwrap();
    assert_eq!(err.text().await.unwrap(), "用户名或密码错误");
    b.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_imports_a_spreadsheet_and_reveals_an_id_number() {
    let s = TestServer::start_with(
        Backend::Sqlite,
        common::Options {
            residents: 50,
            ..Default::default()
        },
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let birth = chrono::NaiveDate::from_ymd_opt(1975, 3, 8).unwrap();
    let idn = jianfu_core::id_number::IdNumber::compose(
        "500107",
        birth,
        77,
        jianfu_core::id_number::Sex::Female,
    )
    .unwrap()
    .to_string();
    let file = dir.path().join("花名册.csv");
    std::fs::write(
        &file,
        format!("民主村社区花名册\n序号,姓名,公民身份号码,联系电话\n1,吴新华,{idn},13712345678\n"),
    )
    .unwrap();

    let driver = start_driver().await;
    let b = browser(&driver).await;
    b.goto(&s.url("/login")).await.unwrap();
    submit_login(&b, "minzhu", PASSWORD).await;
    b.wait().for_element(Locator::Id("welcome")).await.unwrap();
    b.goto(&s.url("/register/import")).await.unwrap();
    b.find(Locator::Id("import-file"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    b.find(Locator::Id("import-preview"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let summary = b
        .wait()
        .for_element(Locator::Id("dry-run-summary"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(summary.contains("共 1"), "{summary}");
    let mapping = b
        .find(Locator::Id("mapping"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(mapping.contains("公民身份号码"), "{mapping}");
    b.find(Locator::Id("commit-atomic"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let result = b
        .wait()
        .for_element(Locator::Id("import-result"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(result.contains("新增 1"), "{result}");

    // Find the new resident by pinyin initials and reveal the ID number.
    b.goto(&s.url("/register?q=wxh")).await.unwrap();
    b.wait()
        .for_element(Locator::LinkText("吴新华"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let masked = b
        .wait()
        .for_element(Locator::Id("person-id"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(masked, jianfu_core::mask::id_number(&idn));
    b.find(Locator::Id("reveal-id"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let revealed = b
        .wait()
        .for_element(Locator::Id("revealed"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(revealed.contains(&idn), "{revealed}");
    assert_eq!(s.audit("reveal", "minzhu").await.len(), 1);
    b.close().await.unwrap();
}

/// The main 一表通 flow in a real browser: a worker fills a gap cell by
/// typing, pastes a block copied from Excel into the grid, submits; the
/// department then sees the pasted values in the consolidated result.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_fills_and_pastes_gaps_then_department_sees_the_result() {
    let s = TestServer::start_with(
        Backend::Sqlite,
        common::Options {
            residents: 20,
            ..Default::default()
        },
    )
    .await;
    let (dept, dcsrf) = s.login("minzheng").await;
    let minzhu = s.unit_id("500107003003").await;
    let def = serde_json::json!({
        "title": "走访老人登记表", "kind": "roster", "entity": "person",
        "filter": "age >= 70",
        "columns": [
            {"path": ["序号"], "source": {"type": "serial"}, "left": 0, "right": 0},
            {"path": ["姓名"], "source": {"type": "element", "element": "person.name"}, "left": 0, "right": 0},
            {"path": ["联系方式", "联系电话"], "source": {"type": "element", "element": "person.phone"}, "left": 0, "right": 0},
            {"path": ["联系方式", "现住址"], "source": {"type": "element", "element": "person.current_address"}, "left": 0, "right": 0}
        ],
        "layout": {"header": [], "merges": []}
    });
    let r: serde_json::Value = dept
        .post(s.url("/api/v1/reports"))
        .header("x-csrf-token", &dcsrf)
        .json(
            &serde_json::json!({"definition": def, "frequency": "once", "period": "2026年11月",
                                  "deadline": "2026-11-30", "targets": [minzhu]}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let report = r["id"].as_i64().unwrap();
    s.admit_report(report).await;
    let p = dept
        .post(s.url(&format!("/api/v1/reports/{report}/publish")))
        .header("x-csrf-token", &dcsrf)
        .send()
        .await
        .unwrap();
    assert_eq!(p.status(), 200);
    let (w, wcsrf) = s.login("minzhu").await;
    let tasks: serde_json::Value = w
        .get(s.url("/api/v1/tasks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let task = tasks["tasks"][0]["id"].as_i64().unwrap();
    // Two elders the register did not know, added as rows (no phone, no address yet).
    for (seq, name) in [(61, "钟玉芬"), (63, "杨光荣")] {
        let d = chrono::NaiveDate::from_ymd_opt(1940, 1, 2).unwrap();
        let idn = jianfu_core::id_number::IdNumber::compose(
            "500107",
            d,
            seq,
            jianfu_core::id_number::Sex::Male,
        )
        .unwrap();
        let r = w
            .post(s.url(&format!("/api/v1/tasks/{task}/rows")))
            .header("x-csrf-token", &wcsrf)
            .json(&serde_json::json!({"id_number": idn.to_string(), "name": name}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }

    let driver = start_driver().await;
    let b = browser(&driver).await;
    b.goto(&s.url("/login")).await.unwrap();
    submit_login(&b, "minzhu", PASSWORD).await;
    b.wait().for_element(Locator::Id("welcome")).await.unwrap();
    b.goto(&s.url(&format!("/tasks/{task}"))).await.unwrap();
    b.wait()
        .for_element(Locator::Id("fill-grid"))
        .await
        .unwrap();
    let row_of = |name: &str| {
        format!("#fill-grid tbody tr:has(td:nth-child(2)) td:nth-child(2)[data-value='{name}']")
    };
    b.wait()
        .for_element(Locator::Css(&row_of("钟玉芬")))
        .await
        .unwrap();
    // What a person sees: the grid is a spreadsheet, each leaf header cell
    // above its data cell (same x range) and at least two characters wide.
    // A card-layout rule once matched `table.grid` and squeezed the header
    // into a column beside the data.
    let layout = b
        .execute(
            r#"
        const t = document.getElementById('fill-grid');
        const leaves = Array.from(t.tHead.rows).pop().cells;
        const first = t.tBodies[0].rows[0].cells;
        const problems = [];
        const px = parseFloat(getComputedStyle(t).fontSize);
        for (let i = 0; i < Math.min(leaves.length, first.length); i++) {
          const h = leaves[i].getBoundingClientRect(), d = first[i].getBoundingClientRect();
          if (h.bottom > d.top + 1) problems.push(`列${i + 1}表头不在数据上方`);
          if (Math.abs(h.left - d.left) > 2 || Math.abs(h.right - d.right) > 2) problems.push(`列${i + 1}表头与数据不对齐`);
          if (h.width < 2 * px) problems.push(`列${i + 1}表头宽度不足两个字`);
        }
        return problems;
    "#,
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(layout, serde_json::json!([]), "the filling grid's layout");
    // Type the first elder's phone into the yellow gap cell.
    let js_focus = r#"
        const name = arguments[0], col = arguments[1];
        const tr = Array.from(document.querySelectorAll('#fill-grid tbody tr'))
            .find(r => r.cells[1].dataset.value === name);
        tr.cells[col].focus();
        return tr.cells[col].className;"#;
    let class = b
        .execute(js_focus, vec!["钟玉芬".into(), 2.into()])
        .await
        .unwrap();
    assert!(class.as_str().unwrap().contains("gap"), "{class}");
    b.active_element()
        .await
        .unwrap()
        .send_keys("13912345678\u{E007}")
        .await
        .unwrap();
    let mut filled = false;
    for _ in 0..50 {
        if b.find(Locator::Css("#fill-grid td.filled")).await.is_ok() {
            filled = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let grid_html = b
        .find(Locator::Id("fill-grid"))
        .await
        .unwrap()
        .html(false)
        .await
        .unwrap();
    let note = b
        .find(Locator::Id("grid-msg"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(filled, "typed cell not saved: {note} {grid_html}");

    // Paste a 2×1 block of addresses copied from Excel into the address column.
    b.execute(js_focus, vec!["钟玉芬".into(), 3.into()])
        .await
        .unwrap();
    b.execute(
        r#"const dt = new DataTransfer();
           dt.setData('text/plain', '民主村3栋5号\r\n民主村4栋8号\r\n');
           document.activeElement.dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true}));"#,
        vec![],
    )
    .await
    .unwrap();
    let mut msg = String::new();
    for _ in 0..50 {
        msg = b
            .find(Locator::Id("grid-msg"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if msg.contains("已粘贴") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(msg.contains("已粘贴并保存2个单元格"), "{msg}");

    // Chinese typed through an input method: no single-character key, a
    // composition into the focused cell. What was composed replaces the
    // cell's text and is saved with Enter.
    b.execute(js_focus, vec!["钟玉芬".into(), 3.into()])
        .await
        .unwrap();
    let composed = b
        .execute(
            r#"const td = document.activeElement;
               td.dispatchEvent(new KeyboardEvent('keydown', {key: 'Process', keyCode: 229, bubbles: true}));
               td.dispatchEvent(new CompositionEvent('compositionstart', {data: '', bubbles: true}));
               // What the input method writes into the cell while composing.
               document.execCommand('insertText', false, '民主村5栋1号');
               td.dispatchEvent(new CompositionEvent('compositionend', {data: '民主村5栋1号', bubbles: true}));
               const input = td.querySelector('input');
               return input ? input.value : 'no editor: ' + td.outerHTML;"#,
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(composed, serde_json::json!("民主村5栋1号"));
    b.active_element()
        .await
        .unwrap()
        .send_keys("\u{E007}")
        .await
        .unwrap();
    let mut saved = String::new();
    for _ in 0..50 {
        saved = b
            .execute(
                r#"const tr = Array.from(document.querySelectorAll('#fill-grid tbody tr'))
                       .find(r => r.cells[1].dataset.value === '钟玉芬');
                   return tr.cells[3].dataset.value;"#,
                vec![],
            )
            .await
            .unwrap()
            .as_str()
            .unwrap_or_default()
            .to_string();
        if saved == "民主村5栋1号" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(saved, "民主村5栋1号", "the composed text is saved");

    b.find(Locator::Id("submit-task"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // Submitting asks first, naming the cells still empty.
    let question = b.get_alert_text().await.unwrap();
    assert!(question.contains("确定提交"), "{question}");
    b.accept_alert().await.unwrap();
    b.wait()
        .for_element(Locator::Id("submit-done"))
        .await
        .unwrap();
    assert_eq!(text_becomes(&b, "task-status", "已提交").await, "已提交");

    // The department sees the consolidated result with the pasted values.
    log_out(&b).await;
    submit_login(&b, "minzheng", PASSWORD).await;
    b.wait().for_element(Locator::Id("welcome")).await.unwrap();
    b.goto(&s.url(&format!("/reports/{report}"))).await.unwrap();
    let table = b
        .wait()
        .for_element(Locator::Id("consolidated"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        table.contains("民主村5栋1号") && table.contains("民主村4栋8号"),
        "{table}"
    );
    assert!(table.contains("139****5678"), "{table}");
    let statuses = b
        .find(Locator::Id("task-status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(statuses.contains("已提交"), "{statuses}");
    b.close().await.unwrap();
}

/// 准入 in the browser: a department writes a meeting request and submits
/// it; the 减负办 admits it; the 准入编号 appears, and anyone can check it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_goes_from_draft_to_admitted_with_its_number() {
    let s = TestServer::start(Backend::Sqlite).await;
    let driver = start_driver().await;
    let b = browser(&driver).await;
    b.goto(&s.url("/login?next=/admissions")).await.unwrap();
    submit_login(&b, "minzheng", PASSWORD).await;
    b.wait()
        .for_element(Locator::Id("admission-form"))
        .await
        .unwrap();
    b.find(Locator::Css("#adm-kind option[value='meeting']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.find(Locator::Id("adm-title"))
        .await
        .unwrap()
        .send_keys("全区低保政策培训会")
        .await
        .unwrap();
    b.find(Locator::Id("adm-duty"))
        .await
        .unwrap()
        .send_keys("社会救助对象排查与申报协助")
        .await
        .unwrap();
    b.find(Locator::Id("adm-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(text_becomes(&b, "adm-status", "待审核").await, "待审核");
    let body = b
        .find(Locator::Id("assessment"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("每年") && body.contains("小时"), "{body}");
    let page = b.current_url().await.unwrap();
    log_out(&b).await;

    b.goto(&s.url(&format!("/login?next={}", page.path())))
        .await
        .unwrap();
    submit_login(&b, "jianfuban", PASSWORD).await;
    b.wait()
        .for_element(Locator::Id("adm-admit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let number = b
        .wait()
        .for_element(Locator::Id("adm-number"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(number.starts_with("ZR-500107-"), "{number}");
    assert_eq!(
        b.find(Locator::Id("adm-status"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "已准入"
    );
    log_out(&b).await;

    // The public check, without logging in.
    b.goto(&s.url("/check")).await.unwrap();
    b.find(Locator::Id("check-number"))
        .await
        .unwrap()
        .send_keys(&number)
        .await
        .unwrap();
    b.find(Locator::Id("check-go"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let result = b
        .wait()
        .for_element(Locator::Id("check-result"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        result.contains("全区低保政策培训会") && result.contains("有效"),
        "{result}"
    );
    b.close().await.unwrap();
}

/// Every main page as a person sees it, at desktop and phone width: the
/// screenshots go to `target/screens/` for a person to look at, and the
/// page is checked as they would check it: at 390 px nothing scrolls
/// sideways (a wide table scrolls inside its own box) and the header
/// leaves the screen to the work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_pages_fit_a_phone_and_are_photographed() {
    let s = TestServer::start_with(
        Backend::Sqlite,
        common::Options {
            residents: 20_000,
            activity: true,
            ..Default::default()
        },
    )
    .await;
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screens");
    std::fs::create_dir_all(&out).unwrap();
    let driver = start_driver().await;
    let b = browser(&driver).await;
    let minzhu = s
        .app
        .db
        .unit_by_code("500107003003")
        .await
        .unwrap()
        .unwrap();
    let first = s
        .app
        .db
        .search_persons(&minzhu.path, "", 1, 0)
        .await
        .unwrap()
        .0[0]
        .id;
    let person_page = format!("/register/persons/{first}");
    let (w, _) = s.login("minzhu").await;
    let tasks: serde_json::Value = w
        .get(s.url("/api/v1/tasks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let task_page = format!("/tasks/{}", tasks["tasks"][0]["id"].as_i64().unwrap());
    let report_page = format!(
        "/reports/{}",
        tasks["tasks"][0]["report_id"].as_i64().unwrap()
    );
    let pages: Vec<(&str, Vec<&str>)> = vec![
        (
            "",
            vec!["/login", "/check", "/zhibao/follow", "/zhibao/public"],
        ),
        (
            "minzhu",
            vec![
                "/",
                "/reports",
                task_page.as_str(),
                "/register",
                person_page.as_str(),
                "/register/households",
                "/register/import",
                "/zhibao",
                "/zhibao/new",
                "/zhibao/cases",
            ],
        ),
        (
            "minzheng",
            vec![
                "/",
                "/reports",
                report_page.as_str(),
                "/admissions",
                "/monitoring",
            ],
        ),
        (
            "jianfuban",
            vec![
                "/",
                "/admissions",
                "/audit",
                "/monitoring",
                "/monitoring/warnings",
                "/monitoring/points",
                "/monitoring/lines",
                "/monitoring/annual",
                "/monitoring/settings",
                "/zhibao",
                "/zhibao/1",
            ],
        ),
        ("xiejiawan", vec!["/", "/monitoring"]),
        ("admin", vec!["/", "/admin/users"]),
    ];
    let mut problems = Vec::new();
    for (who, list) in pages {
        if !who.is_empty() {
            b.goto(&s.url("/login")).await.unwrap();
            submit_login(&b, who, PASSWORD).await;
            b.wait().for_element(Locator::Id("logout")).await.unwrap();
        }
        for (i, p) in list.iter().enumerate() {
            for (width, height, tag) in [(1366u32, 900u32, "desktop"), (390, 844, "phone")] {
                b.set_window_size(width, height).await.unwrap();
                b.goto(&s.url(p)).await.unwrap();
                let png = b.screenshot().await.unwrap();
                let name = if who.is_empty() { "anonymous" } else { who };
                std::fs::write(out.join(format!("{name}-{i}-{tag}.png")), png).unwrap();
                if tag != "phone" {
                    continue;
                }
                let seen = b
                    .execute(
                        r#"const doc = document.documentElement;
                           const header = document.querySelector('header.top');
                           return {wide: doc.scrollWidth - window.innerWidth,
                                   header: header ? header.getBoundingClientRect().height : 0,
                                   screen: window.innerHeight};"#,
                        vec![],
                    )
                    .await
                    .unwrap();
                let wide = seen["wide"].as_f64().unwrap_or(0.0);
                let header = seen["header"].as_f64().unwrap_or(0.0);
                let screen = seen["screen"].as_f64().unwrap_or(1.0);
                if wide > 1.0 {
                    problems.push(format!("{who} {p}: {wide} px wider than the phone"));
                }
                if header > screen * 0.2 {
                    problems.push(format!("{who} {p}: header {header} of {screen} px"));
                }
            }
        }
        if !who.is_empty() {
            b.set_window_size(1366, 900).await.unwrap();
            log_out(&b).await;
        }
    }
    b.close().await.unwrap();
    assert!(problems.is_empty(), "{problems:#?}");
}
