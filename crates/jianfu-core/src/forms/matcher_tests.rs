//! The matcher, column by column and in context.

use super::*;

fn m(path: &[&str]) -> ColumnMatch {
    let dict = Dictionary::builtin().unwrap();
    let learned = HashMap::new();
    let matcher = Matcher::new(&dict, &learned);
    let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
    matcher.match_column(&path, FormKind::Roster, false)
}

fn code(path: &[&str]) -> Option<String> {
    m(path).element
}

#[test]
fn id_phone_birth_and_address_wordings() {
    for l in [
        "身份证号",
        "公民身份号码",
        "证件号码",
        "身份证号码（18位）",
        "公民身份证号",
    ] {
        assert_eq!(code(&[l]).as_deref(), Some("person.id_number"), "{l}");
    }
    for l in ["联系电话", "手机号码", "联系方式", "人联系电话", "本人手机"] {
        assert_eq!(code(&[l]).as_deref(), Some("person.phone"), "{l}");
    }
    for l in ["出生年月", "出生日期", "出 生 年 月"] {
        assert_eq!(code(&[l]).as_deref(), Some("person.birth_date"), "{l}");
    }
    for l in ["现住址", "家庭住址", "现居住地", "现居住详细地址"] {
        assert_eq!(code(&[l]).as_deref(), Some("person.current_address"), "{l}");
    }
}

#[test]
fn the_path_says_whose_value_it_is() {
    assert_eq!(code(&["家庭成员", "姓名"]).as_deref(), Some("person.name"));
    assert_eq!(code(&["户主姓名"]).as_deref(), Some("household.head_name"));
    assert_eq!(
        code(&["1.基本信息", "户 主"]).as_deref(),
        Some("household.head_name")
    );
    assert_eq!(
        code(&["监护人", "联系电话"]).as_deref(),
        Some("person.guardian_phone")
    );
    assert_eq!(
        code(&["户主证件号码"]).as_deref(),
        Some("household.head_id_number")
    );
    // Someone the dictionary has nothing for is a new element, not the resident.
    assert_eq!(code(&["房主姓名"]).as_deref(), Some("house.owner_name"));
    let r = m(&["承租人姓名"]);
    assert!(r.data && r.element.is_none(), "{r:?}");
}

#[test]
fn options_units_and_numbering_do_not_change_the_item() {
    assert_eq!(
        code(&["是否低保（是□否□）"]).as_deref(),
        Some("household.dibao")
    );
    assert_eq!(
        code(&["年收入(元)"]).as_deref(),
        Some("person.annual_income")
    );
    assert_eq!(code(&["R1.姓 名"]).as_deref(), Some("person.name"));
    assert_eq!(code(&["1 姓名★"]).as_deref(), Some("person.name"));
    assert_eq!(
        code(&["是否是建档立卡户（是□ 否□）"]).as_deref(),
        Some("household.poverty_alleviated")
    );
    assert_eq!(
        code(&["婚姻状况（□未婚 □已婚 □丧偶 □离婚）"]).as_deref(),
        Some("person.marital_status")
    );
}

#[test]
fn another_persons_columns_are_not_the_residents() {
    let r = m(&["父亲", "务工地点"]);
    assert!(r.data && r.element.is_none(), "{r:?}");
    assert_eq!(code(&["房东姓名"]).as_deref(), Some("house.owner_name"));
    // After the guardian's name, a flat 联系电话 is the guardian's; a
    // second name, or a column under its own parent, is not.
    let dict = Dictionary::builtin().unwrap();
    let learned = HashMap::new();
    let matcher = Matcher::new(&dict, &learned);
    let paths: Vec<Vec<String>> = [
        vec!["姓名"],
        vec!["联系电话"],
        vec!["监护人姓名"],
        vec!["手机"],
        vec!["母亲", "姓名"],
        vec!["母亲", "联系电话"],
    ]
    .iter()
    .map(|p| p.iter().map(|s| s.to_string()).collect())
    .collect();
    let mut cols: Vec<(Vec<String>, ColumnMatch)> = paths
        .into_iter()
        .map(|p| {
            let m = matcher.match_column(&p, FormKind::Roster, false);
            (p, m)
        })
        .collect();
    refine_in_context(&mut cols);
    let got: Vec<Option<&str>> = cols.iter().map(|(_, m)| m.element.as_deref()).collect();
    assert_eq!(
        got,
        vec![
            Some("person.name"),
            Some("person.phone"),
            Some("person.guardian_name"),
            Some("person.guardian_phone"),
            None,
            None
        ]
    );
}

