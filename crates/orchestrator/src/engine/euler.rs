//! Euler v2 vaults in the cascade, by the vault's own rules (`faultline_lending::euler`,
//! mirroring euler-vault-kit `Liquidation.sol` @ 5b98b420):
//!
//! - a borrower whose collateral at the liquidation LTV, valued at the vault's oracles, does not
//!   exceed its liability (`calculateMaxLiquidation`) is offered the vault's maximum liquidation
//!   against its largest collateral (by value at the oracles): the liquidator takes over debt at
//!   the Dutch-auction discount `1 − collateral·LTV / liability`, capped at
//!   `maxLiquidationDiscount`, and receives collateral worth the repaid value over the discount.
//!   It executes only if selling that collateral into its venue beats the debt it took over
//!   (repaid at once at the asset's market price) and gas;
//! - when the liquidation leaves the violator with no collateral, the rest of its debt is
//!   socialised to depositors (`CFG_DONT_SOCIALIZE_DEBT` unset): realised bad debt. A violator
//!   with debt and nothing left to seize is cleared by a keeper's zero-repay liquidation, which
//!   socialises the debt at the cost of gas (the vault's rule; no sale is needed);
//! - a borrower liquidatable at market prices but not by the oracles is a missed liquidation
//!   (oracle above market); economic bad debt is liability over collateral at market prices
//!   (unadjusted), summed over borrowers, in the vault's 18-decimal unit of account.

use super::{
    Engine,
    comet::answer_of,
    lending::Miss,
    log::Quantity,
    model, usd,
    world::{OracleState, whole},
};
use crate::{
    Result,
    models::{EULER_LIQUIDATOR, euler_price, euler_vault},
    report::{EventKind, MissReason},
    snapshot::{EulerVaultSpec, Snapshot},
};
use alloy_primitives::{Address, U256};
use faultline_core::{Rounding, math::mul_div};
use faultline_lending::{LendingMarket, euler::EulerVault};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

/// One collateral of a live Euler vault.
#[derive(Debug, Clone)]
pub(crate) struct EulerCollateralLive {
    pub(crate) token: String,
    pub(crate) oracle: String,
    pub(crate) decimals: u8,
}

/// An Euler v2 vault and the cascade's bookkeeping on it.
#[derive(Debug, Clone)]
pub(crate) struct EulerLive {
    pub(crate) name: String,
    pub(crate) vault: EulerVault,
    pub(crate) asset: String,
    pub(crate) asset_oracle: String,
    pub(crate) asset_decimals: u8,
    pub(crate) collaterals: Vec<EulerCollateralLive>,
    /// Accounts with debt at the start, in snapshot order.
    pub(crate) borrowers: Vec<Address>,
    /// Borrowers whose missed liquidation has been logged (logged once each).
    pub(crate) missed: BTreeSet<Address>,
    pub(crate) missed_count: u64,
    pub(crate) liquidations: u64,
    pub(crate) realised_bad_debt_usd: Decimal,
    pub(crate) economic_bad_debt_usd: Decimal,
}

impl EulerLive {
    pub(crate) fn build(
        snapshot: &Snapshot,
        id: &str,
        name: &str,
        spec: &EulerVaultSpec,
        oracles: &BTreeMap<String, OracleState>,
    ) -> Result<Self> {
        let answer = |oracle: &str| answer_of(id, oracles, oracle);
        let vault = euler_vault(snapshot, id, spec, &answer)?;
        let decimals =
            |token: &str| snapshot.tokens.iter().find(|t| t.id == token).map_or(0, |t| t.decimals);
        Ok(Self {
            name: name.to_owned(),
            vault,
            asset: spec.asset.clone(),
            asset_oracle: spec.asset_oracle.clone(),
            asset_decimals: decimals(&spec.asset),
            collaterals: spec
                .collaterals
                .iter()
                .map(|c| EulerCollateralLive {
                    token: c.token.clone(),
                    oracle: c.oracle.clone(),
                    decimals: decimals(&c.token),
                })
                .collect(),
            borrowers: spec
                .positions
                .iter()
                .filter(|p| !p.debt.0.is_zero())
                .map(|p| p.account.0)
                .collect(),
            missed: BTreeSet::new(),
            missed_count: 0,
            liquidations: 0,
            realised_bad_debt_usd: Decimal::ZERO,
            economic_bad_debt_usd: Decimal::ZERO,
        })
    }
}

/// `calculateMaxLiquidation`'s test: liability above zero and collateral at the liquidation LTV
/// not above it.
fn violates(vault: &EulerVault, id: &str, account: Address) -> Result<bool> {
    let (collateral, liability) = vault.liquidity(account, true).map_err(|e| model(id, e))?;
    Ok(!liability.is_zero() && collateral <= liability)
}

