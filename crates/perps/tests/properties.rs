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

mod venue_invariants {
    use faultline_liquidity::{
        Pair,
        depth::{DepthLevel, DepthSide, DepthVenue, ImpactModel},
    };
    use faultline_perps::{
        Decimal,
        adl::AdlPolicy,
        events::Event,
        funding::FundingRule,
        ledger::Holder,
        margin::MarginSchedule,
        venue::{MarketSpec, StepInput, Venue, VenueConfig},
    };
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn cents(n: u64) -> Decimal {
        Decimal::new(n as i64, 2)
    }

    /// A pair of accounts per trade: `(long cash, short cash, size, isolated long?)`.
    fn population() -> impl Strategy<Value = Vec<(u64, u64, u64, bool)>> {
        prop::collection::vec(
            (100u64..200_000, 100u64..2_000_000, 1u64..1_000, any::<bool>()),
            1..12,
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

    fn build(
        pop: &[(u64, u64, u64, bool)],
        policy: AdlPolicy,
        depth: u64,
        insurance: u64,
        backstop: u64,
    ) -> Venue {
        let mut venue = Venue::new(VenueConfig {
            adl_policy: policy,
            liquidation_fee_rate: Decimal::new(5, 4),
            backstop_below: Decimal::TWO / Decimal::from(3),
        });
        let side =
            DepthSide::new(vec![DepthLevel { band: Decimal::new(5, 2), quantity: cents(depth) }])
                .unwrap();
        let book = DepthVenue::new(
            "b",
            Pair::new(18, 6).unwrap(),
            Decimal::from(100),
            ImpactModel::Depth { bids: side.clone(), asks: side },
        )
        .unwrap();
        venue
            .add_market(
                "X",
                MarketSpec {
                    schedule: MarginSchedule::hyperliquid(&[
                        (Decimal::ZERO, 20),
                        (Decimal::from(5_000), 10),
                    ])
                    .unwrap(),
                    funding: FundingRule::HYPERLIQUID,
                    mark: Decimal::from(100),
                    index: Decimal::from(100),
                    book: Box::new(book),
                },
            )
            .unwrap();
        if insurance > 0 {
            venue.fund_insurance(cents(insurance)).unwrap();
        }
        if backstop > 0 {
            venue.fund_backstop(cents(backstop)).unwrap();
        }
        for (i, &(long_cash, short_cash, size, isolated)) in pop.iter().enumerate() {
            let (long, short) = (2 * i as u64 + 1, 2 * i as u64 + 2);
            venue.deposit(long, "USD", cents(long_cash)).unwrap();
            venue.deposit(short, "USD", cents(short_cash)).unwrap();
            venue
                .trade(
                    Holder::Account(long),
                    Holder::Account(short),
                    "X",
                    cents(size),
                    Decimal::from(100),
                )
                .unwrap();
            if isolated {
                venue.isolate(long, "X", cents(long_cash)).unwrap();
            }
        }
        venue
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Over any price path with funding, liquidations, backstop takeovers and ADL, the sum
        /// of every holder's value plus the insurance fund equals what was paid in, exactly;
        /// and ADL never closes more than a bankrupt position's size, nor more than an
        /// account held.
        #[test]
        fn venue_conserves_value_and_adl_closes_no_more_than_needed(
            pop in population(),
            policy in policy(),
            path in prop::collection::vec((5_000u64..20_000, 0u64..200), 1..8),
            depth in 1u64..5_000,
            insurance in prop_oneof![Just(0u64), 0u64..100_000],
            backstop in prop_oneof![Just(0u64), 0u64..1_000_000],
        ) {
            let mut venue = build(&pop, policy, depth, insurance, backstop);
            prop_assert_eq!(venue.total_value().unwrap(), venue.external_flows());
            for (mark, premium) in path {
                let mark = cents(mark);
                let sizes: BTreeMap<u64, Decimal> = venue
                    .account_ids()
                    .filter_map(|id| Some((id, venue.account(id)?.positions.get("X")?.size.abs())))
                    .collect();
                let input = StepInput {
                    prices: vec![("X".into(), mark, mark)],
                    funding: vec![("X".into(), Decimal::new(premium as i64 - 100, 4))],
                    ..StepInput::default()
                };
                let report = venue.step(&input).unwrap();
                prop_assert_eq!(venue.total_value().unwrap(), venue.external_flows());
                let mut by_bankrupt: BTreeMap<u64, Decimal> = BTreeMap::new();
                let mut by_account: BTreeMap<u64, Decimal> = BTreeMap::new();
                for event in &report.events {
                    if let Event::Adl { account, bankrupt, size, .. } = event {
                        *by_bankrupt.entry(*bankrupt).or_default() += *size;
                        *by_account.entry(*account).or_default() += *size;
                    }
                }
                for (bankrupt, closed) in by_bankrupt {
                    prop_assert!(closed <= sizes[&bankrupt], "ADL closed {} against a position of {}", closed, sizes[&bankrupt]);
                }
                for (account, closed) in by_account {
                    prop_assert!(closed <= sizes[&account]);
                }
            }
        }
    }
}
