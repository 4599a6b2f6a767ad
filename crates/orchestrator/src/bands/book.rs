//! Bands of an asset in a market of a protocol that values debt across several tokens (Aave v3,
//! Compound v3, Euler v2), through [`CascadeMarket`]: each borrower holding the asset is solved by
//! bisection on the protocol's own liquidation test (health factor, `isLiquidatable`,
//! `calculateMaxLiquidation`), with the asset's oracle price moved and every other price kept.
//! Debt is the protocol's debt value at its oracles' prices (USD).

use super::{
    MarketBands, MarketLevel, OracleMode, PositionBand, kind_name, least_healthy_price, model,
    whole,
};
use crate::{
    Error, Result,
    engine::markets::Live,
    snapshot::{OracleKindSpec, Snapshot, TokenSpec},
};
use alloy_primitives::Address;
use alloy_primitives::U256;
use faultline_core::{Price, Rounding, math::mul_div};
use faultline_lending::{
    ValueUnit,
    cascade::{AaveBook, CascadeMarket, CometBook, EulerBook, MorphoBook},
};
use rust_decimal::{Decimal, RoundingStrategy};

/// Oracle answers are kept with 18 decimals, as the engine keeps them.
const DECIMALS: u8 = 18;

/// The decimals of a protocol's values.
pub(crate) const fn unit_decimals(unit: ValueUnit) -> u8 {
    match unit {
        ValueUnit::BaseCurrency { decimals } | ValueUnit::UnitOfAccount { decimals } => decimals,
        // Raw loan units (Morpho), or a unit this crate does not know: no decimals.
        _ => 0,
    }
}

/// A protocol's closed form of [`liquidation_price`], where it has an exact one: the least
/// price of `asset` (18 decimals) at which `borrower` is not liquidatable, every other price
/// kept; `None` where there is none (or it cannot say: then the bisection decides).
pub(crate) trait ClosedForm {
    /// The candidate, to be confirmed on the protocol's own test.
    fn closed_price(&self, asset: Address, borrower: Address) -> Option<U256>;
}

/// Compound v3: the feed's 8-decimal price in closed form
/// ([`faultline_lending::comet::CometMarket::liquidation_price`]), as the least 18-decimal
/// price the feed rounds down to it (`p·1e10`). "Healthy at no price" is left to the bisection,
/// which decides it where the contract's arithmetic gives out.
impl ClosedForm for CometBook {
    fn closed_price(&self, asset: Address, borrower: Address) -> Option<U256> {
        let market = self.market();
        let i = market.config().assets.iter().position(|a| a.asset == asset)?;
        let price = market.liquidation_price(borrower, i).ok()??;
        price.checked_mul(U256::from(10_000_000_000u64))
    }
}

/// Aave v3: the health factor is `Σ value · ⌊Σ value·LT / Σ value⌋ / debt`, the average
/// liquidation threshold (basis points) floored over every collateral: the asset's price moves
/// both the sum and the floored average, so no ceiling inverts the test exactly across several
/// collaterals. It stays bisected.
impl ClosedForm for AaveBook {
    fn closed_price(&self, _: Address, _: Address) -> Option<U256> {
        None
    }
}

/// Euler v2: bisected (a closed form like Comet's, over its account liquidity, is not written
/// yet).
impl ClosedForm for EulerBook {
    fn closed_price(&self, _: Address, _: Address) -> Option<U256> {
        None
    }
}

/// Morpho is solved in closed form on its own scale ([`super::morpho_point`]), not here.
impl ClosedForm for MorphoBook {
    fn closed_price(&self, _: Address, _: Address) -> Option<U256> {
        None
    }
}

/// The least price of `asset` (18 decimals) at which `borrower` is not liquidatable, every
/// other price kept: `Some(0)` when never liquidatable, `None` when liquidatable at any price.
/// `probe` is left at `x0`. The protocol's closed form where it has one, confirmed on its own
/// test (healthy at the price, liquidatable one raw unit below); bisection on the test
/// otherwise, or should the confirmation fail.
pub(crate) fn liquidation_price<M: CascadeMarket + ClosedForm>(
    entity: &str,
    probe: &mut M,
    asset: Address,
    borrower: Address,
    x0: U256,
) -> Result<Option<U256>> {
    let price = |x| Price::new(x, DECIMALS).map_err(|e| model(entity, e));
    let healthy = |probe: &mut M, x| -> Result<bool> {
        probe.set_whole_price(asset, price(x)?).map_err(|e| model(entity, e))?;
        Ok(!probe.liquidatable(borrower).map_err(|e| model(entity, e))?)
    };
    let closed = probe.closed_price(asset, borrower).filter(|&x| {
        healthy(probe, x).unwrap_or(false)
            && (x.is_zero() || !healthy(probe, x - U256::from(1u8)).unwrap_or(true))
    });
    let found = match closed {
        Some(x) => Ok(Some(x)),
        None => least_healthy_price(x0, |x| healthy(probe, x)),
    };
    probe.set_whole_price(asset, price(x0)?).map_err(|e| model(entity, e))?;
    found
}

