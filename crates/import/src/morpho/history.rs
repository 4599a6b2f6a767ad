//! Time series: `asset_prices_hourly.csv` (hourly USD prices by symbol and chain) and the
//! hourly market histories, turned into a price path, an observed series, and the totals that
//! place a snapshot at an earlier hour ([`rewind`]).

use super::{
    Observation,
    markets::Market,
    rows::{HistoryRow, PriceRow},
    vaults::{Vault, supply_in_markets},
};
use crate::{
    error::{ImportError, Warnings},
    fields::{self, At},
    rows,
};
use alloy_primitives::U256;
use faultline_core::{Rounding, decimal::to_decimal, math::mul_div};
use faultline_orchestrator::{
    scenario::PricePoint,
    snapshot::{Confidence, SourceKind},
};
use rust_decimal::{Decimal, MathematicalOps};
use std::collections::{BTreeMap, BTreeSet};

const PRICES: &str = "asset_prices_hourly.csv";

/// Hourly prices by token id, by Unix time.
pub(crate) type Prices = BTreeMap<String, BTreeMap<u64, Decimal>>;

/// One hour of a market's history.
#[derive(Debug, Clone)]
pub(crate) struct HistoryPoint {
    line: u64,
    timestamp: u64,
    supply: U256,
    borrow: U256,
    collateral: U256,
}

/// Reads the hourly prices of the snapshot's tokens. A symbol priced on one chain only is used
/// for the same symbol on the snapshot's other chains, with a warning.
pub(crate) fn prices(
    text: &str,
    markets: &mut [Market],
    warnings: &mut Warnings,
) -> Result<Prices, ImportError> {
    let chains: BTreeMap<u64, String> =
        markets.iter().map(|m| (m.chain_id, m.chain.clone())).collect();
    let mut by_symbol_chain: BTreeMap<(String, u64), BTreeMap<u64, Decimal>> = BTreeMap::new();
    let mut repeated = 0usize;
    for row in rows::read::<PriceRow>(PRICES, text)? {
        let r = &row.record;
        let at = |column: &'static str| At { file: PRICES, line: row.line, column };
        let chain_id = u64::try_from(fields::raw(at("chain_id"), &r.chain_id, warnings)?)
            .map_err(|_| at("chain_id").error("expected a chain id"))?;
        let timestamp = u64::try_from(fields::raw(at("timestamp"), &r.timestamp, warnings)?)
            .map_err(|_| at("timestamp").error("expected a Unix time"))?;
        let Some(price) = fields::decimal_opt(at("price_usd"), &r.price_usd)? else {
            at("price_usd").warn(warnings, "no price; the hour is skipped");
            continue;
        };
        let series = by_symbol_chain.entry((r.symbol.trim().to_owned(), chain_id)).or_default();
        match series.insert(timestamp, price) {
            Some(old) if old != price => at("price_usd").warn(
                warnings,
                format!(
                    "{} at {timestamp} given again with {price} (was {old}); the later row kept",
                    r.symbol.trim()
                ),
            ),
            Some(_) => repeated += 1,
            None => {}
        }
    }
    if repeated > 0 {
        warnings.file(PRICES, format!("{repeated} rows repeat an earlier row's symbol, chain, hour and price (daily rows over the hourly ones); each kept once"));
    }
    let mut out = Prices::new();
    let tokens: BTreeSet<(String, String, u64)> = markets
        .iter()
        .flat_map(|m| {
            [
                (m.collateral.id.clone(), m.collateral.symbol.clone(), m.chain_id),
                (m.loan.id.clone(), m.loan.symbol.clone(), m.chain_id),
            ]
        })
        .collect();
    for (id, symbol, chain_id) in tokens {
        if let Some(series) = by_symbol_chain.get(&(symbol.clone(), chain_id)) {
            out.insert(id, series.clone());
        } else if let Some(((_, other), series)) =
            by_symbol_chain.iter().find(|((s, _), _)| *s == symbol)
        {
            warnings.file(
                PRICES,
                format!(
                    "no {symbol} prices on {}; {id} follows {symbol} on {} (the same token's price \
                     on another chain)",
                    chains.get(&chain_id).map_or("this chain", String::as_str),
                    chains.get(other).map_or("another chain", String::as_str)
                ),
            );
            out.insert(id, series.clone());
        }
    }
    // The last market price of each collateral is the reference its oracle's recorded answer
    // is compared with (the API's own price can be stale).
    for m in markets.iter_mut() {
        if let Some((_, last)) = out.get(&m.collateral.id).and_then(|s| s.last_key_value())
            && !m.loan.price_usd.is_zero()
        {
            m.pull_ratio = *last / m.loan.price_usd;
        }
    }
    Ok(out)
}

