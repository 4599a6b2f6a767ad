//! Euler v2 behind the shared `LendingMarket` vocabulary: an EVK vault lending an asset that is
//! its own unit of account (price 1), with one collateral vault (18 decimals, mid price 1, borrow
//! LTV 80%, liquidation LTV 90%, max liquidation discount 20%). Every expected number is worked
//! by hand in the comments from euler-xyz/euler-vault-kit's formulas (Vault.sol, Borrowing.sol,
//! Liquidation.sol, shared/Cache.sol, shared/lib/RPow.sol, shared/LiquidityUtils.sol).

use alloy_primitives::{Address, U256};
use faultline_lending::{
    BadDebtBearer, Error, LendingMarket, LiquidationAmount, LiquidationRequest, Protocol,
    euler::{EulerCollateral, EulerVault, LinearKink, LtvConfig, reason},
};

const E18: u128 = 1_000_000_000_000_000_000;
const ASSET: Address = Address::repeat_byte(0xA5);
const COLLATERAL: Address = Address::repeat_byte(0xC2);
const LENDER: Address = Address::repeat_byte(0x1E);
const BORROWER: Address = Address::repeat_byte(0xB0);
const LIQUIDATOR: Address = Address::repeat_byte(0x11);

fn u(v: u128) -> U256 {
    U256::from(v)
}

fn e18(v: u128) -> U256 {
    u(v * E18)
}

const fn revert(r: &'static str) -> Error {
    Error::revert(Protocol::EulerV2, r)
}

/// Lender deposits 1,000: shares 1000e18 · (0 + 1e6) / (0 + 1e6) = 1000e18. Borrower pledges
/// 1,000 of collateral and borrows 700 (borrow-LTV collateral 800 > 700).
fn market(irm: Option<LinearKink>) -> EulerVault {
    let ltv = LtvConfig {
        borrow_ltv: 8000,
        liquidation_ltv: 9000,
        initial_liquidation_ltv: 9000,
        target_timestamp: 0,
        ramp_duration: 0,
    };
    let mut v = EulerVault::new(
        None,
        vec![EulerCollateral { vault: COLLATERAL, price: u(E18), decimals: 18, ltv }],
        2000,
        1_000,
    );
    v.asset = ASSET;
    v.liquidator = LIQUIDATOR;
    v.irm = irm;
    assert_eq!(v.supply(LENDER, ASSET, e18(1000)).unwrap(), e18(1000));
    assert_eq!(v.shares_of(LENDER), e18(1000));
    v.supply_collateral(BORROWER, COLLATERAL, e18(1000)).unwrap();
    assert_eq!(LendingMarket::borrow(&mut v, BORROWER, ASSET, e18(700)).unwrap(), e18(700));
    v
}

/// Health: liquidation-LTV collateral 900 over debt 700 = 1.285714285714285714 (floored);
/// borrowing power 800 − 700 = 100, but a borrow of exactly 100 leaves 800 ≤ 800, which
/// `checkLiquidity` rejects (it needs collateral > liability). Cash 300: a withdrawal of 301
/// reverts `E_InsufficientCash`, utilisation 700 / 1,000 = 0.7.
#[test]
fn health_borrowing_power_and_cash_limits() {
    let mut v = market(None);
    let h = v.health(BORROWER).unwrap();
    assert_eq!(
        (h.collateral_value, h.liquidation_value, h.debt_value),
        (e18(1000), e18(900), e18(700))
    );
    assert_eq!(h.health_factor, u(1_285_714_285_714_285_714));
    assert!(!v.is_liquidatable(BORROWER).unwrap());
    assert_eq!(v.borrowing_power(BORROWER).unwrap(), e18(100));
    assert_eq!(
        LendingMarket::borrow(&mut v, BORROWER, ASSET, e18(100)),
        Err(revert(reason::ACCOUNT_LIQUIDITY))
    );
    assert_eq!(LendingMarket::borrow(&mut v, BORROWER, ASSET, e18(99)).unwrap(), e18(99));
    assert_eq!(LendingMarket::repay(&mut v, BORROWER, ASSET, e18(99)).unwrap(), e18(99));
    assert_eq!(v.available_liquidity(ASSET).unwrap(), e18(300));
    assert_eq!(v.utilisation(ASSET).unwrap(), u(7 * E18 / 10));
    assert_eq!(
        LendingMarket::withdraw(&mut v, LENDER, ASSET, e18(301)),
        Err(revert(reason::INSUFFICIENT_CASH))
    );
    assert_eq!(LendingMarket::withdraw(&mut v, LENDER, ASSET, e18(300)).unwrap(), e18(300));
    assert_eq!(v.available_liquidity(ASSET).unwrap(), U256::ZERO);
    // A repay above the debt is capped at it (repay(type(uint).max)); the raw vault call reverts.
    assert_eq!(v.repay(BORROWER, e18(701)), Err(revert(reason::REPAY_TOO_MUCH)));
    assert_eq!(LendingMarket::repay(&mut v, BORROWER, ASSET, e18(701)).unwrap(), e18(700));
    assert_eq!(v.debt(BORROWER), U256::ZERO);
    assert_eq!(
        v.supply(LENDER, Address::repeat_byte(9), e18(1)),
        Err(Error::UnknownAsset { field: "supply.asset".into(), asset: Address::repeat_byte(9) })
    );
}

