//! Issuers: tokens whose value is a claim on a backing portfolio.
//!
//! An [`Issuer`] is a yield-bearing dollar (sUSDe, sdeUSD, xUSD), a curator vault's share or a
//! synthetic dollar: a supply of tokens, a portfolio of [`BackingItem`]s, senior liabilities
//! (what the issuer itself borrowed), the rule it reports NAV by and its redemption rules. NAV
//! per token is computed under any [`NavRule`]; the *reported* NAV (the issuer's rule) and the
//! *true* NAV ([`NavRule::Market`]) are kept apart.
//!
//! Step-friendly: [`Issuer::write_down`], [`Issuer::recognise_losses`],
//! [`Issuer::request_redemption`] and [`Issuer::process_redemptions`] each change the state and
//! return what happened, so an orchestrator can interleave them with lending markets and venues.

use crate::{
    Error, Result,
    backing::{BackingItem, NavRule, Prices, add, div, mul, sub},
    redemption::{
        RedemptionEvent, RedemptionMode, Request, RunRule, SHARE_PLACES, allocate, shares_for,
    },
};
use faultline_core::decimal::{Decimal, RoundingStrategy};
use faultline_liquidity::{Quote, Side, Venue};

/// Decimal places of a NAV per token (rounded down).
pub const NAV_PLACES: u32 = 18;

/// A senior liability of the issuer (a loan it took), paid before token holders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Liability {
    /// The creditor.
    pub creditor: String,
    /// USD owed.
    pub amount: Decimal,
}

/// An issuer's NAV under one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NavReport {
    /// The rule used.
    pub rule: NavRule,
    /// USD value of all backing items under the rule.
    pub backing: Decimal,
    /// USD of senior liabilities.
    pub liabilities: Decimal,
    /// Backing less liabilities, floored at zero: what token holders own together.
    pub equity: Decimal,
    /// How far liabilities exceed the backing (zero when solvent to creditors).
    pub shortfall: Decimal,
    /// Equity per token, rounded down to [`NAV_PLACES`]; zero with no supply.
    pub nav_per_token: Decimal,
    /// Reported value of opaque off-chain claims (what nobody can check).
    pub unverified: Decimal,
    /// Off-chain claims weighted by their confidence.
    pub unverified_confidence_weighted: Decimal,
}

/// A token backed by a portfolio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    /// The token's symbol (the key other issuers' holdings and loans refer to).
    pub symbol: String,
    /// Tokens outstanding, whole units.
    pub supply: Decimal,
    /// The backing portfolio, in the issuer's order (redemptions pay from liquid items in it).
    pub backing: Vec<BackingItem>,
    /// Senior liabilities.
    pub liabilities: Vec<Liability>,
    /// The rule the issuer reports NAV by (usually [`NavRule::Book`]).
    pub reporting: NavRule,
    /// The rule redemptions are priced by (issuers pay at their reported NAV: that is the run).
    pub pays_at: NavRule,
    /// How holders redeem.
    pub mode: RedemptionMode,
    /// Who is paid first when liquidity runs short.
    pub run_rule: RunRule,
    queue: Vec<Request>,
    next_request: u64,
}

impl Issuer {
    /// An issuer reporting and paying at book NAV, instant redemption, first come first served,
    /// no liabilities; validated.
    pub fn new(
        symbol: impl Into<String>,
        supply: Decimal,
        backing: Vec<BackingItem>,
    ) -> Result<Self> {
        let issuer = Self {
            symbol: symbol.into(),
            supply,
            backing,
            liabilities: Vec::new(),
            reporting: NavRule::Book,
            pays_at: NavRule::Book,
            mode: RedemptionMode::Instant,
            run_rule: RunRule::FirstCome,
            queue: Vec::new(),
            next_request: 0,
        };
        issuer.validate()?;
        Ok(issuer)
    }

