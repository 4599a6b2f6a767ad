//! MetaMorpho v1.0 and v1.1 vaults: asset, totals, fee and its recipient, queues, caps,
//! `lostAssets` (v1.1; its presence tells the version), and the vault's supply in every market of
//! its withdraw queue, accrued to the block as `MorphoBalancesLib.expectedSupplyAssets` does, so
//! the vault's total assets can be recomputed and checked against its own `totalAssets()`.
//!
//! Bindings written from the published interfaces `IMetaMorpho.sol` of `morpho-org/metamorpho`
//! and `IMetaMorphoV1_1.sol` of `morpho-org/metamorpho-v1.1` (and ERC-4626).

use crate::{
    Error, Result,
    chain::{Chain, PinnedBlock},
    multicall::{Call, decode, decode_outcome},
    readers::morpho::{MarketRead, read_markets},
};
use alloy::{
    primitives::{Address, B256, U256},
    sol,
};
use faultline_core::math::morpho::to_assets_down;
use std::collections::BTreeMap;

sol! {
    /// The MetaMorpho getters read here (v1.0 and v1.1 share them but `lostAssets`).
    interface IMetaMorpho {
        function asset() external view returns (address);
        function name() external view returns (string memory);
        function totalAssets() external view returns (uint256);
        function totalSupply() external view returns (uint256);
        function MORPHO() external view returns (address);
        function fee() external view returns (uint96);
        function feeRecipient() external view returns (address);
        function lastTotalAssets() external view returns (uint256);
        function lostAssets() external view returns (uint256);
        function supplyQueueLength() external view returns (uint256);
        function withdrawQueueLength() external view returns (uint256);
        function supplyQueue(uint256 i) external view returns (bytes32);
        function withdrawQueue(uint256 i) external view returns (bytes32);
        function config(bytes32 id) external view returns (uint184 cap, bool enabled, uint64 removableAt);
    }

    /// `decimals()` of the asset (for the vault's decimals offset).
    interface IAssetDecimals {
        function decimals() external view returns (uint8);
    }
}

/// `WAD`.
const WAD: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);
/// `ConstantsLib.MAX_QUEUE_LENGTH`.
const MAX_QUEUE_LENGTH: u64 = 30;

/// One market of the withdraw queue, as the vault holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    /// The Morpho Blue market.
    pub id: B256,
    /// `config(id).cap`, asset units.
    pub cap: U256,
    /// The vault's supply shares in it (`position(id, vault).supplyShares`).
    pub supply_shares: U256,
    /// Those shares in assets, accrued to the block (`expectedSupplyAssets`).
    pub supply_assets: U256,
    /// An idle market: no collateral, no oracle, no IRM (MetaMorpho parks idle assets there; it
    /// cannot be a lending market of the snapshot).
    pub idle: bool,
}

/// A MetaMorpho vault read at the pinned block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultRead {
    /// The vault.
    pub vault: Address,
    /// `name()`.
    pub name: String,
    /// `true` for v1.1 (it answers `lostAssets()`), `false` for v1.0.
    pub v1_1: bool,
    /// `asset()`.
    pub asset: Address,
    /// `MORPHO()`.
    pub morpho: Address,
    /// `totalAssets()`, accrued to the block by the vault itself.
    pub total_assets: U256,
    /// `totalSupply()` (shares minted so far).
    pub total_supply: U256,
    /// Fee shares `_accrueInterest` would mint now: `totalSupply() + fee_shares` is the supply
    /// the next transaction sees.
    pub fee_shares: U256,
    /// `fee()`, WAD.
    pub fee: U256,
    /// `feeRecipient()`.
    pub fee_recipient: Address,
    /// `lastTotalAssets()`.
    pub last_total_assets: U256,
    /// `lostAssets()` as stored (0 for v1.0).
    pub lost_assets_stored: U256,
    /// Lost assets as the next transaction books them (v1.1: a loss since the last interaction
    /// included; 0 for v1.0).
    pub lost_assets: U256,
    /// `supplyQueue`, in order.
    pub supply_queue: Vec<B256>,
    /// `withdrawQueue`, in order, with the vault's holdings.
    pub withdraw_queue: Vec<Allocation>,
}

fn label(vault: Address, call: &str) -> String {
    format!("metamorpho({vault}).{call}")
}

/// `(totalSupplyAssets, totalSupplyShares)` of `read` accrued to `block` (a market without an IRM
/// does not accrue), as `MorphoBalancesLib.expectedMarketBalances`.
fn expected_supply(read: &MarketRead, block: &PinnedBlock) -> Result<(U256, U256)> {
    if read.params.irm == Address::ZERO {
        return Ok((read.state.total_supply_assets, read.state.total_supply_shares));
    }
    let mut model = read.to_model(block.timestamp)?;
    model
        .accrue()
        .map_err(|source| Error::Model { what: format!("Morpho market {}", read.id), source })?;
    let s = model.state();
    Ok((s.total_supply_assets, s.total_supply_shares))
}

