//! The stablecoin-supply channel on a hand-built book, every figure worked out by hand below,
//! and the scenario checks that refuse bad stablecoins and supply rows.
//!
//! The snapshot: USDC (6 decimals, $1) and WETH (18 decimals, $2,000) on one order book,
//! `weth-usdc-book`, mid 2,000 USDC, with 100 WETH within 1% of mid and 300 within 2% on each
//! side and no recovery. Depth is linear between levels (`faultline_liquidity::depth`): selling
//! `q` moves the mid to `2000 · (1 − δ(q))`, `δ` the piecewise-linear inverse of the depth curve.

use faultline_orchestrator::{Scenario, Snapshot, report::EventKind, run};
use rust_decimal::Decimal;
use serde_json::json;
use std::str::FromStr;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn snapshot() -> Snapshot {
    let synthetic =
        json!({"kind": "synthetic", "reference": "hand-built test book", "confidence": "low"});
    let doc = json!({
        "schema_version": 1,
        "name": "hand-built book",
        "timestamp": 1_700_000_000u64,
        "tokens": [
            {"id": "USDC", "symbol": "USDC", "decimals": 6, "price_usd": "1", "source": synthetic},
            {"id": "WETH", "symbol": "WETH", "decimals": 18, "price_usd": "2000", "source": synthetic}
        ],
        "venues": [{
            "id": "weth-usdc-book", "base": "WETH", "quote": "USDC",
            "model": {"type": "depth", "levels": [
                {"within_pct": "1", "quantity": "100"},
                {"within_pct": "2", "quantity": "300"}
            ]},
            "source": synthetic
        }]
    });
    Snapshot::from_json(&doc.to_string()).unwrap()
}

/// Two one-minute steps. Step 0: a supply flow redeems 100 of USDC's 1,000; step 1: a flow sells
/// 100 WETH into the book. Elasticity 2.
const SCENARIO: &str = r#"
name = "supply to bids, by hand"
snapshot = "hand-built"
step_secs = 60
horizon_secs = 120

[[stablecoins]]
token = "USDC"
supply = "1000"
venues = ["weth-usdc-book"]
elasticity = "2"
note = "hand-built"

[[flows]]
id = "usdc-supply"
kind = "stablecoin_supply"
rows = [{ at_secs = 0, entity = "issuer", token = "USDC", amount = "-100" }]

[[flows]]
id = "seller"
rows = [{ at_secs = 60, entity = "fund", token = "WETH", venue = "weth-usdc-book", amount = "-100" }]
"#;

#[test]
fn redemptions_thin_the_bids_and_the_next_sale_falls_further() {
    let report = run(&snapshot(), &Scenario::from_toml(SCENARIO).unwrap()).unwrap();
    let events = &report.events;
    let find = |name: &'static str| events.iter().filter(move |e| e.kind.name() == name);

    // Step 0. Supply 1,000 − 100 redeemed = 900: one supply event, exogenous (no causes).
    let supply: Vec<_> = find("stablecoin_supply").collect();
    assert_eq!(supply.len(), 1, "{supply:#?}");
    assert_eq!(supply[0].step, 0);
    assert!(supply[0].causes.is_empty());
    assert_eq!(
        supply[0].kind,
        EventKind::StablecoinSupply {
            token: "USDC".into(),
            from: dec("1000"),
            to: dec("900"),
            redeemed: dec("100"),
            minted: Decimal::ZERO,
        }
    );
    // The depth law: bids x (900 / 1,000)^2 = 0.81, so 81 WETH within 1% and 243 within 2%;
    // the event names the supply change. The book is undisplaced, so its mid does not move.
    let depth: Vec<_> = find("bid_depth").collect();
    assert_eq!(depth.len(), 1, "{depth:#?}");
    assert_eq!(depth[0].step, 0);
    assert_eq!(depth[0].causes, vec![supply[0].id]);
    let EventKind::BidDepth { factor, supply: s, .. } = &depth[0].kind else { unreachable!() };
    assert_eq!((*factor, *s), (dec("0.81"), dec("900")));
    assert!(find("price_move").all(|e| e.step == 1));

    // Step 1. 100 WETH sold: 81 take the first band to δ = 1%, the other 19 go 19/162 of the
    // way through the second (243 − 81 = 162 WETH from 1% to 2%): δ = 1% + 1% · 19/162
    // = 1.117283950617…%, mid 2000 · (1 − δ) = 1,977.654320987654320987…
    // (18 decimals, rounded down). Without the channel the 100 WETH would end exactly at the
    // first level: 1% down, 1,980.
    let moves: Vec<_> = find("price_move").collect();
    assert_eq!(moves.len(), 1, "{moves:#?}");
    let EventKind::PriceMove { from_usd, to_usd } = moves[0].kind else { unreachable!() };
    assert_eq!(from_usd, dec("2000"));
    assert!((to_usd - dec("1977.654320987654320987")).abs() < dec("1e-15"), "{to_usd}");
    // The move names the sale first and the thinner bids after it.
    let flow = find("flow").find(|e| e.step == 1).unwrap();
    assert_eq!(moves[0].causes, vec![flow.id, depth[0].id]);
    // Proceeds: 81 WETH at an average 0.5% under mid, 81 · 2000 · 0.995 = 161,190; 19 WETH
    // between δ 1% and 1.11728…%, average 1.058641975308…%: 19 · 2000 · 0.98941358024691…
    // = 37,597.716049382716…; in all 198,787.716049… USDC at $1.
    let EventKind::Flow { value_usd, .. } = flow.kind else { unreachable!() };
    assert!((value_usd - dec("198787.716049382716")).abs() < dec("1e-6"), "{value_usd}");

    // The report: supply 1,000 → 900, bids x0.81, and the channel's share of WETH's fall (its
    // low is its last price, the book does not recover): with it −1.1172839…%, without −1%
    // (the counterfactual run), so the channel made
    // (1.1172839 − 1) / 1.1172839 = (19/162) / (181/162) = 19/181 = 10.497…% of the fall.
    assert_eq!(report.stablecoins.len(), 1);
    let outcome = &report.stablecoins[0];
    assert_eq!(
        (outcome.supply_start, outcome.supply_end, outcome.redeemed_by_flows),
        (dec("1000"), dec("900"), dec("100"))
    );
    assert_eq!(outcome.bid_depth_factor, dec("0.81"));
    assert_eq!(outcome.channel.len(), 1);
    let share = &outcome.channel[0];
    assert_eq!(share.token, "WETH");
    assert_eq!(share.low_change_without_pct, dec("-1"));
    assert!((share.low_change_pct - dec("-1.11728395061728")).abs() < dec("1e-12"), "{share:?}");
    assert_eq!(share.share_pct, Some(dec("10.50")));
    let lines = report.channel_lines();
    assert_eq!(
        lines[1],
        "stablecoin-supply channel (USDC): 10.50% of WETH's fall (low -1.12% with the channel, \
         -1.00% without)"
    );
}

