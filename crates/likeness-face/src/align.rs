//! Alignment: a similarity transform from the five landmarks onto dlib's face-chip template,
//! warped to the 150×150 chip the embedding network expects.
//!
//! dlib's ResNet was trained on chips cut by `get_face_chip_details(shape, 150, 0.25)` from its
//! 68-point landmarks. CenterFace gives five points, so the template is those five points
//! taken from the same mean face dlib uses (eye centres, nose tip, mouth corners), laid out with
//! the same padding; a least-squares similarity (Umeyama) maps them onto the detected points.
//! The chips are not bit-identical to dlib's (it fits 32 points), but the face sits in the
//! same place at the same scale, which is what the embedding depends on. Checked once on the
//! astronaut against dlib's own `get_face_chip(img, 68-point shape, 150, 0.25)`: dlib's 68-point
//! predictor finds eyes, nose and mouth corners within 2 px of the same places in both chips,
//! and dlib's embeddings of the two chips are 0.085 apart (its 5-point chip is 0.16 away).

use image::{Rgb, RgbImage};

use crate::detect::Face;

/// The side of dlib's face chip.
pub const CHIP_SIZE: u32 = 150;

/// dlib's padding for the face-recognition chip: a quarter of the mean face's extent on
/// every side.
const PADDING: f64 = 0.25;

/// dlib's mean face (`mean_face_shape_x/y` in `dlib/image_transforms/interpolation.h`, unit
/// square, x to the image's right, y down) at the five CenterFace points, in `Face` order:
/// mean of points 36–41 (the subject's right eye, on the image's left), mean of 42–47, point
/// 30 (nose tip), points 48 and 54 (mouth corners).
const MEAN_FACE: [[f64; 2]; 5] = [
    [
        (0.121737 + 0.187122 + 0.265825 + 0.334606 + 0.260918 + 0.182743) / 6.0,
        (0.216423 + 0.178758 + 0.179852 + 0.231733 + 0.245099 + 0.244077) / 6.0,
    ],
    [
        (0.645647 + 0.714428 + 0.793132 + 0.858516 + 0.79751 + 0.719335) / 6.0,
        (0.231733 + 0.179852 + 0.178758 + 0.216423 + 0.244077 + 0.245099) / 6.0,
    ],
    [0.490127, 0.515625],
    [0.254149, 0.780233],
    [0.726104, 0.780233],
];

/// Where the five points land in the chip, in chip pixels: dlib's
/// `(padding + mean) / (2·padding + 1) · size`.
pub fn template() -> [[f32; 2]; 5] {
    MEAN_FACE
        .map(|p| p.map(|v| ((PADDING + v) / (2.0 * PADDING + 1.0) * f64::from(CHIP_SIZE)) as f32))
}

/// The 150×150 aligned chip of `face` in `image` (dlib's `get_face_chip_details(shape, 150,
/// 0.25)` layout).
pub fn chip(image: &RgbImage, face: &Face) -> RgbImage {
    let chip_points = template().map(|p| p.map(f64::from));
    let image_points = face.landmarks.map(|p| p.map(f64::from));
    let transform = Similarity::fit(&chip_points, &image_points).unwrap_or_else(|| fallback(face));
    warp(image, &transform)
}

/// `x' = a·x − b·y + tx`, `y' = b·x + a·y + ty`: rotation and uniform scale `(a, b)`, then
/// translation. Here it maps chip pixels to image pixels, the direction sampling needs.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Similarity {
    a: f64,
    b: f64,
    tx: f64,
    ty: f64,
}

