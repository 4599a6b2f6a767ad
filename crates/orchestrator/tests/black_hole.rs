//! A liquidity black hole (issue 15): sales larger than what is left in a book are results, not
//! errors. The book sells what it can absorb, the rest stays with the seller, and an `unsold`
//! event names the remainder, the seller and its cause.
//!
//! Hand-worked snapshot (synthetic): TKN at $1, its only venue an order book holding 1,000 TKN
//! within 10% of mid, nothing beyond (δ(x) = 10% · x / 1,000 for x ≤ 1,000 TKN sold), no
//! recovery. A fund holds 800 TKN and sells everything below $0.99.
//!
//! - Step 0, shock: 600 TKN sold into the book. It absorbs them all: δ = 6%, TKN at $0.94.
//! - Step 0, cascade: $0.94 < $0.99, the fund sells. The book has 1,000 − 600 = 400 TKN of room:
//!   400 sold, 400 unsold (worth 400 × $0.94 = $376 at market). Proceeds are the integral of
//!   the price from 600 to 1,000 TKN: 400 − (1,000² − 600²) / 20,000 = 400 − 32 = 368 USDC;
//!   TKN ends at $0.90 (δ = 10%).
//! - Step 1, shock: 100 TKN more into a book with no room: nothing sold, 100 unsold, the price
//!   stays at $0.90.

use faultline_orchestrator::{
    Scenario, Snapshot,
    report::{EventKind, Report},
    run,
};
use rust_decimal::Decimal;
use std::str::FromStr;

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

const SOURCE: &str =
    r#"{"kind": "synthetic", "reference": "hand-worked test", "confidence": "low"}"#;

fn snapshot() -> Snapshot {
    let text = format!(
        r#"{{
  "schema_version": 1, "name": "hand-worked black hole", "timestamp": 1700000000,
  "tokens": [
    {{"id": "TKN", "symbol": "TKN", "decimals": 18, "price_usd": "1", "source": {SOURCE}}},
    {{"id": "USDC", "symbol": "USDC", "decimals": 6, "price_usd": "1", "source": {SOURCE}}}
  ],
  "venues": [
    {{"id": "tkn-book", "base": "TKN", "quote": "USDC", "source": {SOURCE},
      "model": {{"type": "depth", "levels": [{{"within_pct": "10", "quantity": "1000"}}]}}}}
  ],
  "holders": [
    {{"id": "fund", "token": "TKN", "amount": "800", "sell_below_usd": "0.99",
      "venue": "tkn-book", "source": {SOURCE}}}
  ]
}}"#
    );
    serde_json::from_str(&text).unwrap()
}

const SCENARIO: &str = r#"
name = "black hole"
snapshot = "unused.json"
step_secs = 3600
horizon_secs = 7200

[[shocks]]
at_secs = 0
type = "sell"
venue = "tkn-book"
amount = "600"

[[shocks]]
at_secs = 3600
type = "sell"
venue = "tkn-book"
amount = "100"
"#;

fn report() -> Report {
    let snapshot = snapshot();
    assert_eq!(faultline_orchestrator::snapshot::validate(&snapshot), vec![]);
    let scenario = Scenario::from_toml(SCENARIO).unwrap();
    assert!(scenario.check(&snapshot).is_empty(), "{:?}", scenario.check(&snapshot));
    run(&snapshot, &scenario).expect("a black hole is a result, not an error")
}

/// `(seller, requested, sold, unsold, unsold_usd)` of each `unsold` event, with the event.
fn unsold(report: &Report) -> Vec<(&faultline_orchestrator::report::Event, [Decimal; 4])> {
    report
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Unsold { requested, sold, unsold, unsold_usd, .. } => {
                Some((e, [*requested, *sold, *unsold, *unsold_usd]))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn the_book_takes_what_it_can_and_the_rest_stays_with_the_seller() {
    let report = report();
    let found = unsold(&report);
    assert_eq!(found.len(), 3, "{:#?}", report.events);

    // The fund: 400 of 800 sold, 400 left, $376 at $0.94.
    let (fund, figures) = found[0];
    assert_eq!(fund.entity, "fund");
    assert_eq!(figures, [dec("800"), dec("400"), dec("400"), dec("376")]);
    assert!(fund.summary.contains("400 TKN ($376.00 at market) unsold"), "{}", fund.summary);
    assert!(fund.summary.contains("the holder is left holding them"), "{}", fund.summary);
    // Its causes: TKN's fall that crossed its trigger, and the shock that drained the book.
    let shock = report.events.iter().find(|e| matches!(e.kind, EventKind::Shock { .. })).unwrap();
    let fall = report
        .events
        .iter()
        .find(|e| matches!(e.kind, EventKind::PriceMove { .. }) && e.entity == "TKN")
        .unwrap();
    assert_eq!(fund.causes, vec![fall.id, shock.id]);
    // The fund's sale records what it sold and fetched: 368 USDC for 400 TKN.
    let sale = report
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::TriggeredSale { amount, proceeds_usd, .. } => Some((*amount, *proceeds_usd)),
            _ => None,
        })
        .unwrap();
    assert_eq!(sale.0, dec("400"));
    assert!((sale.1 - dec("368")).abs() <= dec("0.000001"), "{}", sale.1);

    // Step 1: the second shock finds no room at all; the shock is its cause.
    let (late, figures) = found[1];
    assert_eq!(late.step, 1);
    assert_eq!(late.entity, "tkn-book");
    assert_eq!(figures, [dec("100"), dec("0"), dec("100"), dec("90")]);
    assert!(matches!(report.events[late.causes[0]].kind, EventKind::Shock { .. }));
    assert!(late.summary.contains("the scenario's sale is left partly unfilled"));

    // Step 1 again: the fund, still below its trigger, offers its 400 TKN once more; the book
    // takes none, so all 400 stay with it, $360 at $0.90, and no sale is counted.
    let (retry, figures) = found[2];
    assert_eq!((retry.step, retry.entity.as_str()), (1, "fund"));
    assert_eq!(figures, [dec("400"), dec("0"), dec("400"), dec("360")]);
    let sales =
        report.events.iter().filter(|e| matches!(e.kind, EventKind::TriggeredSale { .. })).count();
    assert_eq!(sales, 1, "an empty book fills no tranche");

    // TKN ends at $0.90: the book's last level, where it stays.
    let last = report
        .events
        .iter()
        .rev()
        .find_map(|e| match &e.kind {
            EventKind::PriceMove { to_usd, .. } if e.entity == "TKN" => Some(*to_usd),
            _ => None,
        })
        .unwrap();
    assert_eq!(last, dec("0.9"));
}
