//! Proposing a dictionary element for each leaf column of a form, from its
//! whole header path: the leaf's own words, the parent that says whose data
//! it is (户主 / 家庭成员 / 监护人), the wording variants forms use, and as a
//! last resort a character-bigram likeness to the names and aliases.
//!
//! Every proposal carries a confidence and a short Chinese reason, so the
//! person confirming it can see why.

use super::cues::squeeze;
use super::layout::FormKind;
use super::roles::{element_for, head_of, names_the_subject, role_of, role_word, Head, Role};
use crate::dictionary::{normalize_label, Dictionary};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnMatch {
    /// Proposed element; `None` with `data` means a new element is needed.
    pub element: Option<String>,
    /// False for 序号, 签字, 备注 and the row titles of a statistical table.
    pub data: bool,
    pub confidence: f64,
    pub reason: String,
}

impl ColumnMatch {
    fn found(code: &str, confidence: f64, reason: String) -> ColumnMatch {
        ColumnMatch {
            element: Some(code.to_string()),
            data: true,
            confidence,
            reason,
        }
    }
    fn non_data(reason: &str) -> ColumnMatch {
        ColumnMatch {
            element: None,
            data: false,
            confidence: 0.95,
            reason: reason.to_string(),
        }
    }
}

/// Leaves that are row numbers, signatures or free remarks: not data items.
const NON_DATA_EXACT: [&str; 20] = [
    // The office's own staff, not a fact about the person registered.
    "经办人",
    "审核人",
    "审批人",
    "复核人",
    "录入人",
    "填表人",
    "序号",
    "序",
    "编号",
    "行号",
    "栏次",
    "行次",
    "备注",
    "说明",
    "操作",
    "签字",
    "签名",
    "盖章",
    "手印",
    "其他说明",
];
const NON_DATA_PARTS: [&str; 6] = ["签字", "签名", "签章", "盖章", "手印", "指印"];

/// Column labels of a statistical table's row titles.
const ROW_TITLES: [&str; 16] = [
    "地区",
    "单位",
    "单位名称",
    "栏目",
    "项目",
    "指标",
    "指标名称",
    "类别",
    "乡镇",
    "街道",
    "镇街",
    "区县",
    "地区名称",
    "区域",
    "分类",
    "栏目灾害类型",
];

/// Leading "其中：" and question numbers ("F7.", "1 ") come off before matching.
fn clean_leaf(raw: &str) -> String {
    let t = squeeze(raw);
    let t = t.trim_end_matches(['★', '☆', '*', '＊']);
    let mut t = t.to_string();
    for p in ["其中:", "其中：", "其中"] {
        if let Some(rest) = t.strip_prefix(p) {
            if !rest.is_empty() {
                t = rest.to_string();
            }
        }
    }
    let n = normalize_label(&t);
    // "1姓名", "12出生日期": a number glued to the label.
    let digits = n.chars().take_while(|c| c.is_ascii_digit()).count();
    if (1..=2).contains(&digits) {
        let rest: String = n.chars().skip(digits).collect();
        if rest
            .chars()
            .next()
            .is_some_and(|c| ('\u{4e00}'..='\u{9fff}').contains(&c) && !"月日岁周次季".contains(c))
        {
            return rest;
        }
    }
    n
}

fn bigrams(s: &str) -> HashSet<(char, char)> {
    let cs: Vec<char> = s.chars().collect();
    cs.windows(2).map(|w| (w[0], w[1])).collect()
}

fn dice(a: &HashSet<(char, char)>, b: &HashSet<(char, char)>) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let common = a.intersection(b).count();
    2.0 * common as f64 / (a.len() + b.len()) as f64
}

/// A normalised name or alias, its bigrams, and its element's index.
type LabelEntry = (String, HashSet<(char, char)>, usize);

/// The matcher over one dictionary and the aliases people have confirmed.
pub struct Matcher<'a> {
    dict: &'a Dictionary,
    /// Normalised label → element code, confirmed by people.
    learned: &'a HashMap<String, String>,
    /// Every normalised name and alias with its element, for likeness.
    labels: Vec<LabelEntry>,
}

