//! Impact over time and across venues: the temporary and permanent parts of a sale's impact, the
//! slippage inverse on every AMM, and liquidity shocks on every venue.

use alloy::primitives::U256;
use faultline_liquidity::{
    Pair, Side, Venue,
    curve::{StableSwap, StableSwapVenue},
    depth::{DepthLevel, DepthSide, DepthVenue, ImpactModel},
    dynamics::Recovering,
    uniswap_v2::{ConstantProduct, Fee},
    uniswap_v3::{ConcentratedLiquidity, Pool, tick_math::get_sqrt_ratio_at_tick},
};
use rust_decimal::Decimal;

fn e18(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64.pow(18))
}

fn d(v: i64, scale: u32) -> Decimal {
    Decimal::new(v, scale)
}

/// 1,000 base against 2,000,000 quote, 0.3% fee: a mid price of 2,000.
fn v2() -> ConstantProduct {
    ConstantProduct::new(
        "v2",
        Pair::new(18, 18).unwrap(),
        e18(1_000),
        e18(2_000_000),
        Fee::UNISWAP_V2,
    )
    .unwrap()
}

/// Two positions around price one, 0.3% fee.
fn v3() -> ConcentratedLiquidity {
    let mut pool = Pool::new(3000, 60, get_sqrt_ratio_at_tick(0).unwrap()).unwrap();
    pool.mint(-600, 600, 10u128.pow(21)).unwrap();
    pool.mint(-6000, 6000, 10u128.pow(21)).unwrap();
    ConcentratedLiquidity::new("v3", Pair::new(18, 18).unwrap(), pool, true)
}

/// USDC (6) / DAI (18) at A = 100, 1,000,000 each, the 3pool's 0.04% fee and 50% admin fee;
/// USDC is the base.
fn curve() -> StableSwapVenue {
    let pool = StableSwap::new(
        vec![U256::from(10u64.pow(12)), e18(1_000_000)],
        &[6, 18],
        U256::from(100u8),
        U256::from(4_000_000u64),
        U256::from(5_000_000_000u64),
    )
    .unwrap();
    StableSwapVenue::new("curve", Pair::new(6, 18).unwrap(), pool, 0, 1).unwrap()
}

fn book() -> DepthVenue {
    let side = || {
        DepthSide::new(vec![
            DepthLevel { band: d(1, 2), quantity: Decimal::from(100) },
            DepthLevel { band: d(5, 2), quantity: Decimal::from(1_000) },
        ])
        .unwrap()
    };
    DepthVenue::new(
        "book",
        Pair::new(18, 18).unwrap(),
        Decimal::from(2000),
        ImpactModel::Depth { bids: side(), asks: side() },
    )
    .unwrap()
}

fn mid(venue: &impl Venue) -> Decimal {
    venue.mid_price().unwrap().to_decimal().unwrap()
}

