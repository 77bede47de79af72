//! Every response carries the security headers: pages, the API, static
//! files, error pages and refusals by the middleware.

mod common;

use common::{Backend, TestServer};

const WANT: [(&str, &str); 4] = [
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("x-frame-options", "DENY"),
    (
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    ),
];

fn check(r: &reqwest::Response, what: &str, status: u16) {
    assert_eq!(r.status(), status, "{what}");
    // Personal data stays out of caches; only the static assets may be kept.
    let cache = r
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if what.contains("static") || r.url().path().starts_with("/static/") {
        assert!(cache.starts_with("max-age"), "{what}: {cache}");
    } else {
        assert_eq!(cache, "no-store", "{what}");
    }
    for (name, value) in WANT {
        let got = r.headers().get_all(name).iter().collect::<Vec<_>>();
        assert_eq!(got.len(), 1, "{what}: one {name} header, got {got:?}");
        assert_eq!(got[0], value, "{what}: {name}");
    }
}

async fn every_response_carries_the_security_headers(b: Backend) {
    let s = TestServer::start(b).await;
    let anon = s.client();
    let (c, _) = s.login("minzhu").await;
    let get = |c: &reqwest::Client, path: &str| c.get(s.url(path)).send();

    check(&get(&anon, "/login").await.unwrap(), "login page", 200);
    check(&get(&c, "/").await.unwrap(), "home page", 200);
    check(&get(&anon, "/").await.unwrap(), "redirect to login", 303);
    check(&get(&c, "/api/v1/me").await.unwrap(), "API", 200);
    check(&get(&anon, "/healthz").await.unwrap(), "health", 200);
    check(
        &get(&anon, "/static/app.css").await.unwrap(),
        "stylesheet",
        200,
    );
    check(&get(&anon, "/static/app.js").await.unwrap(), "script", 200);
    check(&get(&c, "/no-such-page").await.unwrap(), "error page", 404);
    check(&get(&c, "/org/abc").await.unwrap(), "bad path page", 400);
    check(&get(&anon, "/api/v1/me").await.unwrap(), "API 401", 401);
    check(&get(&c, "/api/v1/nothing").await.unwrap(), "API 404", 404);
    let refused = c.post(s.url("/api/v1/logout")).send().await.unwrap();
    check(&refused, "CSRF refusal", 403);
}

on_both_backends!(every_response_carries_the_security_headers);
