//! The book: long legs, short perp legs, a margin buffer and a reserve fund, and the rules that
//! keep it hedged.

use crate::{Decimal, Error, Result};
use faultline_perps::{
    events::Event,
    funding,
    ledger::{AccountId, Holder},
    venue::{SETTLEMENT, Venue},
};
use std::collections::{BTreeMap, BTreeSet};

/// Perp venues by name: the orchestrator owns them, the book refers to them.
pub type Venues = BTreeMap<String, Venue>;

/// What a long leg holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegKind {
    /// The underlying itself (ETH, BTC).
    Spot,
    /// A liquid staking token (stETH): the underlying plus staking yield.
    Lst,
    /// A yield-bearing stablecoin (sUSDe, USDtb): no exposure to the underlying.
    YieldStable,
    /// Collateral posted in a lending market.
    LendingCollateral,
}

/// A long leg: tokens held somewhere, worth `amount · price`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongLeg {
    /// A label for reports.
    pub name: String,
    /// What it is.
    pub kind: LegKind,
    /// Who holds it: a custodian, a venue or an off-chain manager.
    pub holder: String,
    /// Tokens held.
    pub amount: Decimal,
    /// Market price per token (USD).
    pub price: Decimal,
    /// The perp market its price exposure is hedged on (e.g. `ETH`).
    pub underlying: String,
    /// Units of the underlying one token is exposed to (1 for spot ETH, ~1 for stETH, 0 for a
    /// stablecoin).
    pub delta_per_unit: Decimal,
}

/// A short perp leg: the book's account on a venue and the market it is short on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortLeg {
    /// Venue name (key in [`Venues`]).
    pub venue: String,
    /// The book's account there.
    pub account: AccountId,
    /// The perp market.
    pub market: String,
}

/// Rebalancing rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Top up a short account's margin when its equity falls below this multiple of its
    /// maintenance margin.
    pub topup_below: Decimal,
    /// ...back to this multiple.
    pub topup_to: Decimal,
    /// Re-hedge when `|delta|` exceeds this fraction of the long exposure.
    pub rehedge_band: Decimal,
}

/// What a rebalance did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Margin moved from the buffer into a short account.
    TopUp {
        /// Venue.
        venue: String,
        /// Account.
        account: AccountId,
        /// Amount deposited.
        amount: Decimal,
    },
    /// A top-up the buffer could not pay in full.
    BufferExhausted {
        /// Venue.
        venue: String,
        /// Account.
        account: AccountId,
        /// What was still needed.
        missing: Decimal,
    },
    /// The short resized at the mark to bring delta back to zero.
    Rehedge {
        /// Venue.
        venue: String,
        /// Market.
        market: String,
        /// Size added to the short (negative: bought back).
        short_added: Decimal,
        /// At what price.
        price: Decimal,
    },
    /// Part of a re-hedge the short account's margin could not carry: the venue asks initial
    /// margin for a new short, and the account's equity did not cover it. The book stays
    /// exposed by `unhedged` until margin arrives.
    RehedgeShortOfMargin {
        /// Venue.
        venue: String,
        /// Market.
        market: String,
        /// Size of the short not reopened.
        unhedged: Decimal,
        /// The account's equity, USD.
        equity: Decimal,
        /// The margin the whole re-hedge would have needed, USD.
        required: Decimal,
    },
}

/// Funding settled for the book on one venue step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FundingFlow {
    /// Funding the short legs received (negative: paid).
    pub received: Decimal,
    /// What the reserve fund paid into the short accounts to make good a negative payment.
    pub paid_from_reserve: Decimal,
    /// Negative funding the reserve could not cover (it came out of the backing).
    pub uncovered: Decimal,
}

/// A delta-neutral book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Book {
    /// Long legs.
    pub longs: Vec<LongLeg>,
    /// Short perp legs.
    pub shorts: Vec<ShortLeg>,
    /// Liquid USD held for margin top-ups and redemptions.
    pub buffer: Decimal,
    /// The reserve fund: pays negative funding and other losses first.
    pub reserve_fund: Decimal,
    /// What the book owes holders (the issuer's supply, USD).
    pub liabilities: Decimal,
    /// Rebalancing rules.
    pub rules: Rules,
}

impl Book {
    /// The book's value: long legs at market, the short accounts' value on their venues, the
    /// buffer. The reserve fund is reported apart ([`Book::reserve_fund`]) as it backs losses,
    /// not holders.
    pub fn value(&self, venues: &Venues) -> Result<Decimal> {
        let mut value = self.buffer;
        for leg in &self.longs {
            value = add(value, mul(leg.amount, leg.price)?)?;
        }
        for (venue, account) in self.short_accounts() {
            let venue = venue_ref(venues, &venue)?;
            if venue.account(account).is_some() {
                value = add(value, venue.value(Holder::Account(account))?)?;
            }
        }
        Ok(value)
    }