/// Caps (RiskManager.sol `checkVaultStatus`): with a borrow cap of 700 the next unit of borrow
/// reverts though the account could carry it; with a supply cap of 1,000 (cash 300 + borrows
/// 700) so does the next deposit. Repaying and withdrawing stay allowed.
#[test]
fn caps_stop_growth_only() {
    let mut v = market(None);
    v.borrow_cap = e18(700);
    v.supply_cap = e18(1000);
    assert_eq!(
        LendingMarket::borrow(&mut v, BORROWER, ASSET, u(1)),
        Err(revert(reason::BORROW_CAP_EXCEEDED))
    );
    assert_eq!(v.supply(LENDER, ASSET, u(1)), Err(revert(reason::SUPPLY_CAP_EXCEEDED)));
    assert_eq!(LendingMarket::repay(&mut v, BORROWER, ASSET, e18(1)).unwrap(), e18(1));
    assert_eq!(LendingMarket::withdraw(&mut v, LENDER, ASSET, e18(1)).unwrap(), e18(1));
}

/// Interest (Cache.sol `initVaultCache`): a flat IRM of 1e18 per second (RAY, 1e-9/s) is stored by
/// the first operation's `checkVaultStatus`. Two seconds later: rpow(1e27 + 1e18, 2) =
/// (1e54 + 2e45 + 1e36) / 1e27 = 1e27 + 2e18 + 1e9 (exact). Borrows grow in that ratio: 700e18 ·
/// 2^31 · (1e27 + 2e18 + 1e9) / 1e27 = (700e18 + 1400e9 + 700) · 2^31, so the debt is 700e18 +
/// 1400e9 + 700. Fee: (1400e9 + 700) · 1000 / 1e4 = 140e9 + 70 assets; new total assets 1000e18 +
/// 1400e9 + 700; shares 1000e18 · T / (T − fee) = 1000000000139999999893 (floor), so
/// accumulatedFees = 139999999893. The lender's 1000e18 shares are worth 1000e18 · (T + 1e6) /
/// (1000000000139999999893 + 1e6) = 1000000001260000000630. Borrow APR 1e18 · 31556952 / 1e9 =
/// 0.031556952e18; supply APR = borrow · 0.7 · 0.9.
#[test]
fn interest_accrues_through_the_accumulator_with_fee_shares() {
    let flat = LinearKink { base_rate: u(E18), slope1: U256::ZERO, slope2: U256::ZERO, kink: 0 };
    let mut v = market(Some(flat));
    assert_eq!(v.interest_rate, u(E18));
    let rates = v.rates(ASSET).unwrap();
    assert_eq!(rates.borrow, u(31_556_952_000_000_000));
    assert_eq!(rates.supply, u(31_556_952_000_000_000 * 7 / 10 * 9 / 10));
    v.accrue(2).unwrap();
    assert_eq!(v.interest_accumulator, u(1_000_000_002_000_000_001_000_000_000));
    assert_eq!(v.debt(BORROWER), u(700 * E18 + 1_400_000_000_000 + 700));
    assert_eq!(v.total_borrows(), v.debt(BORROWER));
    assert_eq!(v.accumulated_fees, u(139_999_999_893));
    assert_eq!(v.total_shares, u(1_000_000_000_139_999_999_893));
    assert_eq!(v.convert_to_assets(e18(1000)).unwrap(), u(1_000_000_001_260_000_000_630));
}

