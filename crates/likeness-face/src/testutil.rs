//! Test images built in code: encoded with the `image` crate, or crafted byte by byte.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{DynamicImage, ImageEncoder, Rgb, RgbImage};

/// The system allocator, noting on each thread the largest single allocation and the peak of
/// bytes allocated and not yet freed, so tests can show a bomb was refused without allocating
/// for it and that an estimate bounds what was really held. Per thread because tests run in
/// parallel, each on its own thread (and intake never spawns threads).
struct Tracking;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
    /// Allocated minus freed on this thread; signed, since a thread may free what another
    /// allocated.
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn note(size: usize) {
    // `try_with`: allocations during thread teardown must not panic.
    let _ = LARGEST.try_with(|c| c.set(c.get().max(size)));
}

/// `grown` bytes more (or fewer) are held. A `realloc` counts as its net change: large blocks
/// are moved by remapping pages, not by holding two copies.
fn hold(grown: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get().wrapping_add(grown);
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: every call is forwarded unchanged to `System`; `note` and `hold` neither allocate nor
// panic.
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            hold(layout.size() as isize);
        }
        ptr
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            hold(layout.size() as isize);
        }
        ptr
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            hold(new_size as isize - layout.size() as isize);
        }
        new
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        hold(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Tracking = Tracking;

/// Runs `f` and returns its result with the largest single allocation it made, in bytes.
pub fn largest_allocation<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let (out, seen) = allocations(f);
    (out, seen.largest)
}

/// What a closure allocated, in bytes.
#[derive(Debug, Clone, Copy)]
pub struct Allocations {
    /// The largest single allocation.
    pub largest: usize,
    /// The most held at once beyond what was held before the call.
    pub peak: usize,
}

/// Runs `f` and returns its result with what it allocated.
pub fn allocations<T>(f: impl FnOnce() -> T) -> (T, Allocations) {
    LARGEST.with(|c| c.set(0));
    let base = LIVE.with(Cell::get);
    PEAK.with(|c| c.set(base));
    let out = f();
    let seen = Allocations {
        largest: LARGEST.with(Cell::get),
        peak: (PEAK.with(Cell::get) - base).max(0) as usize,
    };
    (out, seen)
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

/// A stand-in for a photo: smooth gradients under a ±8 grain, so it compresses about as a
/// real photo does (a JPEG at quality 90 keeps a few bits a pixel, a PNG most of its bytes).
pub fn photo(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        let grain = (mix(x, y) % 17) as i32 - 8;
        let base = [
            x * 200 / width + 20,
            y * 200 / height + 20,
            (x + y) * 100 / (width + height) + 80,
        ];
        Rgb(base.map(|c| (c as i32 + grain).clamp(0, 255) as u8))
    })
}

/// Random pixels: the worst case for every encoder.
pub fn noise(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        let n = mix(x, y);
        Rgb([n as u8, (n >> 8) as u8, (n >> 16) as u8])
    })
}

/// A hash of a position (xorshift-multiply), for deterministic grain and noise.
fn mix(x: u32, y: u32) -> u32 {
    let mut n = x.wrapping_mul(0x9E37_79B9) ^ y.wrapping_mul(0x85EB_CA6B);
    n ^= n >> 15;
    n = n.wrapping_mul(0x2C1B_3C6D);
    n ^ (n >> 12)
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
    webp_of(&picture(width, height))
}

/// A lossless WebP of these pixels.
pub fn webp_of(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    WebPEncoder::new_lossless(&mut out)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
    out
}

/// A 16×12 lossy VP8 frame (a libwebp output).
const SMALL_VP8: [u8; 108] = [
    0x70, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x10, 0x00, 0x0C, 0x00, 0x02, 0xC0, 0x4C, 0x25, 0xB0, 0x02,
    0x74, 0x7F, 0x06, 0xE8, 0x0B, 0x00, 0x00, 0x50, 0xD1, 0x8E, 0x4B, 0x00, 0x00, 0xFE, 0xF1, 0xA8,
    0xDE, 0x32, 0xA5, 0x8F, 0x43, 0x7B, 0x46, 0x3F, 0x35, 0x8E, 0x42, 0x0E, 0x26, 0xF7, 0xC1, 0x05,
    0x21, 0xEF, 0x63, 0xAA, 0xAE, 0xC7, 0x4A, 0xE8, 0xBB, 0xEF, 0xF4, 0x34, 0xA0, 0x53, 0xD7, 0x78,
    0xC4, 0x39, 0xD7, 0xB7, 0xCE, 0xF4, 0x8E, 0xD3, 0x9F, 0xF9, 0x60, 0x49, 0x7D, 0x1F, 0xBA, 0x2F,
    0x1E, 0xAB, 0x22, 0xB3, 0xA6, 0x4F, 0x1E, 0xC0, 0x7F, 0xD1, 0xC9, 0x96, 0x5F, 0xA1, 0x5F, 0xB9,
    0xFD, 0x88, 0xE9, 0x8E, 0xFA, 0xC1, 0x38, 0x9E, 0xC5, 0x60, 0x00, 0x00,
];

