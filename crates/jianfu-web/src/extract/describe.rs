//! Chinese descriptions of what serde found wrong in a request.
//!
//! serde and axum describe a bad value in English ("invalid type: string
//! \"abc\", expected i64", "Cannot parse `abc` to a `i64`"). The people who
//! read these messages read Chinese, so the shapes serde produces are
//! recognised here and said again in Chinese; a text that is already
//! Chinese (a product type's own check) is kept; anything else gets a
//! generic Chinese phrase rather than leaking English.

/// What a value should have been, from serde's "expected …" or a Rust
/// type name.
pub fn expected_zh(expected: &str) -> String {
    let e = expected.trim();
    let last = e.rsplit("::").next().unwrap_or(e);
    let integer = [
        "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
    ];
    if integer.contains(&last) || e.contains("integer") {
        "整数".into()
    } else if ["f32", "f64"].contains(&last) || e.contains("float") || e.contains("number") {
        "数字".into()
    } else if last == "bool" || e.contains("boolean") {
        "true 或 false".into()
    } else if last == "String" || last == "str" || e.contains("string") {
        "文本".into()
    } else if e.contains("sequence") || e.starts_with("tuple") || e.contains("array") {
        "数组".into()
    } else if e.contains("map") || e.starts_with("struct") || e.contains("object") {
        "对象".into()
    } else if e.contains("char") {
        "单个字符".into()
    } else {
        "规定格式的值".into()
    }
}

/// What a value was, from serde's `invalid type: <this>, expected …`.
fn actual_zh(actual: &str) -> String {
    let a = actual.trim();
    if let Some(s) = a.strip_prefix("string ") {
        format!("文本{}", quoted(s.trim_matches('"')))
    } else if let Some(n) = a.strip_prefix("integer ") {
        format!("整数 {}", n.trim_matches('`'))
    } else if let Some(n) = a.strip_prefix("floating point ") {
        format!("小数 {}", n.trim_matches('`'))
    } else if let Some(b) = a.strip_prefix("boolean ") {
        format!("布尔值 {}", b.trim_matches('`'))
    } else if a == "null" || a == "unit value" {
        "null".into()
    } else if a == "sequence" {
        "数组".into()
    } else if a == "map" {
        "对象".into()
    } else {
        "其他类型".into()
    }
}

/// A value quoted the Chinese way, shortened so a pasted document does
/// not end up inside the message.
pub fn quoted(value: &str) -> String {
    let mut v: String = value.chars().take(40).collect();
    if value.chars().count() > 40 {
        v.push('…');
    }
    format!("“{v}”")
}

/// The names between backticks, in order: `a`, `b` → [a, b].
fn backticked(s: &str) -> Vec<&str> {
    s.split('`').skip(1).step_by(2).collect()
}

