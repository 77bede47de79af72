//! Households: their members with relation to the head, and the
//! household's own facts.

use super::read::FactView;
use super::Source;
use crate::{auth::CurrentUser, App, AppError, Result};
use jianfu_core::id_number::IdNumber;
use jianfu_core::mask;
use jianfu_store::{MemberRelation, OrgUnit};
use serde::Serialize;

/// GB/T 4761: 01 本人 (as printed on the head's line of a roster) and 02 户主.
pub(crate) fn is_head_relation(code: &str) -> bool {
    code == "01" || code == "02"
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberView {
    pub id: i64,
    pub name: String,
    pub id_number: String,
    pub relation: String,
    pub age: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HouseholdView {
    pub id: i64,
    pub unit: OrgUnit,
    pub members: Vec<MemberView>,
    pub facts: Vec<FactView>,
}

impl App {
    pub async fn household_view(
        &self,
        actor: &CurrentUser,
        id: i64,
        today: chrono::NaiveDate,
        ip: Option<String>,
    ) -> Result<HouseholdView> {
        if !actor.role.can_read_residents() {
            return Err(self
                .deny(
                    actor,
                    &format!("household:{id}"),
                    "您的角色不能查看居民个人信息",
                    ip,
                )
                .await);
        }
        let unit_id = self
            .db
            .household_unit(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("户 {id}")))?;
        let unit = self
            .db
            .unit(unit_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("单位 {unit_id}")))?;
        if !actor.can_see(&unit) {
            return Err(self
                .deny(
                    actor,
                    &format!("household:{id}"),
                    "该户不在您的管辖范围内",
                    ip,
                )
                .await);
        }
        let dict = self.dict();
        let mut members = Vec::new();
        for p in self.db.household_members(id).await? {
            let doc = self.db.current_doc("person", p.id).await?;
            let code = doc.get("person.relation_to_head").map(|c| c.v.as_str());
            let relation = code
                .map(|c| self.display_value("person.relation_to_head", c))
                .unwrap_or_default();
            let head = code.is_some_and(is_head_relation);
            members.push((
                !head,
                MemberView {
                    id: p.id,
                    name: p.name,
                    id_number: mask::id_number(&p.id_number),
                    relation,
                    age: IdNumber::parse(&p.id_number, today)
                        .ok()
                        .map(|i| i.age_on(today)),
                },
            ));
        }
        // The head (本人 or 户主) first, the others in registration order.
        members.sort_by_key(|(not_head, _)| *not_head);
        let members: Vec<MemberView> = members.into_iter().map(|(_, m)| m).collect();
        let doc = self.db.current_doc("household", id).await?;
        let facts = doc
            .iter()
            .filter_map(|(code, cur)| {
                let el = dict.element(code)?;
                let (value, masked) = super::shown(&dict, code, &cur.v);
                Some(FactView {
                    element: code.clone(),
                    name: el.name.clone(),
                    value,
                    masked,
                    source: cur.s.clone(),
                    department: None,
                    recorded_at: cur.t,
                    derived: cur.s == Source::Derived.label(),
                })
            })
            .collect();
        self.audit(
            Some(actor),
            "household.view",
            Some(format!("household:{id}")),
            "ok",
            None,
            ip,
        )
        .await?;
        Ok(HouseholdView {
            id,
            unit,
            members,
            facts,
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct HouseholdListItem {
    pub id: i64,
    pub unit: String,
    pub members: i64,
    pub head: String,
    pub address: String,
}

impl App {
    /// Households in the actor's scope with head and address.
    pub async fn households_for(
        &self,
        actor: &CurrentUser,
        q: &str,
        limit: i64,
        offset: i64,
        ip: Option<String>,
    ) -> Result<(Vec<HouseholdListItem>, i64)> {
        if !actor.role.can_read_residents() {
            return Err(self
                .deny(actor, "households", "您的角色不能查看居民个人信息", ip)
                .await);
        }
        let (rows, total) = self
            .db
            .households_in_scope(&actor.scope.path, q, limit.clamp(1, 200), offset.max(0))
            .await?;
        let out = self.household_list_items(rows).await?;
        self.audit(
            Some(actor),
            "household.list",
            Some(format!("unit:{}", actor.scope.id)),
            "ok",
            None,
            ip,
        )
        .await?;
        Ok((out, total))
    }
}

impl App {
    /// Households as lists show them: head, address, member count and the
    /// community's short name.
    pub(crate) async fn household_list_items(
        &self,
        rows: Vec<jianfu_store::HouseholdListRow>,
    ) -> Result<Vec<HouseholdListItem>> {
        let mut units = std::collections::HashMap::new();
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut heads = self.household_heads(&ids).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            if let std::collections::hash_map::Entry::Vacant(slot) = units.entry(r.unit_id) {
                slot.insert(
                    self.db
                        .unit(r.unit_id)
                        .await?
                        .map(|u| u.short_name)
                        .unwrap_or_default(),
                );
            }
            let head = heads.remove(&r.id).map(|h| h.name).unwrap_or_default();
            let address = self
                .db
                .current_doc("household", r.id)
                .await?
                .get("household.address")
                .map(|c| c.v.clone())
                .unwrap_or_default();
            out.push(HouseholdListItem {
                id: r.id,
                unit: units.get(&r.unit_id).cloned().unwrap_or_default(),
                members: r.members,
                head,
                address,
            });
        }
        Ok(out)
    }
}

impl App {
    /// The head of each of these households (see [`heads_of`]).
    pub(crate) async fn household_heads(
        &self,
        household_ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, MemberRelation>> {
        Ok(heads_of(
            self.db.household_member_relations(household_ids).await?,
        ))
    }
}

/// The head of each household among these members: the one recorded as 本人
/// or 户主. A household with none, or with two, has no head here.
pub(crate) fn heads_of(
    members: Vec<MemberRelation>,
) -> std::collections::HashMap<i64, MemberRelation> {
    let mut heads: std::collections::HashMap<i64, Option<MemberRelation>> =
        std::collections::HashMap::new();
    for m in members {
        if m.relation.as_deref().is_some_and(is_head_relation) {
            heads
                .entry(m.household_id)
                .and_modify(|h| *h = None)
                .or_insert(Some(m));
        }
    }
    heads
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(household_id: i64, id: i64, relation: Option<&str>) -> MemberRelation {
        MemberRelation {
            household_id,
            id,
            name: format!("成员{id}"),
            id_number: String::new(),
            relation: relation.map(str::to_string),
        }
    }

    #[test]
    fn a_household_has_a_head_only_when_exactly_one_member_is_recorded_as_head() {
        let heads = heads_of(vec![
            member(1, 10, Some("10")),
            member(1, 11, Some("02")),
            member(2, 20, Some("01")),
            member(3, 30, Some("01")),
            member(3, 31, Some("02")),
            member(4, 40, None),
        ]);
        let mut found: Vec<(i64, i64)> = heads.iter().map(|(h, m)| (*h, m.id)).collect();
        found.sort();
        assert_eq!(found, [(1, 11), (2, 20)]);
    }
}
