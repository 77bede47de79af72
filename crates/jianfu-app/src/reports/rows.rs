//! Rows added to a roster in the grid: a resident the register does not
//! know yet (or one the filter does not select), placed in a household of
//! the task's community — an existing one found by its head's name or
//! address, or a new one — so that the household columns of the row (户主姓名,
//! 是否低保, …) can be filled like any other gap.

use super::today;
use crate::register::write::{write_entities, EntityWrite, WriteContext};
use crate::register::HouseholdListItem;
use crate::{App, AppError, CurrentUser, Result};
use jianfu_core::id_number::IdNumber;
use jianfu_store::{Db, NewPersonRow, TaskRow, Tx};
use serde::Deserialize;
use std::collections::BTreeMap;

/// GB/T 4761 户主: the relation of a person who founds a new household.
const HEAD: &str = "02";

/// Which household an added person belongs to.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HouseholdChoice {
    /// Not placed (a person living alone may be registered later).
    #[default]
    None,
    /// An existing household of the task's community, with the person's
    /// relation to its head (GB/T 4761 code).
    Existing {
        id: i64,
        #[serde(default)]
        relation: String,
    },
    /// A new household at this address, with the person as its head.
    New { address: String },
}

/// What a worker types to add a person to a roster.
#[derive(Debug, Clone, Default)]
pub struct NewRowPerson {
    pub id_number: String,
    pub name: String,
    pub household: HouseholdChoice,
}

impl App {
    /// Households of the task's community whose head's name, member's name
    /// or address contains `q` — for the grid's household picker. Only a
    /// person who may fill the task may search, and only in its community.
    pub async fn task_households(
        &self,
        actor: &CurrentUser,
        task_id: i64,
        q: &str,
        ip: Option<String>,
    ) -> Result<Vec<HouseholdListItem>> {
        let (task, _) = self.task_and_report(actor, task_id, ip.clone()).await?;
        if !self.may_fill(actor, &task) {
            return Err(self
                .deny(
                    actor,
                    &format!("task:{task_id}"),
                    &format!("任务状态为“{}”，不能添加行", task.status),
                    ip,
                )
                .await);
        }
        let q: String = q.trim().chars().take(50).collect();
        let (rows, _) = self
            .db
            .households_in_scope(&task.unit_path, &q, 20, 0)
            .await?;
        let items = self.household_list_items(rows).await?;
        self.audit(
            Some(actor),
            "household.list",
            Some(format!("task:{task_id}")),
            "ok",
            Some("填报时查找家庭".into()),
            ip,
        )
        .await?;
        Ok(items)
    }

