//! The perp venue, the USDe-like issuer and its delta-neutral book of the 10-10 fixture.
//!
//! All SYNTHETIC, shaped by the reported features of the night (events/cascade-2025-10-10.json):
//! a Hyperliquid-like venue (Hyperliquid's real margin tables for ETH and BTC, tables 55 and 56
//! of fixtures/hyperliquid/margin-tables.json; its ADL ranking; a backstop vault and an insurance
//! fund far smaller than the positions), long books at 5-25x (ETH) and 5-40x (BTC), a few longs
//! margined with USDe that the venue values with the same venue mark Aave's USDe reserve reads in
//! this counterfactual, directional shorts, and the hedge of a USDe-like issuer: long ETH and BTC
//! spot, short the same on the venue. Ethena's supply was $14.6B; the issuer here is scaled to
//! the synthetic venue ($400M), which is what it is calibrated to.
//!
//! Liquidation orders fill against the snapshot's WETH and WBTC books, so the venue's
//! liquidations and Aave's sell into the same depth.

use super::{Draws, dec, synthetic};
use faultline_orchestrator::snapshot::{
    AdlPolicySpec, BackingItemSpec, BackingSpec, BookRulesSpec, BookSpec, IssuerSpec, LegKindSpec,
    LongLegSpec, MarginTierSpec, PerpAccountSpec, PerpCollateralSpec, PerpHoldingSpec,
    PerpMarketSpec, PerpPositionSpec, PerpVenueSpec, RedemptionModeSpec, RedemptionSpec,
    RunRuleSpec, ShortLegSpec,
};
use rust_decimal::Decimal;

/// The venue's id.
pub(crate) const VENUE: &str = "perp-venue";
/// The hedge account of the USDe-like issuer's book.
pub(crate) const HEDGE_ACCOUNT: u64 = 900;

fn tiers(list: &[(i64, u32)]) -> Vec<MarginTierSpec> {
    list.iter()
        .map(|&(from, max_leverage)| MarginTierSpec {
            from_notional_usd: Decimal::from(from),
            max_leverage,
        })
        .collect()
}

fn position(market: &str, size: Decimal, entry: Decimal) -> PerpPositionSpec {
    PerpPositionSpec {
        market: market.into(),
        size: size.round_dp(4),
        entry_price: entry,
        isolated_margin_usd: None,
    }
}

/// `n` accounts from `first`, each long (or short, `sign` -1) a notional drawn in
/// `[low, low + spread)` USD at a leverage drawn in `[lev_low, lev_low + lev_spread)`, margined
/// with USD cash.
#[allow(clippy::too_many_arguments)]
fn cash_accounts(
    draws: &mut Draws,
    first: u64,
    n: u64,
    label: &str,
    market: &str,
    price: Decimal,
    sign: Decimal,
    (low, spread): (i64, i64),
    (lev_low, lev_spread): (i64, i64),
) -> Vec<PerpAccountSpec> {
    (0..n)
        .map(|i| {
            let notional = Decimal::from(low) + Decimal::from(spread) * draws.unit();
            let leverage = Decimal::from(lev_low) + Decimal::from(lev_spread) * draws.unit();
            PerpAccountSpec {
                id: first + i,
                label: format!("{label} {}", i + 1),
                cash_usd: (notional / leverage).round_dp(2),
                collateral: vec![],
                positions: vec![position(market, sign * notional / price, price)],
            }
        })
        .collect()
}

