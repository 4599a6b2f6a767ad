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

impl PerpState {
    /// Builds venues and books from a validated snapshot; `price` reads a token's market price,
    /// `answer` an oracle's, `book` a copy of a liquidity venue.
    pub(crate) fn build(
        snapshot: &Snapshot,
        tokens: &BTreeMap<String, TokenState>,
        answer: &dyn Fn(&str) -> Result<Decimal>,
        book: &dyn Fn(&str) -> Result<Box<dyn faultline_liquidity::Venue>>,
    ) -> Result<Self> {
        let mut state = Self::default();
        for spec in &snapshot.perp_venues {
            let (venue, live) = build_venue(spec, tokens, answer, book)?;
            state.venues.insert(spec.id.clone(), venue);
            state.live.insert(spec.id.clone(), live);
        }
        for spec in &snapshot.books {
            let live = build_book(spec, tokens);
            for leg in &spec.shorts {
                if let Some(venue) = state.live.get_mut(&leg.venue) {
                    venue.book_of.insert(leg.account, spec.id.clone());
                }
            }
            state.books.insert(spec.id.clone(), live);
        }
        for id in state.books.keys().cloned().collect::<Vec<_>>() {
            let value = state.book_value(&id)?;
            if let Some(book) = state.books.get_mut(&id) {
                book.start_value = value;
            }
        }
        Ok(state)
    }

    /// A book's value: long legs at their last prices, short accounts on their venues, buffer
    /// and reserve fund (which an issuer's backing counts: it pays the book's losses).
    pub(crate) fn book_value(&self, id: &str) -> Result<Decimal> {
        let live = self.books.get(id).ok_or_else(|| super::model_missing(id))?;
        let value = live.book.value(&self.venues).map_err(|e| book_error(id, e))?;
        value.checked_add(live.book.reserve_fund).ok_or_else(|| overflow(id, "book value"))
    }
}

fn build_venue(
    spec: &PerpVenueSpec,
    tokens: &BTreeMap<String, TokenState>,
    answer: &dyn Fn(&str) -> Result<Decimal>,
    book: &dyn Fn(&str) -> Result<Box<dyn faultline_liquidity::Venue>>,
) -> Result<(Venue, PerpVenueLive)> {
    let id = spec.id.as_str();
    let adl_policy = match spec.adl_policy {
        AdlPolicySpec::HyperliquidRank => AdlPolicy::HyperliquidRank,
        AdlPolicySpec::BinanceRank => AdlPolicy::BinanceRank,
        AdlPolicySpec::ProRata => AdlPolicy::ProRata,
        AdlPolicySpec::LeverageDraining => AdlPolicy::LeverageDraining,
    };
    let mut venue = Venue::new(VenueConfig {
        adl_policy,
        liquidation_fee_rate: spec.liquidation_fee_rate,
        backstop_below: spec.backstop_below,
    });
    let mut markets = Vec::new();
    for m in &spec.markets {
        let mark = tokens[&m.token].price;
        let index = match &m.index_oracle {
            Some(oracle) => answer(oracle)?,
            None => mark,
        };
        let tiers: Vec<(Decimal, u32)> =
            m.margin_tiers.iter().map(|t| (t.from_notional_usd, t.max_leverage)).collect();
        let schedule = MarginSchedule::hyperliquid(&tiers).map_err(|e| perp(id, e))?;
        let market = MarketSpec {
            schedule,
            funding: FundingRule::HYPERLIQUID,
            mark,
            index,
            book: book(&m.venue)?,
        };
        venue.add_market(&m.symbol, market).map_err(|e| perp(id, e))?;
        markets.push(PerpMarketLive {
            symbol: m.symbol.clone(),
            token: m.token.clone(),
            index_oracle: m.index_oracle.clone(),
            venue: m.venue.clone(),
        });
    }
    let mut oracle_of = BTreeMap::new();
    for c in &spec.collateral {
        venue.set_collateral_price(&c.token, answer(&c.oracle)?).map_err(|e| perp(id, e))?;
        oracle_of.insert(c.token.clone(), c.oracle.clone());
    }
    if spec.insurance_fund_usd > Decimal::ZERO {
        venue.fund_insurance(spec.insurance_fund_usd).map_err(|e| perp(id, e))?;
    }
    if spec.backstop_usd > Decimal::ZERO {
        venue.fund_backstop(spec.backstop_usd).map_err(|e| perp(id, e))?;
    }
    let mut labels = BTreeMap::new();
    let mut collateral_oracles = BTreeMap::new();
    for (i, account) in spec.accounts.iter().enumerate() {
        let at = format!("{id}: accounts[{i}]");
        if account.cash_usd > Decimal::ZERO {
            venue.deposit(account.id, SETTLEMENT, account.cash_usd).map_err(|e| perp(&at, e))?;
        }
        for holding in &account.collateral {
            venue.deposit(account.id, &holding.token, holding.amount).map_err(|e| perp(&at, e))?;
        }
        if venue.account(account.id).is_none() && !account.positions.is_empty() {
            return Err(Error::Invalid {
                field: format!("{at}.cash_usd"),
                expected: "cash or collateral margining the positions".into(),
                found: "none".into(),
            });
        }
        for position in &account.positions {
            let (long, short) = if position.size > Decimal::ZERO {
                (Holder::Account(account.id), Holder::Book)
            } else {
                (Holder::Book, Holder::Account(account.id))
            };
            venue
                .trade(long, short, &position.market, position.size.abs(), position.entry_price)
                .map_err(|e| perp(&at, e))?;
            if let Some(margin) = position.isolated_margin_usd {
                venue.isolate(account.id, &position.market, margin).map_err(|e| perp(&at, e))?;
            }
        }
        let label = if account.label.is_empty() {
            format!("#{}", account.id)
        } else {
            account.label.clone()
        };
        labels.insert(account.id, label);
        collateral_oracles.insert(
            account.id,
            account.collateral.iter().filter_map(|h| oracle_of.get(&h.token).cloned()).collect(),
        );
    }
    let live = PerpVenueLive {
        name: spec.name.clone(),
        markets,
        collateral: spec.collateral.iter().map(|c| (c.token.clone(), c.oracle.clone())).collect(),
        labels,
        collateral_oracles,
        book_of: BTreeMap::new(),
        premium: BTreeMap::new(),
        insurance_start: venue.insurance(),
        liquidations: 0,
        adl_fills: 0,
        bad_debt_usd: Decimal::ZERO,
        unresolved: BTreeSet::new(),
        activity: 0,
    };
    Ok((venue, live))
}

