//! The HTML pages: login form, role home pages, org browser, user admin,
//! audit log, language switch, and that nothing loads from off the machine.

mod common;

use common::{Backend, TestServer, PASSWORD};

/// Fetches the login form and returns its double-submit token.
async fn login_token(s: &TestServer, c: &reqwest::Client) -> String {
    let html = c
        .get(s.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).expect("token field") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

async fn login_form_flow(b: Backend) {
    let s = TestServer::start(b).await;
    let c = s.client();
    let token = login_token(&s, &c).await;
    let bad = c
        .post(s.url("/login"))
        .form(&[
            ("username", "minzhu"),
            ("password", "nope-nope"),
            ("_csrf", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    assert!(bad.text().await.unwrap().contains("用户名或密码错误"));

    let token = login_token(&s, &c).await;
    let ok = c
        .post(s.url("/login"))
        .form(&[
            ("username", "minzhu"),
            ("password", PASSWORD),
            ("_csrf", &token),
            ("next", "/org"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 303);
    assert_eq!(ok.headers()["location"], "/org");

    // An off-site `next` is ignored.
    let c2 = s.client();
    let token = login_token(&s, &c2).await;
    let r = c2
        .post(s.url("/login"))
        .form(&[
            ("username", "minzhu"),
            ("password", PASSWORD),
            ("_csrf", &token),
            ("next", "//evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/");

    let home = c
        .get(s.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("民主村社区 刘专干"));
    assert!(home.contains("待填报的报表"));
}

async fn every_role_has_a_home_page_with_next_steps(b: Backend) {
    let s = TestServer::start(b).await;
    let expect = [
        ("admin", "系统管理"),
        ("jianfuban", "待审核的准入申请"),
        ("minzheng", "准入申请"),
        ("xiejiawan", "辖区村社区"),
        ("minzhu", "隐性负担直报"),
        ("minzhu-wg1", "入户走访"),
    ];
    for (who, text) in expect {
        let (c, _) = s.login(who).await;
        let r = c.get(s.url("/")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{who}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains(text),
            "{who}'s home page should mention {text}"
        );
        assert!(html.contains("lang=\"zh-CN\""));
    }
    // The street's page lists its 14 communities.
    let (c, _) = s.login("xiejiawan").await;
    let html = c
        .get(s.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("辖区村社区（14）"), "{html}");
    assert!(html.contains("民主村社区"));
}

async fn org_browser_shows_scope_and_searches(b: Backend) {
    let s = TestServer::start(b).await;
    let (c, _) = s.login("admin").await;
    let html = c
        .get(s.url("/org"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("谢家湾街道"));
    assert!(html.contains("民主村社区"));
    assert!(html.contains("500107003003"));
    let found = c
        .get(s.url("/org?q=%E9%BB%84%E6%A1%B7%E5%9D%AA"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(found.contains("黄桷坪街道"), "search by name");
    let by_code = c
        .get(s.url("/org?q=500107102"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(by_code.contains("华岩镇"), "search by code");

    // A community worker's tree holds only the community and its grids.
    let (w, _) = s.login("minzhu").await;
    let html = w
        .get(s.url("/org"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("第一网格"));
    assert!(!html.contains("谢家湾街道"));
    let html = w
        .get(s.url("/org?q=%E8%B0%A2%E5%AE%B6%E6%B9%BE"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("没有找到匹配的单位"));
}

async fn admin_creates_disables_and_resets_accounts_in_the_ui(b: Backend) {
    let s = TestServer::start(b).await;
    let (c, csrf) = s.login("admin").await;
    let html = c
        .get(s.url("/admin/users"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("minzhu-wg1"));

    let r = c
        .post(s.url("/admin/users"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("username", "huayan1"),
            ("display_name", "华岩镇 孙干事"),
            ("role", "township"),
            ("unit", "华岩镇"),
            ("password", "another-pass"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("账号已创建"));
    let created = s.app.db.user_by_name("huayan1").await.unwrap().unwrap();
    let huayan = s.unit_id("500107102").await;
    assert_eq!(created.scope_id, huayan);

    // A wrong unit is named.
    let r = c
        .post(s.url("/admin/users"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("username", "ghost"),
            ("display_name", "x"),
            ("role", "community"),
            ("unit", "不存在的社区"),
            ("password", "another-pass"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("找不到单位“不存在的社区”"));

    // Disabling ends the user's sessions at once.
    let (victim, _) = s.login("renshe").await;
    assert_eq!(
        victim
            .get(s.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let id = s.app.db.user_by_name("renshe").await.unwrap().unwrap().id;
    let r = c
        .post(s.url(&format!("/admin/users/{id}/disable")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        victim
            .get(s.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let login = s.try_login("renshe", PASSWORD).await;
    assert_eq!(login.status(), 401);
    assert!(login.text().await.unwrap().contains("停用"));

    // Reset password: the old one stops working.
    let id = s.app.db.user_by_name("minzhu").await.unwrap().unwrap().id;
    let r = c
        .post(s.url(&format!("/admin/users/{id}/password")))
        .form(&[("_csrf", csrf.as_str()), ("password", "brand-new-pass")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let old = s.try_login("minzhu", PASSWORD).await;
    assert_eq!(old.status(), 401);
    assert_eq!(
        s.audit("user.", "admin").await.len(),
        3,
        "create, disable, reset"
    );
}

async fn audit_page_filters(b: Backend) {
    let s = TestServer::start(b).await;
    let _ = s.try_login("minzhu", "wrong-one").await;
    let (c, _) = s.login("jianfuban").await;
    let html = c
        .get(s.url("/audit?action=login.failure"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("共 1 条"), "{html}");
    assert!(html.contains("密码错误（第1次）"));
    let none = c
        .get(s.url("/audit?username=nobody-here"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(none.contains("没有符合条件的审计记录"));
    let bad = c.get(s.url("/audit?to=2026-13-40")).send().await.unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("截止日期"));
}

async fn english_can_be_switched_on(b: Backend) {
    let s = TestServer::start_with(
        b,
        common::Options {
            residents: 10,
            ..Default::default()
        },
    )
    .await;
    let c = s.client();
    let r = c.get(s.url("/login?lang=en")).send().await.unwrap();
    assert!(r
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|v| v.to_str().unwrap().starts_with("jianfu_lang=en")));
    let html = r.text().await.unwrap();
    assert!(html.contains("lang=\"en\""));
    assert!(html.contains("Sign in"));
    // The cookie keeps English on later pages.
    let html = c
        .get(s.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Sign in"));
    let html = c
        .get(s.url("/login?lang=zh"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("登录"));
}

async fn pages_load_nothing_from_off_the_machine(b: Backend) {
    let s = TestServer::start(b).await;
    let (c, _) = s.login("admin").await;
    let anonymous = s.client();
    for p in ["/", "/org", "/admin/users", "/audit", "/login"] {
        // Signed in, /login redirects home; ask for it anonymously.
        let client = if p == "/login" { &anonymous } else { &c };
        let html = client
            .get(s.url(p))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for attr in [
            "src=\"http",
            "href=\"http",
            "src=\"//",
            "href=\"//",
            "@import",
            "url(http",
        ] {
            assert!(!html.contains(attr), "{p} refers off-machine: {attr}");
        }
        assert!(
            html.contains("name=\"viewport\""),
            "{p} is usable on a phone"
        );
    }
    let css = c
        .get(s.url("/static/app.css"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!css.contains("http") && !css.contains("@font-face"));
    let spec: serde_json::Value = c
        .get(s.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(spec["openapi"], "3.0.3");
    for path in [
        "/login",
        "/logout",
        "/me",
        "/org/units",
        "/org/units/{id}",
        "/users",
        "/audit",
        "/elements",
        "/elements/{code}",
        "/elements/{code}/versions",
        "/persons",
        "/persons/{id}",
        "/persons/{id}/history",
        "/persons/{id}/reveal",
        "/persons/{id}/facts",
        "/persons/{id}/move",
        "/conflicts",
        "/conflicts/{id}",
        "/imports",
        "/imports/rejected/{token}",
        "/merge-candidates",
        "/merge-candidates/{id}",
        "/admissions",
        "/admissions/{id}",
        "/admissions/{id}/decide",
        "/admissions/{id}/override",
        "/admission-caps",
        "/direct-reports",
        "/direct-reports/follow",
        "/public/direct-reports",
        "/duty-items",
        "/public/admissions/{number}",
    ] {
        assert!(spec["paths"].get(path).is_some(), "{path} documented");
    }
}

/// `next` after login only ever leads to a path on this site: a tab or
/// newline that browsers drop, a backslash they read as `/`, and encoded
/// variants fall back to `/`; a newline no longer answers 500 after the
/// session was created.
async fn login_next_stays_on_this_site(b: Backend) {
    let s = TestServer::start(b).await;
    for (next, want) in [
        ("/\t/evil.example", "/"),
        ("/\n/evil.example", "/"),
        ("/x\r\nSet-Cookie: a=b", "/"),
        ("/\\evil.example", "/"),
        ("/%2F/evil.example", "/"),
        ("/register?q=张三", "/register?q=%E5%BC%A0%E4%B8%89"),
        ("/org", "/org"),
    ] {
        let c = s.client();
        let token = login_token(&s, &c).await;
        let r = c
            .post(s.url("/login"))
            .form(&[
                ("username", "minzhu"),
                ("password", PASSWORD),
                ("_csrf", &token),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{next:?}");
        assert_eq!(r.headers()["location"], want, "{next:?}");

        // Signed in, the login page redirects at once by the same rule.
        let r = c
            .get(s.url("/login"))
            .query(&[("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{next:?}");
        assert_eq!(r.headers()["location"], want, "{next:?}");
    }
    // The form carries only the safe value on to its hidden field.
    let html = s
        .client()
        .get(s.url("/login?next=/%09/evil.example"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("name=\"next\" value=\"&#x2f;\""), "{html}");
    assert!(!html.contains("evil.example"));
}

on_both_backends!(
    login_form_flow,
    login_next_stays_on_this_site,
    every_role_has_a_home_page_with_next_steps,
    org_browser_shows_scope_and_searches,
    admin_creates_disables_and_resets_accounts_in_the_ui,
    audit_page_filters,
    english_can_be_switched_on,
    pages_load_nothing_from_off_the_machine,
    reloading_the_mapping_page_goes_back_to_the_upload,
    upload_forms_keep_the_csrf_token_out_of_the_url,
    errors_keep_the_page_around_them,
);

/// F5 on the mapping page (the answer to a POST of /reports/new) asks for
/// it by GET; it used to answer 405.
async fn reloading_the_mapping_page_goes_back_to_the_upload(b: Backend) {
    let s = TestServer::start(b).await;
    let (c, _) = s.login("minzheng").await;
    let r = c.get(s.url("/reports/new")).send().await.expect("get");
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/reports")
    );
}

/// An upload form carries its CSRF token as a field of the body: in the
/// action URL it landed in access logs and the browser's history.
async fn upload_forms_keep_the_csrf_token_out_of_the_url(b: Backend) {
    let s = TestServer::start(b).await;
    let (c, csrf) = s.login("minzhu").await;
    for page in ["/register/import", "/reports"] {
        let who = if page == "/reports" {
            s.login("minzheng").await.0
        } else {
            c.clone()
        };
        let html = who
            .get(s.url(page))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("html");
        assert!(!html.contains("?_csrf="), "{page} puts the token in a URL");
    }
    let csv = "姓名,公民身份号码\n张三,11010519491231002X\n"
        .as_bytes()
        .to_vec();
    let form = |with_token: bool| {
        let mut f = reqwest::multipart::Form::new();
        if with_token {
            f = f.text("_csrf", csrf.clone());
        }
        f.text("dry_run", "1").part(
            "file",
            reqwest::multipart::Part::bytes(csv.clone()).file_name("名册.csv"),
        )
    };
    let ok = c
        .post(s.url("/register/import"))
        .multipart(form(true))
        .send()
        .await
        .expect("upload");
    assert_ne!(ok.status(), 403, "the token in the body is accepted");
    assert!(ok.status().as_u16() < 500);
    // The mapping says in words why each column was matched.
    let html = ok.text().await.expect("html");
    assert!(html.contains("与指标名称相同"), "{html}");
    assert!(
        !html.contains(">name<") && !html.contains(">alias<"),
        "{html}"
    );
    let in_url = c
        .post(s.url(&format!("/register/import?_csrf={csrf}")))
        .multipart(form(false))
        .send()
        .await
        .expect("upload");
    assert_eq!(in_url.status(), 403, "a token in the URL is no longer read");
}

/// A refused form or a missing record is shown inside the normal page:
/// the navigation and the user stay, and a button goes back to the form.
async fn errors_keep_the_page_around_them(b: Backend) {
    let s = TestServer::start(b).await;
    let (c, csrf) = s.login("minzheng").await;
    let r = c
        .post(s.url("/reports/create"))
        .form(&[("_csrf", csrf.as_str()), ("definition", "{broken")])
        .send()
        .await
        .expect("post");
    assert!(r.status().is_client_error(), "{}", r.status());
    let html = r.text().await.expect("html");
    assert!(
        html.contains("退出登录") && html.contains("id=\"go-back\""),
        "{html}"
    );
    let r = c
        .get(s.url("/register/persons/99999999"))
        .send()
        .await
        .expect("get");
    let html = r.text().await.expect("html");
    assert!(html.contains("退出登录"), "{html}");
}
