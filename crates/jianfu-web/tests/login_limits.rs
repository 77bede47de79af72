//! A login flood cannot stall the server, probe for accounts or guess
//! without limit: one argon2 verification per attempt whatever the account,
//! a per-address limit answered 429, and `/healthz` answering meanwhile.

mod common;

use common::{Backend, Options, TestServer, PASSWORD};
use jianfu_app::AuthConfig;
use jianfu_web::WebConfig;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// One API login attempt as if the proxy saw it come from `from`.
async fn attempt(s: &TestServer, from: &str, username: &str, password: &str) -> reqwest::Response {
    s.client()
        .post(s.url("/api/v1/login"))
        .header("x-forwarded-for", from)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .expect("login request")
}

fn behind_proxy() -> Options {
    Options {
        web: WebConfig {
            trust_proxy: true,
            ..WebConfig::default()
        },
        ..Default::default()
    }
}

async fn error_of(r: reqwest::Response) -> String {
    let body: Value = r.json().await.expect("json");
    body["error"].as_str().expect("error message").to_string()
}

/// Unknown, disabled, locked and real accounts all cost one verification,
/// and all but the right password on a usable account read the same.
async fn every_attempt_runs_one_verification(b: Backend) {
    let s = TestServer::start(b).await;
    let counted = || s.app.passwords.verifications();

    let before = counted();
    let r = s.try_login("no-such-user", "whatever-1").await;
    assert_eq!(r.status(), 401);
    assert_eq!(error_of(r).await, "用户名或密码错误");
    assert_eq!(counted(), before + 1, "an unknown name runs a verification");

    let before = counted();
    let r = s.try_login("minzhu", "not-the-password").await;
    assert_eq!(r.status(), 401);
    assert_eq!(error_of(r).await, "用户名或密码错误");
    assert_eq!(
        counted(),
        before + 1,
        "a wrong password runs a verification"
    );

    let renshe = s.app.db.user_by_name("renshe").await.unwrap().unwrap();
    s.app.db.set_user_disabled(renshe.id, true).await.unwrap();
    let before = counted();
    let r = s.try_login("renshe", "not-the-password").await;
    assert_eq!(r.status(), 401);
    assert_eq!(
        error_of(r).await,
        "用户名或密码错误",
        "a wrong password does not reveal that the account exists"
    );
    assert_eq!(
        counted(),
        before + 1,
        "a disabled account runs a verification"
    );
    let before = counted();
    let r = s.try_login("renshe", PASSWORD).await;
    assert_eq!(r.status(), 401);
    assert!(error_of(r).await.contains("停用"));
    assert_eq!(counted(), before + 1);

    let dagongguan = s.app.db.user_by_name("dagongguan").await.unwrap().unwrap();
    s.app
        .db
        .lock_user_until(dagongguan.id, jianfu_store::now_ms() + 600_000)
        .await
        .unwrap();
    let before = counted();
    assert_eq!(s.try_login("dagongguan", PASSWORD).await.status(), 423);
    assert_eq!(
        counted(),
        before + 1,
        "a locked account runs a verification"
    );

    let before = counted();
    assert_eq!(s.try_login("minzhu", PASSWORD).await.status(), 200);
    assert_eq!(counted(), before + 1);
}

