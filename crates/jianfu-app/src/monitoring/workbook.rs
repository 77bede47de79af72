//! 监测's tables as an .xlsx workbook: one sheet per table, a title line,
//! a note on how the figures were computed, a bold header and numbers as
//! numbers (so the office can sum and chart them in Excel). Every text is
//! written as a string, never as a formula.

use crate::forms::write::xlsx_failure;
use crate::Result;
use rust_xlsxwriter::{Format, Workbook};

/// One cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Text(String),
    Num(f64),
    /// A count, shown without decimals.
    Int(i64),
    /// A change in percent; empty when there is nothing to compare with.
    Pct(Option<f64>),
}

impl From<&str> for Val {
    fn from(s: &str) -> Self {
        Val::Text(s.to_string())
    }
}

impl From<String> for Val {
    fn from(s: String) -> Self {
        Val::Text(s)
    }
}

impl From<f64> for Val {
    fn from(x: f64) -> Self {
        Val::Num(x)
    }
}

impl From<i64> for Val {
    fn from(x: i64) -> Self {
        Val::Int(x)
    }
}

/// A table on its own sheet.
#[derive(Debug, Clone)]
pub struct Table {
    pub sheet: String,
    pub title: String,
    /// How the figures were computed and from what.
    pub note: String,
    pub head: Vec<String>,
    pub rows: Vec<Vec<Val>>,
}

/// Writes the tables, one sheet each, in order.
pub fn tables_xlsx(tables: &[Table]) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let title = Format::new().set_bold().set_font_size(14);
    let note = Format::new().set_italic().set_font_color("#555555");
    let head = Format::new()
        .set_bold()
        .set_background_color("#E8EEF7")
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let num = Format::new().set_num_format("#,##0.0");
    let int = Format::new().set_num_format("#,##0");
    let pct = Format::new().set_num_format("+0.0\"%\";-0.0\"%\";0.0\"%\"");
    for t in tables {
        let ws = wb.add_worksheet();
        // Excel allows 31 characters and no []:*?/\ in a sheet name.
        let name: String = t
            .sheet
            .chars()
            .filter(|c| !"[]:*?/\\".contains(*c))
            .take(31)
            .collect();
        ws.set_name(&name).map_err(xlsx_failure)?;
        ws.write_string_with_format(0, 0, &t.title, &title)
            .map_err(xlsx_failure)?;
        ws.write_string_with_format(1, 0, &t.note, &note)
            .map_err(xlsx_failure)?;
        for (c, h) in t.head.iter().enumerate() {
            ws.write_string_with_format(3, c as u16, h, &head)
                .map_err(xlsx_failure)?;
            // CJK text is about two characters wide per glyph.
            let width = t
                .rows
                .iter()
                .filter_map(|r| match r.get(c) {
                    Some(Val::Text(s)) => Some(s.chars().count()),
                    _ => None,
                })
                .chain(std::iter::once(h.chars().count()))
                .max()
                .unwrap_or(8)
                .clamp(6, 40);
            ws.set_column_width(c as u16, (width * 2 + 2) as f64)
                .map_err(xlsx_failure)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let at = (r + 4) as u32;
            for (c, v) in row.iter().enumerate() {
                let c = c as u16;
                match v {
                    Val::Text(s) => ws.write_string(at, c, s).map(|_| ()),
                    Val::Num(x) => ws.write_number_with_format(at, c, *x, &num).map(|_| ()),
                    Val::Int(x) => ws
                        .write_number_with_format(at, c, *x as f64, &int)
                        .map(|_| ()),
                    Val::Pct(Some(x)) => ws.write_number_with_format(at, c, *x, &pct).map(|_| ()),
                    Val::Pct(None) => ws.write_string(at, c, "—").map(|_| ()),
                }
                .map_err(xlsx_failure)?;
            }
        }
        ws.set_freeze_panes(4, 0).map_err(xlsx_failure)?;
    }
    wb.save_to_buffer().map_err(xlsx_failure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_formula_like_text_stays_text_and_numbers_are_numbers() {
        let bytes = tables_xlsx(&[Table {
            sheet: "按部门/科室".into(),
            title: "标题".into(),
            note: "说明".into(),
            head: vec!["部门".into(), "工时".into(), "同比".into()],
            rows: vec![vec![
                "=HYPERLINK(\"x\")".into(),
                12.5.into(),
                Val::Pct(None),
            ]],
        }])
        .expect("workbook");
        let table = crate::import::read_table(
            "t.xlsx",
            &bytes,
            &crate::workbook::SheetLimits::COMMAND_LINE,
        )
        .expect("read back");
        let text = format!("{table:?}");
        assert!(text.contains("=HYPERLINK"), "{text}");
        assert!(text.contains("12.5"), "{text}");
    }
}
