//! Morpho Blue vectors: the protocol's own tests (named per test) and hand calculations (written
//! out in the comments).

use alloy_primitives::{Address, U256};
use faultline_lending::{
    Error, Protocol,
    morpho::{
        Irm, MarketParams, MorphoMarket, ORACLE_PRICE_SCALE, liquidation_incentive_factor, reason,
    },
};

const E18: u128 = 1_000_000_000_000_000_000;
const SUPPLIER: Address = Address::repeat_byte(0x51);
const BORROWER: Address = Address::repeat_byte(0xB0);

fn u(v: u128) -> U256 {
    U256::from(v)
}

fn market(lltv: U256, price: U256) -> MorphoMarket {
    let params = MarketParams {
        loan_token: Address::repeat_byte(1),
        collateral_token: Address::repeat_byte(2),
        oracle: Address::repeat_byte(3),
        irm: Address::ZERO,
        lltv,
    };
    MorphoMarket::create(params, Irm::None, price, 1).unwrap()
}

/// morpho-org/morpho-blue test/forge/integration/LiquidateIntegrationTest.sol
/// `testSeizedAssetsRoundUp`: LLTV 0.75, 100e18 supplied, 400 collateral, 300 borrowed, price
/// `ORACLE_PRICE_SCALE - 0.01e18`; liquidating one borrow share seizes 0 and repays 1.
#[test]
fn seized_assets_round_up() {
    let mut m = market(u(75 * E18 / 100), ORACLE_PRICE_SCALE);
    m.supply(SUPPLIER, u(100 * E18), U256::ZERO).unwrap();
    m.supply_collateral(BORROWER, u(400)).unwrap();
    m.borrow(BORROWER, u(300), U256::ZERO).unwrap();
    m.set_price(ORACLE_PRICE_SCALE - u(E18 / 100));
    let out = m.liquidate(BORROWER, U256::ZERO, u(1)).unwrap();
    assert_eq!(out.seized_assets, U256::ZERO, "seizedAssets");
    assert_eq!(out.repaid_assets, u(1), "repaidAssets");
}

/// morpho-org/morpho-blue test/forge/integration/LiquidateIntegrationTest.sol
/// `testBadDebtOverTotalBorrowAssets` (BaseTest: LLTV 0.8, price 1e36): the upstream test only
/// asserts that the liquidation does not revert; the amounts below are hand-computed.
///
/// 10e18 collateral, 1e18 borrowed (1e24 shares), then 1 share for 0 assets ("trick to inflate
/// shares"): totals 1e18 assets / 1e24+1 shares. Price -> 1e34. LIF = 1e36 / 0.94e18 =
/// 1063829787234042553. Seize all 10e18: quoted = 1e17; wDivUp(1e17, LIF) = 94000000000000001;
/// repaidShares = toSharesUp(.., 1e18, 1e24+1) = 94000000000000001000001; repaidAssets =
/// toAssetsUp(..) = 94000000000000002. Left: 905999999999999998 assets, 905999999999999999000000
/// shares, all the borrower's; toAssetsUp of them = 905999999999999999 > total, so the bad debt is
/// clamped to the total, 905999999999999998, and the market's borrow side is emptied.
#[test]
fn bad_debt_over_total_borrow_assets() {
    let mut m = market(u(8 * E18 / 10), ORACLE_PRICE_SCALE);
    m.supply(SUPPLIER, u(E18), U256::ZERO).unwrap();
    m.supply_collateral(BORROWER, u(10 * E18)).unwrap();
    m.borrow(BORROWER, u(E18), U256::ZERO).unwrap();
    assert_eq!(m.borrow(BORROWER, U256::ZERO, u(1)).unwrap(), (U256::ZERO, u(1)));
    m.set_price(ORACLE_PRICE_SCALE / u(100));
    let out = m.liquidate(BORROWER, u(10 * E18), U256::ZERO).unwrap();
    assert_eq!(out.repaid_shares, u(94_000_000_000_000_001_000_001));
    assert_eq!(out.repaid_assets, u(94_000_000_000_000_002));
    assert_eq!(out.bad_debt_shares, u(905_999_999_999_999_999_000_000));
    assert_eq!(out.bad_debt_assets, u(905_999_999_999_999_998));
    assert_eq!(m.state().total_borrow_assets, U256::ZERO);
    assert_eq!(m.state().total_borrow_shares, U256::ZERO);
    // Suppliers bear it: 1e18 - 905999999999999998 = 94000000000000002 left (the repayment).
    assert_eq!(m.state().total_supply_assets, u(94_000_000_000_000_002));
}