/// The venue, the book and the issuer.
pub(crate) fn generate(
    eth: Decimal,
    btc: Decimal,
    usde: Decimal,
) -> (PerpVenueSpec, BookSpec, IssuerSpec) {
    let mut draws = Draws(0x1010_2025_0000_0001);
    let one = Decimal::ONE;
    let mut accounts = Vec::new();
    accounts.extend(cash_accounts(
        &mut draws,
        1,
        40,
        "ETH long",
        "ETH",
        eth,
        one,
        (1_000_000, 9_000_000),
        (5, 20),
    ));
    accounts.extend(cash_accounts(
        &mut draws,
        101,
        30,
        "BTC long",
        "BTC",
        btc,
        one,
        (1_000_000, 6_000_000),
        (5, 35),
    ));
    // Longs margined with USDe alone, at 3.3-4.3x of their collateral's value: enough to survive
    // the fall until the venue marks USDe at $0.65, not enough to survive that mark.
    for i in 0..15 {
        let collateral = Decimal::from(2_000_000) + Decimal::from(6_000_000) * draws.unit();
        let leverage = dec("3.3") + draws.unit();
        let notional = collateral * usde * leverage;
        accounts.push(PerpAccountSpec {
            id: 201 + i,
            label: format!("USDe-margined ETH long {}", i + 1),
            cash_usd: Decimal::ZERO,
            collateral: vec![PerpHoldingSpec {
                token: "USDe".into(),
                amount: collateral.round_dp(2),
            }],
            positions: vec![position("ETH", notional / eth, eth)],
        });
    }
    accounts.extend(cash_accounts(
        &mut draws,
        301,
        4,
        "ETH short",
        "ETH",
        eth,
        -one,
        (2_000_000, 8_000_000),
        (2, 3),
    ));
    accounts.extend(cash_accounts(
        &mut draws,
        311,
        10,
        "BTC short",
        "BTC",
        btc,
        -one,
        (2_000_000, 8_000_000),
        (2, 3),
    ));
    // The issuer's hedge: short what its book holds, on $60M of cash margin.
    let (eth_held, btc_held) = (dec("60000"), dec("1000"));
    accounts.push(PerpAccountSpec {
        id: HEDGE_ACCOUNT,
        label: "USDe-like issuer hedge".into(),
        cash_usd: dec("60000000"),
        collateral: vec![],
        positions: vec![position("ETH", -eth_held, eth), position("BTC", -btc_held, btc)],
    });

    let venue = PerpVenueSpec {
        id: VENUE.into(),
        name: "Hyperliquid-like perp venue".into(),
        adl_policy: AdlPolicySpec::HyperliquidRank,
        liquidation_fee_rate: Decimal::ZERO,
        backstop_below: Decimal::TWO / Decimal::from(3),
        insurance_fund_usd: dec("500000"),
        backstop_usd: dec("20000000"),
        collateral: vec![PerpCollateralSpec {
            token: "USDe".into(),
            oracle: "usde-venue-mark".into(),
        }],
        markets: vec![
            PerpMarketSpec {
                symbol: "ETH".into(),
                token: "WETH".into(),
                index_oracle: None,
                venue: "weth-usdc-book".into(),
                margin_tiers: tiers(&[(0, 25), (100_000_000, 15)]),
            },
            PerpMarketSpec {
                symbol: "BTC".into(),
                token: "WBTC".into(),
                index_oracle: None,
                venue: "wbtc-usdc-book".into(),
                margin_tiers: tiers(&[(0, 40), (150_000_000, 20)]),
            },
        ],
        accounts,
        source: synthetic(
            "a Hyperliquid-like venue: margin tiers REAL (fixtures/hyperliquid/margin-tables.json \
             tables 55 and 56), ADL ranking Hyperliquid's; accounts, funds and USDe collateral \
             generated by crates/orchestrator/tests/ten_ten_fixture/perps.rs (splitmix64)",
        ),
    };

    let book = BookSpec {
        id: "usde-book".into(),
        name: "USDe-like issuer's delta-neutral book".into(),
        longs: vec![
            LongLegSpec {
                name: "ETH spot".into(),
                kind: LegKindSpec::Spot,
                holder: "custodian".into(),
                token: "WETH".into(),
                amount: eth_held,
                underlying: "ETH".into(),
                delta_per_unit: one,
            },
            LongLegSpec {
                name: "BTC spot".into(),
                kind: LegKindSpec::Spot,
                holder: "custodian".into(),
                token: "WBTC".into(),
                amount: btc_held,
                underlying: "BTC".into(),
                delta_per_unit: one,
            },
        ],
        shorts: vec![
            ShortLegSpec { venue: VENUE.into(), account: HEDGE_ACCOUNT, market: "ETH".into() },
            ShortLegSpec { venue: VENUE.into(), account: HEDGE_ACCOUNT, market: "BTC".into() },
        ],
        buffer_usd: dec("20000000"),
        reserve_fund_usd: dec("60000000"),
        rules: BookRulesSpec {
            topup_below: dec("1.5"),
            topup_to: dec("3"),
            rehedge_band: dec("0.05"),
            rehedge_after_secs: Some(1800),
        },
        source: synthetic(
            "a USDe-like book scaled to the synthetic venue: long ETH and BTC spot, short the same \
             on it, a $20M buffer and a $60M reserve fund (Ethena's was about $60M on $14.6B); \
             the desk reopens a lost hedge after 30 minutes",
        ),
    };

    // Backing: the book's legs at market plus the hedge account's $60M, the buffer and the
    // reserve fund; supply set so the true NAV starts above the token's $1.00025887.
    let backing =
        eth_held * eth + btc_held * btc + dec("60000000") + dec("20000000") + dec("60000000");
    let supply = (backing / dec("1.01")).round_dp(0);
    let issuer = IssuerSpec {
        id: "usde".into(),
        token: "USDe".into(),
        supply,
        reported_nav: one,
        backing: vec![BackingSpec {
            id: "usde-delta-neutral-book".into(),
            item: BackingItemSpec::DeltaNeutralBook { book: "usde-book".into() },
            source: synthetic("the book above"),
        }],
        redemption: RedemptionSpec {
            mode: RedemptionModeSpec::Instant,
            rule: RunRuleSpec::FirstCome,
        },
        source: synthetic(
            "a USDe-like issuer backed by one delta-neutral book, supply set for a true NAV of \
             1.01 at the start",
        ),
    };
    (venue, book, issuer)
}
