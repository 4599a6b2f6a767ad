//! A perp venue: markets with a mark and an index price, accounts on cross or isolated margin,
//! collateral valued by the venue's own oracle, funding each step, and liquidation through a
//! waterfall: the order book, the backstop vault, the insurance fund, then auto-deleveraging.
//!
//! The venue is driven step by step ([`Venue::step`]) and returns what happened as
//! [`Event`]s. Everything is deterministic: accounts and markets live in `BTreeMap`s and are
//! visited in key order.
//!
//! The waterfall for a position whose unit (the cross account, or the isolated position) has
//! equity `e` below its maintenance margin `MM`, size `q`, side `s` and mark `m`; its bankruptcy
//! price is `B = m - s · e / q` (where the unit's equity is zero, other positions held at mark):
//! 1. if `e >= backstop_below · MM`, a market order for the full size against the venue's depth;
//!    it stands if the fill leaves the unit's equity non-negative, and the liquidation fee
//!    (`liquidation_fee_rate · q · m`, at most what is left) goes to the insurance fund;
//! 2. otherwise (or when the book fill would leave negative equity) the backstop vault takes the
//!    position over at `B`, if the insurance fund can first pay any negative equity and the
//!    vault's own capital still covers its maintenance margin afterwards (Hyperliquid docs,
//!    "Liquidations": below two thirds of MM the position and its margin go to the liquidator
//!    vault);
//! 3. otherwise the book fill stands if the insurance fund can pay what it leaves negative
//!    (Binance: "the insurance fund absorbs any loss beyond the bankruptcy price");
//! 4. otherwise ADL closes opposite positions at `B` under the venue's [`AdlPolicy`]; what the
//!    opposite side cannot cover goes to the book and any loss left is reported as bad debt.
//!
//! Value is conserved exactly: every transfer is computed once and applied with opposite signs,
//! the outside order book is itself a holder on the books ([`Holder::Book`]), so the sum of all
//! holders' values plus the insurance fund moves only by deposits, withdrawals and the venue
//! oracle's revaluations of collateral ([`Venue::external_flows`]).

use crate::{
    Decimal, Error, Result, Side,
    adl::AdlPolicy,
    events::Event,
    funding::{self, FundingRule},
    ledger::{Account, AccountId, Holder, add, mul, sub},
    margin::MarginSchedule,
};
use faultline_core::decimal::RoundingStrategy;
use faultline_liquidity::Venue as Book;
use std::collections::BTreeMap;

/// The liquidation waterfall: [`Venue::liquidate`] and what it decides with.
mod waterfall;

/// The settlement asset: realised PnL, funding and fees are paid in it, at a price of one.
pub const SETTLEMENT: &str = "USD";

/// Decimal places of a computed bankruptcy price.
pub const PRICE_PLACES: u32 = 10;

/// Decimal places of every settlement amount the venue books (trade amounts, funding, fees):
/// a product of an 18-place size and a price can carry more digits than a `Decimal` adds
/// exactly, so each amount is rounded once, here, and then applied to both sides unchanged.
pub const AMOUNT_PLACES: u32 = 12;

/// A settlement amount at [`AMOUNT_PLACES`] (half away from zero).
fn money(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(AMOUNT_PLACES, RoundingStrategy::MidpointAwayFromZero)
}

/// How a venue liquidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VenueConfig {
    /// Which opposite positions ADL closes first.
    pub adl_policy: AdlPolicy,
    /// Fee on a book liquidation, as a fraction of notional, paid to the insurance fund.
    pub liquidation_fee_rate: Decimal,
    /// Below `backstop_below · MM` of equity a position goes to the backstop vault before the
    /// book is tried (Hyperliquid: 2/3; zero: always try the book first).
    pub backstop_below: Decimal,
}

impl VenueConfig {
    /// Hyperliquid-like: Hyperliquid's ADL ranking, backstop below two thirds of maintenance, no
    /// separate liquidation fee (the docs state none beyond the maintenance margin kept).
    pub fn hyperliquid() -> Self {
        Self {
            adl_policy: AdlPolicy::HyperliquidRank,
            liquidation_fee_rate: Decimal::ZERO,
            backstop_below: Decimal::TWO / Decimal::from(3),
        }
    }
}

/// A market to list: its margin schedule, funding rule, prices and order book.
#[derive(Debug)]
pub struct MarketSpec {
    /// Maintenance-margin tiers.
    pub schedule: MarginSchedule,
    /// The funding rule.
    pub funding: FundingRule,
    /// The mark price (equity and liquidation are measured at it).
    pub mark: Decimal,
    /// The index (oracle) price (funding payments are valued at it).
    pub index: Decimal,
    /// The depth liquidation orders fill against (a `faultline_liquidity` venue whose base is
    /// the perp's underlying and quote the settlement currency).
    pub book: Box<dyn Book>,
}