    /// Checks supply, items (ids unique, figures in range), liabilities and redemption rules.
    pub fn validate(&self) -> Result<()> {
        let at = |field: &str| format!("{}.{field}", self.symbol);
        if self.supply.is_sign_negative() && !self.supply.is_zero() {
            return Err(Error::invalid(at("supply"), "a token supply >= 0", self.supply));
        }
        for (i, item) in self.backing.iter().enumerate() {
            item.validate(&at(&format!("backing[{i}]")))?;
            if self.backing[..i].iter().any(|other| other.id == item.id) {
                return Err(Error::invalid(
                    at(&format!("backing[{i}].id")),
                    "an id unique within the issuer",
                    &item.id,
                ));
            }
        }
        for (i, liability) in self.liabilities.iter().enumerate() {
            if liability.amount.is_sign_negative() && !liability.amount.is_zero() {
                return Err(Error::invalid(
                    at(&format!("liabilities[{i}].amount")),
                    "a USD amount >= 0",
                    liability.amount,
                ));
            }
        }
        match self.mode {
            RedemptionMode::Queue { capacity_per_step } if capacity_per_step < Decimal::ZERO => {
                Err(Error::invalid(
                    at("mode.capacity_per_step"),
                    "a USD value >= 0",
                    capacity_per_step,
                ))
            }
            RedemptionMode::Gated { max_fraction_per_step: f }
                if f < Decimal::ZERO || f > Decimal::ONE =>
            {
                Err(Error::invalid(at("mode.max_fraction_per_step"), "a fraction in [0, 1]", f))
            }
            _ => Ok(()),
        }
    }

    /// Pending requests in request order.
    pub fn queue(&self) -> &[Request] {
        &self.queue
    }

    /// The backing item with this id.
    pub fn item(&self, id: &str) -> Result<&BackingItem> {
        self.backing
            .iter()
            .find(|item| item.id == id)
            .ok_or_else(|| Error::Unknown { what: "backing item", name: id.to_owned() })
    }

    fn item_mut(&mut self, id: &str) -> Result<&mut BackingItem> {
        self.backing
            .iter_mut()
            .find(|item| item.id == id)
            .ok_or_else(|| Error::Unknown { what: "backing item", name: id.to_owned() })
    }

    /// NAV under `rule`.
    pub fn nav(&self, rule: NavRule, prices: &Prices) -> Result<NavReport> {
        const OP: &str = "Issuer::nav";
        let mut backing = Decimal::ZERO;
        let mut unverified = Decimal::ZERO;
        let mut weighted = Decimal::ZERO;
        for item in &self.backing {
            backing = add(backing, item.value(rule, prices)?, OP)?;
            if let crate::backing::BackingKind::OffChain { confidence, .. } = item.kind {
                unverified = add(unverified, item.reported, OP)?;
                weighted = add(weighted, mul(item.reported, confidence, OP)?, OP)?;
            }
        }
        let liabilities = self.total_liabilities()?;
        let (equity, shortfall) = if backing >= liabilities {
            (sub(backing, liabilities, OP)?, Decimal::ZERO)
        } else {
            (Decimal::ZERO, sub(liabilities, backing, OP)?)
        };
        let nav_per_token = if self.supply.is_zero() {
            Decimal::ZERO
        } else {
            div(equity, self.supply, OP)?
                .round_dp_with_strategy(NAV_PLACES, RoundingStrategy::ToZero)
        };
        Ok(NavReport {
            rule,
            backing,
            liabilities,
            equity,
            shortfall,
            nav_per_token,
            unverified,
            unverified_confidence_weighted: weighted,
        })
    }

    /// The NAV the issuer reports (its [`Issuer::reporting`] rule).
    pub fn reported_nav(&self, prices: &Prices) -> Result<NavReport> {
        self.nav(self.reporting, prices)
    }

    /// The true NAV: market prices and true item values.
    pub fn true_nav(&self, prices: &Prices) -> Result<NavReport> {
        self.nav(NavRule::Market, prices)
    }

    /// USD of senior liabilities.
    pub fn total_liabilities(&self) -> Result<Decimal> {
        self.liabilities
            .iter()
            .try_fold(Decimal::ZERO, |acc, l| add(acc, l.amount, "Issuer::total_liabilities"))
    }

