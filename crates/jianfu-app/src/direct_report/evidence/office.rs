//! Office files: OOXML packages (.docx/.xlsx/.pptx), whose zip is rewritten
//! with the identifying parts edited in place, and OLE2 compound files
//! (.doc/.xls/.ppt), rebuilt without their summary streams.

use std::io::{Cursor, Read, Write};
use std::ops::Range;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

use super::image::{clean_jpeg, clean_png};
use super::{
    clean_embedded, find, note, EvidenceKind, Fail, Found, ARCHIVE_EXTENSIONS, AUTHOR, BROKEN,
    COMPANY, CUSTOM, KEYWORDS, LAST_MODIFIED_BY, MANAGER, MAX_UNPACKED_BYTES, MAX_ZIP_ENTRIES,
    OLE_SUMMARY, OTHER, REMARKS, REVIEWERS, SUBJECT, TIME, TITLE, TOO_BIG_INSIDE,
};

/// Names of programs and scripts, which no document part is.
const PROGRAM_EXTENSIONS: &[&str] = &[
    "exe", "dll", "com", "scr", "msi", "bat", "cmd", "ps1", "vbs", "vbe", "js", "jse", "wsf", "ws",
    "jar", "sh", "apk", "lnk", "hta", "pif", "cpl", "reg", "msc",
];

const EMPTY_CORE: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    "\r\n",
    r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" "#,
    r#"xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" "#,
    r#"xmlns:dcmitype="http://purl.org/dc/dcmitype/" "#,
    r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>"#
);

const CORE_PROPERTIES: &[(&str, &str)] = &[
    ("creator", AUTHOR),
    ("lastModifiedBy", LAST_MODIFIED_BY),
    ("created", TIME),
    ("modified", TIME),
    ("lastPrinted", TIME),
    ("title", TITLE),
    ("subject", SUBJECT),
    ("keywords", KEYWORDS),
    ("description", REMARKS),
];

/// The parts of an OOXML package that are rewritten.
enum Part {
    Core,
    App,
    ContentTypes,
    Rels,
    /// Attributes holding a person's name, such as `w:author` on tracked changes.
    Authors(&'static [&'static str]),
    /// Elements whose text is a person's name, such as a spreadsheet
    /// comment's `<author>` (blanked, not removed: comments refer to them
    /// by position).
    AuthorTexts(&'static [&'static str]),
    /// Pictures pasted into a document keep the camera's metadata.
    Photo,
    /// An Office file embedded in this one (every Word chart holds a
    /// workbook): cleaned the same way, one level down.
    Package(EvidenceKind),
}

/// Packages inside packages are cleaned this deep and refused deeper.
const MAX_NESTING: u8 = 2;

fn ooxml_part(kind: EvidenceKind, name: &str, core: &str, app: &str) -> Option<Part> {
    let lower = name.to_ascii_lowercase();
    let top_level = |dir: &str| {
        name.strip_prefix(dir)
            .is_some_and(|rest| !rest.contains('/') && rest.ends_with(".xml"))
    };
    Some(match kind {
        _ if name == core => Part::Core,
        _ if name == app => Part::App,
        _ if name == "[Content_Types].xml" => Part::ContentTypes,
        _ if name == "_rels/.rels" => Part::Rels,
        EvidenceKind::Docx if top_level("word/") => {
            Part::Authors(&["w:author", "w:initials", "w15:author", "w15:userId"])
        }
        EvidenceKind::Xlsx if name.starts_with("xl/persons/") => {
            Part::Authors(&["displayName", "userId"])
        }
        // Excel writes the folder it was saved from (C:\Users\<name>\…) and
        // the name of whoever protected the file for sharing.
        EvidenceKind::Xlsx if name == "xl/workbook.xml" => Part::Authors(&["url", "userName"]),
        EvidenceKind::Xlsx if name.starts_with("xl/revisions/") => Part::Authors(&["userName"]),
        EvidenceKind::Xlsx if lower.starts_with("xl/comments") && lower.ends_with(".xml") => {
            Part::AuthorTexts(&["author"])
        }
        // Word's template path names the Windows account too.
        EvidenceKind::Docx if name == "word/_rels/settings.xml.rels" => Part::Authors(&["Target"]),
        EvidenceKind::Pptx if name == "ppt/commentAuthors.xml" || name == "ppt/authors.xml" => {
            Part::Authors(&["name", "initials", "userId"])
        }
        _ if lower.contains("/embeddings/") && lower.ends_with(".docx") => {
            Part::Package(EvidenceKind::Docx)
        }
        _ if lower.contains("/embeddings/") && lower.ends_with(".xlsx") => {
            Part::Package(EvidenceKind::Xlsx)
        }
        _ if lower.contains("/embeddings/") && lower.ends_with(".pptx") => {
            Part::Package(EvidenceKind::Pptx)
        }
        _ if [
            "word/media/",
            "xl/media/",
            "ppt/media/",
            "docprops/thumbnail",
        ]
        .iter()
        .any(|dir| lower.starts_with(dir))
            && [".jpg", ".jpeg", ".jfif", ".png"]
                .iter()
                .any(|ext| lower.ends_with(ext)) =>
        {
            Part::Photo
        }
        _ => return None,
    })
}

