//! Builders the lending integration tests share.
// Each test binary compiles this module and uses only some of it.
#![allow(dead_code)]

use alloy_primitives::{Address, U256};
use faultline_lending::aave::{RateStrategy, ReserveConfig};

/// An active, borrowable Aave reserve with no caps and no debt ceiling: liquidation bonus 105%,
/// protocol fee 10%, reserve factor 10%.
pub(crate) const fn reserve_config(
    asset: Address,
    symbol: String,
    id: u16,
    decimals: u8,
    ltv: u16,
    lt: u16,
) -> ReserveConfig {
    ReserveConfig {
        asset,
        symbol,
        id,
        decimals,
        ltv,
        liquidation_threshold: lt,
        liquidation_bonus: 10_500,
        liquidation_protocol_fee: 1000,
        reserve_factor: 1000,
        borrow_cap: U256::ZERO,
        supply_cap: U256::ZERO,
        debt_ceiling: U256::ZERO,
        borrowable_in_isolation: false,
        borrowing_enabled: true,
        active: true,
        frozen: false,
        paused: false,
    }
}

/// A V2 rate strategy with no base rate: optimal usage 80%, slopes 4% and 60% (RAY).
pub(crate) fn zero_base_strategy() -> RateStrategy {
    let ray_percent = |p: u8| U256::from(p) * U256::from(10u8).pow(U256::from(25u8));
    RateStrategy {
        optimal_usage_ratio: ray_percent(80),
        base_variable_borrow_rate: U256::ZERO,
        variable_rate_slope1: ray_percent(4),
        variable_rate_slope2: ray_percent(60),
    }
}
