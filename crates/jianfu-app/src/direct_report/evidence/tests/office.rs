use std::io::{Cursor, Read, Write};

use zip::write::SimpleFileOptions;
use zip::{ZipArchive, ZipWriter};

use super::*;

pub(super) fn ole(main_stream: &str) -> Vec<u8> {
    ole_with(main_stream, &[0xA5; 5000])
}

fn ole_with(main_stream: &str, body: &[u8]) -> Vec<u8> {
    let version = cfb::Version::V3;
    let mut file =
        cfb::CompoundFile::create_with_version(version, Cursor::new(Vec::new())).unwrap();
    let mut put =
        |path: &str, data: &[u8]| file.create_stream(path).unwrap().write_all(data).unwrap();
    put(main_stream, body);
    put(
        "\u{5}SummaryInformation",
        &[&[0xFE, 0xFF][..], &[0; 40], b"AUTHOR-ZHANG", &[0; 40]].concat(),
    );
    put("\u{5}DocumentSummaryInformation", b"COMPANY-JIEDAO");
    file.create_storage("ObjectPool").unwrap();
    file.create_storage("ObjectPool/_1234").unwrap();
    file.create_stream("ObjectPool/_1234/\u{5}SummaryInformation")
        .unwrap()
        .write_all(b"EMBED-AUTHOR")
        .unwrap();
    file.create_stream("ObjectPool/_1234/Contents")
        .unwrap()
        .write_all(b"embedded body")
        .unwrap();
    file.flush().unwrap();
    file.into_inner().into_inner()
}

fn read_stream(bytes: &[u8], path: &str) -> Vec<u8> {
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes)).unwrap();
    let mut data = Vec::new();
    file.open_stream(path)
        .unwrap()
        .read_to_end(&mut data)
        .unwrap();
    data
}

