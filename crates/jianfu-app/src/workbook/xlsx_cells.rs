//! xlsx sheets read cell by cell: memory follows the cells that exist, not
//! the rectangle between the first and the last, and each cell is checked
//! before its text is copied (a shared string is copied once per cell that
//! names it).

use super::{column_name, too_big, RawSheet, SheetLimits, Sheets};
use crate::{AppError, Result};
use calamine::{Data, DataRef, Reader, Xlsx};
use std::io::Cursor;

/// Text of a cell, or None for an empty one; long text is refused before it
/// is copied.
fn text_of(value: DataRef<'_>, limit: usize) -> std::result::Result<Option<String>, usize> {
    let check = |s: &str| {
        // Bytes bound characters from above: count only when it could matter.
        if s.len() > limit && s.chars().count() > limit {
            Err(s.chars().count())
        } else {
            Ok(())
        }
    };
    let text = match value {
        DataRef::Empty => return Ok(None),
        DataRef::SharedString(s) => {
            check(s)?;
            s.trim().to_string()
        }
        DataRef::String(s) => {
            check(&s)?;
            s.trim().to_string()
        }
        other => super::cell_text(&Data::from(other)),
    };
    Ok(Some(text))
}

pub(super) fn read(
    file_name: &str,
    bytes: &[u8],
    which: Sheets,
    limits: &SheetLimits,
) -> Result<Vec<(String, Result<RawSheet>)>> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| super::broken(file_name, e))?;
    let names = wb.sheet_names();
    super::check_names(file_name, &names, limits)?;
    let names: Vec<String> = match which {
        Sheets::First => names.into_iter().take(1).collect(),
        Sheets::All => names,
    };
    // Every sheet read is held until the caller is done: limits count the
    // whole file (40 sheet entries may name one worksheet).
    let mut text_total = 0u64;
    let mut cells_total = 0u64;
    let mut out = Vec::new();
    for name in names {
        // A limit breached anywhere refuses the whole file: the caller must
        // not go on to read more of it. A damaged sheet is only skipped.
        let sheet = match read_sheet(
            &mut wb,
            file_name,
            &name,
            limits,
            &mut text_total,
            &mut cells_total,
        ) {
            Ok(s) => Ok(s),
            Err(Failure::Limit(e)) => return Err(e),
            Err(Failure::Broken(e)) => Err(e),
        };
        out.push((name, sheet));
    }
    if out.is_empty() {
        return Err(AppError::Invalid(format!("{file_name} 中没有工作表")));
    }
    Ok(out)
}

enum Failure {
    Limit(AppError),
    Broken(AppError),
}

fn read_sheet(
    wb: &mut Xlsx<Cursor<&[u8]>>,
    file_name: &str,
    name: &str,
    limits: &SheetLimits,
    text_total: &mut u64,
    slots: &mut u64,
) -> std::result::Result<RawSheet, Failure> {
    let limit = |what: String| Failure::Limit(too_big(file_name, &what, limits));
    let broken = |e: calamine::XlsxError| Failure::Broken(super::sheet_broken(file_name, name, e));
    let merges = match wb.worksheet_merge_cells(name) {
        Some(Ok(m)) => m,
        Some(Err(e)) => return Err(broken(e)),
        None => Vec::new(),
    };
    if merges.len() > limits.max_merges {
        return Err(limit(format!(
            "工作表“{name}”有 {} 个合并区域，最多 {} 个",
            merges.len(),
            limits.max_merges
        )));
    }
    let mut merged = 0u64;
    for m in &merges {
        let (r, c) = (m.end.0 as u64, m.end.1 as u64);
        if r >= limits.max_rows || c >= limits.max_columns {
            return Err(limit(format!(
                "工作表“{name}”的合并区域伸到第 {} 行第 {} 列，最多 {} 行、{} 列",
                r + 1,
                column_name(c),
                limits.max_rows,
                limits.max_columns
            )));
        }
        merged = merged.saturating_add(
            (r.saturating_sub(m.start.0 as u64) + 1)
                .saturating_mul(c.saturating_sub(m.start.1 as u64) + 1),
        );
    }
    if merged > limits.max_merged_cells {
        return Err(limit(format!(
            "工作表“{name}”的合并区域共覆盖 {merged} 个单元格，最多 {} 个",
            limits.max_merged_cells
        )));
    }

    let mut reader = match wb.worksheet_cells_reader(name) {
        Ok(r) => r,
        // A chart sheet or a dialog sheet has no cells.
        Err(calamine::XlsxError::NotAWorksheet(_)) => return Ok(RawSheet::default()),
        Err(e) => return Err(broken(e)),
    };
    let mut rows: Vec<Vec<String>> = Vec::new();
    loop {
        let cell = match reader.next_cell() {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => return Err(broken(e)),
        };
        let (r, c) = cell.get_position();
        let (r64, c64) = (r as u64, c as u64);
        if r64 >= limits.max_rows {
            return Err(limit(format!(
                "工作表“{name}”用到第 {} 行，最多 {} 行",
                r64 + 1,
                limits.max_rows
            )));
        }
        if c64 >= limits.max_columns {
            return Err(limit(format!(
                "工作表“{name}”用到第 {} 列（{}），最多 {} 列",
                c64 + 1,
                column_name(c64),
                limits.max_columns
            )));
        }
        let text = match text_of(cell.get_value().clone(), limits.max_cell_chars) {
            Ok(Some(t)) if !t.is_empty() => t,
            Ok(_) => continue,
            Err(chars) => {
                return Err(limit(format!(
                    "工作表“{name}”的单元格 {}{} 有 {chars} 个字符，每格最多 {} 个",
                    column_name(c64),
                    r64 + 1,
                    limits.max_cell_chars
                )))
            }
        };
        let (r, c) = (r as usize, c as usize);
        if rows.len() <= r {
            // Empty rows cost a few bytes each; they count a cell per 8.
            *slots += ((r + 1 - rows.len()) / 8) as u64;
            rows.resize_with(r + 1, Vec::new);
        }
        let row = &mut rows[r];
        if row.len() <= c {
            *slots += (c + 1 - row.len()) as u64;
            if *slots > limits.max_cells {
                return Err(limit(format!(
                    "工作表“{name}”的单元格超过 {} 个",
                    limits.max_cells
                )));
            }
            row.resize_with(c + 1, String::new);
        }
        *text_total = text_total.saturating_add(text.len() as u64);
        if *text_total > limits.max_text_bytes {
            return Err(limit(format!(
                "单元格文字共超过 {} MB",
                limits.max_text_bytes >> 20
            )));
        }
        row[c] = text;
    }
    Ok(RawSheet { rows, merges })
}
