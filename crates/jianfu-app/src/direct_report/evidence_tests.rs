//! Every fixture is built here, byte by byte or with the same crates the
//! module uses, so no third-party file is checked in.

use std::io::{Cursor, Read, Write};

use lopdf::{dictionary, Document, Object, Stream};
use zip::write::SimpleFileOptions;
use zip::{ZipArchive, ZipWriter};

use super::*;
use crate::direct_report::fixtures::*;

fn jpeg_exif() -> Vec<u8> {
    jpeg_with(&[segment(
        0xE1,
        &[&b"Exif\0\0"[..], &exif_with_gps()].concat(),
    )])
}

fn scan_data(jpeg: &[u8]) -> &[u8] {
    let sos = jpeg.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    let eoi = jpeg.windows(2).rposition(|w| w == [0xFF, 0xD9]).unwrap();
    &jpeg[sos..eoi + 2]
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    img_parts::png::PngChunk::new(*kind, Bytes::copy_from_slice(data))
        .encoder()
        .bytes()
        .to_vec()
}

/// A 1x1 grey PNG, its pixel in a stored (uncompressed) zlib block.
fn png(extra: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(png_chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
    extra.iter().for_each(|c| out.extend_from_slice(c));
    out.extend(png_chunk(
        b"IDAT",
        &[
            0x78, 0x01, 0x01, 0x02, 0x00, 0xFD, 0xFF, 0, 0x80, 0x00, 0x82, 0x00, 0x81,
        ],
    ));
    out.extend(png_chunk(b"IEND", &[]));
    out
}

fn riff_chunk(id: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = id.to_vec();
    c.extend_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
    c.extend_from_slice(data);
    if data.len() % 2 == 1 {
        c.push(0);
    }
    c
}

/// A 1x1 lossless WebP (the bitstream cwebp writes for one grey pixel) in
/// the extended format, with EXIF and XMP chunks announced in VP8X.
fn webp_with_metadata() -> Vec<u8> {
    let vp8l = [
        0x2f, 0, 0, 0, 0, 0x07, 0x50, 0xc0, 0x02, 0x16, 0xb0, 0xff, 0x81, 0x88, 0xe8, 0x7f, 0,
    ];
    let mut body = b"WEBP".to_vec();
    body.extend(riff_chunk(
        b"VP8X",
        &[0x08 | 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    ));
    body.extend(riff_chunk(b"VP8L", &vp8l));
    body.extend(riff_chunk(b"EXIF", &exif_with_gps()));
    body.extend(riff_chunk(b"XMP ", b"<x:xmpmeta>ZHANG</x:xmpmeta>"));
    riff_chunk(b"RIFF", &body)
}

fn pdf() -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages = doc.new_object_id();
    let content = doc.add_object(Stream::new(
        dictionary! {},
        b"BT /F1 12 Tf 20 100 Td (Evidence) Tj ET".to_vec(),
    ));
    let note = doc.add_object(dictionary! {
        "Type" => "Annot", "Subtype" => "Text", "Rect" => vec![0.into(), 0.into(), 10.into(), 10.into()],
        "T" => Object::string_literal("Zhang San"), "Contents" => Object::string_literal("see here"),
    });
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages, "Contents" => content, "Annots" => vec![note.into()],
        "MediaBox" => vec![0.into(), 0.into(), 200.into(), 200.into()],
    });
    doc.objects.insert(
        pages,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
        ),
    );
    let xmp = doc.add_object(Stream::new(
        dictionary! { "Type" => "Metadata", "Subtype" => "XML" },
        b"<x:xmpmeta><dc:creator>Zhang San</dc:creator></x:xmpmeta>".to_vec(),
    ));
    let catalog =
        doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages, "Metadata" => xmp });
    let info = doc.add_object(dictionary! {
        "Author" => Object::string_literal("Zhang San"), "Producer" => Object::string_literal("Scan 1.0"),
    });
    doc.trailer.set("Root", catalog);
    doc.trailer.set("Info", info);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn ole(main_stream: &str) -> Vec<u8> {
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

fn fixtures() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("photo.jpg", jpeg_exif()),
        ("shot.png", png(&[png_chunk(b"tEXt", b"Author\0ZHANG")])),
        ("shot.webp", webp_with_metadata()),
        ("notice.pdf", pdf()),
        ("notice.docx", docx()),
        ("notice.doc", ole("WordDocument")),
        ("table.xls", ole("Workbook")),
        ("slides.ppt", ole("PowerPoint Document")),
    ]
}

