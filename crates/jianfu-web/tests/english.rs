//! The English pages are English. Every account switches to English the
//! way the page header does (`?lang=en`) and walks every page it can reach
//! by following links from its home page, plus the pages that answer a
//! form (a template's mapping, an import's dry run, the public check, the
//! error pages, a form sent without its token). On each page, every text a person reads (text nodes and
//! the attributes that are shown: placeholders, tooltips, labels,
//! confirmations) must be free of Chinese, except inside elements marked
//! `translate="no"`: data (names of people, units and departments, report
//! titles, dictionary names, code-table values) and the service layer's
//! messages, which are Chinese by design.
//!
//! The same pages in the default language still carry Chinese labels, so
//! this test cannot pass by serving English to everyone. And the language
//! chosen survives signing out and in again.

mod common;

use common::{Backend, Options, TestServer, PASSWORD};
use scraper::{ElementRef, Html, Node, Selector};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// CJK punctuation, ideographs (with extension A) and full-width forms.
fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303F}' | '\u{3400}'..='\u{9FFF}' | '\u{FF00}'..='\u{FFEF}')
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(is_cjk)
}

/// Attributes a person reads (or hears) besides the text itself; the
/// `data-confirm*` and `data-msg*` ones are what the page's script shows.
fn shown_attribute(name: &str) -> bool {
    matches!(
        name,
        "placeholder" | "title" | "aria-label" | "alt" | "label"
    ) || name.starts_with("data-confirm")
        || name.starts_with("data-msg")
}

/// Every text of the page that is read by a person, is not data and
/// contains Chinese, with the element it is in.
fn chinese_labels(html: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let mut out = Vec::new();
    walk(doc.root_element(), &mut out);
    out
}

fn walk(el: ElementRef, out: &mut Vec<String>) {
    let e = el.value();
    if e.attr("translate") == Some("no") {
        return;
    }
    // Scripts and styles are not read; a textarea holds what was typed.
    if matches!(e.name(), "script" | "style" | "textarea") {
        return;
    }
    for (name, value) in e.attrs() {
        if shown_attribute(name) && has_cjk(value) {
            out.push(format!("<{} {name}=\"{value}\">", e.name()));
        }
    }
    for child in el.children() {
        match child.value() {
            Node::Text(t) if has_cjk(t) => {
                out.push(format!("<{}> {}", e.name(), t.trim()));
            }
            Node::Element(_) => {
                if let Some(c) = ElementRef::wrap(child) {
                    walk(c, out);
                }
            }
            _ => {}
        }
    }
}

/// A page's route with its ids taken out, so the walk visits a few of
/// each kind of page rather than every resident.
fn route_of(path: &str) -> String {
    let mut parts: Vec<String> = path
        .split('/')
        .map(|p| {
            if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) {
                "{id}".to_string()
            } else {
                p.to_string()
            }
        })
        .collect();
    if parts.len() == 3 && parts[1] == "dictionary" {
        parts[2] = "{code}".into();
    }
    parts.join("/")
}

/// Links to pages: same site, no query (the pager and the language switch
/// show the same pages), no downloads, no sign-out.
fn page_links(html: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let a = Selector::parse("a[href]").expect("selector");
    doc.select(&a)
        .filter_map(|l| l.value().attr("href"))
        .map(|h| h.split('#').next().unwrap_or_default().to_string())
        .filter(|h| h.starts_with('/') && !h.starts_with("//") && !h.contains('?'))
        .filter(|h| {
            !h.starts_with("/static/")
                && !h.starts_with("/api/")
                && !h.contains("/export")
                && !h.contains("/rejected/")
                && !h.ends_with(".xlsx")
                && h != "/logout"
        })
        .collect()
}

/// How many pages of one route the walk reads: enough to meet a report
/// and a task in their different states.
const PER_ROUTE: usize = 5;

struct Walk {
    /// Page → what on it is Chinese and not data.
    found: BTreeMap<String, Vec<String>>,
    routes: BTreeSet<String>,
}