/// Price 0.75: collateral 750, liquidation-adjusted 675 ≤ 700: liquidatable. Discount factor
/// 675/700 = 0.964285714285714285; max yield value 700e18 · 1e18 / that = 725925925925925926463
/// ≤ 750e18, so the whole 700 is taken over and the yield is 725925925925925926463 · 1000 / 750 =
/// 967901234567901235284 units of collateral. The debt's worth in collateral, 700 / 0.75 =
/// 933333333333333333333, leaves the liquidator a bonus of 34567901234567901951. Collateral
/// remains, so nothing is socialised.
#[test]
fn liquidation_takes_the_debt_over_at_the_dutch_auction_discount() {
    let mut v = market(None);
    v.collaterals[0].price = u(75 * E18 / 100);
    assert!(v.is_liquidatable(BORROWER).unwrap());
    let quote = v.max_liquidation(BORROWER, COLLATERAL, ASSET).unwrap();
    let request = LiquidationRequest {
        borrower: BORROWER,
        collateral_asset: COLLATERAL,
        debt_asset: ASSET,
        amount: LiquidationAmount::Debt(U256::MAX),
    };
    let out = LendingMarket::liquidate(&mut v, request).unwrap();
    assert_eq!(out, quote);
    assert_eq!(out.debt_repaid, e18(700));
    assert_eq!(out.collateral_seized, u(967_901_234_567_901_235_284));
    assert_eq!(out.liquidator_bonus, u(34_567_901_234_567_901_951));
    assert_eq!((out.bad_debt, out.bad_debt_bearer), (U256::ZERO, BadDebtBearer::Nobody));
    assert_eq!(out.remaining_collateral, e18(1000) - u(967_901_234_567_901_235_284));
    assert_eq!(out.remaining_debt, U256::ZERO);
    assert_eq!(v.debt(LIQUIDATOR), e18(700));
    assert_eq!(v.total_borrows(), e18(700));
}

/// Price 0.5 (the shape of euler-vault-kit test/unit/evault/modules/Liquidation/basic.t.sol
/// `test_basicLiquidation_all_collateral`): collateral 500, adjusted 450, health 0.643 → discount
/// factor floored at 1 − 0.2 = 0.8; max yield 700 / 0.8 = 875 > 500, so the liquidator takes
/// 500 · 0.8 = 400 of debt for all 1,000 of collateral. The other 300 is socialised: total
/// borrows 400, total assets 300 + 400 = 700, so the lender's 1,000 shares are worth
/// 1000e18 · (700e18 + 1e6) / (1000e18 + 1e6) = 700e18 + 1e6 · 1000e18 · 0.3 / (1000e18 + 1e6)
/// = 700e18 + 299999.9999… → 700000000000000299999 (the virtual deposit takes its share of the
/// loss).
#[test]
fn bad_debt_is_socialised_to_depositors() {
    let mut v = market(None);
    v.collaterals[0].price = u(E18 / 2);
    let request = LiquidationRequest {
        borrower: BORROWER,
        collateral_asset: COLLATERAL,
        debt_asset: ASSET,
        amount: LiquidationAmount::Debt(U256::MAX),
    };
    let out = LendingMarket::liquidate(&mut v, request).unwrap();
    assert_eq!((out.debt_repaid, out.collateral_seized), (e18(400), e18(1000)));
    assert_eq!((out.bad_debt, out.bad_debt_bearer), (e18(300), BadDebtBearer::Suppliers));
    assert_eq!((out.remaining_collateral, out.remaining_debt), (U256::ZERO, U256::ZERO));
    assert_eq!(v.total_borrows(), e18(400));
    assert_eq!(v.convert_to_assets(e18(1000)).unwrap(), u(700_000_000_000_000_299_999));
    // A partial request is honoured pro rata: 200 of the 400 takes half the collateral.
    let mut w = market(None);
    w.collaterals[0].price = u(E18 / 2);
    let half = LiquidationRequest { amount: LiquidationAmount::Debt(e18(200)), ..request };
    let out = LendingMarket::liquidate(&mut w, half).unwrap();
    assert_eq!(
        (out.debt_repaid, out.collateral_seized, out.bad_debt),
        (e18(200), e18(500), U256::ZERO)
    );
    assert_eq!(out.remaining_debt, e18(500));
}