#[test]
fn jpeg_loses_exif_and_gps_but_keeps_its_scan() {
    let input = jpeg_exif();
    let out = clean_evidence("photo.JPG", &input).unwrap();
    assert_eq!(out.kind, EvidenceKind::Jpeg);
    assert!(!contains(&out.bytes, b"Exif\0\0"));
    assert!(!contains(&out.bytes, &[0xFF, 0xE1]));
    assert_eq!(out.stripped, vec![EXIF, GPS]);
    assert_eq!(scan_data(&out.bytes), scan_data(&input));
    assert_eq!(out.bytes, BASE_JPEG);
}

#[test]
fn jpeg_loses_comments_xmp_iptc_and_what_follows_the_image() {
    let mut input = jpeg_with(&[
        segment(
            0xE1,
            b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>ZHANG</x:xmpmeta>",
        ),
        segment(0xED, b"Photoshop 3.0\08BIM ZHANG"),
        segment(0xE2, b"ICC_PROFILE\0\x01\x01profile"),
        segment(0xFE, b"shot by ZHANG"),
    ]);
    input.extend_from_slice(&jpeg_exif());
    let out = clean_evidence("a.jpeg", &input).unwrap();
    assert!(!contains(&out.bytes, b"ZHANG"));
    assert!(contains(&out.bytes, b"ICC_PROFILE"));
    assert_eq!(out.stripped, vec![XMP_IPTC, COMMENT, TRAILING]);
    assert_eq!(out.bytes.len(), BASE_JPEG.len() + 4 + 21);
}

#[test]
fn jfif_thumbnail_goes_with_its_header() {
    let jfif = b"JFIF\0\x01\x01\0\0\x01\0\x01\x01\x01\xAA\xBB\xCC";
    let input = [&BASE_JPEG[..2], &segment(0xE0, jfif), &BASE_JPEG[20..]].concat();
    let out = clean_evidence("t.jpg", &input).unwrap();
    assert_eq!(out.stripped, vec![OTHER]);
    assert_eq!(out.bytes, [&BASE_JPEG[..2], &BASE_JPEG[20..]].concat());
}

#[test]
fn clean_jpeg_reports_nothing() {
    let out = clean_evidence("a.jpg", BASE_JPEG).unwrap();
    assert!(out.stripped.is_empty());
    assert_eq!(out.bytes, BASE_JPEG);
}

#[test]
fn exif_without_gps_or_malformed_reports_exif_only() {
    let mut no_gps = exif_with_gps();
    no_gps[10] = 0x10; // tag 0x8810 instead of 0x8825
    let mut broken_pointer = exif_with_gps();
    broken_pointer[18..22].copy_from_slice(&u32::MAX.to_le_bytes());
    for tiff in [
        no_gps,
        broken_pointer,
        b"II*\0\xFF\xFF\xFF\xFF".to_vec(),
        b"MM".to_vec(),
    ] {
        let input = jpeg_with(&[segment(0xE1, &[&b"Exif\0\0"[..], &tiff].concat())]);
        assert_eq!(
            clean_evidence("a.jpg", &input).unwrap().stripped,
            vec![EXIF]
        );
    }
    let big_endian: Vec<u8> = {
        let mut t = b"MM\0*\0\0\0\x08\0\x01\x88\x25\0\x04\0\0\0\x01\0\0\0\x1A\0\0\0\0".to_vec();
        t.extend_from_slice(b"\0\x01\0\x01\0\x02\0\0\0\x04\x02\x02\0\0\0\0\0\0");
        t
    };
    let input = jpeg_with(&[segment(0xE1, &[&b"Exif\0\0"[..], &big_endian].concat())]);
    assert_eq!(
        clean_evidence("a.jpg", &input).unwrap().stripped,
        vec![EXIF, GPS]
    );
}

/// Between progressive scans come tables, which may hold any byte, and
/// possibly application segments. Only the latter go.
#[test]
fn segments_between_scans_are_walked_by_length() {
    let scan_end = BASE_JPEG.len() - 2;
    let mut input = BASE_JPEG[..scan_end].to_vec();
    input.extend(segment(0xFE, b"ZHANG"));
    let tables = segment(0xDB, &[&[0u8][..], &[0xFF, 0xD9].repeat(32)].concat());
    input.extend(&tables);
    input.extend(&BASE_JPEG[146..]); // a second SOS, its data and EOI
    let out = clean_evidence("p.jpg", &input).unwrap();
    assert_eq!(out.stripped, vec![COMMENT]);
    let mut expected = BASE_JPEG[..scan_end].to_vec();
    expected.extend(tables);
    expected.extend(&BASE_JPEG[146..]);
    assert_eq!(out.bytes, expected);
    // Without its end-of-image marker the picture was cut off.
    assert!(clean_evidence("p.jpg", &input[..input.len() - 2]).is_err());
}

