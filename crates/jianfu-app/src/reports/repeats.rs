//! Hand-filled columns asked again. A template column that matches no
//! element becomes a column the community types by hand; when the other
//! sheets of the same upload, or reports already in the county, ask the
//! same thing by hand too, it is one new data item asked several times —
//! the repeat 一表通 exists to remove. The upload is grouped with them as
//! one batch (`jianfu-core::forms::proposals`), and such a column carries
//! the proposed code and a reason saying how many forms ask it.

use super::design::TemplateProposal;
use jianfu_core::forms::proposals::{propose, Unmatched};
use jianfu_core::reports::{ColumnSource, ReportDef};
use jianfu_store::ReportRow;

/// A report already saved: whose it is, its title, and its hand-filled
/// columns' header paths.
#[derive(Debug, Clone)]
pub struct EarlierForm {
    pub department_id: i64,
    pub title: String,
    pub manual: Vec<Vec<String>>,
}

impl EarlierForm {
    /// The hand-filled columns of a stored report; None for a definition
    /// that does not read (it then adds nothing to the batch).
    pub fn from_row(row: &ReportRow) -> Option<EarlierForm> {
        let def: ReportDef = serde_json::from_str(&row.definition).ok()?;
        let manual: Vec<Vec<String>> = def
            .columns
            .iter()
            .filter(|c| c.source == ColumnSource::Manual)
            .map(|c| c.path.clone())
            .collect();
        (!manual.is_empty()).then(|| EarlierForm {
            department_id: row.department_id,
            title: row.title.clone(),
            manual,
        })
    }
}

/// Marks the hand-filled columns of `sheets` that other forms of the batch
/// ask too. The department's own earlier report of the same title is the
/// same form saved before, not a second form asking again.
pub fn mark_repeated_manual_columns(
    sheets: &mut [TemplateProposal],
    earlier: &[EarlierForm],
    department_id: i64,
) {
    let mut at = Vec::new();
    let mut columns = Vec::new();
    for (si, sheet) in sheets.iter().enumerate() {
        for (ci, c) in sheet.definition.columns.iter().enumerate() {
            if c.source == ColumnSource::Manual {
                at.push(Some((si, ci)));
                columns.push(Unmatched {
                    form: si,
                    path: c.path.clone(),
                });
            }
        }
    }
    let titles: Vec<&str> = sheets.iter().map(|s| s.definition.title.as_str()).collect();
    let others = earlier
        .iter()
        .filter(|e| !(e.department_id == department_id && titles.contains(&e.title.as_str())));
    for (ei, e) in others.enumerate() {
        for path in &e.manual {
            at.push(None);
            columns.push(Unmatched {
                form: sheets.len() + ei,
                path: path.clone(),
            });
        }
    }
    let (proposals, codes) = propose(&columns);
    for (place, code) in at.into_iter().zip(codes) {
        let (Some((si, ci)), Some(code)) = (place, code) else {
            continue;
        };
        let forms = proposals
            .iter()
            .find(|p| p.code == code)
            .map_or(2, |p| p.forms);
        let sheet = &mut sheets[si];
        if let Some(slot) = sheet.proposed.get_mut(ci) {
            *slot = Some(code.clone());
        }
        if let Some((_, reason)) = sheet.reasons.get_mut(ci) {
            *reason = format!(
                "词典中没有这一项，要社区手填；本次上传和已有报表中共有 {forms} 张表手填同一项，\
                 提议新建数据项 {code}，可请减负办在“表格体检”中收入词典后改为自动带出"
            );
        }
    }
}
