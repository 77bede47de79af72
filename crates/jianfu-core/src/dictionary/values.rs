//! Typed values: what a raw cell from a form or spreadsheet means, checked
//! and normalised, with a Chinese message that says what is wrong.

use super::CodeTable;
use super::ValueType;
use crate::id_number::IdNumber;
use chrono::NaiveDate;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Text(String),
    Int(i64),
    Decimal(f64),
    /// `YYYY-MM-DD`.
    Date(String),
    Bool(bool),
    /// A code from the element's code table.
    Code(String),
    IdNumber(String),
    Phone(String),
}

impl Value {
    /// The canonical text stored in the fact log.
    pub fn to_storage(&self) -> String {
        match self {
            Value::Text(s)
            | Value::Date(s)
            | Value::Code(s)
            | Value::IdNumber(s)
            | Value::Phone(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Decimal(f) => {
                let s = format!("{f:.4}");
                s.trim_end_matches('0').trim_end_matches('.').to_string()
            }
            Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValueError {
    #[error("不能为空")]
    Empty,
    #[error("“{0}”不是整数")]
    NotInteger(String),
    #[error("“{0}”不是数字")]
    NotNumber(String),
    #[error("“{0}”不是有效日期（如 1990-01-31 或 1990年1月31日）")]
    NotDate(String),
    #[error("“{0}”应填“是”或“否”")]
    NotBoolean(String),
    #[error("“{value}”不在代码表“{table}”中")]
    NotInTable { value: String, table: String },
    #[error("{0}")]
    IdNumber(String),
    #[error("“{0}”不是有效的手机号或固定电话")]
    NotPhone(String),
    #[error("{0}")]
    Rule(String),
    #[error("内容有 {0} 个字，超出上限（每项最多 {max} 个字）", max = MAX_VALUE_CHARS)]
    TooLong(usize),
}

/// Characters in one stored value. An address or a note fits many times
/// over; a megabyte typed into one cell does not reach the register.
pub const MAX_VALUE_CHARS: usize = 2_000;

/// Removes a trailing unit such as "元", "岁", "人" and thousands commas.
fn numeric_text<'a>(raw: &'a str, unit: Option<&str>) -> String {
    let mut s: &'a str = raw.trim();
    if let Some(u) = unit {
        s = s.strip_suffix(u).unwrap_or(s).trim();
    }
    for u in [
        "元",
        "岁",
        "人",
        "亩",
        "平方米",
        "㎡",
        "个",
        "户",
        "次",
        "年",
        "月",
        "层",
    ] {
        s = s.strip_suffix(u).unwrap_or(s).trim();
    }
    s.replace([',', '，'], "")
}

fn parse_date(raw: &str, today: NaiveDate) -> Option<NaiveDate> {
    let s = raw.trim();
    let cleaned: String = s
        .chars()
        .map(|c| match c {
            '年' | '月' | '/' | '.' | '．' => '-',
            '日' | '号' => ' ',
            c => c,
        })
        .collect();
    let cleaned = cleaned.trim().trim_end_matches('-');
    if cleaned.len() == 8 && cleaned.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(cleaned, "%Y%m%d").ok();
    }
    let parts: Vec<&str> = cleaned.split('-').map(str::trim).collect();
    let num = |i: usize| parts.get(i).and_then(|p| p.parse::<u32>().ok());
    let d = match parts.len() {
        3 => NaiveDate::from_ymd_opt(num(0)? as i32, num(1)?, num(2)?),
        // 出生年月: month precision; the first of the month stands for it.
        2 => NaiveDate::from_ymd_opt(num(0)? as i32, num(1)?, 1),
        _ => None,
    }?;
    (d.format("%Y").to_string().len() == 4 && d <= today + chrono::Duration::days(365 * 50))
        .then_some(d)
}

fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim() {
        "是" | "有" | "√" | "✓" | "1" | "Y" | "y" | "yes" | "true" | "TRUE" | "是☑" | "■是" => {
            Some(true)
        }
        "否" | "无" | "×" | "✗" | "0" | "N" | "n" | "no" | "false" | "FALSE" | "不是" | "没有" => {
            Some(false)
        }
        _ => None,
    }
}

fn parse_code(raw: &str, table: &CodeTable) -> Option<String> {
    let s = raw.trim();
    if let Some((c, _)) = table.values.iter().find(|(c, _)| c == s) {
        return Some(c.clone());
    }
    if let Some((c, _)) = table.values.iter().find(|(_, l)| l == s) {
        return Some(c.clone());
    }
    // "男性" for "男", "汉" for "汉族", and a zero-padded code written short.
    table
        .values
        .iter()
        .find(|(c, l)| {
            (l.starts_with(s)
                && s.chars().count() >= 1
                && l.chars().count() - s.chars().count() <= 1)
                || (s.starts_with(l.as_str()) && s.chars().count() - l.chars().count() <= 1)
                || (s.len() < c.len() && format!("{s:0>width$}", width = c.len()) == *c)
        })
        .map(|(c, _)| c.clone())
}

fn parse_phone(raw: &str) -> Option<String> {
    let digits: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '（' | '）'))
        .collect();
    let digits = digits.strip_prefix("+86").unwrap_or(&digits).to_string();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mobile = digits.len() == 11
        && digits.starts_with('1')
        && matches!(digits.as_bytes()[1], b'3'..=b'9');
    let landline = digits.starts_with('0') && (10..=12).contains(&digits.len());
    let local =
        !digits.starts_with('0') && !digits.starts_with('1') && (7..=8).contains(&digits.len());
    (mobile || landline || local).then_some(digits)
}

