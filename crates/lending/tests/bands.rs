//! Liquidation bands on Aave positions: every solved liquidation price is checked against the
//! pool's real health factor (`calculateUserAccountData`) just beyond it on both sides, the health
//! kernel is checked to equal the pool, and the banded curve is checked against brute force.

mod common;

use alloy_primitives::{Address, U256};
use faultline_core::math::wad_ray::WAD;
use faultline_lending::{
    aave::{
        AavePool, AaveVersion, BookEntry, PositionBook, Reserve, ReserveState, User, UserReserve,
    },
    bands::{BandIndex, Side, grid, liquidation_point},
};
use faultline_test_support::Inputs;

const WETH: Address = Address::repeat_byte(0xEE);
const WSTETH: Address = Address::repeat_byte(0xE5);
const USDC: Address = Address::repeat_byte(0xC0);
const ETH_PRICE: u64 = 200_000_000_000; // $2,000 with 8 decimals

fn pool(version: AaveVersion) -> AavePool {
    let strategy = common::zero_base_strategy();
    let reserve = |asset, id, decimals, lt, price: u64| Reserve {
        config: common::reserve_config(asset, format!("R{id}"), id, decimals, lt - 500, lt),
        strategy,
        state: ReserveState::new(0),
        price: U256::from(price),
    };
    // wstETH at 1.2 ETH.
    let reserves = vec![
        reserve(WETH, 0, 18, 8300, ETH_PRICE),
        reserve(WSTETH, 1, 18, 8100, ETH_PRICE / 10 * 12),
        reserve(USDC, 2, 6, 7800, 100_000_000),
    ];
    AavePool::new(version, reserves, vec![], 0).unwrap()
}

fn random_entries(inputs: &mut Inputs) -> Vec<BookEntry> {
    let e18 = 1_000_000_000_000_000_000u128;
    // Up to three collaterals and up to two debts over the three reserves.
    let weth = inputs.below(1000) as u128 * e18 / 10;
    let wsteth = if inputs.below(2) == 0 { inputs.below(1000) as u128 * e18 / 10 } else { 0 };
    let usdc = if inputs.below(3) == 0 { inputs.below(1_000_000) as u128 * 1_000_000 } else { 0 };
    let coll_value = (weth + wsteth * 12 / 10) / e18 * 2000 + usdc / 1_000_000;
    // Debt up to ~1.2x the liquidation capacity, in USDC or WETH.
    let debt_usd = coll_value * (inputs.below(1200) as u128 + 1) / 1000;
    let (usdc_debt, weth_debt) = if inputs.below(4) == 0 {
        (0, debt_usd * e18 / 2000 / 2)
    } else {
        (debt_usd * 1_000_000, 0)
    };
    vec![
        BookEntry { reserve: 0, scaled_a: weth, scaled_debt: weth_debt, collateral: true },
        BookEntry { reserve: 1, scaled_a: wsteth, scaled_debt: 0, collateral: true },
        BookEntry { reserve: 2, scaled_a: usdc, scaled_debt: usdc_debt, collateral: true },
    ]
}

fn as_user(entries: &[BookEntry]) -> User {
    let mut user = User::default();
    for e in entries {
        user.reserves.insert(
            e.reserve,
            UserReserve {
                scaled_a: U256::from(e.scaled_a),
                scaled_debt: U256::from(e.scaled_debt),
                collateral_enabled: e.collateral,
            },
        );
    }
    user
}

/// The pool's health factor with ETH at `eth` and wstETH moving with it (beta 1, ratio 1.2).
fn hf_at(pool: &mut AavePool, account: Address, eth: U256) -> U256 {
    pool.set_price(WETH, eth).unwrap();
    // wstETH moves with ETH from its reference price (beta 1), floored like the kernel's move.
    pool.set_price(WSTETH, U256::from(ETH_PRICE / 10 * 12) * eth / U256::from(ETH_PRICE)).unwrap();
    pool.account_data(account).unwrap().health_factor
}

