//! 一表通 templates: reading a department's workbook (every sheet, with its
//! merged cells), finding its layout and matching its columns
//! (`jianfu_core::forms`), and the audit of a folder of forms behind
//! `jianfu forms analyze`.

mod analyze;
mod audit;
pub mod read;
pub(crate) mod write;

pub use analyze::{analyze_paths, FormReport, Report, ReportColumn};
pub use audit::{AcceptProposal, AuditItem, UploadedFiles, MAX_AUDIT_FILES};
pub use read::{is_workbook_name, read_workbook, read_workbook_within, SheetGrid};
pub use write::{corpus_xlsx, display_width, write_xlsx, SheetOut};
