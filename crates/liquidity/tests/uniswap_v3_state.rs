//! A pool rebuilt from the state a chain read gives (`slot0`, `liquidity`, the initialised ticks'
//! `liquidityNet` in a range) trades exactly as the pool it was read from, and a venue over it
//! never trades past the range read.

use alloy_primitives::{I256, U256};
use faultline_liquidity::{
    Error, Pair, Side, Venue,
    uniswap_v3::{ConcentratedLiquidity, Pool, tick_math::get_sqrt_ratio_at_tick},
};

/// A pool at tick 0 (price 1) with positions whose ticks straddle several bitmap words at
/// spacing 60 (a word is 256 × 60 = 15,360 ticks).
fn minted() -> Pool {
    let mut pool = Pool::new(3000, 60, U256::from(1u8) << 96usize).unwrap();
    let e18 = 1_000_000_000_000_000_000u128;
    for (lower, upper, amount) in [
        (-600, 600, 1_000 * e18),
        (-120, 1_200, 500 * e18),
        (60, 180, 200 * e18),
        (-30_000, 30_000, 10 * e18),
        (-887_220, 887_220, e18),
    ] {
        pool.mint(lower, upper, amount).unwrap();
    }
    pool
}

/// The state of `pool` a reader of ticks `[lower, upper]` sees.
fn read(pool: &Pool, lower: i32, upper: i32) -> Pool {
    let ticks: Vec<(i32, i128)> = pool
        .ticks()
        .filter(|(t, _)| (lower..=upper).contains(t))
        .map(|(t, info)| (t, info.liquidity_net))
        .collect();
    Pool::from_state(
        pool.fee(),
        pool.tick_spacing(),
        pool.sqrt_price_x96(),
        pool.tick(),
        pool.liquidity(),
        &ticks,
        (lower, upper),
    )
    .unwrap()
}

#[test]
fn a_pool_read_in_a_range_swaps_as_the_pool_within_it() {
    let pool = minted();
    let state = read(&pool, -36_000, 36_000);
    // Swaps in both directions, exact in and out, small and crossing many ticks (one past
    // tick ±30,000, where the 10e18 position ends), limited at ±35,000 (inside the range).
    let low = get_sqrt_ratio_at_tick(-35_000).unwrap();
    let high = get_sqrt_ratio_at_tick(35_000).unwrap();
    for amount in [1i128, 1_000, 10i128.pow(15), 10i128.pow(18) * 50, 10i128.pow(18) * 900] {
        for (zero_for_one, limit) in [(true, low), (false, high)] {
            for sign in [1i64, -1] {
                let specified = I256::try_from(amount * i128::from(sign)).unwrap();
                let expected = pool.quote_swap(zero_for_one, specified, limit);
                let got = state.quote_swap(zero_for_one, specified, limit);
                assert_eq!(got, expected, "{zero_for_one} {specified}");
            }
        }
    }
    // And after a swap moved the price off tick 0 (read again from the moved pool).
    let mut moved = pool;
    moved.swap(true, I256::try_from(10i128.pow(18) * 700).unwrap(), low).unwrap();
    let state = read(&moved, -36_000, 36_000);
    let specified = I256::try_from(10i128.pow(18) * 300).unwrap();
    assert_eq!(
        state.quote_swap(false, specified, high).unwrap(),
        moved.quote_swap(false, specified, high).unwrap()
    );
}

#[test]
fn a_venue_does_not_trade_past_the_range_read() {
    let pool = minted();
    let state = read(&pool, -1_200, 1_200);
    let pair = Pair::new(18, 18).unwrap();
    let bounded =
        ConcentratedLiquidity::new("v3", pair, state, true).with_range(-1_200, 1_200).unwrap();
    let unbounded = ConcentratedLiquidity::new("v3", pair, pool, true);
    // A sale that stays inside the range is priced alike.
    let small = U256::from(10u64.pow(18));
    assert_eq!(
        bounded.quote(Side::Sell, small).unwrap(),
        unbounded.quote(Side::Sell, small).unwrap()
    );
    // Token0 in to move the price from tick 0 down to tick -1,200 is Σ L·(1/√p_low − 1/√p_high)
    // over the stretches: 1,511e18 to -120 (1.0001^60 − 1 ≈ 0.00602), 1,011e18 to -600
    // (1.0001^300 − 1.0001^60 ≈ 0.02444), 11e18 to -1,200 (≈ 0.03138): about 34e18 before fees.
    // A sale of 10,000e18 goes far beyond: the full pool prices it on liquidity past the range;
    // the bounded venue refuses and says how much it could fill instead.
    let big = U256::from(10u64.pow(18)) * U256::from(10_000u32);
    assert!(unbounded.quote(Side::Sell, big).is_ok());
    let err = bounded.quote(Side::Sell, big).unwrap_err();
    let Error::InsufficientLiquidity { requested, available, .. } = err else {
        panic!("expected InsufficientLiquidity, got {err}")
    };
    assert_eq!(requested, big);
    let (lo, hi) = (U256::from(34u128 * 10u128.pow(18)), U256::from(35u128 * 10u128.pow(18)));
    assert!(available > lo && available < hi, "{available}");
    // The largest sale it fills is what brings the price to exactly tick -1,200.
    let most = bounded.max_sell(big).unwrap();
    assert_eq!(most, available);
    let mut after = bounded;
    after.execute(Side::Sell, most).unwrap();
    assert_eq!(after.pool().sqrt_price_x96(), get_sqrt_ratio_at_tick(-1_200).unwrap());
    // At the edge, nothing more sells.
    assert_eq!(after.max_sell(big).unwrap(), U256::ZERO);
}

#[test]
fn inconsistent_state_is_refused_naming_the_field() {
    let pool = minted();
    let sqrt = pool.sqrt_price_x96();
    let liquidity = pool.liquidity();
    let ticks: Vec<(i32, i128)> = pool
        .ticks()
        .filter(|(t, _)| (-1_200..=1_200).contains(t))
        .map(|(t, i)| (t, i.liquidity_net))
        .collect();
    let build = |tick: i32, liquidity: u128, ticks: &[(i32, i128)], range: (i32, i32)| {
        Pool::from_state(3000, 60, sqrt, tick, liquidity, ticks, range).unwrap_err().to_string()
    };
    assert!(build(60, liquidity, &ticks, (-1_200, 1_200)).contains("tick"));
    // The liquidity below tick -600 is 500e18 + 10e18 + 1e18 - ...: a smaller in-range figure
    // makes a crossing go below zero.
    let err = build(0, 1, &ticks, (-1_200, 1_200));
    assert!(err.contains("liquidityNet"), "{err}");
    let mut unsorted = ticks.clone();
    unsorted.swap(0, 1);
    assert!(build(0, liquidity, &unsorted, (-1_200, 1_200)).contains("strictly increasing"));
    assert!(build(0, liquidity, &ticks, (-600, 600)).contains("within the range"));
    assert!(build(0, liquidity, &ticks, (-1_190, 1_200)).contains("range lower tick"));
}
