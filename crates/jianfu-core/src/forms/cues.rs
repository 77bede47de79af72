//! The small textual cues that tell the parts of a form apart: a title, a
//! meta line (填报单位：…), a unit row (万元), a column-number row (1 2 3),
//! a footer (填表人：…). Each is a plain predicate over one cell's text.

/// Text without any kind of whitespace (labels are often spaced out to fill
/// a wide cell: "姓 名", "户 主").
pub fn squeeze(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}' && *c != '\u{a0}')
        .collect()
}

pub fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// A number as typed in a cell: "12", "3.5", "-1", "1,200", "45%".
pub fn is_number(s: &str) -> bool {
    let t = squeeze(s);
    let t = t.trim_end_matches('%').replace(',', "");
    !t.is_empty() && t.parse::<f64>().is_ok()
}

/// A whole number 0..=999, as in a column-number row.
pub fn small_integer(s: &str) -> Option<u32> {
    let t = squeeze(s);
    if t.is_empty() || t.len() > 3 || !t.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

const UNITS: [&str; 30] = [
    "元",
    "万元",
    "亿元",
    "千元",
    "人",
    "户",
    "个",
    "家",
    "亩",
    "万亩",
    "吨",
    "公顷",
    "头",
    "只",
    "头/只",
    "平方米",
    "㎡",
    "m²",
    "%",
    "人次",
    "户次",
    "次",
    "间",
    "套",
    "处",
    "公里",
    "千米",
    "米",
    "年",
    "月",
];

/// A unit written alone in a header or unit row: "万元", "（元）", "单位：户".
pub fn unit_word(s: &str) -> Option<String> {
    let t = squeeze(s);
    let t = t
        .trim_start_matches(['(', '（'])
        .trim_end_matches([')', '）'])
        .trim_start_matches("单位")
        .trim_start_matches([':', '：']);
    UNITS.contains(&t).then(|| t.to_string())
}

/// Marks of a column-number row beside plain integers: 甲 乙 丙, A B C,
/// and its own label (栏次, 序号).
fn is_column_mark(s: &str) -> bool {
    let t = squeeze(s);
    matches!(
        t.as_str(),
        "甲" | "乙" | "丙" | "丁" | "戊" | "栏次" | "行次" | "序号" | "栏号" | "列号"
    ) || (t.len() == 1 && t.chars().all(|c| c.is_ascii_uppercase()))
}

/// A row of column numbers (1 2 3 …) printed under a header: most cells are
/// small integers, ascending, and nothing else but column marks.
pub fn is_number_row(cells: &[&str]) -> bool {
    let mut nums = Vec::new();
    for c in cells {
        if let Some(n) = small_integer(c) {
            nums.push(n);
        } else if !is_column_mark(c) {
            return false;
        }
    }
    nums.len() >= 3 && nums.windows(2).all(|w| w[1] > w[0])
}

/// A row of units only (万元 万元 人 户).
pub fn is_unit_row(cells: &[&str]) -> bool {
    cells.len() >= 2 && cells.iter().all(|c| unit_word(c).is_some())
}

const META_KEYS: [&str; 20] = [
    "填报单位",
    "填表单位",
    "报送单位",
    "填报日期",
    "填表日期",
    "填报时间",
    "统计时间",
    "单位",
    "表号",
    "制定机关",
    "制表机关",
    "批准机关",
    "批准文号",
    "文号",
    "有效期至",
    "截止时间",
    "统计时段",
    "所属时期",
    "村(社区)",
    "乡镇",
];

/// A line above the header that describes the report rather than naming a
/// column: "填报单位：…", "单位：元", "附件1", "年 月 日", "表一".
pub fn is_meta_text(s: &str) -> bool {
    let t = squeeze(s);
    if t.is_empty() {
        return false;
    }
    if let Some(rest) = t.strip_prefix("附件") {
        if rest
            .chars()
            .all(|c| c.is_ascii_digit() || "一二三四五六七八九十-—:：".contains(c))
        {
            return true;
        }
    }
    if let Some(rest) = t.strip_prefix('表') {
        if !rest.is_empty()
            && rest.chars().count() <= 3
            && rest
                .chars()
                .all(|c| c.is_ascii_digit() || "一二三四五六七八九十".contains(c))
        {
            return true;
        }
    }
    // "年 月 日" with the blanks to fill in, or a date written out.
    if t.contains('年') && t.contains('月') && t.chars().count() <= 24 {
        let words = t
            .chars()
            .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c) && !"年月日".contains(*c))
            .count();
        // "出生年月", "入党年月日" name a date item: their words come
        // before the year, where a date line has digits or blanks.
        let names_a_date = crate::dictionary::normalize_label(&t)
            .chars()
            .next()
            .is_some_and(|c| ('\u{4e00}'..='\u{9fff}').contains(&c) && !"年月日".contains(c))
            && (t.ends_with("年月") || t.ends_with("年月日"));
        if words <= 2 && !names_a_date {
            return true;
        }
    }
    if let Some(pos) = t.find([':', '：']) {
        let key = &t[..pos];
        if META_KEYS.iter().any(|k| key.ends_with(k))
            || key.starts_with("填")
            || key.chars().count() <= 8
        {
            return true;
        }
    }
    META_KEYS.iter().any(|k| t.starts_with(k)) && t.chars().count() <= 12 && !t.ends_with("名称")
}

