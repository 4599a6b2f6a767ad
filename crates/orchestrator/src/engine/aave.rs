//! Aave v3 pools in the cascade, kept simple and exact: each round, every borrower's health
//! factor is the pool's own (`calculateUserAccountData`) at the oracles' answers; a borrower
//! below 1 is offered the largest liquidation the pool allows (close factor and dust rule as
//! `LiquidationLogic` applies them) of its largest debt against its largest collateral, which a
//! liquidator executes only if selling the seized collateral into its venue repays the debt and
//! gas with a profit. A borrower the pool calls healthy but whose health at market prices is
//! below 1 is a missed liquidation (the oracle is above the market). Economic bad debt is debt
//! over collateral at market prices, summed over borrowers, in USD; realised bad debt is the
//! pool's deficit (v3.3+), valued at market.

use super::{
    Engine,
    lending::Miss,
    log::Quantity,
    model, usd,
    world::{AaveLive, whole},
};
use crate::{
    Result,
    models::aave_price,
    report::{EventKind, MissReason},
};
use alloy_primitives::{Address, U256};
use faultline_core::math::{Rounding, mul_div, pow10, wad_ray::WAD};
use faultline_lending::{
    LendingMarket, LiquidationAmount, LiquidationRequest,
    aave::{AavePool, User},
};
use rust_decimal::Decimal;

/// A borrower's position valued at market, USD.
#[derive(Debug, Clone, Copy)]
struct Valued {
    debt_usd: Decimal,
    collateral_usd: Decimal,
}

/// A value and the reserve index holding it.
type Best = Option<(U256, usize)>;

/// The reserve (index into the live reserves) holding the largest debt and the one holding the
/// largest enabled collateral, by value at the pool's oracle prices; ties go to the lower id.
fn largest(pool: &AavePool, user: &User) -> Result<(Option<usize>, Option<usize>)> {
    let (mut debt, mut collateral): (Best, Best) = (None, None);
    for (&rid, ur) in &user.reserves {
        let i = usize::from(rid);
        let Some(r) = pool.reserves().get(i) else { continue };
        let unit = pow10(u32::from(r.config.decimals)).unwrap_or(U256::MAX);
        // Indexes stay at 1 RAY in a run (nothing accrues), so a scaled balance is the balance;
        // the value only ranks reserves, the pool itself decides the liquidation.
        let value = |amount: U256| {
            mul_div(amount, r.price, unit, Rounding::Down).map_err(|e| model(&r.config.symbol, e))
        };
        if !ur.scaled_debt.is_zero() {
            let v = value(ur.scaled_debt)?;
            if debt.is_none_or(|(best, _)| v > best) {
                debt = Some((v, i));
            }
        }
        if ur.collateral_enabled && !ur.scaled_a.is_zero() && r.config.liquidation_threshold != 0 {
            let v = value(ur.scaled_a)?;
            if collateral.is_none_or(|(best, _)| v > best) {
                collateral = Some((v, i));
            }
        }
    }
    Ok((debt.map(|(_, i)| i), collateral.map(|(_, i)| i)))
}

