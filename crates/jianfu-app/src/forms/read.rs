//! Reading every sheet of a workbook, with its merged ranges, into the
//! grids the layout analysis works on. The bounded reading itself is
//! `crate::workbook`'s.

use crate::workbook::{read_sheets, SheetLimits, Sheets};
use crate::Result;
use calamine::Dimensions;
use jianfu_core::forms::{Grid, Merge};

pub use crate::workbook::is_workbook_name;

pub struct SheetGrid {
    pub sheet: String,
    pub grid: Grid,
}

/// How much of a sheet the layout analysis looks at. A template's title,
/// header and first data rows are at its top left; the analysis walks rows
/// × columns several times, and a 1.6 KB file whose merge spanned XFD over
/// 100,000 rows kept it busy for half an hour.
pub const ANALYSED_ROWS: usize = 1_000;
pub const ANALYSED_COLUMNS: usize = 512;

fn to_merges(dims: Vec<Dimensions>) -> Vec<Merge> {
    dims.into_iter()
        .filter(|d| (d.start.0 as usize) < ANALYSED_ROWS && (d.start.1 as usize) < ANALYSED_COLUMNS)
        .map(|d| Merge {
            top: d.start.0 as usize,
            left: d.start.1 as usize,
            bottom: (d.end.0 as usize).min(ANALYSED_ROWS - 1),
            right: (d.end.1 as usize).min(ANALYSED_COLUMNS - 1),
        })
        .collect()
}

/// The analysed corner of a sheet (see `ANALYSED_ROWS`).
fn analysed(mut rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    rows.truncate(ANALYSED_ROWS);
    for r in &mut rows {
        r.truncate(ANALYSED_COLUMNS);
    }
    rows
}

/// All sheets of an uploaded .xlsx/.xls/.xlsm/.ods file, within the web's
/// limits.
pub fn read_workbook(file_name: &str, bytes: Vec<u8>) -> Result<Vec<(String, Result<SheetGrid>)>> {
    read_workbook_within(file_name, &bytes, &SheetLimits::UPLOAD)
}

/// All sheets within `limits`. A file that cannot be opened, or breaks a
/// limit, is an error naming it; a sheet that cannot be read is skipped by
/// the caller with its reason.
pub fn read_workbook_within(
    file_name: &str,
    bytes: &[u8],
    limits: &SheetLimits,
) -> Result<Vec<(String, Result<SheetGrid>)>> {
    Ok(read_sheets(file_name, bytes, Sheets::All, limits)?
        .into_iter()
        .map(|(name, sheet)| {
            let grid = sheet.map(|s| SheetGrid {
                sheet: name.clone(),
                grid: Grid::new(analysed(s.rows), to_merges(s.merges)),
            });
            (name, grid)
        })
        .collect())
}