impl Similarity {
    /// The least-squares similarity taking `from` onto `to` (Umeyama 1991, without
    /// reflection; in 2-D the rotation has a closed form). None when it is degenerate: all
    /// `from` or all `to` points coincide, or a value is not finite.
    fn fit(from: &[[f64; 2]], to: &[[f64; 2]]) -> Option<Self> {
        let n = from.len() as f64;
        let mean = |pts: &[[f64; 2]]| {
            let s = pts
                .iter()
                .fold([0.0, 0.0], |s, p| [s[0] + p[0], s[1] + p[1]]);
            [s[0] / n, s[1] / n]
        };
        let (mf, mt) = (mean(from), mean(to));
        // With centred p (from) and q (to): a = Σ(p·q) / Σ|p|², b = Σ(p×q) / Σ|p|².
        let (mut dot, mut cross, mut var_from, mut var_to) = (0.0, 0.0, 0.0, 0.0);
        for (p, q) in from.iter().zip(to) {
            let (px, py) = (p[0] - mf[0], p[1] - mf[1]);
            let (qx, qy) = (q[0] - mt[0], q[1] - mt[1]);
            dot += px * qx + py * qy;
            cross += px * qy - py * qx;
            var_from += px * px + py * py;
            var_to += qx * qx + qy * qy;
        }
        if !(var_from > 1e-9 && var_to > 1e-9) {
            return None;
        }
        let (a, b) = (dot / var_from, cross / var_from);
        let transform = Self {
            a,
            b,
            tx: mt[0] - (a * mf[0] - b * mf[1]),
            ty: mt[1] - (b * mf[0] + a * mf[1]),
        };
        let finite = [a, b, transform.tx, transform.ty]
            .iter()
            .all(|v| v.is_finite());
        (finite && a.hypot(b) > 1e-6).then_some(transform)
    }

    fn apply(&self, x: f64, y: f64) -> [f64; 2] {
        [
            self.a * x - self.b * y + self.tx,
            self.b * x + self.a * y + self.ty,
        ]
    }

    /// Image pixels per chip pixel.
    fn scale(&self) -> f64 {
        self.a.hypot(self.b)
    }
}

/// Landmarks that all coincide (clamped to an image corner, say) give no rotation or scale:
/// fit the box into the chip upright instead, so the caller still gets a chip.
fn fallback(face: &Face) -> Similarity {
    let b = face.bbox;
    let side = f64::from(b.width.max(b.height)).max(1.0);
    let scale = side / f64::from(CHIP_SIZE);
    let centre = [
        f64::from(b.x + b.width / 2.0),
        f64::from(b.y + b.height / 2.0),
    ];
    let half = f64::from(CHIP_SIZE) / 2.0;
    let finite = |v: f64| if v.is_finite() { v } else { 0.0 };
    Similarity {
        a: finite(scale),
        b: 0.0,
        tx: finite(centre[0] - scale * half),
        ty: finite(centre[1] - scale * half),
    }
}

/// Samples the chip from `image` through `transform` with bilinear interpolation; outside the
/// image is black.
///
/// When the face is much larger than the chip, one bilinear sample per chip pixel would skip
/// most image pixels and alias (dlib avoids this with an image pyramid), so each chip pixel
/// then averages a k×k grid of samples spaced about one image pixel apart.
fn warp(image: &RgbImage, transform: &Similarity) -> RgbImage {
    let k = transform.scale().ceil().clamp(1.0, 16.0) as u32;
    let step = 1.0 / f64::from(k);
    let mut chip = RgbImage::new(CHIP_SIZE, CHIP_SIZE);
    for (cx, cy, pixel) in chip.enumerate_pixels_mut() {
        let mut sum = [0.0f64; 3];
        for i in 0..k {
            for j in 0..k {
                // Sub-sample offsets centred on the chip pixel: k = 1 gives the pixel itself.
                let dx = (f64::from(i) + 0.5) * step - 0.5;
                let dy = (f64::from(j) + 0.5) * step - 0.5;
                let [x, y] = transform.apply(f64::from(cx) + dx, f64::from(cy) + dy);
                let rgb = bilinear(image, x, y);
                for c in 0..3 {
                    sum[c] += rgb[c];
                }
            }
        }
        let n = f64::from(k * k);
        *pixel = Rgb(sum.map(|s| (s / n).round().clamp(0.0, 255.0) as u8));
    }
    chip
}

