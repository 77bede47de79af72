//! The demo's 好差评: 2,000 ratings over the last four months across the
//! district's windows, mostly satisfied, with 40 bad ones in every state
//! (to call back, called back, appealed, rectified, explained, ruled
//! malicious, some overdue), and a few cases still waiting for a rating at
//! 民主村社区's window. Deterministic from the seed.

use crate::{App, Result};
use jianfu_core::org::OrgKind;
use jianfu_core::rating::SERVICES;
use jianfu_store::{BadChange, NewRating, NewServiceCase};
use rand::{Rng, SeedableRng};

const RATINGS: usize = 2_000;
const BAD: usize = 40;

const BAD_COMMENTS: [&str; 6] = [
    "材料说了三遍还让回去补",
    "午休时间窗口没人",
    "让跑了两趟才办完",
    "工作人员态度生硬",
    "系统说故障，让明天再来",
    "排队一个多小时",
];

impl App {
    pub(crate) async fn seed_ratings(&self, seed: u64) -> Result<()> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x6861_6f63_6861_7069);
        let district = self.unit_by_code(crate::demo::DISTRICT_CODE).await?;
        let mut windows = Vec::new();
        for t in self.db.children(district.id).await? {
            if t.kind() != Some(OrgKind::Township) {
                continue;
            }
            for c in self.db.children(t.id).await? {
                if c.kind() == Some(OrgKind::Community) {
                    windows.push((c.id, t.id));
                }
            }
        }
        if windows.is_empty() {
            return Ok(());
        }
        let today = crate::today();
        let settings = self.monitoring_settings().await?;
        let calendar = settings.calendar();
        // Which of the ratings are bad: every 50th, so they spread over
        // the months and the windows.
        for i in 0..RATINGS {
            let (community, township) = windows[rng.gen_range(0..windows.len())];
            let days_ago = rng.gen_range(1..120);
            let day = today - chrono::Duration::days(days_ago);
            let (service, _) = SERVICES[rng.gen_range(0..SERVICES.len())];
            let token: String = (0..12)
                .map(|_| format!("{:02x}", rng.gen::<u8>()))
                .collect();
            let recorded_ms = day
                .and_hms_opt(9 + rng.gen_range(0..8), rng.gen_range(0..60), 0)
                .map(|t| t.and_utc().timestamp_millis())
                .unwrap_or(0);
            let Some(case_id) = self
                .db
                .add_service_case(&NewServiceCase {
                    community_id: community,
                    township_id: Some(township),
                    service,
                    case_no: &format!("{}-{:05}", day.format("%Y%m%d"), i + 1),
                    token: &token,
                    recorded_on: &day.to_string(),
                    recorded_ms,
                    recorded_by: None,
                })
                .await?
            else {
                continue;
            };
            let bad_index = (i % (RATINGS / BAD) == 7).then_some(i / (RATINGS / BAD));
            let level = match bad_index {
                Some(_) => rng.gen_range(1..=2),
                None => [5, 5, 5, 5, 4, 4, 4, 3][rng.gen_range(0..8)],
            };
            let due = calendar
                .add_working_days(day, settings.bad_rating_working_days)
                .to_string();
            let score = |rng: &mut rand_chacha::ChaCha8Rng| {
                Some((level + rng.gen_range(-1..=1)).clamp(1, 5))
            };
            let comment = bad_index.map(|_| BAD_COMMENTS[rng.gen_range(0..BAD_COMMENTS.len())]);
            self.db
                .add_rating(&NewRating {
                    case_id,
                    level,
                    efficiency: score(&mut rng),
                    quality: score(&mut rng),
                    attitude: score(&mut rng),
                    comment,
                    rated_on: &day.to_string(),
                    // One in five of the bad ones came seconds after the
                    // case was recorded: the window stood beside them.
                    flags: if bad_index.is_some_and(|b| b % 5 == 0) {
                        "prompted"
                    } else {
                        ""
                    },
                    bad_due_on: bad_index.map(|_| due.as_str()),
                })
                .await?;
            if let Some(b) = bad_index {
                self.demo_bad_state(case_id, b, day).await?;
            }
        }
        // Cases at 民主村's window that wait for their rating, for trying the
        // rating page from the window's list.
        let minzhu = self.unit_by_code(crate::demo::DEMO_COMMUNITY_CODE).await?;
        for (n, (service, _)) in SERVICES.iter().enumerate().skip(1).take(3) {
            let token: String = (0..12)
                .map(|_| format!("{:02x}", rng.gen::<u8>()))
                .collect();
            self.db
                .add_service_case(&NewServiceCase {
                    community_id: minzhu.id,
                    township_id: minzhu.parent_id,
                    service,
                    case_no: &format!("MZ-{}-{n:03}", today.format("%Y%m%d")),
                    token: &token,
                    recorded_on: &today.to_string(),
                    recorded_ms: jianfu_store::now_ms() - 3_600_000,
                    recorded_by: None,
                })
                .await?;
        }
        Ok(())
    }

    /// Puts the `b`-th bad rating in one of the states, in turn.
    async fn demo_bad_state(&self, case_id: i64, b: usize, day: chrono::NaiveDate) -> Result<()> {
        let later = |n: i64| (day + chrono::Duration::days(n)).to_string();
        let step = |from: &'static [&'static str], to: &'static str| BadChange {
            from,
            to,
            callback_note: None,
            outcome: None,
            outcome_note: None,
            appeal_reason: None,
            decision_note: None,
            day: "",
            exclude_rating: false,
        };
        let d1 = later(1);
        let d5 = later(5);
        let callback = BadChange {
            callback_note: Some("已电话回访，群众说明了当时的情况"),
            day: &d1,
            ..step(&["open"], "called_back")
        };
        match b % 6 {
            // Still to call back (the older ones overdue).
            0 => {}
            1 => {
                self.db.change_bad_rating(case_id, &callback).await?;
            }
            2 => {
                self.db.change_bad_rating(case_id, &callback).await?;
                self.db
                    .change_bad_rating(
                        case_id,
                        &BadChange {
                            outcome: Some("rectified"),
                            outcome_note: Some("调整窗口午间值班，公示一次性告知清单"),
                            day: &d5,
                            ..step(&["called_back"], "closed")
                        },
                    )
                    .await?;
            }
            3 => {
                self.db.change_bad_rating(case_id, &callback).await?;
                self.db
                    .change_bad_rating(
                        case_id,
                        &BadChange {
                            outcome: Some("explained"),
                            outcome_note: Some(
                                "系统故障系省级平台升级，已向群众解释并协助次日办结",
                            ),
                            day: &d5,
                            ..step(&["called_back"], "closed")
                        },
                    )
                    .await?;
            }
            4 => {
                self.db.change_bad_rating(case_id, &callback).await?;
                self.db
                    .change_bad_rating(
                        case_id,
                        &BadChange {
                            appeal_reason: Some("评价人当日未到窗口办理，疑为误评"),
                            day: &d5,
                            ..step(&["called_back"], "appealed")
                        },
                    )
                    .await?;
            }
            _ => {
                self.db.change_bad_rating(case_id, &callback).await?;
                self.db
                    .change_bad_rating(
                        case_id,
                        &BadChange {
                            appeal_reason: Some("同一时段对多个窗口的多件办件连续差评"),
                            day: &d5,
                            ..step(&["called_back"], "appealed")
                        },
                    )
                    .await?;
                self.db
                    .change_bad_rating(
                        case_id,
                        &BadChange {
                            outcome: Some("malicious"),
                            decision_note: Some("经核实为恶意差评，申诉成立"),
                            day: &later(8),
                            exclude_rating: true,
                            ..step(&["appealed"], "closed")
                        },
                    )
                    .await?;
            }
        }
        Ok(())
    }
}
