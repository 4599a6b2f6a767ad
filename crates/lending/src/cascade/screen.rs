//! Morpho's health test screened in `f64`, confirmed exactly near the boundary.
//!
//! Morpho calls a position unhealthy at oracle price `P` when
//! `⌊⌊c·P/1e36⌋·L/1e18⌋ < ⌈b·(A+1)/(S+1e6)⌉` ([`MorphoMarket::max_borrow_of`] against
//! [`MorphoMarket::debt_of`]). A cascade asks this of every candidate each round, and the two
//! sides are four 256-bit multiplications and divisions. Most candidates are far from the line:
//! the same quotients in `f64` (each within a few parts in 1e16 of the real quotient; the
//! contract's two floors and its ceiling move the sides by less than 2 and 1) decide them when
//! they are apart by more than a slack of `4 + 1e-12` of the larger side, and anything closer,
//! or large enough that an exact product could overflow 256 bits (where the contract would
//! revert), is decided by the exact integer test. So the answer, and any error, is always the
//! exact test's: a property test checks the screen against it, boundaries included.

use crate::Result;
use crate::morpho::{MorphoMarket, Position};
use alloy_primitives::U256;

/// Below 2^256 ≈ 1.16e77 by more than the estimates' error: a product estimated under this
/// cannot overflow in the exact test.
const SAFE: f64 = 1e75;

/// `max_borrow_of(position, price) < debt_of(position)`, with the exact test's errors.
pub(super) fn unhealthy(m: &MorphoMarket, position: &Position, price: U256) -> Result<bool> {
    if let Some(answer) = screen(m, position, price) {
        return Ok(answer);
    }
    let debt = m.debt_of(position)?;
    Ok(m.max_borrow_of(position, price)? < debt)
}

/// The answer when the `f64` estimates decide it, `None` when only the exact test can.
fn screen(m: &MorphoMarket, position: &Position, price: U256) -> Option<bool> {
    let state = m.state();
    let shares = approx(position.borrow_shares);
    let assets_total = approx(state.total_borrow_assets) + 1.0;
    let shares_total = approx(state.total_borrow_shares) + 1e6;
    let collateral = approx(position.collateral);
    let (price, lltv) = (approx(price), approx(m.params().lltv));
    let owed = shares * assets_total;
    let worth = collateral * price;
    if owed >= SAFE || worth >= SAFE || assets_total >= SAFE || shares_total >= SAFE {
        return None;
    }
    let value = worth / 1e36;
    if value * lltv >= SAFE {
        return None;
    }
    let max_borrow = value * lltv / 1e18;
    let debt = owed / shares_total;
    let slack = 1e-12f64.mul_add(max_borrow.max(debt), 4.0);
    if max_borrow + slack < debt {
        Some(true)
    } else if max_borrow > debt + slack {
        Some(false)
    } else {
        None
    }
}

