//! The six ways a delta-neutral book fails (issue 6), each shown on a small book whose numbers
//! are worked by hand beside the assertions, plus the rebalancing rules that defend it.
//!
//! Every venue lists one market, `ETH`, at 10x maximum leverage: maintenance is 5% of notional.

use core::str::FromStr;
use faultline_delta_neutral::{
    Decimal,
    book::{Action, Book, LegKind, LongLeg, Rules, ShortLeg, Venues},
    drawdown::NavPath,
    unwind::{SpotMarkets, redeem},
};
use faultline_liquidity::{
    Pair,
    depth::{DepthLevel, DepthSide, DepthVenue, ImpactModel},
};
use faultline_perps::{
    Side,
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

/// A depth book at `mid` with `depth` units within `band` per side.
fn depth(mid: &str, band: &str, depth: &str) -> DepthVenue {
    let side = || DepthSide::new(vec![DepthLevel { band: d(band), quantity: d(depth) }]).unwrap();
    DepthVenue::new(
        "book",
        Pair::new(18, 6).unwrap(),
        d(mid),
        ImpactModel::Depth { bids: side(), asks: side() },
    )
    .unwrap()
}

/// A venue with an `ETH` market at `mark` whose book is `depth` units within 1% of `book_mid`.
fn venue(mark: &str, book_mid: &str, book_depth: &str) -> Venue {
    let mut venue = Venue::new(VenueConfig {
        adl_policy: AdlPolicy::HyperliquidRank,
        liquidation_fee_rate: Decimal::ZERO,
        backstop_below: d("2") / d("3"),
    });
    venue
        .add_market(
            "ETH",
            MarketSpec {
                schedule: MarginSchedule::hyperliquid(&[(Decimal::ZERO, 10)]).unwrap(),
                funding: FundingRule::HYPERLIQUID,
                mark: d(mark),
                index: d(mark),
                book: Box::new(depth(book_mid, "0.01", book_depth)),
            },
        )
        .unwrap();
    venue
}

fn spot_leg(amount: &str, price: &str) -> LongLeg {
    LongLeg {
        name: "ETH spot".into(),
        kind: LegKind::Spot,
        holder: "custodian-a".into(),
        amount: d(amount),
        price: d(price),
        underlying: "ETH".into(),
        delta_per_unit: Decimal::ONE,
    }
}

fn rules() -> Rules {
    Rules { topup_below: d("2.5"), topup_to: d("3"), rehedge_band: d("0.05") }
}

/// A book long `amount` ETH spot at `price`, short the same on venue "A" (account 100).
fn book(amount: &str, price: &str, liabilities: &str) -> Book {
    Book {
        longs: vec![spot_leg(amount, price)],
        shorts: vec![ShortLeg { venue: "A".into(), account: 100, market: "ETH".into() }],
        buffer: Decimal::ZERO,
        reserve_fund: Decimal::ZERO,
        liabilities: d(liabilities),
        rules: rules(),
    }
}

fn at(mark: &str) -> StepInput {
    StepInput { prices: vec![("ETH".into(), d(mark), d(mark))], ..StepInput::default() }
}

/// The book's short: 10 ETH at 100 on `margin` of cash, opposite the wider market.
fn short_on(venue: &mut Venue, margin: &str) {
    venue.deposit(100, "USD", d(margin)).unwrap();
    venue.trade(Holder::Book, Holder::Account(100), "ETH", d("10"), d("100")).unwrap();
}

/// Mode 1: A price spike exhausts the short's margin. Short 10 at 100 on 200. At 115: equity
/// 200 - 150 = 50 < MM 10 * 115 * 5% = 57.5 (and above 2/3 of it), so the book (mid 115,
/// 100 within 1%) buys 10 back: marginal impact 0.1%, average 0.05%, cost 1,150.575; cash
/// 200 + 1,000 - 1,150.575 = 49.425. The long 10 ETH is now unhedged: delta +10. When ETH falls
/// back to 100 the book is worth 1,000 + 49.425 = 1,049.425 against 1,200 before the spike.
#[test]
fn price_spike_liquidates_the_short_and_leaves_the_long_naked() {
    let mut venues = Venues::new();
    let mut a = venue("100", "115", "100");
    short_on(&mut a, "200");
    venues.insert("A".into(), a);
    let mut book = book("10", "100", "1200");
    assert_eq!(book.value(&venues).unwrap(), d("1200"));
    assert_eq!(book.delta(&venues, "ETH").unwrap(), Decimal::ZERO);

    let report = venues.get_mut("A").unwrap().step(&at("115")).unwrap();
    assert!(matches!(
        report.events.as_slice(),
        [Event::Liquidation { account: 100, side: Side::Short, route: Route::Book, .. }]
    ));
    assert_eq!(venues["A"].account(100).unwrap().cash, d("49.425"));
    assert_eq!(book.delta(&venues, "ETH").unwrap(), d("10"));

    book.set_price("ETH spot", d("100")).unwrap();
    venues.get_mut("A").unwrap().step(&at("100")).unwrap();
    assert_eq!(book.value(&venues).unwrap(), d("1049.425"));
}

/// The defence against mode 1: at 108 the short's equity is 200 - 80 = 120 against MM 54;
/// under 2.5 * MM = 135, so the buffer tops it up to 3 * 54 = 162 (42 in). At 115 the equity
/// is 242 - 150 = 92 >= 57.5: no liquidation.
#[test]
fn buffer_top_up_keeps_the_short_alive() {
    let mut venues = Venues::new();
    let mut a = venue("100", "115", "100");
    short_on(&mut a, "200");
    venues.insert("A".into(), a);
    let mut book = book("10", "100", "1200");
    book.buffer = d("100");
    venues.get_mut("A").unwrap().step(&at("108")).unwrap();
    let actions = book.top_up_margin(&mut venues).unwrap();
    assert_eq!(actions, [Action::TopUp { venue: "A".into(), account: 100, amount: d("42") }]);
    assert_eq!(book.buffer, d("58"));
    let report = venues.get_mut("A").unwrap().step(&at("115")).unwrap();
    assert!(report.events.is_empty());
}

/// Mode 2: A crash: ADL closes the profitable short (10-10). Account 1 is long 10 at 100 on 60 of
/// cash against the book's short (10 at 100 on 1,000: 0.1x). At 90 account 1's equity is
/// 60 - 100 = -40; no insurance, no backstop capital and a book of 0.5 ETH: ADL at the
/// bankruptcy price 90 + 40/10 = 94 closes the book's short (the only opposite position), which
/// realises 10 * (100 - 94) = 60. The book is now long 10 ETH naked (delta +10) and worth
/// 900 + 1,060 = 1,960; when the crash goes on to 70 it is worth 700 + 1,060 = 1,760, a 12%
/// drawdown on liabilities of 2,000 that a hedged book would not have had.
#[test]
fn crash_adl_closes_the_profitable_short() {
    let mut venues = Venues::new();
    let mut a = venue("100", "90", "0.5");
    a.deposit(1, "USD", d("60")).unwrap();
    a.deposit(100, "USD", d("1000")).unwrap();
    a.trade(Holder::Account(1), Holder::Account(100), "ETH", d("10"), d("100")).unwrap();
    venues.insert("A".into(), a);
    let mut book = book("10", "100", "2000");
    let mut path = NavPath::new();
    path.push(book.value(&venues).unwrap(), book.liabilities).unwrap();

    book.set_price("ETH spot", d("90")).unwrap();
    let report = venues.get_mut("A").unwrap().step(&at("90")).unwrap();
    let adl: Vec<_> = report
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Adl { account, size, price, realized_pnl, .. } => {
                Some((*account, *size, *price, *realized_pnl))
            }
            _ => None,
        })
        .collect();
    assert_eq!(adl, [(100, d("10"), d("94"), d("60"))]);
    assert_eq!(book.delta(&venues, "ETH").unwrap(), d("10"));
    assert_eq!(book.value(&venues).unwrap(), d("1960"));
    path.push(book.value(&venues).unwrap(), book.liabilities).unwrap();

    book.set_price("ETH spot", d("70")).unwrap();
    venues.get_mut("A").unwrap().step(&at("70")).unwrap();
    assert_eq!(book.value(&venues).unwrap(), d("1760"));
    path.push(book.value(&venues).unwrap(), book.liabilities).unwrap();
    assert_eq!(path.max_drawdown().unwrap(), d("0.12"));
}

