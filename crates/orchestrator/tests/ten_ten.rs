//! The 10-10-style crash on Aave v3 Ethereum Core (fixtures/scenarios/ten-ten-2025.toml): it
//! loads, converges, and two synthetic borrowers do what a hand calculation from the real
//! reserve parameters says.

use faultline_orchestrator::{
    Report, Scenario, Snapshot,
    report::{Event, EventKind},
    run,
};
use rust_decimal::Decimal;
use std::str::FromStr;

const SNAPSHOT: &str = include_str!("../../../fixtures/snapshots/ten-ten-2025.json");
const SCENARIO: &str = include_str!("../../../fixtures/scenarios/ten-ten-2025.toml");

fn report() -> Report {
    let snapshot = Snapshot::from_json(SNAPSHOT).unwrap();
    let scenario = Scenario::from_toml(SCENARIO).unwrap();
    run(&snapshot, &scenario).unwrap()
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn liquidations_of<'a>(report: &'a Report, borrower: &str) -> Vec<&'a Event> {
    report
        .events
        .iter()
        .filter(|e| {
            matches!(&e.kind, EventKind::Liquidation { borrower: b, .. }
                if b.eq_ignore_ascii_case(borrower))
        })
        .collect()
}

#[test]
fn the_scenario_runs_to_a_fixed_point_every_step_and_liquidates_on_aave() {
    let report = report();
    assert_eq!(report.steps, 120, "two hours of one-minute steps");
    assert!(report.non_converged_steps.is_empty(), "{:?}", report.non_converged_steps);
    let aave = report.entities.iter().find(|e| e.entity == "aave-v3-core").unwrap();
    assert!(aave.liquidations > 0);
    // Same inputs, same report.
    assert_eq!(report, self::report());
}

/// Borrower 0x…e7001: 100 WETH supplied, 186,000 USDC borrowed. With the fixture's oracle
/// answers (WETH $2,578.46174800, USDC $0.99993000) and WETH's real liquidation threshold (83%):
/// collateral 100 × 2,578.461748 = $257,846.17480000, debt 186,000 × 0.99993 = $185,986.98,
/// health factor 257,846.1748 × 0.83 / 185,986.98 = 1.1507: healthy at the start. It falls
/// below 1 when WETH's oracle answer is below 185,986.98 / (100 × 0.83) = $2,240.807, a fall of
/// 13.10%. The ramp (-20% over 1,800 s in 60 s steps) gives -20%·(k+1)/30 at step k, which is
/// past 13.10% from step 19 on; liquidation sales can only bring that earlier. The feed
/// publishes on a 0.5% deviation, so when it fires the market price is at most 0.5% above
/// $2,240.807.
#[test]
fn the_hand_checked_weth_borrower_is_liquidated_after_the_eth_fall_and_not_before() {
    let report = report();
    let borrower = "0x00000000000000000000000000000000000e7001";
    let liquidations = liquidations_of(&report, borrower);
    let first = liquidations.first().expect("liquidated");
    assert!((1..=19).contains(&first.step), "step {}", first.step);
    let last_weth = report
        .events
        .iter()
        .take_while(|e| e.id < first.id)
        .filter_map(|e| match &e.kind {
            EventKind::PriceMove { to_usd, .. } if e.entity == "WETH" => Some(*to_usd),
            _ => None,
        })
        .last()
        .unwrap();
    assert!(last_weth < dec("2240.807") * dec("1.005"), "WETH at {last_weth}");
    // Health factor 1.15 > 0.95 and both sides above $2,000: the 50% close factor applies, so
    // the first liquidation repays half the debt (93,000 USDC × $0.99993 = $92,993.49).
    let EventKind::Liquidation { repaid_usd, bad_debt_usd, .. } = &first.kind else {
        unreachable!()
    };
    assert_eq!(*repaid_usd, dec("92993.49"));
    assert!(bad_debt_usd.is_zero());
}

