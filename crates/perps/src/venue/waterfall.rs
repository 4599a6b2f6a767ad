//! The liquidation waterfall (see the parent module): each unit under maintenance closed on
//! the order book, by the backstop vault, with the insurance fund, or by auto-deleveraging, and
//! the book fills and prices that decide between them.

use super::{PRICE_PLACES, Venue, money};
use crate::{
    Decimal, Error, Result, Side,
    adl::{self, Candidate, SIZE_PLACES, Shortfall},
    events::{Event, Route},
    ledger::{AccountId, Holder, Position, add, div, mul, sub},
};
use faultline_core::{Rounding, decimal::RoundingStrategy};
use faultline_liquidity::{Error as BookError, Side as BookSide};
use std::collections::BTreeMap;

impl Venue {
    /// Liquidates every unit under maintenance, accounts in id order, markets in symbol order.
    pub fn liquidate(&mut self) -> Result<Vec<Event>> {
        let mut events = Vec::new();
        let ids: Vec<AccountId> = self.accounts.keys().copied().collect();
        for id in ids {
            let health = self.cross_health(id)?;
            if !health.maintenance.is_zero() && health.liquidatable() {
                let backstop_first =
                    health.equity < mul(self.config.backstop_below, health.maintenance)?;
                let markets: Vec<String> = self.accounts[&id]
                    .positions
                    .iter()
                    .filter(|(_, p)| p.isolated_margin.is_none())
                    .map(|(m, _)| m.clone())
                    .collect();
                for market in markets {
                    self.close_unit(id, &market, backstop_first, &mut events)?;
                }
            }
            let isolated: Vec<String> = self.accounts[&id]
                .positions
                .iter()
                .filter(|(_, p)| p.isolated_margin.is_some())
                .map(|(m, _)| m.clone())
                .collect();
            for market in isolated {
                let Some(health) = self.isolated_health(id, &market)? else { continue };
                if health.liquidatable() {
                    let backstop_first =
                        health.equity < mul(self.config.backstop_below, health.maintenance)?;
                    self.close_unit(id, &market, backstop_first, &mut events)?;
                }
            }
        }
        Ok(events)
    }

    /// The equity of the unit that holds `account`'s position on `market`.
    fn unit_equity(&self, account: AccountId, market: &str) -> Result<Decimal> {
        match self.isolated_health(account, market)? {
            Some(health) => Ok(health.equity),
            None => Ok(self.cross_health(account)?.equity),
        }
    }

    fn close_unit(
        &mut self,
        id: AccountId,
        market: &str,
        backstop_first: bool,
        events: &mut Vec<Event>,
    ) -> Result<()> {
        let Some(position) = self.accounts.get(&id).and_then(|a| a.positions.get(market)).cloned()
        else {
            return Ok(());
        };
        let Some(side) = position.side() else { return Ok(()) };
        let size = position.size.abs();
        let mark = self.market(market)?.mark;
        let equity = self.unit_equity(id, market)?;
        let fee = money(mul(mul(self.config.liquidation_fee_rate, size)?, mark)?);

        // 1. The book, unless the unit is already below the backstop threshold.
        let book_fill = self.quote_book(market, side, size)?;
        if !backstop_first && let Some(amount) = book_fill {
            let after = add(equity, fill_vs_mark(side, size, amount, mark)?)?;
            if after >= Decimal::ZERO {
                let fee = fee.min(after);
                self.fill_on_book(id, market, side, size, &position, fee, events)?;
                return Ok(());
            }
        }
        // 2. The backstop vault, at the bankruptcy price.
        let cover = money((-equity).max(Decimal::ZERO));
        if cover <= self.insurance
            && self.backstop_can_take(market, side, size, equity.max(Decimal::ZERO))?
        {
            self.cover_from_insurance(id, market, cover, events)?;
            let bankruptcy = self.bankruptcy_price(id, market, side, size)?;
            let amount = money(mul(size, bankruptcy)?);
            let realized = realized_pnl(side, &position, size, amount)?;
            self.close_against(id, Holder::Backstop, market, side, size, amount)?;
            events.push(Event::Liquidation {
                account: id,
                market: market.to_owned(),
                side,
                size,
                price: bankruptcy,
                realized_pnl: realized,
                route: Route::Backstop,
                fee: Decimal::ZERO,
            });
            return Ok(());
        }
        // 3. The book, with the insurance fund paying the loss beyond bankruptcy.
        if let Some(amount) = book_fill {
            let after = add(equity, fill_vs_mark(side, size, amount, mark)?)?;
            if after + self.insurance >= Decimal::ZERO {
                self.fill_on_book(id, market, side, size, &position, Decimal::ZERO, events)?;
                self.cover_from_insurance(id, market, money((-after).max(Decimal::ZERO)), events)?;
                return Ok(());
            }
        }
        // 4. Auto-deleveraging at the bankruptcy price.
        self.deleverage(id, market, side, size, events)
    }

