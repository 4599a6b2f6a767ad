//! Morpho Blue interest accrual as a run drives it ([`CascadeMarket::accrue`]): `_accrueInterest`
//! with the AdaptiveCurveIRM (`morpho-org/morpho-blue-irm` `AdaptiveCurveIrm.sol`), worked by hand
//! in the comments: the borrow rate the IRM gives at the market's utilisation, the interest
//! `wMulDown(totalBorrowAssets, wTaylorCompounded(rate, elapsed))`, and the fee minted as supply
//! shares, `toSharesDown(feeAmount, totalSupplyAssets − feeAmount, totalSupplyShares)`.
//!
//! Constants (`ConstantsLib`, per second over `365 days` = 31,536,000 s):
//! - `INITIAL_RATE_AT_TARGET` = ⌊0.04e18 / 31,536,000⌋ = 1,268,391,679;
//! - `MAX_RATE_AT_TARGET` = ⌊2e18 / 31,536,000⌋ = 63,419,583,967;
//! - `wTaylorCompounded(x, n)`: `first = x·n`, `second = ⌊first² / 2e18⌋`,
//!   `third = ⌊second·first / 3e18⌋`, the sum;
//! - virtual shares 1e6 and virtual assets 1 (`SharesMathLib`).

use alloy_primitives::{Address, I256, U256};
use faultline_lending::{
    cascade::{CascadeMarket, MorphoBook},
    morpho::{Irm, MarketParams, MarketState, MorphoMarket, ORACLE_PRICE_SCALE, Position},
};
use std::collections::BTreeMap;

const E18: u128 = 1_000_000_000_000_000_000;
const LENDER: Address = Address::repeat_byte(0x51);
const BORROWER: Address = Address::repeat_byte(0xB0);
const FEE_RECIPIENT: Address = Address::repeat_byte(0xFE);
/// The snapshot's time: the market last accrued then.
const T0: u64 = 1_762_124_400;
const HOUR: u64 = 3_600;

fn u(v: u128) -> U256 {
    U256::from(v)
}

/// A USDC-like market (6 decimals) with `supply` and `borrow` raw loan units, 1e18 supply shares
/// and 1e18 borrow shares, all the borrow held by one borrower, a 10% fee, the AdaptiveCurveIRM
/// at `rate_at_target`, last accrued at `T0`.
fn book(supply: u128, borrow: u128, rate_at_target: u128) -> MorphoBook {
    let params = MarketParams {
        loan_token: Address::repeat_byte(1),
        collateral_token: Address::repeat_byte(2),
        oracle: Address::repeat_byte(3),
        irm: Address::repeat_byte(4),
        lltv: u(86 * E18 / 100),
    };
    let state = MarketState {
        total_supply_assets: u(supply),
        total_supply_shares: u(E18),
        total_borrow_assets: u(borrow),
        total_borrow_shares: u(E18),
        last_update: U256::from(T0),
        fee: u(E18 / 10),
    };
    let positions = BTreeMap::from([
        (LENDER, Position { supply_shares: u(E18), ..Position::default() }),
        (BORROWER, Position { borrow_shares: u(E18), collateral: u(E18), ..Position::default() }),
    ]);
    let irm = Irm::AdaptiveCurve { rate_at_target: I256::try_from(rate_at_target).unwrap() };
    let mut market =
        MorphoMarket::from_state(params, state, positions, irm, ORACLE_PRICE_SCALE, T0).unwrap();
    market.set_fee_recipient(FEE_RECIPIENT);
    MorphoBook::new(market, 6, 18, vec![LENDER, BORROWER]).unwrap()
}

