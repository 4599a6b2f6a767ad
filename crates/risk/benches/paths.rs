//! Paths per second on the bundled Stream/Elixir scenario (96 hourly steps) under its bundled
//! `[risk]` model: each path is one full cascade over a copy of the prepared world, on all the
//! machine's threads. Goal (issue 18): 300k paths in 30 minutes on 2 cores, >= 170 paths/s.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use faultline_orchestrator::{Scenario, Snapshot};
use faultline_risk::{NoProgress, Options, RiskModel, Runner, Shard};
use std::hint::black_box;

fn paths(c: &mut Criterion) {
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
    let per_iteration = 32;
    let mut group = c.benchmark_group("risk");
    group.sample_size(10).throughput(Throughput::Elements(per_iteration));
    let mut seed = 0;
    group.bench_function("stream-elixir paths", |b| {
        b.iter(|| {
            seed += 1;
            let options = Options { paths: per_iteration, seed, shard: Shard::WHOLE };
            black_box(runner.state(&options, &NoProgress).expect("paths run"))
        });
    });
    group.finish();
}

criterion_group!(benches, paths);
criterion_main!(benches);
