//! The crate's one error type.
//!
//! Bad input names the field (with its path, e.g. `issuers[1].backing[0].recovery`), what was
//! expected and what was found; arithmetic failures from the contract-exact math keep the
//! operation that failed.

use core::fmt::Display;

/// Result with the vaults [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Everything that can go wrong in the vault models.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Contract-exact arithmetic failed where the mirrored Solidity would revert or panic.
    #[error(transparent)]
    Core(#[from] faultline_core::Error),
    /// A liquidity venue could not quote or fill a trade.
    #[error(transparent)]
    Liquidity(#[from] faultline_liquidity::Error),
    /// A parameter or design-file field does not hold a value the model accepts.
    #[error("invalid {field}: expected {expected}, found {found}")]
    InvalidParameter {
        /// The field, with its path.
        field: String,
        /// What a valid value looks like.
        expected: &'static str,
        /// What was given.
        found: String,
    },
    /// Human-scale `Decimal` arithmetic left the range a `Decimal` can hold.
    #[error("{op}: decimal arithmetic out of range")]
    Overflow {
        /// The operation.
        op: &'static str,
    },
    /// The mirrored ERC-4626 vault reverts with this custom error (OpenZeppelin `ERC4626.sol`).
    #[error("ERC-4626 reverts: {reason}")]
    Erc4626Revert {
        /// The custom error's name, e.g. `ERC4626ExceededMaxRedeem`.
        reason: &'static str,
    },
    /// An issuer refuses a redemption request under its rules (frozen, gated, unknown request).
    #[error("{issuer} refuses the redemption: {reason}")]
    RedemptionRefused {
        /// The issuer's symbol.
        issuer: String,
        /// Why.
        reason: String,
    },
    /// A name (token, item, issuer, request) that the model does not know.
    #[error("unknown {what} {name:?}")]
    Unknown {
        /// What kind of name it is.
        what: &'static str,
        /// The name as given.
        name: String,
    },
}

impl Error {
    /// An [`Error::InvalidParameter`] from displayable parts.
    pub(crate) fn invalid(
        field: impl Into<String>,
        expected: &'static str,
        found: impl Display,
    ) -> Self {
        Self::InvalidParameter { field: field.into(), expected, found: found.to_string() }
    }
}
