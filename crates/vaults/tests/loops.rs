//! Loops: closed form against the iterated loop, and hand-worked yields, health, triggers,
//! unwind and survival.

use faultline_core::{Oracle, OracleKind, Price, Rounding};
use faultline_liquidity::{
    Pair,
    depth::{DepthLevel, DepthSide, DepthVenue, ImpactModel},
};
use faultline_vaults::{
    Decimal, Error, LiquidationTrigger, LoopParams, LoopPosition, MarketExposure, Yields,
};

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// 100 X at 1 Y, borrowing 80% per round in a market with an 86% LLTV, free swaps.
fn params() -> LoopParams {
    LoopParams {
        equity: d("100"),
        price: d("1"),
        ltv: d("0.8"),
        lltv: d("0.86"),
        swap_cost: Decimal::ZERO,
    }
}

fn close(a: Decimal, b: Decimal, tolerance: &str) -> bool {
    (a - b).abs() <= d(tolerance)
}

#[test]
fn closed_form_equals_the_iterated_loop() {
    let p = params();
    // Three rounds by hand: collateral 100 + 80 + 64 + 51.2 = 295.2; debt 80 + 64 + 51.2 =
    // 195.2; leverage 295.2 / (295.2 - 195.2) = 2.952.
    let iterated = p.iterate(3).unwrap();
    assert_eq!((iterated.collateral, iterated.debt), (d("295.2"), d("195.2")));
    assert_eq!(iterated.leverage(d("1")).unwrap(), d("2.952"));
    let closed = p.closed_form(3).unwrap();
    assert_eq!((closed.collateral, closed.debt), (d("295.2"), d("195.2")));
    // Many rounds, with a swap cost: equal to 28-digit Decimal rounding (1e-20 on ~500).
    let costly = LoopParams { swap_cost: d("0.003"), ..p };
    for n in [0u32, 1, 7, 25, 60] {
        let (a, b) = (costly.iterate(n).unwrap(), costly.closed_form(n).unwrap());
        assert!(close(a.collateral, b.collateral, "1e-20"), "n = {n}");
        assert!(close(a.debt, b.debt, "1e-20"), "n = {n}");
    }
    // The infinite loop: 1 / (1 - 0.8) = 5; with a 0.3% swap cost 1 / (1 - 0.8 * 0.997) =
    // 1 / 0.2024 = 4.940711462450592885375494071.
    assert_eq!(p.max_leverage().unwrap(), d("5"));
    assert!(close(costly.max_leverage().unwrap(), d("4.940711462450592885375494071"), "1e-26"));
    // 200 rounds reach the limit to 1e-15.
    let deep = p.iterate(200).unwrap().leverage(d("1")).unwrap();
    assert!(close(deep, d("5"), "1e-15"));
}

#[test]
fn net_yield_health_and_prices_by_hand() {
    let pos = params().iterate(3).unwrap();
    // Supply 10%, borrow 6%, incentives 1% on collateral: (295.2 * 0.11 - 195.2 * 0.06) / 100
    // = (32.472 - 11.712) / 100 = 0.2076; in leverage terms 2.952 * 0.1 - 1.952 * 0.06 +
    // 2.952 * 0.01 = 0.2076.
    let yields = Yields { supply: d("0.10"), borrow: d("0.06"), incentives: d("0.01") };
    assert_eq!(pos.net_yield(d("1"), yields).unwrap(), d("0.2076"));
    // Health 295.2 * 0.86 / 195.2 = 253.872 / 195.2 = 1.300573770491803278688524590.
    assert!(close(pos.health(d("1")).unwrap(), d("1.300573770491803278688524590"), "1e-26"));
    // Liquidation at 195.2 / 253.872 = 0.768891409844331...; insolvent below 195.2 / 295.2 =
    // 0.661246612466124661246612466.
    assert!(close(pos.liquidation_price().unwrap(), d("0.7688914098443310"), "1e-15"));
    assert!(close(pos.insolvency_price().unwrap(), d("0.661246612466124661246612466"), "1e-26"));
    // A negative carry: borrow 15% against 10% supply at 2.952x loses 2.952 * 0.1 - 1.952 *
    // 0.15 = 0.0024 a year.
    let bad = Yields { supply: d("0.10"), borrow: d("0.15"), incentives: Decimal::ZERO };
    assert_eq!(pos.net_yield(d("1"), bad).unwrap(), d("0.0024"));
}

