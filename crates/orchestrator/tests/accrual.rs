//! Interest accrual inside a run: a Morpho market stuck at 100% utilisation grows its debt, and
//! with it its bad debt, by exactly what `_accrueInterest` with the AdaptiveCurveIRM gives each
//! step; a market without IRM state in the snapshot does not accrue, and the report says so.
//!
//! The hand calculation of the figures is in `crates/lending/tests/morpho_accrual.rs`
//! (`three_hours_at_full_utilisation_compound_at_four_times_the_ceiling`): 1,000,000 USDC
//! supplied and all lent, 1e18 shares a side, a 10% fee, the rate at target at its ceiling, so
//! the borrow rate is 253,678,335,868 wei/s and the totals after each hour are 1,000,913.659141,
//! 1,001,828.153055 and 1,002,743.482505 USDC.
//!
//! Time: the run's clock is the snapshot's `timestamp` plus the step's start. The IRM state's
//! `last_update` is one hour before the snapshot, so the first step (at the snapshot's time)
//! catches that hour up, and each later step accrues its own hour: the series, stamped at each
//! step's start, reads the totals after 1, 2 and 3 hours.

use faultline_orchestrator::{Scenario, Snapshot, report::EntityLoss, run};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::str::FromStr;

const T0: u64 = 1_700_000_000;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// A Morpho WETH/USDC 86% market at 100% utilisation: one lender, one borrower owing everything
/// against 500 WETH, the oracle fixed at 2,100 USDC per WETH (collateral at the oracle: $1.05M)
/// while WETH trades at $1,900 ($950,000): under water at market, covered at the oracle. No venue:
/// nobody can sell the collateral, so the liquidation the oracle calls for is missed and the debt
/// stays. `irm`: the market's IRM state, or `None` for a snapshot without it.
fn market(id: &str, irm: Option<Value>) -> Value {
    let source = json!({"kind": "synthetic", "reference": "hand-built", "confidence": "low"});
    let mut morpho = json!({
        "market_id": "0x01", "loan_token": "USDC", "collateral_token": "WETH",
        "oracle": "weth-fixed", "lltv": "860000000000000000",
        "total_supply_assets": "1000000000000", "total_supply_shares": "1000000000000000000",
        "total_borrow_assets": "1000000000000", "total_borrow_shares": "1000000000000000000",
        "fee": "100000000000000000",
        "positions": [
            {"account": "0x000000000000000000000000000000000000a001",
             "supply_shares": "1000000000000000000"},
            {"account": "0x000000000000000000000000000000000000b001",
             "borrow_shares": "1000000000000000000", "collateral": "500000000000000000000"}
        ]
    });
    if let Some(irm) = irm {
        morpho["irm"] = irm;
    }
    json!({"id": id, "name": id, "source": source, "protocol": {"morpho_blue": morpho}})
}

fn snapshot() -> Snapshot {
    let source = json!({"kind": "synthetic", "reference": "hand-built", "confidence": "low"});
    let irm = json!({
        "address": "0x870aC11D48B15DB9a138Cf899d20F13F79Ba00BC",
        "rate_at_target": "63419583967",
        "last_update": T0 - 3_600,
        "source": source
    });
    let doc = json!({
        "schema_version": 1,
        "name": "hand-built, 100% utilised",
        "timestamp": T0,
        "tokens": [
            {"id": "USDC", "symbol": "USDC", "decimals": 6, "price_usd": "1", "source": source},
            {"id": "WETH", "symbol": "WETH", "decimals": 18, "price_usd": "1900", "source": source}
        ],
        "oracles": [{"id": "weth-fixed", "token": "WETH", "quote": "USDC",
            "kind": {"type": "fixed"}, "price": "2100", "source": source}],
        "lending_markets": [market("accruing", Some(irm)), market("still", None)]
    });
    Snapshot::from_json(&doc.to_string()).expect("the hand-built snapshot is valid")
}

fn scenario() -> Scenario {
    Scenario::from_toml(
        "name = \"three quiet hours\"\nsnapshot = \"unused\"\nstep_secs = 3600\n\
         horizon_secs = 10800\n[engine]\nseries = true\n",
    )
    .unwrap()
}

fn entity<'a>(entities: &'a [EntityLoss], id: &str) -> &'a EntityLoss {
    entities.iter().find(|e| e.entity == id).unwrap_or_else(|| panic!("{id} in the report"))
}

