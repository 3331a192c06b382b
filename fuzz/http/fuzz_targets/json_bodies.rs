//! JSON bodies on every route that reads one. The first byte picks the route (low two bits)
//! and, rarely, a Content-Type other than plain `application/json` (bits 2–4); the rest is the
//! body. See `src/lib.rs` for the invariants and the sandbox.

#![no_main]

use axum::http::HeaderValue;
use libfuzzer_sys::fuzz_target;
use likeness_fuzz_http::{AVATAR, GENERATE, HARNESS, OPENAI_GENERATIONS, SUBJECTS, init};

fuzz_target!(init: init(), |data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let route = [SUBJECTS, AVATAR, GENERATE, OPENAI_GENERATIONS][usize::from(pick & 3)];
    let content_type = match (pick >> 2) & 7 {
        6 => "application/json; charset=utf-8",
        7 => "text/plain",
        _ => "application/json",
    };
    HARNESS.exercise(route, HeaderValue::from_static(content_type), body.to_vec());
});
