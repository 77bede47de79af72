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

#[test]
fn pdf_photo_in_an_array_filter_attachments_and_scripts_go() {
    let mut doc = Document::load_mem(&pdf()).unwrap();
    let photo = crate::direct_report::fixtures::jpeg_with_gps();
    let image = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => 8, "Height" => 8,
            "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8,
            "Filter" => vec![Object::Name(b"DCTDecode".to_vec())],
        },
        photo,
    ));
    let attached = doc.add_object(Stream::new(dictionary! {}, b"MZ payload of Zhang".to_vec()));
    let names = doc.add_object(dictionary! {
        "EmbeddedFiles" => dictionary! { "Names" => vec![Object::string_literal("a.exe"), attached.into()] },
        "JavaScript" => dictionary! {},
    });
    let root = doc.trailer.get(b"Root").unwrap().as_reference().unwrap();
    if let Ok(Object::Dictionary(catalog)) = doc.get_object_mut(root) {
        catalog.set("Names", names);
        catalog.set(
            "OpenAction",
            dictionary! { "S" => "JavaScript", "JS" => Object::string_literal("app.alert(1)") },
        );
        catalog.set("Extra", image);
    }
    doc.trailer.set(
        "ID",
        vec![
            Object::string_literal("ID-OF-THE-FILE"),
            Object::string_literal("ID-OF-THE-FILE"),
        ],
    );
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    let out = clean_evidence("scan.pdf", &bytes).unwrap();
    // Read back as a PDF: object streams may compress what a byte search
    // would look for.
    let back = Document::load_mem(&out.bytes).unwrap();
    let catalog = back.catalog().unwrap();
    assert!(catalog.get(b"OpenAction").is_err());
    assert!(back.trailer.get(b"ID").is_err());
    let names = catalog
        .get(b"Names")
        .and_then(|n| back.dereference(n))
        .map(|(_, o)| o.clone());
    if let Ok(Object::Dictionary(names)) = names {
        assert!(names.get(b"EmbeddedFiles").is_err() && names.get(b"JavaScript").is_err());
    }
    for object in back.objects.values() {
        if let Object::Stream(st) = object {
            assert!(!contains(&st.content, b"MZ payload"));
        }
    }
    assert!(out.stripped.contains(&GPS), "{:?}", out.stripped);
    assert!(out.stripped.contains(&OTHER), "{:?}", out.stripped);
}

#[test]
fn pdf_attachments_written_inline_and_launch_links_go() {
    let mut doc = Document::load_mem(&pdf()).unwrap();
    let attached = doc.add_object(Stream::new(dictionary! {}, b"MZ inline payload".to_vec()));
    let root = doc.trailer.get(b"Root").unwrap().as_reference().unwrap();
    if let Ok(Object::Dictionary(catalog)) = doc.get_object_mut(root) {
        catalog.set(
            "Names",
            dictionary! {
                "EmbeddedFiles" => dictionary! {
                    "Names" => vec![Object::string_literal("a.exe"), attached.into()]
                },
            },
        );
    }
    let clip = doc.add_object(Stream::new(
        dictionary! {},
        b"MZ annotation payload".to_vec(),
    ));
    let annots = vec![
        Object::Dictionary(dictionary! {
            "Type" => "Annot", "Subtype" => "FileAttachment",
            "Rect" => vec![0.into(), 0.into(), 5.into(), 5.into()],
            "FS" => dictionary! { "Type" => "Filespec", "EF" => dictionary! { "F" => clip } },
        }),
        Object::Dictionary(dictionary! {
            "Type" => "Annot", "Subtype" => "Link",
            "Rect" => vec![0.into(), 0.into(), 5.into(), 5.into()],
            "A" => dictionary! { "S" => "Launch", "F" => Object::string_literal("calc.exe") },
        }),
    ];
    let pages = doc.get_pages();
    let page = *pages.values().next().unwrap();
    if let Ok(Object::Dictionary(p)) = doc.get_object_mut(page) {
        p.set("Annots", annots);
    }
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    let out = clean_evidence("inline.pdf", &bytes).unwrap();
    let back = Document::load_mem(&out.bytes).unwrap();
    for object in back.objects.values() {
        match object {
            Object::Stream(st) => assert!(!contains(&st.content, b"MZ ")),
            Object::Dictionary(d) => {
                assert!(d.get(b"EmbeddedFiles").is_err() && d.get(b"FS").is_err());
            }
            _ => {}
        }
    }
    let text = format!("{:?}", back.objects);
    assert!(
        !text.contains("Launch") && !text.contains("calc.exe"),
        "{text}"
    );
    assert!(out.stripped.contains(&OTHER), "{:?}", out.stripped);
}
