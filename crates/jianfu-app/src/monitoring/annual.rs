//! The annual report (年度减负报告) and the dashboard as workbooks. The
//! report is the dashboard of a calendar year beside the year before:
//! totals by kind, departments ranked by the burden they caused, townships
//! in org order (never ranked), the months, the warnings opened and closed
//! in the year, and what 一表通 saved. The same figures go to the page, to
//! the .xlsx and to `jianfu ledger export`.

use super::workbook::{tables_xlsx, Table, Val};
use super::{Dashboard, Figure};
use crate::{App, AppError, CurrentUser, Result};
use jianfu_core::monitoring::{BurdenKind, Month};
use jianfu_core::org::OrgKind;
use jianfu_core::role::Role;
use jianfu_store::{LedgerScope, WarningRow};
use serde::Serialize;
use std::collections::BTreeMap;

/// One line of a table of the report: this year against the last.
#[derive(Debug, Clone, Serialize, Default)]
pub struct AnnualRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub items: i64,
    pub hours: f64,
    pub last_year_items: i64,
    pub last_year_hours: f64,
    pub change_pct: Option<f64>,
}

/// Warnings of one rule in the year.
#[derive(Debug, Clone, Serialize, Default)]
pub struct WarningTally {
    pub rule: String,
    pub title: String,
    pub opened: i64,
    pub closed: i64,
    pub in_progress: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnnualReport {
    pub year: i32,
    /// Whose report: the district, a department, a township or community.
    pub scope_name: String,
    pub total: AnnualRow,
    pub kinds: Vec<AnnualRow>,
    /// Ranked by the hours they caused (allowed; communities never are).
    pub departments: Vec<AnnualRow>,
    /// Townships (district, department) or communities, in org order.
    pub units: Vec<AnnualRow>,
    pub units_are_townships: bool,
    pub months: Vec<AnnualRow>,
    /// None for readers who do not see warnings.
    pub warnings: Option<Vec<WarningTally>>,
    pub cells_prefilled: i64,
    pub cells_typed: i64,
    /// Minutes one typed cell took, measured on this year's filled tasks.
    pub minutes_per_typed_cell: Option<f64>,
    /// `cells_prefilled` × that rate, in hours: what typing them would
    /// have cost.
    pub hours_saved: Option<f64>,
    pub measured_hours: f64,
    pub reported_hours: f64,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn change(now: f64, then: f64) -> Option<f64> {
    (then > 0.0).then(|| round1((now - then) / then * 100.0))
}

/// Pairs this year's figures with last year's by id (or kind code).
fn paired(now: &[Figure], then: &[Figure], key: impl Fn(&Figure) -> String) -> Vec<AnnualRow> {
    let before: BTreeMap<String, &Figure> = then.iter().map(|f| (key(f), f)).collect();
    let mut out: Vec<AnnualRow> = now
        .iter()
        .map(|f| {
            let t = before.get(&key(f));
            let (ti, th) = t.map_or((0, 0.0), |t| (t.items, t.hours));
            AnnualRow {
                id: f.id,
                code: f.kind.clone(),
                name: f.name.clone(),
                items: f.items,
                hours: f.hours,
                last_year_items: ti,
                last_year_hours: th,
                change_pct: change(f.hours, th),
            }
        })
        .collect();
    // What stopped this year still belongs in the comparison.
    let seen: std::collections::BTreeSet<String> = now.iter().map(&key).collect();
    for t in then.iter().filter(|t| !seen.contains(&key(t))) {
        out.push(AnnualRow {
            id: t.id,
            code: t.kind.clone(),
            name: t.name.clone(),
            last_year_items: t.items,
            last_year_hours: t.hours,
            change_pct: Some(-100.0),
            ..Default::default()
        });
    }
    out
}

impl App {
    /// The year's report for this reader's part of the ledger.
    pub async fn annual_report(
        &self,
        actor: &CurrentUser,
        year: i32,
        ip: Option<String>,
    ) -> Result<AnnualReport> {
        check_year(year)?;
        let scope = self.ledger_scope(actor, ip).await?;
        let by_township = matches!(actor.role, Role::Jianfuban | Role::Department);
        let warnings = match actor.role {
            Role::Jianfuban => Some(self.db.warnings(None).await?),
            Role::Department => Some(self.db.warnings(Some(actor.unit.id)).await?),
            _ => None,
        };
        let scope_name = match actor.role {
            Role::Jianfuban => match self.county_of(actor.unit.clone()).await? {
                Some(c) => c.name,
                None => actor.unit.name.clone(),
            },
            _ => actor.unit.name.clone(),
        };
        self.annual_report_for(&scope, by_township, year, scope_name, warnings)
            .await
    }

    /// The district's report without a signed-in reader: `jianfu ledger
    /// export` on the server, whose operator holds the database anyway.
    /// Audited as a command-line export.
    pub async fn annual_report_offline(&self, year: i32) -> Result<AnnualReport> {
        check_year(year)?;
        let counties: Vec<String> = self
            .db
            .subtree("/", false)
            .await?
            .into_iter()
            .filter(|u| u.kind() == Some(OrgKind::County))
            .map(|u| u.name)
            .collect();
        let name = match counties.as_slice() {
            [one] => one.clone(),
            _ => "全部区县".to_string(),
        };
        let warnings = Some(self.db.warnings(None).await?);
        let report = self
            .annual_report_for(&LedgerScope::default(), true, year, name, warnings)
            .await?;
        self.audit(
            None,
            "ledger.annual_export",
            Some(format!("year:{year}")),
            "ok",
            Some("命令行 jianfu ledger export".into()),
            None,
        )
        .await?;
        Ok(report)
    }

    async fn annual_report_for(
        &self,
        scope: &LedgerScope,
        by_township: bool,
        year: i32,
        scope_name: String,
        warnings: Option<Vec<WarningRow>>,
    ) -> Result<AnnualReport> {
        let (first, last) = year_months(year)?;
        let now = self.dashboard_for(scope, by_township, first, last).await?;
        let then = self
            .dashboard_for(scope, by_township, first.last_year(), last.last_year())
            .await?;
        let kinds = paired(&now.kinds, &then.kinds, |f| f.kind.clone());
        let mut departments = paired(&now.departments, &then.departments, |f| f.id.to_string());
        departments.sort_by(|a, b| b.hours.total_cmp(&a.hours).then(a.name.cmp(&b.name)));
        let units = paired(&now.units, &then.units, |f| f.id.to_string());
        let months: Vec<AnnualRow> = now
            .months
            .iter()
            .zip(then.months.iter())
            .map(|(n, t)| AnnualRow {
                name: n.month.clone(),
                items: n.items,
                hours: n.hours,
                last_year_items: t.items,
                last_year_hours: t.hours,
                change_pct: change(n.hours, t.hours),
                ..Default::default()
            })
            .collect();
        let total = AnnualRow {
            name: "合计".into(),
            items: now.kinds.iter().map(|k| k.items).sum(),
            hours: now.total_hours,
            last_year_items: then.kinds.iter().map(|k| k.items).sum(),
            last_year_hours: then.total_hours,
            change_pct: change(now.total_hours, then.total_hours),
            ..Default::default()
        };
        // Measured minutes of report tasks, from the dashboard's own sums.
        let report_measured: f64 = now
            .kinds
            .iter()
            .filter(|k| k.kind == BurdenKind::Report.code())
            .map(|k| k.measured_hours * 60.0)
            .sum();
        let minutes_per_typed_cell = (now.cells_typed > 0 && report_measured > 0.0)
            .then(|| report_measured / now.cells_typed as f64);
        Ok(AnnualReport {
            year,
            scope_name,
            total,
            kinds,
            departments,
            units,
            units_are_townships: by_township,
            months,
            warnings: warnings.map(|w| tally(&w, year)),
            cells_prefilled: now.cells_prefilled,
            cells_typed: now.cells_typed,
            minutes_per_typed_cell: minutes_per_typed_cell.map(|m| (m * 100.0).round() / 100.0),
            hours_saved: minutes_per_typed_cell
                .map(|m| round1(m * now.cells_prefilled as f64 / 60.0)),
            measured_hours: round1(now.months.iter().map(|m| m.measured_hours).sum()),
            reported_hours: round1(now.months.iter().map(|m| m.reported_hours).sum()),
        })
    }

    /// The annual report as .xlsx, with its file name; audited.
    pub async fn annual_report_xlsx(
        &self,
        actor: &CurrentUser,
        year: i32,
        ip: Option<String>,
    ) -> Result<(String, Vec<u8>)> {
        let r = self.annual_report(actor, year, ip.clone()).await?;
        let bytes = annual_workbook(&r)?;
        self.audit(
            Some(actor),
            "ledger.annual_export",
            Some(format!("year:{year}")),
            "ok",
            None,
            ip,
        )
        .await?;
        Ok((format!("{}年度减负报告-{}.xlsx", year, r.scope_name), bytes))
    }

    /// The dashboard of a period as .xlsx: each chart's table; audited.
    pub async fn dashboard_xlsx(
        &self,
        actor: &CurrentUser,
        from: Month,
        to: Month,
        ip: Option<String>,
    ) -> Result<(String, Vec<u8>)> {
        let d = self.dashboard(actor, from, to, ip.clone()).await?;
        let units_are_townships = matches!(actor.role, Role::Jianfuban | Role::Department);
        let bytes = dashboard_workbook(&d, units_are_townships)?;
        self.audit(
            Some(actor),
            "ledger.dashboard_export",
            Some(format!("{}..{}", d.from, d.to)),
            "ok",
            None,
            ip,
        )
        .await?;
        Ok((format!("负担监测-{}至{}.xlsx", d.from, d.to), bytes))
    }
}

fn check_year(year: i32) -> Result<()> {
    if (2000..=2100).contains(&year) {
        Ok(())
    } else {
        Err(AppError::Invalid(format!(
            "年份 {year} 无效，应在 2000 到 2100 之间"
        )))
    }
}

fn year_months(year: i32) -> Result<(Month, Month)> {
    match (Month::new(year, 1), Month::new(year, 12)) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => Err(AppError::Invalid(format!("年份 {year} 无效"))),
    }
}

/// Warnings about months of `year`, by rule: how many were opened, how
/// many closed (优化办结) and how many are still being handled.
fn tally(rows: &[WarningRow], year: i32) -> Vec<WarningTally> {
    let mut by: BTreeMap<String, WarningTally> = BTreeMap::new();
    for w in rows.iter().filter(|w| w.month / 100 == i64::from(year)) {
        let t = by.entry(w.rule.clone()).or_insert_with(|| WarningTally {
            rule: w.rule.clone(),
            title: w.title.clone(),
            ..Default::default()
        });
        t.opened += 1;
        if w.status == "closed" {
            t.closed += 1;
        } else {
            t.in_progress += 1;
        }
    }
    by.into_values().collect()
}

fn compare_row(r: &AnnualRow) -> Vec<Val> {
    vec![
        r.name.clone().into(),
        Val::Int(r.items),
        r.hours.into(),
        Val::Int(r.last_year_items),
        r.last_year_hours.into(),
        Val::Pct(r.change_pct),
    ]
}

fn compare_head(first: &str) -> Vec<String> {
    [
        first,
        "事项数",
        "工时（小时）",
        "上年事项数",
        "上年工时（小时）",
        "工时同比",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

const SOURCE_NOTE: &str = "数据来源：负担台账（已准入事项按目标村社区逐月计入；报表有实测用时的按实测，否则按准入测算；未编号事项和监测点补报按上报计入）。";

/// The report's sheets.
pub fn annual_workbook(r: &AnnualReport) -> Result<Vec<u8>> {
    let y = r.year;
    let title = |what: &str| format!("{}{}年度基层减负报告：{}", r.scope_name, y, what);
    let mut overview = vec![compare_row(&r.total)];
    overview.push(vec![
        "其中实测工时".into(),
        Val::Text(String::new()),
        r.measured_hours.into(),
    ]);
    overview.push(vec![
        "其中基层上报工时".into(),
        Val::Text(String::new()),
        r.reported_hours.into(),
    ]);
    let mut tables = vec![
        Table {
            sheet: "总览".into(),
            title: title("总览"),
            note: format!("{SOURCE_NOTE}同比为与 {} 年同期比较。", y - 1),
            head: compare_head("项目"),
            rows: overview,
        },
        Table {
            sheet: "按类型".into(),
            title: title("按负担类型"),
            note: SOURCE_NOTE.into(),
            head: compare_head("负担类型"),
            rows: r.kinds.iter().map(compare_row).collect(),
        },
        Table {
            sheet: "按部门".into(),
            title: title("按部门（按造成的负担工时排序）"),
            note: "部门可以按其造成的基层负担排序；村社区和个人不排名。".into(),
            head: compare_head("部门"),
            rows: r.departments.iter().map(compare_row).collect(),
        },
        Table {
            sheet: if r.units_are_townships {
                "按街镇"
            } else {
                "按村社区"
            }
            .into(),
            title: title(if r.units_are_townships {
                "按街镇（按区划顺序，不排名）"
            } else {
                "按村社区（按区划顺序，不排名）"
            }),
            note: "按组织机构顺序列出，不作排名（“五不准”）。".into(),
            head: compare_head(if r.units_are_townships {
                "街镇"
            } else {
                "村社区"
            }),
            rows: r.units.iter().map(compare_row).collect(),
        },
        Table {
            sheet: "按月".into(),
            title: title("按月"),
            note: SOURCE_NOTE.into(),
            head: compare_head("月份"),
            rows: r.months.iter().map(compare_row).collect(),
        },
    ];
    if let Some(w) = &r.warnings {
        tables.push(Table {
            sheet: "反弹预警".into(),
            title: title("反弹预警"),
            note: format!("统计对象为所涉月份在 {y} 年的预警；办结指已完成反馈与优化，未办结含尚未交办、整治中和已反馈待办结的。"),
            head: ["预警规则", "识别", "已优化办结", "未办结"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            rows: w
                .iter()
                .map(|t| {
                    vec![
                        t.title.clone().into(),
                        Val::Int(t.opened),
                        Val::Int(t.closed),
                        Val::Int(t.in_progress),
                    ]
                })
                .collect(),
        });
    }
    let rate = r.minutes_per_typed_cell.map_or(
        "本年没有实测的填报用时，不估算节省工时".to_string(),
        |m| format!("节省工时 = 预填格数 × 每手工填写一格的实测分钟数（{m} 分钟）÷ 60"),
    );
    tables.push(Table {
        sheet: "一表通".into(),
        title: title("一表通节省"),
        note: rate,
        head: ["项目", "数值"].iter().map(|s| s.to_string()).collect(),
        rows: vec![
            vec!["系统预填单元格".into(), Val::Int(r.cells_prefilled)],
            vec!["基层手工填写单元格".into(), Val::Int(r.cells_typed)],
            vec![
                "节省工时（小时）".into(),
                r.hours_saved.map_or(Val::Pct(None), Val::Num),
            ],
        ],
    });
    tables_xlsx(&tables)
}

fn figure_row(f: &Figure, first: String) -> Vec<Val> {
    vec![
        first.into(),
        Val::Int(f.items),
        f.hours.into(),
        f.last_year_hours.map_or(Val::Pct(None), Val::Num),
        Val::Pct(f.change_pct),
    ]
}

/// The dashboard's tables, one sheet each.
pub fn dashboard_workbook(d: &Dashboard, units_are_townships: bool) -> Result<Vec<u8>> {
    let period = format!("{} 至 {}", d.from, d.to);
    let head = |first: &str| -> Vec<String> {
        [first, "事项数", "工时（小时）", "上年同期工时", "同比"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    let unit_word = if units_are_townships {
        "街镇"
    } else {
        "村社区"
    };
    let tables = vec![
        Table {
            sheet: "按月".into(),
            title: format!("基层负担监测 {period}：按月"),
            note: SOURCE_NOTE.into(),
            head: vec![
                "月份".into(),
                "事项数".into(),
                "工时（小时）".into(),
                "其中实测".into(),
                "其中上报".into(),
            ],
            rows: d
                .months
                .iter()
                .map(|m| {
                    vec![
                        m.month.clone().into(),
                        Val::Int(m.items),
                        m.hours.into(),
                        m.measured_hours.into(),
                        m.reported_hours.into(),
                    ]
                })
                .collect(),
        },
        Table {
            sheet: "按类型".into(),
            title: format!("基层负担监测 {period}：按负担类型"),
            note: SOURCE_NOTE.into(),
            head: head("负担类型"),
            rows: d
                .kinds
                .iter()
                .map(|k| figure_row(k, k.name.clone()))
                .collect(),
        },
        Table {
            sheet: "按部门".into(),
            title: format!("基层负担监测 {period}：按部门（按造成的负担排序）"),
            note: "部门可以按其造成的基层负担排序；村社区和个人不排名。".into(),
            head: head("部门"),
            rows: d
                .departments
                .iter()
                .map(|x| figure_row(x, x.name.clone()))
                .collect(),
        },
        Table {
            sheet: format!("按{unit_word}"),
            title: format!("基层负担监测 {period}：按{unit_word}（按区划顺序，不排名）"),
            note: "按组织机构顺序列出，不作排名（“五不准”）。".into(),
            head: head(unit_word),
            rows: d
                .units
                .iter()
                .map(|x| figure_row(x, x.name.clone()))
                .collect(),
        },
        Table {
            sheet: "同比".into(),
            title: format!("基层负担监测 {period}：主要指标同比"),
            note: SOURCE_NOTE.into(),
            head: vec![
                "指标".into(),
                "单位".into(),
                "本期".into(),
                "上年同期".into(),
                "变化".into(),
            ],
            rows: d
                .comparisons
                .iter()
                .map(|c| {
                    vec![
                        c.label.into(),
                        c.unit.into(),
                        c.now.into(),
                        c.last_year.into(),
                        Val::Pct(c.change_pct),
                    ]
                })
                .collect(),
        },
    ];
    tables_xlsx(&tables)
}
