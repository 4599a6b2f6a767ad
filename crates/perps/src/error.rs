//! The crate's one error type.

/// Result with the perps [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// What can go wrong in the perps models.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input is outside its valid range.
    #[error("{field}: expected {expected}, found {found}")]
    Invalid {
        /// The input, named as the caller knows it (e.g. `tiers[1].lower_bound`).
        field: String,
        /// What a valid value looks like.
        expected: &'static str,
        /// The value given.
        found: String,
    },
    /// A figure exceeded what a 96-bit decimal holds.
    #[error("arithmetic overflow in {op}")]
    Overflow {
        /// The operation.
        op: &'static str,
    },
    /// The equations have no solution (for example a liquidation price at or below zero).
    #[error("{0}")]
    NoSolution(String),
    /// A margin-table file could not be read.
    #[error("margin tables: {0}")]
    Table(String),
}

impl Error {
    pub(crate) fn invalid(
        field: impl Into<String>,
        expected: &'static str,
        found: impl ToString,
    ) -> Self {
        Self::Invalid { field: field.into(), expected, found: found.to_string() }
    }
}
