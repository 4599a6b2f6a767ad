//! The fast band curve (`PricedBook::bands`: 128-bit per position, betas reduced by their common
//! factor, roots slotted between grid prices, rayon across positions) against the reference
//! (`HealthKernel::band_curve`: `band_point` in U256 per position, `BandIndex`), value or error,
//! on the real Ethereum Core reserves (48, their eModes and indexes) under every rounding
//! version: random books with dust, zero balances and amounts past 128 bits (the per-position
//! fallback), betas of any size (above 1e18 too), unsorted grids with repeats and prices past
//! 128 bits (the whole-book fallback); and the same curve for 1 and 2 rayon threads.

mod common;

use alloy_primitives::{Address, U256};
use faultline_core::math::wad_ray::WAD;
use faultline_lending::aave::{
    AavePool, AaveVersion, BookEntry, HealthKernel, PositionBook, Reserve, ReserveState,
    load_market,
};
use faultline_test_support::Inputs;
use proptest::prelude::*;
use std::sync::OnceLock;

fn kernels() -> &'static [(HealthKernel, Vec<u8>)] {
    static K: OnceLock<Vec<(HealthKernel, Vec<u8>)>> = OnceLock::new();
    K.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/aave-v3/ethereum-core-block-22840005.json"
        );
        let text = std::fs::read_to_string(path).unwrap();
        [AaveVersion::V3_3, AaveVersion::V3_4, AaveVersion::V3_5]
            .into_iter()
            .map(|v| {
                // A year after the snapshot, so indexes are past their stored values.
                let pool = load_market(&text, v, 1_783_000_000).unwrap().pool;
                let e_modes = pool.e_modes().keys().copied().collect();
                (pool.health_kernel().unwrap(), e_modes)
            })
            .collect()
    })
}

/// An amount: dust, any width up to 128 bits, or a power of ten ± 1 (rounding boundaries).
fn amount() -> impl Strategy<Value = u128> {
    prop_oneof![
        0u128..1_000,
        (0u32..128, any::<u128>()).prop_map(|(bits, v)| v >> (127 - bits)),
        (0u32..38, 0u8..3).prop_map(|(e, d)| (10u128.pow(e) + u128::from(d)).saturating_sub(1)),
    ]
}

fn entry() -> impl Strategy<Value = Holding> {
    (0u16..48, amount(), amount(), any::<bool>())
}

/// A U256 from a kind and a number: small, a multiple of a power of ten, or past 128 bits.
fn wide(kind: u8, k: u64) -> U256 {
    match kind {
        0 => U256::from(k),
        1 => U256::from(k % 1000) * U256::from(10u8).pow(U256::from(k % 30)),
        _ => (U256::from(u128::MAX) + U256::from(1u8)) * U256::from(k % 4) + U256::from(k),
    }
}

/// A holding: reserve id, scaled aToken balance, scaled debt, used as collateral.
type Holding = (u16, u128, u128, bool);

