//! One position's what-if, with hand-worked numbers: Morpho from figures, Aave v3 on the real
//! Ethereum Core reserves, and a borrower of the bundled snapshot.

use faultline_lending::aave::AaveVersion;
use faultline_orchestrator::{
    Snapshot,
    position::{AaveInput, MorphoInput, aave, from_snapshot, morpho},
};
use rust_decimal::Decimal;
use std::str::FromStr;

const AAVE: &str = include_str!("../../../fixtures/aave-v3/ethereum-core-block-22840005.json");
const BUNDLED: &str = include_str!("../../../fixtures/snapshots/stream-elixir-2025-11.json");

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn flags(price: &str) -> MorphoInput {
    MorphoInput {
        lltv: dec("0.915"),
        collateral: dec("1000"),
        collateral_price: dec(price),
        debt: dec("800"),
        loan_decimals: 6,
        collateral_decimals: 18,
    }
}

#[test]
fn morpho_from_flags_healthy() {
    let r = morpho(&flags("1.02")).unwrap();
    // Collateral value floor(1000e18 x 1.02e24 / 1e36) = 1,020e6; x 0.915 = 933.3e6 USDC units.
    assert_eq!(
        (r.collateral_value, r.liquidation_value, r.debt_value),
        (dec("1020"), dec("933.3"), dec("800"))
    );
    // 933.3 / 800 = 1.166625; borrowing power 933.3 - 800 = 133.3.
    assert_eq!(r.health_factor, Some(dec("1.166625")));
    assert_eq!(r.borrowing_power, dec("133.3"));
    // Healthy iff floor(floor(1000e18·x/1e36)·0.915) >= 800e6: floor(x/1e15) >= ceil(800e6 /
    // 0.915) = 874,316,940 (874,316,939.89 rounded up), so x = 0.87431694 USDC per token; the
    // fall 1 - ceil(0.87431694/1.02 in WAD) = 1 - 0.857173470588235295 = 14.2827% (4 places).
    let c = &r.collateral[0];
    assert_eq!(c.liquidation_price, Some(dec("0.87431694")));
    assert_eq!(c.fall_pct, Some(dec("14.2827")));
    assert!(!r.liquidatable && r.liquidations.is_empty());
}

#[test]
fn morpho_from_flags_liquidatable_realises_bad_debt() {
    let r = morpho(&flags("0.8")).unwrap();
    // 1000 x 0.8 = 800; x 0.915 = 732; health 732/800 = 0.915.
    assert_eq!(r.health_factor, Some(dec("0.915")));
    assert!(r.liquidatable);
    let l = &r.liquidations[0];
    // LIF = min(1.15, 1 / (1 - 0.3 x (1 - 0.915))) = wDivDown(1e18, 0.9745e18) =
    // 1.026167265264238070: bonus 2.6167265264238070%.
    assert_eq!(l.bonus, dec("0.02616726526423807"));
    assert_eq!(l.close_factor, Decimal::ONE);
    let o = l.outcome.as_ref().unwrap();
    // Repaying all 800e12 shares would seize 800e6 x LIF / 0.8 = 1,026.17 tokens > 1,000, so the
    // largest liquidation seizes all 1,000: quoted mulDivUp(1000e18, 0.8e24, 1e36) = 800e6,
    // wDivUp(800e6, LIF) = 779,600,001, shares toSharesUp = 779,600,001e6, repaid
    // toAssetsUp = 779,600,001 units; the other 20,399,999 units are bad debt for suppliers.
    assert_eq!(o.collateral_seized, dec("1000"));
    assert_eq!(o.debt_repaid, dec("779.600001"));
    assert_eq!(o.bad_debt, dec("20.399999"));
    assert_eq!(o.bad_debt_bearer, "suppliers");
    // Bonus: 1000 - floor(779,600,001 x 1e36 / 0.8e24) / 1e18 = 1000 - 974.50000125.
    assert_eq!(o.liquidator_bonus, dec("25.49999875"));
    assert_eq!(
        (o.remaining_collateral, o.remaining_debt, o.health_after),
        (dec("0"), dec("0"), None)
    );
}

#[test]
fn morpho_flags_out_of_range_name_the_field() {
    let err = morpho(&MorphoInput { lltv: dec("1.2"), ..flags("1") }).unwrap_err().to_string();
    assert_eq!(err, "lltv: expected a fraction in (0, 1), found 1.2");
    let err = morpho(&flags("-1")).unwrap_err().to_string();
    assert_eq!(err, "collateral_price: expected a figure of zero or more, found -1");
    let err = morpho(&MorphoInput { loan_decimals: 40, ..flags("1") }).unwrap_err().to_string();
    assert_eq!(err, "loan_decimals: expected at most 36, found 40");
}

fn weth_usdc(prices: Vec<(String, Decimal)>) -> AaveInput {
    AaveInput {
        collateral: vec![("WETH".into(), dec("10"))],
        debt: vec![("USDC".into(), dec("20000"))],
        prices,
        e_mode: 0,
        version: AaveVersion::V3_5,
    }
}