impl Engine<'_> {
    /// One pass over every Aave pool.
    pub(super) fn run_aave(&mut self) -> Result<()> {
        for id in self.world.aave.keys().cloned().collect::<Vec<_>>() {
            self.sync_aave_oracles(&id)?;
            let borrowers = self.world.aave[&id].borrowers.clone();
            let mut at_market = self.aave_at_market(&id)?;
            for borrower in borrowers {
                if self.visit_aave_borrower(&id, borrower, &at_market)? {
                    // A sale moved a price: value the rest at the new one.
                    at_market = self.aave_at_market(&id)?;
                }
            }
            self.account_aave_losses(&id)?;
        }
        Ok(())
    }

    /// Gives every reserve its oracle's current answer (8-decimal USD).
    fn sync_aave_oracles(&mut self, id: &str) -> Result<()> {
        let m = &self.world.aave[id];
        let mut prices = Vec::with_capacity(m.reserves.len());
        for r in &m.reserves {
            let answer = self.world.oracles[&r.oracle]
                .oracle
                .price()
                .0
                .to_decimal()
                .map_err(|e| model(id, e))?;
            prices.push((r.asset, aave_price(id, answer)?));
        }
        if let Some(m) = self.world.aave.get_mut(id) {
            for (asset, price) in prices {
                m.pool.set_price(asset, price).map_err(|e| model(id, e))?;
            }
        }
        Ok(())
    }

    /// The pool as it stands, its oracles replaced by the market prices.
    fn aave_at_market(&self, id: &str) -> Result<AavePool> {
        let m = &self.world.aave[id];
        let mut pool = m.pool.clone();
        for r in &m.reserves {
            let price = aave_price(id, self.world.tokens[&r.token].price)?;
            pool.set_price(r.asset, price).map_err(|e| model(id, e))?;
        }
        Ok(pool)
    }

    /// Visits one borrower; `true` when a liquidation was executed.
    fn visit_aave_borrower(
        &mut self,
        id: &str,
        borrower: Address,
        at_market: &AavePool,
    ) -> Result<bool> {
        let m = &self.world.aave[id];
        let by_oracle = m.pool.account_data(borrower).map_err(|e| model(id, e))?;
        if by_oracle.total_debt.is_zero() {
            return Ok(false);
        }
        let by_market = at_market.account_data(borrower).map_err(|e| model(id, e))?;
        let valued = Valued {
            debt_usd: whole(id, by_market.total_debt, 8)?,
            collateral_usd: whole(id, by_market.total_collateral, 8)?,
        };
        let (debt_index, collateral_index) = largest(&m.pool, &m.pool.user(borrower))?;
        let (Some(di), Some(ci)) = (debt_index, collateral_index) else {
            // Debt without collateral: nothing to seize, nothing any liquidator can do.
            if by_oracle.health_factor < WAD {
                self.aave_miss(id, borrower, MissReason::Unprofitable, valued, &[]);
            }
            return Ok(false);
        };
        let (debt, collateral) = (m.reserves[di].clone(), m.reserves[ci].clone());
        let causes = [
            Quantity::Oracle(collateral.oracle.clone()),
            Quantity::Price(collateral.token.clone()),
            Quantity::Oracle(debt.oracle.clone()),
        ];
        if by_oracle.health_factor >= WAD {
            if by_market.health_factor < WAD {
                self.aave_miss(id, borrower, MissReason::OracleAboveMarket, valued, &causes);
            }
            return Ok(false);
        }
        let outcome = match m.pool.max_liquidation(borrower, collateral.asset, debt.asset) {
            Ok(found) => found,
            // The pool would revert (the dust rule, a collateral it cannot seize): nobody can.
            Err(_) => {
                self.aave_miss(id, borrower, MissReason::Unprofitable, valued, &causes);
                return Ok(false);
            }
        };
        // The liquidator receives the seized collateral less the protocol's fee.
        let received = outcome.collateral_seized.saturating_sub(outcome.protocol_fee);
        let sold = whole(id, received, collateral.decimals)?;
        let repaid = whole(id, outcome.debt_repaid, debt.decimals)?;
        let Some(venue_id) = self.world.tokens[&collateral.token].venue.clone() else {
            self.aave_miss(id, borrower, MissReason::NoLiquidity, valued, &causes);
            return Ok(false);
        };
        let quote_usd = self.world.tokens[&self.world.venues[&venue_id].quote].price;
        let proceeds = if sold.is_zero() {
            Decimal::ZERO
        } else {
            match self.world.venues[&venue_id].venue.quote_sell(sold) {
                Ok(sale) => sale.proceeds * quote_usd,
                Err(_) => {
                    self.aave_miss(id, borrower, MissReason::NoLiquidity, valued, &causes);
                    return Ok(false);
                }
            }
        };
        let repaid_usd = repaid * self.world.tokens[&debt.token].price;
        let profit = proceeds - repaid_usd - self.scenario.engine.liquidation_gas_usd;
        if profit <= Decimal::ZERO {
            self.aave_miss(id, borrower, MissReason::Unprofitable, valued, &causes);
            return Ok(false);
        }
        // Execute: the pool as `liquidationCall` leaves it; the deficit it books is bad debt.
        let deficits_before = self.aave_deficit_usd(id)?;
        let request = LiquidationRequest {
            borrower,
            collateral_asset: collateral.asset,
            debt_asset: debt.asset,
            amount: LiquidationAmount::Debt(U256::MAX),
        };
        let name = m.name.clone();
        if let Some(m) = self.world.aave.get_mut(id) {
            let done = m.pool.liquidate(request).map_err(|e| model(id, e))?;
            debug_assert_eq!(done, outcome, "the preview is the liquidation");
            m.liquidations += 1;
        }
        let bad_debt_usd = (self.aave_deficit_usd(id)? - deficits_before).max(Decimal::ZERO);
        if let Some(m) = self.world.aave.get_mut(id) {
            m.realised_bad_debt_usd += bad_debt_usd;
        }
        let summary = format!(
            "{name}: {borrower} liquidated, {} {} repaid, {} {} seized{}",
            usd(repaid_usd),
            debt.token,
            usd(sold * self.world.tokens[&collateral.token].price),
            collateral.token,
            if bad_debt_usd.is_zero() {
                String::new()
            } else {
                format!(", {} bad debt", usd(bad_debt_usd))
            }
        );
        let kind = EventKind::Liquidation {
            borrower: borrower.to_string(),
            repaid_usd,
            seized_usd: proceeds,
            profit_usd: profit,
            bad_debt_usd,
        };
        let event = self.log.record(id, kind, &causes, summary);
        if !bad_debt_usd.is_zero() {
            self.log.mark(Quantity::MarketLoss(id.to_owned()), event);
        }
        if !sold.is_zero() {
            if let Some(v) = self.world.venues.get_mut(&venue_id) {
                v.venue.sell(sold)?;
            }
            self.log.mark(Quantity::Liquidity(venue_id.clone()), event);
            self.refresh_price(
                &collateral.token,
                &[Quantity::Liquidity(venue_id)],
                "liquidation sale",
            )?;
        }
        Ok(true)
    }

    /// The pool's deficits over all reserves, USD at market.
    fn aave_deficit_usd(&self, id: &str) -> Result<Decimal> {
        let m = &self.world.aave[id];
        let mut total = Decimal::ZERO;
        for r in &m.reserves {
            let deficit = m.pool.deficit(r.asset).map_err(|e| model(id, e))?;
            if !deficit.is_zero() {
                total += whole(id, deficit, r.decimals)? * self.world.tokens[&r.token].price;
            }
        }
        Ok(total)
    }

    fn aave_miss(
        &mut self,
        id: &str,
        borrower: Address,
        reason: MissReason,
        valued: Valued,
        causes: &[Quantity],
    ) {
        let Some(m) = self.world.aave.get_mut(id) else { return };
        if !m.missed.insert(borrower) {
            return;
        }
        m.missed_count += 1;
        let name = m.name.clone();
        let (debt_usd, collateral_usd) = (valued.debt_usd, valued.collateral_usd);
        let miss = Miss {
            borrower,
            reason,
            debt_usd,
            collateral_usd,
            oracle_says_healthy: "its oracles still report it healthy",
        };
        self.log_miss(id, &name, &miss, causes);
    }

    /// Economic bad debt: the sum over borrowers of debt less collateral, both valued by the
    /// pool's own arithmetic at market prices, where positive.
    fn account_aave_losses(&mut self, id: &str) -> Result<()> {
        let at_market = self.aave_at_market(id)?;
        let m: &AaveLive = &self.world.aave[id];
        let mut uncovered_base = U256::ZERO;
        for &borrower in &m.borrowers {
            let d = at_market.account_data(borrower).map_err(|e| model(id, e))?;
            uncovered_base += d.total_debt.saturating_sub(d.total_collateral);
        }
        let uncovered = whole(id, uncovered_base, 8)?;
        let mut causes: Vec<Quantity> =
            m.reserves.iter().map(|r| Quantity::Price(r.token.clone())).collect();
        causes.push(Quantity::MarketLoss(id.to_owned()));
        let (name, old) = (m.name.clone(), m.economic_bad_debt_usd);
        if let Some(m) = self.world.aave.get_mut(id) {
            m.economic_bad_debt_usd = uncovered;
        }
        self.log_uncovered(id, &name, old, uncovered, &causes);
        Ok(())
    }
}
