//! Checking and cleaning the evidence files that anonymous reporters upload.
//!
//! A reporter of hidden bureaucratic burden stays anonymous only if the files
//! they attach do not name them. Phones and office programs quietly write who
//! made a file, where and when into the file itself: the GPS position of a
//! photo, the account name as a Word document's author, the company a copy of
//! Office is registered to. That is what this module removes before a file is
//! stored, and it tells the reporter, in Chinese, what it found.
//!
//! It also makes sure a file is what its extension says, so that what reviewers
//! later open is a picture or a document and not a renamed archive or program.
//!
//! What is NOT removed, and cannot be: anything a person can see. The pixels
//! of a photo or screenshot (a face, a name on a screen, a window title), the
//! text and pictures of a document, the pages of a PDF, the sheet and slide
//! contents. Nor the dates of tracked changes in a Word file, names that an
//! old binary .doc keeps in its body, or SharePoint data under `customXml/`.
//! The caller should ask reporters to look at what their files show.
//!
//! What goes, by type:
//! - JPEG: EXIF (camera, time, GPS, thumbnail), XMP, IPTC, comments, other
//!   application segments and whatever follows the image; the JFIF header,
//!   the colour profile and Adobe's colour segment stay.
//! - PNG: text chunks, eXIf, tIME. WebP: EXIF and XMP chunks.
//! - PDF: the document information, every XMP stream, comment authors, EXIF
//!   of embedded photos. The file is rewritten, so earlier revisions go too.
//! - .docx/.xlsx/.pptx: core properties, company and manager, custom
//!   properties, comment and tracked-change authors, embedded photos'
//!   metadata, zip entry times.
//! - .doc/.xls/.ppt: the summary streams (embedded objects have their own
//!   too), the last saver's name in .xls and .ppt.

use std::io::{Cursor, Read, Write};
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};

use img_parts::jpeg::Jpeg;
use img_parts::png::Png;
use img_parts::riff::RiffContent;
use img_parts::webp::WebP;
use img_parts::Bytes;
use lopdf::{Document, Object};
use zip::result::ZipError;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

pub const MAX_EVIDENCE_BYTES: usize = 20 * 1024 * 1024;
/// An OOXML file is a zip: a few hundred KB can inflate to gigabytes.
const MAX_UNPACKED_BYTES: u64 = 200 * 1024 * 1024;
const MAX_ZIP_ENTRIES: usize = 10_000;

const ARCHIVE_EXTENSIONS: &[&str] = &[
    "zip", "rar", "7z", "gz", "tar", "tgz", "bz2", "xz", "cab", "arj", "iso", "zst", "lzh",
];

// What the reporter is told was removed.
const EXIF: &str = "拍摄信息（EXIF）";
const GPS: &str = "GPS 位置";
const XMP_IPTC: &str = "说明文字（XMP/IPTC）";
const COMMENT: &str = "注释";
const TEXT: &str = "文字说明";
const TIME: &str = "时间";
const AUTHOR: &str = "作者";
const LAST_MODIFIED_BY: &str = "最后修改人";
const COMPANY: &str = "单位（公司）";
const MANAGER: &str = "负责人";
const CUSTOM: &str = "自定义属性";
const XMP_DOC: &str = "文档属性（XMP）";
const CREATOR_APP: &str = "创建软件";
const PRODUCER: &str = "生成软件";
const TITLE: &str = "标题";
const SUBJECT: &str = "主题";
const KEYWORDS: &str = "关键词";
const REMARKS: &str = "备注";
const REVIEWERS: &str = "批注和修订的作者";
const OLE_SUMMARY: &str = "文档摘要信息（作者、单位）";
const TRAILING: &str = "附加在图片末尾的数据";
const OTHER: &str = "其他附加信息";

// Why a file could not be cleaned.
const BROKEN: &str = "文件已损坏或不完整，无法读取";
/// A parser panicked; kept apart from [`BROKEN`] so tests can tell the two apart.
const UNPARSABLE: &str = "文件结构异常，无法处理";
const TOO_BIG_INSIDE: &str = "压缩内容过大";
const PDF_ENCRYPTED: &str = "加密的 PDF 无法清理，请另存为不加密的文件";
const OFFICE_ENCRYPTED: &str = "加密的 Office 文件无法清理，请另存为不加密的文件";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceKind {
    Jpeg,
    Png,
    Webp,
    Pdf,
    Docx,
    Xlsx,
    Pptx,
    Doc,
    Xls,
    Ppt,
}

