//! PDF: the document information, XMP, comment authors and the EXIF of
//! embedded photos go; the file is written anew.

use lopdf::{Document, Object};

use super::image::clean_jpeg;
use super::{
    clean_embedded, find, note, Fail, Found, AUTHOR, BROKEN, CREATOR_APP, KEYWORDS, OTHER,
    PDF_ENCRYPTED, PRODUCER, REVIEWERS, SUBJECT, TIME, TITLE, XMP_DOC,
};

const PDF_INFO: &[(&[u8], &str)] = &[
    (b"Author", AUTHOR),
    (b"Creator", CREATOR_APP),
    (b"Producer", PRODUCER),
    (b"Title", TITLE),
    (b"Subject", SUBJECT),
    (b"Keywords", KEYWORDS),
    (b"CreationDate", TIME),
    (b"ModDate", TIME),
];

pub(super) fn clean_pdf(bytes: &[u8], s: &mut Found) -> Result<Vec<u8>, Fail> {
    // Lenient loading rebuilds a cut-off file from what is left; evidence must be whole.
    if find(&bytes[bytes.len().saturating_sub(1024)..], b"%%EOF").is_none() {
        return Err(Fail::Damaged(BROKEN));
    }
    let mut doc = match Document::load_mem(bytes) {
        Ok(doc) => doc,
        Err(_) if find(bytes, b"/Encrypt").is_some() => return Err(Fail::Damaged(PDF_ENCRYPTED)),
        Err(_) => return Err(Fail::Damaged(BROKEN)),
    };
    if doc.was_encrypted() || doc.trailer.has(b"Encrypt") {
        return Err(Fail::Damaged(PDF_ENCRYPTED));
    }
    let info = match doc.trailer.remove(b"Info") {
        Some(Object::Reference(id)) => doc.objects.remove(&id),
        other => other,
    };
    if let Some(Object::Dictionary(info)) = info {
        for (key, value) in info.iter() {
            if !matches!(value, Object::String(text, _) if text.is_empty()) {
                note(
                    s,
                    PDF_INFO
                        .iter()
                        .find(|(k, _)| k == key)
                        .map_or(OTHER, |(_, what)| what),
                );
            }
        }
    }
    for object in doc.objects.values_mut() {
        let dict = match object {
            Object::Dictionary(dict) => dict,
            Object::Stream(stream) => {
                // Photos placed in a PDF are often the camera's JPEG, EXIF and all.
                // The filter may be written as a name or as a one-name array.
                let dct = match stream.dict.get(b"Filter") {
                    Ok(Object::Name(n)) => n == b"DCTDecode",
                    Ok(Object::Array(a)) => {
                        a.len() == 1 && a[0].as_name().ok() == Some(&b"DCTDecode"[..])
                    }
                    _ => false,
                };
                if dct {
                    if let Some(jpeg) = clean_embedded(&stream.content, clean_jpeg, s) {
                        stream.set_content(jpeg);
                    }
                }
                &mut stream.dict
            }
            _ => continue,
        };
        // XMP can hang off the catalog, a page, an image or a font.
        if dict.remove(b"Metadata").is_some() {
            note(s, XMP_DOC);
        }
        // Files attached inside the PDF are not cleaned (nor checked): they
        // go, and so do scripts and launches, wherever the dictionary holding
        // them is written (its own object or inline in another).
        if strip_active_content(dict, 0) {
            note(s, OTHER);
        }
        // Comments and markups name their author in /T. Form fields keep
        // theirs: there /T is the field's name, and their subtype is Widget.
        let markup = dict.has(b"Rect")
            && dict
                .get(b"Subtype")
                .and_then(Object::as_name)
                .is_ok_and(|t| !matches!(t, b"Widget" | b"Link" | b"Popup"));
        if markup && matches!(dict.get(b"T"), Ok(Object::String(t, _)) if !t.is_empty()) {
            dict.set("T", Object::string_literal(""));
            note(s, REVIEWERS);
        }
    }
    // The file identifier ties copies of one file together.
    doc.trailer.remove(b"ID");
    doc.prune_objects();
    let mut out = Vec::with_capacity(bytes.len());
    // Object streams keep the rewritten file about as small as the original.
    doc.save_modern(&mut out)?;
    Ok(out)
}

/// Removes attached files and actions from a dictionary and the
/// dictionaries written inside it; true if an attached file went.
fn strip_active_content(dict: &mut lopdf::Dictionary, depth: usize) -> bool {
    // Nesting deeper than any real document: left as it is (the file was
    // parsed already, and the walk must stay bounded).
    if depth > 32 {
        return false;
    }
    let mut attached = false;
    if dict.remove(b"EmbeddedFiles").is_some() {
        attached = true;
    }
    // A file-attachment annotation carries its file in /FS.
    let file_annotation = dict
        .get(b"Subtype")
        .and_then(Object::as_name)
        .is_ok_and(|t| t == b"FileAttachment");
    if file_annotation && dict.remove(b"FS").is_some() {
        attached = true;
    }
    for key in [&b"JavaScript"[..], b"OpenAction", b"AA", b"JS"] {
        dict.remove(key);
    }
    // A link's action may run a script or launch a program.
    let active = |o: &Object| match o {
        Object::Dictionary(a) => a.get(b"S").and_then(Object::as_name).is_ok_and(|s| {
            matches!(
                s,
                b"JavaScript" | b"Launch" | b"ImportData" | b"RichMediaExecute"
            )
        }),
        _ => false,
    };
    if dict.get(b"A").is_ok_and(active) {
        dict.remove(b"A");
    }
    for (_, value) in dict.iter_mut() {
        attached |= strip_object(value, depth + 1);
    }
    attached
}

fn strip_object(o: &mut Object, depth: usize) -> bool {
    match o {
        Object::Dictionary(d) => strip_active_content(d, depth),
        Object::Array(items) => {
            let mut any = false;
            for item in items.iter_mut() {
                any |= strip_object(item, depth + 1);
            }
            any
        }
        _ => false,
    }
}
