//! `likeness-face`: reference photos and uploaded images, checked before anything else sees
//! them; faces found, aligned and compared.
//!
//! Images uploaded to the HTTP API (`/v1/images/edits`, a base64 or URL reference image on
//! `POST /api/generate`) and given on the command line pass through [`intake`] first, then
//! reference photos go through [`FaceModels::check_reference`].
//!
//! - [`decode_base64`] turns a base64 field or `data:` URL into bytes, refusing oversized text
//!   by its length before decoding.
//! - [`sniff`] names the [`Format`] by magic bytes only.
//! - [`probe`] checks size, format, dimensions and decoded size from the header.
//! - [`intake_peak_bytes`] says, from the header, the most memory [`intake`] will hold for a
//!   file, so a service can reserve it from a budget before decoding.
//! - [`intake`] decodes, applies EXIF orientation and re-encodes (JPEG stays JPEG at quality 92,
//!   PNG and WebP become PNG), returning the pixels for later stages too.
//! - [`Detector`] (`detect.rs`): CenterFace run by tract → boxes, scores, five landmarks.
//! - [`align::chip`]: the five landmarks onto dlib's 150×150 face chip.
//! - [`Embedder`] (`embed/`): dlib's ResNet v1, read from its own `.dat` file and run in pure
//!   Rust → a 128-D [`Embedding`]; [`identity_score`] maps distances to 0–1.
//! - [`quality::measure`] and [`colors::sample`]: image quality of outputs; skin and hair
//!   colours of references.
//!
//! Every intake refusal is an [`IntakeError`] with a stable `image.*` code, every face refusal
//! a [`FaceError`] with a stable `face.*` code; both carry an HTTP status and a message that
//! says what to send instead.
//!
//! ```
//! use likeness_face::{Limits, decode_base64, intake};
//!
//! let limits = Limits::reference();
//! let bytes = decode_base64("data:image/gif;base64,R0lGODlhAQABAAAAACw=", limits.max_bytes)?;
//! let err = intake(&bytes, &limits).unwrap_err();
//! assert_eq!((err.code(), err.http_status()), ("image.unsupported_format", 415));
//! assert_eq!(
//!     err.to_string(),
//!     "expected a JPEG, PNG or WebP image but got a GIF image — send JPEG, PNG or WebP"
//! );
//! # Ok::<(), likeness_face::IntakeError>(())
//! ```
//!
//! # Invariants
//!
//! - **No I/O.** Bytes in, bytes out: the crate never touches files, the network or the clock.
//!   Fetching a URL or reading a model file is the caller's job.
//! - **Cheap checks first.** Size before parsing; magic bytes before any decoder; dimensions
//!   from the header before a pixel is decoded, so a decompression bomb (a tiny file claiming
//!   100 000 × 100 000 pixels) is refused without allocating for it.
//! - **Bounded allocation.** Nothing is sized from a claim in the input that has not been
//!   checked against [`Limits`]: header dimensions against `max_side`/`max_pixels`, the decoded
//!   buffer (width × height × channels × bytes per sample) against `max_decoded_bytes`, WebP
//!   chunk sizes against the file length, base64 length against `max_bytes`; the decoder also
//!   runs with `image::Limits` (side caps, and an allocation cap the PNG decoder applies to its
//!   own buffers) as a second line. What intake holds in all, decoders' working buffers and
//!   the encoder's output included, is what [`intake_peak_bytes`] returns; it is not capped by
//!   `Limits` (a 40 MP photo legitimately needs a few hundred MB), so a service running several
//!   intakes at once should reserve it from a budget. Model files are checked the same way:
//!   every tensor shape is checked against the architecture before it is read.
//! - **Known gap:** image-webp builds every Huffman table a lossless WebP declares (up to 65 536
//!   groups of five) before decoding a pixel; a hostile file of a few MB could ask for on the
//!   order of a gigabyte, which neither `Limits` nor [`intake_peak_bytes`] sees (found by
//!   reading image-webp 0.2.4, not reproduced).
//! - **Metadata stripped.** Output bytes are encoded from decoded pixels, so no EXIF (GPS,
//!   camera serials), XMP, ICC profile or text chunk survives. Orientation is applied to the
//!   pixels first, so the image stays upright without its EXIF tag. Colour profiles are
//!   dropped, not converted: a wide-gamut photo comes out slightly less saturated.
//! - **Never panics** on any input (tested by mutating valid files at many positions, and by
//!   the cargo-fuzz target in `fuzz/`).
//! - Only JPEG, PNG and WebP decoders are compiled in (`image` without default features).
//!   Animated PNG and WebP yield their first frame.

mod b64;
mod error;
mod face_error;
mod format;
mod intake;
mod resize;

pub mod align;
pub mod colors;
pub mod detect;
pub mod embed;
pub mod identity;
pub mod models;
pub mod quality;
pub mod scales;

pub use b64::decode_base64;
pub use detect::{DetectOptions, Detector, Face, FaceBox};
pub use embed::Embedder;
pub use error::IntakeError;
pub use face_error::FaceError;
pub use format::{Format, sniff};
pub use identity::{Embedding, identity_score};
pub use intake::{Intake, Limits, Probe, encode, intake, intake_peak_bytes, probe};
pub use models::{CheckedReference, FaceModels, MODEL_FILES, ModelFile, ReferenceRules};

#[cfg(test)]
mod testutil;
