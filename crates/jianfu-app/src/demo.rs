//! The demo district: 重庆市九龙坡区 with its real streets, towns, villages
//! and communities, county departments, accounts for every role and a
//! synthetic population.

use crate::accounts::AccountRequest;
use crate::register::{derived_person_facts, write_new_entities, NewEntity, Source, WriteContext};
use crate::{App, AppError, CurrentUser, Result};
use jianfu_core::demo::{self, DemoCommunity, Origin};
use jianfu_core::dictionary::pinyin_initials;
use jianfu_core::org::OrgKind;
use jianfu_core::role::Role;
use jianfu_store::{Db, NewPersonRow, OrgUnit};
use std::collections::BTreeMap;

/// The division files of 九龙坡区, shipped in the repository.
pub const DIVISION_FILES: [(&str, &str); 5] = [
    (
        "provinces.csv",
        include_str!("../../../data/divisions/jiulongpo/provinces.csv"),
    ),
    (
        "cities.csv",
        include_str!("../../../data/divisions/jiulongpo/cities.csv"),
    ),
    (
        "areas.csv",
        include_str!("../../../data/divisions/jiulongpo/areas.csv"),
    ),
    (
        "streets.csv",
        include_str!("../../../data/divisions/jiulongpo/streets.csv"),
    ),
    (
        "villages.csv",
        include_str!("../../../data/divisions/jiulongpo/villages.csv"),
    ),
];

pub const DISTRICT_CODE: &str = "500107";
pub const DEMO_COMMUNITY_CODE: &str = "500107003003";
pub const DEMO_TOWNSHIP_CODE: &str = "500107003";
/// A second community in the same street, for trying scope limits.
pub const OTHER_COMMUNITY_CODE: &str = "500107003004";

/// County departments that push work down, and the 减负办.
pub const DEPARTMENTS: [(&str, &str); 16] = [
    ("mzj", "民政局"),
    ("rsj", "人力资源和社会保障局"),
    ("wjw", "卫生健康委员会"),
    ("xczxj", "乡村振兴局"),
    ("cl", "残疾人联合会"),
    ("tyjr", "退役军人事务局"),
    ("zzb", "区委组织部"),
    ("tjj", "统计局"),
    ("gafj", "公安分局"),
    ("zjw", "住房和城乡建设委员会"),
    ("jw", "教育委员会"),
    ("ybj", "医疗保障局"),
    ("nyncw", "农业农村委员会"),
    ("yjj", "应急管理局"),
    ("zfw", "区委政法委"),
    ("jfb", "整治形式主义为基层减负专项工作机制办公室"),
];

pub const JIANFUBAN_KEY: &str = "jfb";

#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub residents: usize,
    pub seed: u64,
    pub password: String,
    /// Reference date for ages and birth dates.
    pub today: chrono::NaiveDate,
    /// Whether to add a season of activity so every page has something to
    /// show: 准入 (caps, admitted, pending and refused requests), 直报
    /// and 一表通 (admitted reports with tasks in every state, a draft);
    /// tests start from an empty gate and no reports.
    pub admissions: bool,
}

#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub username: String,
    pub role: Role,
    pub unit: String,
}

#[derive(Debug, Clone)]
pub struct DemoSummary {
    pub accounts: Vec<DemoAccount>,
    pub townships: i64,
    pub communities: i64,
    pub residents: i64,
    pub households: usize,
    /// A receipt code of a closed demo report (直报), to try the follow-up.
    pub receipt_code: Option<String>,
}

const GRID_NUMERALS: [&str; 8] = ["一", "二", "三", "四", "五", "六", "七", "八"];