#[test]
fn png_loses_text_exif_and_time() {
    let input = png(&[
        png_chunk(b"tEXt", b"Author\0ZHANG"),
        png_chunk(b"eXIf", &exif_with_gps()),
        png_chunk(b"tIME", &[0x07, 0xE8, 5, 1, 9, 0, 0]),
    ]);
    let out = clean_evidence("shot.png", &input).unwrap();
    assert!(!contains(&out.bytes, b"ZHANG"));
    assert!(
        !contains(&out.bytes, b"tEXt")
            && !contains(&out.bytes, b"eXIf")
            && !contains(&out.bytes, b"tIME")
    );
    assert_eq!(out.stripped, vec![TEXT, EXIF, GPS, TIME]);
    assert_eq!(out.bytes, png(&[]));
    assert!(clean_evidence("shot.png", &png(&[]))
        .unwrap()
        .stripped
        .is_empty());
}

#[test]
fn webp_loses_exif_and_xmp_and_their_flags() {
    let out = clean_evidence("shot.webp", &webp_with_metadata()).unwrap();
    assert!(!contains(&out.bytes, b"EXIF") && !contains(&out.bytes, b"XMP "));
    assert!(!contains(&out.bytes, b"ZHANG"));
    assert_eq!(out.stripped, vec![EXIF, GPS, XMP_IPTC]);
    let vp8x = out.bytes.windows(4).position(|w| w == b"VP8X").unwrap();
    assert_eq!(out.bytes[vp8x + 8], 0);
    let riff_len = u32::from_le_bytes(out.bytes[4..8].try_into().unwrap()) as usize;
    assert_eq!(riff_len + 8, out.bytes.len());
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
fn pdf_loses_info_xmp_and_annotation_author() {
    let out = clean_evidence("notice.pdf", &pdf()).unwrap();
    assert!(!contains(&out.bytes, b"Zhang San"));
    let doc = Document::load_mem(&out.bytes).unwrap();
    assert!(doc.catalog().unwrap().get(b"Metadata").is_err());
    assert!(doc.trailer.get(b"Info").is_err());
    assert_eq!(doc.get_pages().len(), 1);
    assert_eq!(out.stripped, vec![AUTHOR, PRODUCER, REVIEWERS, XMP_DOC]);
}

#[test]
fn encrypted_pdf_is_refused() {
    let mut doc = Document::load_mem(&pdf()).unwrap();
    let encrypt = doc.add_object(dictionary! {
        "Filter" => "Standard", "V" => 1, "R" => 2, "P" => -4,
        "O" => Object::string_literal(vec![7u8; 32]), "U" => Object::string_literal(vec![9u8; 32]),
    });
    doc.trailer.set("Encrypt", encrypt);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    let err = clean_evidence("locked.pdf", &bytes).unwrap_err();
    assert_eq!(
        err,
        EvidenceError::Damaged {
            file: "locked.pdf".into(),
            reason: PDF_ENCRYPTED
        }
    );
    assert!(err
        .to_string()
        .contains("加密的 PDF 无法清理，请另存为不加密的文件"));
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
fn wrong_contents_are_refused() {
    let mismatch = |name: &str, bytes: &[u8]| match clean_evidence(name, bytes) {
        Err(EvidenceError::Mismatch { actual, .. }) => actual,
        other => panic!("{name}: {:?}", other.map(|o| o.kind)),
    };
    assert_eq!(
        mismatch("a.jpg", &pdf()).as_deref(),
        Some("PDF 文件（.pdf）")
    );
    assert_eq!(
        mismatch("a.png", BASE_JPEG).as_deref(),
        Some("图片（.jpg）")
    );
    assert_eq!(
        mismatch("a.xlsx", &docx()).as_deref(),
        Some("Word 文档（.docx）")
    );
    assert_eq!(
        mismatch("a.docx", &ole("WordDocument")).as_deref(),
        Some("Word 文档（.doc）")
    );
    assert_eq!(
        mismatch("a.xls", &ole("WordDocument")).as_deref(),
        Some("Word 文档（.doc）")
    );
    assert_eq!(mismatch("a.pdf", b"just some text"), None);
    assert_eq!(
        mismatch("a.jpg", b"GIF89a......").as_deref(),
        Some("GIF 图片")
    );
    let err = clean_evidence("a.jpg", &pdf()).unwrap_err().to_string();
    assert_eq!(
        err,
        "附件“a.jpg”的扩展名是 .jpg，但内容是 PDF 文件（.pdf），未保存；请确认选对了文件"
    );
    let err = clean_evidence("a.pdf", b"xyz").unwrap_err().to_string();
    assert_eq!(
        err,
        "附件“a.pdf”的扩展名是 .pdf，但内容无法识别，未保存；请确认选对了文件"
    );
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
fn archives_are_refused() {
    let plain = zip_of(&[("a.txt", "hello")]);
    let archive = |name: &str, bytes: &[u8]| {
        clean_evidence(name, bytes) == Err(EvidenceError::Archive { file: name.into() })
    };
    assert!(archive("evidence.docx", &plain));
    assert!(archive("evidence.zip", &plain));
    assert!(archive("evidence.tar.gz", b"\x1F\x8B\x08"));
    assert!(archive("photo.jpg", b"Rar!\x1a\x07\x01\x00"));
    assert!(clean_evidence("a.zip", &plain)
        .unwrap_err()
        .to_string()
        .contains("压缩包不能作为证据上传"));
}

#[test]
fn size_emptiness_and_type_are_checked_first() {
    let big = vec![0u8; MAX_EVIDENCE_BYTES + 1];
    let err = clean_evidence("big.jpg", &big).unwrap_err();
    assert_eq!(
        err,
        EvidenceError::TooLarge {
            file: "big.jpg".into(),
            size: MAX_EVIDENCE_BYTES + 1
        }
    );
    assert_eq!(
        err.to_string(),
        "附件“big.jpg”超过 20 MB（实际 20.1 MB），未保存"
    );
    let err = clean_evidence("big.pdf", &vec![0u8; 24_536_678])
        .unwrap_err()
        .to_string();
    assert!(err.contains("（实际 23.4 MB）"), "{err}");
    assert_eq!(
        clean_evidence("e.png", b""),
        Err(EvidenceError::Empty {
            file: "e.png".into()
        })
    );
    let err = clean_evidence("a.exe", b"MZ").unwrap_err();
    assert_eq!(
        err,
        EvidenceError::UnknownType {
            file: "a.exe".into()
        }
    );
    assert!(err
        .to_string()
        .contains("图片 JPG/PNG/WebP、PDF、Word/Excel/PowerPoint"));
    assert!(matches!(
        clean_evidence("no-extension", b"x"),
        Err(EvidenceError::UnknownType { .. })
    ));
}

#[test]
fn error_names_the_file_but_not_its_folder() {
    let err = clean_evidence(r"C:\Users\张三\Desktop\举报.exe", b"MZ")
        .unwrap_err()
        .to_string();
    assert!(err.contains("“举报.exe”") && !err.contains("张三"), "{err}");
    let err = clean_evidence("/home/zs/a\u{7}b.exe", b"MZ")
        .unwrap_err()
        .to_string();
    assert!(err.contains("“ab.exe”"), "{err}");
    let long = format!("{}.exe", "长".repeat(200));
    let err = clean_evidence(&long, b"MZ").unwrap_err().to_string();
    assert!(err.chars().count() < 160 && err.contains('…'));
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
fn truncated_files_are_refused() {
    for (name, bytes) in fixtures() {
        clean_evidence(name, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let half = &bytes[..bytes.len() / 2];
        let err = clean_evidence(name, half)
            .err()
            .unwrap_or_else(|| panic!("{name} accepted when cut in half"));
        assert!(err.to_string().contains(name), "{err}");
    }
}

/// Cuts and corrupted bytes must come back as errors from the parsers, not
/// as panics caught at the top.
#[test]
fn garbage_never_panics() {
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for (name, bytes) in fixtures() {
        let mut cases: Vec<Vec<u8>> = (0..bytes.len())
            .step_by(bytes.len() / 97 + 1)
            .map(|n| bytes[..n].to_vec())
            .collect();
        for _ in 0..300 {
            let mut corrupt = bytes.clone();
            for _ in 0..1 + next() % 8 {
                let at = (next() as usize) % corrupt.len();
                corrupt[at] = next() as u8;
            }
            cases.push(corrupt);
        }
        for case in cases {
            if let Err(EvidenceError::Damaged { reason, .. }) = clean_evidence(name, &case) {
                assert_ne!(
                    reason, UNPARSABLE,
                    "{name}: a parser panicked on {case:02X?}"
                );
            }
        }
    }
}
