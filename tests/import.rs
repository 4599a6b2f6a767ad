//! `faultline import morpho-export` and `faultline backtest` end to end, on the fixture copy of
//! the Morpho export and the replay scenario built from it.

use crate::analyses::{faultline, stderr, stdout};

const EXPORT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/morpho-xusd-deusd");
const REPLAY: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/scenarios/stream-elixir-replay.toml");
const OBSERVED: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/observed/stream-elixir-hourly.csv");

#[test]
fn import_writes_a_valid_snapshot_and_names_each_interpretation() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snapshot.json");
    let run = faultline(&["import", "morpho-export", EXPORT, "--out", out.to_str().unwrap()]);
    assert!(run.status.success(), "{}", stderr(&run));
    let text = std::fs::read_to_string(&out).unwrap();
    let snapshot = faultline_orchestrator::Snapshot::from_json(&text).unwrap();
    assert_eq!(snapshot.lending_markets.len(), 18);
    // A warning names file, line, column and the rule: vaults.csv's own shares against the
    // shares derived from the positions file's assets.
    assert!(
        stderr(&run).contains("warning: vaults.csv line 2 column supply_shares: vault"),
        "{}",
        stderr(&run)
    );
}

#[test]
fn an_unreadable_export_exits_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("markets.csv"), "market_id\n0x01\n").unwrap();
    let run = faultline(&["import", "morpho-export", dir.path().to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("markets.csv"), "{}", stderr(&run));
    assert!(stdout(&run).is_empty(), "no half-written snapshot");
}

/// The replay's backtest against the hourly histories, in CI. The errors are what they are
/// (see the import crate's README); this checks the comparison runs over both markets, that the
/// replayed price path is the observed one (0% on every price), and that errors beyond the
/// tolerance exit 1.
#[test]
fn the_replay_backtests_against_the_hourly_histories() {
    let run = faultline(&["backtest", REPLAY, "--observed", OBSERVED, "--tolerance", "5"]);
    let text = stdout(&run);
    assert!(matches!(run.status.code(), Some(0 | 1)), "{}", stderr(&run));
    for entity in ["morpho-ethereum-0f956344", "morpho-plume-8d009383"] {
        for metric in ["supply", "borrow", "collateral", "utilisation"] {
            assert!(
                text.contains(&format!("| {entity} | {metric} | 410 |")),
                "{entity} {metric}:\n{text}"
            );
        }
    }
    assert!(text.contains("| sdeUSD:ethereum | price | 320 | 0% | 0.00% | 0.00%"), "{text}");
    let outside = text.lines().any(|l| l.ends_with("| NO |"));
    assert_eq!(run.status.code(), Some(if outside { 1 } else { 0 }));
}

/// The same backtest as JSON (each comparison's verdict is its largest error against the
/// tolerance, and the exit code is their conjunction) and as an HTML page with the same rows.
#[test]
fn the_backtest_writes_json_and_an_html_page() {
    let run = faultline(&[
        "backtest",
        REPLAY,
        "--observed",
        OBSERVED,
        "--tolerance",
        "5",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&run)).expect("JSON");
    let comparisons = json["comparisons"].as_array().expect("comparisons");
    assert!(!comparisons.is_empty());
    let mut all_within = true;
    for c in comparisons {
        let largest: f64 = c["max_abs_pct"].as_str().expect("a decimal string").parse().unwrap();
        let within = c["within"].as_bool().expect("within");
        assert_eq!(within, largest <= 5.0, "{c}");
        all_within &= within;
    }
    assert_eq!(json["within"].as_bool(), Some(all_within));
    assert_eq!(run.status.code(), Some(if all_within { 0 } else { 1 }));

    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("backtest.html");
    let run = faultline(&[
        "backtest",
        REPLAY,
        "--observed",
        OBSERVED,
        "--tolerance",
        "5",
        "--format",
        "html",
        "--out",
        page.to_str().unwrap(),
    ]);
    assert!(matches!(run.status.code(), Some(0 | 1)), "{}", stderr(&run));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..80.min(html.len())]);
    assert_eq!(html.matches("<tr>").count(), comparisons.len() + 1, "a header and one row each");
}