    fn deleverage(
        &mut self,
        id: AccountId,
        market: &str,
        side: Side,
        size: Decimal,
        events: &mut Vec<Event>,
    ) -> Result<()> {
        let mark = self.market(market)?.mark;
        let bankruptcy = self.bankruptcy_price(id, market, side, size)?;
        if bankruptcy <= Decimal::ZERO {
            // A long so deep under water that no positive price clears it: fill at the smallest
            // price and leave the rest as bad debt below.
            return self.residual_to_book(id, market, side, size, events);
        }
        let candidates = self.adl_candidates(id, market, side.opposite())?;
        let leverage: BTreeMap<AccountId, Decimal> =
            candidates.iter().map(|(c, lev)| (c.account, *lev)).collect();
        let candidates: Vec<Candidate> = candidates.into_iter().map(|(c, _)| c).collect();
        let closed = if candidates.is_empty() {
            Decimal::ZERO
        } else {
            let shortfall =
                Shortfall { bankrupt_side: side, size, fill_price: bankruptcy, mark_price: mark };
            let outcome = adl::deleverage(self.config.adl_policy, &shortfall, &candidates)?;
            let mut closed = Decimal::ZERO;
            for fill in outcome.fills {
                let amount = money(mul(fill.size, bankruptcy)?);
                self.close_against(
                    id,
                    Holder::Account(fill.account),
                    market,
                    side,
                    fill.size,
                    amount,
                )?;
                closed = add(closed, fill.size)?;
                events.push(Event::Adl {
                    account: fill.account,
                    bankrupt: id,
                    market: market.to_owned(),
                    side: side.opposite(),
                    size: fill.size,
                    price: bankruptcy,
                    realized_pnl: fill.realized_pnl,
                    leverage: leverage.get(&fill.account).copied().unwrap_or_default(),
                });
            }
            closed
        };
        let rest = sub(size, closed)?;
        if rest > Decimal::ZERO {
            return self.residual_to_book(id, market, side, rest, events);
        }
        Ok(())
    }

    /// What ADL could not place: to the book if it can fill, the insurance fund paying what it
    /// can; any loss left is bad debt. With no depth either, the position stays open.
    fn residual_to_book(
        &mut self,
        id: AccountId,
        market: &str,
        side: Side,
        size: Decimal,
        events: &mut Vec<Event>,
    ) -> Result<()> {
        let Some(position) = self.accounts.get(&id).and_then(|a| a.positions.get(market)).cloned()
        else {
            return Ok(());
        };
        if self.quote_book(market, side, size)?.is_none() {
            events.push(Event::Unresolved { account: id, market: market.to_owned(), size });
            return Ok(());
        }
        self.fill_on_book(id, market, side, size, &position, Decimal::ZERO, events)?;
        let equity = self.value(Holder::Account(id))?;
        if equity < Decimal::ZERO {
            let cover = money(-equity).min(self.insurance);
            self.cover_from_insurance(id, market, cover, events)?;
            let left = sub(-equity, cover)?;
            if left > Decimal::ZERO {
                events.push(Event::BadDebt {
                    account: id,
                    market: market.to_owned(),
                    amount: left,
                });
            }
        }
        Ok(())
    }

