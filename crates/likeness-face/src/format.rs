//! Formats by magic bytes, names for what we refuse, and dimensions straight from the header.
//!
//! The header readers here are deliberately small and allocation-free: they run before any
//! decoder is constructed, so a decompression bomb is refused with its real dimensions in the
//! message, and a WebP whose chunks claim more bytes than the file holds never reaches a decoder
//! that would size a buffer from that claim.

use std::fmt;

/// The formats the intake accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Jpeg,
    Png,
    Webp,
}

impl Format {
    /// The media type, e.g. `image/jpeg`.
    pub fn mime(&self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
        }
    }

    /// The usual file extension, without the dot: `jpg`, `png`, `webp`.
    pub fn extension(&self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
        }
    }

    /// The name people use: `JPEG`, `PNG`, `WebP`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Jpeg => "JPEG",
            Self::Png => "PNG",
            Self::Webp => "WebP",
        }
    }

    pub(crate) fn image_format(self) -> image::ImageFormat {
        match self {
            Self::Jpeg => image::ImageFormat::Jpeg,
            Self::Png => image::ImageFormat::Png,
            Self::Webp => image::ImageFormat::WebP,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The format by magic bytes only. File names and declared media types are never consulted:
/// both are chosen by the sender.
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Format::Jpeg)
    } else if bytes.starts_with(PNG_SIGNATURE) {
        Some(Format::Png)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(Format::Webp)
    } else {
        None
    }
}

/// The format of a file `sniff` refused but which starts like one of ours: too short to be
/// anything but a truncated JPEG, PNG or WebP.
pub(crate) fn truncated_signature(bytes: &[u8]) -> Option<Format> {
    let prefix_of = |sig: &[u8]| bytes.len() < sig.len() && sig.starts_with(bytes);
    if prefix_of(&[0xFF, 0xD8, 0xFF]) {
        Some(Format::Jpeg)
    } else if prefix_of(PNG_SIGNATURE) {
        Some(Format::Png)
    } else if bytes.len() < 12 && bytes.starts_with(b"RIFF") {
        Some(Format::Webp)
    } else {
        None
    }
}

/// A noun phrase for what a refused upload looks like, for "expected JPEG, PNG or WebP but got
/// ...". Best effort: it only reads the first bytes.
pub(crate) fn describe(bytes: &[u8]) -> String {
    let at = |offset: usize, sig: &[u8]| bytes.get(offset..offset + sig.len()) == Some(sig);
    let binary = if at(0, b"GIF87a") || at(0, b"GIF89a") {
        Some("a GIF image")
    } else if at(0, b"BM") && bytes.len() >= 26 {
        Some("a BMP image")
    } else if at(0, b"II*\0") || at(0, b"MM\0*") {
        Some("a TIFF image (or a camera raw file)")
    } else if at(4, b"ftyp") {
        Some(match bytes.get(8..12) {
            Some(b"avif" | b"avis") => "an AVIF image",
            Some(b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"mif1" | b"msf1") => {
                "a HEIC/HEIF image (the iPhone camera default)"
            }
            _ => "an MP4/QuickTime file",
        })
    } else if at(0, b"%PDF") {
        Some("a PDF document")
    } else if at(0, &[0xFF, 0x0A]) || at(0, b"\0\0\0\x0CJXL \r\n\x87\n") {
        Some("a JPEG XL image")
    } else if at(0, b"\0\0\0\x0CjP  \r\n\x87\n") || at(0, &[0xFF, 0x4F, 0xFF, 0x51]) {
        Some("a JPEG 2000 image")
    } else if at(0, &[0, 0, 1, 0]) {
        Some("an ICO icon")
    } else if at(0, b"RIFF") {
        Some("a RIFF file that is not WebP (AVI or WAV?)")
    } else if at(0, b"PK\x03\x04") {
        Some("a ZIP archive")
    } else {
        None
    };
    if let Some(what) = binary {
        return what.to_owned();
    }
    if let Some(what) = describe_text(bytes) {
        return what.to_owned();
    }
    let head: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!(
        "unrecognised data (it starts with bytes {})",
        head.join(" ")
    )
}

fn describe_text(bytes: &[u8]) -> Option<&'static str> {
    // A prefix, cut back to a char boundary: the rest of the file does not matter.
    let head = &bytes[..bytes.len().min(1024)];
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
        Err(_) => return None,
    };
    if text.chars().any(|c| c.is_control() && !c.is_whitespace()) {
        return None;
    }
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let lower = trimmed.to_ascii_lowercase();
    Some(if lower.contains("<svg") {
        "an SVG (vector) image; convert it to PNG first"
    } else if lower.starts_with("<!doctype html") || lower.contains("<html") {
        "an HTML page (does the URL point at the image itself?)"
    } else if lower.starts_with("<?xml") {
        "an XML document"
    } else if lower.starts_with("data:") {
        "a data: URL as raw bytes (send it as a base64 field, or send the decoded file)"
    } else if ["/9j/", "ivborw0kggo", "uklgr"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        "base64 text (decode it first, or send it in a base64 field)"
    } else if lower.starts_with('{') || lower.starts_with('[') {
        "JSON text"
    } else {
        "plain text"
    })
}

