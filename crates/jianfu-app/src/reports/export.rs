//! Export in the department's own layout: the title with the period, the
//! unit line, the template's merged header, data under each leaf with
//! number formats, the footer; or CSV for other tools.

use crate::forms::{write_xlsx, SheetOut};
use crate::{App, AppError, CurrentUser, Result};
use jianfu_core::csv_safe;
use jianfu_core::reports::{card_sheet, sheet, ColumnSource, GridRow, ReportDef, ReportKind};
use jianfu_store::ReportRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Xlsx,
    Csv,
}

impl ExportFormat {
    pub fn from_ext(s: &str) -> Option<ExportFormat> {
        match s {
            "xlsx" => Some(ExportFormat::Xlsx),
            "csv" => Some(ExportFormat::Csv),
            _ => None,
        }
    }

    fn ext(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Csv => "csv",
        }
    }
}

fn csv_bytes(def: &ReportDef, rows: &[GridRow]) -> Result<Vec<u8>> {
    // A BOM so Excel opens the Chinese text as UTF-8.
    let mut out = vec![0xEF, 0xBB, 0xBF];
    {
        let mut w = csv::Writer::from_writer(&mut out);
        // Headers come from an uploaded template and cells from residents'
        // records and typed values, so every field is neutralised against
        // formula injection before it reaches a spreadsheet.
        let head: Vec<String> = def.columns.iter().map(|c| c.path.join("/")).collect();
        let err = |e: csv::Error| AppError::Invalid(format!("生成 CSV 失败：{e}"));
        w.write_record(head.iter().map(|h| csv_safe::cell(h)))
            .map_err(err)?;
        for r in rows {
            w.write_record(r.cells.iter().map(|c| csv_safe::cell(&c.display)))
                .map_err(err)?;
        }
        w.flush()?;
    }
    Ok(out)
}

fn xlsx_bytes(
    report: &ReportRow,
    def: &ReportDef,
    unit_line: &str,
    rows: &[GridRow],
) -> Result<Vec<u8>> {
    let title = format!("{}（{}）", def.title, report.period);
    let meta = vec![unit_line.to_string()];
    let data: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.cells.iter().map(|c| c.display.clone()).collect())
        .collect();
    let card = def.kind == ReportKind::Card && def.columns.iter().any(|c| c.value_cell.is_some());
    let laid = if card {
        card_sheet(def, &title, &meta, &data)
    } else {
        sheet(def, &title, &meta, &data)
    };
    let width = laid.rows.first().map_or(0, Vec::len);
    let mut formats: Vec<Option<&str>> = vec![None; width];
    for c in &def.columns {
        let f = match &c.source {
            ColumnSource::Count { .. }
            | ColumnSource::CountHouseholds { .. }
            | ColumnSource::Serial => Some("0"),
            ColumnSource::Sum { .. } | ColumnSource::Ratio { .. } => Some("0.00"),
            // A measure a community typed into a statistical table is a
            // number in the workbook, not text.
            ColumnSource::Manual if def.kind == ReportKind::Statistical => Some("General"),
            _ => None,
        };
        if let Some(slot) = formats.get_mut(c.left) {
            *slot = f;
        }
    }
    let name: String = def.title.chars().take(31).collect::<String>();
    let name = name.replace(['/', '\\', '?', '*', '[', ']', ':'], "_");
    write_xlsx(&[SheetOut {
        name: &name,
        rows: &laid.rows,
        merges: &laid.merges,
        header_rows: laid.header_rows,
        data_rows: Some(laid.data_rows),
        number_formats: &formats,
    }])
}

/// The consolidated roster with the community each row came from, as a
/// last column under the template's own header: the department must know
/// whose row it reads.
fn with_unit_column(
    def: &ReportDef,
    rows: &[GridRow],
    units: &[String],
) -> (ReportDef, Vec<GridRow>) {
    let mut def = def.clone();
    let at = def
        .columns
        .iter()
        .map(|c| c.right + 1)
        .chain(def.layout.header.iter().map(Vec::len))
        .max()
        .unwrap_or(0);
    def.columns.push(jianfu_core::reports::ColumnDef {
        path: vec!["村（社区）".into()],
        source: ColumnSource::Manual,
        left: at,
        right: at,
        value_cell: None,
    });
    let depth = def.layout.header.len();
    for (i, row) in def.layout.header.iter_mut().enumerate() {
        row.resize(at + 1, String::new());
        if i == 0 {
            row[at] = "村（社区）".into();
        }
    }
    if depth > 1 {
        def.layout.merges.push(jianfu_core::forms::Merge {
            top: 0,
            left: at,
            bottom: depth - 1,
            right: at,
        });
    }
    let rows = rows
        .iter()
        .zip(
            units
                .iter()
                .map(String::as_str)
                .chain(std::iter::repeat("")),
        )
        .map(|(r, unit)| {
            let mut r = r.clone();
            r.cells.push(jianfu_core::reports::GridCell {
                value: unit.to_string(),
                display: unit.to_string(),
                state: jianfu_core::reports::CellState::Fixed,
            });
            r
        })
        .collect();
    (def, rows)
}

impl App {
    fn export_bytes(
        &self,
        format: ExportFormat,
        report: &ReportRow,
        def: &ReportDef,
        unit_line: &str,
        rows: &[GridRow],
    ) -> Result<Vec<u8>> {
        match format {
            ExportFormat::Xlsx => xlsx_bytes(report, def, unit_line, rows),
            ExportFormat::Csv => csv_bytes(def, rows),
        }
    }