    /// Opposite-side positions of other accounts, with their leverage at the mark.
    fn adl_candidates(
        &self,
        bankrupt: AccountId,
        market: &str,
        side: Side,
    ) -> Result<Vec<(Candidate, Decimal)>> {
        let m = self.market(market)?;
        let mut out = Vec::new();
        for (&id, account) in &self.accounts {
            let Some(position) = account.positions.get(market) else { continue };
            if id == bankrupt || position.side() != Some(side) {
                continue;
            }
            let Some(entry) = position.entry_price() else { continue };
            if entry <= Decimal::ZERO || position.size.abs().scale() > SIZE_PLACES {
                continue;
            }
            let upnl = position.unrealized_pnl(m.mark)?;
            let equity = self.unit_equity(id, market)?;
            let notional = position.notional(m.mark)?;
            let leverage =
                if equity > Decimal::ZERO { div(notional, equity)? } else { Decimal::MAX };
            out.push((
                Candidate {
                    account: id,
                    size: position.size.abs(),
                    entry_price: entry,
                    wallet_balance: sub(equity, upnl)?,
                    maintenance_margin: m.schedule.maintenance_margin(notional)?,
                },
                leverage,
            ));
        }
        Ok(out)
    }

    /// `B = m - s · e / q`, rounded toward the bankrupt side's benefit never: down for a long
    /// (it receives less), up for a short (it pays more), to [`PRICE_PLACES`].
    fn bankruptcy_price(
        &self,
        id: AccountId,
        market: &str,
        side: Side,
        size: Decimal,
    ) -> Result<Decimal> {
        let mark = self.market(market)?.mark;
        let equity = self.unit_equity(id, market)?;
        let shift = div(equity, size)?;
        let price = sub(mark, mul(side.sign(), shift)?)?;
        let strategy = match side {
            Side::Long => RoundingStrategy::ToNegativeInfinity,
            Side::Short => RoundingStrategy::ToPositiveInfinity,
        };
        Ok(price.round_dp_with_strategy(PRICE_PLACES, strategy))
    }

    fn backstop_can_take(
        &self,
        market: &str,
        side: Side,
        size: Decimal,
        equity_gain: Decimal,
    ) -> Result<bool> {
        let value = add(self.value(Holder::Backstop)?, equity_gain)?;
        if value <= Decimal::ZERO {
            return Ok(false);
        }
        let mut maintenance = Decimal::ZERO;
        let mut seen = false;
        for (symbol, position) in &self.backstop.positions {
            let m = self.market(symbol)?;
            let mut signed = position.size;
            if symbol == market {
                signed = add(signed, mul(side.sign(), size)?)?;
                seen = true;
            }
            maintenance =
                add(maintenance, m.schedule.maintenance_margin(mul(signed.abs(), m.mark)?)?)?;
        }
        if !seen {
            let m = self.market(market)?;
            maintenance = add(maintenance, m.schedule.maintenance_margin(mul(size, m.mark)?)?)?;
        }
        Ok(value >= maintenance)
    }

    fn cover_from_insurance(
        &mut self,
        id: AccountId,
        market: &str,
        amount: Decimal,
        events: &mut Vec<Event>,
    ) -> Result<()> {
        if amount <= Decimal::ZERO {
            return Ok(());
        }
        self.insurance = sub(self.insurance, amount)?;
        let account = self.account_mut(id)?;
        match account.positions.get_mut(market).and_then(|p| p.isolated_margin.as_mut()) {
            Some(margin) => *margin = add(*margin, amount)?,
            None => account.cash = add(account.cash, amount)?,
        }
        events.push(Event::InsuranceCover { account: id, amount });
        Ok(())
    }

