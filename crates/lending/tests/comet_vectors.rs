//! Compound v3 (Comet) vectors from compound-finance/comet's own tests (named per test) and hand
//! calculations.

use alloy_primitives::{Address, I256, U256};
use faultline_lending::{
    Error, Protocol,
    comet::{
        BASE_INDEX_SCALE, CometAsset, CometConfig, CometMarket, RateCurve, SECONDS_PER_YEAR, reason,
    },
};

const E18: u128 = 1_000_000_000_000_000_000;
const ALICE: Address = Address::repeat_byte(0xA1);

fn u(v: u128) -> U256 {
    U256::from(v)
}

fn curve(kink: u128, base: u128, low: u128, high: u128) -> RateCurve {
    RateCurve {
        kink: u(kink),
        base_per_year: u(base),
        slope_low_per_year: u(low),
        slope_high_per_year: u(high),
    }
}

/// USDC base ($1, 6 decimals) with COMP ($200, 18 decimals) as collateral.
fn market(
    liquidation_factor: u128,
    store_front: u128,
    supply: RateCurve,
    borrow: RateCurve,
) -> CometMarket {
    let config = CometConfig {
        base_token: Address::repeat_byte(0xBA),
        base_scale: u(1_000_000),
        base_price: u(100_000_000),
        store_front_price_factor: u(store_front),
        target_reserves: u(100),
        base_borrow_min: u(1),
        supply,
        borrow,
        assets: vec![CometAsset {
            asset: Address::repeat_byte(0xC0),
            scale: u(E18),
            price: u(200 * 100_000_000),
            borrow_collateral_factor: u(8 * E18 / 10),
            liquidate_collateral_factor: u(85 * E18 / 100),
            liquidation_factor: u(liquidation_factor),
        }],
    };
    CometMarket::new(config, U256::ZERO, 0).unwrap()
}

fn zero() -> RateCurve {
    curve(8 * E18 / 10, 0, 0, 0)
}

/// compound-finance/comet test/quote-collateral-test.ts "quotes the collateral correctly for a
/// positive base amount": store front 0.5, liquidation factor 0.6, COMP at $200: a 20% discount,
/// so 200 USDC buy 200/160 = 1.25 COMP.
#[test]
fn quote_collateral_test_ts() {
    let m = market(6 * E18 / 10, E18 / 2, zero(), zero());
    assert_eq!(m.quote_collateral(0, u(200_000_000)).unwrap(), u(125 * E18 / 100));
    assert_eq!(m.quote_collateral(0, U256::ZERO).unwrap(), U256::ZERO);
}

/// compound-finance/comet test/interest-rate-test.ts with kink 0.8, supply (0, 4%, 40%), borrow
/// (1%, 5%, 30%): "when below kink utilization" (indexes 2e15/4e15, totals 500/25: U = 0.1, supply
/// 0.4%, borrow 1.5%) and "when above kink utilization" (2e15/3e15, 50/30: U = 0.9, supply 7.2%,
/// borrow 8%); the test allows 1e8 wei per year of per-second truncation.
#[test]
fn interest_rate_test_ts() {
    let supply = curve(8 * E18 / 10, 0, 4 * E18 / 100, 4 * E18 / 10);
    let borrow = curve(8 * E18 / 10, E18 / 100, 5 * E18 / 100, 3 * E18 / 10);
    let mut m = market(6 * E18 / 10, E18 / 2, supply, borrow);
    let close = |got: U256, want: u128| {
        let yearly = got * SECONDS_PER_YEAR;
        let gap = if yearly > u(want) { yearly - u(want) } else { u(want) - yearly };
        assert!(gap <= u(100_000_000), "{yearly} vs {want}");
    };
    m.set_totals(u(2) * BASE_INDEX_SCALE, u(4) * BASE_INDEX_SCALE, u(500), u(25));
    assert_eq!(m.utilization().unwrap(), u(E18 / 10));
    let (s, b) = m.rates().unwrap();
    close(s, 4 * E18 / 1000);
    close(b, 15 * E18 / 1000);
    m.set_totals(u(2) * BASE_INDEX_SCALE, u(3) * BASE_INDEX_SCALE, u(50), u(30));
    assert_eq!(m.utilization().unwrap(), u(9 * E18 / 10));
    let (s, b) = m.rates().unwrap();
    close(s, 72 * E18 / 1000);
    close(b, 8 * E18 / 100);
}

