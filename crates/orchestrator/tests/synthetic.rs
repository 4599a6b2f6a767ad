//! The benchmark's synthetic ecosystem (benches/support/synthetic.rs) at a small size: it is a
//! valid snapshot, the ETH crash converges, every borrower the fall makes unhealthy in a
//! market-priced WETH market is either liquidated or reported as a missed liquidation, and the
//! cascade's and the bands' reports are the same bytes on one thread as on two or three.

#[path = "../benches/support/synthetic.rs"]
mod synthetic;

use faultline_orchestrator::{
    report::EventKind,
    snapshot::{LendingProtocolSpec, validate},
};
use rust_decimal::Decimal;
use synthetic::Size;

#[test]
fn the_synthetic_crash_liquidates_every_borrower_the_fall_makes_unhealthy() {
    let snapshot = synthetic::snapshot(Size { positions: 4_000, markets: 20, issuers: 10 });
    assert_eq!(validate(&snapshot), vec![]);
    let report = faultline_orchestrator::run(&snapshot, &synthetic::eth_crash(30)).unwrap();
    assert!(report.non_converged_steps.is_empty());

    // Market 0 is WETH/USDC with a market-following oracle and LLTV 0.86. A borrower is
    // unhealthy after the fall when debt > collateral × 3000 × 0.7 × 0.86 (before any further
    // fall from liquidation sales). Count them from the snapshot itself.
    let market = &snapshot.lending_markets[0];
    let LendingProtocolSpec::MorphoBlue(m) = &market.protocol else {
        panic!("the synthetic ecosystem's markets are Morpho Blue markets");
    };
    let price_after = Decimal::from(3000) * Decimal::new(7, 1);
    let lltv = Decimal::new(86, 2);
    let unhealthy = m
        .positions
        .iter()
        .filter(|p| !p.borrow_shares.0.is_zero())
        .filter(|p| {
            // shares = debt (USDC units) × 1e6 at the fresh market's ratio.
            let debt = Decimal::from_i128_with_scale(
                i128::try_from(p.borrow_shares.0 / alloy_primitives::U256::from(1_000_000u64))
                    .unwrap(),
                6,
            );
            let collateral =
                Decimal::from_i128_with_scale(i128::try_from(p.collateral.0).unwrap(), 18);
            debt > collateral * price_after * lltv
        })
        .count();
    let handled: std::collections::BTreeSet<&str> = report
        .events
        .iter()
        .filter(|e| e.entity == market.id)
        .filter_map(|e| match &e.kind {
            EventKind::Liquidation { borrower, .. }
            | EventKind::MissedLiquidation { borrower, .. } => Some(borrower.as_str()),
            _ => None,
        })
        .collect();
    assert!(unhealthy > 0, "the fall must bite");
    assert!(
        handled.len() >= unhealthy,
        "{} liquidated or missed, {unhealthy} unhealthy from the fall alone",
        handled.len()
    );
}

/// The JSON bytes `faultline stress` / `faultline bands` would write, computed in a rayon pool of
/// `threads` threads (a pool of its own, not `RAYON_NUM_THREADS`, so the test is independent of
/// the environment and of the other tests).
fn on_threads<T: serde::Serialize + Send>(
    threads: usize,
    work: impl FnOnce() -> T + Send,
) -> String {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    assert_eq!(pool.current_num_threads(), threads);
    faultline_orchestrator::json::to_json(&pool.install(work)).unwrap()
}

#[test]
fn the_reports_are_the_same_bytes_on_any_thread_count() {
    use faultline_orchestrator::bands::{BandsOptions, OracleMode, bands};
    let snapshot = synthetic::snapshot(Size { positions: 20_000, markets: 20, issuers: 10 });
    let scenario = synthetic::eth_crash(30);
    let cascade = |threads| {
        on_threads(threads, || faultline_orchestrator::run(&snapshot, &scenario).unwrap())
    };
    let one = cascade(1);
    // The run must have something to differ in: liquidations and misses over many markets.
    assert!(one.matches("\"type\": \"liquidation\"").count() > 100, "the crash liquidates");
    assert!(one.matches("\"type\": \"missed_liquidation\"").count() > 100, "and misses some");
    assert!(one == cascade(2), "the cascade's report differs between 1 and 2 threads");
    assert!(one == cascade(3), "the cascade's report differs between 1 and 3 threads");

    // Bands solve markets (and, for large books, positions) in parallel.
    let options =
        BandsOptions { levels: 200, max_fall_bps: 5_000, oracle: OracleMode::AsConfigured };
    let banded = |threads| on_threads(threads, || bands(&snapshot, "weth", &options).unwrap());
    let one = banded(1);
    assert!(one.len() > 10_000, "the bands report lists the WETH borrowers");
    assert!(one == banded(2), "the bands report differs between 1 and 2 threads");
    assert!(one == banded(3), "the bands report differs between 1 and 3 threads");
}
