//! `x * y / d` with a named rounding: the operation every fixed-point helper is made of.

use super::Rounding;
use crate::{Error, Result};
use alloy_primitives::{U256, U512};

/// `x * y / d`, rounded as asked, with `x * y` computed in 256 bits.
///
/// Fails exactly where the Solidity it mirrors fails, in this order: the product overflows
/// ([`Error::Overflow`]); for [`Rounding::HalfUp`], adding `d / 2` to the product overflows
/// (Aave's `(a * b + HALF) / d`); `d` is zero ([`Error::DivisionByZero`]). [`Rounding::Up`] adds
/// one when the remainder is non-zero, so it cannot overflow past the product (Aave v3.5's
/// `...Ceil`, solmate's `mulDivUp`). Morpho's `mulDivUp`, which adds `d - 1` before dividing and
/// fails differently, is [`crate::math::morpho::mul_div_up`].
#[inline]
pub fn mul_div(x: U256, y: U256, d: U256, rounding: Rounding) -> Result<U256> {
    mul_div_named(x, y, d, rounding, "mul_div")
}

/// [`mul_div`] reporting failures under the caller's operation name.
#[inline]
pub(crate) fn mul_div_named(
    x: U256,
    y: U256,
    d: U256,
    rounding: Rounding,
    op: &'static str,
) -> Result<U256> {
    let product = x.checked_mul(y).ok_or(Error::Overflow { op })?;
    match rounding {
        Rounding::HalfUp => {
            let biased = product.checked_add(d >> 1).ok_or(Error::Overflow { op })?;
            biased.checked_div(d).ok_or(Error::DivisionByZero { op })
        }
        Rounding::Down | Rounding::Up => div_named(product, d, rounding, op),
    }
}

/// `x / d` rounded as asked. Never overflows: [`Rounding::HalfUp`] compares the remainder with
/// half the divisor instead of adding, as Aave's `rayToWad` does.
#[inline]
pub fn div(x: U256, d: U256, rounding: Rounding) -> Result<U256> {
    div_named(x, d, rounding, "div")
}

#[inline]
pub(crate) fn div_named(x: U256, d: U256, rounding: Rounding, op: &'static str) -> Result<U256> {
    if d.is_zero() {
        return Err(Error::DivisionByZero { op });
    }
    let (quotient, remainder) = x.div_rem(d);
    let round_up = match rounding {
        Rounding::Down => false,
        Rounding::Up => !remainder.is_zero(),
        // `remainder >= ceil(d / 2)`, the same test as `(x + d / 2) / d` without the sum.
        Rounding::HalfUp => remainder >= d - (d >> 1),
    };
    // The quotient is at most `x / 1`; adding one only happens when the remainder is non-zero,
    // which means `d > 1` and the quotient is below `U256::MAX`.
    Ok(if round_up { quotient + U256::from(1u8) } else { quotient })
}