/// protocol-mechanics.md §3 "[derived] LIF by LLTV", recomputed by hand:
/// LIF = min(1.15, 1 / (1 - 0.3 (1 - LLTV))), floored to WAD.
/// 0.86: 1e36 / (1e18 - 0.042e18) = 1e36 / 0.958e18 = 1043841336116910229.6 -> ...229.
/// 0.945: 1e36 / 0.9835e18 = 1016776817488561260.7 -> ...260.
/// 0.5: 1 / 0.85 = 1.176 -> capped at 1.15.
#[test]
fn liquidation_incentive_factor_by_lltv() {
    assert_eq!(
        liquidation_incentive_factor(u(86 * E18 / 100)).unwrap(),
        u(1_043_841_336_116_910_229)
    );
    assert_eq!(
        liquidation_incentive_factor(u(945 * E18 / 1000)).unwrap(),
        u(1_016_776_817_488_561_260)
    );
    assert_eq!(liquidation_incentive_factor(u(E18 / 2)).unwrap(), u(115 * E18 / 100));
    assert_eq!(liquidation_incentive_factor(U256::ZERO).unwrap(), u(115 * E18 / 100));
}

/// Hand calculation of `_accrueInterest` with a fee: 1e18 borrowed of 2e18 supplied, rate 1e9 per
/// second over 1000 s: x·n = 1e12; wTaylor = 1e12 + (1e24 / 2e18 = 500000) + (5e17·1e12 / 3e36 =
/// 0) = 1000000500000; interest = 1e18·that/1e18 = 1000000500000. Fee 0.1: feeAmount =
/// 100000050000; feeShares = toSharesDown(100000050000, 2e18 + interest - feeAmount, 2e24) =
/// 100000050000·(2e24 + 1e6) / (2e18 + 1000000500000 - 100000050000 + 1 = 2000000900000450001)
/// = 100000004999975250.2 -> 100000004999975250 (the expression below recomputes it).
#[test]
fn accrue_interest_with_fee_hand_computed() {
    let params = MarketParams {
        loan_token: Address::repeat_byte(1),
        collateral_token: Address::repeat_byte(2),
        oracle: Address::repeat_byte(3),
        irm: Address::repeat_byte(4),
        lltv: u(8 * E18 / 10),
    };
    let mut m = MorphoMarket::create(
        params,
        Irm::Fixed { rate_per_second: u(1_000_000_000) },
        ORACLE_PRICE_SCALE,
        1,
    )
    .unwrap();
    let recipient = Address::repeat_byte(0xFE);
    m.set_fee_recipient(recipient);
    m.set_fee(u(E18 / 10)).unwrap();
    m.supply(SUPPLIER, u(2 * E18), U256::ZERO).unwrap();
    m.supply_collateral(BORROWER, u(10 * E18)).unwrap();
    m.borrow(BORROWER, u(E18), U256::ZERO).unwrap();
    m.advance_time(1000).unwrap();
    m.accrue().unwrap();
    let interest = u(1_000_000_500_000);
    assert_eq!(m.state().total_borrow_assets, u(E18) + interest);
    assert_eq!(m.state().total_supply_assets, u(2 * E18) + interest);
    let fee_amount = u(100_000_050_000);
    let expected_fee_shares = fee_amount * u(2_000_000_000_000_000_001_000_000)
        / (u(2 * E18) + interest - fee_amount + u(1));
    assert_eq!(expected_fee_shares, u(100_000_004_999_975_250));
    assert_eq!(m.position(recipient).supply_shares, expected_fee_shares);
}

