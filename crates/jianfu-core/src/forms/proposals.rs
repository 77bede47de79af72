//! New data items learned across a batch of forms. A column that matches
//! no element is still a fact; when other forms of the same batch ask for
//! it too, it is one item asked again, and the 减负办 should see it as such
//! before the dictionary knows it. Columns are grouped by their normalised
//! wording (with whose it is, when a parent says so) and by wording family
//! (情况/状况, 日期/时间, 类别/类型), kept apart when their units say their
//! values differ (补贴（元） is not 补贴（人）) and joined when a unit says
//! the family word the wording left out (承包地（亩）, 承包地面积); each
//! group seen in two forms or more
//! gets one proposed element, `new.<pinyin>`, stable across runs because
//! it is made from the wording alone. A column in one form alone stays
//! without an element.

use super::value_kind::{value_kind, ValueKind};
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
/// changes nothing. With it, the kind of value the leaf's words and unit
/// ask for.
fn column_key(path: &[String]) -> Option<(String, ValueKind)> {
    let raw = path.last()?;
    let kind = value_kind(raw);
    let mut leaf = family_key(raw);
    if leaf.chars().count() < 2 {
        return None;
    }
    if let Some(word) = kind.implied_word() {
        if !leaf.ends_with(word) {
            leaf.push_str(word);
        }
    }
    let owner = path[..path.len() - 1].iter().rev().find_map(|p| {
        let p = family_key(p);
        super::roles::role_word(&p)
            .filter(|(_, r)| *r != super::roles::Role::Subject)
            .map(|_| p)
    });
    let key = match owner {
        Some(p) => format!("{p}>{leaf}"),
        None => leaf,
    };
    Some((key, kind))
}

/// Splits one wording's columns by the kind of value they ask: when the
/// columns that say their kind all say the same, the wording is one item
/// (those silent about it join); when they disagree, each kind is its own
/// item, and the silent ones stand apart, as nothing tells which they are.
/// Returns each column's sub-key: "" or the kind's tag.
fn split_by_kind(kinds: &[ValueKind]) -> Vec<&'static str> {
    let known: BTreeSet<ValueKind> = kinds
        .iter()
        .copied()
        .filter(|k| *k != ValueKind::Unknown)
        .collect();
    if known.len() <= 1 {
        return vec![""; kinds.len()];
    }
    kinds.iter().map(|k| k.tag()).collect()
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
    let keyed: Vec<Option<(String, ValueKind)>> =
        columns.iter().map(|c| column_key(&c.path)).collect();
    // Which columns share a wording, then how that wording splits by kind.
    let mut by_wording: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, k) in keyed.iter().enumerate() {
        if let Some((key, _)) = k {
            by_wording.entry(key.as_str()).or_default().push(i);
        }
    }
    let mut sub: Vec<&'static str> = vec![""; columns.len()];
    for members in by_wording.values() {
        let kinds: Vec<ValueKind> = members
            .iter()
            .filter_map(|&i| keyed[i].as_ref().map(|(_, k)| *k))
            .collect();
        for (&i, tag) in members.iter().zip(split_by_kind(&kinds)) {
            sub[i] = tag;
        }
    }
    type Group = (BTreeSet<usize>, Vec<String>);
    let mut groups: BTreeMap<(&str, &str), Group> = BTreeMap::new();
    for (i, (c, k)) in columns.iter().zip(&keyed).enumerate() {
        let Some((key, _)) = k else { continue };
        let g = groups.entry((key.as_str(), sub[i])).or_default();
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
    let mut codes: BTreeMap<(&str, &str), String> = BTreeMap::new();
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut proposals = Vec::new();
    for (&(key, tag), (forms, wordings)) in &groups {
        if forms.len() < 2 {
            continue;
        }
        // Homophones: the second wording with the same pinyin gets a
        // number; keys are visited in order, so the result is stable.
        let base = if tag.is_empty() {
            code_for(key)
        } else {
            format!("{}_{tag}", code_for(key))
        };
        let mut code = base.clone();
        let mut n = 2;
        while used.contains(&code) {
            code = format!("{base}_{n}");
            n += 1;
        }
        used.insert(code.clone());
        codes.insert((key, tag), code.clone());
        proposals.push(Proposal {
            code,
            name: wordings.first().cloned().unwrap_or_default(),
            aliases: wordings.iter().skip(1).cloned().collect(),
            forms: forms.len(),
        });
    }
    let assigned = keyed
        .iter()
        .zip(&sub)
        .map(|(k, tag)| {
            k.as_ref()
                .and_then(|(key, _)| codes.get(&(key.as_str(), *tag)).cloned())
        })
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

    /// Headers written for this test: a unit can join a wording to its
    /// family (果园（亩）, 果园面积), make it another item (补贴（人） is a
    /// count of people, 补贴人数), or keep two apart (元 against 是/否).
    #[test]
    fn units_join_and_split_wordings() {
        let cols = vec![
            col(0, &["果园（亩）"]),
            col(1, &["果园面积"]),
            col(0, &["护理补贴（元）"]),
            col(1, &["护理补贴（人）"]),
            col(2, &["护理补贴（元/月）"]),
            col(3, &["护理补贴"]),
        ];
        let (proposals, codes) = propose(&cols);
        assert!(codes[0].is_some() && codes[0] == codes[1], "{codes:?}");
        assert_eq!(codes[2].as_deref(), Some("new.hu_li_bu_tie"));
        assert_eq!(codes[2], codes[4]);
        assert_eq!(codes[2], codes[5], "silent about its unit, it joins");
        assert_eq!(codes[3], None, "a count asked by one form only");
        assert_eq!(proposals.len(), 2);

        let split = vec![
            col(0, &["医保缴费（元）"]),
            col(1, &["医保缴费（元/年）"]),
            col(1, &["医保缴费（是/否）"]),
            col(2, &["医保缴费（□是□否）"]),
            col(3, &["医保缴费"]),
        ];
        let (_, codes) = propose(&split);
        assert_eq!(codes[0].as_deref(), Some("new.yi_bao_jiao_fei_money"));
        assert_eq!(codes[0], codes[1]);
        assert_eq!(codes[2].as_deref(), Some("new.yi_bao_jiao_fei_flag"));
        assert_eq!(codes[2], codes[3]);
        assert_ne!(codes[0], codes[2]);
        assert_eq!(
            codes[4], None,
            "the kinds disagree: a silent one stands apart"
        );
    }
}