#[test]
fn aave_on_the_real_reserves() {
    // Fixture (block 22,840,005): WETH $2,578.461748 (LTV 80.5%, LT 83%, bonus 5%, fee 10%),
    // USDC $0.99993.
    let r = aave(AAVE, &weth_usdc(vec![])).unwrap();
    // v3.5: collateral floor(10e18 x 257,846,174,800 / 1e18) = $25,784.61748; debt
    // ceil(20,000e6 x 99,993,000 / 1e6) = $19,998.60.
    assert_eq!((r.collateral_value, r.debt_value), (dec("25784.61748"), dec("19998.6")));
    // wadDiv(2,578,461,748,000 x 8,300, 1,999,860,000,000) / 1e4 = 1.070136534977448421.
    assert_eq!(r.health_factor, Some(dec("1.070136534977448421")));
    // floor(2,578,461,748,000 x 8,050 / 1e4) - 1,999,860,000,000 = 75,801,707,140: $758.0170714.
    assert_eq!(r.borrowing_power, dec("758.0170714"));
    // Health 1 needs wadDiv(10p x 8,300, D)/1e4 >= 1e18: p = 240,946,987,952 is the least
    // 8-decimal price that passes (by the same formula): $2,409.46987952, a 6.5540% fall.
    let c = &r.collateral[0];
    assert_eq!(c.liquidation_threshold, dec("0.83"));
    assert_eq!(c.liquidation_price, Some(dec("2409.46987952")));
    assert_eq!(c.fall_pct, Some(dec("6.554")));
    assert!(!r.liquidatable);
}

#[test]
fn aave_largest_liquidation_at_a_price_override() {
    let r = aave(AAVE, &weth_usdc(vec![("WETH".into(), dec("2000"))])).unwrap();
    // 20,000 x 0.83 / 19,998.6 = 0.830058104067284709: below 0.95, so the close factor is 100%.
    assert_eq!(r.health_factor, Some(dec("0.830058104067284709")));
    let l = &r.liquidations[0];
    assert_eq!((l.close_factor, l.bonus), (Decimal::ONE, dec("0.05")));
    let o = l.outcome.as_ref().unwrap();
    // Covering all 20,000 USDC needs 9.9993 x 1.05 = 10.499265 WETH > 10: all 10 WETH go, for
    // debt percentDivCeil(floor(2000e8 x 10e18 x 1e6 / (99,993,000 x 1e18)), 105%) =
    // ceil(20,001,400,098 / 1.05) = 19,048,952,475 units. Bonus 10 - percentDiv(10, 105%) =
    // 0.47619047619047619 WETH, of which 10% (0.047619047619047619) to the protocol. With no
    // collateral left, the other 951.047525 USDC become the reserve's deficit.
    assert_eq!(o.collateral_seized, dec("10"));
    assert_eq!(o.debt_repaid, dec("19048.952475"));
    assert_eq!(o.protocol_fee, dec("0.047619047619047619"));
    assert_eq!(o.liquidator_bonus, dec("0.428571428571428571"));
    assert_eq!((o.bad_debt, o.bad_debt_bearer.as_str()), (dec("951.047525"), "protocol_deficit"));
    assert_eq!(o.health_after, None);
}

#[test]
fn aave_bad_inputs_name_the_field() {
    let input = AaveInput { collateral: vec![("NOPE".into(), dec("1"))], ..weth_usdc(vec![]) };
    let err = aave(AAVE, &input).unwrap_err().to_string();
    assert!(err.starts_with("collateral[NOPE]: expected a reserve of the market (WETH, "), "{err}");
    let err = aave(AAVE, &weth_usdc(vec![("WETH".into(), dec("-5"))])).unwrap_err().to_string();
    assert_eq!(err, "price[WETH]: expected a figure of zero or more, found -5");
    let err = aave(AAVE, &AaveInput { e_mode: 99, ..weth_usdc(vec![]) }).unwrap_err().to_string();
    assert!(err.starts_with("e_mode: expected 0 or a category of the market"), "{err}");
}

#[test]
fn a_borrower_of_the_bundled_snapshot() {
    let snapshot = Snapshot::from_json(BUNDLED).unwrap();
    let whale = "0x1597E4B7cF6D2877A1d690b6088668afDb045763".parse().unwrap();
    let r = from_snapshot(&snapshot, "morpho-eth-sdeusd-usdc", whale).unwrap();
    // 8,942,829.315473843775341985 sdeUSD at the 1.0685 exchange-rate oracle against
    // 8,645,928.678102 USDC: the same root as the bands test, 1.056612180229152779.
    assert_eq!(r.debt_value, dec("8645928.678102"));
    assert_eq!(r.collateral[0].liquidation_price, Some(dec("1.056612180229152779")));
    // Value floor(c x 1.0685e24 / 1e36) = 9,555,413.123583 USDC (units); x 0.915 floored =
    // 8,743,203.008078; health 8,743,203.008078 / 8,645,928.678102 = 1.011251 (18 places below).
    assert_eq!(r.liquidation_value, dec("8743203.008078"));
    assert!(r.health_factor.unwrap() > dec("1.0112") && r.health_factor.unwrap() < dec("1.0113"));
    assert!(!r.liquidatable);
    let err = from_snapshot(&snapshot, "no-such-market", whale).unwrap_err().to_string();
    assert!(err.starts_with("market: expected a lending market id of the snapshot ("), "{err}");
    let stranger = "0x00000000000000000000000000000000000000aa".parse().unwrap();
    let err = from_snapshot(&snapshot, "morpho-eth-sdeusd-usdc", stranger).unwrap_err().to_string();
    assert!(err.starts_with("account: expected an account with a position in"), "{err}");
}
