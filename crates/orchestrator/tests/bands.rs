//! Liquidation bands: a hand-worked two-market snapshot, and sdeUSD on the bundled Stream/Elixir
//! snapshot.

use faultline_orchestrator::{
    Error, Snapshot,
    bands::{BandsOptions, OracleMode, bands},
};
use rust_decimal::Decimal;
use std::str::FromStr;

const BUNDLED: &str = include_str!("../../../fixtures/snapshots/stream-elixir-2025-11.json");

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

const SOURCE: &str =
    r#"{"kind": "synthetic", "reference": "hand-worked test", "confidence": "low"}"#;

/// WETH ($2,000) taken as collateral by two Morpho markets:
/// - `weth-usdc`: LLTV 80%, a market-following oracle at 2,000 USDC per WETH. Borrower 0x..01:
///   1 WETH against 1,000 USDC; 0x..02: 2 WETH against 3,000 USDC; 0x..03 only supplies.
/// - `weth-dai`: LLTV 86%, a hardcoded oracle at 2,000 DAI per WETH. Borrower 0x..04: 1 WETH
///   against 1,500 DAI.
///
/// Borrow shares are assets x 1e6 (Morpho's virtual shares), so each borrower owes exactly
/// its assets: toAssetsUp(a·1e6, A, A·1e6) = ceil(a·1e6·(A+1)/(A·1e6+1e6)) = a.
fn small() -> Snapshot {
    let text = format!(
        r#"{{
  "schema_version": 1, "name": "hand-worked", "timestamp": 1700000000,
  "tokens": [
    {{"id": "WETH", "symbol": "WETH", "decimals": 18, "price_usd": "2000", "source": {SOURCE}}},
    {{"id": "USDC", "symbol": "USDC", "decimals": 6, "price_usd": "1", "source": {SOURCE}}},
    {{"id": "DAI", "symbol": "DAI", "decimals": 18, "price_usd": "1", "source": {SOURCE}}}
  ],
  "oracles": [
    {{"id": "weth-usdc-oracle", "token": "WETH", "quote": "USDC", "kind": {{"type": "market"}},
      "price": "2000", "source": {SOURCE}}},
    {{"id": "weth-dai-oracle", "token": "WETH", "quote": "DAI", "kind": {{"type": "fixed"}},
      "price": "2000", "source": {SOURCE}}}
  ],
  "lending_markets": [
    {{"id": "weth-usdc", "name": "WETH/USDC 80%", "source": {SOURCE}, "protocol": {{"morpho_blue": {{
      "market_id": "0x01", "loan_token": "USDC", "collateral_token": "WETH",
      "oracle": "weth-usdc-oracle", "lltv": "800000000000000000",
      "total_supply_assets": "10000000000", "total_supply_shares": "10000000000000000",
      "total_borrow_assets": "4000000000", "total_borrow_shares": "4000000000000000",
      "positions": [
        {{"account": "0x0000000000000000000000000000000000000001",
          "borrow_shares": "1000000000000000", "collateral": "1000000000000000000"}},
        {{"account": "0x0000000000000000000000000000000000000002",
          "borrow_shares": "3000000000000000", "collateral": "2000000000000000000"}},
        {{"account": "0x0000000000000000000000000000000000000003",
          "supply_shares": "10000000000000000"}}
      ]}}}}}},
    {{"id": "weth-dai", "name": "WETH/DAI 86%", "source": {SOURCE}, "protocol": {{"morpho_blue": {{
      "market_id": "0x02", "loan_token": "DAI", "collateral_token": "WETH",
      "oracle": "weth-dai-oracle", "lltv": "860000000000000000",
      "total_supply_assets": "2000000000000000000000",
      "total_supply_shares": "2000000000000000000000000000",
      "total_borrow_assets": "1500000000000000000000",
      "total_borrow_shares": "1500000000000000000000000000",
      "positions": [
        {{"account": "0x0000000000000000000000000000000000000004",
          "borrow_shares": "1500000000000000000000000000", "collateral": "1000000000000000000"}}
      ]}}}}}}
  ]
}}"#
    );
    Snapshot::from_json(&text).unwrap_or_else(|p| panic!("{p:?}"))
}

/// Five levels: falls of 0, 10, 20, 30, 40%: WETH at 2,000, 1,800, 1,600, 1,400, 1,200.
const fn grid(oracle: OracleMode) -> BandsOptions {
    BandsOptions { levels: 5, max_fall_bps: 4_000, oracle }
}

