//! Morpho Blue's `MathLib`, `SharesMathLib` and `UtilsLib` (`@morpho-org/morpho-blue@1.0.0`)
//! against `faultline_core::math::morpho`, panic codes included.

use crate::harness::{Harness, INPUTS, Revert, operands};
use alloy::{primitives::U256, sol};
use faultline_core::math::{morpho, wad_ray::WAD};
use faultline_test_support::Inputs;

sol! {
    #[derive(Debug)]
    contract MorphoMathHarness {
        function mulDivDown(uint256 x, uint256 y, uint256 d) external pure returns (uint256);
        function mulDivUp(uint256 x, uint256 y, uint256 d) external pure returns (uint256);
        function wMulDown(uint256 x, uint256 y) external pure returns (uint256);
        function wDivDown(uint256 x, uint256 y) external pure returns (uint256);
        function wDivUp(uint256 x, uint256 y) external pure returns (uint256);
        function wTaylorCompounded(uint256 x, uint256 n) external pure returns (uint256);
        function toSharesDown(uint256 assets, uint256 totalAssets, uint256 totalShares) external pure returns (uint256);
        function toAssetsDown(uint256 shares, uint256 totalAssets, uint256 totalShares) external pure returns (uint256);
        function toSharesUp(uint256 assets, uint256 totalAssets, uint256 totalShares) external pure returns (uint256);
        function toAssetsUp(uint256 shares, uint256 totalAssets, uint256 totalShares) external pure returns (uint256);
        function zeroFloorSub(uint256 x, uint256 y) external pure returns (uint256);
    }
}
use MorphoMathHarness::*;

const SOURCE: &str = "crates/core/tests/solidity/MorphoMathHarness.sol";

async fn harness() -> Harness {
    Harness::deploy(SOURCE, "MorphoMathHarness").await
}

fn product_bound(y: U256) -> Option<U256> {
    (!y.is_zero()).then(|| U256::MAX / y)
}

/// `(x, y, d)`: the product at its overflow bound a quarter of the time, `d` zero one time in
/// sixteen, a divisor spread over magnitudes otherwise.
fn triple(inputs: &mut Inputs) -> (U256, U256, U256) {
    let (x, y) = operands(inputs, product_bound);
    let d = match inputs.below(16) {
        0 => U256::ZERO,
        1..=7 => inputs.bits(128),
        _ => inputs.value(),
    };
    (x, y, d)
}

/// Share conversion inputs: Morpho keeps totals in `uint128`, so most totals are below 2^128, with
/// totals near `U256::MAX` (the virtual offsets' checked sums) one time in ten.
fn shares_inputs(inputs: &mut Inputs) -> (U256, U256, U256) {
    let amount = if inputs.below(2) == 0 { inputs.bits(128) } else { inputs.value() };
    let total = |inputs: &mut Inputs| match inputs.below(10) {
        0 => inputs.around(U256::MAX - U256::from(1_000_000u32)),
        1 => inputs.value(),
        _ => inputs.bits(128),
    };
    let total_assets = total(inputs);
    let total_shares = total(inputs);
    (amount, total_assets, total_shares)
}

#[tokio::test]
async fn mul_div_down_matches_morpho_math_lib_on_10000_inputs() {
    let mut inputs = Inputs::new("morpho.mulDivDown");
    let cases = (0..INPUTS)
        .map(|_| {
            let (x, y, d) = triple(&mut inputs);
            (mulDivDownCall { x, y, d }, morpho::mul_div_down(x, y, d))
        })
        .collect();
    harness().await.compare(cases, Revert::Panic).await.assert_identical(500);
}

#[tokio::test]
async fn mul_div_up_matches_morpho_math_lib_on_10000_inputs() {
    let mut inputs = Inputs::new("morpho.mulDivUp");
    let cases = (0..INPUTS)
        .map(|_| {
            let (x, y, d) = triple(&mut inputs);
            // A quarter of the time, put the biased sum `x * y + d - 1` at its overflow bound.
            let (x, y) = if inputs.below(4) == 0 && !d.is_zero() {
                let y = U256::from(1u8);
                (inputs.around(U256::MAX - (d - U256::from(1u8))), y)
            } else {
                (x, y)
            };
            (mulDivUpCall { x, y, d }, morpho::mul_div_up(x, y, d))
        })
        .collect();
    harness().await.compare(cases, Revert::Panic).await.assert_identical(500);
}

