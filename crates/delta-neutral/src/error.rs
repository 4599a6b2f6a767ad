//! The crate's one error type.

/// Result with the delta-neutral [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// What can go wrong running a delta-neutral book.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input is outside its valid range.
    #[error("{field}: expected {expected}, found {found}")]
    Invalid {
        /// The input, named as the caller knows it.
        field: String,
        /// What a valid value looks like.
        expected: &'static str,
        /// The value given.
        found: String,
    },
    /// A venue, leg or market the book names does not exist.
    #[error("unknown {kind}: {name}")]
    Unknown {
        /// What was looked up.
        kind: &'static str,
        /// The name given.
        name: String,
    },
    /// A perp venue failed.
    #[error("perps: {0}")]
    Perps(#[from] faultline_perps::Error),
    /// A spot market failed.
    #[error("liquidity: {0}")]
    Liquidity(#[from] faultline_liquidity::Error),
    /// A figure exceeded what a 96-bit decimal holds.
    #[error("arithmetic overflow in {op}")]
    Overflow {
        /// The operation.
        op: &'static str,
    },
}

impl Error {
    pub(crate) fn invalid(
        field: impl Into<String>,
        expected: &'static str,
        found: impl ToString,
    ) -> Self {
        Self::Invalid { field: field.into(), expected, found: found.to_string() }
    }

    pub(crate) fn unknown(kind: &'static str, name: impl ToString) -> Self {
        Self::Unknown { kind, name: name.to_string() }
    }
}
