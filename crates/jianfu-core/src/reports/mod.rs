//! 一表通 reports: a department's form as a definition over the register,
//! filled from it (prefilled cells, gaps), and laid out again in the
//! department's own layout for export. Pure: the caller loads the facts.

pub mod definition;
pub mod expr;
pub mod fill;
pub mod guard;
mod native;
pub mod sheet;

pub use definition::{
    ColumnDef, ColumnSource, DefinitionError, Frequency, ReportDef, ReportKind, RowAxis,
    TemplateLayout,
};
pub use expr::{age_on, Expr, ExprError, Facts, Subject};
pub use fill::{
    fill_roster, fill_statistical, fixed, number_text, CellCounts, CellState, CompiledReport,
    FilledGrid, GridCell, GridRow, RosterEntity, TaskInputs, UnitGroup,
};
pub use sheet::{card_sheet, header_from_paths, layout_for, sheet, SheetLayout};
