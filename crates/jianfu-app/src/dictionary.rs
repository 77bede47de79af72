//! The dictionary as the application sees it: the shipped standard library
//! synchronised into the database, versions added by the 减负办, and an
//! in-memory copy that every request reads.

use crate::{auth::CurrentUser, App, AppError, Result};
use jianfu_core::dictionary::{Dictionary, Element, EntityType, Rule, Sensitivity, ValueType};
use jianfu_core::role::Role;
use jianfu_store::ElementRow;
use std::sync::{Arc, RwLock};

/// The current dictionary; replaced as a whole when an element changes.
#[derive(Clone)]
pub struct DictHandle(Arc<RwLock<Arc<Dictionary>>>);

impl DictHandle {
    pub fn new(d: Dictionary) -> Self {
        DictHandle(Arc::new(RwLock::new(Arc::new(d))))
    }
    pub fn get(&self) -> Arc<Dictionary> {
        self.0
            .read()
            .map(|d| d.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }
    fn set(&self, d: Dictionary) {
        match self.0.write() {
            Ok(mut g) => *g = Arc::new(d),
            Err(p) => *p.into_inner() = Arc::new(d),
        }
    }
}

/// What the 减负办 may change about an element. Code, entity and value
/// type are fixed: changing them would change what stored facts mean, so
/// that needs a new element.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ElementEdit {
    /// Taken from the URL when it comes over HTTP.
    #[serde(default)]
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Only for a new element.
    #[serde(default)]
    pub entity: Option<String>,
    /// Only for a new element.
    #[serde(default)]
    pub value_type: Option<String>,
    #[serde(default)]
    pub code_table: Option<String>,
    #[serde(default)]
    pub unit: Option<String>,
    pub sensitivity: String,
    #[serde(default)]
    pub theme: Option<String>,
    #[serde(default)]
    pub steward: Option<String>,
    #[serde(default)]
    pub rule: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

fn to_row(e: &Element) -> ElementRow {
    ElementRow {
        code: e.code.clone(),
        version: 0,
        name: e.name.clone(),
        aliases: e.aliases.join("|"),
        entity: e.entity.code().into(),
        value_type: e.value_type.code().into(),
        code_table: e.code_table.clone(),
        unit: e.unit.clone(),
        sensitivity: e.sensitivity.label_zh().into(),
        theme: e.theme.clone(),
        steward: e.steward.clone(),
        rule: e.rule.clone(),
        description: e.description.clone(),
        is_current: 1,
        created_at: 0,
        created_by: None,
    }
}

fn from_row(r: &ElementRow) -> Result<Element> {
    let bad = |what: &str| AppError::Invalid(format!("指标 {} 的{what}无效", r.code));
    Ok(Element {
        code: r.code.clone(),
        name: r.name.clone(),
        aliases: r
            .aliases
            .split('|')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        entity: EntityType::from_code(&r.entity).ok_or_else(|| bad("实体类型"))?,
        value_type: ValueType::from_code(&r.value_type).ok_or_else(|| bad("值类型"))?,
        code_table: r.code_table.clone(),
        unit: r.unit.clone(),
        sensitivity: Sensitivity::from_label(&r.sensitivity).ok_or_else(|| bad("敏感级别"))?,
        theme: r.theme.clone(),
        steward: r.steward.clone(),
        rule: r.rule.clone(),
        description: r.description.clone(),
        // Stored versions keep no flag relation; it is part of the shipped
        // definitions, so an edited element keeps its shipped one.
        flag_of: shipped_flag_of(&r.code),
    })
}

/// The shipped `flag_of` of an element code, from the built-in dictionary.
fn shipped_flag_of(code: &str) -> Option<String> {
    static SHIPPED: std::sync::OnceLock<Option<Dictionary>> = std::sync::OnceLock::new();
    SHIPPED
        .get_or_init(|| Dictionary::builtin().ok())
        .as_ref()
        .and_then(|d| d.element(code))
        .and_then(|e| e.flag_of.clone())
}

fn nonempty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

impl App {
    pub fn dict(&self) -> Arc<Dictionary> {
        self.dict.get()
    }

    /// Adds shipped elements the database does not have yet (as version 1)
    /// and loads the current versions.
    pub async fn load_dictionary(&self) -> Result<()> {
        let builtin = crate::builtin_dictionary();
        let rows = self.db.current_elements().await?;
        let known: std::collections::HashSet<&str> = rows.iter().map(|r| r.code.as_str()).collect();
        let mut added = 0;
        for e in builtin.elements() {
            if !known.contains(e.code.as_str()) {
                self.db.add_element_version(&to_row(e), None).await?;
                added += 1;
            }
        }
        let rows = if added > 0 {
            self.db.current_elements().await?
        } else {
            rows
        };
        let mut d = Dictionary::builtin_tables().map_err(|e| AppError::Invalid(e.to_string()))?;
        for r in &rows {
            d.insert(from_row(r)?).map_err(AppError::Invalid)?;
        }
        self.dict.set(d);
        Ok(())
    }

