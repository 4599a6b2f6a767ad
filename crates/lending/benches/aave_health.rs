//! 1,000,000 synthetic positions (three holdings on average) on the real Aave v3 Ethereum Core
//! reserves: health factors at shocked prices, and liquidation bands over a 1,000-point grid.
//! Figures are recorded in the crate's README.

#[path = "support/book.rs"]
mod book;

use alloy_primitives::U256;
use criterion::{Criterion, criterion_group, criterion_main};
use faultline_core::math::wad_ray::WAD;
use std::hint::black_box;

fn benches(c: &mut Criterion) {
    let book::BenchBook { kernel, book, betas, eth, grid: prices, .. } = book::bench_book(|_| {});
    let mut group = c.benchmark_group("aave_1m_positions");
    group.sample_size(10);
    // Every price 20% lower: the health of each position at new prices.
    let mut shocked = kernel.clone();
    for id in 0..u16::try_from(kernel.len()).expect("reserves") {
        let p = kernel.price(id).unwrap_or_default();
        shocked.set_price(id, p * U256::from(8u8) / U256::from(10u8)).expect("price");
    }
    group.bench_function("health_at_new_prices", |b| {
        b.iter(|| {
            let mut liquidatable = 0usize;
            for p in 0..book.len() {
                if shocked.health_factor(&book, p).expect("hf") < WAD {
                    liquidatable += 1;
                }
            }
            black_box(liquidatable)
        })
    });
    // The fast kernel: balances computed once for the book (prices do not move them), then each
    // price set evaluated in 128 bits with a 256-bit fallback; bit-identical to the above
    // (tests/properties.rs `fast_health_equals_reference`).
    let prepared = shocked.prepare(&book).expect("prepare");
    group.bench_function("health_at_new_prices_fast", |b| {
        b.iter(|| {
            let priced = prepared.at(&shocked, &book).expect("same indexes");
            black_box(priced.count_liquidatable().expect("hf"))
        })
    });
    group.bench_function("prepare_balances_once", |b| {
        b.iter(|| black_box(shocked.prepare(&book).expect("prepare")))
    });
    // Bands for a new price driver on a loaded book: the prepared balances (per index state, timed
    // above as `prepare_balances_once`) serve every driver and price set; what a new driver costs
    // is its betas, the prices in 128 bits, and one pass over the positions (rayon, both cores).
    // Bit-identical to the reference below (tests/band_curve.rs).
    // (`prepared` came from the shocked kernel: same indexes, so it serves the unshocked prices.)
    group.bench_function("bands_1000_point_grid", |b| {
        b.iter(|| {
            let reserve_betas = kernel.reserve_betas(&betas);
            let priced = prepared.at(&kernel, &book).expect("same indexes");
            black_box(priced.bands(&reserve_betas, eth, &prices).expect("bands"))
        })
    });
    // The reference: every position solved in U256 by `band_point`, sorted, read at each price.
    group.bench_function("reference_path_bands_grid", |b| {
        b.iter(|| {
            let reserve_betas = kernel.reserve_betas(&betas);
            black_box(kernel.band_curve(&book, &reserve_betas, eth, &prices).expect("bands"))
        })
    });
    group.finish();
}

criterion_group!(aave, benches);
criterion_main!(aave);
