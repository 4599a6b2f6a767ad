//! Interest rate models a Morpho Blue market can use, including the AdaptiveCurveIRM
//! (`morpho-org/morpho-blue-irm` `src/adaptive-curve-irm/AdaptiveCurveIrm.sol`, `ExpLib.sol`,
//! `MathLib.sol`), mirrored with its signed, round-toward-zero arithmetic.

use super::MarketState;
use crate::{Error, Result};
use alloy_primitives::{I256, U256};

const fn wad() -> I256 {
    I256::from_raw(U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]))
}

fn int(v: i128) -> I256 {
    I256::try_from(v).unwrap_or(I256::ZERO)
}

fn year() -> I256 {
    int(365 * 24 * 3600)
}

/// `ConstantsLib.CURVE_STEEPNESS` (4).
fn curve_steepness() -> I256 {
    int(4_000_000_000_000_000_000)
}
/// `ConstantsLib.ADJUSTMENT_SPEED` (50 per year, per second).
fn adjustment_speed() -> I256 {
    int(50_000_000_000_000_000_000) / year()
}
/// `ConstantsLib.TARGET_UTILIZATION` (90%).
fn target_utilization() -> I256 {
    int(900_000_000_000_000_000)
}
/// `ConstantsLib.INITIAL_RATE_AT_TARGET` (4% per year, per second).
pub fn initial_rate_at_target() -> I256 {
    int(40_000_000_000_000_000) / year()
}
fn min_rate_at_target() -> I256 {
    int(1_000_000_000_000_000) / year()
}
fn max_rate_at_target() -> I256 {
    int(2_000_000_000_000_000_000) / year()
}

const fn overflow() -> Error {
    Error::Arithmetic(faultline_core::Error::Overflow { op: "AdaptiveCurveIrm" })
}

/// `MathLib.wMulToZero`.
fn w_mul_to_zero(x: I256, y: I256) -> Result<I256> {
    Ok(x.checked_mul(y).ok_or_else(overflow)? / wad())
}

/// `MathLib.wDivToZero`.
fn w_div_to_zero(x: I256, y: I256) -> Result<I256> {
    if y.is_zero() {
        return Err(Error::Arithmetic(faultline_core::Error::DivisionByZero { op: "wDivToZero" }));
    }
    Ok(x.checked_mul(wad()).ok_or_else(overflow)? / y)
}

/// `ExpLib.wExp`: `e^x` in WAD via `x = q·ln2 + r` and a second-order Taylor polynomial for `e^r`.
pub fn w_exp(x: I256) -> I256 {
    let ln2 = int(693_147_180_559_945_309);
    let ln_wei = int(-41_446_531_673_892_822_312);
    let upper_bound = int(93_859_467_695_000_404_319);
    if x < ln_wei {
        return I256::ZERO;
    }
    if x >= upper_bound {
        // WEXP_UPPER_VALUE = 57716089161558943949701069502944508345128.422502756744429568 ether.
        return I256::from_dec_str("57716089161558943949701069502944508345128422502756744429568")
            .unwrap_or(I256::MAX);
    }
    let half = ln2 / int(2);
    let adjustment = if x < I256::ZERO { -half } else { half };
    let q = (x + adjustment) / ln2;
    let r = x - q * ln2;
    let exp_r = wad() + r + r * r / wad() / int(2);
    // exp_r > 0 (|r| <= ln2/2), so shifting its bits is the arithmetic shift Solidity does.
    let shift = q.unsigned_abs().to::<usize>();
    let raw = exp_r.into_raw();
    I256::from_raw(if q >= I256::ZERO { raw << shift } else { raw >> shift })
}

/// A market's rate model (`IIrm.borrowRate`), returning a per-second WAD rate.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Irm {
    /// `irm == address(0)`: the market accrues no interest at all.
    None,
    /// A constant per-second borrow rate (a fixed-rate IRM, as the test mocks use).
    Fixed {
        /// Borrow rate per second, WAD.
        rate_per_second: U256,
    },
    /// The AdaptiveCurveIRM with its stored `rateAtTarget` (0 before the first call).
    AdaptiveCurve {
        /// `rateAtTarget[id]`, per second, WAD.
        rate_at_target: I256,
    },
}

impl Irm {
    /// A fresh AdaptiveCurveIRM.
    pub const fn adaptive_curve() -> Self {
        Self::AdaptiveCurve { rate_at_target: I256::ZERO }
    }

    /// `borrowRate(marketParams, market)`, called by `_accrueInterest`; stores the adaptive
    /// curve's new rate at target. `None` when the market has no IRM.
    pub fn borrow_rate(&mut self, market: &MarketState, now: U256) -> Result<Option<U256>> {
        match self {
            Self::AdaptiveCurve { rate_at_target } => {
                let (rate, end) = adaptive_curve(*rate_at_target, market, now)?;
                *rate_at_target = end;
                Ok(Some(rate))
            }
            _ => self.borrow_rate_view(market, now),
        }
    }

    /// `borrowRateView`: the rate without updating any state.
    pub fn borrow_rate_view(&self, market: &MarketState, now: U256) -> Result<Option<U256>> {
        Ok(match self {
            Self::None => None,
            Self::Fixed { rate_per_second } => Some(*rate_per_second),
            Self::AdaptiveCurve { rate_at_target } => {
                Some(adaptive_curve(*rate_at_target, market, now)?.0)
            }
        })
    }
}

/// `AdaptiveCurveIrm._borrowRate`: `(average borrow rate, end rate at target)`.
fn adaptive_curve(start: I256, market: &MarketState, now: U256) -> Result<(U256, I256)> {
    let signed = |v: U256| I256::try_from(v).map_err(|_| overflow());
    let utilization = if market.total_supply_assets.is_zero() {
        I256::ZERO
    } else {
        signed(faultline_core::math::morpho::w_div_down(
            market.total_borrow_assets,
            market.total_supply_assets,
        )?)?
    };
    let target = target_utilization();
    let norm = if utilization > target { wad() - target } else { target };
    let err = w_div_to_zero(utilization - target, norm)?;
    let (avg, end) = if start.is_zero() {
        (initial_rate_at_target(), initial_rate_at_target())
    } else {
        let speed = w_mul_to_zero(adjustment_speed(), err)?;
        let elapsed = signed(now.checked_sub(market.last_update).ok_or_else(overflow)?)?;
        let linear = speed.checked_mul(elapsed).ok_or_else(overflow)?;
        if linear.is_zero() {
            (start, start)
        } else {
            let end = new_rate_at_target(start, linear)?;
            let mid = new_rate_at_target(start, linear / int(2))?;
            ((start + end + int(2) * mid) / int(4), end)
        }
    };
    // _curve
    let coeff = if err < I256::ZERO {
        wad() - w_div_to_zero(wad(), curve_steepness())?
    } else {
        curve_steepness() - wad()
    };
    let rate = w_mul_to_zero(w_mul_to_zero(coeff, err)? + wad(), avg)?;
    Ok((rate.into_raw(), end))
}

fn new_rate_at_target(start: I256, linear: I256) -> Result<I256> {
    let r = w_mul_to_zero(start, w_exp(linear))?;
    Ok(r.min(max_rate_at_target()).max(min_rate_at_target()))
}
