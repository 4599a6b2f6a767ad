//! Statistical tests against closed forms, on the synthetic one-market ecosystem
//! (tests/support): they fail if the sampler, the cascade's reading or the estimators are off
//! by more than a few Monte Carlo standard errors. Seeds are fixed, so each test is
//! deterministic; the tolerance is 4 standard errors (a correct estimator fails it with
//! probability about 6e-5 per check for a fresh seed).
#![allow(clippy::suboptimal_flops, reason = "closed forms written as in the text")]

mod support;

use faultline_orchestrator::snapshot::OracleKindSpec;
use faultline_risk::{
    NoProgress, Options, RiskModel, Runner, Shard,
    model::AssetModel,
    recommend::{LoopPrices, Measure, loop_frontier},
};
use rust_decimal::Decimal;

fn model(vol: f64, dof: Option<f64>) -> RiskModel {
    RiskModel {
        name: "one lognormal asset".into(),
        description: String::new(),
        calibration: String::new(),
        keep_scenario_shocks: false,
        depeg_pct: Decimal::from(5),
        dof,
        assets: vec![AssetModel { token: "weth".into(), hourly_vol: vol, hourly_drift: 0.0 }],
        correlations: Vec::new(),
        events: Vec::new(),
    }
}

/// One step; a hardcoded oracle (no liquidation ever fires), 1,000 WETH at $3,000 against
/// $2.4M: the market's loss is `max(d - c·S₁, 0)` with `S₁ = S₀·exp(σZ)`, so
/// `P(insolvent) = Φ(ln(d / cS₀) / σ)` and `VaR₉₉ = d - cS₀·exp(σ·z₀.₀₁)`.
#[test]
fn insolvency_probability_and_var_match_the_lognormal_closed_form() {
    let snapshot = support::snapshot(OracleKindSpec::Fixed, 1_000, 2_400_000, 8_600);
    let scenario = support::scenario(1);
    let sigma = 0.15;
    let runner = Runner::new(&snapshot, &scenario, &model(sigma, None)).unwrap();
    let n = 4_000;
    let report =
        runner.run(&Options { paths: n, seed: 7, shard: Shard::WHOLE }, &NoProgress).unwrap();
    let market = report.summary.entities.iter().find(|e| e.entity == "market").unwrap();

    let p_true = support::phi((0.8f64).ln() / sigma);
    let p = market.p_insolvent;
    assert!(
        (p.p - p_true).abs() <= 4.0 * p.se,
        "P(insolvent) {} ± {} vs closed form {p_true}",
        p.p,
        p.se
    );
    assert!(p.low <= p_true && p_true <= p.high + 2.0 * p.se, "{p:?} vs {p_true}");

    // z₀.₀₁ = -2.3263478740408408 (the standard normal's 1% quantile).
    let var_true = 2_400_000.0 - 3_000_000.0 * (sigma * -2.326_347_874_040_840_8).exp();
    let var = market.var99_usd;
    assert!(
        (var.value - var_true).abs() <= 4.0 * var.se + 0.005 * var_true,
        "VaR99 {var:?} vs closed form {var_true}"
    );
    // The mean loss: E[max(d - cS₀e^{σZ}, 0)] = d·Φ(-k) - cS₀·e^{σ²/2}·Φ(-k - σ), with
    // k = ln(cS₀/d)/σ (a put on the collateral struck at the debt).
    let k = (3_000_000.0f64 / 2_400_000.0).ln() / sigma;
    let mean_true = 2_400_000.0 * support::phi(-k)
        - 3_000_000.0 * (sigma * sigma / 2.0).exp() * support::phi(-k - sigma);
    let mean = market.mean_loss_usd;
    assert!((mean.value - mean_true).abs() <= 4.0 * mean.se, "mean {mean:?} vs {mean_true}");
}

/// The loop check's loop with a hardcoded oracle is insolvent when the collateral's worst fall
/// exceeds a threshold that falls as leverage rises; over the same depegs (common random
/// numbers) the probability can only grow with leverage, and the recommended leverage can only
/// fall when the volatility rises or the limit tightens.
#[test]
fn loop_recommendations_are_monotone_where_the_closed_form_says_so() {
    let text = include_str!("../../../fixtures/vaults/example-loop.toml");
    let design = faultline_orchestrator::loop_check::from_toml(text).unwrap();
    let values: Vec<Decimal> = (2..=7).map(Decimal::from).collect();
    let run = |vol: f64, limit: f64| {
        let prices = LoopPrices { hourly_vol: vol, dof: Some(4.0), hours: 96 };
        loop_frontier(&design, prices, &values, Measure::ProbInsolvent, limit, 1_000, 3).unwrap()
    };
    let base = run(0.02, 0.02);
    for pair in base.points.windows(2) {
        assert!(pair[1].measure >= pair[0].measure, "{:?}", base.points);
    }
    assert!(base.points.last().unwrap().measure > base.points[0].measure, "the leverage must bite");
    let calmer = run(0.01, 0.02);
    let looser = run(0.02, 0.10);
    let at = |f: &faultline_risk::recommend::Frontier| f.recommended.unwrap_or(Decimal::ZERO);
    assert!(at(&calmer) >= at(&base), "{} vs {}", at(&calmer), at(&base));
    assert!(at(&looser) >= at(&base), "{} vs {}", at(&looser), at(&base));
    assert!(at(&calmer) > at(&base) || at(&looser) > at(&base), "the search must discriminate");
}