#[test]
fn hand_worked_bands_follow_each_markets_oracle() {
    let report = bands(&small(), "WETH", &grid(OracleMode::AsConfigured)).unwrap();
    assert_eq!(report.markets.len(), 2);
    let usdc = &report.markets[0];
    // Liquidatable when collateral x price x LLTV < debt:
    // 0x..01: 1 x x x 0.8 < 1,000 -> x < 1,250 (a 37.5% fall);
    // 0x..02: 2 x x x 0.8 < 3,000 -> x < 1,875 (a 6.25% fall).
    assert_eq!(usdc.positions[0].liquidation_price, Some(dec("1875")));
    assert_eq!(usdc.positions[0].fall_pct, Some(dec("6.25")));
    assert_eq!(usdc.positions[1].liquidation_price, Some(dec("1250")));
    assert_eq!(usdc.positions[1].fall_pct, Some(dec("37.5")));
    assert_eq!(usdc.borrowers, 2);
    let debt: Vec<Decimal> = usdc.levels.iter().map(|l| l.debt).collect();
    let coll: Vec<Decimal> = usdc.levels.iter().map(|l| l.collateral).collect();
    // 2,000: none; 1,800, 1,600, 1,400 are below 1,875: 0x..02; 1,200 is below 1,250 too.
    assert_eq!(debt, [dec("0"), dec("3000"), dec("3000"), dec("3000"), dec("4000")]);
    assert_eq!(coll, [dec("0"), dec("2"), dec("2"), dec("2"), dec("3")]);
    let prices: Vec<Decimal> = usdc.levels.iter().map(|l| l.oracle_price).collect();
    assert_eq!(prices, [dec("2000"), dec("1800"), dec("1600"), dec("1400"), dec("1200")]);

    // The hardcoded DAI oracle never moves: 0x..04 (1 x 2,000 x 0.86 = 1,720 >= 1,500) stays
    // healthy at every level.
    let dai = &report.markets[1];
    assert!(!dai.oracle_moves);
    assert!(dai.levels.iter().all(|l| l.positions == 0 && l.debt.is_zero()));
    // Its own liquidation price: healthy iff floor(1e18·x/1e36)·0.86 >= 1,500e18, i.e. the
    // collateral's value in DAI units is at least ceil(1,500e18 / 0.86) =
    // 1,744,186,046,511,627,906,977 (1,744.186046511627906976744... rounded up to a unit):
    // x = 1,744.186046511627906977 DAI per WETH.
    assert_eq!(dai.positions[0].liquidation_price, Some(dec("1744.186046511627906977")));

    let combined: Vec<(Decimal, Decimal, Decimal)> =
        report.combined.iter().map(|l| (l.collateral, l.debt_usd, l.new_debt_usd)).collect();
    assert_eq!(
        combined,
        [
            (dec("0"), dec("0"), dec("0")),
            (dec("2"), dec("3000"), dec("3000")),
            (dec("2"), dec("3000"), dec("0")),
            (dec("2"), dec("3000"), dec("0")),
            (dec("3"), dec("4000"), dec("1000")),
        ]
    );
    // 3 WETH at 1,200.
    assert_eq!(report.combined[4].collateral_usd, dec("3600"));
}

#[test]
fn hand_worked_bands_with_every_oracle_following_the_market() {
    let report = bands(&small(), "WETH", &grid(OracleMode::FollowsMarket)).unwrap();
    let dai = &report.markets[1];
    assert!(dai.oracle_moves);
    // 0x..04 below 1,744.19: at 1,600 (20%) and deeper, not at 1,800.
    let debt: Vec<Decimal> = dai.levels.iter().map(|l| l.debt).collect();
    assert_eq!(debt, [dec("0"), dec("0"), dec("1500"), dec("1500"), dec("1500")]);
    let combined: Vec<(usize, Decimal, Decimal)> =
        report.combined.iter().map(|l| (l.positions, l.collateral, l.debt_usd)).collect();
    // USDC market + DAI market: 0; 3,000; 3,000 + 1,500; 4,500; 4,000 + 1,500.
    assert_eq!(
        combined,
        [
            (0, dec("0"), dec("0")),
            (1, dec("2"), dec("3000")),
            (2, dec("3"), dec("4500")),
            (2, dec("3"), dec("4500")),
            (3, dec("4"), dec("5500")),
        ]
    );
    // 3 WETH at 1,600 and 4 at 1,200.
    assert_eq!(report.combined[2].collateral_usd, dec("4800"));
    assert_eq!(report.combined[4].collateral_usd, dec("4800"));
}

#[test]
fn the_root_is_exact_on_morphos_own_rounding() {
    // 0x..01 in Morpho units: collateral 1e18, debt 1e9, LLTV 0.8e18, price scale 1e24 per
    // USDC/WETH. At 1,250e24: floor(1e18 x 1250e24 / 1e36) = 1,250e6; x 0.8 = 1,000e6 >= 1e9:
    // healthy. At 1,250e24 - 1: floor(...) = 1,250e6 - 1; x 0.8 = 999,999,999.2, floored below
    // 1e9: liquidatable. So the root is exactly 1,250, not a unit either side.
    let report = bands(&small(), "WETH", &grid(OracleMode::AsConfigured)).unwrap();
    assert_eq!(report.markets[0].positions[1].liquidation_price, Some(dec("1250")));
}

