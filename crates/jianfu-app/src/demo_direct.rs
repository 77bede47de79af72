//! The demo's 直报: reports across the categories in every state of the
//! loop, some overdue, two published as typical cases, the history's
//! unnumbered demands among them; and one receipt code printed at start so
//! a person can follow a report as its reporter would.
//!
//! Written through the store with past days (the services date each step
//! today), and the codes come from the demo's seed: a demo is public, its
//! codes are too, and a rerun prints the same one.

use crate::{App, Result};
use chrono::{Days, NaiveDate};
use jianfu_core::demo::history::PlannedFlag;
use jianfu_core::direct_report::{format_receipt, new_receipt};
use jianfu_store::{NewDirectReport, ReportChange};
use rand::SeedableRng;

/// Where a demo report ends.
#[derive(Clone, Copy, PartialEq)]
enum End {
    Received,
    Accepted,
    Merged(usize),
    Declined,
    Assigned { overdue: bool },
    Answered,
    Closed { rating: Option<i64> },
    Reopened,
}

struct Planned {
    category: &'static str,
    department: &'static str,
    days_ago: u64,
    demand: &'static str,
    minutes: i64,
    name_community: bool,
    named: bool,
    end: End,
}

const fn p(
    category: &'static str,
    department: &'static str,
    days_ago: u64,
    demand: &'static str,
    minutes: i64,
    end: End,
) -> Planned {
    Planned {
        category,
        department,
        days_ago,
        demand,
        minutes,
        name_community: false,
        named: false,
        end,
    }
}

const PLAN: [Planned; 12] = [
    Planned {
        name_community: true,
        ..p(
            "wechat_group",
            "卫生健康委员会",
            26,
            "工作群里要求当天下午5点前报送辖区65岁以上老人健康体检名单，每人还要拍照上传。",
            180,
            End::Assigned { overdue: true },
        )
    },
    p(
        "informal_document",
        "区委政法委",
        40,
        "以便笺形式通知各社区组织平安建设宣传活动并报送照片，没有文号，也没有准入编号。",
        240,
        End::Closed { rating: None },
    ),
    Planned {
        named: true,
        ..p(
            "short_deadline",
            "乡村振兴局",
            50,
            "上午10点通知，要求下午3点前报送防返贫监测对象核查表，全社区停下其他工作赶表。",
            300,
            End::Closed { rating: Some(4) },
        )
    },
    p(
        "trace_photos",
        "民政局",
        12,
        "要求走访慰问时每户拍3张照片上传工作群留痕，照片还要有居民手持慰问品。",
        150,
        End::Answered,
    ),
    p(
        "repeated_data",
        "统计局",
        6,
        "再次要求报送辖区人口和户数，这些数据已在一表通中填报过。",
        90,
        End::Accepted,
    ),
    p(
        "clock_in",
        "应急管理局",
        3,
        "要求网格员每天在APP上打卡巡查两次，并在群里按打卡次数排名通报。",
        60,
        End::Received,
    ),
    p(
        "unadmitted_inspection",
        "住房和城乡建设委员会",
        16,
        "未经准入到社区检查燃气安全，要求补做3本台账。",
        480,
        End::Assigned { overdue: true },
    ),
    p(
        "wechat_group",
        "卫生健康委员会",
        2,
        "工作群里要求两天内补填全部居民健康档案电子版。",
        120,
        End::Received,
    ),
    p(
        "other",
        "某街道办",
        21,
        "要求社区派人参加与社区职责无关的招商推介活动。",
        240,
        End::Declined,
    ),
    p(
        "repeated_data",
        "统计局",
        5,
        "统计局又要人口户数，与前几天要的是同一张表。",
        60,
        End::Merged(4),
    ),
    p(
        "trace_photos",
        "卫生健康委员会",
        60,
        "要求上传家庭医生签约入户照片，每户两张。",
        200,
        End::Reopened,
    ),
    Planned {
        name_community: true,
        ..p(
            "unadmitted_demand",
            "人力资源和社会保障局",
            10,
            "电话通知报送辖区就业困难人员名单，没有准入编号。",
            120,
            End::Assigned { overdue: false },
        )
    },
];