#[test]
fn a_household_roster_asks_for_the_heads_numbers() {
    let dict = Dictionary::builtin().unwrap();
    let learned = HashMap::new();
    let matcher = Matcher::new(&dict, &learned);
    let mut cols: Vec<(Vec<String>, ColumnMatch)> = ["户主姓名", "身份证号", "联系电话"]
        .iter()
        .map(|l| {
            let p = vec![l.to_string()];
            let m = matcher.match_column(&p, FormKind::Roster, false);
            (p, m)
        })
        .collect();
    refine_in_context(&mut cols);
    assert_eq!(
        cols[1].1.element.as_deref(),
        Some("household.head_id_number")
    );
    assert_eq!(cols[2].1.element.as_deref(), Some("household.phone"));
}

#[test]
fn non_data_columns() {
    for l in ["序号", "签字", "户主签字(手印)", "备注", "盖章"] {
        let r = m(&[l]);
        assert!(!r.data, "{l}");
        assert!(r.element.is_none());
    }
}

#[test]
fn learned_aliases_win() {
    let dict = Dictionary::builtin().unwrap();
    let mut learned = HashMap::new();
    learned.insert("人户状态".to_string(), "person.resident_type".to_string());
    let matcher = Matcher::new(&dict, &learned);
    let r = matcher.match_column(&["人户状态".to_string()], FormKind::Roster, false);
    assert_eq!(r.element.as_deref(), Some("person.resident_type"));
    assert!(r.reason.contains("已确认"));
}

#[test]
fn statistical_measures_are_data_without_a_person_element() {
    let dict = Dictionary::builtin().unwrap();
    let learned = HashMap::new();
    let matcher = Matcher::new(&dict, &learned);
    let first = matcher.match_column(&["地 区".to_string()], FormKind::Statistical, true);
    assert!(!first.data);
    let r = matcher.match_column(&["低保人数".to_string()], FormKind::Statistical, false);
    assert!(r.data && r.element.is_none());
}

/// The families that missed on forms the matcher had not seen, each on
/// labels written for this test.
mod families {
    use super::*;

    fn in_form(labels: &[&str]) -> Vec<Option<String>> {
        let dict = Dictionary::builtin().unwrap();
        let learned = HashMap::new();
        let matcher = Matcher::new(&dict, &learned);
        let mut cols: Vec<(Vec<String>, ColumnMatch)> = labels
            .iter()
            .map(|l| {
                let path = vec![l.to_string()];
                let m = matcher.match_column(&path, FormKind::Roster, false);
                (path, m)
            })
            .collect();
        refine_in_context(&mut cols);
        cols.into_iter().map(|(_, m)| m.element).collect()
    }

    #[test]
    fn the_subject_named_by_its_role() {
        assert_eq!(code(&["申领人"]).as_deref(), Some("person.name"));
        assert_eq!(code(&["被调查人"]).as_deref(), Some("person.name"));
        assert_eq!(
            code(&["申报人身份证号"]).as_deref(),
            Some("person.id_number")
        );
        assert_eq!(code(&["受助对象联系电话"]).as_deref(), Some("person.phone"));
        assert_eq!(
            code(&["家长手机"]).as_deref(),
            Some("person.guardian_phone")
        );
        assert_eq!(code(&["家属电话"]), None);
        // A household form: the household's own numbers are the head's.
        assert_eq!(
            in_form(&["户主姓名", "身份证号", "电话"]),
            vec![
                Some("household.head_name".into()),
                Some("household.head_id_number".into()),
                Some("household.phone".into())
            ]
        );
    }

    #[test]
    fn short_and_abbreviated_labels() {
        assert_eq!(code(&["户籍"]).as_deref(), Some("person.hukou_address"));
        assert_eq!(code(&["手机"]).as_deref(), Some("person.phone"));
        assert_eq!(code(&["文化"]).as_deref(), Some("person.education"));
        assert_eq!(code(&["住所"]).as_deref(), Some("person.current_address"));
    }

