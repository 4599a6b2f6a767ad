//! What can go wrong, each error naming what it is about.

use faultline_orchestrator::snapshot::Problem;

/// A risk run's error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The model does not fit the snapshot or scenario; every problem with its path.
    #[error("the risk model has {} problem(s): {}", .0.len(), list(.0))]
    Model(Vec<Problem>),
    /// An option is out of range.
    #[error("{field}: expected {expected}, found {found}")]
    Invalid {
        /// The option.
        field: String,
        /// What it must be.
        expected: String,
        /// What it was.
        found: String,
    },
    /// The cascade failed on one path.
    #[error("path {path}: {source}")]
    Path {
        /// The path's index.
        path: u64,
        /// The engine's error.
        #[source]
        source: faultline_orchestrator::Error,
    },
    /// The snapshot or scenario cannot run at all.
    #[error(transparent)]
    Engine(#[from] faultline_orchestrator::Error),
    /// Shard outputs that cannot be merged.
    #[error("cannot merge: {0}")]
    Merge(String),
}

fn list(problems: &[Problem]) -> String {
    problems.iter().map(|p| format!("{}: {}", p.path, p.message)).collect::<Vec<_>>().join("; ")
}

/// A risk result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
