//! `faultline risk`, `risk merge`, `recommend` and `calibrate` end to end: shards merged equal
//! the unsharded run byte for byte, bad input names the file or option, the calibration writes a
//! model that parses, and a loop's frontier prints its recommendation.

use std::process::{Command, Output};

fn faultline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .output()
        .expect("the faultline binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const SCENARIO: &str = "fixtures/scenarios/stream-elixir-2025-11.toml";

#[test]
fn risk_shards_merged_equal_the_unsharded_run_byte_for_byte() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("risk-shards");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let base = ["risk", SCENARIO, "--paths", "5", "--seed", "3", "--format", "json"];
    let whole = faultline(&base);
    assert!(whole.status.success(), "{}", stderr(&whole));
    let mut files = Vec::new();
    for shard in ["2/2", "1/2"] {
        let file = dir.join(format!("shard-{}.json", &shard[..1]));
        let mut args = base.to_vec();
        args.extend(["--shard", shard, "--out", file.to_str().unwrap()]);
        let out = faultline(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        files.push(file);
    }
    let mut args = vec!["risk", "merge", "--format", "json"];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    let merged = faultline(&args);
    assert!(merged.status.success(), "{}", stderr(&merged));
    assert_eq!(String::from_utf8_lossy(&merged.stdout), String::from_utf8_lossy(&whole.stdout));
    let report: serde_json::Value = serde_json::from_slice(&whole.stdout).unwrap();
    assert_eq!(report["range"], serde_json::json!([0, 5]));
    assert_eq!(report["summary"]["paths"], 5);
}

#[test]
fn risk_bad_input_names_the_option_or_file() {
    let out = faultline(&["risk", SCENARIO, "--paths", "4", "--shard", "3/2"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--shard: expected K/M with 1 <= K <= M"), "{}", stderr(&out));
    let out = faultline(&["risk", "fixtures/scenarios/ten-ten-2025.toml", "--model", "nope.toml"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("nope.toml"), "{}", stderr(&out));
}

#[test]
fn calibrate_writes_a_model_that_parses_with_its_window() {
    let out = faultline(&[
        "calibrate",
        "fixtures/prices/stream-elixir-hourly.csv",
        "--from",
        "2025-09-23",
        "--to",
        "2025-11-02",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let model = faultline_risk::RiskModel::from_toml(&text).unwrap();
    assert_eq!(model.assets.len(), 3);
    assert!(model.calibration.contains("window 2025-09-23 to 2025-11-02"), "{}", model.calibration);
    // The committed model's price part is this fit.
    let committed = faultline_risk::RiskModel::from_toml(include_str!(
        "../fixtures/scenarios/stream-elixir-2025-11.risk.toml"
    ))
    .unwrap();
    assert_eq!(committed.assets, model.assets);
    assert_eq!(committed.correlations, model.correlations);
    assert_eq!(committed.dof, model.dof);
    let out = faultline(&[
        "calibrate",
        "fixtures/prices/stream-elixir-hourly.csv",
        "--from",
        "2025-9-x",
        "--to",
        "2025-11-02",
    ]);
    assert!(stderr(&out).contains("--from: expected a date YYYY-MM-DD"), "{}", stderr(&out));
}

#[test]
fn recommend_prints_a_loop_leverage_frontier_and_its_recommendation() {
    let out = faultline(&[
        "recommend",
        "--loop",
        "fixtures/vaults/example-loop.toml",
        "--param",
        "leverage",
        "--values",
        "2,4,6",
        "--hourly-vol",
        "0.02",
        "--dof",
        "4",
        "--measure",
        "p-insolvent",
        "--limit",
        "0.05",
        "--paths",
        "300",
        "--format",
        "markdown",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("| target leverage | P(insolvent) |"), "{text}");
    assert!(
        text.contains("Recommended target leverage") || text.contains("No candidate"),
        "{text}"
    );
}