    /// One community's result: as submitted once it is, otherwise as it
    /// stands. Returns the file name and bytes.
    pub async fn export_task(
        &self,
        actor: &CurrentUser,
        id: i64,
        format: ExportFormat,
        ip: Option<String>,
    ) -> Result<(String, Vec<u8>)> {
        let task = self.visible_task(actor, id, ip.clone()).await?;
        let report = self
            .db
            .report(task.report_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("报表 {}", task.report_id)))?;
        let compiled = self.compile(&report)?;
        let rows = if task.snapshot.is_some() {
            self.snapshot_rows(&task)?
        } else {
            self.live_grid(&task, &compiled).await?.rows
        };
        let bytes = self.export_bytes(
            format,
            &report,
            &compiled.def,
            &format!("填报单位：{}", task.unit_name),
            &rows,
        )?;
        self.audit(
            Some(actor),
            "task.export",
            Some(format!("task:{id}")),
            "ok",
            Some(format!("导出“{}”的“{}”", task.unit_name, report.title)),
            ip,
        )
        .await?;
        Ok((
            format!("{}-{}.{}", report.title, task.unit_name, format.ext()),
            bytes,
        ))
    }

    /// The result consolidated across the communities that submitted.
    pub async fn export_report(
        &self,
        actor: &CurrentUser,
        id: i64,
        format: ExportFormat,
        ip: Option<String>,
    ) -> Result<(String, Vec<u8>)> {
        let c = self.consolidation(actor, id, ip.clone()).await?;
        let done = c
            .tasks
            .iter()
            .filter(|t| t.status == "已提交" || t.status == "已接收")
            .count();
        let (def, rows) = if c.definition.kind == ReportKind::Roster {
            with_unit_column(&c.definition, &c.rows, &c.row_units)
        } else {
            (c.definition.clone(), c.rows.clone())
        };
        let bytes = self.export_bytes(
            format,
            &c.report,
            &def,
            &format!(
                "汇总单位：{}（{}/{}个村社区已提交）",
                c.report.department,
                done,
                c.tasks.len()
            ),
            &rows,
        )?;
        self.audit(
            Some(actor),
            "report.export",
            Some(format!("report:{id}")),
            "ok",
            Some(format!("导出“{}”汇总", c.report.title)),
            ip,
        )
        .await?;
        Ok((format!("{}-汇总.{}", c.report.title, format.ext()), bytes))
    }

    /// The consolidated result with ID and phone numbers in full, for the
    /// department that owns the report and must act on it (pay a subsidy,
    /// visit a person). Only with a stated purpose, and audited with the
    /// number of persons whose numbers left the system (PIPL).
    pub async fn export_report_full(
        &self,
        actor: &CurrentUser,
        id: i64,
        format: ExportFormat,
        purpose: &str,
        ip: Option<String>,
    ) -> Result<(String, Vec<u8>)> {
        if actor.role != jianfu_core::role::Role::Department {
            return Err(AppError::Forbidden(
                "只有报表所属部门可以完整导出身份证号和电话".into(),
            ));
        }
        let purpose = purpose.trim();
        if purpose.chars().count() < 4 {
            return Err(AppError::Invalid(
                "完整导出须写明用途（至少 4 个字），用途会记入审计日志".into(),
            ));
        }
        let mut c = self.consolidation(actor, id, ip.clone()).await?;
        let dict = self.dict();
        let masked: Vec<(usize, &str)> = c
            .definition
            .columns
            .iter()
            .enumerate()
            .filter_map(|(i, col)| match &col.source {
                ColumnSource::Element { element } => dict
                    .element(element)
                    .filter(|e| e.may_mask())
                    .map(|_| (i, element.as_str())),
                _ => None,
            })
            .collect();
        let mut revealed = 0;
        if !masked.is_empty() && c.definition.kind != ReportKind::Statistical {
            let ids: Vec<i64> = c.rows.iter().filter_map(|r| r.key.parse().ok()).collect();
            let entity = c.definition.entity.clone();
            let persons = self.db.values_of(&entity, &ids).await?;
            for row in &mut c.rows {
                let Some(values) = row.key.parse().ok().and_then(|k: i64| persons.get(&k)) else {
                    continue;
                };
                let mut any = false;
                for (i, element) in &masked {
                    if let (Some(cell), Some(v)) = (row.cells.get_mut(*i), values.get(*element)) {
                        cell.display = dict.display_value(element, v);
                        cell.value = v.clone();
                        any = true;
                    }
                }
                revealed += usize::from(any);
            }
        }
        let bytes = self.export_bytes(
            format,
            &c.report,
            &c.definition,
            &format!(
                "汇总单位：{}（含完整身份证号、电话，注意保密）",
                c.report.department
            ),
            &c.rows,
        )?;
        self.audit(
            Some(actor),
            "report.export_full",
            Some(format!("report:{id}")),
            "ok",
            Some(format!(
                "完整导出“{}”，含 {revealed} 人的完整号码；用途：{purpose}",
                c.report.title
            )),
            ip,
        )
        .await?;
        Ok((
            format!("{}-汇总-完整.{}", c.report.title, format.ext()),
            bytes,
        ))
    }
}
