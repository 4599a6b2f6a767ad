//! The two bundled reports (Stream/Elixir, the default, and the 10-10-style crash in
//! fixtures/scenarios/ten-ten-2025.toml), pinned whole (insta) as JSON and as Markdown, so that
//! any change to what the engine finds, or to how it is told, shows up as a reviewed diff.
//!
//! What was checked by hand before these snapshots were accepted: the first break is xUSD's true
//! NAV after the $93M write-down (tests/stress.rs and the orchestrator's stream_elixir tests
//! check the figures); the Plume loan is a missed liquidation for its hardcoded oracle; deUSD
//! and sdeUSD follow; the sdeUSD/USDC market ends 100% utilised with lender funds frozen.

use std::process::Command;

fn stress(format: &str) -> String {
    stress_scenario(None, format)
}

fn stress_scenario(scenario: Option<&str>, format: &str) -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut args = vec!["stress".to_owned()];
    args.extend(scenario.map(|s| format!("{root}/{s}")));
    args.extend(["--format".to_owned(), format.to_owned()]);
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(&args)
        .output()
        .expect("the faultline binary runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[test]
fn the_bundled_stream_elixir_report_as_json() {
    let report: serde_json::Value = serde_json::from_str(&stress("json")).unwrap();
    insta::assert_json_snapshot!("stream_elixir_report_json", report);
}

#[test]
fn the_bundled_stream_elixir_report_as_markdown() {
    insta::assert_snapshot!("stream_elixir_report_markdown", stress("markdown"));
}

/// Read before accepting: Aave v3 Core liquidations follow the ETH and BTC falls; USDe borrowers
/// are liquidated while one venue's oracle pins USDe at $0.65, leaving pool deficits; misses are
/// feeds lagging the market inside their deviation threshold. Positions are synthetic.
const TEN_TEN: &str = "fixtures/scenarios/ten-ten-2025.toml";

#[test]
fn the_ten_ten_report_as_json() {
    let report: serde_json::Value =
        serde_json::from_str(&stress_scenario(Some(TEN_TEN), "json")).unwrap();
    insta::assert_json_snapshot!("ten_ten_report_json", report);
}

#[test]
fn the_ten_ten_report_as_markdown() {
    insta::assert_snapshot!("ten_ten_report_markdown", stress_scenario(Some(TEN_TEN), "markdown"));
}
