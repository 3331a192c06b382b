//! `likeness-face`: reference photos and uploaded images, checked before anything else sees
//! them.
//!
//! For now one module, the intake ("decode with limits"): images uploaded to the HTTP API
//! (`/v1/images/edits`, a base64 or URL reference image on `POST /api/generate`) pass through
//! [`intake`] first. Face detection and identity embeddings will follow here (see DESIGN.md,
//! "Faces").
//!
//! - [`decode_base64`] turns a base64 field or `data:` URL into bytes, refusing oversized text
//!   by its length before decoding.
//! - [`sniff`] names the [`Format`] by magic bytes only.
//! - [`probe`] checks size, format and dimensions from the header.
//! - [`intake`] decodes, applies EXIF orientation and re-encodes (JPEG stays JPEG at quality 92,
//!   PNG and WebP become PNG), returning the pixels for later stages too.
//!
//! Every refusal is an [`IntakeError`] with a stable `image.*` code, an HTTP status, and a
//! message that says what to send instead.
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
//!   Fetching a URL is the caller's job (with its own size limit).
//! - **Cheap checks first.** Size before parsing; magic bytes before any decoder; dimensions
//!   from the header before a pixel is decoded, so a decompression bomb (a tiny file claiming
//!   100 000 × 100 000 pixels) is refused without allocating for it.
//! - **Bounded allocation.** Nothing is sized from a claim in the input that has not been
//!   checked against [`Limits`]: header dimensions against `max_side`/`max_pixels`, WebP chunk
//!   sizes against the file length, base64 length against `max_bytes`; the decoder also runs
//!   with `image::Limits` (side and allocation caps) as a second line.
//! - **Metadata stripped.** Output bytes are encoded from decoded pixels, so no EXIF (GPS,
//!   camera serials), XMP, ICC profile or text chunk survives. Orientation is applied to the
//!   pixels first, so the image stays upright without its EXIF tag. Colour profiles are
//!   dropped, not converted: a wide-gamut photo comes out slightly less saturated.
//! - **Never panics** on any input (tested by mutating valid files at many positions).
//! - Only JPEG, PNG and WebP decoders are compiled in (`image` without default features).
//!   Animated PNG and WebP yield their first frame.

mod b64;
mod error;
mod format;
mod intake;

pub use b64::decode_base64;
pub use error::IntakeError;
pub use format::{Format, sniff};
pub use intake::{Intake, Limits, Probe, intake, probe};

#[cfg(test)]
mod testutil;
