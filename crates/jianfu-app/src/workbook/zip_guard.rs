//! The zip container of xlsx and ods, checked before calamine opens it.
//!
//! Declared sizes in a zip can lie, so each entry is inflated into a counter
//! (never into memory) with the limit as a hard stop; a bomb is refused after
//! at most `max_entry_bytes` of work and no allocation beyond a buffer.

use super::{column_name, too_big, Format, SheetLimits};
use crate::{AppError, Result};
use quick_xml::events::{BytesStart, Event};
use std::io::{BufReader, Cursor, Read};

fn open<'a>(file_name: &str, bytes: &'a [u8]) -> Result<zip::ZipArchive<Cursor<&'a [u8]>>> {
    zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| super::broken(file_name, e))
}

/// xlsx/xlsm or ods, by the entries the container holds.
pub(super) fn zip_format(file_name: &str, bytes: &[u8]) -> Result<Format> {
    let zip = open(file_name, bytes)?;
    let has = |name: &str| zip.index_for_name(name).is_some();
    if has("xl/workbook.xml") {
        Ok(Format::Xlsx)
    } else if has("content.xml") {
        Ok(Format::Ods)
    } else if has("xl/workbook.bin") {
        Err(AppError::Invalid(format!(
            "{file_name} 是 Excel 二进制工作簿（xlsb），暂不支持：请在 Excel 中另存为 xlsx 后再上传"
        )))
    } else {
        Err(AppError::Invalid(format!(
            "{file_name} 是压缩文件，但不是 Excel（xlsx）或 ODS 工作簿"
        )))
    }
}

/// Counts bytes written without keeping them.
struct Counter(u64);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every entry within the per-entry and total limits, measured by inflating
/// it; for ods, `content.xml` is also scanned for what calamine would expand.
pub(super) fn check_entries(
    file_name: &str,
    bytes: &[u8],
    limits: &SheetLimits,
    ods: bool,
) -> Result<()> {
    let mut zip = open(file_name, bytes)?;
    if zip.len() > limits.max_zip_entries {
        return Err(too_big(
            file_name,
            &format!(
                "压缩包内有 {} 个部件，最多 {} 个",
                zip.len(),
                limits.max_zip_entries
            ),
            limits,
        ));
    }
    let mut total = 0u64;
    let mut parts = PartTotals::default();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| super::broken(file_name, e))?;
        let name = entry.name().to_string();
        if entry.encrypted() {
            return Err(AppError::Invalid(format!(
                "{file_name} 已加密，请取消密码后再上传"
            )));
        }
        let declared = entry.size();
        if declared > limits.max_entry_bytes {
            return Err(entry_too_big(file_name, &name, declared, limits));
        }
        let mut counter = Counter(0);
        // One byte past the limit tells a bomb from a file exactly at it.
        let mut bounded = (&mut entry).take(limits.max_entry_bytes + 1);
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".xml") || lower.ends_with(".rels") {
            let mut tee = Tee {
                inner: &mut bounded,
                counter: &mut counter,
            };
            scan_xml_part(
                file_name,
                &name,
                BufReader::new(&mut tee),
                limits,
                &mut parts,
            )?;
        }
        std::io::copy(&mut bounded, &mut counter).map_err(|e| super::broken(file_name, e))?;
        if counter.0 > limits.max_entry_bytes {
            return Err(entry_too_big(file_name, &name, counter.0, limits));
        }
        total += counter.0;
        if total > limits.max_total_bytes {
            return Err(too_big(
                file_name,
                &format!(
                    "解压后共超过 {} MB，最多 {} MB",
                    total >> 20,
                    limits.max_total_bytes >> 20
                ),
                limits,
            ));
        }
    }
    if ods {
        let entry = zip
            .by_name("content.xml")
            .map_err(|e| super::broken(file_name, e))?;
        scan_ods_content(file_name, BufReader::new(entry), limits)?;
    }
    Ok(())
}

/// Passes bytes through, counting them.
struct Tee<'a, R> {
    inner: &'a mut R,
    counter: &'a mut Counter,
}

impl<R: Read> Read for Tee<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.0 += n as u64;
        Ok(n)
    }
}

/// What the XML parts of one file hold together.
#[derive(Default)]
struct PartTotals {
    /// `<c>` elements of all worksheets, empty ones included: calamine
    /// parses each, and 10 MB of empty cells took seconds a sheet.
    cells: u64,
    /// Worksheet parts the workbook's relationships point to.
    sheet_targets: std::collections::HashSet<String>,
}

