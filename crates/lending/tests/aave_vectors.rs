//! Aave v3 vectors: aave-v3-origin's own tests (named per test) and hand calculations (written out
//! in the comments).

mod common;

use alloy_primitives::{Address, U256};
use faultline_lending::{
    Error, LendingMarket, Protocol,
    aave::{
        AavePool, AaveVersion, RateInputs, RateStrategy, Reserve, ReserveState, User, UserReserve,
        compounded_interest, linear_interest, reason,
    },
};

const E18: u128 = 1_000_000_000_000_000_000;
const RAY: u128 = 1_000_000_000_000_000_000_000_000_000;
const YEAR: u64 = 365 * 24 * 3600;
const WETH: Address = Address::repeat_byte(0xEE);
const USDC: Address = Address::repeat_byte(0xC0);
const BORROWER: Address = Address::repeat_byte(0xB0);
const LIQUIDATOR: Address = Address::repeat_byte(0x11);

fn u(v: u128) -> U256 {
    U256::from(v)
}

/// aave-v3-origin tests/protocol/libraries/math/MathUtils.t.sol: `test_calculateLinearInterest`
/// (8% over 7 years = 1.56e27), `test_calculateCompoundInterest_shouldNotOverflow` (1000e27 over
/// 10,000 years, exact), `test_calculateCompoundInterest_edge` (no time, 1e27), and
/// `test_calculateCompoundInterest_1` (within 0.3% of e^0.56 = 1.750672500296101082549976435e27).
#[test]
fn math_utils_t_sol() {
    assert_eq!(
        linear_interest(u(8 * RAY / 100), U256::from(7 * YEAR)).unwrap(),
        u(156 * RAY / 100)
    );
    assert_eq!(
        compounded_interest(AaveVersion::V3_5, u(1000 * RAY), U256::from(10_000 * YEAR)).unwrap(),
        U256::from_str_radix("166666716666676666667666666666666600000000000000", 10).unwrap()
    );
    for version in [AaveVersion::V3_3, AaveVersion::V3_4, AaveVersion::V3_5] {
        assert_eq!(compounded_interest(version, u(8 * RAY / 100), U256::ZERO).unwrap(), u(RAY));
        let ideal = U256::from_str_radix("1750672500296101082549976435", 10).unwrap();
        let got = compounded_interest(version, u(8 * RAY / 100), U256::from(7 * YEAR)).unwrap();
        let gap = if got > ideal { got - ideal } else { ideal - got };
        assert!(gap * u(1000) <= ideal * u(3), "{version:?}: {got} vs {ideal}");
    }
}

fn strategy() -> RateStrategy {
    // RateStrategy.calculateRates.t.sol setRateParams: optimal 80%, base 1%, slope1 4%, slope2
    // 60% (bps, times 1e23 in RAY).
    RateStrategy {
        optimal_usage_ratio: u(80 * RAY / 100),
        base_variable_borrow_rate: u(RAY / 100),
        variable_rate_slope1: u(4 * RAY / 100),
        variable_rate_slope2: u(60 * RAY / 100),
    }
}

fn rates(unbacked: U256, debt: U256, virtual_balance: U256, reserve_factor: u64) -> (U256, U256) {
    strategy()
        .calculate_interest_rates(&RateInputs {
            unbacked,
            liquidity_added: U256::ZERO,
            liquidity_taken: U256::ZERO,
            total_debt: debt,
            reserve_factor: U256::from(reserve_factor),
            virtual_underlying_balance: virtual_balance,
        })
        .unwrap()
}