impl App {
    /// Builds the demo district into an empty database.
    pub async fn build_demo(&self, opts: &DemoOptions) -> Result<DemoSummary> {
        if self.db.count_all_units().await? > 0 {
            return Err(AppError::Invalid(
                "数据库不是空的：演示区只能建在新数据库中".into(),
            ));
        }
        let files: Vec<(String, String)> = DIVISION_FILES
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        let report = self.import_divisions(&files).await?;
        if !report.rejected.is_empty() {
            return Err(AppError::Invalid(format!(
                "内置区划数据有误：{}",
                report.rejected[0]
            )));
        }
        let district = self.unit_by_code(DISTRICT_CODE).await?;
        let display = |name: &str| format!("九龙坡区{name}");
        let mut dept_ids = std::collections::HashMap::new();
        for (key, name) in DEPARTMENTS {
            let short = if key == JIANFUBAN_KEY {
                "区减负办".to_string()
            } else {
                name.to_string()
            };
            let id = self
                .db
                .insert_unit(
                    None,
                    &display(name),
                    &short,
                    OrgKind::Department,
                    Some(district.id),
                )
                .await?;
            dept_ids.insert(key, id);
        }

        let townships = self.db.children(district.id).await?;
        let mut communities: Vec<(OrgUnit, Vec<i64>)> = Vec::new();
        let mut demo_communities = Vec::new();
        for (ti, township) in townships
            .iter()
            .filter(|t| t.kind() == Some(OrgKind::Township))
            .enumerate()
        {
            for (ci, community) in self.db.children(township.id).await?.into_iter().enumerate() {
                // 3–6 grids, varied but deterministic.
                let grids = 3 + (ti + ci) % 4;
                let mut grid_ids = Vec::with_capacity(grids);
                for numeral in GRID_NUMERALS.iter().take(grids) {
                    let name = format!("{}第{numeral}网格", community.short_name);
                    let short = format!("第{numeral}网格");
                    grid_ids.push(
                        self.db
                            .insert_unit(None, &name, &short, OrgKind::Grid, Some(community.id))
                            .await?,
                    );
                }
                demo_communities.push(DemoCommunity {
                    address_prefix: format!(
                        "重庆市九龙坡区{}{}",
                        township.name, community.short_name
                    ),
                    is_village: community.name.ends_with("村民委员会"),
                    grids,
                });
                communities.push((community, grid_ids));
            }
        }

        let accounts = self.create_demo_accounts(opts, &dept_ids).await?;
        self.seed_admission_gate(&accounts).await?;
        if opts.admissions {
            self.seed_admission_activity(opts).await?;
        }

        let households = demo::generate(
            &demo_communities,
            opts.residents,
            opts.seed,
            opts.today,
            DISTRICT_CODE,
        );
        let household_count = households.len();
        let dept_of = |o: Origin| -> Option<i64> {
            let key = match o {
                Origin::Police => "gafj",
                Origin::CivilAffairs => "mzj",
                Origin::DisabledPersons => "cl",
                Origin::VeteranAffairs => "tyjr",
                Origin::Organization => "zzb",
                Origin::Manual => return None,
            };
            dept_ids.get(key).copied()
        };
        for chunk in households.chunks(1_000) {
            self.write_demo_households(chunk, &communities, opts, &dept_of)
                .await?;
        }
        // 一表通 needs the residents: its tasks list and count them.
        if opts.admissions {
            self.seed_report_activity(&opts.password).await?;
        }
        // Every screen of 监测 reads the ledger: build it from all of the
        // above, and with the season of activity, 18 months of history.
        self.rebuild_ledger().await?;
        let mut receipt_code = None;
        if opts.admissions {
            let office = self
                .login("jianfuban", &opts.password, None)
                .await
                .map(|ok| ok.user)
                .map_err(|e| AppError::Invalid(format!("演示账号 jianfuban 无法登录：{e}")))?;
            receipt_code = Some(self.seed_monitoring_history(opts.seed, &office).await?);
            self.seed_surveys(opts.seed, &office, &opts.password)
                .await?;
            self.seed_ratings(opts.seed).await?;
        }
        let scope = &district.path;
        Ok(DemoSummary {
            accounts,
            townships: self
                .db
                .count_units_of_kind(scope, OrgKind::Township)
                .await?,
            communities: self
                .db
                .count_units_of_kind(scope, OrgKind::Community)
                .await?,
            residents: self.db.person_count().await?,
            households: household_count,
            receipt_code,
        })
    }

