//! Bombs and broken files against the bounded reader, and a bounded fuzz
//! run over generated sheets, bytes flipped in real files, and CSV.

use super::fixtures::*;
use super::*;
use proptest::prelude::*;

fn refused(r: Result<Vec<(String, Result<RawSheet>)>>) -> String {
    match r {
        Err(e) => e.to_string(),
        Ok(_) => panic!("the file should be refused"),
    }
}

fn first_rows(r: Result<Vec<(String, Result<RawSheet>)>>) -> Vec<Vec<String>> {
    let mut sheets = r.expect("readable");
    sheets.remove(0).1.expect("sheet").rows
}

#[test]
fn two_far_corners_are_refused_without_the_rectangle() {
    let body = r#"<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>"#;
    let file = xlsx_of(body, None);
    assert!(file.len() < 4096, "the bomb is small: {}", file.len());
    let m = refused(read_sheets(
        "炸弹.xlsx",
        &file,
        Sheets::All,
        &SheetLimits::UPLOAD,
    ));
    assert!(
        m.contains("炸弹.xlsx") && m.contains("1048576") && m.contains("100000 行"),
        "{m}"
    );
    assert!(
        m.contains("jianfu import"),
        "the web says where large files go: {m}"
    );
    // On the command line the same file is within limits and costs only
    // its two cells, not the 17 billion between them.
    let rows = first_rows(read_sheets(
        "炸弹.xlsx",
        &file,
        Sheets::All,
        &SheetLimits::COMMAND_LINE,
    ));
    assert_eq!(rows.len(), 1_048_576);
    assert_eq!(rows[0], vec!["姓名"]);
    assert_eq!(rows[1_048_575].len(), 16_384);
}

