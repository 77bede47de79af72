//! UI strings. Simplified Chinese is the default; English is available.
//! Each catalog has the same keys; a unit test keeps them in step.

mod en;
pub mod labels;
mod zh;

use en::EN;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use zh::ZH;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn from_tag(s: &str) -> Option<Lang> {
        match s {
            "zh" | "zh-CN" | "zh-Hans" => Some(Lang::Zh),
            "en" | "en-US" | "en-GB" => Some(Lang::En),
            _ => None,
        }
    }
}

pub type Catalog = BTreeMap<&'static str, &'static str>;

pub fn catalog(lang: Lang) -> &'static Catalog {
    static ZH_MAP: OnceLock<Catalog> = OnceLock::new();
    static EN_MAP: OnceLock<Catalog> = OnceLock::new();
    match lang {
        Lang::Zh => ZH_MAP.get_or_init(|| ZH.iter().copied().collect()),
        Lang::En => EN_MAP.get_or_init(|| EN.iter().copied().collect()),
    }
}

/// A status as stored (the register keeps the Chinese word) in the page's
/// language; `None` for a value that is data, not a status.
pub fn status_label(lang: Lang, stored: &str) -> Option<&'static str> {
    let key = match stored {
        "未开始" => "st_not_started",
        "填报中" => "st_filling",
        "已提交" => "st_submitted",
        "退回" => "st_returned",
        "已接收" => "st_accepted",
        "草稿" => "st_draft",
        "已发布" => "st_published",
        _ => return None,
    };
    Some(t(lang, key))
}

/// A fact's source as stored (手工, 导入, 共享, 派生) in the page's
/// language; `None` for anything else.
pub fn source_label(lang: Lang, stored: &str) -> Option<&'static str> {
    let key = match stored {
        "手工" => "fact_src_manual",
        "导入" => "fact_src_import",
        "共享" => "fact_src_shared",
        "派生" => "fact_src_derived",
        _ => return None,
    };
    Some(t(lang, key))
}

pub fn t(lang: Lang, key: &str) -> &'static str {
    catalog(lang).get(key).copied().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogs_have_the_same_keys() {
        let zh: Vec<_> = catalog(Lang::Zh).keys().collect();
        let en: Vec<_> = catalog(Lang::En).keys().collect();
        assert_eq!(zh, en);
        assert_eq!(ZH.len(), zh.len(), "duplicate key in ZH");
        assert_eq!(EN.len(), en.len(), "duplicate key in EN");
    }
}