#[tokio::test]
async fn w_mul_down_matches_morpho_math_lib_on_10000_inputs() {
    let mut inputs = Inputs::new("morpho.wMulDown").with_edges([WAD]);
    let cases = (0..INPUTS)
        .map(|_| {
            let (x, y) = operands(&mut inputs, product_bound);
            (wMulDownCall { x, y }, morpho::w_mul_down(x, y))
        })
        .collect();
    harness().await.compare(cases, Revert::Panic).await.assert_identical(500);
}

#[tokio::test]
async fn w_div_down_matches_morpho_math_lib_on_10000_inputs() {
    let mut inputs = Inputs::new("morpho.wDivDown").with_edges([WAD]);
    let cases = (0..INPUTS)
        .map(|_| {
            let (x, y) = operands(&mut inputs, |_| Some(U256::MAX / WAD));
            (wDivDownCall { x, y }, morpho::w_div_down(x, y))
        })
        .collect();
    harness().await.compare(cases, Revert::Panic).await.assert_identical(500);
}

#[tokio::test]
async fn w_div_up_matches_morpho_math_lib_on_10000_inputs() {
    let mut inputs = Inputs::new("morpho.wDivUp").with_edges([WAD]);
    let cases = (0..INPUTS)
        .map(|_| {
            // The biased sum `x * WAD + y - 1` overflows just past this bound.
            let (x, y) = operands(&mut inputs, |y| {
                Some((U256::MAX - y.saturating_sub(U256::from(1u8))) / WAD)
            });
            (wDivUpCall { x, y }, morpho::w_div_up(x, y))
        })
        .collect();
    harness().await.compare(cases, Revert::Panic).await.assert_identical(500);
}

#[tokio::test]
async fn w_taylor_compounded_matches_morpho_math_lib_on_10000_inputs() {
    let mut inputs = Inputs::new("morpho.wTaylorCompounded");
    let cases = (0..INPUTS)
        .map(|_| {
            let (x, n) = match inputs.below(4) {
                // Realistic: a per-second rate up to ~2^64 (18 WAD/s) over up to ~35 years.
                0 | 1 => (inputs.bits(64), inputs.bits(30)),
                // Where the first term overflows.
                2 => operands(&mut inputs, product_bound),
                _ => (inputs.value(), inputs.value()),
            };
            (wTaylorCompoundedCall { x, n }, morpho::w_taylor_compounded(x, n))
        })
        .collect();
    harness().await.compare(cases, Revert::Panic).await.assert_identical(500);
}

macro_rules! shares_test {
    ($name:ident, $label:literal, $call:ident, $amount:ident, $rust:path) => {
        #[tokio::test]
        async fn $name() {
            let mut inputs = Inputs::new($label);
            let cases = (0..INPUTS)
                .map(|_| {
                    let ($amount, total_assets, total_shares) = shares_inputs(&mut inputs);
                    let rust = $rust($amount, total_assets, total_shares);
                    ($call { $amount, totalAssets: total_assets, totalShares: total_shares }, rust)
                })
                .collect();
            harness().await.compare(cases, Revert::Panic).await.assert_identical(500);
        }
    };
}

shares_test!(
    to_shares_down_matches_morpho_shares_math_lib_on_10000_inputs,
    "morpho.toSharesDown",
    toSharesDownCall,
    assets,
    morpho::to_shares_down
);
shares_test!(
    to_assets_down_matches_morpho_shares_math_lib_on_10000_inputs,
    "morpho.toAssetsDown",
    toAssetsDownCall,
    shares,
    morpho::to_assets_down
);
shares_test!(
    to_shares_up_matches_morpho_shares_math_lib_on_10000_inputs,
    "morpho.toSharesUp",
    toSharesUpCall,
    assets,
    morpho::to_shares_up
);
shares_test!(
    to_assets_up_matches_morpho_shares_math_lib_on_10000_inputs,
    "morpho.toAssetsUp",
    toAssetsUpCall,
    shares,
    morpho::to_assets_up
);

#[tokio::test]
async fn zero_floor_sub_matches_morpho_utils_lib_on_10000_inputs() {
    let mut inputs = Inputs::new("morpho.zeroFloorSub");
    let cases = (0..INPUTS)
        .map(|_| {
            let x = inputs.value();
            let y = if inputs.below(4) == 0 { inputs.around(x) } else { inputs.value() };
            (zeroFloorSubCall { x, y }, Ok(morpho::zero_floor_sub(x, y)))
        })
        .collect();
    harness().await.compare(cases, Revert::Panic).await.assert_identical_never_reverting();
}
