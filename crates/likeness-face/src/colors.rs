//! Skin and hair colours sampled from a reference photo, for the built-in renderer.
//!
//! Skin is the per-channel median of three small patches (both cheeks and the forehead) placed
//! from the landmarks, so it follows a tilted head, and skips shadows and specular highlights.
//! Hair is the median of a band just above the face box, refused when it looks like the
//! background (the photo's top corners) or like the skin (a bald head): a wrong hair colour is
//! worse than the renderer's own choice.

use image::RgbImage;

use crate::detect::{Face, FaceBox};
use crate::quality::clamp_region;

/// Colours sampled around a face, as sRGB.
#[derive(Debug, Clone, PartialEq)]
pub struct Colors {
    pub skin: [u8; 3],
    /// None when the hair could not be told from the background (bald, covered, cropped).
    pub hair: Option<[u8; 3]>,
}

/// A skin patch's half-side, as a share of the distance between the eyes.
const PATCH: f32 = 0.08;
/// Skin pixels darker (luma) than this are shadow or eyebrow; brighter than `SKIN_BRIGHT`
/// on any channel are specular highlights.
const SKIN_DARK: u32 = 30;
const SKIN_BRIGHT: u8 = 250;
/// The hair band: from this share of the box height above its top, down to the top.
const HAIR_BAND: f32 = 0.2;
/// The band's width, centred on the box, as a share of the box width (the sides of the band
/// catch background beside the head).
const HAIR_WIDTH: f32 = 0.5;
/// A band clipped by the image's top edge must keep at least this share of its rows.
const HAIR_MIN_ROWS: f32 = 0.3;
/// Closer than this (Euclidean, sRGB) to a top corner, the band is background.
const BACKGROUND_DISTANCE: f32 = 20.0;
/// Closer than this to the skin, the band is scalp or forehead: no hair to speak of.
const SKIN_DISTANCE: f32 = 40.0;
/// What skin falls back to when there are no pixels to sample at all.
const NEUTRAL_SKIN: [u8; 3] = [200, 160, 135];

/// Samples the cheeks and forehead for skin, above the forehead for hair.
pub fn sample(image: &RgbImage, face: &Face) -> Colors {
    let skin = skin(image, face).unwrap_or(NEUTRAL_SKIN);
    let hair = hair(image, &face.bbox).filter(|hair| {
        let background = corners(image)
            .iter()
            .any(|c| distance(*c, *hair) < BACKGROUND_DISTANCE);
        !background && distance(*hair, skin) >= SKIN_DISTANCE
    });
    Colors { skin, hair }
}

type Point = [f32; 2];

fn add(a: Point, b: Point) -> Point {
    [a[0] + b[0], a[1] + b[1]]
}
fn scale(a: Point, k: f32) -> Point {
    [a[0] * k, a[1] * k]
}
fn sub(a: Point, b: Point) -> Point {
    add(a, scale(b, -1.0))
}
fn mid(a: Point, b: Point) -> Point {
    scale(add(a, b), 0.5)
}
fn length(a: Point) -> f32 {
    a[0].hypot(a[1])
}

/// The median of the skin patches; the centre of the box when the landmarks give nothing.
fn skin(image: &RgbImage, face: &Face) -> Option<[u8; 3]> {
    let [left_eye, right_eye, _nose, left_mouth, right_mouth] = face.landmarks;
    let across = sub(right_eye, left_eye);
    let eyes = length(across);
    let b = face.bbox;
    let mut pixels = Vec::new();
    if eyes.is_finite() && eyes >= 2.0 {
        let unit = scale(across, 1.0 / eyes);
        // "Up" is from the mouth towards the eyes, so a face upside down still works.
        let up_vector = sub(mid(left_eye, right_eye), mid(left_mouth, right_mouth));
        let up = match length(up_vector) {
            l if l.is_finite() && l >= 1.0 => scale(up_vector, 1.0 / l),
            _ => [0.0, -1.0],
        };
        let centres = [
            // Cheeks: between each eye and mouth corner, pushed out from the nose.
            sub(mid(left_eye, left_mouth), scale(unit, 0.15 * eyes)),
            add(mid(right_eye, right_mouth), scale(unit, 0.15 * eyes)),
            // Forehead: above the brows, below a fringe.
            add(mid(left_eye, right_eye), scale(up, 0.28 * eyes)),
        ];
        let r = (PATCH * eyes).max(1.0);
        for [cx, cy] in centres {
            let patch = FaceBox {
                x: cx - r,
                y: cy - r,
                width: 2.0 * r,
                height: 2.0 * r,
            };
            pixels.extend(region_pixels(image, &patch).filter(is_skin_like));
        }
    }
    if pixels.is_empty() {
        let centre = FaceBox {
            x: b.x + b.width * 0.35,
            y: b.y + b.height * 0.45,
            width: b.width * 0.3,
            height: b.height * 0.2,
        };
        pixels.extend(region_pixels(image, &centre).filter(is_skin_like));
    }
    median(&pixels)
}