impl<'a> Matcher<'a> {
    pub fn new(dict: &'a Dictionary, learned: &'a HashMap<String, String>) -> Matcher<'a> {
        let mut labels = Vec::new();
        for (i, e) in dict.elements().iter().enumerate() {
            for l in std::iter::once(&e.name).chain(e.aliases.iter()) {
                let n = normalize_label(l);
                if n.chars().count() >= 2 {
                    let b = bigrams(&n);
                    labels.push((n, b, i));
                }
            }
        }
        Matcher {
            dict,
            learned,
            labels,
        }
    }

    fn exact(&self, label: &str) -> Option<(&'a str, bool)> {
        if label.is_empty() {
            return None;
        }
        if let Some(code) = self.learned.get(label) {
            return self.dict.element(code).map(|e| (e.code.as_str(), true));
        }
        self.dict
            .by_label(label)
            .map(|e| (e.code.as_str(), normalize_label(&e.name) == label))
    }

    /// Proposes the element for one leaf column.
    pub fn match_column(&self, path: &[String], kind: FormKind, is_first: bool) -> ColumnMatch {
        let Some(raw_leaf) = path.last() else {
            return ColumnMatch::non_data("没有栏目名称");
        };
        let leaf = clean_leaf(raw_leaf);
        let parents: Vec<String> = path[..path.len() - 1]
            .iter()
            .map(|p| clean_leaf(p))
            .filter(|p| !p.is_empty())
            .collect();
        let shown = path.join(" > ");

        if leaf.is_empty() {
            return ColumnMatch::non_data("栏目名称只有编号或括注，无法判断");
        }
        if NON_DATA_EXACT.contains(&leaf.as_str())
            || NON_DATA_PARTS.iter().any(|p| leaf.contains(p))
        {
            return ColumnMatch::non_data("序号、签字、备注类栏目，不是数据项");
        }
        if kind == FormKind::Statistical {
            if is_first || ROW_TITLES.contains(&leaf.as_str()) {
                return ColumnMatch::non_data("统计表的行标题（地区或类别）");
            }
            return ColumnMatch {
                element: None,
                data: true,
                confidence: 0.6,
                reason: format!(
                    "“{shown}”是统计指标（计数或合计），由登记数据汇总得出，需定义汇总口径"
                ),
            };
        }

        // A person confirmed this wording before: the whole path first.
        let joined = normalize_label(&path.join(""));
        if let Some(code) = self
            .learned
            .get(&joined)
            .or_else(|| self.learned.get(&leaf))
        {
            if self.dict.element(code).is_some() {
                return ColumnMatch::found(code, 0.97, format!("已确认过的对应：“{shown}”"));
            }
        }

        // The nearest parent that names whose value this is.
        let role_parent = parents
            .iter()
            .rev()
            .find_map(|p| role_word(p).map(|(w, r)| (p.as_str(), w, r)));
        if let Some((parent, word, role)) = role_parent {
            for composite in [format!("{parent}{leaf}"), format!("{word}{leaf}")] {
                if let Some((code, _)) = self.exact(&composite) {
                    return ColumnMatch::found(
                        code,
                        0.93,
                        format!("按表头路径“{shown}”读作“{composite}”"),
                    );
                }
            }
            if let Some((head, prefix)) = head_of(&leaf) {
                if prefix.is_empty() {
                    return match element_for(role, head) {
                        Some(code) => ColumnMatch::found(
                            code,
                            0.88,
                            format!("“{leaf}”在“{parent}”之下，是{word}的信息"),
                        ),
                        None => self.new_element(&shown, &format!("{word}的{leaf}")),
                    };
                }
            }
            // 父亲 > 务工地点 is the father's, not the resident's.
            if !matches!(
                role,
                Role::Subject | Role::Head | Role::House | Role::Organization
            ) {
                return self.new_element(&shown, &format!("{word}的{leaf}"));
            }
        }

        if let Some((code, is_name)) = self.exact(&leaf) {
            let (c, why) = if is_name {
                (0.98, "与元素名称相同")
            } else {
                (0.95, "是元素的常用别名")
            };
            return ColumnMatch::found(code, c, format!("“{leaf}”{why}"));
        }

        // "申请人", "受助对象": the column is headed by the subject's role.
        if names_the_subject(&leaf) {
            return ColumnMatch::found(
                "person.name",
                0.85,
                format!("“{leaf}”是表中所登记的人，此栏填其姓名"),
            );
        }

        // "户籍", "手机": a short header for a full item.
        if let Some(full) = crate::dictionary::expand_short_label(&leaf) {
            if let Some((code, _)) = self.exact(full) {
                return ColumnMatch::found(code, 0.85, format!("“{leaf}”是“{full}”的简写"));
            }
        }

        for v in variants(&leaf) {
            if let Some((code, _)) = self.exact(&v) {
                return ColumnMatch::found(code, 0.85, format!("“{leaf}”与“{v}”说的是同一项"));
            }
        }

        for v in alternatives(&leaf) {
            if let Some((code, _)) = self.exact(&v) {
                return ColumnMatch::found(code, 0.8, format!("“{leaf}”包含“{v}”"));
            }
        }

        if let Some((head, prefix)) = head_of(&leaf) {
            match role_of(prefix).map(|role| element_for(role, head)) {
                Some(Some(code)) => {
                    return ColumnMatch::found(
                        code,
                        0.8,
                        format!("“{leaf}”以“{}”结尾", &leaf[prefix.len()..]),
                    );
                }
                // Someone's name or number the dictionary keeps no element for.
                Some(None) => return self.new_element(&shown, &leaf),
                // "通信地址", "退役证件号": a different address or number.
                None => return self.new_element(&shown, &leaf),
            }
        }

        if let Some(found) = self.qualified_alias(&leaf, &shown) {
            return found;
        }

        if let Some((code, label, score)) = self.likeness(&leaf) {
            return ColumnMatch::found(
                code,
                (0.45 + 0.4 * score).min(0.8),
                format!("与“{label}”字面相近（相似度 {score:.2}）"),
            );
        }
        self.new_element(&shown, &leaf)
    }

    /// A known name or alias at the end of the label, with words in front:
    /// whose value it is (本人, 家庭成员) keeps the element; anything else
    /// (入伍时户籍性质, 未就业主要生活来源) makes it a different item.
    fn qualified_alias(&self, leaf: &str, shown: &str) -> Option<ColumnMatch> {
        let chars: Vec<(usize, char)> = leaf.char_indices().collect();
        for &(pos, _) in chars.iter().skip(1) {
            let tail = &leaf[pos..];
            if tail.chars().count() < 2 {
                break;
            }
            let Some((code, _)) = self.exact(tail) else {
                continue;
            };
            let prefix = &leaf[..pos];
            // 与申请人关系 is not 与户主关系.
            if prefix.starts_with('与') {
                return Some(self.new_element(shown, leaf));
            }
            return Some(match role_of(prefix) {
                Some(Role::Subject) => ColumnMatch::found(
                    code,
                    0.82,
                    format!("“{leaf}”即“{tail}”（“{prefix}”指本人）"),
                ),
                _ => self.new_element(shown, leaf),
            });
        }
        None
    }

    fn new_element(&self, shown: &str, what: &str) -> ColumnMatch {
        ColumnMatch {
            element: None,
            data: true,
            confidence: 0.5,
            reason: format!("词典中没有“{what}”（{shown}），需要新建元素"),
        }
    }

    /// The closest name or alias by character bigrams, if clearly closest.
    fn likeness(&self, leaf: &str) -> Option<(&'a str, String, f64)> {
        let b = bigrams(leaf);
        if b.len() < 2 {
            return None;
        }
        let mut best: Option<(f64, usize, &str)> = None;
        let mut second = 0.0f64;
        for (label, lb, i) in &self.labels {
            // "纳入监测原因" is not "纳入监测": one label inside the other
            // with more words is another attribute, not a new wording.
            if leaf.contains(label.as_str()) || label.contains(leaf) {
                continue;
            }
            let s = dice(&b, lb);
            match best {
                Some((bs, bi, _)) if s > bs => {
                    if bi != *i {
                        second = second.max(bs);
                    }
                    best = Some((s, *i, label));
                }
                Some((bs, bi, _)) => {
                    if bi != *i {
                        second = second.max(s.min(bs));
                    }
                }
                None => best = Some((s, *i, label)),
            }
        }
        let (score, i, label) = best?;
        (score >= 0.7 && score - second >= 0.1).then(|| {
            (
                self.dict.elements()[i].code.as_str(),
                label.to_string(),
                score,
            )
        })
    }
}

