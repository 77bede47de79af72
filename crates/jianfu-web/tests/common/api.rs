//! Calling the JSON API as one signed-in person: the helpers every API
//! test shares.

use super::TestServer;
use serde_json::Value;

/// The body of a successful answer; fails the test with the body otherwise.
pub async fn json_ok(r: reqwest::Response) -> Value {
    let status = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{status}: {body}");
    body
}

/// The message of a refusal with the expected status.
pub async fn error_of(r: reqwest::Response, status: u16) -> String {
    let got = r.status().as_u16();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(got, status, "{body}");
    body["error"].as_str().unwrap_or_default().to_string()
}

/// A signed-in client with its CSRF token.
pub struct Actor {
    pub c: reqwest::Client,
    pub csrf: String,
}

impl Actor {
    pub async fn login(s: &TestServer, user: &str) -> Actor {
        let (c, csrf) = s.login(user).await;
        Actor { c, csrf }
    }

    pub async fn get(&self, s: &TestServer, path: &str) -> reqwest::Response {
        self.c.get(s.url(path)).send().await.expect("request")
    }

    pub async fn send(
        &self,
        s: &TestServer,
        method: &str,
        path: &str,
        body: Value,
    ) -> reqwest::Response {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        self.c
            .request(m, s.url(path))
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .expect("request")
    }
}

/// The office closes every round of `template` not yet closed: the demo
/// has one open, and a second round of the same questions for the same
/// people at the same time is refused.
#[allow(dead_code)]
pub async fn close_open_rounds(s: &TestServer, office: &Actor, template: &str) {
    let rounds = json_ok(office.get(s, "/api/v1/survey-rounds").await).await;
    let rounds = rounds["rounds"].as_array().cloned().expect("rounds");
    for r in rounds {
        if r["template"] == template && r["state"] != "closed" {
            let id = r["id"].as_i64().expect("id");
            let path = format!("/api/v1/survey-rounds/{id}/close");
            json_ok(office.send(s, "POST", &path, Value::Null).await).await;
        }
    }
}
