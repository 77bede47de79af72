//! The rejected rows of an import as an xlsx file with a reason column, so
//! a worker can fix them in Excel and import them again.

use super::commit::RowError;
use super::table::Table;
use crate::Result;
use rust_xlsxwriter::{Format, Workbook};
use std::collections::BTreeMap;

/// Width in Excel's units for a text: CJK characters count double, since
/// rust_xlsxwriter's autofit counts them as narrow.
fn width(s: &str) -> f64 {
    let w: usize = s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    (w as f64 + 2.0).clamp(6.0, 60.0)
}

pub fn rejected_rows_xlsx(
    table: &Table,
    header_row: usize,
    errors: &[RowError],
) -> Result<Vec<u8>> {
    let header = table.rows.get(header_row).cloned().unwrap_or_default();
    let rows = table
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| (i + 1, r.clone()));
    rejected_rows_xlsx_from(&header, rows, errors)
}

/// The same from a stream of (sheet row, cells), so a large CSV need not be
/// held in memory; only rows named in `errors` are kept.
pub fn rejected_rows_xlsx_from(
    header: &[String],
    rows: impl Iterator<Item = (usize, Vec<String>)>,
    errors: &[RowError],
) -> Result<Vec<u8>> {
    let xl = crate::forms::write::xlsx_failure;
    let mut by_row: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for e in errors {
        let text = if e.column.is_empty() {
            e.reason.clone()
        } else {
            format!("{}：{}", e.column, e.reason)
        };
        by_row.entry(e.row).or_default().push(text);
    }
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    sheet.set_name("未导入的行").map_err(xl)?;
    let bold = Format::new().set_bold();
    let red = Format::new().set_font_color(rust_xlsxwriter::Color::Red);
    let wanted: std::collections::HashMap<usize, Vec<String>> =
        rows.filter(|(n, _)| by_row.contains_key(n)).collect();
    let mut widths: Vec<f64> = header.iter().map(|h| width(h)).collect();
    sheet
        .write_string_with_format(0, 0, "原行号", &bold)
        .map_err(xl)?;
    for (c, h) in header.iter().enumerate() {
        sheet
            .write_string_with_format(0, (c + 1) as u16, h, &bold)
            .map_err(xl)?;
    }
    let reason_col = (header.len() + 1) as u16;
    sheet
        .write_string_with_format(0, reason_col, "未导入原因", &bold)
        .map_err(xl)?;
    let mut reason_width = width("未导入原因");
    for (i, (row, reasons)) in by_row.iter().enumerate() {
        let out = (i + 1) as u32;
        sheet.write_number(out, 0, *row as f64).map_err(xl)?;
        if let Some(cells) = wanted.get(row) {
            for (c, v) in cells.iter().enumerate() {
                // Text, so long ID numbers keep every digit.
                sheet.write_string(out, (c + 1) as u16, v).map_err(xl)?;
                if let Some(w) = widths.get_mut(c) {
                    *w = w.max(width(v));
                }
            }
        }
        let reason = reasons.join("；");
        reason_width = reason_width.max(width(&reason));
        sheet
            .write_string_with_format(out, reason_col, &reason, &red)
            .map_err(xl)?;
    }
    sheet.set_column_width(0, 8).map_err(xl)?;
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width((c + 1) as u16, *w).map_err(xl)?;
    }
    sheet
        .set_column_width(reason_col, reason_width)
        .map_err(xl)?;
    wb.save_to_buffer().map_err(xl)
}
