//! ERC-4626 share math with OpenZeppelin's semantics, to the wei.
//!
//! Mirrors `OpenZeppelin/openzeppelin-contracts` `contracts/token/ERC20/extensions/ERC4626.sol`
//! (v5): conversions go through virtual shares and assets,
//!
//! ```text
//! _convertToShares(a, r) = a.mulDiv(totalSupply() + 10 ** _decimalsOffset(), totalAssets() + 1, r)
//! _convertToAssets(s, r) = s.mulDiv(totalAssets() + 1, totalSupply() + 10 ** _decimalsOffset(), r)
//! ```
//!
//! with `mulDiv` the 512-bit `Math.mulDiv` ([`mul_div_full`]). `previewDeposit` and
//! `previewRedeem` round down (Floor), `previewMint` and `previewWithdraw` round up (Ceil), so
//! the vault never gives out more than it takes in. `maxWithdraw(owner)` is
//! `convertToAssets(balanceOf(owner), Floor)` and `maxRedeem(owner)` is `balanceOf(owner)`; the
//! operations revert with the same custom errors when asked for more.
//!
//! `total_assets` is the vault's own accounting (`totalAssets()`): a strategy gain or a bad-debt
//! write-down changes it through [`Erc4626::set_total_assets`], a direct transfer through
//! [`Erc4626::donate`] (the inflation attack's first step).

use crate::{Error, Result};
use alloy_primitives::{Address, U256};
use faultline_core::{
    decimal::{Decimal, to_decimal},
    math::{Rounding, mul_div_full, pow10},
};
use std::collections::BTreeMap;

/// An ERC-4626 vault's totals and share balances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erc4626 {
    asset_decimals: u8,
    decimals_offset: u8,
    total_assets: U256,
    total_supply: U256,
    balances: BTreeMap<Address, U256>,
}

impl Erc4626 {
    /// An empty vault over an asset with `asset_decimals`, with OpenZeppelin's
    /// `_decimalsOffset()` (0 by default; the share token has `asset_decimals + offset` decimals).
    ///
    /// Fails as `decimals()` does when `asset_decimals + offset` overflows a `uint8` (the
    /// OpenZeppelin test "decimals overflow" with offsets 243, 250 and 255 over 18 decimals), and
    /// when `10 ** offset` does not fit 256 bits (offset above 77), where every conversion would
    /// panic.
    pub fn new(asset_decimals: u8, decimals_offset: u8) -> Result<Self> {
        if asset_decimals.checked_add(decimals_offset).is_none() {
            return Err(faultline_core::Error::Overflow { op: "ERC4626.decimals" }.into());
        }
        if pow10(u32::from(decimals_offset)).is_none() {
            return Err(faultline_core::Error::Overflow { op: "10 ** _decimalsOffset()" }.into());
        }
        Ok(Self {
            asset_decimals,
            decimals_offset,
            total_assets: U256::ZERO,
            total_supply: U256::ZERO,
            balances: BTreeMap::new(),
        })
    }

    /// `totalAssets()`.
    pub const fn total_assets(&self) -> U256 {
        self.total_assets
    }

    /// `totalSupply()`.
    pub const fn total_supply(&self) -> U256 {
        self.total_supply
    }

    /// `decimals()` of the share token: the asset's plus the offset.
    pub const fn decimals(&self) -> u8 {
        // Checked in `new`.
        self.asset_decimals.saturating_add(self.decimals_offset)
    }

    /// `balanceOf(owner)`.
    pub fn balance_of(&self, owner: Address) -> U256 {
        self.balances.get(&owner).copied().unwrap_or_default()
    }

    /// Share balances by holder, in address order.
    pub const fn balances(&self) -> &BTreeMap<Address, U256> {
        &self.balances
    }

    fn virtual_shares(&self) -> Result<U256> {
        let virtual_shares = pow10(u32::from(self.decimals_offset))
            .ok_or(faultline_core::Error::Overflow { op: "10 ** _decimalsOffset()" })?;
        Ok(self
            .total_supply
            .checked_add(virtual_shares)
            .ok_or(faultline_core::Error::Overflow { op: "totalSupply() + 10 ** offset" })?)
    }

    fn virtual_assets(&self) -> Result<U256> {
        Ok(self
            .total_assets
            .checked_add(U256::from(1u8))
            .ok_or(faultline_core::Error::Overflow { op: "totalAssets() + 1" })?)
    }

    /// `_convertToShares(assets, rounding)`.
    pub fn convert_to_shares_rounded(&self, assets: U256, rounding: Rounding) -> Result<U256> {
        Ok(mul_div_full(assets, self.virtual_shares()?, self.virtual_assets()?, rounding)?)
    }

    /// `_convertToAssets(shares, rounding)`.
    pub fn convert_to_assets_rounded(&self, shares: U256, rounding: Rounding) -> Result<U256> {
        Ok(mul_div_full(shares, self.virtual_assets()?, self.virtual_shares()?, rounding)?)
    }

    /// `convertToShares(assets)`: rounds down.
    pub fn convert_to_shares(&self, assets: U256) -> Result<U256> {
        self.convert_to_shares_rounded(assets, Rounding::Down)
    }

    /// `convertToAssets(shares)`: rounds down.
    pub fn convert_to_assets(&self, shares: U256) -> Result<U256> {
        self.convert_to_assets_rounded(shares, Rounding::Down)
    }

    /// `previewDeposit(assets)`: shares minted for `assets`, rounded down.
    pub fn preview_deposit(&self, assets: U256) -> Result<U256> {
        self.convert_to_shares_rounded(assets, Rounding::Down)
    }

