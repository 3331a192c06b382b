use super::*;
use crate::testutil::*;
use image::RgbImage;

fn code(result: Result<impl std::fmt::Debug, IntakeError>) -> &'static str {
    result.expect_err("expected an error").code()
}

fn decode(bytes: &[u8]) -> DynamicImage {
    image::load_from_memory(bytes).expect("output decodes")
}

#[test]
fn jpeg_round_trip() {
    let input = jpeg(64, 48);
    let p = probe(&input, &Limits::default()).unwrap();
    assert_eq!(
        p,
        Probe {
            format: Format::Jpeg,
            width: 64,
            height: 48
        }
    );
    let out = intake(&input, &Limits::default()).unwrap();
    assert_eq!((out.format, out.width, out.height), (Format::Jpeg, 64, 48));
    assert_eq!(format::sniff(&out.bytes), Some(Format::Jpeg));
    let back = decode(&out.bytes);
    assert_eq!((back.width(), back.height()), (64, 48));
    assert!(matches!(out.image, DynamicImage::ImageRgb8(_)));
    // Left half red, right half blue survives two JPEG generations.
    let px = out.image.to_rgb8();
    assert!(px.get_pixel(8, 24)[0] > 150 && px.get_pixel(56, 24)[2] > 150);
}

#[test]
fn png_round_trip_is_lossless() {
    let input = png(64, 48);
    let out = intake(&input, &Limits::default()).unwrap();
    assert_eq!((out.format, out.width, out.height), (Format::Png, 64, 48));
    assert_eq!(decode(&out.bytes).to_rgb8(), picture(64, 48));
    assert_eq!(out.image.to_rgb8(), picture(64, 48));
}

#[test]
fn webp_becomes_png() {
    let input = webp(64, 48);
    assert_eq!(
        probe(&input, &Limits::default()).unwrap().format,
        Format::Webp
    );
    let out = intake(&input, &Limits::default()).unwrap();
    assert_eq!((out.format, out.width, out.height), (Format::Png, 64, 48));
    assert_eq!(format::sniff(&out.bytes), Some(Format::Png));
    assert_eq!(decode(&out.bytes).to_rgb8(), picture(64, 48));
}

#[test]
fn alpha_is_kept_for_png() {
    let img = image::RgbaImage::from_pixel(10, 10, image::Rgba([1, 2, 3, 100]));
    let mut input = Vec::new();
    DynamicImage::ImageRgba8(img.clone())
        .write_with_encoder(PngEncoder::new(&mut input))
        .unwrap();
    let out = intake(&input, &Limits::default()).unwrap();
    assert_eq!(out.image, DynamicImage::ImageRgba8(img.clone()));
    assert_eq!(decode(&out.bytes).to_rgba8(), img);
}

#[test]
fn sixteen_bit_png_becomes_eight_bit() {
    let img =
        image::ImageBuffer::from_fn(8, 4, |x, _| image::Rgba([x as u16 * 8000, 0, 65535, 65535]));
    let mut input = Vec::new();
    DynamicImage::ImageRgba16(img)
        .write_with_encoder(PngEncoder::new(&mut input))
        .unwrap();
    let out = intake(&input, &Limits::default()).unwrap();
    let rgba = out.image.as_rgba8().expect("8-bit RGBA");
    assert_eq!(rgba.get_pixel(7, 0).0, [218, 0, 255, 255]);
}

#[test]
fn truncated_files_are_corrupt() {
    for (name, file) in [
        ("png", png(64, 48)),
        ("jpeg", jpeg(64, 48)),
        ("webp", webp(64, 48)),
    ] {
        let half = &file[..file.len() / 2];
        let e = intake(half, &Limits::default()).expect_err(name);
        assert_eq!(e.code(), "image.corrupt", "{name}: {e}");
        assert!(e.to_string().contains("cut off"), "{name}: {e}");
    }
    // Cut inside the signature.
    assert_eq!(
        code(intake(&png(8, 8)[..5], &Limits::default())),
        "image.corrupt"
    );
}

