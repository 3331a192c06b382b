//! Image quality of a generated portrait: not black, full dynamic range, contrast, exposure,
//! requested dimensions; and the sharpness of a face region for reference photos.
//!
//! The thresholds were set so that real portraits pass with a margin: the astronaut photo
//! (mean luma 113, std 75, p1–p99 0–248, 14 % of pixels at luma ≤ 5) and 45 renders of the
//! built-in styles (`watercolor`, `cartoon`, `flat-poster`, `initials`, `geometric`: std
//! 23–90, p99 − p1 at least 88, mean 74–197, nothing clipped beyond 10 %). What fails is a
//! broken render: black, flat, washed out or blown out.

use std::fmt;

use image::{GrayImage, RgbImage, imageops};

use crate::detect::FaceBox;

/// Below this mean luma an image is black, whatever else it shows.
const BLACK_MEAN: f32 = 8.0;
/// ... or when even its brightest 1 % stays below this.
const BLACK_P99: u8 = 16;
/// The least spread between the 1st and 99th percentile: a render uses most of the range.
const MIN_DYNAMIC_RANGE: f32 = 64.0;
/// The least standard deviation of luma: below it the image is a near-flat wash.
const MIN_CONTRAST: f32 = 20.0;
/// Luma at or below this counts as crushed to black, at or above `BRIGHT_LUMA` as blown out.
const DARK_LUMA: u8 = 5;
const BRIGHT_LUMA: u8 = 250;
/// The largest share of crushed (or blown) pixels: a dark suit or a white background may be
/// large, but not most of the picture.
const MAX_CLIPPED: f32 = 0.40;
/// Mean luma outside this band means the whole picture is too dark or too light.
const MIN_MEAN: f32 = 50.0;
const MAX_MEAN: f32 = 225.0;

/// The width a face region is resampled to before the Laplacian, so the same face scores the
/// same at any resolution (a Laplacian's variance grows as detail gets denser in pixels).
const SHARPNESS_WIDTH: u32 = 128;
/// The tallest the resampled region may be: a degenerate, very thin box stays cheap.
const SHARPNESS_MAX_HEIGHT: u32 = 512;

/// What [`measure`] found. All luminance figures are on 0–255 (Rec. 709 luma).
#[derive(Debug, Clone, PartialEq)]
pub struct Quality {
    pub width: u32,
    pub height: u32,
    pub mean_luma: f32,
    /// Standard deviation of luma.
    pub contrast: f32,
    /// 99th minus 1st percentile of luma.
    pub dynamic_range: f32,
    /// Share of pixels at luma ≤ 5 and ≥ 250.
    pub dark_clipped: f32,
    pub bright_clipped: f32,
    /// Everything that fell short, empty when the image passes.
    pub problems: Vec<QualityProblem>,
}

/// One way an image fell short, with a stable code for records and APIs.
#[derive(Debug, Clone, PartialEq)]
pub enum QualityProblem {
    Black,
    LowDynamicRange,
    LowContrast,
    UnderExposed,
    OverExposed,
    WrongSize { expected: (u32, u32) },
}

impl QualityProblem {
    /// The stable machine code (`quality.*`), stored with each asset and never renamed.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Black => "quality.black",
            Self::LowDynamicRange => "quality.low_dynamic_range",
            Self::LowContrast => "quality.low_contrast",
            Self::UnderExposed => "quality.under_exposed",
            Self::OverExposed => "quality.over_exposed",
            Self::WrongSize { .. } => "quality.wrong_size",
        }
    }
}

impl fmt::Display for QualityProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Black => f.write_str("the image is black or nearly black"),
            Self::LowDynamicRange => {
                f.write_str("the image uses only a narrow band of brightness (washed out or flat)")
            }
            Self::LowContrast => f.write_str("the image has too little contrast"),
            Self::UnderExposed => f.write_str("the image is too dark (under-exposed)"),
            Self::OverExposed => f.write_str("the image is too bright (over-exposed)"),
            Self::WrongSize { expected: (w, h) } => {
                write!(f, "the image is not the requested size of {w}×{h} pixels")
            }
        }
    }
}