    #[test]
    fn census_and_survey_labels() {
        assert_eq!(code(&["B4.民族"]).as_deref(), Some("person.ethnicity"));
        assert_eq!(code(&["Q7出生日期"]).as_deref(), Some("person.birth_date"));
        assert_eq!(
            code(&["截至登记日家庭人口数"]).as_deref(),
            Some("household.size")
        );
        assert_eq!(
            code(&["您家里有几口人？"]).as_deref(),
            Some("household.size")
        );
        assert_eq!(code(&["您的性别是"]).as_deref(), Some("person.sex"));
        // A count of a kind of people is not the household's size.
        assert_eq!(code(&["党员人数"]), None);
    }

    #[test]
    fn markers_suffixes_and_instructions() {
        assert_eq!(code(&["※姓名"]).as_deref(), Some("person.name"));
        assert_eq!(code(&["*身份证号码"]).as_deref(), Some("person.id_number"));
        assert_eq!(
            code(&["致贫原因3"]).as_deref(),
            Some("household.poverty_cause")
        );
        assert_eq!(
            code(&["工作单位（请填写全称）"]).as_deref(),
            Some("person.employer")
        );
    }

    #[test]
    fn a_form_about_an_organisation_or_a_house() {
        assert_eq!(
            in_form(&["幼儿园名称", "幼儿园地址", "联系电话"]),
            vec![
                Some("organization.name".into()),
                Some("organization.address".into()),
                Some("organization.contact_phone".into())
            ]
        );
        // A rental house: the phone next to the landlord's name is his.
        let got = in_form(&["房屋地址", "房屋结构", "房主姓名", "手机号码"]);
        assert_eq!(got[2].as_deref(), Some("house.owner_name"));
        assert_ne!(got[3].as_deref(), Some("person.phone"));
    }

    #[test]
    fn a_flag_is_the_coded_item_asked_yes_or_no() {
        let dict = Dictionary::builtin().unwrap();
        let fact = |l: &str| code(&[l]).map(|c| dict.fact_of(&c).to_string());
        assert_eq!(fact("是否困难户"), fact("困难类型"));
        assert!(fact("困难类型").is_some());
        assert_eq!(fact("是否就业"), fact("就业状况"));
        assert_eq!(fact("是否危房（是□否□）"), fact("危房等级"));
        let flag = code(&["是否残疾人（是/否）"]).unwrap();
        let coded = code(&["残疾类型"]).unwrap();
        assert_eq!(dict.fact_of(&flag), dict.fact_of(&coded));
        // Every flag_of points from a yes/no element to a coded one.
        for e in dict.elements() {
            if let Some(f) = &e.flag_of {
                assert!(dict.element(f).is_some(), "{}", e.code);
            }
        }
    }

    /// Labels written for this test: the office's own people, a signature
    /// named in brackets, the other side of a dispute, a spouse named as
    /// husband or wife, and who answers for an organisation.
    #[test]
    fn staff_signatures_other_parties_and_spouses() {
        for l in ["乡镇核实人姓名", "调查员电话", "填报人"] {
            assert!(!m(&[l]).data, "{l} is the office's");
        }
        assert!(!m(&["经办人", "联系电话"]).data);
        assert_eq!(code(&["被调查人姓名"]).as_deref(), Some("person.name"));
        for l in ["受助人（签名）", "户主(按手印)"] {
            assert!(!m(&[l]).data, "{l} is a signature");
        }
        let r = m(&["被投诉人", "姓名"]);
        assert!(r.data && r.element.is_none(), "{r:?}");
        let r = m(&["被申请人电话"]);
        assert!(r.data && r.element.is_none(), "{r:?}");
        assert_eq!(code(&["申请人", "姓名"]).as_deref(), Some("person.name"));
        assert_eq!(code(&["妻子姓名"]).as_deref(), Some("person.spouse_name"));
        assert_eq!(code(&["孕妇年龄"]).as_deref(), Some("person.age"));
        assert_eq!(
            code(&["企业负责人姓名"]).as_deref(),
            Some("organization.legal_person")
        );
    }

