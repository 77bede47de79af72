//! The forms audit a burden-reduction office hands to its leaders: of a
//! folder of department forms, how many forms, columns and distinct
//! items; which items several forms ask for; the share of register cells
//! the base register prefills today; the new items the batch proposes. The
//! same audit is printed by `jianfu forms analyze`, shown on the 一表通
//! audit page and exported as .xlsx; accepting a proposal adds it to the
//! dictionary as a new element version.

use super::analyze::{FormReport, Report};
use super::write::{write_xlsx, SheetOut};
use crate::dictionary::ElementEdit;
use crate::workbook::SheetLimits;
use crate::{App, AppError, CurrentUser, Result};
use jianfu_core::dictionary::{normalize_label, Dictionary};
use jianfu_core::forms::proposals::PROPOSED_PREFIX;
use jianfu_core::forms::Matcher;
use jianfu_core::role::Role;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One distinct item the forms ask for.
#[derive(Debug, Clone, Serialize)]
pub struct AuditItem {
    /// Element code, proposed code, or `~wording` for an unmatched column.
    pub key: String,
    pub label: String,
    pub code: Option<String>,
    pub proposed: bool,
    /// Indexes into `Report::forms`, each once.
    pub forms: Vec<usize>,
}

/// Files uploaded at once, by name.
pub type UploadedFiles = Vec<(String, Vec<u8>)>;

/// How many files one audit takes: a county's forms, not an archive.
pub const MAX_AUDIT_FILES: usize = 200;

/// Cells one audit reads in all: 200 forms of 50 columns by 500 rows.
/// Forms are headers and a few rows; a batch past this is data, not forms.
pub const MAX_AUDIT_CELLS: usize = 5_000_000;

fn form_name(f: &FormReport) -> String {
    match &f.title {
        Some(t) => t.clone(),
        None => format!("{}（{}）", f.file, f.sheet),
    }
}

impl Report {
    /// The distinct items, in order of how many forms ask for each.
    pub fn items(&self, dict: &Dictionary) -> Vec<AuditItem> {
        let mut items: BTreeMap<String, AuditItem> = BTreeMap::new();
        for (i, f) in self.forms.iter().enumerate() {
            for c in f.columns.iter().filter(|c| c.data) {
                let (key, label) = match &c.element {
                    Some(code) if c.proposed => {
                        let name = self
                            .proposals
                            .iter()
                            .find(|p| &p.code == code)
                            .map_or(code.as_str(), |p| p.name.as_str());
                        (code.clone(), format!("{name}（提议新建 {code}）"))
                    }
                    Some(code) => (
                        code.clone(),
                        dict.element(code)
                            .map_or(code.clone(), |e| format!("{}（{code}）", e.name)),
                    ),
                    None => {
                        let leaf = c
                            .path
                            .last()
                            .map(|l| normalize_label(l))
                            .unwrap_or_default();
                        (format!("~{leaf}"), format!("{leaf}（词典中没有）"))
                    }
                };
                let item = items.entry(key.clone()).or_insert_with(|| AuditItem {
                    key,
                    label,
                    code: c.element.clone(),
                    proposed: c.proposed,
                    forms: Vec::new(),
                });
                if item.forms.last() != Some(&i) {
                    item.forms.push(i);
                }
            }
        }
        let mut out: Vec<AuditItem> = items.into_values().collect();
        out.sort_by(|a, b| b.forms.len().cmp(&a.forms.len()).then(a.key.cmp(&b.key)));
        out
    }