pub(super) fn clean_ooxml(
    bytes: &[u8],
    kind: EvidenceKind,
    s: &mut Found,
) -> Result<Vec<u8>, Fail> {
    clean_ooxml_at(bytes, kind, s, 0)
}

fn clean_ooxml_at(
    bytes: &[u8],
    kind: EvidenceKind,
    s: &mut Found,
    depth: u8,
) -> Result<Vec<u8>, Fail> {
    if depth > MAX_NESTING {
        return Err(Fail::Archive);
    }
    let mut zip = ZipArchive::new(Cursor::new(bytes))?;
    let mut declared = 0u64;
    for i in 0..zip.len() {
        declared = declared.saturating_add(zip.by_index_raw(i)?.size());
    }
    if zip.len() > MAX_ZIP_ENTRIES || declared > MAX_UNPACKED_BYTES {
        return Err(Fail::Damaged(TOO_BIG_INSIDE));
    }
    // Entries are copied still compressed: entries that share their bytes
    // (a crafted zip points many names at one body) would be copied once
    // each, and the copy would outgrow the upload many times over. In a
    // real package every entry has bytes of its own.
    let mut spans = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let e = zip.by_index_raw(i)?;
        spans.push((e.data_start(), e.compressed_size()));
    }
    spans.sort_unstable();
    let overlapping = spans
        .windows(2)
        .any(|w| w[0].0.saturating_add(w[0].1) > w[1].0);
    let copied: u64 = spans.iter().map(|(_, n)| *n).sum();
    if overlapping {
        return Err(Fail::Damaged(BROKEN));
    }
    if copied > bytes.len() as u64 {
        return Err(Fail::Damaged(TOO_BIG_INSIDE));
    }
    // Sizes in the headers can lie; what is actually inflated is counted too.
    let mut budget = MAX_UNPACKED_BYTES;
    let rels = match zip.index_for_name("_rels/.rels") {
        Some(i) => String::from_utf8(read_entry(&mut zip, i, &mut budget)?)?,
        None => String::new(),
    };
    let mut rel_tags = Vec::new();
    each_start_tag(&rels, |tag| {
        rel_tags.push(tag);
        Ok(())
    })?;
    let target = |rel_type: &str, default: &str| {
        rel_tags
            .iter()
            .find(|tag| {
                tag.attr(&rels, "Type")
                    .is_some_and(|t| t.ends_with(rel_type))
            })
            .and_then(|tag| tag.attr(&rels, "Target"))
            .map_or(default, |target| target.trim_start_matches('/'))
            .to_owned()
    };
    let core = target("/core-properties", "docProps/core.xml");
    let app = target("/extended-properties", "docProps/app.xml");
    let custom = target("/custom-properties", "docProps/custom.xml");
    let has_custom = zip.index_for_name(&custom).is_some();

    let mut out = ZipWriter::new(Cursor::new(Vec::new()));
    // Entry times say when the file was last saved; Office itself writes 1980.
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default());
    for i in 0..zip.len() {
        let name = zip
            .name_for_index(i)
            .ok_or(Fail::Damaged(BROKEN))?
            .to_owned();
        if name == custom {
            note(s, CUSTOM);
            continue;
        }
        // A document holds its parts, pictures and embedded Office files,
        // never a program or an archive: a package carrying one is an
        // archive by another name.
        // Windows ignores trailing dots and spaces: "evil.exe. " runs.
        let ext = name
            .trim_end_matches(['.', ' '])
            .rsplit('.')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if ARCHIVE_EXTENSIONS.contains(&ext.as_str()) || PROGRAM_EXTENSIONS.contains(&ext.as_str())
        {
            return Err(Fail::Archive);
        }
        let edited = match ooxml_part(kind, &name, &core, &app) {
            None => None,
            Some(Part::Core) => {
                report_core(&read_entry(&mut zip, i, &mut budget)?, s);
                Some(EMPTY_CORE.as_bytes().to_vec())
            }
            Some(Part::Package(inner)) => {
                let data = read_entry(&mut zip, i, &mut budget)?;
                Some(clean_ooxml_at(&data, inner, s, depth + 1)?)
            }
            Some(Part::Photo) => {
                let data = read_entry(&mut zip, i, &mut budget)?;
                let clean = if data.starts_with(b"\xFF\xD8") {
                    clean_jpeg
                } else {
                    clean_png
                };
                clean_embedded(&data, clean, s)
            }
            Some(part) => {
                let xml = String::from_utf8(read_entry(&mut zip, i, &mut budget)?)?;
                let custom = custom.as_str();
                match part {
                    Part::App => remove_elements(
                        &xml,
                        |tag: &Tag, _: &str| match local(tag.name) {
                            "Company" => Some(COMPANY),
                            "Manager" => Some(MANAGER),
                            _ => None,
                        },
                        s,
                    )?,
                    Part::ContentTypes if has_custom => remove_elements(
                        &xml,
                        |t, x| refers_to(t, x, "Override", "PartName", custom),
                        s,
                    )?,
                    Part::Rels if has_custom => remove_elements(
                        &xml,
                        |t, x| refers_to(t, x, "Relationship", "Target", custom),
                        s,
                    )?,
                    Part::Authors(names) => blank_attributes(&xml, names, s)?,
                    Part::AuthorTexts(names) => blank_texts(&xml, names, s)?,
                    _ => None,
                }
                .map(String::into_bytes)
            }
        };
        match edited {
            Some(data) => {
                out.start_file(name, options)?;
                out.write_all(&data)?;
            }
            // Copied still compressed: the body and pictures stay byte for byte.
            None => out.raw_copy_file_touch(zip.by_index(i)?, DateTime::default(), None)?,
        }
    }
    Ok(out.finish()?.into_inner())
}