#[test]
fn bad_inputs_name_the_field() {
    let err = bands(&small(), "WBTC", &BandsOptions::default()).unwrap_err();
    assert!(
        matches!(&err, Error::Invalid { field, found, .. } if field == "asset" && found == "WBTC"),
        "{err}"
    );
    // A token no market takes as collateral names the ones that are.
    let err = bands(&small(), "USDC", &BandsOptions::default()).unwrap_err().to_string();
    assert!(
        err.contains("asset: expected a token some lending market takes as collateral (WETH)"),
        "{err}"
    );
    let err = bands(&small(), "WETH", &BandsOptions { levels: 1, ..BandsOptions::default() })
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("grid: expected between 2 and 10000 levels, found 1"), "{err}");
    let err =
        bands(&small(), "WETH", &BandsOptions { max_fall_bps: 10_001, ..BandsOptions::default() })
            .unwrap_err()
            .to_string();
    assert!(err.contains("max_fall: expected at most 100%, found 100.01%"), "{err}");
}

/// sdeUSD on the bundled snapshot: the Morpho sdeUSD/USDC 91.5% market, oracle at 1.0685 USDC
/// (the issuer's reported rate). Borrow shares are assets x 1e6 there too (totals 8,654,734.084929
/// USDC and 8,654,734,084,929e6 shares), so toAssetsUp gives the assets.
#[test]
fn sdeusd_on_the_bundled_snapshot() {
    let snapshot = Snapshot::from_json(BUNDLED).unwrap();
    let options = BandsOptions { levels: 3, max_fall_bps: 200, oracle: OracleMode::AsConfigured };
    let report = bands(&snapshot, "sdeUSD", &options).unwrap();
    // The USDC Comet also takes sdeUSD: its borrowers are solved on Comet's own
    // `isLiquidatable` (through `CascadeMarket`), after the Morpho market in snapshot order.
    assert_eq!(report.markets.len(), 2);
    assert_eq!(report.markets[1].protocol, "compound_v3");
    assert!(report.not_covered.is_empty());
    let market = &report.markets[0];
    assert_eq!(market.oracle_kind, "exchange_rate");
    assert!(!market.oracle_moves);
    assert_eq!(market.borrowers, 7);
    // Four small borrowers are liquidatable already (their debt over collateral x 0.915 is above
    // 1.0685): 5,523.140622 / (927.32 x 0.915) = 6.51; 3,263.103257 / (800 x 0.915) = 4.46;
    // 6.787433 / (5 x 0.915) = 1.48; 4.408802 / (0.732 x 0.915) = 6.58. Their debt:
    // 5,523.140622 + 3,263.103257 + 6.787433 + 4.408802 = 8,797.440114 USDC. The exchange-rate
    // oracle does not follow the market, so no fall of sdeUSD's price adds anyone.
    for level in &market.levels {
        assert_eq!((level.positions, level.debt), (4, dec("8797.440114")), "{level:?}");
    }

    let options = BandsOptions { oracle: OracleMode::FollowsMarket, ..options };
    let report = bands(&snapshot, "sdeUSD", &options).unwrap();
    let market = &report.markets[0];
    // The $8.65M borrower 0x1597..: 8,942,829.315473843775341985 sdeUSD against 8,645,928.678102
    // USDC. maxBorrow(x) = floor(floor(c·x/1e36)·0.915) >= 8,645,928,678,102 first holds at
    // x = 1,056,612,180,229,152,779,647,779 (1e24 scale, by bisection on those two floors):
    // 1.056612180229152779 USDC, a 1.1126% fall from 1.0685.
    let whale = market.positions.iter().find(|p| p.debt == dec("8645928.678102")).unwrap();
    assert_eq!(whale.liquidation_price, Some(dec("1.056612180229152779")));
    assert_eq!(whale.fall_pct, Some(dec("1.1126")));
    // Levels at 0%, 1% (1.057815 > 1.0566: not yet) and 2% (1.04713: liquidatable).
    let debt: Vec<Decimal> = market.levels.iter().map(|l| l.debt).collect();
    assert_eq!(debt, [dec("8797.440114"), dec("8797.440114"), dec("8654726.118216")]);
    // In USD at $1 USDC: the combined curve carries it unchanged.
    assert_eq!(report.combined[2].debt_usd, dec("8654726.118216"));
    assert_eq!(report.combined[2].new_debt_usd, dec("8645928.678102"));
}
