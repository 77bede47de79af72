//! Reading a file into a grid of strings.

use crate::workbook::{is_workbook_name, read_sheets, too_big, SheetLimits, Sheets};
use crate::{AppError, Result};

/// The first sheet of a file as text cells; row 0 is the file's first row.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub sheet: String,
    pub rows: Vec<Vec<String>>,
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

/// The first sheet of a file within `limits`: the web passes
/// `SheetLimits::UPLOAD`, the command line `SheetLimits::COMMAND_LINE`.
pub fn read_table(file_name: &str, bytes: &[u8], limits: &SheetLimits) -> Result<Table> {
    let lower = file_name.to_ascii_lowercase();
    if lower.ends_with(".csv") || lower.ends_with(".txt") {
        return read_csv(file_name, bytes, limits);
    }
    if !is_workbook_name(file_name) {
        return Err(AppError::Invalid(format!(
            "不支持的文件类型：{file_name}（支持 xlsx、xls、ods、csv）"
        )));
    }
    let mut sheets = read_sheets(file_name, bytes, Sheets::First, limits)?;
    let Some((sheet, rows)) = sheets.pop() else {
        return Err(AppError::Invalid(format!("{file_name} 中没有工作表")));
    };
    Ok(Table {
        rows: rows?.rows,
        sheet,
    })
}

/// Counts the fields of each line before the parser sees them: the csv
/// crate holds a whole record at once, and one line of eight million commas
/// took 400 MB to hold.
fn prescan_csv(file_name: &str, text: &[u8], limits: &SheetLimits) -> Result<()> {
    // Quotes as the csv crate reads them: a quote opens a quoted field
    // only at the start of a field, `""` inside one is a quote, and a quote
    // in the middle of an unquoted field is text (`x"` once put a plain
    // toggle out of step, and 31 MB of commas went unseen).
    let (mut quoted, mut at_start, mut line, mut fields, mut total) =
        (false, true, 1u64, 1u64, 0u64);
    let mut bytes = text.iter().peekable();
    while let Some(&b) = bytes.next() {
        if quoted {
            if b == b'"' {
                if bytes.peek() == Some(&&b'"') {
                    bytes.next();
                } else {
                    quoted = false;
                }
            }
            continue;
        }
        match b {
            b'"' if at_start => {
                quoted = true;
                at_start = false;
            }
            b',' => {
                at_start = true;
                fields += 1;
                if fields > limits.max_columns {
                    return Err(too_big(
                        file_name,
                        &format!("第{line}行超过 {} 列", limits.max_columns),
                        limits,
                    ));
                }
            }
            b'\n' => {
                at_start = true;
                total += fields;
                line += 1;
                fields = 1;
                if total > limits.max_cells {
                    return Err(too_big(
                        file_name,
                        &format!("到第{line}行累计超过 {} 个单元格", limits.max_cells),
                        limits,
                    ));
                }
            }
            b'\r' => {}
            _ => at_start = false,
        }
    }
    Ok(())
}

/// CSV within the same limits as a sheet: a file of commas alone would
/// otherwise become millions of empty strings.
fn read_csv(file_name: &str, bytes: &[u8], limits: &SheetLimits) -> Result<Table> {
    let text = decode_csv(bytes);
    prescan_csv(file_name, text.as_bytes(), limits)?;
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut cells = 0u64;
    let mut record = csv::StringRecord::new();
    for line in 1u64.. {
        match r.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let at = e.position().map_or(line, |p| p.line());
                return Err(AppError::Invalid(format!(
                    "{file_name} 第{at}行不是有效的 CSV（引号不成对或编码有误）"
                )));
            }
        }
        if line > limits.max_rows {
            return Err(too_big(
                file_name,
                &format!("超过 {} 行（含标题和表头）", limits.max_rows),
                limits,
            ));
        }
        cells += record.len() as u64;
        if cells > limits.max_cells || record.len() as u64 > limits.max_columns {
            return Err(too_big(
                file_name,
                &format!(
                    "第{line}行累计超过 {} 个单元格（每行最多 {} 列）",
                    limits.max_cells, limits.max_columns
                ),
                limits,
            ));
        }
        if let Some(col) = record.iter().position(|c| {
            c.len() > limits.max_cell_chars && c.chars().count() > limits.max_cell_chars
        }) {
            return Err(too_big(
                file_name,
                &format!(
                    "第{line}行第{}列超过 {} 个字符",
                    col + 1,
                    limits.max_cell_chars
                ),
                limits,
            ));
        }
        rows.push(record.iter().map(|c| c.trim().to_string()).collect());
    }
    Ok(Table {
        sheet: String::new(),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_in_gbk_is_decoded() {
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,身份证号\n张三,1\n");
        let t = read_table("a.csv", &gbk, &SheetLimits::UPLOAD).unwrap();
        assert_eq!(t.rows[0], vec!["姓名", "身份证号"]);
        assert_eq!(t.rows[1][0], "张三");
    }

    #[test]
    fn broken_spreadsheet_is_named() {
        let err = read_table("坏文件.xlsx", b"not a zip at all", &SheetLimits::UPLOAD)
            .unwrap_err()
            .to_string();
        assert!(err.contains("坏文件.xlsx") && err.contains("损坏"), "{err}");
        assert!(read_table("a.pdf", b"", &SheetLimits::UPLOAD)
            .unwrap_err()
            .to_string()
            .contains("不支持"));
    }
}
