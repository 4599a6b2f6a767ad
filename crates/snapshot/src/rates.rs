//! Optional rate parameters of Aave v3, Compound v3 and Euler v2 markets, raw as each contract
//! stores them. With them a run accrues interest each step by the contract's own rule; without
//! them nothing accrues (and the report says so per market). Morpho Blue's rate state is
//! [`crate::MorphoIrmSpec`].
//!
//! Each market's accrual starts at the snapshot's `timestamp`: Aave's indexes start at 1 RAY and
//! Comet's at the snapshot's indexes, both as of that time, and the balances given are the
//! balances then.

use crate::{LendingProtocolSpec, Raw, Snapshot};
use alloy_primitives::U256;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An Aave v3 reserve's `DefaultReserveInterestRateStrategyV2` parameters, each in RAY (the
/// contract stores bps and multiplies by 1e23; rates are per year).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AaveRateSpec {
    /// `optimalUsageRatio`, RAY (above 0, at most 1e27).
    pub optimal_usage_ratio: Raw,
    /// `baseVariableBorrowRate`, RAY per year.
    pub base_variable_borrow_rate: Raw,
    /// `variableRateSlope1`, RAY per year.
    pub variable_rate_slope1: Raw,
    /// `variableRateSlope2`, RAY per year.
    pub variable_rate_slope2: Raw,
}

/// A Comet market's rate curves (`Comet.sol` configuration), yearly figures in 1e18 as the
/// configurator takes them (the contract divides each by `SECONDS_PER_YEAR`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CometRatesSpec {
    /// `supplyKink`, `supplyPerYearInterestRateBase`, `...SlopeLow`, `...SlopeHigh`.
    pub supply: CometCurveSpec,
    /// `borrowKink`, `borrowPerYearInterestRateBase`, `...SlopeLow`, `...SlopeHigh`.
    pub borrow: CometCurveSpec,
}

/// One kinked curve of a Comet market, 1e18.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CometCurveSpec {
    /// Utilisation at the kink, 1e18 (at most 1e18).
    pub kink: Raw,
    /// Rate at zero utilisation, per year, 1e18.
    pub base_per_year: Raw,
    /// Slope below the kink, per year, 1e18.
    pub slope_low_per_year: Raw,
    /// Slope above the kink, per year, 1e18.
    pub slope_high_per_year: Raw,
}

/// An Euler v2 vault's `IRMLinearKink` (per-second rates in RAY per unit of the 32-bit
/// utilisation `borrows·(2^32 − 1)/(cash + borrows)`) and its `interestFee`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EulerIrmSpec {
    /// `baseRate`, RAY per second.
    pub base_rate: Raw,
    /// `slope1`, RAY per second per utilisation unit.
    pub slope1: Raw,
    /// `slope2`, RAY per second per utilisation unit.
    pub slope2: Raw,
    /// `kink`, in units of `2^32 − 1`.
    pub kink: u32,
    /// `interestFee`, 1e4 scale (the default is 1,000: 10%).
    #[serde(default = "interest_fee_default")]
    pub interest_fee: u16,
}

const fn interest_fee_default() -> u16 {
    1_000
}

/// 1e18.
const WAD: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);

/// Range problems of an Aave rate strategy, as `(field, message)`.
fn check_aave(r: &AaveRateSpec) -> Vec<(&'static str, String)> {
    let ray = WAD * U256::from(1_000_000_000u64);
    let mut out = Vec::new();
    let optimal = r.optimal_usage_ratio.0;
    if optimal.is_zero() || optimal > ray {
        out.push((
            "optimal_usage_ratio",
            format!("expected a RAY above 0 and at most 1e27, found {optimal}"),
        ));
    }
    // The contract stores each rate in bps as a uint32: at most 2^32 - 1 bps (429,496,729%).
    let cap = U256::from(u32::MAX) * U256::from(100_000_000_000_000_000_000_000u128);
    for (field, value) in [
        ("base_variable_borrow_rate", r.base_variable_borrow_rate.0),
        ("variable_rate_slope1", r.variable_rate_slope1.0),
        ("variable_rate_slope2", r.variable_rate_slope2.0),
    ] {
        if value > cap {
            out.push((
                field,
                format!("expected a RAY rate of at most (2^32 - 1) bps, found {value}"),
            ));
        }
    }
    out
}

