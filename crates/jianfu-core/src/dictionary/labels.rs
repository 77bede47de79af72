//! Normalising the labels printed in form headers, so that "姓 名",
//! "姓名：" and "姓名（必填）" all find the same element.

use pinyin::ToPinyin;

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{3000}' || c == '\u{00a0}'
}

/// Full-width ASCII forms (Ａ, １, （) become their half-width twins.
fn half_width(c: char) -> char {
    match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        '【' | '〔' => '[',
        '】' | '〕' => ']',
        c => c,
    }
}

/// Removes every bracketed part: units "(元)", notes "（18位）" and printed
/// options "（是□否□）" qualify a label without changing what it asks.
fn strip_brackets(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Drops question numbering at the start: "R1." "3、" "一、" "A3:" "Q12"
/// "D7" "第3题" — survey and census forms number every item. A letter code
/// needs no separator ("Q12姓名"); bare digits do ("12出生日期" is left to
/// the matcher, which knows 12月 from item 12).
fn strip_numbering(s: &str) -> &str {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let at = |i: usize| chars.get(i).map(|(_, c)| *c);
    let rest = |i: usize| chars.get(i).map_or("", |(p, _)| &s[*p..]);
    // 第3题 / 第三项
    if at(0) == Some('第') {
        let mut i = 1;
        while at(i).is_some_and(|c| c.is_ascii_digit() || "一二三四五六七八九十".contains(c))
        {
            i += 1;
        }
        if i > 1 && at(i).is_some_and(|c| "题项问".contains(c)) {
            let mut j = i + 1;
            while at(j).is_some_and(|c| matches!(c, '.' | '、' | ':' | ')' | '-')) {
                j += 1;
            }
            return rest(j);
        }
    }
    let mut i = 0;
    while i < 2 && at(i).is_some_and(|c| c.is_ascii_alphabetic()) {
        i += 1;
    }
    let letters = i;
    let start_digits = i;
    while at(i)
        .is_some_and(|c| c.is_ascii_digit() || (letters == 0 && "一二三四五六七八九十".contains(c)))
    {
        i += 1;
    }
    // "A3-1" "Q12.3": sub-numbers.
    while letters > 0
        && at(i).is_some_and(|c| matches!(c, '-' | '_' | '.'))
        && at(i + 1).is_some_and(|c| c.is_ascii_digit())
    {
        i += 1;
        while at(i).is_some_and(|c| c.is_ascii_digit()) {
            i += 1;
        }
    }
    if i == start_digits {
        return s;
    }
    match at(i) {
        Some('.' | '、' | ')' | ':') => rest(i + 1),
        // A letter code glued to the words that follow.
        Some(c) if letters > 0 && !c.is_ascii_alphanumeric() => rest(i),
        _ => s,
    }
}

/// Marks in front of or after a label that flag it rather than name it:
/// "*姓名" or "※联系电话" for a required field, "★" for a key item.
const MARKS: [char; 12] = ['*', '※', '★', '☆', '△', '▲', '#', '●', '◆', '√', '□', '☐'];

/// "原因2", "成员3": a trailing item number after the words. Only one or
/// two digits after a CJK character, so "低保A1" and "近3年" stay.
fn strip_trailing_number(s: &str) -> &str {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let digits = chars
        .iter()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit())
        .count();
    if !(1..=2).contains(&digits) || chars.len() <= digits + 1 {
        return s;
    }
    let (pos, before) = chars[chars.len() - digits - 1];
    if ('\u{4e00}'..='\u{9fff}').contains(&before) && !"年月日岁周次季号第".contains(before)
    {
        return &s[..pos + before.len_utf8()];
    }
    s
}