#[test]
fn png_bomb_is_refused_from_the_header() {
    let bomb = png_header_only(100_000, 100_000);
    assert!(bomb.len() < 100);
    let (e, largest) = largest_allocation(|| probe(&bomb, &Limits::default()).unwrap_err());
    assert!(largest < 4096, "allocated {largest} bytes at once");
    assert_eq!(
        (e.code(), e.http_status()),
        ("image.too_big_dimensions", 400)
    );
    assert_eq!(
        e.to_string(),
        "image is 100000×100000 pixels (10000 MP); the limit is 8192 px per side and 40 MP — \
         send a smaller image"
    );
    assert_eq!(
        code(intake(&bomb, &Limits::default())),
        "image.too_big_dimensions"
    );
}

#[test]
fn png_within_side_limit_but_over_pixel_limit() {
    let e = probe(&png_header_only(8000, 8000), &Limits::default()).unwrap_err();
    assert_eq!(e.code(), "image.too_many_pixels");
    assert!(e.to_string().contains("8000×8000 pixels (64 MP)"), "{e}");
    assert_eq!(
        code(probe(&png_header_only(9000, 100), &Limits::default())),
        "image.too_big_dimensions"
    );
    assert_eq!(
        code(probe(&png_header_only(100, 8193), &Limits::default())),
        "image.too_big_dimensions"
    );
    // Exactly at the limits is fine (as far as the header goes).
    let at_limit = Limits {
        max_side: 100,
        max_pixels: 100 * 50,
        ..Limits::default()
    };
    assert!(probe(&png_header_only(100, 50), &at_limit).is_ok());
}

#[test]
fn decoder_limits_back_up_our_header_reader() {
    // `open` checks the decoder's dimensions too; with our reader bypassed the decoder's own
    // `image::Limits` still stop a bomb.
    let bomb = png_header_only(100_000, 10);
    let mut reader = ImageReader::with_format(Cursor::new(&bomb[..]), image::ImageFormat::Png);
    reader.limits(Limits::default().for_decoder());
    let e = from_image_error(Format::Png, reader.into_decoder().err().unwrap());
    assert_eq!(e.code(), "image.too_many_pixels");
}

#[test]
fn png_icc_profile_bomb_is_bounded() {
    // A 490 KB iCCP chunk that inflates to 77 MB. The PNG decoder inflates it while reading the
    // header, up to the allocation limit we give it, and drops the profile when it does not
    // fit (png ignores iCCP errors), so the image is accepted without it.
    let mut iccp = b"icc\0\0".to_vec();
    iccp.extend(zlib_zeros(300_000));
    let input = png_insert_after_ihdr(&png(16, 16), &png_chunk(b"iCCP", &iccp));
    assert!(input.len() < 600_000);
    let (out, largest) = largest_allocation(|| intake(&input, &Limits::default()));
    assert_eq!(
        png_chunk_types(&out.unwrap().bytes),
        ["IHDR", "IDAT", "IEND"]
    );
    // The inflater grows its buffer a little past the bound before stopping.
    let bound = DECODER_INTERNAL_BYTES as usize + (4 << 20);
    assert!(largest <= bound, "allocated {largest} bytes at once");
    assert!(
        largest > 1 << 20,
        "the profile was never inflated ({largest}): test is moot"
    );
}

#[test]
fn jpeg_bomb_is_refused_from_the_header() {
    let bomb = jpeg_header_only(65000, 65000);
    let e = probe(&bomb, &Limits::default()).unwrap_err();
    assert_eq!(e.code(), "image.too_big_dimensions");
    assert!(e.to_string().contains("65000×65000"), "{e}");
    let wide = Limits {
        max_side: 65535,
        ..Limits::default()
    };
    assert_eq!(code(intake(&bomb, &wide)), "image.too_many_pixels");
}

#[test]
fn webp_exif_is_read_and_stripped() {
    let mut exif = b"EXIF".to_vec();
    let tiff = &exif_app1(6)[10..];
    exif.extend_from_slice(&(tiff.len() as u32).to_le_bytes());
    exif.extend_from_slice(tiff);
    let input = webp_extended(&webp(40, 20), 40, 20, &exif);
    assert_eq!(probe(&input, &Limits::default()).unwrap().width, 40);
    let out = intake(&input, &Limits::default()).unwrap();
    assert_eq!((out.width, out.height), (20, 40));
    assert_eq!(png_chunk_types(&out.bytes), ["IHDR", "IDAT", "IEND"]);
}

