//! Grouping the rows of a roster (花名册) into households.
//!
//! Real rosters say which household a person belongs to in one of three
//! ways, tried in this order:
//! 1. a household number (户号) column;
//! 2. a 户主身份证号 column: everyone with the same head is one household;
//! 3. only 与户主关系 and/or 户主姓名: a household is the head's row and
//!    the member rows below it, as printed rosters list them.
//!
//! Each household has exactly one head (与户主关系 本人/户主) in the file.
//! A household found by its head is stored under the reference
//! `户主:<ID number>`, so importing the same file again finds it.

use crate::register::is_head_relation;
use std::collections::HashMap;

/// What one row says about its household.
#[derive(Debug, Clone, Copy, Default)]
pub struct RowHousehold<'a> {
    pub household_ref: Option<&'a str>,
    pub head_id: Option<&'a str>,
    pub head_name: Option<&'a str>,
    /// 与户主关系 in storage form (GB/T 4761 code).
    pub relation: Option<&'a str>,
    pub own_id: &'a str,
    pub own_name: Option<&'a str>,
}

/// A household value first given on one row, kept to check later rows.
struct Given {
    value: String,
    row: usize,
}

/// A typed 家庭人口数 that the rows of the file do not bear out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeMismatch {
    pub row: usize,
    pub typed: String,
    pub members: usize,
}

#[derive(Default)]
pub struct HouseholdGrouper {
    /// The household whose rows are being read (rule 3): key and head name.
    run: Option<(String, Option<String>)>,
    heads: HashMap<String, usize>,
    members: HashMap<String, usize>,
    given: HashMap<String, HashMap<String, Given>>,
    typed_sizes: HashMap<String, (String, usize)>,
}

impl HouseholdGrouper {
    /// The household reference of a row, `None` when the file says nothing
    /// about households, or why the row cannot be placed.
    pub fn place(&mut self, row: usize, h: RowHousehold<'_>) -> Result<Option<String>, String> {
        let by_name = h.relation.is_none()
            && matches!((h.head_name, h.own_name), (Some(a), Some(b)) if a == b);
        let is_head = h.relation.is_some_and(is_head_relation) || by_name;
        let key = if let Some(r) = h.household_ref {
            r.to_string()
        } else if let Some(head) = h.head_id {
            if is_head && head != h.own_id {
                return Err(format!(
                    "与户主关系是户主，但户主身份证号（{head}）不是本人的身份证号"
                ));
            }
            format!("户主:{head}")
        } else if is_head {
            format!("户主:{}", h.own_id)
        } else if h.relation.is_some() || h.head_name.is_some() {
            match &self.run {
                Some((key, run_head)) if h.head_name.is_none() || h.head_name == run_head.as_deref() => {
                    key.clone()
                }
                Some((_, run_head)) => {
                    // The head row above may not say its own name in the
                    // 户主姓名 column: name what the reader can find.
                    let above = match run_head.as_deref() {
                        Some(n) if !n.is_empty() => format!("上方户主“{n}”"),
                        _ => "上方一户（其户主行未填户主姓名）".to_string(),
                    };
                    return Err(format!(
                        "无法确定所属户：户主“{}”与{above}不同，而文件没有户号或户主身份证号列；请把户主行放在本户成员之前",
                        h.head_name.unwrap_or_default(),
                    ));
                }
                None => {
                    return Err(
                        "无法确定所属户：上方没有户主行，而文件没有户号或户主身份证号列；请把户主行放在本户成员之前"
                            .into(),
                    )
                }
            }
        } else {
            return Ok(None);
        };
        if is_head {
            if let Some(first) = self.heads.get(&key) {
                return Err(format!("同一户有两个户主（第{first}行已是户主）"));
            }
            self.heads.insert(key.clone(), row);
            self.run = Some((key.clone(), h.own_name.map(str::to_string)));
        }
        Ok(Some(key))
    }

    /// Household values given on this row that no earlier row gave; a value
    /// that disagrees with an earlier row's is an error naming that row.
    /// `values` are (element code, storage value).
    pub fn new_values(
        &mut self,
        key: &str,
        row: usize,
        values: &[(&str, &str)],
    ) -> Result<Vec<usize>, (usize, String)> {
        let given = self.given.entry(key.to_string()).or_default();
        let mut fresh = Vec::new();
        for (i, (code, value)) in values.iter().enumerate() {
            match given.get(*code) {
                Some(g) if g.value != *value => {
                    return Err((
                        i,
                        format!("与第{}行填写的同户信息不一致（那里是“{}”）", g.row, g.value),
                    ))
                }
                Some(_) => {}
                None => fresh.push(i),
            }
        }
        for &i in &fresh {
            let (code, value) = values[i];
            given.insert(
                code.to_string(),
                Given {
                    value: value.to_string(),
                    row,
                },
            );
        }
        Ok(fresh)
    }

    /// Counts a row that was placed and passed every check.
    pub fn admit(&mut self, key: &str) {
        *self.members.entry(key.to_string()).or_default() += 1;
    }

    /// Remembers a typed 家庭人口数 to compare with the member rows.
    pub fn typed_size(&mut self, key: &str, row: usize, value: &str) {
        self.typed_sizes
            .entry(key.to_string())
            .or_insert_with(|| (value.to_string(), row));
    }

