//! Reading the register for people: facts grouped by theme, labelled,
//! masked where personal, and every access checked and audited.

use super::derive::DERIVED_ELEMENTS;
use super::write::{write_entities, EntityWrite, WriteContext};
use super::Source;
use crate::{auth::CurrentUser, App, AppError, Result};
use jianfu_core::mask;
use jianfu_store::{now_ms, HistoryEntry, OrgUnit, PersonListRow};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct FactView {
    pub element: String,
    pub name: String,
    pub value: String,
    pub masked: bool,
    pub source: String,
    pub department: Option<String>,
    pub recorded_at: i64,
    pub derived: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ThemeGroup {
    pub theme: String,
    pub label: String,
    pub facts: Vec<FactView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PersonView {
    pub id: i64,
    pub name: String,
    pub id_number: String,
    pub age: Option<u32>,
    pub unit: OrgUnit,
    pub household_id: Option<i64>,
    pub household_size: Option<usize>,
    pub groups: Vec<ThemeGroup>,
}

pub fn theme_label(theme: &str) -> &'static str {
    match theme {
        "identity" => "身份信息",
        "contact" => "联系方式",
        "address" => "地址",
        "household" => "户籍与家庭",
        "education" => "教育",
        "marital" => "婚姻",
        "employment" => "就业与务工",
        "income" => "收入",
        "assistance" => "救助与帮扶",
        "disability" => "残疾",
        "health" => "健康",
        "veterans" => "退役军人与优抚",
        "party" => "党员",
        "elderly" => "养老",
        "children" => "儿童与关爱",
        "housing" => "住房",
        "agriculture" => "农业",
        "insurance" => "社会保险",
        "organization" => "组织",
        _ => "其他",
    }
}

const THEME_ORDER: [&str; 19] = [
    "identity",
    "contact",
    "address",
    "household",
    "education",
    "marital",
    "employment",
    "income",
    "assistance",
    "disability",
    "health",
    "veterans",
    "party",
    "elderly",
    "children",
    "housing",
    "agriculture",
    "insurance",
    "organization",
];

/// A stored value as shown by default, and whether it was masked: the
/// element's own rule (`Element::masked`), else its display form.
pub(crate) fn shown(
    dict: &jianfu_core::dictionary::Dictionary,
    element: &str,
    v: &str,
) -> (String, bool) {
    match dict.element(element).and_then(|e| e.masked(v)) {
        Some(m) => (m, true),
        None => (dict.display_value(element, v), false),
    }
}

impl App {
    /// An entity's current facts as shown on its page, by theme: labelled,
    /// masked where they are ID or phone numbers.
    pub(crate) async fn fact_groups(
        &self,
        doc: &jianfu_store::CurrentDoc,
    ) -> Result<BTreeMap<String, Vec<FactView>>> {
        let dict = self.dict();
        let dept_names = self.department_names().await?;
        let mut groups: BTreeMap<String, Vec<FactView>> = BTreeMap::new();
        for (code, cur) in doc {
            let Some(el) = dict.element(code) else {
                continue;
            };
            let (value, masked) = shown(&dict, code, &cur.v);
            groups.entry(el.theme.clone()).or_default().push(FactView {
                element: code.clone(),
                name: el.name.clone(),
                value,
                masked,
                source: cur.s.clone(),
                department: cur.d.and_then(|d| dept_names.get(&d).cloned()),
                recorded_at: cur.t,
                derived: cur.s == Source::Derived.label(),
            });
        }
        Ok(groups)
    }

    /// Theme groups in the order pages show them, facts in dictionary order.
    pub(crate) fn ordered_groups(
        &self,
        mut groups: BTreeMap<String, Vec<FactView>>,
    ) -> Vec<ThemeGroup> {
        let dict = self.dict();
        let mut ordered = Vec::new();
        for theme in THEME_ORDER {
            if let Some(mut facts) = groups.remove(theme) {
                facts.sort_by_key(|f| {
                    dict.elements()
                        .iter()
                        .position(|e| e.code == f.element)
                        .unwrap_or(usize::MAX)
                });
                ordered.push(ThemeGroup {
                    theme: theme.into(),
                    label: theme_label(theme).into(),
                    facts,
                });
            }
        }
        ordered
    }

    fn require_resident_access(&self, actor: &CurrentUser) -> Result<()> {
        if actor.role.can_read_residents() {
            Ok(())
        } else {
            Err(AppError::Forbidden("您的角色不能查看居民个人信息".into()))
        }
    }

    /// The person if the actor may see them; refusals are audited.
    pub async fn person_for(
        &self,
        actor: &CurrentUser,
        id: i64,
        ip: Option<String>,
    ) -> Result<(PersonListRow, OrgUnit)> {
        if let Err(e) = self.require_resident_access(actor) {
            return Err(self
                .deny(actor, &format!("person:{id}"), &e.to_string(), ip)
                .await);
        }
        let p = self
            .db
            .person(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("居民 {id}")))?;
        let unit = self
            .db
            .unit(p.unit_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("单位 {}", p.unit_id)))?;
        if !actor.can_see(&unit) {
            return Err(self
                .deny(
                    actor,
                    &format!("person:{id}"),
                    "该居民不在您的管辖范围内",
                    ip,
                )
                .await);
        }
        Ok((p, unit))
    }

    /// Residents in the actor's scope matching `q`.
    pub async fn search_residents(
        &self,
        actor: &CurrentUser,
        q: &str,
        limit: i64,
        offset: i64,
        ip: Option<String>,
    ) -> Result<(Vec<PersonListRow>, i64)> {
        if let Err(e) = self.require_resident_access(actor) {
            return Err(self.deny(actor, "persons", &e.to_string(), ip).await);
        }
        if q.chars().count() > 40 {
            return Err(AppError::Invalid("搜索内容不能超过40个字".into()));
        }
        let (rows, total) = self
            .db
            .search_persons(&actor.scope.path, q, limit.clamp(1, 200), offset.max(0))
            .await?;
        self.audit(
            Some(actor),
            "person.list",
            Some(format!("unit:{}", actor.scope.id)),
            "ok",
            (!q.trim().is_empty()).then(|| format!("搜索“{}”，{}条", mask_query(q), total)),
            ip,
        )
        .await?;
        Ok((rows, total))
    }

    /// A person's facts grouped by theme, with ID and phone numbers masked.
    pub async fn person_view(
        &self,
        actor: &CurrentUser,
        id: i64,
        today: chrono::NaiveDate,
        ip: Option<String>,
    ) -> Result<PersonView> {
        let (p, unit) = self.person_for(actor, id, ip.clone()).await?;
        let doc = self.db.current_doc("person", id).await?;
        let mut groups = self.fact_groups(&doc).await?;
        let id_number = jianfu_core::id_number::IdNumber::parse(&p.id_number, today).ok();
        let age = id_number.as_ref().map(|i| i.age_on(today));
        if let (Some(age), Some(identity)) = (age, groups.get_mut("identity")) {
            identity.push(FactView {
                element: "person.age".into(),
                name: "年龄".into(),
                value: format!("{age}岁（{}）", today.format("%Y-%m-%d")),
                masked: false,
                source: Source::Derived.label().into(),
                department: None,
                recorded_at: now_ms(),
                derived: true,
            });
        }
        let household_size = match p.household_id {
            Some(h) => Some(self.db.household_members(h).await?.len()),
            None => None,
        };
        let ordered = self.ordered_groups(groups);
        self.audit(
            Some(actor),
            "person.view",
            Some(format!("person:{id}")),
            "ok",
            None,
            ip,
        )
        .await?;
        Ok(PersonView {
            id,
            name: p.name,
            id_number: mask::id_number(&p.id_number),
            age,
            unit,
            household_id: p.household_id,
            household_size,
            groups: ordered,
        })
    }

    /// The full value of a masked element; every reveal is audited.
    pub async fn reveal(
        &self,
        actor: &CurrentUser,
        id: i64,
        element: &str,
        ip: Option<String>,
    ) -> Result<String> {
        let dict = self.dict();
        let (p, _) = self.person_for(actor, id, ip.clone()).await?;
        let value = if element == "person.id_number" {
            Some(p.id_number.clone())
        } else {
            self.db
                .current_doc("person", id)
                .await?
                .get(element)
                .map(|c| c.v.clone())
        };
        let value = value.ok_or_else(|| AppError::NotFound(format!("该居民没有“{element}”")))?;
        let name = dict
            .element(element)
            .map(|e| e.name.clone())
            .unwrap_or_else(|| element.to_string());
        self.audit(
            Some(actor),
            "reveal",
            Some(format!("person:{id}")),
            "ok",
            Some(format!("查看完整{name}")),
            ip,
        )
        .await?;
        Ok(value)
    }

    pub async fn person_history(
        &self,
        actor: &CurrentUser,
        id: i64,
        ip: Option<String>,
    ) -> Result<Vec<HistoryEntry>> {
        let dict = self.dict();
        self.person_for(actor, id, ip.clone()).await?;
        let mut rows = self.db.history("person", id).await?;
        mask_history(&dict, &mut rows);
        Ok(rows)
    }

    /// A worker sets one fact by hand (source 手工). Derived elements are
    /// refused; the value is checked against the dictionary.
    pub async fn set_person_fact(
        &self,
        actor: &CurrentUser,
        id: i64,
        element: &str,
        raw: &str,
        today: chrono::NaiveDate,
        ip: Option<String>,
    ) -> Result<()> {
        let dict = self.dict();
        self.person_for(actor, id, ip.clone()).await?;
        let el = dict
            .element(element)
            .ok_or_else(|| AppError::Invalid(format!("指标“{element}”不存在")))?;
        if el.entity != jianfu_core::dictionary::EntityType::Person {
            return Err(AppError::Invalid(format!("“{}”不是个人指标", el.name)));
        }
        if DERIVED_ELEMENTS.contains(&element) || element == "person.id_number" {
            return Err(AppError::Invalid(format!(
                "“{}”由身份证号派生，不能手工填写",
                el.name
            )));
        }
        let value = dict
            .check_value(el, raw, today)
            .map_err(|e| AppError::Invalid(format!("“{}”：{e}", el.name)))?;
        let ctx = WriteContext::manual(actor.id, today);
        let mut tx = self.db.begin().await?;
        let mut values = BTreeMap::new();
        values.insert(element.to_string(), value.to_storage());
        write_entities(
            &mut tx,
            &ctx,
            &[EntityWrite {
                entity_type: "person",
                entity_id: id,
                derived: Vec::new(),
                values,
                tag: 0,
            }],
        )
        .await?;
        tx.commit().await.map_err(jianfu_store::StoreError::from)?;
        self.audit(
            Some(actor),
            "person.update",
            Some(format!("person:{id}")),
            "ok",
            Some(format!("修改{}", el.name)),
            ip,
        )
        .await
    }

    /// Human form of a stored value: code labels, 是/否.
    pub fn display_value(&self, element: &str, v: &str) -> String {
        self.dict().display_value(element, v)
    }

    pub(crate) async fn department_names(&self) -> Result<std::collections::HashMap<i64, String>> {
        // Departments are few; a fresh read keeps renamed units right.
        let rows = self.db.departments().await?;
        Ok(rows.into_iter().map(|u| (u.id, u.short_name)).collect())
    }
}

/// An entity's history as shown: every value by the same rule as its page.
pub(crate) fn mask_history(
    dict: &jianfu_core::dictionary::Dictionary,
    rows: &mut [jianfu_store::HistoryEntry],
) {
    for r in rows {
        for (code, v) in r.changes.iter_mut() {
            if let Some(val) = v.as_mut() {
                *val = shown(dict, code, val).0;
            }
        }
    }
}

/// A number typed into the search box (an ID or a phone number, whole or
/// in part) is masked in the audit log too.
fn mask_query(q: &str) -> String {
    mask::digit_runs(q)
}