    /// Writes a batch of generated households with their members and facts
    /// in one transaction, each fact with its real-world origin.
    async fn write_demo_households(
        &self,
        chunk: &[demo::DemoHousehold],
        communities: &[(OrgUnit, Vec<i64>)],
        opts: &DemoOptions,
        dept_of: &dyn Fn(Origin) -> Option<i64>,
    ) -> Result<()> {
        let ctx = WriteContext {
            source: Source::Shared,
            department_id: None,
            author_id: None,
            import_id: None,
            valid_from: opts.today.format("%Y-%m-%d").to_string(),
            now_ms: jianfu_store::now_ms(),
        };
        let group = |facts: &[(&'static str, String, Origin)],
                     base: Vec<(&str, String, Origin)>| {
            let mut groups: BTreeMap<Origin, BTreeMap<String, String>> = BTreeMap::new();
            for (el, v, o) in base
                .into_iter()
                .chain(facts.iter().map(|(e, v, o)| (*e, v.clone(), *o)))
            {
                groups.entry(o).or_default().insert(el.to_string(), v);
            }
            groups
                .into_iter()
                .map(|(o, values)| {
                    let source = if o == Origin::Manual {
                        Source::Manual
                    } else {
                        Source::Shared
                    };
                    (source, dept_of(o), values)
                })
                .collect::<Vec<_>>()
        };
        let mut tx = self.db.begin().await?;
        let mut people = Vec::new();
        let mut household_entities = Vec::new();
        for h in chunk {
            let (community, grids) = &communities[h.community];
            let unit = grids.get(h.grid).copied().unwrap_or(community.id);
            let hid = Db::insert_household_tx(&mut tx, unit).await?;
            household_entities.push(NewEntity {
                entity_id: hid,
                derived: vec![],
                groups: group(
                    &h.facts,
                    vec![("household.address", h.address.clone(), Origin::Manual)],
                ),
                tag: 0,
            });
            for m in &h.members {
                people.push((hid, unit, m));
            }
        }
        let rows: Vec<NewPersonRow> = people
            .iter()
            .map(|(hid, unit, m)| NewPersonRow {
                id_number: m.id_number.to_string(),
                name: m.name.clone(),
                name_initials: pinyin_initials(&m.name),
                household_id: Some(*hid),
                unit_id: *unit,
            })
            .collect();
        let ids = Db::insert_persons(&mut tx, &rows).await?;
        let mut person_entities = Vec::with_capacity(people.len());
        for (_, _, m) in &people {
            let Some(pid) = ids.get(m.id_number.as_str()) else {
                continue;
            };
            let mut base = vec![
                ("person.name", m.name.clone(), Origin::Police),
                ("person.id_number", m.id_number.to_string(), Origin::Police),
                (
                    "person.relation_to_head",
                    m.relation.code().to_string(),
                    Origin::Police,
                ),
            ];
            if let Some(p) = &m.phone {
                base.push(("person.phone", p.clone(), Origin::Manual));
            }
            person_entities.push(NewEntity {
                entity_id: *pid,
                derived: derived_person_facts(&m.id_number)
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
                groups: group(&m.facts, base),
                tag: 0,
            });
        }
        write_new_entities(&mut tx, "household", &ctx, &household_entities).await?;
        write_new_entities(&mut tx, "person", &ctx, &person_entities).await?;
        tx.commit().await.map_err(jianfu_store::StoreError::from)?;
        Ok(())
    }

    pub(crate) async fn unit_by_code(&self, code: &str) -> Result<OrgUnit> {
        self.db
            .unit_by_code(code)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("区划代码 {code}")))
    }

