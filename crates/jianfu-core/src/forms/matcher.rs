//! Proposing a dictionary element for each leaf column of a form, from its
//! whole header path: the leaf's own words, the parent that says whose data
//! it is (户主 / 家庭成员 / 监护人), the wording variants forms use, and as a
//! last resort a character-bigram likeness to the names and aliases.
//!
//! Every proposal carries a confidence and a short Chinese reason, so the
//! person confirming it can see why.

use super::cues::squeeze;
use super::layout::FormKind;
use super::roles::{
    element_for, head_of, names_the_subject, role_of, role_word, Head, Role, ROLE_WORDS,
};
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

/// The office's own people: who filled in, handled, checked or surveyed.
/// Their names and phones are not facts about the person registered.
const STAFF_WORDS: [&str; 15] = [
    "经办人",
    "审核人",
    "审批人",
    "复核人",
    "录入人",
    "填表人",
    "填报人",
    "核查人",
    "核实人",
    "调查人",
    "调查员",
    "入户人员",
    "制表人",
    "采集人",
    "走访人",
];

/// A staff word alone or before a head (村级填报人姓名, 调查员电话); the
/// person surveyed (被调查人) is not staff.
fn is_staff(label: &str) -> bool {
    let who = head_of(label).map_or(label, |(_, prefix)| prefix);
    STAFF_WORDS
        .iter()
        .any(|w| who.ends_with(w) && !who.ends_with(&format!("被{w}")))
}

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
        // 申请人（签名或按指印）, 户主（签字）: the bracket says the cell is
        // for a signature, and the words only say whose.
        if NON_DATA_PARTS.iter().any(|p| raw_leaf.contains(p))
            && role_word(&leaf).is_some_and(|(w, _)| w == leaf)
        {
            return ColumnMatch::non_data("签字栏，不是数据项");
        }
        if is_staff(&leaf) || parents.iter().any(|p| is_staff(p)) {
            return ColumnMatch::non_data("填报、经办、审核人员的信息，不是所登记对象的数据");
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

        // The nearest parent that names whose value this is.
        let role_parent = parents
            .iter()
            .rev()
            .find_map(|p| role_word(p).map(|(w, r)| (p.as_str(), w, r)));

        // A person confirmed this wording before: the whole path first; the
        // leaf alone only where no parent says whose it is (a confirmed
        // 姓名 is not 监护人 > 姓名).
        let joined = normalize_label(&path.join(""));
        let confirmed = self.learned.get(&joined).or_else(|| {
            role_parent
                .is_none()
                .then(|| self.learned.get(&leaf))
                .flatten()
        });
        if let Some(code) = confirmed {
            if self.dict.element(code).is_some() {
                return ColumnMatch::found(code, 0.97, format!("已确认过的对应：“{shown}”"));
            }
        }
        // 与学生关系, 与被监护人的关系: a relation to the form's subject is,
        // among the family members, their relation within the household,
        // and under the guardian, the guardian's relation to the subject.
        if let Some(code) = relation_to_subject(&leaf, &parents, role_parent.map(|r| r.2)) {
            return ColumnMatch::found(code, 0.8, format!("“{shown}”是与表中所登记的人的关系"));
        }
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

        // "业主", "家长": a column headed by someone's role asks for that
        // person's name.
        if let Some((word, role)) = role_word(&leaf).filter(|(w, _)| *w == leaf) {
            let person_like = matches!(
                role,
                Role::Guardian
                    | Role::Agent
                    | Role::Emergency
                    | Role::Spouse
                    | Role::Helper
                    | Role::HouseOwner
            );
            if person_like {
                if let Some(code) = element_for(role, Head::Name) {
                    return ColumnMatch::found(code, 0.82, format!("“{word}”一栏填其姓名"));
                }
            }
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
            // 通讯地址, 邮寄地址: where letters go, another address than
            // where the person lives (通讯 still qualifies a phone).
            if head == Head::Address
                && ["通讯", "通信", "联系", "邮寄", "邮政"]
                    .iter()
                    .any(|w| prefix.contains(w))
            {
                return self.new_element(&shown, &leaf);
            }
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
            // 与申请人关系 is not 与户主关系; 党员人数 is a count of party
            // members, not the household's size.
            if prefix.starts_with('与') {
                return Some(self.new_element(shown, leaf));
            }
            let kind_of_people = role_word(prefix).is_some_and(|(w, r)| {
                r == Role::Subject && w.chars().count() >= 2 && prefix.ends_with(w)
            });
            if kind_of_people && COUNT_WORDS.iter().any(|w| tail.ends_with(w)) {
                return Some(self.new_element(shown, leaf));
            }
            // 家庭月收入, 全家人数: the household's total, not the person's.
            if ["家庭", "全家", "本户", "该户", "全户"].contains(&prefix)
                && code.starts_with("person.")
                && ["收入", "支出", "人数", "人口"]
                    .iter()
                    .any(|w| tail.contains(w))
            {
                return Some(self.new_element(shown, leaf));
            }
            // 参加社会养老保险, 原服役部队: words that say how the item is
            // held, not whose it is.
            let held = strip_holding_words(prefix);
            let role = if held.is_empty() {
                Some(Role::Subject)
            } else {
                role_of(held)
            };
            let keeps = match role {
                Some(Role::Subject) => true,
                Some(Role::House) => code.starts_with("house."),
                Some(Role::Organization) => code.starts_with("organization."),
                Some(Role::Head) => code.starts_with("household."),
                _ => false,
            };
            return Some(if keeps {
                ColumnMatch::found(
                    code,
                    0.82,
                    format!("“{leaf}”即“{tail}”（“{prefix}”不改变所问的事项）"),
                )
            } else {
                self.new_element(shown, leaf)
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

/// Tails that count people or households: a word in front says which.
const COUNT_WORDS: [&str; 4] = ["人数", "户数", "人口数", "次数"];

/// Words in front of an item that say how it is held or when, not whose:
/// 参加(社会)养老保险, 享受低保, 原服役部队, 入党转正时间.
fn strip_holding_words(prefix: &str) -> &str {
    const WORDS: [&str; 16] = [
        "是否",
        "参加",
        "享受",
        "纳入",
        "办理",
        "领取",
        "社会",
        "城乡居民",
        "城镇职工",
        "医疗",
        "基本",
        "原",
        "现",
        "目前",
        "当前",
        "入党",
    ];
    let mut t = prefix;
    loop {
        let before = t;
        for w in WORDS {
            if let Some(r) = t.strip_prefix(w) {
                t = r;
            }
        }
        if t == before {
            return t;
        }
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
        "person.birth_date" => Head::BirthDate,
        _ => return None,
    })
}

/// "与X关系" where X names the form's subject: the element it is under
/// this parent, if any (see `match_column`).
fn relation_to_subject(
    leaf: &str,
    parents: &[String],
    parent_role: Option<Role>,
) -> Option<&'static str> {
    let inner = leaf.strip_prefix('与')?.strip_suffix("关系")?;
    let inner = inner.strip_suffix('的').unwrap_or(inner);
    let subject = ROLE_WORDS
        .iter()
        .any(|(w, r)| *r == Role::Subject && *w == inner);
    if !subject || inner == "户主" {
        return None;
    }
    if parent_role == Some(Role::Guardian) || parents.iter().any(|p| p.contains("监护")) {
        return Some("person.guardian_relation");
    }
    parents
        .iter()
        .any(|p| p.contains("家庭成员") || p.contains("家庭情况") || p.ends_with("成员"))
        .then_some("person.relation_to_head")
}

/// A column asking the name of someone the dictionary keeps nothing for
/// (祖父姓名, 义务人 > 姓名): the details after it are that person's too.
fn names_someone_else(path: &[String]) -> bool {
    let Some(leaf) = path.last().map(|l| clean_leaf(l)) else {
        return false;
    };
    let Some((Head::Name, prefix)) = head_of(&leaf) else {
        return false;
    };
    let whose = if prefix.is_empty() {
        path[..path.len() - 1]
            .iter()
            .rev()
            .find_map(|p| role_word(&clean_leaf(p)))
    } else {
        role_word(prefix)
    };
    whose.is_some_and(|(_, r)| r == Role::Other)
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
    super::subject::refine_for_house(columns);
    super::subject::refine_for_person(columns);
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
    // A form that registers no resident (a rental house, a building):
    // the details next to a named person are that person's, repeated or
    // not.
    let resident = has(columns, "person.name") || has(columns, "household.head_name");
    let mut seen: HashSet<String> = HashSet::new();
    let mut role: Option<(Role, String, Vec<String>)> = None;
    for (path, m) in columns.iter_mut() {
        let parents = path[..path.len().saturating_sub(1)].to_vec();
        if m.element.is_none() && m.data && names_someone_else(path) {
            role = Some((
                Role::Other,
                path.last().cloned().unwrap_or_default(),
                parents,
            ));
            continue;
        }
        let Some(code) = m.element.clone() else {
            continue;
        };
        if let Some(r) = role_of_name(&code) {
            role = Some((r, path.last().cloned().unwrap_or_default(), parents));
        } else if let (Some((r, who, name_parents)), Some(head)) = (&role, head_of_element(&code)) {
            // Only the details beside the name follow it — flat, or under
            // the same section (个人资料 > 代理人姓名, 个人资料 > 移动电话);
            // a second name is another person, and a column under a parent
            // of its own says whose it is.
            if (seen.contains(&code) || !resident)
                && head != Head::Name
                && (path.len() == 1 || parents == *name_parents)
            {
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
    // 是否就业, 是否危房, 是否困难户: a yes/no question about a coded item
    // (就业状况, 危房等级, 困难类型) asks that item; the flag is one of its
    // answers.
    if let Some(rest) = leaf.strip_prefix("是否") {
        let rest = rest
            .strip_prefix("患有")
            .or_else(|| rest.strip_prefix("属于"))
            .unwrap_or(rest);
        let stems = [
            rest,
            rest.strip_suffix('户').unwrap_or(rest),
            rest.strip_suffix("人员").unwrap_or(rest),
        ];
        for stem in stems {
            if stem.chars().count() < 2 {
                continue;
            }
            for s in ["类别", "类型", "种类", "等级", "状况", "情况"] {
                push(format!("{stem}{s}"));
            }
        }
    }
    if leaf.chars().count() >= 3 {
        push(format!("{leaf}情况"));
    }
    out
}

/// "退役或离退休时间", "国籍/地区", "入住/搬离时间": either alternative
/// alone, and the first with the second's ending.
fn alternatives(leaf: &str) -> Vec<String> {
    let Some((pos, sep)) = ["或", "/", "、", "及"]
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
#[path = "matcher_tests.rs"]
mod tests;
