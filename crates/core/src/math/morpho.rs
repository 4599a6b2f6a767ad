//! Morpho Blue's math libraries, bit for bit: `MathLib`, `SharesMathLib` and `UtilsLib`.
//!
//! Source: `@morpho-org/morpho-blue@1.0.0` `src/libraries/{MathLib,SharesMathLib,UtilsLib}.sol`
//! (logic identical at morpho-blue HEAD). These are plain Solidity 0.8 expressions, so they fail
//! with panic `0x11` on any overflowing or underflowing step and `0x12` on division by zero; the
//! functions below fail on exactly the same inputs with the matching [`Error`] (see
//! [`Error::solidity_panic_code`]).

use super::{Rounding, mul_div::mul_div_named, wad_ray::WAD};
use crate::{Error, Result};
use alloy_primitives::U256;

/// Virtual shares added to every share total (`SharesMathLib.VIRTUAL_SHARES`).
pub const VIRTUAL_SHARES: U256 = U256::from_limbs([1_000_000, 0, 0, 0]);
/// Virtual assets added to every asset total (`SharesMathLib.VIRTUAL_ASSETS`).
pub const VIRTUAL_ASSETS: U256 = U256::from_limbs([1, 0, 0, 0]);

/// `(x * y) / d` rounded down (`MathLib.mulDivDown`).
#[inline]
pub fn mul_div_down(x: U256, y: U256, d: U256) -> Result<U256> {
    mul_div_named(x, y, d, Rounding::Down, "mulDivDown")
}

/// `(x * y + (d - 1)) / d`: rounded up the way `MathLib.mulDivUp` writes it, so it also fails when
/// `d` is zero (`d - 1` underflows, panic `0x11`, not `0x12`) and when the biased sum overflows.
#[inline]
pub fn mul_div_up(x: U256, y: U256, d: U256) -> Result<U256> {
    const OP: &str = "mulDivUp";
    let product = x.checked_mul(y).ok_or(Error::Overflow { op: OP })?;
    let bias = d.checked_sub(U256::from(1u8)).ok_or(Error::Underflow { op: OP })?;
    let biased = product.checked_add(bias).ok_or(Error::Overflow { op: OP })?;
    // `d >= 1` here: `d - 1` did not underflow.
    Ok(biased / d)
}

/// `x * y / WAD` rounded down (`MathLib.wMulDown`).
#[inline]
pub fn w_mul_down(x: U256, y: U256) -> Result<U256> {
    mul_div_down(x, y, WAD)
}

/// `x * WAD / y` rounded down (`MathLib.wDivDown`).
#[inline]
pub fn w_div_down(x: U256, y: U256) -> Result<U256> {
    mul_div_down(x, WAD, y)
}

/// `x * WAD / y` rounded up (`MathLib.wDivUp`).
#[inline]
pub fn w_div_up(x: U256, y: U256) -> Result<U256> {
    mul_div_up(x, WAD, y)
}

/// `e^(x * n) - 1` by its first three Taylor terms, in WAD (`MathLib.wTaylorCompounded`): the
/// interest factor Morpho accrues for a per-second rate `x` over `n` seconds.
pub fn w_taylor_compounded(x: U256, n: U256) -> Result<U256> {
    const OP: &str = "wTaylorCompounded";
    let first = x.checked_mul(n).ok_or(Error::Overflow { op: OP })?;
    let second = mul_div_down(first, first, WAD * U256::from(2u8))?;
    let third = mul_div_down(second, first, WAD * U256::from(3u8))?;
    first
        .checked_add(second)
        .and_then(|sum| sum.checked_add(third))
        .ok_or(Error::Overflow { op: OP })
}

/// Assets quoted in shares, rounded down (`SharesMathLib.toSharesDown`).
#[inline]
pub fn to_shares_down(assets: U256, total_assets: U256, total_shares: U256) -> Result<U256> {
    let (shares, assets_total) = virtual_totals(total_assets, total_shares)?;
    mul_div_down(assets, shares, assets_total)
}

/// Shares quoted in assets, rounded down (`SharesMathLib.toAssetsDown`).
#[inline]
pub fn to_assets_down(shares: U256, total_assets: U256, total_shares: U256) -> Result<U256> {
    let (shares_total, assets_total) = virtual_totals(total_assets, total_shares)?;
    mul_div_down(shares, assets_total, shares_total)
}

