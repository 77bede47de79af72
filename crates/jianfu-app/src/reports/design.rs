//! Designing a report: a department's Excel template read and matched to
//! the dictionary, proposed as a definition the department corrects, then
//! saved as a draft and published as one task per community.

use super::repeats::{mark_repeated_manual_columns, EarlierForm};
use crate::forms::read_workbook;
use crate::{App, AppError, CurrentUser, Result};
use jianfu_core::dictionary::{normalize_label, ValueType};
use jianfu_core::forms::{analyze_sheet, FormKind, Matcher};
use jianfu_core::org::OrgKind;
use jianfu_core::reports::{
    ColumnDef, ColumnSource, CompiledReport, Frequency, ReportDef, ReportKind, RowAxis,
    TemplateLayout,
};
use jianfu_core::role::Role;
use jianfu_store::{NewReport, ReportRow};
use serde::Serialize;

/// One sheet of a template, understood and proposed as a report.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateProposal {
    pub sheet: String,
    pub definition: ReportDef,
    /// Per column: the matcher's confidence and reason.
    pub reasons: Vec<(f64, String)>,
    /// Per column: the proposed new element when the column is filled by
    /// hand and other forms of the batch ask it too (`repeats`).
    pub proposed: Vec<Option<String>>,
    pub notes: Vec<String>,
}

/// What a publication sent: one task per community. A community where no
/// resident matches the filter still gets its task, and confirms "本社区无
/// 符合条件对象" with one click (counted as its submission): the register
/// may lack someone the department is looking for, and only the
/// community knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Published {
    pub tasks: usize,
    pub without_rows: usize,
}

/// A report as the department saves it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct NewReportInput {
    pub definition: ReportDef,
    pub frequency: String,
    pub period: String,
    /// YYYY-MM-DD.
    pub deadline: String,
    /// Target communities (unit ids); empty means every community.
    #[serde(default)]
    pub targets: Vec<i64>,
    #[serde(default)]
    pub template_name: Option<String>,
}

fn is_row_label(label: &str) -> bool {
    [
        "单位", "地区", "名称", "村", "社区", "街道", "镇", "区域", "项目", "类别",
    ]
    .iter()
    .any(|w| label.contains(w))
        && !label.contains('数')
}

fn is_serial(label: &str) -> bool {
    let l = normalize_label(label);
    l.contains("序号") || l == "编号" || l == "序"
}

impl App {
    /// Reads a template and proposes a report for each sheet that is a form.
    /// Only those who design reports may send one (a refusal is audited);
    /// the reading runs on the blocking pool, within the upload limits.
    pub async fn propose_reports(
        &self,
        actor: &CurrentUser,
        file_name: &str,
        bytes: Vec<u8>,
        ip: Option<String>,
    ) -> Result<Vec<TemplateProposal>> {
        if !matches!(actor.role, Role::Department | Role::Jianfuban) {
            return Err(self
                .deny(
                    actor,
                    "templates.analyze",
                    "只有部门和减负办可以分析报表模板",
                    ip,
                )
                .await);
        }
        // Only this department's own earlier corrections guide the match.
        let learned = self.design_aliases(actor.unit.id).await?;
        // Reports already in the county, whose hand-filled columns the
        // upload's are grouped with.
        let earlier: Vec<EarlierForm> = self
            .db
            .reports(None)
            .await?
            .iter()
            .filter_map(EarlierForm::from_row)
            .collect();
        let app = self.clone();
        let file = file_name.to_string();
        let department = actor.unit.id;
        tokio::task::spawn_blocking(move || {
            let mut sheets = app.propose_reports_now(&file, bytes, &learned)?;
            mark_repeated_manual_columns(&mut sheets, &earlier, department);
            Ok(sheets)
        })
        .await
        .map_err(|_| AppError::Invalid(format!("{file_name} 无法读取")))?
    }

