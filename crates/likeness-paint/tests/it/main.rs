//! The integration tests of likeness-paint, one binary (one link, one build) with a module per area.

mod common;

mod cartoon;
mod every_kind;
mod poster;
mod render;