#[test]
fn a_fully_utilised_market_grows_its_debt_and_bad_debt_by_the_irm_each_step() {
    let report = run(&snapshot(), &scenario()).unwrap();
    let series = |id: &str, metric: &str| -> Vec<Decimal> {
        report
            .series
            .iter()
            .filter(|p| p.entity == id && p.metric == metric)
            .map(|p| p.value)
            .collect()
    };
    // The totals after 1, 2 and 3 hours (hand-worked in morpho_accrual.rs).
    let totals = [dec("1000913.659141"), dec("1001828.153055"), dec("1002743.482505")];
    assert_eq!(series("accruing", "borrow"), totals);
    assert_eq!(series("accruing", "supply"), totals);
    assert_eq!(series("accruing", "utilisation"), [Decimal::ONE; 3]);
    // Bad debt at market: the borrower's debt (every share: the totals) less 500 WETH × $1,900.
    let at_market = totals.map(|t| t - dec("950000"));
    assert_eq!(series("accruing", "bad_debt"), at_market);
    assert_eq!(at_market[2], dec("52743.482505"));
    // The market without IRM state keeps its totals.
    assert_eq!(series("still", "borrow"), [dec("1000000"); 3]);
    assert_eq!(series("still", "bad_debt"), [dec("50000"); 3]);

    // Both measures in the report: at market $52,743.48; at the oracle ($2,100 a WETH, the
    // collateral worth $1.05M) nothing is uncovered yet.
    let accruing = entity(&report.entities, "accruing");
    assert_eq!(accruing.economic_bad_debt_usd, dec("52743.482505"));
    assert_eq!(accruing.oracle_bad_debt_usd, Decimal::ZERO);
    assert_eq!(accruing.bad_debt_usd, Decimal::ZERO, "nothing realised: nobody can liquidate");
    assert!(
        accruing.interest.as_deref().is_some_and(|i| i.starts_with("AdaptiveCurveIRM")),
        "{:?}",
        accruing.interest
    );
    let still = entity(&report.entities, "still");
    assert_eq!(still.economic_bad_debt_usd, dec("50000"));
    assert_eq!(
        still.interest.as_deref(),
        Some("not accrued: the snapshot gives no rate parameters")
    );
    let totals = report.totals();
    assert_eq!(totals.economic_bad_debt_usd, dec("102743.482505"));
    assert_eq!(totals.oracle_bad_debt_usd, Decimal::ZERO);
}

/// The oracle measure: with WETH's oracle fixed at $1,000 a WETH instead (collateral $500,000 at
/// the oracle), the debt uncovered at the oracle is the debt less $500,000, and it grows with the
/// interest as the economic measure does: after three hours 1,002,743.482505 − 500,000.
#[test]
fn bad_debt_at_the_oracle_is_the_debt_less_the_collateral_at_the_oracle_price() {
    let mut doc: Value = serde_json::to_value(snapshot()).unwrap();
    doc["oracles"][0]["price"] = json!("1000");
    let snapshot = Snapshot::from_json(&doc.to_string()).unwrap();
    let report = run(&snapshot, &scenario()).unwrap();
    let accruing = entity(&report.entities, "accruing");
    assert_eq!(accruing.oracle_bad_debt_usd, dec("502743.482505"));
    assert_eq!(accruing.economic_bad_debt_usd, dec("52743.482505"));
    assert_eq!(entity(&report.entities, "still").oracle_bad_debt_usd, dec("500000"));
}

/// The snapshot's IRM state is checked: a rate at target outside the IRM's bounds and a last
/// update after the snapshot are each reported with their path.
#[test]
fn irm_state_out_of_range_is_reported_with_its_path() {
    let mut doc: Value = serde_json::to_value(snapshot()).unwrap();
    let irm = &mut doc["lending_markets"][0]["protocol"]["morpho_blue"]["irm"];
    irm["rate_at_target"] = json!("63419583968");
    irm["last_update"] = json!(T0 + 1);
    let problems = Snapshot::from_json(&doc.to_string()).expect_err("two problems");
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(
        text.iter().any(|p| p.starts_with(
            "$.lending_markets[0].protocol.morpho_blue.irm.rate_at_target: expected 0 or a WAD"
        )),
        "{text:?}"
    );
    assert!(
        text.iter().any(|p| p
            .starts_with("$.lending_markets[0].protocol.morpho_blue.irm.last_update: expected")),
        "{text:?}"
    );
}