/// The elements that name someone other than the row's subject, and the
/// role whose details may follow them.
fn role_of_name(code: &str) -> Option<Role> {
    Some(match code {
        "person.agent_name" => Role::Agent,
        "person.guardian_name" => Role::Guardian,
        "person.emergency_contact" => Role::Emergency,
        "person.spouse_name" => Role::Spouse,
        "house.owner_name" => Role::HouseOwner,
        "household.helper_name" => Role::Helper,
        _ => return None,
    })
}

fn head_of_element(code: &str) -> Option<Head> {
    Some(match code {
        "person.name" => Head::Name,
        "person.id_number" => Head::IdNumber,
        "person.phone" | "person.landline" => Head::Phone,
        "person.current_address" => Head::Address,
        _ => return None,
    })
}

/// Corrections that need the whole form, not one column:
/// - a roster of households (户主姓名 but no member names): its ID number
///   and phone are the head's;
/// - after someone else's name (代理人姓名), a repeated 电话 / 手机 / 地址
///   is that person's, not the subject's again.
pub fn refine_in_context(columns: &mut [(Vec<String>, ColumnMatch)]) {
    let has = |cols: &[(Vec<String>, ColumnMatch)], code: &str| {
        cols.iter().any(|(_, m)| m.element.as_deref() == Some(code))
    };
    super::subject::refine_for_organization(columns);
    if has(columns, "household.head_name") && !has(columns, "person.name") {
        for (_, m) in columns.iter_mut() {
            let to = match m.element.as_deref() {
                Some("person.id_number") => "household.head_id_number",
                Some("person.phone") => "household.phone",
                _ => continue,
            };
            m.element = Some(to.to_string());
            m.reason
                .push_str("；表中只有户主姓名，每行是一户，按户主理解");
        }
    }
    let mut seen: HashSet<String> = HashSet::new();
    let mut role: Option<(Role, String)> = None;
    for (path, m) in columns.iter_mut() {
        let Some(code) = m.element.clone() else {
            continue;
        };
        if let Some(r) = role_of_name(&code) {
            role = Some((r, path.last().cloned().unwrap_or_default()));
        } else if let (Some((r, who)), Some(head)) = (&role, head_of_element(&code)) {
            // Only a flat column's details follow the name before it; a
            // second name is another person, and a column under its own
            // parent says whose it is.
            if seen.contains(&code) && head != Head::Name && path.len() == 1 {
                let leaf = path.last().cloned().unwrap_or_default();
                match element_for(*r, head) {
                    Some(to) => {
                        m.element = Some(to.to_string());
                        m.confidence = 0.7;
                        m.reason = format!("“{leaf}”紧随“{who}”，是其信息");
                    }
                    None => {
                        m.element = None;
                        m.confidence = 0.5;
                        m.reason =
                            format!("“{leaf}”紧随“{who}”，是其信息；词典中没有对应元素，需要新建");
                    }
                }
                continue;
            }
        }
        seen.insert(code);
    }
}