impl Quality {
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Rec. 709 luma of an sRGB pixel, rounded to 0–255 (integer weights summing to 10 000).
fn luma(p: &image::Rgb<u8>) -> u8 {
    let [r, g, b] = p.0.map(u32::from);
    ((2126 * r + 7152 * g + 722 * b + 5000) / 10_000) as u8
}

/// Measures `image`; `expected` is the requested (width, height), if any.
pub fn measure(image: &RgbImage, expected: Option<(u32, u32)>) -> Quality {
    // A histogram makes every figure exact and the percentiles free of sorting.
    let mut hist = [0u64; 256];
    for p in image.pixels() {
        hist[usize::from(luma(p))] += 1;
    }
    from_histogram(&hist, image.dimensions(), expected)
}

/// Measures an 8-bit PNG straight from its decoded rows, as [`measure`] would measure its
/// pixels, without the copies a generic decode makes; an indexed PNG from its palette and the
/// count of each index, without expanding a pixel. The pipeline measures every image it
/// makes, and most are the renderer's PNGs. `None` for anything else (other formats, 16-bit
/// samples, grey, a broken file): measure the decoded image instead.
pub fn measure_png(png_bytes: &[u8], expected: Option<(u32, u32)>) -> Option<Quality> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::IDENTITY);
    let mut reader = decoder.read_info().ok()?;
    let info = reader.info();
    let (width, height) = (info.width, info.height);
    // The frame is sized from the header, which a caller checked against its limits already
    // (the pipeline measures images it made), but refuse a claim beyond 64 Mpx all the same.
    if u64::from(width) * u64::from(height) > 1 << 26 || info.bit_depth != png::BitDepth::Eight {
        return None;
    }
    let palette_luma: Option<Vec<u8>> = match info.color_type {
        png::ColorType::Indexed => Some(
            info.palette
                .as_ref()?
                .chunks_exact(3)
                .map(|c| luma(&image::Rgb([c[0], c[1], c[2]])))
                .collect(),
        ),
        png::ColorType::Rgb | png::ColorType::Rgba => None,
        _ => return None,
    };
    let mut buf = vec![0; reader.output_buffer_size()?];
    let frame = reader.next_frame(&mut buf).ok()?;
    let pixels = &buf[..frame.buffer_size()];
    let mut hist = [0u64; 256];
    match (&palette_luma, frame.color_type) {
        (Some(lumas), _) => {
            let mut counts = [0u64; 256];
            for &i in pixels {
                counts[usize::from(i)] += 1;
            }
            for (i, &count) in counts.iter().enumerate() {
                // An index past the palette is a broken file: measure it the slow way.
                if count > 0 {
                    hist[usize::from(*lumas.get(i)?)] += count;
                }
            }
        }
        (None, png::ColorType::Rgb) => {
            for p in pixels.chunks_exact(3) {
                hist[usize::from(luma(&image::Rgb([p[0], p[1], p[2]])))] += 1;
            }
        }
        (None, _) => {
            for p in pixels.chunks_exact(4) {
                hist[usize::from(luma(&image::Rgb([p[0], p[1], p[2]])))] += 1;
            }
        }
    }
    Some(from_histogram(&hist, (width, height), expected))
}

/// Measures a picture of `size` from its palette (red, green, blue) and the pixels of each
/// colour, as [`measure`] would measure its pixels: what a renderer that wrote an indexed
/// image knows already, so nothing is decoded. `None` when the counts do not cover the area
/// (they are not this picture's).
pub fn measure_palette(
    rgb: &[[u8; 3]],
    counts: &[u64],
    size: (u32, u32),
    expected: Option<(u32, u32)>,
) -> Option<Quality> {
    let area = u64::from(size.0) * u64::from(size.1);
    if rgb.len() != counts.len() || counts.iter().sum::<u64>() != area {
        return None;
    }
    let mut hist = [0u64; 256];
    for (c, &count) in rgb.iter().zip(counts) {
        hist[usize::from(luma(&image::Rgb(*c)))] += count;
    }
    Some(from_histogram(&hist, size, expected))
}

