//! Which scales the detector runs at, and how their faces are merged.
//!
//! CenterFace was trained on WIDER FACE, whose faces are mostly small: a face filling more
//! than about half of the detector's input is scored low or missed. A portrait upscaled to
//! 600 px with the face at 60 % of the width is such a face at 640 (360 px of input), yet
//! found at once at 256 (about 150 px). So every search also runs a coarse pass at
//! [`COARSE_SIDE`], which is also cheap (a sixth of the pixels of 640).
//!
//! - [`Detector::detect`]: the pass at `max_side` (small faces, group photos) plus the coarse
//!   pass (large faces), merged.
//! - [`Detector::detect_reference`]: the coarse pass first; the pass at `max_side` only when
//!   the largest face is small enough that a competing face could hide below the coarse
//!   pass's reach; then the main face found again on a crop around it, at the scale and on the
//!   32-px grid of the pass at `max_side`, so its landmarks, the aligned chip and the embedding
//!   are the ones that full pass would give, for a fraction of its pixels.

use image::RgbImage;

use crate::detect::{ALIGN, DetectOptions, Detector, Face, FaceBox, MAX_SIDE_LIMIT};
use crate::face_error::FaceError;
use crate::resize;

/// The coarse pass's longer side.
pub const COARSE_SIDE: u32 = 256;
/// The refinement crop's width and height, in face-box widths and heights: the context the
/// detector needs for its landmarks to be the full pass's. Measured on the labelled photos
/// (embedding distance to the pass at 640): a square of 2.5 box heights gave 0.004–0.08, this
/// gives the same (0.004–0.08, 0.011 on the bench's 1024 px portrait) on a third fewer pixels;
/// 2 box heights or 2.25 widths move some photos by 0.15.
const REFINE_CONTEXT: [f32; 2] = [2.5, 2.25];
/// A face wider than this in a pass's input is beyond what CenterFace scores reliably; when
/// the coarse pass saw it too, the coarse face is kept.
const TOO_LARGE_WIDTH: f32 = 192.0;
/// In `detect_reference`, when the largest coarse face is at least this wide (coarse input
/// pixels), a competing face (half as wide or more) is at least half this: well within the
/// coarse pass's reach, so the finer pass is skipped.
const SKIP_FINE_WIDTH: f32 = 40.0;
/// Two faces from different passes are the same face when the smaller box lies this much
/// inside the larger (intersection over the smaller area). Covers a partial box inside a
/// whole one, which IoU would call different faces.
const SAME_FACE_OVERLAP: f32 = 0.5;

/// A face and the scale of the pass that found it (input pixels per image pixel).
#[derive(Debug, Clone)]
struct Found {
    face: Face,
    scale: f32,
}

impl Found {
    fn input_width(&self) -> f32 {
        self.face.bbox.width * self.scale
    }
}

impl Detector {
    /// The faces in `image`, highest score first: the pass at `options.max_side` and the
    /// coarse pass, merged.
    pub fn detect(
        &self,
        image: &RgbImage,
        options: &DetectOptions,
    ) -> Result<Vec<Face>, FaceError> {
        let coarse = self.pass(image, COARSE_SIDE.min(options.max_side), options.threshold)?;
        self.with_fine(image, options, coarse)
    }

    /// The faces a reference-photo check needs, highest score first: every face that could
    /// compete with the largest, and the largest with refined landmarks. Cheaper than
    /// [`Detector::detect`] on the usual portrait (one coarse pass and a small crop).
    pub fn detect_reference(
        &self,
        image: &RgbImage,
        options: &DetectOptions,
    ) -> Result<Vec<Face>, FaceError> {
        let coarse = self.pass(image, COARSE_SIDE.min(options.max_side), options.threshold)?;
        let largest = coarse.iter().map(Found::input_width).fold(0.0, f32::max);
        let mut found = if largest >= SKIP_FINE_WIDTH {
            coarse
        } else {
            self.with_fine_found(image, options, coarse)?
        };
        found.sort_by(|a, b| b.face.bbox.width.total_cmp(&a.face.bbox.width));
        // The main face from the coarse pass: its landmarks from the finer scale (see `refine`).
        let fine = Fine::of(image, options.max_side);
        if let Some(main) = found.first_mut()
            && main.scale < fine.scale
        {
            main.face = self.refine(image, &fine, &main.face, options.threshold)?;
        }
        Ok(by_score(found))
    }

    /// One pass with `image`'s longer side scaled to at most `side`.
    fn pass(&self, image: &RgbImage, side: u32, threshold: f32) -> Result<Vec<Found>, FaceError> {
        let options = DetectOptions {
            max_side: side,
            threshold,
        };
        let faces = self.detect_at(image, &options)?;
        let longer = image.width().max(image.height()).max(1);
        let scale = (side as f32 / longer as f32).min(1.0);
        Ok(faces
            .into_iter()
            .map(|face| Found { face, scale })
            .collect())
    }

    fn with_fine(
        &self,
        image: &RgbImage,
        options: &DetectOptions,
        coarse: Vec<Found>,
    ) -> Result<Vec<Face>, FaceError> {
        Ok(by_score(self.with_fine_found(image, options, coarse)?))
    }

    /// `coarse` merged with the pass at `options.max_side` (when that is another scale).
    fn with_fine_found(
        &self,
        image: &RgbImage,
        options: &DetectOptions,
        coarse: Vec<Found>,
    ) -> Result<Vec<Found>, FaceError> {
        let longer = image.width().max(image.height());
        if longer <= COARSE_SIDE || options.max_side <= COARSE_SIDE {
            return Ok(coarse); // The same scale twice.
        }
        let fine = self.pass(image, options.max_side, options.threshold)?;
        Ok(merge(fine, coarse))
    }

