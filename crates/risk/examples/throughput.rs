//! Paths per second on the bundled Stream/Elixir scenario under its bundled `[risk]` model, in
//! a release build without the benchmark harness: `cargo run --release -p faultline-risk
//! --example throughput -- PATHS SEED [OUT.json]`. Prints the rate and the thread count on
//! standard error; with OUT, writes the run's JSON (render it with `faultline risk merge OUT`).

use faultline_orchestrator::{Scenario, Snapshot};
use faultline_risk::{NoProgress, Options, RiskModel, Runner, Shard};
use std::time::Instant;

#[allow(
    clippy::cast_precision_loss,
    reason = "a rate for people, from a path count far below 2^52"
)]
fn rate(paths: u64, secs: f64) -> f64 {
    paths as f64 / secs
}

fn main() {
    let mut args = std::env::args().skip(1);
    let paths: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(256);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let out = args.next();
    let snapshot =
        Snapshot::from_json(include_str!("../../../fixtures/snapshots/stream-elixir-2025-11.json"))
            .expect("the bundled snapshot");
    let scenario =
        Scenario::from_toml(include_str!("../../../fixtures/scenarios/stream-elixir-2025-11.toml"))
            .expect("the bundled scenario");
    let model = RiskModel::from_toml(include_str!(
        "../../../fixtures/scenarios/stream-elixir-2025-11.risk.toml"
    ))
    .expect("the bundled model");
    let runner = Runner::new(&snapshot, &scenario, &model).expect("a valid model");
    let started = Instant::now();
    let report = runner
        .run(&Options { paths, seed, shard: Shard::WHOLE }, &NoProgress)
        .expect("the paths run");
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{paths} paths in {secs:.1} s: {:.1} paths/s on {} threads",
        rate(paths, secs),
        rayon::current_num_threads()
    );
    if let Some(out) = out {
        let text = serde_json::to_string_pretty(&report).expect("JSON");
        std::fs::write(&out, format!("{text}\n")).expect("the output file");
    }
}