/// Range problems of Comet rate curves, as `(field, message)`.
fn check_comet(r: &CometRatesSpec) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for (field, curve) in [("supply.kink", &r.supply), ("borrow.kink", &r.borrow)] {
        if curve.kink.0 > WAD {
            out.push((field, format!("expected at most 1e18, found {}", curve.kink.0)));
        }
    }
    // Comet stores each per-second figure as a uint64 (`safe64`).
    let cap = U256::from(u64::MAX) * U256::from(31_536_000u64);
    for (field, value) in [
        ("supply.base_per_year", r.supply.base_per_year.0),
        ("supply.slope_low_per_year", r.supply.slope_low_per_year.0),
        ("supply.slope_high_per_year", r.supply.slope_high_per_year.0),
        ("borrow.base_per_year", r.borrow.base_per_year.0),
        ("borrow.slope_low_per_year", r.borrow.slope_low_per_year.0),
        ("borrow.slope_high_per_year", r.borrow.slope_high_per_year.0),
    ] {
        if value > cap {
            out.push((
                field,
                format!("expected a yearly rate within uint64 per second, found {value}"),
            ));
        }
    }
    out
}

/// Range problems of an Euler IRM, as `(field, message)`.
fn check_euler(r: &EulerIrmSpec) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    // EVault caps the stored rate at MAX_ALLOWED_INTEREST_RATE (1,000,000% APY, about
    // 2.2e20 RAY per second less RAY); a slope above it at one utilisation unit is not a model.
    let cap = U256::from(1_000_000_000_000_000_000_000_000u128);
    for (field, value) in
        [("base_rate", r.base_rate.0), ("slope1", r.slope1.0), ("slope2", r.slope2.0)]
    {
        if value > cap {
            out.push((field, format!("expected at most 1e27 (RAY per second), found {value}")));
        }
    }
    if r.interest_fee > 10_000 {
        out.push(("interest_fee", format!("expected at most 10000, found {}", r.interest_fee)));
    }
    out
}

/// `AdaptiveCurveIrm`'s bounds on `rateAtTarget`, WAD per second: `MIN_RATE_AT_TARGET`
/// (0.1% a year) and `MAX_RATE_AT_TARGET` (200% a year), each over `365 days`.
fn adaptive_curve_bounds() -> (U256, U256) {
    let year = U256::from(31_536_000u64);
    (WAD / U256::from(1_000u64) / year, WAD * U256::from(2u8) / year)
}

/// Every range problem of the snapshot's rate state, as `(JSON path, message)`: Morpho IRM
/// state (a `rateAtTarget` of 0, a market never accrued, or within the IRM's bounds; a
/// `lastUpdate` not after the snapshot), Aave rate strategies, Comet curves, Euler IRMs.
pub(crate) fn problems(snapshot: &Snapshot) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, market) in snapshot.lending_markets.iter().enumerate() {
        let base = format!("$.lending_markets[{i}].protocol");
        match &market.protocol {
            LendingProtocolSpec::MorphoBlue(m) => {
                let Some(irm) = &m.irm else { continue };
                let at = |field: &str| format!("{base}.morpho_blue.irm.{field}");
                let (min, max) = adaptive_curve_bounds();
                let rate = irm.rate_at_target.0;
                if !rate.is_zero() && (rate < min || rate > max) {
                    out.push((
                        at("rate_at_target"),
                        format!(
                            "expected 0 or a WAD per second within [{min}, {max}], found {rate}"
                        ),
                    ));
                }
                if irm.last_update > snapshot.timestamp {
                    out.push((
                        at("last_update"),
                        format!(
                            "expected a time not after the snapshot's timestamp ({}), found {}",
                            snapshot.timestamp, irm.last_update
                        ),
                    ));
                }
            }
            LendingProtocolSpec::AaveV3(m) => {
                for (j, r) in m.reserves.iter().enumerate() {
                    let Some(rates) = &r.rate_strategy else { continue };
                    for (field, message) in check_aave(rates) {
                        out.push((
                            format!("{base}.aave_v3.reserves[{j}].rate_strategy.{field}"),
                            message,
                        ));
                    }
                }
            }
            LendingProtocolSpec::CompoundV3(m) => {
                let Some(rates) = &m.rates else { continue };
                for (field, message) in check_comet(rates) {
                    out.push((format!("{base}.compound_v3.rates.{field}"), message));
                }
            }
            LendingProtocolSpec::EulerV2(m) => {
                let Some(irm) = &m.irm else { continue };
                for (field, message) in check_euler(irm) {
                    out.push((format!("{base}.euler_v2.irm.{field}"), message));
                }
            }
        }
    }
    out
}