/// Width and height from the header, or `Ok(None)` when this reader cannot find them (the
/// decoder then has the last word). `Err` is a reason the file is damaged.
pub(crate) fn header_dimensions(format: Format, b: &[u8]) -> Result<Option<(u32, u32)>, String> {
    match format {
        Format::Png => png_dimensions(b),
        Format::Jpeg => Ok(jpeg_dimensions(b)),
        Format::Webp => webp_dimensions(b),
    }
}

pub(crate) fn be16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_be_bytes(
        b.get(at..at + 2)?.try_into().ok()?,
    )))
}
pub(crate) fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
pub(crate) fn le16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_le_bytes(
        b.get(at..at + 2)?.try_into().ok()?,
    )))
}
pub(crate) fn le24(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 3)?;
    Some(u32::from(s[0]) | u32::from(s[1]) << 8 | u32::from(s[2]) << 16)
}
pub(crate) fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The IHDR chunk must come first, at a fixed offset.
fn png_dimensions(b: &[u8]) -> Result<Option<(u32, u32)>, String> {
    if b.len() < 24 {
        return Err(format!(
            "the file ends after {} bytes, inside the header",
            b.len()
        ));
    }
    if &b[12..16] != b"IHDR" {
        return Err("the first chunk is not IHDR".to_owned());
    }
    Ok(be32(b, 16).zip(be32(b, 20)))
}

/// The first SOFn's dimensions. `None` if a scan starts first, the file ends, or the height
/// is 0 (defined later by a DNL marker).
fn jpeg_dimensions(b: &[u8]) -> Option<(u32, u32)> {
    let (marker, i) = jpeg_find(b, |m| is_sof(m) || m == 0xDA)?;
    if marker == 0xDA {
        return None;
    }
    let (h, w) = (be16(b, i + 3)?, be16(b, i + 5)?);
    (w > 0 && h > 0).then_some((w, h))
}

/// Where the first scan's entropy-coded data begins (after its SOS header), found by walking
/// segments, so an EXIF thumbnail's own SOS and EOI inside APP1 are skipped over.
pub(crate) fn jpeg_scan_start(b: &[u8]) -> Option<usize> {
    let (_, i) = jpeg_find(b, |m| m == 0xDA)?;
    Some(i + be16(b, i)? as usize)
}

pub(crate) fn is_sof(marker: u8) -> bool {
    matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC)
}

/// Walks marker segments from after SOI to the first marker `want` accepts, returning it and
/// the offset of its length field. `None` at the end of the data or at EOI.
fn jpeg_find(b: &[u8], want: impl Fn(u8) -> bool) -> Option<(u8, usize)> {
    JpegSegments::new(b).find(|&(marker, _)| want(marker))
}

/// The marker segments after SOI as (marker, offset of its length field), up to and including
/// the first SOS (after which entropy-coded data follows), ending early at EOI, at the end of
/// the data or at a length below 2.
pub(crate) struct JpegSegments<'a> {
    b: &'a [u8],
    /// Where the next marker is looked for; `None` once done.
    at: Option<usize>,
}

impl<'a> JpegSegments<'a> {
    pub(crate) fn new(b: &'a [u8]) -> Self {
        Self { b, at: Some(2) }
    }
}

impl Iterator for JpegSegments<'_> {
    type Item = (u8, usize);

    fn next(&mut self) -> Option<(u8, usize)> {
        let b = self.b;
        let mut i = self.at.take()?;
        loop {
            // Tolerate junk between segments, as decoders do; fill bytes (0xFF runs) too.
            while *b.get(i)? != 0xFF {
                i += 1;
            }
            while *b.get(i)? == 0xFF {
                i += 1;
            }
            let marker = *b.get(i)?;
            i += 1;
            match marker {
                0x01 | 0xD0..=0xD8 => continue, // standalone markers, no length
                0xD9 => return None,
                _ => {}
            }
            let len = be16(b, i)? as usize;
            if len < 2 {
                return None;
            }
            if marker != 0xDA {
                self.at = Some(i + len);
            }
            return Some((marker, i));
        }
    }
}

