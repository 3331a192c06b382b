//! What intake holds at once, from the header alone: the decoder's output buffer and its own
//! buffers, the 8-bit copy, a rotated copy and the encoder's output.
//!
//! Every term follows what the decoders and encoders in Cargo.lock allocate, read in their
//! source (image 0.25.10, png 0.18.1, zune-jpeg 0.5.15, image-webp 0.2.4) and checked against
//! the counting allocator in the tests. Bytes are counted as allocated capacity, so a buffer
//! that is reserved but never touched counts in full: an upper bound on resident memory.

use image::metadata::Orientation;

use super::DECODER_INTERNAL_BYTES;
use crate::format::{Format, JpegSegments, be16, be32, is_sof, le16, le24, le32};

const KIB: u64 = 1 << 10;
const MIB: u64 = 1 << 20;

/// The most bytes a pixel takes in a JPEG written at quality 92 (4:4:4, standard Huffman
/// tables). The worst measured: 2.47 for pixels whose channels are each 0 or 255 at random;
/// random noise 2.0, a checkerboard 1.3, photos 0.2–0.6.
const JPEG_OUTPUT_BYTES_PER_PIXEL: u64 = 3;

/// The samples the decoder outputs: what `ImageDecoder::color_type` says before decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Layout {
    /// 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA.
    pub channels: u8,
    /// 1 for 8-bit samples, 2 for 16-bit.
    pub sample_bytes: u8,
}

impl Layout {
    pub(crate) fn of(color: image::ColorType) -> Self {
        let channels = color.channel_count();
        Self {
            channels,
            sample_bytes: color.bytes_per_pixel() / channels.max(1),
        }
    }

    /// Bytes of the decoder's output buffer for this many pixels.
    pub(crate) fn bytes(self, width: u32, height: u32) -> u64 {
        u64::from(width) * u64::from(height) * u64::from(self.channels * self.sample_bytes)
    }

    fn has_alpha(self) -> bool {
        matches!(self.channels, 2 | 4)
    }
}

/// What the header says about the memory decoding needs. Read without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub width: u32,
    pub height: u32,
    pub layout: Layout,
    /// The most the decoder holds besides its output buffer: its copy of the input, metadata,
    /// rows, and for some files whole-image working buffers (a progressive JPEG's coefficients,
    /// a lossy WebP's YUV planes, a lossless WebP's RGBA frame when the output is RGB).
    pub decoder_bytes: u64,
    /// An EXIF orientation in the header turns the picture a quarter, so intake makes a
    /// rotated copy (half turns and flips are done in place).
    pub quarter_turn: bool,
}

/// The header of a file `sniff` called `format`, or `None` when this reader cannot tell (the
/// decoder then has the last word; see `Header::worst_case`).
pub(crate) fn read_header(format: Format, b: &[u8]) -> Option<Header> {
    match format {
        Format::Png => png(b),
        Format::Jpeg => jpeg(b),
        Format::Webp => webp(b),
    }
}

impl Header {
    /// For a file whose header only the decoder could read: its size and layout, and the most
    /// any decoder here holds besides its output (16 bytes a pixel covers a CMYK progressive
    /// JPEG's coefficients and an animated WebP's canvas and frame), rotated.
    pub(crate) fn worst_case(width: u32, height: u32, layout: Layout, input: usize) -> Self {
        let pixels = u64::from(width) * u64::from(height);
        Self {
            width,
            height,
            layout,
            decoder_bytes: 16 * pixels + 3 * input as u64 + DECODER_INTERNAL_BYTES + 8 * MIB,
            quarter_turn: true,
        }
    }
}

/// The most bytes `intake` holds at once for a file with this header, not counting the input
/// the caller holds. The phases, each holding what the previous one left:
///
/// 1. decode: the decoder's output buffer and the decoder's own buffers;
/// 2. convert: the output and its 8-bit RGB(A) copy (none when the output already is that);
/// 3. orient: the 8-bit image and, for a quarter turn, its rotated copy;
/// 4. encode: the upright 8-bit image and the encoder's buffers and output.
pub(crate) fn peak_bytes(format: Format, h: &Header) -> u64 {
    let (w, hgt) = (u64::from(h.width), u64::from(h.height));
    let decoded = h.layout.bytes(h.width, h.height);
    // JPEG output is always RGB; PNG keeps alpha.
    let channels = if format != Format::Jpeg && h.layout.has_alpha() {
        4
    } else {
        3
    };
    let eight_bit = w * hgt * channels;
    let copied = h.layout.sample_bytes != 1 || u64::from(h.layout.channels) != channels;

    let decode = decoded + h.decoder_bytes;
    let convert = if copied { decoded + eight_bit } else { decoded };
    let orient = if h.quarter_turn {
        2 * eight_bit
    } else {
        eight_bit
    };
    let encode = eight_bit + encoder_bytes(format, w, hgt, channels);
    decode.max(convert).max(orient).max(encode)
}

