//! Breakpoint searches: a hand-built market whose breakpoints are computed by hand, the bundled
//! Stream/Elixir snapshot under an xUSD write-down, and drivers that name nothing.

use faultline_orchestrator::{
    Error, Scenario, Snapshot,
    breakpoints::{Breakpoint, BreakpointReport, Driver, EntityBreakpoints, Options, search},
};
use rust_decimal::Decimal;
use serde_json::json;
use std::str::FromStr;

const SNAPSHOT: &str = include_str!("../../../fixtures/snapshots/stream-elixir-2025-11.json");
const SCENARIO: &str = include_str!("../../../fixtures/scenarios/stream-elixir-2025-11.toml");

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn row<'a>(report: &'a BreakpointReport, entity: &str) -> &'a EntityBreakpoints {
    report.entities.iter().find(|e| e.entity == entity).expect("the entity has a row")
}

/// The true breakpoint `b` lies in the reported bracket `(below, shock]` (at `b` itself the
/// condition does not hold yet: every condition is a strict inequality), at most `tolerance`
/// wide.
fn brackets(found: Option<&Breakpoint>, b: Decimal, tolerance: Decimal) {
    let found = found.expect("the breakpoint is reached");
    let below = found.below.expect("the condition does not hold at s = 0");
    assert!(below <= b && b < found.shock, "{b} not in ({below}, {}]", found.shock);
    assert!(found.shock - below <= tolerance, "bracket wider than {tolerance}: {found:?}");
}

const SOURCE: &str =
    r#"{"kind": "synthetic", "reference": "hand-built test", "confidence": "low"}"#;

/// One Morpho market, WETH ($2,000) collateral, USDC debt, LLTV 80%, a hardcoded oracle at
/// $2,000 (so nobody is ever liquidated: the market's losses are exactly the hand calculation),
/// three borrowers and one lender of 50,000 USDC. Shares are assets × 10^6 (Morpho's virtual
/// shares), so each borrower's debt is exactly its assets.
fn hand_built() -> (Snapshot, Scenario) {
    let source: serde_json::Value = serde_json::from_str(SOURCE).unwrap();
    // (account, WETH collateral, USDC debt)
    let borrowers = [
        ("0x00000000000000000000000000000000000000a1", 10, 12_000_u64),
        ("0x00000000000000000000000000000000000000b2", 5, 7_100),
        ("0x00000000000000000000000000000000000000c3", 1, 1_000),
    ];
    let mut positions = vec![json!({
        "account": "0x00000000000000000000000000000000000000d4",
        "supply_shares": "50000000000000000"
    })];
    let mut debt_raw = 0_u64;
    for (account, weth, usdc) in borrowers {
        debt_raw += usdc * 1_000_000;
        positions.push(json!({
            "account": account,
            "collateral": format!("{weth}000000000000000000"),
            "borrow_shares": format!("{}", u128::from(usdc) * 1_000_000 * 1_000_000),
        }));
    }
    let snapshot = json!({
        "schema_version": 1,
        "name": "hand-built WETH/USDC",
        "timestamp": 1_700_000_000,
        "tokens": [
            {"id": "USDC", "symbol": "USDC", "decimals": 6, "price_usd": "1", "source": source},
            {"id": "WETH", "symbol": "WETH", "decimals": 18, "price_usd": "2000", "source": source}
        ],
        "oracles": [{"id": "weth-fixed", "token": "WETH", "quote": "USDC",
            "kind": {"type": "fixed"}, "price": "2000", "source": source}],
        "lending_markets": [{"id": "m", "name": "Morpho WETH/USDC 80%", "source": source,
            "protocol": {"morpho_blue": {
                "market_id": "0x01", "loan_token": "USDC", "collateral_token": "WETH",
                "oracle": "weth-fixed", "lltv": "800000000000000000",
                "total_supply_assets": "50000000000", "total_supply_shares": "50000000000000000",
                "total_borrow_assets": debt_raw.to_string(),
                "total_borrow_shares": (u128::from(debt_raw) * 1_000_000).to_string(),
                "positions": positions
            }}}]
    });
    let snapshot =
        Snapshot::from_json(&snapshot.to_string()).expect("the hand-built snapshot is valid");
    let scenario = Scenario::from_toml(
        "name = \"WETH falls\"\nsnapshot = \"unused\"\nstep_secs = 3600\nhorizon_secs = 7200\n",
    )
    .unwrap();
    (snapshot, scenario)
}

