//! Auditing a set of forms: every sheet of every workbook under the given
//! paths is analysed, and the report says how many distinct data items the
//! forms really ask for and which are asked again and again.

use super::read::{is_workbook_name, read_workbook_within};
use crate::workbook::SheetLimits;
use jianfu_core::dictionary::{normalize_label, Dictionary};
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
        let bytes = match std::fs::read(&file) {
            Ok(b) => b,
            Err(e) => {
                report.errors.push((shown, format!("无法读取：{e}")));
                continue;
            }
        };
        let sheets = match read_workbook_within(&shown, &bytes, &SheetLimits::COMMAND_LINE) {
            Ok(s) => s,
            Err(e) => {
                report.errors.push((shown, e.to_string()));
                continue;
            }
        };
        for (name, sheet) in sheets {
            let sheet = match sheet {
                Ok(s) => s,
                Err(e) => {
                    report.skipped.push((shown.clone(), name, e.to_string()));
                    continue;
                }
            };
            match analyze_sheet(&sheet.grid, &matcher) {
                Ok(a) => report.forms.push(FormReport {
                    file: shown.clone(),
                    sheet: sheet.sheet,
                    title: a.layout.title.clone(),
                    kind: a.layout.kind.code(),
                    columns: a
                        .columns
                        .into_iter()
                        .map(|c| ReportColumn {
                            index: c.index,
                            path: c.path,
                            element: c.matched.element,
                            data: c.matched.data,
                            confidence: (c.matched.confidence * 100.0).round() / 100.0,
                            reason: c.matched.reason,
                        })
                        .collect(),
                }),
                Err(e) => report
                    .skipped
                    .push((shown.clone(), sheet.sheet, e.to_string())),
            }
        }
    }
    report
}

impl Report {
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

    /// A reader's summary in Chinese: how many distinct data items the
    /// forms really ask for, which are asked most, and by which forms.
    pub fn summary_zh(&self, dict: &Dictionary) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let form_name = |f: &FormReport| match &f.title {
            Some(t) => t.clone(),
            None => format!("{}（{}）", file_name(&f.file), f.sheet),
        };
        // Items: an element, or for unmatched data columns their wording.
        let mut items: BTreeMap<String, (String, BTreeSet<usize>)> = BTreeMap::new();
        for (i, f) in self.forms.iter().enumerate() {
            for c in f.columns.iter().filter(|c| c.data) {
                let (key, label) = match &c.element {
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
                items
                    .entry(key)
                    .or_insert_with(|| (label, BTreeSet::new()))
                    .1
                    .insert(i);
            }
        }
        let data_columns = self.data_columns().count();
        let matched = self
            .data_columns()
            .filter(|(_, c)| c.element.is_some())
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
                .filter(|c| c.data && c.element.is_some())
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
        for (file, sheet, why) in &self.skipped {
            let _ = writeln!(s, "跳过 {file} / {sheet}：不是表格（{why}）");
        }
        for (file, why) in &self.errors {
            let _ = writeln!(s, "错误 {file}：{why}");
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