/// What the encoder holds for an 8-bit image of this size, its output included.
fn encoder_bytes(format: Format, w: u64, h: u64, channels: u64) -> u64 {
    match format {
        // Written straight into the output `Vec`, which may double past its length.
        Format::Jpeg => 2 * (w * h * JPEG_OUTPUT_BYTES_PER_PIXEL + 64 * KIB),
        // The png crate deflates all rows into one `Vec` before writing the IDAT chunk into
        // ours; each may be twice its length while growing. Deflate falls back to stored blocks,
        // so neither exceeds the filtered rows by more than a few bytes a block.
        Format::Png | Format::Webp => {
            let filtered = h * (w * channels + 1);
            let deflated = filtered + filtered / 64 + 4 * KIB;
            4 * deflated + MIB
        }
    }
}

fn quarter_turn(exif: &[u8]) -> bool {
    matches!(
        Orientation::from_exif_chunk(exif),
        Some(
            Orientation::Rotate90
                | Orientation::Rotate270
                | Orientation::Rotate90FlipH
                | Orientation::Rotate270FlipH
        )
    )
}

/// The PNG decoder (png, with `image`'s `EXPAND` transformation) outputs 8-bit samples, or
/// 16-bit for 16-bit files; palettes become RGB, and a `tRNS` chunk before the image data adds
/// alpha. Besides the output it holds ancillary chunks (`image` keeps text chunks), an inflated
/// ICC profile, all within `DECODER_INTERNAL_BYTES` (png's own allocation limit), a copy of
/// `eXIf` for the orientation, and a few rows.
fn png(b: &[u8]) -> Option<Header> {
    if b.get(12..16)? != b"IHDR" {
        return None;
    }
    let (width, height) = (be32(b, 16)?, be32(b, 20)?);
    let (depth, colour) = (*b.get(24)?, *b.get(25)?);

    let (mut image_data, mut transparency, mut turn) = (false, false, false);
    let (mut largest, mut ancillary, mut iccp, mut exif) = (0u64, 0u64, 0u64, 0u64);
    let mut pos = 8;
    while let (Some(len), Some(kind)) = (be32(b, pos), b.get(pos + 4..pos + 8)) {
        let data = pos + 8;
        let len = (len as usize).min(b.len().saturating_sub(data));
        match kind {
            b"IEND" => break,
            b"IDAT" | b"fdAT" => image_data = true,
            _ => {
                let bytes = len as u64;
                largest = largest.max(bytes);
                ancillary += bytes;
                match kind {
                    b"tRNS" if !image_data => transparency = true,
                    b"iCCP" => iccp += bytes,
                    b"eXIf" => {
                        exif += bytes;
                        turn |= !image_data && quarter_turn(b.get(data..data + len)?);
                    }
                    _ => {}
                }
            }
        }
        pos = data + len + 4;
    }

    let trns = u8::from(transparency);
    let channels = match colour {
        0 => 1 + trns,
        2 | 3 => 3 + trns,
        4 => 2,
        6 => 4,
        _ => return None,
    };
    let layout = Layout {
        channels,
        sample_bytes: if depth == 16 && colour != 3 { 2 } else { 1 },
    };
    // fdeflate inflates into a `Vec` grown 32 KiB at a time, so up to twice the profile; deflate
    // expands at most 1032-fold.
    let icc = if iccp > 0 {
        2 * (1032 * iccp + 32 * KIB)
    } else {
        0
    };
    let held = (2 * largest + ancillary + icc).min(DECODER_INTERNAL_BYTES + 8 * MIB);
    let row = u64::from(width) * u64::from(channels * layout.sample_bytes) + 1;
    Some(Header {
        width,
        height,
        layout,
        decoder_bytes: held + exif + 8 * row + MIB,
        quarter_turn: turn,
    })
}

/// zune-jpeg outputs 8-bit grey for one component and RGB otherwise (`image` asks for RGB from
/// CMYK and YCCK). Besides the output, `image` holds a copy of the file, and zune copies its
/// metadata segments on each of its header reads; a progressive JPEG, or a baseline one whose
/// first scan does not hold every component, keeps every component's DCT coefficients (2
/// bytes a sample, padded to whole MCUs) until the last scan. Otherwise it works an MCU row
/// at a time.
fn jpeg(b: &[u8]) -> Option<Header> {
    let (mut frame, mut first_scan, mut turn) = (None, None, false);
    for (marker, at) in JpegSegments::new(b) {
        let len = be16(b, at)? as usize;
        let payload = b.get(at + 2..(at + len).min(b.len()))?;
        match marker {
            0xDA => {
                first_scan = payload.first().copied();
                break;
            }
            m if is_sof(m) && frame.is_none() => frame = Some((m, payload)),
            0xE1 => {
                if let Some(exif) = payload.strip_prefix(b"Exif\0\0") {
                    turn |= quarter_turn(exif);
                }
            }
            _ => {}
        }
    }
    let (marker, sof) = frame?;
    let (height, width) = (be16(sof, 1)?, be16(sof, 3)?);
    let count = usize::from(*sof.get(5)?);
    let components = sof.get(6..6 + 3 * count)?;
    if width == 0 || height == 0 || count == 0 {
        return None;
    }
    let factors = || {
        components.chunks_exact(3).map(|c| {
            let clamp = |f: u8| u64::from(f.clamp(1, 4));
            (clamp(c[1] >> 4), clamp(c[1] & 15))
        })
    };
    let h_max = factors().map(|(h, _)| h).max()?;
    let v_max = factors().map(|(_, v)| v).max()?;
    let mcus_x = u64::from(width).div_ceil(8 * h_max);
    let mcus_y = u64::from(height).div_ceil(8 * v_max);
    let blocks_per_mcu: u64 = factors().map(|(h, v)| h * v).sum();
    // 64 coefficients of 2 bytes a block.
    let mcu_row = mcus_x * blocks_per_mcu * 128;
    let progressive = matches!(marker, 0xC2 | 0xC6 | 0xCA | 0xCE);
    let coefficients = if progressive || first_scan != Some(count as u8) {
        mcu_row * mcus_y
    } else {
        0
    };
    let rows = 16 * mcu_row + MIB;
    Some(Header {
        width,
        height,
        layout: Layout {
            channels: if count == 1 { 1 } else { 3 },
            sample_bytes: 1,
        },
        decoder_bytes: 3 * b.len() as u64 + coefficients + rows,
        quarter_turn: turn,
    })
}

