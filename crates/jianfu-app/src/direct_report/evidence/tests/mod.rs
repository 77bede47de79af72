//! Every fixture is built in these tests, byte by byte or with the same
//! crates the module uses, so no third-party file is checked in. Each type's
//! tests and fixtures are in the submodule of the same name.

mod image;
mod office;
mod pdf;

use super::*;
use crate::direct_report::fixtures::*;
use image::{jpeg_exif, png, png_chunk, webp_with_metadata};
use office::ole;
use pdf::pdf;

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
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
