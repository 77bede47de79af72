//! Whose value a column holds: the role words printed in front of a label
//! or above it (户主, 监护人, 申请人, 受助人…), the heads a label ends with
//! (姓名, 身份证号, 电话, 地址), and the element each pair asks for.

/// Words in front of a label that say whose value it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// The person the row or card is about.
    Subject,
    Head,
    Guardian,
    Agent,
    Emergency,
    Spouse,
    Helper,
    Organization,
    /// Who answers for an organisation (负责人, 法定代表人).
    OrgLead,
    House,
    HouseOwner,
    /// Someone the dictionary has no elements for (房主, 承租人, 男方…).
    Other,
}

pub(super) const ROLE_WORDS: &[(&str, Role)] = &[
    ("家庭成员", Role::Subject),
    ("成员", Role::Subject),
    ("申请人", Role::Subject),
    ("本人", Role::Subject),
    ("个人", Role::Subject),
    ("居民", Role::Subject),
    ("人员", Role::Subject),
    ("对象", Role::Subject),
    ("老人", Role::Subject),
    ("残疾人", Role::Subject),
    ("党员", Role::Subject),
    ("学生", Role::Subject),
    ("儿童", Role::Subject),
    ("用户", Role::Subject),
    ("军人", Role::Subject),
    ("退役军人", Role::Subject),
    ("基本信息", Role::Subject),
    ("个人信息", Role::Subject),
    ("人", Role::Subject),
    // The form's subject named by the part it plays: who applies, declares,
    // is helped, registered, surveyed, insured or served.
    ("申报人", Role::Subject),
    ("申领人", Role::Subject),
    ("求助人", Role::Subject),
    ("受助人", Role::Subject),
    ("受助对象", Role::Subject),
    ("救助对象", Role::Subject),
    ("受益人", Role::Subject),
    ("补助对象", Role::Subject),
    ("补贴对象", Role::Subject),
    ("享受对象", Role::Subject),
    ("保障对象", Role::Subject),
    ("帮扶对象", Role::Subject),
    ("服务对象", Role::Subject),
    ("优抚对象", Role::Subject),
    ("监测对象", Role::Subject),
    ("登记对象", Role::Subject),
    ("登记人", Role::Subject),
    ("被登记人", Role::Subject),
    ("调查对象", Role::Subject),
    ("被调查人", Role::Subject),
    ("被调查者", Role::Subject),
    ("受访者", Role::Subject),
    ("受访人", Role::Subject),
    ("参保人", Role::Subject),
    ("被保险人", Role::Subject),
    ("投保人", Role::Subject),
    ("持证人", Role::Subject),
    ("当事人", Role::Subject),
    ("被监护人", Role::Subject),
    ("患者", Role::Subject),
    ("孕产妇", Role::Subject),
    ("培训对象", Role::Subject),
    ("求职者", Role::Subject),
    ("就业人员", Role::Subject),
    ("务工人员", Role::Subject),
    ("流动人口", Role::Subject),
    ("入住人", Role::Subject),
    ("居住人", Role::Subject),
    ("租住人", Role::Subject),
    ("孕妇", Role::Subject),
    ("产妇", Role::Subject),
    ("户主", Role::Head),
    ("户 主", Role::Head),
    ("监护人", Role::Guardian),
    ("家长", Role::Guardian),
    ("业主", Role::HouseOwner),
    ("住房", Role::House),
    ("现住房", Role::House),
    ("法定监护人", Role::Guardian),
    ("代理人", Role::Agent),
    ("委托代理人", Role::Agent),
    ("紧急联系人", Role::Emergency),
    ("联系人", Role::Emergency),
    ("配偶", Role::Spouse),
    ("丈夫", Role::Spouse),
    ("妻子", Role::Spouse),
    ("爱人", Role::Spouse),
    ("老伴", Role::Spouse),
    ("帮扶责任人", Role::Helper),
    ("帮扶人", Role::Helper),
    ("单位", Role::Organization),
    ("企业", Role::Organization),
    ("负责人", Role::OrgLead),
    ("法定代表人", Role::OrgLead),
    ("房屋", Role::House),
    ("物业", Role::House),
    ("房产", Role::House),
    ("房主", Role::HouseOwner),
    ("承租人", Role::Other),
    // The other side of a dispute or complaint: the form's subject is the
    // one who applies, not the one applied against.
    ("被申请人", Role::Other),
    ("对方当事人", Role::Other),
    ("被告", Role::Other),
    ("被告人", Role::Other),
    ("被投诉人", Role::Other),
    ("被举报人", Role::Other),
    ("被反映人", Role::Other),
    ("第三人", Role::Other),
    ("男方", Role::Other),
    ("女方", Role::Other),
    ("在深户主", Role::Head),
    ("产权人", Role::HouseOwner),
    ("房东", Role::HouseOwner),
    ("父亲", Role::Other),
    // Kin other than the subject, and those bound to support them: their
    // details are theirs, and the dictionary keeps none of them.
    ("祖父", Role::Other),
    ("祖母", Role::Other),
    ("外祖父", Role::Other),
    ("外祖母", Role::Other),
    ("爷爷", Role::Other),
    ("奶奶", Role::Other),
    ("外公", Role::Other),
    ("外婆", Role::Other),
    ("义务人", Role::Other),
    ("家属", Role::Other),
    ("母亲", Role::Other),
    ("父母", Role::Other),
    ("房屋所有权人", Role::HouseOwner),
];

