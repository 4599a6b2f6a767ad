//! The real Aave v3 Ethereum Core snapshot (`fixtures/aave-v3/ethereum-core-block-22840005.json`)
//! loads with every reserve, eMode and strategy; broken copies of it are rejected with errors that
//! name the field and the value.

use alloy_primitives::{Address, U256};
use faultline_lending::{
    Error, LendingMarket,
    aave::{AaveVersion, load_market, load_market_value},
};
use serde_json::Value;

fn fixture_text() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/aave-v3/ethereum-core-block-22840005.json"
    );
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

fn fixture() -> Value {
    serde_json::from_str(&fixture_text()).expect("fixture is JSON")
}

const ONE_INCH: &str = "0x111111111117dC0aa78b770fA6A738034120C302";

#[test]
fn the_real_snapshot_loads_whole() {
    let market = load_market(&fixture_text(), AaveVersion::V3_5, 1_752_000_000).unwrap();
    assert_eq!(market.chain_id, 1);
    let pool = &market.pool;
    assert_eq!(pool.reserves().len(), 48);
    assert_eq!(pool.e_modes().len(), 16);
    // Spot values as they stand in the file: 1INCH ltv 5700, LT 6700, LB 10750, price 18058022.
    let one_inch = pool.reserve(ONE_INCH.parse::<Address>().unwrap()).unwrap();
    assert_eq!(
        (
            one_inch.config.ltv,
            one_inch.config.liquidation_threshold,
            one_inch.config.liquidation_bonus
        ),
        (5700, 6700, 10_750)
    );
    assert_eq!(one_inch.price, U256::from(18_058_022u64));
    assert_eq!(
        one_inch.strategy.variable_rate_slope1,
        U256::from(90_000_000_000_000_000_000_000_000u128)
    );
    // eMode 1 "ETH correlated": LTV 93%, LT 95%, LB 101%.
    let eth = &pool.e_modes()[&1];
    assert_eq!(
        (eth.ltv, eth.liquidation_threshold, eth.liquidation_bonus, eth.label.as_str()),
        (9300, 9500, 10_100, "ETH correlated")
    );
    // Every reserve's rate model answers at its current (empty) state.
    for r in pool.reserves() {
        assert!(pool.rates(r.config.asset).is_ok(), "{}", r.config.symbol);
    }
}

fn rejected(mutate: impl FnOnce(&mut Value)) -> Error {
    let mut value = fixture();
    mutate(&mut value);
    load_market_value(&value, AaveVersion::V3_5, 0).expect_err("a broken fixture must be rejected")
}

#[track_caller]
fn assert_names(error: &Error, field: &str, value: &str) {
    let text = error.to_string();
    assert!(
        text.contains(field) && text.contains(value),
        "error {text:?} should name {field:?} and {value:?}"
    );
}

#[test]
fn liquidation_threshold_below_ltv_is_rejected() {
    let e = rejected(|v| v["reserves"][ONE_INCH]["liquidationThreshold"] = Value::from(5000));
    assert_names(&e, "reserves[1INCH].liquidationThreshold", "5000 (below ltv 5700)");
}

#[test]
fn threshold_times_bonus_above_100_percent_is_rejected() {
    // 9500 x 10750 = 10212.5 bps > 100%.
    let e = rejected(|v| v["reserves"][ONE_INCH]["liquidationThreshold"] = Value::from(9500));
    assert_names(&e, "reserves[1INCH].liquidationThreshold x liquidationBonus", "9500 x 10750");
}

#[test]
fn unknown_asset_is_rejected() {
    let stray = "0x00000000000000000000000000000000000000AA";
    let e = rejected(|v| {
        let s = v["strategies"][ONE_INCH].clone();
        v["strategies"][stray] = s;
    });
    assert!(matches!(e, Error::UnknownAsset { .. }), "{e:?}");
    assert_names(&e, "strategies[", "0x00000000000000000000000000000000000000AA");
}

#[test]
fn emode_naming_a_missing_reserve_is_rejected() {
    // Bit 60 is beyond the 48 reserves.
    let e =
        rejected(|v| v["eModes"]["1"]["collateralBitmap"] = Value::from((1u128 << 60).to_string()));
    assert_names(&e, "eModes[1].collateralBitmap", "bit 60 names no reserve");
}

#[test]
fn negative_and_malformed_amounts_are_rejected() {
    let e = rejected(|v| v["reserves"][ONE_INCH]["virtualBalance"] = Value::from("-5"));
    assert_names(&e, "reserves[1INCH].virtualBalance", "\"-5\"");
    let e = rejected(|v| v["reserves"][ONE_INCH]["supplyCap"] = Value::from(-1));
    assert_names(&e, "reserves[1INCH].supplyCap", "-1");
    let e = rejected(|v| v["strategies"][ONE_INCH]["variableRateSlope1"] = Value::from("9e25"));
    assert_names(&e, "strategies[1INCH].variableRateSlope1", "\"9e25\"");
    let e = rejected(|v| v["reserves"][ONE_INCH]["oracleLatestAnswer"] = Value::from("12.5"));
    assert_names(&e, "reserves[1INCH].oracleLatestAnswer", "\"12.5\"");
    assert!(load_market("{not json", AaveVersion::V3_5, 0).is_err());
}