/// `x * y / d` with a 512-bit product, failing only when `d` is zero or the rounded result does not
/// fit in 256 bits: OpenZeppelin's `Math.mulDiv(x, y, d, rounding)` and Uniswap's
/// `FullMath.mulDiv`/`mulDivRoundingUp`.
pub fn mul_div_full(x: U256, y: U256, d: U256, rounding: Rounding) -> Result<U256> {
    const OP: &str = "mul_div_full";
    if d.is_zero() {
        return Err(Error::DivisionByZero { op: OP });
    }
    // A product within 256 bits has the same quotient and remainder by the cheaper 256-bit
    // division (and the rounded quotient fits: it is at most the product).
    if let Some(product) = x.checked_mul(y) {
        return div_named(product, d, rounding, OP);
    }
    let product: U512 = x.widening_mul(y);
    let divisor = U512::from(d);
    let (quotient, remainder) = product.div_rem(divisor);
    let round_up = match rounding {
        Rounding::Down => false,
        Rounding::Up => !remainder.is_zero(),
        Rounding::HalfUp => remainder >= divisor - (divisor >> 1),
    };
    let rounded = if round_up { quotient + U512::from(1u8) } else { quotient };
    U256::checked_from_limbs_slice(rounded.as_limbs()).ok_or(Error::Overflow { op: OP })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(v: u128) -> U256 {
        U256::from(v)
    }

    #[test]
    fn each_rounding_on_a_third_and_a_half() {
        // 10 / 3 = 3.33..., 5 / 2 = 2.5, 7 / 2 = 3.5: hand-computed.
        assert_eq!(div(u(10), u(3), Rounding::Down), Ok(u(3)));
        assert_eq!(div(u(10), u(3), Rounding::Up), Ok(u(4)));
        assert_eq!(div(u(10), u(3), Rounding::HalfUp), Ok(u(3)));
        assert_eq!(div(u(5), u(2), Rounding::HalfUp), Ok(u(3)));
        assert_eq!(div(u(7), u(2), Rounding::HalfUp), Ok(u(4)));
        assert_eq!(div(u(6), u(3), Rounding::Up), Ok(u(2)));
        // Odd divisor: 4 / 7 = 0.571 rounds up, 3 / 7 = 0.43 rounds down.
        assert_eq!(div(u(4), u(7), Rounding::HalfUp), Ok(u(1)));
        assert_eq!(div(u(3), u(7), Rounding::HalfUp), Ok(u(0)));
    }

    #[test]
    fn half_up_mul_div_agrees_with_half_up_div_when_the_sum_fits() {
        for (x, y, d) in [(5u128, 1, 2), (7, 3, 5), (1_000_001, 3, 7), (0, 9, 4)] {
            let product = u(x * y);
            assert_eq!(
                mul_div(u(x), u(y), u(d), Rounding::HalfUp),
                div(product, u(d), Rounding::HalfUp)
            );
        }
    }

    #[test]
    fn overflow_and_division_by_zero_are_errors_not_panics() {
        assert_eq!(
            mul_div(U256::MAX, u(2), u(1), Rounding::Down),
            Err(Error::Overflow { op: "mul_div" })
        );
        assert_eq!(
            mul_div(u(1), u(1), U256::ZERO, Rounding::Up),
            Err(Error::DivisionByZero { op: "mul_div" })
        );
        // HalfUp fails when product + d/2 overflows even though the product fits (Aave's check).
        assert_eq!(
            mul_div(U256::MAX, u(1), u(2), Rounding::HalfUp),
            Err(Error::Overflow { op: "mul_div" })
        );
        assert_eq!(mul_div(U256::MAX, u(1), u(2), Rounding::Down), Ok(U256::MAX >> 1));
        assert_eq!(
            div(u(1), U256::ZERO, Rounding::HalfUp),
            Err(Error::DivisionByZero { op: "div" })
        );
        assert_eq!(
            mul_div_full(u(1), u(1), U256::ZERO, Rounding::Down),
            Err(Error::DivisionByZero { op: "mul_div_full" })
        );
    }

    #[test]
    fn full_precision_keeps_the_512_bit_product() {
        // MAX * MAX / MAX = MAX exactly, though the product needs 512 bits.
        assert_eq!(mul_div_full(U256::MAX, U256::MAX, U256::MAX, Rounding::Down), Ok(U256::MAX));
        assert_eq!(mul_div_full(U256::MAX, U256::MAX, U256::MAX, Rounding::Up), Ok(U256::MAX));
        // MAX * 2 / 1 does not fit the result.
        assert_eq!(
            mul_div_full(U256::MAX, u(2), u(1), Rounding::Down),
            Err(Error::Overflow { op: "mul_div_full" })
        );
        // Rounding up past MAX fails: (MAX * MAX) / (MAX - 1) = MAX + 1 + 1/(MAX-1).
        assert!(mul_div_full(U256::MAX, U256::MAX, U256::MAX - u(1), Rounding::Down).is_err());
        // 2^255 * 3 / 2^254 = 6 exactly, and rounding does not change an exact result.
        let two_255 = U256::from(1u8) << 255;
        let two_254 = U256::from(1u8) << 254;
        assert_eq!(mul_div_full(two_255, u(3), two_254, Rounding::Up), Ok(u(6)));
        // 10 * 10 / 7 = 14.28: down 14, up 15, half up 14.
        assert_eq!(mul_div_full(u(10), u(10), u(7), Rounding::Down), Ok(u(14)));
        assert_eq!(mul_div_full(u(10), u(10), u(7), Rounding::Up), Ok(u(15)));
        assert_eq!(mul_div_full(u(10), u(10), u(7), Rounding::HalfUp), Ok(u(14)));
    }
}