/// Reads every page `c` reaches from `start` by links, in English.
async fn walk_site(s: &TestServer, c: &reqwest::Client, who: &str, start: &[&str]) -> Walk {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut per_route: BTreeMap<String, usize> = BTreeMap::new();
    let mut queue: VecDeque<String> = start.iter().map(|p| p.to_string()).collect();
    let mut found = BTreeMap::new();
    while let Some(path) = queue.pop_front() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let n = per_route.entry(route_of(&path)).or_default();
        if *n >= PER_ROUTE {
            continue;
        }
        *n += 1;
        let r = c.get(s.url(&path)).send().await.expect("page");
        let status = r.status();
        assert!(status.as_u16() < 500, "{who}: {path} answered {status}");
        let is_html = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        if !is_html {
            continue;
        }
        let html = r.text().await.expect("html");
        assert!(
            html.contains("<html lang=\"en\">"),
            "{who}: {path} is not in English"
        );
        let bad = chinese_labels(&html);
        if !bad.is_empty() {
            found.insert(format!("{who} {path} ({status})"), bad);
        }
        queue.extend(page_links(&html));
    }
    Walk {
        found,
        routes: per_route.into_keys().collect(),
    }
}

async fn get_html(c: &reqwest::Client, s: &TestServer, path: &str) -> (u16, String) {
    let r = c.get(s.url(path)).send().await.expect("page");
    (r.status().as_u16(), r.text().await.expect("html"))
}

/// A small xlsx template of a roster, as a department would upload it.
fn template() -> Vec<u8> {
    use jianfu_app::forms::{write_xlsx, SheetOut};
    use jianfu_core::forms::Merge;
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let rows = vec![
        s(&["老年人信息登记表", "", "", ""]),
        s(&["序号", "姓名", "身份证号", "联系电话"]),
        s(&["", "", "", ""]),
    ];
    write_xlsx(&[SheetOut {
        name: "名册",
        rows: &rows,
        merges: &[Merge {
            top: 0,
            left: 0,
            bottom: 0,
            right: 3,
        }],
        header_rows: (1, 1),
        data_rows: None,
        number_formats: &[],
    }])
    .expect("xlsx")
}

