//! The real Hyperliquid margin tables in `fixtures/hyperliquid/margin-tables.json` load, and the
//! schedules match the tiers the docs state.

use faultline_perps::{Decimal, tables::MarginTables};

fn tables() -> MarginTables {
    let path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/hyperliquid/margin-tables.json");
    let text = std::fs::read_to_string(path).expect("fixture is in the repository");
    MarginTables::from_json(&text).expect("the fixture is valid")
}

#[test]
fn btc_eth_sol_use_their_documented_tiers() {
    let tables = tables();
    assert_eq!(tables.tables.len(), 7);
    // BTC: 40x to $150M then 20x; ETH: 25x to $100M then 15x; SOL: 20x to $70M then 10x
    // (protocol-mechanics.md §7, Hyperliquid docs "Margin tiers").
    let leverage = |asset: &str| -> Vec<(Decimal, Option<Decimal>)> {
        tables
            .for_asset(asset)
            .unwrap()
            .tiers()
            .iter()
            .map(|t| (t.lower_bound, t.max_leverage))
            .collect()
    };
    let d = Decimal::from;
    assert_eq!(leverage("BTC"), [(d(0), Some(d(40))), (d(150_000_000), Some(d(20)))]);
    assert_eq!(leverage("ETH"), [(d(0), Some(d(25))), (d(100_000_000), Some(d(15)))]);
    assert_eq!(leverage("SOL"), [(d(0), Some(d(20))), (d(70_000_000), Some(d(10)))]);
    // Ids below 50 are single-tier tables whose max leverage is the id.
    assert_eq!(tables.schedule(3).unwrap().tiers()[0].max_leverage, Some(d(3)));
    assert!(tables.schedule(99).is_none());
}

#[test]
fn bad_tables_say_which_table_and_field() {
    let err = MarginTables::from_json(
        r#"{"tables":[{"id":60,"tiers":[{"lower_bound_usd":5,"max_leverage":10}]}],"assets":{}}"#,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "margin tables: table 60: tiers[0].lower_bound: expected 0, found 5"
    );
    let err = MarginTables::from_json(r#"{"tables":[],"assets":{"BTC":77}}"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "margin tables: assets.BTC: expected one of the table ids, found 77"
    );
    assert!(MarginTables::from_json("{").is_err());
}
