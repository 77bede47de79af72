//! Writing a sheet of cells and merges back to .xlsx: the same merged
//! header a department designed, with column widths fitted to Chinese text.

use crate::{AppError, Result};
use jianfu_core::forms::Merge;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};

/// Display width of text in Excel's character units: CJK and full-width
/// characters take two.
pub fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 })
        .sum()
}

/// A sheet to write: rows of text, merges, and which rows are the header
/// (bordered, centred, wrapped).
pub struct SheetOut<'a> {
    pub name: &'a str,
    pub rows: &'a [Vec<String>],
    pub merges: &'a [Merge],
    pub header_rows: (usize, usize),
    /// Data rows whose cells in a numeric column are written as numbers.
    pub data_rows: Option<(usize, usize)>,
    /// Per sheet column: the Excel number format of its data (`0`, `0.00`).
    pub number_formats: &'a [Option<&'a str>],
}

/// The writer's refusal in Chinese, naming what was too long or out of
/// place; its English text goes to the log for whoever maintains this.
pub(crate) fn xlsx_failure(e: rust_xlsxwriter::XlsxError) -> AppError {
    use rust_xlsxwriter::XlsxError as E;
    let what = match &e {
        E::RowColumnLimitError => "数据超出 Excel 的行列上限（1048576 行、16384 列）".to_string(),
        E::MaxStringLengthExceeded => "有单元格超过 Excel 的 32767 个字符上限".to_string(),
        E::SheetnameCannotBeBlank(_) => "工作表名称不能为空".to_string(),
        E::SheetnameLengthExceeded(n) => format!("工作表名称“{n}”超过 31 个字符"),
        E::SheetnameReused(n) => format!("工作表名称“{n}”重复"),
        E::SheetnameContainsInvalidCharacter(n) | E::SheetnameStartsOrEndsWithApostrophe(n) => {
            format!("工作表名称“{n}”含有 Excel 不允许的字符（[ ] : * ? / \\ 或首尾的 '）")
        }
        E::MergeRangeOverlaps(a, b) => format!("合并区域 {a} 与 {b} 重叠"),
        E::MergeRangeSingleCell => "合并区域只有一个单元格".to_string(),
        E::DateTimeRangeError(v) | E::DateTimeParseError(v) => {
            format!("日期“{v}”超出 Excel 能表示的范围")
        }
        _ => {
            tracing::warn!(error = %e, "xlsx writer failed");
            "内部错误，已记入日志，请联系系统管理员".to_string()
        }
    };
    AppError::Invalid(format!("生成 Excel 失败：{what}"))
}

/// `YYYY-MM-DD` as an Excel date; anything else is not one.
fn iso_date(text: &str) -> Option<rust_xlsxwriter::ExcelDateTime> {
    let d = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    if text.len() != 10 {
        return None;
    }
    use chrono::Datelike;
    rust_xlsxwriter::ExcelDateTime::from_ymd(
        u16::try_from(d.year()).ok()?,
        d.month() as u8,
        d.day() as u8,
    )
    .ok()
}

/// A report's title as a sheet name Excel accepts: without `[ ] : * ? / \`,
/// without an apostrophe at either end, at most 31 characters, and not
/// the name of an earlier sheet. A title like “'十四五'居民统计” could
/// otherwise never be exported.
fn sheet_name(title: &str, index: usize, used: &mut Vec<String>) -> String {
    let cleaned: String = title
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') && !c.is_control())
        .collect();
    let trimmed = cleaned.trim().trim_matches('\'').trim();
    let mut name: String = trimmed.chars().take(31).collect();
    if name.is_empty() {
        name = format!("Sheet{}", index + 1);
    }
    let mut n = 2;
    while used.iter().any(|u| u.eq_ignore_ascii_case(&name)) {
        let suffix = format!("({n})");
        name = trimmed
            .chars()
            .take(31 - suffix.chars().count())
            .chain(suffix.chars())
            .collect();
        n += 1;
    }
    used.push(name.clone());
    name
}

