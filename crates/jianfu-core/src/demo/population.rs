use super::names;
use crate::id_number::{IdNumber, Sex};
use chrono::{Datelike, Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;

/// A community to populate.
#[derive(Debug, Clone)]
pub struct DemoCommunity {
    /// Full address prefix, e.g. "重庆市九龙坡区谢家湾街道民主村社区".
    pub address_prefix: String,
    /// Villages (村) get 组 addresses and a more rural, older population.
    pub is_village: bool,
    /// Number of grids (网格) the community is divided into.
    pub grids: usize,
}

/// Relation to the household head, GB/T 4761-2008 家庭关系代码.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    Head,
    Husband,
    Wife,
    Son,
    Daughter,
    Father,
    Mother,
    Grandson,
    Granddaughter,
}

impl Relation {
    pub fn code(self) -> &'static str {
        match self {
            Relation::Head => "02",
            Relation::Husband => "11",
            Relation::Wife => "12",
            Relation::Son => "20",
            Relation::Daughter => "30",
            Relation::Father => "51",
            Relation::Mother => "52",
            Relation::Grandson => "41",
            Relation::Granddaughter => "42",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Relation::Head => "户主",
            Relation::Husband => "夫",
            Relation::Wife => "妻",
            Relation::Son => "子",
            Relation::Daughter => "女",
            Relation::Father => "父亲",
            Relation::Mother => "母亲",
            Relation::Grandson => "孙子",
            Relation::Granddaughter => "孙女",
        }
    }
}

/// Which office a demo fact comes from, so the demo shows real provenance:
/// identity flows back from 公安, 低保 from 民政, disability from 残联.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Origin {
    Police,
    CivilAffairs,
    DisabledPersons,
    VeteranAffairs,
    Organization,
    /// Typed by the community worker.
    Manual,
}

#[derive(Debug, Clone)]
pub struct DemoPerson {
    pub id_number: IdNumber,
    pub name: String,
    pub relation: Relation,
    pub phone: Option<String>,
    /// Further facts: (element code, stored value, origin).
    pub facts: Vec<(&'static str, String, Origin)>,
}

#[derive(Debug, Clone)]
pub struct DemoHousehold {
    /// Index into the communities slice.
    pub community: usize,
    /// 0-based grid within the community.
    pub grid: usize,
    pub address: String,
    /// The head comes first.
    pub members: Vec<DemoPerson>,
    pub facts: Vec<(&'static str, String, Origin)>,
}

/// Registration areas for ID numbers: mostly this district, some from
/// neighbouring districts of Chongqing (people who moved in).
const OTHER_AREAS: &[&str] = &[
    "500103", "500104", "500105", "500106", "500108", "500112", "500113", "500116", "500117",
    "500118", "500120", "500151", "500153", "500230", "500236", "500242",
];

const PHONE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "155", "156", "157", "158", "159", "177", "180", "181", "182", "183", "186", "187", "188",
    "189", "191", "199",
];

struct Gen<'a> {
    rng: ChaCha8Rng,
    today: NaiveDate,
    home_area: &'a str,
    used: HashSet<String>,
}

