//! Differential test of the Uniswap v3 pool model against the real pool bytecode on anvil.
//!
//! The `UniswapV3Factory` creation code is read at test time from the pinned `@uniswap/v3-core`
//! npm artifact (never committed) and deployed on a fresh local anvil; the factory deploys the real
//! `UniswapV3Pool`. Our own harness (`tests/solidity/V3PoolHarness.sol`, compiled with solc-js)
//! creates a pool per case with two fresh test tokens, mints the positions and runs the swaps in
//! one `eth_call`. Every mint's token amounts, every swap's `(amount0, amount1)` and the pool's
//! `sqrtPriceX96`, `tick` and `liquidity` after it must equal the model's to the wei, and a swap
//! that reverts on chain must fail in the model.

use alloy::{
    primitives::{
        Address, Bytes, I256, U256,
        aliases::{I24, U24, U160},
        hex,
    },
    sol,
    sol_types::{SolCall, SolValue},
};
use faultline_liquidity::uniswap_v3::{
    Pool,
    tick_math::{MAX_SQRT_RATIO, MAX_TICK, MIN_SQRT_RATIO, MIN_TICK, get_sqrt_ratio_at_tick},
};
use faultline_test_support::{Evm, Inputs, solc, tools};

sol! {
    struct Position { int24 tickLower; int24 tickUpper; uint128 amount; }
    struct SwapOrder { bool zeroForOne; int256 amountSpecified; uint160 sqrtPriceLimitX96; }
    struct Minted { uint256 amount0; uint256 amount1; }
    #[derive(Debug)]
    struct Swapped { bool ok; int256 amount0; int256 amount1; uint160 sqrtPriceX96; int24 tick; uint128 liquidity; }
    function run(uint24 fee, uint160 sqrtPriceX96, Position[] positions, SwapOrder[] swaps)
        external returns (Minted[] minted, Swapped[] swapped);
    function enableFeeAmount(uint24 fee, int24 tickSpacing) external;
}

const HARNESS: &str = "crates/liquidity/tests/solidity/V3PoolHarness.sol";

/// Pools (random fee tier, price, liquidity layout and swap sequence) per run.
const POOLS: usize = 300;

/// Fee tiers: the factory's three, plus 0.01% with spacing 1 (enabled by the owner, as Uniswap
/// governance later did), whose dense ticks make word-boundary steps frequent.
const TIERS: [(u32, i32); 4] = [(100, 1), (500, 10), (3000, 60), (10000, 200)];