/// Measures a picture of `size` from its luma histogram (pixels per level, Rec. 709 as
/// [`measure`] computes it), as [`measure`] would: what a renderer that counted while encoding
/// knows already. `None` when the counts do not cover the area.
pub fn measure_luma(
    hist: &[u64; 256],
    size: (u32, u32),
    expected: Option<(u32, u32)>,
) -> Option<Quality> {
    let area = u64::from(size.0) * u64::from(size.1);
    if hist.iter().sum::<u64>() != area {
        return None;
    }
    Some(from_histogram(hist, size, expected))
}

/// The figures and problems of an image from its luma histogram.
fn from_histogram(
    hist: &[u64; 256],
    (width, height): (u32, u32),
    expected: Option<(u32, u32)>,
) -> Quality {
    let n: u64 = hist.iter().sum();
    let (mean, std) = if n == 0 {
        (0.0, 0.0)
    } else {
        let (sum, sq) = hist
            .iter()
            .enumerate()
            .fold((0f64, 0f64), |(s, q), (v, &c)| {
                let (v, c) = (v as f64, c as f64);
                (s + v * c, q + v * v * c)
            });
        let mean = sum / n as f64;
        (mean, (sq / n as f64 - mean * mean).max(0.0).sqrt())
    };
    let share = |range: std::ops::RangeInclusive<u8>| -> f32 {
        let count: u64 = range.map(|v| hist[usize::from(v)]).sum();
        if n == 0 { 0.0 } else { count as f32 / n as f32 }
    };
    let (p1, p99) = (percentile(hist, n, 0.01), percentile(hist, n, 0.99));
    let (mean, contrast) = (mean as f32, std as f32);
    let dynamic_range = f32::from(p99) - f32::from(p1);
    let dark_clipped = share(0..=DARK_LUMA);
    let bright_clipped = share(BRIGHT_LUMA..=255);

    let mut problems = Vec::new();
    let black = mean < BLACK_MEAN || p99 < BLACK_P99;
    if black {
        problems.push(QualityProblem::Black);
    }
    if dynamic_range < MIN_DYNAMIC_RANGE {
        problems.push(QualityProblem::LowDynamicRange);
    }
    if contrast < MIN_CONTRAST {
        problems.push(QualityProblem::LowContrast);
    }
    // A black image is reported as black, not also as "a bit dark".
    if !black && (dark_clipped > MAX_CLIPPED || mean < MIN_MEAN) {
        problems.push(QualityProblem::UnderExposed);
    }
    if bright_clipped > MAX_CLIPPED || mean > MAX_MEAN {
        problems.push(QualityProblem::OverExposed);
    }
    if let Some(expected) = expected.filter(|&e| e != (width, height)) {
        problems.push(QualityProblem::WrongSize { expected });
    }
    Quality {
        width,
        height,
        mean_luma: mean,
        contrast,
        dynamic_range,
        dark_clipped,
        bright_clipped,
        problems,
    }
}

/// The smallest luma with at least `q` of the `n` pixels at or below it (0 for no pixels).
fn percentile(hist: &[u64; 256], n: u64, q: f64) -> u8 {
    let rank = ((q * n as f64).ceil() as u64).max(1);
    let mut seen = 0;
    for (v, &c) in hist.iter().enumerate() {
        seen += c;
        if seen >= rank {
            return v as u8;
        }
    }
    0
}

/// `region` clamped to the image, as whole pixels (x, y, width, height); `None` when nothing
/// of it is inside or its coordinates are not finite.
pub(crate) fn clamp_region(image: &RgbImage, region: &FaceBox) -> Option<(u32, u32, u32, u32)> {
    let FaceBox {
        x,
        y,
        width,
        height,
    } = *region;
    if ![x, y, width, height].iter().all(|v| v.is_finite()) {
        return None;
    }
    let (w, h) = (image.width() as f32, image.height() as f32);
    let x0 = x.floor().clamp(0.0, w);
    let y0 = y.floor().clamp(0.0, h);
    let x1 = (x + width).ceil().clamp(0.0, w);
    let y1 = (y + height).ceil().clamp(0.0, h);
    (x1 > x0 && y1 > y0).then_some((x0 as u32, y0 as u32, (x1 - x0) as u32, (y1 - y0) as u32))
}

