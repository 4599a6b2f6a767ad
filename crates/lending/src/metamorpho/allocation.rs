//! Moving liquidity through a MetaMorpho vault's queues, mirroring `MetaMorpho.sol` (v1.0,
//! `morpho-org/metamorpho` @ `163eb2a`) and `MetaMorphoV1_1.sol` (`metamorpho-v1.1` @ `0b3d2f4`):
//!
//! - `deposit`/`mint` accrue the fee, convert with the vault's rounding (deposit floors the
//!   shares, mint ceils the assets) and `_supplyMorpho`: down the supply queue, each market filled
//!   up to its cap (the vault's supply valued *up* so the room is rounded down), a market that
//!   reverts skipped (the contract's try/catch), `AllCapsReached` when assets are left over;
//! - `withdraw`/`redeem` convert (withdraw ceils the shares, redeem floors the assets), lower
//!   `lastTotalAssets` and `_withdrawMorpho`: down the withdraw queue, each market giving
//!   `min(the vault's supply assets, totalSupplyAssets − totalBorrowAssets)`, `NotEnoughLiquidity`
//!   when that does not add up; then the owner's shares are burnt (`ERC20InsufficientBalance`);
//! - `_maxDeposit`, `maxMint`, `_maxWithdraw` through `_simulateWithdrawMorpho`, `maxRedeem`.
//!
//! The two versions run the same flows; they differ in the accrual before them (v1.0 `_accrueFee`,
//! v1.1 `_accrueInterest`, which also books `lostAssets`), which [`MetaMorphoVault::accrued_fee_and_assets`]
//! already mirrors. The market's liquidity is taken as `totalSupplyAssets − totalBorrowAssets`: the
//! contract also caps it by Morpho's token balance, which only binds inside a flash loan.

use super::{MetaMorphoVault, VaultVersion, reason};
use crate::{Error, Protocol, Result};
use alloy_primitives::{Address, U256};
use faultline_core::{
    Rounding,
    math::morpho::{to_assets_down, to_assets_up, zero_floor_sub},
};
use std::collections::BTreeMap;

const fn revert(reason: &'static str) -> Error {
    Error::revert(Protocol::MetaMorpho, reason)
}

fn add(a: U256, b: U256, op: &'static str) -> Result<U256> {
    a.checked_add(b).ok_or(Error::Arithmetic(faultline_core::Error::Overflow { op }))
}

/// How much of a vault's assets can leave now, given each market's liquidity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultLiquidity {
    /// `totalAssets()`: what the depositors are owed in aggregate.
    pub total_assets: U256,
    /// The vault's supply in each withdraw-queue market (`expectedSupplyAssets`, valued down).
    pub supplied: Vec<U256>,
    /// What each withdraw-queue market can pay the vault now:
    /// `min(supplied, totalSupplyAssets − totalBorrowAssets)`.
    pub withdrawable: Vec<U256>,
}

impl VaultLiquidity {
    /// What all depositors together could take out now (the sum over the queue, at most the
    /// total assets).
    pub fn withdrawable_total(&self) -> U256 {
        self.withdrawable
            .iter()
            .fold(U256::ZERO, |a, b| a.saturating_add(*b))
            .min(self.total_assets)
    }

    /// What the depositors are owed but cannot take out now (borrowed out, or, in v1.1, lost).
    pub fn stuck(&self) -> U256 {
        self.total_assets.saturating_sub(self.withdrawable_total())
    }
}