    /// Adds a resident as a row of this roster. A new ID number registers a
    /// new person in the task's community; a known one of this community is
    /// listed, and placed in the chosen household when it has none yet.
    pub async fn add_task_person(
        &self,
        actor: &CurrentUser,
        id: i64,
        input: &NewRowPerson,
        ip: Option<String>,
    ) -> Result<i64> {
        let (task, report) = self.task_and_report(actor, id, ip.clone()).await?;
        if !self.may_fill(actor, &task) {
            return Err(AppError::Forbidden(format!(
                "任务状态为“{}”，不能添加行",
                task.status
            )));
        }
        let def = self.parse_definition(&report)?;
        if def.entity != "person" || def.kind == jianfu_core::reports::ReportKind::Statistical {
            return Err(AppError::Invalid(
                "只有人员花名册和登记表可以添加人员行".into(),
            ));
        }
        let idn = IdNumber::parse(input.id_number.trim(), today())
            .map_err(|e| AppError::Invalid(format!("身份证号：{e}")))?;
        let name = input.name.trim();
        let household = self.checked_choice(&task, &input.household).await?;
        let mut tx = self.db.begin().await?;
        let found = Db::persons_by_id_numbers(&mut tx, &[idn.to_string()]).await?;
        let person_id =
            match found.get(idn.as_str()) {
                Some(p) => {
                    // Read through the transaction: a pool connection taken
                    // while it is open waits on its lock, and eight such adds
                    // at once held every connection (attack review).
                    let unit = Db::unit_tx(&mut tx, p.unit_id)
                        .await?
                        .ok_or_else(|| AppError::NotFound(format!("单位 {}", p.unit_id)))?;
                    if !jianfu_core::scope::contains(&task.unit_path, &unit.path) {
                        // Say only that the number is registered elsewhere (not
                        // where), and leave the claim to the owning community.
                        let checked = self.checked_name(name)?;
                        if !Db::open_merge_candidate_exists(&mut tx, p.id, task.unit_id).await? {
                            let payload = serde_json::json!({"person.name": checked}).to_string();
                            Db::insert_merge_candidate(
                                &mut tx,
                                p.id,
                                task.unit_id,
                                &payload,
                                "手工",
                                None,
                            )
                            .await?;
                        }
                        tx.commit().await.map_err(jianfu_store::StoreError::from)?;
                        return Err(AppError::Invalid(
                            "该身份证号已在其他村社区登记，已列为合并候选，由登记地社区核实后迁入"
                                .into(),
                        ));
                    }
                    match (p.household_id, &household) {
                        (_, HouseholdChoice::None) => {}
                        (None, choice) => {
                            self.place_in_household(&mut tx, actor, &task, p.id, p.unit_id, choice)
                                .await?
                        }
                        (Some(_), _) => return Err(AppError::Invalid(
                            "该居民已属于本社区的另一户，请在居民页面办理迁户，或选择“不关联家庭”"
                                .into(),
                        )),
                    }
                    p.id
                }
                None => {
                    let checked = self.checked_name(name)?;
                    let created = Db::insert_persons(
                        &mut tx,
                        &[NewPersonRow {
                            id_number: idn.to_string(),
                            name_initials: jianfu_core::dictionary::pinyin_initials(&checked),
                            name: checked.clone(),
                            household_id: None,
                            unit_id: task.unit_id,
                        }],
                    )
                    .await?;
                    let pid = *created
                        .get(idn.as_str())
                        .ok_or_else(|| AppError::Invalid("新增居民失败".into()))?;
                    let mut values = BTreeMap::new();
                    values.insert("person.id_number".to_string(), idn.to_string());
                    values.insert("person.name".to_string(), checked);
                    write_entities(
                        &mut tx,
                        &WriteContext::manual(actor.id, today()),
                        &[EntityWrite {
                            entity_type: "person",
                            entity_id: pid,
                            derived: crate::register::derived_person_facts(&idn)
                                .into_iter()
                                .map(|(k, v)| (k.to_string(), v))
                                .collect(),
                            values,
                            tag: 0,
                        }],
                    )
                    .await?;
                    self.place_in_household(&mut tx, actor, &task, pid, task.unit_id, &household)
                        .await?;
                    pid
                }
            };
        Db::add_task_row(&mut tx, task.id, "person", person_id, actor.id).await?;
        tx.commit().await.map_err(jianfu_store::StoreError::from)?;
        let placed = match &household {
            HouseholdChoice::None => "",
            HouseholdChoice::Existing { .. } => "，加入已有家庭",
            HouseholdChoice::New { .. } => "，新建一户",
        };
        self.audit(
            Some(actor),
            "task.add_row",
            Some(format!("task:{id}")),
            "ok",
            Some(format!(
                "添加人员行 {}{placed}",
                jianfu_core::mask::id_number(idn.as_str())
            )),
            ip,
        )
        .await?;
        Ok(person_id)
    }

    /// A name as the dictionary's rule for 姓名 accepts it.
    fn checked_name(&self, name: &str) -> Result<String> {
        let dict = self.dict();
        let name_el = dict
            .element("person.name")
            .ok_or_else(|| AppError::Invalid("指标库缺少“姓名”".into()))?;
        Ok(dict
            .check_value(name_el, name, today())
            .map_err(|e| AppError::Invalid(format!("姓名：{e}")))?
            .to_storage())
    }