/// `liquidate` reverts exactly like the contract: on a healthy position with
/// `ErrorsLib.HEALTHY_POSITION`, on both or neither amount with `INCONSISTENT_INPUT`, and leaves the
/// state untouched.
#[test]
fn liquidation_reverts_leave_state_untouched() {
    let mut m = market(u(8 * E18 / 10), ORACLE_PRICE_SCALE);
    m.supply(SUPPLIER, u(E18), U256::ZERO).unwrap();
    m.supply_collateral(BORROWER, u(E18)).unwrap();
    m.borrow(BORROWER, u(8 * E18 / 10), U256::ZERO).unwrap();
    let before = (*m.state(), m.position(BORROWER));
    assert_eq!(
        m.liquidate(BORROWER, u(1), U256::ZERO),
        Err(Error::revert(Protocol::MorphoBlue, reason::HEALTHY_POSITION))
    );
    assert_eq!(
        m.liquidate(BORROWER, u(1), u(1)),
        Err(Error::revert(Protocol::MorphoBlue, reason::INCONSISTENT_INPUT))
    );
    assert_eq!(
        m.liquidate(BORROWER, U256::ZERO, U256::ZERO),
        Err(Error::revert(Protocol::MorphoBlue, reason::INCONSISTENT_INPUT))
    );
    assert_eq!((*m.state(), m.position(BORROWER)), before);
    // At 100% utilisation the supplier cannot leave.
    m.supply_collateral(BORROWER, u(E18)).unwrap();
    m.borrow(BORROWER, u(2 * E18 / 10), U256::ZERO).unwrap();
    assert_eq!(
        m.withdraw(SUPPLIER, u(1), U256::ZERO),
        Err(Error::revert(Protocol::MorphoBlue, reason::INSUFFICIENT_LIQUIDITY))
    );
}

fn within(got: U256, want: U256, rel_per_million: u64) -> bool {
    let gap = if got > want { got - want } else { want - got };
    gap * U256::from(1_000_000u64) <= want * U256::from(rel_per_million)
}

/// morpho-org/morpho-blue-irm test/AdaptiveCurveIrmTest.sol: `testFirstBorrowRateUtilizationOne`
/// (exactly 4 × INITIAL_RATE_AT_TARGET), `testFirstBorrowRateUtilizationZero` (INITIAL / 4 within
/// 0.01%), `testRateAfterUtilizationOne` (5 days at 100%: 22.976%/yr within 10%),
/// `testRateAfterUtilizationZero` (5 days at 0%: 0.724%/yr within 10%), and
/// `testRateAfter45DaysUtilizationAboveTargetNoPing` (rate at target 87.22%/yr within 0.5%).
#[test]
fn adaptive_curve_irm_test_sol() {
    use faultline_lending::morpho::{MarketState, initial_rate_at_target};
    let year = U256::from(365u64 * 24 * 3600);
    let initial = initial_rate_at_target().into_raw();
    let state = |supply: u128, borrow: u128, last: u64| MarketState {
        total_supply_assets: u(supply),
        total_borrow_assets: u(borrow),
        last_update: U256::from(last),
        ..MarketState::default()
    };
    let irm = Irm::adaptive_curve();
    let now = U256::from(2 * 365 * 24 * 3600u64);
    // First call, utilisation 100%: 4x; 0%: 1/4.
    assert_eq!(irm.borrow_rate_view(&state(E18, E18, 0), now).unwrap(), Some(initial * u(4)));
    let quarter = irm.borrow_rate_view(&state(0, 0, 0), now).unwrap().unwrap();
    assert!(within(quarter, initial / u(4), 100), "{quarter}");
    // After a first call the rate at target is the initial one.
    let irm = Irm::AdaptiveCurve { rate_at_target: initial_rate_at_target() };
    let five_days = 5 * 24 * 3600u64;
    let at_one = irm
        .borrow_rate_view(&state(E18, E18, 2 * 365 * 24 * 3600 - five_days), now)
        .unwrap()
        .unwrap();
    assert!(within(at_one * year, u(229_760_000_000_000_000), 100_000), "{}", at_one * year);
    let at_zero = irm
        .borrow_rate_view(&state(E18, 0, 2 * 365 * 24 * 3600 - five_days), now)
        .unwrap()
        .unwrap();
    assert!(within(at_zero * year, u(7_240_000_000_000_000), 100_000), "{}", at_zero * year);
    // 45 days at 95% utilisation (error 50%): rate at target 4% · exp(50 · 45/365 · 0.5) = 87.22%.
    let mut irm = Irm::AdaptiveCurve { rate_at_target: initial_rate_at_target() };
    let start = 1_000_000u64;
    let _ = irm
        .borrow_rate(&state(E18, 95 * E18 / 100, start), U256::from(start + 45 * 24 * 3600))
        .unwrap();
    let Irm::AdaptiveCurve { rate_at_target } = irm else { panic!("still adaptive") };
    assert!(
        within(rate_at_target.into_raw() * year, u(872_200_000_000_000_000), 5_000),
        "{}",
        rate_at_target.into_raw() * year
    );
}

