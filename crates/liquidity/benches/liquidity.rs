//! Benchmarks: depth-curve quotes per second, and a 1,000-step liquidation sale sequence through a
//! Uniswap v3 pool with 100 initialised ticks. Figures are recorded in the crate README.

use alloy_primitives::{I256, U256};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use faultline_liquidity::{
    Pair, Side, Venue,
    depth::{DepthLevel, DepthSide, DepthVenue, ImpactModel},
    uniswap_v3::{
        Pool,
        tick_math::{MIN_SQRT_RATIO, get_sqrt_ratio_at_tick},
    },
};
use rust_decimal::Decimal;
use std::hint::black_box;

fn book() -> DepthVenue {
    let side = || {
        DepthSide::new(
            [(1, 100), (2, 300), (5, 1_000), (10, 2_500), (20, 6_000)]
                .map(|(pct, qty)| DepthLevel {
                    band: Decimal::new(pct, 2),
                    quantity: Decimal::from(qty),
                })
                .to_vec(),
        )
        .expect("valid depth")
    };
    DepthVenue::new(
        "cex",
        Pair::new(18, 6).expect("pair"),
        Decimal::from(2000),
        ImpactModel::Depth { bids: side(), asks: side() },
    )
    .expect("venue")
}

/// A 0.3% pool at price 1 with 50 positions, each one spacing wider than the last on both sides:
/// 100 initialised ticks.
fn pool_with_100_ticks() -> Pool {
    let mut pool = Pool::new(3000, 60, get_sqrt_ratio_at_tick(0).expect("tick")).expect("pool");
    for k in 1..=50 {
        pool.mint(-60 * k, 60 * k, 10u128.pow(21)).expect("mint");
    }
    assert_eq!(pool.ticks().count(), 100);
    pool
}

fn depth_quotes(c: &mut Criterion) {
    let venue = book();
    let sizes: Vec<U256> = (1..=1_000u64)
        .map(|i| U256::from(i) * U256::from(5u64) * U256::from(10u64).pow(U256::from(18u8)))
        .collect();
    let mut group = c.benchmark_group("depth_curve");
    group.throughput(Throughput::Elements(sizes.len() as u64));
    group.bench_function("quote_sell_1000_sizes", |b| {
        b.iter(|| {
            for size in &sizes {
                black_box(venue.quote(Side::Sell, black_box(*size)).expect("quote"));
            }
        });
    });
    let human: Vec<Decimal> = (1..=1_000i64).map(|i| Decimal::from(i * 5)).collect();
    group.bench_function("quote_human_1000_sizes", |b| {
        b.iter(|| {
            for size in &human {
                black_box(venue.quote_human(Side::Sell, black_box(*size)).expect("quote"));
            }
        });
    });
    group.finish();
}

fn v3_liquidation_sequence(c: &mut Criterion) {
    let pool = pool_with_100_ticks();
    // 1,000 sales of 3 token0 each: 3,000 in all, about 80% of the token0 the pool holds below
    // the start, which walks the price down through many of the initialised ticks.
    let step = I256::try_from(3u64 * 10u64.pow(18)).expect("amount");
    let limit = MIN_SQRT_RATIO + U256::from(1u8);
    let mut check = pool.clone();
    for _ in 0..1_000 {
        check.swap(true, step, limit).expect("swap");
    }
    let crossed = pool.ticks().filter(|(t, _)| *t <= 0 && *t > check.tick()).count();
    assert!(crossed >= 20, "the sequence crosses only {crossed} initialised ticks");
    eprintln!(
        "v3 liquidation sequence: {crossed} initialised ticks crossed, final tick {}",
        check.tick()
    );
    let mut group = c.benchmark_group("uniswap_v3");
    group.throughput(Throughput::Elements(1_000));
    group.bench_function("liquidation_1000_sales_100_ticks", |b| {
        b.iter_batched(
            || pool.clone(),
            |mut pool| {
                for _ in 0..1_000 {
                    black_box(pool.swap(true, step, limit).expect("swap"));
                }
                pool
            },
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

criterion_group!(benches, depth_quotes, v3_liquidation_sequence);
criterion_main!(benches);
