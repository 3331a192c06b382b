//! The integration tests of likeness-face, one binary (one link, one build) with a module per area.

mod common;

mod detect;
mod dlib_crosscheck;
mod hostile;
mod identity;
mod labelled;