/// Reads the first chunk's dimensions and checks every top-level chunk lies inside the file.
fn webp_dimensions(b: &[u8]) -> Result<Option<(u32, u32)>, String> {
    let riff_end = le32(b, 4).map_or(0, |n| (n as usize).saturating_add(8));
    // One byte of slack: some writers omit the final padding byte.
    if riff_end > b.len() + 1 {
        return Err(format!(
            "the header says {riff_end} bytes but the file has {}: it was cut off",
            b.len()
        ));
    }
    let end = riff_end.min(b.len());
    let mut pos = 12;
    let mut dims = None;
    while pos + 8 <= end {
        let fourcc = &b[pos..pos + 4];
        let size = le32(b, pos + 4).unwrap_or(0) as usize;
        let data = pos + 8;
        if size > b.len() - data {
            return Err(format!(
                "the {} chunk claims {size} bytes but only {} remain: the file was cut off",
                String::from_utf8_lossy(fourcc).trim_end(),
                b.len() - data
            ));
        }
        if pos == 12 {
            dims = match fourcc {
                b"VP8X" => le24(b, data + 4)
                    .zip(le24(b, data + 7))
                    .map(|(w, h)| (w + 1, h + 1)),
                b"VP8 " if b.get(data + 3..data + 6) == Some(&[0x9D, 0x01, 0x2A]) => {
                    le16(b, data + 6)
                        .zip(le16(b, data + 8))
                        .map(|(w, h)| (w & 0x3FFF, h & 0x3FFF))
                }
                b"VP8L" if b.get(data) == Some(&0x2F) => {
                    le32(b, data + 1).map(|bits| ((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
                }
                _ => None,
            };
        }
        pos = data + size + (size & 1);
    }
    Ok(dims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniff_uses_magic_bytes_only() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(Format::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), Some(Format::Png));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8L"), Some(Format::Webp));
        assert_eq!(sniff(b"RIFF\x10\0\0\0AVI LIST"), None);
        assert_eq!(sniff(b"\xFF\xD8"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(truncated_signature(b"\xFF\xD8"), Some(Format::Jpeg));
        assert_eq!(truncated_signature(b"\x89PN"), Some(Format::Png));
        assert_eq!(truncated_signature(b"GIF"), None);
    }

    #[test]
    fn mime_and_extension() {
        assert_eq!(
            (Format::Jpeg.mime(), Format::Jpeg.extension()),
            ("image/jpeg", "jpg")
        );
        assert_eq!(
            (Format::Png.mime(), Format::Png.extension()),
            ("image/png", "png")
        );
        assert_eq!(
            (Format::Webp.mime(), Format::Webp.extension()),
            ("image/webp", "webp")
        );
    }

    #[test]
    fn describes_what_it_is_not() {
        let cases: &[(&[u8], &str)] = &[
            (b"GIF89a\x01\0\x01\0", "a GIF image"),
            (b"\0\0\0\x18ftypheic\0\0\0\0mif1", "a HEIC/HEIF image"),
            (b"\0\0\0\x1cftypavif\0\0\0\0", "an AVIF image"),
            (b"%PDF-1.7\n", "a PDF document"),
            (b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>", "an SVG"),
            (b"\xef\xbb\xbf<?xml version=\"1.0\"?>\n<svg>", "an SVG"),
            (
                b"<!DOCTYPE html><html><body>Not found</body></html>",
                "an HTML page",
            ),
            (b"II*\0\x08\0\0\0", "a TIFF image"),
            (b"/9j/4AAQSkZJRgABAQ", "base64 text"),
            (b"hello world", "plain text"),
            (
                &[0x00, 0x13, 0x37, 0xC0, 0xFE, 0x01],
                "unrecognised data (it starts with bytes 00 13 37 c0 fe 01)",
            ),
        ];
        for (bytes, expected) in cases {
            let got = describe(bytes);
            assert!(got.starts_with(expected), "{got:?} for {bytes:?}");
        }
    }

    #[test]
    fn jpeg_header_walk_skips_segments_and_finds_sof() {
        // SOI, APP0 (len 4), fill byte, SOF2 (progressive) 300 high, 500 wide.
        let b = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 1, 2, 0xFF, 0xFF, 0xC2, 0, 11, 8, 0x01, 0x2C, 0x01, 0xF4,
            1, 1, 0x11, 0,
        ];
        assert_eq!(jpeg_dimensions(&b), Some((500, 300)));
        // DHT (0xC4) is not a frame header; a scan before any frame gives up.
        assert_eq!(
            jpeg_dimensions(&[0xFF, 0xD8, 0xFF, 0xC4, 0, 2, 0xFF, 0xDA]),
            None
        );
        assert_eq!(jpeg_dimensions(&[0xFF, 0xD8, 0xFF, 0xE1, 0xFF]), None);
    }

    #[test]
    fn webp_chunks_past_the_end_are_refused() {
        let mut b = b"RIFF\0\0\0\0WEBPVP8L\x05\0\0\0\x2f\x3f\x00\x00\x00\0".to_vec();
        let n = (b.len() - 8) as u32;
        b[4..8].copy_from_slice(&n.to_le_bytes());
        assert_eq!(webp_dimensions(&b), Ok(Some((64, 1))));
        b[16..20].copy_from_slice(&0xFFFF_FF00u32.to_le_bytes());
        assert!(
            webp_dimensions(&b)
                .unwrap_err()
                .contains("VP8L chunk claims")
        );
        b[4..8].copy_from_slice(&1000u32.to_le_bytes());
        assert!(webp_dimensions(&b).unwrap_err().contains("cut off"));
    }
}