    /// Typed household sizes that differ from the number of member rows.
    pub fn size_mismatches(&self) -> Vec<SizeMismatch> {
        let mut out: Vec<SizeMismatch> = self
            .typed_sizes
            .iter()
            .filter_map(|(key, (typed, row))| {
                let members = self.members.get(key).copied().unwrap_or(0);
                (typed.parse::<usize>().ok() != Some(members)).then(|| SizeMismatch {
                    row: *row,
                    typed: typed.clone(),
                    members,
                })
            })
            .collect();
        out.sort_by_key(|m| m.row);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row<'a>(
        own_id: &'a str,
        own_name: &'a str,
        relation: Option<&'a str>,
        head_name: Option<&'a str>,
    ) -> RowHousehold<'a> {
        RowHousehold {
            own_id,
            own_name: Some(own_name),
            relation,
            head_name,
            ..Default::default()
        }
    }

    #[test]
    fn a_file_without_household_columns_places_nobody() {
        let mut g = HouseholdGrouper::default();
        assert_eq!(g.place(2, row("A", "张三", None, None)), Ok(None));
    }

    #[test]
    fn household_number_wins() {
        let mut g = HouseholdGrouper::default();
        let h = RowHousehold {
            household_ref: Some("H-1"),
            ..row("A", "张三", Some("20"), Some("李四"))
        };
        assert_eq!(g.place(2, h), Ok(Some("H-1".into())));
    }

    #[test]
    fn head_id_groups_members_and_must_be_the_heads_own() {
        let mut g = HouseholdGrouper::default();
        let member = RowHousehold {
            head_id: Some("HEAD"),
            ..row("B", "王五", Some("20"), None)
        };
        assert_eq!(g.place(3, member), Ok(Some("户主:HEAD".into())));
        let wrong_head = RowHousehold {
            head_id: Some("HEAD"),
            ..row("C", "赵六", Some("02"), None)
        };
        assert!(g.place(4, wrong_head).unwrap_err().contains("不是本人"));
    }

    #[test]
    fn rows_below_a_head_join_that_household() {
        let mut g = HouseholdGrouper::default();
        assert_eq!(
            g.place(2, row("A", "张三", Some("02"), Some("张三"))),
            Ok(Some("户主:A".into()))
        );
        assert_eq!(
            g.place(3, row("B", "李梅", Some("10"), Some("张三"))),
            Ok(Some("户主:A".into()))
        );
        assert_eq!(
            g.place(4, row("C", "王五", Some("01"), Some("王五"))),
            Ok(Some("户主:C".into()))
        );
        assert_eq!(
            g.place(5, row("D", "王小", Some("20"), None)),
            Ok(Some("户主:C".into()))
        );
        // A member whose head is not the head above cannot be placed.
        let err = g
            .place(6, row("E", "孙七", Some("20"), Some("孙大")))
            .unwrap_err();
        assert!(err.contains("孙大") && err.contains("王五"), "{err}");
    }

    /// The head row above left 户主姓名 empty: the message still names
    /// something the reader can find, never an empty “”.
    #[test]
    fn a_mismatch_under_a_head_without_a_name_names_no_empty_head() {
        let mut g = HouseholdGrouper::default();
        assert!(g.place(2, row("A", "张三", Some("01"), None)).is_ok());
        let err = g
            .place(3, row("B", "李梅", Some("10"), Some("孙大")))
            .unwrap_err();
        assert!(!err.contains("“”") && err.contains("孙大"), "{err}");
    }

    #[test]
    fn a_member_before_any_head_is_refused() {
        let mut g = HouseholdGrouper::default();
        let err = g.place(2, row("B", "李梅", Some("10"), None)).unwrap_err();
        assert!(err.contains("上方没有户主行"), "{err}");
    }

    #[test]
    fn name_only_rosters_find_the_head_by_name() {
        let mut g = HouseholdGrouper::default();
        assert_eq!(
            g.place(2, row("A", "张三", None, Some("张三"))),
            Ok(Some("户主:A".into()))
        );
        assert_eq!(
            g.place(3, row("B", "李梅", None, Some("张三"))),
            Ok(Some("户主:A".into()))
        );
    }

    #[test]
    fn two_heads_in_one_household_are_refused() {
        let mut g = HouseholdGrouper::default();
        let a = RowHousehold {
            household_ref: Some("H-1"),
            ..row("A", "张三", Some("02"), None)
        };
        let b = RowHousehold {
            household_ref: Some("H-1"),
            ..row("B", "李四", Some("02"), None)
        };
        assert!(g.place(2, a).is_ok());
        assert_eq!(
            g.place(5, b),
            Err("同一户有两个户主（第2行已是户主）".to_string())
        );
    }

    #[test]
    fn household_values_must_agree_across_member_rows() {
        let mut g = HouseholdGrouper::default();
        assert_eq!(
            g.new_values("k", 2, &[("household.dibao", "1"), ("household.phone", "")]),
            Ok(vec![0, 1])
        );
        // Repeating the same value adds nothing; a new one is fresh.
        assert_eq!(
            g.new_values(
                "k",
                3,
                &[("household.dibao", "1"), ("household.address", "x")]
            ),
            Ok(vec![1])
        );
        let (i, err) = g
            .new_values("k", 4, &[("household.dibao", "0")])
            .unwrap_err();
        assert_eq!(i, 0);
        assert!(err.contains("第2行"), "{err}");
    }

    #[test]
    fn typed_household_size_is_checked_against_member_rows() {
        let mut g = HouseholdGrouper::default();
        g.admit("k");
        g.admit("k");
        g.typed_size("k", 2, "3");
        g.admit("j");
        g.typed_size("j", 9, "1");
        assert_eq!(
            g.size_mismatches(),
            vec![SizeMismatch {
                row: 2,
                typed: "3".into(),
                members: 2
            }]
        );
    }
}
