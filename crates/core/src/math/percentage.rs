//! Basis-point percentages (1e4 = 100%), as Aave's `PercentageMath`.
//!
//! [`Rounding::HalfUp`] is `percentMul`/`percentDiv` (v3.0–v3.6); [`Rounding::Down`] and
//! [`Rounding::Up`] are v3.5+'s `percentMulFloor`/`percentMulCeil`/`percentDivCeil`, whose overflow
//! check is on the bare product. Source: `@aave/core-v3/contracts/protocol/libraries/math/
//! PercentageMath.sol` and aave-v3-origin `src/contracts/protocol/libraries/math/PercentageMath.sol`.

use super::{Rounding, mul_div::mul_div_named};
use crate::Result;
use alloy_primitives::U256;

/// 1e4 basis points: 100%.
pub const PERCENTAGE_FACTOR: U256 = U256::from_limbs([10_000, 0, 0, 0]);

/// `value * percentage / 1e4`, with `percentage` in basis points.
#[inline]
pub fn percent_mul(value: U256, percentage: U256, rounding: Rounding) -> Result<U256> {
    mul_div_named(value, percentage, PERCENTAGE_FACTOR, rounding, "percent_mul")
}

/// `value * 1e4 / percentage`, with `percentage` in basis points.
#[inline]
pub fn percent_div(value: U256, percentage: U256, rounding: Rounding) -> Result<U256> {
    mul_div_named(value, PERCENTAGE_FACTOR, percentage, rounding, "percent_div")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    fn u(v: u128) -> U256 {
        U256::from(v)
    }

    fn dec(s: &str) -> U256 {
        U256::from_str_radix(s, 10).unwrap()
    }

    // Every expected value is an assertion of aave-v3-origin
    // tests/protocol/libraries/math/PercentageMath.t.sol.
    #[test]
    fn percentage_math_t_sol_vectors() {
        let h = Rounding::HalfUp;
        // test_percentMul
        assert_eq!(
            percent_mul(dec("1000000000000000000"), u(50_00), h),
            Ok(dec("500000000000000000"))
        );
        assert_eq!(
            percent_mul(dec("14251500000000000000"), u(74_42), h),
            Ok(dec("10605966300000000000"))
        );
        assert_eq!(
            percent_mul(dec("9087312000000000000000000000000000"), u(13_33), h),
            Ok(dec("1211338689600000000000000000000000"))
        );
        // test_percentDiv
        assert_eq!(
            percent_div(dec("1000000000000000000"), u(50_00), h),
            Ok(dec("2000000000000000000"))
        );
        assert_eq!(
            percent_div(dec("14251500000000000000"), u(74_42), h),
            Ok(dec("19150094060736361193"))
        );
        assert_eq!(
            percent_div(dec("9087312000000000000000000000000000"), u(13_33), h),
            Ok(dec("68171882970742685671417854463615904"))
        );
        // testPercentMulCeil_* and testPercentMulFloor_*
        let hundred_ether = dec("100000000000000000000");
        assert_eq!(percent_mul(hundred_ether, PERCENTAGE_FACTOR, Rounding::Up), Ok(hundred_ether));
        assert_eq!(percent_mul(u(1), u(1), Rounding::Up), Ok(u(1)));
        assert_eq!(percent_mul(u(0), u(100), Rounding::Up), Ok(u(0)));
        assert_eq!(percent_mul(u(100), u(0), Rounding::Up), Ok(u(0)));
        assert!(percent_mul(U256::MAX, u(2), Rounding::Up).is_err());
        assert_eq!(
            percent_mul(hundred_ether, PERCENTAGE_FACTOR, Rounding::Down),
            Ok(hundred_ether)
        );
        assert_eq!(percent_mul(u(1), u(1), Rounding::Down), Ok(u(0)));
        assert_eq!(percent_mul(u(1234), u(0), Rounding::Down), Ok(u(0)));
        assert!(percent_mul(U256::MAX, u(2), Rounding::Down).is_err());
        // testPercentDivCeil_*
        assert_eq!(percent_div(hundred_ether, PERCENTAGE_FACTOR, Rounding::Up), Ok(hundred_ether));
        assert_eq!(percent_div(u(5), u(3), Rounding::Up), Ok(u(16667)));
        assert!(percent_div(u(1234), u(0), Rounding::Up).is_err());
        assert!(percent_div(U256::MAX, u(1), Rounding::Up).is_err());
    }

    #[test]
    fn the_liquidation_worked_example_of_protocol_mechanics() {
        // protocol-mechanics.md §1 [derived]: 0.4 ETH collateral worth $800 at LB 105%: debt needed
        // = ceil(800e6 * 1e4 / 10500) = 761.904762 USDC (761904761.9 rounds up to ...762).
        assert_eq!(percent_div(u(800_000_000), u(10_500), Rounding::Up), Ok(u(761_904_762)));
        assert_eq!(percent_div(u(800_000_000), u(10_500), Rounding::Down), Ok(u(761_904_761)));
    }

    #[test]
    fn zero_percentage_divides_by_zero() {
        assert_eq!(
            percent_div(u(1), U256::ZERO, Rounding::HalfUp),
            Err(Error::DivisionByZero { op: "percent_div" })
        );
        assert_eq!(percent_mul(U256::MAX, U256::ZERO, Rounding::HalfUp), Ok(U256::ZERO));
        assert_eq!(
            percent_mul(U256::MAX, u(2), Rounding::Down),
            Err(Error::Overflow { op: "percent_mul" })
        );
    }
}
