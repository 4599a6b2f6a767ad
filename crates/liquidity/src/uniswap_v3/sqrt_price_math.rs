//! `SqrtPriceMath`: how far a given amount moves the sqrt price, and the amounts between two
//! prices, bit for bit as Uniswap v3-core `contracts/libraries/SqrtPriceMath.sol`.
//!
//! `FullMath.mulDiv`/`mulDivRoundingUp` are `faultline_core::math::mul_div_full` with
//! [`Rounding::Down`]/[`Rounding::Up`]; `UnsafeMath.divRoundingUp` is a plain ceiling division.

use crate::{Error, Result};
use alloy_primitives::U256;
use faultline_core::{Rounding, math::mul_div_full};

/// `FixedPoint96.Q96`.
pub const Q96: U256 = U256::from_limbs([0, 1 << 32usize, 0, 0]);
/// `type(uint160).max`.
pub const MAX_U160: U256 = U256::from_limbs([u64::MAX, u64::MAX, u32::MAX as u64, 0]);

/// `UnsafeMath.divRoundingUp` for a non-zero divisor.
fn div_rounding_up(x: U256, y: U256) -> U256 {
    let (q, r) = x.div_rem(y);
    q + U256::from(u8::from(!r.is_zero()))
}

/// `SafeCast.toUint160`.
fn to_u160(value: U256, op: &'static str) -> Result<U256> {
    if value > MAX_U160 { Err(Error::Overflow { op }) } else { Ok(value) }
}

/// `getNextSqrtPriceFromAmount0RoundingUp`: the price after adding (or removing) `amount` of
/// token0, rounded up.
pub fn get_next_sqrt_price_from_amount0_rounding_up(
    sqrt_price_x96: U256,
    liquidity: u128,
    amount: U256,
    add: bool,
) -> Result<U256> {
    const OP: &str = "getNextSqrtPriceFromAmount0RoundingUp";
    if amount.is_zero() {
        return Ok(sqrt_price_x96);
    }
    let numerator1 = U256::from(liquidity) << 96usize;
    let product = amount.checked_mul(sqrt_price_x96);
    if add {
        if let Some(denominator) = product.and_then(|p| numerator1.checked_add(p)) {
            // Always fits 160 bits (the price falls); the contract casts without a check.
            return Ok(mul_div_full(numerator1, sqrt_price_x96, denominator, Rounding::Up)?);
        }
        if sqrt_price_x96.is_zero() {
            return Err(Error::out_of_range("sqrt_price_x96", "> 0", sqrt_price_x96));
        }
        let denominator =
            (numerator1 / sqrt_price_x96).checked_add(amount).ok_or(Error::Overflow { op: OP })?;
        Ok(div_rounding_up(numerator1, denominator))
    } else {
        // If the product overflows the denominator would underflow: the output is more token0
        // than the liquidity holds.
        match product {
            Some(product) if numerator1 > product => {
                let price =
                    mul_div_full(numerator1, sqrt_price_x96, numerator1 - product, Rounding::Up)?;
                to_u160(price, OP)
            }
            _ => Err(Error::InsufficientLiquidity {
                venue: OP,
                requested: amount,
                available: U256::ZERO,
            }),
        }
    }
}

/// `getNextSqrtPriceFromAmount1RoundingDown`: the price after adding (or removing) `amount` of
/// token1, rounded down.
pub fn get_next_sqrt_price_from_amount1_rounding_down(
    sqrt_price_x96: U256,
    liquidity: u128,
    amount: U256,
    add: bool,
) -> Result<U256> {
    const OP: &str = "getNextSqrtPriceFromAmount1RoundingDown";
    let liquidity = U256::from(liquidity);
    if liquidity.is_zero() {
        return Err(Error::ZeroLiquidity { venue: OP, detail: "liquidity" });
    }
    if add {
        let quotient = if amount <= MAX_U160 {
            (amount << 96usize) / liquidity
        } else {
            mul_div_full(amount, Q96, liquidity, Rounding::Down)?
        };
        let next = sqrt_price_x96.checked_add(quotient).ok_or(Error::Overflow { op: OP })?;
        to_u160(next, OP)
    } else {
        let quotient = if amount <= MAX_U160 {
            div_rounding_up(amount << 96usize, liquidity)
        } else {
            mul_div_full(amount, Q96, liquidity, Rounding::Up)?
        };
        if sqrt_price_x96 <= quotient {
            return Err(Error::InsufficientLiquidity {
                venue: OP,
                requested: amount,
                available: U256::ZERO,
            });
        }
        Ok(sqrt_price_x96 - quotient)
    }
}

fn check_price_and_liquidity(
    sqrt_price_x96: U256,
    liquidity: u128,
    op: &'static str,
) -> Result<()> {
    if sqrt_price_x96.is_zero() {
        return Err(Error::out_of_range("sqrt_price_x96", "> 0", sqrt_price_x96));
    }
    if liquidity == 0 {
        return Err(Error::ZeroLiquidity { venue: op, detail: "in-range liquidity" });
    }
    Ok(())
}

