//! Faultline's importers: third-party exports of protocol state turned into a [`Snapshot`], a
//! price path and an observed series, with every inconsistency reported.
//!
//! The crate is pure: it takes the files' contents and returns values; the CLI reads the files.
//! Each importer returns what it made together with [`Warning`]s, each naming the file, row and
//! column and the rule applied (never a silent patch); input it cannot read is an
//! [`ImportError`] naming the same.
//!
//! - [`morpho`]: the Morpho API export (markets, oracles, positions, MetaMorpho vaults, hourly
//!   prices and market histories).
//!
//! [`Snapshot`]: faultline_orchestrator::Snapshot
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

#[cfg(test)]
use criterion as _;

pub mod error;
pub(crate) mod fields;
pub mod morpho;
pub(crate) mod rows;

pub use error::{ImportError, Warning};
