//! A perp venue's liquidations in the cascade: the waterfall run on copies of the liquidity
//! venues, each event logged with its causes (per account and market), book fills replayed.

use super::*;

impl Engine<'_> {
    /// One venue's liquidations, logged, with book fills replayed on the liquidity venues.
    pub(super) fn liquidate_venue(&mut self, id: &str) -> Result<()> {
        let markets = self.world.perp.live[id].markets.clone();
        for m in &markets {
            let copy = self.world.venues[&m.venue].venue.boxed();
            let venue = self
                .world
                .perp
                .venues
                .get_mut(id)
                .ok_or_else(|| super::super::model_missing(id))?;
            *venue.order_book_mut(&m.symbol).map_err(|e| perp(id, e))? = copy;
        }
        let venue =
            self.world.perp.venues.get_mut(id).ok_or_else(|| super::super::model_missing(id))?;
        // Each account's cross-margin markets before the liquidations close them: a move in any
        // of them moves the account's equity, so each is a cause of its liquidation.
        let mut cross: BTreeMap<AccountId, Vec<String>> = BTreeMap::new();
        for account in venue.account_ids().collect::<Vec<_>>() {
            if let Some(a) = venue.account(account) {
                let held = a.positions.iter().filter(|(_, p)| p.isolated_margin.is_none());
                cross.insert(account, held.map(|(m, _)| m.clone()).collect());
            }
        }
        let events = venue.liquidate().map_err(|e| perp(id, e))?;
        // The venue reports a position closed by ADL only through the fills against it; log the
        // bankrupt position's liquidation once, before its first fill, so the fills name it.
        // Per bankrupt position, i.e. per account and market: a cross-margin account bankrupt on
        // two markets has two positions closed, each of its own size.
        let mut bankrupt: BTreeMap<(AccountId, String), (Side, Decimal, Decimal)> = BTreeMap::new();
        for event in &events {
            if let PerpEvent::Adl { bankrupt: b, market, side, size: closed, price, .. } = event {
                let entry = bankrupt
                    .entry((*b, market.clone()))
                    .or_insert_with(|| (side.opposite(), Decimal::ZERO, *price));
                entry.1 += closed;
            }
        }
        let mut moved: Vec<(String, String)> = Vec::new();
        for event in events {
            if let PerpEvent::Adl { bankrupt: b, market, .. } = &event
                && let Some((side, closed, price)) = bankrupt.remove(&(*b, market.clone()))
            {
                let market = market.clone();
                let adl = PerpEvent::Liquidation {
                    account: *b,
                    market,
                    side,
                    size: closed,
                    price,
                    realized_pnl: Decimal::ZERO,
                    route: Route::Adl,
                    fee: Decimal::ZERO,
                };
                self.record_perp_event(id, &markets, &cross, adl)?;
            }
            if let Some(hit) = self.record_perp_event(id, &markets, &cross, event)?
                && !moved.contains(&hit)
            {
                moved.push(hit);
            }
        }
        for (token, venue) in moved {
            self.refresh_price(&token, &[Quantity::Liquidity(venue)], "perp liquidations")?;
        }
        Ok(())
    }

    /// Logs one venue event; returns the `(token, liquidity venue)` a book fill moved.
    pub(super) fn record_perp_event(
        &mut self,
        id: &str,
        markets: &[PerpMarketLive],
        cross: &BTreeMap<AccountId, Vec<String>>,
        event: PerpEvent,
    ) -> Result<Option<(String, String)>> {
        let market_of = |symbol: &str| {
            markets
                .iter()
                .find(|m| m.symbol == symbol)
                .cloned()
                .ok_or_else(|| super::super::model_missing(symbol))
        };
        let live =
            self.world.perp.live.get_mut(id).ok_or_else(|| super::super::model_missing(id))?;
        // An account the venue could not close changed nothing, and it is tried again every
        // round: counting it would keep the step's cascade from ever settling.
        if !matches!(event, PerpEvent::Unresolved { .. }) {
            live.activity += 1;
        }
        let name = live.name.clone();
        let label = |live: &PerpVenueLive, account: AccountId| {
            live.labels.get(&account).cloned().unwrap_or_else(|| format!("#{account}"))
        };
        match event {
            PerpEvent::Liquidation {
                account, market, side, size: closed, price, route, ..
            } => {
                live.liquidations += 1;
                let who = label(live, account);
                let book = live.book_of.get(&account).cloned();
                let mut causes: Vec<Quantity> = live
                    .collateral_oracles
                    .get(&account)
                    .map(|o| o.iter().map(|o| Quantity::Oracle(o.clone())).collect())
                    .unwrap_or_default();
                let m = market_of(&market)?;
                causes.push(Quantity::Price(m.token.clone()));
                // Cross margin: a move in any market the account holds moves its equity (the
                // BTC leg of a book falls with ETH's rise), and so does what last happened to
                // the account (a re-hedge, a leg closed before).
                let held = cross.get(&account).map(Vec::as_slice).unwrap_or_default();
                for other in held.iter().filter(|o| **o != market) {
                    causes.push(Quantity::Price(market_of(other)?.token));
                }
                causes.push(Quantity::PerpAccount(id.to_owned(), account));
                let route_name = match route {
                    Route::Book => "book",
                    Route::Backstop => "backstop vault",
                    Route::Adl => "ADL",
                };
                let summary = format!(
                    "{name}: {who} {} {} {market} liquidated at ${} ({route_name})",
                    side_name(side),
                    size(closed),
                    price.round_dp(2)
                );
                let kind = EventKind::PerpLiquidation {
                    account: who,
                    market,
                    side: side_name(side).into(),
                    size: closed,
                    price,
                    route: route_name.into(),
                };
                let event = self.log.record(id, kind, &causes, summary);
                self.log.mark(Quantity::PerpAccount(id.to_owned(), account), event);
                if let Some(book) = book {
                    self.log.mark(Quantity::Hedge(book), event);
                }
                if route == Route::Book {
                    let venue = self
                        .world
                        .venues
                        .get_mut(&m.venue)
                        .ok_or_else(|| super::super::model_missing(&m.venue))?;
                    match side {
                        Side::Long => {
                            venue.venue.sell(closed)?;
                        }
                        Side::Short => venue.venue.buy(closed)?,
                    }
                    self.log.mark(Quantity::Liquidity(m.venue.clone()), event);
                    return Ok(Some((m.token, m.venue)));
                }
            }
            PerpEvent::Adl {
                account,
                bankrupt,
                market,
                side,
                size: closed,
                price,
                realized_pnl,
                ..
            } => {
                live.adl_fills += 1;
                let who = label(live, account);
                let against = label(live, bankrupt);
                let book = live.book_of.get(&account).cloned();
                let hedge = book
                    .as_ref()
                    .map(|b| format!(" (a hedge of {})", self.world.perp.books[b].name))
                    .unwrap_or_default();
                let summary = format!(
                    "{name}: ADL closes {who}'s {} {} {market}{hedge} at ${} against bankrupt {against}",
                    side_name(side),
                    size(closed),
                    price.round_dp(2)
                );
                let kind = EventKind::Adl {
                    account: who,
                    bankrupt: against,
                    market,
                    size: closed,
                    price,
                    realized_pnl_usd: realized_pnl,
                };
                let cause = Quantity::PerpAccount(id.to_owned(), bankrupt);
                let event = self.log.record(id, kind, &[cause], summary);
                self.log.mark(Quantity::PerpAccount(id.to_owned(), account), event);
                if let Some(book) = book {
                    self.log.mark(Quantity::Hedge(book), event);
                }
            }
            PerpEvent::InsuranceCover { account, amount } => {
                let who = label(live, account);
                let left = self.world.perp.venues[id].insurance();
                let summary = format!(
                    "{name}: insurance fund pays {} for {who} ({} left)",
                    usd(amount),
                    usd(left)
                );
                let kind = EventKind::InsurancePaid {
                    account: who,
                    amount_usd: amount,
                    fund_left_usd: left,
                };
                let event = self.log.record(
                    id,
                    kind,
                    &[Quantity::PerpAccount(id.to_owned(), account)],
                    summary,
                );
                self.log.mark(Quantity::PerpLoss(id.to_owned()), event);
            }
            PerpEvent::BadDebt { account, amount, .. } => {
                live.bad_debt_usd += amount;
                let who = label(live, account);
                let summary = format!("{name}: {} of {who}'s loss left unabsorbed", usd(amount));
                let kind = EventKind::PerpBadDebt { account: who, amount_usd: amount };
                let event = self.log.record(
                    id,
                    kind,
                    &[
                        Quantity::PerpAccount(id.to_owned(), account),
                        Quantity::PerpLoss(id.to_owned()),
                    ],
                    summary,
                );
                self.log.mark(Quantity::PerpLoss(id.to_owned()), event);
            }
            PerpEvent::Unresolved { account, market, size: open } => {
                if !live.unresolved.insert(account) {
                    return Ok(None);
                }
                let who = label(live, account);
                let m = market_of(&market)?;
                let venue = &self.world.perp.venues[id];
                let (mark, _) = venue.prices(&market).map_err(|e| perp(id, e))?;
                let equity = venue.value(Holder::Account(account)).map_err(|e| perp(id, e))?;
                let summary = format!(
                    "{name}: {who} ({} {market}) cannot be closed: no depth, backstop or \
                     opposite side",
                    size(open)
                );
                let kind = EventKind::MissedLiquidation {
                    borrower: who,
                    reason: MissReason::NoLiquidity,
                    debt_usd: open * mark,
                    collateral_usd: equity,
                };
                self.log.record(id, kind, &[Quantity::Price(m.token)], summary);
            }
            PerpEvent::Funding { .. } => {}
        }
        Ok(None)
    }
}
