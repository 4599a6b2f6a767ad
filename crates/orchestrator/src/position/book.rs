//! One position in a snapshot market of a protocol that values debt across several tokens (Aave
//! v3, Compound v3, Euler v2), through [`CascadeMarket`]: health and borrowing power from the
//! contract model, each collateral's liquidation price by bisection on the protocol's own
//! liquidation test, and the liquidation a liquidator would choose now with its outcome.

use super::{
    CollateralLine, DebtLine, LiquidationLine, PositionReport, fall, health, invalid, model,
    outcome,
};
use crate::{
    Result,
    bands::{answer_raw, liquidation_price, unit_decimals, whole},
    engine::markets::Live,
    snapshot::Snapshot,
};
use alloy_primitives::{Address, U256};
use faultline_lending::cascade::{Candidate, CascadeMarket, Style};
use rust_decimal::Decimal;

/// The report of `account` in market `id` (named `name`) of `snapshot`.
pub(super) fn book_report<M: CascadeMarket + crate::bands::ClosedForm>(
    snapshot: &Snapshot,
    id: &str,
    name: &str,
    protocol: &str,
    live: &Live<M>,
    account: Address,
) -> Result<PositionReport> {
    let m = |e| model(id, e);
    let holdings = live.model.holdings(account).map_err(m)?;
    if holdings.collateral.is_empty() && holdings.debt.is_empty() {
        return Err(invalid("account", format!("an account with a position in {id}"), account));
    }
    let h = live.model.model().health(account).map_err(m)?;
    let unit = unit_decimals(h.unit);
    let symbol = |token: &str| {
        snapshot
            .tokens
            .iter()
            .find(|t| t.id == token)
            .map_or_else(|| token.to_owned(), |t| t.symbol.clone())
    };
    // Each asset's oracle answer as the engine keeps it (18 decimals).
    let answer = |address: Address| -> Result<(U256, &str, u8)> {
        let a = live.asset(id, address)?;
        let oracle = a.oracle.as_deref().unwrap_or_default();
        let spec = snapshot
            .oracles
            .iter()
            .find(|o| o.id == oracle)
            .ok_or_else(|| invalid("oracle", "an oracle of the snapshot", oracle))?;
        Ok((answer_raw(id, spec.price)?, a.token.as_str(), a.decimals))
    };
    let mut probe = live.model.clone();
    let mut collateral = Vec::new();
    for &(address, amount) in &holdings.collateral {
        let (x0, token, decimals) = answer(address)?;
        let ltv = live.model.liquidation_ltv(address).map_err(m)?.unwrap_or_default();
        // Only where health rises with the price (an asset also borrowed may not).
        let borrowed = holdings.debt.iter().any(|(a, _)| *a == address);
        let (liquidation_price, fall_pct) = if borrowed {
            (None, None)
        } else {
            match liquidation_price(id, &mut probe, address, account, x0)? {
                Some(p) if !p.is_zero() => (Some(whole(id, p, 18)?), Some(fall(id, p, x0)?)),
                _ => (None, None),
            }
        };
        collateral.push(CollateralLine {
            asset: symbol(token),
            amount: whole(id, amount, decimals)?,
            price: whole(id, x0, 18)?,
            liquidation_threshold: whole(id, ltv, 18)?,
            liquidation_price,
            fall_pct,
        });
    }
    let mut debt = Vec::new();
    for &(address, amount) in &holdings.debt {
        let (x0, token, decimals) = answer(address)?;
        debt.push(DebtLine {
            asset: symbol(token),
            amount: whole(id, amount, decimals)?,
            price: whole(id, x0, 18)?,
        });
    }
    let liquidatable = live.model.liquidatable(account).map_err(m)?;
    let mut liquidations = Vec::new();
    if liquidatable && let Some(choice) = live.model.choose(account).map_err(m)? {
        let (c, d) = (live.asset(id, choice.collateral)?, live.asset(id, choice.debt)?);
        let owed =
            holdings.debt.iter().find(|(a, _)| *a == choice.debt).map_or(U256::ZERO, |x| x.1);
        let collateral_asset = if live.model.style() == Style::Absorption {
            format!("{} (all collateral is absorbed)", symbol(&c.token))
        } else {
            symbol(&c.token)
        };
        let (line, refused, close_factor, bonus) = match live.model.preview(account, &choice) {
            Ok(out) => {
                let mut after = live.model.clone();
                let candidate = Candidate { account, slot: 0, missed: false };
                after.execute(&candidate, &choice).map_err(m)?;
                let hf = after.model().health(account).map_err(m)?.health_factor;
                let close = ratio(out.debt_repaid, owed);
                let base =
                    out.collateral_seized.saturating_sub(out.liquidator_bonus + out.protocol_fee);
                let bonus = ratio(out.liquidator_bonus, base);
                (Some(outcome(id, &out, c.decimals, d.decimals, hf)?), None, close, bonus)
            }
            Err(e) => (None, Some(e.to_string()), Decimal::ZERO, Decimal::ZERO),
        };
        liquidations.push(LiquidationLine {
            collateral_asset,
            debt_asset: symbol(&d.token),
            close_factor,
            bonus,
            outcome: line,
            refused,
        });
    }
    Ok(PositionReport {
        protocol: protocol.to_owned(),
        market: name.to_owned(),
        account: Some(account),
        unit: "USD".into(),
        collateral,
        debt,
        collateral_value: whole(id, h.collateral_value, unit)?,
        liquidation_value: whole(id, h.liquidation_value, unit)?,
        debt_value: whole(id, h.debt_value, unit)?,
        health_factor: health(id, h.health_factor)?,
        borrowing_power: whole(id, live.model.model().borrowing_power(account).map_err(m)?, unit)?,
        liquidatable,
        liquidations,
    })
}

/// `part / whole` rounded to 4 places; 0 when `whole` is 0 (the close factor and the bonus as
/// the outcome shows them).
fn ratio(part: U256, whole: U256) -> Decimal {
    let (Ok(p), Ok(w)) = (i128::try_from(part), i128::try_from(whole)) else {
        return Decimal::ZERO;
    };
    let (Ok(p), Ok(w)) =
        (Decimal::try_from_i128_with_scale(p, 0), Decimal::try_from_i128_with_scale(w, 0))
    else {
        return Decimal::ZERO;
    };
    if w.is_zero() {
        Decimal::ZERO
    } else {
        p.checked_div(w).map_or(Decimal::ZERO, |r| r.round_dp(4))
    }
}
