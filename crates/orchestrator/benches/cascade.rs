//! One full cascade over a synthetic ecosystem of 1,000,000 lending positions (20 markets, 5
//! venues, 10 issuers) under ETH -30%, to the fixed point. Issue #7's target: under 2 s on one
//! core. The ecosystem is synthetic (see `support/synthetic.rs`).

#[path = "support/synthetic.rs"]
mod synthetic;

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use synthetic::Size;

fn cascade(c: &mut Criterion) {
    let snapshot = synthetic::snapshot(Size::BENCHMARK);
    let scenario = synthetic::eth_crash(30);
    let mut group = c.benchmark_group("cascade");
    group.sample_size(10);
    group.bench_function("1M positions, ETH -30%", |b| {
        b.iter(|| faultline_orchestrator::run(black_box(&snapshot), black_box(&scenario)))
    });
    group.finish();
}

criterion_group!(benches, cascade);
criterion_main!(benches);