#[test]
fn solved_liquidation_prices_hold_against_the_pool_on_300_positions() {
    for version in [AaveVersion::V3_3, AaveVersion::V3_5] {
        let mut inputs = Inputs::new("bands.aave");
        let mut pool = pool(version);
        let betas = [(WETH, WAD), (WSTETH, WAD)];
        let (mut below, mut checked, mut max_gap_ppm) = (0, 0, 0u64);
        for i in 0..300u32 {
            let entries = random_entries(&mut inputs);
            let mut book = PositionBook::new();
            book.push(0, &entries).unwrap();
            let account = Address::left_padding_from(&i.to_be_bytes());
            pool.set_user(account, as_user(&entries)).unwrap();
            // The kernel agrees with the pool.
            let kernel = pool.health_kernel().unwrap();
            assert_eq!(
                kernel.health_factor(&book, 0).unwrap(),
                pool.account_data(account).unwrap().health_factor
            );
            let point = liquidation_point(
                &kernel.band_position(&book, 0, &betas).unwrap(),
                U256::from(ETH_PRICE),
            )
            .unwrap();
            if point.side == Side::Below && point.price > U256::from(1_000_000u32) {
                below += 1;
                // The linear root is within the per-asset rounding (and v3.3's floored average LT,
                // up to 1 bps of threshold) of the exact one; bisection on the exact health factor
                // finds the exact integer price, checked here against the pool itself.
                let moves = [(0u16, WAD), (1u16, WAD)];
                let exact = kernel
                    .exact_liquidation_price(
                        &book,
                        0,
                        &moves,
                        U256::from(ETH_PRICE),
                        point.price,
                        Side::Below,
                    )
                    .unwrap()
                    .unwrap_or_else(|| {
                        panic!("{version:?} position {i}: no crossing near {}", point.price)
                    });
                let gap =
                    if exact > point.price { exact - point.price } else { point.price - exact };
                // Within 1%: v3.3's floored average LT costs up to 1/8000 of health, which a
                // position whose debt also moves with ETH turns into a larger price gap.
                assert!(
                    gap * U256::from(100u16) <= point.price,
                    "{version:?} position {i}: linear root {} vs exact {exact}",
                    point.price
                );
                max_gap_ppm =
                    max_gap_ppm.max((gap * U256::from(1_000_000u32) / point.price).to::<u64>());
                let at = hf_at(&mut pool, account, exact);
                let under = hf_at(&mut pool, account, exact - U256::from(1u8));
                assert!(
                    at >= WAD && under < WAD,
                    "{version:?} position {i}: HF {at} at {exact}, {under} one unit below"
                );
                checked += 1;
                hf_at(&mut pool, account, U256::from(ETH_PRICE));
            }
        }
        eprintln!(
            "{version:?}: {checked} roots checked exactly; linear root within {max_gap_ppm} ppm of the exact price"
        );
        assert!(below >= 150 && checked == below, "{version:?}: only {below} positions had a root");
    }
}

#[test]
fn banded_curve_equals_brute_force() {
    let mut inputs = Inputs::new("bands.curve");
    let pool = pool(AaveVersion::V3_5);
    let kernel = pool.health_kernel().unwrap();
    let mut book = PositionBook::new();
    for _ in 0..500 {
        book.push(0, &random_entries(&mut inputs)).unwrap();
    }
    let betas = [(WETH, WAD), (WSTETH, WAD)];
    let points: Vec<_> = (0..book.len())
        .map(|p| {
            liquidation_point(
                &kernel.band_position(&book, p, &betas).unwrap(),
                U256::from(ETH_PRICE),
            )
            .unwrap()
        })
        .collect();
    let index = BandIndex::new(&points).unwrap();
    let prices = grid(U256::from(50_000_000_000u64), U256::from(400_000_000_000u64), 100).unwrap();
    let bands = index.bands(&prices).unwrap();
    for (k, x) in prices.iter().enumerate() {
        let brute: U256 = points
            .iter()
            .filter(|p| match p.side {
                Side::Below => p.price > *x,
                Side::Above => p.price < *x,
                Side::Always => true,
                Side::Never => false,
            })
            .map(|p| p.debt_value)
            .sum();
        assert_eq!(bands.debt[k], brute, "grid point {k}");
    }
    // Falling prices only add liquidatable debt for long-ETH books.
    assert!(bands.debt.first() >= bands.debt.last());
}

/// The book's allocation-free solve (`band_point`, betas by reserve id) gives the same point as
/// the solve of the built position, for every position; and the index over points whose prices
/// need more than 96 bits (the wide sort) answers as brute force does, as the compact-key sort
/// does for the book's own prices (above).
#[test]
fn band_point_equals_band_position_and_wide_prices_sort() {
    let mut inputs = Inputs::new("bands.point");
    let pool = pool(AaveVersion::V3_5);
    let kernel = pool.health_kernel().unwrap();
    let mut book = PositionBook::new();
    for _ in 0..500 {
        book.push(0, &random_entries(&mut inputs)).unwrap();
    }
    let betas = [(WETH, WAD), (WSTETH, WAD)];
    let reserve_betas = kernel.reserve_betas(&betas);
    let x0 = U256::from(ETH_PRICE);
    let mut wide = Vec::new();
    for p in 0..book.len() {
        let built =
            liquidation_point(&kernel.band_position(&book, p, &betas).unwrap(), x0).unwrap();
        assert_eq!(kernel.band_point(&book, p, &reserve_betas, x0).unwrap(), built, "position {p}");
        // The same points with prices scaled past 96 bits (2^100 times).
        let mut scaled = built;
        scaled.price = built.price << 100;
        wide.push(scaled);
    }
    let index = BandIndex::new(&wide).unwrap();
    for x in grid(U256::from(50_000_000_000u64), U256::from(400_000_000_000u64), 50).unwrap() {
        let x = x << 100;
        let brute: U256 = wide
            .iter()
            .filter(|p| match p.side {
                Side::Below => p.price > x,
                Side::Above => p.price < x,
                Side::Always => true,
                Side::Never => false,
            })
            .map(|p| p.debt_value)
            .sum();
        assert_eq!(index.at(x).unwrap().0, brute, "price {x}");
    }
}
