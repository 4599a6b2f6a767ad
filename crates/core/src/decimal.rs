//! The one checked road between raw token units ([`U256`]) and [`Decimal`].
//!
//! `Decimal` is for human-scale figures (USD values, ratios, health factors): it holds a 96-bit
//! mantissa and at most 28 decimal places, and its own arithmetic rounds silently. Raw wei never
//! goes into it as an integer; instead the value is rescaled in `U256` to the requested places with
//! a named [`Rounding`], and only then, if it fits, becomes a `Decimal`.

use crate::{
    Error, Result,
    amount::scale,
    math::{Rounding, div, mul_div, pow10},
};
use alloy_primitives::U256;
pub use rust_decimal::{Decimal, RoundingStrategy};

/// The most decimal places a [`Decimal`] can carry.
pub const MAX_PLACES: u32 = 28;

/// `raw / 10^decimals` as a [`Decimal`] with `places` decimal places, rounded as asked.
///
/// Fails with [`Error::DecimalOutOfRange`] when `places` exceeds 28 or the rescaled value does not
/// fit 96 bits (ask for fewer places for very large amounts).
pub fn to_decimal(raw: U256, decimals: u8, places: u32, rounding: Rounding) -> Result<Decimal> {
    let out_of_range = || Error::DecimalOutOfRange { value: raw.to_string(), decimals, places };
    if places > MAX_PLACES {
        return Err(out_of_range());
    }
    scale(decimals)?;
    let decimals = u32::from(decimals);
    let mantissa = if places >= decimals {
        let up = pow10(places - decimals).ok_or_else(out_of_range)?;
        raw.checked_mul(up).ok_or_else(out_of_range)?
    } else {
        let down = pow10(decimals - places).ok_or_else(out_of_range)?;
        div(raw, down, rounding)?
    };
    let mantissa: i128 = i128::try_from(mantissa).map_err(|_| out_of_range())?;
    Decimal::try_from_i128_with_scale(mantissa, places).map_err(|_| out_of_range())
}

/// A non-negative [`Decimal`] as raw units of a token with `decimals`, rounded as asked.
pub fn from_decimal(value: Decimal, decimals: u8, rounding: Rounding) -> Result<U256> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err(Error::NegativeValue { value: value.to_string() });
    }
    let target = scale(decimals)?;
    let mantissa = U256::from(value.mantissa().unsigned_abs());
    let source = pow10(value.scale()).ok_or(Error::Overflow { op: "from_decimal" })?;
    mul_div(mantissa, target, source, rounding).map_err(|err| match err {
        Error::Overflow { .. } => Error::Overflow { op: "from_decimal" },
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn rescales_with_the_named_rounding() {
        // 1.234567 USDC (6 decimals) to 2 places: down 1.23, up 1.24, half up 1.23.
        let raw = U256::from(1_234_567u64);
        assert_eq!(to_decimal(raw, 6, 2, Rounding::Down), Ok(d("1.23")));
        assert_eq!(to_decimal(raw, 6, 2, Rounding::Up), Ok(d("1.24")));
        assert_eq!(to_decimal(raw, 6, 2, Rounding::HalfUp), Ok(d("1.23")));
        // 1.235 half up is 1.24.
        assert_eq!(to_decimal(U256::from(1_235_000u64), 6, 2, Rounding::HalfUp), Ok(d("1.24")));
        // More places than the token has: exact.
        assert_eq!(to_decimal(raw, 6, 10, Rounding::Down), Ok(d("1.2345670000")));
    }

    #[test]
    fn large_amounts_fit_with_fewer_places() {
        // 100 billion tokens of 18 decimals: 1e29 raw. At 18 places the mantissa (1e29) exceeds
        // 2^96 (7.9e28); at 2 places it is 1e13 and fits.
        let raw = U256::from(10u8).pow(U256::from(29u8));
        assert!(matches!(
            to_decimal(raw, 18, 18, Rounding::Down),
            Err(Error::DecimalOutOfRange { .. })
        ));
        assert_eq!(to_decimal(raw, 18, 2, Rounding::Down), Ok(d("100000000000.00")));
        assert!(matches!(
            to_decimal(U256::MAX, 0, 0, Rounding::Down),
            Err(Error::DecimalOutOfRange { .. })
        ));
        assert!(matches!(
            to_decimal(U256::from(1u8), 6, 29, Rounding::Down),
            Err(Error::DecimalOutOfRange { .. })
        ));
    }

    #[test]
    fn decimal_to_raw_and_back() {
        assert_eq!(
            from_decimal(d("1.5"), 18, Rounding::Down),
            Ok(U256::from(1_500_000_000_000_000_000u128))
        );
        // 0.0000005 of a 6-decimal token: down 0, up 1, half up 1.
        assert_eq!(from_decimal(d("0.0000005"), 6, Rounding::Down), Ok(U256::ZERO));
        assert_eq!(from_decimal(d("0.0000005"), 6, Rounding::Up), Ok(U256::from(1u8)));
        assert_eq!(from_decimal(d("0.0000005"), 6, Rounding::HalfUp), Ok(U256::from(1u8)));
        assert_eq!(
            from_decimal(d("-1"), 6, Rounding::Down),
            Err(Error::NegativeValue { value: "-1".into() })
        );
        assert_eq!(from_decimal(d("-0"), 6, Rounding::Down), Ok(U256::ZERO));
        let raw = U256::from(123_456_789u64);
        let back = from_decimal(to_decimal(raw, 6, 6, Rounding::Down).unwrap(), 6, Rounding::Down);
        assert_eq!(back, Ok(raw));
    }
}
