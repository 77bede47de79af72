//! 一表通 in the demo: three reports of 区民政局 in the shapes real
//! department forms take (a roster, a statistical table, a card), admitted
//! and published to the communities of 谢家湾街道, with their tasks in every
//! state, and a draft waiting for admission. Everything goes through the
//! same use cases a person would use, so the demo shows the product's real
//! behaviour: the second report prefills what a worker typed into the
//! first.

use crate::admission::{Action, AdmissionInput};
use crate::reports::NewReportInput;
use crate::{App, AppError, CurrentUser, Result};
use jianfu_core::admission::Details;
use jianfu_core::reports::{CellState, ColumnSource, ReportDef};
use serde_json::json;

/// The street whose communities receive the demo's reports.
const DEMO_STREET: &str = "500107003";

/// What a demo worker does with one task.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Progress {
    Untouched,
    /// The first half of the rows filled.
    Half,
    Submitted,
    Returned(&'static str),
    Accepted,
}

fn definition(value: serde_json::Value) -> Result<ReportDef> {
    serde_json::from_value(value).map_err(|e| AppError::Invalid(format!("演示报表定义有误：{e}")))
}

/// 高龄老人走访慰问花名册: a roster whose emergency contact is asked here
/// first (a gap the worker fills, written to the register).
fn elderly_roster() -> Result<ReportDef> {
    definition(json!({
        "title": "80周岁以上高龄老人走访慰问花名册", "kind": "roster", "entity": "person",
        "filter": "age >= 80",
        "columns": [
            {"path": ["序号"], "source": {"type": "serial"}, "left": 0, "right": 0},
            {"path": ["姓名"], "source": {"type": "element", "element": "person.name"}, "left": 1, "right": 1},
            {"path": ["身份证号码"], "source": {"type": "element", "element": "person.id_number"}, "left": 2, "right": 2},
            {"path": ["现住址"], "source": {"type": "element", "element": "person.current_address"}, "left": 3, "right": 3},
            {"path": ["紧急联系人", "姓名"], "source": {"type": "element", "element": "person.emergency_contact"}, "left": 4, "right": 4},
            {"path": ["紧急联系人", "联系电话"], "source": {"type": "element", "element": "person.emergency_phone"}, "left": 5, "right": 5},
            {"path": ["走访情况"], "source": {"type": "manual"}, "left": 6, "right": 6},
            {"path": ["备注"], "source": {"type": "blank"}, "left": 7, "right": 7}
        ]
    }))
}

/// 困难群众救助情况统计表: one row per community, counted from the register.
fn assistance_statistics() -> Result<ReportDef> {
    definition(json!({
        "title": "困难群众救助情况统计表", "kind": "statistical", "entity": "person",
        "columns": [
            {"path": ["村（社区）"], "source": {"type": "row_label"}, "left": 0, "right": 0},
            {"path": ["60周岁以上老年人", "人数"], "source": {"type": "count", "filter": "age >= 60"}, "left": 1, "right": 1},
            {"path": ["60周岁以上老年人", "其中独居"], "source": {"type": "count", "filter": "age >= 60 && elderly_alone == true"}, "left": 2, "right": 2},
            {"path": ["残疾人", "人数"], "source": {"type": "count", "filter": "disabled == true"}, "left": 3, "right": 3},
            {"path": ["本季度走访慰问（人次）"], "source": {"type": "manual"}, "left": 4, "right": 4}
        ]
    }))
}