    /// Net exposure to `underlying` in its units: long exposure minus the short perp sizes.
    pub fn delta(&self, venues: &Venues, underlying: &str) -> Result<Decimal> {
        let mut delta = self.long_exposure(underlying)?;
        for (venue, account) in self.short_accounts() {
            let size = venue_ref(venues, &venue)?
                .account(account)
                .and_then(|a| a.positions.get(underlying))
                .map(|p| p.size)
                .unwrap_or_default();
            delta = add(delta, size)?;
        }
        Ok(delta)
    }

    /// Long exposure to `underlying`: `Σ amount · delta_per_unit`.
    pub fn long_exposure(&self, underlying: &str) -> Result<Decimal> {
        self.longs
            .iter()
            .filter(|leg| leg.underlying == underlying)
            .try_fold(Decimal::ZERO, |sum, leg| add(sum, mul(leg.amount, leg.delta_per_unit)?))
    }

    /// Sets the market price of every long leg named `name`.
    pub fn set_price(&mut self, name: &str, price: Decimal) -> Result<()> {
        if price < Decimal::ZERO {
            return Err(Error::invalid(format!("{name}.price"), "a non-negative price", price));
        }
        let mut found = false;
        for leg in self.longs.iter_mut().filter(|leg| leg.name == name) {
            leg.price = price;
            found = true;
        }
        if found { Ok(()) } else { Err(Error::unknown("leg", name)) }
    }

    /// Settles a venue's funding event for the book: what the short legs on that market
    /// received, and, when they paid, the reserve fund making it good (depositing into the
    /// short accounts) as far as it can.
    pub fn settle_funding(
        &mut self,
        venues: &mut Venues,
        venue_name: &str,
        event: &Event,
    ) -> Result<FundingFlow> {
        let Event::Funding { market, rate, .. } = event else {
            return Ok(FundingFlow::default());
        };
        let mut flow = FundingFlow::default();
        let legs: Vec<ShortLeg> = self
            .shorts
            .iter()
            .filter(|leg| leg.venue == venue_name && &leg.market == market)
            .cloned()
            .collect();
        for leg in legs {
            let venue = venue_mut(venues, &leg.venue)?;
            let (_, index) = venue.prices(market)?;
            let Some(position) = venue.account(leg.account).and_then(|a| a.positions.get(market))
            else {
                continue;
            };
            let Some(side) = position.side() else { continue };
            let amount = funding::payment(side, position.size.abs(), index, *rate)?;
            flow.received = add(flow.received, amount)?;
            if amount < Decimal::ZERO {
                let cover = (-amount).min(self.reserve_fund);
                if cover > Decimal::ZERO {
                    venue.deposit(leg.account, SETTLEMENT, cover)?;
                    self.reserve_fund = sub(self.reserve_fund, cover)?;
                    flow.paid_from_reserve = add(flow.paid_from_reserve, cover)?;
                }
                flow.uncovered = add(flow.uncovered, sub(-amount, cover)?)?;
            }
        }
        Ok(flow)
    }

    /// Tops up short accounts under `topup_below · MM` from the buffer, back to `topup_to · MM`.
    pub fn top_up_margin(&mut self, venues: &mut Venues) -> Result<Vec<Action>> {
        let mut actions = Vec::new();
        for (venue_name, account) in self.short_accounts() {
            let venue = venue_mut(venues, &venue_name)?;
            if venue.account(account).is_none() {
                continue;
            }
            let health = venue.cross_health(account)?;
            if health.maintenance.is_zero()
                || health.equity >= mul(self.rules.topup_below, health.maintenance)?
            {
                continue;
            }
            let needed = sub(mul(self.rules.topup_to, health.maintenance)?, health.equity)?;
            let amount = needed.min(self.buffer);
            if amount > Decimal::ZERO {
                venue.deposit(account, SETTLEMENT, amount)?;
                self.buffer = sub(self.buffer, amount)?;
                actions.push(Action::TopUp { venue: venue_name.clone(), account, amount });
            }
            if amount < needed {
                actions.push(Action::BufferExhausted {
                    venue: venue_name,
                    account,
                    missing: sub(needed, amount)?,
                });
            }
        }
        Ok(actions)
    }

    /// Re-hedges every underlying whose `|delta|` exceeds the band, on the first short leg for
    /// it, at that venue's mark (against the wider market).
    pub fn rehedge(&mut self, venues: &mut Venues) -> Result<Vec<Action>> {
        let mut actions = Vec::new();
        let underlyings: BTreeSet<String> =
            self.longs.iter().map(|leg| leg.underlying.clone()).collect();
        for underlying in underlyings {
            let exposure = self.long_exposure(&underlying)?;
            let delta = self.delta(venues, &underlying)?;
            if delta.abs() <= mul(self.rules.rehedge_band, exposure.abs())? || delta.is_zero() {
                continue;
            }
            let Some(leg) = self.shorts.iter().find(|leg| leg.market == underlying).cloned() else {
                continue;
            };
            let venue = venue_mut(venues, &leg.venue)?;
            let (mark, _) = venue.prices(&underlying)?;
            let account = Holder::Account(leg.account);
            if delta > Decimal::ZERO {
                // A new short needs initial margin: open what the account's equity carries.
                let (equity, required) = venue.margin_to_open(leg.account, &underlying, -delta)?;
                let opened = if equity >= required {
                    delta
                } else {
                    largest_short(venue, leg.account, &underlying, delta)?
                };
                if opened < delta {
                    actions.push(Action::RehedgeShortOfMargin {
                        venue: leg.venue.clone(),
                        market: underlying.clone(),
                        unhedged: sub(delta, opened)?,
                        equity,
                        required,
                    });
                }
                if opened.is_zero() {
                    continue;
                }
                venue.trade(Holder::Book, account, &underlying, opened, mark)?;
                actions.push(Action::Rehedge {
                    venue: leg.venue,
                    market: underlying,
                    short_added: opened,
                    price: mark,
                });
                continue;
            } else {
                venue.trade(account, Holder::Book, &underlying, -delta, mark)?;
            }
            actions.push(Action::Rehedge {
                venue: leg.venue,
                market: underlying,
                short_added: delta,
                price: mark,
            });
        }
        Ok(actions)
    }