impl Gen<'_> {
    fn birth_for_age(&mut self, age: u32) -> NaiveDate {
        let latest = self.today - Duration::days(365 * age as i64);
        latest - Duration::days(self.rng.gen_range(0..365))
    }

    fn person(&mut self, sex: Sex, age: u32, surname: &str, relation: Relation) -> DemoPerson {
        let birth = self.birth_for_age(age);
        let area = if self.rng.gen_bool(0.85) {
            self.home_area
        } else {
            OTHER_AREAS[self.rng.gen_range(0..OTHER_AREAS.len())]
        };
        let id_number = loop {
            let seq = self.rng.gen_range(0..1000);
            if let Some(id) = IdNumber::compose(area, birth, seq, sex) {
                if self.used.insert(id.as_str().to_string()) {
                    break id;
                }
            }
        };
        let name = format!(
            "{surname}{}",
            names::given_name(&mut self.rng, sex, birth.year())
        );
        let phone = ((16..=85).contains(&age) && self.rng.gen_bool(0.9)).then(|| {
            let p = PHONE_PREFIXES[self.rng.gen_range(0..PHONE_PREFIXES.len())];
            format!("{p}{:08}", self.rng.gen_range(0..100_000_000u32))
        });
        DemoPerson {
            id_number,
            name,
            relation,
            phone,
            facts: Vec::new(),
        }
    }

    /// Facts with realistic prevalences for Chongqing: ethnicity, marital
    /// status, education, disability (~6%), veterans, Party members (~7% of
    /// adults), migrant work in villages.
    fn enrich(&mut self, p: &mut DemoPerson, village: bool, has_spouse: bool) {
        let age = p.id_number.age_on(self.today);
        let male = p.id_number.sex() == Sex::Male;
        let r = &mut self.rng;
        let ethnicity = match r.gen_range(0..1000) {
            0..=929 => "01",
            930..=974 => "15",
            975..=992 => "06",
            993..=995 => "03",
            996..=997 => "07",
            _ => "08",
        };
        p.facts
            .push(("person.ethnicity", ethnicity.into(), Origin::Police));
        let marital = if age < 20 {
            "10"
        } else if has_spouse {
            "20"
        } else if age > 60 {
            if r.gen_bool(0.75) {
                "30"
            } else {
                "40"
            }
        } else if r.gen_bool(0.8) {
            "10"
        } else {
            "40"
        };
        p.facts
            .push(("person.marital_status", marital.into(), Origin::Police));
        if age >= 16 {
            let edu = match (age, r.gen_range(0..100)) {
                (a, x) if a >= 70 => {
                    if x < 45 {
                        "81"
                    } else if x < 80 {
                        "71"
                    } else if x < 95 {
                        "61"
                    } else {
                        "31"
                    }
                }
                (a, x) if a >= 45 => {
                    if x < 15 {
                        "81"
                    } else if x < 55 {
                        "71"
                    } else if x < 80 {
                        "61"
                    } else if x < 92 {
                        "31"
                    } else {
                        "21"
                    }
                }
                (_, x) => {
                    if x < 3 {
                        "81"
                    } else if x < 25 {
                        "71"
                    } else if x < 45 {
                        "61"
                    } else if x < 70 {
                        "31"
                    } else if x < 95 {
                        "21"
                    } else {
                        "14"
                    }
                }
            };
            p.facts
                .push(("person.education", edu.into(), Origin::Manual));
        }
        let disability_p = if age >= 65 {
            0.14
        } else if age >= 40 {
            0.06
        } else {
            0.025
        };
        if r.gen_bool(disability_p) {
            let cat = match r.gen_range(0..100) {
                0..=39 => 4,
                40..=54 => 1,
                55..=69 => 2,
                70..=79 => 6,
                80..=87 => 5,
                88..=89 => 3,
                _ => 7,
            };
            let grade = match r.gen_range(0..100) {
                0..=9 => 1,
                10..=34 => 2,
                35..=64 => 3,
                _ => 4,
            };
            p.facts
                .push(("person.disabled", "1".into(), Origin::DisabledPersons));
            p.facts.push((
                "person.disability_category",
                cat.to_string(),
                Origin::DisabledPersons,
            ));
            p.facts.push((
                "person.disability_grade",
                grade.to_string(),
                Origin::DisabledPersons,
            ));
            p.facts.push((
                "person.disability_cert",
                format!("{}{cat}{grade}", p.id_number),
                Origin::DisabledPersons,
            ));
        }
        if male && (38..=80).contains(&age) && r.gen_bool(0.04) {
            p.facts
                .push(("person.veteran", "1".into(), Origin::VeteranAffairs));
            p.facts
                .push(("person.veteran_type", "1".into(), Origin::VeteranAffairs));
        }
        if age >= 18 && r.gen_bool(if male { 0.09 } else { 0.05 }) {
            p.facts
                .push(("person.political_status", "01".into(), Origin::Organization));
        } else if (14..=28).contains(&age) && r.gen_bool(0.35) {
            p.facts
                .push(("person.political_status", "03".into(), Origin::Organization));
        }
        if (18..=59).contains(&age) && r.gen_bool(if village { 0.28 } else { 0.05 }) {
            const PLACES: [&str; 6] = [
                "广东省东莞市",
                "浙江省宁波市",
                "重庆市渝北区",
                "四川省成都市",
                "福建省泉州市",
                "江苏省苏州市",
            ];
            p.facts
                .push(("person.migrant_worker", "1".into(), Origin::Manual));
            p.facts.push((
                "person.work_place",
                PLACES[r.gen_range(0..PLACES.len())].into(),
                Origin::Manual,
            ));
        }
    }

    /// Age of a household head: adults, weighted towards middle and old age
    /// as in Chongqing's 2020 census (over a fifth aged 60+).
    fn head_age(&mut self, village: bool) -> u32 {
        let bands: &[(u32, u32, u32)] = if village {
            &[
                (22, 35, 12),
                (35, 50, 22),
                (50, 65, 33),
                (65, 80, 25),
                (80, 95, 8),
            ]
        } else {
            &[
                (22, 35, 22),
                (35, 50, 30),
                (50, 65, 26),
                (65, 80, 17),
                (80, 95, 5),
            ]
        };
        let total: u32 = bands.iter().map(|b| b.2).sum();
        let mut pick = self.rng.gen_range(0..total);
        for (lo, hi, w) in bands {
            if pick < *w {
                return self.rng.gen_range(*lo..*hi);
            }
            pick -= w;
        }
        45
    }

    fn household(&mut self, size: usize, village: bool) -> Vec<DemoPerson> {
        let head_age = self.head_age(village);
        let head_sex = if self.rng.gen_bool(0.68) {
            Sex::Male
        } else {
            Sex::Female
        };
        let surname = names::surname(&mut self.rng);
        let mut members = vec![self.person(head_sex, head_age, surname, Relation::Head)];
        let mut want_spouse = size >= 2 && (size >= 3 || self.rng.gen_bool(0.7));
        // A single head of 80+ rarely lives with a spouse of the same age.
        if head_age > 88 {
            want_spouse = false;
        }
        if want_spouse && members.len() < size {
            let spouse_age = (head_age as i32 + self.rng.gen_range(-4..=4)).clamp(20, 99) as u32;
            let spouse_surname = names::surname(&mut self.rng);
            let (sex, rel) = match head_sex {
                Sex::Male => (Sex::Female, Relation::Wife),
                Sex::Female => (Sex::Male, Relation::Husband),
            };
            members.push(self.person(sex, spouse_age, spouse_surname, rel));
        }
        // Parents live with younger heads.
        if size >= 4 && head_age < 55 && members.len() < size {
            let sex = if self.rng.gen_bool(0.6) {
                Sex::Female
            } else {
                Sex::Male
            };
            let age = (head_age + self.rng.gen_range(22..34)).min(99);
            let rel = if sex == Sex::Male {
                Relation::Father
            } else {
                Relation::Mother
            };
            let s = if sex == Sex::Male {
                surname
            } else {
                names::surname(&mut self.rng)
            };
            members.push(self.person(sex, age, s, rel));
        }
        let mut child_ages = Vec::new();
        while members.len() < size {
            let gap = self.rng.gen_range(22..36);
            let grandchild = head_age >= 60 && !child_ages.is_empty() && self.rng.gen_bool(0.5);
            let age = if grandchild {
                head_age.saturating_sub(gap + self.rng.gen_range(22..30))
            } else {
                head_age.saturating_sub(gap)
            };
            child_ages.push(age);
            let sex = if self.rng.gen_bool(0.51) {
                Sex::Male
            } else {
                Sex::Female
            };
            let rel = match (grandchild, sex) {
                (false, Sex::Male) => Relation::Son,
                (false, Sex::Female) => Relation::Daughter,
                (true, Sex::Male) => Relation::Grandson,
                (true, Sex::Female) => Relation::Granddaughter,
            };
            members.push(self.person(sex, age, surname, rel));
        }
        members
    }
}