    /// Lowers an item's true value to `fraction` of what it is (a loss at a fund manager, a
    /// default); the reported value stays until [`Issuer::recognise_losses`]. For token holdings
    /// and supply positions the recovery factor is scaled instead. Returns the item's true value
    /// lost, at `prices`.
    pub fn write_down(&mut self, id: &str, fraction: Decimal, prices: &Prices) -> Result<Decimal> {
        const OP: &str = "Issuer::write_down";
        if fraction < Decimal::ZERO || fraction > Decimal::ONE {
            return Err(Error::invalid(
                "fraction",
                "a fraction in [0, 1] of the value kept",
                fraction,
            ));
        }
        let item = self.item_mut(id)?;
        let before = item.value(NavRule::Market, prices)?;
        if item.kind.claim_on().is_some()
            && !matches!(item.kind, crate::backing::BackingKind::Loan { .. })
        {
            item.recovery = mul(item.recovery, fraction, OP)?;
        } else {
            item.truth = mul(item.truth, fraction, OP)?;
        }
        let after = item.value(NavRule::Market, prices)?;
        sub(before, after, OP)
    }

    /// Sets a hedged book's (or any non-token item's) value as the orchestrator computes it:
    /// reported and true alike.
    pub fn set_item_value(&mut self, id: &str, value: Decimal) -> Result<()> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(Error::invalid(format!("{id}.value"), "a USD value >= 0", value));
        }
        let item = self.item_mut(id)?;
        item.reported = value;
        item.truth = value;
        Ok(())
    }

    /// The issuer recognises its losses: every item's reported value becomes its true value, so
    /// the reported NAV falls to the truth (under book prices for tokens held).
    pub fn recognise_losses(&mut self) {
        for item in &mut self.backing {
            item.reported = item.truth;
        }
    }

    /// A holder asks to redeem `shares` at time `now`; returns the request id. Refused when
    /// frozen or for a non-positive amount or more than the supply.
    pub fn request_redemption(&mut self, holder: &str, shares: Decimal, now: u64) -> Result<u64> {
        if matches!(self.mode, RedemptionMode::Frozen) {
            return Err(Error::RedemptionRefused {
                issuer: self.symbol.clone(),
                reason: "redemptions are frozen".into(),
            });
        }
        let queued = self
            .queue
            .iter()
            .try_fold(Decimal::ZERO, |acc, r| add(acc, r.shares, "request_redemption"))?;
        if shares <= Decimal::ZERO || add(queued, shares, "request_redemption")? > self.supply {
            return Err(Error::invalid(
                "shares",
                "a positive amount that with the queue stays within the supply",
                shares,
            ));
        }
        let cooldown = match self.mode {
            RedemptionMode::Cooldown { cooldown_secs } => cooldown_secs,
            _ => 0,
        };
        let id = self.next_request;
        self.next_request += 1;
        self.queue.push(Request {
            id,
            holder: holder.to_owned(),
            shares,
            requested_at: now,
            claimable_at: now.saturating_add(cooldown),
        });
        Ok(id)
    }

    /// USD the issuer can pay redemptions from now: its cash and reserve items' true value.
    pub fn liquid(&self) -> Result<Decimal> {
        self.backing
            .iter()
            .filter(|item| item.kind.is_liquid())
            .try_fold(Decimal::ZERO, |acc, item| add(acc, item.truth, "Issuer::liquid"))
    }

    /// Pays claimable requests at time `now` at the NAV of [`Issuer::pays_at`], from cash then
    /// reserves, under the step's capacity and the run rule; burns the shares paid for and
    /// returns what happened. Unpaid requests stay queued.
    pub fn process_redemptions(
        &mut self,
        now: u64,
        prices: &Prices,
    ) -> Result<Vec<RedemptionEvent>> {
        const OP: &str = "Issuer::process_redemptions";
        if matches!(self.mode, RedemptionMode::Frozen) {
            return self.unpaid_event(now, prices).map(|e| e.into_iter().collect());
        }
        let nav = self.nav(self.pays_at, prices)?.nav_per_token;
        // Shares each claimable request may redeem this step, after the gate.
        let mut share_budget = match self.mode {
            RedemptionMode::Gated { max_fraction_per_step } => {
                Some(mul(self.supply, max_fraction_per_step, OP)?)
            }
            _ => None,
        };
        let mut indices = Vec::new();
        let mut claims = Vec::new();
        let mut step_shares = Vec::new();
        for (i, request) in self.queue.iter().enumerate() {
            if request.claimable_at > now {
                continue;
            }
            let shares = match &mut share_budget {
                Some(budget) => {
                    let take = request.shares.min(*budget);
                    *budget = sub(*budget, take, OP)?;
                    take
                }
                None => request.shares,
            };
            indices.push(i);
            claims.push(mul(shares, nav, OP)?);
            step_shares.push(shares);
        }
        let mut available = self.liquid()?;
        if let RedemptionMode::Queue { capacity_per_step } = self.mode {
            available = available.min(capacity_per_step);
        }
        let payouts = allocate(&claims, available, self.run_rule)?;
        let mut events = Vec::new();
        let mut total_paid = Decimal::ZERO;
        for (((&i, &claim), &shares), &paid) in
            indices.iter().zip(&claims).zip(&step_shares).zip(&payouts)
        {
            if paid.is_zero() {
                continue;
            }
            let burned = shares_for(shares, paid, claim)?;
            let request = self.queue.get_mut(i).ok_or(Error::Overflow { op: OP })?;
            request.shares = sub(request.shares, burned, OP)?;
            self.supply = sub(self.supply, burned, OP)?.max(Decimal::ZERO);
            total_paid = add(total_paid, paid, OP)?;
            events.push(RedemptionEvent::Paid {
                request: request.id,
                holder: request.holder.clone(),
                shares_burned: burned,
                paid,
                shares_left: request.shares,
            });
        }
        self.pay_out(total_paid)?;
        self.queue.retain(|r| r.shares > Decimal::ZERO);
        events.extend(self.unpaid_event(now, prices)?);
        Ok(events)
    }

    /// Every request redeems at once at `now` (a run): requests are queued in the given order
    /// and one step is processed. Returns the step's events.
    pub fn run(
        &mut self,
        requests: &[(String, Decimal)],
        now: u64,
        prices: &Prices,
    ) -> Result<Vec<RedemptionEvent>> {
        for (holder, shares) in requests {
            self.request_redemption(holder, *shares, now)?;
        }
        self.process_redemptions(now, prices)
    }

    /// Takes `amount` USD out of cash, then reserves, in the backing's order.
    fn pay_out(&mut self, mut amount: Decimal) -> Result<()> {
        const OP: &str = "Issuer::pay_out";
        for item in self.backing.iter_mut().filter(|i| i.kind.is_liquid()) {
            if amount.is_zero() {
                break;
            }
            let take = amount.min(item.truth);
            item.truth = sub(item.truth, take, OP)?;
            item.reported = sub(item.reported, take, OP)?.max(Decimal::ZERO);
            amount = sub(amount, take, OP)?;
        }
        if amount > Decimal::ZERO {
            return Err(Error::invalid("payout", "at most the issuer's liquid backing", amount));
        }
        Ok(())
    }

    fn unpaid_event(&self, now: u64, prices: &Prices) -> Result<Option<RedemptionEvent>> {
        const OP: &str = "Issuer::unpaid";
        let waiting: Vec<&Request> = self.queue.iter().filter(|r| r.claimable_at <= now).collect();
        if waiting.is_empty() {
            return Ok(None);
        }
        let nav = self.nav(self.pays_at, prices)?.nav_per_token;
        let shares = waiting.iter().try_fold(Decimal::ZERO, |acc, r| add(acc, r.shares, OP))?;
        Ok(Some(RedemptionEvent::Unpaid {
            requests: waiting.len(),
            shares,
            claim: mul(shares, nav, OP)?
                .round_dp_with_strategy(SHARE_PLACES, RoundingStrategy::ToZero),
        }))
    }

    /// What selling `amount` raw units of the issuer's token fetches on a secondary `venue`
    /// (the token as base), without changing the venue: the exit when redemption is slow or shut.
    pub fn secondary_sale(venue: &dyn Venue, amount: alloy_primitives::U256) -> Result<Quote> {
        Ok(venue.quote(Side::Sell, amount)?)
    }
}
