//! Contract-exact fixed-point arithmetic on [`U256`].
//!
//! Every function mirrors a specific piece of Solidity, including *how* it fails: which
//! intermediate is checked for overflow matters, because the same formula written two ways
//! reverts on different inputs. The differential tests in `crates/core/tests/` run each function
//! against the real library on a local EVM.
//!
//! - [`mul_div`]: the building block, `x * y / d` with a named [`Rounding`], where `x * y` must fit
//!   in 256 bits (plain Solidity 0.8 arithmetic). [`mul_div_full`] keeps a 512-bit product instead
//!   (OpenZeppelin's `Math.mulDiv`, Uniswap's `FullMath`). [`div`] rounds a plain quotient.
//! - [`wad_ray`]: WAD (1e18) and RAY (1e27) helpers, as Aave's `WadRayMath`.
//! - [`percentage`]: basis-point helpers, as Aave's `PercentageMath`.
//! - [`morpho`]: Morpho Blue's `MathLib`, `SharesMathLib` and `UtilsLib`.

pub mod morpho;
mod mul_div;
pub mod percentage;
mod rounding;
pub mod wad_ray;

use alloy_primitives::U256;
pub use mul_div::{div, mul_div, mul_div_full};
pub use rounding::Rounding;

/// `10^exp` as a [`U256`], or `None` when it does not fit (exp > 77).
///
/// From a table built once: every raw/decimal conversion asks for a power of ten, and a
/// 256-bit `checked_pow` per conversion was the largest single cost of a Monte Carlo path.
pub fn pow10(exp: u32) -> Option<U256> {
    static TABLE: std::sync::OnceLock<[U256; 78]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut powers = [U256::from(1u8); 78];
        for k in 1..powers.len() {
            powers[k] = powers[k - 1] * U256::from(10u8);
        }
        powers
    });
    table.get(exp as usize).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pow10_table_is_the_power_and_ends_where_u256_does() {
        for exp in 0..=77 {
            assert_eq!(pow10(exp), U256::from(10u8).checked_pow(U256::from(exp)), "10^{exp}");
        }
        // 10^78 > 2^256 - 1 (about 1.16e77).
        assert_eq!(U256::from(10u8).checked_pow(U256::from(78u8)), None);
        assert_eq!(pow10(78), None);
        assert_eq!(pow10(u32::MAX), None);
    }
}
