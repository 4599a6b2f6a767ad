//! Property tests: NAV never rises when a backing item's value falls; a redemption never pays
//! more than NAV x shares; a run conserves value (paid out + left = backing).

use faultline_vaults::{
    BackingItem, BackingKind, Decimal, Issuer, NavRule, Prices, RedemptionEvent, RunRule,
};
use proptest::prelude::*;

/// A USD figure with cents, 0 to 10 million.
fn usd() -> impl Strategy<Value = Decimal> {
    (0u64..1_000_000_000).prop_map(|cents| Decimal::new(cents as i64, 2))
}

/// A fraction in [0, 1] with 4 places.
fn fraction() -> impl Strategy<Value = Decimal> {
    (0u32..=10_000).prop_map(|bps| Decimal::new(i64::from(bps), 4))
}

/// An issuer with cash, a reserve, a loan, an off-chain claim and a token holding.
fn issuer() -> impl Strategy<Value = (Issuer, Prices)> {
    (usd(), usd(), usd(), usd(), usd(), fraction(), (1u64..10_000_000), (1u32..=20_000)).prop_map(
        |(cash, reserve, loan, custody, held, conf, supply, price_bps)| {
            let mut prices = Prices::default();
            prices.set_all("deUSD", Decimal::new(i64::from(price_bps), 4)).unwrap();
            let issuer = Issuer::new(
                "xUSD",
                Decimal::from(supply),
                vec![
                    BackingItem::cash("cash", cash),
                    BackingItem::valued("reserve", BackingKind::Reserve, reserve),
                    BackingItem::valued(
                        "loan",
                        BackingKind::Loan { counterparty: "fund".into(), secured_by: None },
                        loan,
                    ),
                    BackingItem::valued(
                        "custody",
                        BackingKind::OffChain { custodian: "m".into(), confidence: conf },
                        custody,
                    ),
                    BackingItem::holding("deusd", "deUSD", held),
                ],
            )
            .unwrap();
            (issuer, prices)
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn nav_never_rises_when_an_item_loses_value(
        (mut issuer, mut prices) in issuer(),
        item in 0usize..5,
        keep in fraction(),
        price_fall in fraction(),
    ) {
        let before = issuer.true_nav(&prices).unwrap();
        let id = ["cash", "reserve", "loan", "custody", "deusd"][item];
        issuer.write_down(id, keep, &prices).unwrap();
        let after = issuer.true_nav(&prices).unwrap();
        prop_assert!(after.backing <= before.backing);
        prop_assert!(after.nav_per_token <= before.nav_per_token);
        // A market price fall of the held token, too.
        let old = prices.price("deUSD", NavRule::Market).unwrap();
        prices.set_market("deUSD", old * (Decimal::ONE - price_fall)).unwrap();
        let fallen = issuer.true_nav(&prices).unwrap();
        prop_assert!(fallen.nav_per_token <= after.nav_per_token);
    }

    #[test]
    fn redemption_pays_at_most_nav_times_shares_and_a_run_conserves_value(
        (mut issuer, prices) in issuer(),
        pro_rata in any::<bool>(),
        asks in prop::collection::vec(1u32..=10_000, 1..8),
    ) {
        issuer.run_rule = if pro_rata { RunRule::ProRata } else { RunRule::FirstCome };
        // Each request asks for a fraction (in bps) of an eighth of the supply.
        let requests: Vec<(String, Decimal)> = asks
            .iter()
            .enumerate()
            .map(|(i, bps)| {
                let shares = (issuer.supply / Decimal::from(8u8) * Decimal::new(i64::from(*bps), 4))
                    .round_dp(18);
                (format!("h{i}"), shares.max(Decimal::new(1, 18)))
            })
            .collect();
        let nav = issuer.nav(issuer.pays_at, &prices).unwrap().nav_per_token;
        let backing_before = issuer.true_nav(&prices).unwrap().backing;
        let events = issuer.run(&requests, 0, &prices).unwrap();
        let mut total = Decimal::ZERO;
        for event in &events {
            if let RedemptionEvent::Paid { paid, shares_burned, .. } = event {
                prop_assert!(*paid <= nav * *shares_burned, "{paid} > {nav} x {shares_burned}");
                total += *paid;
            }
        }
        let backing_after = issuer.true_nav(&prices).unwrap().backing;
        prop_assert_eq!(total + backing_after, backing_before);
    }
}
