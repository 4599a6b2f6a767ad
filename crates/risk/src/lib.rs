//! Probabilistic risk over faultline's cascade: Monte Carlo paths of correlated, fat-tailed
//! prices and random events (write-downs, redemption halts, oracle freezes, depth withdrawn),
//! each run through the full cascade, summed into value at risk, expected shortfall,
//! probabilities of insolvency, depeg and frozen funds with their Monte Carlo standard errors;
//! and parameter recommendations searched with common random numbers.
//!
//! - [`model`]: the `[risk]` TOML model and its checks against a snapshot and scenario.
//! - [`sample`]: one path's shocks from `(seed, path index)`.
//! - [`outcome`]: what one path's report means for the figures.
//! - [`stats`]: exact, mergeable sums and the quantile sketch; standard errors and intervals.
//! - [`aggregate`]: the mergeable run state and the summary computed from it.
//! - [`run`]: paths in parallel, shards and their merge.
//! - [`recommend`]: the frontier of one parameter against a risk limit.
//! - [`calibrate`]: volatilities, tail and correlations fitted from price histories.
//!
//! The crate is pure: no IO. The statistics are `f64`; the cascade each path runs is the
//! orchestrator's, exact.
#![cfg_attr(not(test), warn(unused_crate_dependencies))]
#![allow(
    clippy::cast_precision_loss,
    clippy::suboptimal_flops,
    reason = "statistics are f64 by design (counts and cent sums are exact integers until a \
              figure is computed from them); formulas are written as in the texts they cite"
)]

/// The README's examples, compiled and run as doc tests (not part of the API).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;

pub mod aggregate;
pub mod calibrate;
pub mod error;
pub mod model;
pub mod outcome;
pub mod recommend;
pub mod run;
pub mod sample;
pub mod stats;

pub use error::{Error, Result};
pub use model::RiskModel;
pub use run::{NoProgress, Options, PathProgress, RiskReport, Runner, Shard, merge, risk_schema};

#[cfg(test)]
use criterion as _;