async fn english_pages_show_no_chinese_but_data(b: Backend) {
    let s = TestServer::start_with(
        b,
        Options {
            residents: 400,
            activity: true,
            ..Default::default()
        },
    )
    .await;
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut routes: BTreeSet<String> = BTreeSet::new();

    // Signed out: the sign-in page, the public check (found and not
    // found) and the error pages.
    let anon = s.client();
    let (_, html) = get_html(&anon, &s, "/login?lang=en").await;
    assert!(html.contains("<html lang=\"en\">"));
    let (office, _) = s.login("jianfuban").await;
    let listed: serde_json::Value = office
        .get(s.url("/api/v1/admissions"))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let number = listed["admissions"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|a| a["number"].as_str().map(str::to_string));
    assert!(number.is_some(), "the demo has admitted requests: {listed}");
    let mut anon_pages = vec![
        "/login".to_string(),
        "/check".into(),
        "/check?number=ZR-500107-2026-B9999".into(),
        "/check?number=nonsense".into(),
        "/no-such-page".into(),
    ];
    if let Some(n) = &number {
        anon_pages.push(format!("/check?number={n}"));
    }
    for p in &anon_pages {
        let (_, html) = get_html(&anon, &s, p).await;
        let bad = chinese_labels(&html);
        if !bad.is_empty() {
            found.insert(format!("(signed out) {p}"), bad);
        }
    }

    for who in [
        "admin",
        "jianfuban",
        "quzhang",
        "minzheng",
        "xiejiawan",
        "minzhu",
        "dagongguan",
        "minzhu-wg1",
    ] {
        let (c, csrf) = s.login(who).await;
        // The default language is Chinese, labels and all.
        let (_, zh) = get_html(&c, &s, "/").await;
        assert!(zh.contains("<html lang=\"zh-CN\">"), "{who}");
        assert!(
            chinese_labels(&zh).len() > 5,
            "{who}: the Chinese home page has Chinese labels"
        );
        // Switch as the header's link does: the cookie keeps it.
        let (_, en) = get_html(&c, &s, "/?lang=en").await;
        assert!(en.contains("<html lang=\"en\">"), "{who}");
        let w = walk_site(&s, &c, who, &["/", "/check", "/no-such-page"]).await;
        found.extend(w.found);
        routes.extend(w.routes);

        // Error pages: a wrong method, and a page refused to this role.
        let r = c.get(s.url("/logout")).send().await.expect("get");
        let html = r.text().await.expect("html");
        let bad = chinese_labels(&html);
        if !bad.is_empty() {
            found.insert(format!("{who} GET /logout"), bad);
        }
        // A form sent without its token.
        let r = c
            .post(s.url("/zhibao/public-form"))
            .form(&[("department", "x")])
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 403, "{who}: a form without its token");
        let bad = chinese_labels(&r.text().await.expect("html"));
        if !bad.is_empty() {
            found.insert(
                format!("{who} POST /zhibao/public-form without a token"),
                bad,
            );
        }
        for p in ["/admin/users", "/register/import", "/audit"] {
            let (status, html) = get_html(&c, &s, p).await;
            if status == 403 {
                let bad = chinese_labels(&html);
                if !bad.is_empty() {
                    found.insert(format!("{who} {p} (403)"), bad);
                }
            }
        }

        // Pages that answer a form.
        if who == "minzheng" {
            let form = reqwest::multipart::Form::new()
                .text("_csrf", csrf.clone())
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(template()).file_name("老年人信息登记表.xlsx"),
                );
            let r = c
                .post(s.url("/reports/new"))
                .multipart(form)
                .send()
                .await
                .expect("upload");
            assert_eq!(r.status(), 200, "the template is analysed");
            let html = r.text().await.expect("html");
            assert!(html.contains("report-create"), "the mapping page");
            let bad = chinese_labels(&html);
            if !bad.is_empty() {
                found.insert("minzheng POST /reports/new".into(), bad);
            }
        }
        if who == "minzhu" {
            let csv = "姓名,公民身份号码,联系电话,性别\n张三,11010519491231002X,13800000000,男\n李四,123,abc,女\n"
                .as_bytes()
                .to_vec();
            let form = reqwest::multipart::Form::new()
                .text("_csrf", csrf.clone())
                .text("community", "500107003003")
                .text("source", "导入")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(csv).file_name("名册.csv"),
                );
            let r = c
                .post(s.url("/register/import"))
                .multipart(form)
                .send()
                .await
                .expect("upload");
            assert_eq!(r.status(), 200, "the dry run is shown");
            let html = r.text().await.expect("html");
            assert!(html.contains("dry-run-summary"), "the dry run");
            let bad = chinese_labels(&html);
            if !bad.is_empty() {
                found.insert("minzhu POST /register/import".into(), bad);
            }
        }
    }

    // The walk met every kind of page the brief names.
    for route in [
        "/",
        "/reports",
        "/reports/{id}",
        "/tasks/{id}",
        "/admissions",
        "/admissions/{id}",
        "/admissions/caps",
        "/admissions/settings",
        "/register",
        "/register/persons/{id}",
        "/register/households",
        "/register/households/{id}",
        "/register/places/house",
        "/register/places/organization",
        "/register/import",
        "/register/conflicts",
        "/dictionary",
        "/dictionary/{code}",
        "/org",
        "/org/{id}",
        "/audit",
        "/admin/users",
        "/check",
    ] {
        assert!(
            routes.contains(route),
            "no page of {route} was read: {routes:?}"
        );
    }

    let report: Vec<String> = found
        .iter()
        .map(|(page, texts)| format!("{page}:\n    {}", texts.join("\n    ")))
        .collect();
    assert!(
        report.is_empty(),
        "{} English pages show Chinese that is not data:\n{}",
        report.len(),
        report.join("\n")
    );
}

