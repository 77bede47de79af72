//! Auditing a set of forms: every sheet of every workbook under the given
//! paths is analysed, and the report says how many distinct data items the
//! forms really ask for and which are asked again and again.

use super::read::{is_workbook_name, read_workbook_within};
use crate::workbook::SheetLimits;
use jianfu_core::dictionary::Dictionary;
use jianfu_core::forms::proposals::{propose, Proposal, Unmatched};
use jianfu_core::forms::{analyze_sheet, Matcher};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize)]
pub struct ReportColumn {
    pub index: usize,
    pub path: Vec<String>,
    pub element: Option<String>,
    pub data: bool,
    pub confidence: f64,
    /// The element is one proposed for this batch (`new.…`): several
    /// forms ask for it and the dictionary does not have it yet.
    pub proposed: bool,
    #[serde(skip)]
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FormReport {
    pub file: String,
    pub sheet: String,
    pub title: Option<String>,
    pub kind: &'static str,
    pub columns: Vec<ReportColumn>,
}

#[derive(Debug, Default)]
pub struct Report {
    pub forms: Vec<FormReport>,
    /// The elements the register holds values for, when the audit ran
    /// against a database; None from the command line (the dictionary).
    pub held: Option<std::collections::HashSet<String>>,
    /// New items several forms of the batch ask for (see `propose_new_items`).
    pub proposals: Vec<Proposal>,
    /// (file, sheet, why it is not a form)
    pub skipped: Vec<(String, String, String)>,
    /// (file, what went wrong)
    pub errors: Vec<(String, String)>,
}

fn collect(path: &Path, out: &mut Vec<PathBuf>, errors: &mut Vec<(String, String)>) {
    let shown = path.display().to_string();
    match std::fs::metadata(path) {
        Err(e) => errors.push((shown, format!("无法访问：{e}"))),
        Ok(m) if m.is_dir() => {
            let mut entries: Vec<PathBuf> = match std::fs::read_dir(path) {
                Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
                Err(e) => {
                    errors.push((shown, format!("无法读取目录：{e}")));
                    return;
                }
            };
            entries.sort();
            for p in entries {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                // Excel's lock files (~$表.xlsx) and hidden files are not forms.
                if name.starts_with("~$") || name.starts_with('.') {
                    continue;
                }
                if p.is_dir() || is_workbook_name(&name) {
                    collect(&p, out, errors);
                }
            }
        }
        Ok(_) => out.push(path.to_path_buf()),
    }
}

/// Analyses every workbook under `paths`. Nothing here stops at a bad
/// file: it is recorded and the rest are still analysed.
pub fn analyze_paths(
    paths: &[PathBuf],
    dict: &Dictionary,
    learned: &HashMap<String, String>,
) -> Report {
    let mut report = Report::default();
    let mut files = Vec::new();
    for p in paths {
        collect(p, &mut files, &mut report.errors);
    }
    let matcher = Matcher::new(dict, learned);
    for file in files {
        let shown = file.display().to_string();
        match std::fs::read(&file) {
            Ok(bytes) => {
                report.add_workbook(&shown, &bytes, &matcher, dict, &SheetLimits::COMMAND_LINE);
            }
            Err(e) => report.errors.push((shown, format!("无法读取：{e}"))),
        }
    }
    report.propose_new_items();
    report
}

impl Report {
    /// Analyses every sheet of one workbook into the report; a file that
    /// cannot be read is an error naming it, a sheet that is not a form is
    /// skipped with its reason. Nothing here stops the batch.
    pub(crate) fn add_workbook(
        &mut self,
        shown: &str,
        bytes: &[u8],
        matcher: &Matcher<'_>,
        dict: &Dictionary,
        limits: &SheetLimits,
    ) -> usize {
        let sheets = match read_workbook_within(shown, bytes, limits) {
            Ok(s) => s,
            Err(e) => {
                self.errors.push((shown.to_string(), e.to_string()));
                return 0;
            }
        };
        let mut cells = 0;
        for (name, sheet) in sheets {
            let sheet = match sheet {
                Ok(s) => s,
                Err(e) => {
                    self.skipped.push((shown.to_string(), name, e.to_string()));
                    continue;
                }
            };
            cells += sheet.grid.width() * sheet.grid.height();
            match analyze_sheet(&sheet.grid, matcher) {
                Ok(a) => self.forms.push(FormReport {
                    file: shown.to_string(),
                    sheet: sheet.sheet,
                    title: a.layout.title.clone(),
                    kind: a.layout.kind.code(),
                    columns: a
                        .columns
                        .into_iter()
                        .map(|c| ReportColumn {
                            index: c.index,
                            path: c.path,
                            // A yes/no column of a coded item asks the
                            // same fact as the coded column.
                            element: c.matched.element.map(|e| dict.fact_of(&e).to_string()),
                            data: c.matched.data,
                            confidence: (c.matched.confidence * 100.0).round() / 100.0,
                            proposed: false,
                            reason: c.matched.reason,
                        })
                        .collect(),
                }),
                Err(e) => self
                    .skipped
                    .push((shown.to_string(), sheet.sheet, e.to_string())),
            }
        }
        cells
    }

