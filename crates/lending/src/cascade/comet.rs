//! Compound v3 (Comet) in the cascade: every borrower `isLiquidatable` at the price feeds is
//! absorbed (not profit-gated: anyone may call `absorb`, the protocol bears the outcome), the
//! reserves take what the collateral, credited at the liquidation factor, did not cover, and
//! reserves below zero are the bad debt. Absorbed collateral is sold through `buyCollateral`
//! ([`CometMarket::base_for_collateral`], [`CometMarket::buy_collateral`]).

use super::{Amount, BadDebtRule, Candidate, CascadeMarket, Choice, Holdings, Style, Verdict};
use crate::{BadDebtBearer, LendingMarket, Liquidation, Result, comet::CometMarket};
use alloy_primitives::{Address, U256};
use faultline_core::{OraclePrice, Price, Rounding, math::mul_div};

/// A Comet market and its borrowers.
#[derive(Debug, Clone)]
pub struct CometBook {
    market: CometMarket,
    /// Accounts with a borrow principal at the start, in snapshot order.
    borrowers: Vec<Address>,
}

impl CometBook {
    /// The market and its borrowers, in the order the cascade visits them.
    pub const fn new(market: CometMarket, borrowers: Vec<Address>) -> Self {
        Self { market, borrowers }
    }

    /// The contract model.
    pub const fn market(&self) -> &CometMarket {
        &self.market
    }

    /// `buyCollateral(asset i, baseAmount)`: the collateral bought.
    pub fn buy_collateral(&mut self, i: usize, base_amount: U256) -> Result<U256> {
        self.market.buy_collateral(i, base_amount)
    }

    /// `max(0, −getReserves())` in base units: the bad debt by Comet's rule.
    pub fn shortfall(&self) -> Result<U256> {
        let reserves = self.market.reserves()?;
        Ok(if reserves.is_negative() { reserves.unsigned_abs() } else { U256::ZERO })
    }
}

impl CascadeMarket for CometBook {
    type AtMarket = CometMarket;

    fn model(&self) -> &dyn LendingMarket {
        &self.market
    }

    fn borrowers(&self) -> Vec<Address> {
        self.borrowers.clone()
    }

    fn liquidatable(&self, borrower: Address) -> Result<bool> {
        self.market.is_liquidatable(borrower)
    }

    fn holdings(&self, borrower: Address) -> Result<Holdings> {
        let config = self.market.config();
        let collateral = (0..config.assets.len())
            .filter_map(|i| {
                let balance = self.market.collateral_of(borrower, i);
                (!balance.is_zero()).then(|| (config.assets[i].asset, balance))
            })
            .collect();
        let debt = self.market.debt_of(borrower)?;
        let debt = if debt.is_zero() { Vec::new() } else { vec![(config.base_token, debt)] };
        Ok(Holdings { collateral, debt })
    }

    /// `liquidateCollateralFactor` (already WAD).
    fn liquidation_ltv(&self, asset: Address) -> Result<Option<U256>> {
        let config = self.market.config();
        Ok(config.assets.iter().find(|a| a.asset == asset).map(|a| a.liquidate_collateral_factor))
    }

    fn style(&self) -> Style {
        Style::Absorption
    }

    fn bad_debt_rule(&self) -> BadDebtRule {
        BadDebtRule::Reserves
    }

    fn priced_assets(&self) -> Vec<Address> {
        let config = self.market.config();
        config.assets.iter().map(|a| a.asset).chain([config.base_token]).collect()
    }

    /// Comet's price feeds answer in USD with 8 decimals.
    fn set_whole_price(&mut self, asset: Address, price: Price) -> Result<()> {
        self.market.set_oracle_price(asset, OraclePrice(price))
    }

    fn at_market(&self, prices: &[(Address, Price)]) -> Result<CometMarket> {
        let mut market = self.market.clone();
        for &(asset, price) in prices {
            market.set_oracle_price(asset, OraclePrice(price))?;
        }
        Ok(market)
    }

    fn candidates(&self, _: &CometMarket) -> Result<Vec<Candidate>> {
        let mut found = Vec::new();
        for (slot, &account) in self.borrowers.iter().enumerate() {
            if !self.market.debt_of(account)?.is_zero() {
                found.push(Candidate { account, slot, missed: false });
            }
        }
        Ok(found)
    }

