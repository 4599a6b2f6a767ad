//! Token amounts: raw integer units plus the token's decimals.
//!
//! Parsing is exact and strict: `"1.5"` of an 18-decimal token is `1_500_000_000_000_000_000`
//! raw units; a string with more fractional digits than the token has is an error, never a
//! silent truncation.

use crate::{Error, Result, math::pow10};
use alloy_primitives::U256;
use core::fmt;

/// The largest number of decimals whose scale, `10^decimals`, fits in 256 bits.
pub const MAX_DECIMALS: u8 = 77;

/// An amount of some token in its raw integer units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenAmount {
    raw: U256,
    decimals: u8,
}

impl TokenAmount {
    /// An amount from raw units; fails when `decimals` exceeds [`MAX_DECIMALS`].
    pub fn from_raw(raw: U256, decimals: u8) -> Result<Self> {
        scale(decimals)?;
        Ok(Self { raw, decimals })
    }

    /// An amount whose decimals the caller has already checked against [`MAX_DECIMALS`].
    pub(crate) const fn from_checked_parts(raw: U256, decimals: u8) -> Self {
        Self { raw, decimals }
    }

    /// Zero of a token with these decimals.
    pub fn zero(decimals: u8) -> Result<Self> {
        Self::from_raw(U256::ZERO, decimals)
    }

    /// Reads a human amount such as `"1234.5"` exactly.
    ///
    /// Accepts ASCII digits with at most one `.`; at least one digit on either side of it. Rejects
    /// signs, exponents, separators, whitespace, and more fractional digits than `decimals`.
    pub fn parse(input: &str, decimals: u8) -> Result<Self> {
        let malformed = |expected| Error::MalformedAmount { input: input.to_owned(), expected };
        let scale = scale(decimals)?;
        if input.starts_with('-') {
            return Err(malformed("a non-negative amount; token amounts are unsigned"));
        }
        let (whole, fraction) = match input.split_once('.') {
            Some((whole, fraction)) => (whole, fraction),
            None => (input, ""),
        };
        let is_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if !is_digits(whole) || !is_digits(fraction) {
            return Err(malformed("decimal digits with at most one '.', such as 1234.5"));
        }
        if whole.is_empty() && fraction.is_empty() {
            return Err(malformed("at least one digit"));
        }
        if fraction.len() > usize::from(decimals) {
            return Err(Error::ExcessPrecision {
                input: input.to_owned(),
                found: fraction.len(),
                decimals,
            });
        }
        let too_large = || malformed("an amount below 2^256 raw units");
        let parse = |digits: &str| -> Result<U256> {
            if digits.is_empty() {
                Ok(U256::ZERO)
            } else {
                U256::from_str_radix(digits, 10).map_err(|_| too_large())
            }
        };
        // `fraction` has at most `decimals` digits, so the padding exponent is in range.
        let pad = pow10(u32::from(decimals) - fraction.len() as u32).ok_or_else(too_large)?;
        let raw = parse(whole)?
            .checked_mul(scale)
            .and_then(|w| parse(fraction).ok()?.checked_mul(pad)?.checked_add(w))
            .ok_or_else(too_large)?;
        Ok(Self { raw, decimals })
    }

    /// Raw integer units.
    pub const fn raw(&self) -> U256 {
        self.raw
    }

    /// The token's decimals.
    pub const fn decimals(&self) -> u8 {
        self.decimals
    }

    /// `10^decimals`: raw units in one whole token.
    pub fn one(&self) -> U256 {
        // Checked at construction.
        scale(self.decimals).unwrap_or(U256::MAX)
    }

    /// The sum, failing on overflow or on a decimals mismatch (a sum of two tokens' units is a bug).
    pub fn checked_add(self, other: Self) -> Result<Self> {
        self.same_decimals(other, "TokenAmount::checked_add")?;
        let raw = self
            .raw
            .checked_add(other.raw)
            .ok_or(Error::Overflow { op: "TokenAmount::checked_add" })?;
        Ok(Self { raw, ..self })
    }

    /// The difference, failing when it would go below zero.
    pub fn checked_sub(self, other: Self) -> Result<Self> {
        self.same_decimals(other, "TokenAmount::checked_sub")?;
        let raw = self
            .raw
            .checked_sub(other.raw)
            .ok_or(Error::Underflow { op: "TokenAmount::checked_sub" })?;
        Ok(Self { raw, ..self })
    }

