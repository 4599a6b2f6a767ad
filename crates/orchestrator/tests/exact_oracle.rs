//! A Morpho oracle's price in full precision: a live snapshot carries `price()` exactly
//! (`oracle_price_raw`, 1e36 scale), and the engine values collateral at it, so health is the
//! contract's to the wei even where the decimal price has lost the last digits.
//!
//! Hand-worked (synthetic): TKN and DAI, 18 decimals each, so Morpho's scale is 1e36. The oracle
//! is fixed and answers `price()` = 1e36 + 1e17: 1.0000000000000000001 DAI per TKN, 19 places,
//! one more than the 18 the engine keeps oracle answers in (its cut is 1, i.e. 1e36). LLTV 50%.
//! One borrower with C = 2e19 wei of TKN (20 TKN) owing B = 1e19 + 1 wei of DAI (borrow shares
//! B · 1e6 against total borrow assets B: `toAssetsUp` gives back B exactly). Morpho's
//! `_isHealthy`: maxBorrow = wMulDown(mulDivDown(C, price, 1e36), lltv).
//! - At the exact price: mulDivDown(2e19, 1e36 + 1e17, 1e36) = 2e19 + 2; halved: 1e19 + 1 = B:
//!   healthy (borrowed ≤ maxBorrow).
//! - At the price cut to 18 places (1e36): 2e19, halved 1e19 < B: liquidatable.
//!
//! TKN trades at $1.10, so at market the borrower is healthy either way: only the oracle's last
//! digit decides. No venue: a liquidation the oracle calls for is missed (no liquidity), which
//! the report shows.

use faultline_orchestrator::{Scenario, Snapshot, report::EventKind, run};
use serde_json::json;

fn snapshot(raw: Option<&str>) -> Snapshot {
    let s = json!({"kind": "synthetic", "reference": "hand-worked test", "confidence": "low"});
    let b = "10000000000000000001";
    let mut market = json!({
        "market_id": "0x01", "loan_token": "DAI", "collateral_token": "TKN",
        "oracle": "tkn-fixed", "lltv": "500000000000000000",
        "total_supply_assets": "100000000000000000000",
        "total_supply_shares": "100000000000000000000000000",
        "total_borrow_assets": b,
        "total_borrow_shares": format!("{b}000000"),
        "positions": [
            {"account": "0x000000000000000000000000000000000000a001",
             "supply_shares": "100000000000000000000000000"},
            {"account": "0x000000000000000000000000000000000000b001",
             "borrow_shares": format!("{b}000000"),
             "collateral": "20000000000000000000"}
        ]
    });
    if let Some(raw) = raw {
        market["oracle_price_raw"] = json!(raw);
    }
    let doc = json!({
        "schema_version": 1, "name": "exact oracle", "timestamp": 1_700_000_000u64,
        "tokens": [
            {"id": "TKN", "symbol": "TKN", "decimals": 18, "price_usd": "1.1", "source": s},
            {"id": "DAI", "symbol": "DAI", "decimals": 18, "price_usd": "1", "source": s}
        ],
        "oracles": [{"id": "tkn-fixed", "token": "TKN", "quote": "DAI",
            "kind": {"type": "fixed"}, "price": "1.0000000000000000001", "source": s}],
        "lending_markets": [{"id": "m", "name": "Morpho TKN/DAI 50%", "source": s,
            "protocol": {"morpho_blue": market}}]
    });
    Snapshot::from_json(&doc.to_string()).expect("valid")
}

fn missed(snapshot: &Snapshot) -> usize {
    let scenario = Scenario::from_toml(
        "name = \"one step\"\nsnapshot = \"unused\"\nstep_secs = 3600\nhorizon_secs = 3600\n",
    )
    .unwrap();
    let report = run(snapshot, &scenario).expect("run");
    report.events.iter().filter(|e| matches!(e.kind, EventKind::MissedLiquidation { .. })).count()
}

#[test]
fn health_follows_the_oracles_exact_answer_to_the_wei() {
    // The exact answer: healthy, nothing to liquidate.
    assert_eq!(missed(&snapshot(Some("1000000000000000000100000000000000000"))), 0);
    // The decimal price alone: liquidatable by one wei of debt, and missed for want of a venue.
    assert_eq!(missed(&snapshot(None)), 1);
    // An exact answer the engine's price is not a cut of (2e36) is not used: the kept price
    // decides, as without one (an oracle that moved since is valued at its new answer).
    assert_eq!(missed(&snapshot(Some("2000000000000000000000000000000000000"))), 1);
}
