//! A malformed request is answered in the product's error shape, in
//! Chinese, naming the part of the request that was wrong — never with
//! axum's English plain text: JSON for the API, the error page for pages.

mod common;

use common::{Backend, TestServer};
use reqwest::header::CONTENT_TYPE;
use serde_json::json;

/// Words of axum's and serde's own messages.
const ENGLISH: [&str; 9] = [
    "Failed",
    "Cannot parse",
    "deserialize",
    "expected",
    "invalid type",
    "missing field",
    "Content-Type header",
    "multipart",
    "Not Found",
];

/// The error message of a JSON error response with this status.
async fn api_error(r: reqwest::Response, status: u16) -> String {
    assert_eq!(r.status(), status, "{}", r.url());
    let ct = r.headers()[CONTENT_TYPE].to_str().unwrap().to_string();
    assert!(ct.starts_with("application/json"), "{ct}");
    let text = r.text().await.unwrap();
    let body: serde_json::Value = serde_json::from_str(&text).expect("a JSON body");
    let msg = body["error"].as_str().expect("error field").to_string();
    assert!(
        msg.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "Chinese: {msg}"
    );
    for w in ENGLISH {
        // `multipart/form-data` is named on purpose as the expected format.
        if w == "multipart" && msg.contains("multipart/form-data") {
            continue;
        }
        assert!(!msg.contains(w), "English rejection text in {msg:?}");
    }
    msg
}

async fn api_errors_are_chinese_json(b: Backend) {
    let s = TestServer::start(b).await;
    let anon = s.client();

    // A body that is not JSON at all, and one cut short.
    let r = anon
        .post(s.url("/api/v1/login"))
        .header(CONTENT_TYPE, "application/json")
        .body("{\"username\": \"minzhu\", ")
        .send()
        .await
        .unwrap();
    let msg = api_error(r, 400).await;
    assert!(msg.starts_with("请求体不是完整的 JSON"), "{msg}");
    let r = anon
        .post(s.url("/api/v1/login"))
        .header(CONTENT_TYPE, "application/json")
        .body("username=minzhu")
        .send()
        .await
        .unwrap();
    let msg = api_error(r, 400).await;
    assert!(msg.starts_with("请求体不是合法的 JSON"), "{msg}");
    // A field of the wrong type, and one missing.
    let r = anon
        .post(s.url("/api/v1/login"))
        .json(&json!({"username": "minzhu", "password": 12345678}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        api_error(r, 400).await,
        "请求体有误：字段“password”类型不对：应为文本，而不是整数 12345678"
    );
    let r = anon
        .post(s.url("/api/v1/login"))
        .json(&json!({"username": "minzhu"}))
        .send()
        .await
        .unwrap();
    assert_eq!(api_error(r, 400).await, "请求体有误：缺少字段“password”");
    // Not JSON by its content type.
    let r = anon
        .post(s.url("/api/v1/login"))
        .header(CONTENT_TYPE, "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert!(api_error(r, 415).await.contains("application/json"));

    let (c, csrf) = s.login("minzhu").await;
    // A wrong-typed field behind a path parameter and the login.
    let r = c
        .put(s.url("/api/v1/tasks/1/cells"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"row": "1", "col": "abc", "value": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        api_error(r, 400).await,
        "请求体有误：字段“col”类型不对：应为整数，而不是文本“abc”"
    );
    // A path parameter that is not a number.
    let r = c.get(s.url("/api/v1/persons/abc")).send().await.unwrap();
    assert_eq!(api_error(r, 400).await, "路径参数“id”应为整数，而不是“abc”");
    let r = c
        .get(s.url("/api/v1/places/house/12x"))
        .send()
        .await
        .unwrap();
    assert_eq!(api_error(r, 400).await, "路径参数“id”应为整数，而不是“12x”");
    // A query parameter of the wrong type.
    let r = c
        .get(s.url("/api/v1/admission-caps?year=abc"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        api_error(r, 400).await,
        "查询参数“year”有误：应为整数，而不是“abc”"
    );
    // An upload that is not multipart.
    let r = c
        .post(s.url("/api/v1/imports"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"file": "x"}))
        .send()
        .await
        .unwrap();
    assert!(api_error(r, 400).await.starts_with("上传格式不对"));
    // An unknown endpoint, and a known one with the wrong method.
    let r = c.get(s.url("/api/v1/no-such-thing")).send().await.unwrap();
    let msg = api_error(r, 404).await;
    assert!(
        msg.contains("没有这个接口") && msg.contains("/api/v1/no-such-thing"),
        "{msg}"
    );
    let r = anon.get(s.url("/api/v1/login")).send().await.unwrap();
    let msg = api_error(r, 405).await;
    assert!(msg.contains("不支持 GET"), "{msg}");
    let r = c
        .put(s.url("/api/v1/me"))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    api_error(r, 405).await;
}

async fn pages_show_the_error_page(b: Backend) {
    let s = TestServer::start(b).await;
    let (c, _) = s.login("minzhu").await;
    let page = |path: &'static str| {
        let c = c.clone();
        let url = s.url(path);
        async move {
            let r = c.get(url).send().await.unwrap();
            let status = r.status().as_u16();
            let ct = r.headers()[CONTENT_TYPE].to_str().unwrap().to_string();
            assert!(ct.starts_with("text/html"), "{path}: {ct}");
            (status, r.text().await.unwrap())
        }
    };
    let (status, html) = page("/org/abc").await;
    assert_eq!(status, 400);
    assert!(html.contains("<html"), "the normal page: {html}");
    assert!(html.contains("路径参数“id”应为整数"), "{html}");
    let (status, html) = page("/register/persons/1x").await;
    assert_eq!(status, 400);
    assert!(html.contains("路径参数“id”应为整数"), "{html}");
    let (status, html) = page("/audit?page=zz").await;
    assert!(status == 400 || status == 403, "{status}");
    assert!(!html.contains("Failed to deserialize"), "{html}");
    let (status, html) = page("/no-such-page").await;
    assert_eq!(status, 404);
    assert!(html.contains("页面不存在"), "{html}");
    for w in ENGLISH {
        assert!(!html.contains(w), "{w} in {html}");
    }
}

on_both_backends!(api_errors_are_chinese_json, pages_show_the_error_page);