/// Cell formats in styles.xml (Excel's own limit is 64,000), and the
/// length of one number format's code (Excel's is 255 characters):
/// calamine reads every format code once per cell format that uses it.
pub(super) const MAX_CELL_FORMATS: u64 = 65_536;
pub(super) const MAX_FORMAT_CODE_BYTES: usize = 1_024;
/// Defined names in workbook.xml; calamine keeps them all.
pub(super) const MAX_DEFINED_NAMES: u64 = 10_000;

/// Elements nested in one XML part. A real workbook nests about ten deep;
/// the XML reader keeps every open element's name, so 40 million nested
/// elements cost it hundreds of megabytes before calamine sees a cell.
pub(super) const MAX_XML_DEPTH: usize = 100;

/// One XML part walked once, keeping nothing: how deep its elements nest
/// and, for the shared strings of an xlsx (which calamine loads whole when
/// it opens the file), how many strings and how much text they hold. XML
/// the reader cannot parse is left to calamine to refuse.
fn scan_xml_part(
    file_name: &str,
    entry: &str,
    input: impl std::io::BufRead,
    limits: &SheetLimits,
    parts: &mut PartTotals,
) -> Result<()> {
    // calamine finds parts ignoring case and reads `\` as `/`: so must we,
    // or `xl\worksheets\sheet1.xml` escapes the cell count.
    let lower = entry.to_ascii_lowercase().replace('\\', "/");
    let shared = lower.ends_with("sharedstrings.xml");
    // calamine reads a sheet from wherever its relationship points
    // (worksheets, chartsheets, dialogsheets, anywhere): cells count in
    // every part but the shared strings.
    let worksheet = !shared;
    let styles = lower.ends_with("styles.xml");
    let workbook = lower == "xl/workbook.xml";
    let workbook_rels = lower == "xl/_rels/workbook.xml.rels";
    let (mut formats, mut names) = (0u64, 0u64);
    let mut sheet_ids = std::collections::HashSet::new();
    let mut reader = quick_xml::Reader::from_reader(input);
    let mut buf = Vec::new();
    let (mut depth, mut strings, mut text) = (0usize, 0u64, 0u64);
    let limit = |what: String| too_big(file_name, &what, limits);
    loop {
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(_) => return Ok(()),
        };
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                if matches!(event, Event::Start(_)) {
                    depth += 1;
                    if depth > MAX_XML_DEPTH {
                        return Err(limit(format!(
                            "部件“{entry}”的元素嵌套超过 {MAX_XML_DEPTH} 层"
                        )));
                    }
                }
                let local = e.local_name();
                let local = local.as_ref();
                if worksheet && local == b"c" {
                    parts.cells += 1;
                    if parts.cells > limits.max_cells {
                        return Err(limit(format!(
                            "工作表共有超过 {} 个单元格（含空单元格）",
                            limits.max_cells
                        )));
                    }
                }
                if styles && local == b"xf" {
                    formats += 1;
                    if formats > MAX_CELL_FORMATS {
                        return Err(limit(format!(
                            "样式表有超过 {MAX_CELL_FORMATS} 种单元格格式"
                        )));
                    }
                }
                if styles && local == b"numFmt" {
                    let code = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == b"formatCode")
                        .map_or(0, |a| a.value.len());
                    if code > MAX_FORMAT_CODE_BYTES {
                        return Err(limit(format!(
                            "有数字格式超过 {MAX_FORMAT_CODE_BYTES} 字节"
                        )));
                    }
                }
                if workbook && local == b"definedName" {
                    names += 1;
                    if names > MAX_DEFINED_NAMES {
                        return Err(limit(format!(
                            "工作簿有超过 {MAX_DEFINED_NAMES} 个定义名称"
                        )));
                    }
                }
                // Two sheets naming one worksheet part: each would be read
                // again in full.
                if workbook && local == b"sheet" {
                    let id = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == b"id")
                        .map(|a| a.value.into_owned());
                    if let Some(id) = id {
                        if !sheet_ids.insert(id) {
                            return Err(limit("有多个工作表指向同一个部件".to_string()));
                        }
                    }
                }
                if workbook_rels && local == b"Relationship" {
                    let attr = |key: &[u8]| {
                        e.attributes()
                            .flatten()
                            .find(|a| a.key.as_ref() == key)
                            .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                    };
                    // calamine ignores a relationship's Type, so every
                    // target counts: a workbook names each part once.
                    if let Some(target) = attr(b"Target") {
                        // Spelled in another case or with `\`, a target
                        // is still the same part to calamine.
                        let target = target
                            .to_ascii_lowercase()
                            .replace('\\', "/")
                            .trim_start_matches('/')
                            .trim_start_matches("xl/")
                            .to_string();
                        if !parts.sheet_targets.insert(target) {
                            return Err(limit("有多个工作表指向同一个部件".to_string()));
                        }
                    }
                }
                if shared && local == b"si" {
                    strings += 1;
                    if strings > limits.max_shared_strings {
                        return Err(limit(format!(
                            "共享字符串超过 {} 个",
                            limits.max_shared_strings
                        )));
                    }
                }
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Text(t) if shared => {
                text = text.saturating_add(t.len() as u64);
                if text > limits.max_text_bytes {
                    return Err(limit(format!(
                        "共享字符串的文字超过 {} MB",
                        limits.max_text_bytes >> 20
                    )));
                }
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
        buf.clear();
    }
}

