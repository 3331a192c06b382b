//! Hostile uploads through the public intake API: decompression bombs, truncation, unusual
//! pixel formats, animation, polyglots and location metadata. Every file is built here.
//!
//! The unit tests in `src/intake/tests.rs` cover the basics (round trips, a header-only PNG
//! bomb, a half-truncated file, byte mutations, EXIF orientation); these add the cases an
//! attacker or an odd camera would send. Each must end in a clear `IntakeError` (a stable code,
//! a message saying what to send) or a clean accept whose output carries nothing but pixels.

use image::{DynamicImage, ImageBuffer, Rgb, RgbImage};
use likeness_face::{Format, Intake, IntakeError, Limits, intake, intake_peak_bytes, probe};

mod files;
use files::*;
// The crate's own test helpers: the allocation-tracking allocator and PNG chunk writing.
#[allow(dead_code)]
#[path = "../../src/testutil.rs"]
mod testutil;
use testutil::{
    allocations, largest_allocation, png_chunk, png_chunk_types as chunk_names, png_zeros,
    zlib_zeros,
};

// ---- checking outcomes ---------------------------------------------------------------------

/// A refusal with `code` whose message tells the sender what to do.
fn assert_refused(result: Result<Intake, IntakeError>, code: &str, says: &str) -> IntakeError {
    let e = result
        .map(|i| (i.format, i.width, i.height))
        .expect_err(code);
    assert_eq!(e.code(), code, "{e}");
    let msg = e.to_string();
    assert!(msg.contains(says), "{msg:?} should say {says:?}");
    let instructs = ["send", "resend", "re-save", "export"];
    assert!(instructs.iter().any(|w| msg.contains(w)), "{msg:?}");
    e
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

// ---- decompression bombs -------------------------------------------------------------------

#[test]
fn bombs_are_refused_from_the_header_without_allocating() {
    let png_bomb = png_from_chunks(&[
        ihdr(50_000, 50_000, 8, 2),
        png_chunk(b"IDAT", &zlib_stored(&[0, 0, 0, 0])),
        png_chunk(b"IEND", &[]),
    ]);
    let mut jpeg_bomb = vec![0xFF, 0xD8];
    let sof = [
        8, 0xFD, 0xE8, 0xFD, 0xE8, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0,
    ];
    jpeg_bomb.extend(jpeg_segment(0xC0, &sof));
    jpeg_bomb.extend_from_slice(&[0xFF, 0xD9]);
    let tiny = vp8l_data(&solid(1, 1, [9, 9, 9]));
    let webp_huge = webp_from_chunks(&[
        (b"VP8X", vp8x(0, 1 << 24, 1 << 24)),
        (b"VP8L", tiny.clone()),
    ]);
    let webp_wide = webp_from_chunks(&[(b"VP8X", vp8x(0, 8000, 8000)), (b"VP8L", tiny)]);
    let cases: [(&str, &[u8], &str, &str); 4] = [
        ("png", &png_bomb, "image.too_big_dimensions", "50000×50000"),
        (
            "jpeg",
            &jpeg_bomb,
            "image.too_big_dimensions",
            "65000×65000",
        ),
        (
            "webp",
            &webp_huge,
            "image.too_big_dimensions",
            "16777216×16777216",
        ),
        (
            "webp 64 MP",
            &webp_wide,
            "image.too_many_pixels",
            "8000×8000",
        ),
    ];
    for (name, file, code, dims) in cases {
        assert!(file.len() < 200, "{name}: {} bytes", file.len());
        for limits in [Limits::default(), Limits::reference()] {
            let (result, largest) = largest_allocation(|| intake(file, &limits));
            assert!(
                largest < 64 << 10,
                "{name}: allocated {largest} bytes at once"
            );
            let e = assert_refused(result, code, dims);
            assert_eq!(e.http_status(), 400, "{name}");
            assert_eq!(probe(file, &limits).unwrap_err(), e, "{name}");
        }
    }
}

#[test]
fn png_whose_data_inflates_past_its_pixels_is_bounded() {
    // 64×64 grey claims 4 160 bytes of scanlines; the IDAT inflates to 51 MB (more than
    // `max_pixels` bytes with these limits) from 320 KB on disk.
    let limits = Limits {
        max_pixels: 10_000_000,
        ..Limits::default()
    };
    let idat = zlib_zeros(200_000);
    let file = png_from_chunks(&[
        ihdr(64, 64, 8, 0),
        png_chunk(b"IDAT", &idat),
        png_chunk(b"IEND", &[]),
    ]);
    assert!(file.len() < 400_000);
    let (result, largest) = largest_allocation(|| intake(&file, &limits));
    assert!(largest < 8 << 20, "allocated {largest} bytes at once");
    // The decoder stops after the image's own rows: the extra data is never inflated into
    // memory. All-zero rows are a black image.
    let out = result.expect("the declared 64×64 image is accepted");
    assert_eq!((out.width, out.height), (64, 64));
    assert!(out.image.to_rgb8().pixels().all(|p| p.0 == [0, 0, 0]));
}

#[test]
fn sixteen_bit_png_is_refused_by_its_decoded_size_before_decoding() {
    // Issue 12: 40 MP is within the pixel limits, but at 6 bytes a pixel the decoded buffer
    // alone is 240 MB, before the 8-bit copy, a rotation and the encoder's output.
    let file = png_zeros(8000, 5000, 16, 2);
    assert!(file.len() < 2 << 20, "{} bytes", file.len());
    for limits in [Limits::default(), Limits::reference()] {
        let (result, seen) = allocations(|| intake(&file, &limits));
        // The PNG decoder's header read and a row buffer; nothing sized by the pixels.
        assert!(seen.peak < 1 << 20, "allocated {seen:?}");
        let e = assert_refused(result, "image.too_many_pixels", "8000×5000 pixels");
        assert_eq!(e.http_status(), 400);
        assert_eq!(
            e.to_string(),
            "image is 8000×5000 pixels of 16-bit RGB, which needs 240 MB to decode; the limit is \
             160 MB — send an 8-bit JPEG or PNG, or a smaller image"
        );
        assert_eq!(probe(&file, &limits).unwrap_err(), e);
        assert_eq!(intake_peak_bytes(&file, &limits).unwrap_err(), e);
    }
    // The same pixels at 8 bits fit: 120 MB.
    let eight = png_zeros(8000, 5000, 8, 2);
    assert!(probe(&eight, &Limits::default()).is_ok());
}

#[test]
fn sixteen_bit_rgba_is_refused_past_twenty_megapixels() {
    // 8 bytes a pixel: 20 MP is exactly 160 MB and passes the header checks.
    let (ok, over) = (png_zeros(5000, 4000, 16, 6), png_zeros(5000, 4001, 16, 6));
    assert!(probe(&ok, &Limits::default()).is_ok());
    let (e, largest) = largest_allocation(|| probe(&over, &Limits::default()).unwrap_err());
    assert!(largest < 1 << 20, "allocated {largest} bytes at once");
    assert_eq!(e.code(), "image.too_many_pixels");
    // Rounded, both would read "160 MB": exact bytes instead.
    assert!(
        e.to_string().starts_with(
            "image is 5000×4001 pixels of 16-bit RGBA, which needs 160040000 bytes to decode; \
             the limit is 160000000 bytes"
        ),
        "{e}"
    );
}

#[test]
fn small_sixteen_bit_pngs_are_still_converted() {
    let rgb16 = ImageBuffer::from_fn(600, 600, |x, y| {
        image::Rgb([(x * 100) as u16, (y * 100) as u16, 0x8080])
    });
    let file = png_of(&DynamicImage::ImageRgb16(rgb16));
    let out = intake(&file, &Limits::reference()).expect("a 600×600 16-bit PNG is accepted");
    assert_eq!((out.format, out.width, out.height), (Format::Png, 600, 600));
    let rgb = out.image.as_rgb8().expect("8-bit RGB");
    // 16-bit samples round to the nearest 8-bit value (v / 257).
    assert_eq!(rgb.get_pixel(0, 0).0, [0, 0, 128]);
    assert_eq!(rgb.get_pixel(599, 300).0, [233, 117, 128]);
    assert_eq!(
        image::load_from_memory(&out.bytes).unwrap().color(),
        image::ColorType::Rgb8
    );
}

// ---- truncation ----------------------------------------------------------------------------

#[test]
fn truncated_anywhere_is_corrupt_or_complete() {
    let picture = RgbImage::from_fn(40, 30, |x, y| Rgb([(x * 6) as u8, (y * 8) as u8, 90]));
    let rgba = DynamicImage::ImageRgba8(image::RgbaImage::from_fn(20, 20, |x, y| {
        image::Rgba([x as u8 * 10, y as u8 * 10, 0, 200])
    }));
    let files = [
        ("png", png_rgb(&picture)),
        ("png rgba", png_of(&rgba)),
        ("jpeg", jpeg_rgb(&picture)),
        ("webp", webp_rgb(&picture)),
    ];
    for (name, file) in files {
        let n = file.len();
        let cuts = (1..n.min(80)).chain((80..n).step_by((n / 60).max(1)));
        let mut refused = 0;
        for cut in cuts {
            match intake(&file[..cut], &Limits::default()) {
                // "RIF" could be anything: too short to call it a cut-off WebP.
                Err(e) if name == "webp" && cut < 4 => {
                    assert_eq!(e.code(), "image.unsupported_format", "{e}")
                }
                Err(e) => {
                    assert_eq!(e.code(), "image.corrupt", "{name} cut at {cut}/{n}: {e}");
                    assert!(e.to_string().contains("resend"), "{name}: {e}");
                    refused += 1;
                }
                // Only a PNG missing (part of) its final IEND chunk is still whole.
                Ok(out) => {
                    assert!(
                        name.starts_with("png") && cut >= n - 12,
                        "{name} at {cut}/{n}"
                    );
                    assert_eq!((out.width, out.height), (image_w(&file), image_h(&file)));
                }
            }
        }
        assert!(refused > 60, "{name}: {refused}");
        assert_eq!(
            intake(&[], &Limits::default()).unwrap_err().code(),
            "image.empty"
        );
    }
}

fn image_w(file: &[u8]) -> u32 {
    image::load_from_memory(file).unwrap().width()
}
fn image_h(file: &[u8]) -> u32 {
    image::load_from_memory(file).unwrap().height()
}

// ---- unusual pixel formats -----------------------------------------------------------------

#[test]
fn cmyk_jpeg_is_converted_to_rgb() {
    let file = cmyk_jpeg();
    assert_eq!(
        probe(&file, &Limits::default()).unwrap().format,
        Format::Jpeg
    );
    let out = intake(&file, &Limits::default()).expect("CMYK JPEG accepted");
    assert_eq!((out.format, out.width, out.height), (Format::Jpeg, 8, 8));
    let px = out.image.as_rgb8().expect("RGB").get_pixel(4, 4).0;
    // Equal C, M, Y and K come out neutral.
    let spread = px.iter().max().unwrap() - px.iter().min().unwrap();
    assert!(spread <= 3, "{px:?}");
    assert_eq!(
        image::load_from_memory(&out.bytes).unwrap().color(),
        image::ColorType::Rgb8
    );
}

#[test]
fn sixteen_bit_grey_pngs_become_eight_bit() {
    let grey = ImageBuffer::from_fn(6, 4, |x, _| image::Luma([x as u16 * 0x3333]));
    let out = intake(
        &png_of(&DynamicImage::ImageLuma16(grey)),
        &Limits::default(),
    )
    .unwrap();
    let rgb = out.image.as_rgb8().expect("grey becomes RGB");
    assert_eq!(rgb.get_pixel(5, 0).0, [255, 255, 255]);
    assert_eq!(rgb.get_pixel(1, 3).0, [51, 51, 51]);

    let grey_alpha = ImageBuffer::from_fn(6, 4, |x, _| image::LumaA([0x8080, x as u16 * 0x3333]));
    let out = intake(
        &png_of(&DynamicImage::ImageLumaA16(grey_alpha)),
        &Limits::default(),
    );
    let out = out.unwrap();
    let rgba = out.image.as_rgba8().expect("grey+alpha becomes RGBA");
    assert_eq!(rgba.get_pixel(2, 1).0, [128, 128, 128, 102]);
    assert_eq!(chunk_names(&out.bytes), ["IHDR", "IDAT", "IEND"]);
}

#[test]
fn palette_pngs_are_expanded() {
    let plte = png_chunk(b"PLTE", &[255, 0, 0, 0, 255, 0, 0, 0, 255]);
    let rows = |indices: &[u8]| -> Vec<u8> {
        indices
            .chunks(4)
            .flat_map(|row| [&[0u8][..], row].concat())
            .collect()
    };
    let pixels = rows(&[0, 1, 2, 0, 1, 2, 0, 1]);
    let opaque = png_from_chunks(&[
        ihdr(4, 2, 8, 3),
        plte.clone(),
        png_chunk(b"IDAT", &zlib_stored(&pixels)),
        png_chunk(b"IEND", &[]),
    ]);
    let out = intake(&opaque, &Limits::default()).unwrap();
    let rgb = out.image.as_rgb8().expect("opaque palette becomes RGB");
    assert_eq!(
        [rgb.get_pixel(0, 0).0, rgb.get_pixel(2, 0).0],
        [[255, 0, 0], [0, 0, 255]]
    );

    // tRNS makes the first entry half transparent: RGBA out.
    let translucent = png_from_chunks(&[
        ihdr(4, 2, 8, 3),
        plte.clone(),
        png_chunk(b"tRNS", &[128]),
        png_chunk(b"IDAT", &zlib_stored(&pixels)),
        png_chunk(b"IEND", &[]),
    ]);
    let out = intake(&translucent, &Limits::default()).unwrap();
    assert_eq!(
        out.image.as_rgba8().expect("RGBA").get_pixel(0, 0).0,
        [255, 0, 0, 128]
    );

    // 2-bit indices; and an index past the end of the palette (hostile): no panic either way.
    let packed = [0, 0b0001_1011, 0, 0b1111_1111];
    let two_bit = png_from_chunks(&[
        ihdr(4, 2, 2, 3),
        plte,
        png_chunk(b"IDAT", &zlib_stored(&packed)),
        png_chunk(b"IEND", &[]),
    ]);
    match intake(&two_bit, &Limits::default()) {
        Ok(out) => assert_eq!((out.width, out.height), (4, 2)),
        Err(e) => assert_eq!(e.code(), "image.corrupt", "{e}"),
    }
}

// ---- animation -----------------------------------------------------------------------------

#[test]
fn animated_png_keeps_the_first_frame() {
    let (red, blue) = (solid(8, 8, [230, 10, 10]), solid(8, 8, [10, 10, 230]));
    let idat = |image: &RgbImage| -> Vec<u8> {
        let chunks = png_chunks(&png_rgb(image)).into_iter();
        chunks
            .filter(|(k, _)| k == b"IDAT")
            .flat_map(|(_, d)| d)
            .collect()
    };
    let fctl = |seq: u32| {
        let mut d = seq.to_be_bytes().to_vec();
        for v in [8u32, 8, 0, 0] {
            d.extend_from_slice(&v.to_be_bytes());
        }
        d.extend_from_slice(&[0, 1, 0, 10, 0, 0]);
        png_chunk(b"fcTL", &d)
    };
    let mut actl = 2u32.to_be_bytes().to_vec();
    actl.extend_from_slice(&0u32.to_be_bytes());
    let mut fdat = 2u32.to_be_bytes().to_vec();
    fdat.extend(idat(&blue));
    let apng = png_from_chunks(&[
        ihdr(8, 8, 8, 2),
        png_chunk(b"acTL", &actl),
        fctl(0),
        png_chunk(b"IDAT", &idat(&red)),
        fctl(1),
        png_chunk(b"fdAT", &fdat),
        png_chunk(b"IEND", &[]),
    ]);
    let out = intake(&apng, &Limits::default()).expect("APNG accepted");
    assert_eq!(out.image.to_rgb8().get_pixel(4, 4).0, [230, 10, 10]);
    // Still: the animation chunks are gone.
    assert_eq!(chunk_names(&out.bytes), ["IHDR", "IDAT", "IEND"]);
}

#[test]
fn animated_webp_keeps_the_first_frame() {
    let frame = |image: &RgbImage| -> Vec<u8> {
        let mut d = Vec::new();
        for v in [0, 0, 7, 7, 100] {
            d.extend_from_slice(&le24(v));
        }
        d.push(0b10); // do not blend: the frame replaces the canvas
        let data = vp8l_data(image);
        d.extend_from_slice(b"VP8L");
        d.extend_from_slice(&(data.len() as u32).to_le_bytes());
        d.extend_from_slice(&data);
        if data.len() % 2 == 1 {
            d.push(0);
        }
        d
    };
    let file = webp_from_chunks(&[
        (b"VP8X", vp8x(0b10, 8, 8)),
        (b"ANIM", vec![0, 0, 0, 0, 0, 0]),
        (b"ANMF", frame(&solid(8, 8, [230, 10, 10]))),
        (b"ANMF", frame(&solid(8, 8, [10, 10, 230]))),
    ]);
    assert_eq!(probe(&file, &Limits::default()).unwrap().width, 8);
    let out = intake(&file, &Limits::default()).expect("animated WebP accepted");
    assert_eq!((out.format, out.width, out.height), (Format::Png, 8, 8));
    let px = out.image.to_rgb8().get_pixel(4, 4).0;
    assert_eq!(px, [230, 10, 10]);
}

// ---- polyglots and metadata ----------------------------------------------------------------

#[test]
fn payloads_after_iend_are_dropped() {
    let png = png_rgb(&solid(16, 16, [40, 120, 200]));
    let mut zip = b"PK\x03\x04\x14\0\0\0\0\0".to_vec();
    zip.extend_from_slice(b"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x09\0\0\0evil.phpSECRET-ZIP-PAYLOAD");
    let html = b"<html><script>alert('SECRET-HTML-PAYLOAD')</script></html>".to_vec();
    for (payload, marker) in [(zip, &b"SECRET-ZIP"[..]), (html, b"SECRET-HTML")] {
        let file = [&png[..], &payload].concat();
        let out = intake(&file, &Limits::default()).expect("image part accepted");
        assert_eq!(out.image.to_rgb8().get_pixel(3, 3).0, [40, 120, 200]);
        assert!(!contains(&out.bytes, marker) && !contains(&out.bytes, b"PK\x03\x04"));
        assert!(!contains(&out.bytes, b"<script"));
        assert_eq!(chunk_names(&out.bytes), ["IHDR", "IDAT", "IEND"]);
    }
}

#[test]
fn php_in_a_jpeg_comment_is_dropped() {
    let php = jpeg_segment(0xFE, b"<?php system($_GET['c']); ?>");
    let file = jpeg_with_segments(&jpeg_rgb(&solid(16, 16, [200, 200, 200])), &[php]);
    assert!(contains(&file, b"<?php"));
    let out = intake(&file, &Limits::default()).expect("accepted");
    assert!(!contains(&out.bytes, b"<?php") && !contains(&out.bytes, b"system("));
    // No comment segment at all in what we store.
    assert!(!contains(&out.bytes, &[0xFF, 0xFE]));
}

#[test]
fn gif_header_in_front_of_a_png_is_a_gif() {
    let file = [
        &b"GIF89a\x10\0\x10\0\x80\0\0"[..],
        &png_rgb(&solid(4, 4, [1, 2, 3])),
    ]
    .concat();
    let e = assert_refused(
        intake(&file, &Limits::default()),
        "image.unsupported_format",
        "a GIF image",
    );
    assert_eq!(e.http_status(), 415);
}

#[test]
fn gps_exif_never_reaches_storage() {
    let tiff = tiff_with_gps();
    let gps_marker = &tiff[tiff.len() - 48..]; // the coordinates' rationals
    let jpeg = jpeg_with_segments(
        &jpeg_rgb(&solid(24, 16, [90, 60, 30])),
        &[jpeg_segment(0xE1, &[&b"Exif\0\0"[..], &tiff].concat())],
    );
    let mut exif_chunk = b"EXIF".to_vec();
    exif_chunk.extend_from_slice(&(tiff.len() as u32).to_le_bytes());
    exif_chunk.extend_from_slice(&tiff);
    let webp_simple = webp_rgb(&solid(24, 16, [90, 60, 30]));
    let mut webp = webp_from_chunks(&[(b"VP8X", vp8x(0x08, 24, 16))]);
    webp.extend_from_slice(&webp_simple[12..]);
    webp.extend_from_slice(&exif_chunk);
    let riff = (webp.len() - 8) as u32;
    webp[4..8].copy_from_slice(&riff.to_le_bytes());
    let png = png_from_chunks(&[
        ihdr(24, 16, 8, 2),
        png_chunk(b"eXIf", &tiff),
        png_chunk(
            b"IDAT",
            &zlib_stored(
                &[[0u8].as_slice(), &[90, 60, 30].repeat(24)]
                    .concat()
                    .repeat(16),
            ),
        ),
        png_chunk(b"IEND", &[]),
    ]);
    for (name, file) in [("jpeg", jpeg), ("webp", webp), ("png", png)] {
        assert!(contains(&file, gps_marker), "{name}: test is moot");
        let out = intake(&file, &Limits::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((out.width, out.height), (24, 16), "{name}");
        for needle in [gps_marker, b"Exif", b"MM\0\x2a", b"eXIf", b"EXIF"] {
            assert!(!contains(&out.bytes, needle), "{name}: {needle:?} survived");
        }
        let back = image::load_from_memory(&out.bytes).unwrap();
        let px = back.to_rgb8().get_pixel(5, 5).0;
        let want = [90, 60, 30];
        assert!(
            px.iter().zip(want).all(|(&a, b)| a.abs_diff(b) <= 4),
            "{name}: {px:?}"
        );
    }
}
