//! The integration tests of likeness-styles, one binary (one link, one build) with a module per area.

mod builtins;
mod user_styles;