/// image-webp outputs RGBA when the header says alpha (the VP8L header's bit, or VP8X's flag),
/// RGB otherwise. Besides the output: a lossy frame's YUV planes (1.5 bytes a pixel, padded to
/// 16×16 macroblocks, plus the macroblocks' modes); a lossless frame decoded to RGBA first when
/// the output is RGB, and its transforms' and entropy sub-images; an alpha plane decoded from
/// its own lossless RGBA image; an animation's first frame composited onto an RGBA canvas; the
/// EXIF chunk, copied for the orientation; partitions read from the file.
fn webp(b: &[u8]) -> Option<Header> {
    let end = le32(b, 4)
        .map_or(0, |n| (n as usize).saturating_add(8))
        .min(b.len());
    let (mut first, mut image) = (None, None);
    let (mut alpha_chunk, mut animated_chunks, mut turn) = (false, false, false);
    let mut pos = 12;
    while pos + 8 <= end {
        let kind: &[u8; 4] = b.get(pos..pos + 4)?.try_into().ok()?;
        let size = le32(b, pos + 4)? as usize;
        let data = pos + 8;
        let body = b.get(data..data.checked_add(size)?.min(b.len()))?;
        first.get_or_insert((*kind, body));
        match kind {
            b"VP8 " | b"VP8L" => {
                image.get_or_insert(*kind);
            }
            b"ALPH" => alpha_chunk = true,
            b"ANIM" | b"ANMF" => animated_chunks = true,
            b"EXIF" => turn |= quarter_turn(body),
            _ => {}
        }
        pos = data.checked_add(size)?.checked_add(size & 1)?;
    }
    let (kind, body) = first?;
    let (width, height, alpha, animated, lossless) = match &kind {
        b"VP8 " if body.get(3..6) == Some(&[0x9D, 0x01, 0x2A]) => {
            let (w, h) = (le16(body, 6)? & 0x3FFF, le16(body, 8)? & 0x3FFF);
            (w, h, false, false, false)
        }
        b"VP8L" if body.first() == Some(&0x2F) => {
            let bits = le32(body, 1)?;
            let alpha = (bits >> 28) & 1 == 1;
            (
                (bits & 0x3FFF) + 1,
                ((bits >> 14) & 0x3FFF) + 1,
                alpha,
                false,
                true,
            )
        }
        b"VP8X" => {
            let flags = *body.first()?;
            let (w, h) = (le24(body, 4)? + 1, le24(body, 7)? + 1);
            let animated = flags & 0x02 != 0 || animated_chunks;
            (w, h, flags & 0x10 != 0, animated, image == Some(*b"VP8L"))
        }
        _ => return None,
    };
    // Only the extended format has an EXIF chunk the decoder reads.
    let turn = turn && kind == *b"VP8X";
    let pixels = u64::from(width) * u64::from(height);
    let macroblocks = u64::from(width).div_ceil(16) * u64::from(height).div_ceil(16);
    // Y, U and V (384 bytes a macroblock) and the modes (under 64).
    let yuv = 448 * macroblocks;
    let frame = if animated {
        // The first frame's RGBA and the canvas; lossy frames add YUV planes and alpha.
        8 * pixels + yuv
    } else if lossless {
        let rgba_first = if alpha { 0 } else { 4 * pixels };
        rgba_first + pixels
    } else {
        // Lossless alpha decodes to RGBA, then keeps one byte a pixel.
        let alpha_plane = if alpha && alpha_chunk { 5 * pixels } else { 0 };
        yuv + alpha_plane
    };
    Some(Header {
        width,
        height,
        layout: Layout {
            channels: if alpha { 4 } else { 3 },
            sample_bytes: 1,
        },
        decoder_bytes: b.len() as u64 + frame + 4 * MIB,
        quarter_turn: turn,
    })
}