/// Matches what links to a dropped part, silently: the note is for the part.
fn refers_to(tag: &Tag, xml: &str, element: &str, attr: &str, part: &str) -> Option<&'static str> {
    let hit = tag.name == element
        && tag
            .attr(xml, attr)
            .is_some_and(|v| v.trim_start_matches('/').eq_ignore_ascii_case(part));
    hit.then_some("")
}

fn read_entry(
    zip: &mut ZipArchive<Cursor<&[u8]>>,
    i: usize,
    budget: &mut u64,
) -> Result<Vec<u8>, Fail> {
    let mut data = Vec::new();
    zip.by_index(i)?.take(*budget + 1).read_to_end(&mut data)?;
    *budget = budget
        .checked_sub(data.len() as u64)
        .ok_or(Fail::Damaged(TOO_BIG_INSIDE))?;
    Ok(data)
}

fn report_core(data: &[u8], s: &mut Found) {
    let xml = String::from_utf8_lossy(data);
    let scanned = each_start_tag(&xml, |tag| {
        let property = CORE_PROPERTIES
            .iter()
            .find(|(name, _)| *name == local(tag.name));
        if let Some((_, what)) = property {
            if element(&xml, &tag).is_some_and(|(_, inner)| !xml[inner].trim().is_empty()) {
                note(s, what);
            }
        }
        Ok(())
    });
    if scanned.is_err() {
        note(s, OTHER);
    }
}

fn blank_attributes(xml: &str, names: &[&str], s: &mut Found) -> Result<Option<String>, Fail> {
    // Most parts name no one; a large document.xml is not worth tokenising then.
    if !names.iter().any(|name| xml.contains(name)) {
        return Ok(None);
    }
    let mut edits = Vec::new();
    each_start_tag(xml, |tag| {
        let named = tag
            .attrs
            .into_iter()
            .filter(|(n, v)| names.contains(n) && !v.is_empty());
        edits.extend(named.map(|(_, value)| (value, "")));
        Ok(())
    })?;
    if edits.is_empty() {
        return Ok(None);
    }
    note(s, REVIEWERS);
    Ok(Some(splice(xml, edits)))
}

/// Empties the text of the elements named `names` (local names).
fn blank_texts(xml: &str, names: &[&str], s: &mut Found) -> Result<Option<String>, Fail> {
    let mut edits = Vec::new();
    each_start_tag(xml, |tag| {
        if names.contains(&local(tag.name)) {
            let (_, inner) = element(xml, &tag).ok_or(Fail::Damaged(BROKEN))?;
            if !xml[inner.clone()].trim().is_empty() {
                edits.push((inner, ""));
            }
        }
        Ok(())
    })?;
    if edits.is_empty() {
        return Ok(None);
    }
    note(s, REVIEWERS);
    Ok(Some(splice(xml, edits)))
}

