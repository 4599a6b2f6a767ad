//! MetaMorpho vaults in a snapshot.
//!
//! A vault's supply in a market IS its Morpho Blue position there (`VaultSpec`), so every market of
//! its withdraw queue must be a lending market of the snapshot: [`read`] reads the vaults first and
//! [`markets_needed`] names the markets the Morpho Blue part must then read too (added to the
//! request's Morpho Blue targets automatically, each once). The idle market (no collateral, no
//! oracle, no IRM) cannot be a lending market: the vault's assets there are its `idle_assets`, and
//! it is left out of the queues and caps. The vault's own `totalAssets()` must equal its supply
//! over the withdraw queue accrued to the block (plus lost assets in v1.1), else the read fails.

use super::{
    Stage,
    part::{Context, Contribution, Part, source},
};
use crate::{
    Error, Result,
    chain::Chain,
    readers::metamorpho::{VaultRead, read_vault},
};
use alloy::primitives::{Address, B256, U256};
use faultline_snapshot::{
    Confidence, Raw, RawAddress, SourceKind, VaultCapSpec, VaultSpec, VaultVersionSpec,
};
use std::collections::BTreeSet;

/// The MetaMorpho vaults of a request.
pub(crate) struct MetaMorphoPart {
    vaults: Vec<VaultRead>,
}

/// Reads the vaults at `vaults`; every one must sit on `morpho`.
pub(crate) async fn read(
    chain: &Chain,
    morpho: Address,
    vaults: &[Address],
    progress: &mut dyn FnMut(Stage),
) -> Result<MetaMorphoPart> {
    let mut seen = BTreeSet::new();
    let mut reads = Vec::with_capacity(vaults.len());
    for vault in vaults {
        if !seen.insert(*vault) {
            return Err(Error::invalid(
                "metamorpho vaults",
                "each vault once",
                format!("{vault} twice"),
            ));
        }
        progress(Stage::Reading { target: super::Target::MetaMorpho(*vault).to_string() });
        let read = read_vault(chain, *vault).await?;
        if read.morpho != morpho {
            return Err(Error::invalid(
                format!("MORPHO() of metamorpho {vault}"),
                format!("the Morpho Blue of the request ({morpho}; see --morpho)"),
                read.morpho,
            ));
        }
        reads.push(read);
    }
    Ok(MetaMorphoPart { vaults: reads })
}

impl MetaMorphoPart {
    /// The Morpho Blue markets the vaults need in the snapshot: every non-idle market of their
    /// withdraw queues, in queue order.
    pub(crate) fn markets_needed(&self) -> Vec<B256> {
        self.vaults
            .iter()
            .flat_map(|v| v.withdraw_queue.iter().filter(|a| !a.idle).map(|a| a.id))
            .collect()
    }
}

fn market_id(id: B256) -> String {
    format!("morpho-{id}")
}

impl Part for MetaMorphoPart {
    fn tokens(&self) -> Vec<Address> {
        self.vaults.iter().map(|v| v.asset).collect()
    }

    fn assemble(&self, cx: &Context<'_>) -> Result<Contribution> {
        let mut out = Contribution::default();
        for v in &self.vaults {
            let idle: Vec<B256> =
                v.withdraw_queue.iter().filter(|a| a.idle).map(|a| a.id).collect();
            let idle_assets = v
                .withdraw_queue
                .iter()
                .filter(|a| a.idle)
                .fold(U256::ZERO, |sum, a| sum.saturating_add(a.supply_assets));
            let version = if v.v1_1 { VaultVersionSpec::V1_1 } else { VaultVersionSpec::V1_0 };
            let reference = format!(
                "{}: MetaMorpho {} ({}, detected by {} `lostAssets()`): asset, totalAssets {}, \
                 totalSupply {} plus {} fee shares the next accrual mints (fee {} to {}), \
                 lastTotalAssets {}, lostAssets {} stored, {} as the next accrual books it, queues, \
                 config(id).cap; the vault's supply in each market of its withdraw queue accrued to \
                 the block as expectedSupplyAssets adds up to totalAssets; idle market(s) [{}] \
                 carried as idle assets",
                cx.at,
                v.vault,
                if v.v1_1 { "v1.1" } else { "v1.0" },
                if v.v1_1 { "an answer to" } else { "no answer to" },
                v.total_assets,
                v.total_supply,
                v.fee_shares,
                v.fee,
                v.fee_recipient,
                v.last_total_assets,
                v.lost_assets_stored,
                v.lost_assets,
                idle.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
            );
            let queued = |ids: &mut dyn Iterator<Item = &B256>| -> Vec<String> {
                ids.filter(|id| !idle.contains(id)).map(|id| market_id(*id)).collect()
            };
            out.vaults.push(VaultSpec {
                id: format!("metamorpho-{}", v.vault),
                name: v.name.clone(),
                version,
                asset: cx.id(v.asset),
                address: RawAddress(v.vault),
                total_shares: Raw(v.total_supply.saturating_add(v.fee_shares)),
                fee: Raw(v.fee),
                idle_assets: Raw(idle_assets),
                lost_assets: Raw(v.lost_assets),
                supply_queue: queued(&mut v.supply_queue.iter()),
                withdraw_queue: queued(&mut v.withdraw_queue.iter().map(|a| &a.id)),
                caps: v
                    .withdraw_queue
                    .iter()
                    .filter(|a| !a.idle)
                    .map(|a| VaultCapSpec { market: market_id(a.id), cap: Raw(a.cap) })
                    .collect(),
                source: source(SourceKind::Onchain, reference, Confidence::High),
            });
        }
        out.summary = format!(
            "{} MetaMorpho vault(s), the Morpho Blue markets of their withdraw queues read with \
             them; their totals check against totalAssets().",
            self.vaults.len()
        );
        Ok(out)
    }
}