/// Comet's kinked rates in a run (`accrueInternal`): a USDC Comet, 10,000 USDC supplied and
/// 9,000 borrowed by one borrower against 4 WETH, indexes at 1e15. Its borrow curve: kink 1e18,
/// base 0, slope below the kink 31,536,000e9 a year, i.e. 1e9 a second; the supply curve is zero
/// (the supply index stays). WETH's feed is fixed at $3,000 (liquidity at the feed
/// −9,000 + 4 · 3,000 · 0.85 = +1,200: not liquidatable), while WETH trades at $1,900: under water
/// at market, a missed liquidation, and the debt stays.
///
/// `accrueInternal` each hour: rate = ⌊1e9 · u / 1e18⌋, index += ⌊index · rate · 3,600 / 1e18⌋:
/// - hour 1 (the second step): u = 0.9e18, rate 900,000,000, index + 3,240,000,000 =
///   1,000,003,240,000,000;
/// - hour 2: borrow ⌊9e9 · 1,000,003,240,000,000 / 1e15⌋ = 9,000,029,160, u =
///   900,002,916,000,000,000, rate 900,002,916, index + ⌊1,000,003,240,000,000 ·
///   3,240,010,497,600 / 1e18⌋ = 3,240,020,995 → 1,000,006,480,020,995.
///
/// Debt ⌊9e9 · 1,000,006,480,020,995 / 1e15⌋ = 9,000,058,320 (9,000.05832 USDC); uncovered at
/// market 9,000.05832 − 4 · 1,900 = $1,400.05832; at the feed nothing.
#[test]
fn a_comet_with_its_rate_curves_accrues_by_accrue_internal() {
    let source = json!({"kind": "synthetic", "reference": "hand-built", "confidence": "low"});
    let curve = |slope: &str| {
        json!({"kink": "1000000000000000000", "base_per_year": "0",
               "slope_low_per_year": slope, "slope_high_per_year": "0"})
    };
    let doc = json!({
        "schema_version": 1,
        "name": "hand-built Comet",
        "timestamp": T0,
        "tokens": [
            {"id": "USDC", "symbol": "USDC", "decimals": 6, "price_usd": "1", "source": source},
            {"id": "WETH", "symbol": "WETH", "decimals": 18, "price_usd": "1900", "source": source}
        ],
        "oracles": [
            {"id": "usdc-usd", "token": "USDC", "kind": {"type": "market"}, "price": "1", "source": source},
            {"id": "weth-fixed", "token": "WETH", "kind": {"type": "fixed"}, "price": "3000", "source": source}
        ],
        "lending_markets": [{
            "id": "comet", "name": "Comet USDC", "source": source,
            "protocol": {"compound_v3": {
                "base_token": "USDC", "base_oracle": "usdc-usd",
                "store_front_price_factor": "500000000000000000",
                "target_reserves": "1000000000000",
                "base_supply_index": "1000000000000000", "base_borrow_index": "1000000000000000",
                "total_supply_base": "10000000000", "total_borrow_base": "9000000000",
                "base_balance": "1000000000",
                "rates": {"supply": curve("0"), "borrow": curve("31536000000000000")},
                "assets": [{"token": "WETH", "oracle": "weth-fixed",
                    "borrow_collateral_factor": "800000000000000000",
                    "liquidate_collateral_factor": "850000000000000000",
                    "liquidation_factor": "900000000000000000"}],
                "positions": [
                    {"account": "0x000000000000000000000000000000000000a001",
                     "supply_principal": "10000000000"},
                    {"account": "0x000000000000000000000000000000000000b001",
                     "borrow_principal": "9000000000",
                     "collateral": [{"token": "WETH", "amount": "4000000000000000000"}]}
                ]
            }}
        }]
    });
    let snapshot = Snapshot::from_json(&doc.to_string()).unwrap();
    let report = run(&snapshot, &scenario()).unwrap();
    let comet = entity(&report.entities, "comet");
    assert_eq!(comet.economic_bad_debt_usd, dec("1400.05832"));
    assert_eq!(comet.oracle_bad_debt_usd, Decimal::ZERO);
    assert_eq!(comet.liquidations, 0);
    assert_eq!(comet.interest.as_deref(), Some("Comet kinked rates (accrueInternal)"));
}