/// Elasticity 0 keeps the bookkeeping and switches the channel off: the sale fills as on the
/// untouched book (1,980) and the share is 0.
#[test]
fn elasticity_zero_is_no_channel() {
    let scenario = SCENARIO.replace("elasticity = \"2\"", "elasticity = \"0\"");
    let report = run(&snapshot(), &Scenario::from_toml(&scenario).unwrap()).unwrap();
    assert_eq!(report.events.iter().filter(|e| e.kind.name() == "bid_depth").count(), 0);
    let outcome = &report.stablecoins[0];
    assert_eq!(outcome.supply_end, dec("900"));
    assert_eq!(outcome.channel[0].low_change_pct, dec("-1"));
    assert_eq!(outcome.channel[0].share_pct, Some(Decimal::ZERO));
}

#[test]
fn bad_stablecoins_and_supply_rows_name_their_field() {
    let bad = SCENARIO
        .replace("supply = \"1000\"", "supply = \"-5\"")
        .replace("elasticity = \"2\"", "elasticity = \"11\"\nredeem_share = \"1.5\"")
        .replace("venues = [\"weth-usdc-book\"]", "venues = [\"nope\", \"weth-usdc-book\"]")
        .replace(
            "token = \"USDC\", amount",
            "token = \"WETH\", venue = \"weth-usdc-book\", amount",
        );
    let problems = Scenario::from_toml(&bad).unwrap().check(&snapshot());
    let text: Vec<String> = problems.iter().map(|p| format!("{}: {}", p.path, p.message)).collect();
    for expected in [
        "stablecoins[0].supply: expected",
        "stablecoins[0].elasticity: expected a number from 0 to 10, found 11",
        "stablecoins[0].redeem_share: expected a share from 0 to 1, found 1.5",
        "stablecoins[0].venues[0]: expected a venue of the snapshot, found \"nope\"",
        "flows[0].rows[0].token: expected a stablecoin declared in [[stablecoins]], found \"WETH\"",
        "flows[0].rows[0].venue: expected no venue for a stablecoin-supply row, found \
         \"weth-usdc-book\"",
    ] {
        assert!(text.iter().any(|t| t.starts_with(expected)), "{expected} not in {text:#?}");
    }
    // A stablecoin must be the funded venues' quote token.
    let wrong = SCENARIO.replace("token = \"USDC\"\nsupply", "token = \"WETH\"\nsupply");
    let problems = Scenario::from_toml(&wrong).unwrap().check(&snapshot());
    assert!(
        problems.iter().any(|p| p.path == "stablecoins[0].venues[0]"
            && p.message.contains("expected a venue quoting in WETH")),
        "{problems:#?}"
    );
}
