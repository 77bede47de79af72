//! The organisation tree: 省 > 市 > 区县 > 街镇 > 村社区 > 网格, with 部门
//! (departments) hanging under the level they belong to.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    Province,
    City,
    County,
    Township,
    Community,
    Grid,
    Department,
}

impl OrgKind {
    pub const ALL: [OrgKind; 7] = [
        OrgKind::Province,
        OrgKind::City,
        OrgKind::County,
        OrgKind::Township,
        OrgKind::Community,
        OrgKind::Grid,
        OrgKind::Department,
    ];

    /// Stable identifier stored in the database and used in the API.
    pub fn code(self) -> &'static str {
        match self {
            OrgKind::Province => "province",
            OrgKind::City => "city",
            OrgKind::County => "county",
            OrgKind::Township => "township",
            OrgKind::Community => "community",
            OrgKind::Grid => "grid",
            OrgKind::Department => "department",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == s || k.label_zh() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            OrgKind::Province => "省",
            OrgKind::City => "市",
            OrgKind::County => "区县",
            OrgKind::Township => "街镇",
            OrgKind::Community => "村社区",
            OrgKind::Grid => "网格",
            OrgKind::Department => "部门",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            OrgKind::Province => "Province",
            OrgKind::City => "City",
            OrgKind::County => "District/County",
            OrgKind::Township => "Street/Township",
            OrgKind::Community => "Village/Community",
            OrgKind::Grid => "Grid",
            OrgKind::Department => "Department",
        }
    }

    /// The kind a statistical division code of this many digits denotes.
    pub fn from_division_code_len(len: usize) -> Option<Self> {
        match len {
            2 => Some(OrgKind::Province),
            4 => Some(OrgKind::City),
            6 => Some(OrgKind::County),
            9 => Some(OrgKind::Township),
            12 => Some(OrgKind::Community),
            _ => None,
        }
    }
}

/// Official names of 村/居委会 end in "村民委员会" or "居民委员会"; people say
/// "XX村" and "XX社区".
pub fn short_name(official: &str) -> String {
    if let Some(stem) = official.strip_suffix("村民委员会") {
        if stem.ends_with('村') {
            return stem.to_string();
        }
        return format!("{stem}村");
    }
    if let Some(stem) = official.strip_suffix("居民委员会") {
        return stem.to_string();
    }
    if let Some(stem) = official.strip_suffix("居委会") {
        return format!("{stem}社区");
    }
    official.to_string()
}

/// Suffixes people drop when they name a place: "民主村社区" is "民主村",
/// "金牛街道" is "金牛", "新都镇" is "新都".
const PLACE_SUFFIXES: [&str; 10] = [
    "村民委员会",
    "居民委员会",
    "居委会",
    "村委会",
    "社区",
    "街道办事处",
    "街道",
    "人民政府",
    "镇",
    "乡",
];

/// Every way a text may name this place: the name itself and the name
/// without the suffixes of a committee, a street or a town (once or twice,
/// "XX村社区居民委员会" → "XX村"), as long as two characters remain; shorter
/// stems ("新村" → "新") would match ordinary words.
pub fn place_name_forms(name: &str) -> Vec<String> {
    let mut forms = vec![name.trim().to_string()];
    // "民主村社区" is also written "民主社区".
    if let Some(stem) = name.trim().strip_suffix("村社区") {
        if stem.chars().count() >= 2 {
            forms.push(format!("{stem}社区"));
        }
    }
    let mut stem = name.trim();
    for _ in 0..2 {
        let Some(next) = PLACE_SUFFIXES.iter().find_map(|s| stem.strip_suffix(s)) else {
            break;
        };
        if next.chars().count() < 2 {
            break;
        }
        forms.push(next.to_string());
        stem = next;
    }
    forms.retain(|f| f.chars().count() >= 2);
    forms.dedup();
    forms
}

