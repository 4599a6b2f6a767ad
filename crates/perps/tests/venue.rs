//! The venue engine's waterfall on hand-computed cases: book liquidation, backstop takeover at
//! the bankruptcy price, ADL by Hyperliquid's ranking, funding, and a collateral depeg on the
//! venue's own oracle. Every case also checks that the venue's books add up exactly.

use core::str::FromStr;
use faultline_liquidity::{
    Pair,
    depth::{DepthLevel, DepthSide, DepthVenue, ImpactModel},
};
use faultline_perps::{
    Decimal, Side,
    adl::AdlPolicy,
    events::{Event, Route},
    funding::FundingRule,
    ledger::Holder,
    margin::MarginSchedule,
    venue::{MarketSpec, StepInput, Venue, VenueConfig},
};

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// A book at `mid` with `depth` units within 1% per side.
fn book(mid: &str, depth: &str) -> Box<DepthVenue> {
    let side = || DepthSide::new(vec![DepthLevel { band: d("0.01"), quantity: d(depth) }]).unwrap();
    Box::new(
        DepthVenue::new(
            "book",
            Pair::new(18, 6).unwrap(),
            d(mid),
            ImpactModel::Depth { bids: side(), asks: side() },
        )
        .unwrap(),
    )
}

/// One market "X" at 10x max leverage (maintenance 5%), mark and index 100. Account 1 is long
/// 10 at 100 on 100 of cash (10x); account 2 is short 10 at 100 on 1,000.
fn venue(book_mid: &str, depth: &str) -> Venue {
    let config = VenueConfig {
        adl_policy: AdlPolicy::HyperliquidRank,
        liquidation_fee_rate: d("0.001"),
        backstop_below: d("2") / d("3"),
    };
    let mut venue = Venue::new(config);
    venue
        .add_market(
            "X",
            MarketSpec {
                schedule: MarginSchedule::hyperliquid(&[(Decimal::ZERO, 10)]).unwrap(),
                funding: FundingRule::HYPERLIQUID,
                mark: d("100"),
                index: d("100"),
                book: book(book_mid, depth),
            },
        )
        .unwrap();
    venue.deposit(1, "USD", d("100")).unwrap();
    venue.deposit(2, "USD", d("1000")).unwrap();
    venue.trade(Holder::Account(1), Holder::Account(2), "X", d("10"), d("100")).unwrap();
    venue
}

fn at(mark: &str) -> StepInput {
    StepInput { prices: vec![("X".into(), d(mark), d(mark))], ..StepInput::default() }
}

fn balanced(venue: &Venue) {
    assert_eq!(venue.total_value().unwrap(), venue.external_flows());
}

/// Mark 95: equity 100 - 50 = 50 >= MM 10 * 95 * 5% = 47.5: nothing happens. Mark 94: equity 40
/// < MM 47, and 40 >= 2/3 * 47 = 31.33, so the book first. The book (mid 94, 100 units within
/// 1%) buys 10 with marginal impact 0.1%, average 0.05%: proceeds 10 * 94 * 0.9995 = 939.53.
/// Equity after: 40 + (939.53 - 940) = 39.53 >= 0, the fill stands; fee 0.1% of 940 = 0.94 to
/// insurance. Realised PnL 939.53 - 1,000 = -60.47; cash 100 - 60.47 - 0.94 = 38.59.
#[test]
fn book_liquidation_by_hand() {
    let mut venue = venue("94", "100");
    assert!(venue.step(&at("95")).unwrap().events.is_empty());
    let report = venue.step(&at("94")).unwrap();
    assert_eq!(
        report.events,
        [Event::Liquidation {
            account: 1,
            market: "X".into(),
            side: Side::Long,
            size: d("10"),
            price: d("93.953"),
            realized_pnl: d("-60.47"),
            route: Route::Book,
            fee: d("0.94"),
        }]
    );
    assert_eq!(venue.account(1).unwrap().cash, d("38.59"));
    assert!(venue.account(1).unwrap().positions.is_empty());
    assert_eq!(report.insurance, d("0.94"));
    assert_eq!(venue.book_account().positions["X"].size, d("10"));
    balanced(&venue);
}

/// Mark 92: equity 100 - 80 = 20 < 2/3 * MM (2/3 * 46 = 30.67): straight to the backstop, which
/// has 1,000 of capital (1,000 + 20 >= its new MM 46). Bankruptcy price 92 - 20/10 = 90: the
/// account's position goes over at 90 (cash 100 + 900 - 1,000 = 0); the backstop holds long 10
/// at 90, worth 1,000 + 10 * (92 - 90) = 1,020.
#[test]
fn backstop_takes_over_at_the_bankruptcy_price() {
    let mut venue = venue("92", "100");
    venue.fund_backstop(d("1000")).unwrap();
    let report = venue.step(&at("92")).unwrap();
    assert_eq!(
        report.events,
        [Event::Liquidation {
            account: 1,
            market: "X".into(),
            side: Side::Long,
            size: d("10"),
            price: d("90"),
            realized_pnl: d("-100"),
            route: Route::Backstop,
            fee: Decimal::ZERO,
        }]
    );
    assert_eq!(venue.account(1).unwrap().cash, Decimal::ZERO);
    assert_eq!(report.backstop_value, d("1020"));
    balanced(&venue);
}