/// serde_json appends " at line 1 column 12"; the position is reported
/// separately where it helps.
fn without_position(msg: &str) -> &str {
    match msg.rfind(" at line ") {
        Some(i) => &msg[..i],
        None => msg,
    }
}

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// A data error from serde about the value at `field` (None: the whole
/// body or query), as a Chinese clause without the part of the request.
pub fn data_error(field: Option<&str>, msg: &str) -> String {
    let msg = without_position(msg);
    let at = |what: String| match field {
        Some(f) => format!("字段{}{what}", quoted(f)),
        None => what,
    };
    if let Some(rest) = msg.strip_prefix("missing field ") {
        let name = backticked(rest).first().copied().unwrap_or("");
        return match field {
            Some(f) => format!("{}中缺少字段{}", quoted(f), quoted(name)),
            None => format!("缺少字段{}", quoted(name)),
        };
    }
    if let Some(rest) = msg.strip_prefix("invalid type: ") {
        let (actual, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return at(format!(
            "类型不对：应为{}，而不是{}",
            expected_zh(expected),
            actual_zh(actual)
        ));
    }
    if let Some(rest) = msg.strip_prefix("invalid value: ") {
        let expected = rest.split_once(", expected ").map_or("", |(_, e)| e);
        return at(format!("的值不对：应为{}", expected_zh(expected)));
    }
    if let Some(rest) = msg.strip_prefix("unknown variant ") {
        let names = backticked(rest);
        let got = names.first().copied().unwrap_or("");
        let allowed = names.get(1..).unwrap_or(&[]).join("、");
        return at(format!(
            "的取值{}不在允许范围内（可选：{allowed}）",
            quoted(got)
        ));
    }
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        let name = backticked(rest).first().copied().unwrap_or("");
        return at(format!("中有不认识的字段{}", quoted(name)));
    }
    if let Some(rest) = msg.strip_prefix("duplicate field ") {
        let name = backticked(rest).first().copied().unwrap_or("");
        return format!("字段{}重复", quoted(name));
    }
    if msg.starts_with("invalid length ") {
        return at("的元素个数不对".into());
    }
    // Text parsing of query values (serde_urlencoded): the standard
    // library's parse errors name only the kind of number.
    if msg.contains("digit") || msg.contains("integer") {
        return at("应为整数".into());
    }
    if msg.contains("float") {
        return at("应为数字".into());
    }
    if msg.contains("`true` or `false`") {
        return at("应为 true 或 false".into());
    }
    if has_chinese(msg) {
        return at(format!("有误：{msg}"));
    }
    at("的值不符合要求".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_json_messages_become_chinese() {
        let cases = [
            (
                Some("col"),
                "invalid type: string \"abc\", expected i64 at line 1 column 12",
                "字段“col”类型不对：应为整数，而不是文本“abc”",
            ),
            (
                None,
                "missing field `username` at line 1 column 2",
                "缺少字段“username”",
            ),
            (
                Some("details"),
                "missing field `kind`",
                "“details”中缺少字段“kind”",
            ),
            (
                Some("action"),
                "unknown variant `fly`, expected one of `submit`, `admit`",
                "字段“action”的取值“fly”不在允许范围内（可选：submit、admit）",
            ),
            (
                Some("targets[0]"),
                "invalid type: floating point `1.5`, expected i64",
                "字段“targets[0]”类型不对：应为整数，而不是小数 1.5",
            ),
            (
                Some("flag"),
                "invalid type: integer `3`, expected a boolean",
                "字段“flag”类型不对：应为true 或 false，而不是整数 3",
            ),
            (
                None,
                "invalid type: sequence, expected struct LoginBody",
                "类型不对：应为对象，而不是数组",
            ),
            (
                Some("year"),
                "invalid digit found in string",
                "字段“year”应为整数",
            ),
            (Some("x"), "something odd happened", "字段“x”的值不符合要求"),
            (
                Some("x"),
                "日期格式应为 YYYY-MM-DD",
                "字段“x”有误：日期格式应为 YYYY-MM-DD",
            ),
        ];
        for (field, msg, want) in cases {
            assert_eq!(data_error(field, msg), want, "{msg}");
        }
    }

    #[test]
    fn no_english_words_are_left() {
        let english = [
            "invalid", "expected", "missing", "unknown", "field", "type", "string",
        ];
        for msg in [
            "invalid type: map, expected a string",
            "invalid value: integer `-1`, expected u32",
            "unknown field `foo`, expected `a` or `b`",
            "invalid length 3, expected a tuple of size 2",
            "cannot parse integer from empty string",
            "provided string was not `true` or `false`",
            "some message we never saw",
        ] {
            let zh = data_error(Some("f"), msg);
            for w in english {
                assert!(!zh.contains(w), "{msg} → {zh}");
            }
        }
    }

    #[test]
    fn rust_type_names() {
        assert_eq!(expected_zh("i64"), "整数");
        assert_eq!(expected_zh("alloc::string::String"), "文本");
        assert_eq!(expected_zh("f64"), "数字");
        assert_eq!(expected_zh("a sequence"), "数组");
        assert_eq!(quoted(&"长".repeat(50)).chars().count(), 43);
    }
}
