//! Perp venues and delta-neutral books in the cascade, on a hand-worked snapshot:
//! one venue listing ETH at 10x (maintenance 5% of notional, `1 / (2 × 10)`), no insurance fund
//! and no backstop capital, a whale long 10 ETH at $100 on $150, and an issuer's book long 10 ETH
//! spot and short 10 ETH on the venue on $500 of cash. The issuer, USDX, has 1,500 tokens out and
//! starts at a true NAV of (10 × 100 + 500) / 1,500 = 1.
//!
//! ETH falls to $80 at once: the whale's equity is 150 + 10 × (80 − 100) = −50 below its
//! maintenance 5% × 800 = 40. Nothing can take it (no insurance to pay the −50, no backstop
//! capital, and the book fill leaves equity below zero), so ADL closes the book's short at the
//! whale's bankruptcy price 80 + 50 / 10 = 85. The short realises 10 × (100 − 85) = 150 (at the
//! mark it was worth 200): the book is now 10 ETH × 80 + 500 + 150 = 1,450, net long 10 ETH. At
//! $60 half an hour later it is 600 + 650 = 1,250: NAV 1,250 / 1,500.

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

fn snapshot(whale_cash: &str) -> Snapshot {
    let text = format!(
        r#"{{
  "schema_version": 1, "name": "hand-worked perps", "timestamp": 1700000000,
  "tokens": [
    {{"id": "ETH", "symbol": "ETH", "decimals": 18, "price_usd": "100", "source": {SOURCE}}},
    {{"id": "USDC", "symbol": "USDC", "decimals": 6, "price_usd": "1", "source": {SOURCE}}},
    {{"id": "USDX", "symbol": "USDX", "decimals": 18, "price_usd": "1", "source": {SOURCE}}}
  ],
  "venues": [
    {{"id": "eth-book", "base": "ETH", "quote": "USDC", "source": {SOURCE},
      "model": {{"type": "depth", "levels": [{{"within_pct": "1", "quantity": "100"}}]}}}}
  ],
  "perp_venues": [
    {{"id": "perp", "name": "Perp venue", "adl_policy": "hyperliquid_rank",
      "backstop_below": "0", "insurance_fund_usd": "0", "source": {SOURCE},
      "markets": [{{"symbol": "ETH", "token": "ETH", "venue": "eth-book",
                    "margin_tiers": [{{"from_notional_usd": "0", "max_leverage": 10}}]}}],
      "accounts": [
        {{"id": 1, "label": "whale", "cash_usd": "{whale_cash}",
          "positions": [{{"market": "ETH", "size": "10", "entry_price": "100"}}]}},
        {{"id": 2, "label": "hedge", "cash_usd": "500",
          "positions": [{{"market": "ETH", "size": "-10", "entry_price": "100"}}]}}
      ]}}
  ],
  "books": [
    {{"id": "usdx-book", "name": "USDX book", "source": {SOURCE},
      "longs": [{{"name": "ETH spot", "kind": "spot", "holder": "custodian", "token": "ETH",
                  "amount": "10", "underlying": "ETH", "delta_per_unit": "1"}}],
      "shorts": [{{"venue": "perp", "account": 2, "market": "ETH"}}],
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

fn scenario(shocks: &str) -> Scenario {
    Scenario::from_toml(&format!(
        "name = \"perps\"\nsnapshot = \"unused\"\nstep_secs = 1800\nhorizon_secs = 3600\n{shocks}"
    ))
    .unwrap()
}

const CRASH: &str = r#"
[[shocks]]
at_secs = 0
type = "price"
token = "ETH"
price_usd = "80"

[[shocks]]
at_secs = 1800
type = "price"
token = "ETH"
price_usd = "60"
"#;

fn entity<'a>(report: &'a Report, id: &str) -> &'a faultline_orchestrator::report::EntityLoss {
    report.entities.iter().find(|e| e.entity == id).unwrap()
}

#[test]
fn adl_closes_the_books_short_and_the_issuer_loses_with_the_unhedged_long() {
    let report = run(&snapshot("150"), &scenario(CRASH)).unwrap();
    assert!(report.non_converged_steps.is_empty());

    let adl: Vec<_> = report
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Adl { account, bankrupt, size, price, realized_pnl_usd, .. } => {
                Some((account.as_str(), bankrupt.as_str(), *size, *price, *realized_pnl_usd, e))
            }
            _ => None,
        })
        .collect();
    assert_eq!(adl.len(), 1);
    let (account, bankrupt, size, price, pnl, adl_event) = adl[0];
    assert_eq!((account, bankrupt), ("hedge", "whale"));
    assert_eq!((size, price, pnl), (dec("10"), dec("85"), dec("150")));

    // The whale's liquidation is logged before the fill and is the fill's cause.
    let liquidation = &report.events[adl_event.causes[0]];
    let EventKind::PerpLiquidation { account, route, size, price, .. } = &liquidation.kind else {
        panic!("expected the whale's liquidation, found {liquidation:?}");
    };
    assert_eq!((account.as_str(), route.as_str()), ("whale", "ADL"));
    assert_eq!((*size, *price), (dec("10"), dec("85")));

    let lost = report
        .events
        .iter()
        .find(|e| matches!(e.kind, EventKind::HedgeLost { .. }))
        .expect("the hedge is lost");
    let EventKind::HedgeLost { delta, delta_usd, .. } = &lost.kind else { unreachable!() };
    assert_eq!((*delta, *delta_usd), (dec("10"), dec("800")));
    assert_eq!(lost.causes, [adl_event.id]);

    // NAV: 1 -> 1,450 / 1,500 after the ADL -> 1,250 / 1,500 after the second fall.
    let navs: Vec<Decimal> = report
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::NavChange { to, .. } if e.entity == "usdx" => Some(*to),
            _ => None,
        })
        .collect();
    assert_eq!(navs, [dec("1450") / dec("1500"), dec("1250") / dec("1500")]);

    // The issuer's loss traces back through the lost hedge and the ADL to the price shock.
    let path = report
        .contagion
        .iter()
        .find(|p| report.events[p.loss].entity == "usdx")
        .expect("a contagion path to the issuer");
    let kinds: Vec<&str> = path.path.iter().map(|&i| report.events[i].kind.name()).collect();
    assert_eq!(
        kinds,
        ["shock", "price_move", "perp_liquidation", "adl", "hedge_lost", "nav_change"],
        "{}",
        path.text
    );

    let book = entity(&report, "usdx-book");
    assert_eq!(book.nav_lost_usd, dec("250"));
    assert_eq!(book.price_change_pct, dec("-16.67"));
    let venue = entity(&report, "perp");
    assert_eq!(venue.liquidations, 1);
    assert!(venue.bad_debt_usd.is_zero(), "the short absorbed all of it");
}