/// `getNextSqrtPriceFromInput`: the price after `amount_in` of the input token, never past the
/// true price.
pub fn get_next_sqrt_price_from_input(
    sqrt_price_x96: U256,
    liquidity: u128,
    amount_in: U256,
    zero_for_one: bool,
) -> Result<U256> {
    check_price_and_liquidity(sqrt_price_x96, liquidity, "getNextSqrtPriceFromInput")?;
    if zero_for_one {
        get_next_sqrt_price_from_amount0_rounding_up(sqrt_price_x96, liquidity, amount_in, true)
    } else {
        get_next_sqrt_price_from_amount1_rounding_down(sqrt_price_x96, liquidity, amount_in, true)
    }
}

/// `getNextSqrtPriceFromOutput`: the price after `amount_out` of the output token, at least as
/// far as the true price.
pub fn get_next_sqrt_price_from_output(
    sqrt_price_x96: U256,
    liquidity: u128,
    amount_out: U256,
    zero_for_one: bool,
) -> Result<U256> {
    check_price_and_liquidity(sqrt_price_x96, liquidity, "getNextSqrtPriceFromOutput")?;
    if zero_for_one {
        get_next_sqrt_price_from_amount1_rounding_down(sqrt_price_x96, liquidity, amount_out, false)
    } else {
        get_next_sqrt_price_from_amount0_rounding_up(sqrt_price_x96, liquidity, amount_out, false)
    }
}

/// `getAmount0Delta(uint160, uint160, uint128, bool)`: `L·2^96·(√B − √A) / √B / √A`.
pub fn get_amount0_delta(
    sqrt_a: U256,
    sqrt_b: U256,
    liquidity: u128,
    round_up: bool,
) -> Result<U256> {
    let (sqrt_a, sqrt_b) = if sqrt_a > sqrt_b { (sqrt_b, sqrt_a) } else { (sqrt_a, sqrt_b) };
    if sqrt_a.is_zero() {
        return Err(Error::out_of_range("sqrt_ratio_a_x96", "> 0", sqrt_a));
    }
    let numerator1 = U256::from(liquidity) << 96usize;
    let numerator2 = sqrt_b - sqrt_a;
    if round_up {
        Ok(div_rounding_up(mul_div_full(numerator1, numerator2, sqrt_b, Rounding::Up)?, sqrt_a))
    } else {
        Ok(mul_div_full(numerator1, numerator2, sqrt_b, Rounding::Down)? / sqrt_a)
    }
}

/// `getAmount1Delta(uint160, uint160, uint128, bool)`: `L·(√B − √A) / 2^96`.
pub fn get_amount1_delta(
    sqrt_a: U256,
    sqrt_b: U256,
    liquidity: u128,
    round_up: bool,
) -> Result<U256> {
    let (sqrt_a, sqrt_b) = if sqrt_a > sqrt_b { (sqrt_b, sqrt_a) } else { (sqrt_a, sqrt_b) };
    let rounding = if round_up { Rounding::Up } else { Rounding::Down };
    Ok(mul_div_full(U256::from(liquidity), sqrt_b - sqrt_a, Q96, rounding)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e18(n: u64) -> U256 {
        U256::from(n) * U256::from(10u64.pow(18))
    }

    /// Hand calculations at price 1 (√P = 2^96), L = 1e18:
    /// - adding 0.1e18 of token1 moves √P by 0.1e18·2^96/1e18 = 2^96/10, rounded down;
    /// - the token1 between √P = 2^96 and 2·2^96 is L·2^96/2^96 = 1e18 exactly;
    /// - the token0 between the same prices is L·2^96·2^96/(2·2^96)/2^96 = L/2 = 0.5e18.
    #[test]
    fn by_hand_at_price_one() {
        let one = Q96;
        let l = 10u128.pow(18);
        assert_eq!(
            get_next_sqrt_price_from_input(one, l, e18(1) / U256::from(10u8), false).unwrap(),
            one + one / U256::from(10u8)
        );
        assert_eq!(get_amount1_delta(one, one * U256::from(2u8), l, true).unwrap(), e18(1));
        assert_eq!(
            get_amount0_delta(one, one * U256::from(2u8), l, false).unwrap(),
            e18(1) / U256::from(2u8)
        );
        assert_eq!(
            get_amount0_delta(one * U256::from(2u8), one, l, true).unwrap(),
            e18(1) / U256::from(2u8)
        );
    }

    #[test]
    fn zero_price_zero_liquidity_and_overdraw_are_typed_errors() {
        assert!(matches!(
            get_next_sqrt_price_from_input(U256::ZERO, 1, e18(1), true),
            Err(Error::PriceOutOfRange { .. })
        ));
        assert!(matches!(
            get_next_sqrt_price_from_input(Q96, 0, e18(1), true),
            Err(Error::ZeroLiquidity { .. })
        ));
        // L = 1e18 at price 1 holds 1e18 of each token virtually: taking all of it fails.
        assert!(matches!(
            get_next_sqrt_price_from_output(Q96, 10u128.pow(18), e18(1), true),
            Err(Error::InsufficientLiquidity { .. })
        ));
        assert!(matches!(
            get_next_sqrt_price_from_output(Q96, 10u128.pow(18), e18(1), false),
            Err(Error::InsufficientLiquidity { .. })
        ));
        // Adding token1 beyond the uint160 price range overflows.
        assert!(matches!(
            get_next_sqrt_price_from_input(MAX_U160, 1, U256::from(1u8), false),
            Err(Error::Overflow { .. })
        ));
    }
}
