//! Whom a whole form is about. A card or roster of schools, hospitals or
//! enterprises asks for the organisation's phone and address under the same
//! short labels a resident's form uses (联系电话, 地址); read column by
//! column they would be taken for a person's. The form names its subject in
//! one column, "学校名称", "企业名称", "单位名称", and has no person's name.
//! A form about a house or building (出租屋, 楼宇) is the same: its phone
//! and ID number are its owner's or manager's, not a resident's.

use super::cues::squeeze;
use super::matcher::ColumnMatch;

/// Words that name an organisation as a form's subject.
const ORGANIZATION_WORDS: [&str; 24] = [
    "学校",
    "幼儿园",
    "医院",
    "卫生院",
    "卫生室",
    "诊所",
    "医疗机构",
    "养老机构",
    "企业",
    "公司",
    "单位",
    "机构",
    "组织",
    "社会组织",
    "场所",
    "商户",
    "店铺",
    "门店",
    "工厂",
    "市场",
    "酒店",
    "宾馆",
    "网吧",
    "合作社",
];

/// Heads that under an organisation are its own people: 校长, 院长, 负责人.
const LEADER_WORDS: [&str; 8] = [
    "校长",
    "院长",
    "负责人",
    "法人",
    "法定代表人",
    "经理",
    "站长",
    "主任",
];

fn organization_prefix(label: &str) -> Option<&'static str> {
    ORGANIZATION_WORDS
        .iter()
        .filter(|w| label.starts_with(**w))
        .max_by_key(|w| w.len())
        .copied()
}

/// The column naming the organisation, if the form is about one.
fn organization_name_column(columns: &[(Vec<String>, ColumnMatch)]) -> Option<usize> {
    let person_named = columns.iter().any(|(_, m)| {
        matches!(
            m.element.as_deref(),
            Some("person.name" | "household.head_name")
        )
    });
    if person_named {
        return None;
    }
    columns.iter().position(|(path, m)| {
        let leaf = path.last().map(|l| squeeze(l)).unwrap_or_default();
        m.element.as_deref() == Some("organization.name")
            || leaf
                .strip_suffix("名称")
                .is_some_and(|p| organization_prefix(p).is_some())
    })
}

/// On a form about an organisation, the columns read as a person's become
/// the organisation's; the others are left as they are.
pub(super) fn refine_for_organization(columns: &mut [(Vec<String>, ColumnMatch)]) {
    let Some(named) = organization_name_column(columns) else {
        return;
    };
    let subject = columns[named]
        .0
        .last()
        .map(|l| squeeze(l))
        .unwrap_or_default();
    for (i, (path, m)) in columns.iter_mut().enumerate() {
        let leaf = path.last().map(|l| squeeze(l)).unwrap_or_default();
        let to = if i == named {
            Some("organization.name")
        } else {
            let stem = organization_prefix(&leaf)
                .and_then(|w| leaf.strip_prefix(w))
                .unwrap_or(&leaf);
            match m.element.as_deref() {
                Some("person.phone" | "person.landline") if path.len() == 1 => {
                    // Two phones: the first is the organisation's line.
                    Some("organization.contact_phone")
                }
                Some("person.current_address" | "person.hukou_address") => {
                    Some("organization.address")
                }
                None if ["地址", "住所", "所在地", "详细地址", "经营地址"].contains(&stem) => {
                    Some("organization.address")
                }
                None if ["性质", "类型", "类别", "等级"].contains(&stem) => {
                    Some("organization.type")
                }
                None | Some("person.name") if LEADER_WORDS.contains(&stem) => {
                    Some("organization.legal_person")
                }
                _ => None,
            }
        };
        // An organisation's e-mail is not a person's, nor is the unit it
        // belongs to an employer; the dictionary keeps neither.
        if i != named
            && matches!(
                m.element.as_deref(),
                Some("person.email" | "person.employer")
            )
        {
            m.element = None;
            m.confidence = 0.5;
            m.reason =
                format!("表中登记的是单位（“{subject}”），“{leaf}”是单位的，词典中没有对应元素");
            continue;
        }
        if let Some(to) = to {
            if m.element.as_deref() != Some(to) {
                m.element = Some(to.to_string());
                m.data = true;
                m.confidence = m.confidence.min(0.8);
                m.reason = format!("表中登记的是单位（“{subject}”），“{leaf}”是单位的信息");
            }
        }
    }
    // A second phone (联系手机 after 联系电话) or a second kind (学校类型
    // after 学校性质) is another item the dictionary does not keep.
    for code in ["organization.contact_phone", "organization.type"] {
        let mut seen = false;
        for (_, m) in columns.iter_mut() {
            if m.element.as_deref() == Some(code) {
                if seen {
                    m.element = None;
                    m.confidence = 0.5;
                    m.reason = "同一单位的第二个同类栏目，词典中没有对应元素".into();
                }
                seen = true;
            }
        }
    }
}