    /// Unmatched data columns of the batch's registers and cards, grouped
    /// across forms: a group that several forms ask for gets one proposed
    /// element. Statistical measures are left out: a count is defined by
    /// its table, not asked of a resident.
    pub fn propose_new_items(&mut self) {
        let mut at = Vec::new();
        let mut unmatched = Vec::new();
        for (fi, f) in self.forms.iter().enumerate() {
            if f.kind == "statistical" {
                continue;
            }
            for (ci, c) in f.columns.iter().enumerate() {
                if c.data && c.element.is_none() {
                    at.push((fi, ci));
                    unmatched.push(Unmatched {
                        form: fi,
                        path: c.path.clone(),
                    });
                }
            }
        }
        let (proposals, codes) = propose(&unmatched);
        for ((fi, ci), code) in at.into_iter().zip(codes) {
            if let Some(code) = code {
                let c = &mut self.forms[fi].columns[ci];
                c.element = Some(code);
                c.proposed = true;
                c.reason = "词典中没有；本批中还有别的表问同一项，提议新建".into();
            }
        }
        self.proposals = proposals;
    }

    fn data_columns(&self) -> impl Iterator<Item = (&FormReport, &ReportColumn)> {
        self.forms
            .iter()
            .flat_map(|f| f.columns.iter().map(move |c| (f, c)))
            .filter(|(_, c)| c.data)
    }

    /// The documented contract of `jianfu forms analyze --json`.
    pub fn contract_json(&self) -> serde_json::Value {
        let columns: usize = self.forms.iter().map(|f| f.columns.len()).sum();
        let data_columns = self.data_columns().count();
        // A proposed element counts as matched here: the contract says
        // "equal codes mean the same item", and `proposed` tells them apart.
        let matched = self
            .data_columns()
            .filter(|(_, c)| c.element.is_some())
            .count();
        let distinct: BTreeSet<&str> = self
            .data_columns()
            .filter_map(|(_, c)| c.element.as_deref())
            .collect();
        serde_json::json!({
            "forms": self.forms,
            "summary": {
                "forms": self.forms.len(),
                "columns": columns,
                "data_columns": data_columns,
                "matched": matched,
                "distinct_elements": distinct.len(),
            }
        })
    }

