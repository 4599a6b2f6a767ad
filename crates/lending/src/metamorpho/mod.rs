//! MetaMorpho vaults over Morpho Blue markets, mirroring `morpho-org/metamorpho` (v1.0,
//! `MetaMorpho.sol`) and `morpho-org/metamorpho-v1.1` (`MetaMorphoV1_1.sol`): total assets as the
//! sum of the vault's expected supply in its withdraw-queue markets, the performance fee minted as
//! shares, ERC-4626 conversion with the decimals offset, and how much a depositor can actually
//! withdraw given each market's liquidity (`_maxWithdraw`, `_simulateWithdrawMorpho`).
//!
//! Deposits and withdrawals move liquidity through the queues ([`allocation`]: `_supplyMorpho`,
//! `_withdrawMorpho`, `_maxDeposit`, `_simulateWithdrawMorpho`); [`loader`] reads the real vaults
//! and their allocations from the Morpho API exports.
//!
//! The two versions differ on bad debt: v1.0 lets `totalAssets` fall, so the share price drops at
//! once; v1.1 books the shortfall as `lostAssets` and keeps the share price, so the loss stays as an
//! unbacked claim that the last depositors to leave end up bearing.

pub mod allocation;
pub mod loader;

pub use allocation::VaultLiquidity;
pub use loader::{
    Allocation, Exposure, LoadedVault, VaultFixture, VaultMarket, load_vault_allocations,
    load_vaults,
};

use crate::{Error, Result, morpho::MorphoMarket};
use alloy_primitives::{Address, U256};
use faultline_core::{
    Rounding,
    math::{morpho::to_assets_down, mul_div_full, pow10, wad_ray::WAD},
};
use std::collections::BTreeMap;

/// `MAX_FEE` (50%, WAD).
pub const MAX_FEE: U256 = U256::from_limbs([500_000_000_000_000_000, 0, 0, 0]);
/// `MAX_QUEUE_LENGTH` (30).
pub const MAX_QUEUE_LENGTH: usize = 30;

/// The custom errors MetaMorpho reverts with (`ErrorsLib.sol`), and OpenZeppelin's ERC-20 one.
pub mod reason {
    /// `AllCapsReached`: a deposit finds no room in the supply queue's markets.
    pub const ALL_CAPS_REACHED: &str = "AllCapsReached";
    /// `NotEnoughLiquidity`: the withdraw queue's markets cannot pay the withdrawal out.
    pub const NOT_ENOUGH_LIQUIDITY: &str = "NotEnoughLiquidity";
    /// `MaxQueueLengthExceeded`.
    pub const MAX_QUEUE_LENGTH_EXCEEDED: &str = "MaxQueueLengthExceeded";
    /// `ERC20InsufficientBalance`: the owner burns more shares than it holds.
    pub const INSUFFICIENT_BALANCE: &str = "ERC20InsufficientBalance";
}

/// Which MetaMorpho.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VaultVersion {
    /// v1.0: bad debt lowers `totalAssets` immediately.
    V1_0,
    /// v1.1: bad debt is booked in `lostAssets`; `totalAssets` does not fall.
    V1_1,
}

/// A vault and the markets of its withdraw queue (each as the vault sees it: its supply shares are
/// the market position of the vault's address).
#[derive(Debug, Clone)]
pub struct MetaMorphoVault {
    /// Version.
    pub version: VaultVersion,
    /// The vault's address (its position in each market).
    pub address: Address,
    /// `DECIMALS_OFFSET = max(0, 18 − asset decimals)`.
    pub decimals_offset: u8,
    /// Performance fee, WAD (at most 0.5e18).
    pub fee: U256,
    /// Vault shares outstanding.
    pub total_supply: U256,
    /// `lastTotalAssets`.
    pub last_total_assets: U256,
    /// `lostAssets` (v1.1).
    pub lost_assets: U256,
    /// The withdraw queue.
    pub withdraw_queue: Vec<MorphoMarket>,
    /// `config[id].cap` of each withdraw-queue market, in the same order (a missing entry is a
    /// cap of 0: the market takes no new deposits).
    pub caps: Vec<U256>,
    /// The supply queue, as indices into `withdraw_queue` (every supply-queue market is enabled,
    /// hence in the withdraw queue; duplicates are allowed, as on chain).
    pub supply_queue: Vec<usize>,
    /// `feeRecipient`: receives the fee shares.
    pub fee_recipient: Address,
    /// Share balances.
    pub balances: BTreeMap<Address, U256>,
}

impl MetaMorphoVault {
    /// An empty vault (no markets, no shares) for an asset with `asset_decimals` decimals:
    /// `DECIMALS_OFFSET = 18 − decimals` floored at 0, as the constructor sets it.
    pub fn new(
        version: VaultVersion,
        address: Address,
        asset_decimals: u8,
        fee: U256,
    ) -> Result<Self> {
        if fee > MAX_FEE {
            return Err(Error::invalid("fee", "at most 0.5e18 (MAX_FEE)", fee));
        }
        Ok(Self {
            version,
            address,
            decimals_offset: 18u8.saturating_sub(asset_decimals),
            fee,
            total_supply: U256::ZERO,
            last_total_assets: U256::ZERO,
            lost_assets: U256::ZERO,
            withdraw_queue: Vec::new(),
            caps: Vec::new(),
            supply_queue: Vec::new(),
            fee_recipient: Address::ZERO,
            balances: BTreeMap::new(),
        })
    }