/// `x` to within a few units in the last place of the nearest `f64` (three steps, each rounded
/// once). Plain multiply-adds: `mul_add` is a library call on a CPU without FMA, and the screen
/// needs no extra precision.
#[allow(
    clippy::cast_precision_loss,
    clippy::suboptimal_flops,
    reason = "a screen, confirmed exactly near the boundary"
)]
fn approx(x: U256) -> f64 {
    const LIMB: f64 = 18_446_744_073_709_551_616.0;
    let [a, b, c, d] = *x.as_limbs();
    ((d as f64 * LIMB + c as f64) * LIMB + b as f64) * LIMB + a as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::morpho::{Irm, MarketParams, MarketState};
    use alloy_primitives::Address;
    use proptest::prelude::*;

    fn u(x: u128) -> U256 {
        U256::from(x)
    }

    fn market(lltv: u128, assets: u128, shares: u128) -> MorphoMarket {
        let params = MarketParams {
            loan_token: Address::repeat_byte(1),
            collateral_token: Address::repeat_byte(2),
            oracle: Address::repeat_byte(3),
            irm: Address::ZERO,
            lltv: u(lltv),
        };
        let state = MarketState {
            total_supply_assets: u(assets).saturating_mul(u(2)),
            total_supply_shares: u(shares).saturating_mul(u(2)),
            total_borrow_assets: u(assets),
            total_borrow_shares: u(shares),
            ..MarketState::default()
        };
        MorphoMarket::from_positions(params, state, [], Irm::None, U256::ZERO, 0).unwrap()
    }

    fn exact(m: &MorphoMarket, p: &Position, price: U256) -> Result<bool> {
        let debt = m.debt_of(p)?;
        Ok(m.max_borrow_of(p, price)? < debt)
    }

    /// Zero, or six significant digits at any magnitude up to 1e38 (a uniform draw would
    /// almost always be near u128::MAX, where the screen abstains).
    fn wide() -> impl Strategy<Value = u128> {
        prop_oneof![
            1 => Just(0u128),
            9 => (1u128..1_000_000, 0u32..33).prop_map(|(m, e)| m * 10u128.pow(e)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4_000))]

        /// Random positions, and positions placed on the boundary (collateral solved so that
        /// the two sides meet, then nudged by a few units), agree with the exact test.
        #[test]
        fn the_screen_is_the_exact_test(
            lltv in 1u128..1_000_000_000_000_000_000,
            assets in wide(),
            shares_per_asset in 1u128..10_000_000,
            borrow in wide(),
            price_exp in 0u32..60,
            price_mant in 1u128..1_000_000,
            nudge in -8i128..8,
            on_boundary in any::<bool>(),
            collateral in wide(),
        ) {
            let shares = assets.saturating_mul(shares_per_asset);
            let m = market(lltv, assets, shares);
            let price = u(price_mant) * U256::from(10u8).pow(U256::from(price_exp));
            let mut position =
                Position { supply_shares: U256::ZERO, borrow_shares: u(borrow), collateral: u(collateral) };
            if on_boundary && let Ok(debt) = m.debt_of(&position) && !price.is_zero() {
                // c = debt·1e36·1e18 / (price·lltv), then a few units either way.
                let scale = U256::from(10u8).pow(U256::from(54u8));
                if let (Some(num), Some(den)) = (debt.checked_mul(scale), price.checked_mul(u(lltv))) {
                    let c = num / den;
                    let c = if nudge < 0 { c.saturating_sub(u(nudge.unsigned_abs())) } else { c.saturating_add(u(nudge.unsigned_abs())) };
                    position.collateral = c;
                }
            }
            let screened = unhealthy(&m, &position, price);
            let want = exact(&m, &position, price);
            prop_assert_eq!(screened.is_ok(), want.is_ok());
            if let (Ok(a), Ok(b)) = (screened, want) {
                prop_assert_eq!(a, b);
            }
        }
    }

    #[test]
    fn near_the_line_the_exact_test_decides() {
        // LLTV 0.8, 1e6 shares per asset, price 1e36 (one loan unit per collateral unit).
        let m = market(800_000_000_000_000_000, 1_000_000, 1_000_000_000_000);
        let price = U256::from(10u8).pow(U256::from(36u8));
        let p = |b: u128, c: u128| Position {
            supply_shares: U256::ZERO,
            borrow_shares: u(b),
            collateral: u(c),
        };
        // Debt of 1e12 shares: ⌈1e12·(1e6+1)/(1e12+1e6)⌉ = 1,000,000 exactly (the denominator
        // is 1e6·(1e6+1)). Max borrow at collateral c: ⌊0.8·c⌋. c = 1,250,000 → 1,000,000:
        // healthy, on the line, where the screen abstains.
        assert_eq!(screen(&m, &p(1_000_000_000_000, 1_250_000), price), None);
        assert!(!unhealthy(&m, &p(1_000_000_000_000, 1_250_000), price).unwrap());
        // c = 1,249,998 → 999,998 < 1,000,000: unhealthy, within the slack (4), so exact.
        assert_eq!(screen(&m, &p(1_000_000_000_000, 1_249_998), price), None);
        assert!(unhealthy(&m, &p(1_000_000_000_000, 1_249_998), price).unwrap());
        // Far from the line the screen answers alone.
        assert_eq!(screen(&m, &p(1_000_000_000_000, 2_000_000), price), Some(false));
        assert_eq!(screen(&m, &p(1_000_000_000_000, 1_000_000), price), Some(true));
    }
}
