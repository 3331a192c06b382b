//! Test images built in code: encoded with the `image` crate, or crafted byte by byte.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{DynamicImage, ImageEncoder, Rgb, RgbImage};

/// The system allocator, noting the largest single allocation made on each thread, so tests
/// can show a bomb was refused without allocating for it. Per thread because tests run in
/// parallel, each on its own thread.
struct Tracking;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    // `try_with`: allocations during thread teardown must not panic.
    let _ = LARGEST.try_with(|c| c.set(c.get().max(size)));
}

// SAFETY: every call is forwarded unchanged to `System`; `note` neither allocates nor panics.
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Tracking = Tracking;

/// Runs `f` and returns its result with the largest single allocation it made, in bytes.
pub fn largest_allocation<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LARGEST.with(|c| c.set(0));
    let out = f();
    (out, LARGEST.with(Cell::get))
}

/// A smooth gradient with a red left half and a blue right half (so orientation is visible).
pub fn picture(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        let shade = ((x + y) % 32) as u8;
        if x < width / 2 {
            Rgb([220, 20 + shade, 20])
        } else {
            Rgb([20, 20 + shade, 220])
        }
    })
}

pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    DynamicImage::ImageRgb8(picture(width, height))
        .write_with_encoder(JpegEncoder::new_with_quality(&mut out, 90))
        .unwrap();
    out
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    let img = picture(width, height);
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(img.as_raw(), width, height, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

pub fn webp(width: u32, height: u32) -> Vec<u8> {
    let img = picture(width, height);
    let mut out = Vec::new();
    WebPEncoder::new_lossless(&mut out)
        .write_image(img.as_raw(), width, height, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

/// Rewraps a simple WebP as an extended one (VP8X, EXIF flag set) followed by `extra` chunks:
/// the layout in which decoders look for EXIF at all.
pub fn webp_extended(simple: &[u8], width: u32, height: u32, extra: &[u8]) -> Vec<u8> {
    let mut vp8x = vec![0x08, 0, 0, 0]; // flags: EXIF present
    vp8x.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
    vp8x.extend_from_slice(&(height - 1).to_le_bytes()[..3]);
    let mut out = b"RIFF\0\0\0\0WEBPVP8X".to_vec();
    out.extend_from_slice(&10u32.to_le_bytes());
    out.extend(vp8x);
    out.extend_from_slice(&simple[12..]);
    out.extend_from_slice(extra);
    let riff = (out.len() - 8) as u32;
    out[4..8].copy_from_slice(&riff.to_le_bytes());
    out
}

/// CRC-32 (IEEE), bit by bit: slow and obviously correct, for crafting PNG chunks.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

pub fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc_input = kind.to_vec();
    crc_input.extend_from_slice(data);
    out.extend_from_slice(&crc32(&crc_input).to_be_bytes());
    out
}

/// A PNG that is only a header: IHDR claiming `width`×`height` RGB8, a token IDAT, IEND.
pub fn png_header_only(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit, RGB, deflate, adaptive, no interlace
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(png_chunk(b"IHDR", &ihdr));
    out.extend(png_chunk(
        b"IDAT",
        &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    out.extend(png_chunk(b"IEND", &[]));
    out
}

/// A zlib stream that inflates to `1 + 258 * repeats` zero bytes at about 1/160th of that: a
/// fixed-Huffman block of one literal 0 and `repeats` copies of (length 258, distance 1).
pub fn zlib_zeros(repeats: usize) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let (mut acc, mut nbits) = (0u64, 0u32);
    let mut put = |value: u32, len: u32, out: &mut Vec<u8>| {
        acc |= u64::from(value) << nbits;
        nbits += len;
        while nbits >= 8 {
            out.push(acc as u8);
            acc >>= 8;
            nbits -= 8;
        }
    };
    // Huffman codes go most significant bit first into the least-significant-first stream.
    let code = |c: u32, len: u32| c.reverse_bits() >> (32 - len);
    put(1, 1, &mut out); // final block
    put(1, 2, &mut out); // fixed Huffman
    put(code(0x30, 8), 8, &mut out); // literal 0
    for _ in 0..repeats {
        put(code(0xC5, 8), 8, &mut out); // length code 285: 258 bytes
        put(0, 5, &mut out); // distance code 0: distance 1
    }
    put(0, 7, &mut out); // end of block
    put(0, 7, &mut out); // flush the last partial byte
    let total = 1 + 258 * repeats as u64;
    out.extend_from_slice(&((((total % 65521) as u32) << 16) | 1).to_be_bytes()); // Adler-32
    out
}

/// Inserts a chunk right after IHDR (signature 8 + IHDR 25 bytes).
pub fn png_insert_after_ihdr(png: &[u8], chunk: &[u8]) -> Vec<u8> {
    let mut out = png[..33].to_vec();
    out.extend_from_slice(chunk);
    out.extend_from_slice(&png[33..]);
    out
}

/// The chunk types of a PNG, in order.
pub fn png_chunk_types(png: &[u8]) -> Vec<String> {
    let mut types = Vec::new();
    let mut pos = 8;
    while pos + 8 <= png.len() {
        let len = u32::from_be_bytes(png[pos..pos + 4].try_into().unwrap()) as usize;
        types.push(String::from_utf8_lossy(&png[pos + 4..pos + 8]).into_owned());
        pos += 12 + len;
    }
    types
}

/// A minimal big-endian EXIF APP1 segment holding only an Orientation tag.
pub fn exif_app1(orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\0\x2a".to_vec();
    tiff.extend_from_slice(&8u32.to_be_bytes()); // first IFD right after this header
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes()); // count
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]); // value padding to 4 bytes
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend(tiff);
    let mut out = vec![0xFF, 0xE1];
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend(payload);
    out
}

/// Splices a segment in right after SOI.
pub fn jpeg_insert_after_soi(jpeg: &[u8], segment: &[u8]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(segment);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// SOI, a baseline SOF0 claiming `width`×`height` with three components, EOI: nothing else.
pub fn jpeg_header_only(width: u16, height: u16) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8];
    out.extend_from_slice(&height.to_be_bytes());
    out.extend_from_slice(&width.to_be_bytes());
    out.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

#[test]
fn crc32_matches_the_png_reference_value() {
    // The CRC of an empty IEND chunk is fixed by the spec: AE 42 60 82.
    assert_eq!(crc32(b"IEND"), 0xAE42_6082);
}
