//! WAD (1e18) and RAY (1e27) fixed point, as Aave's `WadRayMath`.
//!
//! With [`Rounding::HalfUp`] these are the v3.0–v3.4 functions (`wadMul`, `rayDiv`, ...); with
//! [`Rounding::Down`]/[`Rounding::Up`] they are v3.5's `rayMulFloor`/`rayMulCeil` family, whose
//! overflow check is on the bare product. Source:
//! `@aave/core-v3/contracts/protocol/libraries/math/WadRayMath.sol` (v3.0, tested against on a local
//! EVM) and aave-v3-origin `src/contracts/protocol/libraries/math/WadRayMath.sol` (v3.5+).

use super::{
    Rounding,
    mul_div::{div_named, mul_div_named},
};
use crate::{Error, Result};
use alloy_primitives::U256;

/// 1e18: one in WAD fixed point.
pub const WAD: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);
/// 1e27: one in RAY fixed point.
pub const RAY: U256 = U256::from_limbs([0x9fd0803ce8000000, 0x33b2e3c, 0, 0]);
/// 1e9: RAY / WAD.
pub const WAD_RAY_RATIO: U256 = U256::from_limbs([1_000_000_000, 0, 0, 0]);

/// `a * b / WAD`.
#[inline]
pub fn wad_mul(a: U256, b: U256, rounding: Rounding) -> Result<U256> {
    mul_div_named(a, b, WAD, rounding, "wad_mul")
}

/// `a * WAD / b`.
#[inline]
pub fn wad_div(a: U256, b: U256, rounding: Rounding) -> Result<U256> {
    mul_div_named(a, WAD, b, rounding, "wad_div")
}

/// `a * b / RAY`.
#[inline]
pub fn ray_mul(a: U256, b: U256, rounding: Rounding) -> Result<U256> {
    mul_div_named(a, b, RAY, rounding, "ray_mul")
}

/// `a * RAY / b`.
#[inline]
pub fn ray_div(a: U256, b: U256, rounding: Rounding) -> Result<U256> {
    mul_div_named(a, RAY, b, rounding, "ray_div")
}

/// A RAY value as WAD; never fails. Aave's `rayToWad` rounds half up.
#[inline]
pub fn ray_to_wad(a: U256, rounding: Rounding) -> U256 {
    // WAD_RAY_RATIO is a non-zero constant, so the only error `div_named` has cannot happen.
    div_named(a, WAD_RAY_RATIO, rounding, "ray_to_wad").unwrap_or_default()
}

