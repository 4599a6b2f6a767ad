//! One lending pass for every protocol, driven through
//! [`faultline_lending::cascade::CascadeMarket`]: sync the oracles, then for each borrower the
//! protocol names, its verdicts by the oracle and at market, the liquidation a liquidator would
//! choose, the preview, the profit gate (an absorption is not gated), execution, the record and
//! the sale of the seized collateral into its venue; then the market's uncovered debt. A borrower
//! the market calls liquidatable and the oracle does not, or that nobody can profitably
//! liquidate, is a missed liquidation. What differs by protocol is in the lending crate; the
//! protocol hooks left here ([`Protocol`]) are the Morpho lender run and the Comet store front.

use super::{
    Engine,
    log::Quantity,
    markets::{Kind, Live, Market},
    model, model_missing, settled, usd,
    venues::Seller,
    world::whole,
};
use crate::{
    Result,
    report::{EventKind, MissReason},
};
use alloy_primitives::Address;
use faultline_core::{Rounding, decimal::to_decimal};
use faultline_lending::{
    Liquidation,
    cascade::{AaveBook, Amount, BadDebtRule, Candidate, CascadeMarket, Choice, EulerBook, Style},
};
use rust_decimal::Decimal;

/// A liquidation that should have happened and did not.
struct Miss {
    borrower: Address,
    reason: MissReason,
    /// Debt, USD at market.
    debt_usd: Decimal,
    /// Collateral, USD at market.
    collateral_usd: Decimal,
}

/// What the engine adds to a protocol: its place in the round and the steps around the shared
/// pass that only it has.
pub(super) trait Protocol: CascadeMarket + Sized {
    const KIND: Kind;
    /// What the pass depends on, when a pass over unchanged inputs can be skipped.
    fn scan_key(_: &Engine<'_>, _: &Live<Self>) -> Option<super::markets::ScanKey> {
        None
    }
    /// After the borrowers, before the losses (Comet: the store front and its reserves).
    fn after_visits(_: &mut Engine<'_>, _: &str, _: &mut Live<Self>) -> Result<()> {
        Ok(())
    }
    /// After the losses (Morpho: lenders run, funds frozen).
    fn after_losses(_: &mut Engine<'_>, _: &str, _: &mut Live<Self>) -> Result<()> {
        Ok(())
    }
}

impl Protocol for AaveBook {
    const KIND: Kind = Kind::Aave;
}

impl Protocol for EulerBook {
    const KIND: Kind = Kind::Euler;
}