impl App {
    /// Builds the demo's reports; returns the receipt code to print (a
    /// closed report, not yet rated, so its follow-up can be tried).
    pub(crate) async fn seed_direct_reports(
        &self,
        seed: u64,
        history_flags: &[PlannedFlag],
        office_id: i64,
    ) -> Result<String> {
        let today = crate::today();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x7a68_6962_616f);
        let community = self.unit_by_code(crate::demo::DEMO_COMMUNITY_CODE).await?;
        let township = community.parent_id;
        let named = self.db.user_by_name("minzhu").await?.map(|u| u.id);
        // The history's unnumbered demands: filed named (as the flags they
        // replace were), accepted, the older ones closed.
        for (i, f) in history_flags.iter().enumerate() {
            let c = self.db.unit(f.community).await?;
            let day = f.day.to_string();
            let id = self
                .demo_insert(
                    &mut rng,
                    "unadmitted_demand",
                    f.department,
                    &day,
                    &f.description,
                    60,
                    c.as_ref().and_then(|c| c.parent_id),
                    Some(f.community),
                    named,
                )
                .await?;
            self.db
                .step_direct_report(
                    id,
                    &["received"],
                    "accepted",
                    &ReportChange::Accept {
                        department_id: None,
                    },
                    &day,
                )
                .await?;
            if i < history_flags.len() / 2 {
                let closed = (f.day + Days::new(9)).min(today).to_string();
                self.db
                    .step_direct_report(
                        id,
                        &["accepted"],
                        "closed",
                        &ReportChange::Close {
                            closing: "减负办已约谈下达部门，该事项已补办准入或撤回。",
                        },
                        &closed,
                    )
                    .await?;
            }
        }
        let mut ids = Vec::new();
        let mut printed = String::new();
        for (n, plan) in PLAN.iter().enumerate() {
            let happened = today - Days::new(plan.days_ago);
            let day = |d: u64| (happened + Days::new(d)).min(today).to_string();
            let code = new_receipt(&mut rng);
            let hash = self.receipt_hash(&code).await?;
            let department_id = self.department_named(plan.department).await?;
            let id = self
                .db
                .insert_direct_report(
                    &NewDirectReport {
                        receipt_hash: &hash,
                        category: plan.category,
                        department_id,
                        department_text: plan.department,
                        happened_on: &happened.to_string(),
                        demand: plan.demand,
                        minutes: plan.minutes,
                        admission_number: None,
                        admission_id: None,
                        township_id: township,
                        community_id: plan.name_community.then_some(community.id),
                        named_user_id: if plan.named { named } else { None },
                        filed_on: &day(1),
                    },
                    &[],
                )
                .await?;
            ids.push(id);
            if n == 1 {
                printed = format_receipt(&code);
            }
            self.demo_walk(id, plan, &ids, department_id, happened, office_id)
                .await?;
        }
        // The caller rebuilds the ledger from every source after this.
        Ok(printed)
    }

    #[allow(clippy::too_many_arguments)]
    async fn demo_insert(
        &self,
        rng: &mut rand_chacha::ChaCha8Rng,
        category: &str,
        department: &str,
        day: &str,
        demand: &str,
        minutes: i64,
        township_id: Option<i64>,
        community_id: Option<i64>,
        named_user_id: Option<i64>,
    ) -> Result<i64> {
        let hash = self.receipt_hash(&new_receipt(rng)).await?;
        let department_id = self.department_named(department).await?;
        Ok(self
            .db
            .insert_direct_report(
                &NewDirectReport {
                    receipt_hash: &hash,
                    category,
                    department_id,
                    department_text: department,
                    happened_on: day,
                    demand,
                    minutes,
                    admission_number: None,
                    admission_id: None,
                    township_id,
                    community_id,
                    named_user_id,
                    filed_on: day,
                },
                &[],
            )
            .await?)
    }

    /// Takes a demo report through the loop to where its plan ends.
    async fn demo_walk(
        &self,
        id: i64,
        plan: &Planned,
        ids: &[i64],
        department_id: Option<i64>,
        happened: NaiveDate,
        office_id: i64,
    ) -> Result<()> {
        let today = crate::today();
        let day = |d: u64| (happened + Days::new(d)).min(today).to_string();
        let db = &self.db;
        match plan.end {
            End::Received => return Ok(()),
            End::Merged(into) => {
                let target = ids.get(into).copied().unwrap_or(id);
                db.step_direct_report(
                    id,
                    &["received"],
                    "merged",
                    &ReportChange::Merge { into: target },
                    &day(2),
                )
                .await?;
                return Ok(());
            }
            End::Declined => {
                db.step_direct_report(
                    id,
                    &["received"],
                    "declined",
                    &ReportChange::Decline {
                        reason: "反映的事项是街道内部的工作安排，不属于区级部门向基层摊派；已请街道纪工委核实。",
                    },
                    &day(2),
                )
                .await?;
                return Ok(());
            }
            _ => {}
        }
        db.step_direct_report(
            id,
            &["received"],
            "accepted",
            &ReportChange::Accept {
                department_id: None,
            },
            &day(2),
        )
        .await?;
        if plan.end == End::Accepted {
            return Ok(());
        }
        let Some(dept) = department_id else {
            return Ok(());
        };
        let settings = self.monitoring_settings().await?;
        let assigned = happened + Days::new(3);
        let due = match plan.end {
            // Assigned long ago, with a deadline that has passed.
            End::Assigned { overdue: true } => today - Days::new(3),
            _ => settings
                .calendar()
                .add_working_days(assigned, settings.answer_working_days)
                .max(today + Days::new(2)),
        };
        db.step_direct_report(
            id,
            &["accepted"],
            "assigned",
            &ReportChange::Assign {
                department_id: dept,
                due_on: &due.to_string(),
                note: "请核实该要求是否经过准入；未经准入的，请停止执行并说明情况。",
            },
            &day(3),
        )
        .await?;
        if plan.name_community {
            db.disclose_direct_report(id, "township", false, &day(3))
                .await?;
        }
        if matches!(plan.end, End::Assigned { .. }) {
            return Ok(());
        }
        db.step_direct_report(
            id,
            &["assigned"],
            "answered",
            &ReportChange::Answer {
                finding: "经核实，该要求由科室经办人员在工作群中直接布置，未经准入。",
                change_kind: "withdrew",
            },
            &day(8),
        )
        .await?;
        if plan.end == End::Answered {
            return Ok(());
        }
        db.step_direct_report(
            id,
            &["answered"],
            "closed",
            &ReportChange::Close {
                closing:
                    "部门已撤回该要求并在全系统通报；今后同类事项须先经准入。减负办已回访核实。",
            },
            &day(10),
        )
        .await?;
        db.add_report_message(
            id,
            "office",
            "您反映的问题已核实，部门已撤回要求。感谢反映。",
            &day(10),
        )
        .await?;
        match plan.end {
            End::Closed { rating: Some(r) } => {
                db.rate_direct_report(id, r, "问题解决了，希望以后不再出现。", &day(12))
                    .await?;
                self.demo_publish(id, plan, office_id, &day(14)).await?;
            }
            End::Closed { rating: None } => {
                self.demo_publish(id, plan, office_id, &day(12)).await?;
            }
            End::Reopened => {
                db.reopen_direct_report(
                    id,
                    "重新打开（评价 2/5）：部门说撤回了，但工作群里还在要照片。",
                    &day(12),
                )
                .await?;
            }
            _ => {}
        }
        Ok(())
    }

    async fn demo_publish(&self, id: i64, plan: &Planned, office_id: i64, day: &str) -> Result<()> {
        let (title, body) = match plan.category {
            "informal_document" => (
                "以便笺代替公文向社区布置工作",
                "某区级部门以无文号的便笺通知各社区组织宣传活动并报送照片，未经准入。经减负办督促，该部门已撤回要求，并在全系统通报；今后向基层布置工作一律先经准入、以正式文件下达。",
            ),
            _ => (
                "上午通知、下午要表",
                "某区级部门上午通知、当天下午即要求报送核查表，时限不足半天，社区只能停下其他工作赶表。经减负办督促，该部门已撤回当天时限，改为通过一表通按月汇总，不再单独要表。",
            ),
        };
        let department_id = self.department_named(plan.department).await?;
        self.db
            .publish_typical_case(&jianfu_store::NewTypicalCase {
                report_id: id,
                title,
                body,
                category: plan.category,
                department_id,
                published_on: day,
                published_by: office_id,
            })
            .await?;
        Ok(())
    }
}
