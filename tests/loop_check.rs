//! `faultline loop` end to end: the example design, the output file, bad designs.

use crate::analyses::{fails, faultline, json, scratch, stderr};

const EXAMPLE: &str = "fixtures/vaults/example-loop.toml";

fn example() -> String {
    format!("{}/{EXAMPLE}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_example_design() {
    let report = json(&["loop", &example(), "--format", "json"]);
    // 1 / (1 - 0.95 x 0.86 x 0.999) = 1 / 0.183817 = 5.440193...; depegs 12.70% and 24.92%.
    assert!(report["max_safe_leverage"].as_str().unwrap().starts_with("5.440193"), "{report}");
    assert!(report["trigger"].as_str().unwrap().starts_with("never"));
    assert_eq!(report["breaks"][0]["what"], "insolvency");
}

#[test]
fn loop_out_writes_the_file_whole() {
    let dir = scratch("loop-out");
    let path = dir.join("design.md");
    let out = faultline(&["loop", &example(), "--out", path.to_str().unwrap()]);
    assert!(out.status.success() && out.stdout.is_empty(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("# Vault design: sdeUSD/USDC loop"), "{text}");
}

#[test]
fn bad_designs_name_the_file_and_line_or_field() {
    let err = fails(&["loop", "no/such/design.toml"]);
    assert!(err.contains("cannot read no/such/design.toml"), "{err}");
    let dir = scratch("loop-bad");
    let text = std::fs::read_to_string(example()).unwrap();
    let float = dir.join("float.toml");
    std::fs::write(&float, text.replace("lltv = \"0.86\"", "lltv = 0.86")).unwrap();
    let out = dir.join("never.md");
    let err = fails(&["loop", float.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(err.contains("float.toml: line 12:") && err.contains("binary and inexact"), "{err}");
    assert!(!out.exists());
    let range = dir.join("range.toml");
    std::fs::write(&range, text.replace("lltv = \"0.86\"", "lltv = \"1.5\"")).unwrap();
    let err = fails(&["loop", range.to_str().unwrap()]);
    assert!(err.contains("range.toml: ") && err.contains("market.lltv"), "{err}");
}
