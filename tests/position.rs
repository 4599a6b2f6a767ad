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
