//! The ADL of 2025-10-10 on drawn populations (`adl_study`), from the bundled inputs.
//!
//! Inputs: `fixtures/hyperliquid/adl-2025-10-10-populations.json` (distributions, each with its
//! source or marked ASSUMED) and the per-coin files of github ConejoCapital/HyperMultiAssetedADL
//! beside it. Checked here: what holds by construction (populations carry the totals they are
//! given, exactly; ADL closes exactly the file's size) and that the run is deterministic. The
//! profile itself (who is closed) is the model's answer and is reported, not asserted.

use faultline_perps::{
    Decimal,
    adl::AdlPolicy,
    adl_study::{Study, run},
    population::{PopulationSpec, generate},
};

fn fixture(name: &str) -> String {
    let path = format!("{}/../../fixtures/hyperliquid/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).expect("fixture is in the repository")
}

fn study() -> Study {
    let (p, b, n) = (
        fixture("adl-2025-10-10-populations.json"),
        fixture("adl-2025-10-10-by-coin.csv"),
        fixture("adl-2025-10-10-net-volume.csv"),
    );
    Study::parse(
        ("adl-2025-10-10-populations.json", &p),
        ("adl-2025-10-10-by-coin.csv", &b),
        ("adl-2025-10-10-net-volume.csv", &n),
    )
    .unwrap()
}

/// BTC's row of the by-coin file: 2,081 users, $620,890,947.7263399; the scale is $13.8B /
/// $2,103,111,430.859329 = 6.5617..., so 2,081 * 6.5617 = 13,654.9 -> 13,655 accounts. Every
/// coin's population has exactly its count and its notional to the cent.
#[test]
fn each_population_carries_the_per_coin_totals_exactly() {
    let s = study();
    assert_eq!(
        s.coins.iter().map(|c| c.coin.as_str()).collect::<Vec<_>>(),
        ["BTC", "ETH", "SOL", "HYPE"]
    );
    let btc = &s.coins[0];
    assert_eq!(btc.published.users, 2081);
    assert_eq!(btc.published.notional_usd, "620890947.7263399".parse::<Decimal>().unwrap());
    assert_eq!(btc.published.size, "5832.3903".parse::<Decimal>().unwrap());
    for c in &s.coins {
        let accounts = (Decimal::from(c.published.users) * s.scale).round();
        let notional = (c.published.notional_usd * s.scale).round_dp(2);
        let spec = PopulationSpec {
            coin: c.coin.clone(),
            side: faultline_perps::Side::Short,
            accounts: accounts.try_into().unwrap(),
            notional_usd: notional,
            mark: c.published.price,
            reference_price: c.reference_price,
        };
        let pop = generate(&spec, &s.shape, s.seed, 1).unwrap();
        assert_eq!(Decimal::from(pop.len()), accounts, "{}", c.coin);
        assert_eq!(pop.iter().map(|a| a.notional_usd).sum::<Decimal>(), notional, "{}", c.coin);
    }
    assert_eq!(
        (Decimal::from(2081) * s.scale).round(),
        Decimal::from(13_655),
        "2,081 * 13.8e9 / 2,103,111,430.86 = 13,654.9"
    );
}

#[test]
fn adl_closes_the_files_size_and_the_run_is_deterministic() {
    let s = study();
    let report = run(&s, AdlPolicy::HyperliquidRank).unwrap();
    for c in &report.coins {
        assert_eq!(c.unfilled, Decimal::ZERO, "{}", c.coin);
        // ADL fills at net notional / net volume, so the closed notional is the file's (the
        // division rounds at the 28th digit).
        let gap = (c.deleveraged.notional_usd - c.published.notional_usd).abs();
        assert!(gap < "0.000001".parse().unwrap(), "{}: {gap}", c.coin);
        assert!(c.deleveraged.accounts > 0 && c.deleveraged.accounts <= c.population.accounts);
    }
    assert_eq!(report, run(&s, AdlPolicy::HyperliquidRank).unwrap());
}
