//! Property tests of the core math: rounding direction, monotonicity, agreement between the
//! 256-bit and 512-bit forms, round trips that never create value, and exact amount formatting.

use alloy::primitives::U256;
use faultline_core::{
    MarketPrice, Observation, Oracle, OracleKind, Price, TokenAmount,
    decimal::{from_decimal, to_decimal},
    math::{Rounding, morpho, mul_div, mul_div_full, wad_ray},
};
use proptest::prelude::*;

/// Any 256-bit value.
fn any_u256() -> impl Strategy<Value = U256> {
    any::<[u64; 4]>().prop_map(U256::from_limbs)
}

/// A value of random magnitude: small values are as likely as huge ones.
fn spread_u256() -> impl Strategy<Value = U256> {
    (any_u256(), 0usize..=256)
        .prop_map(|(v, bits)| if bits == 0 { U256::ZERO } else { v >> (256 - bits) })
}

fn nonzero_spread() -> impl Strategy<Value = U256> {
    spread_u256().prop_map(|v| v.max(U256::from(1u8)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4_000))]

    /// Down <= exact <= Up, they differ by at most one, and HalfUp picks one of them by the
    /// remainder: checked against the 512-bit product, which never overflows.
    #[test]
    fn rounding_brackets_the_exact_quotient(x in spread_u256(), y in spread_u256(), d in nonzero_spread()) {
        let Ok(down) = mul_div(x, y, d, Rounding::Down) else { return Ok(()) };
        let up = mul_div(x, y, d, Rounding::Up).unwrap();
        let product = x.widening_mul::<256, 4, 512, 8>(y);
        let remainder = product % alloy::primitives::U512::from(d);
        prop_assert_eq!(up - down, U256::from(u8::from(!remainder.is_zero())));
        prop_assert_eq!(Ok(down), mul_div_full(x, y, d, Rounding::Down));
        prop_assert_eq!(Ok(up), mul_div_full(x, y, d, Rounding::Up));
        if let Ok(half) = mul_div(x, y, d, Rounding::HalfUp) {
            let rounds_up = remainder >= alloy::primitives::U512::from(d - (d >> 1));
            prop_assert_eq!(half, if rounds_up { down + U256::from(1u8) } else { down });
        }
    }

    /// More numerator never gives less; a larger divisor never gives more.
    #[test]
    fn mul_div_is_monotone(x in spread_u256(), dx in spread_u256(), y in spread_u256(), d in nonzero_spread(), dd in spread_u256()) {
        for rounding in [Rounding::Down, Rounding::Up, Rounding::HalfUp] {
            let x2 = x.saturating_add(dx);
            if let (Ok(a), Ok(b)) = (mul_div(x, y, d, rounding), mul_div(x2, y, d, rounding)) {
                prop_assert!(a <= b);
            }
            let d2 = d.saturating_add(dd);
            if let (Ok(a), Ok(b)) = (mul_div(x, y, d, rounding), mul_div(x, y, d2, rounding)) {
                prop_assert!(a >= b);
            }
        }
    }

    /// Multiplying then dividing by the same WAD factor, both rounded down, never returns more.
    #[test]
    fn wad_round_trip_rounded_down_never_gains(a in spread_u256(), b in nonzero_spread()) {
        if let Ok(product) = wad_ray::wad_mul(a, b, Rounding::Down)
            && let Ok(back) = wad_ray::wad_div(product, b, Rounding::Down)
        {
            prop_assert!(back <= a);
        }
    }

    /// Morpho's shares math never creates value: assets -> shares -> assets rounded down returns at
    /// most what went in, and the up-rounded round trip of shares returns at least what went in.
    #[test]
    fn shares_round_trips_never_create_value(
        amount in any::<u128>(),
        total_assets in any::<u128>(),
        total_shares in any::<u128>(),
    ) {
        let (amount, ta, ts) = (U256::from(amount), U256::from(total_assets), U256::from(total_shares));
        let shares = morpho::to_shares_down(amount, ta, ts).unwrap();
        prop_assert!(morpho::to_assets_down(shares, ta, ts).unwrap() <= amount);
        let assets = morpho::to_assets_up(amount, ta, ts).unwrap();
        prop_assert!(morpho::to_shares_up(assets, ta, ts).unwrap() >= amount);
        let assets = morpho::to_assets_down(amount, ta, ts).unwrap();
        prop_assert!(morpho::to_shares_down(assets, ta, ts).unwrap() <= amount);
    }

    /// Formatting an amount and parsing it back is the identity.
    #[test]
    fn amounts_format_and_parse_back(raw in any_u256(), decimals in 0u8..=77) {
        let amount = TokenAmount::from_raw(raw, decimals).unwrap();
        prop_assert_eq!(TokenAmount::parse(&amount.to_string(), decimals), Ok(amount));
    }

    /// Raw units to Decimal with at least the token's places, and back, is the identity when it fits.
    #[test]
    fn decimal_conversion_round_trips_when_it_fits(raw in any::<u64>(), decimals in 0u8..=18, extra in 0u32..=4) {
        let places = u32::from(decimals) + extra;
        let value = to_decimal(U256::from(raw), decimals, places, Rounding::Down).unwrap();
        prop_assert_eq!(from_decimal(value, decimals, Rounding::Down), Ok(U256::from(raw)));
    }
}

/// A market path: per step, seconds elapsed (1 s to 1 h) and a price (1 to 1e12 raw, 8 decimals).
fn market_path() -> impl Strategy<Value = Vec<(u64, u64)>> {
    prop::collection::vec((1u64..=3_600, 1u64..=1_000_000_000_000), 1..50)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    /// A push feed that is neither frozen nor overridden is never stale by more than its
    /// heartbeat, and after every observation its answer is within the deviation threshold of
    /// the market (otherwise it would have published).
    #[test]
    fn push_feed_tracks_the_market_within_its_threshold(
        path in market_path(),
        deviation_bps in 1u32..=2_000,
        heartbeat_secs in 1u64..=86_400,
    ) {
        let kind = OracleKind::PushFeed { deviation_bps, heartbeat_secs };
        let start = Price::new(U256::from(100_000_000u64), 8).unwrap();
        let mut oracle = Oracle::new(kind, start, 0).unwrap();
        let mut now = 0;
        for (dt, raw) in path {
            now += dt;
            let market = Price::new(U256::from(raw), 8).unwrap();
            let seen = Observation { at: now, market: MarketPrice(market), reported: None };
            let answer = oracle.observe(seen).unwrap().0.raw();
            let gap = answer.abs_diff(market.raw()) * U256::from(10_000u32);
            prop_assert!(gap < answer * U256::from(deviation_bps) || answer == market.raw());
            prop_assert!(oracle.staleness(now) < heartbeat_secs);
        }
    }
}