/// Wordings that ask for the same thing: with or without 是否 / 有无, a
/// qualifier suffix (情况, 状况) dropped, or a suffix swapped within its own
/// family (时间 ↔ 日期, 类型 ↔ 类别, 号码 ↔ 号). A suffix is never swapped
/// across families: 身份证件类型 is not 身份证件号码.
fn variants(leaf: &str) -> Vec<String> {
    const FAMILIES: [&[&str]; 7] = [
        &["情况", "状况", "状态"],
        &["信息", "名称"],
        &["时间", "日期", "年月", "年月日"],
        &["类型", "类别", "种类"],
        &["号码", "号", "编号", "编码"],
        &["年份", "年代", "年度"],
        &["数", "人数", "数量"],
    ];
    let mut out = Vec::new();
    let mut push = |s: String| {
        if s.chars().count() >= 2 && s != leaf && !out.contains(&s) {
            out.push(s);
        }
    };
    for p in ["是否是", "是否为", "是否", "有无", "本人", "个人"] {
        if let Some(rest) = leaf.strip_prefix(p) {
            push(rest.to_string());
            push(format!("是否{rest}"));
        }
    }
    for (fi, family) in FAMILIES.iter().enumerate() {
        for s in family.iter() {
            if let Some(rest) = leaf.strip_suffix(s) {
                if fi <= 1 {
                    push(rest.to_string());
                }
                for t in family.iter().filter(|_| fi != 1) {
                    push(format!("{rest}{t}"));
                }
            }
        }
    }
    if !leaf.starts_with("是否") && leaf.chars().count() >= 2 {
        push(format!("是否{leaf}"));
    }
    if leaf.chars().count() >= 3 {
        push(format!("{leaf}情况"));
    }
    out
}

