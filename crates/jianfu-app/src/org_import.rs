//! `jianfu org import DIR`: loads division code files into the org tree.

use crate::{App, AppError, Result};
use jianfu_core::divisions::{self, Rejection};
use jianfu_core::org::short_name;
use jianfu_store::UpsertOutcome;
use std::path::Path;

#[derive(Debug, Default)]
pub struct ImportReport {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: Vec<Rejection>,
}

/// Files are read in this order so parents precede children; any other
/// `.csv` in the directory (e.g. `villages.csv` or `jiulongpo_villages.csv`)
/// is read after them.
const KNOWN_ORDER: [&str; 4] = ["provinces.csv", "cities.csv", "areas.csv", "streets.csv"];

pub fn read_dir_csv(dir: &Path) -> Result<Vec<(String, String)>> {
    if !dir.is_dir() {
        return Err(AppError::Invalid(format!("目录不存在：{}", dir.display())));
    }
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.to_ascii_lowercase().ends_with(".csv"))
        .collect();
    names.sort_by_key(|n| {
        (
            KNOWN_ORDER
                .iter()
                .position(|k| k == n)
                .unwrap_or(KNOWN_ORDER.len()),
            n.clone(),
        )
    });
    if names.is_empty() {
        return Err(AppError::Invalid(format!(
            "目录中没有 CSV 文件：{}",
            dir.display()
        )));
    }
    let mut files = Vec::new();
    for n in names {
        let bytes = std::fs::read(dir.join(&n))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| AppError::Invalid(format!("{n} 不是 UTF-8 编码的文本")))?;
        files.push((n, text));
    }
    Ok(files)
}

impl App {
    /// Imports division files. Idempotent: the same files again change
    /// nothing. Each rejected row is reported with its reason.
    pub async fn import_divisions(&self, files: &[(String, String)]) -> Result<ImportReport> {
        let known = self.db.all_unit_codes().await?;
        let parsed =
            divisions::parse_files(files.iter().map(|(n, t)| (n.as_str(), t.as_str())), &|c| {
                known.contains(c)
            });
        let mut report = ImportReport {
            rejected: parsed.rejected,
            ..Default::default()
        };
        for row in &parsed.rows {
            let outcome = self
                .db
                .upsert_division(
                    &row.code,
                    &row.name,
                    &short_name(&row.name),
                    row.kind,
                    row.parent_code.as_deref(),
                )
                .await?;
            match outcome {
                UpsertOutcome::Inserted => report.inserted += 1,
                UpsertOutcome::Updated => report.updated += 1,
                UpsertOutcome::Unchanged => report.unchanged += 1,
            }
        }
        self.audit(
            None,
            "org.import",
            None,
            "ok",
            Some(format!(
                "新增{}，更新{}，未变{}，拒绝{}",
                report.inserted,
                report.updated,
                report.unchanged,
                report.rejected.len()
            )),
            None,
        )
        .await?;
        Ok(report)
    }
}