fn entry_too_big(file_name: &str, entry: &str, size: u64, limits: &SheetLimits) -> AppError {
    too_big(
        file_name,
        &format!(
            "部件“{entry}”解压后超过 {} MB（{} 字节），每个部件最多 {} MB",
            size >> 20,
            size,
            limits.max_entry_bytes >> 20
        ),
        limits,
    )
}

fn attr_u64(e: &BytesStart, key: &[u8]) -> Option<u64> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .and_then(|a| std::str::from_utf8(&a.value).ok()?.trim().parse().ok())
}

fn has_attr(e: &BytesStart, key: &[u8]) -> bool {
    e.attributes().flatten().any(|a| a.key.as_ref() == key)
}

fn attr_string(e: &BytesStart, key: &[u8]) -> String {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
        .unwrap_or_default()
}

/// What one sheet of an ods asks calamine to allocate, mirrored from its
/// reader: a non-empty cell is pushed `number-columns-repeated` times, empty
/// cells only when a non-empty one follows; a row with content is expanded
/// `number-rows-repeated` times, empty rows only between rows with content;
/// the result is a rectangle from the first to the last row with content.
#[derive(Default)]
struct OdsSheet {
    name: String,
    /// Rows so far, with their repeats (absolute row of the next row).
    row_cursor: u64,
    first_filled: Option<u64>,
    last_filled_end: u64,
    max_width: u64,
    /// Cells calamine pushes while reading, before the rectangle.
    pushed: u64,
}

#[derive(Default)]
struct OdsRow {
    repeats: u64,
    cursor: u64,
    width: u64,
    text: u64,
}

#[derive(Default)]
struct OdsCell {
    repeats: u64,
    valued: bool,
    text: u64,
}

