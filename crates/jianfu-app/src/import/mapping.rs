//! Finding the header row and proposing which element each column holds.

use super::table::Table;
use jianfu_core::dictionary::{normalize_label, Dictionary};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The label is the element's name.
    Name,
    /// The label is one of the element's aliases.
    Alias,
    /// A person confirmed this label before.
    Learned,
    /// Chosen by the person importing.
    Manual,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ColumnMapping {
    pub index: usize,
    pub label: String,
    /// Dictionary element, or `None` when the column is not imported.
    pub element: Option<String>,
    pub kind: Option<MatchKind>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Mapping {
    /// 0-based index of the header row in the table.
    pub header_row: usize,
    pub columns: Vec<ColumnMapping>,
}

/// Labels that mark a column as not data (row numbers, signatures).
const NON_DATA: [&str; 8] = [
    "序号",
    "编号",
    "签字",
    "签名",
    "盖章",
    "手印",
    "备注栏",
    "操作",
];

fn match_label(
    dict: &Dictionary,
    learned: &HashMap<String, String>,
    label: &str,
) -> (Option<String>, Option<MatchKind>) {
    let norm = normalize_label(label);
    if norm.is_empty() || NON_DATA.contains(&norm.as_str()) {
        return (None, None);
    }
    if let Some(code) = learned.get(&norm) {
        return (Some(code.clone()), Some(MatchKind::Learned));
    }
    match dict.by_label(label) {
        Some(e) if normalize_label(&e.name) == norm => {
            (Some(e.code.clone()), Some(MatchKind::Name))
        }
        Some(e) => (Some(e.code.clone()), Some(MatchKind::Alias)),
        None => (None, None),
    }
}

/// The header is the row among the first 20 whose cells name the most
/// dictionary elements (titles and meta lines above it name none).
pub fn suggest_mapping(
    dict: &Dictionary,
    learned: &HashMap<String, String>,
    table: &Table,
) -> Option<Mapping> {
    let mut best: Option<(usize, usize)> = None;
    for (i, row) in table.rows.iter().take(20).enumerate() {
        let hits = row
            .iter()
            .filter(|c| match_label(dict, learned, c).0.is_some())
            .count();
        if hits > 0 && best.is_none_or(|(_, h)| hits > h) {
            best = Some((i, hits));
        }
    }
    let (header_row, _) = best?;
    let mut seen = std::collections::HashSet::new();
    let columns = table.rows[header_row]
        .iter()
        .enumerate()
        .map(|(index, label)| {
            let (mut element, mut kind) = match_label(dict, learned, label);
            // A second column naming the same element is left for a person.
            if let Some(e) = &element {
                if !seen.insert(e.clone()) {
                    element = None;
                    kind = None;
                }
            }
            ColumnMapping {
                index,
                label: label.clone(),
                element,
                kind,
            }
        })
        .collect();
    Some(Mapping {
        header_row,
        columns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_header_below_title_and_meta_lines() {
        let dict = Dictionary::builtin().unwrap();
        let t = Table {
            sheet: "Sheet1".into(),
            rows: vec![
                vec!["民主村社区居民花名册".into()],
                vec![
                    "填报单位：民主村社区".into(),
                    "".into(),
                    "填报日期：2026年11月".into(),
                ],
                vec![
                    "序号".into(),
                    "姓 名".into(),
                    "公民身份号码".into(),
                    "联系方式".into(),
                    "家庭住址".into(),
                    "签字".into(),
                ],
                vec!["1".into(), "张三".into(), "x".into()],
            ],
        };
        let m = suggest_mapping(&dict, &HashMap::new(), &t).unwrap();
        assert_eq!(m.header_row, 2);
        let els: Vec<_> = m.columns.iter().map(|c| c.element.as_deref()).collect();
        assert_eq!(
            els,
            vec![
                None,
                Some("person.name"),
                Some("person.id_number"),
                Some("person.phone"),
                Some("person.current_address"),
                None
            ]
        );
        assert_eq!(m.columns[1].kind, Some(MatchKind::Name));
        assert_eq!(m.columns[2].kind, Some(MatchKind::Name));
        assert_eq!(m.columns[3].kind, Some(MatchKind::Alias));
    }
}