/// One hour at the target utilisation (90%: 900,000 of 1,000,000 USDC lent), the rate at target
/// the initial 4% a year. The error is 0, so the rate at target does not move (`linearAdaptation`
/// = 0: average = start = end) and the curve at error 0 is 1: the borrow rate is the rate at
/// target, 1,268,391,679 wei/s.
///
/// - `first` = 1,268,391,679 × 3,600 = 4,566,210,044,400;
/// - `second` = ⌊4,566,210,044,400² / 2e18⌋ = 10,425,137;
/// - `third` = ⌊10,425,137 × 4,566,210,044,400 / 3e18⌋ = 15;
/// - compounded = 4,566,220,469,552; interest = ⌊9e11 × 4,566,220,469,552 / 1e18⌋ = 4,109,598
///   (4.109598 USDC); both totals grow by it.
/// - fee = ⌊4,109,598 × 0.1⌋ = 410,959; fee shares = ⌊410,959 × (1e18 + 1e6) /
///   (1,000,004,109,598 − 410,959 + 1)⌋ = 410,957,480,016.
///
/// A second accrual at the same time changes nothing (`elapsed` = 0).
#[test]
fn an_hour_at_target_accrues_the_rate_at_target_with_its_fee() {
    let mut book = book(1_000_000_000_000, 900_000_000_000, 1_268_391_679);
    book.accrue(T0 + HOUR).unwrap();
    let state = *book.market().state();
    assert_eq!(state.total_borrow_assets, u(900_004_109_598));
    assert_eq!(state.total_supply_assets, u(1_000_004_109_598));
    assert_eq!(state.total_supply_shares, u(E18 + 410_957_480_016));
    assert_eq!(book.market().position(FEE_RECIPIENT).supply_shares, u(410_957_480_016));
    assert_eq!(state.last_update, U256::from(T0 + HOUR));
    book.accrue(T0 + HOUR).unwrap();
    assert_eq!(*book.market().state(), state, "no time, no interest");
    assert!(book.accrue(T0).is_err(), "the clock does not go back");
}

/// Three hours at 100% utilisation (1,000,000 USDC supplied, all lent), the rate at target at
/// its ceiling (`MAX_RATE_AT_TARGET`, 63,419,583,967): the error is (1 − 0.9)/(1 − 0.9) = 1, the
/// adaptation raises the rate at target but the ceiling clamps it, so start = mid = end and the
/// average is the ceiling; the curve at error 1 is (4 − 1)·1 + 1 = 4: the borrow rate is
/// 4 × 63,419,583,967 = 253,678,335,868 wei/s (800% a year), every hour (interest keeps borrow
/// equal to supply, so utilisation stays exactly 1e18).
///
/// Per hour: `first` = 253,678,335,868 × 3,600 = 913,242,009,124,800; `second` =
/// 417,005,483,615; `third` = 126,942,308; compounded = 913,659,141,550,723 (0.0914% an hour).
///
/// | hour | interest ⌊B·c/1e18⌋ | totals after | fee | fee shares |
/// |---|---:|---:|---:|---:|
/// | 1 | 913,659,141 | 1,000,913,659,141 | 91,365,914 | 91,290,846,155,519 |
/// | 2 | 914,493,914 | 1,001,828,153,055 | 91,449,391 | 91,299,179,872,080 |
/// | 3 | 915,329,450 | 1,002,743,482,505 | 91,532,945 | 91,307,515,078,373 |
///
/// Fee shares of hour `k`: ⌊fee × (shares + 1e6) / (totals − fee + 1)⌋ with the shares before it
/// (1e18, then 1,000,091,290,846,155,519, then 1,000,182,590,026,027,599). The borrower holds
/// every borrow share: its debt ⌈1e18 × (B + 1) / (1e18 + 1e6)⌉ is B itself each hour.
#[test]
fn three_hours_at_full_utilisation_compound_at_four_times_the_ceiling() {
    let mut book = book(1_000_000_000_000, 1_000_000_000_000, 63_419_583_967);
    let rows: [(u128, u128); 3] = [
        (1_000_913_659_141, 1_000_091_290_846_155_519),
        (1_001_828_153_055, 1_000_182_590_026_027_599),
        (1_002_743_482_505, 1_000_273_897_541_105_972),
    ];
    for (hour, (totals, shares)) in (1..).zip(rows) {
        book.accrue(T0 + hour * HOUR).unwrap();
        let state = book.market().state();
        assert_eq!(state.total_borrow_assets, u(totals), "hour {hour}: borrow");
        assert_eq!(state.total_supply_assets, u(totals), "hour {hour}: supply");
        assert_eq!(state.total_supply_shares, u(shares), "hour {hour}: supply shares");
        assert_eq!(book.market().borrowed(BORROWER).unwrap(), u(totals), "hour {hour}: debt");
    }
    assert_eq!(
        book.market().position(FEE_RECIPIENT).supply_shares,
        u(91_290_846_155_519 + 91_299_179_872_080 + 91_307_515_078_373)
    );
}
