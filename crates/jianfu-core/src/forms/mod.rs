//! 一表通 template understanding: a department's Excel form read as a grid
//! of cells and merges (`grid`), split into title, meta lines, header tree,
//! data area and footer (`layout`), and each leaf column matched to the
//! dictionary (`matcher`). `spec` rebuilds sheets from the corpus's header
//! notation for tests and benchmarks. Pure: reading files is the app's job.

pub mod corpus;
pub mod cues;
pub mod grid;
mod header;
pub mod layout;
pub mod matcher;
pub mod proposals;
mod roles;
pub mod spec;
mod subject;
pub mod value_kind;

pub use grid::{Grid, Merge};
pub use layout::{analyze, column_name, FormKind, HeaderNode, Layout, LeafColumn, NotAForm};
pub use matcher::{ColumnMatch, Matcher};

use serde::Serialize;

/// A leaf column with its proposed element.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnalyzedColumn {
    /// 0-based, leaf columns left to right.
    pub index: usize,
    pub path: Vec<String>,
    pub left: usize,
    pub right: usize,
    pub unit: Option<String>,
    #[serde(flatten)]
    pub matched: ColumnMatch,
}

#[derive(Debug, Clone, Serialize)]
pub struct FormAnalysis {
    pub layout: Layout,
    pub columns: Vec<AnalyzedColumn>,
}

/// Finds the parts of a sheet and proposes an element for every leaf.
pub fn analyze_sheet(grid: &Grid, matcher: &Matcher<'_>) -> Result<FormAnalysis, NotAForm> {
    let layout = analyze(grid)?;
    let mut matched: Vec<(Vec<String>, ColumnMatch)> = layout
        .columns
        .iter()
        .enumerate()
        .map(|(index, c)| {
            (
                c.path.clone(),
                matcher.match_column(&c.path, layout.kind, index == 0),
            )
        })
        .collect();
    matcher::refine_in_context(&mut matched);
    let columns = layout
        .columns
        .iter()
        .zip(matched)
        .enumerate()
        .map(|(index, (c, (_, m)))| AnalyzedColumn {
            index,
            path: c.path.clone(),
            left: c.left,
            right: c.right,
            unit: c.unit.clone(),
            matched: m,
        })
        .collect();
    Ok(FormAnalysis { layout, columns })
}