/// "退役或离退休时间", "国籍/地区", "入住/搬离时间": either alternative
/// alone, and the first with the second's ending.
fn alternatives(leaf: &str) -> Vec<String> {
    let Some((pos, sep)) = ["或", "/", "、"]
        .iter()
        .filter_map(|sep| leaf.find(sep).map(|p| (p, *sep)))
        .min()
    else {
        return Vec::new();
    };
    let left = &leaf[..pos];
    let right = &leaf[pos + sep.len()..];
    let mut out = vec![left.to_string(), right.to_string()];
    let tail: Vec<char> = right.chars().collect();
    for k in (1..=tail.len().min(4)).rev() {
        let end: String = tail[tail.len() - k..].iter().collect();
        out.push(format!("{left}{end}"));
    }
    out.retain(|s| s.chars().count() >= 2);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(path: &[&str]) -> ColumnMatch {
        let dict = Dictionary::builtin().unwrap();
        let learned = HashMap::new();
        let matcher = Matcher::new(&dict, &learned);
        let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        matcher.match_column(&path, FormKind::Roster, false)
    }

    fn code(path: &[&str]) -> Option<String> {
        m(path).element
    }

    #[test]
    fn id_phone_birth_and_address_wordings() {
        for l in [
            "身份证号",
            "公民身份号码",
            "证件号码",
            "身份证号码（18位）",
            "公民身份证号",
        ] {
            assert_eq!(code(&[l]).as_deref(), Some("person.id_number"), "{l}");
        }
        for l in ["联系电话", "手机号码", "联系方式", "人联系电话", "本人手机"]
        {
            assert_eq!(code(&[l]).as_deref(), Some("person.phone"), "{l}");
        }
        for l in ["出生年月", "出生日期", "出 生 年 月"] {
            assert_eq!(code(&[l]).as_deref(), Some("person.birth_date"), "{l}");
        }
        for l in ["现住址", "家庭住址", "现居住地", "现居住详细地址"] {
            assert_eq!(code(&[l]).as_deref(), Some("person.current_address"), "{l}");
        }
    }

    #[test]
    fn the_path_says_whose_value_it_is() {
        assert_eq!(code(&["家庭成员", "姓名"]).as_deref(), Some("person.name"));
        assert_eq!(code(&["户主姓名"]).as_deref(), Some("household.head_name"));
        assert_eq!(
            code(&["1.基本信息", "户 主"]).as_deref(),
            Some("household.head_name")
        );
        assert_eq!(
            code(&["监护人", "联系电话"]).as_deref(),
            Some("person.guardian_phone")
        );
        assert_eq!(
            code(&["户主证件号码"]).as_deref(),
            Some("household.head_id_number")
        );
        // Someone the dictionary has nothing for is a new element, not the resident.
        assert_eq!(code(&["房主姓名"]).as_deref(), Some("house.owner_name"));
        let r = m(&["承租人姓名"]);
        assert!(r.data && r.element.is_none(), "{r:?}");
    }

    #[test]
    fn options_units_and_numbering_do_not_change_the_item() {
        assert_eq!(
            code(&["是否低保（是□否□）"]).as_deref(),
            Some("household.dibao")
        );
        assert_eq!(
            code(&["年收入(元)"]).as_deref(),
            Some("person.annual_income")
        );
        assert_eq!(code(&["R1.姓 名"]).as_deref(), Some("person.name"));
        assert_eq!(code(&["1 姓名★"]).as_deref(), Some("person.name"));
        assert_eq!(
            code(&["是否是建档立卡户（是□ 否□）"]).as_deref(),
            Some("household.poverty_alleviated")
        );
        assert_eq!(
            code(&["婚姻状况（□未婚 □已婚 □丧偶 □离婚）"]).as_deref(),
            Some("person.marital_status")
        );
    }

    #[test]
    fn another_persons_columns_are_not_the_residents() {
        let r = m(&["父亲", "务工地点"]);
        assert!(r.data && r.element.is_none(), "{r:?}");
        assert_eq!(code(&["房东姓名"]).as_deref(), Some("house.owner_name"));
        // After the guardian's name, a flat 联系电话 is the guardian's; a
        // second name, or a column under its own parent, is not.
        let dict = Dictionary::builtin().unwrap();
        let learned = HashMap::new();
        let matcher = Matcher::new(&dict, &learned);
        let paths: Vec<Vec<String>> = [
            vec!["姓名"],
            vec!["联系电话"],
            vec!["监护人姓名"],
            vec!["手机"],
            vec!["母亲", "姓名"],
            vec!["母亲", "联系电话"],
        ]
        .iter()
        .map(|p| p.iter().map(|s| s.to_string()).collect())
        .collect();
        let mut cols: Vec<(Vec<String>, ColumnMatch)> = paths
            .into_iter()
            .map(|p| {
                let m = matcher.match_column(&p, FormKind::Roster, false);
                (p, m)
            })
            .collect();
        refine_in_context(&mut cols);
        let got: Vec<Option<&str>> = cols.iter().map(|(_, m)| m.element.as_deref()).collect();
        assert_eq!(
            got,
            vec![
                Some("person.name"),
                Some("person.phone"),
                Some("person.guardian_name"),
                Some("person.guardian_phone"),
                None,
                None
            ]
        );
    }

    #[test]
    fn a_household_roster_asks_for_the_heads_numbers() {
        let dict = Dictionary::builtin().unwrap();
        let learned = HashMap::new();
        let matcher = Matcher::new(&dict, &learned);
        let mut cols: Vec<(Vec<String>, ColumnMatch)> = ["户主姓名", "身份证号", "联系电话"]
            .iter()
            .map(|l| {
                let p = vec![l.to_string()];
                let m = matcher.match_column(&p, FormKind::Roster, false);
                (p, m)
            })
            .collect();
        refine_in_context(&mut cols);
        assert_eq!(
            cols[1].1.element.as_deref(),
            Some("household.head_id_number")
        );
        assert_eq!(cols[2].1.element.as_deref(), Some("household.phone"));
    }

    #[test]
    fn non_data_columns() {
        for l in ["序号", "签字", "户主签字(手印)", "备注", "盖章"] {
            let r = m(&[l]);
            assert!(!r.data, "{l}");
            assert!(r.element.is_none());
        }
    }

    #[test]
    fn learned_aliases_win() {
        let dict = Dictionary::builtin().unwrap();
        let mut learned = HashMap::new();
        learned.insert("人户状态".to_string(), "person.resident_type".to_string());
        let matcher = Matcher::new(&dict, &learned);
        let r = matcher.match_column(&["人户状态".to_string()], FormKind::Roster, false);
        assert_eq!(r.element.as_deref(), Some("person.resident_type"));
        assert!(r.reason.contains("已确认"));
    }

    #[test]
    fn statistical_measures_are_data_without_a_person_element() {
        let dict = Dictionary::builtin().unwrap();
        let learned = HashMap::new();
        let matcher = Matcher::new(&dict, &learned);
        let first = matcher.match_column(&["地 区".to_string()], FormKind::Statistical, true);
        assert!(!first.data);
        let r = matcher.match_column(&["低保人数".to_string()], FormKind::Statistical, false);
        assert!(r.data && r.element.is_none());
    }
}
