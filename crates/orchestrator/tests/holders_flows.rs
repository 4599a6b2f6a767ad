//! Scenario holders selling in tranches and flow series, on a hand-built snapshot whose every
//! trade is worked out by hand below, and the scenario checks that refuse bad holders and rows.
//!
//! The snapshot: USDC (6 decimals, $1) and WBTC (8 decimals) in a constant-product pool of 1,000
//! WBTC / 100,000,000 USDC without fee and without recovery (mid $100,000). Selling `x` WBTC into
//! reserves `(b, q)` pays `floor(x·q / (b + x))` raw USDC; buying `x` costs `floor(q·x / (b − x))
//! + 1` (Uniswap v2's `getAmountOut` and `getAmountIn` with a fee of 0).

use faultline_orchestrator::{Scenario, Snapshot, report::EventKind, run};
use rust_decimal::Decimal;
use serde_json::json;
use std::str::FromStr;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn snapshot() -> Snapshot {
    let synthetic =
        json!({"kind": "synthetic", "reference": "hand-built test pool", "confidence": "low"});
    let doc = json!({
        "schema_version": 1,
        "name": "hand-built pool",
        "timestamp": 1_700_000_000u64,
        "tokens": [
            {"id": "USDC", "symbol": "USDC", "decimals": 6, "price_usd": "1", "source": synthetic},
            {"id": "WBTC", "symbol": "WBTC", "decimals": 8, "price_usd": "100000", "source": synthetic}
        ],
        "venues": [{
            "id": "wbtc-pool", "base": "WBTC", "quote": "USDC",
            "model": {"type": "constant_product", "reserve_base": "1000", "reserve_quote": "100000000", "fee_bps": 0},
            "source": synthetic
        }]
    });
    Snapshot::from_json(&doc.to_string()).unwrap()
}

/// Five hourly steps: a flow sells 250 WBTC at step 0, buys 166 back at step 2 and sells 100 at
/// step 3 (the last by Unix timestamp); a treasury of 20 WBTC with a $80,000 trigger sells 50%
/// of its starting holding (10 WBTC) per step, capped at 8.
const SCENARIO: &str = r#"
name = "tranches and flows"
snapshot = "hand-built"
step_secs = 3600
horizon_secs = 18000

[[holders]]
id = "treasury"
token = "WBTC"
amount = "20"
venue = "wbtc-pool"
sell_below_usd = "80000"
tranche_pct = "50"
max_per_step = "8"
note = "hand-built"

[[flows]]
id = "etf"
note = "hand-built"
rows = [
  { at_secs = 0, entity = "ETFs", token = "WBTC", venue = "wbtc-pool", amount = "-250" },
  { at_secs = 7200, entity = "ETFs", token = "WBTC", venue = "wbtc-pool", amount = "166" },
  { timestamp = 1700010800, entity = "ETFs", token = "WBTC", venue = "wbtc-pool", amount = "-100" },
]
"#;

#[test]
fn a_holder_sells_in_tranches_while_flows_move_the_price_across_its_trigger() {
    let report = run(&snapshot(), &Scenario::from_toml(SCENARIO).unwrap()).unwrap();
    let events = &report.events;
    let flows: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Flow { row, amount, value_usd, .. } => {
                Some((e.id, e.step, row.as_str(), *amount, *value_usd))
            }
            _ => None,
        })
        .collect();
    // Raw reserves (b WBTC·1e8, q USDC·1e6), starting (1000e8, 1e14):
    // row 0 sells 250: 250e8·1e14 / 1250e8 = 2e13 raw = $20,000,000; (1250e8, 8e13), mid $64,000.
    // (tranches 1 and 2 below leave (1266e8, 78,988,941.548185 USDC))
    // row 1 buys 166: floor(78988941548185·166e8 / 1100e8) + 1 = 11,920,149.360908 USDC;
    //   (1100e8, 90909090909093), mid $82,644.63: above the trigger.
    // row 2 sells 100: floor(100e8·90909090909093 / 1200e8) = 7,575,757.575757 USDC; mid $69,444.
    assert_eq!(
        flows.iter().map(|f| (f.1, f.2, f.3, f.4)).collect::<Vec<_>>(),
        [
            (0, "row 0", dec("-250"), dec("20000000")),
            (2, "row 1", dec("166"), dec("11920149.360908")),
            (3, "row 2", dec("-100"), dec("7575757.575757")),
        ]
    );
    for flow in &flows {
        assert!(events[flow.0].causes.is_empty(), "a flow row is exogenous, like a shock");
    }
    let sales: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TriggeredSale { amount, proceeds_usd, tranche, left, .. } => {
                Some((e, *amount, *proceeds_usd, *tranche, *left))
            }
            _ => None,
        })
        .collect();
    // Per step: min(50% of 20, 8) = 8, and what is left. Step 2 has none: row 1 lifted the mid
    // above $80,000. Step 4 has none: nothing is left.
    // Tranche 1: floor(8e8·8e13 / 1258e8) = 508,744.038155 USDC.
    // Tranche 2: floor(8e8·79491255961845 / 1266e8) = 502,314.413660 USDC.
    // Tranche 3 (after row 2, reserves (1200e8, 83333333333336)): floor(4e8·83333333333336 /
    //   1204e8) = 276,854.928017 USDC.
    assert_eq!(
        sales.iter().map(|s| (s.0.step, s.1, s.2, s.3, s.4)).collect::<Vec<_>>(),
        [
            (0, dec("8"), dec("508744.038155"), 1, dec("12")),
            (1, dec("8"), dec("502314.413660"), 2, dec("4")),
            (3, dec("4"), dec("276854.928017"), 3, dec("0")),
        ]
    );
    // Causes: each tranche names the price move that crossed the trigger, caused by a flow row.
    let crossing = |flow: usize| {
        events
            .iter()
            .find(|e| matches!(e.kind, EventKind::PriceMove { .. }) && e.causes == [flow])
            .map(|e| e.id)
            .expect("the flow row's price move")
    };
    assert_eq!(sales[0].0.causes[0], crossing(flows[0].0));
    assert_eq!(sales[1].0.causes[0], crossing(flows[0].0), "still the first crossing");
    assert_eq!(sales[2].0.causes[0], crossing(flows[2].0), "the second crossing, after a pause");
    assert!(
        sales[0].0.summary.starts_with("treasury sells tranche 1, 8 WBTC, with WBTC at $64.00k"),
        "{}",
        sales[0].0.summary
    );
    assert!(
        events[flows[0].0].summary.starts_with("etf row 0: ETFs sells 250 WBTC into wbtc-pool")
    );
}