    pub async fn element_versions(&self, code: &str) -> Result<Vec<ElementRow>> {
        Ok(self.db.element_versions(code).await?)
    }

    /// Adds a new version of an element (or a new element). Only the 减负办
    /// edits the dictionary. The change is checked against the whole
    /// dictionary first: a rule must compile and no alias may name two
    /// elements.
    pub async fn save_element(
        &self,
        actor: &CurrentUser,
        edit: &ElementEdit,
        ip: Option<String>,
    ) -> Result<i64> {
        if actor.role != Role::Jianfuban {
            return Err(self
                .deny(
                    actor,
                    &format!("element:{}", edit.code),
                    "只有减负办可以修改指标库",
                    ip,
                )
                .await);
        }
        let dict = self.dict();
        let existing = dict.element(&edit.code).cloned();
        let name = edit.name.trim();
        if name.is_empty() {
            return Err(AppError::Invalid("指标名称不能为空".into()));
        }
        let sensitivity = Sensitivity::from_label(edit.sensitivity.trim()).ok_or_else(|| {
            AppError::Invalid(format!(
                "敏感级别“{}”无效，应为 公开、内部、个人信息 或 敏感个人信息",
                edit.sensitivity
            ))
        })?;
        let (entity, value_type) = match &existing {
            Some(e) => (e.entity, e.value_type),
            None => {
                let code_ok = !edit.code.is_empty()
                    && edit.code.contains('.')
                    && edit.code.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_'
                    });
                if !code_ok {
                    return Err(AppError::Invalid(format!(
                        "指标代码“{}”应为小写英文，如 person.pension_type",
                        edit.code
                    )));
                }
                let entity = edit
                    .entity
                    .as_deref()
                    .and_then(EntityType::from_code)
                    .ok_or_else(|| {
                        AppError::Invalid(
                            "新指标须指定对象：person、household、house 或 organization".into(),
                        )
                    })?;
                let vt = edit
                    .value_type
                    .as_deref()
                    .and_then(ValueType::from_code)
                    .ok_or_else(|| AppError::Invalid("新指标须指定值类型".into()))?;
                if !edit.code.starts_with(&format!("{}.", entity.code())) {
                    return Err(AppError::Invalid(format!(
                        "指标代码应以“{}.”开头",
                        entity.code()
                    )));
                }
                (entity, vt)
            }
        };
        let code_table =
            nonempty(&edit.code_table).or(existing.as_ref().and_then(|e| e.code_table.clone()));
        if let Some(t) = &code_table {
            if dict.table(t).is_none() {
                return Err(AppError::Invalid(format!("代码表“{t}”不存在")));
            }
        } else if value_type == ValueType::Code {
            return Err(AppError::Invalid("代码类型的指标必须指定代码表".into()));
        }
        let rule = nonempty(&edit.rule);
        if let Some(src) = &rule {
            Rule::compile(src).map_err(|e| AppError::Invalid(e.to_string()))?;
        }
        let element = Element {
            code: edit.code.clone(),
            name: name.to_string(),
            aliases: edit
                .aliases
                .iter()
                .map(|a| a.trim().to_string())
                .filter(|a| !a.is_empty())
                .collect(),
            entity,
            value_type,
            code_table,
            unit: nonempty(&edit.unit),
            sensitivity,
            theme: nonempty(&edit.theme)
                .or(existing.as_ref().map(|e| e.theme.clone()))
                .unwrap_or_else(|| "identity".into()),
            steward: nonempty(&edit.steward),
            rule,
            description: nonempty(&edit.description),
            flag_of: shipped_flag_of(&edit.code),
        };
        // Build the whole dictionary with the change before storing it.
        let mut candidate =
            Dictionary::builtin_tables().map_err(|e| AppError::Invalid(e.to_string()))?;
        for e in dict.elements() {
            if e.code != element.code {
                candidate.insert(e.clone()).map_err(AppError::Invalid)?;
            }
        }
        candidate
            .insert(element.clone())
            .map_err(AppError::Invalid)?;
        let version = self
            .db
            .add_element_version(&to_row(&element), Some(actor.id))
            .await?;
        self.load_dictionary().await?;
        self.audit(
            Some(actor),
            "element.save",
            Some(format!("element:{}", element.code)),
            "ok",
            Some(format!("{}（第{version}版）", element.name)),
            ip,
        )
        .await?;
        Ok(version)
    }
}