    /// The choice, checked before anything is written: an existing
    /// household must belong to the task's community, a relation must be a
    /// code of the relation table, a new household needs an address.
    async fn checked_choice(
        &self,
        task: &TaskRow,
        choice: &HouseholdChoice,
    ) -> Result<HouseholdChoice> {
        match choice {
            HouseholdChoice::None => Ok(HouseholdChoice::None),
            HouseholdChoice::Existing { id: 0, .. } => {
                Err(AppError::Invalid("请先查找并选择一户".into()))
            }
            HouseholdChoice::Existing { id, relation } => {
                // A household is registered in the community or one of its
                // grids.
                let unit = match self.db.household_unit(*id).await? {
                    Some(u) => self.db.unit(u).await?,
                    None => None,
                };
                if !unit.is_some_and(|u| jianfu_core::scope::contains(&task.unit_path, &u.path)) {
                    // Whether it exists elsewhere is not this worker's to know.
                    return Err(AppError::Invalid(format!(
                        "所选家庭不在“{}”，请重新查找",
                        task.unit_name
                    )));
                }
                let relation = relation.trim();
                if relation.is_empty() {
                    return Err(AppError::Invalid("加入已有家庭时请选择“与户主关系”".into()));
                }
                let dict = self.dict();
                let el = dict
                    .element("person.relation_to_head")
                    .ok_or_else(|| AppError::Invalid("指标库缺少“与户主关系”".into()))?;
                let code = dict
                    .check_value(el, relation, today())
                    .map_err(|e| AppError::Invalid(format!("与户主关系：{e}")))?
                    .to_storage();
                // A household has one head.
                if crate::register::is_head_relation(&code)
                    && self
                        .db
                        .household_member_relations(&[*id])
                        .await?
                        .iter()
                        .any(|m| {
                            m.relation
                                .as_deref()
                                .is_some_and(crate::register::is_head_relation)
                        })
                {
                    return Err(AppError::Invalid(
                        "该户已有户主，请选择与户主的其他关系".into(),
                    ));
                }
                Ok(HouseholdChoice::Existing {
                    id: *id,
                    relation: code,
                })
            }
            HouseholdChoice::New { address } => {
                let address = address.trim();
                if address.is_empty() {
                    return Err(AppError::Invalid("新建一户时请填写户地址".into()));
                }
                if address.chars().count() > 200 {
                    return Err(AppError::Invalid("户地址不能超过 200 字".into()));
                }
                Ok(HouseholdChoice::New {
                    address: address.to_string(),
                })
            }
        }
    }

    /// Puts the person in the household (creating it for `New`) and records
    /// the relation to the head as a 手工 fact by the worker.
    async fn place_in_household(
        &self,
        tx: &mut Tx,
        actor: &CurrentUser,
        task: &TaskRow,
        person_id: i64,
        person_unit: i64,
        choice: &HouseholdChoice,
    ) -> Result<()> {
        let ctx = WriteContext::manual(actor.id, today());
        let (household_id, relation) = match choice {
            HouseholdChoice::None => return Ok(()),
            HouseholdChoice::Existing { id, relation } => (*id, relation.clone()),
            HouseholdChoice::New { address } => {
                let hid = Db::insert_household_tx(tx, task.unit_id).await?;
                let mut values = BTreeMap::new();
                values.insert("household.address".to_string(), address.clone());
                write_entities(
                    tx,
                    &ctx,
                    &[EntityWrite {
                        entity_type: "household",
                        entity_id: hid,
                        derived: Vec::new(),
                        values,
                        tag: 0,
                    }],
                )
                .await?;
                (hid, HEAD.to_string())
            }
        };
        Db::set_person_placement(tx, person_id, person_unit, Some(household_id)).await?;
        let mut values = BTreeMap::new();
        values.insert("person.relation_to_head".to_string(), relation);
        write_entities(
            tx,
            &ctx,
            &[EntityWrite {
                entity_type: "person",
                entity_id: person_id,
                derived: Vec::new(),
                values,
                tag: 0,
            }],
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_household_choice_reads_as_the_page_sends_it() {
        let none: HouseholdChoice = serde_json::from_str(r#"{"kind":"none"}"#).unwrap();
        assert_eq!(none, HouseholdChoice::None);
        let existing: HouseholdChoice =
            serde_json::from_str(r#"{"kind":"existing","id":7,"relation":"20"}"#).unwrap();
        assert_eq!(
            existing,
            HouseholdChoice::Existing {
                id: 7,
                relation: "20".into()
            }
        );
        let new: HouseholdChoice =
            serde_json::from_str(r#"{"kind":"new","address":"民主村1号"}"#).unwrap();
        assert_eq!(
            new,
            HouseholdChoice::New {
                address: "民主村1号".into()
            }
        );
        assert!(serde_json::from_str::<HouseholdChoice>(r#"{"kind":"other"}"#).is_err());
    }
}