/// `assets · numerator / denominator`, rounded down, checked.
fn mul_div_down(what: &str, a: U256, numerator: U256, denominator: U256) -> Result<U256> {
    a.checked_mul(numerator).and_then(|p| p.checked_div(denominator)).ok_or_else(|| {
        Error::invalid(what, "a product that fits 256 bits and a divisor", "overflow")
    })
}

/// Reads the MetaMorpho vault at `vault`. A contract that does not answer MetaMorpho's getters
/// fails the read with an error naming it and the call.
pub async fn read_vault(chain: &Chain, vault: Address) -> Result<VaultRead> {
    let block = *chain.block();
    let l = |call: &str| label(vault, call);
    let calls = vec![
        Call::new(l("asset()"), vault, &IMetaMorpho::assetCall {}),
        Call::new(l("name()"), vault, &IMetaMorpho::nameCall {}),
        Call::new(l("totalAssets()"), vault, &IMetaMorpho::totalAssetsCall {}),
        Call::new(l("totalSupply()"), vault, &IMetaMorpho::totalSupplyCall {}),
        Call::new(l("MORPHO()"), vault, &IMetaMorpho::MORPHOCall {}),
        Call::new(l("fee()"), vault, &IMetaMorpho::feeCall {}),
        Call::new(l("feeRecipient()"), vault, &IMetaMorpho::feeRecipientCall {}),
        Call::new(l("lastTotalAssets()"), vault, &IMetaMorpho::lastTotalAssetsCall {}),
        Call::new(l("supplyQueueLength()"), vault, &IMetaMorpho::supplyQueueLengthCall {}),
        Call::new(l("withdrawQueueLength()"), vault, &IMetaMorpho::withdrawQueueLengthCall {}),
        // Last and allowed to fail: v1.0 has no `lostAssets`.
        Call::new(l("lostAssets()"), vault, &IMetaMorpho::lostAssetsCall {}),
    ];
    let outcomes = chain.call_many(&calls).await?;
    let asset = decode_outcome::<IMetaMorpho::assetCall>(&calls[0].label, &outcomes[0])?;
    let name = decode_outcome::<IMetaMorpho::nameCall>(&calls[1].label, &outcomes[1])?;
    let total_assets =
        decode_outcome::<IMetaMorpho::totalAssetsCall>(&calls[2].label, &outcomes[2])?;
    let total_supply =
        decode_outcome::<IMetaMorpho::totalSupplyCall>(&calls[3].label, &outcomes[3])?;
    let morpho = decode_outcome::<IMetaMorpho::MORPHOCall>(&calls[4].label, &outcomes[4])?;
    let fee = U256::from(decode_outcome::<IMetaMorpho::feeCall>(&calls[5].label, &outcomes[5])?);
    let fee_recipient =
        decode_outcome::<IMetaMorpho::feeRecipientCall>(&calls[6].label, &outcomes[6])?;
    let last_total_assets =
        decode_outcome::<IMetaMorpho::lastTotalAssetsCall>(&calls[7].label, &outcomes[7])?;
    let supply_len =
        decode_outcome::<IMetaMorpho::supplyQueueLengthCall>(&calls[8].label, &outcomes[8])?;
    let withdraw_len =
        decode_outcome::<IMetaMorpho::withdrawQueueLengthCall>(&calls[9].label, &outcomes[9])?;
    let (v1_1, lost_assets_stored) = match &outcomes[10] {
        Ok(data) => (true, decode::<IMetaMorpho::lostAssetsCall>(&calls[10].label, data)?),
        Err(_) => (false, U256::ZERO),
    };
    let queue_len = |len: U256, which: &str| -> Result<u64> {
        u64::try_from(len).ok().filter(|n| *n <= MAX_QUEUE_LENGTH).ok_or_else(|| {
            Error::invalid(l(which), format!("at most {MAX_QUEUE_LENGTH} markets"), len)
        })
    };
    let (supply_len, withdraw_len) = (
        queue_len(supply_len, "supplyQueueLength()")?,
        queue_len(withdraw_len, "withdrawQueueLength()")?,
    );

    // Round 2: the queues and the asset's decimals.
    let mut calls = vec![Call::new(
        format!("erc20({asset}).decimals()"),
        asset,
        &IAssetDecimals::decimalsCall {},
    )];
    for i in 0..supply_len {
        calls.push(Call::new(
            l(&format!("supplyQueue({i})")),
            vault,
            &IMetaMorpho::supplyQueueCall { i: U256::from(i) },
        ));
    }
    for i in 0..withdraw_len {
        calls.push(Call::new(
            l(&format!("withdrawQueue({i})")),
            vault,
            &IMetaMorpho::withdrawQueueCall { i: U256::from(i) },
        ));
    }
    let data = chain.call_all(&calls).await?;
    let asset_decimals = decode::<IAssetDecimals::decimalsCall>(&calls[0].label, &data[0])?;
    let at = |k: usize| decode::<IMetaMorpho::supplyQueueCall>(&calls[k].label, &data[k]);
    let supply_queue = (0..supply_len as usize).map(|i| at(1 + i)).collect::<Result<Vec<_>>>()?;
    let withdraw_ids = (0..withdraw_len as usize)
        .map(|i| at(1 + supply_len as usize + i))
        .collect::<Result<Vec<_>>>()?;

    // Round 3: caps, and the markets with the vault's position (read_markets: two rounds).
    let calls: Vec<Call> = withdraw_ids
        .iter()
        .map(|id| {
            Call::new(l(&format!("config({id})")), vault, &IMetaMorpho::configCall { id: *id })
        })
        .collect();
    let data = chain.call_all(&calls).await?;
    let users: BTreeMap<B256, Vec<Address>> =
        withdraw_ids.iter().map(|id| (*id, vec![vault])).collect();
    let markets = read_markets(chain, morpho, &withdraw_ids, &users).await?;
    let mut withdraw_queue = Vec::with_capacity(withdraw_ids.len());
    let mut real = U256::ZERO;
    for ((id, market), (call, bytes)) in
        withdraw_ids.iter().zip(&markets).zip(calls.iter().zip(&data))
    {
        let config = decode::<IMetaMorpho::configCall>(&call.label, bytes)?;
        if market.params.loan_token != asset {
            return Err(Error::inconsistent(
                format!("loan token of market {id} in the withdraw queue of {vault}"),
                asset,
                market.params.loan_token,
            ));
        }
        let shares = market.positions.get(&vault).map(|p| p.supply_shares).unwrap_or_default();
        let (total_assets, total_shares) = expected_supply(market, &block)?;
        let assets = to_assets_down(shares, total_assets, total_shares).map_err(|e| {
            Error::invalid(format!("supply of {vault} in market {id}"), "assets in range", e)
        })?;
        real = real.checked_add(assets).ok_or_else(|| {
            Error::invalid(format!("total assets of {vault}"), "a sum in range", "overflow")
        })?;
        withdraw_queue.push(Allocation {
            id: *id,
            cap: U256::from(config.cap),
            supply_shares: shares,
            supply_assets: assets,
            idle: market.params.collateral_token == Address::ZERO
                && market.params.oracle == Address::ZERO
                && market.params.irm == Address::ZERO,
        });
    }

    // What `_accruedFeeAndAssets` gives at the block, checked against `totalAssets()`.
    let lost_assets = if v1_1 {
        let floor = last_total_assets.checked_sub(lost_assets_stored).ok_or_else(|| {
            Error::inconsistent(l("lostAssets()"), "at most lastTotalAssets", lost_assets_stored)
        })?;
        if real < floor { last_total_assets - real } else { lost_assets_stored }
    } else {
        U256::ZERO
    };
    let new_total = real + lost_assets;
    if new_total != total_assets {
        return Err(Error::inconsistent(
            format!(
                "{} of {vault}: its supply over the withdraw queue accrued to the block{}",
                l("totalAssets()"),
                if v1_1 { " plus lost assets" } else { "" }
            ),
            total_assets,
            new_total,
        ));
    }
    let interest = new_total.saturating_sub(last_total_assets);
    let fee_shares = if interest.is_zero() || fee.is_zero() {
        U256::ZERO
    } else {
        let fee_assets = mul_div_down("fee assets", interest, fee, WAD)?;
        let offset = 18u8.saturating_sub(asset_decimals);
        let virtual_shares = U256::from(10u8).pow(U256::from(offset));
        mul_div_down(
            &format!("fee shares of {vault}"),
            fee_assets,
            total_supply + virtual_shares,
            new_total - fee_assets + U256::from(1u8),
        )?
    };
    Ok(VaultRead {
        vault,
        name,
        v1_1,
        asset,
        morpho,
        total_assets,
        total_supply,
        fee_shares,
        fee,
        fee_recipient,
        last_total_assets,
        lost_assets_stored,
        lost_assets,
        supply_queue,
        withdraw_queue,
    })
}
