//! Aave v3 in the cascade: the pool's own health factor (`calculateUserAccountData`), the largest
//! liquidation `liquidationCall` allows (close factor and dust rule) of the borrower's largest
//! debt against its largest collateral, and bad debt booked as the reserves' deficit (v3.3+).

use super::{
    Amount, BadDebtRule, Candidate, CascadeMarket, Choice, Holdings, Style, Verdict, unit,
};
use crate::{
    LendingMarket, Liquidation, LiquidationAmount, LiquidationRequest, Result,
    aave::{AavePool, User},
};
use alloy_primitives::{Address, U256};
use faultline_core::{
    OraclePrice, Price, Rounding,
    math::{mul_div, wad_ray::WAD},
};

/// An Aave v3 pool and its borrowers.
#[derive(Debug, Clone)]
pub struct AaveBook {
    pool: AavePool,
    /// Accounts with debt at the start, in snapshot order.
    borrowers: Vec<Address>,
}

/// A value and the reserve index holding it.
type Best = Option<(U256, usize)>;

impl AaveBook {
    /// The pool and its borrowers, in the order the cascade visits them.
    pub const fn new(pool: AavePool, borrowers: Vec<Address>) -> Self {
        Self { pool, borrowers }
    }

    /// The contract model.
    pub const fn pool(&self) -> &AavePool {
        &self.pool
    }

    /// The reserve holding the largest debt and the one holding the largest enabled collateral
    /// (liquidation threshold above zero), by value at the pool's oracle prices; ties go to the
    /// lower id.
    fn largest(&self, user: &User) -> Result<(Option<usize>, Option<usize>)> {
        let (mut debt, mut collateral): (Best, Best) = (None, None);
        for (&rid, ur) in &user.reserves {
            let i = usize::from(rid);
            let Some(r) = self.pool.reserves().get(i) else { continue };
            // Balances at the reserve's stored indexes (kept current by the run's accrual); the
            // value only ranks reserves, the pool itself decides the liquidation.
            let value =
                |amount: U256| mul_div(amount, r.price, unit(r.config.decimals), Rounding::Down);
            let version = self.pool.version();
            if !ur.scaled_debt.is_zero() {
                let owed = version.v_balance(ur.scaled_debt, r.state.variable_borrow_index)?;
                let v = value(owed)?;
                if debt.is_none_or(|(best, _)| v > best) {
                    debt = Some((v, i));
                }
            }
            if ur.collateral_enabled
                && !ur.scaled_a.is_zero()
                && r.config.liquidation_threshold != 0
            {
                let v = value(version.a_balance(ur.scaled_a, r.state.liquidity_index)?)?;
                if collateral.is_none_or(|(best, _)| v > best) {
                    collateral = Some((v, i));
                }
            }
        }
        Ok((debt.map(|(_, i)| i), collateral.map(|(_, i)| i)))
    }

    fn asset(&self, i: usize) -> Option<Address> {
        self.pool.reserves().get(i).map(|r| r.config.asset)
    }
}

impl CascadeMarket for AaveBook {
    type AtMarket = AavePool;

    fn model(&self) -> &dyn LendingMarket {
        &self.pool
    }

    fn borrowers(&self) -> Vec<Address> {
        self.borrowers.clone()
    }

    fn liquidatable(&self, borrower: Address) -> Result<bool> {
        Ok(self.pool.account_data(borrower)?.health_factor < WAD)
    }

    fn holdings(&self, borrower: Address) -> Result<Holdings> {
        let mut out = Holdings::default();
        let version = self.pool.version();
        for (&rid, ur) in &self.pool.user(borrower).reserves {
            let Some(r) = self.pool.reserves().get(usize::from(rid)) else { continue };
            if ur.collateral_enabled && !ur.scaled_a.is_zero() {
                let balance = version.a_balance(ur.scaled_a, r.state.liquidity_index)?;
                out.collateral.push((r.config.asset, balance));
            }
            if !ur.scaled_debt.is_zero() {
                let balance = version.v_balance(ur.scaled_debt, r.state.variable_borrow_index)?;
                out.debt.push((r.config.asset, balance));
            }
        }
        Ok(out)
    }