impl Engine<'_> {
    /// One pass over every lending market, protocol by protocol, each in id order.
    pub(super) fn run_lending(&mut self) -> Result<()> {
        for id in self.world.market_order.clone() {
            let mut market = self.world.markets.remove(&id).ok_or_else(|| model_missing(&id))?;
            let done = match &mut market {
                Market::Morpho(live) => self.pass(&id, live),
                Market::Aave(live) => self.pass(&id, live),
                Market::Comet(live) => self.pass(&id, live),
                Market::Euler(live) => self.pass(&id, live),
            };
            self.world.markets.insert(id, market);
            done?;
        }
        Ok(())
    }

    /// Accrues every lending market that has a rate model to the step's time, once per step
    /// before its cascade: each by its contract's own rule ([`CascadeMarket::accrue`]). The
    /// clock is the snapshot's time plus the step's start (`snapshot.timestamp + now`), the time
    /// a price path and the backtest's series use; the first step catches up from each market's
    /// `lastUpdate` to the snapshot's time, as the contract would on its next touch.
    pub(super) fn accrue_lending(&mut self, now: u64) -> Result<()> {
        let at = self.snapshot.timestamp.checked_add(now).ok_or_else(|| {
            crate::Error::Overflow { entity: "clock".to_owned(), what: "snapshot time + step" }
        })?;
        for (id, market) in &mut self.world.markets {
            match market {
                Market::Morpho(live) => accrue(id, live, at)?,
                Market::Aave(live) => accrue(id, live, at)?,
                Market::Comet(live) => accrue(id, live, at)?,
                Market::Euler(live) => accrue(id, live, at)?,
            }
        }
        Ok(())
    }

    /// Debt not covered by collateral valued at the market's own oracle prices (as the protocol
    /// values both), summed over borrowers where positive, in USD with the debt-side token at
    /// market: the bad debt a protocol's analytics report beside the economic measure.
    pub(super) fn oracle_bad_debt(&self, id: &str, market: &Market) -> Result<Decimal> {
        fn at_oracle<M: CascadeMarket>(
            engine: &Engine<'_>,
            id: &str,
            live: &Live<M>,
        ) -> Result<Decimal> {
            let prices = live.oracle_prices(id, &engine.world.oracles)?;
            let at = live.model.at_market(&prices).map_err(|e| model(id, e))?;
            let amount = live.model.uncovered(&at).map_err(|e| model(id, e))?;
            engine.amount_usd(id, live, amount)
        }
        match market {
            Market::Morpho(live) => at_oracle(self, id, live),
            Market::Aave(live) => at_oracle(self, id, live),
            Market::Comet(live) => at_oracle(self, id, live),
            Market::Euler(live) => at_oracle(self, id, live),
        }
    }

    fn pass<M: Protocol>(&mut self, id: &str, live: &mut Live<M>) -> Result<()> {
        for (asset, price) in live.oracle_prices(id, &self.world.oracles)? {
            live.model.set_whole_price(asset, price).map_err(|e| model(id, e))?;
        }
        let before = M::scan_key(self, live);
        if before.is_some() && live.book.settled_at == before {
            return Ok(());
        }
        let mut at_market = self.at_market(id, live)?;
        for candidate in live.model.candidates(&at_market).map_err(|e| model(id, e))? {
            if self.visit(id, live, &candidate, &at_market)? {
                // A liquidation moved the market (and its sale a price): judge the rest anew.
                at_market = self.at_market(id, live)?;
            }
        }
        M::after_visits(self, id, live)?;
        self.account_losses(id, live)?;
        M::after_losses(self, id, live)?;
        if before.is_some() {
            let after = M::scan_key(self, live);
            live.book.settled_at = if after == before { after } else { None };
        }
        Ok(())
    }

    fn at_market<M: CascadeMarket>(&self, id: &str, live: &Live<M>) -> Result<M::AtMarket> {
        let prices = live.market_prices(id, &self.world.tokens)?;
        live.model.at_market(&prices).map_err(|e| model(id, e))
    }

    /// An amount the protocol reports, in USD at market.
    pub(super) fn amount_usd<M>(
        &self,
        id: &str,
        live: &Live<M>,
        amount: Amount,
    ) -> Result<Decimal> {
        match amount {
            Amount::Token(address, raw) => {
                let a = live.asset(id, address)?;
                let price = self.world.tokens[&a.token].price;
                whole(id, raw, a.decimals)?
                    .checked_mul(price)
                    .ok_or_else(|| overflow(id, "value at market"))
            }
            Amount::Value(raw, decimals) => whole(id, raw, decimals),
        }
    }

    /// The causes of a borrower's fate: the collateral it would lose (its oracle, then its
    /// price), every one for an absorption, then the debt's oracle.
    fn causes<M: CascadeMarket>(
        &self,
        id: &str,
        live: &Live<M>,
        borrower: Address,
        choice: &Choice,
    ) -> Result<Vec<Quantity>> {
        let mut causes = Vec::new();
        for address in live.model.collateral_by_value(borrower).map_err(|e| model(id, e))? {
            let a = live.asset(id, address)?;
            if let Some(oracle) = &a.oracle {
                causes.push(Quantity::Oracle(oracle.clone()));
            }
            causes.push(Quantity::Price(a.token.clone()));
        }
        if let Some(oracle) = &live.asset(id, choice.debt)?.oracle {
            causes.push(Quantity::Oracle(oracle.clone()));
        }
        Ok(causes)
    }

    /// Visits one borrower; `true` when a liquidation was executed.
    fn visit<M: Protocol>(
        &mut self,
        id: &str,
        live: &mut Live<M>,
        candidate: &Candidate,
        at_market: &M::AtMarket,
    ) -> Result<bool> {
        let borrower = candidate.account;
        let verdict = live.model.verdict(candidate, at_market).map_err(|e| model(id, e))?;
        if !verdict.by_oracle && !verdict.at_market {
            return Ok(false);
        }
        let style = live.model.style();
        // A borrower whose miss is already logged needs no valuation unless an absorption
        // reports it: only a liquidation can still change anything.
        let missed = candidate.missed || live.book.missed.contains(&borrower);
        if missed && style == Style::ProfitGated {
            // Not liquidatable by the oracle, or liquidatable at a loss whatever the preview
            // finds: either way it stays missed, and its miss is already in the log.
            if !verdict.by_oracle || self.cannot_profit(id, live, candidate)? {
                return Ok(false);
            }
        }
        let valued = if missed && style == Style::ProfitGated {
            None
        } else {
            let (debt, collateral) =
                live.model.value(candidate, at_market).map_err(|e| model(id, e))?;
            Some((self.amount_usd(id, live, debt)?, self.amount_usd(id, live, collateral)?))
        };
        let Some(choice) = live.model.choose(borrower).map_err(|e| model(id, e))? else {
            // Debt without collateral: nothing to seize, nothing any liquidator can do.
            if verdict.by_oracle {
                self.miss(id, live, candidate, MissReason::Unprofitable, valued, &[]);
            }
            return Ok(false);
        };
        let causes = self.causes(id, live, borrower, &choice)?;
        if !verdict.by_oracle {
            self.miss(id, live, candidate, MissReason::OracleAboveMarket, valued, &causes);
            return Ok(false);
        }
        if style == Style::Absorption {
            let collateral_usd = valued.map_or(Decimal::ZERO, |(_, c)| c);
            self.absorb(id, live, candidate, &choice, collateral_usd, &causes)?;
            return Ok(false);
        }
        let outcome = match live.model.preview(borrower, &choice) {
            Ok(found) => found,
            // The contract would revert (nothing to seize, the dust rule): nobody can liquidate.
            Err(_) => {
                self.miss(id, live, candidate, MissReason::Unprofitable, valued, &causes);
                return Ok(false);
            }
        };
        let collateral = live.asset(id, choice.collateral)?.clone();
        let debt = live.asset(id, choice.debt)?.clone();
        // The liquidator receives the seized collateral less the protocol's fee.
        let received = outcome.collateral_seized.saturating_sub(outcome.protocol_fee);
        let sold = whole(id, received, collateral.decimals)?;
        let repaid = whole(id, outcome.debt_repaid, debt.decimals)?;
        let venue_id = self.world.tokens[&collateral.token].venue.clone();
        // A flash-funded liquidator repays from what the sale fetches: when the book absorbs
        // only part of the collateral (a liquidity black hole), only that part's proceeds count,
        // and the rest stays with it unsold.
        let (proceeds, fill) = match (&venue_id, sold.is_zero()) {
            (_, true) => (Decimal::ZERO, None),
            (None, false) => {
                self.miss(id, live, candidate, MissReason::NoLiquidity, valued, &causes);
                return Ok(false);
            }
            (Some(venue_id), false) => {
                let venue = &self.world.venues[venue_id];
                let quote_usd = self.world.tokens[&venue.quote].price;
                match venue.venue.quote_sell_up_to(sold) {
                    Ok(fill) => (
                        fill.proceeds
                            .checked_mul(quote_usd)
                            .ok_or_else(|| overflow(id, "sale proceeds"))?,
                        Some(fill),
                    ),
                    Err(_) => {
                        self.miss(id, live, candidate, MissReason::NoLiquidity, valued, &causes);
                        return Ok(false);
                    }
                }
            }
        };
        let debt_usd = self.world.tokens[&debt.token].price;
        let repaid_usd = repaid.checked_mul(debt_usd).ok_or_else(|| overflow(id, "repaid debt"))?;
        let profit = proceeds - repaid_usd - self.scenario.engine.liquidation_gas_usd;
        // A liquidation that repays and seizes nothing but writes debt off is a keeper's
        // clean-up (Euler's zero-repay socialisation): it costs gas and needs no sale.
        let keeper = outcome.debt_repaid.is_zero()
            && outcome.collateral_seized.is_zero()
            && !outcome.bad_debt.is_zero();
        if profit <= Decimal::ZERO && !keeper {
            match (fill, &venue_id) {
                (Some(fill), Some(venue_id)) if !fill.unsold.is_zero() => {
                    // The book could not take the collateral: that, not the bonus, is why.
                    let mut causes = causes;
                    causes.push(Quantity::Liquidity(venue_id.clone()));
                    self.miss(id, live, candidate, MissReason::NoLiquidity, valued, &causes);
                }
                _ => self.miss(id, live, candidate, MissReason::Unprofitable, valued, &causes),
            }
            return Ok(false);
        }
        let rule = live.model.bad_debt_rule();
        let deficits_before = self.deficit_usd(id, live)?;
        let done = live.model.execute(candidate, &choice).map_err(|e| model(id, e))?;
        debug_assert_eq!(done, outcome, "the preview is the liquidation");
        let bad_debt_usd = match rule {
            BadDebtRule::Deficit => {
                (self.deficit_usd(id, live)? - deficits_before).max(Decimal::ZERO)
            }
            BadDebtRule::InLiquidation | BadDebtRule::Reserves => {
                whole(id, done.bad_debt, debt.decimals)?
                    .checked_mul(debt_usd)
                    .ok_or_else(|| overflow(id, "bad debt"))?
            }
        };
        live.book.liquidations += 1;
        live.book.realised_bad_debt_usd += bad_debt_usd;
        let seized_usd = sold * self.world.tokens[&collateral.token].price;
        let who = borrower.to_string();
        let summary = liquidated(
            M::KIND,
            &live.book.name,
            &who,
            repaid_usd,
            &debt.token,
            seized_usd,
            &collateral.token,
            bad_debt_usd,
        );
        let kind = EventKind::Liquidation {
            borrower: who,
            repaid_usd,
            seized_usd: proceeds,
            profit_usd: profit,
            bad_debt_usd,
        };
        let event = self.log.record(id, kind, &causes, summary);
        if !bad_debt_usd.is_zero() {
            self.log.mark(Quantity::MarketLoss(id.to_owned()), event);
        }
        if let (Some(venue_id), false) = (venue_id, sold.is_zero()) {
            let who = format!("{}'s liquidator", live.book.name);
            let seller = Seller {
                id,
                who: &who,
                consequence: "the liquidator holds the seized collateral the book could not take",
            };
            self.sell_into(&venue_id, sold, seller, Some(event), &[])?;
            self.log.mark(Quantity::Liquidity(venue_id.clone()), event);
            self.refresh_price(
                &collateral.token,
                &[Quantity::Liquidity(venue_id)],
                "liquidation sale",
            )?;
        }
        Ok(true)
    }

    /// Whether no liquidation of `candidate` can profit, on the protocol's
    /// [`CascadeMarket::liquidation_bound`]: it seizes at most `max_seized` and repays at least
    /// `min_repaid_per_seized` per unit seized, and a sale fetches at most the venue's marginal
    /// price now (every venue's price falls as it absorbs a sale) and sells no more than the
    /// book's room, so the profit is at most `min(max_seized, room) · max(0, mid · quote price −
    /// repaid per seized · debt price) − gas` (past the room it repays more than it sells). The slack
    /// covers the mid's rounding to [`faultline_liquidity::PRICE_DECIMALS`] places and
    /// `Decimal`'s own; `false` (preview it) wherever the bound is missing or a figure
    /// overflows.
    fn cannot_profit<M: CascadeMarket>(
        &self,
        id: &str,
        live: &Live<M>,
        candidate: &Candidate,
    ) -> Result<bool> {
        let gas = self.scenario.engine.liquidation_gas_usd;
        if gas <= Decimal::ZERO {
            return Ok(false);
        }
        let Some(bound) = live.model.liquidation_bound(candidate).map_err(|e| model(id, e))? else {
            return Ok(false);
        };
        let Some(choice) = live.model.choose(candidate.account).map_err(|e| model(id, e))? else {
            return Ok(false);
        };
        let (collateral, debt) = (live.asset(id, choice.collateral)?, live.asset(id, choice.debt)?);
        let Some(venue) =
            self.world.tokens[&collateral.token].venue.as_ref().map(|v| &self.world.venues[v])
        else {
            return Ok(false);
        };
        let Ok(mid) = venue.venue.mid() else { return Ok(false) };
        let quote_usd = self.world.tokens[&venue.quote].price;
        let debt_usd = self.world.tokens[&debt.token].price;
        let Some(exponent) = (36 + debt.decimals).checked_sub(collateral.decimals) else {
            return Ok(false);
        };
        let (Ok(per_seized), Ok(seized)) = (
            to_decimal(bound.min_repaid_per_seized, exponent, 12, Rounding::Down),
            whole(id, bound.max_seized, collateral.decimals),
        ) else {
            return Ok(false);
        };
        let bound = (|| {
            let sale = mid.checked_mul(quote_usd)?;
            let gross = seized.checked_mul(sale)?;
            let margin = sale.checked_sub(per_seized.checked_mul(debt_usd)?)?.max(Decimal::ZERO);
            let slack = seized
                .checked_mul(quote_usd)?
                .checked_mul(Decimal::new(1, 15))?
                .checked_add(gross.checked_mul(Decimal::new(1, 12))?)?
                .checked_add(Decimal::new(1, 12))?;
            // A book with published depth fills at most its room, whatever is seized.
            let sold =
                venue.venue.bid_room().map_or(seized, |room| room.max(Decimal::ZERO).min(seized));
            margin.checked_mul(sold)?.checked_add(slack)
        })();
        Ok(bound.is_some_and(|upper| upper < gas))
    }

    /// An absorption: the protocol takes the debt and the collateral; what the collateral,
    /// credited at the liquidation factor, did not cover falls on its reserves.
    fn absorb<M: Protocol>(
        &mut self,
        id: &str,
        live: &mut Live<M>,
        candidate: &Candidate,
        choice: &Choice,
        collateral_usd: Decimal,
        causes: &[Quantity],
    ) -> Result<()> {
        let out: Liquidation = live.model.execute(candidate, choice).map_err(|e| model(id, e))?;
        live.book.liquidations += 1;
        let base = live.asset(id, choice.debt)?;
        let base_usd = self.world.tokens[&base.token].price;
        let bad_debt_usd = whole(id, out.bad_debt, base.decimals)? * base_usd;
        let repaid_usd = whole(id, out.debt_repaid, base.decimals)? * base_usd;
        let borrower = candidate.account;
        let summary = format!(
            "{}: {borrower} absorbed, {} of debt taken by the protocol against {} of \
             collateral at market{}",
            live.book.name,
            usd(repaid_usd),
            usd(collateral_usd),
            if bad_debt_usd.is_zero() {
                String::new()
            } else {
                format!(", {} not covered, taken by reserves", usd(bad_debt_usd))
            }
        );
        let kind = EventKind::Liquidation {
            borrower: borrower.to_string(),
            repaid_usd,
            seized_usd: collateral_usd,
            profit_usd: Decimal::ZERO,
            bad_debt_usd,
        };
        let event = self.log.record(id, kind, causes, summary);
        // Every absorption moves the reserves.
        self.log.mark(Quantity::MarketLoss(id.to_owned()), event);
        Ok(())
    }

    /// The market's deficits ([`BadDebtRule::Deficit`]), USD at market.
    fn deficit_usd<M: CascadeMarket>(&self, id: &str, live: &Live<M>) -> Result<Decimal> {
        let mut total = Decimal::ZERO;
        for (asset, deficit) in live.model.deficits().map_err(|e| model(id, e))? {
            if !deficit.is_zero() {
                total += self.amount_usd(id, live, Amount::Token(asset, deficit))?;
            }
        }
        Ok(total)
    }

    fn miss<M: Protocol>(
        &mut self,
        id: &str,
        live: &mut Live<M>,
        candidate: &Candidate,
        reason: MissReason,
        valued: Option<(Decimal, Decimal)>,
        causes: &[Quantity],
    ) {
        // `None`: the borrower's miss is already logged (it was not valued again).
        let Some((debt_usd, collateral_usd)) = valued else { return };
        live.model.mark_missed(candidate);
        if !live.book.missed.insert(candidate.account) {
            return;
        }
        live.book.missed_count += 1;
        let miss = Miss { borrower: candidate.account, reason, debt_usd, collateral_usd };
        self.log_miss(id, &live.book.name, &miss, M::KIND.oracle_says_healthy(), causes);
    }

    /// Economic bad debt: debt over collateral at market, as the protocol values both, summed
    /// over borrowers where positive; logged when it grows.
    fn account_losses<M: CascadeMarket>(&mut self, id: &str, live: &mut Live<M>) -> Result<()> {
        let at_market = self.at_market(id, live)?;
        let amount = live.model.uncovered(&at_market).map_err(|e| model(id, e))?;
        let uncovered = self.amount_usd(id, live, amount)?;
        let mut causes: Vec<Quantity> =
            live.loss_tokens.iter().map(|t| Quantity::Price(t.clone())).collect();
        causes.push(Quantity::MarketLoss(id.to_owned()));
        let old = live.book.economic_bad_debt_usd;
        live.book.economic_bad_debt_usd = uncovered;
        if uncovered <= old || settled(old, uncovered) {
            return Ok(());
        }
        let summary = format!("{}: {} of debt uncovered at market", live.book.name, usd(uncovered));
        let kind = EventKind::EconomicBadDebt { total_usd: uncovered };
        let event = self.log.record(id, kind, &causes, summary);
        self.log.mark(Quantity::MarketLoss(id.to_owned()), event);
        Ok(())
    }

    /// Logs a missed liquidation in the words every lending pass uses.
    fn log_miss(
        &mut self,
        id: &str,
        name: &str,
        miss: &Miss,
        oracle_says_healthy: &str,
        causes: &[Quantity],
    ) {
        let why = match miss.reason {
            MissReason::OracleAboveMarket => oracle_says_healthy,
            MissReason::Unprofitable => "no liquidator profits after slippage and gas",
            MissReason::NoLiquidity => {
                "there is no liquidity to sell the collateral into (or too little to repay the debt)"
            }
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
}

/// One market's accrual to `at` (Unix seconds), when it has a rate model.
fn accrue<M: CascadeMarket>(id: &str, live: &mut Live<M>, at: u64) -> Result<()> {
    if live.book.accrues {
        live.model.accrue(at).map_err(|e| model(id, e))?;
    }
    Ok(())
}

fn overflow(id: &str, what: &'static str) -> crate::Error {
    crate::Error::Overflow { entity: id.to_owned(), what }
}

/// A liquidation's summary in the protocol's words.
#[allow(clippy::too_many_arguments)]
fn liquidated(
    kind: Kind,
    name: &str,
    who: &str,
    repaid_usd: Decimal,
    debt: &str,
    seized_usd: Decimal,
    collateral: &str,
    bad_debt_usd: Decimal,
) -> String {
    let (repaid, seized) = (usd(repaid_usd), usd(seized_usd));
    let (body, bad_debt) = match kind {
        Kind::Morpho => (format!("{repaid} repaid, {seized} seized"), "bad debt"),
        Kind::Euler => (
            format!("{repaid} {debt} debt taken over and repaid, {seized} {collateral} seized"),
            "socialised to depositors",
        ),
        Kind::Aave | Kind::Comet => {
            (format!("{repaid} {debt} repaid, {seized} {collateral} seized"), "bad debt")
        }
    };
    if bad_debt_usd.is_zero() {
        format!("{name}: {who} liquidated, {body}")
    } else {
        format!("{name}: {who} liquidated, {body}, {} {bad_debt}", usd(bad_debt_usd))
    }
}