fn usd(text: &str) -> Price {
    Price::from_decimal(d(text), 8, Rounding::Down).unwrap()
}

#[test]
fn the_trigger_depends_on_the_oracle_kind() {
    let pos = params().iterate(3).unwrap();
    let liq = pos.liquidation_price().unwrap();
    let at = |kind| pos.liquidation_trigger(&Oracle::new(kind, usd("1"), 0).unwrap()).unwrap();
    assert_eq!(
        at(OracleKind::Market),
        LiquidationTrigger::AtMarketPrice { price: liq, delay_secs: 0 }
    );
    assert_eq!(
        at(OracleKind::Lagged { delay_secs: 600 }),
        LiquidationTrigger::AtMarketPrice { price: liq, delay_secs: 600 }
    );
    // Hardcoded at $1: never liquidated, whatever X trades at.
    assert_eq!(at(OracleKind::Fixed(usd("1"))), LiquidationTrigger::Never);
    // The issuer's reported rate decides, not the market.
    assert_eq!(at(OracleKind::ExchangeRate), LiquidationTrigger::OnReportedRateBelow(liq));
    // A 10% deviation feed answering $1 publishes 0.9, 0.81, 0.729 in a fast fall: the first
    // answer at or below 0.7689 is 0.729, so the loop is liquidated 5.2% lower than under a
    // market oracle.
    let feed = OracleKind::PushFeed { deviation_bps: 1_000, heartbeat_secs: 86_400 };
    assert_eq!(at(feed), LiquidationTrigger::AtMarketPrice { price: d("0.729"), delay_secs: 0 });
    // Frozen at $1: never; an oracle already below the liquidation price: already.
    let mut frozen = Oracle::new(OracleKind::Market, usd("1"), 0).unwrap();
    frozen.set_frozen(true);
    assert_eq!(pos.liquidation_trigger(&frozen).unwrap(), LiquidationTrigger::Never);
    let low = Oracle::new(OracleKind::Fixed(usd("0.7")), usd("0.7"), 0).unwrap();
    assert_eq!(pos.liquidation_trigger(&low).unwrap(), LiquidationTrigger::Already);
}

#[test]
fn flash_loan_to_a_target_leverage() {
    // 5x on 100 X with a 0.1% swap cost: buy 400 X for 400 / 0.999 = 400.4004004004... Y;
    // leverage at 1 is 500 / (500 - 400.4004) = 5.0201005025...; health 430 / 400.4004 =
    // 1.073925.
    let p = LoopParams { swap_cost: d("0.001"), ..params() };
    let pos = p.flash_to_leverage(d("5")).unwrap();
    assert_eq!(pos.collateral, d("500"));
    assert!(close(pos.debt, d("400.4004004004004004004004004"), "1e-24"));
    assert!(close(pos.leverage(d("1")).unwrap(), d("5.020100502512562814"), "1e-15"));
    assert!(close(pos.health(d("1")).unwrap(), d("1.073925"), "1e-24"));
    // 8x cannot be built at an 86% LLTV (health 800 * 0.86 / 700.7 < 1).
    assert!(
        matches!(p.flash_to_leverage(d("8")), Err(Error::InvalidParameter { field, .. }) if field == "leverage")
    );
}

fn venue() -> DepthVenue {
    // Bids: 1,000 X within 1% of mid, 5,000 within 5%; X 18 decimals, Y 6 decimals.
    let side = || {
        DepthSide::new(vec![
            DepthLevel { band: d("0.01"), quantity: d("1000") },
            DepthLevel { band: d("0.05"), quantity: d("5000") },
        ])
        .unwrap()
    };
    let model = ImpactModel::Depth { bids: side(), asks: side() };
    DepthVenue::new("X/Y book", Pair::new(18, 6).unwrap(), d("1"), model).unwrap()
}