/// 独居老人关爱服务登记表: a card per person living alone; its emergency
/// contact is the one the roster asked for, so a worker who answered it
/// there finds it prefilled here.
fn living_alone_card() -> Result<ReportDef> {
    definition(json!({
        "title": "独居老人关爱服务登记表", "kind": "card", "entity": "person",
        "filter": "age >= 80",
        "columns": [
            {"path": ["姓名"], "source": {"type": "element", "element": "person.name"}, "left": 0, "right": 0, "value_cell": [0, 1]},
            {"path": ["性别"], "source": {"type": "element", "element": "person.sex"}, "left": 2, "right": 2, "value_cell": [0, 3]},
            {"path": ["现住址"], "source": {"type": "element", "element": "person.current_address"}, "left": 0, "right": 0, "value_cell": [1, 1]},
            {"path": ["紧急联系人"], "source": {"type": "element", "element": "person.emergency_contact"}, "left": 0, "right": 0, "value_cell": [2, 1]},
            {"path": ["紧急联系人电话"], "source": {"type": "element", "element": "person.emergency_phone"}, "left": 2, "right": 2, "value_cell": [2, 3]},
            {"path": ["关爱服务需求"], "source": {"type": "manual"}, "left": 0, "right": 0, "value_cell": [3, 1]}
        ],
        "layout": {
            "header": [
                ["姓名", "", "性别", ""],
                ["现住址", "", "", ""],
                ["紧急联系人", "", "紧急联系人电话", ""],
                ["关爱服务需求", "", "", ""]
            ],
            "merges": [
                {"top": 1, "left": 1, "bottom": 1, "right": 3},
                {"top": 3, "left": 1, "bottom": 3, "right": 3}
            ],
            "footer": ["填表人：　　　　审核人：　　　　填表日期："]
        }
    }))
}

/// A value a worker would type into a cell of this source, row by row.
fn typed_value(source: &ColumnSource, row: usize, kind_is_statistical: bool) -> Option<String> {
    const CONTACTS: [&str; 6] = ["王建华", "李秀英", "张志强", "刘芳", "陈国平", "杨丽"];
    const VISITS: [&str; 4] = [
        "已走访，身体状况良好",
        "已走访，需定期上门",
        "已电话联系，子女照料",
        "已走访，送慰问品",
    ];
    match source {
        ColumnSource::Element { element } => match element.as_str() {
            "person.emergency_contact" => Some(CONTACTS[row % CONTACTS.len()].to_string()),
            "person.emergency_phone" => Some(format!("139{:08}", 23_000_000 + row * 7_919)),
            _ => None,
        },
        ColumnSource::Manual if kind_is_statistical => Some((3 + row % 5).to_string()),
        ColumnSource::Manual => Some(VISITS[row % VISITS.len()].to_string()),
        _ => None,
    }
}

impl App {
    pub(crate) async fn seed_report_activity(&self, password: &str) -> Result<()> {
        let as_user = |name: &'static str| async move {
            self.login(name, password, None)
                .await
                .map(|ok| ok.user)
                .map_err(|e| AppError::Invalid(format!("演示账号 {name} 无法登录：{e}")))
        };
        let dept = as_user("minzheng").await?;
        let office = as_user("jianfuban").await?;
        let minzhu = as_user("minzhu").await?;
        let dagongguan = as_user("dagongguan").await?;
        let street = self.unit_by_code(DEMO_STREET).await?;
        let targets: Vec<i64> = self
            .db
            .children(street.id)
            .await?
            .iter()
            .filter(|u| u.kind() == Some(jianfu_core::org::OrgKind::Community))
            .map(|u| u.id)
            .collect();
        let today = crate::today();
        let day = |n: i64| (today + chrono::Duration::days(n)).to_string();