/// Removes the elements for which `pick` names what they held (an empty
/// name: remove without a note, as when nothing was in them).
fn remove_elements(
    xml: &str,
    pick: impl Fn(&Tag, &str) -> Option<&'static str>,
    s: &mut Found,
) -> Result<Option<String>, Fail> {
    let mut edits = Vec::new();
    each_start_tag(xml, |tag| {
        if let Some(what) = pick(&tag, xml) {
            let (outer, inner) = element(xml, &tag).ok_or(Fail::Damaged(BROKEN))?;
            if !what.is_empty() && !xml[inner].trim().is_empty() {
                note(s, what);
            }
            edits.push((outer, ""));
        }
        Ok(())
    })?;
    Ok((!edits.is_empty()).then(|| splice(xml, edits)))
}

/// A start tag. The elements edited here hold no nested element of their own name.
struct Tag<'x> {
    span: Range<usize>,
    name: &'x str,
    attrs: Vec<(&'x str, Range<usize>)>,
    empty: bool,
}

impl Tag<'_> {
    fn attr<'x>(&self, xml: &'x str, name: &str) -> Option<&'x str> {
        self.attrs
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| xml.get(v.clone()))
    }
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// The element a start tag opens: its whole span and the span of its content.
fn element(xml: &str, tag: &Tag) -> Option<(Range<usize>, Range<usize>)> {
    if tag.empty {
        return Some((tag.span.clone(), tag.span.end..tag.span.end));
    }
    let close = format!("</{}", tag.name);
    let mut from = tag.span.end;
    loop {
        let at = from + find(xml.as_bytes().get(from..)?, close.as_bytes())?;
        let rest = xml.get(at + close.len()..)?;
        let gap = rest.len() - rest.trim_start().len();
        if rest[gap..].starts_with('>') {
            return Some((tag.span.start..at + close.len() + gap + 1, tag.span.end..at));
        }
        from = at + close.len();
    }
}

/// Scans just enough XML to find start tags and their attribute values, so
/// that a part can be edited in place and stay byte-identical elsewhere.
/// Tags are handed over one at a time: a document.xml can hold millions.
fn each_start_tag<'x>(
    xml: &'x str,
    mut visit: impl FnMut(Tag<'x>) -> Result<(), Fail>,
) -> Result<(), Fail> {
    let b = xml.as_bytes();
    let bad = || Fail::Damaged(BROKEN);
    let find_from = |from: usize, what: &[u8]| {
        b.get(from..)
            .and_then(|rest| find(rest, what))
            .map(|at| from + at)
    };
    let name_end = |from: usize| {
        let stop = |c: &u8| c.is_ascii_whitespace() || b"=/>".contains(c);
        b.get(from..)
            .and_then(|rest| rest.iter().position(stop))
            .map(|at| from + at)
            .ok_or_else(bad)
    };
    let skip_space = |from: usize| {
        from + b[from.min(b.len())..]
            .iter()
            .take_while(|c| c.is_ascii_whitespace())
            .count()
    };
    let skipped: [(&[u8], &[u8]); 5] = [
        (b"<!--", b"-->"),
        (b"<![CDATA[", b"]]>"),
        (b"<?", b"?>"),
        (b"<!", b">"),
        (b"</", b">"),
    ];
    let mut i = 0;
    while let Some(start) = find_from(i, b"<") {
        if let Some((_, close)) = skipped
            .iter()
            .find(|(open, _)| b[start..].starts_with(open))
        {
            i = find_from(start, close).ok_or_else(bad)? + close.len();
            continue;
        }
        let end = name_end(start + 1)?;
        let mut tag = Tag {
            span: start..start,
            name: &xml[start + 1..end],
            attrs: Vec::new(),
            empty: false,
        };
        let mut j = skip_space(end);
        loop {
            match (b.get(j), b.get(j + 1)) {
                (Some(b'>'), _) => j += 1,
                (Some(b'/'), Some(b'>')) => {
                    tag.empty = true;
                    j += 2;
                }
                (Some(_), _) => {
                    let end = name_end(j)?;
                    let (eq, quote_at) = (skip_space(end), skip_space(skip_space(end) + 1));
                    let quote = match (b.get(eq), b.get(quote_at)) {
                        (Some(b'='), Some(&q @ (b'"' | b'\''))) => q,
                        _ => return Err(bad()),
                    };
                    let value_end = find_from(quote_at + 1, &[quote]).ok_or_else(bad)?;
                    tag.attrs.push((&xml[j..end], quote_at + 1..value_end));
                    j = skip_space(value_end + 1);
                    continue;
                }
                (None, _) => return Err(bad()),
            }
            break;
        }
        tag.span.end = j;
        visit(tag)?;
        i = j;
    }
    Ok(())
}