    /// `face` found again on a crop around it, at the scale and on the 32-px grid of the pass
    /// at `max_side` (`fine`): CenterFace's landmarks move by a pixel or two with the scale and
    /// with where its stride-32 grid falls, and a pixel moves the embedding by about 0.05. So
    /// the crop, resized on its own (`resize_window`: the pixels resizing the whole photo would
    /// give there), sees the face as the full pass would, and the embedding stays the one the
    /// full pass gave. The face as it was when it is too large for that pass (the coarse
    /// landmarks are the better ones then) or when the crop finds none.
    fn refine(
        &self,
        image: &RgbImage,
        fine: &Fine,
        face: &Face,
        threshold: f32,
    ) -> Result<Face, FaceError> {
        let b = scaled(face, fine.to_fine()).bbox;
        if b.width > TOO_LARGE_WIDTH {
            return Ok(face.clone());
        }
        let side =
            |extent: f32, context: f32| ((extent * context).ceil() as u32).next_multiple_of(ALIGN);
        let sides = [
            side(b.width, REFINE_CONTEXT[0]),
            side(b.height, REFINE_CONTEXT[1]),
        ];
        let origin =
            |centre: f32, side: u32| (centre - side as f32 / 2.0).max(0.0) as u32 / ALIGN * ALIGN;
        let x = origin(b.x + b.width / 2.0, sides[0]);
        let y = origin(b.y + b.height / 2.0, sides[1]);
        let [fw, fh] = fine.size;
        if x >= fw || y >= fh {
            return Ok(face.clone());
        }
        let window = [x, y, sides[0].min(fw - x), sides[1].min(fh - y)];
        let (width, height) = image.dimensions();
        let crop = resize::resize_window(image, [0, 0, width, height], fine.size, window);
        // The crop fits, so the pass takes its pixels as they are.
        let options = DetectOptions {
            max_side: sides[0].max(sides[1]),
            threshold,
        };
        let best = self
            .detect_at(&crop, &options)?
            .into_iter()
            .map(|f| scaled(&moved(&f, [x as f32, y as f32]), fine.back))
            .map(|f| (overlap(&f, face), f))
            .filter(|(o, _)| *o >= SAME_FACE_OVERLAP)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        Ok(best.map_or_else(|| face.clone(), |(_, f)| f))
    }
}

/// The image as the pass at `max_side` sees it: its size, its scale (input pixels per image
/// pixel, as [`Detector::pass`] gives it) and the factors back to the image per axis.
struct Fine {
    size: [u32; 2],
    scale: f32,
    back: [f32; 2],
}

impl Fine {
    /// The arithmetic of `detect_in`, so the crop's pixels are that pass's.
    fn of(image: &RgbImage, max_side: u32) -> Self {
        let (width, height) = image.dimensions();
        let longer = width.max(height).max(1);
        let side = max_side.clamp(ALIGN, MAX_SIDE_LIMIT);
        let fit = (f64::from(side) / f64::from(longer)).min(1.0);
        let w = ((f64::from(width) * fit).round() as u32).max(1);
        let h = ((f64::from(height) * fit).round() as u32).max(1);
        Self {
            size: [w, h],
            scale: (side as f32 / longer as f32).min(1.0),
            back: [width as f32 / w as f32, height as f32 / h as f32],
        }
    }

    fn to_fine(&self) -> [f32; 2] {
        self.back.map(|k| 1.0 / k)
    }
}

/// `face` moved by `d` (x, y).
fn moved(face: &Face, d: [f32; 2]) -> Face {
    let mut face = face.clone();
    face.bbox.x += d[0];
    face.bbox.y += d[1];
    for point in &mut face.landmarks {
        point[0] += d[0];
        point[1] += d[1];
    }
    face
}

/// `face` with its box and landmarks multiplied by `k` (x, y).
fn scaled(face: &Face, k: [f32; 2]) -> Face {
    let b = face.bbox;
    Face {
        bbox: FaceBox {
            x: b.x * k[0],
            y: b.y * k[1],
            width: b.width * k[0],
            height: b.height * k[1],
        },
        score: face.score,
        landmarks: face.landmarks.map(|[x, y]| [x * k[0], y * k[1]]),
    }
}

/// The fine pass's faces, plus the coarse pass's faces the fine pass missed; where both saw
/// a face and it is too large for the fine pass, the coarse face replaces the fine one.
fn merge(fine: Vec<Found>, coarse: Vec<Found>) -> Vec<Found> {
    let mut merged = fine;
    for c in coarse {
        let same: Vec<usize> = merged
            .iter()
            .enumerate()
            .filter(|(_, f)| overlap(&f.face, &c.face) >= SAME_FACE_OVERLAP)
            .map(|(i, _)| i)
            .collect();
        if same.is_empty() {
            merged.push(c);
        } else if same
            .iter()
            .any(|&i| merged[i].input_width() > TOO_LARGE_WIDTH)
        {
            for &i in same.iter().rev() {
                merged.swap_remove(i);
            }
            merged.push(c);
        }
    }
    merged
}

fn by_score(mut found: Vec<Found>) -> Vec<Face> {
    found.sort_by(|a, b| b.face.score.total_cmp(&a.face.score));
    found.into_iter().map(|f| f.face).collect()
}

/// Intersection over the smaller box's area, 0–1.
fn overlap(a: &Face, b: &Face) -> f32 {
    let (a, b) = (a.bbox, b.bbox);
    let w = ((a.x + a.width).min(b.x + b.width) - a.x.max(b.x)).max(0.0);
    let h = ((a.y + a.height).min(b.y + b.height) - a.y.max(b.y)).max(0.0);
    let smaller = (a.width * a.height).min(b.width * b.height);
    if smaller > 0.0 { w * h / smaller } else { 0.0 }
}