/// Selling 10 into the v2 pool, by hand: out = 10·997·2,000,000 / (1,000·1,000 + 10·997)
/// = 19,940,000,000 / 1,009,970 ≈ 19,743.161 quote, leaving 1,010 against ≈ 1,980,256.839, a
/// mid of ≈ 1,960.6503: a move of ≈ −39.3497. With 30% permanent, the fair price moves by 0.3 of that, to
/// ≈ 1,988.2, and the venue sits ≈ 27.5 below it. One half-life of arbitrage halves that gap;
/// thirty leave the venue at the fair price, so the permanent 30% of the move stays and the
/// temporary 70% is gone. With 0% permanent the venue returns to 2,000; with 100% nothing
/// recovers.
#[test]
fn temporary_impact_recovers_with_the_half_life_and_permanent_impact_stays() {
    let fair0 = Decimal::from(2000);
    let mut venue = Recovering::new(v2(), fair0, d(3, 1), 60, e18(1_000_000)).unwrap();
    let sale = venue.trade(Side::Sell, e18(10)).unwrap();
    let moved = sale.price_after.to_decimal().unwrap() - sale.price_before.to_decimal().unwrap();
    assert!(moved > d(-39_350, 3) && moved < d(-39_349, 3), "moved {moved}");
    assert_eq!(venue.fair(), fair0 + moved * d(3, 1));

    let gap0 = mid(venue.venue()) - venue.fair();
    assert!(venue.advance(60).unwrap().is_some(), "arbitrage buys the venue back up");
    let gap1 = mid(venue.venue()) - venue.fair();
    // Arbitrage stops at the last raw unit short of the target: far below 1e-9 of the price.
    assert!((gap1 - gap0 / Decimal::TWO).abs() < d(1, 9) * fair0, "{gap0} then {gap1}");

    for _ in 0..30 {
        venue.advance(60).unwrap();
    }
    let settled = mid(venue.venue());
    assert!((settled - venue.fair()).abs() < d(1, 6) * fair0, "{settled} vs {}", venue.fair());
    assert!(
        (settled - fair0 - moved * d(3, 1)).abs() < d(1, 6) * fair0,
        "the permanent part stays"
    );

    // All temporary: back to the old price.
    let mut temporary = Recovering::new(v2(), fair0, Decimal::ZERO, 60, e18(1_000_000)).unwrap();
    temporary.trade(Side::Sell, e18(10)).unwrap();
    assert_eq!(temporary.fair(), fair0);
    for _ in 0..30 {
        temporary.advance(60).unwrap();
    }
    assert!((mid(temporary.venue()) - fair0).abs() < d(1, 6) * fair0);

    // All permanent: the fair price follows the venue, and there is nothing to arbitrage.
    let mut permanent = Recovering::new(v2(), fair0, Decimal::ONE, 60, e18(1_000_000)).unwrap();
    let sale = permanent.trade(Side::Sell, e18(10)).unwrap();
    assert_eq!(permanent.fair(), sale.price_after.to_decimal().unwrap());
    assert!(permanent.advance(600).unwrap().is_none());
}

/// The slippage inverse on the v3 and Curve venues: the largest sale within 1% is within 1%, one
/// raw unit more is not. (v2 and the book: `tests/venues.rs`.)
#[test]
fn max_sell_within_slippage_on_v3_and_curve() {
    let venues: [Box<dyn Venue>; 2] = [Box::new(v3()), Box::new(curve())];
    for venue in venues {
        let size = venue.max_sell_within(100, e18(1_000_000_000)).unwrap();
        assert!(!size.is_zero(), "{}", venue.name());
        assert!(venue.quote(Side::Sell, size).unwrap().within_slippage(100), "{}", venue.name());
        assert!(
            !venue.quote(Side::Sell, size + U256::from(1u8)).unwrap().within_slippage(100),
            "{}: {size} is not the largest",
            venue.name()
        );
    }
    // Amplification at work: a constant-product pool's 1% bound is about 0.7% of its reserve
    // (tests/venues.rs); the balanced StableSwap pool at A = 100 takes more than 10% of its USDC
    // before the average fill is 1% off (at a 10% sale, 100,000 into 1,100,000 against a
    // curve that is nearly flat there, the loss is a few basis points plus the 4 bp fee).
    let size = curve().max_sell_within(100, e18(1)).unwrap();
    assert!(size > U256::from(100_000u64 * 10u64.pow(6)), "{size}");
}

/// A liquidity shock halving every venue: the mid price holds, and the same sale fetches less and
/// moves the price further.
#[test]
fn a_liquidity_shock_worsens_every_venue() {
    let venues: [(Box<dyn Venue>, U256); 4] = [
        (Box::new(v2()), e18(10)),
        (Box::new(v3()), e18(10)),
        (Box::new(curve()), U256::from(200_000u64 * 10u64.pow(6))),
        (Box::new(book()), e18(50)),
    ];
    for (mut venue, sale) in venues {
        let name = venue.name().to_owned();
        let before = venue.quote(Side::Sell, sale).unwrap();
        let price = venue.mid_price().unwrap().to_decimal().unwrap();
        venue.scale_liquidity(d(5, 1)).unwrap();
        let shocked_price = venue.mid_price().unwrap().to_decimal().unwrap();
        // Curve's mid is a probe sale on halved balances: equal up to its integer rounding.
        assert!(
            (shocked_price - price).abs() <= d(1, 12) * price,
            "{name}: {price} -> {shocked_price}"
        );
        let after = venue.quote(Side::Sell, sale).unwrap();
        assert!(after.quote < before.quote, "{name}: proceeds");
        assert!(after.price_after.raw() < before.price_after.raw(), "{name}: price after");
    }
}
