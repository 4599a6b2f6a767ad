//! What a stress cascade asks of a lending market beyond [`LendingMarket`]: everything
//! protocol-specific about who gets liquidated, how, and who carries what is left.
//!
//! [`CascadeMarket`] is implemented by one small type per protocol, each holding the contract
//! model and the borrowers in the order a snapshot lists them:
//!
//! | Protocol | type | liquidation | realised bad debt |
//! |---|---|---|---|
//! | Morpho Blue | [`MorphoBook`] | profit-gated `liquidate`, all shares or all collateral | written off to suppliers in the liquidation |
//! | Aave v3 | [`AaveBook`] | profit-gated `liquidationCall`, largest debt against largest collateral | the reserves' `deficit` (v3.3+) |
//! | Compound v3 | [`CometBook`] | `absorb` (not profit-gated), then `buyCollateral` | reserves below zero |
//! | Euler v2 | [`EulerBook`] | profit-gated debt takeover against the largest collateral | socialised to depositors in the liquidation |
//!
//! Each judges health by its own contract rule (`_isHealthy`, the health factor, `isLiquidatable`,
//! `calculateMaxLiquidation`), both at its oracles' prices and at market prices (a missed
//! liquidation is one the market would call for and the oracle does not). Prices go in per whole
//! token ([`CascadeMarket::set_whole_price`]), and each model converts them to its own oracle
//! scale with the rounding the contract's oracle would have.

mod aave;
pub mod at_risk;
mod comet;
mod euler;
mod morpho;
mod screen;

pub use aave::AaveBook;
pub use comet::CometBook;
pub use euler::EulerBook;
pub use morpho::MorphoBook;

use crate::{LendingMarket, Liquidation, Result};
use alloy_primitives::{Address, U256};
use faultline_core::Price;

/// How a protocol liquidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A liquidator repays debt and takes collateral with a bonus, only when selling it profits.
    ProfitGated,
    /// The protocol takes the debt and the collateral itself (Compound v3 `absorb`): anyone may
    /// call it and the caller pays only gas, so it is not profit-gated.
    Absorption,
}

/// Where a protocol books the bad debt it realises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadDebtRule {
    /// Written off against suppliers by the liquidation itself ([`Liquidation::bad_debt`], in the
    /// debt asset): Morpho Blue, Euler v2 (socialisation).
    InLiquidation,
    /// Booked as a per-reserve deficit ([`CascadeMarket::deficits`]): Aave v3.3+.
    Deficit,
    /// Reserves below zero ([`CascadeMarket::deficits`]): Compound v3.
    Reserves,
}

/// An amount as a protocol reports it: raw units of one token, or a value in the protocol's unit
/// of account with this many decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    /// Raw units of the token at this address.
    Token(Address, U256),
    /// A value with `decimals` decimals (Aave and Comet: USD with 8; Euler: the unit of account
    /// with 18).
    Value(U256, u8),
}

/// A borrower the cascade should look at, with the protocol's verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// The account.
    pub account: Address,
    /// Where the market keeps it (an index slot for Morpho; the borrower's place otherwise).
    pub slot: usize,
    /// Its missed liquidation has already been recorded ([`CascadeMarket::mark_missed`]).
    pub missed: bool,
}

/// A borrower's holdings, raw units per asset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holdings {
    /// Collateral (enabled as collateral), per asset.
    pub collateral: Vec<(Address, U256)>,
    /// Debt, per asset.
    pub debt: Vec<(Address, U256)>,
}

/// The protocol's verdicts on one borrower.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// Liquidatable by the contract at its oracles' prices.
    pub by_oracle: bool,
    /// Liquidatable by the contract's rule at market prices.
    pub at_market: bool,
}

/// The liquidation a liquidator would choose: which collateral to take for which debt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    /// The collateral asset to seize.
    pub collateral: Address,
    /// The debt asset to repay.
    pub debt: Address,
}

/// What any liquidation of one borrower is held to, cheap to compute: the cascade uses it to skip
/// a [`CascadeMarket::preview`] that cannot profit (see [`CascadeMarket::liquidation_bound`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiquidationBound {
    /// The most collateral it can seize, raw units (the borrower's whole balance at most).
    pub max_seized: U256,
    /// The least debt it repays per unit of collateral seized: raw debt units per raw collateral
    /// unit, times 1e36, rounded down.
    pub min_repaid_per_seized: U256,
}

/// A lending market as the cascade drives it. `AtMarket` is what the market needs to judge its
/// borrowers at market prices instead of its oracles' (Morpho: its price in the oracle's scale;
/// the others: a copy of the model repriced).
pub trait CascadeMarket: Clone + std::fmt::Debug {
    /// The market judged at market prices.
    type AtMarket;

