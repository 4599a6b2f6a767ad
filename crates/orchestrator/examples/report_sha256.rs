//! The benchmark's synthetic ecosystem (`benches/support/synthetic.rs`, synthetic data) run
//! through the ETH crash, its report written as `faultline stress --format json` writes it, and
//! the report's sha256 printed: the figure the orchestrator's README records for the 1M run, so
//! a speed change can show the report did not move by a byte, on any thread count.
//!
//! usage: `cargo run --release -p faultline-orchestrator --example report_sha256 --
//! [positions] [fall %] [out.json]` (defaults: 1,000,000 positions, 30%, no file written).
//! Run it under `RAYON_NUM_THREADS=1` and `=2` to compare thread counts; it prints the pool's
//! size with the hash. It also prints the time of each phase (wall clock, and the process's CPU
//! time), so it doubles as a target for `perf record`.

#[path = "../benches/support/synthetic.rs"]
mod synthetic;

#[path = "../benches/support/cpu.rs"]
mod cpu;

use cpu::cpu_secs;
use sha2::{Digest, Sha256};
use std::io::Write as _;
use std::time::Instant;
use synthetic::Size;

fn main() {
    let mut args = std::env::args().skip(1);
    let positions: usize =
        args.next().map_or(1_000_000, |a| a.parse().expect("positions: a count"));
    let fall: i64 = args.next().map_or(30, |a| a.parse().expect("fall: a whole percentage"));
    let file = args.next();

    let snapshot = synthetic::snapshot(Size { positions, ..Size::BENCHMARK });
    let scenario = synthetic::eth_crash(fall);
    let (cpu0, wall0) = (cpu_secs(), Instant::now());
    let report = faultline_orchestrator::run(&snapshot, &scenario).expect("the cascade runs");
    let (cpu1, wall1) = (cpu_secs(), Instant::now());
    let json = faultline_orchestrator::json::to_json(&report).expect("the report is JSON");
    let (cpu2, wall2) = (cpu_secs(), Instant::now());
    if let Some(path) = file {
        std::fs::write(&path, &json).expect("the report file is writable");
    }
    let digest = Sha256::digest(json.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    // An example's output is its result: written to stdout directly (the CLI's output module is
    // the binary's, not this crate's).
    let mut out = std::io::stdout().lock();
    writeln!(out, "{hex}  report of {positions} positions, ETH -{fall}%").expect("stdout");
    writeln!(
        out,
        "threads {}, events {}, json {} bytes; run {:.3} s wall {:.3} s cpu; json {:.3} s wall {:.3} s cpu",
        rayon::current_num_threads(),
        report.events.len(),
        json.len(),
        (wall1 - wall0).as_secs_f64(),
        cpu1 - cpu0,
        (wall2 - wall1).as_secs_f64(),
        cpu2 - cpu1,
    )
    .expect("stdout");
}
