//! Lending markets in the cascade: liquidations by profit-seeking liquidators, the ones that
//! should have happened and did not, economic bad debt, and lenders who cannot leave.

use super::at_risk::Candidate;
use super::world::ScanKey;
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
use alloy_primitives::{Address, U256};
use faultline_core::math::{Rounding, mul_div};
use faultline_lending::morpho::{ORACLE_PRICE_SCALE, Position};
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

/// A liquidation that should have happened and did not.
pub(super) struct Miss {
    pub(super) borrower: Address,
    pub(super) reason: MissReason,
    /// Debt, USD at market.
    pub(super) debt_usd: Decimal,
    /// Collateral, USD at market.
    pub(super) collateral_usd: Decimal,
    /// Why an oracle-above-market miss happened, in the protocol's words ("its oracle still
    /// reports it healthy"; Aave: "its oracles still report it healthy").
    pub(super) oracle_says_healthy: &'static str,
}

impl Engine<'_> {
    /// One pass over every market whose inputs moved since its last quiet pass.
    pub(super) fn run_lending(&mut self) -> Result<()> {
        for id in self.world.markets.keys().cloned().collect::<Vec<_>>() {
            self.sync_oracle(&id)?;
            let before = self.scan_key(&id);
            if self.world.markets[&id].settled_at == Some(before) {
                continue;
            }
            for candidate in self.candidates(&id)? {
                self.visit_borrower(&id, &candidate)?;
            }
            self.account_losses(&id)?;
            let after = self.scan_key(&id);
            if let Some(m) = self.world.markets.get_mut(&id) {
                m.settled_at = (after == before).then_some(after);
            }
        }
        Ok(())
    }

    fn scan_key(&self, id: &str) -> ScanKey {
        let m = &self.world.markets[id];
        ScanKey {
            oracle: m.morpho.price(),
            collateral_usd: self.world.tokens[&m.collateral].price,
            loan_usd: self.world.tokens[&m.loan].price,
            totals: *m.morpho.state(),
        }
    }

    /// The collateral's market price in the loan token, in Morpho's oracle scale.
    fn market_raw(&self, id: &str) -> Result<U256> {
        let m = &self.world.markets[id];
        let loan = &self.world.tokens[&m.loan];
        let collateral = &self.world.tokens[&m.collateral];
        let market_price =
            if loan.price.is_zero() { collateral.price } else { collateral.price / loan.price };
        morpho_price(id, market_price, loan.decimals, collateral.decimals)
    }

    /// Borrowers the oracle or the market price calls unhealthy, by the contract's own integer
    /// health check, in decreasing debt per collateral. The sorted index narrows the check to
    /// the borrowers near or past the lower of the two prices. Within a pass the set can only
    /// shrink (a repayment or a bad-debt write-off never raises anyone's debt per share), and a
    /// borrower pushed under by this pass's own sales is found by the next round.
    fn candidates(&self, id: &str) -> Result<Vec<Candidate>> {
        let m = &self.world.markets[id];
        let (oracle_raw, market_raw) = (m.morpho.price(), self.market_raw(id)?);
        let lltv = m.morpho.params().lltv;
        let mut found = Vec::new();
        for candidate in m.at_risk.at(id, &m.morpho, oracle_raw.min(market_raw), lltv)? {
            let position = candidate.position;
            debug_assert_eq!(
                (position.borrow_shares, position.collateral),
                {
                    let p = m.morpho.position(candidate.account);
                    (p.borrow_shares, p.collateral)
                },
                "the index's copy is the market's position"
            );
            let debt = m.morpho.debt_of(&position).map_err(|e| model(id, e))?;
            let unhealthy = |price| -> Result<bool> {
                Ok(m.morpho.max_borrow_of(&position, price).map_err(|e| model(id, e))? < debt)
            };
            if unhealthy(oracle_raw)? || unhealthy(market_raw)? {
                found.push(candidate);
            }
        }
        Ok(found)
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

    /// A borrower's position (as it is now: only its own liquidation changes it) valued at the
    /// current totals, oracle and market prices.
    fn value(&self, id: &str, position: &Position) -> Result<Valued> {
        let m = &self.world.markets[id];
        let loan = &self.world.tokens[&m.loan];
        let collateral = &self.world.tokens[&m.collateral];
        let debt = m.morpho.debt_of(position).map_err(|e| model(id, e))?;
        let debt_usd = whole(id, debt, loan.decimals)? * loan.price;
        let collateral_usd =
            whole(id, position.collateral, collateral.decimals)? * collateral.price;
        let capacity = |price| m.morpho.max_borrow_of(position, price).map_err(|e| model(id, e));
        Ok(Valued {
            debt_usd,
            collateral_usd,
            healthy_by_oracle: capacity(m.morpho.price())? >= debt,
            healthy_at_market: capacity(self.market_raw(id)?)? >= debt,
        })
    }

    fn visit_borrower(&mut self, id: &str, candidate: &Candidate) -> Result<()> {
        let (borrower, position) = (candidate.account, &candidate.position);
        // A borrower whose miss is already logged is logged once: it needs no valuation, only
        // the oracle's verdict (the same integer test as `value`'s), since only a liquidation can
        // still change anything.
        let valued = if candidate.missed { None } else { Some(self.value(id, position)?) };
        let m = &self.world.markets[id];
        let healthy_by_oracle = match &valued {
            Some(valued) => valued.healthy_by_oracle,
            None => {
                let debt = m.morpho.debt_of(position).map_err(|e| model(id, e))?;
                m.morpho.max_borrow_of(position, m.morpho.price()).map_err(|e| model(id, e))?
                    >= debt
            }
        };
        let valued = valued.as_ref();
        let causes = [Quantity::Oracle(m.oracle.clone()), Quantity::Price(m.collateral.clone())];
        if healthy_by_oracle {
            if let Some(v) = valued
                && !v.healthy_at_market
            {
                self.miss(id, candidate, MissReason::OracleAboveMarket, valued, &causes);
            }
            return Ok(());
        }
        let outcome = match m.morpho.max_liquidate(borrower) {
            Ok(found) => found,
            // The contract would revert (e.g. nothing to seize): nobody can liquidate.
            Err(_) => {
                self.miss(id, candidate, MissReason::Unprofitable, valued, &causes);
                return Ok(());
            }
        };
        let loan = &self.world.tokens[&m.loan];
        let collateral = &self.world.tokens[&m.collateral];
        let repaid = whole(id, outcome.repaid_assets, loan.decimals)?;
        let seized = whole(id, outcome.seized_assets, collateral.decimals)?;
        let bad_debt = whole(id, outcome.bad_debt_assets, loan.decimals)?;
        let Some(venue_id) = collateral.venue.clone() else {
            self.miss(id, candidate, MissReason::NoLiquidity, valued, &causes);
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
                    self.miss(id, candidate, MissReason::NoLiquidity, valued, &causes);
                    return Ok(());
                }
            }
        };
        let repaid_usd = repaid * loan.price;
        let bad_debt_usd = bad_debt * loan.price;
        let profit = proceeds - repaid_usd - self.scenario.engine.liquidation_gas_usd;
        if profit <= Decimal::ZERO {
            self.miss(id, candidate, MissReason::Unprofitable, valued, &causes);
            return Ok(());
        }
        // Execute: the market as the contract leaves it, the collateral sold into the venue.
        let collateral_token = m.collateral.clone();
        let name = m.name.clone();
        if let Some(m) = self.world.markets.get_mut(id) {
            let done = m.morpho.liquidate_max(borrower).map_err(|e| model(id, e))?;
            debug_assert_eq!(done, outcome, "the preview is the liquidation");
            m.at_risk.refresh(candidate.slot, &m.morpho);
            m.liquidations += 1;
            m.realised_bad_debt_usd += bad_debt_usd;
        }
        // The checksummed address (a keccak hash) is formatted once for the summary and the kind.
        let who = borrower.to_string();
        let summary = format!(
            "{name}: {who} liquidated, {} repaid, {} seized{}",
            usd(repaid_usd),
            usd(seized * self.world.tokens[&collateral_token].price),
            if bad_debt.is_zero() {
                String::new()
            } else {
                format!(", {} bad debt", usd(bad_debt_usd))
            }
        );
        let kind = EventKind::Liquidation {
            borrower: who,
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
        candidate: &Candidate,
        reason: MissReason,
        valued: Option<&Valued>,
        causes: &[Quantity],
    ) {
        // `None`: the borrower's miss is already logged (it was not valued again).
        let Some(valued) = valued else { return };
        let borrower = candidate.account;
        let Some(m) = self.world.markets.get_mut(id) else { return };
        m.at_risk.mark_missed(candidate.slot);
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
            oracle_says_healthy: "its oracle still reports it healthy",
        };
        self.log_miss(id, &name, &miss, causes);
    }

    /// Logs a market's uncovered debt (debt over collateral at market) when it grew from `old`
    /// to `uncovered`, in the words every lending pass uses, as the market's latest loss.
    pub(super) fn log_uncovered(
        &mut self,
        id: &str,
        name: &str,
        old: Decimal,
        uncovered: Decimal,
        causes: &[Quantity],
    ) {
        if uncovered <= old || settled(old, uncovered) {
            return;
        }
        let summary = format!("{name}: {} of debt uncovered at market", usd(uncovered));
        let kind = EventKind::EconomicBadDebt { total_usd: uncovered };
        let event = self.log.record(id, kind, causes, summary);
        self.log.mark(Quantity::MarketLoss(id.to_owned()), event);
    }

    /// Logs a missed liquidation in the words every lending pass uses.
    pub(super) fn log_miss(&mut self, id: &str, name: &str, miss: &Miss, causes: &[Quantity]) {
        let why = match miss.reason {
            MissReason::OracleAboveMarket => miss.oracle_says_healthy,
            MissReason::Unprofitable => "no liquidator profits after slippage and gas",
            MissReason::NoLiquidity => "there is no liquidity to sell the collateral into",
        };
        if !self.log.keeps_miss(id) {
            let kind = EventKind::MissedLiquidation {
                borrower: String::new(),
                reason: miss.reason,
                debt_usd: miss.debt_usd,
                collateral_usd: miss.collateral_usd,
            };
            self.log.record(id, kind, causes, String::new());
            return;
        }
        let who = miss.borrower.to_string();
        let summary = format!(
            "{name}: {who} ({} debt vs {} collateral at market) not liquidated: {why}",
            usd(miss.debt_usd),
            usd(miss.collateral_usd)
        );
        let kind = EventKind::MissedLiquidation {
            borrower: who,
            reason: miss.reason,
            debt_usd: miss.debt_usd,
            collateral_usd: miss.collateral_usd,
        };
        self.log.record(id, kind, causes, summary);
    }

    /// Economic bad debt, in loan-token units first: the sum over borrowers of debt less the
    /// collateral's worth at the market price (`⌊collateral · price / 1e36⌋`, as Morpho values
    /// collateral), where positive, then in USD at the loan token's price; and frozen funds.
    fn account_losses(&mut self, id: &str) -> Result<()> {
        let market_raw = self.market_raw(id)?;
        let m = &self.world.markets[id];
        let mut uncovered_raw = U256::ZERO;
        let whole_worth = U256::from(1_000_000_000_000_000_000u64);
        for candidate in m.at_risk.at(id, &m.morpho, market_raw, whole_worth)? {
            let position = candidate.position;
            let debt = m.morpho.debt_of(&position).map_err(|e| model(id, e))?;
            let worth =
                mul_div(position.collateral, market_raw, ORACLE_PRICE_SCALE, Rounding::Down)
                    .map_err(|e| model(id, e))?;
            uncovered_raw += debt.saturating_sub(worth);
        }
        let loan = &self.world.tokens[&m.loan];
        let uncovered = whole(id, uncovered_raw, loan.decimals)? * loan.price;
        let m = &self.world.markets[id];
        let causes = [Quantity::Price(m.collateral.clone()), Quantity::MarketLoss(id.to_owned())];
        let name = m.name.clone();
        let old = m.economic_bad_debt_usd;
        if let Some(m) = self.world.markets.get_mut(id) {
            m.economic_bad_debt_usd = uncovered;
        }
        self.log_uncovered(id, &name, old, uncovered, &causes);

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
            *m.withdrawn.entry(account).or_default() += take;
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