#[test]
fn merges_over_a_million_rows_are_refused() {
    let merges: String = (0..300)
        .map(|i| {
            let col = column_name(i);
            format!(r#"<mergeCell ref="{col}1:{col}1000000"/>"#)
        })
        .collect();
    let body = format!(
        r#"<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData><mergeCells count="300">{merges}</mergeCells>"#
    );
    let m = refused(read_sheets(
        "合并.xlsx",
        &xlsx_of(&body, None),
        Sheets::All,
        &SheetLimits::COMMAND_LINE,
    ));
    assert!(m.contains("合并区域"), "{m}");
}

#[test]
fn one_shared_string_in_many_cells_is_refused_before_copying() {
    let big = "长".repeat(40_000);
    let cells: String = (1..=50)
        .map(|r| format!(r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>"#))
        .collect();
    let file = xlsx_of(
        &format!("<sheetData>{cells}</sheetData>"),
        Some(&format!("<si><t>{big}</t></si>")),
    );
    let m = refused(read_sheets(
        "长文本.xlsx",
        &file,
        Sheets::All,
        &SheetLimits::UPLOAD,
    ));
    assert!(m.contains("A1") && m.contains("32767"), "{m}");
    let small = SheetLimits {
        max_cell_chars: 100_000,
        max_text_bytes: 1 << 20,
        max_shared_strings: 1_000,
        ..SheetLimits::UPLOAD
    };
    let m = refused(read_sheets("长文本.xlsx", &file, Sheets::All, &small));
    assert!(m.contains("文字共超过 1 MB"), "{m}");
}

#[test]
fn shared_strings_and_nesting_are_counted_before_calamine_opens_the_file() {
    use super::fixtures::{deeply_nested_xlsx, many_shared_strings_xlsx};
    let few = SheetLimits {
        max_shared_strings: 1_000,
        ..SheetLimits::UPLOAD
    };
    let m = refused(read_sheets(
        "字符串表.xlsx",
        &many_shared_strings_xlsx(1_001),
        Sheets::All,
        &few,
    ));
    assert!(m.contains("共享字符串超过 1000 个"), "{m}");
    let m = refused(read_sheets(
        "嵌套.xlsx",
        &deeply_nested_xlsx(super::zip_guard::MAX_XML_DEPTH + 1),
        Sheets::All,
        &SheetLimits::UPLOAD,
    ));
    assert!(m.contains("嵌套超过 100 层"), "{m}");
    // At the limits, the guard lets the file through (calamine then
    // judges it on its own terms).
    let at_limit = read_sheets(
        "字符串表.xlsx",
        &many_shared_strings_xlsx(1_000),
        Sheets::All,
        &few,
    );
    assert!(
        !matches!(&at_limit, Err(e) if e.to_string().contains("共享字符串")),
        "{:?}",
        at_limit.err()
    );
}

/// Parts calamine reads whole or again and again, checked first: styles
/// (every format code once per cell format: 2.9 KB took 8 s), defined
/// names (6 million kept 440 MB), one worksheet named by many sheets (read
/// again for each), and empty cells (parsed like any other).
#[test]
fn styles_names_repeated_sheets_and_empty_cells_are_bounded() {
    let workbook = |sheets: &str, names: &str| {
        format!(
            r#"<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{sheets}</sheets>{names}</workbook>"#
        )
    };
    let rels = r#"<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
    let sheet = r#"<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row></sheetData></worksheet>"#;
    let file = |wb: &str, rels: &str, styles: Option<&str>, sheet: &str| {
        let mut entries: Vec<(&str, Vec<u8>)> = vec![
            ("xl/workbook.xml", wb.as_bytes().to_vec()),
            ("xl/_rels/workbook.xml.rels", rels.as_bytes().to_vec()),
            ("xl/worksheets/sheet1.xml", sheet.as_bytes().to_vec()),
        ];
        if let Some(st) = styles {
            entries.push(("xl/styles.xml", st.as_bytes().to_vec()));
        }
        let refs: Vec<(&str, &[u8])> = entries.iter().map(|(n, d)| (*n, d.as_slice())).collect();
        zip_of(&refs)
    };
    let one = r#"<sheet name="S1" sheetId="1" r:id="rId1"/>"#;
    let read = |bytes: Vec<u8>| read_sheets("样式.xlsx", &bytes, Sheets::All, &SheetLimits::UPLOAD);

    let code = "0".repeat(2_000);
    let styles = format!(
        r#"<styleSheet><numFmts count="1"><numFmt numFmtId="164" formatCode="{code}"/></numFmts></styleSheet>"#
    );
    let m = refused(read(file(&workbook(one, ""), rels, Some(&styles), sheet)));
    assert!(m.contains("数字格式超过"), "{m}");
    let styles = format!(
        "<styleSheet><cellXfs>{}</cellXfs></styleSheet>",
        r#"<xf numFmtId="0"/>"#.repeat(70_000)
    );
    let m = refused(read(file(&workbook(one, ""), rels, Some(&styles), sheet)));
    assert!(m.contains("单元格格式"), "{m}");

    let names = format!(
        "<definedNames>{}</definedNames>",
        r#"<definedName name="a">b</definedName>"#.repeat(10_001)
    );
    let m = refused(read(file(&workbook(one, &names), rels, None, sheet)));
    assert!(m.contains("定义名称"), "{m}");

    let twice = format!("{one}{}", r#"<sheet name="S2" sheetId="2" r:id="rId1"/>"#);
    let m = refused(read(file(&workbook(&twice, ""), rels, None, sheet)));
    assert!(m.contains("同一个部件"), "{m}");
    let two_rels = r#"<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet1.xml"/></Relationships>"#;
    let m = refused(read(file(&workbook(one, ""), two_rels, None, sheet)));
    assert!(m.contains("同一个部件"), "{m}");
    // Whatever the relationship's Type says: calamine does not look.
    let odd_type = two_rels.replace("/worksheet\" Target=\"/xl", "/worksheetX\" Target=\"/xl");
    let m = refused(read(file(&workbook(one, ""), &odd_type, None, sheet)));
    assert!(m.contains("同一个部件"), "{m}");
    // The same part in another case, as calamine finds it.
    let case_rels = two_rels.replace("/xl/worksheets/sheet1.xml", "worksheets/Sheet1.XML");
    let m = refused(read(file(&workbook(one, ""), &case_rels, None, sheet)));
    assert!(m.contains("同一个部件"), "{m}");

    let empty = format!(
        "<worksheet><sheetData><row r=\"1\">{}</row></sheetData></worksheet>",
        r#"<c r="B1"/>"#.repeat(2_001)
    );
    let few = SheetLimits {
        max_cells: 2_000,
        ..SheetLimits::UPLOAD
    };
    let m = refused(read_sheets(
        "空单元格.xlsx",
        &file(&workbook(one, ""), rels, None, &empty),
        Sheets::All,
        &few,
    ));
    assert!(m.contains("含空单元格"), "{m}");
    // A sheet stored under chartsheets/ is read as one, and counted.
    let chart_rels = rels.replace("worksheets/sheet1.xml", "chartsheets/sheet1.xml");
    let entries: Vec<(&str, Vec<u8>)> = vec![
        ("xl/workbook.xml", workbook(one, "").into_bytes()),
        ("xl/_rels/workbook.xml.rels", chart_rels.into_bytes()),
        ("xl/chartsheets/sheet1.xml", empty.as_bytes().to_vec()),
    ];
    let refs: Vec<(&str, &[u8])> = entries.iter().map(|(n, d)| (*n, d.as_slice())).collect();
    let m = refused(read_sheets(
        "图表页.xlsx",
        &zip_of(&refs),
        Sheets::All,
        &few,
    ));
    assert!(m.contains("含空单元格"), "{m}");
    // A part named with backslashes is counted too.
    let entries: Vec<(&str, Vec<u8>)> = vec![
        ("xl/workbook.xml", workbook(one, "").into_bytes()),
        ("xl/_rels/workbook.xml.rels", rels.as_bytes().to_vec()),
        ("xl\\worksheets\\sheet1.xml", empty.as_bytes().to_vec()),
    ];
    let refs: Vec<(&str, &[u8])> = entries.iter().map(|(n, d)| (*n, d.as_slice())).collect();
    let m = refused(read_sheets(
        "反斜杠.xlsx",
        &zip_of(&refs),
        Sheets::All,
        &few,
    ));
    assert!(m.contains("含空单元格"), "{m}");
    // An ordinary file with styles and a name is read.
    let styles = r#"<styleSheet><numFmts count="1"><numFmt numFmtId="164" formatCode="0.00"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>"#;
    let names =
        r#"<definedNames><definedName name="打印区域">S1!$A$1:$B$2</definedName></definedNames>"#;
    let rows = first_rows(read(file(&workbook(one, names), rels, Some(styles), sheet)));
    assert_eq!(rows, vec![vec!["姓名".to_string()]]);
}

#[test]
fn an_entry_that_inflates_past_its_limit_is_refused() {
    let zeros = vec![b' '; 3 << 20];
    let body = format!("<sheetData></sheetData>{}", String::from_utf8_lossy(&zeros));
    let file = xlsx_of(&body, None);
    assert!(file.len() < 64 << 10);
    let small = SheetLimits {
        max_entry_bytes: 1 << 20,
        ..SheetLimits::UPLOAD
    };
    let m = refused(read_sheets("压缩.xlsx", &file, Sheets::All, &small));
    assert!(
        m.contains("xl/worksheets/sheet1.xml") && m.contains("每个部件最多 1 MB"),
        "{m}"
    );
}

#[test]
fn ods_repeats_are_counted_as_calamine_expands_them() {
    let body = r#"<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"/></table:table-row>"#;
    let m = refused(read_sheets(
        "重复.ods",
        &ods_of(body),
        Sheets::All,
        &SheetLimits::COMMAND_LINE,
    ));
    assert!(m.contains("表1"), "{m}");
    // Trailing empty rows, as LibreOffice writes them, cost nothing.
    let body = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>姓名</text:p></table:table-cell><table:table-cell table:number-columns-repeated="16383"/></table:table-row><table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>"#;
    let rows = first_rows(read_sheets(
        "正常.ods",
        &ods_of(body),
        Sheets::All,
        &SheetLimits::UPLOAD,
    ));
    assert_eq!(rows, vec![vec!["姓名".to_string()]]);
}

fn number(row: u16, col: u16) -> (u16, Vec<u8>) {
    let mut d = Vec::new();
    d.extend_from_slice(&row.to_le_bytes());
    d.extend_from_slice(&col.to_le_bytes());
    d.extend_from_slice(&0u16.to_le_bytes());
    d.extend_from_slice(&1.0f64.to_le_bytes());
    (0x0203, d)
}

#[test]
fn xls_rectangles_and_claims_are_refused() {
    let file = xls_of(&[vec![number(0, 0), number(65_535, 255)]]);
    let m = refused(read_sheets(
        "旧表.xls",
        &file,
        Sheets::All,
        &SheetLimits::UPLOAD,
    ));
    assert!(m.contains("旧表.xls") && m.contains("65536 行"), "{m}");
    let limits = SheetLimits {
        max_cells: 1_000_000,
        ..SheetLimits::COMMAND_LINE
    };
    let m = refused(read_sheets("旧表.xls", &file, Sheets::All, &limits));
    assert!(m.contains("16777216 个单元格"), "{m}");
    // A DIMENSIONS record claiming four billion rows.
    let mut dims = Vec::new();
    dims.extend_from_slice(&0u32.to_le_bytes());
    dims.extend_from_slice(&u32::MAX.to_le_bytes());
    dims.extend_from_slice(&0u16.to_le_bytes());
    dims.extend_from_slice(&256u16.to_le_bytes());
    dims.extend_from_slice(&0u16.to_le_bytes());
    let file = xls_of(&[vec![(0x0200, dims)]]);
    let m = refused(read_sheets(
        "旧表.xls",
        &file,
        Sheets::All,
        &SheetLimits::COMMAND_LINE,
    ));
    assert!(m.contains("声明了"), "{m}");
    // A MERGEDCELLS record shorter than its count says.
    let file = xls_of(&[vec![(0x00E5, vec![200, 0, 1, 2])]]);
    let m = refused(read_sheets(
        "旧表.xls",
        &file,
        Sheets::All,
        &SheetLimits::COMMAND_LINE,
    ));
    assert!(m.contains("损坏"), "{m}");
}

#[test]
fn xls_sheets_are_scanned_where_calamine_reads_them() {
    // Ten sheets of a quarter of the limit each: together past it.
    let quarter: Vec<(u16, Vec<u8>)> = vec![number(0, 0), number(3_905, 255)];
    let m = refused(read_sheets(
        "多表.xls",
        &xls_of(&vec![quarter; 10]),
        Sheets::All,
        &SheetLimits::UPLOAD,
    ));
    assert!(m.contains("各工作表共"), "{m}");
    // A BOUNDSHEET pointing at cells with no BOF in front of them: the scan
    // starts where calamine starts.
    let mut file = xls_of(&[vec![number(0, 0), number(65_535, 255)]]);
    let bof = [0x09u8, 0x08, 8, 0, 0x00, 0x06, 0x05, 0x00, 0, 0, 0, 0];
    let at = file.windows(12).rposition(|w| w == bof).expect("sheet BOF");
    file[at..at + 12].copy_from_slice(&[0x01, 0x02, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let m = refused(read_sheets(
        "无头.xls",
        &file,
        Sheets::All,
        &SheetLimits::UPLOAD,
    ));
    assert!(m.contains("65536 行"), "{m}");
}

#[test]
fn ods_values_held_outside_text_are_counted() {
    // `<text:s text:c>` spaces, formula-only cells and string attributes.
    let spaces = r#"<table:table-row><table:table-cell office:value-type="string" table:number-columns-repeated="150"><text:p><text:s text:c="20000000"/>x</text:p></table:table-cell></table:table-row>"#;
    let m = refused(read_sheets(
        "空格.ods",
        &ods_of(spaces),
        Sheets::All,
        &SheetLimits::UPLOAD,
    ));
    assert!(m.contains("32767"), "{m}");
    let formulas = r#"<table:table-row table:number-rows-repeated="10000"><table:table-cell table:formula="of:=1" table:number-columns-repeated="16384"/></table:table-row>"#;
    let m = refused(read_sheets(
        "公式.ods",
        &ods_of(formulas),
        Sheets::All,
        &SheetLimits::UPLOAD,
    ));
    assert!(m.contains("上限"), "{m}");
}

#[test]
fn anything_else_is_named_in_chinese() {
    for (name, bytes) in [
        ("a.xlsx", b"not a zip".to_vec()),
        ("b.xlsx", zip_of(&[("readme.txt", b"hi")])),
        (
            "c.xls",
            vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0],
        ),
    ] {
        let m = refused(read_sheets(name, &bytes, Sheets::All, &SheetLimits::UPLOAD));
        assert!(m.starts_with(name), "{m}");
        assert!(!m.contains("Cannot") && !m.contains("detect"), "{m}");
    }
}

#[test]
fn column_names_read_as_excel_shows_them() {
    assert_eq!(column_name(0), "A");
    assert_eq!(column_name(25), "Z");
    assert_eq!(column_name(26), "AA");
    assert_eq!(column_name(16_383), "XFD");
}

/// A sheet body of random cells (some far out), merges and strings.
fn arb_sheet() -> impl Strategy<Value = String> {
    let cell = (
        0u32..2_000_000,
        0u32..20_000,
        prop_oneof![Just("n".to_string()), "[a-z张三]{0,8}".prop_map(|s| s),],
    );
    let merge = (0u32..2_000_000, 0u32..20_000, 0u32..2_000_000, 0u32..20_000);
    (
        prop::collection::vec(cell, 0..12),
        prop::collection::vec(merge, 0..6),
    )
        .prop_map(|(cells, merges)| {
            let mut body = String::from("<sheetData>");
            for (r, c, v) in cells {
                let at = format!("{}{}", column_name(c as u64), r + 1);
                if v == "n" {
                    body += &format!(r#"<row r="{}"><c r="{at}"><v>{r}</v></c></row>"#, r + 1);
                } else {
                    body += &format!(
                        r#"<row r="{}"><c r="{at}" t="inlineStr"><is><t>{v}</t></is></c></row>"#,
                        r + 1
                    );
                }
            }
            body += "</sheetData><mergeCells>";
            for (r1, c1, r2, c2) in merges {
                body += &format!(
                    r#"<mergeCell ref="{}{}:{}{}"/>"#,
                    column_name(c1 as u64),
                    r1 + 1,
                    column_name(c2 as u64),
                    r2 + 1
                );
            }
            body + "</mergeCells>"
        })
}

fn real_xlsx() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["姓名", "公民身份号码", "联系电话"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).expect("write");
    }
    ws.merge_range(1, 0, 1, 2, "合并", &rust_xlsxwriter::Format::new())
        .expect("merge");
    ws.write_number(2, 0, 3.0).expect("write");
    wb.save_to_buffer().expect("save")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, .. ProptestConfig::default() })]

    /// Generated sheets: the reader answers every one without panicking and
    /// never holds more cells than the limit.
    #[test]
    fn fuzz_generated_sheets(body in arb_sheet()) {
        if let Ok(sheets) = read_sheets("f.xlsx", &xlsx_of(&body, None), Sheets::All, &SheetLimits::UPLOAD) {
            for (_, s) in sheets {
                if let Ok(s) = s {
                    let cells: usize = s.rows.iter().map(Vec::len).sum();
                    prop_assert!(cells as u64 <= SheetLimits::UPLOAD.max_cells);
                    prop_assert!(s.rows.len() as u64 <= SheetLimits::UPLOAD.max_rows);
                }
            }
        }
    }

    /// Real files with bytes flipped or cut: an answer, never a panic.
    #[test]
    fn fuzz_damaged_files(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
                          cut in any::<prop::sample::Index>(), which in 0usize..3) {
        let mut bytes = match which {
            0 => real_xlsx(),
            1 => ods_of(r#"<table:table-row><table:table-cell office:value-type="string"><text:p>姓名</text:p></table:table-cell></table:table-row>"#),
            _ => "姓名,身份证号\n张三,\"1\n".as_bytes().to_vec(),
        };
        for (at, b) in flips {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        if which == 0 {
            bytes.truncate(cut.index(bytes.len()) + 1);
        }
        let name = ["f.xlsx", "f.ods", "f.csv"][which];
        let _ = crate::import::read_table(name, &bytes, &SheetLimits::UPLOAD);
    }
}

#[test]
fn a_line_of_commas_is_refused_before_it_is_parsed() {
    let commas = vec![b','; 8 << 20];
    let m = crate::import::read_table("逗号.csv", &commas, &SheetLimits::UPLOAD)
        .unwrap_err()
        .to_string();
    assert!(m.contains("第1行") && m.contains("16384 列"), "{m}");
    // A quote in the middle of a field is text: it must not hide what
    // follows from the count.
    let mut tricky = b"x\"".to_vec();
    tricky.extend(vec![b','; 8 << 20]);
    let m = crate::import::read_table("引号.csv", &tricky, &SheetLimits::UPLOAD)
        .unwrap_err()
        .to_string();
    assert!(m.contains("16384 列"), "{m}");
    // Commas inside quotes are text, not columns.
    let quoted = format!("地址\n\"{}\"\n", ",".repeat(20_000));
    let t =
        crate::import::read_table("q.csv", quoted.as_bytes(), &SheetLimits::UPLOAD).expect("reads");
    assert_eq!(t.rows[1][0].len(), 20_000);
}

#[test]
fn template_analysis_sees_only_the_top_left_of_a_sheet() {
    // A header, one cell far down and a merge across every column: the
    // layout analysis walks rows × columns, so it sees a bounded corner.
    let body = r#"<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row><row r="99999"><c r="A99999"><v>1</v></c></row></sheetData><mergeCells><mergeCell ref="D1:XFD60"/></mergeCells>"#;
    let sheets = crate::forms::read_workbook("宽.xlsx", xlsx_of(body, None)).expect("readable");
    let grid = &sheets[0].1.as_ref().expect("sheet").grid;
    assert!(
        grid.height() <= crate::forms::read::ANALYSED_ROWS,
        "{}",
        grid.height()
    );
    assert!(
        grid.width() <= crate::forms::read::ANALYSED_COLUMNS,
        "{}",
        grid.width()
    );
}
