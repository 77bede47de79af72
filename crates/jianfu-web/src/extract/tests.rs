use super::*;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Cell {
    row: String,
    col: i64,
    #[serde(default)]
    seen: Option<String>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Year {
    year: Option<i32>,
    #[serde(default)]
    q: String,
}

fn no_english(msg: &str) {
    for w in [
        "Failed", "parse", "invalid", "expected", "missing", "line", "column", "EOF",
    ] {
        assert!(!msg.contains(w), "English left in {msg:?}");
    }
}

#[test]
fn json_mistakes_name_the_field_or_position() {
    let bad = |body: &str| json_body::<Cell>(body.as_bytes(), "请求体").unwrap_err();
    let cases = [
        (
            "{\"row\":\"1\",\"col\":\"abc\"}",
            "请求体有误：字段“col”类型不对：应为整数，而不是文本“abc”",
        ),
        ("{\"col\":1}", "请求体有误：缺少字段“row”"),
        (
            "{\"row\":\"1\",",
            "请求体不是完整的 JSON：在第1行第11列意外结束",
        ),
        (
            "{\"row\" \"1\"}",
            "请求体不是合法的 JSON：第1行第8列附近有误",
        ),
        ("", "请求体为空，应为 JSON"),
        (
            "{\"row\":\"1\",\"col\":2} trailing",
            "请求体不是合法的 JSON：第1行第21列附近有误",
        ),
    ];
    for (body, want) in cases {
        let p = bad(body);
        assert_eq!(p.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(p.message, want, "{body}");
        no_english(&p.message);
    }
    let ok: Cell = json_body(b"{\"row\":\"1\",\"col\":2}", "请求体").unwrap();
    assert_eq!(ok.col, 2);
}

#[test]
fn query_mistakes_name_the_parameter_and_value() {
    let p = urlencoded::<Year>("year=abc&q=x", "查询参数").unwrap_err();
    assert_eq!(p.message, "查询参数“year”有误：应为整数，而不是“abc”");
    no_english(&p.message);
    let ok: Year = urlencoded("year=2026", "查询参数").unwrap();
    assert_eq!(ok.year, Some(2026));
    let p = urlencoded::<Cell>("col=1", "表单字段").unwrap_err();
    assert_eq!(p.message, "表单字段有误：缺少字段“row”");
}

#[test]
fn json_content_types_as_axum_accepts_them() {
    let with = |ct: &str| {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, ct.parse().unwrap());
        is_json(&h)
    };
    assert!(with("application/json"));
    assert!(with("application/json; charset=utf-8"));
    assert!(with("Application/JSON"));
    assert!(with("application/merge-patch+json"));
    assert!(!with("text/json"));
    assert!(!with("text/plain"));
    assert!(!is_json(&HeaderMap::new()));
}

/// Every handler takes the extractors of this module, so a malformed
/// request can never reach a client as axum's English text. This reads
/// the handler sources and refuses axum's extractors by name.
#[test]
fn handlers_use_these_extractors() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for dir in ["api", "pages"] {
        for entry in std::fs::read_dir(src.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    assert!(files.len() >= 10, "found the handler files");
    let forbidden = [
        ("): Json<", "ApiJson"),
        ("): Path<", "ApiPath / PagePath"),
        ("): Query<", "ApiQuery / PageQuery"),
        ("): Form<", "PageForm"),
        ("Rejection", "ApiJson, ApiPath, ApiQuery"),
        (": Multipart,", "ApiMultipart / PageMultipart"),
        ("WithRejection", "the extractors of crate::extract"),
    ];
    let mut found = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in text.lines().enumerate() {
            for (pattern, instead) in forbidden {
                if line.contains(pattern) {
                    found.push(format!(
                        "{}:{}: `{}` — use {instead}",
                        f.display(),
                        n + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}