fn book_of(positions: &[(usize, Vec<Holding>)], e_modes: &[u8]) -> PositionBook {
    let mut book = PositionBook::new();
    for (e, entries) in positions {
        let e_mode = e_modes.get(*e).copied().unwrap_or(0);
        let entries: Vec<BookEntry> = entries
            .iter()
            .map(|&(reserve, scaled_a, scaled_debt, collateral)| BookEntry {
                reserve,
                scaled_a,
                scaled_debt,
                collateral,
            })
            .collect();
        book.push(e_mode, &entries).unwrap();
    }
    book
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn fast_band_curve_equals_reference(
        version in 0usize..3,
        positions in prop::collection::vec((0usize..20, prop::collection::vec(entry(), 0..6)), 0..24),
        moves in prop::collection::vec((0u16..48, 0u8..6, 0u32..3000), 0..8),
        betas in prop::collection::vec((0u8..7, 0u64..=1000, any::<u64>()), 0..=48),
        over in (0usize..480, 1u64..4),
        x0 in (0u8..6, any::<u64>()),
        grid in prop_oneof![
            (1usize..60, 0u64..400).prop_map(|(n, lo)| (0, n, lo)),
            (0usize..40, any::<u64>()).prop_map(|(n, seed)| (1, n, seed)),
            Just((2, 0, 0)),
        ],
    ) {
        let (kernel, e_modes) = &kernels()[version];
        let book = book_of(&positions, e_modes);
        let mut shocked = kernel.clone();
        for &(reserve, how, k) in &moves {
            let p = kernel.price(reserve).unwrap();
            let price = match how {
                0 => p * U256::from(k) / U256::from(1000u16),
                1 => U256::ZERO,
                2 => U256::from(1u8),
                3 => U256::from(10u8).pow(U256::from(k % 40)),
                4 => U256::from(u128::MAX) + U256::from(k),
                _ => p,
            };
            shocked.set_price(reserve, price).unwrap();
        }
        // Betas by reserve id (the slice may be shorter than the reserves: the rest read 0):
        // mostly 0 and 1e18, also per-mille steps, odd values (common factor 1) and, rarely,
        // above 1e18 (an error for a position holding that reserve).
        let mut reserve_betas: Vec<U256> = betas
            .iter()
            .map(|&(kind, permille, odd)| match kind {
                0..=2 => WAD,
                3 | 4 => U256::ZERO,
                5 => WAD * U256::from(permille) / U256::from(1000u16),
                _ => U256::from(odd % 1_000_000_000_000_000_000),
            })
            .collect();
        if let Some(b) = reserve_betas.get_mut(over.0) {
            *b = WAD + U256::from(over.1);
        }
        let eth = kernel.price(0).unwrap();
        let x0 = match x0.0 {
            0..=2 => eth,
            3 => U256::ZERO,
            4 => U256::from(x0.1),
            _ => U256::from(u128::MAX) + U256::from(x0.1),
        };
        let grid: Vec<U256> = match grid {
            // An even grid around the reference price, as the benchmark's.
            (0, n, lo) => (0..=n)
                .map(|i| eth * U256::from(lo + 400 * i as u64 / n as u64) / U256::from(200u16))
                .collect(),
            // Every position's own root and its neighbours, where a root rounded the wrong way
            // or slotted on the wrong side of an equal price would show.
            (2, _, _) => (0..book.len())
                .filter_map(|p| shocked.band_point(&book, p, &reserve_betas, x0).ok())
                .flat_map(|point| {
                    let r = point.price;
                    [r.saturating_sub(U256::from(1u8)), r, r.saturating_add(U256::from(1u8))]
                })
                .collect(),
            // Any prices: unsorted, repeated, past 128 bits.
            (_, n, seed) => {
                let mut inputs = Inputs::new(&format!("band_curve.grid.{seed}"));
                (0..n)
                    .map(|_| match inputs.below(4) {
                        0 => eth * U256::from(inputs.below(800)) / U256::from(200u16),
                        1 => U256::from(inputs.below(5)),
                        _ => wide(inputs.below(3) as u8, inputs.below(u64::MAX)),
                    })
                    .collect()
            }
        };
        let prepared = shocked.prepare(&book).unwrap();
        let fast = prepared.at(&shocked, &book).unwrap().bands(&reserve_betas, x0, &grid);
        let reference = shocked.band_curve(&book, &reserve_betas, x0, &grid);
        prop_assert_eq!(fast, reference);
    }
}

/// A book spanning several rayon tasks (8,192 positions each), with positions that take the
/// per-position fallback spread through it: the curve is the reference's on a pool of 1 thread
/// and on a pool of 2, and the two are equal.
#[test]
fn same_curve_on_one_and_two_threads() {
    let (kernel, e_modes) = &kernels()[2];
    let mut inputs = Inputs::new("band_curve.threads");
    let mut book = PositionBook::new();
    for p in 0..20_000u32 {
        let holdings = 1 + inputs.below(5);
        let entries: Vec<BookEntry> = (0..holdings)
            .map(|h| {
                // Every 997th position holds an amount past what 128-bit values allow.
                let amount = if p % 997 == 0 {
                    u128::MAX >> inputs.below(8)
                } else {
                    u128::from(inputs.below(1 << 40)) << inputs.below(40)
                };
                let debt = h > 0 && inputs.below(2) == 0;
                BookEntry {
                    reserve: inputs.below(48) as u16,
                    scaled_a: if debt { 0 } else { amount },
                    scaled_debt: if debt { amount / 2 } else { 0 },
                    collateral: !debt,
                }
            })
            .collect();
        let e_mode = if inputs.below(4) == 0 {
            e_modes.get(inputs.below(e_modes.len() as u64) as usize).copied().unwrap_or(0)
        } else {
            0
        };
        book.push(e_mode, &entries).unwrap();
    }
    let reserve_betas: Vec<U256> =
        (0..48).map(|i| if i % 3 == 0 { WAD } else { U256::ZERO }).collect();
    let eth = kernel.price(0).unwrap();
    let mut grid =
        faultline_lending::bands::grid(eth / U256::from(4u8), eth * U256::from(2u8), 300).unwrap();
    // And every 50th position's own root with its neighbours (a root off by one would show).
    for p in (0..book.len()).step_by(50) {
        let r = kernel.band_point(&book, p, &reserve_betas, eth).unwrap().price;
        grid.extend([r.saturating_sub(U256::from(1u8)), r, r + U256::from(1u8)]);
    }
    let prepared = kernel.prepare(&book).unwrap();
    let priced = prepared.at(kernel, &book).unwrap();
    let on = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| priced.bands(&reserve_betas, eth, &grid))
    };
    let (one, two) = (on(1), on(2));
    let reference = kernel.band_curve(&book, &reserve_betas, eth, &grid);
    assert_eq!(one, reference);
    assert_eq!(two, reference);
    // Not a vacuous curve: some debt is liquidatable at the grid's ends, more at the lowest.
    let bands = reference.unwrap();
    let (lowest, highest) = (bands.debt[0], bands.debt[299]);
    assert!(lowest > highest && highest > U256::ZERO, "{lowest} {highest}");
}

