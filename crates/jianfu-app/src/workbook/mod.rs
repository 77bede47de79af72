//! Bounded reading of spreadsheets (xlsx, xlsm, xls, ods).
//!
//! A spreadsheet is attacker-controlled input: any logged-in account can
//! upload one. A 1.6 KB .xlsx whose only cells are A1 and XFD1048576 made
//! calamine allocate the whole rectangle (512 GiB) and abort the process;
//! a zip entry of a few KB can inflate to gigabytes; a shared string can be
//! copied into a million cells. calamine's own API cannot be told any
//! limit, so every file passes a guard of our own before calamine sees it:
//!
//! - `zip_guard` walks every entry of a zip container and inflates it into
//!   a counter, never into memory, refusing past the per-entry and total
//!   limits (declared sizes can lie, so the real bytes are counted); for
//!   .ods it also scans `content.xml` for the rows and cells that
//!   calamine would expand (`number-rows-repeated`, `number-columns-repeated`).
//! - `xls_guard` walks the BIFF records of an .xls workbook stream and
//!   computes what calamine will allocate: each sheet's rectangle, its
//!   declared dimensions, its merges and the text copied into cells.
//! - xlsx sheets are then read cell by cell (`Xlsx::worksheet_cells_reader`),
//!   never as a `Range`, so memory follows the cells that exist; every cell
//!   is checked against the limits before its text is copied.
//!
//! Every refusal is a Chinese message naming the file, the sheet and the
//! limit it hit.

#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
mod xls_guard;
mod xlsx_cells;
mod zip_guard;

use crate::{AppError, Result};
use calamine::{Data, Dimensions, Range, Reader};
use std::io::Cursor;

/// How much one spreadsheet may ask for. Each figure is checked while the
/// file is read, before anything of that size is allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetLimits {
    /// Entries in a zip container (xlsx, ods).
    pub max_zip_entries: usize,
    /// Bytes one zip entry may inflate to.
    pub max_entry_bytes: u64,
    /// Bytes all zip entries together may inflate to.
    pub max_total_bytes: u64,
    /// Rows of one sheet (the last used row number).
    pub max_rows: u64,
    /// Columns of one sheet (Excel's own limit is 16,384).
    pub max_columns: u64,
    /// Cells held for one sheet: for xlsx the cells that exist, for xls and
    /// ods the rectangle calamine allocates.
    pub max_cells: u64,
    /// Merged ranges of one sheet.
    pub max_merges: usize,
    /// Cells covered by all merged ranges of one sheet together.
    pub max_merged_cells: u64,
    /// Characters in one cell (Excel's own limit is 32,767).
    pub max_cell_chars: usize,
    /// Bytes of text copied into the cells of one file.
    pub max_text_bytes: u64,
    /// Strings in an xlsx's shared-string table, which calamine loads
    /// whole when it opens the file (about 40 bytes each however short).
    pub max_shared_strings: u64,
}

impl SheetLimits {
    /// Files sent through the web: a community's roster or a department's
    /// template. A larger register goes through `jianfu import` on the
    /// server, which the refusal says.
    pub const UPLOAD: SheetLimits = SheetLimits {
        max_zip_entries: 2_000,
        max_entry_bytes: 256 << 20,
        max_total_bytes: 512 << 20,
        max_rows: 100_000,
        max_columns: 16_384,
        max_cells: 4_000_000,
        max_merges: 10_000,
        max_merged_cells: 1_000_000,
        max_cell_chars: 32_767,
        max_text_bytes: 64 << 20,
        max_shared_strings: 2_000_000,
    };

    /// Files read on the server by an administrator (`jianfu import`,
    /// `jianfu forms analyze`): a whole district's register fits, and
    /// memory still has a ceiling.
    pub const COMMAND_LINE: SheetLimits = SheetLimits {
        max_zip_entries: 10_000,
        max_entry_bytes: 4 << 30,
        max_total_bytes: 8 << 30,
        max_rows: 1_048_576,
        max_columns: 16_384,
        max_cells: 40_000_000,
        max_merges: 100_000,
        max_merged_cells: 4_000_000,
        max_cell_chars: 32_767,
        max_text_bytes: 4 << 30,
        max_shared_strings: 40_000_000,
    };

    /// The web's message for a limit that only the command line lifts.
    fn hint(&self) -> &'static str {
        if self.max_rows < SheetLimits::COMMAND_LINE.max_rows {
            "；更大的文件请由管理员在服务器上用命令行 jianfu import 导入"
        } else {
            ""
        }
    }
}

/// One sheet as read: text cells (rows may be ragged; row 0 is the sheet's
/// first row) and merged ranges as (top, left, bottom, right), 0-based,
/// inclusive.
#[derive(Debug, Clone, Default)]
pub struct RawSheet {
    pub rows: Vec<Vec<String>>,
    pub merges: Vec<Dimensions>,
}

/// Which sheets to read: an import reads the first, template analysis all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sheets {
    First,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Xlsx,
    Ods,
    Xls,
}

pub fn is_workbook_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".xlsx", ".xls", ".xlsm", ".ods"]
        .iter()
        .any(|e| lower.ends_with(e))
}

/// The format is taken from the bytes, not the name: a renamed file is read
/// as what it is, and anything else is refused in Chinese (calamine's
/// "Cannot detect file format" must not reach a user).
fn detect(file_name: &str, bytes: &[u8]) -> Result<Format> {
    const CFB: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if bytes.starts_with(CFB) {
        return Ok(Format::Xls);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return zip_guard::zip_format(file_name, bytes);
    }
    Err(AppError::Invalid(format!(
        "{file_name} 无法打开：不是有效的 Excel 或 ODS 文件（文件可能已损坏，或扩展名与内容不符）"
    )))
}