/// The variance of the Laplacian of the grey image inside `region` (higher is sharper).
///
/// The region is clamped to the image and resampled to 128 px wide first, so a figure means
/// the same for a 90 px face and a 900 px one. 0 when the region holds no pixels.
pub fn sharpness(image: &RgbImage, region: &FaceBox) -> f32 {
    let Some((x, y, w, h)) = clamp_region(image, region) else {
        return 0.0;
    };
    let crop = imageops::crop_imm(image, x, y, w, h).to_image();
    let grey = GrayImage::from_fn(w, h, |px, py| image::Luma([luma(crop.get_pixel(px, py))]));
    let out_h = ((u64::from(h) * u64::from(SHARPNESS_WIDTH)) / u64::from(w))
        .clamp(3, u64::from(SHARPNESS_MAX_HEIGHT)) as u32;
    let grey = imageops::resize(
        &grey,
        SHARPNESS_WIDTH,
        out_h,
        imageops::FilterType::Triangle,
    );
    laplacian_variance(&grey)
}

/// The variance of the 4-neighbour Laplacian over the interior pixels.
fn laplacian_variance(grey: &GrayImage) -> f32 {
    let (w, h) = grey.dimensions();
    if w < 3 || h < 3 {
        return 0.0;
    }
    let at = |x: u32, y: u32| f64::from(grey.get_pixel(x, y).0[0]);
    let (mut sum, mut sq, mut n) = (0f64, 0f64, 0f64);
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let l = at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4.0 * at(x, y);
            sum += l;
            sq += l * l;
            n += 1.0;
        }
    }
    let mean = sum / n;
    (sq / n - mean * mean).max(0.0) as f32
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use image::Rgb;

    /// A picture with a gradient, a dark band and a few flat colours, as RGB.
    fn gradient(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            if y < h / 5 {
                Rgb([2, 3, 1])
            } else {
                Rgb([
                    (x * 255 / w) as u8,
                    (y * 255 / h) as u8,
                    ((x + y) % 7 * 30) as u8,
                ])
            }
        })
    }

    fn encode(image: &image::DynamicImage) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        image.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn a_png_measured_from_its_rows_matches_its_decoded_pixels() {
        let rgb = gradient(97, 61);
        let expected = Some((100, 61));
        let reference = measure(&rgb, expected);
        let as_rgb = encode(&image::DynamicImage::ImageRgb8(rgb.clone()));
        assert_eq!(measure_png(&as_rgb, expected), Some(reference.clone()));
        let mut rgba = image::DynamicImage::ImageRgb8(rgb.clone()).to_rgba8();
        rgba.get_pixel_mut(3, 3).0[3] = 0;
        let as_rgba = encode(&image::DynamicImage::ImageRgba8(rgba));
        assert_eq!(measure_png(&as_rgba, expected), Some(reference));
        // Grey and 16-bit PNGs are left to the generic path.
        let grey = encode(&image::DynamicImage::ImageLuma8(
            image::DynamicImage::ImageRgb8(rgb).to_luma8(),
        ));
        assert_eq!(measure_png(&grey, expected), None);
        assert_eq!(measure_png(b"not a png", expected), None);
    }

    #[test]
    fn an_indexed_png_is_measured_from_its_palette_exactly() {
        let colours = [[250u8, 250, 250], [10, 20, 200], [0, 0, 0], [200, 120, 40]];
        let (w, h) = (64u32, 48u32);
        let index = |x: u32, y: u32| ((x / 9 + y / 7) % 4) as u8;
        let indices: Vec<u8> = (0..h)
            .flat_map(|y| (0..w).map(move |x| index(x, y)))
            .collect();
        let mut png_bytes = Vec::new();
        let mut enc = png::Encoder::new(&mut png_bytes, w, h);
        enc.set_color(png::ColorType::Indexed);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_palette(colours.concat());
        enc.set_trns(vec![255, 128, 255, 255]);
        let mut writer = enc.write_header().unwrap();
        writer.write_image_data(&indices).unwrap();
        writer.finish().unwrap();
        let decoded = image::load_from_memory(&png_bytes).unwrap().to_rgb8();
        assert_eq!(decoded.get_pixel(9, 0).0, colours[1]);
        let reference = measure(&decoded, None);
        assert_eq!(measure_png(&png_bytes, None), Some(reference.clone()));

        // From the palette and its counts alone, the same; counts of another size are refused.
        let mut counts = vec![0u64; 4];
        for &i in &indices {
            counts[usize::from(i)] += 1;
        }
        let measured = measure_palette(&colours, &counts, (w, h), None);
        assert_eq!(measured, Some(reference));
        assert_eq!(measure_palette(&colours, &counts, (w, h + 1), None), None);
        assert_eq!(measure_palette(&colours[..3], &counts, (w, h), None), None);
    }

    /// A photo from `target/models/photos` (or `$LIKENESS_MODELS/photos`); a missing file
    /// fails with the command that fetches it.
    pub(crate) fn photo(name: &str) -> RgbImage {
        let dir = std::env::var_os("LIKENESS_MODELS")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/models")
            });
        let path = dir.join("photos").join(name);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} — run `scripts/fetch-models --photos target/models`",
                path.display()
            )
        });
        image::load_from_memory(&bytes).unwrap().into_rgb8()
    }

    /// The astronaut's face as CenterFace finds it (docs: research notes).
    pub(crate) const ASTRONAUT_FACE: FaceBox = FaceBox {
        x: 180.0,
        y: 62.0,
        width: 91.0,
        height: 116.0,
    };

    /// A cheap deterministic noise in 0..n, so synthetic images have texture.
    fn noise(x: u32, y: u32, n: u32) -> u32 {
        let mut h = x.wrapping_mul(0x9E37_79B1) ^ y.wrapping_mul(0x85EB_CA77);
        h ^= h >> 15;
        h = h.wrapping_mul(0x2C1B_3C6D);
        (h >> 8) % n
    }

    /// A drawn portrait: a lit gradient background, dark clothes, a skin-coloured oval head
    /// with dark eyes and a mouth, brown hair on top, and some grain.
    pub(crate) fn portrait(size: u32) -> RgbImage {
        let s = size as f32;
        RgbImage::from_fn(size, size, |x, y| {
            let (fx, fy) = (x as f32 / s, y as f32 / s);
            let grain = noise(x, y, 12) as f32 - 6.0;
            let head = ((fx - 0.5) / 0.22).powi(2) + ((fy - 0.45) / 0.3).powi(2) < 1.0;
            let hair = ((fx - 0.5) / 0.25).powi(2) + ((fy - 0.3) / 0.2).powi(2) < 1.0;
            let eye = ((fx - 0.41).powi(2) + (fy - 0.42).powi(2)).sqrt() < 0.025
                || ((fx - 0.59).powi(2) + (fy - 0.42).powi(2)).sqrt() < 0.025;
            let mouth = (fx - 0.5).abs() < 0.07 && (fy - 0.6).abs() < 0.012;
            let base = if eye {
                [40.0, 30.0, 30.0]
            } else if mouth {
                [150.0, 60.0, 60.0]
            } else if head && fy > 0.3 {
                [224.0, 178.0, 150.0]
            } else if hair {
                [95.0, 60.0, 35.0]
            } else if fy > 0.8 {
                [30.0, 35.0, 60.0]
            } else {
                let t = fy * 80.0;
                [170.0 - t, 190.0 - t, 215.0 - t]
            };
            Rgb(base.map(|c: f32| (c + grain).clamp(0.0, 255.0) as u8))
        })
    }

    fn problems(image: &RgbImage) -> Vec<&'static str> {
        measure(image, None)
            .problems
            .iter()
            .map(|p| p.code())
            .collect()
    }

    fn flat(w: u32, h: u32, v: u8) -> RgbImage {
        RgbImage::from_pixel(w, h, Rgb([v, v, v]))
    }

    #[test]
    fn real_and_drawn_portraits_pass() {
        let q = measure(&photo("astronaut.png"), Some((512, 512)));
        assert!(q.passed(), "{q:?}");
        // The measured figures, for the thresholds' margins (see the module docs).
        assert!((q.mean_luma - 112.7).abs() < 1.0, "{q:?}");
        assert!(q.contrast > 60.0 && q.dynamic_range > 200.0, "{q:?}");
        for size in [64, 256, 512] {
            let q = measure(&portrait(size), None);
            assert!(q.passed(), "{size}: {q:?}");
        }
    }

    #[test]
    fn flat_grey_is_flat_not_dark_or_bright() {
        assert_eq!(
            problems(&flat(64, 64, 128)),
            ["quality.low_dynamic_range", "quality.low_contrast"]
        );
    }

    #[test]
    fn near_black_is_black() {
        let img = RgbImage::from_fn(64, 64, |x, y| {
            let v = noise(x, y, 12) as u8;
            Rgb([v, v, v])
        });
        let q = measure(&img, None);
        assert!(q.mean_luma < 8.0, "{q:?}");
        assert_eq!(
            problems(&img),
            [
                "quality.black",
                "quality.low_dynamic_range",
                "quality.low_contrast"
            ]
        );
        // Black by its 99th percentile alone: a dim image whose mean clears 8.
        let dim = RgbImage::from_fn(64, 64, |x, y| Rgb([10 + noise(x, y, 5) as u8; 3]));
        assert_eq!(problems(&dim)[0], "quality.black");
    }

    #[test]
    fn blown_out_white_is_over_exposed() {
        let img = RgbImage::from_fn(64, 64, |x, y| Rgb([245 + noise(x, y, 11) as u8; 3]));
        assert_eq!(
            problems(&img),
            [
                "quality.low_dynamic_range",
                "quality.low_contrast",
                "quality.over_exposed"
            ]
        );
    }

    #[test]
    fn two_tone_images_fail_for_their_own_reasons() {
        // Two close mid-tones: flat.
        let close = RgbImage::from_fn(64, 64, |x, _| Rgb([if x < 32 { 100 } else { 130 }; 3]));
        assert_eq!(
            problems(&close),
            ["quality.low_dynamic_range", "quality.low_contrast"]
        );
        // Pure black and white halves: plenty of range and contrast, but both ends clipped.
        let poster = RgbImage::from_fn(64, 64, |x, _| Rgb([if x < 32 { 0 } else { 255 }; 3]));
        let q = measure(&poster, None);
        assert_eq!((q.dark_clipped, q.bright_clipped), (0.5, 0.5));
        assert_eq!(
            problems(&poster),
            ["quality.under_exposed", "quality.over_exposed"]
        );
    }

    #[test]
    fn exposure_by_mean_alone() {
        // A full-range image pushed dark (or light): nothing clipped past 40 %, but the mean is
        // out of band.
        let ramp = |lo: u32, hi: u32| {
            RgbImage::from_fn(100, 10, move |x, _| {
                let v = if x < 2 {
                    0
                } else if x >= 98 {
                    255
                } else {
                    lo + (hi - lo) * x / 100
                };
                Rgb([v as u8; 3])
            })
        };
        assert_eq!(problems(&ramp(0, 80)), ["quality.under_exposed"]);
        assert_eq!(problems(&ramp(215, 255)), ["quality.over_exposed"]);
        assert!(problems(&ramp(0, 255)).is_empty());
    }

    #[test]
    fn wrong_size_names_the_requested_size() {
        let q = measure(&portrait(64), Some((64, 80)));
        assert_eq!(
            q.problems,
            [QualityProblem::WrongSize { expected: (64, 80) }]
        );
        assert_eq!(q.problems[0].code(), "quality.wrong_size");
        assert_eq!(
            q.problems[0].to_string(),
            "the image is not the requested size of 64×80 pixels"
        );
        assert!(measure(&portrait(64), Some((64, 64))).passed());
    }

    #[test]
    fn codes_are_stable_and_messages_readable() {
        use QualityProblem::*;
        let all = [
            Black,
            LowDynamicRange,
            LowContrast,
            UnderExposed,
            OverExposed,
        ];
        let codes: Vec<_> = all.iter().map(QualityProblem::code).collect();
        assert_eq!(
            codes,
            [
                "quality.black",
                "quality.low_dynamic_range",
                "quality.low_contrast",
                "quality.under_exposed",
                "quality.over_exposed"
            ]
        );
        assert_eq!(Black.to_string(), "the image is black or nearly black");
    }

    #[test]
    fn degenerate_images_do_not_panic() {
        let empty = RgbImage::new(0, 0);
        assert_eq!(problems(&empty)[0], "quality.black");
        let one = flat(1, 1, 200);
        assert!(!measure(&one, Some((1, 1))).passed());
        let b = |x, y, width, height| FaceBox {
            x,
            y,
            width,
            height,
        };
        for region in [
            b(0.0, 0.0, 0.0, 0.0),
            b(-50.0, -50.0, 10.0, 10.0),
            b(1e9, 1e9, 5.0, 5.0),
            b(f32::NAN, 0.0, 10.0, 10.0),
            b(0.0, 0.0, f32::INFINITY, 10.0),
            b(10.0, 10.0, -5.0, -5.0),
        ] {
            assert_eq!(sharpness(&portrait(32), &region), 0.0, "{region:?}");
        }
        assert_eq!(sharpness(&empty, &b(0.0, 0.0, 10.0, 10.0)), 0.0);
        assert_eq!(sharpness(&one, &b(0.0, 0.0, 10.0, 10.0)), 0.0);
        // A 1-pixel-wide sliver of a real image still gives a finite figure.
        assert!(sharpness(&portrait(64), &b(10.0, 0.0, 0.5, 64.0)).is_finite());
    }

    #[test]
    fn sharpness_separates_the_face_from_its_blur() {
        let astronaut = photo("astronaut.png");
        let sharp = sharpness(&astronaut, &ASTRONAUT_FACE);
        let mut blurred = Vec::new();
        for sigma in [1.0, 2.0, 4.0, 6.0] {
            let b = imageops::blur(&astronaut, sigma);
            blurred.push((sigma, sharpness(&b, &ASTRONAUT_FACE)));
        }
        eprintln!("astronaut face sharpness {sharp:.1}, blurred {blurred:?}");
        let min = crate::models::ReferenceRules::default().min_sharpness;
        assert!(sharp > 3.0 * min, "sharp {sharp}");
        for (sigma, s) in blurred.iter().filter(|(sigma, _)| *sigma >= 4.0) {
            assert!(*s < min / 2.0, "sigma {sigma}: {s}");
        }
        // Blur only ever lowers it.
        assert!(blurred.windows(2).all(|w| w[1].1 < w[0].1), "{blurred:?}");
        // Ordinary softness in a usable photo: a heavy JPEG, and a half-resolution source
        // scaled back up.
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 40)
            .encode_image(&astronaut)
            .unwrap();
        let jpeg = image::load_from_memory(&jpeg).unwrap().into_rgb8();
        let half = imageops::resize(&astronaut, 256, 256, imageops::FilterType::Triangle);
        let upscaled = imageops::resize(&half, 512, 512, imageops::FilterType::Triangle);
        let soft = [
            sharpness(&jpeg, &ASTRONAUT_FACE),
            sharpness(&upscaled, &ASTRONAUT_FACE),
        ];
        eprintln!(
            "jpeg q40 {:.1}, half resolution upscaled {:.1}",
            soft[0], soft[1]
        );
        assert!(soft[0] > min, "{soft:?}");
    }

    #[test]
    fn sharpness_does_not_depend_on_resolution() {
        let astronaut = photo("astronaut.png");
        let base = sharpness(&astronaut, &ASTRONAUT_FACE);
        let big = imageops::resize(&astronaut, 1024, 1024, imageops::FilterType::CatmullRom);
        let scaled = FaceBox {
            x: 360.0,
            y: 124.0,
            width: 182.0,
            height: 232.0,
        };
        let at_2x = sharpness(&big, &scaled);
        eprintln!("sharpness at 1x {base:.1}, at 2x {at_2x:.1}");
        assert!((at_2x / base - 1.0).abs() < 0.35, "{base} vs {at_2x}");
        // A flat region has none at all.
        assert_eq!(sharpness(&flat(300, 300, 90), &scaled), 0.0);
    }
}