    async fn create_demo_accounts(
        &self,
        opts: &DemoOptions,
        dept_ids: &std::collections::HashMap<&str, i64>,
    ) -> Result<Vec<DemoAccount>> {
        let district = self.unit_by_code(DISTRICT_CODE).await?;
        let township = self.unit_by_code(DEMO_TOWNSHIP_CODE).await?;
        let community = self.unit_by_code(DEMO_COMMUNITY_CODE).await?;
        let other = self.unit_by_code(OTHER_COMMUNITY_CODE).await?;
        let grid = self
            .db
            .children(community.id)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::NotFound("民主村社区的网格".into()))?;
        let dept = |k: &str| {
            dept_ids
                .get(k)
                .copied()
                .ok_or_else(|| AppError::NotFound(k.into()))
        };
        let plan: Vec<(&str, &str, Role, i64)> = vec![
            ("admin", "系统管理员", Role::Admin, district.id),
            (
                "jianfuban",
                "区减负办 李主任",
                Role::Jianfuban,
                dept(JIANFUBAN_KEY)?,
            ),
            (
                "quzhang",
                "区领导 张副区长",
                Role::Jianfuban,
                dept(JIANFUBAN_KEY)?,
            ),
            ("minzheng", "民政局 王科长", Role::Department, dept("mzj")?),
            ("renshe", "人社局 张科员", Role::Department, dept("rsj")?),
            // The department whose burden rebounds in the demo's history,
            // so that a warning's 反馈 step can be walked.
            ("weijian", "卫健委 李科长", Role::Department, dept("wjw")?),
            (
                "xiejiawan",
                "谢家湾街道 陈干事",
                Role::Township,
                township.id,
            ),
            ("minzhu", "民主村社区 刘专干", Role::Community, community.id),
            ("dagongguan", "大公馆社区 周专干", Role::Community, other.id),
            ("minzhu-wg1", "民主村社区网格员 赵敏", Role::Grid, grid.id),
        ];
        let mut out = Vec::new();
        for (username, display_name, role, unit_id) in plan {
            self.create_account(
                None,
                &AccountRequest {
                    username: username.into(),
                    display_name: display_name.into(),
                    password: opts.password.clone(),
                    role,
                    unit_id,
                },
            )
            .await?;
            let unit = self
                .db
                .unit(unit_id)
                .await?
                .map(|u| u.name)
                .unwrap_or_default();
            out.push(DemoAccount {
                username: username.into(),
                role,
                unit,
            });
        }
        Ok(out)
    }

    /// The gate as a district starts with it: the community duty list
    /// (村（社区）依法履职和协助政府工作事项) and the county leader who
    /// takes the higher review.
    async fn seed_admission_gate(&self, accounts: &[DemoAccount]) -> Result<()> {
        for (name, note) in DUTY_LIST {
            self.db.add_duty_item(name, note).await?;
        }
        if accounts.iter().any(|a| a.username == "quzhang") {
            if let Some(u) = self.db.user_by_name("quzhang").await? {
                self.db
                    .add_grant(u.id, crate::admission::COUNTY_REVIEW)
                    .await?;
            }
        }
        Ok(())
    }
}