pub(crate) fn too_big(file_name: &str, what: &str, limits: &SheetLimits) -> AppError {
    AppError::Invalid(format!("{file_name} 超出上限：{what}{}", limits.hint()))
}

/// Reads the sheets of a workbook within `limits`. The outer error means the
/// file as a whole cannot be read (or breaks a limit); an inner error names
/// one sheet that cannot, so the caller may skip it.
pub fn read_sheets(
    file_name: &str,
    bytes: &[u8],
    which: Sheets,
    limits: &SheetLimits,
) -> Result<Vec<(String, Result<RawSheet>)>> {
    // calamine indexes some records without checking their length; a panic
    // there must be a refusal of this file, not a failed request or worse.
    std::panic::catch_unwind(|| read_unchecked(file_name, bytes, which, limits))
        .unwrap_or_else(|_| Err(broken(file_name, "reader panicked")))
}

fn read_unchecked(
    file_name: &str,
    bytes: &[u8],
    which: Sheets,
    limits: &SheetLimits,
) -> Result<Vec<(String, Result<RawSheet>)>> {
    let format = detect(file_name, bytes)?;
    match format {
        Format::Xlsx => {
            zip_guard::check_entries(file_name, bytes, limits, false)?;
            xlsx_cells::read(file_name, bytes, which, limits)
        }
        Format::Ods => {
            zip_guard::check_entries(file_name, bytes, limits, true)?;
            read_guarded(file_name, bytes, which, format, limits)
        }
        Format::Xls => {
            xls_guard::check(file_name, bytes, limits)?;
            read_guarded(file_name, bytes, which, format, limits)
        }
    }
}

fn broken(file_name: &str, e: impl std::fmt::Display) -> AppError {
    tracing::debug!("{file_name}: {e}");
    AppError::Invalid(format!(
        "{file_name} 无法打开，文件可能已损坏或使用了不支持的格式"
    ))
}

fn sheet_broken(file_name: &str, sheet: &str, e: impl std::fmt::Display) -> AppError {
    tracing::debug!("{file_name} / {sheet}: {e}");
    AppError::Invalid(format!(
        "{file_name} 的工作表“{sheet}”无法读取，内容可能已损坏"
    ))
}

/// xls and ods after their guard: calamine's ranges are now known to fit.
fn read_guarded(
    file_name: &str,
    bytes: &[u8],
    which: Sheets,
    format: Format,
    limits: &SheetLimits,
) -> Result<Vec<(String, Result<RawSheet>)>> {
    let cursor = Cursor::new(bytes);
    let out = match format {
        Format::Xls => {
            let wb = calamine::Xls::new(cursor).map_err(|e| broken(file_name, e))?;
            read_ranges(file_name, wb, which, limits, |wb, name| {
                wb.worksheet_merge_cells(name).unwrap_or_default()
            })?
        }
        _ => {
            let wb = calamine::Ods::new(cursor).map_err(|e| broken(file_name, e))?;
            // calamine reads no merges from .ods.
            read_ranges(file_name, wb, which, limits, |_, _| Vec::new())?
        }
    };
    if out.is_empty() {
        return Err(AppError::Invalid(format!("{file_name} 中没有工作表")));
    }
    Ok(out)
}

/// Sheets and their names within reason: a name is at most 31 characters
/// in Excel; 500 names of 100,000 characters once made a 150 MB message.
pub(crate) fn check_names(file_name: &str, names: &[String], limits: &SheetLimits) -> Result<()> {
    const MAX_SHEETS: usize = 255;
    const MAX_NAME_CHARS: usize = 100;
    if names.len() > MAX_SHEETS {
        return Err(too_big(
            file_name,
            &format!("有 {} 个工作表，最多 {MAX_SHEETS} 个", names.len()),
            limits,
        ));
    }
    if names.iter().any(|n| n.chars().count() > MAX_NAME_CHARS) {
        return Err(too_big(
            file_name,
            &format!("工作表名称超过 {MAX_NAME_CHARS} 个字"),
            limits,
        ));
    }
    Ok(())
}

/// Each chosen sheet of an opened workbook as text rows with its merges.
fn read_ranges<'a, R>(
    file_name: &str,
    mut wb: R,
    which: Sheets,
    limits: &SheetLimits,
    merges_of: impl Fn(&R, &str) -> Vec<Dimensions>,
) -> Result<Vec<(String, Result<RawSheet>)>>
where
    R: Reader<Cursor<&'a [u8]>>,
    R::Error: std::fmt::Display,
{
    check_names(file_name, &wb.sheet_names(), limits)?;
    let mut out = Vec::new();
    for name in chosen(wb.sheet_names(), which) {
        let sheet = match wb.worksheet_range(&name) {
            Ok(range) => Ok(RawSheet {
                rows: to_rows(&range),
                merges: merges_of(&wb, &name),
            }),
            Err(e) => Err(sheet_broken(file_name, &name, e)),
        };
        out.push((name, sheet));
    }
    Ok(out)
}

fn chosen(names: Vec<String>, which: Sheets) -> Vec<String> {
    match which {
        Sheets::First => names.into_iter().take(1).collect(),
        Sheets::All => names,
    }
}

/// A range keeps its place on the sheet: one that starts at C5 is padded,
/// so merges (stored in absolute positions) line up.
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

pub(crate) fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        // Whole numbers come back as floats; "3.0" would not be a count.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Data::DateTime(dt) => dt
            .as_datetime()
            .map(|t| t.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| dt.as_f64().to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#错误:{e:?}"),
    }
}

/// Column letters as Excel shows them (0 → A, 16383 → XFD), for messages.
pub(crate) fn column_name(mut col: u64) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests;