impl Engine<'_> {
    /// One pass over every Euler vault.
    pub(super) fn run_euler(&mut self) -> Result<()> {
        for id in self.world.euler.keys().cloned().collect::<Vec<_>>() {
            let by_oracle = self.euler_priced(&id, false)?;
            if let Some(m) = self.world.euler.get_mut(&id) {
                m.vault = by_oracle;
            }
            let mut at_market = self.euler_priced(&id, true)?;
            for borrower in self.world.euler[&id].borrowers.clone() {
                if self.visit_euler_borrower(&id, borrower, &at_market)? {
                    // A sale moved a price: value the rest at the new one.
                    at_market = self.euler_priced(&id, true)?;
                }
            }
            self.account_euler_losses(&id)?;
        }
        Ok(())
    }

    /// The vault as it stands, priced by its oracles' answers or (`at_market`) by the market.
    fn euler_priced(&self, id: &str, at_market: bool) -> Result<EulerVault> {
        let m = &self.world.euler[id];
        let usd = |token: &str, oracle: &str| -> Result<Decimal> {
            if at_market {
                Ok(self.world.tokens[token].price)
            } else {
                answer_of(id, &self.world.oracles, oracle)
            }
        };
        let mut vault = m.vault.clone();
        vault.liability_price =
            Some(euler_price(id, usd(&m.asset, &m.asset_oracle)?, m.asset_decimals)?);
        for (c, live) in vault.collaterals.iter_mut().zip(&m.collaterals) {
            c.price = euler_price(id, usd(&live.token, &live.oracle)?, live.decimals)?;
        }
        Ok(vault)
    }

    /// The collateral with the largest value at the vault's oracles (ties to the lower index),
    /// if the account holds any.
    fn largest_euler_collateral(&self, id: &str, account: Address) -> Result<Option<usize>> {
        let vault = &self.world.euler[id].vault;
        let mut best: Option<(U256, usize)> = None;
        for (i, c) in vault.collaterals.iter().enumerate() {
            let balance = vault.collateral(account, i);
            if balance.is_zero() {
                continue;
            }
            let value =
                mul_div(balance, c.price, U256::from(10u8).pow(U256::from(18u8)), Rounding::Down)
                    .map_err(|e| model(id, e))?;
            if best.is_none_or(|(v, _)| value > v) {
                best = Some((value, i));
            }
        }
        Ok(best.map(|(_, i)| i))
    }

    /// Visits one borrower; `true` when a liquidation sold collateral.
    fn visit_euler_borrower(
        &mut self,
        id: &str,
        borrower: Address,
        at_market: &EulerVault,
    ) -> Result<bool> {
        let m = &self.world.euler[id];
        if m.vault.debt(borrower).is_zero() {
            return Ok(false);
        }
        let by_market = LendingMarket::health(at_market, borrower).map_err(|e| model(id, e))?;
        let debt_usd = whole(id, by_market.debt_value, 18)?;
        let collateral_usd = whole(id, by_market.collateral_value, 18)?;
        let chosen = self.largest_euler_collateral(id, borrower)?;
        let m = &self.world.euler[id];
        let mut causes = Vec::new();
        if let Some(i) = chosen {
            causes.push(Quantity::Oracle(m.collaterals[i].oracle.clone()));
            causes.push(Quantity::Price(m.collaterals[i].token.clone()));
        }
        causes.push(Quantity::Oracle(m.asset_oracle.clone()));
        let valued = (debt_usd, collateral_usd);
        if !violates(&m.vault, id, borrower)? {
            if violates(at_market, id, borrower)? {
                self.euler_miss(id, borrower, MissReason::OracleAboveMarket, valued, &causes);
            }
            return Ok(false);
        }
        if m.collaterals.is_empty() {
            self.euler_miss(id, borrower, MissReason::Unprofitable, valued, &causes);
            return Ok(false);
        }
        // With nothing to seize, the liquidation is a keeper's zero-repay socialisation.
        let index = chosen.unwrap_or(0);
        let mut draft = m.vault.clone();
        let out = draft
            .liquidate(EULER_LIQUIDATOR, borrower, index, U256::MAX, U256::ZERO)
            .map_err(|e| model(id, e))?;
        let collateral = m.collaterals[index].clone();
        let asset_usd = self.world.tokens[&m.asset].price;
        let repaid = whole(id, out.repay, m.asset_decimals)?;
        let repaid_usd = repaid * asset_usd;
        let sold = whole(id, out.yield_balance, collateral.decimals)?;
        let gas = self.scenario.engine.liquidation_gas_usd;
        let venue_id = self.world.tokens[&collateral.token].venue.clone();
        let proceeds = if sold.is_zero() {
            Decimal::ZERO
        } else {
            let Some(venue_id) = &venue_id else {
                self.euler_miss(id, borrower, MissReason::NoLiquidity, valued, &causes);
                return Ok(false);
            };
            let venue = &self.world.venues[venue_id];
            let quote_usd = self.world.tokens[&venue.quote].price;
            match venue.venue.quote_sell(sold) {
                Ok(sale) => sale.proceeds * quote_usd,
                Err(_) => {
                    self.euler_miss(id, borrower, MissReason::NoLiquidity, valued, &causes);
                    return Ok(false);
                }
            }
        };
        let profit = proceeds - repaid_usd - gas;
        let keeper =
            out.repay.is_zero() && out.yield_balance.is_zero() && !out.socialized.is_zero();
        if profit <= Decimal::ZERO && !keeper {
            self.euler_miss(id, borrower, MissReason::Unprofitable, valued, &causes);
            return Ok(false);
        }
        // Execute: the liquidator repays the debt it took over from its own funds and withdraws
        // the collateral it received, to sell it.
        if !out.repay.is_zero() {
            draft.repay(EULER_LIQUIDATOR, U256::MAX).map_err(|e| model(id, e))?;
        }
        draft.set_collateral(EULER_LIQUIDATOR, index, U256::ZERO).map_err(|e| model(id, e))?;
        let bad_debt_usd = whole(id, out.socialized, m.asset_decimals)? * asset_usd;
        let name = m.name.clone();
        if let Some(m) = self.world.euler.get_mut(id) {
            m.vault = draft;
            m.liquidations += 1;
            m.realised_bad_debt_usd += bad_debt_usd;
        }
        let summary = format!(
            "{name}: {borrower} liquidated, {} {} debt taken over and repaid, {} {} seized{}",
            usd(repaid_usd),
            self.world.euler[id].asset,
            usd(sold * self.world.tokens[&collateral.token].price),
            collateral.token,
            if bad_debt_usd.is_zero() {
                String::new()
            } else {
                format!(", {} socialised to depositors", usd(bad_debt_usd))
            }
        );
        let kind = EventKind::Liquidation {
            borrower: borrower.to_string(),
            repaid_usd,
            seized_usd: proceeds,
            profit_usd: profit,
            bad_debt_usd,
        };
        let event = self.log.record(id, kind, &causes, summary);
        if !bad_debt_usd.is_zero() {
            self.log.mark(Quantity::MarketLoss(id.to_owned()), event);
        }
        let (Some(venue_id), false) = (venue_id, sold.is_zero()) else { return Ok(false) };
        if let Some(v) = self.world.venues.get_mut(&venue_id) {
            v.venue.sell(sold)?;
        }
        self.log.mark(Quantity::Liquidity(venue_id.clone()), event);
        self.refresh_price(
            &collateral.token,
            &[Quantity::Liquidity(venue_id)],
            "liquidation sale",
        )?;
        Ok(true)
    }

    fn euler_miss(
        &mut self,
        id: &str,
        borrower: Address,
        reason: MissReason,
        (debt_usd, collateral_usd): (Decimal, Decimal),
        causes: &[Quantity],
    ) {
        let Some(m) = self.world.euler.get_mut(id) else { return };
        if !m.missed.insert(borrower) {
            return;
        }
        m.missed_count += 1;
        let name = m.name.clone();
        let miss = Miss {
            borrower,
            reason,
            debt_usd,
            collateral_usd,
            oracle_says_healthy: "the vault's oracles still report it healthy",
        };
        self.log_miss(id, &name, &miss, causes);
    }

    /// Economic bad debt: the sum over borrowers of liability less collateral at market prices
    /// (the vault's `getQuote` arithmetic, unadjusted by LTV), where positive.
    fn account_euler_losses(&mut self, id: &str) -> Result<()> {
        let at_market = self.euler_priced(id, true)?;
        let m = &self.world.euler[id];
        let mut uncovered_units = U256::ZERO;
        for &borrower in &m.borrowers {
            let h = LendingMarket::health(&at_market, borrower).map_err(|e| model(id, e))?;
            uncovered_units += h.debt_value.saturating_sub(h.collateral_value);
        }
        let uncovered = whole(id, uncovered_units, 18)?;
        let mut causes: Vec<Quantity> =
            m.collaterals.iter().map(|c| Quantity::Price(c.token.clone())).collect();
        causes.push(Quantity::MarketLoss(id.to_owned()));
        let (name, old) = (m.name.clone(), m.economic_bad_debt_usd);
        if let Some(m) = self.world.euler.get_mut(id) {
            m.economic_bad_debt_usd = uncovered;
        }
        self.log_uncovered(id, &name, old, uncovered, &causes);
        Ok(())
    }
}
