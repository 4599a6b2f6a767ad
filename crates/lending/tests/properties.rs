//! Invariants over random inputs (proptest): health never falls when the collateral price rises;
//! a liquidation never raises the borrower's debt nor seizes more than the collateral; shares to
//! assets and back never creates value.

mod common;

use alloy_primitives::{Address, U256};
use faultline_core::math::morpho::{to_assets_down, to_assets_up, to_shares_down, to_shares_up};
use faultline_lending::{
    LendingMarket,
    aave::{AavePool, AaveVersion, Reserve, ReserveState, User, UserReserve},
    morpho::{Irm, MarketParams, MorphoMarket},
};
use proptest::prelude::*;

const E18: u128 = 1_000_000_000_000_000_000;
const BORROWER: Address = Address::repeat_byte(0xB0);
const LIQUIDATOR: Address = Address::repeat_byte(0x11);
const WETH: Address = Address::repeat_byte(0xEE);
const USDC: Address = Address::repeat_byte(0xC0);

/// A market with one borrower at `borrow_fraction`‰ of its borrowing capacity. Amounts are bounded
/// (collateral and price below 2^100) so that every step must succeed.
fn morpho(lltv: u128, collateral: u128, borrow_fraction: u128, price: u128) -> MorphoMarket {
    let params = MarketParams {
        loan_token: Address::repeat_byte(1),
        collateral_token: Address::repeat_byte(2),
        oracle: Address::repeat_byte(3),
        irm: Address::ZERO,
        lltv: U256::from(lltv),
    };
    let mut m = MorphoMarket::create(params, Irm::None, U256::from(price), 0).unwrap();
    m.supply(Address::repeat_byte(0x51), U256::from(1u128 << 100), U256::ZERO).unwrap();
    m.supply_collateral(BORROWER, U256::from(collateral)).unwrap();
    let max = m.max_borrow(BORROWER, U256::from(price)).unwrap();
    // One wei short of the capacity, so share rounding cannot tip the borrow over it.
    let borrow =
        (max * U256::from(borrow_fraction) / U256::from(1000u16)).saturating_sub(U256::from(1u8));
    if !borrow.is_zero() {
        m.borrow(BORROWER, borrow, U256::ZERO).unwrap();
    }
    m
}

fn aave(version: AaveVersion, weth: u128, usdc_debt: u128, weth_price: u128) -> AavePool {
    let strategy = common::zero_base_strategy();
    let reserve = |asset, id, decimals: u8, lt, price: u128| Reserve {
        config: common::reserve_config(asset, format!("R{id}"), id, decimals, lt - 300, lt),
        strategy,
        state: ReserveState { virtual_balance: U256::from(u128::MAX >> 8), ..ReserveState::new(0) },
        price: U256::from(price),
    };
    let reserves =
        vec![reserve(WETH, 0, 18, 8250, weth_price), reserve(USDC, 1, 6, 7800, 100_000_000)];
    let mut pool = AavePool::new(version, reserves, vec![], 0).expect("pool");
    let mut user = User::default();
    user.reserves.insert(
        0,
        UserReserve {
            scaled_a: U256::from(weth),
            scaled_debt: U256::ZERO,
            collateral_enabled: true,
        },
    );
    user.reserves.insert(
        1,
        UserReserve {
            scaled_a: U256::ZERO,
            scaled_debt: U256::from(usdc_debt),
            collateral_enabled: false,
        },
    );
    pool.set_user(BORROWER, user).expect("user");
    pool
}