/// The largest liquidation when the collateral cannot cover the whole debt with the incentive:
/// repaying every share (first try) must revert inside `liquidate` after it has already burned
/// the borrower's shares, and the revert must leave no trace, so the second try (seize all the
/// collateral) starts from the untouched position. Hand-worked: LLTV 0.8, 1e18 collateral, 0.8e18
/// borrowed, price halved to 0.5e36. LIF = 1/(1 - 0.3·0.2) = 1/0.94; repaying 0.8e18 would seize
/// 0.8e18 / 0.94 / 0.5 = 1.70e18 > 1e18, so all 1e18 is seized, about 0.47e18 is repaid and the
/// rest (about 0.33e18) is bad debt borne by suppliers. The preview (`max_liquidate`, on a copy of
/// the one position) must equal the execution (`liquidate_max`) to the wei.
#[test]
fn the_largest_liquidation_previews_exactly_and_a_failed_first_try_leaves_no_trace() {
    let mut m = market(u(8 * E18 / 10), ORACLE_PRICE_SCALE);
    m.supply(SUPPLIER, u(E18), U256::ZERO).unwrap();
    m.supply_collateral(BORROWER, u(E18)).unwrap();
    m.borrow(BORROWER, u(8 * E18 / 10), U256::ZERO).unwrap();
    m.set_price(ORACLE_PRICE_SCALE / u(2));
    let supplier_before = m.position(SUPPLIER);
    let preview = m.max_liquidate(BORROWER).unwrap();
    assert_eq!(m.position(BORROWER).collateral, u(E18), "the preview changes nothing");
    let done = m.liquidate_max(BORROWER).unwrap();
    assert_eq!(done, preview);
    assert_eq!(done.seized_assets, u(E18), "all the collateral is seized");
    assert_eq!(
        done.repaid_assets + done.bad_debt_assets,
        u(8 * E18 / 10),
        "the whole debt is settled"
    );
    assert!(
        within(done.repaid_assets, u(47 * E18 / 100), 1),
        "repaid ~0.47e18: {}",
        done.repaid_assets
    );
    let left = m.position(BORROWER);
    assert_eq!((left.collateral, left.borrow_shares), (U256::ZERO, U256::ZERO));
    assert_eq!(m.position(SUPPLIER), supplier_before);
    assert_eq!(m.state().total_borrow_assets, U256::ZERO);
    assert_eq!(m.state().total_supply_assets, u(E18) - done.bad_debt_assets);
}
