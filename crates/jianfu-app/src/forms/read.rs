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
                grid: Grid::new(s.rows, to_merges(s.merges)),
            });
            (name, grid)
        })
        .collect())
}
