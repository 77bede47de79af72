//! Login, lockout, logout and CSRF through the real HTTP API.

mod common;

use common::{Backend, Options, TestServer, PASSWORD};
use jianfu_app::AuthConfig;
use serde_json::json;

async fn wrong_password_is_refused_and_audited(b: Backend) {
    let s = TestServer::start(b).await;
    let c = s.client();
    let r = c
        .post(s.url("/api/v1/login"))
        .json(&json!({"username": "minzhu", "password": "not-the-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "用户名或密码错误");
    assert!(
        r_has_no_session(&c, &s).await,
        "a failed login must not create a session"
    );

    // An unknown user gets the same answer, and is audited too.
    let r = c
        .post(s.url("/api/v1/login"))
        .json(&json!({"username": "nobody", "password": "whatever1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // 减负办 reads the failures in the audit log through the API.
    let (jfb, _) = s.login("jianfuban").await;
    let log: serde_json::Value = jfb
        .get(s.url("/api/v1/audit?action=login.failure&username=minzhu"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log["total"], 1);
    assert_eq!(log["entries"][0]["outcome"], "failed");
    assert!(log["entries"][0]["ip"]
        .as_str()
        .unwrap()
        .starts_with("127.0.0.1"));
    assert_eq!(s.audit("login.failure", "nobody").await.len(), 1);
}

async fn r_has_no_session(c: &reqwest::Client, s: &TestServer) -> bool {
    c.get(s.url("/api/v1/me")).send().await.unwrap().status() == 401
}

async fn repeated_failures_lock_the_account(b: Backend) {
    let s = TestServer::start_with(
        b,
        Options {
            auth: AuthConfig {
                max_failures: 3,
                lockout_minutes: 15,
                session_hours: 1,
            },
            ..Default::default()
        },
    )
    .await;
    let c = s.client();
    let attempt = |password: &'static str| {
        let c = c.clone();
        let url = s.url("/api/v1/login");
        async move {
            c.post(url)
                .json(&json!({"username": "minzhu", "password": password}))
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(attempt("wrong-1xx").await.status(), 401);
    assert_eq!(attempt("wrong-2xx").await.status(), 401);
    let third = attempt("wrong-3xx").await;
    assert_eq!(third.status(), 423);
    let msg: serde_json::Value = third.json().await.unwrap();
    assert!(msg["error"].as_str().unwrap().contains("锁定"));

    // While locked, even the right password is refused.
    assert_eq!(attempt(PASSWORD).await.status(), 423);
    assert_eq!(s.audit("login.lockout", "minzhu").await.len(), 1);

    // Other accounts are unaffected.
    let (_, _) = s.login("dagongguan").await;

    // When the lock has run out, the right password works again.
    let user = s.app.db.user_by_name("minzhu").await.unwrap().unwrap();
    s.app
        .db
        .lock_user_until(user.id, jianfu_store::now_ms() - 1)
        .await
        .unwrap();
    assert_eq!(attempt(PASSWORD).await.status(), 200);
    let user = s.app.db.user_by_name("minzhu").await.unwrap().unwrap();
    assert_eq!(user.failed_logins, 0);
}

async fn session_cookie_is_rejected_after_logout(b: Backend) {
    let s = TestServer::start(b).await;
    let c = s.client();
    let r = c
        .post(s.url("/api/v1/login"))
        .json(&json!({"username": "minzhu", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let set_cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("jianfu_session="))
        .expect("session cookie");
    assert!(set_cookie.contains("HttpOnly"));
    assert!(set_cookie.contains("SameSite=Lax"));
    assert!(
        !set_cookie.contains("Secure"),
        "plain HTTP without proxy header"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    let csrf = r.json::<serde_json::Value>().await.unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_string();

    let raw = s.client();
    let me = raw
        .get(s.url("/api/v1/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);

    let out = raw
        .post(s.url("/api/v1/logout"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);

    let me = raw
        .get(s.url("/api/v1/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401);
    let page = raw
        .get(s.url("/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 303);
    assert_eq!(page.headers()["location"], "/login");
    assert_eq!(s.audit("logout", "minzhu").await.len(), 1);
}

async fn secure_cookie_behind_https_proxy(b: Backend) {
    let s = TestServer::start(b).await;
    let r = s
        .client()
        .post(s.url("/api/v1/login"))
        .header("x-forwarded-proto", "https")
        .json(&json!({"username": "minzhu", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

async fn state_change_without_csrf_token_is_refused(b: Backend) {
    let s = TestServer::start(b).await;
    let (admin, csrf) = s.login("admin").await;
    let new_user = json!({
        "username": "newworker",
        "display_name": "新专干",
        "password": "a-good-pass",
        "role": "community",
        "unit": "500107003005",
    });
    let r = admin
        .post(s.url("/api/v1/users"))
        .json(&new_user)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let err: serde_json::Value = r.json().await.unwrap();
    assert!(err["error"].as_str().unwrap().contains("CSRF"));
    let r = admin
        .post(s.url("/api/v1/users"))
        .header("x-csrf-token", "forged-token")
        .json(&new_user)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(
        s.app.db.user_by_name("newworker").await.unwrap().is_none(),
        "nothing written"
    );

    // The web logout form without its token is refused and the session lives on.
    let r = admin
        .post(s.url("/logout"))
        .form(&[("x", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        admin
            .get(s.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // With the token the same request succeeds.
    let r = admin
        .post(s.url("/api/v1/users"))
        .header("x-csrf-token", &csrf)
        .json(&new_user)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created = s.app.db.user_by_name("newworker").await.unwrap().unwrap();
    assert_eq!(created.role, "community");
    assert_eq!(s.audit("user.create", "admin").await.len(), 1);

    // Login by API only accepts JSON, so a cross-site form cannot post it.
    let r = s
        .client()
        .post(s.url("/api/v1/login"))
        .form(&[("username", "minzhu"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);

    // The login form needs its double-submit token.
    let r = s
        .client()
        .post(s.url("/login"))
        .form(&[
            ("username", "minzhu"),
            ("password", PASSWORD),
            ("_csrf", "guess"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

async fn account_rules_give_clear_chinese_errors(b: Backend) {
    let s = TestServer::start(b).await;
    let (admin, csrf) = s.login("admin").await;
    let post = |body: serde_json::Value| {
        let admin = admin.clone();
        let csrf = csrf.clone();
        let url = s.url("/api/v1/users");
        async move {
            let r = admin
                .post(url)
                .header("x-csrf-token", csrf)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<serde_json::Value>().await.unwrap())
        }
    };
    let base = json!({"username": "minzhu", "display_name": "x", "password": "a-good-pass", "role": "community", "unit": "500107003003"});
    let (st, body) = post(base.clone()).await;
    assert_eq!(st, 400);
    assert!(body["error"].as_str().unwrap().contains("已存在"));

    let mut wrong_kind = base.clone();
    wrong_kind["username"] = json!("wrongkind");
    wrong_kind["unit"] = json!("500107003");
    let (st, body) = post(wrong_kind).await;
    assert_eq!(st, 400);
    assert!(body["error"].as_str().unwrap().contains("村社区"), "{body}");

    let mut weak = base.clone();
    weak["username"] = json!("weakpass");
    weak["password"] = json!("1234");
    let (st, body) = post(weak).await;
    assert_eq!(st, 400);
    assert!(body["error"].as_str().unwrap().contains("密码"));

    let mut bad_name = base;
    bad_name["username"] = json!("x'); DROP TABLE users;--");
    let (st, _) = post(bad_name).await;
    assert_eq!(st, 400);

    // A non-admin cannot create accounts, and the attempt is audited.
    let (worker, wcsrf) = s.login("minzhu").await;
    let r = worker
        .post(s.url("/api/v1/users"))
        .header("x-csrf-token", wcsrf)
        .json(&json!({"username": "sneaky", "display_name": "x", "password": "a-good-pass", "role": "admin", "unit": "500107"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(s.app.db.user_by_name("sneaky").await.unwrap().is_none());
    assert_eq!(s.audit("access.denied", "minzhu").await.len(), 1);
}

on_both_backends!(
    wrong_password_is_refused_and_audited,
    repeated_failures_lock_the_account,
    session_cookie_is_rejected_after_logout,
    secure_cookie_behind_https_proxy,
    state_change_without_csrf_token_is_refused,
    account_rules_give_clear_chinese_errors,
);
