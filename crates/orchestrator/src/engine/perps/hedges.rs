//! Delta-neutral books' hedges in the cascade: margin top-ups from the buffer, a hedge lost
//! when net exposure leaves its band, and the re-hedge the desk makes within its margin.

use super::*;

impl Engine<'_> {
    /// Books top up their short accounts' margin from their buffers.
    pub(super) fn defend_hedges(&mut self) -> Result<()> {
        let ids: Vec<String> = self.world.perp.books.keys().cloned().collect();
        for id in ids {
            let state = &mut self.world.perp;
            let live = state.books.get_mut(&id).ok_or_else(|| super::super::model_missing(&id))?;
            let actions =
                live.book.top_up_margin(&mut state.venues).map_err(|e| book_error(&id, e))?;
            if actions.is_empty() {
                continue;
            }
            let (mut topped, mut missing) = (Decimal::ZERO, Decimal::ZERO);
            for action in &actions {
                match action {
                    Action::TopUp { venue, amount, .. } => {
                        topped += amount;
                        if let Some(v) = state.live.get_mut(venue) {
                            v.activity += 1;
                        }
                    }
                    Action::BufferExhausted { missing: m, .. } => missing += m,
                    Action::Rehedge { .. } | Action::RehedgeShortOfMargin { .. } => {}
                }
            }
            let causes = self.leg_prices(&id);
            let buffer = self.world.perp.books[&id].book.buffer;
            let name = self.world.perp.books[&id].name.clone();
            let mut summary = format!(
                "{name} moves {} of margin to its shorts ({} of buffer left)",
                usd(topped),
                usd(buffer)
            );
            if missing > Decimal::ZERO {
                summary.push_str(&format!("; {} more was needed", usd(missing)));
            }
            let kind = EventKind::HedgeMargin { topped_up_usd: topped, missing_usd: missing };
            self.log.record(&id, kind, &causes, summary);
        }
        Ok(())
    }

    /// The price quantities of a book's long legs.
    pub(in crate::engine) fn leg_prices(&self, book: &str) -> Vec<Quantity> {
        let mut out: Vec<Quantity> = Vec::new();
        for (_, token) in &self.world.perp.books[book].leg_tokens {
            let q = Quantity::Price(token.clone());
            if !out.contains(&q) {
                out.push(q);
            }
        }
        out
    }

    /// Books whose net exposure left the band have lost their hedge; after the desk's delay they
    /// reopen it.
    pub(super) fn check_hedges(&mut self, now: u64) -> Result<()> {
        let ids: Vec<String> = self.world.perp.books.keys().cloned().collect();
        for id in ids {
            let state = &self.world.perp;
            let live = &state.books[&id];
            let underlyings: BTreeSet<String> =
                live.book.longs.iter().map(|l| l.underlying.clone()).collect();
            let mut seen = Vec::new();
            for underlying in underlyings {
                let exposure =
                    live.book.long_exposure(&underlying).map_err(|e| book_error(&id, e))?;
                let delta =
                    live.book.delta(&state.venues, &underlying).map_err(|e| book_error(&id, e))?;
                let band = live
                    .book
                    .rules
                    .rehedge_band
                    .checked_mul(exposure.abs())
                    .ok_or_else(|| overflow(&id, "re-hedge band x long exposure"))?;
                let lost = delta.abs() > band;
                seen.push((
                    underlying.clone(),
                    delta,
                    lost,
                    live.unhedged.get(&underlying).copied(),
                ));
            }
            let delay = live.rehedge_after_secs;
            let mut reopen = false;
            for (underlying, delta, lost, since) in seen {
                match (lost, since) {
                    (true, None) => self.hedge_lost(&id, &underlying, delta, now)?,
                    (true, Some(since)) => {
                        reopen |= delay.is_some_and(|d| now >= since + d);
                    }
                    (false, Some(_)) => {
                        if let Some(book) = self.world.perp.books.get_mut(&id) {
                            book.unhedged.remove(&underlying);
                            book.short_of_margin.remove(&underlying);
                        }
                    }
                    (false, None) => {}
                }
            }
            if reopen {
                self.rehedge(&id, now)?;
            }
        }
        Ok(())
    }

    pub(super) fn hedge_lost(
        &mut self,
        id: &str,
        underlying: &str,
        delta: Decimal,
        now: u64,
    ) -> Result<()> {
        let live = &self.world.perp.books[id];
        let price = live
            .book
            .longs
            .iter()
            .find(|l| l.underlying == underlying && !l.delta_per_unit.is_zero())
            .map_or(Some(Decimal::ZERO), |l| l.price.checked_div(l.delta_per_unit))
            .ok_or_else(|| overflow(id, "underlying price (leg price / delta_per_unit)"))?;
        let delta_usd = delta.checked_mul(price).ok_or_else(|| overflow(id, "net delta in USD"))?;
        let summary = format!(
            "{} unhedged: net {} {} {underlying} ({})",
            live.name,
            if delta.is_sign_negative() { "short" } else { "long" },
            size(delta.abs()),
            usd(delta_usd.abs())
        );
        let kind = EventKind::HedgeLost { underlying: underlying.to_owned(), delta, delta_usd };
        let event = self.log.record(id, kind, &[Quantity::Hedge(id.to_owned())], summary);
        self.log.mark(Quantity::Hedge(id.to_owned()), event);
        if let Some(book) = self.world.perp.books.get_mut(id) {
            book.unhedged.insert(underlying.to_owned(), now);
        }
        Ok(())
    }

    pub(super) fn rehedge(&mut self, id: &str, now: u64) -> Result<()> {
        let state = &mut self.world.perp;
        let live = state.books.get_mut(id).ok_or_else(|| super::super::model_missing(id))?;
        let actions = live.book.rehedge(&mut state.venues).map_err(|e| book_error(id, e))?;
        live.unhedged.clear();
        let name = live.name.clone();
        let accounts: BTreeMap<(String, String), AccountId> = live
            .book
            .shorts
            .iter()
            .map(|l| ((l.venue.clone(), l.market.clone()), l.account))
            .collect();
        for action in actions {
            match action {
                Action::Rehedge { venue, market, short_added, price } => {
                    if let Some(v) = self.world.perp.live.get_mut(&venue) {
                        v.activity += 1;
                    }
                    let summary = format!(
                        "{name} reopens its hedge: short {} {market} more at ${}",
                        size(short_added),
                        price.round_dp(2)
                    );
                    let account = accounts.get(&(venue.clone(), market.clone())).copied();
                    let kind = EventKind::Rehedged { underlying: market, short_added, price };
                    let event =
                        self.log.record(id, kind, &[Quantity::Hedge(id.to_owned())], summary);
                    self.log.mark(Quantity::Hedge(id.to_owned()), event);
                    if let Some(account) = account {
                        self.log.mark(Quantity::PerpAccount(venue, account), event);
                    }
                }
                Action::RehedgeShortOfMargin { venue, market, unhedged, equity, required } => {
                    // The part not reopened stays unhedged (lost since now): after the desk's
                    // delay it tries again with whatever margin there is then.
                    let book = self
                        .world
                        .perp
                        .books
                        .get_mut(id)
                        .ok_or_else(|| super::super::model_missing(id))?;
                    book.unhedged.insert(market.clone(), now);
                    if book.short_of_margin.insert(market.clone(), unhedged) == Some(unhedged) {
                        continue;
                    }
                    let summary = format!(
                        "{name} cannot reopen {} {market} of its hedge on {venue}: its account \
                         holds {} of equity, {} of initial margin needed",
                        size(unhedged),
                        usd(equity.max(Decimal::ZERO)),
                        usd(required)
                    );
                    let mut causes = vec![Quantity::Hedge(id.to_owned())];
                    if let Some(&account) = accounts.get(&(venue.clone(), market.clone())) {
                        causes.push(Quantity::PerpAccount(venue, account));
                    }
                    let kind = EventKind::HedgeMargin {
                        topped_up_usd: Decimal::ZERO,
                        missing_usd: (required - equity).max(Decimal::ZERO),
                    };
                    self.log.record(id, kind, &causes, summary);
                }
                _ => {}
            }
        }
        Ok(())
    }
}
