//! A liquidity black hole end to end (issue 15): the bundled Stream/Elixir scenario with every
//! secondary book cut to 1% of its depth, and a fund dumping 500,000 xUSD an hour in. The xUSD
//! book then holds 1% × 12,000,000 = 120,000 xUSD within 95% of mid (its last level, synthetic
//! depth of the bundled snapshot), so the sale fills 120,000 and leaves 380,000 unsold. The run
//! used to abort with "insufficient liquidity"; it now exits 0 and the report says what was left
//! and why.

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_sale_past_the_book_is_reported_and_the_run_goes_on() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("black-hole");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let name = "stream-elixir-2025-11";
    std::fs::copy(
        root().join(format!("fixtures/snapshots/{name}.json")),
        dir.join("snapshot.json"),
    )
    .unwrap();
    let mut scenario =
        std::fs::read_to_string(root().join(format!("fixtures/scenarios/{name}.toml")))
            .unwrap()
            .replace(&format!("../snapshots/{name}.json"), "snapshot.json");
    for venue in ["xusd-secondary", "deusd-secondary", "sdeusd-secondary"] {
        scenario.push_str(&format!(
            "\n[[shocks]]\nat_secs = 0\ntype = \"liquidity\"\nvenue = \"{venue}\"\nfactor = \"0.01\"\n"
        ));
    }
    scenario.push_str(
        "\n[[shocks]]\nat_secs = 3600\ntype = \"sell\"\nvenue = \"xusd-secondary\"\n\
         amount = \"500000\"\nnote = \"a fund dumps 500,000 xUSD\"\n",
    );
    let path = dir.join("scenario.toml");
    std::fs::write(&path, scenario).unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["stress", path.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let events = report["events"].as_array().unwrap();
    let unsold: Vec<&Value> = events.iter().filter(|e| e["kind"]["type"] == "unsold").collect();
    assert_eq!(unsold.len(), 1, "{unsold:#?}");
    let event = unsold[0];
    assert_eq!(event["entity"], "xusd-secondary");
    assert_eq!(event["kind"]["requested"], "500000");
    assert_eq!(event["kind"]["sold"], "120000");
    assert_eq!(event["kind"]["unsold"], "380000");
    let summary = event["summary"].as_str().unwrap();
    assert!(summary.contains("380000 xUSD"), "{summary}");
    assert!(summary.contains("the scenario's sale is left partly unfilled"), "{summary}");
    // Its causes: the sale (the shock an hour in) and the depth cut that drained the book.
    let causes: Vec<&Value> = event["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &events[c.as_u64().unwrap() as usize])
        .collect();
    assert_eq!(causes.len(), 2, "{causes:#?}");
    assert_eq!(causes[0]["kind"]["note"], "a fund dumps 500,000 xUSD");
    assert_eq!(causes[1]["kind"]["note"], "xusd-secondary depth x0.01");

    // The readable report names it too.
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["stress", path.to_str().unwrap(), "--format", "markdown"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("liquidity black hole"), "{text}");
}