/// Words that date a survey item rather than name it: "截至调查日家庭人口",
/// "统计时点户籍人口", "2020年10月31日晚居住在本户的人数". The date is the
/// survey's, not a different item.
fn strip_time_qualifier(s: &str) -> &str {
    const PREFIXES: [&str; 12] = [
        "调查时点",
        "普查时点",
        "统计时点",
        "标准时点",
        "登记时点",
        "调查日",
        "统计日",
        "登记时",
        "调查时",
        "目前",
        "当前",
        "现时",
    ];
    let mut t = s;
    for _ in 0..2 {
        let before = t;
        for p in PREFIXES {
            if let Some(r) = t.strip_prefix(p) {
                t = r;
            }
        }
        // 截至/截止/至 … 日/时/末/底, or a date "2020年10月31日晚".
        let dated = ["截至", "截止", "至"].iter().any(|p| t.starts_with(p))
            || (t.chars().take_while(|c| c.is_ascii_digit()).count() == 4
                && t.chars().nth(4) == Some('年'));
        if dated {
            let cut = t
                .char_indices()
                .take(20)
                .find(|(_, c)| matches!(c, '日' | '时' | '末' | '底'))
                .map(|(p, c)| p + c.len_utf8());
            if let Some(cut) = cut {
                let mut r = &t[cut..];
                for q in ["零时", "晚上", "晚", "时", "末", "底", "止", "前", "以前"] {
                    if let Some(x) = r.strip_prefix(q) {
                        r = x;
                    }
                }
                if r.chars().count() >= 2 {
                    t = r;
                }
            }
        }
        t = t.trim_start_matches(['的', ',', '，', ' ']);
        if t == before {
            break;
        }
    }
    if t.chars().count() >= 2 {
        t
    } else {
        s
    }
}

/// An item asked as a question ("您的性别是？", "家里共有几口人", "您是否有
/// 残疾？") becomes the label a register form prints for it.
fn question_to_label(s: &str) -> String {
    let asked = s.ends_with(['?', '？', '吗', '呢'])
        || ["您", "你", "家里", "家中"]
            .iter()
            .any(|p| s.starts_with(p))
        || ["几", "多少", "什么", "哪"].iter().any(|w| s.contains(w));
    if !asked {
        return s.to_string();
    }
    let mut t = s.trim_end_matches(['?', '？', '吗', '呢']).to_string();
    let mut household = false;
    for p in [
        "您家里",
        "你家里",
        "您家",
        "你家",
        "家里",
        "家中",
        "本户",
        "全家",
        "您的",
        "你的",
        "您",
        "你",
        "本人的",
        "本人",
    ] {
        if let Some(r) = t.strip_prefix(p) {
            household |= p.contains('家') || p.contains('户');
            t = r.to_string();
            break;
        }
    }
    for tail in [
        "是什么",
        "是多少",
        "有多少",
        "为多少",
        "是哪里",
        "在哪里",
        "是",
    ] {
        if let Some(r) = t.strip_suffix(tail) {
            if r.chars().count() >= 2 {
                t = r.to_string();
                break;
            }
        }
    }
    for p in ["共有", "一共有", "总共有", "有"] {
        if let Some(r) = t.strip_prefix(p) {
            if r.starts_with(['几', '多']) {
                t = r.to_string();
            }
        }
    }
    // How many people: the household's size.
    for w in ["几口人", "多少口人", "几个人", "多少人", "几人"] {
        if t == w || t.ends_with(w) && household {
            return "家庭人口".into();
        }
    }
    if let Some(r) = t.strip_prefix("是否有") {
        t = format!("是否{r}");
    }
    for (w, to) in [("多大", "年龄"), ("几岁", "年龄"), ("哪年出生", "出生年月")] {
        if t.contains(w) {
            return to.into();
        }
    }
    for w in ["什么", "哪个", "哪种", "哪"] {
        t = t.replace(w, "");
    }
    if t.chars().count() >= 2 {
        t
    } else {
        s.to_string()
    }
}