/// Assets quoted in shares, rounded up (`SharesMathLib.toSharesUp`).
#[inline]
pub fn to_shares_up(assets: U256, total_assets: U256, total_shares: U256) -> Result<U256> {
    let (shares, assets_total) = virtual_totals(total_assets, total_shares)?;
    mul_div_up(assets, shares, assets_total)
}

/// Shares quoted in assets, rounded up (`SharesMathLib.toAssetsUp`).
#[inline]
pub fn to_assets_up(shares: U256, total_assets: U256, total_shares: U256) -> Result<U256> {
    let (shares_total, assets_total) = virtual_totals(total_assets, total_shares)?;
    mul_div_up(shares, assets_total, shares_total)
}

/// `(total_shares + VIRTUAL_SHARES, total_assets + VIRTUAL_ASSETS)`, each a checked Solidity sum.
#[inline]
fn virtual_totals(total_assets: U256, total_shares: U256) -> Result<(U256, U256)> {
    const OP: &str = "SharesMathLib";
    let shares = total_shares.checked_add(VIRTUAL_SHARES).ok_or(Error::Overflow { op: OP })?;
    let assets = total_assets.checked_add(VIRTUAL_ASSETS).ok_or(Error::Overflow { op: OP })?;
    Ok((shares, assets))
}

/// `max(0, x - y)` (`UtilsLib.zeroFloorSub`).
#[inline]
pub const fn zero_floor_sub(x: U256, y: U256) -> U256 {
    x.saturating_sub(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(v: u128) -> U256 {
        U256::from(v)
    }

    #[test]
    fn mul_div_up_fails_where_morpho_does() {
        // d = 0: `d - 1` underflows before any division (panic 0x11, not 0x12).
        let err = mul_div_up(u(1), u(1), U256::ZERO).unwrap_err();
        assert_eq!(err, Error::Underflow { op: "mulDivUp" });
        assert_eq!(err.solidity_panic_code(), Some(0x11));
        // The product fits but product + d - 1 does not.
        assert_eq!(mul_div_up(U256::MAX, u(1), u(2)), Err(Error::Overflow { op: "mulDivUp" }));
        // mulDivDown divides by zero with 0x12.
        let err = mul_div_down(u(1), u(1), U256::ZERO).unwrap_err();
        assert_eq!(err.solidity_panic_code(), Some(0x12));
    }

    #[test]
    fn rounding_directions() {
        // 10 * 1 / 3: down 3, up 4.
        assert_eq!(mul_div_down(u(10), u(1), u(3)), Ok(u(3)));
        assert_eq!(mul_div_up(u(10), u(1), u(3)), Ok(u(4)));
        // 1 wei / 3 WAD: wDivDown 0.333e18, wDivUp one more.
        assert_eq!(w_div_down(u(1), u(3)), Ok(u(333_333_333_333_333_333)));
        assert_eq!(w_div_up(u(1), u(3)), Ok(u(333_333_333_333_333_334)));
    }

    #[test]
    fn shares_on_an_empty_market_use_the_virtual_offsets() {
        // An empty market converts at VIRTUAL_SHARES / VIRTUAL_ASSETS = 1e6 shares per asset.
        assert_eq!(to_shares_down(u(1), U256::ZERO, U256::ZERO), Ok(u(1_000_000)));
        assert_eq!(to_assets_down(u(1_000_000), U256::ZERO, U256::ZERO), Ok(u(1)));
        // 100 assets backing 100e6 shares: one share is worth 101/100000001 assets, which rounds
        // up to 1 and down to 0.
        assert_eq!(to_assets_up(u(1), u(100), u(100_000_000)), Ok(u(1)));
        assert_eq!(to_assets_down(u(1), u(100), u(100_000_000)), Ok(u(0)));
    }

    #[test]
    fn taylor_compounding_hand_computed() {
        // x = 1e18 (100% per second) over n = 1: 1 + 1/2 + 1/6 = 1.666...e18 (floor on each term).
        assert_eq!(
            w_taylor_compounded(WAD, u(1)),
            Ok(u(1_000_000_000_000_000_000 + 500_000_000_000_000_000 + 166_666_666_666_666_666))
        );
        assert_eq!(
            w_taylor_compounded(U256::MAX, u(2)),
            Err(Error::Overflow { op: "wTaylorCompounded" })
        );
    }

    #[test]
    fn zero_floor_sub_floors_at_zero() {
        assert_eq!(zero_floor_sub(u(3), u(5)), U256::ZERO);
        assert_eq!(zero_floor_sub(u(5), u(3)), u(2));
    }
}