/// Mode 3: Negative funding drains the reserve fund. Premium -1% an hour: Hyperliquid's rate is
/// (-1% + clamp(0.01% + 1%, ±0.05%)) / 8 = -0.11875% an hour, so the short (10 at an index of
/// 100) pays 10 * 100 * 0.0011875 = 1.1875 an hour. A reserve of 10 pays 8 full hours
/// (9.5), has 0.5 for the 9th (0.6875 uncovered) and nothing for the 10th (1.1875 uncovered).
#[test]
fn negative_funding_drains_the_reserve_fund() {
    let mut venues = Venues::new();
    let mut a = venue("100", "100", "100");
    short_on(&mut a, "1000");
    venues.insert("A".into(), a);
    let mut book = book("10", "100", "2000");
    book.reserve_fund = d("10");
    let mut uncovered = Decimal::ZERO;
    let mut reserve = Vec::new();
    for _ in 0..10 {
        let input = StepInput { funding: vec![("ETH".into(), d("-0.01"))], ..at("100") };
        let report = venues.get_mut("A").unwrap().step(&input).unwrap();
        let flow = book.settle_funding(&mut venues, "A", &report.events[0]).unwrap();
        assert_eq!(flow.received, d("-1.1875"));
        uncovered += flow.uncovered;
        reserve.push(book.reserve_fund);
    }
    assert_eq!(reserve[7], d("0.5"));
    assert_eq!(reserve[8], Decimal::ZERO);
    assert_eq!(uncovered, d("1.875"));
    // While the reserve paid, the backing was whole: 1,000 + 1,000 at the end less 1.875.
    assert_eq!(book.value(&venues).unwrap(), d("1998.125"));
}

