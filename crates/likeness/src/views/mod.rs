//! The shapes things are shown in, shared by the CLI's `--json` and the HTTP API so both
//! always agree. Views are a boundary: they are built from the database's rows (which carry no
//! `Serialize`) and may rename, drop or add (a URL, counts) without touching storage.

mod history;
mod job;
mod run;
mod spending;
mod subject;

pub use history::HistoryEntry;
pub use job::JobView;
pub use run::{RunCountsView, RunStyleView, RunView};
pub use spending::{ModelSpendView, SpendingView};
pub use subject::SubjectView;
