//! Lending markets in the cascade: liquidations by profit-seeking liquidators, the ones that
//! should have happened and did not, economic bad debt, and lenders who cannot leave.

use super::{
    Engine,
    log::Quantity,
    model, settled, usd,
    world::{morpho_price, whole},
};
use crate::{
    Result,
    report::{EventKind, MissReason},
};
use alloy_primitives::Address;
use rust_decimal::Decimal;

/// A borrower's position valued at market, USD.
struct Valued {
    debt_usd: Decimal,
    collateral_usd: Decimal,
    /// Healthy by the protocol's oracle.
    healthy_by_oracle: bool,
    /// Healthy at the market price.
    healthy_at_market: bool,
}

impl Engine<'_> {
    /// One pass over every market.
    pub(super) fn run_lending(&mut self) -> Result<()> {
        for id in self.world.markets.keys().cloned().collect::<Vec<_>>() {
            self.sync_oracle(&id)?;
            let accounts = self.world.markets[&id].accounts.clone();
            for borrower in accounts {
                self.visit_borrower(&id, borrower)?;
            }
            self.account_losses(&id)?;
        }
        Ok(())
    }

    /// Gives the market its oracle's current answer, in Morpho's scale.
    fn sync_oracle(&mut self, id: &str) -> Result<()> {
        let m = &self.world.markets[id];
        let answer = self.world.oracles[&m.oracle]
            .oracle
            .price()
            .0
            .to_decimal()
            .map_err(|e| model(id, e))?;
        let loan = self.world.tokens[&m.loan].decimals;
        let collateral = self.world.tokens[&m.collateral].decimals;
        let price = morpho_price(id, answer, loan, collateral)?;
        if let Some(m) = self.world.markets.get_mut(id) {
            m.morpho.set_price(price);
        }
        Ok(())
    }

    fn value(&self, id: &str, borrower: Address) -> Result<Valued> {
        let m = &self.world.markets[id];
        let loan = &self.world.tokens[&m.loan];
        let collateral = &self.world.tokens[&m.collateral];
        let debt = m.morpho.borrowed(borrower).map_err(|e| model(id, e))?;
        let held = m.morpho.position(borrower).collateral;
        let debt_usd = whole(id, debt, loan.decimals)? * loan.price;
        let collateral_usd = whole(id, held, collateral.decimals)? * collateral.price;
        let healthy_by_oracle = m.morpho.is_healthy(borrower).map_err(|e| model(id, e))?;
        let market_price =
            if loan.price.is_zero() { collateral.price } else { collateral.price / loan.price };
        let market_raw = morpho_price(id, market_price, loan.decimals, collateral.decimals)?;
        let capacity = m.morpho.max_borrow(borrower, market_raw).map_err(|e| model(id, e))?;
        Ok(Valued {
            debt_usd,
            collateral_usd,
            healthy_by_oracle,
            healthy_at_market: debt.is_zero() || capacity >= debt,
        })
    }

    fn visit_borrower(&mut self, id: &str, borrower: Address) -> Result<()> {
        if self.world.markets[id].morpho.position(borrower).borrow_shares.is_zero() {
            return Ok(());
        }
        let valued = self.value(id, borrower)?;
        let m = &self.world.markets[id];
        let causes = [Quantity::Oracle(m.oracle.clone()), Quantity::Price(m.collateral.clone())];
        if valued.healthy_by_oracle {
            if !valued.healthy_at_market {
                self.miss(id, borrower, MissReason::OracleAboveMarket, &valued, &causes);
            }
            return Ok(());
        }
        let outcome = match m.morpho.max_liquidate(borrower) {
            Ok(found) => found,
            // The contract would revert (e.g. nothing to seize): nobody can liquidate.
            Err(_) => {
                self.miss(id, borrower, MissReason::Unprofitable, &valued, &causes);
                return Ok(());
            }
        };
        let loan = &self.world.tokens[&m.loan];
        let collateral = &self.world.tokens[&m.collateral];
        let repaid = whole(id, outcome.repaid_assets, loan.decimals)?;
        let seized = whole(id, outcome.seized_assets, collateral.decimals)?;
        let bad_debt = whole(id, outcome.bad_debt_assets, loan.decimals)?;
        let Some(venue_id) = collateral.venue.clone() else {
            self.miss(id, borrower, MissReason::NoLiquidity, &valued, &causes);
            return Ok(());
        };
        let venue = &self.world.venues[&venue_id];
        let quote_usd = self.world.tokens[&venue.quote].price;
        let proceeds = if seized.is_zero() {
            Decimal::ZERO
        } else {
            match venue.venue.quote_sell(seized) {
                Ok(sale) => sale.proceeds * quote_usd,
                Err(_) => {
                    self.miss(id, borrower, MissReason::NoLiquidity, &valued, &causes);
                    return Ok(());
                }
            }
        };
        let repaid_usd = repaid * loan.price;
        let bad_debt_usd = bad_debt * loan.price;
        let profit = proceeds - repaid_usd - self.scenario.engine.liquidation_gas_usd;
        if profit <= Decimal::ZERO {
            self.miss(id, borrower, MissReason::Unprofitable, &valued, &causes);
            return Ok(());
        }
        // Execute: the market as the contract leaves it, the collateral sold into the venue.
        let collateral_token = m.collateral.clone();
        let name = m.name.clone();
        if let Some(m) = self.world.markets.get_mut(id) {
            let done = m.morpho.liquidate_max(borrower).map_err(|e| model(id, e))?;
            debug_assert_eq!(done, outcome, "the preview is the liquidation");
            m.liquidations += 1;
            m.realised_bad_debt_usd += bad_debt_usd;
        }
        let summary = format!(
            "{name}: {borrower} liquidated, {} repaid, {} seized{}",
            usd(repaid_usd),
            usd(seized * self.world.tokens[&collateral_token].price),
            if bad_debt.is_zero() {
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
        if !bad_debt.is_zero() {
            self.log.mark(Quantity::MarketLoss(id.to_owned()), event);
        }
        if !seized.is_zero() {
            if let Some(v) = self.world.venues.get_mut(&venue_id) {
                v.venue.sell(seized)?;
            }
            self.log.mark(Quantity::Liquidity(venue_id.clone()), event);
            self.refresh_price(
                &collateral_token,
                &[Quantity::Liquidity(venue_id)],
                "liquidation sale",
            )?;
        }
        Ok(())
    }

    fn miss(
        &mut self,
        id: &str,
        borrower: Address,
        reason: MissReason,
        valued: &Valued,
        causes: &[Quantity],
    ) {
        let Some(m) = self.world.markets.get_mut(id) else { return };
        if m.missed.insert(borrower, ()).is_some() {
            return;
        }
        m.missed_count += 1;
        let why = match reason {
            MissReason::OracleAboveMarket => "its oracle still reports it healthy",
            MissReason::Unprofitable => "no liquidator profits after slippage and gas",
            MissReason::NoLiquidity => "there is no liquidity to sell the collateral into",
        };
        let summary = format!(
            "{}: {borrower} ({} debt vs {} collateral at market) not liquidated: {why}",
            m.name,
            usd(valued.debt_usd),
            usd(valued.collateral_usd)
        );
        let kind = EventKind::MissedLiquidation {
            borrower: borrower.to_string(),
            reason,
            debt_usd: valued.debt_usd,
            collateral_usd: valued.collateral_usd,
        };
        self.log.record(id, kind, causes, summary);
    }

    /// Economic bad debt (debt over collateral at market, summed over borrowers) and frozen funds.
    fn account_losses(&mut self, id: &str) -> Result<()> {
        let mut uncovered = Decimal::ZERO;
        for borrower in self.world.markets[id].accounts.clone() {
            let valued = self.value(id, borrower)?;
            uncovered += (valued.debt_usd - valued.collateral_usd).max(Decimal::ZERO);
        }
        let m = &self.world.markets[id];
        let causes = [Quantity::Price(m.collateral.clone()), Quantity::MarketLoss(id.to_owned())];
        let name = m.name.clone();
        let old = m.economic_bad_debt_usd;
        if uncovered > old && !settled(old, uncovered) {
            if let Some(m) = self.world.markets.get_mut(id) {
                m.economic_bad_debt_usd = uncovered;
            }
            let summary = format!("{name}: {} of debt uncovered at market", usd(uncovered));
            let event = self.log.record(
                id,
                EventKind::EconomicBadDebt { total_usd: uncovered },
                &causes,
                summary,
            );
            self.log.mark(Quantity::MarketLoss(id.to_owned()), event);
        } else if let Some(m) = self.world.markets.get_mut(id) {
            m.economic_bad_debt_usd = uncovered;
        }

        if uncovered > Decimal::ZERO {
            self.lenders_run(id)?;
        }

        let m = &self.world.markets[id];
        let state = *m.morpho.state();
        let loan = &self.world.tokens[&m.loan];
        let supplied = whole(id, state.total_supply_assets, loan.decimals)?;
        let available = whole(
            id,
            state.total_supply_assets.saturating_sub(state.total_borrow_assets),
            loan.decimals,
        )?;
        let frozen = ((supplied - available) * loan.price).max(Decimal::ZERO);
        let was = m.frozen_usd;
        if let Some(m) = self.world.markets.get_mut(id) {
            m.frozen_usd = if available.is_zero() { frozen } else { Decimal::ZERO };
        }
        if available.is_zero() && !supplied.is_zero() && was.is_zero() {
            let summary = format!(
                "{name}: 100% utilised, {} of lender funds cannot be withdrawn",
                usd(frozen)
            );
            self.log.record(id, EventKind::FundsFrozen { frozen_usd: frozen }, &causes, summary);
        }
        Ok(())
    }

    /// Lenders who see uncovered debt withdraw what liquidity there is, first come first served
    /// (snapshot order), as the xUSD and deUSD markets' lenders did within hours: whoever is left
    /// holds a claim on a market at 100% utilisation.
    fn lenders_run(&mut self, id: &str) -> Result<()> {
        let Some(m) = self.world.markets.get_mut(id) else { return Ok(()) };
        let mut withdrawn = alloy_primitives::U256::ZERO;
        for account in m.accounts.clone() {
            let state = *m.morpho.state();
            let available = state.total_supply_assets.saturating_sub(state.total_borrow_assets);
            if available.is_zero() {
                break;
            }
            let shares = m.morpho.position(account).supply_shares;
            if shares.is_zero() {
                continue;
            }
            let owned = faultline_core::math::morpho::to_assets_down(
                shares,
                state.total_supply_assets,
                state.total_supply_shares,
            )
            .map_err(|e| model(id, e))?;
            let take = owned.min(available);
            if take.is_zero() {
                continue;
            }
            m.morpho
                .withdraw(account, take, alloy_primitives::U256::ZERO)
                .map_err(|e| model(id, e))?;
            withdrawn += take;
        }
        if withdrawn.is_zero() {
            return Ok(());
        }
        let name = m.name.clone();
        let loan = &self.world.tokens[&m.loan];
        let amount = whole(id, withdrawn, loan.decimals)? * loan.price;
        let summary =
            format!("{name}: lenders withdraw {} of liquidity as losses appear", usd(amount));
        let kind = EventKind::LenderRun { withdrawn_usd: amount };
        let event = self.log.record(id, kind, &[Quantity::MarketLoss(id.to_owned())], summary);
        self.log.mark(Quantity::MarketLoss(id.to_owned()), event);
        Ok(())
    }

    /// Holders whose trigger is crossed sell everything into their venue.
    pub(super) fn run_holders(&mut self) -> Result<()> {
        for index in 0..self.world.holders.len() {
            let holder = &self.world.holders[index];
            if holder.sold
                || self.world.tokens[&holder.spec.token].price >= holder.spec.sell_below_usd
            {
                continue;
            }
            let spec = holder.spec.clone();
            let venue = self
                .world
                .venues
                .get_mut(&spec.venue)
                .ok_or_else(|| super::model_missing(&spec.venue))?;
            let sale = venue.venue.sell(spec.amount)?;
            let quote_usd = self.world.tokens[&self.world.venues[&spec.venue].quote].price;
            self.world.holders[index].sold = true;
            let proceeds_usd = sale.proceeds * quote_usd;
            let summary = format!(
                "{} sells {} {} below ${} for {}",
                spec.id,
                spec.amount,
                spec.token,
                spec.sell_below_usd,
                usd(proceeds_usd)
            );
            let kind = EventKind::TriggeredSale {
                holder: spec.id.clone(),
                amount: spec.amount,
                proceeds_usd,
            };
            let event =
                self.log.record(&spec.id, kind, &[Quantity::Price(spec.token.clone())], summary);
            self.log.mark(Quantity::Liquidity(spec.venue.clone()), event);
            self.refresh_price(
                &spec.token,
                &[Quantity::Liquidity(spec.venue.clone())],
                "holder sale",
            )?;
        }
        Ok(())
    }
}