/// Borrower 0x…e7002: 1,000,000 USDe supplied, 600,000 USDT borrowed; USDe's real liquidation
/// threshold 75%, bonus 8.5%. At the start both answers are $1.00025887: health factor 0.75 ×
/// 1,000,000 / 600,000 = 1.25. With the venue's mark pinned at $0.65 (step 20, t = 1,200 s):
/// collateral $650,000, debt 600,000 × 1.00025887 = $600,155.32, health 487,500 / 600,155.32 =
/// 0.812 < 0.95, so the whole debt may be repaid. Covering 600,000 USDT needs 600,000 ×
/// 1.00025887 / 0.65 × 1.085 = 1,001,798 USDe > 1,000,000 held, so the pool seizes all of it and
/// takes only the debt it is worth: ⌊0.65e8 · 1e24 · 1e6 / (1.00025887e8 · 1e18)⌋ =
/// 649,831.778047 USDT, over the bonus (percentDiv, half up) = 598,923.297739 USDT. With no
/// collateral left, the remaining 600,000 − 598,923.297739 = 1,076.702261 USDT becomes the
/// pool's deficit: bad debt of 1,076.702261 × $1.00025887.
#[test]
fn the_hand_checked_usde_borrower_is_liquidated_while_the_mark_is_pinned() {
    let report = report();
    let borrower = "0x00000000000000000000000000000000000e7002";
    let liquidations = liquidations_of(&report, borrower);
    assert_eq!(liquidations.len(), 1, "one liquidation takes everything");
    let event = liquidations[0];
    assert!((20..60).contains(&event.step), "pinned from step 20 to 59, found {}", event.step);
    let EventKind::Liquidation { repaid_usd, bad_debt_usd, profit_usd, .. } = &event.kind else {
        unreachable!()
    };
    assert_eq!(*repaid_usd, dec("598923.297739") * dec("1.00025887"));
    assert_eq!(*bad_debt_usd, dec("1076.702261") * dec("1.00025887"));
    // USDe still trades near $1 on the market: seizing it at $0.65 pays.
    assert!(*profit_usd > dec("300000"), "{profit_usd}");
}

/// The perp side: when the venue marks USDe at $0.65 (step 20), the longs margined with it go
/// bankrupt beyond the $0.5M insurance fund, ADL runs through the few directional shorts and
/// into the USDe-like issuer's hedge, the book is left net long, and the issuer's true NAV falls
/// below $1 while ETH keeps falling. The desk reopens the hedge 30 minutes later.
#[test]
fn adl_closes_the_usde_like_hedge_after_the_pin_and_the_nav_breaks_a_dollar() {
    let report = report();
    let hedge_fills: Vec<&Event> = report
        .events
        .iter()
        .filter(|e| {
            matches!(&e.kind, EventKind::Adl { account, .. } if account == "USDe-like issuer hedge")
        })
        .collect();
    assert!(!hedge_fills.is_empty(), "ADL reaches the hedge");
    assert!(hedge_fills.iter().all(|e| e.step == 20), "all at the pin's step");
    let closed: Decimal = hedge_fills
        .iter()
        .map(|e| match &e.kind {
            EventKind::Adl { size, .. } => *size,
            _ => Decimal::ZERO,
        })
        .sum();
    // The book held 60,000 ETH short; the lost hedge is exactly what ADL closed.
    let lost = report
        .events
        .iter()
        .find(|e| matches!(e.kind, EventKind::HedgeLost { .. }))
        .expect("the hedge is lost");
    let EventKind::HedgeLost { delta, .. } = &lost.kind else { unreachable!() };
    assert_eq!(*delta, closed);
    assert!(closed > dec("30000") && closed < dec("60000"), "{closed}");

    // Each hedge fill is caused by a bankrupt USDe-margined long's liquidation, itself caused
    // by the pin.
    for fill in &hedge_fills {
        let cause = &report.events[fill.causes[0]];
        assert!(
            matches!(&cause.kind, EventKind::PerpLiquidation { account, route, .. }
                if account.starts_with("USDe-margined") && route == "ADL"),
            "{cause:?}"
        );
        assert!(cause.summary.contains("USDe-margined"));
    }
    let lowest = report
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::NavChange { to, .. } if e.entity == "usde" => Some(*to),
            _ => None,
        })
        .min()
        .unwrap();
    assert!(lowest < Decimal::ONE, "true NAV {lowest} stays above $1");
    assert!(report.events.iter().any(|e| matches!(e.kind, EventKind::Rehedged { .. })));
}
