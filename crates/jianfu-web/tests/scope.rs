//! Role and org-unit scope on pages and API.

mod common;

use common::{Backend, TestServer};

async fn community_worker_gets_403_on_another_community(b: Backend) {
    let s = TestServer::start(b).await;
    let own = s.unit_id("500107003003").await;
    let other = s.unit_id("500107003004").await;
    let (c, _) = s.login("minzhu").await;

    assert_eq!(
        c.get(s.url(&format!("/org/{own}")))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        c.get(s.url(&format!("/api/v1/org/units/{own}")))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let page = c.get(s.url(&format!("/org/{other}"))).send().await.unwrap();
    assert_eq!(page.status(), 403);
    let html = page.text().await.unwrap();
    assert!(html.contains("无权访问"), "{html}");
    assert!(
        !html.contains("大公馆"),
        "the page must not leak the unit's name"
    );

    let api = c
        .get(s.url(&format!("/api/v1/org/units/{other}")))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 403);

    let denied = s.audit("access.denied", "minzhu").await;
    assert_eq!(denied.len(), 2, "both attempts are audited");
    assert!(denied
        .iter()
        .all(|e| e.target.as_deref() == Some(&format!("org_unit:{other}")[..])));
    assert!(denied.iter().all(|e| e.outcome == "denied"));

    // The parent street is outside a community's scope as well.
    let street = s.unit_id("500107003").await;
    assert_eq!(
        c.get(s.url(&format!("/api/v1/org/units/{street}")))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

async fn scope_follows_the_tree(b: Backend) {
    let s = TestServer::start(b).await;
    // The street sees all its communities, but not another street's.
    let (street, _) = s.login("xiejiawan").await;
    let mine = s.unit_id("500107003014").await;
    let theirs = s.unit_id("500107001001").await;
    assert_eq!(
        street
            .get(s.url(&format!("/api/v1/org/units/{mine}")))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        street
            .get(s.url(&format!("/api/v1/org/units/{theirs}")))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    // A grid worker sees only the grid.
    let (grid, _) = s.login("minzhu-wg1").await;
    let community = s.unit_id("500107003003").await;
    assert_eq!(
        grid.get(s.url(&format!("/api/v1/org/units/{community}")))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    // The unit list returns only what is in scope.
    let (c, _) = s.login("minzhu").await;
    let units: serde_json::Value = c
        .get(s.url("/api/v1/org/units"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let codes: Vec<_> = units["units"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["code"].as_str())
        .collect();
    assert_eq!(codes, vec!["500107003003"]);
    let kinds: Vec<_> = units["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.iter().filter(|k| **k == "grid").count() >= 3,
        "the community sees its grids"
    );

    // A department sees the district it serves; search works inside it.
    let (dept, _) = s.login("minzheng").await;
    let found: serde_json::Value = dept
        .get(s.url("/api/v1/org/units?q=%E6%B0%91%E4%B8%BB%E6%9D%91"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(found["units"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["code"] == "500107003003"));

    // Searching with LIKE wildcards matches them literally.
    let found: serde_json::Value = dept
        .get(s.url("/api/v1/org/units?q=%25"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["units"].as_array().unwrap().len(), 0);
}

async fn audit_log_is_for_admin_and_jianfuban_only(b: Backend) {
    let s = TestServer::start(b).await;
    for who in ["admin", "jianfuban"] {
        let (c, _) = s.login(who).await;
        assert_eq!(
            c.get(s.url("/api/v1/audit")).send().await.unwrap().status(),
            200,
            "{who}"
        );
        assert_eq!(
            c.get(s.url("/audit")).send().await.unwrap().status(),
            200,
            "{who}"
        );
    }
    for who in ["minzheng", "xiejiawan", "minzhu", "minzhu-wg1"] {
        let (c, _) = s.login(who).await;
        assert_eq!(
            c.get(s.url("/api/v1/audit")).send().await.unwrap().status(),
            403,
            "{who}"
        );
        assert_eq!(
            c.get(s.url("/audit")).send().await.unwrap().status(),
            403,
            "{who}"
        );
        assert_eq!(
            c.get(s.url("/admin/users")).send().await.unwrap().status(),
            403,
            "{who}"
        );
    }
    // Filters with bad input are named in Chinese.
    let (c, _) = s.login("admin").await;
    let r = c
        .get(s.url("/api/v1/audit?from=yesterday"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("起始日期"));
}

async fn unauthenticated_requests_are_turned_away(b: Backend) {
    let s = TestServer::start(b).await;
    let c = s.client();
    for p in [
        "/api/v1/me",
        "/api/v1/org/units",
        "/api/v1/users",
        "/api/v1/audit",
    ] {
        assert_eq!(c.get(s.url(p)).send().await.unwrap().status(), 401, "{p}");
    }
    for p in ["/", "/org", "/audit", "/admin/users"] {
        let r = c.get(s.url(p)).send().await.unwrap();
        assert_eq!(r.status(), 303, "{p}");
        assert!(r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login"));
    }
    // A forged cookie is no session.
    let r = c
        .get(s.url("/api/v1/me"))
        .header("cookie", "jianfu_session=forged")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

on_both_backends!(
    community_worker_gets_403_on_another_community,
    scope_follows_the_tree,
    audit_log_is_for_admin_and_jianfuban_only,
    unauthenticated_requests_are_turned_away,
);
