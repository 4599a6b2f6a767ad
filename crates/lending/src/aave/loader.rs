//! Loads an Aave v3 market snapshot (the `fixtures/aave-v3/*.json` format: `reserves`, `eModes`,
//! `strategies` keyed by asset) into an [`AavePool`], validating every parameter.
//!
//! Pure: takes the JSON text or value, never a path. Every rejection names the field (with the
//! asset's symbol or address) and the value found.

use super::{
    AavePool, AaveVersion, EModeCategory, RateStrategy, Reserve, ReserveConfig, ReserveState,
};
use crate::{Error, Result};
use alloy_primitives::{Address, U256};
use faultline_core::{
    Rounding,
    math::percentage::{PERCENTAGE_FACTOR, percent_mul},
};
use serde_json::{Map, Value};

/// A loaded market: the pool, plus the snapshot's chain id.
#[derive(Debug, Clone)]
pub struct LoadedMarket {
    /// Chain the snapshot was read on.
    pub chain_id: u64,
    /// The pool: configurations, eModes, strategies, oracle prices and virtual balances. The
    /// snapshot has no per-user positions or indexes, so indexes start at 1 RAY.
    pub pool: AavePool,
}

/// Parses a snapshot from JSON text.
pub fn load_market(json: &str, version: AaveVersion, now: u64) -> Result<LoadedMarket> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| Error::invalid("<document>", "valid JSON", e))?;
    load_market_value(&value, version, now)
}

