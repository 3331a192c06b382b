//! The hostile suite: what an attacker or a clumsy user sends, kept so that each class of
//! defect a probe found (issue 12) stays fixed. Black-box, against the real binary:
//!
//! - `http`: auth, bodies, paths, limits, metrics cardinality, the generation budget;
//! - `slow`: slow headers, idle connections, too many connections;
//! - `cli`: special files (FIFOs, devices), numbers out of range or not finite, huge sheets,
//!   a read-only data directory;
//! - `memory`: peak RSS of the server under parallel hostile uploads, with a bound.

mod cli;
mod http;
mod memory;
mod slow;