fn factory_creation_code() -> Bytes {
    let dir =
        tools::package_dir("@uniswap/v3-core").expect("the pinned @uniswap/v3-core npm package");
    let path = dir.join("artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let json: serde_json::Value = serde_json::from_str(&text).expect("artifact JSON");
    let code = json["bytecode"].as_str().expect("artifact bytecode");
    hex::decode(code).expect("bytecode hex").into()
}

/// One random case: the pool's tier and price, the positions, the swaps.
struct Case {
    fee: u32,
    spacing: i32,
    sqrt_price: U256,
    positions: Vec<(i32, i32, u128)>,
    swaps: Vec<(bool, I256, U256)>,
}

fn draw_case(inputs: &mut Inputs) -> Case {
    let (fee, spacing) = TIERS[inputs.below(TIERS.len() as u64) as usize];
    let center = inputs.below(600_001) as i32 - 300_000;
    let low = get_sqrt_ratio_at_tick(center).unwrap();
    let gap = get_sqrt_ratio_at_tick(center + 1).unwrap() - low;
    let sqrt_price = low + inputs.word() % gap;
    let aligned = center.div_euclid(spacing) * spacing;

    let mut positions = Vec::new();
    for _ in 0..1 + inputs.below(8) {
        let (lower, upper) = if inputs.below(10) == 0 {
            ((MIN_TICK / spacing) * spacing, (MAX_TICK / spacing) * spacing)
        } else {
            let lower = aligned + spacing * (inputs.below(61) as i32 - 40);
            (lower, lower + spacing * (1 + inputs.below(40) as i32))
        };
        let amount = 1 + inputs.bits(96).to::<u128>();
        positions.push((lower, upper, amount));
    }

    let mut swaps = Vec::new();
    for _ in 0..1 + inputs.below(6) {
        let zero_for_one = inputs.below(2) == 0;
        let magnitude = match inputs.below(20) {
            0 => U256::ZERO,
            _ => inputs.bits(110),
        };
        let magnitude = I256::try_from(magnitude).unwrap();
        let amount = if inputs.below(2) == 0 { magnitude } else { -magnitude };
        let limit = match inputs.below(20) {
            // A limit on the wrong side or at the bound: the pool reverts ('SPL').
            0 => {
                if zero_for_one {
                    MAX_SQRT_RATIO - U256::from(1u8)
                } else {
                    MIN_SQRT_RATIO + U256::from(1u8)
                }
            }
            1 => {
                if zero_for_one {
                    MIN_SQRT_RATIO
                } else {
                    MAX_SQRT_RATIO
                }
            }
            2..=13 => {
                if zero_for_one {
                    MIN_SQRT_RATIO + U256::from(1u8)
                } else {
                    MAX_SQRT_RATIO - U256::from(1u8)
                }
            }
            // A limit a few hundred ticks away, in the swap direction.
            _ => {
                let distance = 1 + inputs.below(2_000) as i32;
                let tick = if zero_for_one { center - distance } else { center + distance };
                get_sqrt_ratio_at_tick(tick.clamp(MIN_TICK + 1, MAX_TICK - 1)).unwrap()
            }
        };
        swaps.push((zero_for_one, amount, limit));
    }
    Case { fee, spacing, sqrt_price, positions, swaps }
}

#[tokio::test]
async fn pool_matches_uniswap_v3_bytecode_on_300_pools() {
    let compiled = solc::compile(&[HARNESS], solc::Settings::HARNESS)
        .unwrap_or_else(|e| panic!("compiling: {e}"));
    let evm = Evm::start().await.unwrap_or_else(|e| panic!("starting anvil: {e}"));
    let factory = evm
        .deploy(factory_creation_code())
        .await
        .unwrap_or_else(|e| panic!("deploying the factory: {e}"));
    let enable =
        enableFeeAmountCall { fee: U24::from(100u32), tickSpacing: I24::try_from(1).unwrap() };
    evm.send(factory, enable.abi_encode().into())
        .await
        .unwrap_or_else(|e| panic!("enabling fee 100: {e}"));
    let mut code = compiled.bytecode("V3PoolHarness").unwrap().to_vec();
    code.extend(factory.abi_encode());
    let harness: Address =
        evm.deploy(code.into()).await.unwrap_or_else(|e| panic!("deploying the harness: {e}"));

    let mut inputs = Inputs::new("uniswap_v3_pool_differential");
    let (mut swaps_total, mut swaps_ok, mut swaps_reverted, mut crossings, mut mints) =
        (0, 0, 0, 0, 0);
    let mut mismatches = Vec::new();
    for case_index in 0..POOLS {
        let case = draw_case(&mut inputs);
        let mut pool = Pool::new(case.fee, case.spacing, case.sqrt_price).unwrap();
        let mut positions = Vec::new();
        let mut expected_mints = Vec::new();
        for &(lower, upper, amount) in &case.positions {
            // Only positions the model accepts go on chain, where every mint must then succeed.
            if let Ok(amounts) = pool.mint(lower, upper, amount) {
                positions.push(Position {
                    tickLower: I24::try_from(lower).unwrap(),
                    tickUpper: I24::try_from(upper).unwrap(),
                    amount,
                });
                expected_mints.push(amounts);
            }
        }
        let mut expected_swaps = Vec::new();
        for &(zero_for_one, amount, limit) in &case.swaps {
            let before = pool.tick();
            let result = pool.swap(zero_for_one, amount, limit);
            if let Ok(after) = &result {
                let (lo, hi) = (before.min(after.tick), before.max(after.tick));
                crossings += pool.ticks().filter(|(t, _)| lo < *t && *t <= hi).count();
            }
            expected_swaps.push(result);
        }
        let call = runCall {
            fee: U24::from(case.fee),
            sqrtPriceX96: U160::from(case.sqrt_price),
            positions,
            swaps: case
                .swaps
                .iter()
                .map(|&(zero_for_one, amount, limit)| SwapOrder {
                    zeroForOne: zero_for_one,
                    amountSpecified: amount,
                    sqrtPriceLimitX96: U160::from(limit),
                })
                .collect(),
        };
        let returned = evm
            .call(harness, call.abi_encode().into())
            .await
            .unwrap_or_else(|e| panic!("case {case_index}: {e}"));
        let chain = runCall::abi_decode_returns(&returned).unwrap();

        mints += chain.minted.len();
        for (i, (minted, expected)) in chain.minted.iter().zip(&expected_mints).enumerate() {
            if (minted.amount0, minted.amount1) != *expected {
                mismatches.push(format!(
                    "case {case_index} mint {i}: chain ({}, {}), model {expected:?}",
                    minted.amount0, minted.amount1
                ));
            }
        }
        for (i, (swapped, expected)) in chain.swapped.iter().zip(&expected_swaps).enumerate() {
            swaps_total += 1;
            let agrees = match expected {
                Ok(r) => {
                    swaps_ok += 1;
                    swapped.ok
                        && swapped.amount0 == r.amount0
                        && swapped.amount1 == r.amount1
                        && U256::from(swapped.sqrtPriceX96) == r.sqrt_price_x96
                        && swapped.tick.as_i32() == r.tick
                        && swapped.liquidity == r.liquidity
                }
                Err(_) => {
                    swaps_reverted += 1;
                    !swapped.ok
                }
            };
            if !agrees {
                mismatches.push(format!(
                    "case {case_index} swap {i} {:?}: chain {swapped:?}, model {expected:?}",
                    case.swaps[i]
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches, first: {:#?}",
        mismatches.len(),
        &mismatches[..mismatches.len().min(5)]
    );
    // The cases must exercise what they are for: many swaps, tick crossings, and reverts.
    assert!(
        swaps_ok >= POOLS && crossings >= POOLS && swaps_reverted > 0,
        "{swaps_total} swaps, {swaps_ok} filled, {swaps_reverted} reverted, {crossings} tick crossings"
    );
    eprintln!(
        "{POOLS} pools, {mints} mints, {swaps_total} swaps ({swaps_ok} filled, {swaps_reverted} reverted), \
         {crossings} initialised-tick crossings: identical to the wei"
    );
}