async fn failed_logins_per_address_are_limited(b: Backend) {
    let s = TestServer::start_with(b, behind_proxy()).await;
    let limit = WebConfig::default().login_attempts_per_minute;
    for i in 0..limit {
        // A different name each time: the limit is per address, whatever
        // names are tried (each name alone would lock after five).
        let r = attempt(&s, "203.0.113.7", &format!("nobody-{i}"), "wrong-pass").await;
        assert_ne!(r.status(), 429, "attempt {i} is within the limit");
    }
    let before = s.app.passwords.verifications();
    let r = attempt(&s, "203.0.113.7", "nobody", "wrong-again").await;
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait >= 1);
    let msg = error_of(r).await;
    assert_eq!(msg, format!("登录尝试过于频繁，请在{wait}秒后重试"));
    // Even the right password waits, and a refused attempt costs no hash.
    assert_eq!(
        attempt(&s, "203.0.113.7", "jianfuban", PASSWORD)
            .await
            .status(),
        429
    );
    assert_eq!(s.app.passwords.verifications(), before);

    // What the client writes before the proxy's entry does not count:
    // the proxy appends the address it saw.
    let spoofed = attempt(&s, "198.51.100.1, 203.0.113.7", "minzhu", PASSWORD).await;
    assert_eq!(spoofed.status(), 429);

    // The login form refuses the same way, in Chinese.
    let c = s.client();
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
    let token = html[start..].split('"').next().unwrap().to_string();
    let page = c
        .post(s.url("/login"))
        .header("x-forwarded-for", "203.0.113.7")
        .form(&[
            ("username", "minzhu"),
            ("password", PASSWORD),
            ("_csrf", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 429);
    assert!(page.headers().contains_key("retry-after"));
    assert!(page.text().await.unwrap().contains("登录尝试过于频繁"));

    // Other addresses are unaffected, and successful logins (an office
    // behind one address) never use the allowance up.
    assert_eq!(
        attempt(&s, "203.0.113.8", "someone-else", "wrong-1-x")
            .await
            .status(),
        401
    );
    for _ in 0..limit + 5 {
        assert_eq!(
            attempt(&s, "203.0.113.9", "jianfuban", PASSWORD)
                .await
                .status(),
            200
        );
    }
}

/// While a flood of logins is being verified, other requests are served.
/// The verifications are held mid-flight (no timing involved): `/healthz`
/// must answer meanwhile, and only as many hashes run as there are
/// permits. Were argon2 run on the async workers, the held verifications
/// would occupy them and `/healthz` could not answer until a watchdog
/// thread let them go.
async fn healthz_answers_while_logins_are_in_flight(b: Backend) {
    let s = Arc::new(TestServer::start_with(b, behind_proxy()).await);
    const FLOOD: usize = 16;
    let passwords = s.app.passwords.clone();
    let concurrent = passwords.concurrent().min(FLOOD) as u64;
    let before = passwords.verifications();
    passwords.hold();
    // Frees the verifications if the server cannot serve while they are
    // held, so the test fails instead of hanging.
    let (done, watchdog_wait) = std::sync::mpsc::channel::<()>();
    let watchdog = {
        let passwords = passwords.clone();
        std::thread::spawn(move || {
            let fired = watchdog_wait
                .recv_timeout(std::time::Duration::from_secs(60))
                .is_err();
            passwords.release();
            fired
        })
    };

    let answered = Arc::new(AtomicUsize::new(0));
    let mut flood = Vec::new();
    for i in 0..FLOOD {
        let (s, answered) = (s.clone(), answered.clone());
        flood.push(tokio::spawn(async move {
            let r = attempt(&s, &format!("198.51.100.{i}"), "minzhu", "wrong-pass-x").await;
            answered.fetch_add(1, Ordering::SeqCst);
            r.status().as_u16()
        }));
    }
    while passwords.verifications() - before < concurrent {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let health = s.client().get(s.url("/healthz")).send().await.unwrap();
    let started = passwords.verifications() - before;
    let answered_meanwhile = answered.load(Ordering::SeqCst);
    let _ = done.send(());
    let watchdog_fired = watchdog.join().unwrap();

    assert!(
        !watchdog_fired,
        "healthz could not be answered while verifications were in flight"
    );
    assert_eq!(health.status(), 200);
    let body: Value = health.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(answered_meanwhile, 0, "the logins were still in flight");
    assert_eq!(
        started, concurrent,
        "no more hashes at once than permits; the rest wait their turn"
    );
    for f in flood {
        let status = f.await.unwrap();
        // The 5th failure locks minzhu; every attempt is refused anyway.
        assert!(status == 401 || status == 423, "{status}");
    }
    assert_eq!(
        passwords.verifications(),
        before + FLOOD as u64,
        "one verification per attempt"
    );
}

/// A name that is no account locks after as many failures as a real one,
/// with the same answer, so the lockout does not tell which names exist.
async fn unknown_names_lock_like_accounts(b: Backend) {
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
    let mut answers = Vec::new();
    for name in ["minzhu", "no-such-user"] {
        let mut seen = Vec::new();
        for i in 0..4 {
            let r = s.try_login(name, &format!("wrong-{i}-pass")).await;
            let status = r.status().as_u16();
            seen.push((status, error_of(r).await));
        }
        answers.push(seen);
    }
    assert_eq!(
        answers[0], answers[1],
        "a real and an unknown name answer alike"
    );
    assert_eq!(answers[1][2].0, 423);
    assert!(answers[1][2].1.contains("锁定"));
    // The audit log still says what happened.
    assert_eq!(s.audit("login.lockout", "minzhu").await.len(), 1);
    assert!(s.audit("login.lockout", "no-such-user").await.is_empty());
    assert_eq!(s.audit("login.failure", "no-such-user").await.len(), 4);
}

on_both_backends!(
    unknown_names_lock_like_accounts,
    every_attempt_runs_one_verification,
    failed_logins_per_address_are_limited,
    healthz_answers_while_logins_are_in_flight,
);