#[derive(Debug, Clone)]
struct Market {
    schedule: MarginSchedule,
    funding: FundingRule,
    mark: Decimal,
    index: Decimal,
    book: Box<dyn Book>,
}

/// Prices and funding premiums to apply in one step; markets not named keep their prices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepInput {
    /// `(market, mark, index)`.
    pub prices: Vec<(String, Decimal, Decimal)>,
    /// `(asset, price)`: the venue oracle's collateral prices.
    pub collateral_prices: Vec<(String, Decimal)>,
    /// `(market, averaged premium)`: one funding payment per listed market.
    pub funding: Vec<(String, Decimal)>,
}

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepReport {
    /// Events in the order they happened.
    pub events: Vec<Event>,
    /// The insurance fund after the step.
    pub insurance: Decimal,
    /// The backstop vault's value (cash plus unrealised PnL) after the step.
    pub backstop_value: Decimal,
}

/// A unit's margin state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Health {
    /// Equity at the mark (collateral at the venue's oracle, plus unrealised PnL).
    pub equity: Decimal,
    /// Maintenance margin required.
    pub maintenance: Decimal,
}

impl Health {
    /// Whether the venue liquidates it: equity below maintenance.
    pub fn liquidatable(&self) -> bool {
        self.equity < self.maintenance
    }
}

/// A perp venue.
#[derive(Debug, Clone)]
pub struct Venue {
    config: VenueConfig,
    markets: BTreeMap<String, Market>,
    collateral_prices: BTreeMap<String, Decimal>,
    accounts: BTreeMap<AccountId, Account>,
    backstop: Account,
    book: Account,
    insurance: Decimal,
    external_flows: Decimal,
}

impl Venue {
    /// An empty venue.
    pub fn new(config: VenueConfig) -> Self {
        Self {
            config,
            markets: BTreeMap::new(),
            collateral_prices: BTreeMap::new(),
            accounts: BTreeMap::new(),
            backstop: Account::default(),
            book: Account::default(),
            insurance: Decimal::ZERO,
            external_flows: Decimal::ZERO,
        }
    }

    /// The venue's configuration.
    pub const fn config(&self) -> &VenueConfig {
        &self.config
    }

    /// Lists a market.
    pub fn add_market(&mut self, symbol: impl Into<String>, spec: MarketSpec) -> Result<()> {
        let symbol = symbol.into();
        positive(&format!("markets.{symbol}.mark"), spec.mark)?;
        positive(&format!("markets.{symbol}.index"), spec.index)?;
        self.markets.insert(
            symbol,
            Market {
                schedule: spec.schedule,
                funding: spec.funding,
                mark: spec.mark,
                index: spec.index,
                book: spec.book,
            },
        );
        Ok(())
    }

    /// Sets a market's mark and index prices.
    pub fn set_prices(&mut self, market: &str, mark: Decimal, index: Decimal) -> Result<()> {
        positive("mark", mark)?;
        positive("index", index)?;
        let m = self.market_mut(market)?;
        (m.mark, m.index) = (mark, index);
        Ok(())
    }

    /// Sets the venue oracle's price of a collateral asset. Holdings are revalued; the change in
    /// their value is an external flow (the venue's accounts did not trade).
    pub fn set_collateral_price(&mut self, asset: &str, price: Decimal) -> Result<()> {
        if price < Decimal::ZERO || asset == SETTLEMENT {
            return Err(Error::invalid(
                format!("collateral_prices.{asset}"),
                "a non-negative price for a non-settlement asset",
                price,
            ));
        }
        let old = self.collateral_prices.get(asset).copied().unwrap_or_default();
        let held = self
            .holders()
            .filter_map(|(_, account)| account.collateral.get(asset))
            .try_fold(Decimal::ZERO, |sum, amount| add(sum, *amount))?;
        self.external_flows = add(self.external_flows, mul(held, sub(price, old)?)?)?;
        self.collateral_prices.insert(asset.to_owned(), price);
        Ok(())
    }

    /// The venue oracle's price of an asset (one for the settlement asset).
    pub fn collateral_price(&self, asset: &str) -> Result<Decimal> {
        if asset == SETTLEMENT {
            return Ok(Decimal::ONE);
        }
        self.collateral_prices
            .get(asset)
            .copied()
            .ok_or_else(|| Error::unknown("collateral", asset))
    }