/// Mode 4: Collateral depegs on one venue's internal oracle. The book is short 10 at 100 on each of
/// venues A and B, each on 60 USDe. A's own oracle marks USDe at 0.65 (Binance, 10-10) while B
/// prices it at 0.98: on A the equity is 39 < MM 50 and the short is liquidated (bought back
/// on A's book for 10 * 100 * 1.0005 = 1,000.5), on B 58.8 >= 50 and nothing happens. Half the
/// long (10 of 20 ETH) is now unhedged though the price of ETH never moved.
#[test]
fn collateral_depeg_on_one_venue_liquidates_there_only() {
    let mut venues = Venues::new();
    for name in ["A", "B"] {
        let mut v = venue("100", "100", "100");
        v.set_collateral_price("USDe", d("1")).unwrap();
        v.deposit(100, "USDe", d("60")).unwrap();
        v.trade(Holder::Book, Holder::Account(100), "ETH", d("10"), d("100")).unwrap();
        venues.insert(name.into(), v);
    }
    let mut book = book("20", "100", "2120");
    book.shorts.push(ShortLeg { venue: "B".into(), account: 100, market: "ETH".into() });
    assert_eq!(book.delta(&venues, "ETH").unwrap(), Decimal::ZERO);

    let on =
        |price: &str| StepInput { collateral_prices: vec![("USDe".into(), d(price))], ..at("100") };
    let a = venues.get_mut("A").unwrap().step(&on("0.65")).unwrap();
    let b = venues.get_mut("B").unwrap().step(&on("0.98")).unwrap();
    assert!(matches!(a.events.as_slice(), [Event::Liquidation { account: 100, .. }]));
    assert!(b.events.is_empty());
    assert_eq!(venues["A"].value(Holder::Account(100)).unwrap(), d("38.5"));
    assert_eq!(book.delta(&venues, "ETH").unwrap(), d("10"));
}

/// Mode 5: A manager loses money (Stream Finance: $93M of about $160M). The book holds 10 ETH at 100
/// hedged, 160 of a yield-bearing stable with an off-chain manager, and 100 of margin:
/// liabilities 1,260. The manager's 93 loss (93/160 = 58.125% of its leg) takes the book to
/// 1,167: NAV 0.926, a drawdown of 93/1,260 = 7.38%. Then venue A fails and returns half of
/// the 100 in the book's account there: 50 more lost, and its short is gone (delta +10).
#[test]
fn manager_loss_and_venue_failure_write_the_book_down() {
    let mut venues = Venues::new();
    let mut a = venue("100", "100", "100");
    short_on(&mut a, "100");
    venues.insert("A".into(), a);
    let mut book = book("10", "100", "1260");
    book.longs.push(LongLeg {
        name: "managed stable".into(),
        kind: LegKind::YieldStable,
        holder: "stream-manager".into(),
        amount: d("160"),
        price: Decimal::ONE,
        underlying: "USD".into(),
        delta_per_unit: Decimal::ZERO,
    });
    let mut path = NavPath::new();
    path.push(book.value(&venues).unwrap(), book.liabilities).unwrap();
    let lost = book.write_down("stream-manager", d("93") / d("160")).unwrap();
    assert_eq!(lost, d("93"));
    assert_eq!(book.value(&venues).unwrap(), d("1167"));
    path.push(book.value(&venues).unwrap(), book.liabilities).unwrap();
    assert_eq!(path.max_drawdown().unwrap().round_dp(4), d("0.0738"));

    let lost = book.fail_venue(&venues, "A", d("0.5")).unwrap();
    assert_eq!(lost, d("50"));
    assert_eq!(book.buffer, d("50"));
    assert_eq!(book.delta(&venues, "ETH").unwrap(), d("10"));
    assert_eq!(book.value(&venues).unwrap(), d("1000") + d("67") + d("50"));
    assert!(book.write_down("x", d("2")).is_err());
}