    /// The contract model, for what every protocol answers alike (health, borrowing power).
    fn model(&self) -> &dyn LendingMarket;
    /// Accounts with debt at the start, in the order the cascade visits them.
    fn borrowers(&self) -> Vec<Address>;
    /// Liquidatable by the contract at its oracles' prices now.
    fn liquidatable(&self, borrower: Address) -> Result<bool>;
    /// What the borrower holds: collateral and debt, raw units per asset.
    fn holdings(&self, borrower: Address) -> Result<Holdings>;
    /// The liquidation LTV (threshold) of `asset` as a collateral, WAD; `None` when the market
    /// does not take it as collateral.
    fn liquidation_ltv(&self, asset: Address) -> Result<Option<U256>>;
    /// How the protocol liquidates.
    fn style(&self) -> Style;
    /// Where it books realised bad debt.
    fn bad_debt_rule(&self) -> BadDebtRule;
    /// The assets the market prices, each once: collateral first, then debt.
    fn priced_assets(&self) -> Vec<Address>;
    /// Sets the oracle's answer for `asset` per whole token: USD (Aave, Comet, Euler), or loan
    /// tokens per whole collateral token (Morpho, whose only priced asset is its collateral).
    /// Rounded down into the protocol's oracle scale.
    fn set_whole_price(&mut self, asset: Address, price: Price) -> Result<()>;
    /// The market judged at `prices` (per whole token, as [`Self::set_whole_price`] takes them).
    fn at_market(&self, prices: &[(Address, Price)]) -> Result<Self::AtMarket>;
    /// The borrowers that may be liquidatable by the oracle or at market, in the order the
    /// cascade visits them: a superset (each is judged again by [`Self::verdict`]).
    fn candidates(&self, at_market: &Self::AtMarket) -> Result<Vec<Candidate>>;
    /// The contract's verdicts on one borrower.
    fn verdict(&self, candidate: &Candidate, at_market: &Self::AtMarket) -> Result<Verdict>;
    /// A borrower's debt and collateral at market prices, as the protocol values them.
    fn value(&self, candidate: &Candidate, at_market: &Self::AtMarket) -> Result<(Amount, Amount)>;
    /// The collateral assets the borrower holds, largest first by value at the oracles' prices
    /// (ties to the lower index); for a profit-gated market, only the one a liquidator takes.
    fn collateral_by_value(&self, borrower: Address) -> Result<Vec<Address>>;
    /// The liquidation a liquidator would choose, or `None` when there is nothing to seize.
    fn choose(&self, borrower: Address) -> Result<Option<Choice>>;
    /// What [`Self::execute`] would do, leaving the market unchanged; an `Err` is a revert.
    fn preview(&self, borrower: Address, choice: &Choice) -> Result<Liquidation>;
    /// A bound every liquidation [`Self::preview`] could return for `candidate` keeps, proved
    /// from the contract's rounding; `None` where the protocol gives none (the cascade then
    /// always previews).
    fn liquidation_bound(&self, _candidate: &Candidate) -> Result<Option<LiquidationBound>> {
        Ok(None)
    }
    /// Executes the largest liquidation the contract allows (an absorption for Comet), and
    /// what the liquidator does next: repay what it took over, withdraw what it seized.
    fn execute(&mut self, candidate: &Candidate, choice: &Choice) -> Result<Liquidation>;
    /// Remembers that a borrower's missed liquidation was recorded.
    fn mark_missed(&mut self, _candidate: &Candidate) {}
    /// Bad debt booked by [`BadDebtRule::Deficit`] or [`BadDebtRule::Reserves`] so far, raw
    /// units per debt asset; empty for [`BadDebtRule::InLiquidation`].
    fn deficits(&self) -> Result<Vec<(Address, U256)>> {
        Ok(Vec::new())
    }
    /// Debt not covered by collateral at market prices, summed over borrowers where positive.
    fn uncovered(&self, at_market: &Self::AtMarket) -> Result<Amount>;
    /// Moves the market's clock to `now_secs` (Unix seconds, never back) and accrues interest as
    /// the contract does on its next touch (Morpho `_accrueInterest`, Aave `updateState`, Comet
    /// `accrueInternal`, Euler `touch`). With no rate model, or rates of zero, the totals do not
    /// move.
    fn accrue(&mut self, now_secs: u64) -> Result<()>;
}

/// Seconds from a model's clock `then` to `now`, which may not be earlier.
pub(crate) fn elapsed(then: u64, now: u64) -> Result<u64> {
    now.checked_sub(then).ok_or_else(|| {
        crate::Error::invalid("now", "not before the market's clock", format!("{now} < {then}"))
    })
}

/// Raw units of a whole token with `decimals`.
pub(crate) fn unit(decimals: u8) -> U256 {
    faultline_core::math::pow10(u32::from(decimals)).unwrap_or(U256::MAX)
}
