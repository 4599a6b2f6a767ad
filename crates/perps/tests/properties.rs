//! Invariants of the perps models.

use faultline_perps::{
    Decimal, Side,
    adl::{AdlPolicy, Candidate, Shortfall, deleverage},
    liquidation::isolated,
    margin::MarginSchedule,
};
use proptest::prelude::*;

fn decimal(cents: u64) -> Decimal {
    Decimal::new(cents as i64, 2)
}

fn candidate() -> impl Strategy<Value = Candidate> {
    (1u64..1_000_000, 1u64..100_000_000, 1u64..1_000_000_000, 0u64..100_000_000).prop_map(
        |(size, entry, wallet, mm)| Candidate {
            account: size ^ entry,
            size: decimal(size),
            entry_price: decimal(entry),
            wallet_balance: decimal(wallet),
            maintenance_margin: decimal(mm),
        },
    )
}

fn policy() -> impl Strategy<Value = AdlPolicy> {
    prop_oneof![
        Just(AdlPolicy::HyperliquidRank),
        Just(AdlPolicy::BinanceRank),
        Just(AdlPolicy::ProRata),
        Just(AdlPolicy::LeverageDraining)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// ADL closes exactly what is needed, or all there is; never more, never more than a position.
    #[test]
    fn adl_never_closes_more_than_the_shortfall_needs(
        candidates in prop::collection::vec(candidate(), 1..20),
        policy in policy(),
        needed in 1u64..5_000_000,
        mark in 1u64..100_000_000,
        long in any::<bool>(),
    ) {
        let side = if long { Side::Long } else { Side::Short };
        let shortfall = Shortfall { bankrupt_side: side, size: decimal(needed), fill_price: decimal(mark), mark_price: decimal(mark) };
        let outcome = deleverage(policy, &shortfall, &candidates).unwrap();
        let closed: Decimal = outcome.fills.iter().map(|f| f.size).sum();
        let available: Decimal = candidates.iter().map(|c| c.size).sum();
        prop_assert_eq!(closed, shortfall.size.min(available));
        prop_assert_eq!(closed + outcome.unfilled, shortfall.size);
        for fill in &outcome.fills {
            prop_assert!(fill.size > Decimal::ZERO);
            let total_for_account: Decimal = candidates.iter().filter(|c| c.account == fill.account).map(|c| c.size).sum();
            prop_assert!(fill.size <= total_for_account);
        }
    }

    /// At the solved liquidation price, equity equals the maintenance margin (to 1e-12 of a dollar)
    /// and the price is on the losing side of entry.
    #[test]
    fn liquidation_price_equates_equity_and_maintenance(
        size in 1u64..1_000_000,
        entry in 100u64..10_000_000,
        leverage in 2u32..40,
        long in any::<bool>(),
    ) {
        let side = if long { Side::Long } else { Side::Short };
        let schedule = MarginSchedule::hyperliquid(&[(Decimal::ZERO, 50), (Decimal::from(5_000_000), 25), (Decimal::from(50_000_000), 10)]).unwrap();
        let (size, entry) = (decimal(size), decimal(entry));
        let margin = size * entry / Decimal::from(leverage);
        let Some(price) = isolated(side, size, entry, margin, &schedule).unwrap() else { return Ok(()) };
        let equity = margin + side.sign() * size * (price - entry);
        let maintenance = schedule.maintenance_margin(size * price).unwrap();
        prop_assert!((equity - maintenance).abs() < Decimal::new(1, 12), "equity {} vs mm {}", equity, maintenance);
        // A position opened above its tier's leverage is under maintenance already at entry, and
        // its liquidation price is on the winning side; a healthy one liquidates on the losing side.
        let healthy_at_entry = margin > schedule.maintenance_margin(size * entry).unwrap();
        let on_losing_side = if long { price < entry } else { price > entry };
        prop_assert_eq!(on_losing_side, healthy_at_entry, "liquidation at {} for entry {}", price, entry);
    }
}