/// One- and two-character headers that stand for a full item on a
/// register form: the short form a cadre writes for the column. Only
/// abbreviations with one reading on a form about a person are here.
pub fn expand_short_label(label: &str) -> Option<&'static str> {
    Some(match label {
        "户籍" | "户口" | "户籍地" => "户籍地址",
        "文化" | "学历" => "文化程度",
        "面貌" | "政治" => "政治面貌",
        "出生" | "生日" => "出生日期",
        "婚姻" | "婚否" => "婚姻状况",
        "健康" => "健康状况",
        // Not 身份 alone: on a form it is a status (农民, 职工, 干部).
        "身份证" | "证号" => "公民身份号码",
        "电话" | "手机" | "联系" | "电话号" => "联系电话",
        "住址" | "地址" | "住所" | "现住" | "居住" => "现住址",
        "人口" | "人数" => "家庭人口",
        "户主" => "户主姓名",
        _ => return None,
    })
}

/// Stars that mark a required field, wherever the form put them: after the
/// label (姓名﹡), before it (*姓名) or inside it (出生﹡日期).
const REQUIRED_STARS: [char; 5] = ['*', '\u{fe61}', '\u{2731}', '\u{2733}', '\u{2217}'];

/// One word spelt two ways on forms: the variant (帐号, a common misprint
/// such as 户口薄) read as the standard form the dictionary uses.
const VARIANT_SPELLINGS: [(&str, &str); 5] = [
    ("帐号", "账号"),
    ("帐户", "账户"),
    ("户口薄", "户口簿"),
    ("户籍薄", "户籍簿"),
    ("身分证", "身份证"),
];

fn standard_spelling(s: String) -> String {
    VARIANT_SPELLINGS.iter().fold(s, |s, (variant, standard)| {
        if s.contains(variant) {
            s.replace(variant, standard)
        } else {
            s
        }
    })
}

/// "住房结构类型：1.钢筋混凝土2.砖木", "家庭户口:A、城镇B、农村": the
/// answers listed after a colon are options, not part of the question.
fn strip_listed_options(s: &str) -> &str {
    let Some(colon) = s.find(':') else {
        return s;
    };
    let tail: Vec<char> = s[colon + 1..].chars().take(2).collect();
    let listed = match tail.as_slice() {
        [first, ..] if "□☐".contains(*first) => true,
        [first, second] => {
            (first.is_ascii_digit() || first.is_ascii_uppercase()) && ".、)".contains(*second)
        }
        _ => false,
    };
    if listed && colon > 0 {
        &s[..colon]
    } else {
        s
    }
}

pub fn normalize_label(label: &str) -> String {
    let half: String = label
        .chars()
        .filter(|c| !is_space(*c))
        .map(half_width)
        .filter(|c| !REQUIRED_STARS.contains(c))
        .collect();
    let half = standard_spelling(half);
    let stripped = strip_brackets(&half);
    let stripped = strip_listed_options(&stripped);
    let unmarked = stripped.trim_matches(|c| MARKS.contains(&c) || c == ':');
    let unnumbered = strip_numbering(unmarked).trim_matches(|c| MARKS.contains(&c) || c == ':');
    let undated = strip_time_qualifier(unnumbered);
    let asked = question_to_label(undated);
    strip_trailing_number(asked.trim_end_matches(['。', '.', '、', ';', '；'])).to_lowercase()
}