/// aave-v3-origin tests/misc/rates/RateStrategy.calculateRates.t.sol: the expected values are the
/// test's own expressions (`(base + slope1).percentMul(8000).percentMul(1e4 - RF)` etc.) evaluated
/// by hand with RF = 10%: 5% borrow at 80% usage; 65% at 100%; 50% supply usage with 0.6e18
/// unbacked; `base + slope1 · 0.008/0.8` at 80 bps usage.
#[test]
fn rate_strategy_calculate_rates_t_sol() {
    let e = |v: u128| u(v);
    // test_calculate_rates_80_percent_usage: 5% borrow; 5% · 0.8 · 0.9 = 3.6% supply.
    assert_eq!(
        rates(U256::ZERO, e(8 * E18 / 10), e(2 * E18 / 10), 1000),
        (u(36 * RAY / 1000), u(5 * RAY / 100))
    );
    // test_calculate_rates_100_percent_usage: 1 + 4 + 60 = 65%; supply 65% · 0.9 = 58.5%.
    assert_eq!(
        rates(U256::ZERO, e(E18), U256::ZERO, 1000),
        (u(585 * RAY / 1000), u(65 * RAY / 100))
    );
    // test_calculate_rates_80_percent_usage_and_50_percent_supply_usage_due_minted_tokens:
    // supply usage 0.8/1.6 = 50%: 5% · 0.5 · 0.9 = 2.25%.
    assert_eq!(
        rates(e(6 * E18 / 10), e(8 * E18 / 10), e(2 * E18 / 10), 1000),
        (u(225 * RAY / 10_000), u(5 * RAY / 100))
    );
    // test_calculate_rates_80_bps_usage: 80 / (80 + 9920) = 0.8%; 1% + 4% · 0.008/0.8 = 1.04%;
    // supply 1.04% · 0.008 · 0.9 = 0.007488%.
    let (supply, borrow) = rates(U256::ZERO, e(80 * E18), e(9920 * E18), 1000);
    assert_eq!(borrow, u(104 * RAY / 10_000));
    assert_eq!(supply, u(7488 * RAY / 100_000_000));
    // test_calculate_rates_empty_reserve: no debt: (0, base).
    assert_eq!(rates(U256::ZERO, U256::ZERO, U256::ZERO, 1000), (U256::ZERO, u(RAY / 100)));
}

fn reserve(
    asset: Address,
    symbol: &str,
    id: u16,
    decimals: u8,
    ltv: u16,
    lt: u16,
    price: u128,
) -> Reserve {
    Reserve {
        config: common::reserve_config(asset, symbol.into(), id, decimals, ltv, lt),
        strategy: strategy(),
        state: ReserveState {
            virtual_balance: u(10_000_000 * 10u128.pow(u32::from(decimals))),
            ..ReserveState::new(0)
        },
        price: u(price),
    }
}

/// WETH (18 decimals, $2,000, LT 82.5%) and USDC (6 decimals, $1), LB 105%, protocol fee 10%;
/// the borrower holds `weth` collateral and `usdc` debt at indexes of 1 RAY.
fn pool(version: AaveVersion, weth: U256, usdc: U256) -> AavePool {
    let reserves = vec![
        reserve(WETH, "WETH", 0, 18, 8000, 8250, 2000 * 100_000_000),
        reserve(USDC, "USDC", 1, 6, 7500, 7800, 100_000_000),
    ];
    let mut pool = AavePool::new(version, reserves, vec![], 0).unwrap();
    let mut user = User::default();
    user.reserves.insert(
        0,
        UserReserve { scaled_a: weth, scaled_debt: U256::ZERO, collateral_enabled: true },
    );
    user.reserves.insert(
        1,
        UserReserve { scaled_a: U256::ZERO, scaled_debt: usdc, collateral_enabled: false },
    );
    pool.set_user(BORROWER, user).unwrap();
    pool
}

/// protocol-mechanics.md §1 "[derived] worked example", HF check: 10 ETH at $2,000, LT 82.5%,
/// $15,000 debt. v3.5: wadDiv(20000e8 · 8250, 15000e8) / 1e4 = 1.1e18. v3.3: wadDiv(percentMul(
/// 20000e8, 8250) = 16500e8, 15000e8) = 1.1e18.
#[test]
fn health_factor_worked_example() {
    for version in [AaveVersion::V3_3, AaveVersion::V3_5] {
        let p = pool(version, u(10 * E18), u(15_000_000_000));
        let data = p.account_data(BORROWER).unwrap();
        assert_eq!(data.total_collateral, u(20_000 * 100_000_000));
        assert_eq!(data.total_debt, u(15_000 * 100_000_000));
        assert_eq!(data.health_factor, u(11 * E18 / 10), "{version:?}");
    }
}

