//! The floor/ceil variants Aave v3.5 introduced (`@aave-dao/aave-v3-origin@3.6.0`, `WadRayMath`
//! and `PercentageMath`) against `faultline_core::math` with `Rounding::Down`/`Rounding::Up`. Their
//! overflow check is on the bare product, unlike the half-up functions'.

use crate::harness::{Harness, INPUTS, Revert, operands};
use alloy::{primitives::U256, sol};
use faultline_core::math::{
    Rounding::{Down, Up},
    percentage::{PERCENTAGE_FACTOR, percent_div, percent_mul},
    wad_ray::{RAY, ray_div, ray_mul},
};
use faultline_test_support::Inputs;

sol! {
    #[derive(Debug)]
    contract AaveOriginMathHarness {
        function rayMulFloor(uint256 a, uint256 b) external pure returns (uint256);
        function rayMulCeil(uint256 a, uint256 b) external pure returns (uint256);
        function rayDivFloor(uint256 a, uint256 b) external pure returns (uint256);
        function rayDivCeil(uint256 a, uint256 b) external pure returns (uint256);
        function percentMulFloor(uint256 value, uint256 percentage) external pure returns (uint256);
        function percentMulCeil(uint256 value, uint256 percentage) external pure returns (uint256);
        function percentDivCeil(uint256 value, uint256 percentage) external pure returns (uint256);
    }
}
use AaveOriginMathHarness::*;

const SOURCE: &str = "crates/core/tests/solidity/AaveOriginMathHarness.sol";

async fn harness() -> Harness {
    Harness::deploy(SOURCE, "AaveOriginMathHarness").await
}

/// `a * b` overflows just past `MAX / b`.
fn product_bound(b: U256) -> Option<U256> {
    (!b.is_zero()).then(|| U256::MAX / b)
}

/// `a * unit` overflows just past `MAX / unit`, whatever the divisor.
fn scaled_bound(unit: U256) -> impl Fn(U256) -> Option<U256> {
    move |_| Some(U256::MAX / unit)
}

macro_rules! origin_test {
    ($name:ident, $label:literal, $call:ident { $a:ident, $b:ident }, $bound:expr, $rust:expr) => {
        #[tokio::test]
        async fn $name() {
            let mut inputs =
                Inputs::new($label).with_edges([RAY / U256::from(2u8), PERCENTAGE_FACTOR]);
            let cases = (0..INPUTS)
                .map(|_| {
                    let ($a, $b) =
                        if inputs.below(4) == 0 && $label.starts_with("aave-origin.percent") {
                            // Realistic basis points (0 to 200%) on any value.
                            (inputs.value(), U256::from(inputs.below(20_001)))
                        } else {
                            operands(&mut inputs, $bound)
                        };
                    ($call { $a, $b }, $rust)
                })
                .collect();
            harness().await.compare(cases, Revert::Empty).await.assert_identical(500);
        }
    };
}

origin_test!(
    ray_mul_floor_matches_aave_origin_on_10000_inputs,
    "aave-origin.rayMulFloor",
    rayMulFloorCall { a, b },
    product_bound,
    ray_mul(a, b, Down)
);
origin_test!(
    ray_mul_ceil_matches_aave_origin_on_10000_inputs,
    "aave-origin.rayMulCeil",
    rayMulCeilCall { a, b },
    product_bound,
    ray_mul(a, b, Up)
);
origin_test!(
    ray_div_floor_matches_aave_origin_on_10000_inputs,
    "aave-origin.rayDivFloor",
    rayDivFloorCall { a, b },
    scaled_bound(RAY),
    ray_div(a, b, Down)
);
origin_test!(
    ray_div_ceil_matches_aave_origin_on_10000_inputs,
    "aave-origin.rayDivCeil",
    rayDivCeilCall { a, b },
    scaled_bound(RAY),
    ray_div(a, b, Up)
);
origin_test!(
    percent_mul_floor_matches_aave_origin_on_10000_inputs,
    "aave-origin.percentMulFloor",
    percentMulFloorCall { value, percentage },
    product_bound,
    percent_mul(value, percentage, Down)
);
origin_test!(
    percent_mul_ceil_matches_aave_origin_on_10000_inputs,
    "aave-origin.percentMulCeil",
    percentMulCeilCall { value, percentage },
    product_bound,
    percent_mul(value, percentage, Up)
);
origin_test!(
    percent_div_ceil_matches_aave_origin_on_10000_inputs,
    "aave-origin.percentDivCeil",
    percentDivCeilCall { value, percentage },
    scaled_bound(PERCENTAGE_FACTOR),
    percent_div(value, percentage, Up)
);
