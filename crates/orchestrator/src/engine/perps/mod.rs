//! Perp venues and delta-neutral books in the cascade.
//!
//! Each round, in order:
//! 1. every venue's marks follow the underlyings' market prices (the index reads an oracle where
//!    one is named) and its collateral is valued by the venue's own oracles: an exchange marking
//!    USDe at its own book's price liquidates the accounts margined with it;
//! 2. delta-neutral books price their long legs at market and top up short accounts from their
//!    buffers (their rule: below `topup_below` x maintenance, back to `topup_to` x);
//! 3. each venue liquidates through `faultline_perps::venue`'s waterfall (book, backstop vault,
//!    insurance fund, then ADL). Its order book for a market is a copy of the market's liquidity
//!    venue taken just before, and every fill on it is replayed on that liquidity venue, so perp
//!    liquidations move the price lending liquidations sell into;
//! 4. a book whose short legs were closed (by ADL or liquidation) and whose net exposure left
//!    its band has lost its hedge: its long legs now move its value, and the NAV of the issuer it
//!    backs, with the underlying. It reopens the hedge after `rehedge_after_secs`, if given.
//!
//! Here: the live state and the round's order, marks, funding and the report's figures;
//! `build` makes the state from the snapshot, `liquidations` runs and logs the waterfall,
//! `hedges` keeps the books' hedges.
//!
//! Funding is paid at each hour of scenario time by Hyperliquid's rule on the market's premium
//! (0 unless a `funding` shock sets one); books' reserve funds make good what their shorts pay.

use super::{Engine, log::Quantity, model, world::TokenState};
use crate::{
    Error, Result,
    report::{EntityLoss, EventKind, MissReason, usd},
    snapshot::{AdlPolicySpec, BookSpec, LegKindSpec, PerpVenueSpec, Snapshot},
};
use faultline_delta_neutral::book::{Action, Book, LegKind, LongLeg, Rules, ShortLeg, Venues};
use faultline_perps::{
    Side,
    adl::AdlPolicy,
    events::{Event as PerpEvent, Route},
    funding::FundingRule,
    ledger::{AccountId, Holder},
    margin::MarginSchedule,
    venue::{MarketSpec, SETTLEMENT, Venue, VenueConfig},
};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

mod build;
mod hedges;
mod liquidations;

/// Seconds between funding payments (Hyperliquid pays hourly).
const FUNDING_EVERY_SECS: u64 = 3600;

/// A perp market as the cascade drives it.
#[derive(Debug, Clone)]
pub(crate) struct PerpMarketLive {
    pub(crate) symbol: String,
    /// The underlying token.
    pub(crate) token: String,
    pub(crate) index_oracle: Option<String>,
    /// The liquidity venue its book copies and its fills are replayed on.
    pub(crate) venue: String,
}

/// A perp venue's bookkeeping beside the model.
#[derive(Debug, Clone)]
pub(crate) struct PerpVenueLive {
    pub(crate) name: String,
    pub(crate) markets: Vec<PerpMarketLive>,
    /// `(token, oracle)` of each collateral asset.
    pub(crate) collateral: Vec<(String, String)>,
    /// Labels for reports.
    pub(crate) labels: BTreeMap<AccountId, String>,
    /// Oracles whose answers value each account's collateral (the causes of its liquidation).
    pub(crate) collateral_oracles: BTreeMap<AccountId, Vec<String>>,
    /// The book owning each short-leg account.
    pub(crate) book_of: BTreeMap<AccountId, String>,
    /// Averaged funding premium per market, set by `funding` shocks.
    pub(crate) premium: BTreeMap<String, Decimal>,
    pub(crate) insurance_start: Decimal,
    pub(crate) liquidations: u64,
    pub(crate) adl_fills: u64,
    pub(crate) bad_debt_usd: Decimal,
    /// Accounts left open for want of any counterparty (logged once each).
    pub(crate) unresolved: BTreeSet<AccountId>,
    /// Every venue event and book action so far: a change here is a change of state.
    pub(crate) activity: u64,
}

/// A delta-neutral book, live.
#[derive(Debug, Clone)]
pub(crate) struct BookLive {
    pub(crate) name: String,
    pub(crate) book: Book,
    /// The token of each long leg, by leg name.
    pub(crate) leg_tokens: Vec<(String, String)>,
    pub(crate) rehedge_after_secs: Option<u64>,
    /// Underlyings whose hedge is lost, with when it was.
    pub(crate) unhedged: BTreeMap<String, u64>,
    /// Underlyings whose re-hedge the short account's margin could not carry, with the size
    /// left unhedged when that was logged (logged again only when it changes).
    pub(crate) short_of_margin: BTreeMap<String, Decimal>,
    pub(crate) start_value: Decimal,
}

