//! The crate's one error type.
//!
//! Contract reverts map to variants by *why* the contract reverts (no liquidity, a price outside
//! the representable range, an overflow), so a caller can tell a thin market from a bad input.

use alloy_primitives::U256;

/// Result with the liquidity [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Everything that can go wrong when pricing a trade.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The venue has no liquidity where the trade needs it (empty reserves, zero in-range
    /// liquidity, an empty order book).
    #[error("{venue}: zero liquidity ({detail})")]
    ZeroLiquidity {
        /// The venue or function, named as in the code it mirrors.
        venue: &'static str,
        /// Which liquidity was zero.
        detail: &'static str,
    },
    /// The trade asks for more than the venue can give before its price runs out of range.
    #[error(
        "{venue}: insufficient liquidity: requested {requested}, at most {available} available"
    )]
    InsufficientLiquidity {
        /// The venue or function.
        venue: &'static str,
        /// The amount asked for (raw units).
        requested: U256,
        /// The most the venue can give (raw units), or zero when unknown.
        available: U256,
    },
    /// A price, sqrt price or tick is outside the range the venue can represent.
    #[error("{field} out of range: expected {expected}, found {found}")]
    PriceOutOfRange {
        /// The parameter.
        field: &'static str,
        /// The valid range.
        expected: &'static str,
        /// The value given.
        found: String,
    },
    /// An input is not what the function accepts.
    #[error("invalid {field}: expected {expected}, found {found}")]
    InvalidInput {
        /// The parameter.
        field: &'static str,
        /// What a valid value looks like.
        expected: &'static str,
        /// The value given.
        found: String,
    },
    /// A sum, product or cast overflowed its type where the contract would revert.
    #[error("arithmetic overflow in {op}")]
    Overflow {
        /// The operation, named as in the code it mirrors.
        op: &'static str,
    },
    /// An iterative solver (Curve's Newton loops) did not converge within its iteration limit.
    #[error("{op} did not converge in {iterations} iterations")]
    NotConverged {
        /// The solver.
        op: &'static str,
        /// Iterations run.
        iterations: u32,
    },
    /// Fixed-point arithmetic from `faultline-core` failed.
    #[error(transparent)]
    Core(#[from] faultline_core::Error),
}

impl Error {
    /// An [`Error::InvalidInput`] for `field`.
    pub(crate) fn invalid(
        field: &'static str,
        expected: &'static str,
        found: impl ToString,
    ) -> Self {
        Self::InvalidInput { field, expected, found: found.to_string() }
    }

    /// An [`Error::PriceOutOfRange`] for `field`.
    pub(crate) fn out_of_range(
        field: &'static str,
        expected: &'static str,
        found: impl ToString,
    ) -> Self {
        Self::PriceOutOfRange { field, expected, found: found.to_string() }
    }
}
