//! The crate's one error type.
//!
//! Two kinds of failure are kept apart: a [`Error::Revert`] is the mirrored contract refusing an
//! operation (the exact reason string or custom-error name it reverts with, so a test can compare
//! it with the chain), while [`Error::InvalidParameter`] and friends are bad input to the model
//! itself, and name the field, what was expected and what was found.

use alloy_primitives::Address;

/// Result with the lending [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// The protocol a revert comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Protocol {
    /// Morpho Blue (`morpho-org/morpho-blue`, `Morpho.sol`).
    MorphoBlue,
    /// Aave v3 (`aave-dao/aave-v3-origin`).
    AaveV3,
    /// Compound v3 (`compound-finance/comet`).
    CompoundV3,
    /// Euler v2 (`euler-xyz/euler-vault-kit`).
    EulerV2,
    /// MetaMorpho vaults (`morpho-org/metamorpho`, `metamorpho-v1.1`).
    MetaMorpho,
}

impl core::fmt::Display for Protocol {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::MorphoBlue => "Morpho Blue",
            Self::AaveV3 => "Aave v3",
            Self::CompoundV3 => "Compound v3",
            Self::EulerV2 => "Euler v2",
            Self::MetaMorpho => "MetaMorpho",
        })
    }
}

/// Everything that can go wrong in the lending models.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Checked arithmetic failed exactly where the mirrored Solidity would panic (`0x11`/`0x12`).
    #[error(transparent)]
    Arithmetic(#[from] faultline_core::Error),
    /// The mirrored contract reverts with this reason (Morpho's `ErrorsLib` string, Aave's custom
    /// error name).
    #[error("{protocol} reverts: {reason}")]
    Revert {
        /// Which protocol's rule was hit.
        protocol: Protocol,
        /// The reason exactly as the contract gives it.
        reason: &'static str,
    },
    /// A parameter or fixture field does not hold a value the model accepts.
    #[error("invalid {field}: expected {expected}, found {found}")]
    InvalidParameter {
        /// The field, with its path (e.g. `reserves[3].liquidationThreshold`).
        field: String,
        /// What a valid value looks like.
        expected: &'static str,
        /// The value given.
        found: String,
    },
    /// An asset the market does not list.
    #[error("{field}: unknown asset {asset}")]
    UnknownAsset {
        /// Where the asset was named.
        field: String,
        /// The asset.
        asset: Address,
    },
    /// An operation the protocol does not have (e.g. a second collateral in a Morpho market).
    #[error("{protocol} has no {operation}")]
    Unsupported {
        /// The protocol.
        protocol: Protocol,
        /// What was asked for.
        operation: &'static str,
    },
}

impl Error {
    /// A revert of `protocol` with `reason`.
    pub const fn revert(protocol: Protocol, reason: &'static str) -> Self {
        Self::Revert { protocol, reason }
    }

    /// An [`Error::InvalidParameter`].
    pub fn invalid(field: impl Into<String>, expected: &'static str, found: impl ToString) -> Self {
        Self::InvalidParameter { field: field.into(), expected, found: found.to_string() }
    }
}
