//! The vault-design check through the orchestrator: the example design parsed and analysed,
//! and TOML errors named by line.

use faultline_orchestrator::loop_check::{check, from_toml};

const EXAMPLE: &str = include_str!("../../../fixtures/vaults/example-loop.toml");

#[test]
fn the_example_design_gives_the_vaults_crates_figures() {
    let report = check(&from_toml(EXAMPLE).unwrap()).unwrap();
    // max safe leverage = 1 / (1 - (1 - 0.05) x 0.86 x (1 - 0.001)) = 1 / (1 - 0.816183)
    // = 5.440193...; the liquidation and insolvency depegs as the vaults crate's design test
    // gives them (12.70% and 24.92%).
    assert_eq!(report.max_safe_leverage.round_dp(4).to_string(), "5.4402");
    assert_eq!(
        (report.liquidation_depeg * rust_decimal::Decimal::ONE_HUNDRED).round_dp(2).to_string(),
        "12.70"
    );
    assert_eq!(
        (report.insolvency_depeg * rust_decimal::Decimal::ONE_HUNDRED).round_dp(2).to_string(),
        "24.92"
    );
    // A hardcoded oracle never liquidates.
    assert!(report.trigger.starts_with("never"), "{}", report.trigger);
    assert_eq!(report.shocks.len(), 4);
    assert_eq!(report.shocks[0].positions.len(), 3);
}

#[test]
fn a_bad_design_names_the_line_or_the_field() {
    let bad = EXAMPLE.replace("lltv = \"0.86\"", "lltv = 0.86");
    let problem = from_toml(&bad).unwrap_err();
    assert_eq!(problem.path, "line 12");
    assert!(problem.message.contains("a float is binary and inexact"), "{}", problem.message);
    let out_of_range = EXAMPLE.replace("lltv = \"0.86\"", "lltv = \"1.5\"");
    let err = check(&from_toml(&out_of_range).unwrap()).unwrap_err().to_string();
    assert!(err.contains("market.lltv"), "{err}");
}