    const fn same_decimals(self, other: Self, op: &'static str) -> Result<()> {
        if self.decimals == other.decimals {
            Ok(())
        } else {
            Err(Error::DecimalsMismatch { op, left: self.decimals, right: other.decimals })
        }
    }
}

/// `10^decimals`, or [`Error::UnsupportedDecimals`].
pub(crate) fn scale(decimals: u8) -> Result<U256> {
    if decimals > MAX_DECIMALS {
        return Err(Error::UnsupportedDecimals { decimals, max: MAX_DECIMALS });
    }
    pow10(u32::from(decimals)).ok_or(Error::UnsupportedDecimals { decimals, max: MAX_DECIMALS })
}

/// The exact human amount with trailing fractional zeros removed: `1.5`, `0.000001`, `42`.
impl fmt::Display for TokenAmount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, fraction) = self.raw.div_rem(self.one());
        if fraction.is_zero() {
            return write!(f, "{whole}");
        }
        let digits = fraction.to_string();
        let padded = format!("{digits:0>width$}", width = usize::from(self.decimals));
        write!(f, "{whole}.{}", padded.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> U256 {
        U256::from_str_radix(s, 10).unwrap()
    }

    #[test]
    fn parses_exactly() {
        let cases = [
            ("1", 18, "1000000000000000000"),
            ("1.5", 18, "1500000000000000000"),
            ("0.000001", 6, "1"),
            (".5", 6, "500000"),
            ("7.", 6, "7000000"),
            ("0", 0, "0"),
            ("1234567.891011", 6, "1234567891011"),
        ];
        for (text, decimals, expected) in cases {
            assert_eq!(TokenAmount::parse(text, decimals).unwrap().raw(), raw(expected), "{text}");
        }
    }

    #[test]
    fn formats_exactly_and_round_trips() {
        for (text, decimals, shown) in [
            ("1.50", 18, "1.5"),
            ("0.000001", 6, "0.000001"),
            ("42", 8, "42"),
            ("1.000000000000000001", 18, "1.000000000000000001"),
        ] {
            let amount = TokenAmount::parse(text, decimals).unwrap();
            assert_eq!(amount.to_string(), shown);
            assert_eq!(TokenAmount::parse(shown, decimals).unwrap(), amount);
        }
    }

    #[test]
    fn rejects_more_fractional_digits_than_the_token_has() {
        assert_eq!(
            TokenAmount::parse("1.0000001", 6),
            Err(Error::ExcessPrecision { input: "1.0000001".into(), found: 7, decimals: 6 })
        );
        let message = TokenAmount::parse("1.0000001", 6).unwrap_err().to_string();
        assert!(
            message.contains("7 fractional digits") && message.contains("only 6 decimals"),
            "{message}"
        );
    }

    #[test]
    fn rejects_malformed_text_with_what_was_expected() {
        for bad in ["", ".", "1.2.3", "-1", "1e18", "1,000", " 1", "0x10", "+1", "1_000"] {
            match TokenAmount::parse(bad, 18) {
                Err(Error::MalformedAmount { input, .. }) => assert_eq!(input, bad),
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
        // 2^256 raw units do not fit.
        let too_big =
            "115792089237316195423570985008687907853269984665640564039457584007913129639936";
        assert!(matches!(TokenAmount::parse(too_big, 0), Err(Error::MalformedAmount { .. })));
        assert!(matches!(
            TokenAmount::parse("1", 78),
            Err(Error::UnsupportedDecimals { decimals: 78, .. })
        ));
    }

    #[test]
    fn arithmetic_is_checked() {
        let a = TokenAmount::parse("1", 6).unwrap();
        let b = TokenAmount::parse("2", 6).unwrap();
        assert_eq!(a.checked_add(b).unwrap().to_string(), "3");
        assert_eq!(a.checked_sub(b), Err(Error::Underflow { op: "TokenAmount::checked_sub" }));
        let c = TokenAmount::parse("1", 18).unwrap();
        assert!(matches!(
            a.checked_add(c),
            Err(Error::DecimalsMismatch { left: 6, right: 18, .. })
        ));
        let max = TokenAmount::from_raw(U256::MAX, 0).unwrap();
        assert_eq!(
            max.checked_add(TokenAmount::from_raw(U256::from(1u8), 0).unwrap()),
            Err(Error::Overflow { op: "TokenAmount::checked_add" })
        );
    }
}
