//! The crate's one error type.
//!
//! Arithmetic failures mirror the ways the Solidity code fails: checked arithmetic panics with code
//! `0x11` on overflow *and* underflow and `0x12` on division by zero; Aave's assembly reverts
//! with empty data on both. [`Error::solidity_panic_code`] maps back to the panic code so
//! differential tests can compare failures exactly, not just "both failed".

/// Result with the core [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Everything that can go wrong in the core units.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A product, sum or result exceeded `2^256 - 1`.
    #[error("arithmetic overflow in {op}")]
    Overflow {
        /// The operation that overflowed, named as in the code it mirrors.
        op: &'static str,
    },
    /// A subtraction went below zero.
    #[error("arithmetic underflow in {op}")]
    Underflow {
        /// The operation that underflowed.
        op: &'static str,
    },
    /// A division or modulo by zero.
    #[error("division by zero in {op}")]
    DivisionByZero {
        /// The operation that divided by zero.
        op: &'static str,
    },
    /// A human amount string could not be read.
    #[error("invalid amount {input:?}: expected {expected}")]
    MalformedAmount {
        /// The text as given.
        input: String,
        /// What a valid amount looks like, or what was wrong.
        expected: &'static str,
    },
    /// A human amount has more fractional digits than the token can represent.
    #[error(
        "invalid amount {input:?}: {found} fractional digits, but the token has only {decimals} \
         decimals"
    )]
    ExcessPrecision {
        /// The text as given.
        input: String,
        /// Fractional digits found in the text.
        found: usize,
        /// Decimals of the token.
        decimals: u8,
    },
    /// A token's decimals are too many for its amounts to be scaled within 256 bits.
    #[error("{decimals} decimals is more than the {max} a 256-bit amount can be scaled by")]
    UnsupportedDecimals {
        /// The decimals given.
        decimals: u8,
        /// The largest supported.
        max: u8,
    },
    /// A value does not fit a `rust_decimal::Decimal` at the requested scale.
    #[error(
        "{value} (raw units, {decimals} decimals) does not fit a Decimal with {places} decimal \
         places (at most 28 places and 2^96 - 1 mantissa)"
    )]
    DecimalOutOfRange {
        /// The raw integer value, as text.
        value: String,
        /// Decimals of the raw value.
        decimals: u8,
        /// Decimal places requested.
        places: u32,
    },
    /// Two amounts of tokens with different decimals were combined.
    #[error("{op}: amounts have {left} and {right} decimals; convert one first")]
    DecimalsMismatch {
        /// The operation.
        op: &'static str,
        /// Decimals of the left operand.
        left: u8,
        /// Decimals of the right operand.
        right: u8,
    },
    /// A negative human-scale figure was given where raw units (unsigned) are required.
    #[error("{value} is negative; raw token units are unsigned")]
    NegativeValue {
        /// The figure as text.
        value: String,
    },
    /// A model parameter or input is outside what the model accepts.
    #[error("invalid {field}: expected {expected}, found {found}")]
    InvalidParameter {
        /// The parameter, named as in the API.
        field: &'static str,
        /// What a valid value looks like.
        expected: &'static str,
        /// What was given.
        found: String,
    },
}

impl Error {
    /// The Solidity panic code (`Panic(uint256)`) that the mirrored checked-arithmetic code raises
    /// for this error, if it is an arithmetic error.
    pub const fn solidity_panic_code(&self) -> Option<u8> {
        match self {
            Self::Overflow { .. } | Self::Underflow { .. } => Some(0x11),
            Self::DivisionByZero { .. } => Some(0x12),
            _ => None,
        }
    }

    /// Whether this is an arithmetic failure (overflow, underflow, division by zero).
    pub const fn is_arithmetic(&self) -> bool {
        self.solidity_panic_code().is_some()
    }
}
