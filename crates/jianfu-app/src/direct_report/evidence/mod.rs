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

use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};

use zip::result::ZipError;
use zip::ZipArchive;

use image::{clean_jpeg, clean_png, clean_webp};
use office::{clean_ole, clean_ooxml};
use pdf::clean_pdf;

mod image;
mod office;
mod pdf;

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

type Cleaner = fn(&[u8], &mut Found) -> Result<Vec<u8>, Fail>;

/// Cleans a picture inside a document; one that cannot be read is left as
/// it was rather than failing the whole document.
fn clean_embedded(data: &[u8], clean: Cleaner, s: &mut Found) -> Option<Vec<u8>> {
    let mut found = Vec::new();
    let cleaned = clean(data, &mut found).ok().filter(|_| !found.is_empty())?;
    found.into_iter().for_each(|what| note(s, what));
    Some(cleaned)
}

#[cfg(test)]
mod tests;
