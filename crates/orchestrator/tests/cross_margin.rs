//! Cross margin on a perp venue (issue 15): one account bankrupt on two markets has two
//! positions closed, each of its own size, and each liquidation names the price moves behind
//! it, including those of the account's other markets; a re-hedge opens only what its margin
//! carries.
//!
//! Hand-worked snapshot (synthetic), after `tests/perps.rs`: one venue listing ETH ($100) and
//! BTC ($1,000) at 10x (maintenance 5% of notional), no insurance fund, no backstop capital.
//! A whale is long 10 ETH and 1 BTC on $150 of cross margin; a book's account is short the
//! same on $500, hedging 10 ETH and 1 BTC spot. ETH falls to $80: the whale's equity is
//! 150 + 10 × (80 − 100) = −50 below its maintenance 5% × (800 + 1,000) = 90, and nothing but
//! ADL can take it, so both its positions are closed against the book's shorts: 10 ETH on the
//! ETH market and 1 BTC on the BTC market (never "11 ETH"). BTC did not move: its leg's
//! liquidation is caused by ETH's fall.

use faultline_orchestrator::{
    Scenario, Snapshot,
    report::{Event, EventKind, Report},
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
  "schema_version": 1, "name": "hand-worked cross margin", "timestamp": 1700000000,
  "tokens": [
    {{"id": "ETH", "symbol": "ETH", "decimals": 18, "price_usd": "100", "source": {SOURCE}}},
    {{"id": "BTC", "symbol": "BTC", "decimals": 8, "price_usd": "1000", "source": {SOURCE}}},
    {{"id": "USDC", "symbol": "USDC", "decimals": 6, "price_usd": "1", "source": {SOURCE}}},
    {{"id": "USDX", "symbol": "USDX", "decimals": 18, "price_usd": "1", "source": {SOURCE}}}
  ],
  "venues": [
    {{"id": "eth-book", "base": "ETH", "quote": "USDC", "source": {SOURCE},
      "model": {{"type": "depth", "levels": [{{"within_pct": "1", "quantity": "100"}}]}}}},
    {{"id": "btc-book", "base": "BTC", "quote": "USDC", "source": {SOURCE},
      "model": {{"type": "depth", "levels": [{{"within_pct": "1", "quantity": "10"}}]}}}}
  ],
  "perp_venues": [
    {{"id": "perp", "name": "Perp venue", "adl_policy": "hyperliquid_rank",
      "backstop_below": "0", "insurance_fund_usd": "0", "source": {SOURCE},
      "markets": [
        {{"symbol": "ETH", "token": "ETH", "venue": "eth-book",
          "margin_tiers": [{{"from_notional_usd": "0", "max_leverage": 10}}]}},
        {{"symbol": "BTC", "token": "BTC", "venue": "btc-book",
          "margin_tiers": [{{"from_notional_usd": "0", "max_leverage": 10}}]}}
      ],
      "accounts": [
        {{"id": 1, "label": "whale", "cash_usd": "150",
          "positions": [{{"market": "ETH", "size": "10", "entry_price": "100"}},
                        {{"market": "BTC", "size": "1", "entry_price": "1000"}}]}},
        {{"id": 2, "label": "hedge", "cash_usd": "500",
          "positions": [{{"market": "ETH", "size": "-10", "entry_price": "100"}},
                        {{"market": "BTC", "size": "-1", "entry_price": "1000"}}]}}
      ]}}
  ],
  "books": [
    {{"id": "usdx-book", "name": "USDX book", "source": {SOURCE},
      "longs": [{{"name": "ETH spot", "kind": "spot", "holder": "custodian", "token": "ETH",
                  "amount": "10", "underlying": "ETH", "delta_per_unit": "1"}},
                {{"name": "BTC spot", "kind": "spot", "holder": "custodian", "token": "BTC",
                  "amount": "1", "underlying": "BTC", "delta_per_unit": "1"}}],
      "shorts": [{{"venue": "perp", "account": 2, "market": "ETH"}},
                 {{"venue": "perp", "account": 2, "market": "BTC"}}],
      "rules": {{"topup_below": "1", "topup_to": "1", "rehedge_band": "0.05"}}}}
  ],
  "issuers": [
    {{"id": "usdx", "token": "USDX", "supply": "1500", "reported_nav": "1", "source": {SOURCE},
      "backing": [{{"id": "usdx-book-item", "source": {SOURCE},
                    "item": {{"type": "delta_neutral_book", "book": "usdx-book"}}}}],
      "redemption": {{"mode": {{"type": "instant"}}, "rule": "first_come"}}}}
  ]
}}"#
    );
    Snapshot::from_json(&text).unwrap()
}

const CRASH: &str = r#"
name = "ETH to $80"
snapshot = "unused"
step_secs = 1800
horizon_secs = 3600