#[test]
fn the_hand_built_market_breaks_where_the_hand_calculation_says() {
    let (snapshot, scenario) = hand_built();
    let options = Options::default();
    let driver = Driver::parse("asset:WETH", &snapshot).unwrap();
    let report = search(&snapshot, &scenario, &driver, &options).unwrap();
    let market = row(&report, "m");
    // A borrower is unhealthy at market once collateral · price · (1 − s) · LLTV < debt, i.e.
    // s > 1 − debt / (collateral · price · LLTV); the hardcoded oracle keeps it healthy by the
    // protocol, so that is a missed liquidation, the market's first loss:
    //   A: 1 − 12,000 / (10 · 2,000 · 0.8) = 1 − 12,000 / 16,000 = 0.25
    //   B: 1 −  7,100 / ( 5 · 2,000 · 0.8) = 1 −  7,100 /  8,000 = 0.1125   <- first
    //   C: 1 −  1,000 / ( 1 · 2,000 · 0.8) = 1 −  1,000 /  1,600 = 0.375
    brackets(market.first_loss.as_ref(), dec("0.1125"), options.tolerance);
    let event = market.first_loss.as_ref().unwrap().event.as_ref().unwrap();
    assert_eq!(event.kind, "missed_liquidation");
    assert!(event.summary.contains("0x00000000000000000000000000000000000000b2"), "{event:?}");
    // Debt above collateral at market (economic bad debt) once s > 1 − debt / (collateral · price):
    //   A: 1 − 12,000 / 20,000 = 0.4;  B: 1 − 7,100 / 10,000 = 0.29 <- first;  C: 1 − 1,000 / 2,000 = 0.5
    brackets(market.first_insolvent.as_ref(), dec("0.29"), options.tolerance);
    assert_eq!(
        market.first_insolvent.as_ref().unwrap().event.as_ref().unwrap().kind,
        "economic_bad_debt"
    );
    // Driver terms: a price fall in percent.
    let loss = market.first_loss.as_ref().unwrap();
    assert_eq!(loss.magnitude, loss.shock * Decimal::ONE_HUNDRED);
    assert_eq!(report.driver.unit, "price fall %");
    // WETH itself loses at any fall and breaks once it is more than 5% down: s > 0.05.
    let weth = row(&report, "WETH");
    let first = weth.first_loss.as_ref().unwrap();
    assert!(first.below == Some(Decimal::ZERO) && first.shock <= options.tolerance, "{first:?}");
    brackets(weth.first_insolvent.as_ref(), dec("0.05"), options.tolerance);
    // USDC never moves.
    let usdc = row(&report, "USDC");
    assert!(usdc.first_loss.is_none() && usdc.first_insolvent.is_none());
    // Losses only grow with the fall here: every probe agrees with monotonicity.
    assert!(report.entities.iter().all(|e| e.non_monotone.is_empty()));
    // Runs are shared: far fewer than a grid of 17 plus a separate bisection (14 halvings from
    // 1 to 1e-4) for each of the four conditions reached.
    assert!(report.runs < 17 + 4 * 14, "{} runs", report.runs);
    // The same search twice gives the same report (the parallel probes are deterministic).
    assert_eq!(report, search(&snapshot, &scenario, &driver, &options).unwrap());
}

#[test]
fn a_coarser_tolerance_gives_a_wider_bracket_around_the_same_point() {
    let (snapshot, scenario) = hand_built();
    let options = Options { tolerance: dec("0.01"), grid: 4, ..Options::default() };
    let driver = Driver::parse("asset:WETH", &snapshot).unwrap();
    let report = search(&snapshot, &scenario, &driver, &options).unwrap();
    brackets(row(&report, "m").first_loss.as_ref(), dec("0.1125"), options.tolerance);
    brackets(row(&report, "m").first_insolvent.as_ref(), dec("0.29"), options.tolerance);
}

fn bundled() -> (Snapshot, Scenario) {
    (Snapshot::from_json(SNAPSHOT).unwrap(), Scenario::from_toml(SCENARIO).unwrap())
}

