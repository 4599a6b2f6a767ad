//! Issuers in the cascade: true NAV from backing at market value, and the issuer token's price.

use super::{Engine, log::Quantity, settled, world::whole};
use crate::report::usd;
use crate::{Result, report::EventKind, snapshot::BackingItemSpec};
use faultline_core::{U256, math::morpho::to_assets_down};
use rust_decimal::Decimal;

impl Engine<'_> {
    /// Recomputes every issuer's true NAV (in snapshot order, so an issuer holding another's
    /// token sees its NAV from this round or the last), logs changes, and lets each issuer token's
    /// fair price fall to its true NAV.
    pub(super) fn revalue_issuers(&mut self) -> Result<()> {
        for id in self.world.issuer_order.clone() {
            let mut values = Vec::new();
            let issuer = &self.world.issuers[&id];
            for item in &issuer.backing {
                values.push(
                    (self.backing_value(&id, &item.item)? - item.written_down).max(Decimal::ZERO),
                );
            }
            let total: Decimal = values.iter().copied().sum();
            let nav = if issuer.supply.is_zero() { Decimal::ZERO } else { total / issuer.supply };
            let old = issuer.nav;
            let reported = issuer.reported_nav;
            // The causes: the items whose value moved, largest move first.
            let mut moved: Vec<(Decimal, Vec<Quantity>)> = issuer
                .backing
                .iter()
                .zip(&values)
                .filter(|(item, value)| !settled(item.last_value, **value))
                .map(|(item, value)| {
                    ((item.last_value - *value).abs(), self.item_quantities(&item.id, &item.item))
                })
                .collect();
            moved.sort_by_key(|(change, _)| std::cmp::Reverse(*change));
            let token = issuer.token.clone();
            let frozen = issuer.frozen;
            if let Some(state) = self.world.issuers.get_mut(&id) {
                for (item, value) in state.backing.iter_mut().zip(values) {
                    item.last_value = value;
                }
                state.nav = nav;
            }
            // The first valuation sets the starting point; it is not an event.
            if old.is_zero() || settled(old, nav) {
                continue;
            }
            let causes: Vec<Quantity> = moved.into_iter().flat_map(|(_, q)| q).collect();
            let summary = format!(
                "{id} true NAV {} to ${} (reported ${reported})",
                super::pct_change(old, nav),
                nav.round_dp(4)
            );
            let event = self.log.record(
                &id,
                EventKind::NavChange { reported, from: old, to: nav },
                &causes,
                summary,
            );
            self.log.mark(Quantity::Nav(id.clone()), event);
            // An informed market prices the truth: the token's fair price falls to its true NAV
            // (never above what it already trades at: a frozen issuer cannot be arbitraged up).
            let fair = self.world.tokens[&token].fair;
            if nav < fair {
                self.set_fair(&token, nav, &[Quantity::Nav(id.clone())], "true NAV")?;
            }
            if frozen && nav < old {
                let frozen_usd = nav * self.world.issuers[&id].supply;
                let summary =
                    format!("{id} redemptions frozen with {} of true NAV inside", usd(frozen_usd));
                let causes = [Quantity::Nav(id.clone()), Quantity::Redemption(id.clone())];
                if !self
                    .log
                    .events
                    .iter()
                    .any(|e| e.entity == id && matches!(e.kind, EventKind::FundsFrozen { .. }))
                {
                    self.log.record(&id, EventKind::FundsFrozen { frozen_usd }, &causes, summary);
                }
            }
        }
        Ok(())
    }

    /// What one backing item is worth at market, before write-downs, USD.
    fn backing_value(&self, issuer: &str, item: &BackingItemSpec) -> Result<Decimal> {
        Ok(match item {
            BackingItemSpec::Holding { token, amount } => *amount * self.world.tokens[token].price,
            BackingItemSpec::Loan { value_usd, .. }
            | BackingItemSpec::Opaque { value_usd, .. }
            | BackingItemSpec::ReserveFund { value_usd } => *value_usd,
            BackingItemSpec::DeltaNeutralBook { book } => self.book_backing(book)?,
            BackingItemSpec::LendingSupply { market, account } => {
                let m = self.world.morpho(market)?.model.market();
                let state = m.state();
                let shares = m.position(account.0).supply_shares;
                let assets =
                    to_assets_down(shares, state.total_supply_assets, state.total_supply_shares)
                        .map_err(|e| super::model(issuer, e))?;
                self.recoverable_usd(market, assets)?
            }
        })
    }

    /// What `assets` (raw loan units) of supply in Morpho market `market` are worth to the
    /// lender, USD: lenders share the market's uncovered debt pro rata to their supply. Issuers'
    /// `LendingSupply` items and vaults' economic value both use it.
    pub(super) fn recoverable_usd(&self, market: &str, assets: U256) -> Result<Decimal> {
        let m = self.world.morpho(market)?;
        let state = m.model.market().state();
        let loan = &self.world.tokens[&m.loan().token];
        let assets = whole(market, assets, loan.decimals)?;
        let supplied = whole(market, state.total_supply_assets, loan.decimals)?;
        let loss_share = if supplied.is_zero() {
            Decimal::ZERO
        } else {
            (m.book.economic_bad_debt_usd / (supplied * loan.price)).min(Decimal::ONE)
        };
        Ok(assets * loan.price * (Decimal::ONE - loss_share))
    }
}

impl Engine<'_> {
    /// What moves a backing item's value: for a delta-neutral book, its hedge first (a lost
    /// hedge is why the legs' prices now matter), then its legs' prices.
    fn item_quantities(&self, id: &str, item: &BackingItemSpec) -> Vec<Quantity> {
        match item {
            BackingItemSpec::Holding { token, .. } => vec![Quantity::Price(token.clone())],
            BackingItemSpec::LendingSupply { market, .. } => {
                vec![Quantity::MarketLoss(market.clone())]
            }
            BackingItemSpec::DeltaNeutralBook { book } => {
                let mut out = vec![Quantity::Hedge(book.clone())];
                out.extend(self.leg_prices(book));
                out
            }
            _ => vec![Quantity::Backing(id.to_owned())],
        }
    }
}
