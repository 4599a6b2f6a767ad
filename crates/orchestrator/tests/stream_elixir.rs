//! The bundled Stream/Elixir scenario end to end: the chain from Stream's write-down through the
//! markets with hardcoded or exchange-rate oracles to deUSD and sdeUSD, traced by causes.

use faultline_orchestrator::{
    Scenario, Snapshot,
    report::{EventKind, MissReason, Report},
    run,
};
use rust_decimal::Decimal;
use std::str::FromStr;

const SNAPSHOT: &str = include_str!("../../../fixtures/snapshots/stream-elixir-2025-11.json");
const SCENARIO: &str = include_str!("../../../fixtures/scenarios/stream-elixir-2025-11.toml");

fn report() -> Report {
    let snapshot = Snapshot::from_json(SNAPSHOT).expect("the bundled snapshot is valid");
    let scenario = Scenario::from_toml(SCENARIO).expect("the bundled scenario parses");
    run(&snapshot, &scenario).expect("the bundled scenario runs")
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

#[test]
fn the_write_down_is_the_first_break_and_sets_xusd_true_nav() {
    let report = report();
    let first = &report.events[report.first_break.expect("something breaks")];
    let EventKind::NavChange { from, to, .. } = first.kind else {
        panic!("first break should be xUSD's NAV, was {first:?}");
    };
    assert_eq!(first.entity, "xusd");
    // Before: 93M (manager) + 68M deUSD x $0.9991 + 9M other = 169,938,800 over
    // round(170M / 1.2646) = 134,429,859 tokens. After the $93M write-down: 76,938,800.
    let supply = dec("134429859");
    assert_eq!(from, dec("169938800") / supply);
    assert_eq!(to, dec("76938800") / supply);
    // Its only cause is the write-down shock.
    let cause = &report.events[first.causes[0]];
    assert!(matches!(cause.kind, EventKind::Shock { .. }));
    assert_eq!(cause.entity, "xusd-external-manager");
}

#[test]
fn the_hardcoded_oracle_keeps_the_elixir_loan_from_being_liquidated() {
    let report = report();
    let missed = report
        .events
        .iter()
        .find(|e| {
            e.entity == "morpho-plume-xusd-private"
                && matches!(
                    e.kind,
                    EventKind::MissedLiquidation { reason: MissReason::OracleAboveMarket, .. }
                )
        })
        .expect("the Plume loan is never liquidated");
    // Caused by xUSD's price falling to its true NAV, which the write-down caused.
    let price = &report.events[missed.causes[0]];
    assert_eq!(price.entity, "xUSD");
    let path = report.contagion.iter().find(|p| p.loss == missed.id).expect("a contagion path");
    assert!(path.text.starts_with("Stream discloses a $93M loss"), "{}", path.text);
    let market = report.entities.iter().find(|e| e.entity == "morpho-plume-xusd-private").unwrap();
    assert_eq!(market.liquidations, 0);
    assert_eq!(market.missed_liquidations, 1);
}

#[test]
fn the_loss_reaches_deusd_and_sdeusd_through_the_loan() {
    let report = report();
    let deusd = report
        .events
        .iter()
        .find(|e| e.entity == "deusd" && matches!(e.kind, EventKind::NavChange { .. }))
        .expect("deUSD's NAV falls");
    let cause = &report.events[deusd.causes[0]];
    assert_eq!(cause.entity, "morpho-plume-xusd-private");
    assert!(matches!(cause.kind, EventKind::EconomicBadDebt { .. }));
    // sdeUSD (exchange-rate oracle) in the Ethereum market: the big borrower is not liquidated
    // because the oracle reads sdeUSD's reported rate, not the market.
    assert!(report.events.iter().any(|e| e.entity == "morpho-eth-sdeusd-usdc"
        && matches!(&e.kind, EventKind::MissedLiquidation { borrower, reason: MissReason::OracleAboveMarket, .. }
            if borrower == "0x1597E4B7cF6D2877A1d690b6088668afDb045763")));
    // Every step reached its fixed point.
    assert!(report.non_converged_steps.is_empty(), "{:?}", report.non_converged_steps);
}

#[test]
fn the_same_inputs_give_the_same_report() {
    assert_eq!(report(), report());
}

#[test]
fn the_xusd_write_down_reaches_the_arbitrum_vaults_and_freezes_their_supply() {
    let report = report();
    let row = |id: &str| report.entities.iter().find(|e| e.entity == id).expect("a row");
    // Arbitrum xUSD/USDC 91.5% (assumed Nov 2 state, see the snapshot): borrow 652,934.734108,
    // supply 725,483.037894 USDC; the placeholder lender first in line takes the whole
    // 72,548.303786 of liquidity when the uncovered debt appears, so Not Gauntlet's supply of
    // 33,807.279978 USDC (shares 33,807,279,978e6; shares per asset stay exactly 1e6 through
    // the withdrawal, which rounds its shares up from an exact quotient) is all borrowed out.
    let not_gauntlet = row("vault-not-gauntlet");
    assert_eq!(not_gauntlet.frozen_usd, dec("33807.279978"));
    // v1.1 with no realised bad debt in its market: the contract's share price holds...
    assert_eq!(not_gauntlet.price_change_pct, Decimal::ZERO);
    // ...while the economic value per share falls with the market's uncovered debt.
    assert!(not_gauntlet.nav_lost_usd > Decimal::ZERO, "{not_gauntlet:?}");
    // Its first loss is traced back to Stream's write-down through the market.
    let path = report
        .contagion
        .iter()
        .find(|p| {
            let e = &report.events[p.loss];
            e.entity == "vault-not-gauntlet" && matches!(e.kind, EventKind::VaultValue { .. })
        })
        .expect("a path to the vault");
    assert!(path.text.starts_with("Stream discloses a $93M loss"), "{}", path.text);
    assert!(path.text.contains("Morpho xUSD/USDC 91.5% (Arbitrum)"), "{}", path.text);
    // The Ethereum vaults' supply in the sdeUSD/USDC market is frozen after its lender run:
    // Adpend's 488,184.193894 USDC less its share of the $4.55k realised bad debt.
    let adpend = row("vault-adpend-usdc");
    assert!(adpend.frozen_usd > dec("487000") && adpend.frozen_usd < dec("488184.193894"));
}

/// The last price `token` moved to in the run.
fn last_price(report: &Report, token: &str) -> Decimal {
    report
        .events
        .iter()
        .rev()
        .find_map(|e| match &e.kind {
            EventKind::PriceMove { to_usd, .. } if e.entity == token => Some(*to_usd),
            _ => None,
        })
        .expect("the price moved")
}

/// The reported Euler v2 creditors on Plasma (TelosC $123.6M, Re7 Labs $14.7M, Trevee $14M,
/// half of MEV Capital's $25.4M). Each vault's xUSD oracle reads Stream's reported share price
/// ($1.2646, never written down: redemptions are frozen), so no liquidation fires: each
/// borrower is a missed liquidation traced back to the $93M write-down through xUSD's fall.
/// Economic bad debt at the end, by hand: the borrower pledged C = ⌊E / (0.85 · 1.2646)⌋ xUSD
/// (6 decimals) against E of debt, so E − C · p is uncovered at xUSD's last price p; for
/// TelosC, C = ⌊123,600,000 / 1.07491⌋ = 114,986,370.951986 and p ≈ $0.26 (the scenario's
/// pin) give 123.6M − 29.9M ≈ $93.70M.
#[test]
fn the_euler_creditors_lose_through_the_xusd_write_down() {
    let report = report();
    let p = last_price(&report, "xUSD");
    for (id, exposure) in [
        ("euler-plasma-telosc-xusd", "123600000"),
        ("euler-plasma-re7-xusd", "14700000"),
        ("euler-plasma-trevee-xusd", "14000000"),
        ("euler-plasma-mev-capital-xusd", "12700000"),
    ] {
        let missed = report
            .events
            .iter()
            .find(|e| {
                e.entity == id
                    && matches!(
                        e.kind,
                        EventKind::MissedLiquidation { reason: MissReason::OracleAboveMarket, .. }
                    )
            })
            .unwrap_or_else(|| panic!("{id}: the xUSD borrower is missed"));
        let path = report.contagion.iter().find(|c| c.loss == missed.id).expect("a path");
        assert!(path.text.starts_with("Stream discloses a $93M loss"), "{}", path.text);
        assert!(path.text.contains("xUSD -54.74% (true NAV)"), "{}", path.text);

        let exposure = dec(exposure);
        let collateral = (exposure / (dec("0.85") * dec("1.2646"))).trunc_with_scale(6);
        let uncovered = exposure - collateral * p;
        let vault = report.entities.iter().find(|e| e.entity == id).unwrap();
        assert_eq!((vault.liquidations, vault.missed_liquidations), (0, 1), "{id}");
        assert!(
            (vault.economic_bad_debt_usd - uncovered).abs() < dec("0.000001"),
            "{id}: {} vs {uncovered}",
            vault.economic_bad_debt_usd
        );
    }
    let telosc = report.entities.iter().find(|e| e.entity == "euler-plasma-telosc-xusd").unwrap();
    let millions = (telosc.economic_bad_debt_usd / dec("1000000")).round_dp(2);
    assert_eq!(millions, dec("93.70"), "p = {p}");
}

/// The USDC Comet's sdeUSD feed reads sdeUSD's reported rate ($1.0685) while the market price
/// falls with deUSD's backing: both synthetic borrowers (2M sdeUSD owing 1,837,820 USDC, 1M
/// owing 934,937.5) are missed, traced back through the Plume loan to the write-down, and never
/// absorbed. Uncovered at the end, in Comet's 8-decimal arithmetic (the market price floored to
/// 8 decimals, p8): (1,837,820 − 2,000,000 · p8) + (934,937.5 − 1,000,000 · p8), each where
/// positive.
#[test]
fn the_comet_misses_its_sdeusd_borrowers_behind_the_exchange_rate_feed() {
    let report = report();
    let missed: Vec<_> = report
        .events
        .iter()
        .filter(|e| {
            e.entity == "comet-eth-usdc"
                && matches!(
                    e.kind,
                    EventKind::MissedLiquidation { reason: MissReason::OracleAboveMarket, .. }
                )
        })
        .collect();
    assert_eq!(missed.len(), 2);
    let path = report.contagion.iter().find(|c| c.loss == missed[0].id).expect("a path");
    assert!(path.text.starts_with("Stream discloses a $93M loss"), "{}", path.text);
    assert!(path.text.contains("Morpho xUSD/USDC 86% (Plume"), "{}", path.text);
    let p8 = last_price(&report, "sdeUSD").trunc_with_scale(8);
    let uncovered = (dec("1837820") - dec("2000000") * p8).max(Decimal::ZERO)
        + (dec("934937.5") - dec("1000000") * p8).max(Decimal::ZERO);
    let comet = report.entities.iter().find(|e| e.entity == "comet-eth-usdc").unwrap();
    assert_eq!((comet.liquidations, comet.missed_liquidations), (0, 2));
    assert_eq!(comet.economic_bad_debt_usd, uncovered);
    assert_eq!(comet.bad_debt_usd, Decimal::ZERO, "reserves never touched: nothing absorbed");
}