fn splice(xml: &str, mut edits: Vec<(Range<usize>, &str)>) -> String {
    edits.sort_by_key(|(range, _)| range.start);
    let mut out = String::with_capacity(xml.len());
    let mut done = 0;
    for (range, with) in edits {
        if range.start >= done {
            out.push_str(&xml[done..range.start]);
            out.push_str(with);
            done = range.end;
        }
    }
    out.push_str(&xml[done..]);
    out
}

/// Rebuilt into a fresh compound file rather than edited in place: a removed
/// stream's sectors would otherwise keep the author's name as free space.
pub(super) fn clean_ole(bytes: &[u8], s: &mut Found) -> Result<Vec<u8>, Fail> {
    let mut src = cfb::CompoundFile::open(Cursor::new(bytes))?;
    let mut dst = cfb::CompoundFile::create_with_version(src.version(), Cursor::new(Vec::new()))?;
    let entries: Vec<cfb::Entry> = src.walk().collect();
    let mut budget = MAX_UNPACKED_BYTES;
    for entry in entries {
        let path = entry.path();
        if entry.is_storage() {
            if !entry.is_root() {
                dst.create_storage(path)?;
            }
            dst.set_storage_clsid(path, *entry.clsid())?;
        } else if matches!(
            entry.name(),
            "\u{5}SummaryInformation" | "\u{5}DocumentSummaryInformation"
        ) {
            note(s, OLE_SUMMARY);
            continue;
        } else {
            let mut data = Vec::new();
            src.open_stream(path)?
                .take(budget + 1)
                .read_to_end(&mut data)?;
            if blank_saved_by(entry.name(), &mut data) {
                note(s, LAST_MODIFIED_BY);
            }
            budget = budget
                .checked_sub(data.len() as u64)
                .ok_or(Fail::Damaged(TOO_BIG_INSIDE))?;
            let mut stream = dst.create_stream(path)?;
            stream.write_all(&data)?;
            stream.flush()?;
        }
        dst.set_state_bits(path, entry.state_bits())?;
    }
    dst.flush()?;
    Ok(dst.into_inner().into_inner())
}

/// Old Office files keep the user name of whoever saved last outside the
/// summary streams too: Excel in its WriteAccess record, PowerPoint in the
/// Current User stream. It is overwritten with spaces, every length kept.
fn blank_saved_by(stream: &str, data: &mut [u8]) -> bool {
    let u16_at = |data: &[u8], at: usize| {
        let b = data.get(at..at + 2)?;
        Some(usize::from(u16::from_le_bytes([b[0], b[1]])))
    };
    match stream {
        // CurrentUserAtom: the name's length at 20, the name at 28, then a
        // 4-byte version and the same name again in UTF-16.
        "Current User" => {
            let Some(len) = u16_at(data, 20).filter(|&len| len > 0) else {
                return false;
            };
            let Some(ansi) = data.get_mut(28..28 + len) else {
                return false;
            };
            ansi.fill(b' ');
            if let Some(wide) = data.get_mut(32 + len..32 + 3 * len) {
                wide.chunks_exact_mut(2)
                    .for_each(|c| c.copy_from_slice(&[b' ', 0]));
            }
            true
        }
        "Workbook" | "Book" => {
            let mut at = 0;
            while let (Some(kind), Some(len)) = (u16_at(data, at), u16_at(data, at + 2)) {
                match kind {
                    // The end of the workbook globals, or encrypted records from here on.
                    0x000A | 0x002F => return false,
                    0x005C => {
                        let Some(body) = data.get_mut(at + 4..at + 4 + len) else {
                            return false;
                        };
                        // BIFF8: u16 length, a flag for 16-bit characters, the name;
                        // BIFF5: u8 length, the name. Spaces are 8-bit characters.
                        let start = if stream == "Workbook" { 3 } else { 1 };
                        if let Some(flag) = body.get_mut(2).filter(|_| start == 3) {
                            *flag = 0;
                        }
                        let name = body.get_mut(start..).unwrap_or_default();
                        let had_name = name.iter().any(|&b| b != b' ' && b != 0);
                        name.fill(b' ');
                        return had_name;
                    }
                    _ => at += 4 + len,
                }
            }
            false
        }
        _ => false,
    }
}
