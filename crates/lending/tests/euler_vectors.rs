//! Euler v2 liquidation vectors from euler-xyz/euler-vault-kit's own tests (named per test) and
//! hand calculations.

use alloy_primitives::{Address, U256};
use faultline_lending::{
    Error, Protocol,
    euler::{EulerCollateral, EulerVault, LtvConfig, reason},
};

const E18: u128 = 1_000_000_000_000_000_000;
const BORROWER: Address = Address::repeat_byte(0xB0);
const LIQUIDATOR: Address = Address::repeat_byte(0x11);

fn u(v: u128) -> U256 {
    U256::from(v)
}

/// The setUp of test/unit/evault/modules/Liquidation/basic.t.sol: the liability asset is the unit
/// of account at 1, the collateral eTST2 has borrow and liquidation LTV 0.9, and the maximum
/// liquidation discount is 20%.
fn vault(price: U256) -> EulerVault {
    let ltv = LtvConfig {
        borrow_ltv: 9000,
        liquidation_ltv: 9000,
        initial_liquidation_ltv: 9000,
        target_timestamp: 0,
        ramp_duration: 0,
    };
    EulerVault::new(
        None,
        vec![EulerCollateral { vault: Address::repeat_byte(0xC2), price, decimals: 18, ltv }],
        2000,
        1,
    )
}

/// euler-xyz/euler-vault-kit test/unit/evault/modules/Liquidation/basic.t.sol
/// `test_basicLiquidation_all_collateral`: 10e18 collateral, 5e18 debt, price falls to 0.5. The
/// test's own expressions: collateral value 5e18, adjusted 4.5e18, discount factor 0.9e18, max
/// yield 5.56e18 > 5e18, so repay = 5e18·0.9 = 4.5e18 and the yield is all 10e18. The borrower ends
/// with no debt: the remaining 0.5e18 is socialised.
#[test]
fn basic_liquidation_all_collateral() {
    let mut v = vault(u(E18));
    v.set_collateral(BORROWER, 0, u(10 * E18)).unwrap();
    v.set_debt(BORROWER, u(5 * E18)).unwrap();
    let (none, _) = v.check_liquidation(LIQUIDATOR, BORROWER, 0, U256::MAX).unwrap();
    assert_eq!((none.repay, none.yield_balance), (U256::ZERO, U256::ZERO));
    v.collaterals[0].price = u(E18 / 2);
    let (quote, _) = v.check_liquidation(LIQUIDATOR, BORROWER, 0, U256::MAX).unwrap();
    assert_eq!(quote.repay, u(45 * E18 / 10));
    assert_eq!(quote.yield_balance, u(10 * E18));
    let out = v.liquidate(LIQUIDATOR, BORROWER, 0, U256::MAX, U256::ZERO).unwrap();
    assert_eq!(v.debt(LIQUIDATOR), u(45 * E18 / 10));
    assert_eq!(v.collateral(LIQUIDATOR, 0), u(10 * E18));
    assert_eq!(v.debt(BORROWER), U256::ZERO);
    assert_eq!(v.collateral(BORROWER, 0), U256::ZERO);
    assert_eq!(out.socialized, u(E18 / 2));
    assert_eq!(v.total_borrows(), u(45 * E18 / 10));
}

/// Hand calculation of the discount cap and a partial repay: price 0.3: collateral 3e18, adjusted
/// 2.7e18, health 0.54 → discount factor floored at 1 − 0.2 = 0.8. Max yield 5e18/0.8 = 6.25e18 >
/// 3e18, so repay = 3e18·0.8 = 2.4e18 for all 10e18. A desired repay of 1.2e18 takes half.
#[test]
fn discount_is_capped_and_partial_repay_is_pro_rata() {
    let mut v = vault(u(3 * E18 / 10));
    v.set_collateral(BORROWER, 0, u(10 * E18)).unwrap();
    v.set_debt(BORROWER, u(5 * E18)).unwrap();
    let (quote, _) = v.check_liquidation(LIQUIDATOR, BORROWER, 0, U256::MAX).unwrap();
    assert_eq!((quote.repay, quote.yield_balance), (u(24 * E18 / 10), u(10 * E18)));
    let out = v.liquidate(LIQUIDATOR, BORROWER, 0, u(12 * E18 / 10), U256::ZERO).unwrap();
    assert_eq!(
        (out.repay, out.yield_balance, out.socialized),
        (u(12 * E18 / 10), u(5 * E18), U256::ZERO)
    );
    assert_eq!(
        v.liquidate(LIQUIDATOR, BORROWER, 0, u(10 * E18), U256::ZERO),
        Err(Error::revert(Protocol::EulerV2, reason::EXCESSIVE_REPAY_AMOUNT))
    );
    assert_eq!(
        v.liquidate(BORROWER, BORROWER, 0, U256::MAX, U256::ZERO),
        Err(Error::revert(Protocol::EulerV2, reason::SELF_LIQUIDATION))
    );
}

/// The liquidation LTV ramp (src/EVault/shared/types/LTVConfig.sol `getLTV`): lowered from 90% to
/// 80% over 1,000 s ending at t = 2,000; at t = 1,500 it is 80% + 10%·500/1000 = 85%; the borrow
/// LTV does not ramp.
#[test]
fn liquidation_ltv_ramps_down() {
    let ltv = LtvConfig {
        borrow_ltv: 7500,
        liquidation_ltv: 8000,
        initial_liquidation_ltv: 9000,
        target_timestamp: 2000,
        ramp_duration: 1000,
    };
    assert_eq!(ltv.ltv(true, 1000), u(9000));
    assert_eq!(ltv.ltv(true, 1500), u(8500));
    assert_eq!(ltv.ltv(true, 2000), u(8000));
    assert_eq!(ltv.ltv(false, 1500), u(7500));
}

/// euler-xyz/euler-vault-kit test/unit/irm/InterestRateLinearKink.t.sol with
/// `IRMLinearKink(0, 1406417851, 19050045013, 2^31)`: the rate per second (RAY) equals the test's
/// `getSPY(apy) = ln(1 + APY)·1e27 / (365.2425·86400)` after dropping 12 (max, kink) or 13 (under,
/// over kink) digits, as the test compares. The SPYs, computed by hand to 60 digits: 300% →
/// 43929919502995429306; 10% → 3020259364856430368; 4.880875385828198% → 1510126832886744988;
/// 109.761712896340360% → 23475080862554384947.
#[test]
fn interest_rate_linear_kink_t_sol() {
    use faultline_lending::euler::LinearKink;
    let irm = LinearKink {
        base_rate: U256::ZERO,
        slope1: u(1_406_417_851),
        slope2: u(19_050_045_013),
        kink: 2_147_483_648,
    };
    // getIr: cash 1e18 and borrows = cash·u/(1 − u), or borrows only at 100%.
    let ir = |util: u128| {
        if util == E18 {
            irm.rate(U256::ZERO, u(E18)).unwrap()
        } else {
            irm.rate(u(E18), u(E18 * util / (E18 - util))).unwrap()
        }
    };
    let cases = [
        (E18, 43_929_919_502_995_429_306u128, 1_000_000_000_000u128),
        (E18 / 2, 3_020_259_364_856_430_368, 1_000_000_000_000),
        (E18 / 4, 1_510_126_832_886_744_988, 10_000_000_000_000),
        (3 * E18 / 4, 23_475_080_862_554_384_947, 10_000_000_000_000),
    ];
    for (util, spy, precision) in cases {
        assert_eq!(ir(util) / u(precision), u(spy / precision), "utilisation {util}");
    }
}
