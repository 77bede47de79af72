//! The demo's 评价: a rater account in every community and township, last
//! year's reverse assessment (closed, with its results) and this year's
//! (open, most answers in, for the office to close and export), and two
//! quarters of the burden-perception survey (the last closed, this one
//! open). Scores spread around each department's own level; 卫健委, the
//! department whose burden rebounds in the demo's history, is clearly
//! worse. Deterministic from the seed.

use crate::survey::RoundInput;
use crate::{App, CurrentUser, Result};
use chrono::{Datelike, NaiveDate};
use jianfu_core::org::OrgKind;
use jianfu_core::role::Role;
use jianfu_core::survey::shipped;
use jianfu_store::{NewAnswer, NewUser};
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;

/// Comments a rater may leave, by how they rated.
const LOW: [&str; 5] = [
    "同一批数据一个月内要了三次，能否直接从系统里取",
    "工作群里下午布置、第二天上午就要，来不及核实",
    "检查要求每项工作都拍照留痕，照片比工作还多",
    "表格口径经常变，改一次就要全部重填",
    "任务下来没有经费和人手，只能加班",
];
const HIGH: [&str; 4] = [
    "业务指导具体，有模板有答疑",
    "能从一表通取数，基本不再重复报",
    "有问题打电话能很快解决",
    "检查前会先看已有台账，不让重新准备",
];

struct Rater {
    user_id: i64,
    group: &'static str,
    township: i64,
    /// The unit whose subjects it rates.
    unit: i64,
}