/// On a form about a person (a person's or head's name, and no column naming
/// an organisation as the subject), 单位电话, 用人单位地址 and 单位性质 are
/// the person's employer's, which the dictionary keeps no element for: the
/// organisation elements are for forms about organisations.
pub(super) fn refine_for_person(columns: &mut [(Vec<String>, ColumnMatch)]) {
    let code = |m: &ColumnMatch| m.element.clone().unwrap_or_default();
    let person_named = columns
        .iter()
        .any(|(_, m)| matches!(code(m).as_str(), "person.name" | "household.head_name"));
    let organization_named = columns.iter().any(|(_, m)| {
        matches!(
            code(m).as_str(),
            "organization.name" | "organization.credit_code"
        )
    });
    if !person_named || organization_named {
        return;
    }
    for (path, m) in columns.iter_mut() {
        if code(m).starts_with("organization.") {
            let leaf = path.last().map(|l| squeeze(l)).unwrap_or_default();
            m.element = None;
            m.confidence = 0.5;
            m.reason = format!("表中登记的是个人，“{leaf}”是其所在单位的，词典中没有对应元素");
        }
    }
}

/// On a form about a house (no person's name, two house items or more),
/// the ID number and phone are of whoever answers for the house, which
/// the dictionary keeps no element for, and an address is the house's.
pub(super) fn refine_for_house(columns: &mut [(Vec<String>, ColumnMatch)]) {
    let code = |m: &ColumnMatch| m.element.clone().unwrap_or_default();
    let person_named = columns
        .iter()
        .any(|(_, m)| matches!(code(m).as_str(), "person.name" | "household.head_name"));
    let house_items = columns
        .iter()
        .filter(|(_, m)| code(m).starts_with("house.") || code(m) == "household.house_id")
        .count();
    if person_named || house_items < 2 {
        return;
    }
    for (path, m) in columns.iter_mut() {
        let leaf = path.last().map(|l| squeeze(l)).unwrap_or_default();
        match code(m).as_str() {
            "person.current_address" | "household.address" if path.len() == 1 => {
                m.element = Some("house.address".into());
                m.confidence = m.confidence.min(0.8);
                m.reason = format!("表中登记的是房屋，“{leaf}”是房屋的地址");
            }
            "person.id_number" | "person.phone" | "person.landline" if path.len() == 1 => {
                m.element = None;
                m.confidence = 0.5;
                m.reason = format!(
                    "表中登记的是房屋，没有登记居民姓名；“{leaf}”是房主或负责人的，词典中没有对应元素"
                );
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(label: &str, element: Option<&str>) -> (Vec<String>, ColumnMatch) {
        (
            vec![label.to_string()],
            ColumnMatch {
                element: element.map(String::from),
                data: true,
                confidence: 0.9,
                reason: String::new(),
            },
        )
    }

    #[test]
    fn a_card_about_a_clinic_asks_for_the_clinics_phone_and_address() {
        let mut cols = vec![
            col("诊所名称", Some("person.school")),
            col("诊所地址", None),
            col("院长", None),
            col("联系电话", Some("person.phone")),
            col("手机", Some("person.phone")),
        ];
        refine_for_organization(&mut cols);
        let got: Vec<Option<&str>> = cols.iter().map(|(_, m)| m.element.as_deref()).collect();
        assert_eq!(
            got,
            vec![
                Some("organization.name"),
                Some("organization.address"),
                Some("organization.legal_person"),
                Some("organization.contact_phone"),
                None
            ]
        );
    }

    #[test]
    fn a_residents_form_is_left_alone() {
        let mut cols = vec![
            col("姓名", Some("person.name")),
            col("工作单位名称", Some("person.employer")),
            col("联系电话", Some("person.phone")),
        ];
        refine_for_organization(&mut cols);
        assert_eq!(cols[2].1.element.as_deref(), Some("person.phone"));
    }
}
