//! Behaviour shared by every venue: the slippage inverse, typed errors at the edges, arbitrage,
//! and the market split across different venues.

use alloy::primitives::U256;
use faultline_core::Price;
use faultline_liquidity::{
    Error, Pair, Side, Venue,
    depth::{DepthLevel, DepthSide, DepthVenue, ImpactModel},
    market::Market,
    uniswap_v2::{ConstantProduct, Fee},
    uniswap_v3::{
        ConcentratedLiquidity, Pool,
        tick_math::{MAX_TICK, MIN_SQRT_RATIO, MIN_TICK, get_sqrt_ratio_at_tick},
    },
};
use rust_decimal::Decimal;

fn e18(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64.pow(18))
}

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

fn book() -> DepthVenue {
    let side = || {
        DepthSide::new(vec![
            DepthLevel { band: Decimal::new(1, 2), quantity: Decimal::from(100) },
            DepthLevel { band: Decimal::new(5, 2), quantity: Decimal::from(1_000) },
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

/// The largest sale within 1% is within 1%, and one raw unit more is not. For the v2 pool the
/// bound is near the textbook figure: with fee f = 0.3% and pool depth R, the average price
/// `(1 − f)·R/(R + 0.997x)` stays above 99% of `R_q/R` while `x ≲ 0.7%·R`, i.e. about 7 tokens.
#[test]
fn max_sell_within_slippage_is_the_boundary() {
    for venue in [Box::new(v2()) as Box<dyn Venue>, Box::new(book())] {
        let size = venue.max_sell_within(100, e18(1_000_000)).unwrap();
        assert!(venue.quote(Side::Sell, size).unwrap().within_slippage(100), "{}", venue.name());
        assert!(
            !venue.quote(Side::Sell, size + U256::from(1u8)).unwrap().within_slippage(100),
            "{}",
            venue.name()
        );
    }
    let size = v2().max_sell_within(100, e18(1_000_000)).unwrap();
    assert!(size > e18(6) && size < e18(8), "{size}");
    // Zero slippage allows no sale on a venue with a fee.
    assert_eq!(v2().max_sell_within(0, e18(1_000)).unwrap(), U256::ZERO);
}

/// Arbitrage moves the price to the target without passing it, from either side.
#[test]
fn arbitrage_reaches_the_target_from_both_sides() {
    let mut pool = v2();
    let mid = pool.mid_price().unwrap().raw();
    for target in [mid / U256::from(2u8), mid * U256::from(3u8)] {
        let target = Price::new(target, 18).unwrap();
        let trade = pool.arbitrage_to(target, e18(1_000_000)).unwrap().expect("a trade");
        let after = pool.mid_price().unwrap().raw();
        let gap = after.abs_diff(target.raw());
        // Within a millionth of the target.
        assert!(gap * U256::from(1_000_000u32) <= target.raw(), "{after} vs {}", target.raw());
        assert_eq!(trade.price_after.raw(), after);
    }
}

/// Selling into a v2 pool and a book together beats either alone, and the split gives each
/// venue a share.
#[test]
fn split_across_different_venues_beats_each_alone() {
    let market = Market::new().with(Box::new(v2())).with(Box::new(book()));
    let sale = e18(200);
    let split = market.split_sell(sale, 200).unwrap();
    assert_eq!(split.allocation.iter().fold(U256::ZERO, |a, b| a + b), sale);
    assert!(split.allocation.iter().all(|a| !a.is_zero()));
    for venue in market.venues() {
        if let Ok(alone) = venue.quote(Side::Sell, sale) {
            assert!(split.proceeds >= alone.quote, "{}", venue.name());
        }
    }
}

/// A v3 pool: mint bounds and spacing are typed errors; a sale bigger than the liquidity is an
/// `InsufficientLiquidity`; a pool without liquidity in range quotes nothing.
#[test]
fn v3_edges_are_typed_errors() {
    let mut pool = Pool::new(3000, 60, get_sqrt_ratio_at_tick(0).unwrap()).unwrap();
    assert!(matches!(
        pool.mint(MIN_TICK - 60, 60, 1),
        Err(Error::PriceOutOfRange { field: "tick_lower", .. })
    ));
    assert!(matches!(
        pool.mint(-60, MAX_TICK + 60, 1),
        Err(Error::PriceOutOfRange { field: "tick_upper", .. })
    ));
    assert!(matches!(pool.mint(-59, 60, 1), Err(Error::InvalidInput { field: "tick_lower", .. })));
    assert!(matches!(pool.mint(60, -60, 1), Err(Error::InvalidInput { .. })));
    // `int256(amount).toInt128()` reverts above i128::MAX.
    assert!(matches!(pool.mint(-60, 60, u128::MAX), Err(Error::Overflow { .. })));
    // Tick.tickSpacingToMaxLiquidityPerTick(60): ticks from −887,220 to 887,220 every 60 are
    // 29,575, so at most u128::MAX / 29,575 per tick ('LO').
    let max_per_tick = u128::MAX / 29_575;
    assert!(matches!(
        pool.mint(-60, 60, max_per_tick + 1),
        Err(Error::InvalidInput { field: "amount", .. })
    ));
    assert!(pool.clone().mint(-60, 60, max_per_tick).is_ok());
    assert!(matches!(
        Pool::new(3000, 60, MIN_SQRT_RATIO - U256::from(1u8)),
        Err(Error::PriceOutOfRange { .. })
    ));
    assert!(matches!(
        Pool::new(1_000_000, 60, MIN_SQRT_RATIO),
        Err(Error::InvalidInput { field: "fee", .. })
    ));

    let empty = ConcentratedLiquidity::new("v3", Pair::new(18, 18).unwrap(), pool.clone(), true);
    assert!(matches!(empty.quote(Side::Sell, e18(1)), Err(Error::InsufficientLiquidity { .. })));

    pool.mint(-600, 600, 10u128.pow(20)).unwrap();
    let venue = ConcentratedLiquidity::new("v3", Pair::new(18, 18).unwrap(), pool, true);
    assert!(venue.quote(Side::Sell, e18(1)).is_ok());
    assert!(matches!(
        venue.quote(Side::Sell, e18(1_000_000)),
        Err(Error::InsufficientLiquidity { .. })
    ));
    assert!(matches!(
        venue.quote(Side::Buy, e18(1_000_000)),
        Err(Error::InsufficientLiquidity { .. })
    ));
}

/// A liquidity shock on a v3 venue halves every position: the same sale then moves the price
/// further, and the price itself does not move.
#[test]
fn v3_liquidity_shock_deepens_impact() {
    let mut pool = Pool::new(3000, 60, get_sqrt_ratio_at_tick(0).unwrap()).unwrap();
    pool.mint(-600, 600, 10u128.pow(21)).unwrap();
    pool.mint(-6000, 6000, 10u128.pow(21)).unwrap();
    let mut venue = ConcentratedLiquidity::new("v3", Pair::new(18, 18).unwrap(), pool, true);
    let before = venue.quote(Side::Sell, e18(10)).unwrap();
    let mid = venue.mid_price().unwrap();
    venue.scale_liquidity(Decimal::new(5, 1)).unwrap();
    assert_eq!(venue.mid_price().unwrap(), mid);
    assert_eq!(venue.pool().liquidity(), 10u128.pow(21));
    let after = venue.quote(Side::Sell, e18(10)).unwrap();
    assert!(after.price_after.raw() < before.price_after.raw());
    assert!(after.quote < before.quote);
}
