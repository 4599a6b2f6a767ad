//! `faultline adl` end to end: the 2025-10-10 ADL on the bundled drawn populations, in every
//! format, against the published per-coin figures of github ConejoCapital/HyperMultiAssetedADL
//! (fixtures/hyperliquid/adl-2025-10-10-by-coin.csv, adl-2025-10-10-net-volume.csv).

use crate::analyses::{fails, faultline, json, scratch, stderr, stdout};
use rust_decimal::Decimal;
use serde_json::Value;

fn dec(value: &Value) -> Decimal {
    value.as_str().unwrap_or_else(|| panic!("a decimal string, found {value}")).parse().unwrap()
}

fn coin<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["coins"].as_array().unwrap().iter().find(|c| c["coin"] == name).unwrap()
}

#[test]
fn the_profile_of_the_deleveraged_against_the_published() {
    let report = json(&["adl", "--format", "json"]);
    assert_eq!(report["policy"], "HyperliquidRank");
    let coins: Vec<&str> =
        report["coins"].as_array().unwrap().iter().map(|c| c["coin"].as_str().unwrap()).collect();
    assert_eq!(coins, ["BTC", "ETH", "SOL", "HYPE"]);
    // Scale: $13.8B open interest / $2,103,111,430.859329 ADL'd = 6.56171...
    assert_eq!(dec(&report["scale"]).round_dp(5), "6.56171".parse().unwrap());
    let btc = coin(&report, "BTC");
    // Published (by-coin file, BTC row): 2,081 users, 2,443 fills, $620,890,947.73 ADL'd,
    // $72,834,224.13 closed PnL.
    assert_eq!(btc["published"]["users"], 2081);
    assert_eq!(btc["published"]["events"], 2443);
    assert_eq!(dec(&btc["published"]["closed_pnl_usd"]), "72834224.130543".parse().unwrap());
    // The population: 2,081 * 6.56171 = 13,654.9 -> 13,655 accounts.
    assert_eq!(btc["population"]["accounts"], 13_655);
    for c in report["coins"].as_array().unwrap() {
        let (model, published) = (&c["deleveraged"], &c["published"]);
        // ADL closes the file's size at net notional / net volume: the file's notional.
        let gap = (dec(&model["notional_usd"]) - dec(&published["notional_usd"])).abs();
        assert!(gap < "0.000001".parse().unwrap(), "{}: {gap}", c["coin"]);
        assert_eq!(dec(&c["unfilled"]), Decimal::ZERO);
        let accounts = model["accounts"].as_u64().unwrap();
        assert!(accounts > 0 && accounts < c["population"]["accounts"].as_u64().unwrap());
        let share = dec(&model["profitable_share"]);
        assert!(share >= Decimal::ZERO && share <= Decimal::ONE);
        let lev = &model["leverage"];
        assert!(dec(&lev["q1"]) <= dec(&lev["median"]) && dec(&lev["median"]) <= dec(&lev["q3"]));
    }
    // Global targets, each with its source in the report.
    assert_eq!(dec(&report["published_median_leverage"]).round_dp(3), "0.196".parse().unwrap());
    let sources = report["sources"].to_string();
    for cited in ["HyperMultiAssetedADL", "panewslab", "bitget", "HyperAnalyzeADL"] {
        assert!(sources.contains(cited), "{cited} is not cited");
    }
    assert_eq!(report["assumptions"].as_array().unwrap().len(), 4);
}

/// Pro-rata shrinks every account of the other side, so every drawn account is touched.
#[test]
fn another_policy_closes_other_accounts() {
    let report = json(&["adl", "--policy", "pro-rata", "--format", "json"]);
    assert_eq!(report["policy"], "ProRata");
    for c in report["coins"].as_array().unwrap() {
        assert_eq!(c["deleveraged"]["accounts"], c["population"]["accounts"], "{}", c["coin"]);
    }
}

#[test]
fn every_format_carries_the_tables_and_the_sources() {
    let run = faultline(&["adl", "--format", "markdown"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let md = stdout(&run);
    assert!(md.starts_with("# Hyperliquid ADL of 2025-10-10 on drawn populations"));
    for line in ["## Who ADL closed: profit and leverage", "| BTC |", "| HYPE |", "## Sources"] {
        assert!(md.contains(line), "{line} is not in the Markdown");
    }
    let run = faultline(&["adl", "--format", "table"]);
    assert!(run.status.success() && stdout(&run).contains("users (published)"));
    let run = faultline(&["adl", "--format", "html"]);
    let page = stdout(&run);
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("<h2>Sources</h2>"));
}

#[test]
fn a_coin_missing_from_the_files_is_named() {
    let dir = scratch("adl-params");
    let root = env!("CARGO_MANIFEST_DIR");
    for name in ["adl-2025-10-10-by-coin.csv", "adl-2025-10-10-net-volume.csv"] {
        std::fs::copy(format!("{root}/fixtures/hyperliquid/{name}"), dir.join(name)).unwrap();
    }
    let params = std::fs::read_to_string(format!(
        "{root}/fixtures/hyperliquid/adl-2025-10-10-populations.json"
    ))
    .unwrap()
    .replace("\"coin\": \"HYPE\"", "\"coin\": \"NOPE\"");
    let path = dir.join("params.json");
    std::fs::write(&path, params).unwrap();
    let err = fails(&["adl", path.to_str().unwrap()]);
    assert!(
        err.contains("adl-2025-10-10-by-coin.csv: expected a row for every coin of the parameters, found NOPE"),
        "{err}"
    );
}
