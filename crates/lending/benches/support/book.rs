//! The benchmark's synthetic book (labelled synthetic: random holdings over the real reserves),
//! shared by `benches/aave_health.rs` and `examples/export_bands_book.rs` (which writes it out
//! for the numpy peer), so both see the same 1,000,000 positions. Included by path in both.

use alloy_primitives::{Address, U256};
use faultline_core::math::wad_ray::WAD;
use faultline_lending::{
    aave::{AavePool, AaveVersion, BookEntry, HealthKernel, PositionBook, load_market},
    bands::grid,
};
use faultline_test_support::Inputs;

/// Positions in the benchmark book.
const POSITIONS: usize = 1_000_000;

/// The pool, its kernel, the book, the ETH driver's betas and price, and the 1,000-point grid.
pub(crate) struct BenchBook {
    /// The Ethereum Core pool at the benchmark's time (the exporter reads its reserves).
    #[allow(dead_code, reason = "read by the exporter, not by the benchmark")]
    pub(crate) pool: AavePool,
    /// Its health kernel.
    pub(crate) kernel: HealthKernel,
    /// The synthetic positions.
    pub(crate) book: PositionBook,
    /// Every reserve whose symbol names ETH moves with the driver (beta 1), the rest do not.
    pub(crate) betas: Vec<(Address, U256)>,
    /// The driver's reference price: WETH's.
    pub(crate) eth: U256,
    /// 1,000 prices from a quarter to twice the reference.
    pub(crate) grid: Vec<U256>,
}

/// Builds the book; `each` sees every position's holdings as they are pushed (the exporter
/// records them, the benchmark ignores them).
pub(crate) fn bench_book(mut each: impl FnMut(&[BookEntry])) -> BenchBook {
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
    let mut entries = Vec::with_capacity(5);
    for _ in 0..POSITIONS {
        // 1 to 5 holdings, three on average; the first is collateral, the rest debt or collateral.
        let holdings = 1 + inputs.below(5) as usize;
        entries.clear();
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
        each(&entries);
        book.push(0, &entries).expect("push");
    }
    let eth = weth.price;
    let grid = grid(eth / U256::from(4u8), eth * U256::from(2u8), 1000).expect("grid");
    BenchBook { pool, kernel, book, betas, eth, grid }
}
