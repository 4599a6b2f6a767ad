//! `faultline breakpoints` end to end: the bundled scenario under an xUSD write-down, the formats
//! and output file, a driver that names nothing, a missing scenario.

use rust_decimal::Decimal;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::str::FromStr;

fn faultline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .output()
        .expect("the faultline binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn decimal(value: &serde_json::Value) -> Decimal {
    value.as_str().and_then(|s| Decimal::from_str(s).ok()).unwrap_or_else(|| panic!("{value}"))
}

#[test]
fn breakpoints_of_an_xusd_write_down_on_the_bundled_scenario() {
    // A coarse tolerance keeps the test quick; the library's tests check 1e-4 brackets.
    let out = faultline(&[
        "breakpoints",
        "--driver",
        "issuer:xusd",
        "--tolerance",
        "0.01",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["driver"]["spec"], "issuer:xusd");
    assert_eq!(report["driver"]["unit"], "USD written down");
    assert_eq!(report["keep_shocks"], false);
    let deusd = report["entities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["entity"] == "deusd")
        .expect("a deUSD row");
    // deUSD first loses when the Plume loan is uncovered at market:
    //   s* = 1 − 68,000,000 · 134,429,859 / (67,460,317 · 169,938,800) = 0.202624...
    // (worked through in crates/orchestrator/tests/breakpoints.rs).
    let loss = &deusd["first_loss"];
    let (below, shock) = (decimal(&loss["below"]), decimal(&loss["shock"]));
    let b = Decimal::from_str("0.202624").unwrap();
    assert!(below <= b && b < shock && shock - below <= Decimal::new(1, 2), "{loss}");
    assert_eq!(loss["event"]["kind"], "nav_change");
    // The same run as Markdown and as the default table.
    let md = faultline(&[
        "breakpoints",
        "--driver",
        "issuer:xusd",
        "--tolerance",
        "0.01",
        "--format",
        "markdown",
    ]);
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(md.starts_with("# Breakpoints: issuer:xusd\n"), "{md}");
    assert!(md.contains("| deUSD | issuer | s = 0.2"), "{md}");
    assert!(md.contains("| USDC | token | not reached | not reached |"), "{md}");
}

#[test]
fn breakpoints_out_writes_the_file_and_nothing_to_stdout() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("breakpoints-out");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("breakpoints.md");
    let out = faultline(&[
        "breakpoints",
        "--driver",
        "venue:xusd-secondary",
        "--tolerance",
        "0.05",
        "--grid",
        "4",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.starts_with("# Breakpoints: venue:xusd-secondary"), "{written}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}

#[test]
fn a_driver_that_names_nothing_lists_the_valid_ids_and_exits_2() {
    let out = faultline(&["breakpoints", "--driver", "issuer:usde"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("driver: expected an issuer of the snapshot (one of deusd, sdeusd, xusd), found \"issuer:usde\""),
        "{err}"
    );
    let out = faultline(&["breakpoints", "--driver", "xusd"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("asset:<token id>, issuer:<issuer id>"), "{}", stderr(&out));
}

#[test]
fn breakpoints_of_a_missing_scenario_names_the_file_and_exits_2() {
    let out = faultline(&["breakpoints", "no/such/scenario.toml", "--driver", "asset:xUSD"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read no/such/scenario.toml"), "{}", stderr(&out));
}
