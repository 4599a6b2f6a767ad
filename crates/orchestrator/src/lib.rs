//! Faultline's orchestrator: the protocol models composed over one ecosystem snapshot, driven by
//! a stress scenario to a fixed point, with a report that traces every loss to its cause.
//!
//! - [`snapshot`]: the versioned JSON format for everything that exists at a moment (tokens,
//!   oracles per consumer, venues, lending markets with positions, issuers with backing, holders),
//!   every entity with its source and confidence; validation that reports every problem with its
//!   JSON path.
//! - [`scenario`]: the TOML stress script: clock, shocks over time, engine options.
//! - [`engine`]: the cascade, step by step, round by round, to a fixed point.
//! - [`report`]: the event log (a DAG of causes), the first break, per-entity losses, contagion
//!   paths.
//! - [`channel`]: the stablecoin-supply channel's figures in a report (supply over the run, each
//!   funded token's fall with and without the channel).
//! - [`bands`]: liquidation bands of one collateral asset across every lending market.
//! - [`position`]: one position's health, liquidation prices and largest liquidation now.
//! - [`loop_check`]: the vault-design check of a looped vault described in TOML.
//! - [`pyramid`]: the inverted pyramid of a snapshot, layer by layer, its loops and reported
//!   figures set against them.
//! - [`json`]: the reports' JSON text, shared by the CLI and the Python bindings.
//! - [`graph`]: the collateral and backing dependency graph, with its cycles.
//! - [`breakpoints`]: the smallest shock of one driver at which each entity first takes a loss
//!   and first becomes insolvent, by bisection over the cascade.
//!
//! The crate is pure: no IO, no async. Reading files and rendering reports is the CLI's job.
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

/// The README's examples, compiled and run as doc tests (not part of the API).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;

pub mod bands;
pub mod breakpoints;
pub mod channel;
pub mod engine;
pub mod error;
pub mod figures;
pub mod graph;
pub mod json;
pub mod loop_check;
pub(crate) mod models;
pub mod position;
pub mod pyramid;
pub mod report;
pub mod scenario;
/// The snapshot format lives in its own crate (`faultline-snapshot`), shared with `onchain`.
pub use faultline_snapshot as snapshot;

pub use engine::{Engine, Prepared, Progress, Quiet, run};
pub use error::{Error, Result};
pub use report::Report;
pub use scenario::Scenario;
pub use snapshot::Snapshot;