    /// The share of a register form's data columns that the register
    /// fills today: those matched to a dictionary element (not a proposed
    /// one). Statistical tables are left out: their cells are counts the
    /// register sums, not facts it holds. Every row of a roster has the
    /// same columns, so the share of columns is the share of cells.
    ///
    /// Against a database (`held` known), only elements the register holds
    /// values for count: one just accepted into the dictionary prefills
    /// nothing yet.
    pub fn prefill_share(&self) -> f64 {
        let held = self.held.as_ref();
        let register_columns = || {
            self.forms
                .iter()
                .filter(|f| f.kind != "statistical")
                .flat_map(|f| f.columns.iter())
                .filter(|c| c.data)
        };
        let total = register_columns().count();
        let filled = register_columns()
            .filter(|c| !c.proposed)
            .filter(|c| match (&c.element, held) {
                (Some(e), Some(h)) => h.contains(e),
                (Some(_), None) => true,
                (None, _) => false,
            })
            .count();
        if total == 0 {
            0.0
        } else {
            (filled as f64 / total as f64 * 1000.0).round() / 1000.0
        }
    }

    /// A reader's summary in Chinese: how many distinct data items the
    /// forms really ask for, which are asked most, and by which forms.
    pub fn summary_zh(&self, dict: &Dictionary) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        if self.forms.is_empty() {
            let _ = writeln!(
                s,
                "没有读到任何表格：{} 个文件无法打开，{} 个工作表不是表格（原因见标准错误输出）。",
                self.errors.len(),
                self.skipped.len()
            );
            return s;
        }
        let form_name = |f: &FormReport| match &f.title {
            Some(t) => t.clone(),
            None => format!("{}（{}）", file_name(&f.file), f.sheet),
        };
        let items: BTreeMap<String, (String, BTreeSet<usize>)> = self
            .items(dict)
            .into_iter()
            .map(|i| (i.key, (i.label, i.forms.into_iter().collect())))
            .collect();
        let data_columns = self.data_columns().count();
        let matched = self
            .data_columns()
            .filter(|(_, c)| c.element.is_some() && !c.proposed)
            .count();
        let _ = writeln!(
            s,
            "分析了 {} 张表，共 {} 个栏目，其中数据栏目 {} 个（{} 个已对应到指标库）。",
            self.forms.len(),
            self.forms.iter().map(|f| f.columns.len()).sum::<usize>(),
            data_columns,
            matched
        );
        let _ = writeln!(
            s,
            "去掉重复后，这些表实际只要求 {} 项不同的数据；{} 个数据栏目是在重复索要别的表已经要过的数据。",
            items.len(),
            data_columns.saturating_sub(items.len())
        );
        let mut repeated: Vec<_> = items
            .values()
            .filter(|(_, forms)| forms.len() >= 2)
            .collect();
        let _ = writeln!(
            s,
            "其中 {} 项被两张以上的表同时索要；按登记表的数据栏目计，基础库今天能预填 {:.1}%。",
            repeated.len(),
            self.prefill_share() * 100.0
        );
        if !self.proposals.is_empty() {
            let _ = writeln!(
                s,
                "有 {} 项数据词典中没有、却被几张表同时索要，提议新建（减负办可在“指标库”收录）：",
                self.proposals.len()
            );
            for p in &self.proposals {
                let _ = writeln!(s, "  {}（{}）：{} 张表", p.name, p.code, p.forms);
            }
        }
        repeated.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
        if !repeated.is_empty() {
            let _ = writeln!(s, "\n被重复索要最多的数据项：");
            for (label, forms) in repeated.iter().take(20) {
                let names: Vec<String> = forms.iter().map(|&i| form_name(&self.forms[i])).collect();
                let _ = writeln!(s, "  {label}：{} 张表 — {}", forms.len(), names.join("、"));
            }
        }
        let _ = writeln!(s, "\n各表：");
        for f in &self.forms {
            let data = f.columns.iter().filter(|c| c.data).count();
            let hit = f
                .columns
                .iter()
                .filter(|c| c.data && c.element.is_some() && !c.proposed)
                .count();
            let _ = writeln!(
                s,
                "  {} / {}：{}，{} 个栏目，数据栏目 {} 个，已对应 {} 个",
                f.file,
                f.sheet,
                f.title.as_deref().unwrap_or("（无标题）"),
                f.columns.len(),
                data,
                hit
            );
        }
        s
    }
}

fn file_name(path: &str) -> &str {
    Path::new(path)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(path)
}