/// Reads one market history and finds its market: the file names only its chain, so the
/// market is the one on that chain whose collateral is nearest the history's last hour's.
pub(crate) fn market_history(
    file: &str,
    chain: &str,
    text: &str,
    markets: &[Market],
    warnings: &mut Warnings,
) -> Result<(String, Vec<HistoryPoint>), ImportError> {
    let mut points = Vec::new();
    for row in rows::read::<HistoryRow>(file, text)? {
        let r = &row.record;
        let at = |column: &'static str| At { file, line: row.line, column };
        points.push(HistoryPoint {
            line: row.line,
            timestamp: u64::try_from(fields::raw(at("timestamp"), &r.timestamp, warnings)?)
                .map_err(|_| at("timestamp").error("expected a Unix time"))?,
            supply: fields::raw(at("supply_assets"), &r.supply_assets, warnings)?,
            borrow: fields::raw(at("borrow_assets"), &r.borrow_assets, warnings)?,
            collateral: fields::raw(at("collateral_assets"), &r.collateral_assets, warnings)?,
        });
    }
    points.sort_by_key(|p| p.timestamp);
    let last = points.last().ok_or_else(|| ImportError {
        place: crate::error::Place::file(file),
        message: "expected hourly rows, found none".into(),
    })?;
    let chain = chain.to_lowercase();
    let gap = |m: &Market| -> Decimal {
        let a = to_decimal(m.collateral_assets, m.collateral.decimals, 6, Rounding::Down)
            .unwrap_or(Decimal::MAX);
        let b = to_decimal(last.collateral, m.collateral.decimals, 6, Rounding::Down)
            .unwrap_or(Decimal::MAX);
        if b.is_zero() { Decimal::MAX } else { ((a - b) / b).abs() }
    };
    let market =
        markets.iter().filter(|m| m.chain == chain).min_by(|a, b| gap(a).cmp(&gap(b))).ok_or_else(
            || ImportError {
                place: crate::error::Place::file(file),
                message: format!("expected a market on chain {chain} in markets.csv, found none"),
            },
        )?;
    warnings.file(
        file,
        format!(
            "the file names no market; taken as {} ({}), the {chain} market whose collateral is \
             nearest the last hour's ({} apart)",
            market.id,
            market.key,
            gap(market).round_dp(6)
        ),
    );
    Ok((market.id.clone(), points))
}

/// The price of `series` at `t`: the last sample at or before it.
fn price_at(series: &BTreeMap<u64, Decimal>, t: u64) -> Option<(u64, Decimal)> {
    series.range(..=t).next_back().map(|(k, v)| (*k, *v))
}