fn version() -> impl Strategy<Value = AaveVersion> {
    prop_oneof![Just(AaveVersion::V3_3), Just(AaveVersion::V3_4), Just(AaveVersion::V3_5)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn aave_health_factor_is_non_decreasing_in_collateral_price(
        v in version(), weth in 1u128..1_000_000 * E18, debt in 1u128..10_000_000_000_000, p in 1u128..10_000_000_000_000, bump in 0u128..10_000_000_000_000,
    ) {
        let low = aave(v, weth, debt, p).account_data(BORROWER).unwrap().health_factor;
        let high = aave(v, weth, debt, p + bump).account_data(BORROWER).unwrap().health_factor;
        prop_assert!(high >= low, "{v:?}: HF {low} at price {p}, {high} at {}", p + bump);
    }

    #[test]
    fn morpho_health_is_non_decreasing_in_collateral_price(
        lltv in 1u128..E18, collateral in 1u128..(1u128 << 100), fraction in 0u128..=1000, price in 1u128..(1u128 << 100), bump in 0u128..(1u128 << 100),
    ) {
        let mut m = morpho(lltv, collateral, fraction, price);
        let low = m.health(BORROWER).unwrap().health_factor;
        m.set_price(U256::from(price) + U256::from(bump));
        let high = m.health(BORROWER).unwrap().health_factor;
        prop_assert!(high >= low);
    }

    #[test]
    fn aave_liquidation_never_raises_debt_nor_seizes_more_than_collateral(
        v in version(), weth in E18 / 100..1_000 * E18, debt_per_eth in 1_000u128..3_000, price in 100_000_000_000u128..300_000_000_000, cover in 1u128..u128::MAX,
    ) {
        // Debt of `debt_per_eth` USDC per ETH: liquidatable when price · LT < debt.
        let debt = weth / 1_000_000_000_000 * debt_per_eth;
        let mut pool = aave(v, weth, debt, price);
        let before_debt = pool.user(BORROWER).reserves[&1].scaled_debt;
        let before_coll = pool.user(BORROWER).reserves[&0].scaled_a;
        if let Ok(call) = pool.liquidation_call(WETH, USDC, BORROWER, U256::from(cover), LIQUIDATOR) {
            let after = pool.user(BORROWER);
            prop_assert!(after.reserves[&1].scaled_debt <= before_debt);
            prop_assert!(call.actual_collateral_to_liquidate + call.liquidation_protocol_fee <= before_coll);
            prop_assert!(call.actual_debt_to_liquidate <= U256::from(cover));
        }
    }

    #[test]
    fn morpho_liquidation_never_raises_debt_nor_seizes_more_than_collateral(
        lltv in E18 / 100..E18, collateral in 1u128..(1u128 << 100), fraction in 900u128..=1000, price in 1u128..(1u128 << 100), drop in 1u128..1000, per_mille in 1u128..=1000, by_shares in any::<bool>(),
    ) {
        let mut m = morpho(lltv, collateral, fraction, price);
        m.set_price(U256::from(price) * U256::from(drop) / U256::from(1000u16));
        let before = m.position(BORROWER);
        // A share of the position (at least one unit): its collateral or its borrow shares.
        let part = |x: U256| (x * U256::from(per_mille) / U256::from(1000u16)).max(U256::from(1u8));
        let (seized, shares) = if by_shares { (U256::ZERO, part(before.borrow_shares)) } else { (part(before.collateral), U256::ZERO) };
        if let Ok(out) = m.liquidate(BORROWER, seized, shares) {
            let after = m.position(BORROWER);
            prop_assert!(after.borrow_shares <= before.borrow_shares);
            prop_assert!(out.seized_assets <= before.collateral);
            prop_assert_eq!(after.collateral, before.collateral - out.seized_assets);
        }
    }

    #[test]
    fn morpho_shares_round_trip_never_creates_value(
        assets in 0u128..(1u128 << 120), total_assets in 0u128..(1u128 << 120), total_shares in 0u128..(1u128 << 120),
    ) {
        let (a, ta, ts) = (U256::from(assets), U256::from(total_assets), U256::from(total_shares));
        // Deposit (shares down) then redeem (assets down): never more than put in.
        let shares = to_shares_down(a, ta, ts).unwrap();
        prop_assert!(to_assets_down(shares, ta, ts).unwrap() <= a);
        // Borrow (shares up) then value the debt (assets up): never less than taken.
        let owed = to_shares_up(a, ta, ts).unwrap();
        prop_assert!(to_assets_up(owed, ta, ts).unwrap() >= a);
    }
}

mod fast_health {
    //! The fast health kernel (`PreparedBook`, 128-bit with a 256-bit fallback) against the
    //! reference `HealthKernel::health_factor`, on the real Ethereum Core reserves (48, with their
    //! eModes and indexes) under every rounding version: random books and prices, including
    //! amounts and prices that overflow 128 bits (the fallback), zero prices, and values sitting
    //! exactly on a rounding boundary (`balance · price` a multiple of the unit, or one off).
    use super::*;
    use faultline_lending::aave::{BookEntry, HealthKernel, PositionBook, load_market};
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

    /// An amount: small, any width up to 128 bits, or a power of ten ± 1 (rounding boundaries).
    fn amount() -> impl Strategy<Value = u128> {
        prop_oneof![
            0u128..1_000,
            (0u32..128, any::<u128>()).prop_map(|(bits, v)| v >> (127 - bits)),
            (0u32..38, 0u8..3).prop_map(|(e, d)| (10u128.pow(e) + u128::from(d)).saturating_sub(1)),
        ]
    }

    /// A price change: keep, scale by a permille, zero, one, a power of ten, or beyond 128 bits.
    fn price_move() -> impl Strategy<Value = (u16, u8, u32)> {
        (0u16..48, 0u8..6, 0u32..3000)
    }

    fn entry() -> impl Strategy<Value = (u16, u128, u128, bool)> {
        (0u16..48, amount(), amount(), any::<bool>())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn fast_health_equals_reference(
            version in 0usize..3,
            positions in prop::collection::vec((0usize..20, prop::collection::vec(entry(), 1..6)), 1..24),
            moves in prop::collection::vec(price_move(), 0..12),
        ) {
            let (kernel, e_modes) = &kernels()[version];
            let mut book = PositionBook::new();
            for (e, entries) in &positions {
                // eMode 0 most of the time, else one of the pool's.
                let e_mode = if *e < e_modes.len() { e_modes[*e] } else { 0 };
                let entries: Vec<BookEntry> = entries
                    .iter()
                    .map(|&(reserve, a, d, collateral)| BookEntry {
                        reserve,
                        scaled_a: a,
                        scaled_debt: d,
                        collateral,
                    })
                    .collect();
                book.push(e_mode, &entries).unwrap();
            }
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
            let prepared = shocked.prepare(&book).unwrap();
            let priced = prepared.at(&shocked, &book).unwrap();
            for p in 0..book.len() {
                prop_assert_eq!(priced.health_factor(p), shocked.health_factor(&book, p), "position {}", p);
            }
            // The same prepared book serves the unshocked prices (same indexes).
            let base = prepared.at(kernel, &book).unwrap();
            for p in 0..book.len() {
                prop_assert_eq!(base.health_factor(p), kernel.health_factor(&book, p));
            }
        }
    }
}

mod vault_round_trips {
    //! ERC-4626 round trips on the two vaults added behind the queues and the EVK accounting:
    //! depositing then redeeming every share minted never returns more than was deposited
    //! (MetaMorpho: deposit floors the shares, redeem floors the assets; Euler: toSharesDown then
    //! toAssetsDown), whatever the vault's share price.
    use super::*;
    use faultline_lending::{
        euler::EulerVault,
        metamorpho::{MetaMorphoVault, VaultVersion},
    };

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn metamorpho_deposit_then_redeem_never_gains(
            first in 1u128..1u128 << 90,
            gain in 0u128..1u128 << 90,
            deposit in 1u128..1u128 << 90,
        ) {
            let params = MarketParams {
                loan_token: Address::repeat_byte(1),
                collateral_token: Address::repeat_byte(2),
                oracle: Address::repeat_byte(3),
                irm: Address::ZERO,
                lltv: U256::from(8 * E18 / 10),
            };
            let market = MorphoMarket::create(params, Irm::None, U256::from(E18), 0).unwrap();
            let vault_address = Address::repeat_byte(0x7A);
            let mut vault = MetaMorphoVault::new(VaultVersion::V1_1, vault_address, 6, U256::ZERO).unwrap();
            vault.enable_market(market, U256::from(u128::MAX)).unwrap();
            vault.deposit(Address::repeat_byte(0xA1), U256::from(first)).unwrap();
            // Another supplier's donation-free gain: the vault's shares are worth more when the
            // market's supply assets grow without new shares (as interest does).
            let m = &mut vault.withdraw_queue[0];
            let mut state = *m.state();
            state.total_supply_assets += U256::from(gain);
            let positions = [(vault_address, m.position(vault_address))].into_iter().collect();
            *m = MorphoMarket::from_state(*m.params(), state, positions, Irm::None, U256::from(E18), 0).unwrap();
            let bob = Address::repeat_byte(0xB1);
            let shares = match vault.deposit(bob, U256::from(deposit)) {
                Ok(s) => s,
                Err(_) => return Ok(()),
            };
            let back = vault.redeem(bob, shares).unwrap();
            prop_assert!(back <= U256::from(deposit), "{} > {}", back, deposit);
        }

        #[test]
        fn euler_deposit_then_withdraw_never_gains(
            first in 1u128..1u128 << 100,
            deposit in 1u128..1u128 << 100,
            cash_gain in 0u128..1u128 << 100,
        ) {
            let mut v = EulerVault::new(None, vec![], 0, 0);
            v.deposit(Address::repeat_byte(0xA1), U256::from(first)).unwrap();
            // Cash arriving without shares (as repaid interest does) raises the share price.
            v.cash += U256::from(cash_gain);
            let bob = Address::repeat_byte(0xB1);
            let Ok(shares) = v.deposit(bob, U256::from(deposit)) else { return Ok(()) };
            let assets = v.convert_to_assets(shares).unwrap();
            prop_assert!(assets <= U256::from(deposit));
        }
    }
}