/// What a label asks for, once its owner is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Head {
    Name,
    IdNumber,
    Phone,
    Address,
    HukouAddress,
    BirthDate,
}

pub(super) fn head_of(label: &str) -> Option<(Head, &str)> {
    const HEADS: [(&str, Head); 26] = [
        ("公民身份号码", Head::IdNumber),
        ("身份证件号码", Head::IdNumber),
        ("身份证号码", Head::IdNumber),
        ("公民身份证号", Head::IdNumber),
        ("身份证号", Head::IdNumber),
        ("身份号码", Head::IdNumber),
        ("证件号码", Head::IdNumber),
        ("身份证", Head::IdNumber),
        ("证件号", Head::IdNumber),
        ("联系电话", Head::Phone),
        ("联系方式", Head::Phone),
        ("手机号码", Head::Phone),
        ("电话号码", Head::Phone),
        ("手机号", Head::Phone),
        ("电话", Head::Phone),
        ("手机", Head::Phone),
        ("姓名", Head::Name),
        ("名字", Head::Name),
        ("户籍地址", Head::HukouAddress),
        ("户籍所在地", Head::HukouAddress),
        ("户口所在地", Head::HukouAddress),
        ("详址", Head::Address),
        ("住址", Head::Address),
        ("地址", Head::Address),
        ("居住地", Head::Address),
        ("出生日期", Head::BirthDate),
    ];
    HEADS
        .iter()
        .find(|(h, _)| label.ends_with(h))
        .map(|(h, kind)| (*kind, &label[..label.len() - h.len()]))
}

/// The longest role word the text is or ends with ("承租人" before "人").
pub(super) fn role_word(text: &str) -> Option<(&'static str, Role)> {
    let text = ["基本信息", "基本情况", "信息", "情况", "状况"]
        .iter()
        .find_map(|s| text.strip_suffix(s).filter(|t| !t.is_empty()))
        .unwrap_or(text);
    ROLE_WORDS
        .iter()
        .filter(|(w, _)| text == *w || text.ends_with(w))
        .max_by_key(|(w, _)| w.len())
        .copied()
}

pub(super) fn role_of(prefix: &str) -> Option<Role> {
    if prefix.is_empty() {
        return Some(Role::Subject);
    }
    // A role word first: 家属 is made of qualifier characters too.
    if let Some((_, r)) = role_word(prefix) {
        return Some(r);
    }
    // "现居住详细", "家庭": words that qualify an address or a phone, not an owner.
    prefix
        .chars()
        .all(|c| "现居住家庭详细实际常本户所在属通讯联系地".contains(c))
        .then_some(Role::Subject)
}

pub(super) fn element_for(role: Role, head: Head) -> Option<&'static str> {
    use Head::{Address, BirthDate, HukouAddress, IdNumber, Name, Phone};
    use Role::{Agent, Emergency, Guardian, Helper, House, OrgLead, Organization, Spouse, Subject};
    Some(match (role, head) {
        (Subject, Name) => "person.name",
        (Subject, IdNumber) => "person.id_number",
        (Subject, Phone) => "person.phone",
        (Subject, Address) => "person.current_address",
        (Subject | Role::Head, HukouAddress) => "person.hukou_address",
        (Subject, BirthDate) => "person.birth_date",
        (Role::Head, Name) => "household.head_name",
        (Role::Head, IdNumber) => "household.head_id_number",
        (Role::Head, Phone) => "household.phone",
        (Role::Head, Address) => "household.address",
        (Guardian, Name) => "person.guardian_name",
        (Guardian, Phone) => "person.guardian_phone",
        (Agent, Name) => "person.agent_name",
        (Emergency, Name) => "person.emergency_contact",
        (Emergency, Phone) => "person.emergency_phone",
        (Spouse, Name) => "person.spouse_name",
        (Spouse, IdNumber) => "person.spouse_id_number",
        (Helper, Name) => "household.helper_name",
        (Helper, Phone) => "household.helper_phone",
        (Organization, Name) => "organization.name",
        (OrgLead, Name) => "organization.legal_person",
        (OrgLead, Phone) => "organization.contact_phone",
        (Organization, Phone) => "organization.contact_phone",
        (Organization, Address) => "organization.address",
        (House, Address) => "house.address",
        (Role::HouseOwner, Name) => "house.owner_name",
        _ => return None,
    })
}

/// Words that name no one in particular when they stand alone: "人员" or
/// "对象" as a column is not the subject's name.
const GENERIC_SUBJECT_WORDS: [&str; 10] = [
    "人",
    "人员",
    "个人",
    "本人",
    "成员",
    "家庭成员",
    "对象",
    "用户",
    "基本信息",
    "个人信息",
];

/// A column headed only by the subject's role ("申请人", "受助对象",
/// "被调查人") asks for that person's name.
pub(super) fn names_the_subject(leaf: &str) -> bool {
    !GENERIC_SUBJECT_WORDS.contains(&leaf)
        && ROLE_WORDS
            .iter()
            .any(|(w, r)| *r == Role::Subject && *w == leaf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_alone_names_the_subject() {
        assert!(names_the_subject("申报人"));
        assert!(names_the_subject("受助对象"));
        assert!(!names_the_subject("人员"));
        assert!(!names_the_subject("监护人"));
        assert_eq!(role_of("被调查人"), Some(Role::Subject));
        assert_eq!(
            head_of("申领人联系电话").map(|(h, p)| (h, role_of(p))),
            Some((Head::Phone, Some(Role::Subject)))
        );
    }
}