#[test]
fn unwind_cost_through_existing_liquidity() {
    // Selling x <= 1,000 X: impact 0.01 * x / 1000, proceeds x - x^2 / 200,000. Repaying
    // 195.2 Y needs x - x^2/200000 = 195.2: x = 100000 (1 - sqrt(1 - 4 * 195.2 / 200000)) =
    // 195.390888; the cost is x^2 / 200000 = 0.190888 Y.
    let pos = params().iterate(3).unwrap();
    let unwind = pos.unwind(&venue()).unwrap();
    assert!(close(unwind.sold, d("195.390888"), "0.000001"), "{unwind:?}");
    assert!(unwind.proceeds >= d("195.2") && unwind.proceeds < d("195.200002"));
    assert!(close(unwind.cost, d("0.190888"), "0.000002"));
    assert_eq!(unwind.shortfall, Decimal::ZERO);
    assert_eq!(unwind.collateral_left, pos.collateral - unwind.sold);
    // 1,000 X sold fetch 1000 - 1e6 / 200000 = 995 Y: a 996 Y debt is 1 Y short.
    let deep =
        LoopPosition { collateral: d("1000"), debt: d("996"), price: d("1"), lltv: d("0.86") };
    let short = deep.unwind(&venue()).unwrap();
    assert_eq!((short.sold, short.proceeds, short.shortfall), (d("1000"), d("995"), d("1")));
}

#[test]
fn survival_at_full_utilisation_and_max_rate() {
    // Health 1.3005737...; debt compounding at 88% APR daily, (1 + 0.88/365) a day: health
    // falls below one on day 110 (1.3005737 / 1.00241096^110 < 1 < ... ^109), so 109 whole days.
    let pos = params().iterate(3).unwrap();
    assert_eq!(pos.survival_days(d("1"), d("0.88"), Decimal::ZERO, 3_650).unwrap(), Some(109));
    // An exchange-rate oracle passing a 12% yield through: ratio 1.00241096 / 1.00032877 a
    // day; below one on day 127, so 126 days.
    assert_eq!(pos.survival_days(d("1"), d("0.88"), d("0.12"), 3_650).unwrap(), Some(126));
    // Yield above the borrow rate: survives the horizon.
    assert_eq!(pos.survival_days(d("1"), d("0.05"), d("0.12"), 3_650).unwrap(), None);
}

#[test]
fn many_loopers_in_one_market() {
    let a = params().iterate(3).unwrap();
    let b = LoopParams { swap_cost: d("0.001"), ..params() }.flash_to_leverage(d("5")).unwrap();
    let c = LoopPosition { collateral: d("100"), debt: d("50"), price: d("1"), lltv: d("0.86") };
    let exposure =
        MarketExposure::new(&[("a".into(), a), ("b".into(), b), ("c".into(), c)], d("1000"))
            .unwrap();
    // Ladder by liquidation price: b 400.4 / 430 = 0.9312, a 0.7689, c 50 / 86 = 0.5814.
    let order: Vec<&str> = exposure.ladder.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(order, ["b", "a", "c"]);
    // (195.2 + 400.4004004... + 50) / 1000 of the lenders' money rides on X.
    assert!(close(exposure.debt_share_of_supply, d("0.6456004004004004004"), "1e-18"));
    // At 0.9 only b is liquidatable; at 0.7 under a hardcoded oracle b alone is under water:
    // 400.4004004 - 500 * 0.7 = 50.4004004 of bad debt.
    assert_eq!(exposure.liquidatable_debt(d("0.9")).unwrap(), b.debt);
    assert!(close(
        exposure.bad_debt(d("0.7")).unwrap(),
        d("50.4004004004004004004004004"),
        "1e-24"
    ));
}