/// The payload of a lossy VP8 chunk of any size (`image` only encodes lossless WebP):
/// [`SMALL_VP8`] with the frame header's size changed and both partitions padded with zeros.
/// Past the real data the arithmetic decoder reads only "false", which decodes as predicted
/// macroblocks with no coefficients: a flat picture, but every buffer a real one needs.
pub fn vp8_data(width: u16, height: u16) -> Vec<u8> {
    let macroblocks = usize::from(width.div_ceil(16)) * usize::from(height.div_ceil(16));
    let first_len = 19; // from the frame tag
    let first_pad = 8 * macroblocks + 1024;
    let tag = ((first_len + first_pad) << 5) as u32 | 0x10; // key frame, version 0, shown
    let mut out = tag.to_le_bytes()[..3].to_vec();
    out.extend_from_slice(&[0x9D, 0x01, 0x2A]);
    out.extend_from_slice(&width.to_le_bytes());
    out.extend_from_slice(&height.to_le_bytes());
    out.extend_from_slice(&SMALL_VP8[10..10 + first_len]);
    out.extend(std::iter::repeat_n(0, first_pad));
    out.extend_from_slice(&SMALL_VP8[10 + first_len..]);
    out.extend(std::iter::repeat_n(0, 16 * macroblocks + 1024));
    out
}

/// RIFF/WEBP around these chunks (each padded to even length).
pub fn webp_chunks(chunks: &[(&[u8; 4], &[u8])]) -> Vec<u8> {
    let mut out = b"RIFF\0\0\0\0WEBP".to_vec();
    for (kind, data) in chunks {
        out.extend_from_slice(*kind);
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
        if data.len() % 2 == 1 {
            out.push(0);
        }
    }
    let riff = (out.len() - 8) as u32;
    out[4..8].copy_from_slice(&riff.to_le_bytes());
    out
}

/// A VP8X chunk's payload: `flags` (0x10 alpha, 0x08 EXIF, 0x02 animation) and the canvas size.
pub fn vp8x_data(flags: u8, width: u32, height: u32) -> Vec<u8> {
    let mut out = vec![flags, 0, 0, 0];
    out.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
    out.extend_from_slice(&(height - 1).to_le_bytes()[..3]);
    out
}

/// A lossy WebP of [`vp8_data`].
pub fn webp_lossy(width: u16, height: u16) -> Vec<u8> {
    webp_chunks(&[(b"VP8 ", &vp8_data(width, height))])
}

/// A lossy WebP with an alpha plane compressed losslessly (a VP8L image stream whose green
/// channel is the alpha): the WebP decoder's largest working set for a still image.
pub fn webp_lossy_alpha(width: u16, height: u16) -> Vec<u8> {
    let (w, h) = (u32::from(width), u32::from(height));
    // The lossless bitstream after the VP8L signature and size header.
    let lossless = webp(w, h);
    let mut alph = vec![0b01]; // no preprocessing, no filtering, lossless
    alph.extend_from_slice(&lossless[12 + 8 + 5..]);
    webp_chunks(&[
        (b"VP8X", &vp8x_data(0x10, w, h)),
        (b"ALPH", &alph),
        (b"VP8 ", &vp8_data(width, height)),
    ])
}

