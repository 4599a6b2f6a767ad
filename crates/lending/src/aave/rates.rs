//! `DefaultReserveInterestRateStrategyV2.calculateInterestRates` and `MathUtils` interest, per
//! version.

use super::AaveVersion;
use crate::{Error, Result};
use alloy_primitives::U256;
use faultline_core::{
    Rounding,
    math::{
        percentage::{PERCENTAGE_FACTOR, percent_mul},
        wad_ray::{RAY, ray_div, ray_mul},
    },
};

/// `MathUtils.SECONDS_PER_YEAR` (365 days).
pub const SECONDS_PER_YEAR: U256 = U256::from_limbs([31_536_000, 0, 0, 0]);

const H: Rounding = Rounding::HalfUp;

/// A reserve's V2 rate strategy, in RAY (the contract stores bps and multiplies by 1e23).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateStrategy {
    /// Usage ratio where the second slope starts (`optimalUsageRatio`).
    pub optimal_usage_ratio: U256,
    /// Borrow rate at zero usage.
    pub base_variable_borrow_rate: U256,
    /// Slope up to the optimal ratio.
    pub variable_rate_slope1: U256,
    /// Slope beyond it.
    pub variable_rate_slope2: U256,
}

/// The inputs `calculateInterestRates` receives (`CalculateInterestRatesParams`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateInputs {
    /// Unbacked supply: the deficit (v3.5+), unbacked plus deficit (v3.3).
    pub unbacked: U256,
    /// Liquidity entering the reserve in this operation.
    pub liquidity_added: U256,
    /// Liquidity leaving it.
    pub liquidity_taken: U256,
    /// Total variable debt.
    pub total_debt: U256,
    /// Reserve factor, bps.
    pub reserve_factor: U256,
    /// `virtualUnderlyingBalance` before this operation.
    pub virtual_underlying_balance: U256,
}

fn checked(op: &'static str, v: Option<U256>) -> Result<U256> {
    v.ok_or(Error::Arithmetic(faultline_core::Error::Overflow { op }))
}

impl RateStrategy {
    /// `(liquidityRate, variableBorrowRate)`, both RAY per year.
    pub fn calculate_interest_rates(&self, p: &RateInputs) -> Result<(U256, U256)> {
        if p.total_debt.is_zero() {
            return Ok((U256::ZERO, self.base_variable_borrow_rate));
        }
        let available = p
            .virtual_underlying_balance
            .checked_add(p.liquidity_added)
            .and_then(|v| v.checked_sub(p.liquidity_taken))
            .ok_or(Error::Arithmetic(faultline_core::Error::Underflow {
                op: "availableLiquidity",
            }))?;
        let plus_debt = checked("availableLiquidityPlusDebt", available.checked_add(p.total_debt))?;
        let borrow_usage = ray_div(p.total_debt, plus_debt, H)?;
        let supply_usage =
            ray_div(p.total_debt, checked("plus unbacked", plus_debt.checked_add(p.unbacked))?, H)?;
        let mut borrow_rate = self.base_variable_borrow_rate;
        if borrow_usage > self.optimal_usage_ratio {
            let excess = ray_div(
                borrow_usage - self.optimal_usage_ratio,
                RAY - self.optimal_usage_ratio,
                H,
            )?;
            let add = checked(
                "slope",
                self.variable_rate_slope1.checked_add(ray_mul(
                    self.variable_rate_slope2,
                    excess,
                    H,
                )?),
            )?;
            borrow_rate = checked("rate", borrow_rate.checked_add(add))?;
        } else {
            let add = ray_div(
                ray_mul(self.variable_rate_slope1, borrow_usage, H)?,
                self.optimal_usage_ratio,
                H,
            )?;
            borrow_rate = checked("rate", borrow_rate.checked_add(add))?;
        }
        let factor = PERCENTAGE_FACTOR.checked_sub(p.reserve_factor).ok_or_else(|| {
            Error::invalid("reserveFactor", "at most 10000 bps", p.reserve_factor)
        })?;
        let liquidity_rate = percent_mul(ray_mul(borrow_rate, supply_usage, H)?, factor, H)?;
        Ok((liquidity_rate, borrow_rate))
    }
}

/// `MathUtils.calculateLinearInterest`: `RAY + rate·Δt / year` (floor).
pub fn linear_interest(rate: U256, elapsed: U256) -> Result<U256> {
    let growth = checked("calculateLinearInterest", rate.checked_mul(elapsed))? / SECONDS_PER_YEAR;
    checked("calculateLinearInterest", RAY.checked_add(growth))
}

/// `MathUtils.calculateCompoundedInterest` of the given version: v3.3's per-second binomial
/// expansion, or v3.4+'s `1 + x + x²/2 + x³/6` with `x = rate·Δt/year`. Both run `unchecked` in
/// Solidity; inputs here are realistic rates, and an overflow is reported rather than wrapped.
pub fn compounded_interest(version: AaveVersion, rate: U256, elapsed: U256) -> Result<U256> {
    if elapsed.is_zero() {
        return Ok(RAY);
    }
    let op = "calculateCompoundedInterest";
    if version.binomial_compounding() {
        let exp_minus_one = elapsed - U256::from(1u8);
        let exp_minus_two = elapsed.saturating_sub(U256::from(2u8));
        let base_power_two = ray_mul(rate, rate, H)? / (SECONDS_PER_YEAR * SECONDS_PER_YEAR);
        let base_power_three = ray_mul(base_power_two, rate, H)? / SECONDS_PER_YEAR;
        let second = checked(
            op,
            elapsed.checked_mul(exp_minus_one).and_then(|v| v.checked_mul(base_power_two)),
        )? / U256::from(2u8);
        let third = checked(
            op,
            elapsed
                .checked_mul(exp_minus_one)
                .and_then(|v| v.checked_mul(exp_minus_two))
                .and_then(|v| v.checked_mul(base_power_three)),
        )? / U256::from(6u8);
        let first = checked(op, rate.checked_mul(elapsed))? / SECONDS_PER_YEAR;
        checked(
            op,
            RAY.checked_add(first)
                .and_then(|v| v.checked_add(second))
                .and_then(|v| v.checked_add(third)),
        )
    } else {
        let x = checked(op, rate.checked_mul(elapsed))? / SECONDS_PER_YEAR;
        let inner =
            checked(op, (x / U256::from(2u8)).checked_add(ray_mul(x, x / U256::from(6u8), H)?))?;
        checked(op, RAY.checked_add(x).and_then(|v| v.checked_add(ray_mul(x, inner, H).ok()?)))
    }
}