    /// A custodian, venue or off-chain manager named `holder` loses `fraction` of the long legs
    /// it holds (Stream Finance: an external manager's $93M loss). Returns the value written
    /// off; the short hedging those legs stays, so the book is now net short.
    pub fn write_down(&mut self, holder: &str, fraction: Decimal) -> Result<Decimal> {
        if fraction < Decimal::ZERO || fraction > Decimal::ONE {
            return Err(Error::invalid("fraction", "a fraction in [0, 1]", fraction));
        }
        let mut lost = Decimal::ZERO;
        for leg in self.longs.iter_mut().filter(|leg| leg.holder == holder) {
            let cut = mul(leg.amount, fraction)?;
            lost = add(lost, mul(cut, leg.price)?)?;
            leg.amount = sub(leg.amount, cut)?;
        }
        Ok(lost)
    }

    /// A perp venue fails: the book's accounts there are frozen and only `recovery` of their
    /// value comes back (into the buffer). Its short legs are gone, so the longs they hedged are
    /// unhedged. Returns the value lost.
    pub fn fail_venue(
        &mut self,
        venues: &Venues,
        venue_name: &str,
        recovery: Decimal,
    ) -> Result<Decimal> {
        if recovery < Decimal::ZERO || recovery > Decimal::ONE {
            return Err(Error::invalid("recovery", "a fraction in [0, 1]", recovery));
        }
        let venue = venue_ref(venues, venue_name)?;
        let accounts: BTreeSet<AccountId> = self
            .shorts
            .iter()
            .filter(|leg| leg.venue == venue_name)
            .map(|leg| leg.account)
            .collect();
        let mut stranded = Decimal::ZERO;
        for account in accounts {
            if venue.account(account).is_some() {
                stranded =
                    add(stranded, venue.value(Holder::Account(account))?.max(Decimal::ZERO))?;
            }
        }
        let recovered = mul(stranded, recovery)?;
        self.buffer = add(self.buffer, recovered)?;
        self.shorts.retain(|leg| leg.venue != venue_name);
        sub(stranded, recovered)
    }

    /// The distinct `(venue, account)` pairs of the short legs, in order.
    pub fn short_accounts(&self) -> BTreeSet<(String, AccountId)> {
        self.shorts.iter().map(|leg| (leg.venue.clone(), leg.account)).collect()
    }
}

pub(crate) fn venue_ref<'a>(venues: &'a Venues, name: &str) -> Result<&'a Venue> {
    venues.get(name).ok_or_else(|| Error::unknown("venue", name))
}

pub(crate) fn venue_mut<'a>(venues: &'a mut Venues, name: &str) -> Result<&'a mut Venue> {
    venues.get_mut(name).ok_or_else(|| Error::unknown("venue", name))
}

pub(crate) fn add(a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_add(b).ok_or(Error::Overflow { op: "add" })
}

pub(crate) fn sub(a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_sub(b).ok_or(Error::Overflow { op: "sub" })
}

pub(crate) fn mul(a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_mul(b).ok_or(Error::Overflow { op: "mul" })
}

pub(crate) fn div(a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_div(b).ok_or(Error::Overflow { op: "div" })
}

/// The largest short `s <= most` the account's cross margin carries (`equity >= required` of
/// [`Venue::margin_to_open`]), by bisection to 10⁻⁸ of the underlying, rounded down: a size the
/// account can hold, never one it cannot. Zero when even the smallest does not fit.
fn largest_short(
    venue: &Venue,
    account: AccountId,
    market: &str,
    most: Decimal,
) -> Result<Decimal> {
    let fits = |size: Decimal| -> Result<bool> {
        let (equity, required) = venue.margin_to_open(account, market, -size)?;
        Ok(equity >= required)
    };
    let step = Decimal::new(1, 8);
    let (mut lo, mut hi) = (Decimal::ZERO, most);
    if !fits(step.min(most))? {
        return Ok(Decimal::ZERO);
    }
    while hi - lo > step {
        let mid = ((lo + hi) / Decimal::TWO)
            .round_dp_with_strategy(8, faultline_core::decimal::RoundingStrategy::ToZero);
        if mid <= lo {
            break;
        }
        if fits(mid)? {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(lo)
}
