//! Same inputs, same output, byte for byte: for any thread count and any split into shards
//! (merged in any order), on the synthetic one-market ecosystem with a market-following
//! oracle (liquidations through the depth book), fat tails and a random depth withdrawal.
#![allow(clippy::suboptimal_flops, reason = "closed forms written as in the text")]

mod support;

use faultline_orchestrator::snapshot::OracleKindSpec;
use faultline_risk::{
    NoProgress, Options, RiskModel, RiskReport, Runner, Shard, merge,
    model::{AssetModel, EventKind, EventModel, Severity},
};
use rust_decimal::Decimal;

fn model() -> RiskModel {
    RiskModel {
        name: "fat-tailed WETH with a thin book now and then".into(),
        description: String::new(),
        calibration: String::new(),
        keep_scenario_shocks: false,
        depeg_pct: Decimal::from(10),
        dof: Some(4.0),
        assets: vec![AssetModel { token: "weth".into(), hourly_vol: 0.06, hourly_drift: 0.0 }],
        correlations: Vec::new(),
        events: vec![EventModel {
            name: "makers-leave".into(),
            probability: 0.3,
            given: None,
            at_secs: None,
            duration_secs: None,
            kind: EventKind::DepthWithdrawn {
                venue: "weth-book".into(),
                fraction: Severity::Beta { alpha: 2.0, beta: 2.0, scale: 1.0 },
            },
        }],
    }
}

fn json(r: &RiskReport) -> String {
    serde_json::to_string_pretty(r).unwrap()
}

#[test]
fn any_thread_count_and_any_split_give_the_same_bytes() {
    // LTV 0.85 under an LLTV of 0.86: a fall of more than 15% within a step leaves bad debt.
    let snapshot = support::snapshot(OracleKindSpec::Market, 1_000, 2_550_000, 8_600);
    let scenario = support::scenario(12);
    let runner = Runner::new(&snapshot, &scenario, &model()).unwrap();
    let paths = 48;
    let options = |shard| Options { paths, seed: 42, shard };
    let on = |threads: usize, shard: Shard| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| runner.run(&options(shard), &NoProgress).unwrap())
    };
    let whole = on(1, Shard::WHOLE);
    // The model must make the runs differ from path to path, or the test proves nothing.
    let market = whole.summary.entities.iter().find(|e| e.entity == "market").unwrap();
    assert!(market.p_loss.count > 0 && market.p_loss.count < paths, "{market:?}");
    assert!(whole.summary.first_breaks.len() > 1, "{:?}", whole.summary.first_breaks);
    let expected = json(&whole);
    for threads in [2, 3] {
        assert_eq!(json(&on(threads, Shard::WHOLE)), expected, "{threads} threads");
    }
    let shards: Vec<RiskReport> =
        (0..4).rev().map(|index| on(2, Shard { index, count: 4 })).collect();
    assert_eq!(json(&merge(shards).unwrap()), expected, "4 shards merged in reverse order");
    let thirds: Vec<RiskReport> = (0..3).map(|index| on(1, Shard { index, count: 3 })).collect();
    assert_eq!(json(&merge(thirds.clone()).unwrap()), expected, "3 shards");
    // A missing shard is refused, not merged into a partial run silently.
    let err = merge(vec![thirds[0].clone(), thirds[2].clone()]).unwrap_err();
    assert!(err.to_string().contains("a shard is missing"), "{err}");
}

#[test]
fn a_different_seed_gives_different_paths() {
    let snapshot = support::snapshot(OracleKindSpec::Market, 1_000, 2_400_000, 8_600);
    let scenario = support::scenario(4);
    let runner = Runner::new(&snapshot, &scenario, &model()).unwrap();
    let run =
        |seed| runner.run(&Options { paths: 20, seed, shard: Shard::WHOLE }, &NoProgress).unwrap();
    assert_ne!(run(1).state, run(2).state);
}