/// Roots that are whole prices, with grid prices on them and one unit either side: a position
/// is liquidatable strictly beyond its root, never at it. Hand calculation, on a pool at its
/// creation (indexes 1 ray, so balances are the scaled amounts) with WETH at $2,000 and USDC at
/// $1 (8-decimal USD), v3.5:
/// - long ETH: 1 WETH collateral (value 2e11, LT 83%) against 830 USDC debt (8.3e10): liquidatable
///   below x0 · 8.3e10 · 1e4 / (2e11 · 8300) = x0 / 2 = 1e11 exactly;
/// - short ETH: 10,000 USDC collateral (1e12, LT 78%) against 1 WETH debt (2e11): liquidatable
///   above x0 · 1e12 · 7800 / (2e11 · 1e4) = 7.8e11 exactly.
#[test]
fn whole_roots_are_not_liquidatable_at_the_root() {
    let (weth, usdc) = (Address::repeat_byte(0xEE), Address::repeat_byte(0xC0));
    let strategy = common::zero_base_strategy();
    let reserve = |asset, id, decimals, lt, price: u64| Reserve {
        config: common::reserve_config(asset, format!("R{id}"), id, decimals, lt - 500, lt),
        strategy,
        state: ReserveState::new(0),
        price: U256::from(price),
    };
    let x0 = 200_000_000_000u64;
    let pool = AavePool::new(
        AaveVersion::V3_5,
        vec![reserve(weth, 0, 18, 8300, x0), reserve(usdc, 1, 6, 7800, 100_000_000)],
        vec![],
        0,
    )
    .unwrap();
    let kernel = pool.health_kernel().unwrap();
    let e18 = 1_000_000_000_000_000_000u128;
    let holding = |reserve, scaled_a, scaled_debt| BookEntry {
        reserve,
        scaled_a,
        scaled_debt,
        collateral: scaled_a != 0,
    };
    let mut book = PositionBook::new();
    book.push(0, &[holding(0, e18, 0), holding(1, 0, 830_000_000)]).unwrap();
    book.push(0, &[holding(1, 10_000_000_000, 0), holding(0, 0, e18)]).unwrap();
    let reserve_betas = kernel.reserve_betas(&[(weth, WAD)]);
    let (below, above) = (100_000_000_000u64, 780_000_000_000u64);
    let grid: Vec<U256> = [below + 1, below, below - 1, above - 1, above, above + 1]
        .into_iter()
        .map(U256::from)
        .collect();
    let x0 = U256::from(x0);
    let prepared = kernel.prepare(&book).unwrap();
    let fast = prepared.at(&kernel, &book).unwrap().bands(&reserve_betas, x0, &grid).unwrap();
    assert_eq!(Ok(&fast), kernel.band_curve(&book, &reserve_betas, x0, &grid).as_ref());
    let debt: Vec<u64> = fast.debt.iter().map(|d| d.to::<u64>()).collect();
    assert_eq!(debt, [0, 0, 83_000_000_000, 0, 0, 200_000_000_000]);
}
