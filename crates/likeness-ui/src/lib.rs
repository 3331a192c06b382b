//! The admin web UI's pages: askama templates over plain view data. This crate knows nothing
//! of the database, the store or HTTP: the service (`likeness::http::ui`) reads what a page
//! shows, fills these structs, and serves the rendered HTML and the embedded static files.
//!
//! Invariants: every template escapes what it prints (askama's default for `.html`); no page
//! carries an inline script, style or event handler (the service sends `script-src 'self'`
//! and `style-src 'self'`); every `<img>` has `alt`, `width` and `height`.

pub mod assets;
pub mod pages;

pub use askama::Template;
