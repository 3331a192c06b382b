//! The integration tests of likeness-subjects, one binary (one link, one build) with a module per area.

mod common;

mod bad_input;
mod fhir_fixtures;
mod memory;
mod model;
mod names;
mod roster;