pub fn write_xlsx(sheets: &[SheetOut<'_>]) -> Result<Vec<u8>> {
    let xl = xlsx_failure;
    let mut wb = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap()
        .set_border(FormatBorder::Thin);
    let plain = Format::new();
    // The template's title, as printed forms have it: bold, larger, centred
    // across the sheet; data cells boxed like the header above them.
    let title = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let cell = Format::new().set_border(FormatBorder::Thin);
    let date = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("yyyy-mm-dd");
    let mut used: Vec<String> = Vec::new();
    for (i, s) in sheets.iter().enumerate() {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(s.name, i, &mut used)).map_err(xl)?;
        let in_header = |r: usize| r >= s.header_rows.0 && r <= s.header_rows.1;
        let mut widths: Vec<usize> = Vec::new();
        for m in s.merges {
            let text = s
                .rows
                .get(m.top)
                .and_then(|r| r.get(m.left))
                .map_or("", String::as_str);
            let fmt = if in_header(m.top) {
                &header
            } else if m.top == 0 && s.header_rows.0 > 0 {
                &title
            } else {
                &plain
            };
            ws.merge_range(
                m.top as u32,
                m.left as u16,
                m.bottom as u32,
                m.right as u16,
                text,
                fmt,
            )
            .map_err(xl)?;
        }
        let merged_anchor = |r: usize, c: usize| {
            s.merges
                .iter()
                .any(|m| r >= m.top && r <= m.bottom && c >= m.left && c <= m.right)
        };
        for (r, row) in s.rows.iter().enumerate() {
            for (c, text) in row.iter().enumerate() {
                if merged_anchor(r, c) {
                    continue;
                }
                let in_data = s.data_rows.is_some_and(|(a, b)| r >= a && r <= b);
                if in_header(r) {
                    ws.write_string_with_format(r as u32, c as u16, text, &header)
                        .map_err(xl)?;
                } else if r == 0 && s.header_rows.0 > 0 && !text.is_empty() {
                    ws.write_string_with_format(r as u32, c as u16, text, &title)
                        .map_err(xl)?;
                } else if in_data && text.is_empty() {
                    ws.write_blank(r as u32, c as u16, &cell).map_err(xl)?;
                } else if !text.is_empty() {
                    let format = s.number_formats.get(c).copied().flatten();
                    match (in_data, format, text.parse::<f64>(), iso_date(text)) {
                        (true, Some(f), Ok(n), _) => {
                            ws.write_number_with_format(
                                r as u32,
                                c as u16,
                                n,
                                &Format::new()
                                    .set_num_format(f)
                                    .set_border(FormatBorder::Thin),
                            )
                            .map_err(xl)?;
                        }
                        // A date is written as a date Excel can sort and
                        // compute with, not as text.
                        (true, _, _, Some(d)) => {
                            ws.write_datetime_with_format(r as u32, c as u16, &d, &date)
                                .map_err(xl)?;
                        }
                        (true, _, _, None) => {
                            ws.write_string_with_format(r as u32, c as u16, text, &cell)
                                .map_err(xl)?;
                        }
                        _ => {
                            ws.write_string(r as u32, c as u16, text).map_err(xl)?;
                        }
                    }
                }
                // Titles and notes span the sheet; only header and data
                // cells size their column.
                if r >= s.header_rows.0 {
                    if widths.len() <= c {
                        widths.resize(c + 1, 0);
                    }
                    let w = display_width(text).min(40);
                    widths[c] = widths[c].max(w);
                }
            }
        }
        for m in s
            .merges
            .iter()
            .filter(|m| m.width() == 1 && in_header(m.top))
        {
            let text = &s.rows[m.top][m.left];
            if widths.len() <= m.left {
                widths.resize(m.left + 1, 0);
            }
            widths[m.left] = widths[m.left].max(display_width(text).min(40));
        }
        for (c, w) in widths.iter().enumerate() {
            ws.set_column_width(c as u16, (*w as f64 + 2.0).max(6.0))
                .map_err(xl)?;
        }
    }
    wb.save_to_buffer().map_err(xl)
}