    /// The analysis itself, synchronous: for the command line and tests.
    pub fn propose_reports_now(
        &self,
        file_name: &str,
        bytes: Vec<u8>,
        learned: &std::collections::HashMap<String, String>,
    ) -> Result<Vec<TemplateProposal>> {
        let dict = self.dict();
        let matcher = Matcher::new(&dict, learned);
        let mut out = Vec::new();
        let mut skipped = Vec::new();
        for (sheet, grid) in read_workbook(file_name, bytes)? {
            let grid = grid?;
            let analysis = match analyze_sheet(&grid.grid, &matcher) {
                Ok(a) => a,
                Err(e) => {
                    skipped.push(format!("工作表“{sheet}”：{e}"));
                    continue;
                }
            };
            let layout = &analysis.layout;
            let kind = match layout.kind {
                FormKind::Roster => ReportKind::Roster,
                FormKind::Statistical => ReportKind::Statistical,
                FormKind::Card => ReportKind::Card,
            };
            let household_cols = analysis
                .columns
                .iter()
                .filter(|c| {
                    c.matched
                        .element
                        .as_deref()
                        .is_some_and(|e| e.starts_with("household."))
                })
                .count();
            let person_cols = analysis
                .columns
                .iter()
                .filter(|c| {
                    c.matched
                        .element
                        .as_deref()
                        .is_some_and(|e| e.starts_with("person."))
                })
                .count();
            let entity = if household_cols > person_cols {
                "household"
            } else {
                "person"
            };
            let mut columns = Vec::new();
            let mut reasons = Vec::new();
            for (i, c) in analysis.columns.iter().enumerate() {
                let label = c.path.last().cloned().unwrap_or_default();
                let no_row_label_yet = columns
                    .iter()
                    .all(|c: &ColumnDef| !matches!(c.source, ColumnSource::RowLabel));
                let source = if is_serial(&label) {
                    ColumnSource::Serial
                } else if kind == ReportKind::Statistical
                    && no_row_label_yet
                    && (is_row_label(&label)
                        || columns.iter().all(|c| c.source == ColumnSource::Serial))
                {
                    // A statistical table's first column names its rows
                    // (单位, 村（社区）, 类别), whatever the matcher made of
                    // the words.
                    ColumnSource::RowLabel
                } else if !c.matched.data {
                    ColumnSource::Blank
                } else if kind == ReportKind::Statistical {
                    let numeric = c
                        .matched
                        .element
                        .as_deref()
                        .and_then(|e| dict.element(e))
                        .filter(|e| {
                            matches!(e.value_type, ValueType::Integer | ValueType::Decimal)
                        });
                    match numeric {
                        Some(e) => ColumnSource::Sum {
                            element: e.code.clone(),
                            filter: None,
                        },
                        // A statistical table is counted from the register,
                        // not typed: every measure starts as a count, whose
                        // condition the designer writes (人数, 户数, 是否…).
                        None => ColumnSource::Count { filter: None },
                    }
                } else {
                    match c.matched.element.as_deref() {
                        Some(e)
                            if e.starts_with(&format!("{entity}."))
                                || (entity == "person" && e.starts_with("household.")) =>
                        {
                            ColumnSource::Element { element: e.into() }
                        }
                        _ => ColumnSource::Manual,
                    }
                };
                // A card's value cell, relative to the card's first row;
                // one outside the card is not kept.
                let (top, bottom) = layout.header_rows;
                let value_cell = layout
                    .columns
                    .get(i)
                    .and_then(|l| l.value_cell)
                    .filter(|(r, _)| kind == ReportKind::Card && (top..=bottom).contains(r))
                    .map(|(r, col)| (r - top, col));
                columns.push(ColumnDef {
                    path: c.path.clone(),
                    source,
                    left: c.left,
                    right: c.right,
                    value_cell,
                });
                reasons.push((c.matched.confidence, c.matched.reason.clone()));
            }
            let (top, bottom) = layout.header_rows;
            let header: Vec<Vec<String>> = (top..=bottom)
                .map(|r| {
                    (0..grid.grid.width())
                        .map(|c| grid.grid.raw(r, c).to_string())
                        .collect()
                })
                .collect();
            let mut merges: Vec<jianfu_core::forms::Merge> = grid
                .grid
                .merges()
                .iter()
                .filter(|m| m.top >= top && m.bottom <= bottom)
                .map(|m| jianfu_core::forms::Merge {
                    top: m.top - top,
                    bottom: m.bottom - top,
                    ..*m
                })
                .collect();
            // Files list merges in their own order (.xls backwards); the
            // definition lists them top to bottom, left to right.
            merges.sort_by_key(|m| (m.top, m.left));
            let title = layout.title.clone().unwrap_or_else(|| sheet.clone());
            out.push(TemplateProposal {
                sheet: sheet.clone(),
                definition: ReportDef {
                    title,
                    kind,
                    entity: entity.into(),
                    filter: None,
                    columns,
                    rows: RowAxis::Units,
                    layout: TemplateLayout {
                        header,
                        merges,
                        meta: layout.meta.clone(),
                        footer: layout.footer.clone(),
                        number_row: layout.number_row.is_some(),
                    },
                },
                proposed: vec![None; reasons.len()],
                reasons,
                notes: layout.notes.clone(),
            });
        }
        if out.is_empty() {
            return Err(AppError::Invalid(format!(
                "“{file_name}”中没有可识别的报表{}",
                if skipped.is_empty() {
                    String::new()
                } else {
                    format!("：{}", skipped.join("；"))
                }
            )));
        }
        Ok(out)
    }