impl App {
    /// A season of the gate at work: caps for the year, requests admitted,
    /// pending, escalated and refused.
    async fn seed_admission_activity(&self, opts: &DemoOptions) -> Result<()> {
        use crate::admission::{Action, AdmissionInput};
        use jianfu_core::admission::caps::Cap;
        use jianfu_core::admission::Details;
        let as_user = |name: &'static str| async move {
            self.login(name, &opts.password, None)
                .await
                .map(|ok| ok.user)
                .map_err(|e| AppError::Invalid(format!("演示账号 {name} 无法登录：{e}")))
        };
        let (office, leader) = (as_user("jianfuban").await?, as_user("quzhang").await?);
        let (mzj, rsj) = (as_user("minzheng").await?, as_user("renshe").await?);
        let year = self.admission_year();
        let caps = [
            (&mzj, "meeting", Some(6), Some(1500.0)),
            (&mzj, "document", Some(12), None),
            (&rsj, "inspection", Some(4), Some(4000.0)),
            (&rsj, "app", Some(1), None),
        ];
        for (dept, kind, count, hours) in caps {
            let cap = Cap {
                max_count: count,
                max_hours: hours,
            };
            self.set_admission_cap(&office, year, dept.unit.id, kind, cap, None)
                .await?;
        }
        let today = crate::reports::today();
        let soon = |days: i64| Some(today + chrono::Duration::days(days));
        let request = |title: &str, details: Details, per_year: u32, duty: &str| AdmissionInput {
            title: title.to_string(),
            details,
            targets: vec![],
            per_year,
            lead_hours: Some(168),
            duty_item: Some(duty.to_string()),
            requested_until: None,
        };
        // Who asks, what, and who then decides what.
        type Step<'a> = (
            &'a CurrentUser,
            AdmissionInput,
            Vec<(&'a CurrentUser, Action, &'a str)>,
        );
        let steps: Vec<Step<'_>> = vec![
            (
                &mzj,
                request(
                    "全区社会救助政策培训会",
                    Details::Meeting {
                        date: soon(10),
                        duration_minutes: 90,
                        keynote_minutes: 40,
                        attendees_per_unit: 1,
                        on_site: false,
                    },
                    2,
                    "社会救助对象排查与申报协助",
                ),
                vec![(&office, Action::Admit, "")],
            ),
            (
                &mzj,
                request(
                    "关于做好元旦春节期间困难群众走访慰问工作的通知",
                    Details::Document {
                        text: DEMO_NOTICE.to_string(),
                        single_task: true,
                    },
                    1,
                    "社会救助对象排查与申报协助",
                ),
                vec![(&office, Action::Admit, "")],
            ),
            (
                &rsj,
                request(
                    "就业创业政策落实情况专项检查",
                    Details::Inspection {
                        window_start: soon(20),
                        window_end: soon(22),
                        content: "就业援助、创业担保贷款政策落实".into(),
                        mergeable: true,
                        in_annual_plan: true,
                    },
                    1,
                    "就业创业服务",
                ),
                vec![],
            ),
            (
                &rsj,
                request(
                    "“技能打卡”学习APP推广",
                    Details::App {
                        purpose: "职业技能学习".into(),
                        clock_in: true,
                        ranking: true,
                        likes: false,
                        forced_install: true,
                        minutes_per_week: 30,
                    },
                    1,
                    "就业创业服务",
                ),
                vec![(
                    &office,
                    Action::Refuse,
                    "要求打卡、积分排名并强制安装，违反政务APP“五不”",
                )],
            ),
            (
                &mzj,
                request(
                    "“文明家庭”创建挂牌",
                    Details::Plaque {
                        name: "文明家庭创建示范点".into(),
                    },
                    1,
                    "文明创建宣传",
                ),
                vec![(&office, Action::Escalate, "不在职责清单，提请区领导审定")],
            ),
            (
                &mzj,
                request(
                    "高龄津贴申领证明",
                    Details::Certificate {
                        name: "高龄津贴申领证明".into(),
                        per_unit_per_year: 12,
                    },
                    1,
                    "老年人关爱服务",
                ),
                vec![(&leader, Action::Admit, "")],
            ),
        ];
        for (dept, input, decisions) in steps {
            let id = self.create_admission(dept, &input, None).await?;
            self.decide_admission(dept, id, Action::Submit, "", None)
                .await?;
            for (who, action, reason) in decisions {
                self.decide_admission(who, id, action, reason, None).await?;
            }
        }
        Ok(())
    }
}

/// The text of the demo's notice: a realistic length for a single-task
/// document (well under 4,000 characters).
const DEMO_NOTICE: &str = "各街道办事处、镇人民政府：\n为切实保障困难群众基本生活，让困难群众过上一个欢乐祥和的节日，现就做好元旦春节期间困难群众走访慰问工作通知如下：\n一、走访对象。城乡低保对象、特困供养人员、低保边缘家庭、困难残疾人家庭和因病因灾等导致生活困难的家庭。\n二、工作要求。走访慰问对象名单由系统从基础台账直接生成，各村（社区）不再另行报送名册；慰问情况通过一表通填报，不再另建工作群收集。\n三、时间安排。走访慰问于春节前完成。";

/// A district's duty list for its communities/// A district's duty list for its communities, in the shape of the lists
/// counties publish (依法履行职责事项 and 协助政府工作事项).
const DUTY_LIST: [(&str, &str); 16] = [
    ("居民基础信息采集与更新", "协助"),
    ("社会救助对象排查与申报协助", "协助：低保、特困、临时救助"),
    ("老年人关爱服务", "协助：高龄津贴、独居老人探访"),
    ("残疾人服务", "协助：残疾人两项补贴、康复服务"),
    ("退役军人服务", "协助"),
    ("就业创业服务", "协助：失业登记、就业援助"),
    ("基本医疗保险参保动员", "协助"),
    ("人口统计调查协助", "协助：人口普查、抽样调查"),
    ("安全隐患排查", "协助：消防、燃气、自建房"),
    ("环境卫生整治", "依法履职"),
    ("矛盾纠纷调解", "依法履职：人民调解"),
    ("基层党组织建设", "依法履职"),
    ("征兵工作协助", "协助"),
    ("健康宣传与公共卫生", "协助：疫苗接种动员、健康教育"),
    ("未成年人保护", "协助：困境儿童、留守儿童"),
    ("村（居）民自治事务", "依法履职：居民会议、居务公开"),
];