/// Mark 85: account 1's equity is 100 - 150 = -50. No backstop capital, no insurance, and the
/// book (1 unit of depth) cannot take 10, so ADL at the bankruptcy price 85 + 50/10 = 90.
/// Opposite shorts: account 2 (10 at 100, cash 1,000: equity 1,150, notional 850) and account 3
/// (5 at 100, cash 50: equity 125, notional 425; its long counterparty is account 4).
/// Hyperliquid keys (entry/mark) * (notional/equity): 2: (100/85) * (850/1150) = 0.87;
/// 3: (100/85) * (425/125) = 4.0. Account 3 closes all 5, account 2 the other 5, both at 90,
/// each realising 5 * (100 - 90) = 50. Account 1 ends at exactly zero: 100 + 900 - 1,000.
#[test]
fn adl_closes_the_top_ranked_shorts_at_the_bankruptcy_price() {
    let mut venue = venue("85", "1");
    venue.deposit(3, "USD", d("50")).unwrap();
    venue.deposit(4, "USD", d("10000")).unwrap();
    venue.trade(Holder::Account(4), Holder::Account(3), "X", d("5"), d("100")).unwrap();
    let report = venue.step(&at("85")).unwrap();
    let adl: Vec<(u64, Decimal, Decimal, Decimal)> = report
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Adl { account, size, price, realized_pnl, .. } => {
                Some((*account, *size, *price, *realized_pnl))
            }
            _ => None,
        })
        .collect();
    assert_eq!(adl, [(3, d("5"), d("90"), d("50")), (2, d("5"), d("90"), d("50"))]);
    assert_eq!(venue.account(1).unwrap().cash, Decimal::ZERO);
    assert!(venue.account(1).unwrap().positions.is_empty());
    // Account 3's short is gone; its cash is 50 + 50 realised = 100.
    assert_eq!(venue.account(3).unwrap().cash, d("100"));
    balanced(&venue);
}

/// The same crash with 60 in the insurance fund and a deep book: the book fill (10 * 85 *
/// 0.9995 = 849.575) leaves equity -50 - 0.425 = -50.425 (the backstop has no capital), and the
/// insurance fund pays it: 60 - 50.425 = 9.575 left; nobody is deleveraged.
#[test]
fn insurance_pays_the_loss_beyond_bankruptcy() {
    let mut venue = venue("85", "100");
    venue.fund_insurance(d("60")).unwrap();
    let report = venue.step(&at("85")).unwrap();
    assert!(report.events.iter().all(|e| !matches!(e, Event::Adl { .. })));
    assert!(report.events.contains(&Event::InsuranceCover { account: 1, amount: d("50.425") }));
    assert_eq!(report.insurance, d("9.575"));
    assert_eq!(venue.value(Holder::Account(1)).unwrap(), Decimal::ZERO);
    balanced(&venue);
}

/// Hyperliquid funding doc example: a premium of 1% is 0.95% per 8 hours, 0.11875% an hour.
/// Long 10 at an index of 100 pays 10 * 100 * 0.0011875 = 1.1875; the short receives it.
#[test]
fn funding_moves_cash_from_longs_to_shorts() {
    let mut venue = venue("100", "100");
    let input = StepInput { funding: vec![("X".into(), d("0.01"))], ..at("100") };
    let report = venue.step(&input).unwrap();
    assert_eq!(
        report.events,
        [Event::Funding {
            market: "X".into(),
            rate: d("0.0011875"),
            paid_by_longs: d("1.1875"),
            rounding_to_insurance: Decimal::ZERO,
        }]
    );
    assert_eq!(venue.account(1).unwrap().cash, d("98.8125"));
    assert_eq!(venue.account(2).unwrap().cash, d("1001.1875"));
    balanced(&venue);
}

/// The USDe case: account 5 is long 10 at 100 with 60 USDe as its only collateral. At the
/// venue's oracle price of 1.00 its equity 60 covers MM 50; the venue's oracle marks USDe at
/// 0.65 (while other venues price it near par) and the same position is under maintenance:
/// equity 39 < 50, liquidated on the book though the perp's price never moved. The revaluation
/// (60 * -0.35 = -21) is an external flow; the books still add up.
#[test]
fn collateral_depeg_on_the_venue_oracle_liquidates() {
    let mut venue = venue("100", "100");
    venue.set_collateral_price("USDe", d("1")).unwrap();
    venue.deposit(5, "USDe", d("60")).unwrap();
    venue.deposit(6, "USD", d("1000")).unwrap();
    venue.trade(Holder::Account(5), Holder::Account(6), "X", d("10"), d("100")).unwrap();
    assert!(venue.step(&at("100")).unwrap().events.is_empty());
    let depeg = StepInput { collateral_prices: vec![("USDe".into(), d("0.65"))], ..at("100") };
    let report = venue.step(&depeg).unwrap();
    assert!(matches!(
        report.events.as_slice(),
        [Event::Liquidation { account: 5, route: Route::Book, .. }]
    ));
    assert_eq!(venue.external_flows(), d("100") + d("1000") + d("60") + d("1000") - d("21"));
    balanced(&venue);
}

#[test]
fn bad_input_names_the_field() {
    let mut venue = venue("100", "100");
    let err =
        venue.trade(Holder::Account(1), Holder::Account(2), "X", d("-1"), d("1")).unwrap_err();
    assert_eq!(err.to_string(), "size: expected a positive number, found -1");
    let err = venue.step(&at("0")).unwrap_err();
    assert_eq!(err.to_string(), "mark: expected a positive number, found 0");
    let err = venue.deposit(1, "DOGE", d("1")).unwrap_err();
    assert_eq!(err.to_string(), "unknown collateral: DOGE");
    assert!(venue.set_prices("Y", d("1"), d("1")).is_err());
}