/// The first place among `names` that `text` names in any of its forms,
/// as the name is written in the org tree. Used where a text written for a
/// department or for every account must not point at a reporter's
/// community or township.
pub fn place_named_in<'a>(text: &str, names: &'a [String]) -> Option<&'a str> {
    // Spaces, invisible characters and brackets typed inside a name
    // ("民 主 村", "民主（村）社区", a zero-width space) do not hide it.
    let squeezed = squeeze(text);
    names.iter().map(String::as_str).find(|name| {
        place_name_forms(name)
            .iter()
            .any(|form| squeezed.contains(squeeze(form).as_str()))
    })
}

/// The text without what can be slipped between the characters of a name:
/// white space, control and format characters (zero-width, joiners,
/// direction marks, variation selectors, tags, fillers), brackets, dashes,
/// slashes and other punctuation.
fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !slipped_between(*c)).collect()
}

fn slipped_between(c: char) -> bool {
    if c.is_whitespace() || c.is_control() || c.is_ascii_punctuation() {
        return true;
    }
    let u = c as u32;
    // Invisible: soft hyphen, combining grapheme joiner, Hangul fillers,
    // Khmer and Mongolian invisibles, zero-width and direction marks,
    // word joiner and invisible operators, variation selectors, the BOM,
    // interlinear annotations, tags and variation selectors supplement,
    // the braille blank.
    let invisible = matches!(
        u,
        0x00AD
            | 0x034F
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0x2800
            | 0x3164
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFA0
            | 0xFFF0..=0xFFFB
            | 0x1D173..=0x1D17A
            | 0xE0000..=0xE0FFF
    );
    // Full-width and CJK punctuation a name may be split with.
    let punctuation = matches!(
        c,
        '（' | '）'
            | '【'
            | '】'
            | '《'
            | '》'
            | '〈'
            | '〉'
            | '「'
            | '」'
            | '『'
            | '』'
            | '－'
            | '—'
            | '–'
            | '·'
            | '・'
            | '。'
            | '，'
            | '、'
            | '；'
            | '：'
            | '！'
            | '？'
            | '“'
            | '”'
            | '‘'
            | '’'
            | '／'
            | '＼'
            | '｜'
            | '～'
            | '＊'
            | '＿'
            | '…'
    );
    invisible || punctuation
}

/// What people drop in front of a department's name: the district, "区委".
const DEPARTMENT_PREFIXES: [&str; 3] = ["区委", "区政府", "区"];

fn department_stem(name: &str) -> &str {
    let mut s = name.trim();
    // "九龙坡区卫生健康委员会": the district's name ends at its "区".
    if let Some(i) = s.find('区') {
        if i > 0 && s[..i].chars().count() <= 4 {
            s = &s[i..];
        }
    }
    for p in DEPARTMENT_PREFIXES {
        if let Some(rest) = s.strip_prefix(p) {
            if rest.chars().count() >= 2 {
                return rest;
            }
        }
    }
    s
}

/// Whether `short` is an abbreviation of `full` as Chinese abbreviations
/// are made: its characters appear in `full` in order, starting with the
/// same one ("卫健委" of "卫生健康委员会", "人社局" of
/// "人力资源和社会保障局", "住建委" of "住房和城乡建设委员会").
fn abbreviates(short: &str, full: &str) -> bool {
    let mut rest = full.chars();
    let mut first = true;
    for c in short.chars() {
        if first {
            if rest.next() != Some(c) {
                return false;
            }
            first = false;
            continue;
        }
        if !rest.any(|f| f == c) {
            return false;
        }
    }
    !first
}

