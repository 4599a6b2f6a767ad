//! `faultline position` end to end: Morpho and Aave from flags, a snapshot borrower, bad inputs.

use crate::analyses::{fails, faultline, json, stderr, stdout};

const MORPHO: [&str; 14] = [
    "position",
    "--protocol",
    "morpho-blue",
    "--lltv",
    "0.915",
    "--collateral",
    "1000",
    "--collateral-price",
    "1.02",
    "--debt",
    "800",
    "--loan-decimals",
    "6",
    "--collateral-decimals",
];

fn morpho(extra: &[&str]) -> Vec<String> {
    MORPHO.iter().chain(["18"].iter()).chain(extra.iter()).map(|s| (*s).to_owned()).collect()
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn morpho_from_flags() {
    let report = json(&args(&morpho(&["--format", "json"])));
    // 1000 x 1.02 x 0.915 / 800 = 1.166625; liquidation at 0.87431694 (see the orchestrator's
    // position test for the floors).
    assert_eq!(report["health_factor"], "1.166625");
    assert_eq!(report["borrowing_power"], "133.3");
    assert_eq!(report["collateral"][0]["liquidation_price"], "0.87431694");
    assert_eq!(report["liquidatable"], false);
}

#[test]
fn aave_from_flags_with_a_price_override() {
    let out = faultline(&[
        "position",
        "--protocol",
        "aave-v3",
        "--collateral",
        "WETH=10",
        "--debt",
        "USDC=20000",
        "--price",
        "WETH=2000",
        "--format",
        "markdown",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    // Hand-worked in the orchestrator's position test: all 10 WETH for 19,048.952475 USDC,
    // 951.047525 USDC left as deficit.
    assert!(
        text.contains("| WETH for USDC | 100.00% | 5.00% | 19048.952475 | 10 | 0.047619047619047619 | 951.047525 (protocol_deficit) | no debt |"),
        "{text}"
    );
}

#[test]
fn a_borrower_of_the_bundled_snapshot() {
    let report = json(&[
        "position",
        "--market",
        "morpho-eth-sdeusd-usdc",
        "--account",
        "0x1597E4B7cF6D2877A1d690b6088668afDb045763",
        "--format",
        "json",
    ]);
    assert_eq!(report["debt_value"], "8645928.678102");
    assert_eq!(report["collateral"][0]["liquidation_price"], "1.056612180229152779");
}

#[test]
fn position_bad_inputs() {
    let err = fails(&args(&morpho(&["--lltv", "1.5"])));
    assert!(err.contains("the argument '--lltv <LLTV>' cannot be used multiple times"), "{err}");
    let mut lltv = morpho(&[]);
    lltv[4] = "1.5".into();
    let err = fails(&args(&lltv));
    assert!(err.contains("lltv: expected a fraction in (0, 1), found 1.5"), "{err}");
    let mut price = morpho(&[]);
    price[8] = "-1".into();
    let err = fails(&args(&price));
    assert!(err.contains("collateral_price: expected a figure of zero or more, found -1"), "{err}");
    let mut word = morpho(&[]);
    word[10] = "lots".into();
    let err = fails(&args(&word));
    assert!(err.contains("--debt: expected a decimal number, found \"lots\""), "{err}");
    let err = fails(&[
        "position",
        "--market",
        "morpho-eth-sdeusd-usdc",
        "--account",
        "0x00000000000000000000000000000000000000aa",
    ]);
    assert!(err.contains("account: expected an account with a position in"), "{err}");
    let err = fails(&[
        "position",
        "--market",
        "nope",
        "--account",
        "0x00000000000000000000000000000000000000aa",
    ]);
    assert!(err.contains("market: expected a lending market id of the snapshot"), "{err}");
    let err = fails(&["position", "--market", "morpho-eth-sdeusd-usdc", "--account", "0x12"]);
    assert!(err.contains("--account: expected a 0x-prefixed 20-byte address"), "{err}");
    let err = fails(&["position", "--protocol", "aave-v3", "--collateral", "DOGE=1"]);
    assert!(err.contains("collateral[DOGE]: expected a reserve of the market"), "{err}");
    let err = fails(&["position"]);
    assert!(err.contains("give --market M --account 0x.."), "{err}");
}

/// An Aave v3 borrower of the 10-10 snapshot: 4,236.82278461 WETH (LT 83%, oracle $2,578.461748)
/// against 5,210,943.291067 USDC (oracle $0.99993). The pool's health factor is
/// 4,236.82278461 · 2,578.461748 · 0.83 / (5,210,943.291067 · 0.99993) ≈ 1.74018, and WETH's
/// liquidation price solves 4,236.82278461 · p · 0.83 = 5,210,943.291067 · 0.99993, so
/// p ≈ 1,481.7248; the bisection on the pool's own health factor must land within a cent.
#[test]
fn an_aave_borrower_of_the_ten_ten_snapshot() {
    let report = json(&[
        "position",
        "--snapshot",
        "fixtures/snapshots/ten-ten-2025.json",
        "--market",
        "aave-v3-core",
        "--account",
        "0x0000000000000000000000000000000000001001",
        "--format",
        "json",
    ]);
    assert_eq!(report["protocol"], "aave_v3");
    assert_eq!(report["collateral"][0]["asset"], "WETH");
    assert_eq!(report["collateral"][0]["amount"], "4236.82278461");
    assert_eq!(report["collateral"][0]["liquidation_threshold"], "0.83");
    assert_eq!(report["debt"][0]["asset"], "USDC");
    assert_eq!(report["debt"][0]["amount"], "5210943.291067");
    assert_eq!(report["liquidatable"], false);
    let price: f64 =
        report["collateral"][0]["liquidation_price"].as_str().unwrap().parse().unwrap();
    assert!((price - 1481.7248).abs() < 0.01, "{price}");
    let hf: f64 = report["health_factor"].as_str().unwrap().parse().unwrap();
    assert!((hf - 1.74018).abs() < 0.0001, "{hf}");
}

/// The hand-built Comet and Euler markets of the orchestrator's `comet_euler` test (synthetic):
/// USDC lent against WETH at $1,900; the borrower owes 1,700 USDC against 1 WETH.
fn hand_built(market: serde_json::Value) -> std::path::PathBuf {
    let synthetic = serde_json::json!({"kind": "synthetic", "reference": "hand-built test market", "confidence": "low"});
    let doc = serde_json::json!({
        "schema_version": 1,
        "name": "hand-built",
        "timestamp": 1_700_000_000u64,
        "tokens": [
            {"id": "USDC", "symbol": "USDC", "decimals": 6, "price_usd": "1", "source": synthetic},
            {"id": "WETH", "symbol": "WETH", "decimals": 18, "price_usd": "1900", "source": synthetic}
        ],
        "oracles": [
            {"id": "usdc-usd", "token": "USDC", "kind": {"type": "market"}, "price": "1", "source": synthetic},
            {"id": "weth-usd", "token": "WETH", "kind": {"type": "market"}, "price": "1900", "source": synthetic}
        ],
        "lending_markets": [market]
    });
    let dir = crate::analyses::scratch("position-hand-built");
    let path = dir.join("snapshot.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    path
}

const BORROWER: &str = "0x000000000000000000000000000000000000b001";

/// Comet: `isLiquidatable` when −1,700 + 1,900 · 0.85 = −85 < 0, so the health factor is
/// 1,615 / 1,700 = 0.95 and the position is absorbed. Liquid again once the 8-decimal feed price
/// `p` gives ⌊p · 0.85⌋ ≥ 1,700: p = $2,000 exactly.
#[test]
fn a_comet_borrower_of_a_snapshot() {
    let weth = serde_json::json!([{"token": "WETH", "amount": "1000000000000000000"}]);
    let path = hand_built(serde_json::json!({
        "id": "comet-usdc",
        "name": "Comet USDC (hand-built)",
        "protocol": {"compound_v3": {
            "base_token": "USDC", "base_oracle": "usdc-usd",
            "store_front_price_factor": "500000000000000000", "target_reserves": "1000000000000",
            "base_supply_index": "1000000000000000", "base_borrow_index": "1000000000000000",
            "total_supply_base": "100000000000", "total_borrow_base": "1700000000",
            "base_balance": "98300000000",
            "assets": [{"token": "WETH", "oracle": "weth-usd",
                "borrow_collateral_factor": "800000000000000000",
                "liquidate_collateral_factor": "850000000000000000",
                "liquidation_factor": "900000000000000000"}],
            "positions": [
                {"account": "0x000000000000000000000000000000000000a001", "supply_principal": "100000000000"},
                {"account": BORROWER, "borrow_principal": "1700000000", "collateral": weth}
            ]
        }},
        "source": {"kind": "synthetic", "reference": "hand-built test market", "confidence": "low"}
    }));
    let report = json(&[
        "position",
        "--snapshot",
        path.to_str().unwrap(),
        "--market",
        "comet-usdc",
        "--account",
        BORROWER,
        "--format",
        "json",
    ]);
    assert_eq!(report["protocol"], "compound_v3");
    assert_eq!(report["debt_value"], "1700");
    assert_eq!(report["liquidation_value"], "1615");
    assert_eq!(report["health_factor"], "0.95");
    assert_eq!(report["liquidatable"], true);
    assert_eq!(report["collateral"][0]["liquidation_price"], "2000");
    // Absorption: the whole debt is taken by the protocol.
    assert_eq!(report["liquidations"][0]["outcome"]["debt_repaid"], "1700");
}

/// Euler: collateral at the liquidation LTV 1,900 · 0.85 = 1,615 does not exceed the 1,700
/// liability, so the vault liquidates (health 0.95). It stops at the least 18-decimal price `p`
/// with ⌊p · 8,500 / 10,000⌋ > 1,700e18 (the test is `collateral <= liability`): p = 2,000e18 + 2
/// wei.
#[test]
fn an_euler_borrower_of_a_snapshot() {
    let weth = serde_json::json!([{"token": "WETH", "amount": "1000000000000000000"}]);
    let path = hand_built(serde_json::json!({
        "id": "euler-usdc",
        "name": "Euler USDC (hand-built)",
        "protocol": {"euler_v2": {
            "asset": "USDC", "asset_oracle": "usdc-usd", "max_liquidation_discount": 1500,
            "cash": "98300000000", "total_shares": "100000000000",
            "collaterals": [{"token": "WETH", "oracle": "weth-usd", "borrow_ltv": 8000, "liquidation_ltv": 8500}],
            "positions": [
                {"account": "0x000000000000000000000000000000000000a001", "shares": "100000000000"},
                {"account": BORROWER, "debt": "1700000000", "collateral": weth}
            ]
        }},
        "source": {"kind": "synthetic", "reference": "hand-built test market", "confidence": "low"}
    }));
    let report = json(&[
        "position",
        "--snapshot",
        path.to_str().unwrap(),
        "--market",
        "euler-usdc",
        "--account",
        BORROWER,
        "--format",
        "json",
    ]);
    assert_eq!(report["protocol"], "euler_v2");
    assert_eq!(report["debt_value"], "1700");
    assert_eq!(report["health_factor"], "0.95");
    assert_eq!(report["liquidatable"], true);
    assert_eq!(report["collateral"][0]["liquidation_price"], "2000.000000000000000002");
}