/// The versions round the health factor differently (aave-v3-origin GenericLogic.sol at v3.3.0
/// and v3.5.0). Two collaterals: $1 at LT 80% and $2 at LT 70% (USDC as collateral), $1 debt.
/// v3.3: avgLT = ⌊(1e8·8000 + 2e8·7000) / 3e8⌋ = ⌊7333.3⌋ = 7333; percentMul(3e8, 7333) =
/// 219,990,000; wadDiv(., 1e8) = 2.1999e18. v3.5: wadDiv(2.2e12, 1e8) / 1e4 = 2.2e18.
#[test]
fn health_factor_rounding_differs_by_version() {
    let mut expected =
        [(AaveVersion::V3_3, u(21_999 * E18 / 10_000)), (AaveVersion::V3_5, u(22 * E18 / 10))]
            .into_iter();
    for (version, hf) in expected.by_ref() {
        let mut reserves = vec![
            reserve(WETH, "WETH", 0, 18, 7500, 8000, 100_000_000),
            reserve(USDC, "USDC", 1, 6, 6500, 7000, 100_000_000),
        ];
        reserves.push(reserve(Address::repeat_byte(0xDA), "DAI", 2, 18, 7500, 8000, 100_000_000));
        let mut p = AavePool::new(version, reserves, vec![], 0).unwrap();
        let mut user = User::default();
        user.reserves.insert(
            0,
            UserReserve { scaled_a: u(E18), scaled_debt: U256::ZERO, collateral_enabled: true },
        );
        user.reserves.insert(
            1,
            UserReserve {
                scaled_a: u(2_000_000),
                scaled_debt: U256::ZERO,
                collateral_enabled: true,
            },
        );
        user.reserves.insert(
            2,
            UserReserve { scaled_a: U256::ZERO, scaled_debt: u(E18), collateral_enabled: false },
        );
        p.set_user(BORROWER, user).unwrap();
        assert_eq!(p.account_data(BORROWER).unwrap().health_factor, hf, "{version:?}");
    }
}

/// protocol-mechanics.md §1 worked example: repay 1,000 USDC against WETH at $2,000 with LB 105%
/// and a 10% protocol fee: base 0.5 ETH, seized 0.525, bonus 0.025, fee 0.0025, liquidator 0.5225.
/// The position (10 ETH, 17,000 USDC: HF = 20000·0.825/17000 = 0.97) sits in the 50% close-factor
/// branch (aave-v3-origin tests/protocol/pool/Pool.Liquidations.CloseFactor.t.sol
/// `test_hf_gt_095_supply_gt_threshold_closeFactorShouldBe50`): at most 8,500 USDC may be repaid.
#[test]
fn liquidation_worked_example_and_close_factor_50() {
    for version in [AaveVersion::V3_3, AaveVersion::V3_5] {
        let mut p = pool(version, u(10 * E18), u(17_000_000_000));
        let call = p.liquidation_call(WETH, USDC, BORROWER, u(1_000_000_000), LIQUIDATOR).unwrap();
        assert_eq!(call.actual_debt_to_liquidate, u(1_000_000_000));
        assert_eq!(call.actual_collateral_to_liquidate, u(5225 * E18 / 10_000));
        assert_eq!(call.liquidation_protocol_fee, u(25 * E18 / 10_000));
        assert_eq!(call.bonus_collateral, u(25 * E18 / 1000));
        let mut p = pool(version, u(10 * E18), u(17_000_000_000));
        let call = p.liquidation_call(WETH, USDC, BORROWER, U256::MAX, LIQUIDATOR).unwrap();
        assert_eq!(call.actual_debt_to_liquidate, u(8_500_000_000), "{version:?}: 50% of $17,000");
    }
}

/// Pool.Liquidations.CloseFactor.t.sol `test_hf_lte_095_supply_gt_threshold_closeFactorShouldBe100`:
/// at HF <= 0.95 everything may be repaid. 10 ETH, 18,000 USDC: HF = 16500/18000 = 0.9167. Repaying
/// all 18,000 needs 9 ETH · 1.05 = 9.45 ETH of the 10.
#[test]
fn close_factor_100_below_hf_095() {
    let mut p = pool(AaveVersion::V3_5, u(10 * E18), u(18_000_000_000));
    let call = p.liquidation_call(WETH, USDC, BORROWER, U256::MAX, LIQUIDATOR).unwrap();
    assert_eq!(call.actual_debt_to_liquidate, u(18_000_000_000));
    assert_eq!(
        call.actual_collateral_to_liquidate + call.liquidation_protocol_fee,
        u(945 * E18 / 100)
    );
}

