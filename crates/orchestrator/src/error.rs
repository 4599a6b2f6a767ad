//! The crate's one error type.

use crate::snapshot::Problem;

/// Result with the orchestrator's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// What can stop a run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The snapshot is inconsistent; every problem is listed with its JSON path.
    #[error("invalid snapshot:\n{}", list(.0))]
    Snapshot(Vec<Problem>),
    /// The scenario is inconsistent with itself or its snapshot; every problem is listed.
    #[error("invalid scenario:\n{}", list(.0))]
    Scenario(Vec<Problem>),
    /// A protocol or venue model refused an operation on a named entity (a contract would have
    /// reverted, or a figure left the model's range).
    #[error("{entity}: {source}")]
    Model {
        /// The snapshot entity (market, venue, oracle, issuer) the model was working on.
        entity: String,
        /// The model's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An input to an analysis (a command-line figure, a market or account name) is out of range
    /// or names nothing that exists.
    #[error("{field}: expected {expected}, found {found}")]
    Invalid {
        /// The input at fault (`lltv`, `market`, `collateral[WETH]`).
        field: String,
        /// What was expected.
        expected: String,
        /// What was found.
        found: String,
    },
    /// A run of a breakpoint search failed at one shock size.
    #[error("breakpoint run at shock size {shock}: {source}")]
    Probe {
        /// The shock size `s` in [0, 1] the run was made at.
        shock: rust_decimal::Decimal,
        /// Why the run failed.
        source: Box<Self>,
    },
    /// A run stopped at one step: which step, when, and the shocks that had started by then.
    #[error("step {step} (t = {at_secs}s; shocks so far: {shocks}): {source}")]
    Step {
        /// The step, from 0.
        step: u64,
        /// Seconds from the snapshot at the step's start.
        at_secs: u64,
        /// The scenario's shocks that had started by this step, as `shocks[i] (what)`, or
        /// `none`.
        shocks: String,
        /// Why the step failed.
        source: Box<Self>,
    },
    /// A row of a scenario's flow series could not trade.
    #[error("flow {flow}, {row}: {source}")]
    Flow {
        /// The flow's id.
        flow: String,
        /// Where the row is (`row 3`, `etf.csv line 5`).
        row: String,
        /// Why it could not trade.
        source: Box<Self>,
    },
    /// A figure overflowed the cascade's decimal arithmetic.
    #[error("{entity}: {what} overflowed")]
    Overflow {
        /// The entity being valued.
        entity: String,
        /// The figure.
        what: &'static str,
    },
}

fn list(problems: &[Problem]) -> String {
    problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n")
}
