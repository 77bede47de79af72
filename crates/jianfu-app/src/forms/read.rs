//! Reading every sheet of a workbook, with its merged ranges, into the
//! grids the layout analysis works on.

use crate::import::cell_text;
use crate::{AppError, Result};
use calamine::{Data, Dimensions, Range, Reader, Sheets};
use jianfu_core::forms::{Grid, Merge};
use std::io::Cursor;

pub struct SheetGrid {
    pub sheet: String,
    pub grid: Grid,
}

/// Sheets are read as the user sees them: a range that starts at C5 keeps
/// its place, so merges (stored in absolute positions) line up.
fn to_rows(range: &Range<Data>) -> Vec<Vec<String>> {
    let Some((r0, c0)) = range.start() else {
        return Vec::new();
    };
    let mut rows: Vec<Vec<String>> = vec![Vec::new(); r0 as usize];
    for row in range.rows() {
        let mut cells = vec![String::new(); c0 as usize];
        cells.extend(row.iter().map(cell_text));
        rows.push(cells);
    }
    rows
}

fn to_merges(dims: Vec<Dimensions>) -> Vec<Merge> {
    dims.into_iter()
        .map(|d| Merge {
            top: d.start.0 as usize,
            left: d.start.1 as usize,
            bottom: d.end.0 as usize,
            right: d.end.1 as usize,
        })
        .collect()
}

pub fn is_workbook_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".xlsx", ".xls", ".xlsm", ".ods"]
        .iter()
        .any(|e| lower.ends_with(e))
}

/// All sheets of an .xlsx/.xls/.xlsm/.ods file. A file that cannot be
/// opened is an error naming it; a sheet that cannot be read is skipped by
/// the caller with its reason.
pub fn read_workbook(file_name: &str, bytes: Vec<u8>) -> Result<Vec<(String, Result<SheetGrid>)>> {
    if !is_workbook_name(file_name) {
        return Err(AppError::Invalid(format!(
            "{file_name}：不支持的文件类型（支持 xlsx、xls、xlsm、ods）"
        )));
    }
    let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| AppError::Invalid(format!("{file_name} 无法打开，文件可能已损坏：{e}")))?;
    let names = wb.sheet_names();
    let mut out = Vec::new();
    for name in names {
        let sheet = (|| {
            let range = wb.worksheet_range(&name).map_err(|e| {
                AppError::Invalid(format!("{file_name} 的工作表“{name}”无法读取：{e}"))
            })?;
            let merges = match &mut wb {
                Sheets::Xlsx(x) => x
                    .worksheet_merge_cells(&name)
                    .transpose()
                    .map_err(|e| {
                        AppError::Invalid(format!(
                            "{file_name} 的工作表“{name}”的合并单元格无法读取：{e}"
                        ))
                    })?
                    .unwrap_or_default(),
                Sheets::Xls(x) => x.worksheet_merge_cells(&name).unwrap_or_default(),
                _ => Vec::new(),
            };
            Ok(SheetGrid {
                sheet: name.clone(),
                grid: Grid::new(to_rows(&range), to_merges(merges)),
            })
        })();
        out.push((name, sheet));
    }
    if out.is_empty() {
        return Err(AppError::Invalid(format!("{file_name} 中没有工作表")));
    }
    Ok(out)
}