impl EvidenceKind {
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
            Self::Pdf => "pdf",
            Self::Docx => "docx",
            Self::Xlsx => "xlsx",
            Self::Pptx => "pptx",
            Self::Doc => "doc",
            Self::Xls => "xls",
            Self::Ppt => "ppt",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Pdf => "application/pdf",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            Self::Doc => "application/msword",
            Self::Xls => "application/vnd.ms-excel",
            Self::Ppt => "application/vnd.ms-powerpoint",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Jpeg | Self::Png | Self::Webp => "图片",
            Self::Pdf => "PDF 文件",
            Self::Docx | Self::Doc => "Word 文档",
            Self::Xlsx | Self::Xls => "Excel 表格",
            Self::Pptx | Self::Ppt => "PowerPoint 演示文稿",
        }
    }

    fn from_extension(ext: &str) -> Option<Self> {
        Some(match ext {
            "jpg" | "jpeg" => Self::Jpeg,
            "png" => Self::Png,
            "webp" => Self::Webp,
            "pdf" => Self::Pdf,
            "docx" => Self::Docx,
            "xlsx" => Self::Xlsx,
            "pptx" => Self::Pptx,
            "doc" => Self::Doc,
            "xls" => Self::Xls,
            "ppt" => Self::Ppt,
            _ => return None,
        })
    }

    fn is_office(self) -> bool {
        !matches!(self, Self::Jpeg | Self::Png | Self::Webp | Self::Pdf)
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct CleanedEvidence {
    pub kind: EvidenceKind,
    pub bytes: Vec<u8>,
    /// What was removed, each phrase once; empty when nothing was found.
    pub stripped: Vec<&'static str>,
}

/// Without the bytes: a log line should not hold 20 MB of evidence.
impl std::fmt::Debug for CleanedEvidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CleanedEvidence")
            .field("kind", &self.kind)
            .field("bytes", &self.bytes.len())
            .field("stripped", &self.stripped)
            .finish()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EvidenceError {
    #[error("附件“{file}”是空文件，未保存")]
    Empty { file: String },
    #[error("附件“{file}”超过 20 MB（实际 {} MB），未保存", megabytes(.size))]
    TooLarge { file: String, size: usize },
    #[error(
        "附件“{file}”的类型不能作为证据上传，只接受图片 JPG/PNG/WebP、PDF、Word/Excel/PowerPoint 文件"
    )]
    UnknownType { file: String },
    #[error("附件“{file}”的扩展名是 .{ext}，但内容{}，未保存；请确认选对了文件", content_phrase(.actual))]
    Mismatch {
        file: String,
        ext: String,
        actual: Option<String>,
    },
    #[error("附件“{file}”是压缩包，压缩包不能作为证据上传；请解压后上传其中的图片或文档")]
    Archive { file: String },
    #[error("附件“{file}”未保存：{reason}")]
    Damaged { file: String, reason: &'static str },
}

/// Rounded up, so that a file just over the limit never reads "20.0 MB".
fn megabytes(size: &usize) -> String {
    let tenths = (*size as u64 * 10).div_ceil(1024 * 1024);
    format!("{}.{}", tenths / 10, tenths % 10)
}

fn content_phrase(actual: &Option<String>) -> String {
    match actual {
        // A space between Chinese and Latin text, as the rest of the UI writes it.
        Some(what) if what.starts_with(|c: char| c.is_ascii()) => format!("是 {what}"),
        Some(what) => format!("是{what}"),
        None => "无法识别".to_owned(),
    }
}

