//! The Morpho export in `fixtures/morpho-xusd-deusd/` (a copy of the Morpho API export, see
//! `fixtures/SOURCES.md`), imported: every market and position row is in the snapshot, the
//! oracles are mapped by their configuration, bad input is named by file, row and column.
#![allow(missing_docs)]

use criterion as _;
use faultline_core::{
    Address, U256,
    math::morpho::{to_shares_down, to_shares_up},
};
use faultline_import::morpho::{HISTORY_SUFFIX, Imported, Options, import};
use faultline_orchestrator::snapshot::{
    LendingProtocolSpec, MorphoMarketSpec, OracleKindSpec, Snapshot, validate,
};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/morpho-xusd-deusd");

fn export() -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(DIR).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name.ends_with(".csv") {
            files.insert(name, std::fs::read_to_string(&path).unwrap());
        }
    }
    assert!(files.keys().any(|n| n.ends_with(HISTORY_SUFFIX)));
    files
}

fn imported() -> Imported {
    import(&export(), &Options::default()).unwrap()
}

fn market<'a>(snapshot: &'a Snapshot, key: &str) -> &'a MorphoMarketSpec {
    snapshot
        .lending_markets
        .iter()
        .find_map(|m| match &m.protocol {
            LendingProtocolSpec::MorphoBlue(m) if m.market_id == key => Some(m),
            _ => None,
        })
        .unwrap_or_else(|| panic!("market {key} missing"))
}

/// The rows of a CSV file as maps from column to text.
fn rows(file: &str) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(format!("{DIR}/{file}")).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers.iter().zip(r.iter()).map(|(h, v)| (h.to_owned(), v.to_owned())).collect()
        })
        .collect()
}

fn raw(text: &str) -> U256 {
    U256::from_str_radix(text, 10).unwrap()
}

#[test]
fn the_imported_snapshot_is_valid() {
    let imported = imported();
    assert_eq!(validate(&imported.snapshot), []);
    assert_eq!(imported.snapshot.lending_markets.len(), 18);
    assert_eq!(imported.snapshot.vaults.len(), 33, "every vault of vaults.csv");
}

#[test]
fn every_market_row_is_in_the_snapshot_with_its_parameters() {
    let snapshot = imported().snapshot;
    let markets = rows("markets.csv");
    assert_eq!(markets.len(), 18);
    for row in &markets {
        let m = market(&snapshot, &row["market_id"].to_lowercase());
        assert_eq!(m.total_supply_assets.0, raw(&row["supply_assets"]));
        assert_eq!(m.total_borrow_assets.0, raw(&row["borrow_assets"]));
        assert_eq!(m.total_supply_shares.0, raw(&row["supply_shares"]));
        assert_eq!(m.total_borrow_shares.0, raw(&row["borrow_shares"]));
        // LLTV: the fraction of markets.csv as a WAD equals oracle_configs.csv's lltv_raw.
        let lltv: Decimal = row["lltv"].parse().unwrap();
        assert_eq!(
            Decimal::from_str_exact(&m.lltv.0.to_string()).unwrap(),
            lltv * Decimal::from(10u64.pow(18))
        );
        let irm = m.irm.as_ref().expect("IRM state");
        assert_eq!(irm.address.0, row["irm_address"].parse::<Address>().unwrap());
        // AdaptiveCurveIrm's bounds: 0.1% and 200% a year, per second.
        assert!(irm.rate_at_target.0 >= U256::from(31_709_791u64));
        assert!(irm.rate_at_target.0 <= U256::from(63_419_583_967u64));
    }
}

#[test]
fn a_market_stuck_at_full_utilisation_has_the_rate_at_target_at_its_ceiling() {
    // 0x0f95...: utilisation 1.0, borrow APY 2979.957 = exp(8) - 1: the curve is 4x the rate at
    // target, so the rate at target is 2/year, AdaptiveCurveIrm's MAX_RATE_AT_TARGET
    // (2e18 / 365 days = 63,419,583,967 per second), up to the APY's float rounding.
    let snapshot = imported().snapshot;
    let m = market(&snapshot, "0x0f9563442d64ab3bd3bcb27058db0b0d4046a4c46f0acd811dacae9551d2b129");
    let rate = m.irm.as_ref().unwrap().rate_at_target.0;
    let max = U256::from(63_419_583_967u64);
    assert!(max - rate < U256::from(63_419u64), "within 1e-6 of the ceiling, found {rate}");
}

