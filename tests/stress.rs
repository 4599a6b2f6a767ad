//! `faultline stress`, `graph` and `schema` end to end: the bundled report, the formats, the
//! output file, and bad inputs that must name the file and the place.

use std::path::PathBuf;
use std::process::{Command, Output};

fn faultline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .output()
        .expect("the faultline binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn stress_without_a_scenario_prints_the_stream_elixir_break_report() {
    let out = faultline(&["stress", "--format", "markdown"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(report.starts_with("# Stream/Elixir, November 2025"), "{report}");
    assert!(
        report.contains(
            "**First break** (the first loss; step 0, t = 0 s, event #2): xusd true NAV -54.73%"
        ),
        "{report}"
    );
    // The chain, down one branch of the contagion tree (each link indented under the one
    // before): write-down -> xUSD -> the Plume loan -> deUSD -> sdeUSD.
    let lines: Vec<&str> = report.lines().collect();
    let depth = |l: &str| l.len() - l.trim_start().len();
    let mut at = lines
        .iter()
        .position(|l| l.starts_with("- #0 Stream discloses"))
        .expect("the write-down at the root of the contagion tree");
    for link in [
        "xUSD -54.74% (true NAV)",
        "Morpho xUSD/USDC 86% (Plume",
        "deUSD -28.03% (true NAV)",
        "sdeusd true NAV",
    ] {
        let next = (at + 1..lines.len())
            .take_while(|&i| lines[i].starts_with("  "))
            .find(|&i| lines[i].contains(link) && depth(lines[i]) > depth(lines[at]))
            .unwrap_or_else(|| panic!("{link} is not under {}", lines[at]));
        at = next;
    }
    assert!(report.contains("not liquidated: its oracle still reports it healthy"), "{report}");
}

#[test]
fn stress_json_carries_its_schema_version_and_the_same_run_twice_is_identical() {
    let first = faultline(&["stress", "--format", "json"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let report: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["steps"], 96);
    assert_eq!(first.stdout, faultline(&["stress", "--format", "json"]).stdout);
}

#[test]
fn stress_out_writes_the_file_and_nothing_to_stdout() {
    let dir = scratch("stress-out");
    let path = dir.join("report.md");
    let out = faultline(&["stress", "--out", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.starts_with("# Stream/Elixir"), "{written}");
    // Only the report: no temporary file left behind.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}

#[test]
fn a_missing_scenario_names_the_file_and_exits_2() {
    let out = faultline(&["stress", "no/such/scenario.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read no/such/scenario.toml"), "{}", stderr(&out));
}

#[test]
fn a_bad_scenario_names_the_file_and_line_and_writes_no_output() {
    let dir = scratch("bad-scenario");
    let scenario = dir.join("bad.toml");
    std::fs::write(
        &scenario,
        "name = \"bad\"\nsnapshot = \"s.json\"\nstep_secs = 60\nhorizon_secs = \"soon\"\n",
    )
    .unwrap();
    let report = dir.join("report.md");
    let out = faultline(&["stress", scenario.to_str().unwrap(), "--out", report.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("bad.toml") && err.contains("line 4"), "{err}");
    assert!(!report.exists());
}

#[test]
fn a_bad_snapshot_lists_every_problem_with_its_json_path() {
    let dir = scratch("bad-snapshot");
    let snapshot = include_str!("../fixtures/snapshots/stream-elixir-2025-11.json")
        .replace("\"oracle\": \"plume-xusd-oracle\"", "\"oracle\": \"missing-oracle\"")
        .replace("\"schema_version\": 1", "\"schema_version\": 7");
    std::fs::write(dir.join("snap.json"), snapshot).unwrap();
    let scenario = include_str!("../fixtures/scenarios/stream-elixir-2025-11.toml")
        .replace("../snapshots/stream-elixir-2025-11.json", "snap.json");
    std::fs::write(dir.join("scenario.toml"), scenario).unwrap();
    let out = faultline(&["stress", dir.join("scenario.toml").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("snap.json: $.schema_version: expected 1, found 7"), "{err}");
    assert!(err.contains("snap.json: $.lending_markets[1].protocol.morpho_blue.oracle"), "{err}");
}

#[test]
fn graph_marks_the_xusd_deusd_cycle() {
    let out = faultline(&["graph", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let graph: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cycles = graph["cycles"].as_array().unwrap();
    assert_eq!(cycles.len(), 1);
    let cycle: Vec<&str> =
        cycles[0].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    // xUSD's backing holds deUSD; deUSD's backing lends to the market taking xUSD as collateral.
    assert_eq!(cycle, ["deUSD", "deusd", "morpho-plume-xusd-private", "xUSD", "xusd"]);
    let mermaid = stdout(&faultline(&["graph"]));
    assert!(mermaid.starts_with("flowchart LR") && mermaid.contains("linkStyle"), "{mermaid}");
    let dot = stdout(&faultline(&["graph", "--format", "dot"]));
    assert!(dot.contains("color=red"), "{dot}");
}

#[test]
fn schema_prints_the_committed_snapshot_schema() {
    let out = faultline(&["schema", "snapshot"]);
    assert!(out.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let committed: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/schema/snapshot.schema.json")).unwrap();
    assert_eq!(printed, committed);
}

#[test]
fn stress_runs_the_ten_ten_aave_scenario() {
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/scenarios/ten-ten-2025.toml");
    let out = faultline(&["stress", scenario, "--format", "markdown"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(report.starts_with("# 10-10-style crash on Aave v3 Ethereum Core"), "{report}");
    assert!(report.contains("| Aave v3 Ethereum Core | lending_market |"), "{report}");
    assert!(
        report.contains(
            "Aave v3 Ethereum Core: 0x00000000000000000000000000000000000E7001 liquidated"
        ),
        "{report}"
    );
}
