//! 1,000,000 synthetic positions (three holdings on average) on the real Aave v3 Ethereum Core
//! reserves: health factors at shocked prices, and liquidation bands over a 1,000-point grid.
//! Figures are recorded in the crate's README.

use alloy_primitives::{Address, U256};
use criterion::{Criterion, criterion_group, criterion_main};
use faultline_core::math::wad_ray::WAD;
use faultline_lending::{
    aave::{AaveVersion, BookEntry, HealthKernel, PositionBook, load_market},
    bands::{BandIndex, grid},
};
use faultline_test_support::Inputs;
use std::hint::black_box;

const POSITIONS: usize = 1_000_000;

fn setup() -> (HealthKernel, PositionBook, Vec<(Address, U256)>, U256) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/aave-v3/ethereum-core-block-22840005.json"
    );
    let text = std::fs::read_to_string(path).expect("fixture");
    let pool = load_market(&text, AaveVersion::V3_5, 1_752_000_000).expect("load").pool;
    let kernel = pool.health_kernel().expect("kernel");
    let reserves = pool.reserves();
    let weth = reserves.iter().find(|r| r.config.symbol == "WETH").expect("WETH");
    // The driver is ETH; every reserve whose symbol names ETH moves with it.
    let betas: Vec<(Address, U256)> = reserves
        .iter()
        .filter(|r| r.config.symbol.to_uppercase().contains("ETH"))
        .map(|r| (r.config.asset, WAD))
        .collect();
    let mut inputs = Inputs::new("bench.aave");
    let mut book = PositionBook::new();
    let n = reserves.len() as u64;
    for _ in 0..POSITIONS {
        // 1 to 5 holdings, three on average; the first is collateral, the rest debt or collateral.
        let holdings = 1 + inputs.below(5) as usize;
        let mut entries = Vec::with_capacity(holdings);
        for h in 0..holdings {
            let r = &reserves[inputs.below(n) as usize];
            let whole = 10u128.pow(u32::from(r.config.decimals));
            let price = r.price.to::<u128>().max(1);
            // Up to ~$1M of the asset.
            let amount = (inputs.below(100_000_000) as u128) * whole / price.max(1);
            let debt = h > 0 && inputs.below(2) == 0;
            entries.push(BookEntry {
                reserve: r.config.id,
                scaled_a: if debt { 0 } else { amount },
                scaled_debt: if debt { amount / 2 } else { 0 },
                collateral: !debt,
            });
        }
        book.push(0, &entries).expect("push");
    }
    (kernel, book, betas, weth.price)
}

fn benches(c: &mut Criterion) {
    let (kernel, book, betas, eth) = setup();
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
    let prices = grid(eth / U256::from(4u8), eth * U256::from(2u8), 1000).expect("grid");
    group.bench_function("bands_1000_point_grid", |b| {
        b.iter(|| {
            let reserve_betas = kernel.reserve_betas(&betas);
            let points: Vec<_> = (0..book.len())
                .map(|p| kernel.band_point(&book, p, &reserve_betas, eth).expect("point"))
                .collect();
            let index = BandIndex::new(&points).expect("index");
            black_box(index.bands(&prices).expect("bands"))
        })
    });
    group.finish();
}

criterion_group!(aave, benches);
criterion_main!(aave);