#[test]
fn every_position_row_is_in_the_snapshot_with_shares_by_morphos_rounding() {
    let imported = imported();
    let snapshot = &imported.snapshot;
    let vaults: Vec<Address> = snapshot.vaults.iter().map(|v| v.address.0).collect();
    let positions = rows("borrower_positions.csv");
    assert_eq!(positions.len(), 63);
    for row in &positions {
        let m = market(snapshot, &row["market_unique_key"].to_lowercase());
        let account: Address = row["user_address"].parse().unwrap();
        let p = m
            .positions
            .iter()
            .find(|p| p.account.0 == account)
            .unwrap_or_else(|| panic!("{account} missing from {}", m.market_id));
        assert_eq!(p.collateral.0, raw(&row["collateral_raw"]), "{account}");
        let borrow = to_shares_up(
            raw(&row["borrow_assets_raw"]),
            m.total_borrow_assets.0,
            m.total_borrow_shares.0,
        )
        .unwrap();
        assert_eq!(p.borrow_shares.0, borrow, "{account}: borrow shares = toSharesUp(assets)");
        if !vaults.contains(&account) {
            let supply = to_shares_down(
                raw(&row["supply_assets_raw"]),
                m.total_supply_assets.0,
                m.total_supply_shares.0,
            )
            .unwrap();
            assert_eq!(
                p.supply_shares.0, supply,
                "{account}: supply shares = toSharesDown(assets)"
            );
        }
        let source = p.source.as_ref().expect("a position's source");
        assert!(source.reference.contains("borrower_positions.csv line"), "{}", source.reference);
    }
    let plume = rows("plume_borrower_positions.csv");
    assert_eq!(plume.len(), 22);
    for row in &plume {
        let m = market(snapshot, &row["market_unique_key"].to_lowercase());
        let account: Address = row["user_address"].parse().unwrap();
        let p = m.positions.iter().find(|p| p.account.0 == account).unwrap();
        assert_eq!(p.borrow_shares.0, raw(&row["borrow_shares"]));
        assert_eq!(p.supply_shares.0, raw(&row["supply_shares"]));
        assert_eq!(p.collateral.0, raw(&row["collateral"]));
    }
}

#[test]
fn oracles_are_mapped_by_their_configuration() {
    let snapshot = imported().snapshot;
    let oracle = |key: &str| {
        let id = &market(&snapshot, key).oracle;
        snapshot.oracles.iter().find(|o| &o.id == id).unwrap().clone()
    };
    // No feed, no vault, SCALE_FACTOR 1e24 for deUSD (18) / USDC (6): 1e24 * 1e18 / 1e42 = $1.
    let fixed = oracle("0xbd1ad3b968f5f0552dbd8cf1989a62881407c5cccf9e49fb3657c8731caf0c1f");
    assert_eq!((fixed.kind, fixed.price), (OracleKindSpec::Fixed, Decimal::ONE));
    // A feed whose answer at the pull (1.26672304e36, xUSD 6 / USDC 6) stayed at xUSD's
    // reported NAV while xUSD traded at cents: it does not follow the market.
    let pinned = oracle("0x9e90aec7d768403dacc9dd0d8320307fda3f980eed4df43e3e52168a1c667709");
    assert_eq!((pinned.kind, pinned.price), (OracleKindSpec::Fixed, Decimal::new(126_672_304, 8)));
    // sdeUSD's vault rate times a deUSD feed (answer 0 at the pull): follows the market.
    let feed = oracle("0x0f9563442d64ab3bd3bcb27058db0b0d4046a4c46f0acd811dacae9551d2b129");
    assert_eq!(feed.kind, OracleKindSpec::Market);
    assert_eq!(feed.quote.as_deref(), Some("USDC:ethereum"));
}