    /// Saves a report as a draft of the actor's department. Elements the
    /// department chose teach the matcher their header wording.
    pub async fn create_report(
        &self,
        actor: &CurrentUser,
        input: NewReportInput,
        ip: Option<String>,
    ) -> Result<i64> {
        let (row, def, frequency) = self.checked_report(actor, &input, ip.clone()).await?;
        let id = self.db.insert_report(&row).await?;
        self.learn_design(actor, &def).await?;
        self.audit(
            Some(actor),
            "report.create",
            Some(format!("report:{id}")),
            "ok",
            Some(format!(
                "设计报表“{}”（{}）",
                def.title,
                frequency.label_zh()
            )),
            ip,
        )
        .await?;
        Ok(id)
    }

    /// Changes a draft (its columns, filter, title, dates). A draft under
    /// review or admitted cannot change: the 准入 decision was taken on
    /// what it asked. A returned request is assessed again when resubmitted.
    pub async fn update_report(
        &self,
        actor: &CurrentUser,
        id: i64,
        input: NewReportInput,
        ip: Option<String>,
    ) -> Result<()> {
        let current = self.owned_report(actor, id, ip.clone()).await?;
        if current.status != "草稿" {
            return Err(AppError::Invalid(format!(
                "报表“{}”已经发布，不能再修改",
                current.title
            )));
        }
        if self.db.report_has_live_admission(id).await? {
            return Err(AppError::Invalid(format!(
                "报表“{}”的准入申请正在审核或已准入，不能修改；如需修改，请联系减负办退回申请",
                current.title
            )));
        }
        let (mut row, def, frequency) = self.checked_report(actor, &input, ip.clone()).await?;
        // The template stays the one the draft was designed from.
        row.template_name = current.template_name.clone();
        // The check and the change are one statement: a request submitted
        // meanwhile stops the edit.
        if !self.db.update_draft_report(id, &row).await? {
            return Err(AppError::Invalid(format!(
                "报表“{}”已发布或已提交准入，不能修改；请刷新后再试",
                current.title
            )));
        }
        self.learn_design(actor, &def).await?;
        self.audit(
            Some(actor),
            "report.update",
            Some(format!("report:{id}")),
            "ok",
            Some(format!(
                "修改报表草稿“{}”（{}）",
                def.title,
                frequency.label_zh()
            )),
            ip,
        )
        .await?;
        Ok(())
    }

    /// Checks a design (frequency, dates, expressions, targets) and gives
    /// the row to store.
    async fn checked_report(
        &self,
        actor: &CurrentUser,
        input: &NewReportInput,
        ip: Option<String>,
    ) -> Result<(NewReport, ReportDef, Frequency)> {
        if !matches!(actor.role, Role::Department | Role::Jianfuban) {
            return Err(AppError::Forbidden("只有部门和减负办可以设计报表".into()));
        }
        let frequency = Frequency::from_code(&input.frequency).ok_or_else(|| {
            AppError::Invalid(format!(
                "填报频次“{}”无效（应为 once/monthly/quarterly/yearly）",
                input.frequency
            ))
        })?;
        chrono::NaiveDate::parse_from_str(&input.deadline, "%Y-%m-%d").map_err(|_| {
            AppError::Invalid(format!(
                "截止日期“{}”无效，应为 2026-12-31 这样的日期",
                input.deadline
            ))
        })?;
        if input.period.trim().is_empty() {
            return Err(AppError::Invalid("请填写报告期，如“2026年11月”".into()));
        }
        let mut def = input.definition.clone();
        if def.layout.header.is_empty() {
            def.layout = jianfu_core::reports::layout_for(&mut def.columns);
        }
        // Checking a department's expressions compiles their regular
        // expressions and evaluates their constant parts: seconds, at
        // worst, that must not hold an async worker (and /healthz) up.
        let dict = self.dict();
        let compiled = tokio::task::spawn_blocking(move || CompiledReport::new(def, &dict))
            .await
            .map_err(|_| AppError::Invalid("报表定义检查中断，请重试".into()))?
            .map_err(|e| AppError::Invalid(e.to_string()))?;
        let def = compiled.def;
        for t in &input.targets {
            let u = self.unit_for(actor, *t, ip.clone()).await?;
            if u.kind() != Some(OrgKind::Community) {
                return Err(AppError::Invalid(format!(
                    "“{}”不是村（社区），不能作为填报单位",
                    u.name
                )));
            }
        }
        let definition = serde_json::to_string(&def)
            .map_err(|e| AppError::Invalid(format!("报表定义无法保存：{e}")))?;
        let kind = match def.kind {
            ReportKind::Roster => "roster",
            ReportKind::Statistical => "statistical",
            ReportKind::Card => "card",
        };
        let row = NewReport {
            title: def.title.clone(),
            department_id: actor.unit.id,
            kind: kind.into(),
            definition,
            frequency: input.frequency.clone(),
            period: input.period.trim().to_string(),
            deadline: input.deadline.clone(),
            targets: serde_json::to_string(&input.targets).unwrap_or_else(|_| "[]".into()),
            template_name: input.template_name.clone(),
            created_by: Some(actor.id),
        };
        Ok((row, def, frequency))
    }