/// Mode 6: Holders redeem and the book unwinds through thin liquidity. Long 100 ETH at 2,000, short
/// 100 on 20,000 of margin, liabilities 220,000, no buffer. Redeeming 110,000 unwinds half: 50
/// ETH sold into a book of 100 ETH within 2% (marginal impact 1%, average 0.5%) fetches
/// 99,500; 50 of the short is bought back at the mark and half the margin (10,000) released.
/// Paid 109,500, 500 short (the slippage), still owed; the remaining holders' backing is
/// 110,000 for 110,500 (NAV 0.99548). The book stays hedged. A book ten times deeper loses 50.
#[test]
fn redemptions_unwind_through_thin_liquidity() {
    let run = |depth_eth: &str| {
        let mut venues = Venues::new();
        let mut a = venue("2000", "2000", "1000");
        a.deposit(100, "USD", d("20000")).unwrap();
        a.trade(Holder::Book, Holder::Account(100), "ETH", d("100"), d("2000")).unwrap();
        venues.insert("A".into(), a);
        let mut book = book("100", "2000", "220000");
        let mut spot = SpotMarkets::new();
        spot.insert("ETH spot".into(), Box::new(depth("2000", "0.02", depth_eth)));
        let redemption = redeem(&mut book, &mut venues, &mut spot, d("110000")).unwrap();
        (book, venues, redemption)
    };
    let (book, venues, r) = run("100");
    assert_eq!(r.sales[0].proceeds, d("99500"));
    assert_eq!(r.from_margin, d("10000"));
    assert_eq!((r.paid, r.unpaid, r.slippage), (d("109500"), d("500"), d("500")));
    assert_eq!(book.liabilities, d("110500"));
    assert_eq!(book.value(&venues).unwrap(), d("110000"));
    assert_eq!(book.delta(&venues, "ETH").unwrap(), Decimal::ZERO);
    // 1,000 ETH within 2%: 50 ETH moves the price 0.1%, average 0.05%: slippage 50.
    let (_, _, deep) = run("1000");
    assert_eq!(deep.slippage, d("50"));
}

/// After the spike liquidated the short, the re-hedge rule sells 10 ETH perp at the mark again.
#[test]
fn rehedge_restores_delta() {
    let mut venues = Venues::new();
    let mut a = venue("100", "115", "100");
    short_on(&mut a, "200");
    venues.insert("A".into(), a);
    let mut book = book("10", "100", "1200");
    venues.get_mut("A").unwrap().step(&at("115")).unwrap();
    venues.get_mut("A").unwrap().deposit(100, "USD", d("200")).unwrap();
    let actions = book.rehedge(&mut venues).unwrap();
    assert_eq!(
        actions,
        [Action::Rehedge {
            venue: "A".into(),
            market: "ETH".into(),
            short_added: d("10"),
            price: d("115")
        }]
    );
    assert_eq!(book.delta(&venues, "ETH").unwrap(), Decimal::ZERO);
}

/// A re-hedge respects the margin the short account has: a new short needs initial margin,
/// `notional / 10` at 10x, so 10 ETH at 115 need 115. With the liquidated account holding
/// nothing (the liquidation's remainder withdrawn) the book reopens nothing and says what is
/// missing; with 57.5 of equity it reopens
/// 57.5 / 11.5 = 5 ETH and leaves 5 unhedged.
#[test]
fn rehedge_opens_only_what_the_margin_carries() {
    let run = |deposit: Option<&str>| {
        let mut venues = Venues::new();
        let mut a = venue("100", "115", "100");
        short_on(&mut a, "200");
        venues.insert("A".into(), a);
        let mut book = book("10", "100", "1200");
        venues.get_mut("A").unwrap().step(&at("115")).unwrap();
        // What the liquidation left in the account (49.425 here), taken out or topped up to
        // the equity the case needs.
        let (left, _) = venues["A"].margin_to_open(100, "ETH", Decimal::ZERO).unwrap();
        let account = venues.get_mut("A").unwrap();
        match deposit {
            Some(deposit) => account.deposit(100, "USD", d(deposit) - left).unwrap(),
            None => account.withdraw(100, left).unwrap(),
        }
        let actions = book.rehedge(&mut venues).unwrap();
        (actions, book.delta(&venues, "ETH").unwrap())
    };
    let (actions, delta) = run(None);
    assert_eq!(delta, d("10"));
    assert!(
        matches!(
            actions.as_slice(),
            [Action::RehedgeShortOfMargin { unhedged, required, .. }]
                if *unhedged == d("10") && *required == d("115")
        ),
        "{actions:?}"
    );
    let (actions, delta) = run(Some("57.5"));
    assert_eq!(delta, d("5"));
    assert_eq!(actions.len(), 2, "{actions:?}");
    assert!(matches!(&actions[0], Action::RehedgeShortOfMargin { unhedged, equity, .. }
        if *unhedged == d("5") && *equity == d("57.5")));
    assert!(matches!(&actions[1], Action::Rehedge { short_added, .. } if *short_added == d("5")));
}