/// An animated WebP whose two frames are lossless and cover the canvas.
pub fn webp_animated(width: u32, height: u32) -> Vec<u8> {
    let frame = |image: &RgbImage| {
        let mut d = Vec::new();
        for v in [0, 0, width - 1, height - 1, 100] {
            d.extend_from_slice(&v.to_le_bytes()[..3]);
        }
        d.push(0b10); // do not blend
        let simple = webp_of(image);
        d.extend_from_slice(&simple[12..]); // the VP8L chunk, header included
        d
    };
    webp_chunks(&[
        (b"VP8X", &vp8x_data(0x02, width, height)),
        (b"ANIM", &[0, 0, 0, 0, 0, 0]),
        (b"ANMF", &frame(&photo(width, height))),
        (b"ANMF", &frame(&picture(width, height))),
    ])
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

/// A black `width`×`height` PNG of `depth`-bit samples in colour type `colour` (0 grey, 2 RGB,
/// 4 grey+alpha, 6 RGBA) whose rows are one zlib stream of zeros: about 1/160th of the decoded
/// size on disk, so a 240 MB 16-bit image is a 1.5 MB file.
pub fn png_zeros(width: u32, height: u32, depth: u8, colour: u8) -> Vec<u8> {
    let channels: u64 = match colour {
        0 => 1,
        2 => 3,
        4 => 2,
        6 => 4,
        _ => panic!("colour type {colour}"),
    };
    let row = (u64::from(width) * channels * u64::from(depth)).div_ceil(8) + 1;
    let repeats = (row * u64::from(height)).div_ceil(258);
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[depth, colour, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(png_chunk(b"IHDR", &ihdr));
    out.extend(png_chunk(b"IDAT", &zlib_zeros(repeats as usize)));
    out.extend(png_chunk(b"IEND", &[]));
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

/// How a [`jpeg_grey`] file's scans are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JpegScans {
    /// Baseline, one scan holding every component: decoded an MCU row at a time.
    Interleaved,
    /// Baseline, one scan per component: the decoder keeps every coefficient until the last.
    Separate,
    /// Progressive (SOF2), a DC-only first scan: every coefficient is kept too.
    Progressive,
}

/// A mid-grey JPEG of `factors.len()` components with these (horizontal, vertical) sampling
/// factors, written by hand: one-code Huffman tables, every block a zero DC difference and an
/// end-of-block (or only the DC, for progressive), so the file is a bit or two a block.
pub fn jpeg_grey(width: u16, height: u16, factors: &[(u8, u8)], scans: JpegScans) -> Vec<u8> {
    fn segment(out: &mut Vec<u8>, marker: u8, payload: &[u8]) {
        out.extend_from_slice(&[0xFF, marker]);
        out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(payload);
    }
    let mut out = vec![0xFF, 0xD8];
    let mut dqt = vec![0u8];
    dqt.extend_from_slice(&[1; 64]);
    segment(&mut out, 0xDB, &dqt);
    let mut sof = vec![8];
    sof.extend_from_slice(&height.to_be_bytes());
    sof.extend_from_slice(&width.to_be_bytes());
    sof.push(factors.len() as u8);
    for (i, (h, v)) in factors.iter().enumerate() {
        sof.extend_from_slice(&[i as u8 + 1, h << 4 | v, 0]);
    }
    let progressive = scans == JpegScans::Progressive;
    segment(&mut out, if progressive { 0xC2 } else { 0xC0 }, &sof);
    // One symbol of code length 1 ("0"): DC category 0, and AC end-of-block.
    for class in [0x00, 0x10] {
        let mut table = vec![class, 1];
        table.extend_from_slice(&[0; 15]);
        table.push(0);
        segment(&mut out, 0xC4, &table);
    }
    let (w, h) = (u64::from(width), u64::from(height));
    let h_max = u64::from(factors.iter().map(|f| f.0).max().unwrap());
    let v_max = u64::from(factors.iter().map(|f| f.1).max().unwrap());
    let scan = |out: &mut Vec<u8>, components: &[usize], blocks: u64, bits_per_block: u64| {
        let mut sos = vec![components.len() as u8];
        for &c in components {
            sos.extend_from_slice(&[c as u8 + 1, 0x00]);
        }
        sos.extend_from_slice(&[0, if progressive { 0 } else { 63 }, 0]);
        segment(out, 0xDA, &sos);
        let bits = blocks * bits_per_block;
        out.extend(std::iter::repeat_n(0u8, (bits / 8) as usize));
        if !bits.is_multiple_of(8) {
            out.push(0xFF >> (bits % 8)); // padded with 1-bits
        }
    };
    let all: Vec<usize> = (0..factors.len()).collect();
    let one_block_each = |c: usize| {
        let (hc, vc) = (u64::from(factors[c].0), u64::from(factors[c].1));
        (w * hc).div_ceil(h_max).div_ceil(8) * (h * vc).div_ceil(v_max).div_ceil(8)
    };
    let interleaved = if factors.len() == 1 {
        one_block_each(0)
    } else {
        let per_mcu: u64 = factors.iter().map(|f| u64::from(f.0 * f.1)).sum();
        w.div_ceil(8 * h_max) * h.div_ceil(8 * v_max) * per_mcu
    };
    match scans {
        JpegScans::Interleaved => scan(&mut out, &all, interleaved, 2),
        JpegScans::Separate => {
            for c in all {
                scan(&mut out, &[c], one_block_each(c), 2);
            }
        }
        JpegScans::Progressive => scan(&mut out, &all, interleaved, 1),
    }
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

#[test]
fn crc32_matches_the_png_reference_value() {
    // The CRC of an empty IEND chunk is fixed by the spec: AE 42 60 82.
    assert_eq!(crc32(b"IEND"), 0xAE42_6082);
}
