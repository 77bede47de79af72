//! Reading a file into a grid of strings.

use crate::{AppError, Result};
use calamine::{Data, Reader};
use std::io::Cursor;

/// The first sheet of a file as text cells; row 0 is the file's first row.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub sheet: String,
    pub rows: Vec<Vec<String>>,
}

pub(crate) fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        // Whole numbers come back as floats; "3.0" would not be a count.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Data::DateTime(dt) => dt
            .as_datetime()
            .map(|t| t.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| dt.as_f64().to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#错误:{e:?}"),
    }
}

/// Decodes CSV bytes: UTF-8 (with or without BOM), else GB18030, which
/// Excel in Chinese locales writes.
fn decode_csv(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

pub fn read_table(file_name: &str, bytes: &[u8]) -> Result<Table> {
    let lower = file_name.to_ascii_lowercase();
    if lower.ends_with(".csv") || lower.ends_with(".txt") {
        let text = decode_csv(bytes);
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut rows = Vec::new();
        for (i, rec) in r.records().enumerate() {
            let rec = rec.map_err(|e| {
                AppError::Invalid(format!("{file_name} 第{}行不是有效的 CSV：{e}", i + 1))
            })?;
            rows.push(rec.iter().map(|c| c.trim().to_string()).collect());
        }
        return Ok(Table {
            sheet: String::new(),
            rows,
        });
    }
    if !(lower.ends_with(".xlsx")
        || lower.ends_with(".xls")
        || lower.ends_with(".xlsm")
        || lower.ends_with(".ods"))
    {
        return Err(AppError::Invalid(format!(
            "不支持的文件类型：{file_name}（支持 xlsx、xls、ods、csv）"
        )));
    }
    let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| AppError::Invalid(format!("{file_name} 无法打开，文件可能已损坏：{e}")))?;
    let names = wb.sheet_names();
    let Some(first) = names.first().cloned() else {
        return Err(AppError::Invalid(format!("{file_name} 中没有工作表")));
    };
    let range = wb
        .worksheet_range(&first)
        .map_err(|e| AppError::Invalid(format!("{file_name} 的工作表“{first}”无法读取：{e}")))?;
    let rows = range
        .rows()
        .map(|r| r.iter().map(cell_text).collect())
        .collect();
    Ok(Table { sheet: first, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_in_gbk_is_decoded() {
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,身份证号\n张三,1\n");
        let t = read_table("a.csv", &gbk).unwrap();
        assert_eq!(t.rows[0], vec!["姓名", "身份证号"]);
        assert_eq!(t.rows[1][0], "张三");
    }

    #[test]
    fn broken_spreadsheet_is_named() {
        let err = read_table("坏文件.xlsx", b"not a zip at all")
            .unwrap_err()
            .to_string();
        assert!(err.contains("坏文件.xlsx") && err.contains("损坏"), "{err}");
        assert!(read_table("a.pdf", b"")
            .unwrap_err()
            .to_string()
            .contains("不支持"));
    }
}