#[test]
fn placed_at_an_hour_a_market_with_history_takes_that_hours_totals() {
    let options = Options { at: Some(1_762_124_400), history_only: true, ..Options::default() };
    let imported = import(&export(), &options).unwrap();
    assert_eq!(validate(&imported.snapshot), []);
    assert_eq!(imported.snapshot.lending_markets.len(), 2, "the two markets with a history");
    // ethereum_market_history_hourly.csv, 2025-11-02 23:00 (line 1, 1762124400).
    let m = market(
        &imported.snapshot,
        "0x0f9563442d64ab3bd3bcb27058db0b0d4046a4c46f0acd811dacae9551d2b129",
    );
    assert_eq!(m.total_supply_assets.0, U256::from(9_404_417_947_240u64));
    assert_eq!(m.total_borrow_assets.0, U256::from(8_654_734_084_929u64));
    let synthetic = m
        .positions
        .iter()
        .all(|p| p.source.as_ref().is_some_and(|s| s.reference.contains("SYNTHETIC placement")));
    assert!(synthetic, "every scaled position says so");
    // The rate at target at that hour, from the borrow growth over the hour before it
    // (ethereum_market_history_hourly.csv, 22:00 -> 23:00: 8,654,564,379,390 -> 8,654,734,084,929
    // USDC units): ln(ratio) x 365 days / 3,600 s = 0.171771 a year, at the utilisation at 22:00
    // (8,654,564,379,390 / 9,412,342,670,623 = 0.919491: error 0.194910, curve 1 + 3 x error =
    // 1.584730), so 0.108392 a year = 3,437,073,047 wei/s (the same in f64: 3,437,073,046.59),
    // not the ceiling the pull's APY gives months later.
    let irm = m.irm.as_ref().expect("IRM state");
    assert_eq!(irm.rate_at_target.0, U256::from(3_437_073_047u64));
    assert!(irm.source.reference.contains("borrow growth over ethereum_market_history_hourly.csv"));
    // The committed replay snapshot is this import.
    let committed = include_str!("../../../fixtures/snapshots/stream-elixir-replay.json");
    let mut snapshot = imported.snapshot.clone();
    snapshot.name = "Morpho sdeUSD markets at 2025-11-02 23:00 UTC (imported)".into();
    assert_eq!(
        Snapshot::from_json(committed).unwrap(),
        snapshot,
        "regenerate: see the replay scenario's header"
    );
}

#[test]
fn unreadable_input_is_named_by_file_row_and_column() {
    let mut files = export();
    let markets = files["markets.csv"].clone();
    let mut lines: Vec<String> = markets.lines().map(str::to_owned).collect();
    // Line 3, column lltv: not a number.
    lines[2] = lines[2].replacen(",0.86,", ",eighty-six,", 1);
    files.insert("markets.csv".into(), lines.join("\n"));
    let error = import(&files, &Options::default()).unwrap_err();
    assert_eq!(error.place.file, "markets.csv");
    assert_eq!(error.place.row, Some(3));
    assert_eq!(error.place.column.as_deref(), Some("lltv"));

    let mut files = export();
    files.remove("oracle_configs.csv");
    let error = import(&files, &Options::default()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "oracle_configs.csv: expected this file in the export, found none"
    );

    // A column missing: the row cannot be read, and the error names it.
    let mut files = export();
    let text = files["borrower_positions.csv"].replacen("collateral_raw", "collateral_rawx", 1);
    files.insert("borrower_positions.csv".into(), text);
    let error = import(&files, &Options::default()).unwrap_err();
    assert_eq!(error.place.file, "borrower_positions.csv");
    assert!(error.message.contains("collateral_raw"), "{error}");
}

#[test]
fn a_float_where_an_integer_belongs_is_read_exactly_with_a_warning() {
    let mut files = export();
    let text =
        files["markets.csv"].replacen(",8742483953,8742483953,", ",8.742483953e+09,8742483953,", 1);
    files.insert("markets.csv".into(), text);
    let imported = import(&files, &Options::default()).unwrap();
    let m = market(
        &imported.snapshot,
        "0xbd1ad3b968f5f0552dbd8cf1989a62881407c5cccf9e49fb3657c8731caf0c1f",
    );
    assert_eq!(m.total_supply_assets.0, U256::from(8_742_483_953u64));
    let warning = imported
        .warnings
        .iter()
        .find(|w| w.place.column.as_deref() == Some("supply_assets"))
        .unwrap_or_else(|| panic!("no warning in {:?}", imported.warnings));
    assert_eq!(
        (warning.place.file.as_str(), warning.place.row),
        ("markets.csv", Some(3)),
        "{:?}",
        imported.warnings.iter().filter(|w| w.place.file == "markets.csv").collect::<Vec<_>>()
    );
    assert!(warning.message.contains("read as 8742483953"), "{warning}");
}