    /// The reserve's liquidation threshold (bps, eMode not applied) as WAD.
    fn liquidation_ltv(&self, asset: Address) -> Result<Option<U256>> {
        let Ok(r) = self.pool.reserve(asset) else { return Ok(None) };
        let lt = U256::from(r.config.liquidation_threshold);
        Ok((!lt.is_zero()).then(|| lt * U256::from(100_000_000_000_000u64)))
    }

    fn style(&self) -> Style {
        Style::ProfitGated
    }

    fn bad_debt_rule(&self) -> BadDebtRule {
        BadDebtRule::Deficit
    }

    fn priced_assets(&self) -> Vec<Address> {
        self.pool.reserves().iter().map(|r| r.config.asset).collect()
    }

    /// `AaveOracle` answers in USD with 8 decimals.
    fn set_whole_price(&mut self, asset: Address, price: Price) -> Result<()> {
        self.pool.set_oracle_price(asset, OraclePrice(price))
    }

    fn at_market(&self, prices: &[(Address, Price)]) -> Result<AavePool> {
        let mut pool = self.pool.clone();
        for &(asset, price) in prices {
            pool.set_oracle_price(asset, OraclePrice(price))?;
        }
        Ok(pool)
    }

    fn candidates(&self, _: &AavePool) -> Result<Vec<Candidate>> {
        let mut found = Vec::new();
        for (slot, &account) in self.borrowers.iter().enumerate() {
            if !self.pool.account_data(account)?.total_debt.is_zero() {
                found.push(Candidate { account, slot, missed: false });
            }
        }
        Ok(found)
    }

    fn verdict(&self, candidate: &Candidate, at_market: &AavePool) -> Result<Verdict> {
        Ok(Verdict {
            by_oracle: self.pool.account_data(candidate.account)?.health_factor < WAD,
            at_market: at_market.account_data(candidate.account)?.health_factor < WAD,
        })
    }

    fn value(&self, candidate: &Candidate, at_market: &AavePool) -> Result<(Amount, Amount)> {
        let d = at_market.account_data(candidate.account)?;
        Ok((Amount::Value(d.total_debt, 8), Amount::Value(d.total_collateral, 8)))
    }

    fn collateral_by_value(&self, borrower: Address) -> Result<Vec<Address>> {
        let (_, collateral) = self.largest(&self.pool.user(borrower))?;
        Ok(collateral.and_then(|i| self.asset(i)).into_iter().collect())
    }

    fn choose(&self, borrower: Address) -> Result<Option<Choice>> {
        let (debt, collateral) = self.largest(&self.pool.user(borrower))?;
        Ok(match (debt.and_then(|i| self.asset(i)), collateral.and_then(|i| self.asset(i))) {
            (Some(debt), Some(collateral)) => Some(Choice { collateral, debt }),
            _ => None,
        })
    }

    fn preview(&self, borrower: Address, choice: &Choice) -> Result<Liquidation> {
        self.pool.max_liquidation(borrower, choice.collateral, choice.debt)
    }

    fn execute(&mut self, candidate: &Candidate, choice: &Choice) -> Result<Liquidation> {
        self.pool.liquidate(LiquidationRequest {
            borrower: candidate.account,
            collateral_asset: choice.collateral,
            debt_asset: choice.debt,
            amount: LiquidationAmount::Debt(U256::MAX),
        })
    }

    fn deficits(&self) -> Result<Vec<(Address, U256)>> {
        self.pool.reserves().iter().map(|r| Ok((r.config.asset, r.state.deficit))).collect()
    }

    /// The sum over borrowers of debt less collateral, both valued by the pool's own arithmetic
    /// at market prices (USD, 8 decimals), where positive.
    fn uncovered(&self, at_market: &AavePool) -> Result<Amount> {
        let mut total = U256::ZERO;
        for &borrower in &self.borrowers {
            let d = at_market.account_data(borrower)?;
            total = total
                .checked_add(d.total_debt.saturating_sub(d.total_collateral))
                .ok_or(faultline_core::Error::Overflow { op: "uncovered debt" })?;
        }
        Ok(Amount::Value(total, 8))
    }

    fn accrue(&mut self, now_secs: u64) -> Result<()> {
        let elapsed = super::elapsed(self.pool.now(), now_secs)?;
        LendingMarket::accrue(&mut self.pool, elapsed)
    }
}