/// Parses `raw` as a value of `ty`. `table` is required for codes.
pub fn parse_value(
    ty: ValueType,
    unit: Option<&str>,
    table: Option<&CodeTable>,
    raw: &str,
    today: NaiveDate,
) -> Result<Value, ValueError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(ValueError::Empty);
    }
    match ty {
        ValueType::Text | ValueType::OrgUnit => Ok(Value::Text(s.to_string())),
        ValueType::Integer => {
            let t = numeric_text(s, unit);
            t.parse::<i64>()
                .or_else(|_| match t.parse::<f64>() {
                    Ok(f) if f.fract() == 0.0 && f.abs() < 9e15 => Ok(f as i64),
                    _ => Err(()),
                })
                .map(Value::Int)
                .map_err(|_| ValueError::NotInteger(s.to_string()))
        }
        ValueType::Decimal => {
            let t = numeric_text(s, unit);
            match t.parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(Value::Decimal(f)),
                _ => Err(ValueError::NotNumber(s.to_string())),
            }
        }
        ValueType::Date => parse_date(s, today)
            .map(|d| Value::Date(d.format("%Y-%m-%d").to_string()))
            .ok_or_else(|| ValueError::NotDate(s.to_string())),
        ValueType::Boolean => parse_bool(s)
            .map(Value::Bool)
            .ok_or_else(|| ValueError::NotBoolean(s.to_string())),
        ValueType::Code => {
            let Some(table) = table else {
                return Err(ValueError::NotInTable {
                    value: s.to_string(),
                    table: "（未指定）".into(),
                });
            };
            parse_code(s, table)
                .map(Value::Code)
                .ok_or_else(|| ValueError::NotInTable {
                    value: s.to_string(),
                    table: table_name(table),
                })
        }
        ValueType::IdNumber => IdNumber::parse(s, today)
            .map(|id| Value::IdNumber(id.to_string()))
            .map_err(|e| ValueError::IdNumber(e.to_string())),
        ValueType::Phone => parse_phone(s)
            .map(Value::Phone)
            .ok_or_else(|| ValueError::NotPhone(s.to_string())),
    }
}

fn table_name(t: &CodeTable) -> String {
    let human = match t.code.as_str() {
        "sex" => "性别",
        "ethnicity" => "民族",
        "relation" => "家庭关系",
        "political_status" => "政治面貌",
        "marital_status" => "婚姻状况",
        "education" => "学历",
        "disability_category" => "残疾类别",
        "disability_grade" => "残疾等级",
        other => other,
    };
    format!("{human}（{}）", t.standard)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
    }

    fn p(ty: ValueType, raw: &str) -> Result<Value, ValueError> {
        parse_value(ty, None, None, raw, today())
    }

    #[test]
    fn dates_in_the_forms_people_write() {
        for raw in [
            "1990-01-31",
            "1990/1/31",
            "1990.01.31",
            "19900131",
            "1990年1月31日",
        ] {
            assert_eq!(
                p(ValueType::Date, raw).unwrap(),
                Value::Date("1990-01-31".into()),
                "{raw}"
            );
        }
        assert_eq!(
            p(ValueType::Date, "1990年1月").unwrap(),
            Value::Date("1990-01-01".into())
        );
        assert!(p(ValueType::Date, "1990-02-30").is_err());
        assert!(p(ValueType::Date, "明天").is_err());
    }

    #[test]
    fn phones() {
        assert_eq!(
            p(ValueType::Phone, "138 1234 5678").unwrap(),
            Value::Phone("13812345678".into())
        );
        assert_eq!(
            p(ValueType::Phone, "+86 13812345678").unwrap(),
            Value::Phone("13812345678".into())
        );
        assert_eq!(
            p(ValueType::Phone, "023-68781234").unwrap(),
            Value::Phone("02368781234".into())
        );
        assert!(p(ValueType::Phone, "1381234567").is_err());
        assert!(p(ValueType::Phone, "12812345678").is_err());
        assert!(p(ValueType::Phone, "电话号码").is_err());
    }

    #[test]
    fn numbers_and_booleans() {
        assert_eq!(p(ValueType::Integer, "3人").unwrap(), Value::Int(3));
        assert_eq!(
            p(ValueType::Decimal, "12,345.50元").unwrap(),
            Value::Decimal(12345.5)
        );
        assert_eq!(Value::Decimal(12345.5).to_storage(), "12345.5");
        assert!(p(ValueType::Integer, "3.5").is_err());
        assert_eq!(p(ValueType::Boolean, "√").unwrap(), Value::Bool(true));
        assert_eq!(p(ValueType::Boolean, "否").unwrap(), Value::Bool(false));
        assert!(p(ValueType::Boolean, "也许").is_err());
        assert_eq!(p(ValueType::Text, "  ").unwrap_err(), ValueError::Empty);
    }

    #[test]
    fn id_numbers_are_validated() {
        assert_eq!(
            p(ValueType::IdNumber, "11010519491231002x").unwrap(),
            Value::IdNumber("11010519491231002X".into())
        );
        assert!(p(ValueType::IdNumber, "110105194912310021")
            .unwrap_err()
            .to_string()
            .contains("校验位"));
    }

    #[test]
    fn codes_by_code_or_label() {
        let t = CodeTable {
            code: "sex".into(),
            standard: "GB/T 2261.1-2003".into(),
            values: vec![("1".into(), "男".into()), ("2".into(), "女".into())],
        };
        let c = |raw| parse_value(ValueType::Code, None, Some(&t), raw, today());
        assert_eq!(c("男").unwrap(), Value::Code("1".into()));
        assert_eq!(c("男性").unwrap(), Value::Code("1".into()));
        assert_eq!(c("2").unwrap(), Value::Code("2".into()));
        assert!(c("未知").unwrap_err().to_string().contains("性别"));
    }
}