#[test]
fn an_xusd_write_down_reaches_deusd_where_the_plume_loan_goes_under() {
    let (snapshot, scenario) = bundled();
    let options = Options::default();
    let driver = Driver::parse("issuer:xusd", &snapshot).unwrap();
    let report = search(&snapshot, &scenario, &driver, &options).unwrap();
    // s writes off s × each item of xUSD's backing at the snapshot's prices:
    //   93,000,000 (external manager) + 68,000,000 deUSD × $0.9991 + 9,000,000 = 169,938,800.
    assert_eq!(report.driver.full_magnitude, dec("169938800"));
    // xUSD's true NAV is then 169,938,800 · (1 − s) / 134,429,859 and its price follows it
    // down. deUSD's loan to Stream (68,000,000 USDC against 67,460,317 xUSD in the Plume market)
    // is uncovered once 67,460,317 · NAV < 68,000,000, and deUSD's NAV falls with it:
    //   s* = 1 − 68,000,000 · 134,429,859 / (67,460,317 · 169,938,800)
    let b =
        Decimal::ONE - dec("68000000") * dec("134429859") / (dec("67460317") * dec("169938800"));
    assert!(b > dec("0.2026") && b < dec("0.2027"), "{b}");
    let deusd = row(&report, "deusd");
    brackets(deusd.first_loss.as_ref(), b, options.tolerance);
    // deUSD reports $1 and is exactly backed at the snapshot: its first loss is its insolvency.
    assert_eq!(deusd.first_insolvent, deusd.first_loss);
    let plume = row(&report, "morpho-plume-xusd-private");
    brackets(plume.first_insolvent.as_ref(), b, options.tolerance);
    // The hardcoded oracle keeps the loan "healthy": at market it is liquidatable once
    // 67,460,317 · NAV · 0.86 < 68,000,000, a missed liquidation, earlier:
    let missed = Decimal::ONE
        - dec("68000000") * dec("134429859") / (dec("0.86") * dec("67460317") * dec("169938800"));
    brackets(plume.first_loss.as_ref(), missed, options.tolerance);
    assert_eq!(
        plume.first_loss.as_ref().unwrap().event.as_ref().unwrap().kind,
        "missed_liquidation"
    );
    // xUSD loses at any write-down; its true NAV (169,938,800 / 134,429,859 = 1.264145) is already
    // below the reported $1.2646 at the snapshot, so it is insolvent at s = 0, with a note.
    let xusd = row(&report, "xusd");
    assert!(xusd.first_loss.as_ref().unwrap().shock <= options.tolerance);
    let insolvent = xusd.first_insolvent.as_ref().unwrap();
    assert_eq!((insolvent.shock, insolvent.below, &insolvent.event), (Decimal::ZERO, None, &None));
    assert!(insolvent.note.as_deref().unwrap().contains("already below the reported $1.2646"));
    assert!(report.entities.iter().all(|e| e.non_monotone.is_empty()), "{:?}", report.entities);
}

#[test]
fn keeping_the_scenario_shocks_makes_the_write_down_the_baseline() {
    let (snapshot, scenario) = bundled();
    let options = Options { keep_shocks: true, tolerance: dec("0.01"), ..Options::default() };
    let driver = Driver::parse("issuer:deusd", &snapshot).unwrap();
    let report = search(&snapshot, &scenario, &driver, &options).unwrap();
    // With Stream's $93M loss already applied, the Plume loan is under water before any deUSD
    // write-down: deUSD has lost at s = 0.
    let deusd = row(&report, "deusd");
    assert_eq!(deusd.first_loss.as_ref().unwrap().shock, Decimal::ZERO);
    assert!(report.keep_shocks);
}

fn refused(text: &str, snapshot: &Snapshot) -> String {
    match Driver::parse(text, snapshot) {
        Err(e @ Error::Invalid { .. }) => e.to_string(),
        other => panic!("{text}: expected Error::Invalid, got {other:?}"),
    }
}

#[test]
fn a_driver_that_names_nothing_lists_the_valid_ids() {
    let (snapshot, _) = bundled();
    assert_eq!(
        refused("issuer:usde", &snapshot),
        "driver: expected an issuer of the snapshot (one of deusd, sdeusd, xusd), found \"issuer:usde\""
    );
    assert_eq!(
        refused("asset:ETH", &snapshot),
        "driver: expected a token of the snapshot (one of USDC, USDT0, deUSD, sdeUSD, xUSD), found \"asset:ETH\""
    );
    assert!(
        refused("venue:curve", &snapshot)
            .contains("one of deusd-secondary, sdeusd-secondary, xusd-secondary")
    );
    assert!(refused("price:xUSD", &snapshot).contains("asset:<token id>, issuer:<issuer id>"));
    assert!(refused("xusd", &snapshot).contains("venue:<venue id>"));
    // deUSD's loan to Stream is a lending-supply item: its market values it, it cannot be
    // written down.
    let loan = refused("issuer:deusd/deusd-loan-to-stream", &snapshot);
    assert!(loan.contains("(one of deusd-other-reserves; lending-supply items"), "{loan}");
    assert_eq!(
        Driver::parse("issuer:xusd/xusd-other", &snapshot).unwrap(),
        Driver::Issuer { issuer: "xusd".into(), item: Some("xusd-other".into()) }
    );
}

#[test]
fn options_out_of_range_are_refused_before_any_run() {
    let (snapshot, scenario) = hand_built();
    let driver = Driver::parse("asset:WETH", &snapshot).unwrap();
    for (options, field) in [
        (Options { tolerance: Decimal::ZERO, ..Options::default() }, "tolerance"),
        (Options { grid: 0, ..Options::default() }, "grid"),
        (Options { depeg_pct: dec("101"), ..Options::default() }, "depeg_pct"),
    ] {
        match search(&snapshot, &scenario, &driver, &options) {
            Err(Error::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: expected Error::Invalid, got {other:?}"),
        }
    }
}