#[test]
fn webp_chunk_claiming_more_than_the_file_is_corrupt() {
    // An EXIF chunk that claims 4 GB: the WebP decoder would size a buffer from that claim
    // when asked for the orientation.
    let mut exif = b"EXIF".to_vec();
    exif.extend_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    exif.extend_from_slice(b"MM\0*");
    let input = webp_extended(&webp(16, 16), 16, 16, &exif);
    let (e, largest) = largest_allocation(|| intake(&input, &Limits::default()).unwrap_err());
    assert!(largest < 1 << 20, "allocated {largest} bytes at once");
    assert_eq!(e.code(), "image.corrupt");
    assert!(e.to_string().contains("EXIF chunk claims"), "{e}");
}

#[test]
fn not_images_are_named() {
    let cases: &[(&[u8], &str)] = &[
        (b"GIF89a\x01\0\x01\0\x80\0\0", "a GIF image"),
        (
            b"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\"></svg>",
            "an SVG",
        ),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "a PDF document"),
        (
            b"<!doctype html>\n<html><head><title>403</title>",
            "an HTML page",
        ),
        (b"\0\0\0\x20ftypheic\0\0\0\0mif1heic", "a HEIC/HEIF image"),
        (
            &[0x13, 0x37, 0x00, 0xFE, 0x9A, 0x11, 0x42, 0x07, 0x99],
            "unrecognised data",
        ),
    ];
    for (bytes, what) in cases {
        let e = probe(bytes, &Limits::default()).unwrap_err();
        assert_eq!(
            (e.code(), e.http_status()),
            ("image.unsupported_format", 415),
            "{e}"
        );
        let msg = e.to_string();
        assert!(
            msg.contains(what) && msg.ends_with("send JPEG, PNG or WebP"),
            "{msg}"
        );
    }
    let e = probe(b"", &Limits::default()).unwrap_err();
    assert_eq!((e.code(), e.http_status()), ("image.empty", 400));
}

#[test]
fn size_is_checked_before_anything_else() {
    let limits = Limits {
        max_bytes: 100,
        ..Limits::default()
    };
    // Garbage over the limit is "too large", not "unsupported": nothing was parsed.
    let e = probe(&[0u8; 101], &limits).unwrap_err();
    assert_eq!((e.code(), e.http_status()), ("image.too_large", 413));
    assert_eq!(
        e.to_string(),
        "image is 101 bytes; the limit is 100 bytes — send a smaller file"
    );
    assert_eq!(code(intake(&png(64, 64), &limits)), "image.too_large");
    assert!(probe(&png_header_only(10, 10), &limits).is_ok());
}

#[test]
fn min_side() {
    let small = png(100, 100);
    let e = intake(&small, &Limits::reference()).unwrap_err();
    assert_eq!((e.code(), e.http_status()), ("image.too_small", 422));
    assert_eq!(
        e.to_string(),
        "image is 100×100 pixels; the shorter side must be at least 512 px — send a larger photo"
    );
    let limits = Limits {
        min_side: 100,
        ..Limits::default()
    };
    assert!(intake(&small, &limits).is_ok());
    assert_eq!(
        code(probe(&png_header_only(4000, 99), &limits)),
        "image.too_small"
    );
}

#[test]
fn exif_orientation_is_applied_and_stripped() {
    let input = jpeg_insert_after_soi(&jpeg(40, 20), &exif_app1(6));
    // The header still says 40×20: that is how the pixels are stored.
    let p = probe(&input, &Limits::default()).unwrap();
    assert_eq!((p.width, p.height), (40, 20));
    let out = intake(&input, &Limits::default()).unwrap();
    assert_eq!((out.width, out.height), (20, 40));
    // Rotated 90° clockwise: the red left half is now on top, the blue right half below.
    let px = out.image.to_rgb8();
    assert!(
        px.get_pixel(10, 5)[0] > 150 && px.get_pixel(10, 5)[2] < 100,
        "{:?}",
        px.get_pixel(10, 5)
    );
    assert!(px.get_pixel(10, 35)[2] > 150, "{:?}", px.get_pixel(10, 35));
    let find = |needle: &[u8]| out.bytes.windows(needle.len()).any(|w| w == needle);
    assert!(!find(b"Exif") && !find(b"ICC_PROFILE"));
    // The output decodes upright without any orientation tag.
    let back = decode(&out.bytes);
    assert_eq!((back.width(), back.height()), (20, 40));
    // The same file without the tag is left alone.
    assert_eq!(intake(&jpeg(40, 20), &Limits::default()).unwrap().width, 40);
}

