//! JPEG, PNG and WebP: the metadata segments and chunks go, the pixels are
//! copied as they are, never decoded and encoded again.

use img_parts::jpeg::Jpeg;
use img_parts::png::Png;
use img_parts::riff::RiffContent;
use img_parts::webp::WebP;
use img_parts::Bytes;

use super::{note, Fail, Found, BROKEN, COMMENT, EXIF, GPS, OTHER, TEXT, TIME, TRAILING, XMP_IPTC};

/// Padding after the end of an image is harmless; anything else may be a
/// second picture (the original of a crop, a depth map) with its own metadata.
fn note_trailing(rest: &[u8], s: &mut Found) {
    if rest.iter().any(|&b| b != 0) {
        note(s, TRAILING);
    }
}

pub(super) fn clean_jpeg(bytes: &[u8], s: &mut Found) -> Result<Vec<u8>, Fail> {
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

pub(super) fn clean_png(bytes: &[u8], s: &mut Found) -> Result<Vec<u8>, Fail> {
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
            // What draws the picture stays; every other chunk (an old
            // "exIf"/"zxIf" EXIF copy, an editor's private chunk) goes.
            b"IHDR" | b"PLTE" | b"IDAT" | b"IEND" | b"tRNS" | b"gAMA" | b"cHRM" | b"sRGB"
            | b"iCCP" | b"sBIT" | b"bKGD" | b"pHYs" | b"acTL" | b"fcTL" | b"fdAT" => return true,
            // eXIf's forerunners: "exIf", "zxIf" (compressed).
            kind if kind[1..].eq_ignore_ascii_case(b"xif") => EXIF,
            _ => OTHER,
        };
        note(s, what);
        false
    });
    Ok(png.encoder().bytes().to_vec())
}

pub(super) fn clean_webp(bytes: &[u8], s: &mut Found) -> Result<Vec<u8>, Fail> {
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
