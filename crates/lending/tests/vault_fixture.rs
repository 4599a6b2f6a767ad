//! The real MetaMorpho exports in `fixtures/morpho-xusd-deusd/` (`vaults.csv`: 33 vaults, one row
//! per vault and xUSD/deUSD/sdeUSD market; `vault_allocations.csv`: 612 allocations of 19 vaults
//! across all their markets) load, are consistent with `markets.csv`, and tell which vaults are
//! exposed and by how much; broken copies give errors naming file, line, column and value.
//! Expected figures are the fixture's own rows (quoted with their line numbers).

use alloy_primitives::{Address, U256};
use faultline_core::decimal::Decimal;
use faultline_lending::{
    Error,
    metamorpho::{VaultFixture, VaultVersion},
    morpho::{LoadedMorphoMarket, load_markets},
};
use std::collections::BTreeMap;

fn read(name: &str) -> String {
    let path = format!("{}/../../fixtures/morpho-xusd-deusd/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

fn markets() -> Vec<LoadedMorphoMarket> {
    load_markets(&read("markets.csv"), &read("borrower_positions.csv")).unwrap()
}

fn addr(s: &str) -> Address {
    s.parse().unwrap()
}

const ADPEND: &str = "0x55555815a5595991C3A0Ff119B59AEF6C8B55555";
const SDEUSD_USDC: &str = "0x0f9563442d64ab3bd3bcb27058db0b0d4046a4c46f0acd811dacae9551d2b129";

#[test]
fn the_real_vaults_and_allocations_load() {
    let markets = markets();
    let fx =
        VaultFixture::load(&read("vaults.csv"), &read("vault_allocations.csv"), &markets).unwrap();
    assert_eq!(fx.vaults.len(), 33);
    assert_eq!(fx.vaults.iter().map(|v| v.markets.len()).sum::<usize>(), 36);
    assert_eq!(fx.allocations.len(), 612);
    // 22 allocations are in fixture markets, and they are exactly the ones the export flags
    // `is_toxic_market`; the other 182 markets are the vaults' ordinary books, outside the fixture.
    assert_eq!(fx.allocations.iter().filter(|a| a.in_fixture).count(), 22);
    assert!(fx.allocations.iter().all(|a| a.toxic == a.in_fixture));
    assert_eq!(fx.markets_outside_fixture().len(), 182);
    // vaults.csv line 2: Adpend USDC, 6 decimals, fee 0.5, totalAssets 2877982872603.
    let adpend = fx.vault(addr(ADPEND)).unwrap();
    assert_eq!(adpend.asset_decimals, 6);
    assert_eq!(adpend.fee, U256::from(500_000_000_000_000_000u64));
    assert_eq!(adpend.total_assets, U256::from(2_877_982_872_603u64));
    assert_eq!(adpend.markets[0].market_id, SDEUSD_USDC);
    assert_eq!(adpend.markets[0].withdraw_queue_index, Some(17));
}

/// Which vaults hold xUSD/deUSD/sdeUSD-collateral markets now, and how much (vaults.csv
/// `supply_assets`, raw USDC): lines 2, 3, 4, 5, 6 and 7 (RIMU: 2 units), 34 (Elixir Levered
/// RWA: 2 units); the other 29 rows are exits. And as the allocations export has it (USD,
/// summed over the flagged markets): Hyperithm USDC Degen first with 14,849,697.6107335.
#[test]
fn exposure_to_the_xusd_deusd_markets_can_be_read() {
    let markets = markets();
    let fx =
        VaultFixture::load(&read("vaults.csv"), &read("vault_allocations.csv"), &markets).unwrap();
    let exposures: Vec<(String, u64)> = fx
        .exposures()
        .iter()
        .map(|e| (e.vault_name.clone(), e.supply_assets.to::<u64>()))
        .collect();
    assert_eq!(
        exposures,
        [
            ("Adpend USDC", 2_877_982_722_615),
            ("1337 USDC", 1_534_282_166_631),
            ("Not Gauntlet", 257_337_502_969),
            ("MEV Capital Elixir USDC", 8_715_438_746),
            ("Vaultik USDC", 8_661_321_494),
            ("RIMU USDC", 2),
            ("Elixir Levered RWA vault", 2),
        ]
        .map(|(n, v)| (n.to_owned(), v))
    );
    let mut usd: BTreeMap<Address, Decimal> = BTreeMap::new();
    for a in fx.allocations.iter().filter(|a| a.toxic) {
        *usd.entry(a.vault).or_default() += a.supply_usd;
    }
    let (top, amount) = usd.iter().max_by_key(|(_, v)| **v).unwrap();
    assert_eq!(fx.vault(*top).unwrap().name, "Hyperithm USDC Degen");
    assert_eq!(*amount, "14849697.6107335".parse::<Decimal>().unwrap());
}

/// How much the exposed vaults can take back out of those markets: nothing. sdeUSD/USDC
/// (markets.csv line 2) is 100% utilised (supply = borrow = 55437463266759), so Adpend's
/// claim there, its 426640927749853626 shares valued at the market's totals,
/// 426640927749853626 · (55437463266759 + 1) / (8218843723614359741 + 1e6) = 2877763777436
/// (219 USDC below the vault export's own figure, which is 300 s later), can leave only by
/// withdrawable 0. Elixir Levered RWA's 562269 shares in xUSD/USDC on Plume (line 4 of
/// markets.csv, liquidity 1863) are worth 562269 · (306570022834889 + 1) /
/// (66413256870835564452 + 1e6) = 2 units, and all 2 can leave.
#[test]
fn the_exposed_vaults_cannot_withdraw_from_the_stuck_markets() {
    let markets = markets();
    let fx =
        VaultFixture::load(&read("vaults.csv"), &read("vault_allocations.csv"), &markets).unwrap();
    let adpend =
        fx.vault(addr(ADPEND)).unwrap().fixture_view(&markets, VaultVersion::V1_1).unwrap();
    let liquidity = adpend.liquidity().unwrap();
    assert_eq!(liquidity.supplied, vec![U256::from(2_877_763_777_436u64)]);
    assert_eq!(liquidity.withdrawable, vec![U256::ZERO]);
    assert_eq!(liquidity.stuck(), U256::from(2_877_763_777_436u64));
    let rwa = fx
        .vault(addr("0xBA465FCb8D32B875Aed5ae9e2FB53ea303c2D312"))
        .unwrap()
        .fixture_view(&markets, VaultVersion::V1_1)
        .unwrap();
    let liquidity = rwa.liquidity().unwrap();
    assert_eq!(
        (liquidity.supplied.clone(), liquidity.withdrawable_total()),
        (vec![U256::from(2u8)], U256::from(2u8))
    );
    // Every exposed vault: the fixture markets pay out at most what the markets hold idle.
    for v in &fx.vaults {
        let view = v.fixture_view(&markets, VaultVersion::V1_0).unwrap();
        for (m, w) in view.withdraw_queue.iter().zip(view.liquidity().unwrap().withdrawable) {
            let s = m.state();
            assert!(w <= s.total_supply_assets - s.total_borrow_assets, "{}", v.name);
        }
    }
}

fn broken(file: &str, line: usize, column: &str, value: &str) -> Error {
    let markets = markets();
    let mut vaults = read("vaults.csv");
    let mut allocations = read("vault_allocations.csv");
    let text = if file == "vaults.csv" { &mut vaults } else { &mut allocations };
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let c = header.iter().position(|h| *h == column).unwrap();
    // The rows edited here have no quoted commas before the column.
    let mut fields: Vec<String> = lines[line - 1].split(',').map(str::to_owned).collect();
    fields[c] = value.to_owned();
    lines[line - 1] = fields.join(",");
    *text = lines.join("\n");
    VaultFixture::load(&vaults, &allocations, &markets).unwrap_err()
}

fn field_of(e: &Error) -> (String, String) {
    match e {
        Error::InvalidParameter { field, found, .. } => (field.clone(), found.clone()),
        other => panic!("expected InvalidParameter, got {other:?}"),
    }
}

#[test]
fn bad_rows_name_file_line_column_and_value() {
    let cases = [
        ("vaults.csv", 5, "supply_assets", "-8715438746", "\"-8715438746\""),
        ("vaults.csv", 3, "supply_shares", "2274466e", "\"2274466e\""),
        ("vaults.csv", 2, "supply_cap", "1.5", "\"1.5\""),
        ("vaults.csv", 4, "vault_fee", "0.6", "600000000000000000"),
        ("vaults.csv", 6, "withdraw_queue_index", "31.0", "31"),
        ("vault_allocations.csv", 3, "supply_assets_usd", "-0.07", "\"-0.07\""),
        ("vault_allocations.csv", 7, "supply_assets", "abc", "\"abc\""),
        ("vault_allocations.csv", 4, "is_toxic_market", "maybe", "\"maybe\""),
    ];
    for (file, line, column, value, found) in cases {
        let e = broken(file, line, column, value);
        assert_eq!(
            field_of(&e),
            (format!("{file} line {line}, column {column}"), found.to_owned())
        );
        assert!(e.to_string().contains(&format!("{file} line {line}, column {column}")), "{e}");
    }
    // A market that markets.csv does not have, and a vault that vaults.csv does not have.
    let e = broken("vaults.csv", 2, "market_id", "0x00");
    assert_eq!(field_of(&e), ("vaults.csv line 2, column market_id".into(), "0x00".into()));
    let e = broken(
        "vault_allocations.csv",
        2,
        "vault_address",
        ADPEND.replace("5555", "4444").as_str(),
    );
    assert_eq!(field_of(&e).0, "vault_allocations.csv line 2, column vault_address");
    // An LLTV that is not the market's.
    let e = broken("vaults.csv", 2, "lltv", "0.86");
    assert_eq!(
        field_of(&e),
        ("vaults.csv line 2, column lltv".into(), "860000000000000000".into())
    );
}