        // (definition, frequency, period, deadline, minzhu's and
        // dagongguan's progress). The roster comes first so that the card
        // after it finds the contacts typed into it.
        let plan = [
            (
                elderly_roster()?,
                "monthly",
                "2026年11月",
                day(4),
                Progress::Accepted,
                Progress::Returned("紧急联系人电话缺 2 人，请补充后重新提交"),
            ),
            (
                assistance_statistics()?,
                "quarterly",
                "2026年第四季度",
                day(20),
                Progress::Submitted,
                Progress::Half,
            ),
            (
                living_alone_card()?,
                "yearly",
                "2026年度",
                day(28),
                Progress::Half,
                Progress::Untouched,
            ),
        ];
        for (def, frequency, period, deadline, at_minzhu, at_dagongguan) in plan {
            let report = self
                .create_report(
                    &dept,
                    NewReportInput {
                        definition: def,
                        frequency: frequency.into(),
                        period: period.into(),
                        deadline,
                        targets: targets.clone(),
                        template_name: None,
                    },
                    None,
                )
                .await?;
            self.admit_demo_report(&dept, &office, report).await?;
            self.publish_report(&dept, report, None).await?;
            for (worker, progress) in [(&minzhu, at_minzhu), (&dagongguan, at_dagongguan)] {
                self.work_demo_task(worker, &dept, report, progress).await?;
            }
        }
        // A draft the department has not yet sent for admission.
        self.create_report(
            &dept,
            NewReportInput {
                definition: definition(json!({
                    "title": "残疾人两项补贴发放台账", "kind": "roster", "entity": "person",
                    "filter": "disabled == true",
                    "columns": [
                        {"path": ["序号"], "source": {"type": "serial"}, "left": 0, "right": 0},
                        {"path": ["姓名"], "source": {"type": "element", "element": "person.name"}, "left": 1, "right": 1},
                        {"path": ["身份证号码"], "source": {"type": "element", "element": "person.id_number"}, "left": 2, "right": 2},
                        {"path": ["发放情况"], "source": {"type": "manual"}, "left": 3, "right": 3}
                    ]
                }))?,
                frequency: "quarterly".into(),
                period: "2027年第一季度".into(),
                deadline: day(60),
                targets: targets.clone(),
                template_name: None,
            },
            None,
        )
        .await?;
        Ok(())
    }

    async fn admit_demo_report(
        &self,
        dept: &CurrentUser,
        office: &CurrentUser,
        report: i64,
    ) -> Result<()> {
        let input = AdmissionInput {
            title: String::new(),
            details: Details::Report {
                report_id: Some(report),
            },
            targets: vec![],
            per_year: 1,
            lead_hours: Some(240),
            duty_item: Some("老年人关爱服务".into()),
            requested_until: None,
        };
        let id = self.create_admission(dept, &input, None).await?;
        self.decide_admission(dept, id, Action::Submit, "", None)
            .await?;
        // The card asks again what the roster asks (emergency contacts):
        // the office admits it with its reason, as it must.
        self.decide_admission(
            office,
            id,
            Action::Admit,
            "与同期下发的花名册共用的栏目由一表通预填，基层已填的不再填写",
            None,
        )
        .await?;
        Ok(())
    }

    /// Fills, submits, and has the department review one community's task.
    async fn work_demo_task(
        &self,
        worker: &CurrentUser,
        dept: &CurrentUser,
        report: i64,
        progress: Progress,
    ) -> Result<()> {
        let Some(task) = self
            .tasks_for(worker)
            .await?
            .into_iter()
            .find(|t| t.report_id == report)
        else {
            return Ok(());
        };
        if progress == Progress::Untouched {
            return Ok(());
        }
        let view = self.open_task(worker, task.id, None).await?;
        let statistical = view.definition.kind == jianfu_core::reports::ReportKind::Statistical;
        let rows = view.grid.rows.len();
        // A returned task had two contacts left open.
        let skip_last = matches!(progress, Progress::Returned(_)).then_some(2);
        let fill_rows = match progress {
            Progress::Half => rows.div_ceil(2),
            _ => rows.saturating_sub(skip_last.unwrap_or(0)),
        };
        for (r, row) in view.grid.rows.iter().enumerate().take(fill_rows) {
            for (c, cell) in row.cells.iter().enumerate() {
                if !matches!(cell.state, CellState::Gap | CellState::Manual)
                    || !cell.value.is_empty()
                {
                    continue;
                }
                if let Some(value) = typed_value(&view.definition.columns[c].source, r, statistical)
                {
                    self.save_task_cell(worker, task.id, &row.key, c, &value, None, None)
                        .await?;
                }
            }
        }
        if progress == Progress::Half {
            return Ok(());
        }
        self.submit_task(worker, task.id, None).await?;
        match progress {
            Progress::Returned(comment) => self.return_task(dept, task.id, comment, None).await,
            Progress::Accepted => self.accept_task(dept, task.id, None).await,
            _ => Ok(()),
        }
    }
}