    /// Deposits `amount` of `asset` into an account (created if new). Settlement currency goes
    /// to cash; other assets are held in kind and must have an oracle price.
    pub fn deposit(&mut self, account: AccountId, asset: &str, amount: Decimal) -> Result<()> {
        positive("amount", amount)?;
        let price = self.collateral_price(asset)?;
        let value = mul(amount, price)?;
        let holder = self.accounts.entry(account).or_default();
        if asset == SETTLEMENT {
            holder.cash = add(holder.cash, amount)?;
        } else {
            let held = holder.collateral.entry(asset.to_owned()).or_default();
            *held = add(*held, amount)?;
        }
        self.external_flows = add(self.external_flows, value)?;
        Ok(())
    }

    /// Withdraws settlement currency from an account's cash; refused when the cash is not
    /// there or the account would fall under maintenance.
    pub fn withdraw(&mut self, account: AccountId, amount: Decimal) -> Result<()> {
        positive("amount", amount)?;
        let holder = self.account_mut(account)?;
        if holder.cash < amount {
            return Err(Error::invalid("amount", "at most the account's cash", amount));
        }
        holder.cash = sub(holder.cash, amount)?;
        let health = self.cross_health(account)?;
        if health.liquidatable() {
            let holder = self.account_mut(account)?;
            holder.cash = add(holder.cash, amount)?;
            return Err(Error::invalid(
                "amount",
                "a withdrawal that keeps the account above maintenance",
                amount,
            ));
        }
        self.external_flows = sub(self.external_flows, amount)?;
        Ok(())
    }

    /// Capital paid into the insurance fund.
    pub fn fund_insurance(&mut self, amount: Decimal) -> Result<()> {
        positive("amount", amount)?;
        self.insurance = add(self.insurance, amount)?;
        self.external_flows = add(self.external_flows, amount)?;
        Ok(())
    }

    /// Capital paid into the backstop vault.
    pub fn fund_backstop(&mut self, amount: Decimal) -> Result<()> {
        positive("amount", amount)?;
        self.backstop.cash = add(self.backstop.cash, amount)?;
        self.external_flows = add(self.external_flows, amount)?;
        Ok(())
    }

    /// A matched trade: `long` buys `size` from `short` at `price`. Either side may be the
    /// outside [`Holder::Book`] (a position opened against the wider market).
    pub fn trade(
        &mut self,
        long: Holder,
        short: Holder,
        market: &str,
        size: Decimal,
        price: Decimal,
    ) -> Result<()> {
        positive("size", size)?;
        positive("price", price)?;
        if long == short {
            return Err(Error::invalid(
                "short",
                "a holder other than the long",
                format!("{short:?}"),
            ));
        }
        self.market(market)?;
        let amount = money(mul(size, price)?);
        self.transfer(long, short, market, size, amount)
    }

    /// Moves `margin` of an account's cash into its position on `market`, making the position
    /// isolated (or adding to its isolated margin).
    pub fn isolate(&mut self, account: AccountId, market: &str, margin: Decimal) -> Result<()> {
        positive("margin", margin)?;
        let holder = self.account_mut(account)?;
        holder.cash = sub(holder.cash, margin)?;
        let position = holder
            .positions
            .get_mut(market)
            .ok_or_else(|| Error::unknown("position", format!("{account}/{market}")))?;
        position.isolated_margin = Some(add(position.isolated_margin.unwrap_or_default(), margin)?);
        Ok(())
    }

    /// An account's books.
    pub fn account(&self, account: AccountId) -> Option<&Account> {
        self.accounts.get(&account)
    }

