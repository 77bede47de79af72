use img_parts::Bytes;

use super::*;

pub(super) fn jpeg_exif() -> Vec<u8> {
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

pub(super) fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    img_parts::png::PngChunk::new(*kind, Bytes::copy_from_slice(data))
        .encoder()
        .bytes()
        .to_vec()
}

/// A 1x1 grey PNG, its pixel in a stored (uncompressed) zlib block.
pub(super) fn png(extra: &[Vec<u8>]) -> Vec<u8> {
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
pub(super) fn webp_with_metadata() -> Vec<u8> {
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
fn png_loses_old_exif_copies_and_private_chunks() {
    let input = png(&[
        png_chunk(b"zxIf", b"Artist ZHANG"),
        png_chunk(b"prVt", b"editor of ZHANG"),
        png_chunk(b"pHYs", &[0, 0, 11, 19, 0, 0, 11, 19, 1]),
    ]);
    let out = clean_evidence("shot.png", &input).unwrap();
    assert!(!contains(&out.bytes, b"ZHANG"));
    assert!(
        contains(&out.bytes, b"pHYs"),
        "what draws the picture stays"
    );
    assert_eq!(out.stripped, vec![EXIF, OTHER]);
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