/// Pool.Liquidations.CloseFactor.t.sol `test_shouldRevertIfCloseFactorIs100ButCollateralIsBelowThreshold`
/// (the dust rule): 0.9 ETH ($1,800, below $2,000, so a 100% close factor) against 1,500 USDC (HF
/// 1800·0.825/1500 = 0.99). Repaying 600 USDC would leave $900 of debt, below MIN_LEFTOVER_BASE
/// ($1,000): `MustNotLeaveDust`. Repaying 500 leaves $1,000 of debt and 0.9 − 0.2625 = 0.6375 ETH
/// ($1,275): allowed.
#[test]
fn dust_rule() {
    let mut p = pool(AaveVersion::V3_5, u(9 * E18 / 10), u(1_500_000_000));
    assert_eq!(
        p.liquidation_call(WETH, USDC, BORROWER, u(600_000_000), LIQUIDATOR),
        Err(Error::revert(Protocol::AaveV3, reason::MUST_NOT_LEAVE_DUST))
    );
    assert!(p.liquidation_call(WETH, USDC, BORROWER, u(500_000_000), LIQUIDATOR).is_ok());
}

/// protocol-mechanics.md §1 worked example, capped branch, with deficit (v3.3+ `Pool.Deficit`):
/// 0.4 ETH ($800) against 1,000 USDC. maxColl = 0.525 ETH > 0.4, so all 0.4 ETH go and the debt
/// needed is percentDivCeil(800e6, 10500) = ⌈761904761.9⌉ = 761,904,762 (v3.5; v3.3's half-up
/// percentDiv gives the same here). Bonus = 0.4e18 − percentDiv(0.4e18, 10500) = 0.4e18 −
/// 380952380952380952 = 19047619047619048; fee = percentMul(., 1000) = 1904761904761904.8 → half
/// up 1904761904761905. No collateral is left, so the other 238,095,238 USDC become deficit.
#[test]
fn capped_liquidation_creates_deficit() {
    for version in [AaveVersion::V3_3, AaveVersion::V3_5] {
        let mut p = pool(version, u(4 * E18 / 10), u(1_000_000_000));
        let call = p.liquidation_call(WETH, USDC, BORROWER, U256::MAX, LIQUIDATOR).unwrap();
        assert_eq!(call.actual_debt_to_liquidate, u(761_904_762), "{version:?}");
        assert_eq!(call.bonus_collateral, u(19_047_619_047_619_048));
        assert_eq!(call.liquidation_protocol_fee, u(1_904_761_904_761_905));
        assert_eq!(call.actual_collateral_to_liquidate, u(4 * E18 / 10 - 1_904_761_904_761_905));
        assert_eq!(call.deficit_created, u(238_095_238));
        assert_eq!(p.deficit(USDC).unwrap(), u(238_095_238));
        assert_eq!(p.user(BORROWER).reserves[&1].scaled_debt, U256::ZERO);
    }
}

/// A healthy position cannot be liquidated (`HealthFactorNotBelowThreshold`), and withdrawing
/// more than the reserve holds fails: at 100% utilisation lenders cannot leave.
#[test]
fn healthy_and_illiquid() {
    let mut p = pool(AaveVersion::V3_5, u(10 * E18), u(1_000_000_000));
    assert_eq!(
        p.liquidation_call(WETH, USDC, BORROWER, U256::MAX, LIQUIDATOR),
        Err(Error::revert(Protocol::AaveV3, reason::HEALTH_FACTOR_NOT_BELOW_THRESHOLD))
    );
    assert!(!p.is_liquidatable(BORROWER).unwrap());
    let lender = Address::repeat_byte(0x77);
    p.supply(lender, USDC, u(1_000_000)).unwrap();
    let available = p.available_liquidity(USDC).unwrap();
    assert_eq!(
        p.withdraw(lender, USDC, available + u(1)),
        Err(Error::revert(Protocol::AaveV3, reason::NOT_ENOUGH_AVAILABLE_USER_BALANCE))
    );
}