/// The language chosen before signing in is kept after signing out, and
/// at the next sign-in.
async fn the_language_survives_signing_out(b: Backend) {
    let s = TestServer::start_with(
        b,
        Options {
            residents: 10,
            ..Default::default()
        },
    )
    .await;
    let c = s.client();
    // The header's link changes the language and keeps the rest of the
    // query (here the page to go to after signing in).
    let (_, html) = get_html(&c, &s, "/login?next=%2Freports").await;
    let link = Html::parse_document(&html)
        .select(&Selector::parse("a.lang").expect("selector"))
        .next()
        .and_then(|a| a.value().attr("href").map(str::to_string))
        .expect("language link");
    assert_eq!(link, "?next=%2Freports&lang=en");
    let sign_in = |c: reqwest::Client| {
        let s = &s;
        async move {
            let r = c.get(s.url("/login")).send().await.expect("form");
            let html = r.text().await.expect("html");
            let token = Html::parse_document(&html)
                .select(&Selector::parse("input[name=_csrf]").expect("selector"))
                .next()
                .and_then(|i| i.value().attr("value").map(str::to_string))
                .expect("login token");
            let r = c
                .post(s.url("/login"))
                .form(&[
                    ("_csrf", token.as_str()),
                    ("username", "minzhu"),
                    ("password", PASSWORD),
                    ("next", "/"),
                ])
                .send()
                .await
                .expect("login");
            assert_eq!(r.status(), 303, "signed in");
            c
        }
    };
    let c = sign_in(c).await;
    let (_, html) = get_html(&c, &s, "/?lang=en").await;
    assert!(html.contains("<html lang=\"en\">"));
    let csrf = Html::parse_document(&html)
        .select(&Selector::parse("form[action='/logout'] input[name=_csrf]").expect("selector"))
        .next()
        .and_then(|i| i.value().attr("value").map(str::to_string))
        .expect("logout token");
    let r = c
        .post(s.url("/logout"))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .expect("logout");
    assert!(r.status().is_redirection());
    assert!(
        r.headers().get_all("set-cookie").iter().any(|v| v
            .to_str()
            .unwrap_or_default()
            .starts_with("jianfu_lang=en;")),
        "signing out keeps the language cookie"
    );
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let (_, html) = get_html(&c, &s, &location).await;
    assert!(
        html.contains("<html lang=\"en\">") && html.contains("Sign in"),
        "the sign-in page after signing out is in English"
    );
    let c = sign_in(c).await;
    let (_, html) = get_html(&c, &s, "/").await;
    assert!(
        html.contains("<html lang=\"en\">"),
        "the home page after signing in again is in English"
    );
    // And back to Chinese the same way.
    let (_, html) = get_html(&c, &s, "/?lang=zh").await;
    assert!(html.contains("<html lang=\"zh-CN\">"));
    let (_, html) = get_html(&c, &s, "/").await;
    assert!(html.contains("<html lang=\"zh-CN\">"));
}

on_both_backends!(
    english_pages_show_no_chinese_but_data,
    the_language_survives_signing_out
);

#[test]
fn the_checker_sees_labels_and_skips_data() {
    let html = r#"<!doctype html><html lang="en"><head><title>x</title>
        <script>var a = "中文";</script></head><body>
        <p>Name: <span translate="no">张三</span></p>
        <table translate="no"><tr><td>民主村社区<b>户主</b></td></tr></table>
        <input placeholder="姓名"><input value="张三">
        <textarea>说明</textarea>
        <span title="提示">x</span><p>退回原因：</p><p>（a）</p></body></html>"#;
    let found = chinese_labels(html);
    assert_eq!(found.len(), 4, "{found:?}");
    assert!(found.iter().any(|f| f.contains("placeholder")));
    assert!(found.iter().any(|f| f.contains("退回原因")));
    assert!(found.iter().any(|f| f.contains("（a）")));
    assert_eq!(route_of("/register/persons/12"), "/register/persons/{id}");
    assert_eq!(route_of("/dictionary/person.name"), "/dictionary/{code}");
}