/// Household sizes, roughly Chongqing's 2020 distribution (mean ≈ 2.5).
fn household_size(rng: &mut impl Rng) -> usize {
    const SIZES: [(usize, u32); 6] = [(1, 25), (2, 31), (3, 21), (4, 13), (5, 7), (6, 3)];
    let mut pick = rng.gen_range(0..100);
    for (size, w) in SIZES {
        if pick < w {
            return size;
        }
        pick -= w;
    }
    2
}

/// Generates exactly `residents` people in households spread over the
/// communities. `home_area` is the GB/T 2260 code most ID numbers carry.
pub fn generate(
    communities: &[DemoCommunity],
    residents: usize,
    seed: u64,
    today: NaiveDate,
    home_area: &str,
) -> Vec<DemoHousehold> {
    let mut households = Vec::new();
    if communities.is_empty() || residents == 0 {
        return households;
    }
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(seed),
        today,
        home_area,
        used: HashSet::with_capacity(residents),
    };
    // Urban communities are about twice the size of villages.
    let weights: Vec<f64> = communities
        .iter()
        .map(|c| if c.is_village { 1.0 } else { 2.0 } * g.rng.gen_range(0.6..1.4))
        .collect();
    let total_w: f64 = weights.iter().sum();
    let mut quotas: Vec<usize> = weights
        .iter()
        .map(|w| (residents as f64 * w / total_w).floor() as usize)
        .collect();
    let assigned: usize = quotas.iter().sum();
    for i in 0..(residents - assigned) {
        quotas[i % communities.len()] += 1;
    }
    for (ci, community) in communities.iter().enumerate() {
        let mut left = quotas[ci];
        let mut number = 0usize;
        while left > 0 {
            let size = household_size(&mut g.rng).min(left);
            left -= size;
            number += 1;
            let mut members = g.household(size, community.is_village);
            let has_spouse = members
                .iter()
                .any(|m| matches!(m.relation, Relation::Wife | Relation::Husband));
            for m in members.iter_mut() {
                let spouse_here = has_spouse
                    && matches!(
                        m.relation,
                        Relation::Head | Relation::Wife | Relation::Husband
                    );
                g.enrich(m, community.is_village, spouse_here);
            }
            let mut facts = Vec::new();
            if members.len() == 1 && members[0].id_number.age_on(today) >= 65 {
                members[0]
                    .facts
                    .push(("person.elderly_alone", "1".into(), Origin::Manual));
                members[0]
                    .facts
                    .push(("person.living_arrangement", "3".into(), Origin::Manual));
            }
            let dibao_p = if community.is_village { 0.04 } else { 0.025 };
            if g.rng.gen_bool(dibao_p) {
                let kind = if community.is_village { "2" } else { "1" };
                facts.push(("household.dibao", "1".to_string(), Origin::CivilAffairs));
                facts.push((
                    "household.assistance_type",
                    kind.to_string(),
                    Origin::CivilAffairs,
                ));
                facts.push((
                    "household.dibao_people",
                    members.len().to_string(),
                    Origin::CivilAffairs,
                ));
                for m in members.iter_mut() {
                    m.facts
                        .push(("person.dibao", "1".into(), Origin::CivilAffairs));
                }
            }
            let grid = g.rng.gen_range(0..community.grids.max(1));
            let address = if community.is_village {
                format!("{}{}组{}号", community.address_prefix, grid + 1, number)
            } else {
                let building = number / 24 + 1;
                let unit = (number / 8) % 3 + 1;
                let room = (number % 8) / 2 + 1;
                let floor = number % 8 + 1;
                format!(
                    "{}{}栋{}单元{}-{}号",
                    community.address_prefix, building, unit, floor, room
                )
            };
            households.push(DemoHousehold {
                community: ci,
                grid,
                address,
                members,
                facts,
            });
        }
    }
    households
}

