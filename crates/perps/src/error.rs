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
    /// The venue's order book failed for a reason other than running out of depth.
    #[error("order book: {0}")]
    Book(#[from] faultline_liquidity::Error),
    /// A named market, account or collateral asset does not exist on the venue.
    #[error("unknown {kind}: {name}")]
    Unknown {
        /// What was looked up (`market`, `account`, `collateral`).
        kind: &'static str,
        /// The name or id given.
        name: String,
    },
}

impl Error {
    pub(crate) fn unknown(kind: &'static str, name: impl ToString) -> Self {
        Self::Unknown { kind, name: name.to_string() }
    }

    pub(crate) fn invalid(
        field: impl Into<String>,
        expected: &'static str,
        found: impl ToString,
    ) -> Self {
        Self::Invalid { field: field.into(), expected, found: found.to_string() }
    }
}