/// Places the markets at Unix time `at`: see the module's parent.
pub(crate) fn rewind(
    at: u64,
    markets: &mut [Market],
    vaults: &mut [Vault],
    histories: &BTreeMap<String, (String, Vec<HistoryPoint>)>,
    prices: &Prices,
    warnings: &mut Warnings,
) -> Result<(), ImportError> {
    let before: Vec<U256> =
        vaults.iter().map(|v| supply_in_markets(v, markets)).collect::<Result<_, _>>()?;
    for m in markets.iter_mut() {
        for t in [&mut m.collateral, &mut m.loan] {
            if let Some((when, price)) = prices.get(&t.id).and_then(|s| price_at(s, at)) {
                t.price_usd = price;
                t.price_source = format!("{PRICES} {} at Unix {when}", t.symbol);
            } else {
                t.price_source.push_str(&format!(
                    "; no hourly price: the pull's price kept, NOT the price at Unix {at}"
                ));
            }
        }
        let pull = m.state_timestamp;
        m.state_timestamp = at;
        let Some((file, points)) = histories.get(&m.id) else {
            m.state_note = format!(
                "{}; NO hourly history in the export: this is the state at the pull (Unix {pull}), \
                 NOT at Unix {at} (it includes what happened after)",
                m.state_note
            );
            m.state_confidence = Confidence::Low;
            continue;
        };
        let Some(h) = points.iter().rev().find(|p| p.timestamp <= at) else {
            warnings.file(
                file,
                format!("no hour at or before Unix {at}; {} keeps the pull's state", m.id),
            );
            continue;
        };
        if h.timestamp != at {
            warnings.at(
                file,
                h.line,
                "timestamp",
                format!("no hour at Unix {at}; the last before it ({}) is used", h.timestamp),
            );
        }
        let scale = |x: U256, new: U256, old: U256| -> Result<U256, ImportError> {
            if old.is_zero() {
                return Ok(x);
            }
            mul_div(x, new, old, Rounding::Down)
                .map_err(|_| ImportError::at(file, h.line, "supply_assets", "scaling overflowed"))
        };
        let (s_old, b_old, c_old) = (m.supply_assets, m.borrow_assets, m.collateral_assets);
        for p in m.positions.values_mut() {
            p.supply_shares = scale(p.supply_shares, h.supply, s_old)?;
            p.borrow_shares = scale(p.borrow_shares, h.borrow, b_old)?;
            p.collateral = scale(p.collateral, h.collateral, c_old)?;
            p.kind = Some(SourceKind::Synthetic);
            p.notes.push(format!(
                "SYNTHETIC placement: scaled pro rata to {file} line {} (Unix {}): supply x {}/{}, \
                 borrow x {}/{}, collateral x {}/{}; the export has no per-position history",
                h.line, h.timestamp, h.supply, s_old, h.borrow, b_old, h.collateral, c_old
            ));
        }
        m.realised_rate = realised_rate(file, points, h);
        m.supply_shares = scale(m.supply_shares, h.supply, s_old)?;
        m.borrow_shares = scale(m.borrow_shares, h.borrow, b_old)?;
        m.supply_assets = h.supply;
        m.borrow_assets = h.borrow;
        m.collateral_assets = h.collateral;
        m.state_note = format!(
            "totals from {file} line {} (Unix {}); shares scaled with the assets (the share price \
             of the pull kept); positions scaled pro rata (SYNTHETIC); parameters from {}",
            h.line, h.timestamp, m.state_note
        );
        m.state_kind = SourceKind::Derived;
        m.state_confidence = Confidence::Low;
    }
    for (v, before) in vaults.iter_mut().zip(before) {
        let after = supply_in_markets(v, markets)?;
        if after == before {
            continue;
        }
        let idle = v.total_assets.saturating_sub(before);
        let total = idle.saturating_add(after);
        let shares = if v.total_assets.is_zero() {
            v.total_shares
        } else {
            mul_div(v.total_shares, total, v.total_assets, Rounding::Down).map_err(|_| {
                ImportError {
                    place: crate::error::Place::file("vaults.csv"),
                    message: format!("vault {}: scaling overflowed", v.id),
                }
            })?
        };
        v.notes.push(format!(
            "placed at Unix {at}: ASSUMED the idle part ({idle}) unchanged and the share price \
             held; total assets {} -> {total}, shares {} -> {shares}",
            v.total_assets, v.total_shares
        ));
        v.total_assets = total;
        v.total_shares = shares;
    }
    Ok(())
}