fn build_book(spec: &BookSpec, tokens: &BTreeMap<String, TokenState>) -> BookLive {
    let longs = spec
        .longs
        .iter()
        .map(|leg| LongLeg {
            name: leg.name.clone(),
            kind: match leg.kind {
                LegKindSpec::Spot => LegKind::Spot,
                LegKindSpec::Lst => LegKind::Lst,
                LegKindSpec::YieldStable => LegKind::YieldStable,
                LegKindSpec::LendingCollateral => LegKind::LendingCollateral,
            },
            holder: leg.holder.clone(),
            amount: leg.amount,
            price: tokens[&leg.token].price,
            underlying: leg.underlying.clone(),
            delta_per_unit: leg.delta_per_unit,
        })
        .collect();
    let shorts = spec
        .shorts
        .iter()
        .map(|leg| ShortLeg {
            venue: leg.venue.clone(),
            account: leg.account,
            market: leg.market.clone(),
        })
        .collect();
    let rules = Rules {
        topup_below: spec.rules.topup_below,
        topup_to: spec.rules.topup_to,
        rehedge_band: spec.rules.rehedge_band,
    };
    BookLive {
        name: spec.name.clone(),
        book: Book {
            longs,
            shorts,
            buffer: spec.buffer_usd,
            reserve_fund: spec.reserve_fund_usd,
            // The issuer the book backs carries the liabilities.
            liabilities: Decimal::ZERO,
            rules,
        },
        leg_tokens: spec.longs.iter().map(|l| (l.name.clone(), l.token.clone())).collect(),
        rehedge_after_secs: spec.rules.rehedge_after_secs,
        unhedged: BTreeMap::new(),
        short_of_margin: BTreeMap::new(),
        start_value: Decimal::ZERO,
    }
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

    /// Books top up their short accounts' margin from their buffers.
    fn defend_hedges(&mut self) -> Result<()> {
        let ids: Vec<String> = self.world.perp.books.keys().cloned().collect();
        for id in ids {
            let state = &mut self.world.perp;
            let live = state.books.get_mut(&id).ok_or_else(|| super::model_missing(&id))?;
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
    pub(super) fn leg_prices(&self, book: &str) -> Vec<Quantity> {
        let mut out: Vec<Quantity> = Vec::new();
        for (_, token) in &self.world.perp.books[book].leg_tokens {
            let q = Quantity::Price(token.clone());
            if !out.contains(&q) {
                out.push(q);
            }
        }
        out
    }

    /// One venue's liquidations, logged, with book fills replayed on the liquidity venues.
    fn liquidate_venue(&mut self, id: &str) -> Result<()> {
        let markets = self.world.perp.live[id].markets.clone();
        for m in &markets {
            let copy = self.world.venues[&m.venue].venue.boxed();
            let venue =
                self.world.perp.venues.get_mut(id).ok_or_else(|| super::model_missing(id))?;
            *venue.order_book_mut(&m.symbol).map_err(|e| perp(id, e))? = copy;
        }
        let venue = self.world.perp.venues.get_mut(id).ok_or_else(|| super::model_missing(id))?;
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
    fn record_perp_event(
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
                .ok_or_else(|| super::model_missing(symbol))
        };
        let live = self.world.perp.live.get_mut(id).ok_or_else(|| super::model_missing(id))?;
        live.activity += 1;
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
                        .ok_or_else(|| super::model_missing(&m.venue))?;
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

    /// Books whose net exposure left the band have lost their hedge; after the desk's delay they
    /// reopen it.
    fn check_hedges(&mut self, now: u64) -> Result<()> {
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

    fn hedge_lost(&mut self, id: &str, underlying: &str, delta: Decimal, now: u64) -> Result<()> {
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

    fn rehedge(&mut self, id: &str, now: u64) -> Result<()> {
        let state = &mut self.world.perp;
        let live = state.books.get_mut(id).ok_or_else(|| super::model_missing(id))?;
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
                        .ok_or_else(|| super::model_missing(id))?;
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
                nav_lost_usd: (live.insurance_start - insurance).max(Decimal::ZERO),
                price_change_pct: Decimal::ZERO,
                frozen_usd: Decimal::ZERO,
                liquidations: live.liquidations,
                missed_liquidations: live.unresolved.len() as u64,
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
                nav_lost_usd: (live.start_value - value).max(Decimal::ZERO),
                price_change_pct: super::change_pct(live.start_value, value),
                frozen_usd: Decimal::ZERO,
                liquidations: 0,
                missed_liquidations: 0,
            });
        }
        Ok(out)
    }
}

/// A figure of `entity` too large for a decimal.
fn overflow(entity: &str, what: &'static str) -> Error {
    Error::Overflow { entity: entity.to_owned(), what }
}
