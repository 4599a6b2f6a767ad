//! One full cascade over a synthetic ecosystem of 1,000,000 lending positions (20 markets, 5
//! venues, 10 issuers) under ETH -30%, to the fixed point (issue #7's target: under 2 s on one
//! core), and a breakpoint search over one driver (WETH's price) on the same layout at 20,000 and
//! 100,000 positions (each probe is a full run over a copy of one prebuilt world: 143 and 110
//! probes; the figure scales with the cascade's). The ecosystem is synthetic (see
//! `support/synthetic.rs`). Also `faultline bands` on the 1M ecosystem (WETH, 1,000 levels).

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

fn breakpoints(c: &mut Criterion) {
    use faultline_orchestrator::breakpoints::{Driver, Options, search};
    let mut group = c.benchmark_group("breakpoints");
    group.sample_size(10);
    // 100k is the largest size whose ten samples fit a benchmark run; the search's cost grows
    // linearly with the positions (the same probes, each a cascade linear in the book), so the
    // 1M figure is about ten times the 100k one (the README says how it was measured directly).
    for (positions, label) in [(20_000, "20k"), (100_000, "100k")] {
        let snapshot = synthetic::snapshot(Size { positions, ..Size::BENCHMARK });
        let scenario = synthetic::eth_crash(0);
        let driver = Driver::parse("asset:weth", &snapshot).expect("weth is in the snapshot");
        group.bench_function(format!("{label} positions, driver asset:weth"), |b| {
            b.iter(|| search(&snapshot, &scenario, &driver, &Options::default()))
        });
    }
    group.finish();
}

/// `faultline bands --asset weth --grid 1000 --max-fall 50` in process on the 1M ecosystem (the
/// numpy peer `morpho_bands_peer.py` does the same work; `just bench-peers` runs both).
fn bands(c: &mut Criterion) {
    use faultline_orchestrator::bands::{BandsOptions, OracleMode, bands};
    let snapshot = synthetic::snapshot(Size::BENCHMARK);
    let options =
        BandsOptions { levels: 1_000, max_fall_bps: 5_000, oracle: OracleMode::AsConfigured };
    let mut group = c.benchmark_group("bands");
    group.sample_size(10);
    group.bench_function("1M positions, weth, 1000 levels", |b| {
        b.iter(|| bands(black_box(&snapshot), "weth", &options).expect("bands"))
    });
    group.finish();
}

criterion_group!(benches, cascade, breakpoints, bands);
criterion_main!(benches);