/// Parses a snapshot from a JSON value.
pub fn load_market_value(value: &Value, version: AaveVersion, now: u64) -> Result<LoadedMarket> {
    let chain_id = value.get("chainId").and_then(Value::as_u64).ok_or_else(|| {
        Error::invalid("chainId", "an unsigned integer", show(value.get("chainId")))
    })?;
    let reserves_json = object(value, "reserves", "reserves")?;
    let strategies_json = object(value, "strategies", "strategies")?;
    let emodes_json = object(value, "eModes", "eModes")?;

    let mut reserves: Vec<Reserve> = Vec::with_capacity(reserves_json.len());
    for (key, r) in reserves_json {
        let asset = address(key, &format!("reserves[{key}]"))?;
        let symbol = r.get("symbol").and_then(Value::as_str).unwrap_or(key).to_owned();
        let path = |field: &str| format!("reserves[{symbol}].{field}");
        let underlying = address(
            r.get("underlying").and_then(Value::as_str).unwrap_or(""),
            &path("underlying"),
        )?;
        if underlying != asset {
            return Err(Error::invalid(path("underlying"), "the reserve's own key", underlying));
        }
        let bps = |field: &str| -> Result<u16> {
            let v = uint(r.get(field), &path(field))?;
            if v > U256::from(u16::MAX) {
                return Err(Error::invalid(path(field), "bps below 65536", v));
            }
            Ok(v.to::<u16>())
        };
        let config = ReserveConfig {
            asset,
            symbol: symbol.clone(),
            id: bps("id")?,
            decimals: {
                let d = uint(r.get("decimals"), &path("decimals"))?;
                if d > U256::from(77u8) {
                    return Err(Error::invalid(path("decimals"), "at most 77", d));
                }
                d.to::<u8>()
            },
            ltv: bps("ltv")?,
            liquidation_threshold: bps("liquidationThreshold")?,
            liquidation_bonus: bps("liquidationBonus")?,
            liquidation_protocol_fee: bps("liquidationProtocolFee")?,
            reserve_factor: bps("reserveFactor")?,
            borrow_cap: uint(r.get("borrowCap"), &path("borrowCap"))?,
            supply_cap: uint(r.get("supplyCap"), &path("supplyCap"))?,
            debt_ceiling: uint(r.get("debtCeiling"), &path("debtCeiling"))?,
            borrowable_in_isolation: boolean(
                r.get("isBorrowableInIsolation"),
                &path("isBorrowableInIsolation"),
            )?,
            borrowing_enabled: boolean(r.get("borrowingEnabled"), &path("borrowingEnabled"))?,
            active: boolean(r.get("isActive"), &path("isActive"))?,
            frozen: boolean(r.get("isFrozen"), &path("isFrozen"))?,
            paused: boolean(r.get("isPaused"), &path("isPaused"))?,
        };
        validate_risk(&config, &path)?;
        if u64::from(config.reserve_factor) > 10_000
            || u64::from(config.liquidation_protocol_fee) > 10_000
        {
            return Err(Error::invalid(
                path("reserveFactor/liquidationProtocolFee"),
                "at most 10000 bps",
                format!("{}/{}", config.reserve_factor, config.liquidation_protocol_fee),
            ));
        }
        let price = uint(r.get("oracleLatestAnswer"), &path("oracleLatestAnswer"))?;
        let oracle_decimals = uint(r.get("oracleDecimals"), &path("oracleDecimals"))?;
        if oracle_decimals != U256::from(8u8) {
            return Err(Error::invalid(
                path("oracleDecimals"),
                "8 (AaveOracle's USD base)",
                oracle_decimals,
            ));
        }
        let strategy_json = strategies_json.get(key).ok_or_else(|| {
            Error::invalid(
                format!("strategies[{symbol}]"),
                "a rate strategy for every reserve",
                "none",
            )
        })?;
        let spath = |field: &str| format!("strategies[{symbol}].{field}");
        let strategy = RateStrategy {
            optimal_usage_ratio: uint(
                strategy_json.get("optimalUsageRatio"),
                &spath("optimalUsageRatio"),
            )?,
            base_variable_borrow_rate: uint(
                strategy_json.get("baseVariableBorrowRate"),
                &spath("baseVariableBorrowRate"),
            )?,
            variable_rate_slope1: uint(
                strategy_json.get("variableRateSlope1"),
                &spath("variableRateSlope1"),
            )?,
            variable_rate_slope2: uint(
                strategy_json.get("variableRateSlope2"),
                &spath("variableRateSlope2"),
            )?,
        };
        validate_strategy(&strategy, &spath)?;
        let mut state = ReserveState::new(now);
        state.virtual_balance = uint(r.get("virtualBalance"), &path("virtualBalance"))?;
        reserves.push(Reserve { config, strategy, state, price });
    }
    for key in strategies_json.keys() {
        if !reserves_json.contains_key(key) {
            let asset = address(key, &format!("strategies[{key}]"))?;
            return Err(Error::UnknownAsset { field: format!("strategies[{key}]"), asset });
        }
    }
    reserves.sort_by_key(|r| r.config.id);
    for (i, r) in reserves.iter().enumerate() {
        if usize::from(r.config.id) != i {
            return Err(Error::invalid(
                format!("reserves[{}].id", r.config.symbol),
                "ids 0..n without gaps or repeats",
                r.config.id,
            ));
        }
    }

    let mut e_modes = Vec::with_capacity(emodes_json.len());
    for (key, e) in emodes_json {
        let path = |field: &str| format!("eModes[{key}].{field}");
        let id = uint(e.get("eModeCategory"), &path("eModeCategory"))?;
        if id.is_zero()
            || id > U256::from(u8::MAX)
            || key.parse::<u64>().ok() != Some(id.to::<u64>())
        {
            return Err(Error::invalid(path("eModeCategory"), "1..=255, equal to the key", id));
        }
        let small = |field: &str| -> Result<u16> {
            let v = uint(e.get(field), &path(field))?;
            if v > U256::from(u16::MAX) {
                Err(Error::invalid(path(field), "bps below 65536", v))
            } else {
                Ok(v.to::<u16>())
            }
        };
        let bitmap = |field: &str| -> Result<u128> {
            let v = uint(e.get(field), &path(field))?;
            let bits = v.to::<u128>();
            if v > U256::from(u128::MAX) {
                return Err(Error::invalid(path(field), "a 128-bit bitmap", v));
            }
            if let Some(bit) =
                (0..128u32).find(|b| (bits >> b) & 1 == 1 && *b as usize >= reserves.len())
            {
                return Err(Error::invalid(
                    path(field),
                    "bits of listed reserves only",
                    format!("{v} (bit {bit} names no reserve; {} reserves)", reserves.len()),
                ));
            }
            Ok(bits)
        };
        let category = EModeCategory {
            id: id.to::<u8>(),
            label: e.get("label").and_then(Value::as_str).unwrap_or("").to_owned(),
            ltv: small("ltv")?,
            liquidation_threshold: small("liquidationThreshold")?,
            liquidation_bonus: small("liquidationBonus")?,
            collateral_bitmap: bitmap("collateralBitmap")?,
            borrowable_bitmap: bitmap("borrowableBitmap")?,
        };
        let config_like = ReserveConfig {
            asset: Address::ZERO,
            symbol: category.label.clone(),
            id: 0,
            decimals: 0,
            ltv: category.ltv,
            liquidation_threshold: category.liquidation_threshold,
            liquidation_bonus: category.liquidation_bonus,
            liquidation_protocol_fee: 0,
            reserve_factor: 0,
            borrow_cap: U256::ZERO,
            supply_cap: U256::ZERO,
            debt_ceiling: U256::ZERO,
            borrowable_in_isolation: false,
            borrowing_enabled: false,
            active: true,
            frozen: false,
            paused: false,
        };
        validate_risk(&config_like, &path)?;
        e_modes.push(category);
    }
    let pool = AavePool::new(version, reserves, e_modes, now)?;
    Ok(LoadedMarket { chain_id, pool })
}

