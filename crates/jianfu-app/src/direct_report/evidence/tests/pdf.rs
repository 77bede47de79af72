use lopdf::{dictionary, Document, Object, Stream};

use super::*;

pub(super) fn pdf() -> Vec<u8> {
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
