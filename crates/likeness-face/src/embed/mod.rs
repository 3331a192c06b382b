//! Identity embeddings: dlib's ResNet face-recognition model v1, read from its own `.dat` file
//! and run in pure Rust.
//!
//! Reading dlib's format directly keeps the pinned upstream file the only artefact (no
//! converted copy to build, pin and ship). `dat` parses and checks it against the known
//! architecture; `net` is the forward pass (im2col + `matrixmultiply`), which reproduces
//! dlib's own embeddings to about 1e-6 (`tests/dlib_crosscheck.rs` compares with real dlib).

mod dat;
mod net;
#[cfg(test)]
mod tests;

use image::RgbImage;

use crate::face_error::FaceError;
use crate::identity::Embedding;

/// dlib's ResNet, loaded once and shared (`Send + Sync`).
pub struct Embedder {
    net: net::Network,
}

impl Embedder {
    /// Reads `dlib_face_recognition_resnet_model_v1.dat`.
    ///
    /// Any file that is not exactly that network (truncated, another model, a changed
    /// layer) is [`FaceError::ModelInvalid`].
    pub fn from_dat(bytes: &[u8]) -> Result<Self, FaceError> {
        Ok(Self {
            net: dat::parse(bytes)?,
        })
    }

    /// The embedding of an aligned 150×150 chip (see [`crate::align::chip`]).
    pub fn embed(&self, chip: &RgbImage) -> Result<Embedding, FaceError> {
        let side = net::CHIP as u32;
        if chip.dimensions() != (side, side) {
            return Err(FaceError::Inference {
                stage: "embedding",
                detail: format!(
                    "the face chip is {}×{}, expected {side}×{side}",
                    chip.width(),
                    chip.height()
                ),
            });
        }
        Ok(Embedding(self.net.forward(chip)))
    }
}
