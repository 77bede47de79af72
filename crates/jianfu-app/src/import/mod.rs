//! Importing residents from a spreadsheet (xlsx, xls, ods, csv): find the
//! header row, map columns to dictionary elements, check every cell
//! (dry run), then write the whole file in one transaction.

mod commit;
mod households;
mod mapping;
mod places;
mod rejected;
mod table;

pub use commit::{csv_rows, ImportMode, ImportOptions, ImportReport, RowError, RowFlag};
pub use mapping::{suggest_mapping, ColumnMapping, Mapping, MatchKind};
pub use rejected::{rejected_rows_xlsx, rejected_rows_xlsx_from};
pub use table::{read_table, Table};