#[test]
fn png_metadata_is_stripped() {
    let text = png_chunk(b"tEXt", b"Comment\0patient 12345, Room 7");
    let exif = png_chunk(b"eXIf", &exif_app1(3)[10..]);
    let input = png_insert_after_ihdr(&png_insert_after_ihdr(&png(32, 16), &text), &exif);
    assert!(png_chunk_types(&input).contains(&"tEXt".to_owned()));
    let out = intake(&input, &Limits::default()).unwrap();
    assert_eq!(png_chunk_types(&out.bytes), ["IHDR", "IDAT", "IEND"]);
    assert!(!out.bytes.windows(7).any(|w| w == b"patient"));
    // eXIf orientation 3 (rotate 180°) was honoured: red is now on the right.
    assert_eq!((out.width, out.height), (32, 16));
    assert_eq!(out.image.to_rgb8().get_pixel(31, 0)[0], 220);
}

#[test]
fn mutated_files_never_panic() {
    let limits = Limits::default();
    for (name, file) in [
        ("jpeg", jpeg(48, 40)),
        ("png", png(48, 40)),
        ("webp", webp(48, 40)),
    ] {
        let (mut ok, mut err) = (0, 0);
        let mut tally = |result: Result<Intake, IntakeError>| match result {
            Ok(i) => {
                assert_eq!(
                    (i.image.width(), i.image.height()),
                    (i.width, i.height),
                    "{name}"
                );
                ok += 1;
            }
            Err(_) => err += 1,
        };
        // Every byte of the headers, then a stride through the data; three kinds of damage.
        let positions = (0..file.len().min(200)).chain((200..file.len()).step_by(7));
        for pos in positions {
            let mut flipped = file.clone();
            flipped[pos] ^= 0xFF;
            tally(intake(&flipped, &limits));
            let mut bumped = file.clone();
            bumped[pos] = bumped[pos].wrapping_add(1 + (pos % 5) as u8);
            tally(intake(&bumped, &limits));
            tally(intake(&file[..pos], &limits));
        }
        assert!(err > 0, "{name}: {ok} ok, {err} errors");
    }
}

fn png_of(image: &DynamicImage) -> Vec<u8> {
    let mut out = Vec::new();
    image.write_with_encoder(PngEncoder::new(&mut out)).unwrap();
    out
}

fn jpeg_of(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image
        .write_with_encoder(JpegEncoder::new_with_quality(&mut out, quality))
        .unwrap();
    out
}

