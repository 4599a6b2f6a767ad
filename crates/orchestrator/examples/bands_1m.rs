//! `faultline bands --asset weth --grid 1000 --max-fall 50` in process on the benchmark's
//! synthetic ecosystem (`benches/support/synthetic.rs`, synthetic data): the time of each run
//! (wall clock and the process's CPU time) and the sha256 of the report's JSON, so a speed change
//! can show the report did not move by a byte, on any thread count. With a path it also writes
//! the snapshot as JSON, for timing the CLI on the same book (`faultline bands --snapshot`).
//!
//! usage: `cargo run --release -p faultline-orchestrator --example bands_1m -- [positions]
//! [runs] [snapshot.json]` (defaults: 1,000,000 positions, 5 runs, no file written).

#[path = "../benches/support/synthetic.rs"]
#[allow(dead_code, reason = "the shared generator also builds scenarios this example does not run")]
mod synthetic;

use faultline_orchestrator::bands::{BandsOptions, OracleMode, bands};
use sha2::{Digest, Sha256};
use std::io::Write as _;
use std::time::Instant;
use synthetic::Size;

fn main() {
    let mut args = std::env::args().skip(1);
    let positions: usize =
        args.next().map_or(1_000_000, |a| a.parse().expect("positions: a count"));
    let runs: usize = args.next().map_or(5, |a| a.parse().expect("runs: a count"));
    let file = args.next();

    let snapshot = synthetic::snapshot(Size { positions, ..Size::BENCHMARK });
    let mut out = std::io::stdout().lock();
    if let Some(path) = file {
        let json = faultline_orchestrator::json::to_json(&snapshot).expect("the snapshot is JSON");
        std::fs::write(&path, &json).expect("the snapshot file is writable");
        writeln!(out, "wrote {path} ({} bytes)", json.len()).expect("stdout");
    }
    let options =
        BandsOptions { levels: 1_000, max_fall_bps: 5_000, oracle: OracleMode::AsConfigured };
    for run in 0..runs.max(1) {
        let (cpu0, wall0) = (cpu_secs(), Instant::now());
        let report = bands(&snapshot, "weth", &options).expect("bands");
        let (cpu1, wall1) = (cpu_secs(), Instant::now());
        let json = faultline_orchestrator::json::to_json(&report).expect("the report is JSON");
        let (cpu2, wall2) = (cpu_secs(), Instant::now());
        let digest = Sha256::digest(json.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        writeln!(
            out,
            "run {run}: bands {:.4} s wall {:.2} s cpu; json {:.4} s wall {:.2} s cpu, {} bytes, \
             threads {}; sha256 {hex}",
            (wall1 - wall0).as_secs_f64(),
            cpu1 - cpu0,
            (wall2 - wall1).as_secs_f64(),
            cpu2 - cpu1,
            json.len(),
            rayon::current_num_threads(),
        )
        .expect("stdout");
    }
}

/// The process's CPU time (user + system) in seconds, from `/proc/self/stat` (Linux; 0
/// elsewhere), in clock ticks of 10 ms.
fn cpu_secs() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}
