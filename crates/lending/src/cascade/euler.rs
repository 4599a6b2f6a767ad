//! Euler v2 in the cascade: a borrower the vault would liquidate
//! ([`EulerVault`]'s `is_liquidatable`, `calculateMaxLiquidation`'s test) is offered the vault's
//! maximum liquidation against its largest collateral: the liquidator takes over debt at the
//! Dutch-auction discount, repays it and withdraws the collateral it received. When that leaves
//! the violator with no collateral, the rest of its debt is socialised to depositors.

use super::{Amount, BadDebtRule, Candidate, CascadeMarket, Choice, Holdings, Style, Verdict};
use crate::{BadDebtBearer, Error, LendingMarket, Liquidation, Result, euler::EulerVault};
use alloy_primitives::{Address, U256};
use faultline_core::{OraclePrice, Price, Rounding, math::mul_div};

const WAD: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);

/// An Euler v2 vault and its borrowers.
#[derive(Debug, Clone)]
pub struct EulerBook {
    vault: EulerVault,
    /// Accounts with debt at the start, in snapshot order.
    borrowers: Vec<Address>,
}

impl EulerBook {
    /// The vault and its borrowers, in the order the cascade visits them. Liquidations act from
    /// the vault's `liquidator` account.
    pub const fn new(vault: EulerVault, borrowers: Vec<Address>) -> Self {
        Self { vault, borrowers }
    }

    /// The contract model.
    pub const fn vault(&self) -> &EulerVault {
        &self.vault
    }

    fn index_of(&self, collateral: Address) -> Result<usize> {
        self.vault
            .collaterals
            .iter()
            .position(|c| c.vault == collateral)
            .ok_or_else(|| Error::invalid("collateral", "a collateral of the vault", collateral))
    }

    /// The collateral with the largest value at the vault's oracles (ties to the lower index).
    fn largest(&self, account: Address) -> Result<Option<usize>> {
        let mut best: Option<(U256, usize)> = None;
        for (i, c) in self.vault.collaterals.iter().enumerate() {
            let balance = self.vault.collateral(account, i);
            if balance.is_zero() {
                continue;
            }
            let value = mul_div(balance, c.price, WAD, Rounding::Down)?;
            if best.is_none_or(|(v, _)| value > v) {
                best = Some((value, i));
            }
        }
        Ok(best.map(|(_, i)| i))
    }
}

impl CascadeMarket for EulerBook {
    type AtMarket = EulerVault;

    fn model(&self) -> &dyn LendingMarket {
        &self.vault
    }

    fn borrowers(&self) -> Vec<Address> {
        self.borrowers.clone()
    }

    fn liquidatable(&self, borrower: Address) -> Result<bool> {
        self.vault.is_liquidatable(borrower)
    }

    fn holdings(&self, borrower: Address) -> Result<Holdings> {
        let collateral = (0..self.vault.collaterals.len())
            .filter_map(|i| {
                let balance = self.vault.collateral(borrower, i);
                (!balance.is_zero()).then(|| (self.vault.collaterals[i].vault, balance))
            })
            .collect();
        let debt = self.vault.debt(borrower);
        let debt = if debt.is_zero() { Vec::new() } else { vec![(self.vault.asset, debt)] };
        Ok(Holdings { collateral, debt })
    }

    /// The liquidation LTV now (bps, ramp applied) as WAD.
    fn liquidation_ltv(&self, asset: Address) -> Result<Option<U256>> {
        let now = self.vault.now;
        let bps_to_wad = U256::from(100_000_000_000_000u64);
        Ok(self
            .vault
            .collaterals
            .iter()
            .find(|c| c.vault == asset)
            .map(|c| c.ltv.ltv(true, now) * bps_to_wad))
    }

    fn style(&self) -> Style {
        Style::ProfitGated
    }

    fn bad_debt_rule(&self) -> BadDebtRule {
        BadDebtRule::InLiquidation
    }

    fn priced_assets(&self) -> Vec<Address> {
        self.vault.collaterals.iter().map(|c| c.vault).chain([self.vault.asset]).collect()
    }

    /// `getQuote` prices: the unit of account (18 decimals) per raw unit, scaled by 1e18.
    fn set_whole_price(&mut self, asset: Address, price: Price) -> Result<()> {
        self.vault.set_oracle_price(asset, OraclePrice(price))
    }