/// A whale with more margin is closed on the book instead, and the fill moves the spot book
/// every lending liquidation also sells into. On $100 of cash at ETH $92 the whale's equity is
/// 100 − 80 = 20 < maintenance 5% × 920 = 46 (and above the backstop threshold 0), and the
/// book fill (10 ETH into 100 within 1% of $92: average impact 0.05%, so 919.54) leaves
/// 20 − 0.46 = 19.54 ≥ 0, so the book fill stands. Selling 10 of the 100 units within 1% moves
/// the marginal price 0.1%: ETH trades at 92 × 0.999 = 91.908 afterwards.
#[test]
fn a_liquidation_filled_on_the_book_moves_the_spot_price() {
    let shock = r#"
[[shocks]]
at_secs = 0
type = "price"
token = "ETH"
price_usd = "92"
"#;
    let report = run(&snapshot("100"), &scenario(shock)).unwrap();
    let liquidation = report
        .events
        .iter()
        .find(|e| matches!(e.kind, EventKind::PerpLiquidation { .. }))
        .expect("the whale is liquidated");
    let EventKind::PerpLiquidation { route, price, .. } = &liquidation.kind else { unreachable!() };
    assert_eq!(route, "book");
    assert_eq!(*price, dec("91.954"));
    let moved = report
        .events
        .iter()
        .find(|e| e.causes.contains(&liquidation.id) && e.entity == "ETH")
        .expect("the spot price moves");
    let EventKind::PriceMove { to_usd, .. } = &moved.kind else { panic!("{moved:?}") };
    assert_eq!(*to_usd, dec("91.908"));
    assert!(report.events.iter().all(|e| !matches!(e.kind, EventKind::Adl { .. })));
    // The book's short is untouched, so its hedge holds.
    assert!(report.events.iter().all(|e| !matches!(e.kind, EventKind::HedgeLost { .. })));
}

#[test]
fn a_funding_shock_is_paid_hourly_by_the_books_short() {
    // Premium +0.5% per 8 hours: rate (0.005 + clamp(0.0001 − 0.005, ±0.0005)) / 8
    // = 0.0045 / 8 = 0.0005625 per hourly payment, longs paying shorts. One payment falls in
    // the run (at one hour); at the $100 index the short of 10 receives 10 × 100 × 0.0005625
    // = 0.5625.
    let shock = r#"
[[shocks]]
at_secs = 0
type = "funding"
venue = "perp"
market = "ETH"
premium = "0.005"
"#;
    let report = run(&snapshot("150"), &scenario(shock)).unwrap();
    let funding: Vec<_> = report
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Funding { rate, received_usd, .. } => Some((*rate, *received_usd)),
            _ => None,
        })
        .collect();
    assert_eq!(funding, [(dec("0.0005625"), dec("0.5625"))]);
}

#[test]
fn bad_perp_references_are_reported_with_their_paths() {
    let mut bad = serde_json::to_value(snapshot("150")).unwrap();
    bad["perp_venues"][0]["markets"][0]["venue"] = "nowhere".into();
    bad["perp_venues"][0]["accounts"][1]["positions"][0]["market"] = "BTC".into();
    bad["books"][0]["shorts"][0]["account"] = 7.into();
    bad["issuers"][0]["backing"][0]["item"]["book"] = "ghost".into();
    let problems = Snapshot::from_json(&bad.to_string()).unwrap_err();
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "$.issuers[0].backing[0].item.book",
            "$.perp_venues[0].markets[0].venue",
            "$.perp_venues[0].accounts[1].positions[0].market",
            "$.books[0].shorts[0].account",
        ],
        "{problems:?}"
    );
    assert!(problems[3].message.contains("expected an account of perp, found 7"));
}