/// A corpus form rebuilt as the .xlsx a department would send (one sheet
/// named after the form), for tests and the matching benchmark.
pub fn corpus_xlsx(form: &jianfu_core::forms::corpus::CorpusForm) -> Result<Vec<u8>> {
    let grid_rows = form.rows_and_merges();
    let above = form.lines_above.len();
    write_xlsx(&[SheetOut {
        name: &form.id,
        rows: &grid_rows.0,
        merges: &grid_rows.1,
        header_rows: (above, grid_rows.0.len().saturating_sub(1)),
        data_rows: None,
        number_formats: &[],
    }])
}

#[cfg(test)]
mod tests {
    #[test]
    fn any_title_becomes_a_sheet_name_excel_accepts() {
        let mut used = Vec::new();
        assert_eq!(
            super::sheet_name("'十四五'居民统计", 0, &mut used),
            "十四五'居民统计"
        );
        assert_eq!(super::sheet_name("a/b:c*d?[e]", 1, &mut used), "abcde");
        assert_eq!(super::sheet_name("''", 2, &mut used), "Sheet3");
        let long = "长".repeat(40);
        assert_eq!(super::sheet_name(&long, 3, &mut used).chars().count(), 31);
        assert_eq!(super::sheet_name("abcde", 4, &mut used), "abcde(2)");
        let bytes = super::write_xlsx(&[super::SheetOut {
            name: "'十四五'居民统计",
            rows: &[vec!["姓名".to_string()]],
            merges: &[],
            header_rows: (0, 0),
            data_rows: None,
            number_formats: &[],
        }]);
        assert!(bytes.is_ok(), "{:?}", bytes.err());
    }

    #[test]
    fn writer_refusals_read_in_chinese() {
        use rust_xlsxwriter::XlsxError as E;
        for e in [
            E::MaxStringLengthExceeded,
            E::RowColumnLimitError,
            E::SheetnameLengthExceeded("很长的名字".into()),
            E::ParameterError("bad".into()),
        ] {
            let m = super::xlsx_failure(e).to_string();
            assert!(m.starts_with("生成 Excel 失败："), "{m}");
            let english = m.replace("Excel", "");
            assert!(!english.chars().any(|c| c.is_ascii_lowercase()), "{m}");
        }
    }

    use super::*;
    use crate::forms::read_workbook;
    use jianfu_core::dictionary::Dictionary;
    use jianfu_core::forms::corpus::{parse_forms, FORMS};
    use jianfu_core::forms::{analyze_sheet, FormKind, Matcher};
    use std::collections::HashMap;

    #[test]
    fn widths_count_chinese_as_two() {
        assert_eq!(display_width("姓名"), 4);
        assert_eq!(display_width("ID"), 2);
    }

    /// The corpus forms, written as real .xlsx files with merged headers and
    /// read back through calamine, parse into the corpus's header paths.
    #[test]
    fn corpus_workbooks_parse_into_their_header_trees() {
        let dict = Dictionary::builtin().unwrap();
        let learned = HashMap::new();
        let matcher = Matcher::new(&dict, &learned);
        let forms = parse_forms(FORMS);
        let mut tables = 0;
        for form in &forms {
            let bytes = corpus_xlsx(form).unwrap();
            let sheets = read_workbook(&format!("{}.xlsx", form.id), bytes).unwrap();
            let (_, sheet) = sheets.into_iter().next().unwrap();
            let sheet = sheet.unwrap();
            let merged_header = sheet
                .grid
                .merges()
                .iter()
                .any(|m| m.top >= form.lines_above.len() && (m.width() > 1 || m.height() > 1));
            let a = analyze_sheet(&sheet.grid, &matcher).unwrap();
            let got: Vec<String> = a.columns.iter().map(|c| c.path.concat()).collect();
            let want: Vec<String> = form.paths().iter().map(|p| p.concat()).collect();
            assert_eq!(got, want, "{}", form.id);
            assert_eq!(a.layout.kind, form.kind, "{}", form.id);
            tables += usize::from(merged_header);
            if form.kind != FormKind::Card {
                let got: Vec<Vec<String>> = a.columns.iter().map(|c| c.path.clone()).collect();
                assert_eq!(got, form.paths(), "{}", form.id);
            }
        }
        assert_eq!(forms.len(), 22);
        assert!(tables >= 10, "{tables} forms with merged headers or fields");
    }
}