/// First letters of the pinyin of each character: 身份证号 → "sfzh".
pub fn pinyin_initials(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            if c.is_ascii_alphanumeric() {
                Some(c.to_ascii_lowercase())
            } else {
                c.to_pinyin().and_then(|p| p.first_letter().chars().next())
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation() {
        assert_eq!(normalize_label("姓 名"), "姓名");
        assert_eq!(normalize_label("姓名："), "姓名");
        assert_eq!(normalize_label("年收入(元)"), "年收入");
        assert_eq!(normalize_label("年收入（元）"), "年收入");
        assert_eq!(normalize_label("是否低保（是□否□）"), "是否低保");
        assert_eq!(normalize_label("R1.姓 名"), "姓名");
        assert_eq!(normalize_label("3、联系电话"), "联系电话");
        assert_eq!(normalize_label("户籍所在地（区(县) 街(镇)）"), "户籍所在地");
        assert_eq!(normalize_label("ＩＤ"), "id");
        assert_eq!(normalize_label("1-月资金总支出"), "1-月资金总支出");
    }

    /// Labels written for this test: required stars anywhere, and variant
    /// spellings of one word.
    #[test]
    fn options_listed_after_a_colon() {
        assert_eq!(normalize_label("饮水来源：1.自来水2.井水"), "饮水来源");
        assert_eq!(normalize_label("（二）取暖方式：A、煤B、电"), "取暖方式");
        assert_eq!(normalize_label("是否参保：□是□否"), "是否参保");
        assert_eq!(
            normalize_label("备注：按实填写"),
            "备注：按实填写".replace('：', ":")
        );
    }

    #[test]
    fn required_stars_and_variant_spellings() {
        assert_eq!(normalize_label("民族\u{fe61}"), "民族");
        assert_eq!(normalize_label("文化\u{fe61}程度"), "文化程度");
        assert_eq!(normalize_label("*现住址*"), "现住址");
        assert_eq!(normalize_label("收款帐号"), "收款账号");
        assert_eq!(normalize_label("户口薄地址"), "户口簿地址");
    }

    /// Labels written for this test, one family at a time.
    #[test]
    fn survey_codes_time_qualifiers_and_questions() {
        assert_eq!(normalize_label("A3.户籍所在地"), "户籍所在地");
        assert_eq!(normalize_label("Q12 出生年月"), "出生年月");
        assert_eq!(normalize_label("B2-1.民族"), "民族");
        assert_eq!(normalize_label("第4题 文化程度"), "文化程度");
        assert_eq!(normalize_label("截至调查日家庭常住人口"), "家庭常住人口");
        assert_eq!(
            normalize_label("统计时点（2024年6月30日）户籍人口"),
            "户籍人口"
        );
        assert_eq!(normalize_label("2023年12月31日末在校学生数"), "在校学生数");
        assert_eq!(normalize_label("您的性别是？"), "性别");
        assert_eq!(normalize_label("你家里一共有几口人"), "家庭人口");
        assert_eq!(normalize_label("您是否有残疾？"), "是否残疾");
        assert_eq!(normalize_label("您的民族是什么"), "民族");
        // Not questions: left alone.
        assert_eq!(normalize_label("是否低保户"), "是否低保户");
        assert_eq!(normalize_label("现住址"), "现住址");
    }

    #[test]
    fn markers_and_trailing_numbers() {
        assert_eq!(normalize_label("*联系电话"), "联系电话");
        assert_eq!(normalize_label("※ 身份证号码"), "身份证号码");
        assert_eq!(normalize_label("★所在网格"), "所在网格");
        assert_eq!(normalize_label("困难原因2"), "困难原因");
        assert_eq!(normalize_label("家庭成员3"), "家庭成员");
        assert_eq!(normalize_label("工作单位（填写全称）"), "工作单位");
        assert_eq!(normalize_label("是否参保（是/否）"), "是否参保");
        // Numbers that belong to the words stay.
        assert_eq!(normalize_label("近3年"), "近3年");
        assert_eq!(normalize_label("低保a1"), "低保a1");
        assert_eq!(normalize_label("2月"), "2月");
    }

    #[test]
    fn short_labels_expand_on_register_forms() {
        assert_eq!(expand_short_label("户籍"), Some("户籍地址"));
        assert_eq!(expand_short_label("手机"), Some("联系电话"));
        assert_eq!(expand_short_label("住址"), Some("现住址"));
        assert_eq!(expand_short_label("单位"), None);
    }

    #[test]
    fn initials() {
        assert_eq!(pinyin_initials("身份证号"), "sfzh");
        assert_eq!(pinyin_initials("低保A1"), "dba1");
    }
}