    /// The audit as a workbook: 汇总 (the figures), 重复索要 (items two
    /// forms or more ask for, and which), 各表 (each form), 新数据项 (the
    /// proposals).
    pub fn audit_xlsx(&self, dict: &Dictionary) -> Result<Vec<u8>> {
        let items = self.items(dict);
        let data_columns: usize = self
            .forms
            .iter()
            .map(|f| f.columns.iter().filter(|c| c.data).count())
            .sum();
        let repeated: Vec<&AuditItem> = items.iter().filter(|i| i.forms.len() >= 2).collect();
        let row = |cells: &[String]| cells.to_vec();
        let summary = vec![
            row(&["项目".into(), "数值".into()]),
            row(&["表格数".into(), self.forms.len().to_string()]),
            row(&[
                "栏目数".into(),
                self.forms
                    .iter()
                    .map(|f| f.columns.len())
                    .sum::<usize>()
                    .to_string(),
            ]),
            row(&["数据栏目数".into(), data_columns.to_string()]),
            row(&["去重后的数据项".into(), items.len().to_string()]),
            row(&[
                "两张以上表同时索要的数据项".into(),
                repeated.len().to_string(),
            ]),
            row(&[
                "重复索要的数据栏目".into(),
                data_columns.saturating_sub(items.len()).to_string(),
            ]),
            row(&[
                "基础库今天能预填的登记表数据栏目占比".into(),
                format!("{:.1}%", self.prefill_share() * 100.0),
            ]),
            row(&["提议新建的数据项".into(), self.proposals.len().to_string()]),
        ];
        let mut repeated_rows = vec![row(&[
            "数据项".into(),
            "代码".into(),
            "索要的表数".into(),
            "哪些表".into(),
        ])];
        for i in &repeated {
            repeated_rows.push(row(&[
                i.label.clone(),
                i.code.clone().unwrap_or_default(),
                i.forms.len().to_string(),
                i.forms
                    .iter()
                    .map(|&f| form_name(&self.forms[f]))
                    .collect::<Vec<_>>()
                    .join("；"),
            ]));
        }
        let mut form_rows = vec![row(&[
            "文件".into(),
            "工作表".into(),
            "标题".into(),
            "类型".into(),
            "栏目".into(),
            "数据栏目".into(),
            "已对应指标".into(),
            "提议新建".into(),
        ])];
        for f in &self.forms {
            let data = f.columns.iter().filter(|c| c.data).count();
            let matched = f
                .columns
                .iter()
                .filter(|c| c.data && c.element.is_some() && !c.proposed)
                .count();
            let proposed = f.columns.iter().filter(|c| c.proposed).count();
            form_rows.push(row(&[
                f.file.clone(),
                f.sheet.clone(),
                f.title.clone().unwrap_or_default(),
                f.kind.to_string(),
                f.columns.len().to_string(),
                data.to_string(),
                matched.to_string(),
                proposed.to_string(),
            ]));
        }
        let mut proposal_rows = vec![row(&[
            "提议代码".into(),
            "名称".into(),
            "别名".into(),
            "索要的表数".into(),
        ])];
        for p in &self.proposals {
            proposal_rows.push(row(&[
                p.code.clone(),
                p.name.clone(),
                p.aliases.join("|"),
                p.forms.to_string(),
            ]));
        }
        let sheets = [
            ("汇总", summary),
            ("重复索要", repeated_rows),
            ("各表", form_rows),
            ("新数据项", proposal_rows),
        ];
        let outs: Vec<SheetOut<'_>> = sheets
            .iter()
            .map(|(name, rows)| SheetOut {
                name,
                rows,
                merges: &[],
                header_rows: (0, 0),
                data_rows: None,
                number_formats: &[],
            })
            .collect();
        write_xlsx(&outs)
    }
}

/// A proposal the office accepts into the dictionary.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AcceptProposal {
    /// The proposed code, `new.<pinyin>`.
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// person, household, house or organization.
    pub entity: String,
}

impl App {
    /// Whether `actor` audits forms: the 减负办 and departments, who
    /// design reports. Asked before an upload is read; a refusal is
    /// audited.
    pub async fn may_audit_forms(&self, actor: &CurrentUser, ip: Option<String>) -> Result<()> {
        if matches!(actor.role, Role::Department | Role::Jianfuban) {
            return Ok(());
        }
        Err(self
            .deny(actor, "forms.audit", "只有部门和减负办可以审计表格", ip)
            .await)
    }