/// Perp venues and books.
#[derive(Debug, Clone, Default)]
pub(crate) struct PerpState {
    /// The venues, as `faultline_delta_neutral` wants them.
    pub(crate) venues: Venues,
    pub(crate) live: BTreeMap<String, PerpVenueLive>,
    pub(crate) books: BTreeMap<String, BookLive>,
}

fn perp(entity: &str, error: faultline_perps::Error) -> Error {
    model(entity, error)
}

fn book_error(entity: &str, error: faultline_delta_neutral::Error) -> Error {
    model(entity, error)
}

const fn side_name(side: Side) -> &'static str {
    match side {
        Side::Long => "long",
        Side::Short => "short",
    }
}

/// A size for people: at most four decimals, no trailing zeros.
fn size(value: Decimal) -> String {
    value.round_dp(4).normalize().to_string()
}

impl Engine<'_> {
    /// The perp pass of one round (see the module docs).
    pub(super) fn run_perps(&mut self, now: u64) -> Result<()> {
        if self.world.perp.live.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = self.world.perp.live.keys().cloned().collect();
        for id in &ids {
            self.mark_venue(id)?;
        }
        self.price_legs();
        self.defend_hedges()?;
        for id in &ids {
            self.liquidate_venue(id)?;
        }
        self.check_hedges(now)
    }

    /// Marks, index and collateral prices from the world.
    fn mark_venue(&mut self, id: &str) -> Result<()> {
        let live = &self.world.perp.live[id];
        let mut marks = Vec::new();
        for m in &live.markets {
            let mark = self.world.tokens[&m.token].price;
            let index = match &m.index_oracle {
                Some(oracle) => self.oracle_usd(oracle)?,
                None => mark,
            };
            marks.push((m.symbol.clone(), mark, index));
        }
        let mut collateral = Vec::new();
        for (token, oracle) in &live.collateral {
            collateral.push((token.clone(), self.oracle_usd(oracle)?));
        }
        let venue = self.world.perp.venues.get_mut(id).ok_or_else(|| super::model_missing(id))?;
        for (symbol, mark, index) in marks {
            venue.set_prices(&symbol, mark, index).map_err(|e| perp(id, e))?;
        }
        for (token, price) in collateral {
            venue.set_collateral_price(&token, price).map_err(|e| perp(id, e))?;
        }
        Ok(())
    }

    /// An oracle's current answer as a decimal.
    fn oracle_usd(&self, oracle: &str) -> Result<Decimal> {
        let state = self.world.oracles.get(oracle).ok_or_else(|| super::model_missing(oracle))?;
        state.oracle.price().0.to_decimal().map_err(|e| model(oracle, e))
    }

    /// Every book's long legs at their tokens' market prices.
    fn price_legs(&mut self) {
        let tokens = &self.world.tokens;
        for live in self.world.perp.books.values_mut() {
            for (name, token) in &live.leg_tokens {
                let price = tokens[token].price;
                for leg in live.book.longs.iter_mut().filter(|l| &l.name == name) {
                    leg.price = price;
                }
            }
        }
    }

    /// Funding payments falling in `[now, now + step)`: one per market per hour of scenario time.
    pub(super) fn pay_funding(&mut self, now: u64, step: u64) -> Result<()> {
        let due = (now + step) / FUNDING_EVERY_SECS - now / FUNDING_EVERY_SECS;
        for _ in 0..due {
            let ids: Vec<String> = self.world.perp.live.keys().cloned().collect();
            for id in ids {
                // Payments are valued at the index as it stands after this step's shocks.
                self.mark_venue(&id)?;
                self.price_legs();
                let live = &self.world.perp.live[&id];
                let payments: Vec<(String, Decimal)> = live
                    .markets
                    .iter()
                    .map(|m| {
                        (m.symbol.clone(), live.premium.get(&m.symbol).copied().unwrap_or_default())
                    })
                    .collect();
                for (symbol, premium) in payments {
                    let state = &mut self.world.perp;
                    let venue =
                        state.venues.get_mut(&id).ok_or_else(|| super::model_missing(&id))?;
                    let event = venue.pay_funding(&symbol, premium).map_err(|e| perp(&id, e))?;
                    self.settle_books_funding(&id, &symbol, &event)?;
                }
            }
        }
        Ok(())
    }

    fn settle_books_funding(&mut self, venue: &str, symbol: &str, event: &PerpEvent) -> Result<()> {
        let PerpEvent::Funding { rate, .. } = event else { return Ok(()) };
        let ids: Vec<String> = self.world.perp.books.keys().cloned().collect();
        for id in ids {
            let state = &mut self.world.perp;
            let live = state.books.get_mut(&id).ok_or_else(|| super::model_missing(&id))?;
            if !live.book.shorts.iter().any(|l| l.venue == venue && l.market == symbol) {
                continue;
            }
            let flow = live
                .book
                .settle_funding(&mut state.venues, venue, event)
                .map_err(|e| book_error(&id, e))?;
            if let Some(v) = state.live.get_mut(venue) {
                v.activity += 1;
            }
            if flow.received.is_zero() {
                continue;
            }
            let summary = format!(
                "{} {} {} of {symbol} funding at {}% per hour",
                live.name,
                if flow.received.is_sign_negative() { "pays" } else { "receives" },
                usd(flow.received.abs()),
                (rate * Decimal::ONE_HUNDRED).round_dp(4)
            );
            let kind = EventKind::Funding {
                market: symbol.to_owned(),
                rate: *rate,
                received_usd: flow.received,
                uncovered_usd: flow.uncovered,
            };
            let event = self.log.record(&id, kind, &[], summary);
            self.log.mark(Quantity::Hedge(id.clone()), event);
        }
        Ok(())
    }

    /// Sets a market's funding premium (a `funding` shock).
    pub(super) fn set_premium(&mut self, venue: &str, market: &str, premium: Decimal) {
        if let Some(live) = self.world.perp.live.get_mut(venue) {
            live.premium.insert(market.to_owned(), premium);
        }
    }

    /// Figures a perp round can change, for the fixed-point test.
    pub(super) fn perp_fingerprint(&self) -> Vec<Decimal> {
        let state = &self.world.perp;
        let mut f: Vec<Decimal> = state.live.values().map(|v| Decimal::from(v.activity)).collect();
        f.extend(state.books.values().map(|b| b.book.buffer));
        f
    }

    /// What each entry of [`Self::perp_fingerprint`] is.
    pub(super) fn perp_fingerprint_labels(&self) -> Vec<String> {
        let state = &self.world.perp;
        let mut l: Vec<String> =
            state.live.keys().map(|v| format!("{v} liquidations and fills")).collect();
        l.extend(state.books.keys().map(|b| format!("{b} buffer")));
        l
    }

    /// The value of a book backing an issuer, USD.
    pub(super) fn book_backing(&self, book: &str) -> Result<Decimal> {
        self.world.perp.book_value(book)
    }

    /// Per-entity losses of venues and books.
    pub(super) fn perp_entities(&self) -> Result<Vec<EntityLoss>> {
        let state = &self.world.perp;
        let mut out = Vec::new();
        for (id, live) in &state.live {
            let insurance = state.venues[id].insurance();
            out.push(EntityLoss {
                entity: id.clone(),
                name: live.name.clone(),
                kind: "perp_venue".into(),
                bad_debt_usd: live.bad_debt_usd,
                economic_bad_debt_usd: live.bad_debt_usd,
                oracle_bad_debt_usd: live.bad_debt_usd,
                nav_lost_usd: (live.insurance_start - insurance).max(Decimal::ZERO),
                price_change_pct: Decimal::ZERO,
                frozen_usd: Decimal::ZERO,
                liquidations: live.liquidations,
                missed_liquidations: live.unresolved.len() as u64,
                interest: None,
            });
        }
        for (id, live) in &state.books {
            let value = state.book_value(id)?;
            out.push(EntityLoss {
                entity: id.clone(),
                name: live.name.clone(),
                kind: "delta_neutral_book".into(),
                bad_debt_usd: Decimal::ZERO,
                economic_bad_debt_usd: Decimal::ZERO,
                oracle_bad_debt_usd: Decimal::ZERO,
                nav_lost_usd: (live.start_value - value).max(Decimal::ZERO),
                price_change_pct: super::change_pct(live.start_value, value),
                frozen_usd: Decimal::ZERO,
                liquidations: 0,
                missed_liquidations: 0,
                interest: None,
            });
        }
        Ok(out)
    }
}

/// A figure of `entity` too large for a decimal.
fn overflow(entity: &str, what: &'static str) -> Error {
    Error::Overflow { entity: entity.to_owned(), what }
}