#[cfg(test)]
mod tests {
    use super::*;

    fn communities() -> Vec<DemoCommunity> {
        vec![
            DemoCommunity {
                address_prefix: "重庆市九龙坡区谢家湾街道民主村社区".into(),
                is_village: false,
                grids: 4,
            },
            DemoCommunity {
                address_prefix: "重庆市九龙坡区走马镇走马村".into(),
                is_village: true,
                grids: 3,
            },
        ]
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
    }

    #[test]
    fn exact_count_valid_unique_ids_and_one_head_each() {
        let hh = generate(&communities(), 3001, 7, today(), "500107");
        let people: Vec<_> = hh.iter().flat_map(|h| &h.members).collect();
        assert_eq!(people.len(), 3001);
        let mut seen = HashSet::new();
        for p in &people {
            let id = IdNumber::parse(p.id_number.as_str(), today()).expect("valid id");
            assert!(seen.insert(id.as_str().to_string()), "duplicate {id}");
        }
        for h in &hh {
            let heads = h
                .members
                .iter()
                .filter(|m| m.relation == Relation::Head)
                .count();
            assert_eq!(heads, 1);
            assert_eq!(h.members[0].relation, Relation::Head);
            assert!(h.address.starts_with("重庆市九龙坡区"));
        }
    }

