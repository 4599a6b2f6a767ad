//! Aave v3's `WadRayMath` and `PercentageMath` (`@aave/core-v3@1.19.3`, the v3.0 half-up
//! functions) against `faultline_core::math::{wad_ray, percentage}` with `Rounding::HalfUp`.

use crate::harness::{Harness, INPUTS, Revert, operands};
use alloy::{primitives::U256, sol};
use faultline_core::math::{
    Rounding::HalfUp,
    percentage::{PERCENTAGE_FACTOR, percent_div, percent_mul},
    wad_ray::{
        RAY, WAD, WAD_RAY_RATIO, ray_div, ray_mul, ray_to_wad, wad_div, wad_mul, wad_to_ray,
    },
};
use faultline_test_support::Inputs;

sol! {
    #[derive(Debug)]
    contract AaveMathHarness {
        function wadMul(uint256 a, uint256 b) external pure returns (uint256);
        function wadDiv(uint256 a, uint256 b) external pure returns (uint256);
        function rayMul(uint256 a, uint256 b) external pure returns (uint256);
        function rayDiv(uint256 a, uint256 b) external pure returns (uint256);
        function rayToWad(uint256 a) external pure returns (uint256);
        function wadToRay(uint256 a) external pure returns (uint256);
        function percentMul(uint256 value, uint256 percentage) external pure returns (uint256);
        function percentDiv(uint256 value, uint256 percentage) external pure returns (uint256);
    }
}
use AaveMathHarness::*;

const SOURCE: &str = "crates/core/tests/solidity/AaveMathHarness.sol";

async fn harness() -> Harness {
    Harness::deploy(SOURCE, "AaveMathHarness").await
}

/// The bound past which `a * b + half` overflows, as the library checks it.
fn mul_bound(half: U256) -> impl Fn(U256) -> Option<U256> {
    move |b| (!b.is_zero()).then(|| (U256::MAX - half) / b)
}

/// The bound past which `a * unit + b / 2` overflows.
fn div_bound(unit: U256) -> impl Fn(U256) -> Option<U256> {
    move |b| Some((U256::MAX - b / U256::from(2u8)) / unit)
}

fn edges() -> [U256; 4] {
    [
        WAD / U256::from(2u8),
        RAY / U256::from(2u8),
        WAD_RAY_RATIO / U256::from(2u8),
        PERCENTAGE_FACTOR / U256::from(2u8),
    ]
}

#[tokio::test]
async fn wad_mul_matches_aave_wad_ray_math_on_10000_inputs() {
    let mut inputs = Inputs::new("aave.wadMul").with_edges(edges());
    let cases = (0..INPUTS)
        .map(|_| {
            let (a, b) = operands(&mut inputs, mul_bound(WAD / U256::from(2u8)));
            (wadMulCall { a, b }, wad_mul(a, b, HalfUp))
        })
        .collect();
    harness().await.compare(cases, Revert::Empty).await.assert_identical(500);
}

#[tokio::test]
async fn wad_div_matches_aave_wad_ray_math_on_10000_inputs() {
    let mut inputs = Inputs::new("aave.wadDiv").with_edges(edges());
    let cases = (0..INPUTS)
        .map(|_| {
            let (a, b) = operands(&mut inputs, div_bound(WAD));
            (wadDivCall { a, b }, wad_div(a, b, HalfUp))
        })
        .collect();
    harness().await.compare(cases, Revert::Empty).await.assert_identical(500);
}

#[tokio::test]
async fn ray_mul_matches_aave_wad_ray_math_on_10000_inputs() {
    let mut inputs = Inputs::new("aave.rayMul").with_edges(edges());
    let cases = (0..INPUTS)
        .map(|_| {
            let (a, b) = operands(&mut inputs, mul_bound(RAY / U256::from(2u8)));
            (rayMulCall { a, b }, ray_mul(a, b, HalfUp))
        })
        .collect();
    harness().await.compare(cases, Revert::Empty).await.assert_identical(500);
}

#[tokio::test]
async fn ray_div_matches_aave_wad_ray_math_on_10000_inputs() {
    let mut inputs = Inputs::new("aave.rayDiv").with_edges(edges());
    let cases = (0..INPUTS)
        .map(|_| {
            let (a, b) = operands(&mut inputs, div_bound(RAY));
            (rayDivCall { a, b }, ray_div(a, b, HalfUp))
        })
        .collect();
    harness().await.compare(cases, Revert::Empty).await.assert_identical(500);
}

#[tokio::test]
async fn ray_to_wad_matches_aave_wad_ray_math_on_10000_inputs() {
    let mut inputs = Inputs::new("aave.rayToWad").with_edges(edges());
    let cases = (0..INPUTS)
        .map(|_| {
            // Half the draws land on the rounding boundary: k * 1e9 + {0.5e9 - 1, 0.5e9, 0.5e9 + 1}.
            let a = if inputs.below(2) == 0 {
                let k = inputs.bits(200);
                inputs.around(k * WAD_RAY_RATIO + WAD_RAY_RATIO / U256::from(2u8))
            } else {
                inputs.value()
            };
            (rayToWadCall { a }, Ok(ray_to_wad(a, HalfUp)))
        })
        .collect();
    harness().await.compare(cases, Revert::Empty).await.assert_identical_never_reverting();
}

#[tokio::test]
async fn wad_to_ray_matches_aave_wad_ray_math_on_10000_inputs() {
    let mut inputs = Inputs::new("aave.wadToRay").with_edges(edges());
    let bound = U256::MAX / WAD_RAY_RATIO;
    let cases = (0..INPUTS)
        .map(|_| {
            let a = if inputs.below(4) == 0 { inputs.around(bound) } else { inputs.value() };
            (wadToRayCall { a }, wad_to_ray(a))
        })
        .collect();
    harness().await.compare(cases, Revert::Empty).await.assert_identical(500);
}

#[tokio::test]
async fn percent_mul_matches_aave_percentage_math_on_10000_inputs() {
    let mut inputs = Inputs::new("aave.percentMul").with_edges(edges());
    let cases = (0..INPUTS)
        .map(|_| {
            let (value, percentage) = if inputs.below(4) == 0 {
                // Realistic basis points (0 to 200%) on any value.
                (inputs.value(), U256::from(inputs.below(20_001)))
            } else {
                operands(&mut inputs, mul_bound(PERCENTAGE_FACTOR / U256::from(2u8)))
            };
            (percentMulCall { value, percentage }, percent_mul(value, percentage, HalfUp))
        })
        .collect();
    harness().await.compare(cases, Revert::Empty).await.assert_identical(500);
}

#[tokio::test]
async fn percent_div_matches_aave_percentage_math_on_10000_inputs() {
    let mut inputs = Inputs::new("aave.percentDiv").with_edges(edges());
    let cases = (0..INPUTS)
        .map(|_| {
            let (value, percentage) = if inputs.below(4) == 0 {
                (inputs.value(), U256::from(inputs.below(20_001)))
            } else {
                operands(&mut inputs, div_bound(PERCENTAGE_FACTOR))
            };
            (percentDivCall { value, percentage }, percent_div(value, percentage, HalfUp))
        })
        .collect();
    harness().await.compare(cases, Revert::Empty).await.assert_identical(500);
}