/// Errors before the file name is attached.
enum Fail {
    Mismatch(Option<String>),
    Archive,
    Damaged(&'static str),
}

macro_rules! broken_from {
    ($($error:ty),*) => {$(
        impl From<$error> for Fail {
            fn from(_: $error) -> Self {
                Fail::Damaged(BROKEN)
            }
        }
    )*};
}
broken_from!(
    std::io::Error,
    ZipError,
    lopdf::Error,
    img_parts::Error,
    std::string::FromUtf8Error
);

/// What has been removed so far, in the reporter's words.
type Found = Vec<&'static str>;

fn note(stripped: &mut Found, what: &'static str) {
    if !stripped.contains(&what) {
        stripped.push(what);
    }
}

/// Checks that `bytes` are what the extension of `file_name` says and removes
/// the metadata that could identify the reporter.
pub fn clean_evidence(file_name: &str, bytes: &[u8]) -> Result<CleanedEvidence, EvidenceError> {
    // Old browsers send the full path, which can hold the user's name.
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let base: String = base.chars().filter(|c| !c.is_control()).collect();
    let base = base.trim();
    let file = shorten(base);
    let ext = base
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    let claimed = match EvidenceKind::from_extension(&ext) {
        Some(kind) => kind,
        None if ARCHIVE_EXTENSIONS.contains(&ext.as_str()) => {
            return Err(EvidenceError::Archive { file })
        }
        None => return Err(EvidenceError::UnknownType { file }),
    };
    if bytes.is_empty() {
        return Err(EvidenceError::Empty { file });
    }
    if bytes.len() > MAX_EVIDENCE_BYTES {
        return Err(EvidenceError::TooLarge {
            file,
            size: bytes.len(),
        });
    }
    let mut stripped = Vec::new();
    // The parsers read hostile input; a bug in one must cost this upload, not the request.
    let cleaned = catch_unwind(AssertUnwindSafe(|| clean_as(claimed, bytes, &mut stripped)))
        .unwrap_or(Err(Fail::Damaged(UNPARSABLE)));
    match cleaned {
        Ok(bytes) => Ok(CleanedEvidence {
            kind: claimed,
            bytes,
            stripped,
        }),
        Err(Fail::Mismatch(actual)) => Err(EvidenceError::Mismatch { file, ext, actual }),
        Err(Fail::Archive) => Err(EvidenceError::Archive { file }),
        Err(Fail::Damaged(reason)) => Err(EvidenceError::Damaged { file, reason }),
    }
}

fn shorten(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    match chars.len() {
        0 => "未命名".to_owned(),
        n if n > 80 => {
            let (head, tail): (String, String) = (
                chars[..60].iter().collect(),
                chars[n - 15..].iter().collect(),
            );
            format!("{head}…{tail}")
        }
        _ => name.to_owned(),
    }
}

fn clean_as(claimed: EvidenceKind, bytes: &[u8], s: &mut Found) -> Result<Vec<u8>, Fail> {
    let actual = match sniff(bytes)? {
        Sniff::Kind(kind) if kind == claimed => None,
        Sniff::Kind(kind) => Some(format!("{}（.{}）", kind.label_zh(), kind.extension())),
        Sniff::Archive => return Err(Fail::Archive),
        Sniff::Encrypted if claimed.is_office() => return Err(Fail::Damaged(OFFICE_ENCRYPTED)),
        Sniff::Encrypted => Some("加密的 Office 文件".to_owned()),
        Sniff::Other(what) => Some(what.to_owned()),
        Sniff::Unknown => return Err(Fail::Mismatch(None)),
    };
    if actual.is_some() {
        return Err(Fail::Mismatch(actual));
    }
    match claimed {
        EvidenceKind::Jpeg => clean_jpeg(bytes, s),
        EvidenceKind::Png => clean_png(bytes, s),
        EvidenceKind::Webp => clean_webp(bytes, s),
        EvidenceKind::Pdf => clean_pdf(bytes, s),
        EvidenceKind::Docx | EvidenceKind::Xlsx | EvidenceKind::Pptx => {
            clean_ooxml(bytes, claimed, s)
        }
        EvidenceKind::Doc | EvidenceKind::Xls | EvidenceKind::Ppt => clean_ole(bytes, s),
    }
}

#[derive(Clone, Copy)]
enum Sniff {
    Kind(EvidenceKind),
    Archive,
    Encrypted,
    Other(&'static str),
    Unknown,
}

/// Signatures, first match wins. Formats that reporters send by mistake are
/// named so that the refusal can say what the file really is.
const MAGIC: &[(usize, &[u8], Sniff)] = &[
    (0, b"\xFF\xD8\xFF", Sniff::Kind(EvidenceKind::Jpeg)),
    (0, b"\x89PNG\r\n\x1a\n", Sniff::Kind(EvidenceKind::Png)),
    (8, b"WEBP", Sniff::Kind(EvidenceKind::Webp)),
    (0, b"Rar!\x1a\x07", Sniff::Archive),
    (0, b"7z\xBC\xAF\x27\x1C", Sniff::Archive),
    (0, b"\x1F\x8B", Sniff::Archive),
    (0, b"BZh", Sniff::Archive),
    (0, b"\xFD7zXZ\0", Sniff::Archive),
    (0, b"MSCF", Sniff::Archive),
    (0, b"\x28\xB5\x2F\xFD", Sniff::Archive),
    (257, b"ustar", Sniff::Archive),
    (0, b"GIF8", Sniff::Other("GIF 图片")),
    (0, b"II*\0", Sniff::Other("TIFF 图片")),
    (0, b"MM\0*", Sniff::Other("TIFF 图片")),
    (4, b"ftypheic", Sniff::Other("HEIC 图片")),
    (4, b"ftypmif1", Sniff::Other("HEIC 图片")),
    (4, b"ftyp", Sniff::Other("视频")),
    (0, b"MZ", Sniff::Other("程序文件")),
];

fn sniff(b: &[u8]) -> Result<Sniff, Fail> {
    let at =
        |offset: usize, magic: &[u8]| b.get(offset..).is_some_and(|rest| rest.starts_with(magic));
    if at(0, b"PK\x03\x04") || at(0, b"PK\x05\x06") {
        return sniff_zip(b);
    }
    if at(0, b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return sniff_ole(b);
    }
    if let Some((_, _, found)) = MAGIC.iter().find(|(offset, magic, _)| at(*offset, magic)) {
        return Ok(*found);
    }
    // Some producers put a few bytes before the header; readers look this far.
    Ok(match find(&b[..b.len().min(1024)], b"%PDF-") {
        Some(_) => Sniff::Kind(EvidenceKind::Pdf),
        None => Sniff::Unknown,
    })
}

fn sniff_zip(bytes: &[u8]) -> Result<Sniff, Fail> {
    let zip = ZipArchive::new(Cursor::new(bytes))?;
    if zip.index_for_name("[Content_Types].xml").is_none() {
        return Ok(match zip.index_for_name("mimetype") {
            Some(_) => Sniff::Other("OpenDocument 文档"),
            None => Sniff::Archive,
        });
    }
    let has = |dir: &str| zip.file_names().any(|name| name.starts_with(dir));
    let kind = [
        ("word/", EvidenceKind::Docx),
        ("xl/", EvidenceKind::Xlsx),
        ("ppt/", EvidenceKind::Pptx),
    ]
    .into_iter()
    .find(|(dir, _)| has(dir));
    Ok(kind.map_or(Sniff::Unknown, |(_, kind)| Sniff::Kind(kind)))
}

fn sniff_ole(bytes: &[u8]) -> Result<Sniff, Fail> {
    let file = cfb::CompoundFile::open(Cursor::new(bytes))?;
    let names: Vec<String> = file
        .read_root_storage()
        .map(|e| e.name().to_owned())
        .collect();
    let has = |name: &str| names.iter().any(|n| n == name);
    Ok(if has("WordDocument") {
        Sniff::Kind(EvidenceKind::Doc)
    } else if has("Workbook") || has("Book") {
        Sniff::Kind(EvidenceKind::Xls)
    } else if has("PowerPoint Document") {
        Sniff::Kind(EvidenceKind::Ppt)
    } else if has("EncryptedPackage") {
        Sniff::Encrypted
    } else {
        Sniff::Unknown
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Padding after the end of an image is harmless; anything else may be a
/// second picture (the original of a crop, a depth map) with its own metadata.
fn note_trailing(rest: &[u8], s: &mut Found) {
    if rest.iter().any(|&b| b != 0) {
        note(s, TRAILING);
    }
}

fn clean_jpeg(bytes: &[u8], s: &mut Found) -> Result<Vec<u8>, Fail> {
    let jpeg = Jpeg::from_bytes(Bytes::copy_from_slice(bytes))?;
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(b"\xFF\xD8");
    for segment in jpeg.segments() {
        let (marker, contents) = (segment.marker(), segment.contents());
        if segment.has_entropy() {
            put_segment(&mut out, marker, contents)?;
            // img-parts leaves everything after the first scan header unparsed.
            let scans_len = segment.len_with_entropy() - segment.len();
            copy_scans(&bytes[bytes.len().saturating_sub(scans_len)..], &mut out, s)?;
            return Ok(out);
        }
        if keep_jpeg_segment(marker, contents, s) {
            put_segment(&mut out, marker, contents)?;
        }
    }
    Err(Fail::Damaged(BROKEN))
}

fn put_segment(out: &mut Vec<u8>, marker: u8, contents: &[u8]) -> Result<(), Fail> {
    let len = u16::try_from(contents.len() + 2).map_err(|_| Fail::Damaged(BROKEN))?;
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(contents);
    Ok(())
}

/// Keeps what decoding needs (JFIF, the colour profile, Adobe's colour
/// transform for CMYK files) and drops every other application segment.
fn keep_jpeg_segment(marker: u8, contents: &[u8], s: &mut Found) -> bool {
    let what = match marker {
        // Longer than 14 bytes, JFIF carries a thumbnail, perhaps of the uncropped photo.
        0xE0 if contents.starts_with(b"JFIF\0") && contents.len() <= 14 => return true,
        0xE2 if contents.starts_with(b"ICC_PROFILE\0") => return true,
        0xEE if contents.starts_with(b"Adobe") => return true,
        0xE1 => match contents.strip_prefix(b"Exif\0\0") {
            Some(tiff) if exif_has_gps(tiff) => {
                note(s, EXIF);
                GPS
            }
            Some(_) => EXIF,
            None if contents.starts_with(b"http://ns.adobe.com/") => XMP_IPTC,
            None => OTHER,
        },
        0xED => XMP_IPTC,
        0xFE => COMMENT,
        0xE0..=0xEF => OTHER,
        _ => return true,
    };
    note(s, what);
    false
}

/// Copies the scans through the end-of-image marker. Segments between
/// progressive scans are walked by their length so that their bytes are never
/// mistaken for markers; application segments among them are dropped too.
fn copy_scans(data: &[u8], out: &mut Vec<u8>, s: &mut Found) -> Result<(), Fail> {
    let bad = || Fail::Damaged(BROKEN);
    let (mut copied, mut i) = (0, 0);
    loop {
        let at = i + data[i..].iter().position(|&b| b == 0xFF).ok_or_else(bad)?;
        match *data.get(at + 1).ok_or_else(bad)? {
            // Stuffed zero, restart marker, fill byte: still inside a scan.
            0x00 | 0xD0..=0xD7 => i = at + 2,
            0xFF => i = at + 1,
            0xD9 => {
                out.extend_from_slice(&data[copied..at + 2]);
                note_trailing(&data[at + 2..], s);
                return Ok(());
            }
            0x01 | 0xD8 => return Err(bad()),
            marker => {
                let len = data.get(at + 2..at + 4).ok_or_else(bad)?;
                let end = at + 2 + usize::from(u16::from_be_bytes([len[0], len[1]]));
                let contents = data.get(at + 4..end).ok_or_else(bad)?;
                if !keep_jpeg_segment(marker, contents, s) {
                    out.extend_from_slice(&data[copied..at]);
                    copied = end;
                }
                i = end;
            }
        }
    }
}

/// Whether IFD0 of a TIFF/EXIF block points to a GPS IFD with any entry in it.
fn exif_has_gps(tiff: &[u8]) -> bool {
    let little = match tiff.get(..4) {
        Some(b"II*\0") => true,
        Some(b"MM\0*") => false,
        _ => return false,
    };
    let read = |offset: u64, width: usize| -> Option<u32> {
        let bytes = tiff.get(usize::try_from(offset).ok()?..)?.get(..width)?;
        let fold = |n: u32, b: &u8| n << 8 | u32::from(*b);
        Some(if little {
            bytes.iter().rev().fold(0, fold)
        } else {
            bytes.iter().fold(0, fold)
        })
    };
    let Some(ifd0) = read(4, 4).map(u64::from) else {
        return false;
    };
    (0..u64::from(read(ifd0, 2).unwrap_or(0)))
        .map(|n| ifd0 + 2 + 12 * n)
        .find(|&entry| read(entry, 2) == Some(0x8825))
        .and_then(|entry| read(entry + 8, 4))
        .and_then(|gps| read(u64::from(gps), 2))
        .is_some_and(|count| count > 0)
}

fn clean_png(bytes: &[u8], s: &mut Found) -> Result<Vec<u8>, Fail> {
    let mut png = Png::from_bytes(Bytes::copy_from_slice(bytes))?;
    let chunks = png.chunks();
    if (
        chunks.first().map(|c| c.kind()),
        chunks.last().map(|c| c.kind()),
    ) != (Some(*b"IHDR"), Some(*b"IEND"))
    {
        return Err(Fail::Damaged(BROKEN));
    }
    note_trailing(bytes.get(png.len()..).unwrap_or_default(), s);
    png.chunks_mut().retain(|chunk| {
        let what = match &chunk.kind() {
            b"tEXt" | b"zTXt" | b"iTXt" => TEXT,
            b"eXIf" if exif_has_gps(chunk.contents()) => {
                note(s, EXIF);
                GPS
            }
            b"eXIf" => EXIF,
            b"tIME" => TIME,
            // Content credentials (C2PA) can carry the name of whoever signed them.
            b"caBX" => OTHER,
            _ => return true,
        };
        note(s, what);
        false
    });
    Ok(png.encoder().bytes().to_vec())
}

fn clean_webp(bytes: &[u8], s: &mut Found) -> Result<Vec<u8>, Fail> {
    let mut webp = WebP::from_bytes(Bytes::copy_from_slice(bytes))?;
    if !webp
        .chunks()
        .iter()
        .any(|c| matches!(&c.id(), b"VP8 " | b"VP8L" | b"VP8X"))
    {
        return Err(Fail::Damaged(BROKEN));
    }
    note_trailing(bytes.get(webp.len() as usize..).unwrap_or_default(), s);
    webp.chunks_mut().retain(|chunk| {
        let data = chunk.content().data().map(|d| &d[..]).unwrap_or_default();
        let what = match &chunk.id() {
            b"EXIF" if exif_has_gps(data.strip_prefix(b"Exif\0\0").unwrap_or(data)) => {
                note(s, EXIF);
                GPS
            }
            b"EXIF" => EXIF,
            b"XMP " => XMP_IPTC,
            _ => return true,
        };
        note(s, what);
        false
    });
    // Readers trust the VP8X flags to say which chunks follow.
    for chunk in webp.chunks_mut().iter_mut().filter(|c| c.id() == *b"VP8X") {
        if let RiffContent::Data(data) = chunk.content_mut() {
            let mut flags = data.to_vec();
            if let Some(first) = flags.first_mut() {
                *first &= !(0x08 | 0x04);
            }
            *data = Bytes::from(flags);
        }
    }
    Ok(webp.encoder().bytes().to_vec())
}

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

fn clean_pdf(bytes: &[u8], s: &mut Found) -> Result<Vec<u8>, Fail> {
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
                if stream.dict.get(b"Filter").and_then(Object::as_name).ok() == Some(b"DCTDecode") {
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
    doc.prune_objects();
    let mut out = Vec::with_capacity(bytes.len());
    // Object streams keep the rewritten file about as small as the original.
    doc.save_modern(&mut out)?;
    Ok(out)
}

type Cleaner = fn(&[u8], &mut Found) -> Result<Vec<u8>, Fail>;

/// Cleans a picture inside a document; one that cannot be read is left as
/// it was rather than failing the whole document.
fn clean_embedded(data: &[u8], clean: Cleaner, s: &mut Found) -> Option<Vec<u8>> {
    let mut found = Vec::new();
    let cleaned = clean(data, &mut found).ok().filter(|_| !found.is_empty())?;
    found.into_iter().for_each(|what| note(s, what));
    Some(cleaned)
}

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
    /// Pictures pasted into a document keep the camera's metadata.
    Photo,
}

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
        EvidenceKind::Pptx if name == "ppt/commentAuthors.xml" || name == "ppt/authors.xml" => {
            Part::Authors(&["name", "initials", "userId"])
        }
        _ if ["word/media/", "xl/media/", "ppt/media/"]
            .iter()
            .any(|dir| lower.starts_with(dir))
            && [".jpg", ".jpeg", ".png"]
                .iter()
                .any(|ext| lower.ends_with(ext)) =>
        {
            Part::Photo
        }
        _ => return None,
    })
}

fn clean_ooxml(bytes: &[u8], kind: EvidenceKind, s: &mut Found) -> Result<Vec<u8>, Fail> {
    let mut zip = ZipArchive::new(Cursor::new(bytes))?;
    let mut declared = 0u64;
    for i in 0..zip.len() {
        declared = declared.saturating_add(zip.by_index_raw(i)?.size());
    }
    if zip.len() > MAX_ZIP_ENTRIES || declared > MAX_UNPACKED_BYTES {
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
        let edited = match ooxml_part(kind, &name, &core, &app) {
            None => None,
            Some(Part::Core) => {
                report_core(&read_entry(&mut zip, i, &mut budget)?, s);
                Some(EMPTY_CORE.as_bytes().to_vec())
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
fn clean_ole(bytes: &[u8], s: &mut Found) -> Result<Vec<u8>, Fail> {
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

#[cfg(test)]
#[path = "evidence_tests.rs"]
mod tests;