/// A snapshot oracle's answer as the engine keeps it (18 decimals, rounded down), raw.
pub(crate) fn answer_raw(entity: &str, answer: Decimal) -> Result<U256> {
    let kept = answer.max(Decimal::ZERO).round_dp_with_strategy(18, RoundingStrategy::ToZero);
    Ok(Price::from_decimal(kept, DECIMALS, Rounding::Down).map_err(|e| model(entity, e))?.raw())
}

/// One market's bands of `token` (which it takes as collateral).
#[allow(clippy::too_many_arguments)]
pub(super) fn book_bands<M: CascadeMarket + ClosedForm>(
    snapshot: &Snapshot,
    id: &str,
    name: &str,
    protocol: &str,
    live: &Live<M>,
    token: &TokenSpec,
    falls_bps: &[u32],
    mode: OracleMode,
) -> Result<Option<MarketBands>> {
    let Some(asset) = live.assets.iter().find(|a| a.token == token.id && a.oracle.is_some()) else {
        return Ok(None);
    };
    let Some(ltv) = live.model.liquidation_ltv(asset.address).map_err(|e| model(id, e))? else {
        return Ok(None);
    };
    let oracle_id = asset.oracle.clone().unwrap_or_default();
    let oracle =
        snapshot.oracles.iter().find(|o| o.id == oracle_id).ok_or_else(|| Error::Invalid {
            field: format!("{id}.oracle"),
            expected: "an oracle of the snapshot".into(),
            found: oracle_id.clone(),
        })?;
    let moves = mode == OracleMode::FollowsMarket
        || matches!(
            oracle.kind,
            OracleKindSpec::Market
                | OracleKindSpec::PushFeed { .. }
                | OracleKindSpec::Lagged { .. }
        );
    let x0 = answer_raw(id, oracle.price)?;
    let mut probe = live.model.clone();
    // (liquidation price, collateral, debt USD) per borrower holding the asset.
    let mut points: Vec<(Option<U256>, Decimal, Decimal)> = Vec::new();
    let mut positions = Vec::new();
    for borrower in live.model.borrowers() {
        let holdings = live.model.holdings(borrower).map_err(|e| model(id, e))?;
        let Some(&(_, held)) = holdings.collateral.iter().find(|(a, _)| *a == asset.address) else {
            continue;
        };
        let health = live.model.model().health(borrower).map_err(|e| model(id, e))?;
        if health.debt_value.is_zero() {
            continue;
        }
        let debt_usd = whole(id, health.debt_value, unit_decimals(health.unit))?;
        let collateral = whole(id, held, asset.decimals)?;
        let root = match liquidation_price(id, &mut probe, asset.address, borrower, x0)? {
            Some(p) if p.is_zero() => continue,
            found => found,
        };
        let fall_pct = match root {
            Some(p) if p < x0 && !x0.is_zero() => {
                let kept = whole(
                    id,
                    mul_div(p, U256::from(10u8).pow(U256::from(18u8)), x0, Rounding::Up)
                        .map_err(|e| model(id, e))?,
                    18,
                )?;
                Some(((Decimal::ONE - kept) * Decimal::ONE_HUNDRED).round_dp(4))
            }
            _ => Some(Decimal::ZERO),
        };
        positions.push(PositionBand {
            account: borrower,
            collateral,
            debt: debt_usd,
            liquidation_price: root.map(|p| whole(id, p, DECIMALS)).transpose()?,
            fall_pct,
        });
        points.push((root, collateral, debt_usd));
    }
    positions.sort_by(|a, b| match (a.liquidation_price, b.liquidation_price) {
        (None, None) => core::cmp::Ordering::Equal,
        (None, Some(_)) => core::cmp::Ordering::Less,
        (Some(_), None) => core::cmp::Ordering::Greater,
        (Some(x), Some(y)) => y.cmp(&x),
    });
    let mut levels = Vec::with_capacity(falls_bps.len());
    for fall in falls_bps {
        let x = if moves {
            mul_div(x0, U256::from(10_000 - fall), U256::from(10_000u32), Rounding::Down)
                .map_err(|e| model(id, e))?
        } else {
            x0
        };
        let (mut count, mut collateral, mut debt) = (0, Decimal::ZERO, Decimal::ZERO);
        // Liquidatable at `x`: always, or strictly below its liquidation price.
        for (_, c, d) in points.iter().filter(|(root, _, _)| root.is_none_or(|r| x < r)) {
            count += 1;
            collateral = super::add(id, "collateral", collateral, *c)?;
            debt = super::add(id, "debt", debt, *d)?;
        }
        levels.push(MarketLevel {
            fall_pct: Decimal::new(i64::from(*fall), 2),
            oracle_price: whole(id, x, DECIMALS)?,
            positions: count,
            collateral,
            debt,
            // The protocol's debt value is already USD.
            debt_usd: debt,
        });
    }
    Ok(Some(MarketBands {
        market: id.to_owned(),
        name: name.to_owned(),
        protocol: protocol.to_owned(),
        loan_token: "usd".into(),
        oracle: oracle_id,
        oracle_kind: kind_name(&oracle.kind).into(),
        oracle_moves: moves,
        oracle_price: whole(id, x0, DECIMALS)?,
        lltv: whole(id, ltv, 18)?,
        borrowers: points.len(),
        positions,
        levels,
    }))
}