/// The borrow rate realised over the history hour ending at `h` (continuously compounded, per
/// year: `ln(borrow_h / borrow_before) · year / Δt`), the utilisation at that hour's start, and
/// a note naming both rows. `None` when there is no hour before `h` or the borrow did not grow
/// (a repayment or a new loan in the hour hides the interest): the pull's APY is used then.
fn realised_rate(
    file: &str,
    points: &[HistoryPoint],
    h: &HistoryPoint,
) -> Option<(Decimal, Decimal, String)> {
    let p = points.iter().rev().find(|p| p.timestamp < h.timestamp)?;
    let dt = h.timestamp - p.timestamp;
    if p.borrow.is_zero() || h.borrow <= p.borrow || p.supply.is_zero() || dt > 3_600 {
        return None;
    }
    let decimal = |x: U256| Decimal::from_str_exact(&x.to_string()).ok();
    let (b0, b1, s0) = (decimal(p.borrow)?, decimal(h.borrow)?, decimal(p.supply)?);
    let per_year = (b1 / b0).checked_ln()? * Decimal::from(365u64 * 24 * 3600) / Decimal::from(dt);
    let utilization = b0 / s0;
    let note = format!(
        "the borrow growth over {file} lines {} to {} (Unix {} to {}: {} to {}), ln(ratio) · year \
         / {dt} s = {} a year, at the utilisation at the hour's start {}",
        p.line,
        h.line,
        p.timestamp,
        h.timestamp,
        p.borrow,
        h.borrow,
        per_year.round_dp(6),
        utilization.round_dp(6)
    );
    Some((per_year, utilization, note))
}

/// Whether `token` is a token of one of `markets`.
fn in_markets(markets: &[Market], token: &str) -> bool {
    markets.iter().any(|m| m.collateral.id == token || m.loan.id == token)
}

fn whole(raw: U256, decimals: u8) -> Result<Decimal, ImportError> {
    to_decimal(raw, decimals, u32::from(decimals.min(18)), Rounding::Down).map_err(|e| {
        ImportError { place: crate::error::Place::file("history"), message: format!("{raw}: {e}") }
    })
}

/// The histories and prices as observed figures, by snapshot id.
pub(crate) fn observed(
    markets: &[Market],
    histories: &BTreeMap<String, (String, Vec<HistoryPoint>)>,
    prices: &Prices,
) -> Result<Vec<Observation>, ImportError> {
    let mut out = Vec::new();
    for (id, (_, points)) in histories {
        let Some(m) = markets.iter().find(|m| &m.id == id) else { continue };
        for p in points {
            let mut push = |metric: &str, value: Decimal| {
                out.push(Observation {
                    timestamp: p.timestamp,
                    entity: id.clone(),
                    metric: metric.into(),
                    value,
                });
            };
            push("supply", whole(p.supply, m.loan.decimals)?);
            push("borrow", whole(p.borrow, m.loan.decimals)?);
            push("collateral", whole(p.collateral, m.collateral.decimals)?);
            if !p.supply.is_zero() {
                let u = to_decimal(
                    mul_div(
                        p.borrow,
                        U256::from(10u64).pow(U256::from(18u8)),
                        p.supply,
                        Rounding::Down,
                    )
                    .unwrap_or_default(),
                    18,
                    18,
                    Rounding::Down,
                )
                .unwrap_or_default();
                push("utilisation", u);
            }
        }
    }
    for (token, series) in prices.iter().filter(|(token, _)| in_markets(markets, token)) {
        for (t, price) in series {
            out.push(Observation {
                timestamp: *t,
                entity: token.clone(),
                metric: "price".into(),
                value: *price,
            });
        }
    }
    Ok(out)
}

/// The hourly prices as a price path by token id.
pub(crate) fn price_path(markets: &[Market], prices: &Prices) -> Vec<PricePoint> {
    prices
        .iter()
        .filter(|(token, _)| in_markets(markets, token))
        .flat_map(|(token, series)| {
            series.iter().map(move |(t, p)| PricePoint {
                timestamp: *t,
                token: token.clone(),
                price_usd: *p,
            })
        })
        .collect()
}
