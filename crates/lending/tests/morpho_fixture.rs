//! The real Morpho Blue exports in `fixtures/morpho-xusd-deusd/` (18 markets with xUSD, deUSD and
//! sdeUSD collateral; borrower positions) load into the model; the model's health factors match
//! the ones the export reports; and broken copies are rejected with errors naming the field.

use alloy_primitives::U256;
use faultline_lending::{Error, LendingMarket, morpho::load_markets};

fn read(name: &str) -> String {
    let path = format!("{}/../../fixtures/morpho-xusd-deusd/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

#[test]
fn the_real_export_loads_and_health_matches_the_reported_one() {
    let markets = load_markets(&read("markets.csv"), &read("borrower_positions.csv")).unwrap();
    assert_eq!(markets.len(), 18);
    let mut compared = 0;
    for m in &markets {
        for (user, reported) in &m.reported_health {
            let h = m.market.health(*user).unwrap();
            let health = h.health_factor;
            // The export's figure is a float computed without Morpho's floors, and the loader
            // recovers borrow shares from assets (the debt can come back a wei or two high): agree
            // to 1e-6 relative, plus one unit of collateral value and two units of debt.
            let wad = U256::from(1_000_000_000_000_000_000u64);
            let debt = h.debt_value.max(U256::from(1u8));
            let allowed = *reported / U256::from(1_000_000u64)
                + U256::from(2u8) * wad / debt
                + U256::from(2u8) * *reported / debt
                + U256::from(1u8);
            let gap = if health > *reported { health - *reported } else { *reported - health };
            assert!(gap <= allowed, "{} {user}: model {health}, export {reported}", m.id);
            compared += 1;
        }
    }
    assert_eq!(compared, 27, "every borrower of the export");
}

/// Market 0x0f95... (sdeUSD/USDC, LLTV 91.5%): its oracle reads 0 in the export, so every borrower
/// is liquidatable and a liquidation seizes all collateral for nothing: the whole debt is realised
/// as bad debt and borne by the suppliers (the supply assets fall by exactly that amount).
#[test]
fn a_zero_oracle_realises_the_whole_debt_against_suppliers() {
    let markets = load_markets(&read("markets.csv"), &read("borrower_positions.csv")).unwrap();
    let m = markets.iter().find(|m| m.id.starts_with("0x0f9563442d64")).unwrap();
    assert_eq!(m.market.price(), U256::ZERO);
    let (user, _) =
        m.reported_health.iter().max_by_key(|(u, _)| m.market.position(**u).borrow_shares).unwrap();
    let mut market = m.market.clone();
    assert!(market.is_liquidatable(*user).unwrap());
    let supply_before = market.state().total_supply_assets;
    let collateral = market.position(*user).collateral;
    let out = market.liquidate(*user, collateral, U256::ZERO).unwrap();
    assert_eq!(out.repaid_assets, U256::ZERO);
    assert!(!out.bad_debt_assets.is_zero());
    assert_eq!(market.state().total_supply_assets, supply_before - out.bad_debt_assets);
}

fn rejected(file: &str, from: &str, to: &str) -> Error {
    let markets = read("markets.csv");
    let positions = read("borrower_positions.csv");
    let (m, p) = if file == "markets" {
        (markets.replacen(from, to, 1), positions)
    } else {
        (markets, positions.replacen(from, to, 1))
    };
    assert!(
        m != read("markets.csv") || p != read("borrower_positions.csv"),
        "the mutation must apply"
    );
    load_markets(&m, &p).expect_err("a broken export must be rejected")
}

#[track_caller]
fn assert_names(e: &Error, field: &str, value: &str) {
    let text = e.to_string();
    assert!(
        text.contains(field) && text.contains(value),
        "{text:?} should name {field:?} and {value:?}"
    );
}

#[test]
fn broken_exports_are_rejected_naming_the_field() {
    // A negative supply in the first market.
    let e =
        rejected("markets", ",55437463266759,55437463266759,", ",-55437463266759,55437463266759,");
    assert_names(&e, "markets.csv[0].supply_assets", "\"-55437463266759\"");
    // A fractional amount.
    let e = rejected("positions", "8942941353552486952503292", "8942941353552486952503292.5");
    assert_names(&e, "borrower_positions.csv[0].collateral_raw", "\"8942941353552486952503292.5\"");
    // Malformed LLTV.
    let e = rejected("markets", ",0.86,", ",zero point eight six,");
    assert_names(&e, "markets.csv[1].lltv", "zero point eight six");
    // An LLTV of 100% or more cannot be enabled.
    let e = rejected("markets", ",0.86,", ",1.2,");
    assert_names(&e, "markets.csv[1].lltv", "1200000000000000000");
    // A position in a market the export does not list.
    let e = rejected(
        "positions",
        "0x0f9563442d64ab3bd3bcb27058db0b0d4046a4c46f0acd811dacae9551d2b129,1,sdeUSD",
        "0x1111111111111111111111111111111111111111111111111111111111111111,1,sdeUSD",
    );
    assert_names(&e, "borrower_positions.csv[0].market_unique_key", "0x1111");
}
