//! Fake image providers for tests and benchmarks: real HTTP servers on 127.0.0.1 that speak
//! the exact wire formats of Gemini (`gemini`), OpenAI's images API (`openai`) and ComfyUI
//! (`comfyui`), including their failure shapes (../shared/research/provider-apis.md).
//!
//! Each fake is scripted per test: replies are queued in order and consumed one per request
//! (then a default), every request is recorded for assertions, and an optional quota answers
//! the provider's own 429 beyond a rate. `script.rs` holds what the fakes share.

pub mod comfyui;
pub mod gemini;
pub mod openai;
pub mod script;

pub use script::{Log, Quota, Recorded, Script, Server};

/// A real PNG of `width` × `height` (a flat colour with a gradient), for fake answers.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([
            (x * 255 / width.max(1)) as u8,
            (y * 255 / height.max(1)) as u8,
            140,
        ])
    });
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("encoding a PNG in memory");
    out
}