impl MetaMorphoVault {
    /// Runs `f` on a copy and keeps it only on success: a revert leaves no trace.
    fn transact<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let mut draft = self.clone();
        let out = f(&mut draft)?;
        *self = draft;
        Ok(out)
    }

    /// v1.0 `_accrueFee` (the fee shares minted) / v1.1 `_accrueInterest` (also `lastTotalAssets`
    /// and `lostAssets` updated); returns `newTotalAssets`. The v1.0 callers set
    /// `lastTotalAssets` themselves right after, so both versions leave it at the new total.
    fn accrue_fee(&mut self) -> Result<U256> {
        let (fee_shares, new_total, new_lost) = self.accrued_fee_and_assets()?;
        if self.version == VaultVersion::V1_1 {
            self.lost_assets = new_lost;
        }
        self.last_total_assets = new_total;
        if !fee_shares.is_zero() {
            self.mint_shares(self.fee_recipient, fee_shares)?;
        }
        Ok(new_total)
    }

    fn mint_shares(&mut self, to: Address, shares: U256) -> Result<()> {
        self.total_supply = add(self.total_supply, shares, "totalSupply")?;
        let balance = add(self.balance_of(to), shares, "balanceOf")?;
        self.balances.insert(to, balance);
        Ok(())
    }

    fn burn_shares(&mut self, from: Address, shares: U256) -> Result<()> {
        let balance = self.balance_of(from);
        if balance < shares {
            return Err(revert(reason::INSUFFICIENT_BALANCE));
        }
        self.balances.insert(from, balance - shares);
        // totalSupply is the sum of the balances, so it cannot go below `shares`.
        self.total_supply = self.total_supply.saturating_sub(shares);
        Ok(())
    }

    /// `deposit(assets, receiver)`: returns the shares minted to `receiver`.
    pub fn deposit(&mut self, receiver: Address, assets: U256) -> Result<U256> {
        self.transact(|v| {
            let total = v.accrue_fee()?;
            let shares = v.to_shares(assets, v.total_supply, total, Rounding::Down)?;
            v.finish_deposit(receiver, assets, shares)?;
            Ok(shares)
        })
    }

    /// `mint(shares, receiver)`: returns the assets taken.
    pub fn mint(&mut self, receiver: Address, shares: U256) -> Result<U256> {
        self.transact(|v| {
            let total = v.accrue_fee()?;
            let assets = v.to_assets(shares, v.total_supply, total, Rounding::Up)?;
            v.finish_deposit(receiver, assets, shares)?;
            Ok(assets)
        })
    }

    /// `_deposit`: mint, `_supplyMorpho`, then `lastTotalAssets += assets`.
    fn finish_deposit(&mut self, receiver: Address, assets: U256, shares: U256) -> Result<()> {
        self.mint_shares(receiver, shares)?;
        self.supply_morpho(assets)?;
        self.last_total_assets = add(self.last_total_assets, assets, "lastTotalAssets")?;
        Ok(())
    }

    /// `withdraw(assets, receiver, owner)`: returns the shares burnt from `owner`.
    pub fn withdraw(&mut self, owner: Address, assets: U256) -> Result<U256> {
        self.transact(|v| {
            let total = v.accrue_fee()?;
            let shares = v.to_shares(assets, v.total_supply, total, Rounding::Up)?;
            v.finish_withdraw(owner, assets, shares)?;
            Ok(shares)
        })
    }

    /// `redeem(shares, receiver, owner)`: returns the assets paid out.
    pub fn redeem(&mut self, owner: Address, shares: U256) -> Result<U256> {
        self.transact(|v| {
            let total = v.accrue_fee()?;
            let assets = v.to_assets(shares, v.total_supply, total, Rounding::Down)?;
            v.finish_withdraw(owner, assets, shares)?;
            Ok(assets)
        })
    }

    /// `lastTotalAssets = lastTotalAssets.zeroFloorSub(assets)`, `_withdrawMorpho`, then the burn.
    fn finish_withdraw(&mut self, owner: Address, assets: U256, shares: U256) -> Result<()> {
        self.last_total_assets = zero_floor_sub(self.last_total_assets, assets);
        self.withdraw_morpho(assets)?;
        self.burn_shares(owner, shares)
    }

    /// `_supplyMorpho(assets)`.
    fn supply_morpho(&mut self, mut assets: U256) -> Result<()> {
        let vault = self.address;
        for &i in &self.supply_queue {
            let cap = self.caps.get(i).copied().unwrap_or_default();
            if cap.is_zero() {
                continue;
            }
            let market = self.withdraw_queue.get_mut(i).ok_or_else(|| {
                Error::invalid("supply_queue", "indices into the withdraw queue", i)
            })?;
            market.accrue()?;
            let s = *market.state();
            // Rounded up so that the room left under the cap is rounded down.
            let supplied = to_assets_up(
                market.position(vault).supply_shares,
                s.total_supply_assets,
                s.total_supply_shares,
            )?;
            let to_supply = zero_floor_sub(cap, supplied).min(assets);
            // A market that reverts is skipped (try/catch in the contract).
            if !to_supply.is_zero() && market.supply(vault, to_supply, U256::ZERO).is_ok() {
                assets -= to_supply;
            }
            if assets.is_zero() {
                return Ok(());
            }
        }
        if assets.is_zero() { Ok(()) } else { Err(revert(reason::ALL_CAPS_REACHED)) }
    }

    /// `_withdrawMorpho(assets)`.
    fn withdraw_morpho(&mut self, mut assets: U256) -> Result<()> {
        let vault = self.address;
        for market in &mut self.withdraw_queue {
            market.accrue()?;
            let s = *market.state();
            let supplied = to_assets_down(
                market.position(vault).supply_shares,
                s.total_supply_assets,
                s.total_supply_shares,
            )?;
            let liquidity = zero_floor_sub(s.total_supply_assets, s.total_borrow_assets);
            let to_withdraw = supplied.min(liquidity).min(assets);
            if !to_withdraw.is_zero() && market.withdraw(vault, to_withdraw, U256::ZERO).is_ok() {
                assets -= to_withdraw;
            }
            if assets.is_zero() {
                return Ok(());
            }
        }
        if assets.is_zero() { Ok(()) } else { Err(revert(reason::NOT_ENOUGH_LIQUIDITY)) }
    }

    /// Each withdraw-queue market's `(vault supply assets, withdrawable)` with interest accrued
    /// virtually (`expectedMarketBalances`).
    fn expected_withdrawable(&self) -> Result<Vec<(U256, U256)>> {
        self.withdraw_queue
            .iter()
            .map(|market| {
                let mut accrued = market.clone();
                accrued.accrue()?;
                let s = *accrued.state();
                let supplied = to_assets_down(
                    accrued.position(self.address).supply_shares,
                    s.total_supply_assets,
                    s.total_supply_shares,
                )?;
                let liquidity = zero_floor_sub(s.total_supply_assets, s.total_borrow_assets);
                Ok((supplied, supplied.min(liquidity)))
            })
            .collect()
    }

    /// `_simulateWithdrawMorpho(assets)`: what of `assets` the withdraw queue could *not* pay out.
    pub fn simulate_withdraw_morpho(&self, assets: U256) -> Result<U256> {
        let mut remaining = assets;
        for (_, withdrawable) in self.expected_withdrawable()? {
            remaining = zero_floor_sub(remaining, withdrawable);
            if remaining.is_zero() {
                break;
            }
        }
        Ok(remaining)
    }

    /// `maxDeposit` (`_maxDeposit`): the room under the caps of the supply queue's markets, each
    /// vault supply valued up. Duplicates in the queue count twice, as on chain.
    pub fn max_deposit(&self) -> Result<U256> {
        let mut total = U256::ZERO;
        for &i in &self.supply_queue {
            let cap = self.caps.get(i).copied().unwrap_or_default();
            if cap.is_zero() {
                continue;
            }
            let market = self.withdraw_queue.get(i).ok_or_else(|| {
                Error::invalid("supply_queue", "indices into the withdraw queue", i)
            })?;
            let mut accrued = market.clone();
            accrued.accrue()?;
            let s = *accrued.state();
            let supplied = to_assets_up(
                accrued.position(self.address).supply_shares,
                s.total_supply_assets,
                s.total_supply_shares,
            )?;
            total = add(total, zero_floor_sub(cap, supplied), "totalSuppliable")?;
        }
        Ok(total)
    }

    /// `maxMint`: `maxDeposit` converted to shares, rounded down.
    pub fn max_mint(&self) -> Result<U256> {
        self.convert_to_shares(self.max_deposit()?)
    }

    /// `convertToShares(assets)` after the fee accrual, rounded down.
    pub fn convert_to_shares(&self, assets: U256) -> Result<U256> {
        let (fee_shares, total, _) = self.accrued_fee_and_assets()?;
        self.to_shares(
            assets,
            add(self.total_supply, fee_shares, "totalSupply")?,
            total,
            Rounding::Down,
        )
    }

    /// `_maxWithdraw(owner)`: `(assets, newTotalSupply, newTotalAssets)`.
    fn max_withdraw_with_totals(&self, owner: Address) -> Result<(U256, U256, U256)> {
        let (fee_shares, total, _) = self.accrued_fee_and_assets()?;
        let supply = add(self.total_supply, fee_shares, "totalSupply")?;
        let assets = self.to_assets(self.balance_of(owner), supply, total, Rounding::Down)?;
        let remaining = self.simulate_withdraw_morpho(assets)?;
        Ok((assets - remaining.min(assets), supply, total))
    }

    /// `maxWithdraw(owner)`: the owner's assets, less what the withdraw queue's markets cannot pay
    /// out now.
    pub fn max_withdraw(&self, owner: Address) -> Result<U256> {
        Ok(self.max_withdraw_with_totals(owner)?.0)
    }

    /// `maxRedeem(owner)`: `maxWithdraw` converted to shares, rounded down.
    pub fn max_redeem(&self, owner: Address) -> Result<U256> {
        let (assets, supply, total) = self.max_withdraw_with_totals(owner)?;
        self.to_shares(assets, supply, total, Rounding::Down)
    }

    /// What the vault owes and what its markets can pay out now, market by market.
    pub fn liquidity(&self) -> Result<VaultLiquidity> {
        let total_assets = self.total_assets()?;
        let (supplied, withdrawable) = self.expected_withdrawable()?.into_iter().unzip();
        Ok(VaultLiquidity { total_assets, supplied, withdrawable })
    }

    /// `maxWithdraw` of every share holder, each taken alone (the first to leave gets the
    /// liquidity; together they can take out no more than [`VaultLiquidity::withdrawable_total`]).
    pub fn depositor_liquidity(&self) -> Result<BTreeMap<Address, U256>> {
        self.balances.keys().map(|owner| Ok((*owner, self.max_withdraw(*owner)?))).collect()
    }
}
