//! Finding a resident the way a worker reads them off a paper form: the
//! last digits of an ID number, still shown masked, and never outside the
//! worker's scope; households found by a member's name and shown by their
//! head, not a number.

mod common;

use common::{Backend, TestServer};
use serde_json::Value;

async fn residents_and_households_are_found_by_what_a_worker_knows(b: Backend) {
    let s = TestServer::start(b).await;
    let p = s.first_resident("500107003003").await;
    let (c, _) = s.login("minzhu").await;
    let tail = &p.id_number[p.id_number.len() - 4..];
    let r: Value = c
        .get(s.url(&format!("/api/v1/persons?q={tail}")))
        .send()
        .await
        .expect("search")
        .json()
        .await
        .expect("json");
    let found = r["persons"].as_array().cloned().unwrap_or_default();
    assert!(found.iter().any(|x| x["id"] == p.id), "{r}");
    assert!(
        found
            .iter()
            .all(|x| x["id_number"].as_str().is_some_and(|n| n.contains('*'))),
        "still masked: {r}"
    );
    // Another community's worker does not find this resident that way.
    let (other, _) = s.login("dagongguan").await;
    let r: Value = other
        .get(s.url(&format!("/api/v1/persons?q={tail}")))
        .send()
        .await
        .expect("search")
        .json()
        .await
        .expect("json");
    assert!(
        r["persons"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|x| x["id"] != p.id),
        "{r}"
    );

    // The household list finds the household by a member's name and shows
    // its head, not "#id".
    let household = p
        .household_id
        .expect("the demo's residents live in households");
    let html = c
        .get(s.url(&format!("/register/households?q={}", p.name)))
        .send()
        .await
        .expect("list")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains(&format!("/register/households/{household}")),
        "{html}"
    );
    assert!(!html.contains(&format!(">#{household}<")), "{html}");
    let none = c
        .get(s.url("/register/households?q=没有这个人"))
        .send()
        .await
        .expect("list")
        .text()
        .await
        .expect("html");
    assert!(
        !none.contains("/register/households/"),
        "the search narrows the list: {none}"
    );
    let page = c
        .get(s.url(&format!("/register/households/{household}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains("户（") && !page.contains(&format!("#{household}")),
        "{page}"
    );
}

on_both_backends!(residents_and_households_are_found_by_what_a_worker_knows);
