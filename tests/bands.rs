//! `faultline bands` end to end: sdeUSD on the bundled snapshot, the formats, the output file,
//! and bad inputs.

use crate::analyses::{fails, faultline, json, scratch, stderr, stdout};

#[test]
fn sdeusd_bands_as_json() {
    let report = json(&[
        "bands",
        "--asset",
        "sdeUSD",
        "--grid",
        "3",
        "--max-fall",
        "2",
        "--oracle-follows-market",
        "--format",
        "json",
    ]);
    // As in the orchestrator's test: 8,797.440114 USDC liquidatable already; the $8.65M
    // borrower joins between a 1% and a 2% fall (liquidation price 1.056612180229152779).
    let combined = report["combined"].as_array().unwrap();
    assert_eq!(combined[0]["debt_usd"], "8797.440114");
    assert_eq!(combined[1]["debt_usd"], "8797.440114");
    assert_eq!(combined[2]["debt_usd"], "8654726.118216");
    assert_eq!(report["markets"][0]["oracle_kind"], "exchange_rate");
    // As configured, the exchange-rate oracle does not move: no fall adds anyone.
    let report =
        json(&["bands", "--asset", "sdeUSD", "--grid", "3", "--max-fall", "2", "--format", "json"]);
    assert_eq!(report["combined"][2]["debt_usd"], "8797.440114");
}

#[test]
fn bands_markdown_by_default_into_a_pipe_and_out_writes_the_file() {
    let out = faultline(&["bands", "--asset", "sdeUSD"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("# Liquidation bands of sdeUSD"), "{}", stdout(&out));
    let dir = scratch("bands-out");
    let path = dir.join("bands.md");
    let out = faultline(&["bands", "--asset", "sdeUSD", "--out", path.to_str().unwrap()]);
    assert!(out.status.success() && out.stdout.is_empty(), "{}", stderr(&out));
    assert!(std::fs::read_to_string(&path).unwrap().contains("| fall | price | positions |"));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}

#[test]
fn bands_bad_inputs() {
    let err = fails(&["bands", "--asset", "NOPE"]);
    assert!(err.contains("asset: expected a token id of the snapshot (USDC, xUSD"), "{err}");
    let err = fails(&["bands", "--asset", "USDC"]);
    assert!(
        err.contains("a token some lending market takes as collateral (sdeUSD, xUSD)"),
        "{err}"
    );
    let err = fails(&["bands", "--snapshot", "no/such.json", "--asset", "sdeUSD"]);
    assert!(err.contains("cannot read no/such.json"), "{err}");
    let dir = scratch("bands-bad");
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\n  \"schema_version\": 1,\n  \"name\": 7\n}\n").unwrap();
    let err = fails(&["bands", "--snapshot", bad.to_str().unwrap(), "--asset", "sdeUSD"]);
    assert!(
        err.contains("bad.json: $.name: invalid type: integer `7`, expected a string"),
        "{err}"
    );
    let err = fails(&["bands", "--asset", "sdeUSD", "--max-fall", "-5"]);
    assert!(err.contains("--max-fall: expected a percentage from 0 to 100"), "{err}");
    let err = fails(&["bands", "--asset", "sdeUSD", "--grid", "1"]);
    assert!(err.contains("grid: expected between 2 and 10000 levels, found 1"), "{err}");
}

/// WETH on the 10-10 snapshot's Aave v3 pool: every borrower with WETH collateral is solved on
/// the pool's own health factor, so the curve starts with the borrowers liquidatable already and
/// only grows as WETH falls (its push-feed oracle follows the market).
#[test]
fn weth_bands_on_the_ten_ten_aave_pool() {
    let report = json(&[
        "bands",
        "--snapshot",
        "fixtures/snapshots/ten-ten-2025.json",
        "--asset",
        "WETH",
        "--format",
        "json",
    ]);
    let market = &report["markets"][0];
    assert_eq!(market["protocol"], "aave_v3");
    assert_eq!(market["oracle"], "aave-weth-usd");
    assert_eq!(market["lltv"], "0.83");
    let levels = market["levels"].as_array().unwrap();
    let count = |i: usize| levels[i]["positions"].as_u64().unwrap();
    assert!((1..levels.len()).all(|i| count(i) >= count(i - 1)), "{levels:?}");
    // A real curve: a 50% fall puts borrowers in play that no fall does.
    assert!(count(levels.len() - 1) > count(0), "{levels:?}");
    assert!(market["borrowers"].as_u64().unwrap() > 0);
}
