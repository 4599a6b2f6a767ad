//! The `[risk]` model's parsing and checks: bad input names its line or path, what was
//! expected and what was found.
#![allow(clippy::suboptimal_flops, reason = "closed forms written as in the text")]

mod support;

use faultline_orchestrator::snapshot::OracleKindSpec;
use faultline_risk::RiskModel;

#[test]
fn the_bundled_models_parse_and_fit_their_scenarios() {
    let text = include_str!("../../../fixtures/scenarios/stream-elixir-2025-11.risk.toml");
    let model = RiskModel::from_toml(text).unwrap();
    let scenario = faultline_orchestrator::Scenario::from_toml(include_str!(
        "../../../fixtures/scenarios/stream-elixir-2025-11.toml"
    ))
    .unwrap();
    let snapshot = faultline_orchestrator::Snapshot::from_json(include_str!(
        "../../../fixtures/snapshots/stream-elixir-2025-11.json"
    ))
    .unwrap();
    assert_eq!(model.check(&snapshot, &scenario), vec![]);
    assert_eq!(model.events.len(), 5);
    // It round-trips through its own TOML.
    assert_eq!(RiskModel::from_toml(&model.to_toml()).unwrap(), model);
}

#[test]
fn an_unknown_key_names_its_line() {
    let text =
        "[risk]\nname = \"x\"\n\n[[risk.assets]]\ntoken = \"weth\"\nhourly_vol = 0.01\nvol = 2\n";
    let p = RiskModel::from_toml(text).unwrap_err();
    assert_eq!(p.path, "line 7");
    assert!(p.message.contains("unknown field `vol`"), "{}", p.message);
}

#[test]
fn every_problem_is_listed_with_its_path() {
    let text = r#"
[risk]
name = "bad"
dof = 1.5
[[risk.assets]]
token = "nope"
hourly_vol = -1
[[risk.events]]
name = "a"
probability = 1.5
given = "later"
type = "oracle_frozen"
oracle = "missing"
"#;
    let model = RiskModel::from_toml(text).unwrap();
    let snapshot = support::snapshot(OracleKindSpec::Market, 1, 1, 8_600);
    let problems = model.check(&snapshot, &support::scenario(2));
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "risk.dof",
            "risk.assets[0].token",
            "risk.assets[0].hourly_vol",
            "risk.events[0].probability",
            "risk.events[0].given",
            "risk.events[0].oracle",
        ]
    );
    assert!(problems[1].message.contains("found \"nope\""), "{}", problems[1].message);
}

#[test]
fn the_committed_json_schema_is_the_generated_one() {
    let committed = include_str!("../../../fixtures/schema/risk.schema.json");
    let committed: serde_json::Value = serde_json::from_str(committed).unwrap();
    assert_eq!(committed, faultline_risk::risk_schema(), "regenerate with `faultline schema risk`");
}

/// An event with probability p fires on about p·n of n paths (within 4 standard errors), and an
/// event `given` it fires only with it, at its time.
#[test]
fn events_fire_with_their_probabilities() {
    use faultline_orchestrator::scenario::ShockKind;
    use faultline_risk::model::{EventKind, EventModel, Severity};
    let snapshot = support::snapshot(OracleKindSpec::Market, 1, 1, 8_600);
    let scenario = support::scenario(24);
    let event = |name: &str, p: f64, given: Option<&str>| EventModel {
        name: name.into(),
        probability: p,
        given: given.map(Into::into),
        at_secs: None,
        duration_secs: None,
        kind: EventKind::DepthWithdrawn {
            venue: "weth-book".into(),
            fraction: Severity::Uniform { min: 0.1, max: 0.5 },
        },
    };
    let mut model = RiskModel::from_toml("[risk]\nname = \"events\"\n").unwrap();
    model.events = vec![event("first", 0.05, None), event("second", 0.5, Some("first"))];
    assert_eq!(model.check(&snapshot, &scenario), vec![]);
    let sampler = faultline_risk::sample::Sampler::new(&model, &snapshot, &scenario).unwrap();
    let n = 4_000u32;
    let (mut first, mut both) = (0u32, 0u32);
    for path in 0..n {
        let shocks: Vec<_> = sampler
            .scenario(1, u64::from(path))
            .shocks
            .into_iter()
            .filter(|s| matches!(s.kind, ShockKind::Liquidity { .. }))
            .collect();
        match shocks.as_slice() {
            [] => {}
            [_] => first += 1,
            [a, b] => {
                assert_eq!(a.at_secs, b.at_secs);
                first += 1;
                both += 1;
            }
            _ => panic!("at most two"),
        }
    }
    let se = (0.05f64 * 0.95 / f64::from(n)).sqrt();
    let p = f64::from(first) / f64::from(n);
    assert!((p - 0.05).abs() <= 4.0 * se, "{p}");
    let half = f64::from(both) / f64::from(first);
    assert!((half - 0.5).abs() <= 4.0 * (0.25 / f64::from(first)).sqrt(), "{half}");
}