/// The department `words` names among `departments` (id, full name, short
/// name): the same name, the name without the district or "区委" in front,
/// or an abbreviation that fits exactly one department. None when it fits
/// none or several, so a person picks.
pub fn department_named(words: &str, departments: &[(i64, String, String)]) -> Option<i64> {
    let w: String = words.chars().filter(|c| !c.is_whitespace()).collect();
    if w.chars().count() < 2 {
        return None;
    }
    if let Some(d) = departments.iter().find(|(_, n, s)| *n == w || *s == w) {
        return Some(d.0);
    }
    let stem = department_stem(&w);
    let same: Vec<i64> = departments
        .iter()
        .filter(|(_, n, s)| department_stem(n) == stem || department_stem(s) == stem)
        .map(|d| d.0)
        .collect();
    if same.len() == 1 {
        return Some(same[0]);
    }
    let fits: Vec<i64> = departments
        .iter()
        .filter(|(_, n, s)| {
            abbreviates(stem, department_stem(s)) || abbreviates(stem, department_stem(n))
        })
        .map(|d| d.0)
        .collect();
    (fits.len() == 1).then(|| fits[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names() {
        assert_eq!(short_name("民主村社区居民委员会"), "民主村社区");
        assert_eq!(short_name("金凤村村民委员会"), "金凤村");
        assert_eq!(short_name("杨家坪街道"), "杨家坪街道");
    }

    #[test]
    fn a_place_is_found_by_its_short_forms() {
        let names = vec![
            "青龙街道".to_string(),
            "新华二村社区".to_string(),
            "桃花村村民委员会".to_string(),
        ];
        assert_eq!(place_named_in("青龙的一个社区", &names), Some("青龙街道"));
        assert_eq!(place_named_in("新华二村反映", &names), Some("新华二村社区"));
        assert_eq!(
            place_named_in("桃花村的台账", &names),
            Some("桃花村村民委员会")
        );
        assert_eq!(place_named_in("某社区反映台账过多", &names), None);
        // What can be slipped between the characters does not hide a name.
        for hidden in [
            "青 龙的",
            "青\u{200B}龙",
            "新华二（村）",
            "新-华-二-村",
            "新华二社区",
            "青\u{FE0F}龙",
            "青\u{E0020}龙",
            "青\u{3164}龙",
            "青／龙",
            "青《龙》",
        ] {
            assert!(place_named_in(hidden, &names).is_some(), "{hidden}");
        }
        // A stem of one character is no name: "新村" does not match "新".
        assert_eq!(place_name_forms("新村"), vec!["新村".to_string()]);
        assert_eq!(
            place_name_forms("新华二村社区"),
            vec![
                "新华二村社区".to_string(),
                "新华二社区".to_string(),
                "新华二村".to_string()
            ]
        );
    }

    #[test]
    fn a_department_is_found_by_the_names_people_use() {
        let d = |id: i64, name: &str| (id, format!("九龙坡区{name}"), name.to_string());
        let all = vec![
            d(1, "卫生健康委员会"),
            d(2, "人力资源和社会保障局"),
            d(3, "住房和城乡建设委员会"),
            d(4, "民政局"),
            d(5, "区委组织部"),
            d(6, "统计局"),
            d(7, "农业农村委员会"),
        ];
        for (words, id) in [
            ("卫生健康委员会", Some(1)),
            ("九龙坡区卫生健康委员会", Some(1)),
            ("卫健委", Some(1)),
            ("区卫健委", Some(1)),
            ("人社局", Some(2)),
            ("住建委", Some(3)),
            ("民政", Some(4)),
            ("组织部", Some(5)),
            ("统计", Some(6)),
            ("农业农村委", Some(7)),
            // Fits none, or is too short to tell.
            ("教委", None),
            ("局", None),
            ("街道办", None),
        ] {
            assert_eq!(department_named(words, &all), id, "{words}");
        }
    }

    #[test]
    fn kinds_round_trip() {
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::from_code(k.code()), Some(k));
            assert_eq!(OrgKind::from_code(k.label_zh()), Some(k));
        }
        assert_eq!(
            OrgKind::from_division_code_len(12),
            Some(OrgKind::Community)
        );
    }
}
