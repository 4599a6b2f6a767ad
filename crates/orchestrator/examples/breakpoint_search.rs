//! A breakpoint search over one driver on the benchmark's synthetic ecosystem
//! (`benches/support/synthetic.rs`, synthetic data), timed: the 1M search is too long for
//! criterion's ten samples, so its figure in the README comes from one run of this.
//!
//! usage: `cargo run --release -p faultline-orchestrator --example breakpoint_search --
//! [positions] [driver]` (defaults: 1,000,000 positions, `asset:weth`). It prints the engine
//! runs made, the wall-clock and CPU seconds (all threads: the probes run on rayon's pool, so
//! `RAYON_NUM_THREADS` sets the cores used), and the sha256 of the report's JSON, which must be
//! the same on any thread count.

#[path = "../benches/support/synthetic.rs"]
mod synthetic;

#[path = "../benches/support/cpu.rs"]
mod cpu;

use cpu::cpu_secs;
use faultline_orchestrator::breakpoints::{Driver, Options, search};
use sha2::{Digest, Sha256};
use std::io::Write as _;
use std::time::Instant;
use synthetic::Size;

fn main() {
    let mut args = std::env::args().skip(1);
    let positions: usize =
        args.next().map_or(1_000_000, |a| a.parse().expect("positions: a count"));
    let driver = args.next().unwrap_or_else(|| "asset:weth".to_owned());

    let snapshot = synthetic::snapshot(Size { positions, ..Size::BENCHMARK });
    let scenario = synthetic::eth_crash(0);
    let driver = Driver::parse(&driver, &snapshot).expect("the driver names the snapshot");
    let (cpu0, wall0) = (cpu_secs(), Instant::now());
    let report =
        search(&snapshot, &scenario, &driver, &Options::default()).expect("the search runs");
    let (cpu1, wall1) = (cpu_secs(), Instant::now());
    let json = faultline_orchestrator::json::to_json(&report).expect("the report is JSON");
    let hex: String = Sha256::digest(json.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    // An example's output is its result: written to stdout directly.
    writeln!(
        std::io::stdout().lock(),
        "{hex}  breakpoints of {positions} positions: {} runs on {} threads, {:.2} s wall, \
         {:.2} s cpu",
        report.runs,
        rayon::current_num_threads(),
        (wall1 - wall0).as_secs_f64(),
        cpu1 - cpu0,
    )
    .expect("stdout");
}