/// compound-finance/comet test/absorb-test.ts "absorbs 1 account and pays out the absorber": a
/// principal of -100 with no collateral; reserves 100 before, 0 after; totals 0; basePaidOut 100
/// and its value mulPrice(100, 1e8, 1e6) = 10,000.
#[test]
fn absorb_test_ts() {
    let mut m = market(6 * E18 / 10, E18 / 2, zero(), zero());
    m.set_totals(BASE_INDEX_SCALE, BASE_INDEX_SCALE, U256::ZERO, u(100));
    m.set_base_principal(ALICE, I256::try_from(-100i64).unwrap());
    assert_eq!(m.reserves().unwrap(), I256::try_from(100i64).unwrap());
    let out = m.absorb(ALICE).unwrap();
    assert_eq!(out.base_paid_out, u(100));
    assert_eq!(out.value_of_base_paid_out, u(10_000));
    assert_eq!(out.shortfall, u(100));
    assert_eq!(m.reserves().unwrap(), I256::ZERO);
    assert_eq!(m.principal(ALICE), I256::ZERO);
    assert_eq!(m.absorb(ALICE), Err(Error::revert(Protocol::CompoundV3, reason::NOT_LIQUIDATABLE)));
}

/// Hand calculation of collateralisation and absorb with collateral: 1 COMP ($200), liquidate CF
/// 0.85 ($170), borrow CF 0.8 ($160). Debt 165 USDC: borrow-collateralised? 160 - 165 < 0: no;
/// liquidatable? 170 - 165 > 0: no. At $190: 161.5 - 165 < 0: liquidatable. Absorb credits
/// 190 · 0.6 = $114: the user's balance goes from -165 to 0 and the 51 USDC shortfall is the
/// reserves'; the COMP becomes the protocol's to sell at the store front.
#[test]
fn collateralisation_and_absorb_with_collateral() {
    let mut m = market(6 * E18 / 10, E18 / 2, zero(), zero());
    m.supply_base(Address::repeat_byte(0x51), u(1_000_000_000)).unwrap();
    m.supply_collateral(ALICE, 0, u(E18)).unwrap();
    assert_eq!(
        m.withdraw_base(ALICE, u(165_000_000)),
        Err(Error::revert(Protocol::CompoundV3, reason::NOT_COLLATERALIZED))
    );
    m.withdraw_base(ALICE, u(160_000_000)).unwrap();
    m.set_base_principal(ALICE, I256::try_from(-165_000_000i64).unwrap());
    m.set_totals(BASE_INDEX_SCALE, BASE_INDEX_SCALE, u(1_000_000_000), u(165_000_000));
    assert!(!m.is_liquidatable(ALICE).unwrap());
    m.set_price(0, u(190 * 100_000_000)).unwrap();
    assert!(m.is_liquidatable(ALICE).unwrap());
    let out = m.absorb(ALICE).unwrap();
    assert_eq!(out.seized, vec![u(E18)]);
    assert_eq!(out.base_paid_out, u(165_000_000));
    assert_eq!(out.shortfall, u(51_000_000));
    // Reserves now below target: the seized COMP is for sale at 190 · (1 - 0.5·0.4) = $152.
    assert_eq!(m.buy_collateral(0, u(152_000_000)).unwrap(), u(E18));
    assert_eq!(
        m.buy_collateral(0, u(1)),
        Err(Error::revert(Protocol::CompoundV3, reason::INSUFFICIENT_RESERVES))
    );
}

/// The same absorb through the shared vocabulary: health at $190 is 161.5/165 (WAD, floored),
/// the liquidation repays 114 of the 165 USDC and leaves 51 of bad debt to the reserves.
#[test]
fn absorb_through_the_lending_market_trait() {
    use faultline_lending::{BadDebtBearer, LendingMarket, LiquidationAmount, LiquidationRequest};
    let base = Address::repeat_byte(0xBA);
    let mut m = market(6 * E18 / 10, E18 / 2, zero(), zero());
    m.supply_base(Address::repeat_byte(0x51), u(1_000_000_000)).unwrap();
    m.supply_collateral(ALICE, 0, u(E18)).unwrap();
    LendingMarket::borrow(&mut m, ALICE, base, u(160_000_000)).unwrap();
    m.set_base_principal(ALICE, I256::try_from(-165_000_000i64).unwrap());
    m.set_totals(BASE_INDEX_SCALE, BASE_INDEX_SCALE, u(1_000_000_000), u(165_000_000));
    m.set_price(0, u(190 * 100_000_000)).unwrap();
    // 190e8 · 0.85 = 16150000000 against 165e8: 16150000000e18 / 16500000000 = 978787878787878787.
    assert_eq!(m.health(ALICE).unwrap().health_factor, u(978_787_878_787_878_787));
    assert!(LendingMarket::is_liquidatable(&m, ALICE).unwrap());
    let request = LiquidationRequest {
        borrower: ALICE,
        collateral_asset: Address::repeat_byte(0xC0),
        debt_asset: base,
        amount: LiquidationAmount::Debt(U256::MAX),
    };
    let out = LendingMarket::liquidate(&mut m, request).unwrap();
    assert_eq!(
        (out.debt_repaid, out.bad_debt, out.bad_debt_bearer),
        (u(114_000_000), u(51_000_000), BadDebtBearer::Reserves)
    );
    assert_eq!(out.collateral_seized, u(E18));
}
