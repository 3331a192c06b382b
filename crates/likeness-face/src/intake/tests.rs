use super::*;
use crate::testutil::*;

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
