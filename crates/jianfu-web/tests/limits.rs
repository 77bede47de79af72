//! Expensive input from a department, refused at design time with the limit
//! or the mistake named: filters that cost a millionfold or can never hold,
//! definitions of absurd width, meetings of absurd length. On both
//! databases.

mod common;

use common::{Backend, TestServer};
use serde_json::{json, Value};

fn statistical(count_filter: &str, extra_columns: usize) -> Value {
    let mut columns = vec![
        json!({"path": ["单位"], "source": {"type": "row_label"}, "left": 0, "right": 0}),
        json!({"path": ["人数"], "source": {"type": "count", "filter": count_filter}, "left": 0, "right": 0}),
    ];
    for i in 0..extra_columns {
        columns.push(json!({"path": [format!("备用{i}")], "source": {"type": "manual"}, "left": 0, "right": 0}));
    }
    json!({
        "title": "居民情况统计表", "kind": "statistical", "entity": "person",
        "columns": columns, "layout": {"header": [], "merges": []}
    })
}

async fn create(s: &TestServer, c: &reqwest::Client, csrf: &str, def: Value) -> (u16, String) {
    let r = c
        .post(s.url("/api/v1/reports"))
        .header("x-csrf-token", csrf)
        .json(
            &json!({"definition": def, "frequency": "monthly", "period": "2026年12月",
                       "deadline": "2026-12-30", "targets": []}),
        )
        .send()
        .await
        .expect("create");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

async fn expensive_or_impossible_designs_are_refused(b: Backend) {
    let s = TestServer::start(b).await;
    let (dept, csrf) = s.login("minzheng").await;
    let nested = (0..5).fold("a0 > 0".to_string(), |inner, level| {
        format!("[1,2,3,4,5,6,7,8,9,10].all(a{level}, {inner})")
    });
    let list: Vec<String> = (0..100_000).map(|i| format!("'{i}'")).collect();
    for (filter, says) in [
        ("age == 'x'", "数值"),
        ("1/0 == 1", "除以 0"),
        ("name.matches('(')", "正则表达式"),
        (nested.as_str(), "最多 1 个"),
        (
            &format!("ethnicity in [{}]", list.join(",")),
            "最多 4000 个",
        ),
    ] {
        let (status, body) = create(&s, &dept, &csrf, statistical(filter, 0)).await;
        assert_eq!(status, 400, "{filter}: {body}");
        assert!(
            body.contains(says),
            "{}: {body}",
            filter.chars().take(40).collect::<String>()
        );
    }
    let (status, body) = create(&s, &dept, &csrf, statistical("age >= 60", 600)).await;
    assert_eq!(status, 400);
    assert!(body.contains("最多 500 列"), "{body}");
    let (status, body) = create(&s, &dept, &csrf, statistical("age >= 60", 3)).await;
    assert_eq!(status, 200, "a sound design still passes: {body}");
    // A column placed past any sheet, or a layout of absurd size, is refused
    // before an export could try to build it.
    let mut far = statistical("age >= 60", 0);
    far["columns"][1]["right"] = json!(3_000_000_000u64);
    far["layout"]["header"] = json!([["单位", "人数"]]);
    let (status, body) = create(&s, &dept, &csrf, far).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("16384 列"), "{body}");
    let mut wide = statistical("age >= 60", 0);
    wide["layout"]["header"] = json!([["单位", "长".repeat(100_000)]]);
    let (status, body) = create(&s, &dept, &csrf, wide).await;
    assert_eq!(status, 400, "{body}");
    let mut merged = statistical("age >= 60", 0);
    merged["layout"]["header"] = json!([["单位", "人数"]]);
    merged["layout"]["merges"] = json!([{"top": 0, "left": 0, "bottom": 200, "right": 16000}]);
    let (status, body) = create(&s, &dept, &csrf, merged).await;
    assert_eq!(status, 400, "{body}");
    // A body of many megabytes is not even read: only uploads take files.
    // (Its own client: the server answers before the body is sent and
    // closes that connection.)
    let (big, big_csrf) = s.login("minzheng").await;
    let (status, _) = create(&s, &big, &big_csrf, statistical(&"x".repeat(3 << 20), 0)).await;
    assert_eq!(status, 413);

    let r = dept
        .post(s.url("/api/v1/admissions"))
        .header("x-csrf-token", &csrf)
        .json(&json!({
            "title": "全区工作推进会",
            "details": {"kind": "meeting", "date": "2026-12-20", "duration_minutes": 4_294_967_295u64,
                        "keynote_minutes": 30, "attendees_per_unit": 2, "on_site": true},
            "lead_hours": 240
        }))
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    let body = r.text().await.unwrap_or_default();
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("会议时长") && body.contains("最多 1440"),
        "{body}"
    );
}

on_both_backends!(expensive_or_impossible_designs_are_refused);