#[test]
fn docx_keeps_its_text_and_loses_who_wrote_it() {
    let out = clean_evidence("notice.docx", &docx()).unwrap();
    assert_eq!(out.kind, EvidenceKind::Docx);
    let entries = unzip(&out.bytes);
    let get = |name: &str| {
        entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
    };
    assert!(get("word/document.xml")
        .unwrap()
        .contains("街道要求当天报送"));
    assert!(get("word/document.xml").unwrap().contains(r#"w:author="""#));
    for (name, text) in &entries {
        for secret in ["张三", "李四", "王五", "某某街道办事处", "custom.xml"] {
            assert!(!text.contains(secret), "{name} still holds {secret}");
        }
    }
    assert!(get("docProps/custom.xml").is_none());
    assert!(get("docProps/core.xml")
        .unwrap()
        .contains("<cp:coreProperties"));
    assert!(get("docProps/app.xml")
        .unwrap()
        .contains("<AppVersion>16.0000</AppVersion>"));
    assert!(!get("docProps/app.xml").unwrap().contains("Manager"));
    assert!(get("_rels/.rels")
        .unwrap()
        .contains(r#"Target="word/document.xml""#));
    // In the order the parts come in the zip.
    assert_eq!(
        out.stripped,
        vec![REVIEWERS, AUTHOR, LAST_MODIFIED_BY, TIME, COMPANY, CUSTOM]
    );
}

#[test]
fn docx_untouched_parts_are_copied_still_compressed() {
    let styles = "<w:styles>".to_owned() + &"<w:style/>".repeat(50) + "</w:styles>";
    let input = zip_of(&[
        ("[Content_Types].xml", CONTENT_TYPES),
        ("word/document.xml", DOCUMENT),
        ("word/styles.xml", &styles),
    ]);
    let out = clean_evidence("notice.docx", &input).unwrap();
    let raw = |bytes: &[u8], name: &str| {
        let mut zip = ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
        let index = zip.index_for_name(name).unwrap();
        let mut data = Vec::new();
        zip.by_index_raw(index)
            .unwrap()
            .read_to_end(&mut data)
            .unwrap();
        data
    };
    assert_eq!(
        raw(&input, "word/styles.xml"),
        raw(&out.bytes, "word/styles.xml")
    );
    assert_ne!(
        raw(&input, "word/document.xml"),
        raw(&out.bytes, "word/document.xml")
    );
}

#[test]
fn xlsx_and_pptx_comment_authors_are_blanked() {
    let xlsx = zip_of(&[
        ("[Content_Types].xml", CONTENT_TYPES),
        ("xl/workbook.xml", "<workbook/>"),
        (
            "xl/persons/person.xml",
            r#"<personList><person displayName="张三" id="{1}" userId="zs@example.cn" providerId="AD"/></personList>"#,
        ),
    ]);
    let out = clean_evidence("t.xlsx", &xlsx).unwrap();
    assert_eq!(out.stripped, vec![REVIEWERS]);
    assert!(unzip(&out.bytes)
        .iter()
        .all(|(_, t)| !t.contains("张三") && !t.contains("zs@")));
    let pptx = zip_of(&[
        ("[Content_Types].xml", CONTENT_TYPES),
        ("ppt/presentation.xml", "<p:presentation/>"),
        (
            "ppt/commentAuthors.xml",
            r#"<p:cmAuthorLst><p:cmAuthor id="1" name="张三" initials="ZS" lastIdx="1" clrIdx="0"/></p:cmAuthorLst>"#,
        ),
    ]);
    let out = clean_evidence("t.pptx", &pptx).unwrap();
    assert_eq!(out.stripped, vec![REVIEWERS]);
    assert!(unzip(&out.bytes)
        .iter()
        .all(|(_, t)| !t.contains("张三") && !t.contains("ZS")));
}

#[test]
fn photo_inside_a_document_loses_its_gps() {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, body) in [
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("word/document.xml", DOCUMENT.as_bytes()),
    ] {
        zip.start_file(name, SimpleFileOptions::default()).unwrap();
        zip.write_all(body).unwrap();
    }
    zip.start_file("word/media/image1.jpeg", SimpleFileOptions::default())
        .unwrap();
    zip.write_all(&jpeg_exif()).unwrap();
    let out = clean_evidence("a.docx", &zip.finish().unwrap().into_inner()).unwrap();
    assert!(out.stripped.contains(&GPS));
    let mut after = ZipArchive::new(Cursor::new(out.bytes)).unwrap();
    let mut image = Vec::new();
    after
        .by_name("word/media/image1.jpeg")
        .unwrap()
        .read_to_end(&mut image)
        .unwrap();
    assert_eq!(image, BASE_JPEG);
}

#[test]
fn ole_documents_lose_their_summary_streams() {
    for (name, stream, kind) in [
        ("a.doc", "WordDocument", EvidenceKind::Doc),
        ("a.xls", "Workbook", EvidenceKind::Xls),
        ("a.ppt", "PowerPoint Document", EvidenceKind::Ppt),
    ] {
        let out = clean_evidence(name, &ole(stream)).unwrap();
        assert_eq!(out.kind, kind);
        for secret in [&b"AUTHOR-ZHANG"[..], b"COMPANY-JIEDAO", b"EMBED-AUTHOR"] {
            assert!(!contains(&out.bytes, secret));
        }
        assert_eq!(out.stripped, vec![OLE_SUMMARY]);
        let mut file = cfb::CompoundFile::open(Cursor::new(out.bytes)).unwrap();
        assert!(!file.exists("\u{5}SummaryInformation"));
        assert!(!file.exists("\u{5}DocumentSummaryInformation"));
        let mut body = Vec::new();
        file.open_stream(stream)
            .unwrap()
            .read_to_end(&mut body)
            .unwrap();
        assert_eq!(body, vec![0xA5; 5000]);
        let mut embedded = String::new();
        file.open_stream("ObjectPool/_1234/Contents")
            .unwrap()
            .read_to_string(&mut embedded)
            .unwrap();
        assert_eq!(embedded, "embedded body");
    }
}

#[test]
fn xls_and_ppt_lose_the_last_savers_name() {
    let record = |kind: u16, body: &[u8]| {
        let mut r = kind.to_le_bytes().to_vec();
        r.extend_from_slice(&u16::try_from(body.len()).unwrap().to_le_bytes());
        r.extend_from_slice(body);
        r
    };
    let mut write_access = vec![6, 0, 1];
    write_access.extend("ZHANG!".encode_utf16().flat_map(u16::to_le_bytes));
    write_access.resize(112, b' ');
    let workbook = [
        record(0x0809, &[0; 16]),
        record(0x005C, &write_access),
        record(0x000A, &[]),
    ]
    .concat();
    let out = clean_evidence("t.xls", &ole_with("Workbook", &workbook)).unwrap();
    assert_eq!(out.stripped, vec![LAST_MODIFIED_BY, OLE_SUMMARY]);
    let mut expected_access = vec![6, 0, 0];
    expected_access.resize(112, b' ');
    let expected = [
        record(0x0809, &[0; 16]),
        record(0x005C, &expected_access),
        record(0x000A, &[]),
    ]
    .concat();
    assert_eq!(read_stream(&out.bytes, "Workbook"), expected);

    let mut atom = vec![0, 0, 0xF6, 0x0F, 0, 0, 0, 0];
    atom.extend_from_slice(&0x14u32.to_le_bytes());
    atom.extend_from_slice(&0xE391_C05Fu32.to_le_bytes());
    atom.extend_from_slice(&0u32.to_le_bytes());
    atom.extend_from_slice(&[5, 0, 0xF4, 0x03, 3, 0, 0, 0]);
    atom.extend_from_slice(b"ZHANG");
    atom.extend_from_slice(&8u32.to_le_bytes());
    atom.extend("ZHANG".encode_utf16().flat_map(u16::to_le_bytes));
    let mut ppt = cfb::CompoundFile::open(Cursor::new(ole("PowerPoint Document"))).unwrap();
    ppt.create_stream("Current User")
        .unwrap()
        .write_all(&atom)
        .unwrap();
    ppt.flush().unwrap();
    let out = clean_evidence("t.ppt", &ppt.into_inner().into_inner()).unwrap();
    let current = read_stream(&out.bytes, "Current User");
    assert_eq!(current.len(), atom.len());
    assert_eq!(&current[28..33], b"     ");
    assert!(!contains(&current, b"ZHANG") && !contains(&current, b"Z\0H\0"));
    assert!(out.stripped.contains(&LAST_MODIFIED_BY));
}

#[test]
fn encrypted_office_file_is_refused() {
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    file.create_stream("EncryptionInfo")
        .unwrap()
        .write_all(b"info")
        .unwrap();
    file.create_stream("EncryptedPackage")
        .unwrap()
        .write_all(b"secret")
        .unwrap();
    file.flush().unwrap();
    let bytes = file.into_inner().into_inner();
    let err = clean_evidence("locked.docx", &bytes).unwrap_err();
    assert_eq!(
        err,
        EvidenceError::Damaged {
            file: "locked.docx".into(),
            reason: OFFICE_ENCRYPTED
        }
    );
}

#[test]
fn too_many_zip_entries_is_refused() {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("[Content_Types].xml", SimpleFileOptions::default())
        .unwrap();
    zip.start_file("word/document.xml", SimpleFileOptions::default())
        .unwrap();
    for i in 0..MAX_ZIP_ENTRIES {
        zip.start_file(format!("word/p{i}.bin"), SimpleFileOptions::default())
            .unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    let err = clean_evidence("many.docx", &bytes).unwrap_err();
    assert_eq!(
        err,
        EvidenceError::Damaged {
            file: "many.docx".into(),
            reason: TOO_BIG_INSIDE
        }
    );
}

#[test]
fn xlsx_comment_authors_saved_paths_and_revision_names_are_blanked() {
    let xlsx = zip_of(&[
        ("[Content_Types].xml", CONTENT_TYPES),
        (
            "xl/workbook.xml",
            r#"<workbook><fileSharing userName="刘专干" readOnlyRecommended="1"/><mc:AlternateContent><mc:Choice Requires="x15"><x15ac:absPath url="C:\Users\liuzhuangan\Desktop\" xmlns:x15ac="x"/></mc:Choice></mc:AlternateContent></workbook>"#,
        ),
        (
            "xl/comments1.xml",
            r#"<comments><authors><author>刘专干</author><author>tc={1}</author></authors><commentList/></comments>"#,
        ),
        (
            "xl/revisions/revisionHeaders.xml",
            r#"<headers><header guid="{1}" dateTime="2026-11-02T10:00:00" userName="刘专干"/></headers>"#,
        ),
    ]);
    let out = clean_evidence("t.xlsx", &xlsx).unwrap();
    assert_eq!(out.stripped, vec![REVIEWERS]);
    for (name, text) in unzip(&out.bytes) {
        assert!(
            !text.contains("刘专干") && !text.contains("liuzhuangan"),
            "{name}: {text}"
        );
    }
    // The comments still refer to their authors by position.
    let comments = unzip(&out.bytes)
        .into_iter()
        .find(|(n, _)| n == "xl/comments1.xml")
        .unwrap()
        .1;
    assert_eq!(comments.matches("<author>").count(), 2, "{comments}");
}

/// A crafted zip whose central directory points many names at one body:
/// copied entry by entry it would grow far beyond the upload.
fn overlapping_zip(names: usize) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for b in data {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let body = vec![b'A'; 4096];
    let crc = crc32(&body);
    let first = b"[Content_Types].xml";
    let mut out = Vec::new();
    let le16 = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_le_bytes());
    let le32 = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&x.to_le_bytes());
    le32(&mut out, 0x0403_4b50);
    for x in [20u16, 0, 0, 0, 0] {
        le16(&mut out, x);
    }
    le32(&mut out, crc);
    le32(&mut out, body.len() as u32);
    le32(&mut out, body.len() as u32);
    le16(&mut out, first.len() as u16);
    le16(&mut out, 0);
    out.extend_from_slice(first);
    out.extend_from_slice(&body);
    let cd_start = out.len();
    for i in 0..names {
        let name = if i == 0 {
            first.to_vec()
        } else {
            format!("word/part{i}.xml").into_bytes()
        };
        le32(&mut out, 0x0201_4b50);
        for x in [20u16, 20, 0, 0, 0, 0] {
            le16(&mut out, x);
        }
        le32(&mut out, crc);
        le32(&mut out, body.len() as u32);
        le32(&mut out, body.len() as u32);
        le16(&mut out, name.len() as u16);
        for x in [0u16, 0, 0, 0] {
            le16(&mut out, x);
        }
        le32(&mut out, 0);
        le32(&mut out, 0);
        out.extend_from_slice(&name);
    }
    let cd_len = out.len() - cd_start;
    le32(&mut out, 0x0605_4b50);
    for x in [0u16, 0, names as u16, names as u16] {
        le16(&mut out, x);
    }
    le32(&mut out, cd_len as u32);
    le32(&mut out, cd_start as u32);
    le16(&mut out, 0);
    out
}

#[test]
fn entries_sharing_their_bytes_are_refused() {
    let bytes = overlapping_zip(40);
    assert!(matches!(
        clean_evidence("overlap.docx", &bytes),
        Err(EvidenceError::Damaged { .. })
    ));
}

#[test]
fn a_document_carrying_a_program_or_an_archive_is_refused() {
    for inner in [
        "word/payload/evil.exe",
        "word/media/inner.zip",
        "word/evil.exe. ",
        "word/a.PIF",
    ] {
        let docx = zip_of(&[
            ("[Content_Types].xml", CONTENT_TYPES),
            ("word/document.xml", "<w:document/>"),
            (inner, "MZ"),
        ]);
        assert!(
            matches!(
                clean_evidence("t.docx", &docx),
                Err(EvidenceError::Archive { .. })
            ),
            "{inner}"
        );
    }
}

#[test]
fn an_embedded_workbook_is_cleaned_too() {
    let inner = zip_of(&[
        ("[Content_Types].xml", CONTENT_TYPES),
        (
            "xl/workbook.xml",
            r#"<workbook><x15ac:absPath url="C:\Users\liuzhuangan\Desktop\" xmlns:x15ac="x"/></workbook>"#,
        ),
    ]);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, text) in [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("word/document.xml", "<w:document/>"),
    ] {
        zip.start_file(name, SimpleFileOptions::default()).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.start_file(
        "word/embeddings/Microsoft_Excel_Worksheet.xlsx",
        SimpleFileOptions::default(),
    )
    .unwrap();
    zip.write_all(&inner).unwrap();
    let docx = zip.finish().unwrap().into_inner();
    let out = clean_evidence("chart.docx", &docx).unwrap();
    let mut outer = ZipArchive::new(Cursor::new(out.bytes)).unwrap();
    let mut embedded = Vec::new();
    outer
        .by_name("word/embeddings/Microsoft_Excel_Worksheet.xlsx")
        .unwrap()
        .read_to_end(&mut embedded)
        .unwrap();
    for (name, text) in unzip(&embedded) {
        assert!(!text.contains("liuzhuangan"), "{name}: {text}");
    }
}