/// A WAD value as RAY: `a * 1e9`, failing on overflow as Aave's `wadToRay` does.
#[inline]
pub fn wad_to_ray(a: U256) -> Result<U256> {
    a.checked_mul(WAD_RAY_RATIO).ok_or(Error::Overflow { op: "wad_to_ray" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_are_what_they_say() {
        assert_eq!(WAD, U256::from(10u8).pow(U256::from(18u8)));
        assert_eq!(RAY, U256::from(10u8).pow(U256::from(27u8)));
        assert_eq!(RAY / WAD, WAD_RAY_RATIO);
    }

    fn dec(s: &str) -> U256 {
        U256::from_str_radix(s, 10).unwrap()
    }

    // Every expected value below is an assertion of aave-v3-origin
    // tests/protocol/libraries/math/WadRayMath.t.sol (test_wadMul, test_rayMul, test_wadDiv,
    // test_rayDiv, test_wadToRay, test_rayToWad, test_wadMul_edge).
    #[test]
    fn wad_ray_math_t_sol_vectors() {
        let h = Rounding::HalfUp;
        assert_eq!(
            wad_mul(dec("2500000000000000000"), dec("500000000000000000"), h),
            Ok(dec("1250000000000000000"))
        );
        assert_eq!(wad_mul(dec("412200000000000000000"), WAD, h), Ok(dec("412200000000000000000")));
        assert_eq!(
            wad_mul(dec("6000000000000000000"), dec("2000000000000000000"), h),
            Ok(dec("12000000000000000000"))
        );
        assert_eq!(wad_mul(U256::ZERO, WAD, h), Ok(U256::ZERO));
        assert_eq!(wad_mul(WAD, U256::ZERO, h), Ok(U256::ZERO));
        assert_eq!(
            ray_mul(dec("2500000000000000000000000000"), dec("500000000000000000000000000"), h),
            Ok(dec("1250000000000000000000000000"))
        );
        assert_eq!(
            ray_mul(dec("6000000000000000000000000000"), dec("2000000000000000000000000000"), h),
            Ok(dec("12000000000000000000000000000"))
        );
        assert_eq!(
            wad_div(dec("2500000000000000000"), dec("500000000000000000"), h),
            Ok(dec("5000000000000000000"))
        );
        assert_eq!(
            wad_div(dec("8745000000000000000"), dec("670000000000000000"), h),
            Ok(dec("13052238805970149254"))
        );
        assert_eq!(
            wad_div(dec("6000000000000000000"), dec("2000000000000000000"), h),
            Ok(dec("3000000000000000000"))
        );
        assert_eq!(
            ray_div(dec("8745000000000000000000000000"), dec("670000000000000000000000000"), h),
            Ok(dec("13052238805970149253731343284"))
        );
        assert_eq!(
            ray_div(dec("412200000000000000000000000000"), RAY, h),
            Ok(dec("412200000000000000000000000000"))
        );
        assert_eq!(
            wad_to_ray(dec("412200000000000000000")),
            Ok(dec("412200000000000000000000000000"))
        );
        assert_eq!(wad_to_ray(U256::ZERO), Ok(U256::ZERO));
        assert_eq!(
            ray_to_wad(dec("412200000000000000000000000000"), h),
            dec("412200000000000000000")
        );
        assert_eq!(ray_to_wad(U256::ZERO, h), U256::ZERO);
    }

    // test_rayToWad_fuzz's rule, on its boundary: a remainder of at least WAD_RAY_RATIO / 2 rounds up.
    #[test]
    fn ray_to_wad_rounds_half_up_at_the_boundary() {
        assert_eq!(ray_to_wad(U256::from(500_000_000u64), Rounding::HalfUp), U256::from(1u8));
        assert_eq!(ray_to_wad(U256::from(499_999_999u64), Rounding::HalfUp), U256::ZERO);
        assert_eq!(ray_to_wad(U256::from(1_499_999_999u64), Rounding::Down), U256::from(1u8));
        assert_eq!(ray_to_wad(U256::from(1_000_000_001u64), Rounding::Up), U256::from(2u8));
    }

    #[test]
    fn floor_and_ceil_differ_by_one_on_inexact_results() {
        // 1 wei * 1 wei / WAD = 1e-18: floor 0, ceil 1, half up 0.
        let one = U256::from(1u8);
        assert_eq!(wad_mul(one, one, Rounding::Down), Ok(U256::ZERO));
        assert_eq!(wad_mul(one, one, Rounding::Up), Ok(one));
        assert_eq!(wad_mul(one, one, Rounding::HalfUp), Ok(U256::ZERO));
        // Ceil checks only the bare product: MAX * 1 / RAY fits for Up, but HalfUp adds HALF_RAY.
        assert!(ray_mul(U256::MAX, one, Rounding::Up).is_ok());
        assert_eq!(
            ray_mul(U256::MAX, one, Rounding::HalfUp),
            Err(Error::Overflow { op: "ray_mul" })
        );
    }

    #[test]
    fn failures_are_typed() {
        assert_eq!(
            wad_div(U256::from(1u8), U256::ZERO, Rounding::HalfUp),
            Err(Error::DivisionByZero { op: "wad_div" })
        );
        assert_eq!(wad_to_ray(U256::MAX), Err(Error::Overflow { op: "wad_to_ray" }));
        // rayToWad never reverts: MAX mod 1e9 = 129,639,935 is below half, so it rounds down.
        assert_eq!(ray_to_wad(U256::MAX, Rounding::HalfUp), U256::MAX / WAD_RAY_RATIO);
        assert_eq!(
            ray_to_wad(U256::MAX, Rounding::Up),
            U256::MAX / WAD_RAY_RATIO + U256::from(1u8)
        );
    }
}