/// Files covering every decoder path and the encoders' worst case, and whether each is an
/// 8-bit photo (for which the estimate must stay within 3× of what intake held).
fn peak_cases() -> Vec<(&'static str, Vec<u8>, bool)> {
    let photo16 = |w, h| {
        let p = photo(w, h);
        DynamicImage::ImageRgb16(image::ImageBuffer::from_fn(w, h, |x, y| {
            image::Rgb(
                p.get_pixel(x, y)
                    .0
                    .map(|c| u16::from(c) * 257 + (x % 7) as u16),
            )
        }))
    };
    let rgba = |img: RgbImage| {
        DynamicImage::ImageRgba8(image::RgbaImage::from_fn(
            img.width(),
            img.height(),
            |x, y| {
                let [r, g, b] = img.get_pixel(x, y).0;
                image::Rgba([r, g, b, (x + y) as u8])
            },
        ))
    };
    let iccp = {
        let mut chunk = b"icc\0\0".to_vec();
        chunk.extend(zlib_zeros(2_000)); // a 516 KB profile of zeros
        png_chunk(b"iCCP", &chunk)
    };
    vec![
        (
            "JPEG photo 2400×1600",
            jpeg_of(&photo(2400, 1600), 90),
            true,
        ),
        (
            "JPEG photo, EXIF 6",
            jpeg_insert_after_soi(&jpeg_of(&photo(2400, 1600), 90), &exif_app1(6)),
            true,
        ),
        ("JPEG photo 600×600", jpeg_of(&photo(600, 600), 85), true),
        (
            "JPEG noise 1000×1000",
            jpeg_of(&noise(1000, 1000), 100),
            false,
        ),
        (
            "JPEG grey 4:4:4 progressive 3000×2000",
            jpeg_grey(3000, 2000, &[(1, 1); 3], JpegScans::Progressive),
            false,
        ),
        (
            "JPEG grey CMYK progressive 2000×2000",
            jpeg_grey(2000, 2000, &[(1, 1); 4], JpegScans::Progressive),
            false,
        ),
        (
            "JPEG grey 4:2:0 separate scans 3000×2000",
            jpeg_grey(3000, 2000, &[(2, 2), (1, 1), (1, 1)], JpegScans::Separate),
            false,
        ),
        (
            "JPEG grey 4:2:0 baseline 3000×2000",
            jpeg_grey(
                3000,
                2000,
                &[(2, 2), (1, 1), (1, 1)],
                JpegScans::Interleaved,
            ),
            false,
        ),
        (
            "JPEG grey 1 component 3000×2000",
            jpeg_grey(3000, 2000, &[(1, 1)], JpegScans::Interleaved),
            false,
        ),
        (
            "PNG photo 1600×1200",
            png_of(&DynamicImage::ImageRgb8(photo(1600, 1200))),
            true,
        ),
        (
            "PNG photo RGBA 1200×900",
            png_of(&rgba(photo(1200, 900))),
            true,
        ),
        (
            "PNG 16-bit photo 1200×900",
            png_of(&photo16(1200, 900)),
            false,
        ),
        (
            "PNG 16-bit black 4000×3000",
            png_zeros(4000, 3000, 16, 2),
            false,
        ),
        (
            "PNG noise RGBA 1000×1000",
            png_of(&rgba(noise(1000, 1000))),
            false,
        ),
        (
            "PNG grey 1-bit 3000×2000",
            png_zeros(3000, 2000, 1, 0),
            false,
        ),
        (
            "PNG with a 516 KB ICC profile 800×600",
            png_insert_after_ihdr(&png(800, 600), &iccp),
            false,
        ),
        (
            "PNG eXIf 6 1600×1200",
            png_insert_after_ihdr(
                &png_of(&DynamicImage::ImageRgb8(photo(1600, 1200))),
                &png_chunk(b"eXIf", &exif_app1(6)[10..]),
            ),
            true,
        ),
        (
            "PNG iCCP bomb (inflates to 77 MB) 16×16",
            png_insert_after_ihdr(&png(16, 16), &{
                let mut chunk = b"icc\0\0".to_vec();
                chunk.extend(zlib_zeros(300_000));
                png_chunk(b"iCCP", &chunk)
            }),
            false,
        ),
        (
            "PNG with 9 MB of tEXt 800×600",
            {
                let text = png_chunk(b"tEXt", &[&b"Comment\0"[..], &[b'x'; 1_000_000]].concat());
                (0..9).fold(png(800, 600), |file, _| png_insert_after_ihdr(&file, &text))
            },
            false,
        ),
        (
            "JPEG with 9 MB of ICC segments 800×600",
            {
                let mut icc = b"ICC_PROFILE\0".to_vec();
                icc.extend_from_slice(&[1, 1]);
                icc.resize(65_000, 7);
                let mut segment = vec![0xFF, 0xE2];
                segment.extend_from_slice(&((icc.len() + 2) as u16).to_be_bytes());
                segment.extend(icc);
                (0..140).fold(jpeg(800, 600), |file, _| {
                    jpeg_insert_after_soi(&file, &segment)
                })
            },
            false,
        ),
        (
            "WebP lossless photo 1200×900",
            webp_of(&photo(1200, 900)),
            true,
        ),
        (
            "WebP lossless noise 800×800",
            webp_of(&noise(800, 800)),
            false,
        ),
        ("WebP lossy 1600×1200", webp_lossy(1600, 1200), false),
        (
            "WebP lossy + alpha 1600×1200",
            webp_lossy_alpha(1600, 1200),
            false,
        ),
        ("WebP animated 800×600", webp_animated(800, 600), false),
    ]
}

#[test]
fn peak_header_matches_the_decoder() {
    for (name, file, _) in peak_cases() {
        let header = peak::read_header(format::sniff(&file).unwrap(), &file).expect(name);
        let (_, decoder) = open(&file, &Limits::default()).expect(name);
        assert_eq!(
            (header.width, header.height, header.layout),
            (
                decoder.dimensions().0,
                decoder.dimensions().1,
                Layout::of(decoder.color_type())
            ),
            "{name}"
        );
    }
}