    /// Audits uploaded forms with the dictionary in use and the learned
    /// aliases of the reader's unit. The 减负办 and departments audit; the
    /// reading runs on the blocking pool within the upload limits.
    pub async fn audit_forms(
        &self,
        actor: &CurrentUser,
        files: UploadedFiles,
        ip: Option<String>,
    ) -> Result<Report> {
        self.may_audit_forms(actor, ip).await?;
        if files.is_empty() {
            return Err(AppError::Invalid("请选择要审计的表格文件".into()));
        }
        if files.len() > MAX_AUDIT_FILES {
            return Err(AppError::Invalid(format!(
                "一次最多审计 {MAX_AUDIT_FILES} 个文件，这次选了 {} 个；请分批上传",
                files.len()
            )));
        }
        let learned = self.design_aliases(actor.unit.id).await?;
        let held = self.db.elements_held(2_000).await?;
        let dict = self.dict();
        // Audits wait for each other rather than share the cores.
        let _turn = self
            .forms_audit
            .acquire()
            .await
            .map_err(|_| AppError::Invalid("表格审计暂不可用，请稍后重试".into()))?;
        tokio::task::spawn_blocking(move || {
            let matcher = Matcher::new(&dict, &learned);
            let mut report = Report::default();
            let mut cells = 0;
            for (name, bytes) in &files {
                // A batch is a county's forms: past the budget, the rest
                // is named and left for another batch.
                if cells >= MAX_AUDIT_CELLS {
                    report.errors.push((
                        name.clone(),
                        format!("本批表格合计已超过 {MAX_AUDIT_CELLS} 个单元格，这个文件没有审计；请分批上传"),
                    ));
                    continue;
                }
                cells += report.add_workbook(name, bytes, &matcher, &dict, &SheetLimits::UPLOAD);
            }
            report.propose_new_items();
            report.held = Some(held);
            report
        })
        .await
        .map_err(|_| AppError::Invalid("表格审计中断，请重试".into()))
    }

    /// The office accepts a proposed item: a new element
    /// `<entity>.<pinyin>`, with the wordings seen as aliases, saved as
    /// any dictionary edit is (a version, audited). Accepting the same
    /// proposal again finds the element it made and adds nothing.
    pub async fn accept_proposal(
        &self,
        actor: &CurrentUser,
        input: &AcceptProposal,
        ip: Option<String>,
    ) -> Result<String> {
        if actor.role != Role::Jianfuban {
            return Err(self
                .deny(
                    actor,
                    &format!(
                        "element:{}",
                        input.code.chars().take(60).collect::<String>()
                    ),
                    "只有减负办可以收录新指标",
                    ip,
                )
                .await);
        }
        let Some(slug) = input.code.strip_prefix(PROPOSED_PREFIX) else {
            return Err(AppError::Invalid(format!(
                "“{}”不是提议的数据项代码（应以 {PROPOSED_PREFIX} 开头）",
                input.code.chars().take(60).collect::<String>()
            )));
        };
        if slug.is_empty()
            || slug.len() > 60
            || !slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(AppError::Invalid(format!(
                "提议代码“{}”格式不对",
                input.code.chars().take(60).collect::<String>()
            )));
        }
        let entity = input.entity.trim();
        if !["person", "household", "house", "organization"].contains(&entity) {
            return Err(AppError::Invalid(format!(
                "数据项属于“人、户、房、单位”之一，而不是“{}”",
                entity.chars().take(20).collect::<String>()
            )));
        }
        let name = input.name.trim().to_string();
        let plain =
            |t: &str| !t.is_empty() && t.chars().count() <= 40 && !t.chars().any(char::is_control);
        if !plain(&name) {
            return Err(AppError::Invalid(
                "数据项名称应为 1 到 40 个字，不含换行或制表符".into(),
            ));
        }
        let code = format!("{entity}.{slug}");
        // Two accepts at once (a double click) must not both pass the check
        // below and each save a version.
        let _one_at_a_time = self.dictionary_edit.lock().await;
        let dict = self.dict();
        if let Some(existing) = dict.element(&code) {
            // Accepted before: the element this proposal made.
            if existing.name == name {
                return Ok(code);
            }
            return Err(AppError::Invalid(format!(
                "代码 {code} 已是指标“{}”，与“{name}”不同；请在指标库中新建",
                existing.name
            )));
        }
        // A wording another element already has stays with it; a wording
        // seen twice is kept once.
        let mut aliases: Vec<String> = Vec::new();
        for a in &input.aliases {
            let a = a.trim().to_string();
            if plain(&a) && a != name && dict.by_label(&a).is_none() && !aliases.contains(&a) {
                aliases.push(a);
            }
            if aliases.len() >= 20 {
                break;
            }
        }
        if let Some(owner) = dict.by_label(&name) {
            return Err(AppError::Invalid(format!(
                "“{name}”已是指标“{}”（{}）的名称或别名，不必新建",
                owner.name, owner.code
            )));
        }
        let edit = ElementEdit {
            code: code.clone(),
            name,
            aliases,
            entity: Some(entity.to_string()),
            value_type: Some("text".into()),
            sensitivity: "内部".into(),
            ..ElementEdit::default()
        };
        self.save_element(actor, &edit, ip).await?;
        Ok(code)
    }
}