    /// `previewMint(shares)`: assets charged for `shares`, rounded up.
    pub fn preview_mint(&self, shares: U256) -> Result<U256> {
        self.convert_to_assets_rounded(shares, Rounding::Up)
    }

    /// `previewWithdraw(assets)`: shares burned to take out `assets`, rounded up.
    pub fn preview_withdraw(&self, assets: U256) -> Result<U256> {
        self.convert_to_shares_rounded(assets, Rounding::Up)
    }

    /// `previewRedeem(shares)`: assets paid for `shares`, rounded down.
    pub fn preview_redeem(&self, shares: U256) -> Result<U256> {
        self.convert_to_assets_rounded(shares, Rounding::Down)
    }

    /// `maxWithdraw(owner)`: `convertToAssets(balanceOf(owner), Floor)`.
    pub fn max_withdraw(&self, owner: Address) -> Result<U256> {
        self.convert_to_assets(self.balance_of(owner))
    }

    /// `maxRedeem(owner)`: `balanceOf(owner)`.
    pub fn max_redeem(&self, owner: Address) -> U256 {
        self.balance_of(owner)
    }

    /// `deposit(assets, receiver)`: returns the shares minted.
    pub fn deposit(&mut self, assets: U256, receiver: Address) -> Result<U256> {
        let shares = self.preview_deposit(assets)?;
        self.enter(receiver, assets, shares)?;
        Ok(shares)
    }

    /// `mint(shares, receiver)`: returns the assets taken.
    pub fn mint(&mut self, shares: U256, receiver: Address) -> Result<U256> {
        let assets = self.preview_mint(shares)?;
        self.enter(receiver, assets, shares)?;
        Ok(assets)
    }

    /// `withdraw(assets, receiver, owner)`: returns the shares burned. Reverts with
    /// `ERC4626ExceededMaxWithdraw` above `maxWithdraw(owner)`.
    pub fn withdraw(&mut self, assets: U256, owner: Address) -> Result<U256> {
        if assets > self.max_withdraw(owner)? {
            return Err(Error::Erc4626Revert { reason: "ERC4626ExceededMaxWithdraw" });
        }
        let shares = self.preview_withdraw(assets)?;
        self.exit(owner, assets, shares)?;
        Ok(shares)
    }

    /// `redeem(shares, receiver, owner)`: returns the assets paid. Reverts with
    /// `ERC4626ExceededMaxRedeem` above `maxRedeem(owner)`.
    pub fn redeem(&mut self, shares: U256, owner: Address) -> Result<U256> {
        if shares > self.max_redeem(owner) {
            return Err(Error::Erc4626Revert { reason: "ERC4626ExceededMaxRedeem" });
        }
        let assets = self.preview_redeem(shares)?;
        self.exit(owner, assets, shares)?;
        Ok(assets)
    }

    /// Assets sent to the vault without minting shares: `totalAssets()` rises, the share price
    /// with it.
    pub fn donate(&mut self, assets: U256) -> Result<()> {
        self.total_assets = self
            .total_assets
            .checked_add(assets)
            .ok_or(faultline_core::Error::Overflow { op: "ERC4626 donate" })?;
        Ok(())
    }

    /// Sets `totalAssets()` as the vault's strategy now reports it (accrued yield, or a loss
    /// written down); shares are unchanged.
    pub const fn set_total_assets(&mut self, total_assets: U256) {
        self.total_assets = total_assets;
    }

    /// Mints shares with no assets (OpenZeppelin's test mock `$_mint`; a fee mint).
    pub fn mint_shares_unbacked(&mut self, to: Address, shares: U256) -> Result<()> {
        self.credit(to, shares)
    }

    /// Assets per whole share as a human figure with `places` decimals (`convertToAssets(10 **
    /// decimals())`, rounded down), the vault's reported NAV per share in asset units.
    pub fn share_price(&self, places: u32) -> Result<Decimal> {
        let one_share = pow10(u32::from(self.decimals()))
            .ok_or(faultline_core::Error::Overflow { op: "10 ** decimals()" })?;
        let assets = self.convert_to_assets(one_share)?;
        Ok(to_decimal(assets, self.asset_decimals, places, Rounding::Down)?)
    }

    fn enter(&mut self, receiver: Address, assets: U256, shares: U256) -> Result<()> {
        let total_assets = self
            .total_assets
            .checked_add(assets)
            .ok_or(faultline_core::Error::Overflow { op: "ERC4626 _deposit" })?;
        self.credit(receiver, shares)?;
        self.total_assets = total_assets;
        Ok(())
    }

    fn credit(&mut self, to: Address, shares: U256) -> Result<()> {
        let supply = self
            .total_supply
            .checked_add(shares)
            .ok_or(faultline_core::Error::Overflow { op: "ERC20 _mint" })?;
        let balance = self.balance_of(to) + shares; // <= supply, cannot overflow
        self.total_supply = supply;
        self.balances.insert(to, balance);
        Ok(())
    }

    fn exit(&mut self, owner: Address, assets: U256, shares: U256) -> Result<()> {
        let balance = self.balance_of(owner);
        let left = balance
            .checked_sub(shares)
            .ok_or(Error::Erc4626Revert { reason: "ERC20InsufficientBalance" })?;
        let total_assets = self
            .total_assets
            .checked_sub(assets)
            .ok_or(Error::Erc4626Revert { reason: "ERC20InsufficientBalance" })?;
        self.total_supply -= shares; // shares <= balance <= supply
        self.total_assets = total_assets;
        if left.is_zero() {
            self.balances.remove(&owner);
        } else {
            self.balances.insert(owner, left);
        }
        Ok(())
    }
}