/// eMode (aave-v3-origin `ValidationLogic.getUserReserveLtv`, `GenericLogic`): a category with LT
/// 95% and LB 101% on WETH. 10 ETH ($20,000) against 18,500 USDC: outside eMode HF = 16500/18500 =
/// 0.8919 (liquidatable); in the category HF = 19000/18500 = 1.027. USDC is not in its borrowable
/// bitmap, so a new USDC borrow is refused in eMode.
#[test]
fn emode_overrides_threshold_and_borrowability() {
    use faultline_lending::aave::EModeCategory;
    let reserves = vec![
        reserve(WETH, "WETH", 0, 18, 8000, 8250, 2000 * 100_000_000),
        reserve(USDC, "USDC", 1, 6, 7500, 7800, 100_000_000),
    ];
    let category = EModeCategory {
        id: 1,
        label: "ETH correlated".into(),
        ltv: 9300,
        liquidation_threshold: 9500,
        liquidation_bonus: 10_100,
        collateral_bitmap: 0b01,
        borrowable_bitmap: 0b01,
    };
    let mut p = AavePool::new(AaveVersion::V3_5, reserves, vec![category], 0).unwrap();
    let mut user = User::default();
    user.reserves.insert(
        0,
        UserReserve { scaled_a: u(10 * E18), scaled_debt: U256::ZERO, collateral_enabled: true },
    );
    user.reserves.insert(
        1,
        UserReserve {
            scaled_a: U256::ZERO,
            scaled_debt: u(18_500_000_000),
            collateral_enabled: false,
        },
    );
    p.set_user(BORROWER, user).unwrap();
    // wadDiv(20000e8 · 8250 = 1.65e16, 18500e8) = 8918918918918918918.9 → half up ...919; / 1e4
    // floors to 891891891891891891.
    assert_eq!(p.account_data(BORROWER).unwrap().health_factor, u(891_891_891_891_891_891));
    p.set_user_e_mode(BORROWER, 1).unwrap();
    // wadDiv(1.9e16, 18500e8) = 10270270270270270270.3 → ...270; / 1e4 → 1027027027027027027.
    assert_eq!(p.account_data(BORROWER).unwrap().health_factor, u(1_027_027_027_027_027_027));
    assert_eq!(
        p.borrow(BORROWER, USDC, u(1)),
        Err(Error::revert(Protocol::AaveV3, reason::NOT_BORROWABLE_IN_EMODE))
    );
}

/// Isolation mode and caps (`ValidationLogic.validateBorrow`/`validateSupply`,
/// `IsolationModeLogic`): WETH as isolated collateral with a $1,000.00 ceiling (100000 in 2
/// decimals); USDC borrowable in isolation, borrow cap 1,200 tokens (checked first, as in
/// `validateBorrow`). Borrowing 600 USDC adds 60000; another 500 fits the cap but would make
/// 110000 > 100000: `DebtCeilingExceeded`; 400 fills the ceiling exactly; then 300 more would pass
/// the cap (1,300 > 1,200): `BorrowCapExceeded`. A supply cap refuses a supply past it by one unit.
#[test]
fn isolation_ceiling_and_caps() {
    let mut weth = reserve(WETH, "WETH", 0, 18, 8000, 8250, 2000 * 100_000_000);
    weth.config.debt_ceiling = u(100_000);
    let mut usdc = reserve(USDC, "USDC", 1, 6, 7500, 7800, 100_000_000);
    usdc.config.borrowable_in_isolation = true;
    usdc.config.borrow_cap = u(1200);
    usdc.config.supply_cap = u(10_001_000);
    let mut p = AavePool::new(AaveVersion::V3_5, vec![weth, usdc], vec![], 0).unwrap();
    p.supply(BORROWER, WETH, u(E18)).unwrap();
    p.borrow(BORROWER, USDC, u(600_000_000)).unwrap();
    assert_eq!(p.reserve(WETH).unwrap().state.isolation_mode_total_debt, u(60_000));
    assert_eq!(
        p.borrow(BORROWER, USDC, u(500_000_000)),
        Err(Error::revert(Protocol::AaveV3, reason::DEBT_CEILING_EXCEEDED))
    );
    p.borrow(BORROWER, USDC, u(400_000_000)).unwrap();
    assert_eq!(p.reserve(WETH).unwrap().state.isolation_mode_total_debt, u(100_000));
    assert_eq!(
        p.borrow(BORROWER, USDC, u(300_000_000)),
        Err(Error::revert(Protocol::AaveV3, reason::BORROW_CAP_EXCEEDED))
    );
    // Supply cap: 10,001,000 tokens; the reserve was seeded with 10,000,000 of virtual balance but
    // no aTokens, so 1,000 tokens fit and 1,000.000001 do not.
    let lender = Address::repeat_byte(0x77);
    assert_eq!(
        p.supply(lender, USDC, u(10_001_000_000_001)),
        Err(Error::revert(Protocol::AaveV3, reason::SUPPLY_CAP_EXCEEDED))
    );
    p.supply(lender, USDC, u(10_001_000_000_000)).unwrap();
}
