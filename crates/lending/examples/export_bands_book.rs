//! Writes the `bands_1000_point_grid` benchmark's book (the same 1,000,000 synthetic positions,
//! built by `benches/support/book.rs`) as the raw little-endian arrays the numpy peer reads
//! (`../shared/peers/bands_peer.py`, see its README): `start.u32`, `rid.u16`, `sa.f64`, `sd.f64`,
//! `coll.u8` and `meta.json` (reserves, driver price, grid, and faultline's curve as
//! `rust_debt` / `rust_collateral` for the peer's outcome check).
//!
//! With `--cpu REPS` it also times faultline's side in CPU seconds (user + system of the process,
//! all threads, from `/proc/self/stat`), the figure to set beside the peer's thread CPU time on a
//! shared machine where wall-clock medians move with the load: preparing the balances once, then
//! the bands (`PricedBook::bands`, as timed by the `bands_1000_point_grid` benchmark) `REPS`
//! times. An existing export in DIR is kept (the book is the same).
//!
//! usage: `cargo run --release -p faultline-lending --example export_bands_book -- DIR [--cpu REPS]`

#[path = "../benches/support/book.rs"]
mod book;

use alloy_primitives::U256;
use serde_json::json;
use std::{fs, io::Write, path::Path};

/// A U256 as the nearest f64 (for the float peer only; exact figures stay in faultline).
fn float(v: U256) -> f64 {
    v.to_string().parse().unwrap_or(f64::NAN)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::io::BufWriter::new(fs::File::create(dir.join(name))?);
    f.write_all(bytes)?;
    f.flush()
}

/// CPU seconds of this process so far (user + system, all threads), in clock ticks of 1/100 s.
fn cpu_secs() -> f64 {
    let Ok(stat) = fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // Fields after the command name (parenthesised, may hold spaces): utime and stime are the
    // 12th and 13th of them.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args.first().ok_or("usage: export_bands_book DIR [--cpu REPS]")?;
    let reps: Option<u32> = match args.get(1).map(String::as_str) {
        Some("--cpu") => Some(args.get(2).ok_or("--cpu needs a count")?.parse()?),
        Some(other) => return Err(format!("unknown argument {other}").into()),
        None => None,
    };
    let dir = Path::new(dir);
    fs::create_dir_all(dir)?;
    let (mut start, mut rid, mut sa, mut sd, mut coll) =
        (vec![0u32], Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let b = book::bench_book(|entries| {
        for e in entries {
            rid.extend_from_slice(&e.reserve.to_le_bytes());
            // The peer works in float64: the nearest f64 of each scaled balance.
            sa.extend_from_slice(&float(U256::from(e.scaled_a)).to_le_bytes());
            sd.extend_from_slice(&float(U256::from(e.scaled_debt)).to_le_bytes());
            coll.push(u8::from(e.collateral));
        }
        let end = start.last().copied().unwrap_or(0) + entries.len() as u32;
        start.push(end);
    });
    let reserve_betas = b.kernel.reserve_betas(&b.betas);
    let mut out = std::io::stdout().lock();
    if let Some(reps) = reps {
        let cpu0 = cpu_secs();
        let prepared = b.kernel.prepare(&b.book)?;
        let cpu1 = cpu_secs();
        for _ in 0..reps {
            let priced = prepared.at(&b.kernel, &b.book)?;
            std::hint::black_box(priced.bands(&reserve_betas, b.eth, &b.grid)?);
        }
        let cpu2 = cpu_secs();
        // Once, the reference path (U256 per position, sort) on the same book: its cost, and
        // the two curves compared bit for bit.
        let fast = prepared.at(&b.kernel, &b.book)?.bands(&reserve_betas, b.eth, &b.grid)?;
        let cpu3 = cpu_secs();
        let reference = b.kernel.band_curve(&b.book, &reserve_betas, b.eth, &b.grid)?;
        let cpu4 = cpu_secs();
        writeln!(
            out,
            "faultline bands: {:.4} s cpu per run ({reps} runs, {} threads); prepare once {:.3} s cpu; \
             reference path {:.3} s cpu, curve {}",
            (cpu2 - cpu1) / f64::from(reps.max(1)),
            rayon::current_num_threads(),
            cpu1 - cpu0,
            cpu4 - cpu3,
            if fast == reference { "identical" } else { "DIFFERENT" }
        )?;
        if dir.join("meta.json").exists() {
            return Ok(());
        }
    }
    let start: Vec<u8> = start.iter().flat_map(|s| s.to_le_bytes()).collect();
    write(dir, "start.u32", &start)?;
    write(dir, "rid.u16", &rid)?;
    write(dir, "sa.f64", &sa)?;
    write(dir, "sd.f64", &sd)?;
    write(dir, "coll.u8", &coll)?;
    let mut reserves = Vec::new();
    for r in b.pool.reserves() {
        let id = r.config.id;
        let (liquidity_index, borrow_index) = b.kernel.indexes(id).ok_or("reserve id")?;
        reserves.push(json!({
            "id": id,
            "symbol": r.config.symbol,
            "liquidity_index": float(liquidity_index),
            "borrow_index": float(borrow_index),
            "price": float(r.price),
            "decimals": r.config.decimals,
            "lt": r.config.liquidation_threshold,
            "beta": float(reserve_betas.get(usize::from(id)).copied().unwrap_or_default()) / 1e18,
        }));
    }
    // faultline's curve on this book (the fast path; equal to the reference bit for bit).
    let prepared = b.kernel.prepare(&b.book)?;
    let bands = prepared.at(&b.kernel, &b.book)?.bands(&reserve_betas, b.eth, &b.grid)?;
    let meta = json!({
        "synthetic": "faultline-lending benches/support/book.rs: 1,000,000 random positions over the real Ethereum Core reserves",
        "reserves": reserves,
        "eth": float(b.eth),
        "grid": b.grid.iter().map(|x| float(*x)).collect::<Vec<_>>(),
        "rust_debt": bands.debt.iter().map(|x| float(*x)).collect::<Vec<_>>(),
        "rust_collateral": bands.collateral.iter().map(|x| float(*x)).collect::<Vec<_>>(),
    });
    write(dir, "meta.json", serde_json::to_string(&meta)?.as_bytes())?;
    // An example's output is its result: written to stdout directly.
    writeln!(
        out,
        "wrote {} positions, {} holdings, {} grid prices to {}",
        b.book.len(),
        b.book.entries(),
        b.grid.len(),
        dir.display()
    )?;
    Ok(())
}