    /// Adds `market` at the end of the withdraw queue with supply cap `cap` (`submitCap` then
    /// `acceptCap` enable it) and, with a non-zero cap, at the end of the supply queue
    /// (`setSupplyQueue`); returns its withdraw-queue index.
    pub fn enable_market(&mut self, market: MorphoMarket, cap: U256) -> Result<usize> {
        if self.withdraw_queue.len() >= MAX_QUEUE_LENGTH {
            return Err(Error::revert(
                crate::Protocol::MetaMorpho,
                reason::MAX_QUEUE_LENGTH_EXCEEDED,
            ));
        }
        let i = self.withdraw_queue.len();
        self.withdraw_queue.push(market);
        self.caps.resize(i, U256::ZERO);
        self.caps.push(cap);
        if !cap.is_zero() {
            self.supply_queue.push(i);
        }
        Ok(i)
    }

    /// An account's vault shares.
    pub fn balance_of(&self, account: Address) -> U256 {
        self.balances.get(&account).copied().unwrap_or_default()
    }

    /// `MORPHO.expectedSupplyAssets(market, vault)` for each queued market: interest accrued to the
    /// market's clock, shares valued down.
    fn real_total_assets(&self) -> Result<U256> {
        let mut total = U256::ZERO;
        for market in &self.withdraw_queue {
            let mut accrued = market.clone();
            accrued.accrue()?;
            let s = accrued.state();
            let assets = to_assets_down(
                accrued.position(self.address).supply_shares,
                s.total_supply_assets,
                s.total_supply_shares,
            )?;
            total = total.checked_add(assets).ok_or(Error::Arithmetic(
                faultline_core::Error::Overflow { op: "realTotalAssets" },
            ))?;
        }
        Ok(total)
    }

    /// `_accruedFeeAndAssets` (v1.1) / `_accruedFeeShares` (v1.0): `(feeShares, newTotalAssets,
    /// newLostAssets)`.
    pub fn accrued_fee_and_assets(&self) -> Result<(U256, U256, U256)> {
        let real = self.real_total_assets()?;
        let (new_total, new_lost) = match self.version {
            VaultVersion::V1_0 => (real, U256::ZERO),
            VaultVersion::V1_1 => {
                let floor = self.last_total_assets.saturating_sub(self.lost_assets);
                let lost =
                    if real < floor { self.last_total_assets - real } else { self.lost_assets };
                (
                    real.checked_add(lost).ok_or(Error::Arithmetic(
                        faultline_core::Error::Overflow { op: "newTotalAssets" },
                    ))?,
                    lost,
                )
            }
        };
        let interest = new_total.saturating_sub(self.last_total_assets);
        let mut fee_shares = U256::ZERO;
        if !interest.is_zero() && !self.fee.is_zero() {
            let fee_assets = mul_div_full(interest, self.fee, WAD, Rounding::Down)?;
            fee_shares = self.to_shares(
                fee_assets,
                self.total_supply,
                new_total - fee_assets,
                Rounding::Down,
            )?;
        }
        Ok((fee_shares, new_total, new_lost))
    }

    fn offset(&self) -> Result<U256> {
        pow10(u32::from(self.decimals_offset))
            .ok_or_else(|| Error::invalid("decimals_offset", "at most 77", self.decimals_offset))
    }

    fn to_shares(
        &self,
        assets: U256,
        supply: U256,
        total_assets: U256,
        rounding: Rounding,
    ) -> Result<U256> {
        let (s, t) =
            (supply.checked_add(self.offset()?), total_assets.checked_add(U256::from(1u8)));
        let (Some(s), Some(t)) = (s, t) else {
            return Err(Error::Arithmetic(faultline_core::Error::Overflow {
                op: "convertToShares",
            }));
        };
        Ok(mul_div_full(assets, s, t, rounding)?)
    }

    fn to_assets(
        &self,
        shares: U256,
        supply: U256,
        total_assets: U256,
        rounding: Rounding,
    ) -> Result<U256> {
        let (s, t) =
            (supply.checked_add(self.offset()?), total_assets.checked_add(U256::from(1u8)));
        let (Some(s), Some(t)) = (s, t) else {
            return Err(Error::Arithmetic(faultline_core::Error::Overflow {
                op: "convertToAssets",
            }));
        };
        Ok(mul_div_full(shares, t, s, rounding)?)
    }

    /// `totalAssets()`.
    pub fn total_assets(&self) -> Result<U256> {
        Ok(self.accrued_fee_and_assets()?.1)
    }

    /// `convertToAssets(shares)` after the fee accrual, rounded down.
    pub fn convert_to_assets(&self, shares: U256) -> Result<U256> {
        let (fee_shares, total, _) = self.accrued_fee_and_assets()?;
        self.to_assets(shares, self.total_supply.saturating_add(fee_shares), total, Rounding::Down)
    }
}
