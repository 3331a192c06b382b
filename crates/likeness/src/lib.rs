//! likeness: a self-hostable avatar and portrait generation service.
//!
//! This crate is the service: configuration, the database (subjects, runs, the job queue,
//! assets), image storage, providers, the generation pipeline and the command line. The
//! renderer (`likeness-paint`), the subject model and readers (`likeness-subjects`) and the
//! style catalog (`likeness-styles`) are separate crates with no I/O of their own beyond
//! reading the files they are handed. ARCHITECTURE.md has the map.

pub mod access;
pub mod adopt;
pub mod app;
pub mod avatar;
pub mod bounds;
pub mod codes;
pub mod config;
pub mod db;
pub mod describe;
pub mod encode;
pub mod erase;
pub mod error;
pub mod events;
pub mod faces;
pub mod fetch;
pub mod hash;
pub mod http;
pub mod import;
pub mod job_options;
pub mod limits;
pub mod local_file;
pub mod pipeline;
pub mod provider;
pub mod references;
pub mod resolve;
pub mod shared_pace;
pub mod store;
pub mod subject_keys;
pub mod sweep;
pub mod views;
pub mod webhooks;
pub mod worker_identity;

pub use app::App;
pub use error::{Error, Result};