    /// Remembers the designer's element choices for this department's
    /// later designs.
    async fn learn_design(&self, actor: &CurrentUser, def: &ReportDef) -> Result<()> {
        for c in &def.columns {
            if let ColumnSource::Element { element } = &c.source {
                let key = normalize_label(&c.path.join(""));
                // Learned for this department's designs only: a correction
                // right for one layout must not change anyone's import.
                if !key.is_empty() {
                    self.db
                        .learn_alias(
                            jianfu_store::AliasScope::Design,
                            actor.unit.id,
                            &key,
                            element,
                            Some(actor.id),
                        )
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Reports the actor may manage: the department's own; all for 减负办.
    pub async fn reports_for(&self, actor: &CurrentUser) -> Result<Vec<ReportRow>> {
        match actor.role {
            Role::Jianfuban => self.db.reports(None).await.map_err(Into::into),
            Role::Department => self
                .db
                .reports(Some(&[actor.unit.id]))
                .await
                .map_err(Into::into),
            _ => Ok(Vec::new()),
        }
    }

    pub async fn report_detail(
        &self,
        actor: &CurrentUser,
        id: i64,
        ip: Option<String>,
    ) -> Result<(ReportRow, ReportDef)> {
        let r = self.owned_report(actor, id, ip).await?;
        let def = self.parse_definition(&r)?;
        Ok((r, def))
    }

    /// Publishes a draft: one task per target community (every community of
    /// the district when none was chosen). Returns the number of tasks.
    pub async fn publish_report(
        &self,
        actor: &CurrentUser,
        id: i64,
        ip: Option<String>,
    ) -> Result<Published> {
        let r = self.owned_report(actor, id, ip.clone()).await?;
        // Publishing twice would create every task again.
        if r.status != "草稿" {
            return Err(AppError::Invalid(format!(
                "报表“{}”已经发布，不能重复发布",
                r.title
            )));
        }
        // 准入: nothing reaches a community without a valid 准入编号.
        let today = super::today().to_string();
        if self.db.admission_of_report(id, &today).await?.is_none() {
            self.audit(
                Some(actor),
                "report.publish",
                Some(format!("report:{id}")),
                "denied",
                Some("未经准入".into()),
                ip,
            )
            .await?;
            return Err(AppError::Forbidden(format!(
                "报表“{}”尚未准入，不能下发到村（社区）：请先提交准入申请，获得准入编号后再发布",
                r.title
            )));
        }
        let mut targets: Vec<i64> = serde_json::from_str(&r.targets).unwrap_or_default();
        if targets.is_empty() {
            targets = self
                .db
                .subtree(&actor.scope.path, false)
                .await?
                .into_iter()
                .filter(|u| u.kind() == Some(OrgKind::Community))
                .map(|u| u.id)
                .collect();
        }
        if targets.is_empty() {
            return Err(AppError::Invalid("辖区内没有村（社区），无法发布".into()));
        }
        self.db.publish_report(id, &targets).await?;
        // Each task carries its burden (cells, prefilled, left to type)
        // from the start.
        let compiled = self.compile(&r)?;
        let tasks = self.db.tasks_of_report(id).await?;
        self.prefill_tasks(compiled, tasks).await?;
        let without_rows = self
            .db
            .tasks_of_report(id)
            .await?
            .iter()
            .filter(|t| t.cells_total == 0)
            .count();
        let published = Published {
            tasks: targets.len(),
            without_rows,
        };
        self.refresh_ledger(crate::monitoring::LedgerSource::Report(id))
            .await?;
        self.audit(
            Some(actor),
            "report.publish",
            Some(format!("report:{id}")),
            "ok",
            Some(format!(
                "发布报表“{}”到{}个村（社区），其中{}个没有符合条件的对象",
                r.title, published.tasks, published.without_rows
            )),
            ip,
        )
        .await?;
        Ok(published)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_labels_and_serials_are_recognised() {
        assert!(is_row_label("单位名称"));
        assert!(is_row_label("村（社区）"));
        assert!(!is_row_label("社区人数"));
        assert!(is_serial("序 号"));
        assert!(!is_serial("姓名"));
    }
}
