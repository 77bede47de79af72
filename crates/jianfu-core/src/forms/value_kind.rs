//! What kind of value a header asks for, read from its words and its unit
//! before normalisation strips the unit: 承包地（亩） asks for an area,
//! 补贴（元） for money, 家庭人口（人） for a count. Forms carry no values,
//! so the wording is all there is; a header that says nothing of its kind
//! is `Unknown` and agrees with any kind.

/// The kind of value a column holds, as far as its header tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ValueKind {
    Unknown,
    /// Yes or no (是否…, 有无…, （是/否）).
    Flag,
    Date,
    Money,
    /// People, households, times: a whole number of things.
    Count,
    Area,
    Phone,
}

impl ValueKind {
    /// Two columns of one wording may be one item only when their kinds
    /// agree; a header silent about its kind agrees with any.
    pub fn compatible(self, other: ValueKind) -> bool {
        self == other || self == ValueKind::Unknown || other == ValueKind::Unknown
    }

    /// The tag a proposed code carries when one wording splits by kind.
    pub fn tag(self) -> &'static str {
        match self {
            ValueKind::Unknown => "",
            ValueKind::Flag => "flag",
            ValueKind::Date => "date",
            ValueKind::Money => "money",
            ValueKind::Count => "count",
            ValueKind::Area => "area",
            ValueKind::Phone => "phone",
        }
    }

    /// The family word a wording of this kind stands for when it leaves it
    /// out (承包地（亩） is 承包地面积), in the spelling the grouping key uses.
    pub fn implied_word(self) -> Option<&'static str> {
        match self {
            ValueKind::Area => Some("面积"),
            ValueKind::Count => Some("人数"),
            ValueKind::Date => Some("日期"),
            _ => None,
        }
    }
}

/// Units that say "money", "area" and "count" when they stand in brackets
/// or at the end (年收入(元), 面积㎡, 人口（人）).
const MONEY_UNITS: [&str; 3] = ["元", "万元", "人民币"];
const AREA_UNITS: [&str; 6] = ["亩", "㎡", "平方米", "m2", "m²", "公顷"];
const COUNT_UNITS: [&str; 6] = ["人", "户", "个", "次", "名", "口"];

/// The kind of value the raw header text asks for.
pub fn value_kind(raw: &str) -> ValueKind {
    let text: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let (words, units) = split_unit(&text);
    if words.starts_with("是否")
        || words.starts_with("有无")
        || words.starts_with("有没有")
        || units.contains("是/否")
        || units.contains("是□否")
        || units.contains("□是")
        || text.contains("是□")
    {
        return ValueKind::Flag;
    }
    if ["电话", "手机", "联系方式"]
        .iter()
        .any(|w| words.contains(w))
    {
        return ValueKind::Phone;
    }
    // A unit is a whole part of the bracket (元/月 is 元 and 月); a count's
    // one-character units must stand alone, or （个人填写） would be a count.
    let unit_is = |list: &[&str], whole: bool| {
        list.iter().any(|u| {
            units.split(['/', '、', ',', '，', '·']).any(|p| {
                if whole {
                    p == *u
                } else {
                    p.starts_with(u)
                }
            })
        })
    };
    if unit_is(&AREA_UNITS, false) || words.ends_with("面积") {
        return ValueKind::Area;
    }
    if unit_is(&MONEY_UNITS, false) || words.ends_with("金额") {
        return ValueKind::Money;
    }
    if ["日期", "时间", "年月日", "年月"]
        .iter()
        .any(|w| words.ends_with(w))
        || units.contains("年月日")
        || units.contains("年月")
    {
        return ValueKind::Date;
    }
    if unit_is(&COUNT_UNITS, true)
        || ["人数", "户数", "个数", "次数"]
            .iter()
            .any(|w| words.ends_with(w))
    {
        return ValueKind::Count;
    }
    ValueKind::Unknown
}

/// The words of a header and the text of its brackets (the unit or the
/// options), with a bare trailing unit (面积㎡) counted as a unit too.
fn split_unit(text: &str) -> (String, String) {
    let mut words = String::new();
    let mut units = String::new();
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' | '（' | '[' | '【' => depth += 1,
            ')' | '）' | ']' | '】' => depth = depth.saturating_sub(1),
            _ if depth > 0 => units.push(c),
            _ => words.push(c),
        }
    }
    for u in AREA_UNITS {
        if let Some(stem) = words.strip_suffix(u) {
            if stem.chars().count() >= 2 {
                units.push('/');
                units.push_str(u);
                words = stem.to_string();
                break;
            }
        }
    }
    (words, units)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Headers written for this test, one kind at a time.
    #[test]
    fn kinds_are_read_from_words_and_units() {
        assert_eq!(value_kind("是否参加合作医疗"), ValueKind::Flag);
        assert_eq!(value_kind("有无自来水"), ValueKind::Flag);
        assert_eq!(value_kind("已改厕（是/否）"), ValueKind::Flag);
        assert_eq!(value_kind("看护人手机"), ValueKind::Phone);
        assert_eq!(value_kind("果园（亩）"), ValueKind::Area);
        assert_eq!(value_kind("圈舍面积"), ValueKind::Area);
        assert_eq!(value_kind("厂房㎡"), ValueKind::Area);
        assert_eq!(value_kind("护理补贴（元/月）"), ValueKind::Money);
        assert_eq!(value_kind("垫付金额"), ValueKind::Money);
        assert_eq!(value_kind("复诊日期"), ValueKind::Date);
        assert_eq!(value_kind("复诊（年月日）"), ValueKind::Date);
        assert_eq!(value_kind("同住亲属（人）"), ValueKind::Count);
        assert_eq!(value_kind("外出次数"), ValueKind::Count);
        assert_eq!(value_kind("饮用水来源"), ValueKind::Unknown);
        assert_eq!(value_kind("楼栋单元"), ValueKind::Unknown);
        assert_eq!(value_kind("工作单位（个人填写）"), ValueKind::Unknown);
    }

    #[test]
    fn a_silent_header_agrees_with_any_kind() {
        assert!(ValueKind::Unknown.compatible(ValueKind::Area));
        assert!(ValueKind::Money.compatible(ValueKind::Money));
        assert!(!ValueKind::Money.compatible(ValueKind::Count));
    }
}