/// `PoolConfigurator.configureReserveAsCollateral`'s rules: `ltv <= LT`, `LB > 100%` and
/// `LT · LB <= 100%` when the asset is collateral.
fn validate_risk(c: &ReserveConfig, path: &dyn Fn(&str) -> String) -> Result<()> {
    if c.ltv > c.liquidation_threshold {
        return Err(Error::invalid(
            path("liquidationThreshold"),
            "at least the LTV",
            format!("{} (below ltv {})", c.liquidation_threshold, c.ltv),
        ));
    }
    if c.liquidation_threshold != 0 {
        if u64::from(c.liquidation_bonus) <= 10_000 {
            return Err(Error::invalid(
                path("liquidationBonus"),
                "above 10000 bps (it includes the principal)",
                c.liquidation_bonus,
            ));
        }
        let product = percent_mul(
            U256::from(c.liquidation_threshold),
            U256::from(c.liquidation_bonus),
            Rounding::HalfUp,
        )?;
        if product > PERCENTAGE_FACTOR {
            return Err(Error::invalid(
                path("liquidationThreshold x liquidationBonus"),
                "at most 100%",
                format!("{} x {} = {product} bps", c.liquidation_threshold, c.liquidation_bonus),
            ));
        }
    }
    Ok(())
}

fn validate_strategy(s: &RateStrategy, path: &dyn Fn(&str) -> String) -> Result<()> {
    let ray = faultline_core::math::wad_ray::RAY;
    let one_percent = ray / U256::from(100u8);
    if s.optimal_usage_ratio < one_percent || s.optimal_usage_ratio > one_percent * U256::from(99u8)
    {
        return Err(Error::invalid(
            path("optimalUsageRatio"),
            "between 1% and 99% in RAY",
            s.optimal_usage_ratio,
        ));
    }
    if s.variable_rate_slope1 > s.variable_rate_slope2 {
        return Err(Error::invalid(
            path("variableRateSlope1"),
            "at most variableRateSlope2",
            s.variable_rate_slope1,
        ));
    }
    Ok(())
}

fn show(v: Option<&Value>) -> String {
    v.map_or_else(|| "nothing".to_owned(), Value::to_string)
}

fn object<'a>(value: &'a Value, key: &str, field: &str) -> Result<&'a Map<String, Value>> {
    value.get(key).and_then(Value::as_object).ok_or_else(|| {
        Error::invalid(field, "an object keyed by asset or id", show(value.get(key)))
    })
}

fn address(text: &str, field: &str) -> Result<Address> {
    text.parse::<Address>()
        .map_err(|_| Error::invalid(field, "a 20-byte hex address", format!("{text:?}")))
}

/// A non-negative integer given as a JSON number or a decimal string.
fn uint(value: Option<&Value>, field: &str) -> Result<U256> {
    match value {
        Some(Value::Number(n)) => n
            .as_u64()
            .map(U256::from)
            .ok_or_else(|| Error::invalid(field, "a non-negative integer", n)),
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            U256::from_str_radix(s, 10)
                .map_err(|_| Error::invalid(field, "an integer below 2^256", format!("{s:?}")))
        }
        other => Err(Error::invalid(field, "a non-negative integer", show(other))),
    }
}

fn boolean(value: Option<&Value>, field: &str) -> Result<bool> {
    value
        .and_then(Value::as_bool)
        .ok_or_else(|| Error::invalid(field, "true or false", show(value)))
}