[[shocks]]
at_secs = 0
type = "price"
token = "ETH"
price_usd = "80"
"#;

fn report() -> Report {
    let snapshot = snapshot();
    assert_eq!(faultline_orchestrator::snapshot::validate(&snapshot), vec![]);
    let scenario = Scenario::from_toml(CRASH).unwrap();
    assert!(scenario.check(&snapshot).is_empty(), "{:?}", scenario.check(&snapshot));
    run(&snapshot, &scenario).unwrap()
}

#[test]
fn a_bankrupt_cross_margin_account_is_closed_market_by_market_with_causes() {
    let report = report();
    let liquidations: Vec<(&Event, &str, &str, Decimal)> = report
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::PerpLiquidation { account, market, size, .. } => {
                Some((e, account.as_str(), market.as_str(), *size))
            }
            _ => None,
        })
        .collect();
    let whale: Vec<_> = liquidations.iter().filter(|l| l.1 == "whale").collect();
    let sizes: Vec<(&str, Decimal)> = whale.iter().map(|l| (l.2, l.3)).collect();
    assert_eq!(sizes.len(), 2, "{:#?}", report.events);
    assert!(sizes.contains(&("ETH", dec("10"))), "{sizes:?}");
    assert!(sizes.contains(&("BTC", dec("1"))), "{sizes:?}");
    for (event, ..) in &whale {
        assert!(!event.summary.contains("11"), "{}", event.summary);
    }

    // Every one of them has causes, and ETH's fall is among the BTC leg's.
    let eth_fall = report
        .events
        .iter()
        .find(|e| e.entity == "ETH" && matches!(e.kind, EventKind::PriceMove { .. }))
        .expect("ETH falls");
    for (event, _, market, _) in &liquidations {
        assert!(!event.causes.is_empty(), "no causes: {}", event.summary);
        if *market == "BTC" {
            assert!(event.causes.contains(&eth_fall.id), "{event:?}");
        }
    }

    // The ADL fills against the book's account are per market too, and name the liquidation.
    for e in &report.events {
        if let EventKind::Adl { market, size, .. } = &e.kind {
            let expected = if market == "ETH" { dec("10") } else { dec("1") };
            assert_eq!(*size, expected, "{}", e.summary);
            let cause = &report.events[e.causes[0]];
            assert!(
                matches!(&cause.kind, EventKind::PerpLiquidation { market: m, .. } if m == market),
                "{cause:?}"
            );
        }
    }
}

/// The case issue 15 found on the bundled 10-10 snapshot: ETH +60% over an hour. The
/// USDe-like issuer's hedge (short 1,000 BTC and 60,000 ETH on one cross-margin account) is
/// liquidated; it used to read "short 61000 BTC liquidated (ADL)" once the book reopened its
/// hedge on a $0 buffer and was deleveraged at once, and its BTC leg's liquidation had no
/// causes. Now each leg is closed at its own size with causes, and the book does not reopen a
/// hedge its account has no margin for: it says so instead.
#[test]
fn eth_up_sixty_percent_on_the_ten_ten_snapshot() {
    let snapshot =
        Snapshot::from_json(include_str!("../../../fixtures/snapshots/ten-ten-2025.json")).unwrap();
    let scenario = Scenario::from_toml(
        r#"
name = "ETH +60% over an hour"
snapshot = "unused"
step_secs = 600
horizon_secs = 7200

[[shocks]]
at_secs = 0
type = "price"
token = "WETH"
change_pct = "60"
over_secs = 3600
"#,
    )
    .unwrap();
    assert!(scenario.check(&snapshot).is_empty(), "{:?}", scenario.check(&snapshot));
    let report = run(&snapshot, &scenario).unwrap();
    let hedge = "USDe-like issuer hedge";
    let mut legs = Vec::new();
    for e in &report.events {
        if let EventKind::PerpLiquidation { account, market, size, .. } = &e.kind {
            assert!(!e.causes.is_empty(), "no causes: {}", e.summary);
            if account == hedge {
                legs.push((market.as_str(), *size));
            }
        }
    }
    // The hedge's legs as the snapshot holds them: 1,000 BTC and 60,000 ETH, each on its own.
    legs.sort();
    assert_eq!(legs, [("BTC", dec("1000")), ("ETH", dec("60000"))], "{legs:?}");
    // Its account was left with nothing, so nothing is reopened; the report says why.
    assert!(!report.events.iter().any(|e| matches!(e.kind, EventKind::Rehedged { .. })));
    let refused: Vec<&Event> =
        report.events.iter().filter(|e| e.summary.contains("cannot reopen")).collect();
    assert_eq!(refused.len(), 2, "one per leg, logged once: {refused:#?}");
    assert!(refused.iter().all(|e| !e.causes.is_empty()));
}