    #[test]
    fn spouses_have_opposite_sex_and_names_match_sex_digit() {
        let hh = generate(&communities(), 2000, 3, today(), "500107");
        for h in &hh {
            let head = &h.members[0];
            for m in &h.members[1..] {
                match m.relation {
                    Relation::Wife => assert_eq!(m.id_number.sex(), Sex::Female),
                    Relation::Husband => assert_eq!(m.id_number.sex(), Sex::Male),
                    Relation::Son | Relation::Grandson => assert_eq!(m.id_number.sex(), Sex::Male),
                    _ => {}
                }
                if matches!(m.relation, Relation::Son | Relation::Daughter) {
                    assert!(m.id_number.birth_date() > head.id_number.birth_date());
                }
            }
        }
    }

    #[test]
    fn same_seed_same_people() {
        let a = generate(&communities(), 500, 42, today(), "500107");
        let b = generate(&communities(), 500, 42, today(), "500107");
        let c = generate(&communities(), 500, 43, today(), "500107");
        let ids = |h: &[DemoHousehold]| -> Vec<String> {
            h.iter()
                .flat_map(|h| h.members.iter().map(|m| m.id_number.to_string()))
                .collect()
        };
        assert_eq!(ids(&a), ids(&b));
        assert_ne!(ids(&a), ids(&c));
    }

    #[test]
    fn age_structure_is_plausible() {
        let hh = generate(&communities(), 20_000, 1, today(), "500107");
        let people: Vec<_> = hh.iter().flat_map(|h| &h.members).collect();
        let old = people
            .iter()
            .filter(|p| p.id_number.age_on(today()) >= 60)
            .count();
        let share = old as f64 / people.len() as f64;
        assert!((0.15..0.40).contains(&share), "60+ share {share}");
        let male = people
            .iter()
            .filter(|p| p.id_number.sex() == Sex::Male)
            .count();
        let ratio = male as f64 / people.len() as f64;
        assert!((0.45..0.56).contains(&ratio), "male share {ratio}");
    }
}

#[cfg(test)]
mod prevalence_tests {
    use super::*;

    #[test]
    fn prevalences_are_realistic() {
        let c = vec![DemoCommunity {
            address_prefix: "重庆市九龙坡区走马镇走马村".into(),
            is_village: true,
            grids: 3,
        }];
        let today = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        let hh = generate(&c, 20_000, 5, today, "500107");
        let people: Vec<_> = hh.iter().flat_map(|h| &h.members).collect();
        let share = |el: &str, v: &str| {
            people
                .iter()
                .filter(|p| p.facts.iter().any(|(e, x, _)| *e == el && x == v))
                .count() as f64
                / people.len() as f64
        };
        let disabled = share("person.disabled", "1");
        assert!((0.03..0.10).contains(&disabled), "disability {disabled}");
        let party = share("person.political_status", "01");
        assert!((0.03..0.10).contains(&party), "party {party}");
        let han = share("person.ethnicity", "01");
        assert!((0.88..0.97).contains(&han), "han {han}");
        let dibao = hh.iter().filter(|h| !h.facts.is_empty()).count() as f64 / hh.len() as f64;
        assert!((0.02..0.07).contains(&dibao), "dibao {dibao}");
        assert!(share("person.elderly_alone", "1") > 0.0);
        assert!(share("person.migrant_worker", "1") > 0.05);
    }
}
