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
