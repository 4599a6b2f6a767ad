//! Loads Morpho Blue markets and positions from the Morpho API exports in
//! `fixtures/morpho-xusd-deusd/` (`markets.csv`, `borrower_positions.csv`), validating every field.
//!
//! Pure: takes the CSV text. Integer columns must be exact: plain digits, or a decimal or
//! scientific form whose value is a whole number (`1e+24`, `0.0`); anything else (`-5`, `1.5`,
//! `abc`) is an error naming the row, the column and the value. Positions give borrowed *assets*
//! (the API does not export shares), so borrow shares are recovered with `toSharesDown` against
//! the market's totals, which can differ from the chain by rounding; collateral is exact.

use super::{Irm, MarketParams, MarketState, MorphoMarket, Position};
use crate::{Error, Result};
use alloy_primitives::{Address, U256};
use faultline_core::math::morpho::{to_shares_down, to_shares_up};
use std::collections::BTreeMap;

/// One market of the export, as a model.
#[derive(Debug, Clone)]
pub struct LoadedMorphoMarket {
    /// `market_id` (the Morpho market id, hex).
    pub id: String,
    /// Chain id.
    pub chain_id: u64,
    /// Collateral symbol.
    pub collateral_symbol: String,
    /// Loan symbol.
    pub loan_symbol: String,
    /// The market with its exported totals, oracle price and the exported positions.
    pub market: MorphoMarket,
    /// The exported health factor of each borrower (WAD, as the API computed it), for checks.
    pub reported_health: BTreeMap<Address, U256>,
}

/// Splits CSV text into rows of fields (double quotes allowed, `""` escapes a quote).
fn rows(text: &str) -> Vec<Vec<String>> {
    text.lines().filter(|l| !l.trim().is_empty()).map(split_line).collect()
}

/// Splits one CSV line into fields (double quotes allowed, `""` escapes a quote).
pub(crate) fn split_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(core::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    name: &'static str,
}

impl Table {
    fn parse(text: &str, name: &'static str) -> Result<Self> {
        let mut all = rows(text);
        if all.is_empty() {
            return Err(Error::invalid(name, "a header row", "an empty file"));
        }
        let header = all.remove(0);
        Ok(Self { header, rows: all, name })
    }

    fn get<'a>(&self, row: &'a [String], i: usize, column: &str) -> Result<&'a str> {
        let c = self.header.iter().position(|h| h == column).ok_or_else(|| {
            Error::invalid(
                format!("{}: column {column}", self.name),
                "present in the header",
                "missing",
            )
        })?;
        row.get(c).map(String::as_str).ok_or_else(|| {
            Error::invalid(format!("{}[{i}].{column}", self.name), "a value", "a short row")
        })
    }
}

/// An exact non-negative integer from `123`, `123.0`, `1.5e+3` (= 1500), ...
pub fn parse_integer(field: &str, text: &str) -> Result<U256> {
    parse_scaled(field, text, 0)
}

/// An exact decimal scaled by `10^decimals` (`0.915` with 18 → 915e15); more precision than that
/// is an error, as is a sign.
pub fn parse_scaled(field: &str, text: &str, decimals: u32) -> Result<U256> {
    let bad = || {
        Error::invalid(
            field,
            if decimals == 0 { "a whole non-negative number" } else { "a non-negative decimal" },
            format!("{text:?}"),
        )
    };
    let t = text.trim();
    let (mantissa, exponent) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], t[i + 1..].parse::<i64>().map_err(|_| bad())?),
        None => (t, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let digits: String = format!("{int}{frac}");
    // value = digits · 10^(exponent − len(frac) + decimals)
    let shift = exponent - i64::try_from(frac.len()).map_err(|_| bad())? + i64::from(decimals);
    let trimmed = digits.trim_start_matches('0');
    let mut value = if trimmed.is_empty() {
        U256::ZERO
    } else {
        U256::from_str_radix(trimmed, 10).map_err(|_| bad())?
    };
    if shift >= 0 {
        let scale = U256::from(10u8).checked_pow(U256::from(shift)).ok_or_else(bad)?;
        value = value.checked_mul(scale).ok_or_else(bad)?;
    } else {
        let scale = U256::from(10u8).checked_pow(U256::from(-shift)).ok_or_else(bad)?;
        let (q, r) = value.div_rem(scale);
        if !r.is_zero() {
            return Err(bad());
        }
        value = q;
    }
    Ok(value)
}

pub(crate) fn address(field: &str, text: &str) -> Result<Address> {
    text.parse::<Address>()
        .map_err(|_| Error::invalid(field, "a 20-byte hex address", format!("{text:?}")))
}