#[test]
fn intake_peak_bytes_bounds_what_intake_holds() {
    let limits = Limits::default();
    let mb = |n: u64| n as f64 / 1e6;
    for (name, file, photo) in peak_cases() {
        let (estimate, seen) = allocations(|| intake_peak_bytes(&file, &limits));
        // Read in place: nothing to speak of allocated, whatever the file.
        assert!(seen.peak < 1024, "{name}: the estimate allocated {seen:?}");
        let estimate = estimate.expect(name);
        let (out, seen) = allocations(|| intake(&file, &limits));
        let out = out.unwrap_or_else(|e| panic!("{name}: {e}"));
        let held = seen.peak as u64;
        println!(
            "{name:42} {:>7} bytes in  {:>8.1} MB held  {:>8.1} MB estimated  {:.2}×",
            file.len(),
            mb(held),
            mb(estimate),
            estimate as f64 / held as f64
        );
        assert!(
            estimate >= held,
            "{name}: held {held}, estimated {estimate}"
        );
        if photo {
            assert!(
                estimate <= 3 * held,
                "{name}: held {held}, estimated {estimate}"
            );
        }
        // What is kept: the pixels and the output, within the estimate too.
        assert!(out.image.as_bytes().len() + out.bytes.capacity() <= estimate as usize);
    }
}

#[test]
fn estimates_at_the_default_limits() {
    // The figures in `intake_peak_bytes`'s documentation.
    let limits = Limits::default();
    let mb = |file: &[u8]| intake_peak_bytes(file, &limits).unwrap() / 1_000_000;
    let yuv420 = [(2, 2), (1, 1), (1, 1)];
    assert_eq!(mb(&png_zeros(8000, 5000, 8, 6)), 811);
    assert_eq!(
        mb(&jpeg_grey(8000, 5000, &yuv420, JpegScans::Interleaved)),
        360
    );
    assert_eq!(
        mb(&jpeg_grey(8000, 5000, &[(1, 1); 3], JpegScans::Progressive)),
        367
    );
    assert_eq!(
        mb(&jpeg_grey(4000, 3000, &yuv420, JpegScans::Interleaved)),
        108
    );
}

#[test]
fn decoded_bytes_limit_is_exact() {
    // 100×50 16-bit RGB: 30 000 bytes decoded.
    let img = image::ImageBuffer::from_pixel(100, 50, image::Rgb([1000u16, 2000, 3000]));
    let file = png_of(&DynamicImage::ImageRgb16(img));
    let at = Limits {
        max_decoded_bytes: 30_000,
        ..Limits::default()
    };
    assert!(intake(&file, &at).is_ok());
    assert!(intake_peak_bytes(&file, &at).is_ok());
    let below = Limits {
        max_decoded_bytes: 29_999,
        ..Limits::default()
    };
    let e = intake(&file, &below).unwrap_err();
    assert_eq!(
        e,
        IntakeError::TooManyDecodedBytes {
            format: Format::Png,
            width: 100,
            height: 50,
            bits: 16,
            channels: 3,
            needed: 30_000,
            max: 29_999
        }
    );
    assert_eq!(probe(&file, &below).unwrap_err(), e);
    assert_eq!(intake_peak_bytes(&file, &below).unwrap_err(), e);
    // 8-bit pixels within `max_pixels` always fit the default.
    let rgba = png_zeros(8000, 5000, 8, 6);
    assert!(probe(&rgba, &Limits::default()).is_ok());
}

#[test]
fn intake_peak_bytes_refuses_what_probe_refuses_from_the_header() {
    let (any, reference) = (Limits::default(), Limits::reference());
    let cases: Vec<(Vec<u8>, &Limits)> = vec![
        (Vec::new(), &any),
        (b"GIF89a\x01\0\x01\0\x80\0\0".to_vec(), &any),
        (png(8, 8)[..5].to_vec(), &any),
        (png_header_only(100_000, 100_000), &any),
        (png_header_only(8000, 8000), &any),
        (jpeg_header_only(65000, 65000), &any),
        (png(100, 100), &reference),
        (png_zeros(8000, 5000, 16, 2), &any),
        (
            jpeg_grey(400, 300, &[(1, 1)], JpegScans::Progressive),
            &reference,
        ),
    ];
    for (file, limits) in cases {
        let (estimate, largest) = largest_allocation(|| intake_peak_bytes(&file, limits));
        assert!(largest < 1024, "allocated {largest} bytes");
        assert_eq!(estimate.unwrap_err(), probe(&file, limits).unwrap_err());
    }
}