/// Not shadow, not highlight.
fn is_skin_like(p: &[u8; 3]) -> bool {
    let [r, g, b] = p.map(u32::from);
    let luma = (2126 * r + 7152 * g + 722 * b) / 10_000;
    luma >= SKIN_DARK && p.iter().all(|&c| c < SKIN_BRIGHT)
}

/// The median of the band above the box, or `None` when too little of it is in the image.
fn hair(image: &RgbImage, bbox: &FaceBox) -> Option<[u8; 3]> {
    let band = FaceBox {
        x: bbox.x + bbox.width * (1.0 - HAIR_WIDTH) / 2.0,
        y: bbox.y - bbox.height * HAIR_BAND,
        width: bbox.width * HAIR_WIDTH,
        height: bbox.height * HAIR_BAND,
    };
    let (_, _, _, rows) = clamp_region(image, &band)?;
    if (rows as f32) < band.height * HAIR_MIN_ROWS || rows == 0 {
        return None;
    }
    median(&region_pixels(image, &band).collect::<Vec<_>>())
}

/// The median colours of the image's two top corners (squares of 1/16 of the shorter side).
fn corners(image: &RgbImage) -> Vec<[u8; 3]> {
    let (w, h) = image.dimensions();
    let side = (w.min(h) / 16).max(2) as f32;
    [0.0, w as f32 - side]
        .into_iter()
        .filter_map(|x| {
            let corner = FaceBox {
                x,
                y: 0.0,
                width: side,
                height: side,
            };
            median(&region_pixels(image, &corner).collect::<Vec<_>>())
        })
        .collect()
}

/// The pixels of `region`, clamped to the image (none when it is outside).
fn region_pixels<'a>(image: &'a RgbImage, region: &FaceBox) -> impl Iterator<Item = [u8; 3]> + 'a {
    let (x0, y0, w, h) = clamp_region(image, region).unwrap_or((0, 0, 0, 0));
    (y0..y0 + h).flat_map(move |y| (x0..x0 + w).map(move |x| image.get_pixel(x, y).0))
}

/// The per-channel median (lower median for an even count); `None` for no pixels.
fn median(pixels: &[[u8; 3]]) -> Option<[u8; 3]> {
    if pixels.is_empty() {
        return None;
    }
    let mut hist = [[0u32; 256]; 3];
    for p in pixels {
        for (c, &v) in p.iter().enumerate() {
            hist[c][usize::from(v)] += 1;
        }
    }
    let rank = (pixels.len() as u32).div_ceil(2);
    Some(std::array::from_fn(|c| {
        let mut seen = 0;
        hist[c]
            .iter()
            .position(|&n| {
                seen += n;
                seen >= rank
            })
            .unwrap_or(0) as u8
    }))
}

