//! Evidence files for tests, built byte by byte or with the crates the
//! module itself uses, so no third-party file is checked in: a JPEG with a
//! GPS position in its EXIF, a .docx with its author and company, and
//! helpers to look inside what comes back.

use std::io::{Cursor, Read, Write};
use zip::write::SimpleFileOptions;
use zip::{ZipArchive, ZipWriter};

/// The text of the fixture .docx, which cleaning must keep.
pub const DOCX_TEXT: &str = "街道要求当天报送";
/// The author of the fixture .docx, which cleaning must remove.
pub const DOCX_AUTHOR: &str = "张三";

/// An 8x8 grey baseline JPEG: one quantisation table of ones, one-code
/// Huffman tables, and a single block whose DC difference is zero.
/// `djpeg` decodes it to 64 pixels of 0x80.
#[rustfmt::skip]
pub const BASE_JPEG: &[u8] = &[
    0xFF, 0xD8, // SOI
    0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, // APP0
    0xFF, 0xDB, 0x00, 0x43, 0x00, // DQT, then 64 ones
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00, // SOF0
    // DHT, a DC and an AC table: one code, "0", for symbol 0
    0xFF, 0xC4, 0x00, 0x14, 0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00,
    0xFF, 0xC4, 0x00, 0x14, 0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00,
    0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, // SOS
    0x3F, // DC code 0, AC end-of-block 0, padded with ones
    0xFF, 0xD9, // EOI
];

/// A little-endian TIFF block whose IFD0 points to a GPS IFD holding a latitude.
pub fn exif_with_gps() -> Vec<u8> {
    let mut t = b"II*\0".to_vec();
    t.extend_from_slice(&8u32.to_le_bytes());
    // IFD0 at 8: one entry, GPSInfo -> 26
    t.extend_from_slice(&1u16.to_le_bytes());
    t.extend_from_slice(&[0x25, 0x88, 4, 0, 1, 0, 0, 0]);
    t.extend_from_slice(&26u32.to_le_bytes());
    t.extend_from_slice(&0u32.to_le_bytes());
    // GPS IFD at 26: GPSLatitude, three rationals at 44
    t.extend_from_slice(&1u16.to_le_bytes());
    t.extend_from_slice(&[0x02, 0x00, 5, 0, 3, 0, 0, 0]);
    t.extend_from_slice(&44u32.to_le_bytes());
    t.extend_from_slice(&0u32.to_le_bytes());
    for (num, den) in [(39u32, 1u32), (54, 1), (1234, 100)] {
        t.extend_from_slice(&num.to_le_bytes());
        t.extend_from_slice(&den.to_le_bytes());
    }
    t
}

pub fn segment(marker: u8, contents: &[u8]) -> Vec<u8> {
    let mut s = vec![0xFF, marker];
    s.extend_from_slice(
        &u16::try_from(contents.len() + 2)
            .expect("fixture")
            .to_be_bytes(),
    );
    s.extend_from_slice(contents);
    s
}

/// BASE_JPEG with `extra` segments inserted after the JFIF segment.
pub fn jpeg_with(extra: &[Vec<u8>]) -> Vec<u8> {
    let mut out = BASE_JPEG[..20].to_vec();
    extra.iter().for_each(|s| out.extend_from_slice(s));
    out.extend_from_slice(&BASE_JPEG[20..]);
    out
}

/// A JPEG whose EXIF holds a GPS latitude.
pub fn jpeg_with_gps() -> Vec<u8> {
    jpeg_with(&[segment(
        0xE1,
        &[&b"Exif\0\0"[..], &exif_with_gps()].concat(),
    )])
}

pub fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, body) in entries {
        zip.start_file(*name, SimpleFileOptions::default())
            .expect("fixture");
        zip.write_all(body.as_bytes()).expect("fixture");
    }
    zip.finish().expect("fixture").into_inner()
}

pub const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/><Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/></Types>"#;

pub const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties" Target="docProps/custom.xml"/></Relationships>"#;

pub const DOCUMENT: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>街道要求当天报送</w:t></w:r><w:ins w:id="1" w:author="王五" w:date="2024-05-01T10:00:00Z"><w:r><w:t>，周末也要</w:t></w:r></w:ins></w:p></w:body></w:document>"#;

pub const CORE: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title></dc:title><dc:creator>张三</dc:creator><cp:lastModifiedBy>李四</cp:lastModifiedBy><cp:revision>3</cp:revision><dcterms:created xsi:type="dcterms:W3CDTF">2024-05-01T09:00:00Z</dcterms:created></cp:coreProperties>"#;

pub const APP: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Microsoft Office Word</Application><Manager/><Company>某某街道办事处</Company><AppVersion>16.0000</AppVersion></Properties>"#;

pub const CUSTOM_XML: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="经办人"><vt:lpwstr>某某街道办事处</vt:lpwstr></property></Properties>"#;

pub fn docx() -> Vec<u8> {
    zip_of(&[
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", RELS),
        ("word/document.xml", DOCUMENT),
        ("docProps/core.xml", CORE),
        ("docProps/app.xml", APP),
        ("docProps/custom.xml", CUSTOM_XML),
    ])
}

pub fn unzip(bytes: &[u8]) -> Vec<(String, String)> {
    let mut zip = ZipArchive::new(Cursor::new(bytes)).expect("fixture");
    (0..zip.len())
        .map(|i| {
            let mut file = zip.by_index(i).expect("fixture");
            let mut text = String::new();
            file.read_to_string(&mut text).expect("fixture");
            (file.name().to_owned(), text)
        })
        .collect()
}

/// A .docx written by 张三 of 某某街道办事处.
pub fn docx_with_author() -> Vec<u8> {
    docx()
}

/// Every entry's text of a zip, one after another.
pub fn zip_text(bytes: &[u8]) -> String {
    unzip(bytes)
        .into_iter()
        .map(|(name, text)| format!("{name}\n{text}\n"))
        .collect()
}

/// A plain zip archive (not an Office file).
pub fn plain_zip() -> Vec<u8> {
    zip_of(&[("说明.txt", "压缩包里的材料")])
}