/// The image at (x, y) by bilinear interpolation between pixel centres, treating every pixel
/// outside the image as black.
fn bilinear(image: &RgbImage, x: f64, y: f64) -> [f64; 3] {
    let (w, h) = image.dimensions();
    if !(x > -1.0 && y > -1.0 && x < f64::from(w) && y < f64::from(h)) {
        return [0.0; 3];
    }
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let get = |xi: f64, yi: f64| -> [f64; 3] {
        if xi < 0.0 || yi < 0.0 || xi >= f64::from(w) || yi >= f64::from(h) {
            [0.0; 3]
        } else {
            image.get_pixel(xi as u32, yi as u32).0.map(f64::from)
        }
    };
    let (p00, p10) = (get(x0, y0), get(x0 + 1.0, y0));
    let (p01, p11) = (get(x0, y0 + 1.0), get(x0 + 1.0, y0 + 1.0));
    std::array::from_fn(|c| {
        let top = p00[c] + (p10[c] - p00[c]) * fx;
        let bottom = p01[c] + (p11[c] - p01[c]) * fx;
        top + (bottom - top) * fy
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::FaceBox;

    fn face(landmarks: [[f32; 2]; 5]) -> Face {
        Face {
            bbox: FaceBox {
                x: 10.0,
                y: 10.0,
                width: 50.0,
                height: 60.0,
            },
            score: 0.9,
            landmarks,
        }
    }

    #[test]
    fn template_matches_dlib_layout() {
        let t = template();
        // Eyes level and symmetric about the chip's centre line; mouth below the nose.
        assert!((t[0][1] - t[1][1]).abs() < 1e-4);
        assert!((t[0][0] + t[1][0] - 2.0 * t[2][0]).abs() < 1.0);
        assert!((t[0][0] - 47.55).abs() < 0.01 && (t[0][1] - 46.60).abs() < 0.01);
        assert!((t[2][0] - 74.01).abs() < 0.01 && (t[2][1] - 76.56).abs() < 0.01);
        assert!((t[4][0] - 97.61).abs() < 0.01 && (t[4][1] - 103.02).abs() < 0.01);
    }

    #[test]
    fn fit_recovers_a_known_similarity() {
        let truth = Similarity {
            a: 1.7 * 0.3f64.cos(),
            b: 1.7 * 0.3f64.sin(),
            tx: 12.0,
            ty: -5.0,
        };
        let from = template().map(|p| p.map(f64::from));
        let to = from.map(|[x, y]| truth.apply(x, y));
        let fit = Similarity::fit(&from, &to).expect("fits");
        for (got, want) in [fit.a, fit.b, fit.tx, fit.ty]
            .iter()
            .zip([truth.a, truth.b, truth.tx, truth.ty])
        {
            assert!((got - want).abs() < 1e-9, "{fit:?} vs {truth:?}");
        }
    }

    #[test]
    fn fit_refuses_coincident_points() {
        let from = template().map(|p| p.map(f64::from));
        assert_eq!(Similarity::fit(&from, &[[3.0, 3.0]; 5]), None);
        assert_eq!(Similarity::fit(&from, &[[f64::NAN, 3.0]; 5]), None);
    }

    #[test]
    fn identity_landmarks_copy_the_image() {
        // Landmarks exactly at the template: the chip is the image's top-left 150×150.
        let image = RgbImage::from_fn(200, 200, |x, y| Rgb([x as u8, y as u8, (x ^ y) as u8]));
        let chip = chip(&image, &face(template()));
        for (x, y) in [(0, 0), (75, 20), (149, 149)] {
            let (got, want) = (chip.get_pixel(x, y).0, image.get_pixel(x, y).0);
            for c in 0..3 {
                assert!(
                    got[c].abs_diff(want[c]) <= 1,
                    "({x}, {y}): {got:?} vs {want:?}"
                );
            }
        }
    }

    #[test]
    fn outside_the_image_is_black_and_nothing_panics() {
        let image = RgbImage::from_pixel(1, 1, Rgb([200, 200, 200]));
        let far = template().map(|[x, y]| [x + 5000.0, y]);
        assert!(chip(&image, &face(far)).pixels().all(|p| p.0 == [0, 0, 0]));
        let nan = face([[f32::NAN; 2]; 5]);
        assert_eq!(chip(&image, &nan).dimensions(), (CHIP_SIZE, CHIP_SIZE));
        let huge = template().map(|[x, y]| [x * 1e6, y * 1e6]);
        assert_eq!(
            chip(&image, &face(huge)).dimensions(),
            (CHIP_SIZE, CHIP_SIZE)
        );
    }
}
