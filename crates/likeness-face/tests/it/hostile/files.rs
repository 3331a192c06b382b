//! Hostile files, built by hand: PNG chunks and zlib streams, RIFF/WebP chunks, JPEG segments
//! and a TIFF block with GPS tags. Plain encoders come from `image`.

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{DynamicImage, ExtendedColorType, ImageEncoder, Rgb, RgbImage};

use super::testutil::png_chunk;

pub fn solid(w: u32, h: u32, c: [u8; 3]) -> RgbImage {
    RgbImage::from_pixel(w, h, Rgb(c))
}

pub fn png_of(image: &DynamicImage) -> Vec<u8> {
    let mut out = Vec::new();
    image.write_with_encoder(PngEncoder::new(&mut out)).unwrap();
    out
}

pub fn png_rgb(image: &RgbImage) -> Vec<u8> {
    png_of(&DynamicImage::ImageRgb8(image.clone()))
}

pub fn jpeg_rgb(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            ExtendedColorType::Rgb8,
        )
        .unwrap();
    out
}

pub fn webp_rgb(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    WebPEncoder::new_lossless(&mut out)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            ExtendedColorType::Rgb8,
        )
        .unwrap();
    out
}

/// The chunks of a PNG as (type, data), in order.
pub fn png_chunks(png: &[u8]) -> Vec<([u8; 4], Vec<u8>)> {
    let mut chunks = Vec::new();
    let mut pos = 8;
    while pos + 12 <= png.len() {
        let len = u32::from_be_bytes(png[pos..pos + 4].try_into().unwrap()) as usize;
        let kind = png[pos + 4..pos + 8].try_into().unwrap();
        chunks.push((kind, png[pos + 8..pos + 8 + len].to_vec()));
        pos += 12 + len;
    }
    chunks
}

pub fn png_from_chunks(chunks: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunks.iter().for_each(|c| out.extend_from_slice(c));
    out
}

pub fn ihdr(width: u32, height: u32, depth: u8, colour: u8) -> Vec<u8> {
    let mut data = width.to_be_bytes().to_vec();
    data.extend_from_slice(&height.to_be_bytes());
    data.extend_from_slice(&[depth, colour, 0, 0, 0]);
    png_chunk(b"IHDR", &data)
}

/// A zlib stream of stored (uncompressed) blocks.
pub fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = data.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        out.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    if data.is_empty() {
        out.extend_from_slice(&[1, 0, 0, 0xFF, 0xFF]);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

pub fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

/// A RIFF/WEBP file from its chunks (each `fourcc`, little-endian size, data, pad byte).
pub fn webp_from_chunks(chunks: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut body = b"WEBP".to_vec();
    for (fourcc, data) in chunks {
        body.extend_from_slice(*fourcc);
        body.extend_from_slice(&(data.len() as u32).to_le_bytes());
        body.extend_from_slice(data);
        if data.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend(body);
    out
}

pub fn le24(v: u32) -> [u8; 3] {
    let b = v.to_le_bytes();
    [b[0], b[1], b[2]]
}

pub fn vp8x(flags: u8, width: u32, height: u32) -> Vec<u8> {
    let mut data = vec![flags, 0, 0, 0];
    data.extend_from_slice(&le24(width - 1));
    data.extend_from_slice(&le24(height - 1));
    data
}

/// The VP8L chunk's data of a lossless WebP made by `image`.
pub fn vp8l_data(image: &RgbImage) -> Vec<u8> {
    let file = webp_rgb(image);
    assert_eq!(&file[12..16], b"VP8L");
    let len = u32::from_le_bytes(file[16..20].try_into().unwrap()) as usize;
    file[20..20 + len].to_vec()
}

/// Splices JPEG segments in right after SOI.
pub fn jpeg_with_segments(jpeg: &[u8], segments: &[Vec<u8>]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    segments.iter().for_each(|s| out.extend_from_slice(s));
    out.extend_from_slice(&jpeg[2..]);
    out
}

pub fn jpeg_segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0xFF, marker];
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// A big-endian TIFF block with an IFD0 pointing at a GPS IFD: 48°51'29.6" N, 2°17'40.2" E.
pub fn tiff_with_gps() -> Vec<u8> {
    let mut t = b"MM\0\x2a".to_vec();
    t.extend_from_slice(&8u32.to_be_bytes());
    // IFD0 at 8: one entry, GPSInfo (0x8825, LONG) → offset 26.
    t.extend_from_slice(&1u16.to_be_bytes());
    t.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1]);
    t.extend_from_slice(&26u32.to_be_bytes());
    t.extend_from_slice(&0u32.to_be_bytes());
    // GPS IFD at 26: four entries, rationals after it at 26 + 2 + 4 * 12 + 4 = 80.
    t.extend_from_slice(&4u16.to_be_bytes());
    let entry = |tag: u16, kind: u16, count: u32, value: [u8; 4]| {
        let mut e = tag.to_be_bytes().to_vec();
        e.extend_from_slice(&kind.to_be_bytes());
        e.extend_from_slice(&count.to_be_bytes());
        e.extend_from_slice(&value);
        e
    };
    t.extend(entry(1, 2, 2, *b"N\0\0\0"));
    t.extend(entry(2, 5, 3, 80u32.to_be_bytes()));
    t.extend(entry(3, 2, 2, *b"E\0\0\0"));
    t.extend(entry(4, 5, 3, 104u32.to_be_bytes()));
    t.extend_from_slice(&0u32.to_be_bytes());
    for (n, d) in [(48, 1), (51, 1), (296, 10), (2, 1), (17, 1), (402, 10)] {
        t.extend_from_slice(&(n as u32).to_be_bytes());
        t.extend_from_slice(&(d as u32).to_be_bytes());
    }
    t
}

/// An 8×8 baseline JPEG with four components and Adobe's APP14 saying "CMYK, no transform",
/// assembled by hand (`image` cannot write CMYK): one-code Huffman tables, every block DC 0.
pub fn cmyk_jpeg() -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    out.extend(jpeg_segment(0xEE, b"Adobe\x00\x64\x00\x00\x00\x00\x00"));
    let mut dqt = vec![0];
    dqt.extend_from_slice(&[1; 64]);
    out.extend(jpeg_segment(0xDB, &dqt));
    let mut sof = vec![8, 0, 8, 0, 8, 4];
    for id in 1..=4 {
        sof.extend_from_slice(&[id, 0x11, 0]);
    }
    out.extend(jpeg_segment(0xC0, &sof));
    for class in [0x00, 0x10] {
        // One code of length 1, for symbol 0 (DC: difference 0; AC: end of block).
        let mut dht = vec![class, 1];
        dht.extend_from_slice(&[0; 15]);
        dht.push(0);
        out.extend(jpeg_segment(0xC4, &dht));
    }
    out.extend(jpeg_segment(
        0xDA,
        &[4, 1, 0x00, 2, 0x00, 3, 0x00, 4, 0x00, 0, 63, 0],
    ));
    // Four blocks of (DC "0", EOB "0"): eight zero bits.
    out.extend_from_slice(&[0x00, 0xFF, 0xD9]);
    out
}