fn distance(a: [u8; 3], b: [u8; 3]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(&x, y)| (f32::from(x) - f32::from(y)).powi(2))
        .sum::<f32>()
        .sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quality::tests::{ASTRONAUT_FACE, photo};
    use image::Rgb;

    const SKIN: [u8; 3] = [198, 150, 118];
    const HAIR: [u8; 3] = [70, 45, 30];
    const BACKDROP: [u8; 3] = [120, 160, 200];

    /// A 200×200 drawing: a backdrop, a head of `SKIN` (with grain, a dark brow and eyes, a
    /// bright highlight on one cheek), and on top either `HAIR`, more skin (bald) or nothing.
    fn drawn(top: Option<[u8; 3]>) -> (RgbImage, Face) {
        let image = RgbImage::from_fn(200, 200, |x, y| {
            let (fx, fy) = (x as f32, y as f32);
            let grain = ((x * 7 + y * 13) % 9) as i16 - 4;
            let in_head = ((fx - 100.0) / 45.0).powi(2) + ((fy - 110.0) / 60.0).powi(2) < 1.0;
            let in_top = ((fx - 100.0) / 50.0).powi(2) + ((fy - 70.0) / 40.0).powi(2) < 1.0;
            let eye = (fx - 82.0).hypot(fy - 100.0) < 5.0 || (fx - 118.0).hypot(fy - 100.0) < 5.0;
            let brow = (88.0..92.0).contains(&fy) && (fx - 100.0).abs() < 28.0;
            let colour = match () {
                _ if in_head && (eye || brow) => [20, 15, 15],
                _ if in_head && (fx - 78.0).hypot(fy - 118.0) < 2.0 => [255, 255, 255],
                _ if in_head && fy > 75.0 => SKIN,
                _ if in_top && top.is_some() => top.unwrap_or(SKIN),
                _ if in_head => SKIN,
                _ => BACKDROP,
            };
            Rgb(colour.map(|c| (i16::from(c) + grain).clamp(0, 255) as u8))
        });
        let face = Face {
            bbox: FaceBox {
                x: 60.0,
                y: 70.0,
                width: 80.0,
                height: 100.0,
            },
            score: 0.9,
            landmarks: [
                [82.0, 100.0],
                [118.0, 100.0],
                [100.0, 120.0],
                [86.0, 140.0],
                [114.0, 140.0],
            ],
        };
        (image, face)
    }

    fn close(a: [u8; 3], b: [u8; 3], within: f32) -> bool {
        distance(a, b) <= within
    }

    #[test]
    fn astronaut_skin_is_light_and_hair_is_brown() {
        let image = photo("astronaut.png");
        let face = Face {
            bbox: ASTRONAUT_FACE,
            score: 0.91,
            landmarks: [
                [203.0, 100.0],
                [249.0, 103.0],
                [224.0, 124.0],
                [203.0, 142.0],
                [243.0, 144.0],
            ],
        };
        let colors = sample(&image, &face);
        eprintln!("astronaut: {colors:?}, corners {:?}", corners(&image));
        let [r, g, b] = colors.skin.map(i32::from);
        // Light skin: bright, red over green over blue, warm but not saturated.
        assert!(
            r > 200 && r > g && g > b && r - b > 25 && r - b < 90,
            "{colors:?}"
        );
        let [r, g, b] = colors.hair.expect("hair found").map(i32::from);
        // Brown: darker than the skin, clearly warm.
        assert!(
            (100..190).contains(&r) && r > g && g > b && r - b > 40,
            "{colors:?}"
        );
    }

    #[test]
    fn drawn_face_gives_its_skin_and_hair() {
        let (image, face) = drawn(Some(HAIR));
        let colors = sample(&image, &face);
        // The brows, eyes and the highlight are skipped or outvoted.
        assert!(close(colors.skin, SKIN, 4.0), "{colors:?}");
        assert!(close(colors.hair.unwrap(), HAIR, 4.0), "{colors:?}");
    }

    #[test]
    fn no_hair_when_the_band_is_background_or_skin() {
        let (image, face) = drawn(None);
        let colors = sample(&image, &face);
        assert!(close(colors.skin, SKIN, 4.0), "{colors:?}");
        assert_eq!(colors.hair, None, "background above the head");
        let (image, face) = drawn(Some(SKIN));
        assert_eq!(sample(&image, &face).hair, None, "bald");
        let (image, face) = drawn(Some([205, 160, 125]));
        assert_eq!(
            sample(&image, &face).hair,
            None,
            "bald, scalp a shade lighter"
        );
    }

    #[test]
    fn no_hair_when_the_band_is_outside_the_image() {
        let (image, mut face) = drawn(Some(HAIR));
        // Move the face to the top edge: the band above it is off the image.
        face.bbox.y = 0.0;
        assert_eq!(sample(&image, &face).hair, None);
        face.bbox.y = 2.0;
        assert_eq!(sample(&image, &face).hair, None, "two rows are not a band");
    }

    #[test]
    fn tilted_face_samples_follow_the_landmarks() {
        // The drawing turned upside down, with its landmarks: skin is still skin.
        let (image, face) = drawn(Some(HAIR));
        let image = image::imageops::rotate180(&image);
        let flip = |[x, y]: [f32; 2]| [199.0 - x, 199.0 - y];
        let face = Face {
            landmarks: face.landmarks.map(flip),
            bbox: FaceBox {
                x: 199.0 - 140.0,
                y: 199.0 - 170.0,
                ..face.bbox
            },
            ..face
        };
        assert!(close(sample(&image, &face).skin, SKIN, 4.0));
    }

    #[test]
    fn degenerate_faces_do_not_panic() {
        let (image, face) = drawn(Some(HAIR));
        let nan = Face {
            landmarks: [[f32::NAN; 2]; 5],
            ..face.clone()
        };
        // Landmarks unusable: the box centre still gives skin.
        assert!(close(sample(&image, &nan).skin, SKIN, 4.0));
        let nowhere = Face {
            bbox: FaceBox {
                x: -1e6,
                y: 5e6,
                width: 0.0,
                height: 0.0,
            },
            landmarks: [[1e9, -1e9]; 5],
            ..face.clone()
        };
        assert_eq!(
            sample(&image, &nowhere),
            Colors {
                skin: NEUTRAL_SKIN,
                hair: None
            }
        );
        let tiny = RgbImage::from_pixel(1, 1, Rgb([10, 20, 30]));
        let c = sample(&tiny, &face);
        assert_eq!(c.hair, None);
        let empty = RgbImage::new(0, 0);
        assert_eq!(sample(&empty, &face).skin, NEUTRAL_SKIN);
    }

    #[test]
    fn median_is_per_channel() {
        let px = [[1, 50, 200], [3, 40, 100], [2, 60, 0]];
        assert_eq!(median(&px), Some([2, 50, 100]));
        assert_eq!(median(&[]), None);
    }
}