fn scan_ods_content(
    file_name: &str,
    input: impl std::io::BufRead,
    limits: &SheetLimits,
) -> Result<()> {
    let mut reader = quick_xml::Reader::from_reader(input);
    let mut buf = Vec::new();
    let mut sheet = OdsSheet::default();
    let mut row: Option<OdsRow> = None;
    let mut cell: Option<OdsCell> = None;
    let mut text_total = 0u64;
    // calamine parses every sheet of an .ods when it opens it, so the
    // cells of all sheets count together.
    let mut cells_before = 0u64;
    let limit = |what: String| too_big(file_name, &what, limits);
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| super::broken(file_name, e))?;
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            match e.name().as_ref() {
                b"table:table" => {
                    let done = sheet
                        .last_filled_end
                        .saturating_sub(sheet.first_filled.unwrap_or(0))
                        .saturating_mul(sheet.max_width)
                        .max(sheet.pushed);
                    cells_before = cells_before.saturating_add(done);
                    sheet = OdsSheet {
                        name: attr_string(&e, b"table:name"),
                        ..OdsSheet::default()
                    }
                }
                b"table:table-row" => {
                    let r = OdsRow {
                        repeats: attr_u64(&e, b"table:number-rows-repeated").unwrap_or(1),
                        ..OdsRow::default()
                    };
                    if empty {
                        sheet.row_cursor = sheet.row_cursor.saturating_add(r.repeats);
                    } else {
                        row = Some(r);
                    }
                }
                b"table:table-cell" | b"table:covered-table-cell" => {
                    // Any of these makes calamine keep the cell: a value
                    // type, a formula, a string held in an attribute.
                    let valued = [
                        b"office:value-type".as_slice(),
                        b"table:formula",
                        b"office:string-value",
                        b"office:value",
                    ]
                    .iter()
                    .any(|k| has_attr(&e, k));
                    // Text held in those attributes counts like text.
                    let attr_text: u64 = e
                        .attributes()
                        .flatten()
                        .filter(|a| {
                            matches!(
                                a.key.as_ref(),
                                b"table:formula" | b"office:string-value" | b"office:value"
                            )
                        })
                        .map(|a| a.value.len() as u64)
                        .sum();
                    if attr_text > limits.max_cell_chars as u64 * 4 {
                        return Err(limit(format!(
                            "工作表“{}”有单元格超过 {} 个字符",
                            sheet.name, limits.max_cell_chars
                        )));
                    }
                    let c = OdsCell {
                        repeats: attr_u64(&e, b"table:number-columns-repeated").unwrap_or(1),
                        valued,
                        text: attr_text,
                    };
                    if empty {
                        end_cell(&mut row, c);
                    } else {
                        cell = Some(c);
                    }
                }
                // `<text:s text:c="N"/>` is N spaces in the cell's text.
                b"text:s" => {
                    if let Some(c) = cell.as_mut() {
                        c.text = c.text.saturating_add(attr_u64(&e, b"text:c").unwrap_or(1));
                        if c.text > limits.max_cell_chars as u64 * 4 {
                            return Err(limit(format!(
                                "工作表“{}”有单元格超过 {} 个字符",
                                sheet.name, limits.max_cell_chars
                            )));
                        }
                    }
                }
                _ => {}
            }
        }
        match event {
            Event::Text(t) => {
                if let Some(c) = cell.as_mut() {
                    c.text += t.len() as u64;
                    if c.text > limits.max_cell_chars as u64 * 4 {
                        return Err(limit(format!(
                            "工作表“{}”有单元格超过 {} 个字符",
                            sheet.name, limits.max_cell_chars
                        )));
                    }
                }
            }
            Event::End(e) => match e.name().as_ref() {
                b"table:table-cell" | b"table:covered-table-cell" => {
                    if let Some(c) = cell.take() {
                        end_cell(&mut row, c);
                    }
                }
                b"table:table-row" => {
                    let Some(r) = row.take() else { continue };
                    if r.width > limits.max_columns {
                        return Err(limit(format!(
                            "工作表“{}”第 {} 行用到第 {} 列，最多 {} 列",
                            sheet.name,
                            sheet.row_cursor + 1,
                            r.width,
                            limits.max_columns
                        )));
                    }
                    if r.width > 0 {
                        sheet.first_filled.get_or_insert(sheet.row_cursor);
                        sheet.last_filled_end = sheet.row_cursor.saturating_add(r.repeats);
                        sheet.max_width = sheet.max_width.max(r.width);
                        sheet.pushed = sheet.pushed.saturating_add(r.width);
                        text_total = text_total.saturating_add(r.text.saturating_mul(r.repeats));
                    }
                    sheet.row_cursor = sheet.row_cursor.saturating_add(r.repeats);
                    let span = sheet.last_filled_end - sheet.first_filled.unwrap_or(0);
                    if sheet.last_filled_end > limits.max_rows {
                        return Err(limit(format!(
                            "工作表“{}”用到第 {} 行，最多 {} 行",
                            sheet.name, sheet.last_filled_end, limits.max_rows
                        )));
                    }
                    let cells = span
                        .saturating_mul(sheet.max_width)
                        .max(sheet.pushed)
                        .saturating_add(cells_before);
                    if cells > limits.max_cells {
                        return Err(limit(format!(
                            "工作表“{}”展开后有 {cells} 个单元格（{} 行 × {} 列），最多 {} 个",
                            sheet.name,
                            span,
                            column_name(sheet.max_width.saturating_sub(1)),
                            limits.max_cells
                        )));
                    }
                    if text_total > limits.max_text_bytes {
                        return Err(limit(format!(
                            "单元格文字展开后超过 {} MB",
                            limits.max_text_bytes >> 20
                        )));
                    }
                }
                _ => {}
            },
            Event::Eof => return Ok(()),
            _ => {}
        }
        buf.clear();
    }
}

fn end_cell(row: &mut Option<OdsRow>, c: OdsCell) {
    let Some(r) = row.as_mut() else { return };
    r.cursor = r.cursor.saturating_add(c.repeats);
    if c.valued || c.text > 0 {
        r.width = r.cursor;
        // A value without text (a number) still costs a cell's worth.
        r.text = r
            .text
            .saturating_add(c.text.max(8).saturating_mul(c.repeats));
    }
}