    fn verdict(&self, candidate: &Candidate, at_market: &CometMarket) -> Result<Verdict> {
        Ok(Verdict {
            by_oracle: self.market.is_liquidatable(candidate.account)?,
            at_market: at_market.is_liquidatable(candidate.account)?,
        })
    }

    fn value(&self, candidate: &Candidate, at_market: &CometMarket) -> Result<(Amount, Amount)> {
        let h = LendingMarket::health(at_market, candidate.account)?;
        Ok((Amount::Value(h.debt_value, 8), Amount::Value(h.collateral_value, 8)))
    }

    /// Every collateral held (an absorption takes them all), largest first at the feeds.
    fn collateral_by_value(&self, borrower: Address) -> Result<Vec<Address>> {
        let mut held: Vec<(U256, usize, Address)> = Vec::new();
        for (i, a) in self.market.config().assets.iter().enumerate() {
            let balance = self.market.collateral_of(borrower, i);
            if balance.is_zero() {
                continue;
            }
            // `scale` is 10^decimals: the value at the feed's 8-decimal price.
            held.push((mul_div(balance, a.price, a.scale, Rounding::Down)?, i, a.asset));
        }
        // Largest first; ties to the lower index.
        held.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        Ok(held.into_iter().map(|(_, _, asset)| asset).collect())
    }

    /// An absorption takes every collateral for the base debt.
    fn choose(&self, borrower: Address) -> Result<Option<Choice>> {
        let base = self.market.config().base_token;
        let first = self.collateral_by_value(borrower)?.first().copied();
        Ok(Some(Choice { collateral: first.unwrap_or(base), debt: base }))
    }

    fn preview(&self, borrower: Address, choice: &Choice) -> Result<Liquidation> {
        let mut draft = self.clone();
        let candidate = Candidate { account: borrower, slot: 0, missed: false };
        draft.execute(&candidate, choice)
    }

    /// `absorb`: the debt repaid is the borrower's whole debt, taken by the protocol; the bad
    /// debt is the shortfall its collateral, credited at the liquidation factor, left.
    fn execute(&mut self, candidate: &Candidate, choice: &Choice) -> Result<Liquidation> {
        let debt = self.market.debt_of(candidate.account)?;
        let out = self.market.absorb(candidate.account)?;
        // Every collateral is absorbed; the figure is the chosen (largest) one's.
        let config = self.market.config();
        let chosen = config.assets.iter().position(|a| a.asset == choice.collateral);
        let seized = chosen.and_then(|i| out.seized.get(i).copied()).unwrap_or_default();
        Ok(Liquidation {
            debt_repaid: debt,
            collateral_seized: seized,
            liquidator_bonus: U256::ZERO,
            protocol_fee: U256::ZERO,
            bad_debt: out.shortfall,
            bad_debt_bearer: if out.shortfall.is_zero() {
                BadDebtBearer::Nobody
            } else {
                BadDebtBearer::Reserves
            },
            remaining_collateral: U256::ZERO,
            remaining_debt: self.market.debt_of(candidate.account)?,
        })
    }

    fn deficits(&self) -> Result<Vec<(Address, U256)>> {
        Ok(vec![(self.market.config().base_token, self.shortfall()?)])
    }

    /// The sum over borrowers of debt less collateral, both valued by Comet's 8-decimal
    /// arithmetic at market prices, where positive.
    fn uncovered(&self, at_market: &CometMarket) -> Result<Amount> {
        let mut total = U256::ZERO;
        for &borrower in &self.borrowers {
            let h = LendingMarket::health(at_market, borrower)?;
            total = total
                .checked_add(h.debt_value.saturating_sub(h.collateral_value))
                .ok_or(faultline_core::Error::Overflow { op: "uncovered debt" })?;
        }
        Ok(Amount::Value(total, 8))
    }

    fn accrue(&mut self, now_secs: u64) -> Result<()> {
        let elapsed = super::elapsed(self.market.now(), now_secs)?;
        LendingMarket::accrue(&mut self.market, elapsed)
    }
}