impl App {
    pub(crate) async fn seed_surveys(
        &self,
        seed: u64,
        office: &CurrentUser,
        password: &str,
    ) -> Result<()> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x0070_696e_676a_6961);
        let raters = self.demo_raters(password).await?;
        let today = crate::today();
        let day = |d: NaiveDate, n: i64| d + chrono::Duration::days(n);
        let last_year = today.year() - 1;
        let ymd = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(today);
        // Each department's level (1–5 scale): most between 3.4 and 4.3;
        // 卫健委 well below.
        let mut level: BTreeMap<i64, f64> = BTreeMap::new();
        for (i, (key, _)) in crate::demo::DEPARTMENTS.iter().enumerate() {
            if let Ok(u) = self.unit_by_dept_key(key).await {
                let base = if *key == "wjw" {
                    2.5
                } else {
                    3.4 + ((i * 7) % 10) as f64 / 11.0
                };
                level.insert(u, base);
            }
        }
        for (year, opens, closes, title, drift) in [
            (
                last_year,
                ymd(last_year, 12, 1),
                ymd(last_year, 12, 20),
                format!("{last_year} 年度基层对区级部门逆向考核"),
                0.25,
            ),
            (
                today.year(),
                day(today, -5),
                day(today, 12),
                format!("{} 年度基层对区级部门逆向考核", today.year()),
                0.0,
            ),
        ] {
            let round = self
                .create_survey_round(
                    office,
                    RoundInput {
                        template: shipped::REVERSE.into(),
                        title,
                        roles: vec!["community".into(), "township".into()],
                        period_from: ymd(year, 1, 1),
                        period_to: ymd(year, 11, 30),
                        opens_on: opens,
                        closes_on: closes,
                        k: None,
                        weights: BTreeMap::new(),
                    },
                    None,
                )
                .await?;
            let questions = self.round_questions(&round).await?;
            // This year's round is still open: about one rater in eight
            // has not answered yet.
            let answering = if round.state == crate::survey::RoundState::Open {
                0.88
            } else {
                1.0
            };
            for r in &raters {
                if !rng.gen_bool(answering) {
                    continue;
                }
                for s in self.db.subjects_of(round.id, r.unit).await? {
                    // Last year everyone was a little kinder to 卫健委,
                    // and the others a little harsher: a trend to see.
                    let base = level.get(&s.department_id).copied().unwrap_or(3.8)
                        + if level.get(&s.department_id).copied().unwrap_or(3.8) < 3.0 {
                            drift
                        } else {
                            -drift
                        };
                    let mut answers = serde_json::Map::new();
                    let mut sum = 0.0_f64;
                    let mut n = 0.0_f64;
                    for q in questions
                        .iter()
                        .filter(|q| q.asked_about(Some(&s.department)))
                    {
                        if q.indicator.is_none() {
                            continue;
                        }
                        let v: f64 = (base + rng.gen_range(-1.1..1.1)).round().clamp(1.0, 5.0);
                        sum += v;
                        n += 1.0;
                        answers.insert(q.code.clone(), serde_json::json!(v));
                    }
                    if rng.gen_bool(0.12) {
                        let pool: &[&str] = if sum / n.max(1.0) < 3.0 { &LOW } else { &HIGH };
                        answers.insert(
                            "comment".into(),
                            serde_json::json!(pool[rng.gen_range(0..pool.len())]),
                        );
                    }
                    self.demo_answer(round.id, r, s.department_id, &answers, &mut rng)
                        .await?;
                }
            }
        }
        // The perception survey: last quarter closed, this one open.
        let quarter_start = ymd(today.year(), ((today.month() - 1) / 3) * 3 + 1, 1);
        let last_quarter = day(quarter_start, -1);
        for (from, to, opens, closes, label) in [
            (
                ymd(
                    last_quarter.year(),
                    ((last_quarter.month() - 1) / 3) * 3 + 1,
                    1,
                ),
                last_quarter,
                day(last_quarter, -14),
                day(last_quarter, -2),
                "上季度",
            ),
            (
                quarter_start,
                day(today, 30),
                day(today, -3),
                day(today, 14),
                "本季度",
            ),
        ] {
            let round = self
                .create_survey_round(
                    office,
                    RoundInput {
                        template: shipped::PERCEPTION.into(),
                        title: format!(
                            "{} 年第 {} 季度基层负担感知度调研（{label}）",
                            from.year(),
                            (from.month() - 1) / 3 + 1
                        ),
                        roles: vec!["community".into(), "grid".into(), "township".into()],
                        period_from: from,
                        period_to: to,
                        opens_on: opens,
                        closes_on: closes,
                        k: None,
                        weights: BTreeMap::new(),
                    },
                    None,
                )
                .await?;
            let answering = if round.state == crate::survey::RoundState::Open {
                0.6
            } else {
                0.9
            };
            for r in &raters {
                if !rng.gen_bool(answering) {
                    continue;
                }
                // Townships differ: some streets carry more.
                let heavy = (r.township % 5) as f64 * 0.25;
                let mut a = serde_json::Map::new();
                for code in ["learn", "comply", "stress"] {
                    let v: f64 = (2.6 + heavy + rng.gen_range(-1.0..1.2))
                        .round()
                        .clamp(1.0, 5.0);
                    a.insert(code.into(), serde_json::json!(v));
                }
                let red: f64 = (5.0 + heavy * 2.0 + rng.gen_range(-2.0..2.0))
                    .round()
                    .clamp(0.0, 10.0);
                a.insert("red_tape".into(), serde_json::json!(red));
                if rng.gen_bool(0.7) {
                    for (code, mean) in [
                        ("hours_reports", 9.0 + heavy * 4.0),
                        ("hours_meetings", 5.0),
                        ("hours_inspections", 3.0 + heavy * 2.0),
                        ("hours_apps", 6.0),
                        ("hours_residents", 14.0 - heavy * 3.0),
                    ] {
                        let h: f64 = (mean + rng.gen_range(-3.0..3.0)).max(0.0).round();
                        a.insert(code.into(), serde_json::json!(h));
                    }
                }
                self.demo_answer(round.id, r, 0, &a, &mut rng).await?;
            }
        }
        Ok(())
    }

    async fn demo_answer(
        &self,
        round: i64,
        r: &Rater,
        subject: i64,
        answers: &serde_json::Map<String, serde_json::Value>,
        rng: &mut rand_chacha::ChaCha8Rng,
    ) -> Result<()> {
        let id: String = (0..16)
            .map(|_| format!("{:02x}", rng.gen::<u8>()))
            .collect();
        let (group, township) = crate::survey::stored_as(subject != 0, r.group, r.township);
        let json =
            serde_json::to_string(answers).map_err(|e| crate::AppError::Invalid(e.to_string()))?;
        self.db
            .record_answer(&NewAnswer {
                round_id: round,
                user_id: r.user_id,
                subject,
                answer_id: &id,
                rater_group: group,
                township_id: township,
                answers: &json,
            })
            .await?;
        Ok(())
    }

    async fn unit_by_dept_key(&self, key: &str) -> Result<i64> {
        let name = crate::demo::DEPARTMENTS
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, n)| *n)
            .unwrap_or_default();
        let district = self.unit_by_code(crate::demo::DISTRICT_CODE).await?;
        self.db
            .children(district.id)
            .await?
            .into_iter()
            .find(|u| u.kind() == Some(OrgKind::Department) && u.name.ends_with(name))
            .map(|u| u.id)
            .ok_or_else(|| crate::AppError::NotFound(format!("部门 {key}")))
    }

    /// One rater account per community (its 专干) and per township, all with
    /// the demo password, hashed once.
    async fn demo_raters(&self, password: &str) -> Result<Vec<Rater>> {
        let hash = self
            .passwords
            .hash(password)
            .await
            .map_err(crate::AppError::Invalid)?;
        let district = self.unit_by_code(crate::demo::DISTRICT_CODE).await?;
        let mut out = Vec::new();
        for township in self.db.children(district.id).await? {
            if township.kind() != Some(OrgKind::Township) {
                continue;
            }
            let code = township
                .code
                .clone()
                .unwrap_or_else(|| township.id.to_string());
            let id = self
                .demo_user(
                    &format!("jd{code}"),
                    &format!("{} 评价员", township.short_name),
                    Role::Township,
                    &township,
                    &hash,
                )
                .await?;
            out.push(Rater {
                user_id: id,
                group: shipped::GROUP_TOWNSHIP,
                township: township.id,
                unit: township.id,
            });
            for community in self.db.children(township.id).await? {
                if community.kind() != Some(OrgKind::Community) {
                    continue;
                }
                let code = community
                    .code
                    .clone()
                    .unwrap_or_else(|| community.id.to_string());
                let id = self
                    .demo_user(
                        &format!("sq{code}"),
                        &format!("{} 专干", community.short_name),
                        Role::Community,
                        &community,
                        &hash,
                    )
                    .await?;
                out.push(Rater {
                    user_id: id,
                    group: shipped::GROUP_COMMUNITY,
                    township: township.id,
                    unit: community.id,
                });
            }
        }
        Ok(out)
    }

    async fn demo_user(
        &self,
        username: &str,
        display_name: &str,
        role: Role,
        unit: &jianfu_store::OrgUnit,
        hash: &str,
    ) -> Result<i64> {
        let scope = self.scope_for(role, unit).await?;
        Ok(self
            .db
            .insert_user(&NewUser {
                username,
                display_name,
                password_hash: hash,
                role: role.code(),
                unit_id: unit.id,
                scope_id: scope.id,
            })
            .await?)
    }
}