const FOOTER_STARTS: [&str; 22] = [
    "说明",
    "注：",
    "注:",
    "注1",
    "注",
    "备注：",
    "备注:",
    "填表说明",
    "填报说明",
    "填表人",
    "填报人",
    "审核人",
    "制表人",
    "统计人",
    "负责人",
    "单位负责人",
    "统计负责人",
    "主管领导",
    "分管领导",
    "经办人",
    "报出日期",
    "入户人员",
];

/// A line under the data that signs off or explains the form.
pub fn is_footer_text(s: &str) -> bool {
    let t = squeeze(s);
    if t.is_empty() {
        return false;
    }
    if t == "注" || t == "说明" {
        return true;
    }
    FOOTER_STARTS
        .iter()
        .filter(|k| **k != "注" && **k != "说明")
        .any(|k| t.starts_with(k))
        || ((t.starts_with('注') || t.starts_with("说明")) && t.chars().count() > 3 && {
            let second = t.chars().nth(if t.starts_with('注') { 1 } else { 2 });
            matches!(second, Some(':' | '：' | '1' | '一' | '、' | '.'))
        })
        || t.contains("签字") && (t.contains('：') || t.contains(':')) && t.chars().count() > 6
}

const TITLE_WORDS: [&str; 16] = [
    "表",
    "名册",
    "名单",
    "台账",
    "清单",
    "统计",
    "情况",
    "汇总",
    "登记",
    "花名册",
    "明细",
    "目录",
    "档案",
    "一览",
    "信息",
    "数据",
];

/// Text that reads as the title of a form.
pub fn is_title_text(s: &str) -> bool {
    let t = squeeze(s);
    t.chars().count() >= 4 && TITLE_WORDS.iter().any(|w| t.contains(w)) && !is_meta_text(&t)
}

/// Text that can be a field label: words, not a value. Values in a filled
/// sheet are numbers, dates, ID numbers and codes.
pub fn is_label_like(s: &str) -> bool {
    let t = squeeze(s);
    // Options and notes in brackets make a label long, not a value.
    let n = crate::dictionary::normalize_label(&t).chars().count();
    if n == 0 || n > 40 || !has_cjk(&t) || t.starts_with('□') || t.starts_with('☐') {
        return false;
    }
    // Digits inside brackets are options or notes ("□80-89岁"), not a
    // value; so are the dates a census item is asked for ("2019年11月1日
    // 至2020年10月31日期间的出生人口"), as long as words remain.
    let outside = crate::dictionary::normalize_label(&t);
    let chars: Vec<char> = outside.chars().collect();
    let mut digits = 0;
    let mut run = 0;
    for c in &chars {
        if c.is_ascii_digit() {
            run += 1;
            continue;
        }
        if run > 0 && !"年月日时号".contains(*c) {
            digits += run;
        }
        run = 0;
    }
    digits += run;
    let words = chars
        .iter()
        .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(*c) && !"年月日时号至".contains(**c))
        .count();
    digits < 6 && words >= 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_lines() {
        for s in [
            "填报单位：永泰县民政局",
            "单位：元",
            "附件1",
            "附件",
            "村(社区)：　　年　月　日",
            "表一",
            "填报时间：2024.4.18",
            "表号：动态1表　制定机关：中国残联",
        ] {
            assert!(is_meta_text(s), "{s}");
        }
        for s in [
            "姓名",
            "家庭成员",
            "1-月资金总支出",
            "永泰县农村居民最低生活保障统计表(2023年1月)",
        ] {
            assert!(!is_meta_text(s), "{s}");
        }
    }

    #[test]
    fn footers_and_titles() {
        assert!(is_footer_text("填表人：张三　审核人："));
        assert!(is_footer_text("注：1.本表由村填写"));
        assert!(is_footer_text("说明：统计口径"));
        assert!(is_footer_text("入户人员签字：　村(社区)签字："));
        assert!(!is_footer_text("注册资本"));
        assert!(!is_footer_text("说明书编号"));
        assert!(is_title_text("一品街道残疾人名单（2022年1月）"));
        assert!(!is_title_text("姓名"));
    }

    #[test]
    fn number_and_unit_rows() {
        assert!(is_number_row(&["1", "2", "3", "4"]));
        assert!(is_number_row(&["甲", "乙", "1", "2", "3"]));
        assert!(is_number_row(&["序号", "1", "2", "3"]));
        assert!(!is_number_row(&["1", "张三", "3"]));
        assert!(!is_number_row(&["3", "2", "1"]));
        assert!(is_unit_row(&["万元", "万元", "（人）"]));
        assert_eq!(unit_word("（元）").as_deref(), Some("元"));
        assert!(!is_unit_row(&["万元", "低保金"]));
    }

    #[test]
    fn labels_and_values() {
        assert!(is_label_like("户主姓名"));
        assert!(!is_label_like("500107199001011234"));
        assert!(!is_label_like("12"));
        assert!(!is_label_like("□是"));
    }
}