#[test]
fn without_a_tranche_or_a_cap_a_scenario_holder_sells_everything_at_once() {
    let text = SCENARIO.replace("tranche_pct = \"50\"\n", "").replace("max_per_step = \"8\"\n", "");
    let report = run(&snapshot(), &Scenario::from_toml(&text).unwrap()).unwrap();
    let sales: Vec<_> = report
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TriggeredSale { amount, left, .. } => Some((e.step, *amount, *left)),
            _ => None,
        })
        .collect();
    assert_eq!(sales, [(0, dec("20"), Decimal::ZERO)]);
}

#[test]
fn bad_holders_and_flow_rows_are_each_named_with_their_field() {
    let text = r#"
name = "bad"
snapshot = "hand-built"
step_secs = 3600
horizon_secs = 7200

[[holders]]
id = "a"
token = "USDC"
amount = "0"
venue = "wbtc-pool"
sell_below_usd = "80000"
tranche_pct = "0"

[[holders]]
id = "a"
token = "WBTC"
amount = "1"
venue = "nowhere"
sell_below_usd = "80000"

[[flows]]
id = "f"
rows = [
  { at_secs = 3600, entity = "x", token = "ETH", venue = "wbtc-pool", amount = "1" },
  { at_secs = 0, entity = "x", token = "WBTC", venue = "wbtc-pool", amount = "1" },
  { at_secs = 7200, entity = "x", token = "WBTC", venue = "pool", amount = "1" },
  { at_secs = 0, timestamp = 1700000000, entity = "x", token = "WBTC", venue = "wbtc-pool", amount = "1" },
  { timestamp = 1699999999, entity = "x", token = "WBTC", venue = "wbtc-pool", amount = "-10000000000000000" },
]

[[flows]]
id = "f"
"#;
    let problems = Scenario::from_toml(text).unwrap().check(&snapshot());
    let got: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let expect = [
        "holders[0].venue: expected a venue selling USDC, found \"wbtc-pool\" selling WBTC",
        "holders[0].amount: expected an amount from 1e-12 to 1e15, found 0",
        "holders[0].tranche_pct: expected a percentage above 0 and at most 100, found 0",
        "holders[1].id: expected an id unused by other holders (scenario or snapshot), found \"a\" again",
        "holders[1].venue: expected a venue of the snapshot, found \"nowhere\"",
        "flows[0].rows[0].token: expected a token of the snapshot, found \"ETH\"",
        "flows[0].rows[0].venue: expected a venue trading ETH, found \"wbtc-pool\" trading WBTC",
        "flows[0].rows[1].at_secs: expected rows in time order, found t = 0 s after t = 3600 s (row 0)",
        "flows[0].rows[2].venue: expected a venue of the snapshot, found \"pool\"",
        "flows[0].rows[2].at_secs: expected a time within the horizon, below horizon_secs (7200), found 7200",
        "flows[0].rows[3].at_secs: expected exactly one of at_secs and timestamp",
        "flows[0].rows[4].amount: expected 0 or an amount from 1e-12 to 1e15 in size (signed), found -10000000000000000",
        "flows[0].rows[4].timestamp: expected a time at or after the snapshot's (1700000000), found 1699999999",
        "flows[1].id: expected a unique id, found \"f\" again",
        "flows[1].rows: expected rows, inline or in a csv, found none",
    ];
    for line in expect {
        assert!(got.iter().any(|g| g == line), "missing {line:?} in:\n{}", got.join("\n"));
    }
    assert_eq!(got.len(), expect.len(), "{}", got.join("\n"));
}