/// Loads every market of `markets_csv` with the positions of `positions_csv` in it.
pub fn load_markets(markets_csv: &str, positions_csv: &str) -> Result<Vec<LoadedMorphoMarket>> {
    let markets = Table::parse(markets_csv, "markets.csv")?;
    let mut loaded = Vec::with_capacity(markets.rows.len());
    for (i, row) in markets.rows.iter().enumerate() {
        let f = |c: &str| markets.get(row, i, c);
        let path = |c: &str| format!("markets.csv[{i}].{c}");
        let id = f("market_id")?.to_owned();
        let chain_id = parse_integer(&path("chain_id"), f("chain_id")?)?;
        let lltv = parse_scaled(&path("lltv"), f("lltv")?, 18)?;
        let fee = parse_scaled(&path("fee"), f("fee")?, 18)?;
        let params = MarketParams {
            loan_token: address(&path("loan_address"), f("loan_address")?)?,
            collateral_token: address(&path("collateral_address"), f("collateral_address")?)?,
            oracle: address(&path("oracle_address"), f("oracle_address")?)?,
            irm: address(&path("irm_address"), f("irm_address")?)?,
            lltv,
        };
        let now = parse_integer(&path("state_timestamp"), f("state_timestamp")?)?;
        let now = u64::try_from(now)
            .map_err(|_| Error::invalid(path("state_timestamp"), "a 64-bit timestamp", now))?;
        let u128_field = |c: &str| -> Result<U256> {
            let v = parse_integer(&path(c), f(c)?)?;
            if v > U256::from(u128::MAX) {
                Err(Error::invalid(path(c), "at most 2^128 - 1 (a uint128 slot)", v))
            } else {
                Ok(v)
            }
        };
        let state = MarketState {
            total_supply_assets: u128_field("supply_assets")?,
            total_supply_shares: u128_field("supply_shares")?,
            total_borrow_assets: u128_field("borrow_assets")?,
            total_borrow_shares: u128_field("borrow_shares")?,
            last_update: U256::from(now),
            fee,
        };
        if state.total_borrow_assets > state.total_supply_assets {
            return Err(Error::invalid(
                path("borrow_assets"),
                "at most supply_assets",
                state.total_borrow_assets,
            ));
        }
        let price = parse_integer(&path("oracle_price_raw"), f("oracle_price_raw")?)?;
        let market =
            MorphoMarket::from_state(params, state, BTreeMap::new(), Irm::None, price, now)
                .map_err(|e| match e {
                    Error::InvalidParameter { field, expected, found } => Error::InvalidParameter {
                        field: format!("markets.csv[{i}].{field}"),
                        expected,
                        found,
                    },
                    other => other,
                })?;
        loaded.push(LoadedMorphoMarket {
            id,
            chain_id: chain_id.to::<u64>(),
            collateral_symbol: f("collateral_symbol")?.to_owned(),
            loan_symbol: f("loan_symbol")?.to_owned(),
            market,
            reported_health: BTreeMap::new(),
        });
    }

    let positions = Table::parse(positions_csv, "borrower_positions.csv")?;
    for (i, row) in positions.rows.iter().enumerate() {
        let f = |c: &str| positions.get(row, i, c);
        let path = |c: &str| format!("borrower_positions.csv[{i}].{c}");
        let key = f("market_unique_key")?;
        let entry =
            loaded.iter_mut().find(|m| m.id.eq_ignore_ascii_case(key)).ok_or_else(|| {
                Error::invalid(path("market_unique_key"), "a market of markets.csv", key)
            })?;
        let user = address(&path("user_address"), f("user_address")?)?;
        let lltv = parse_integer(&path("lltv_raw"), f("lltv_raw")?)?;
        if lltv != entry.market.params().lltv {
            return Err(Error::invalid(path("lltv_raw"), "the market's LLTV", lltv));
        }
        let collateral = parse_integer(&path("collateral_raw"), f("collateral_raw")?)?;
        let borrowed = parse_integer(&path("borrow_assets_raw"), f("borrow_assets_raw")?)?;
        let supplied = parse_integer(&path("supply_assets_raw"), f("supply_assets_raw")?)?;
        let s = *entry.market.state();
        let position = Position {
            supply_shares: to_shares_down(supplied, s.total_supply_assets, s.total_supply_shares)?,
            borrow_shares: to_shares_up(borrowed, s.total_borrow_assets, s.total_borrow_shares)?
                .min(s.total_borrow_shares),
            collateral,
        };
        entry.market.insert_position(user, position);
        if !borrowed.is_zero() {
            let health =
                parse_scaled(&path("health_factor"), f("health_factor")?, 18).unwrap_or(U256::MAX);
            entry.reported_health.insert(user, health);
        }
    }
    Ok(loaded)
}