    fn at_market(&self, prices: &[(Address, Price)]) -> Result<EulerVault> {
        let mut vault = self.vault.clone();
        for &(asset, price) in prices {
            vault.set_oracle_price(asset, OraclePrice(price))?;
        }
        Ok(vault)
    }

    fn candidates(&self, _: &EulerVault) -> Result<Vec<Candidate>> {
        Ok(self
            .borrowers
            .iter()
            .enumerate()
            .filter(|(_, a)| !self.vault.debt(**a).is_zero())
            .map(|(slot, &account)| Candidate { account, slot, missed: false })
            .collect())
    }

    fn verdict(&self, candidate: &Candidate, at_market: &EulerVault) -> Result<Verdict> {
        Ok(Verdict {
            by_oracle: self.vault.is_liquidatable(candidate.account)?,
            at_market: at_market.is_liquidatable(candidate.account)?,
        })
    }

    fn value(&self, candidate: &Candidate, at_market: &EulerVault) -> Result<(Amount, Amount)> {
        let h = LendingMarket::health(at_market, candidate.account)?;
        Ok((Amount::Value(h.debt_value, 18), Amount::Value(h.collateral_value, 18)))
    }

    fn collateral_by_value(&self, borrower: Address) -> Result<Vec<Address>> {
        Ok(self
            .largest(borrower)?
            .and_then(|i| self.vault.collaterals.get(i))
            .map(|c| c.vault)
            .into_iter()
            .collect())
    }

    /// The largest collateral; with nothing to seize, the first (a keeper's zero-repay
    /// liquidation then socialises the debt). `None` for a vault without collaterals.
    fn choose(&self, borrower: Address) -> Result<Option<Choice>> {
        let i = self.largest(borrower)?.unwrap_or(0);
        Ok(self
            .vault
            .collaterals
            .get(i)
            .map(|c| Choice { collateral: c.vault, debt: self.vault.asset }))
    }

    fn preview(&self, borrower: Address, choice: &Choice) -> Result<Liquidation> {
        let mut draft = self.clone();
        let candidate = Candidate { account: borrower, slot: 0, missed: false };
        draft.execute(&candidate, choice)
    }

    /// `liquidate(violator, collateral, type(uint256).max, 0)` from the liquidator's account,
    /// then the liquidator repays the debt it took over and withdraws the collateral it got.
    /// `collateral_seized` is what the liquidator received.
    fn execute(&mut self, candidate: &Candidate, choice: &Choice) -> Result<Liquidation> {
        let i = self.index_of(choice.collateral)?;
        let liquidator = self.vault.liquidator;
        let borrower = candidate.account;
        let mut draft = self.vault.clone();
        let out = draft.liquidate(liquidator, borrower, i, U256::MAX, U256::ZERO)?;
        if !out.repay.is_zero() {
            draft.repay(liquidator, U256::MAX)?;
        }
        draft.set_collateral(liquidator, i, U256::ZERO)?;
        self.vault = draft;
        Ok(Liquidation {
            debt_repaid: out.repay,
            collateral_seized: out.yield_balance,
            liquidator_bonus: U256::ZERO,
            protocol_fee: U256::ZERO,
            bad_debt: out.socialized,
            bad_debt_bearer: if out.socialized.is_zero() {
                BadDebtBearer::Nobody
            } else {
                BadDebtBearer::Suppliers
            },
            remaining_collateral: self.vault.collateral(borrower, i),
            remaining_debt: self.vault.debt(borrower),
        })
    }

    /// The sum over borrowers of liability less collateral at market prices (the vault's
    /// `getQuote` arithmetic, unadjusted by LTV; 18-decimal unit of account), where positive.
    fn uncovered(&self, at_market: &EulerVault) -> Result<Amount> {
        let mut total = U256::ZERO;
        for &borrower in &self.borrowers {
            let h = LendingMarket::health(at_market, borrower)?;
            total = total
                .checked_add(h.debt_value.saturating_sub(h.collateral_value))
                .ok_or(faultline_core::Error::Overflow { op: "uncovered debt" })?;
        }
        Ok(Amount::Value(total, 18))
    }

    fn accrue(&mut self, now_secs: u64) -> Result<()> {
        let elapsed = super::elapsed(self.vault.now, now_secs)?;
        LendingMarket::accrue(&mut self.vault, elapsed)
    }
}