    /// The book's fill for closing `size` of a `side` position, as the settlement amount
    /// (`None` when the book cannot fill it).
    fn quote_book(&self, market: &str, side: Side, size: Decimal) -> Result<Option<Decimal>> {
        let book = &self.market(market)?.book;
        let Some(base) = to_raw(size, book.pair().base_decimals())? else { return Ok(None) };
        match book.quote(book_side(side), base) {
            Ok(quote) => Ok(Some(from_raw(quote.quote, book.pair().quote_decimals(), side)?)),
            Err(BookError::InsufficientLiquidity { .. } | BookError::ZeroLiquidity { .. }) => {
                Ok(None)
            }
            Err(other) => Err(other.into()),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn fill_on_book(
        &mut self,
        id: AccountId,
        market: &str,
        side: Side,
        size: Decimal,
        position: &Position,
        fee: Decimal,
        events: &mut Vec<Event>,
    ) -> Result<()> {
        let m = self.market_mut(market)?;
        let base = to_raw(size, m.book.pair().base_decimals())?
            .ok_or_else(|| Error::invalid("size", "a positive size in the book's units", size))?;
        let quote = m.book.execute(book_side(side), base)?;
        let amount = from_raw(quote.quote, m.book.pair().quote_decimals(), side)?;
        let realized = realized_pnl(side, position, size, amount)?;
        self.close_against(id, Holder::Book, market, side, size, amount)?;
        if fee > Decimal::ZERO {
            let account = self.account_mut(id)?;
            match account.positions.get_mut(market).and_then(|p| p.isolated_margin.as_mut()) {
                Some(margin) => *margin = sub(*margin, fee)?,
                None => account.cash = sub(account.cash, fee)?,
            }
            self.insurance = add(self.insurance, fee)?;
        }
        events.push(Event::Liquidation {
            account: id,
            market: market.to_owned(),
            side,
            size,
            price: div(amount, size)?,
            realized_pnl: realized,
            route: Route::Book,
            fee,
        });
        Ok(())
    }

    /// Closes `size` of `id`'s `side` position by trading it to `taker` for `amount`.
    fn close_against(
        &mut self,
        id: AccountId,
        taker: Holder,
        market: &str,
        side: Side,
        size: Decimal,
        amount: Decimal,
    ) -> Result<()> {
        match side {
            Side::Long => self.transfer(taker, Holder::Account(id), market, size, amount),
            Side::Short => self.transfer(Holder::Account(id), taker, market, size, amount),
        }
    }
}

/// How much better (positive) or worse than the mark a fill of `amount` for closing `size` of a
/// `side` position is: a long's sale above `size · mark`, a short's purchase below it.
fn fill_vs_mark(side: Side, size: Decimal, amount: Decimal, mark: Decimal) -> Result<Decimal> {
    mul(side.sign(), sub(amount, mul(size, mark)?)?)
}

/// PnL realised closing `size` of `position` for `amount`: `s · amount - cost · size / |S|`.
fn realized_pnl(
    side: Side,
    position: &Position,
    size: Decimal,
    amount: Decimal,
) -> Result<Decimal> {
    let share = div(mul(position.cost, size)?, position.size.abs())?;
    sub(mul(side.sign(), amount)?, share)
}

const fn book_side(side: Side) -> BookSide {
    match side {
        Side::Long => BookSide::Sell,
        Side::Short => BookSide::Buy,
    }
}

/// A size in the book's raw base units, rounded down (`None` when it rounds to zero).
fn to_raw(size: Decimal, decimals: u8) -> Result<Option<faultline_liquidity::U256>> {
    let raw = faultline_core::decimal::from_decimal(size, decimals, Rounding::Down)
        .map_err(|_| Error::Overflow { op: "size to raw units" })?;
    Ok(if raw.is_zero() { None } else { Some(raw) })
}

/// A raw settlement amount as a decimal: exact up to 28 places.
fn from_raw(raw: faultline_liquidity::U256, decimals: u8, side: Side) -> Result<Decimal> {
    // A long's proceeds round down, a short's cost up: never in the liquidated account's favour.
    let rounding = match side {
        Side::Long => Rounding::Down,
        Side::Short => Rounding::Up,
    };
    faultline_core::decimal::to_decimal(raw, decimals, u32::from(decimals.min(28)), rounding)
        .map_err(|_| Error::Overflow { op: "raw amount to decimal" })
}
