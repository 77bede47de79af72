//! New data items learned across a batch of forms. A column that matches
//! no element is still a fact; when other forms of the same batch ask for
//! it too, it is one item asked again, and the 减负办 should see it as such
//! before the dictionary knows it. Columns are grouped by their normalised
//! wording (with whose it is, when a parent says so) and by wording family
//! (情况/状况, 日期/时间, 类别/类型); each group seen in two forms or more
//! gets one proposed element, `new.<pinyin>`, stable across runs because
//! it is made from the wording alone. A column in one form alone stays
//! without an element.

use crate::dictionary::normalize_label;
use pinyin::ToPinyin;
use std::collections::{BTreeMap, BTreeSet};

/// Every proposed code starts with this; no shipped or accepted element
/// may (`Dictionary::insert` refuses it), so the two never collide.
pub const PROPOSED_PREFIX: &str = "new.";

/// An unmatched data column: which form of the batch, and its header path.
#[derive(Debug, Clone)]
pub struct Unmatched {
    pub form: usize,
    pub path: Vec<String>,
}

/// One proposed element: its code, the wording shown as its name, and
/// every wording seen, as aliases.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Proposal {
    pub code: String,
    pub name: String,
    pub aliases: Vec<String>,
    /// How many forms of the batch ask for it.
    pub forms: usize,
}

/// Wording families whose members ask for the same thing; each is
/// replaced by its first member in the grouping key.
const FAMILIES: [&[&str]; 6] = [
    &["情况", "状况", "状态"],
    &["日期", "时间", "年月日", "年月"],
    &["类别", "类型", "种类"],
    &["号码", "编号", "编码", "号"],
    &["人数", "数量", "数"],
    &["名称", "名字"],
];

/// The grouping key of a wording: normalised, family suffix unified.
pub fn family_key(label: &str) -> String {
    let n = normalize_label(label);
    for family in FAMILIES {
        for s in family.iter() {
            if let Some(stem) = n.strip_suffix(s) {
                if stem.chars().count() >= 2 {
                    return format!("{stem}{}", family[0]);
                }
            }
        }
    }
    n
}

/// The key of a column: its leaf's family key, after the nearest parent's
/// wording when that parent names someone else (父亲 > 务工地点 is not the
/// resident's); a parent that only groups columns (安全隐患 > 燃气使用情况)
/// changes nothing.
fn column_key(path: &[String]) -> Option<String> {
    let leaf = family_key(path.last()?);
    if leaf.chars().count() < 2 {
        return None;
    }
    let owner = path[..path.len() - 1].iter().rev().find_map(|p| {
        let p = family_key(p);
        super::roles::role_word(&p)
            .filter(|(_, r)| *r != super::roles::Role::Subject)
            .map(|_| p)
    });
    Some(match owner {
        Some(p) => format!("{p}>{leaf}"),
        None => leaf,
    })
}

/// The code for a key: its pinyin, syllables joined by '_'.
fn code_for(key: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut ascii = String::new();
    for c in key.chars() {
        if let Some(p) = c.to_pinyin() {
            if !ascii.is_empty() {
                parts.push(std::mem::take(&mut ascii));
            }
            parts.push(p.plain().to_string());
        } else if c.is_ascii_alphanumeric() {
            ascii.push(c.to_ascii_lowercase());
        } else if c == '>' {
            if !ascii.is_empty() {
                parts.push(std::mem::take(&mut ascii));
            }
            parts.push("of".into());
        }
    }
    if !ascii.is_empty() {
        parts.push(ascii);
    }
    format!("{PROPOSED_PREFIX}{}", parts.join("_"))
}

/// Groups the unmatched columns of a batch. Returns the proposals, and for
/// each input column (same order) its proposed code, or None when its
/// wording is asked by one form only.
pub fn propose(columns: &[Unmatched]) -> (Vec<Proposal>, Vec<Option<String>>) {
    let keys: Vec<Option<String>> = columns.iter().map(|c| column_key(&c.path)).collect();
    let mut groups: BTreeMap<&str, (BTreeSet<usize>, Vec<String>)> = BTreeMap::new();
    for (c, key) in columns.iter().zip(&keys) {
        let Some(key) = key else { continue };
        let g = groups.entry(key.as_str()).or_default();
        g.0.insert(c.form);
        let shown = c
            .path
            .iter()
            .map(|p| normalize_label(p))
            .collect::<Vec<_>>()
            .join(" > ");
        if !g.1.contains(&shown) {
            g.1.push(shown);
        }
    }
    let mut codes: BTreeMap<&str, String> = BTreeMap::new();
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut proposals = Vec::new();
    for (key, (forms, wordings)) in &groups {
        if forms.len() < 2 {
            continue;
        }
        // Homophones: the second wording with the same pinyin gets a
        // number; keys are visited in order, so the result is stable.
        let base = code_for(key);
        let mut code = base.clone();
        let mut n = 2;
        while used.contains(&code) {
            code = format!("{base}_{n}");
            n += 1;
        }
        used.insert(code.clone());
        codes.insert(key, code.clone());
        proposals.push(Proposal {
            code,
            name: wordings.first().cloned().unwrap_or_default(),
            aliases: wordings.iter().skip(1).cloned().collect(),
            forms: forms.len(),
        });
    }
    let assigned = keys
        .iter()
        .map(|k| k.as_deref().and_then(|k| codes.get(k).cloned()))
        .collect();
    (proposals, assigned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(form: usize, path: &[&str]) -> Unmatched {
        Unmatched {
            form,
            path: path.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn three_forms_asking_one_new_thing_share_one_code() {
        let cols = vec![
            col(0, &["宅基地面积（㎡）"]),
            col(1, &["*宅基地面积"]),
            col(2, &["宅基地 面积"]),
            col(2, &["养犬登记证号"]),
            col(1, &["父亲", "务工地点"]),
            col(2, &["务工地点"]),
        ];
        let (proposals, codes) = propose(&cols);
        assert_eq!(codes[0].as_deref(), Some("new.zhai_ji_di_mian_ji"));
        assert_eq!(codes[0], codes[1]);
        assert_eq!(codes[1], codes[2]);
        // One form alone, and a parent that makes it someone else's.
        assert_eq!(codes[3], None);
        assert_eq!(codes[4], None);
        assert_eq!(codes[5], None);
        assert_eq!(proposals.len(), 1);
        assert_eq!(proposals[0].forms, 3);
    }

    #[test]
    fn wording_families_group_and_codes_never_look_shipped() {
        let grouped = vec![
            col(0, &["安全隐患", "燃气使用情况"]),
            col(1, &["燃气使用状况"]),
        ];
        let (_, codes) = propose(&grouped);
        assert!(codes[0].is_some() && codes[0] == codes[1], "{codes:?}");
        let cols = vec![
            col(0, &["入户走访时间"]),
            col(1, &["入户走访日期"]),
            col(0, &["帮扶状况"]),
            col(3, &["帮扶情况"]),
        ];
        let (proposals, codes) = propose(&cols);
        assert_eq!(codes[0], codes[1]);
        assert_eq!(codes[2], codes[3]);
        assert_ne!(codes[0], codes[2]);
        assert!(proposals
            .iter()
            .all(|p| p.code.starts_with(PROPOSED_PREFIX)));
    }
}
