//! Parsing of statistical division code files (统计用区划代码) in the layout of
//! the `china-division` data set: `code,name,<parent columns>`.
//!
//! Parsing is pure: the caller reads the files and decides what to do with
//! the rows and the rejections.

use crate::org::OrgKind;
use std::collections::BTreeMap;

/// Parent columns, most specific first: a village row carries all of them,
/// and its parent is its street.
const PARENT_COLUMNS: [&str; 4] = ["streetCode", "areaCode", "cityCode", "provinceCode"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DivisionRow {
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub parent_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub file: String,
    /// 1-based line number in the file, counting the header as line 1.
    pub line: usize,
    pub code: String,
    pub reason: String,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} 第{}行（代码 {}）：{}",
            self.file, self.line, self.code, self.reason
        )
    }
}

#[derive(Debug, Default)]
pub struct Parsed {
    /// Accepted rows, parents before children.
    pub rows: Vec<DivisionRow>,
    pub rejected: Vec<Rejection>,
}

/// Parses the given files. `known_codes` are codes that already exist (for
/// example in the database), so a file of streets may be imported on its own
/// once its districts are present.
pub fn parse_files<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a str)>,
    known_codes: &dyn Fn(&str) -> bool,
) -> Parsed {
    let mut out = Parsed::default();
    let mut by_code: BTreeMap<String, DivisionRow> = BTreeMap::new();
    for (file, text) in files {
        parse_one(file, text, &mut by_code, &mut out.rejected);
    }
    let mut rows: Vec<DivisionRow> = by_code.into_values().collect();
    rows.sort_by(|a, b| a.code.len().cmp(&b.code.len()).then(a.code.cmp(&b.code)));
    let mut accepted: std::collections::HashSet<String> = std::collections::HashSet::new();
    for row in rows {
        if let Some(parent) = &row.parent_code {
            if !accepted.contains(parent) && !known_codes(parent) {
                out.rejected.push(Rejection {
                    file: String::from("(合并)"),
                    line: 0,
                    code: row.code.clone(),
                    reason: format!("上级代码 {parent} 不存在"),
                });
                continue;
            }
        }
        accepted.insert(row.code.clone());
        out.rows.push(row);
    }
    out
}

fn parse_one(
    file: &str,
    text: &str,
    by_code: &mut BTreeMap<String, DivisionRow>,
    rejected: &mut Vec<Rejection>,
) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            rejected.push(Rejection {
                file: file.into(),
                line: 1,
                code: String::new(),
                reason: format!("无法读取表头：{e}"),
            });
            return;
        }
    };
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(code_col), Some(name_col)) = (col("code"), col("name")) else {
        rejected.push(Rejection {
            file: file.into(),
            line: 1,
            code: String::new(),
            reason: "表头缺少 code 或 name 列".into(),
        });
        return;
    };
    let parent_col = PARENT_COLUMNS.iter().find_map(|c| col(c));
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                rejected.push(Rejection {
                    file: file.into(),
                    line,
                    code: String::new(),
                    reason: format!("CSV 格式错误：{e}"),
                });
                continue;
            }
        };
        let code = record.get(code_col).unwrap_or("").to_string();
        let name = record.get(name_col).unwrap_or("").to_string();
        let parent = parent_col.and_then(|c| record.get(c)).map(str::to_string);
        let reject = |reason: String| Rejection {
            file: file.into(),
            line,
            code: code.clone(),
            reason,
        };
        if !code.bytes().all(|b| b.is_ascii_digit()) || code.is_empty() {
            rejected.push(reject("代码应全部为数字".into()));
            continue;
        }
        let Some(kind) = OrgKind::from_division_code_len(code.len()) else {
            rejected.push(reject(format!(
                "代码长度为{}位，应为2、4、6、9或12位",
                code.len()
            )));
            continue;
        };
        if name.is_empty() {
            rejected.push(reject("名称为空".into()));
            continue;
        }
        let parent_code = match parent.filter(|p| !p.is_empty()) {
            Some(p) if !code.starts_with(&p) || p.len() >= code.len() => {
                rejected.push(reject(format!("上级代码 {p} 不是本代码的前缀")));
                continue;
            }
            Some(p) => Some(p),
            None if kind != OrgKind::Province => {
                rejected.push(reject("缺少上级代码".into()));
                continue;
            }
            None => None,
        };
        if let Some(existing) = by_code.get(&code) {
            if existing.name != name {
                rejected.push(reject(format!(
                    "代码重复，名称不一致（已有“{}”）",
                    existing.name
                )));
            }
            continue;
        }
        by_code.insert(
            code.clone(),
            DivisionRow {
                code,
                name,
                kind,
                parent_code,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hierarchy_and_orders_parents_first() {
        let streets =
            "code,name,areaCode,provinceCode,cityCode\n500107003,\"谢家湾街道\",500107,50,5001\n";
        let areas = "code,name,cityCode,provinceCode\n500107,\"九龙坡区\",5001,50\n";
        let villages = "code,name,streetCode,provinceCode,cityCode,areaCode\n500107003003,\"民主村社区居民委员会\",500107003,50,5001,500107\n";
        let p = parse_files(
            [
                ("villages.csv", villages),
                ("streets.csv", streets),
                ("areas.csv", areas),
            ],
            &|c| c == "5001",
        );
        assert!(p.rejected.is_empty(), "{:?}", p.rejected);
        let codes: Vec<_> = p.rows.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["500107", "500107003", "500107003003"]);
        assert_eq!(p.rows[2].kind, OrgKind::Community);
        assert_eq!(p.rows[2].parent_code.as_deref(), Some("500107003"));
    }

    #[test]
    fn rejects_bad_rows_with_reasons() {
        let text = "code,name,areaCode\n5001070031,\"坏\",500107\n500107004,\"\",500107\n500108004,\"错\",500107\n50010700A,\"字母\",500107\n500199005,\"孤儿\",500199\n";
        let p = parse_files([("streets.csv", text)], &|c| c == "500107");
        let reasons: Vec<_> = p
            .rejected
            .iter()
            .map(|r| (r.line, r.reason.clone()))
            .collect();
        assert_eq!(p.rows.len(), 0);
        assert_eq!(reasons.len(), 5, "{reasons:?}");
        assert!(reasons[0].1.contains("10位"));
        assert!(reasons[1].1.contains("名称为空"));
        assert!(reasons[2].1.contains("前缀"));
        assert!(reasons[3].1.contains("数字"));
        assert!(reasons[4].1.contains("不存在"));
    }

    #[test]
    fn missing_columns_are_reported() {
        let p = parse_files([("x.csv", "id,title\n1,a\n")], &|_| false);
        assert_eq!(p.rejected.len(), 1);
        assert!(p.rejected[0].reason.contains("code"));
    }
}