    /// Account ids, ascending.
    pub fn account_ids(&self) -> impl Iterator<Item = AccountId> + '_ {
        self.accounts.keys().copied()
    }

    /// The backstop vault's books.
    pub const fn backstop(&self) -> &Account {
        &self.backstop
    }

    /// The outside order book's books (what the wider market holds against the venue).
    pub const fn book_account(&self) -> &Account {
        &self.book
    }

    /// The insurance fund.
    pub const fn insurance(&self) -> Decimal {
        self.insurance
    }

    /// Deposits, insurance and backstop capital paid in, plus collateral revaluations by the
    /// venue's oracle: what [`Venue::total_value`] must equal.
    pub const fn external_flows(&self) -> Decimal {
        self.external_flows
    }

    /// A market's `(mark, index)`.
    pub fn prices(&self, market: &str) -> Result<(Decimal, Decimal)> {
        let m = self.market(market)?;
        Ok((m.mark, m.index))
    }

    /// A market's maintenance-margin schedule.
    pub fn schedule(&self, market: &str) -> Result<&MarginSchedule> {
        Ok(&self.market(market)?.schedule)
    }

    /// A market's order book.
    pub fn order_book(&self, market: &str) -> Result<&dyn Book> {
        Ok(self.market(market)?.book.as_ref())
    }

    /// A market's order book, to reshape it (shocks, recovery) between steps.
    pub fn order_book_mut(&mut self, market: &str) -> Result<&mut Box<dyn Book>> {
        Ok(&mut self.market_mut(market)?.book)
    }

    /// A holder's whole value: cash, collateral at the venue's oracle, isolated margins and
    /// unrealised PnL at the marks.
    pub fn value(&self, holder: Holder) -> Result<Decimal> {
        let account = self.holder(holder)?;
        let mut value = self.cross_equity(account)?;
        for (market, position) in &account.positions {
            if let Some(equity) = position.isolated_equity(self.market(market)?.mark)? {
                value = add(value, equity)?;
            }
        }
        Ok(value)
    }

    /// Sum of every holder's value (accounts, backstop, the outside book) plus the insurance
    /// fund. Equals [`Venue::external_flows`] exactly.
    pub fn total_value(&self) -> Result<Decimal> {
        let mut total = self.insurance;
        for holder in self.holder_keys() {
            total = add(total, self.value(holder)?)?;
        }
        Ok(total)
    }

    /// An account's cross-margin health (its isolated positions excluded).
    pub fn cross_health(&self, account: AccountId) -> Result<Health> {
        let holder =
            self.accounts.get(&account).ok_or_else(|| Error::unknown("account", account))?;
        let mut maintenance = Decimal::ZERO;
        for (market, position) in
            holder.positions.iter().filter(|(_, p)| p.isolated_margin.is_none())
        {
            let m = self.market(market)?;
            maintenance =
                add(maintenance, m.schedule.maintenance_margin(position.notional(m.mark)?)?)?;
        }
        Ok(Health { equity: self.cross_equity(holder)?, maintenance })
    }

    /// What an account's cross margin would have to hold were `added` (signed: negative adds to
    /// a short) traded on `market` at its mark: `(equity, required)`, where `required` sums, over
    /// its cross positions after the trade, the initial margin of each at its tier's highest
    /// leverage (the maintenance margin where the venue states no leverage), and never less
    /// than the maintenance margin. A trade at the mark leaves equity where it is. An account
    /// with `equity >= required` may open the trade; a venue refuses it otherwise.
    pub fn margin_to_open(
        &self,
        account: AccountId,
        market: &str,
        added: Decimal,
    ) -> Result<(Decimal, Decimal)> {
        let holder =
            self.accounts.get(&account).ok_or_else(|| Error::unknown("account", account))?;
        let mut sizes: BTreeMap<&str, Decimal> = holder
            .positions
            .iter()
            .filter(|(_, p)| p.isolated_margin.is_none())
            .map(|(m, p)| (m.as_str(), p.size))
            .collect();
        let size = sizes.entry(market).or_insert(Decimal::ZERO);
        *size = add(*size, added)?;
        let mut required = Decimal::ZERO;
        for (symbol, size) in sizes {
            let m = self.market(symbol)?;
            let notional = mul(size.abs(), m.mark)?;
            let maintenance = m.schedule.maintenance_margin(notional)?;
            let initial = match m.schedule.tier_for(notional).max_leverage {
                Some(leverage) => crate::margin::initial_margin(notional, leverage)?,
                None => maintenance,
            };
            required = add(required, initial.max(maintenance))?;
        }
        Ok((self.cross_equity(holder)?, required))
    }

    /// An isolated position's health (`None` for a cross or missing position).
    pub fn isolated_health(&self, account: AccountId, market: &str) -> Result<Option<Health>> {
        let Some(position) = self.accounts.get(&account).and_then(|a| a.positions.get(market))
        else {
            return Ok(None);
        };
        let m = self.market(market)?;
        let Some(equity) = position.isolated_equity(m.mark)? else { return Ok(None) };
        let maintenance = m.schedule.maintenance_margin(position.notional(m.mark)?)?;
        Ok(Some(Health { equity, maintenance }))
    }

    /// One time step: set prices, pay funding, then liquidate what is under maintenance.
    pub fn step(&mut self, input: &StepInput) -> Result<StepReport> {
        for (market, mark, index) in &input.prices {
            self.set_prices(market, *mark, *index)?;
        }
        for (asset, price) in &input.collateral_prices {
            self.set_collateral_price(asset, *price)?;
        }
        let mut events = Vec::new();
        for (market, premium) in &input.funding {
            events.push(self.pay_funding(market, *premium)?);
        }
        events.extend(self.liquidate()?);
        Ok(StepReport {
            events,
            insurance: self.insurance,
            backstop_value: self.value(Holder::Backstop)?,
        })
    }

    /// One funding payment on `market` for an averaged premium: every holder with a position
    /// receives `funding::payment` at the index price (cross: into cash; isolated: into its
    /// margin). The rounding residue, if any, is settled with the insurance fund.
    pub fn pay_funding(&mut self, market: &str, premium: Decimal) -> Result<Event> {
        let m = self.market(market)?;
        let rate = m.funding.payment_rate(premium)?;
        let index = m.index;
        let (mut net, mut paid_by_longs) = (Decimal::ZERO, Decimal::ZERO);
        for key in self.holder_keys() {
            let account = self.holder_mut(key)?;
            let Some(position) = account.positions.get_mut(market) else { continue };
            let Some(side) = position.side() else { continue };
            let amount = money(funding::payment(side, position.size.abs(), index, rate)?);
            match &mut position.isolated_margin {
                Some(margin) => *margin = add(*margin, amount)?,
                None => account.cash = add(account.cash, amount)?,
            }
            net = add(net, amount)?;
            if side == Side::Long {
                paid_by_longs = sub(paid_by_longs, amount)?;
            }
        }
        // Payments sum to zero when open interest balances; a last-digit residue is paid by
        // (or to) the insurance fund so nothing is created or lost.
        self.insurance = sub(self.insurance, net)?;
        Ok(Event::Funding {
            market: market.to_owned(),
            rate,
            paid_by_longs,
            rounding_to_insurance: -net,
        })
    }

    /// `long` gains `size` and `amount` of cost; `short` loses both.
    fn transfer(
        &mut self,
        long: Holder,
        short: Holder,
        market: &str,
        size: Decimal,
        amount: Decimal,
    ) -> Result<()> {
        self.holder_mut(long)?.trade(market, size, amount)?;
        self.holder_mut(short)?.trade(market, -size, -amount)
    }

    fn cross_equity(&self, account: &Account) -> Result<Decimal> {
        let mut equity = account.cash;
        for (asset, amount) in &account.collateral {
            equity = add(equity, mul(*amount, self.collateral_price(asset)?)?)?;
        }
        for (market, position) in
            account.positions.iter().filter(|(_, p)| p.isolated_margin.is_none())
        {
            equity = add(equity, position.unrealized_pnl(self.market(market)?.mark)?)?;
        }
        Ok(equity)
    }

    fn holder_keys(&self) -> Vec<Holder> {
        let mut keys: Vec<Holder> = self.accounts.keys().map(|&id| Holder::Account(id)).collect();
        keys.extend([Holder::Backstop, Holder::Book]);
        keys
    }

    fn holders(&self) -> impl Iterator<Item = (Holder, &Account)> {
        self.accounts
            .iter()
            .map(|(&id, a)| (Holder::Account(id), a))
            .chain([(Holder::Backstop, &self.backstop), (Holder::Book, &self.book)])
    }

    fn holder(&self, holder: Holder) -> Result<&Account> {
        match holder {
            Holder::Account(id) => {
                self.accounts.get(&id).ok_or_else(|| Error::unknown("account", id))
            }
            Holder::Backstop => Ok(&self.backstop),
            Holder::Book => Ok(&self.book),
        }
    }

    fn holder_mut(&mut self, holder: Holder) -> Result<&mut Account> {
        match holder {
            Holder::Account(id) => Ok(self.accounts.entry(id).or_default()),
            Holder::Backstop => Ok(&mut self.backstop),
            Holder::Book => Ok(&mut self.book),
        }
    }

    fn account_mut(&mut self, id: AccountId) -> Result<&mut Account> {
        self.accounts.get_mut(&id).ok_or_else(|| Error::unknown("account", id))
    }

    fn market(&self, market: &str) -> Result<&Market> {
        self.markets.get(market).ok_or_else(|| Error::unknown("market", market))
    }

    fn market_mut(&mut self, market: &str) -> Result<&mut Market> {
        self.markets.get_mut(market).ok_or_else(|| Error::unknown("market", market))
    }
}

fn positive(field: &str, value: Decimal) -> Result<()> {
    if value > Decimal::ZERO {
        Ok(())
    } else {
        Err(Error::invalid(field.to_owned(), "a positive number", value))
    }
}