    /// On a person's form the unit named is the person's employer, not the
    /// organisation the organisation elements describe.
    #[test]
    fn a_persons_employer_is_not_the_organisation() {
        let got = in_form(&["姓名", "工作单位", "单位电话", "单位地址"]);
        assert_eq!(got[0].as_deref(), Some("person.name"));
        assert_eq!(got[2], None, "{got:?}");
        assert_eq!(got[3], None, "{got:?}");
        let org = in_form(&["单位名称", "单位地址", "负责人", "联系电话"]);
        assert_eq!(org[1].as_deref(), Some("organization.address"), "{org:?}");
    }

    /// The details beside another person's name, under the same section,
    /// are that person's (个人资料 > 代理人姓名, 个人资料 > 移动电话).
    #[test]
    fn details_beside_another_name_in_one_section() {
        let dict = Dictionary::builtin().unwrap();
        let learned = HashMap::new();
        let matcher = Matcher::new(&dict, &learned);
        let paths = [
            ["老人资料", "姓名"],
            ["老人资料", "手机"],
            ["老人资料", "委托代理人姓名"],
            ["老人资料", "手机"],
        ];
        let mut cols: Vec<(Vec<String>, ColumnMatch)> = paths
            .iter()
            .map(|p| {
                let path: Vec<String> = p.iter().map(|s| s.to_string()).collect();
                let m = matcher.match_column(&path, FormKind::Card, false);
                (path, m)
            })
            .collect();
        refine_in_context(&mut cols);
        let got: Vec<Option<String>> = cols.into_iter().map(|(_, m)| m.element).collect();
        assert_eq!(got[1].as_deref(), Some("person.phone"), "{got:?}");
        assert_ne!(got[3].as_deref(), Some("person.phone"), "{got:?}");
    }

    /// Labels written for this test: kin other than the subject and those
    /// bound to support them, a property section, a place qualifier, and
    /// two items joined by 及.
    #[test]
    fn kin_property_places_and_joined_items() {
        let dict = Dictionary::builtin().unwrap();
        let learned = HashMap::new();
        let matcher = Matcher::new(&dict, &learned);
        let paths: [&[&str]; 5] = [
            &["儿童情况", "姓名"],
            &["儿童情况", "出生日期"],
            &["家庭情况", "外婆姓名"],
            &["家庭情况", "出生日期"],
            &["抚养义务人", "姓名"],
        ];
        let mut cols: Vec<(Vec<String>, ColumnMatch)> = paths
            .iter()
            .map(|p| {
                let path: Vec<String> = p.iter().map(|s| s.to_string()).collect();
                let m = matcher.match_column(&path, FormKind::Card, false);
                (path, m)
            })
            .collect();
        refine_in_context(&mut cols);
        let got: Vec<Option<String>> = cols.into_iter().map(|(_, m)| m.element).collect();
        assert_eq!(got[1].as_deref(), Some("person.birth_date"), "{got:?}");
        assert_eq!(got[3], None, "the grandmother's birth date: {got:?}");
        assert_eq!(got[4], None, "{got:?}");
        assert_eq!(
            code(&["申请人自有房产状况", "地址"]).as_deref(),
            Some("house.address")
        );
        assert_eq!(
            code(&["现居地详址"]).as_deref(),
            Some("person.current_address")
        );
        assert_eq!(
            code(&["残疾类别及等级"]).as_deref(),
            Some("person.disability_category")
        );
    }

    /// Labels written for this test: a relation to the form's subject
    /// depends on the section, and a household's total is not a person's.
    #[test]
    fn relations_to_the_subject_and_household_totals() {
        assert_eq!(
            code(&["家庭主要成员", "与申请人的关系"]).as_deref(),
            Some("person.relation_to_head")
        );
        assert_eq!(
            code(&["监护人情况", "与被监护人关系"]).as_deref(),
            Some("person.guardian_relation")
        );
        let r = m(&["代办信息", "与申请人关系"]);
        assert!(r.data && r.element.is_none(), "{r:?}");
        let r = m(&["家庭月收入"]);
        assert!(
            r.data && r.element.as_deref() != Some("person.monthly_income"),
            "{r:?}"
        );
    }
}
