//! Small spreadsheets built byte by byte, for tests here and in the web
//! crate (feature `fixtures`): the bombs an attacker would send and the
//! smallest valid files of each format.

use std::io::{Cursor, Write};

/// A zip of the given (name, contents) entries, deflated.
pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            z.start_file(*name, opts).expect("entry");
            z.write_all(data).expect("write");
        }
        z.finish().expect("finish");
    }
    out.into_inner()
}

/// The smallest xlsx calamine opens: one sheet with this `<sheetData>` and
/// `<mergeCells>` body, and optionally shared strings.
pub fn xlsx_of(sheet_body: &str, shared: Option<&str>) -> Vec<u8> {
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{sheet_body}</worksheet>"#
    );
    let types = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
    let rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    let workbook = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    let wb_rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;
    let mut entries: Vec<(&str, Vec<u8>)> = vec![
        ("[Content_Types].xml", types.into()),
        ("_rels/.rels", rels.into()),
        ("xl/workbook.xml", workbook.into()),
        ("xl/_rels/workbook.xml.rels", wb_rels.into()),
        ("xl/worksheets/sheet1.xml", sheet.into_bytes()),
    ];
    if let Some(sst) = shared {
        entries.push((
            "xl/sharedStrings.xml",
            format!(r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{sst}</sst>"#).into_bytes(),
        ));
    }
    let refs: Vec<(&str, &[u8])> = entries.iter().map(|(n, d)| (*n, d.as_slice())).collect();
    zip_of(&refs)
}

pub fn ods_of(table_body: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="表1">{table_body}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    zip_of(&[
        ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
        ("META-INF/manifest.xml", br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#),
        ("content.xml", content.as_bytes()),
    ])
}

/// An .xls workbook (BIFF8 in a compound file) with one sheet per list of
/// (type, data) records: globals with a BOUNDSHEET per sheet, then each
/// sheet between its BOF and EOF.
pub fn xls_of(sheets: &[Vec<(u16, Vec<u8>)>]) -> Vec<u8> {
    fn put(stream: &mut Vec<u8>, typ: u16, data: &[u8]) {
        stream.extend_from_slice(&typ.to_le_bytes());
        stream.extend_from_slice(&(data.len() as u16).to_le_bytes());
        stream.extend_from_slice(data);
    }
    let bof = [0x00, 0x06, 0x05, 0x00, 0, 0, 0, 0];
    // Globals: BOF, one BOUNDSHEET per sheet (position patched below), EOF.
    let mut stream = Vec::new();
    put(&mut stream, 0x0809, &bof);
    let mut slots = Vec::new();
    for (i, _) in sheets.iter().enumerate() {
        slots.push(stream.len() + 4);
        let name = format!("S{i}");
        let mut d = vec![0, 0, 0, 0, 0, 0, name.len() as u8, 0];
        d.extend_from_slice(name.as_bytes());
        put(&mut stream, 0x0085, &d);
    }
    put(&mut stream, 0x000A, &[]);
    for (slot, records) in slots.into_iter().zip(sheets) {
        let pos = (stream.len() as u32).to_le_bytes();
        stream[slot..slot + 4].copy_from_slice(&pos);
        put(&mut stream, 0x0809, &bof);
        for (typ, data) in records {
            put(&mut stream, *typ, data);
        }
        put(&mut stream, 0x000A, &[]);
    }
    let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("cfb");
    {
        let mut s = cf.create_stream("/Workbook").expect("stream");
        s.write_all(&stream).expect("write");
    }
    cf.flush().expect("flush");
    cf.into_inner().into_inner()
}

/// An xlsx whose sheet inflates to `size` bytes of spaces, written in
/// chunks so the test itself never holds them.
pub fn inflating_xlsx(size: usize) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(size > u32::MAX as usize);
        z.start_file("xl/workbook.xml", opts).expect("entry");
        z.write_all(b"<workbook/>").expect("write");
        z.start_file("xl/worksheets/sheet1.xml", opts)
            .expect("entry");
        let chunk = vec![b' '; 1 << 20];
        let mut left = size;
        while left > 0 {
            let n = left.min(chunk.len());
            z.write_all(&chunk[..n]).expect("write");
            left -= n;
        }
        z.finish().expect("finish");
    }
    out.into_inner()
}

/// An xlsx whose one entry `name` is `head`, then `unit` `count` times,
/// then `tail`, written in chunks so the test never holds it whole.
fn xlsx_repeating(name: &str, head: &str, unit: &str, count: usize, tail: &str) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        z.start_file("xl/workbook.xml", opts).expect("entry");
        z.write_all(b"<workbook/>").expect("write");
        z.start_file(name, opts).expect("entry");
        z.write_all(head.as_bytes()).expect("write");
        let chunk = unit.repeat((1 << 16) / unit.len().max(1) + 1);
        let per_chunk = chunk.len() / unit.len().max(1);
        let mut left = count;
        while left > 0 {
            let n = left.min(per_chunk);
            z.write_all(&chunk.as_bytes()[..n * unit.len()])
                .expect("write");
            left -= n;
        }
        z.write_all(tail.as_bytes()).expect("write");
        z.finish().expect("finish");
    }
    out.into_inner()
}

/// An xlsx with `count` one-letter shared strings: calamine loads the
/// table whole when it opens the file, about 40 bytes a string.
pub fn many_shared_strings_xlsx(count: usize) -> Vec<u8> {
    xlsx_repeating(
        "xl/sharedStrings.xml",
        "<sst>",
        "<si><t>a</t></si>",
        count,
        "</sst>",
    )
}

/// An xlsx whose sheet nests `depth` elements: the XML reader keeps every
/// open element's name.
pub fn deeply_nested_xlsx(depth: usize) -> Vec<u8> {
    xlsx_repeating("xl/worksheets/sheet1.xml", "<worksheet>", "<a>", depth, "")
}
