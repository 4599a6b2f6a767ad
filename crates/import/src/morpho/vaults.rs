//! MetaMorpho vaults: `vaults.csv` gives one row per (vault, listed market) with the vault's
//! totals, fee, caps and queue positions; the vault's supply in each market is its Morpho
//! position there (added from the row's shares when the positions file lacks it).
//! `vault_allocations.csv` (every market each vault allocates to, in USD floats) is
//! cross-checked against it.

use super::{
    markets::{Market, Position},
    rows::{AllocationRow, VaultRow},
    source,
};
use crate::{
    error::{ImportError, Warnings},
    fields::{self, At},
    rows,
};
use alloy_primitives::{Address, U256, address};
use faultline_core::math::morpho::to_assets_down;
use faultline_orchestrator::snapshot::{
    Confidence, Raw, RawAddress, SourceKind, VaultCapSpec, VaultSpec, VaultVersionSpec,
};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

const FILE: &str = "vaults.csv";
const ALLOCATIONS: &str = "vault_allocations.csv";

/// MetaMorpho factories whose version is known: v1.0 on Ethereum, v1.1 on Ethereum and on
/// Arbitrum (Morpho's published deployment addresses).
const FACTORIES: [(Address, VaultVersionSpec, &str); 3] = [
    (
        address!("0xA9c3D3a366466Fa809d1Ae982Fb2c46E5fC41101"),
        VaultVersionSpec::V1_0,
        "MetaMorpho v1.0 factory (Ethereum)",
    ),
    (
        address!("0x1897A8997241C1cD4bD0698647e4EB7213535c24"),
        VaultVersionSpec::V1_1,
        "MetaMorpho v1.1 factory (Ethereum)",
    ),
    (
        address!("0x878988f5f561081deEa117717052164ea1Ef0c82"),
        VaultVersionSpec::V1_1,
        "MetaMorpho v1.1 factory (Arbitrum)",
    ),
];

/// One listed market of a vault.
#[derive(Debug, Clone)]
pub(crate) struct Listed {
    market: String,
    cap: Option<U256>,
    supply_index: Option<Decimal>,
    withdraw_index: Option<Decimal>,
}

/// A vault as gathered.
#[derive(Debug, Clone)]
pub(crate) struct Vault {
    pub(crate) id: String,
    name: String,
    address: Address,
    chain_id: u64,
    version: VaultVersionSpec,
    asset: String,
    pub(crate) total_assets: U256,
    pub(crate) total_shares: U256,
    fee: U256,
    listed: Vec<Listed>,
    pub(crate) notes: Vec<String>,
    kind: SourceKind,
}

/// Reads `vaults.csv`, adding each vault's supply to its markets' positions where missing.
pub(crate) fn read(
    text: &str,
    markets: &mut [Market],
    warnings: &mut Warnings,
) -> Result<Vec<Vault>, ImportError> {
    let mut vaults: BTreeMap<Address, Vault> = BTreeMap::new();
    for row in rows::read::<VaultRow>(FILE, text)? {
        let r = &row.record;
        let at = |column: &'static str| At { file: FILE, line: row.line, column };
        let address = fields::address(at("vault_address"), &r.vault_address)?;
        let chain_id = u64::try_from(fields::raw(at("chain_id"), &r.chain_id, warnings)?)
            .map_err(|_| at("chain_id").error("expected a chain id"))?;
        let key = r.market_id.trim().to_lowercase();
        let Some(m) = markets.iter_mut().find(|m| m.key == key) else {
            at("market_id").warn(warnings, format!("no market {key} in markets.csv; row ignored"));
            continue;
        };
        if m.chain_id != chain_id {
            at("chain_id").warn(
                warnings,
                format!("vault on chain {chain_id}, market {key} on {}; row ignored", m.chain_id),
            );
            continue;
        }
        let asset = format!("{}:{}", r.deposit_asset_symbol.trim(), m.chain);
        if asset != m.loan.id {
            at("deposit_asset_symbol").warn(
                warnings,
                format!(
                    "vault asset {asset} is not market {key}'s loan token {}; row ignored",
                    m.loan.id
                ),
            );
            continue;
        }
        if let std::collections::btree_map::Entry::Vacant(slot) = vaults.entry(address) {
            let factory = fields::address(at("factory_address"), &r.factory_address)?;
            let (version, factory_note) = match FACTORIES.iter().find(|(f, ..)| *f == factory) {
                Some((_, v, name)) => (*v, format!("factory {factory}: {name}")),
                None => {
                    at("factory_address").warn(
                        warnings,
                        format!(
                            "factory {factory} is not a known MetaMorpho factory; the vault is \
                             taken as v1.1 (losses booked in lostAssets, the share price holds)"
                        ),
                    );
                    (VaultVersionSpec::V1_1, format!("factory {factory} UNKNOWN: v1.1 ASSUMED"))
                }
            };
            let id = format!("vault-{}-{}", m.chain, &format!("{address:x}")[..8]);
            slot.insert(Vault {
                id,
                name: r.vault_name.trim().to_owned(),
                address,
                chain_id,
                version,
                asset,
                total_assets: fields::raw(
                    at("vault_total_assets"),
                    &r.vault_total_assets,
                    warnings,
                )?,
                total_shares: fields::raw(
                    at("vault_total_supply_shares"),
                    &r.vault_total_supply_shares,
                    warnings,
                )?,
                fee: fields::wad_of_fraction(at("vault_fee"), &r.vault_fee)?,
                listed: Vec::new(),
                notes: vec![format!(
                    "{FILE} line {} (state at Unix {}): totals, fee; {factory_note}; lostAssets \
                     not in the export, taken as 0",
                    row.line,
                    r.state_timestamp.trim()
                )],
                kind: SourceKind::Reported,
            });
        }
        let Some(vault) = vaults.get_mut(&address) else { continue };
        let shares = fields::raw(at("supply_shares"), &r.supply_shares, warnings)?;
        let assets = fields::raw(at("supply_assets"), &r.supply_assets, warnings)?;
        vault.listed.push(Listed {
            market: m.id.clone(),
            cap: fields::raw_opt(at("supply_cap"), &r.supply_cap, warnings)?,
            supply_index: fields::decimal_opt(at("supply_queue_index"), &r.supply_queue_index)?,
            withdraw_index: fields::decimal_opt(
                at("withdraw_queue_index"),
                &r.withdraw_queue_index,
            )?,
        });
        vault
            .notes
            .push(format!("{} supply {assets} assets / {shares} shares (line {})", m.id, row.line));
        match m.positions.get_mut(&address) {
            Some(p) if shares.is_zero() && !p.supply_shares.is_zero() => {
                at("supply_shares").warn(
                    warnings,
                    format!(
                        "vault {address} holds 0 shares of {key} by this row, {} by the positions \
                         file; the positions file kept (a 0 here may stand for a missing value)",
                        p.supply_shares
                    ),
                );
            }
            Some(p) if p.supply_shares != shares => {
                at("supply_shares").warn(
                    warnings,
                    format!(
                        "vault {address} holds {shares} shares of {key}, the positions file \
                         {} (derived from its assets); the vault's own shares kept",
                        p.supply_shares
                    ),
                );
                p.supply_shares = shares;
                p.notes.push(format!("supply shares from {FILE} line {}", row.line));
            }
            None if !shares.is_zero() => {
                m.positions.insert(
                    address,
                    Position {
                        supply_shares: shares,
                        notes: vec![format!("{FILE} line {}: the vault's supply shares", row.line)],
                        kind: Some(SourceKind::Reported),
                        ..Position::default()
                    },
                );
            }
            _ => {}
        }
    }
    super::positions::clamp_to_totals(markets, FILE, warnings);
    Ok(vaults.into_values().collect())
}

/// Cross-checks `vault_allocations.csv`: an allocation to a snapshot market that `vaults.csv`
/// does not list is a warning; the USD allocated outside the snapshot's markets is noted.
pub(crate) fn cross_check(
    text: &str,
    vaults: &mut [Vault],
    markets: &[Market],
    warnings: &mut Warnings,
) -> Result<(), ImportError> {
    let mut outside: BTreeMap<Address, Decimal> = BTreeMap::new();
    for row in rows::read::<AllocationRow>(ALLOCATIONS, text)? {
        let r = &row.record;
        let at = |column: &'static str| At { file: ALLOCATIONS, line: row.line, column };
        let address = fields::address(at("vault_address"), &r.vault_address)?;
        let key = r.market_unique_key.trim().to_lowercase();
        let usd =
            fields::decimal_opt(at("supply_assets_usd"), &r.supply_assets_usd)?.unwrap_or_default();
        match markets.iter().find(|m| m.key == key) {
            Some(m) => {
                let listed = vaults
                    .iter()
                    .any(|v| v.address == address && v.listed.iter().any(|l| l.market == m.id));
                if !listed && !usd.is_zero() {
                    at("market_unique_key").warn(
                        warnings,
                        format!("vault {address} allocates ${usd} to {key}, which vaults.csv does not list for it; vaults.csv kept"),
                    );
                }
            }
            None => *outside.entry(address).or_default() += usd,
        }
        let _ = &r.is_toxic_market;
    }
    for v in vaults.iter_mut() {
        if let Some(usd) = outside.get(&v.address) {
            v.notes.push(format!("{ALLOCATIONS}: ${} allocated to markets outside the snapshot, carried as idle at face", usd.round_dp(2)));
        }
    }
    Ok(())
}

/// Drops the listed markets not in `markets`, and the vaults left with none.
pub(crate) fn keep_markets(vaults: &mut Vec<Vault>, markets: &[Market]) {
    for v in vaults.iter_mut() {
        v.listed.retain(|l| markets.iter().any(|m| m.id == l.market));
    }
    vaults.retain(|v| !v.listed.is_empty());
}

/// The assets a vault's positions in the snapshot's markets are worth (`toAssetsDown`).
pub(crate) fn supply_in_markets(v: &Vault, markets: &[Market]) -> Result<U256, ImportError> {
    let mut in_markets = U256::ZERO;
    for l in &v.listed {
        if let Some(m) = markets.iter().find(|m| m.id == l.market)
            && let Some(p) = m.positions.get(&v.address)
        {
            let assets = to_assets_down(p.supply_shares, m.supply_assets, m.supply_shares)
                .map_err(|_| ImportError {
                    place: crate::error::Place::file(FILE),
                    message: format!("vault {}: supply in {} overflowed", v.address, m.id),
                })?;
            in_markets = in_markets.saturating_add(assets);
        }
    }
    Ok(in_markets)
}

/// The snapshot's vaults: queues by the rows' queue indexes, caps, and idle assets = total
/// assets less the supply in the snapshot's markets (the rest sits in markets the snapshot does
/// not describe).
pub(crate) fn to_specs(
    vaults: &[Vault],
    markets: &[Market],
) -> Result<Vec<VaultSpec>, ImportError> {
    let mut out = Vec::new();
    for v in vaults {
        let mut withdraw: Vec<&Listed> = v.listed.iter().collect();
        withdraw.sort_by(|a, b| {
            a.withdraw_index
                .unwrap_or(Decimal::MAX)
                .cmp(&b.withdraw_index.unwrap_or(Decimal::MAX))
                .then_with(|| a.market.cmp(&b.market))
        });
        let mut supply: Vec<&Listed> =
            v.listed.iter().filter(|l| l.supply_index.is_some()).collect();
        supply.sort_by_key(|l| l.supply_index);
        let in_markets = supply_in_markets(v, markets)?;
        let mut notes = v.notes.clone();
        let idle = if in_markets > v.total_assets {
            notes.push(format!("supply in the snapshot's markets ({in_markets}) above the vault's total assets ({}): idle taken as 0", v.total_assets));
            U256::ZERO
        } else {
            v.total_assets - in_markets
        };
        notes.push(format!(
            "idle_assets = total assets {} - supply in the snapshot's markets {in_markets}",
            v.total_assets
        ));
        let _ = v.chain_id;
        out.push(VaultSpec {
            id: v.id.clone(),
            name: v.name.clone(),
            version: v.version,
            asset: v.asset.clone(),
            address: RawAddress(v.address),
            total_shares: Raw(v.total_shares),
            fee: Raw(v.fee),
            idle_assets: Raw(idle),
            lost_assets: Raw(U256::ZERO),
            supply_queue: supply.iter().map(|l| l.market.clone()).collect(),
            withdraw_queue: withdraw.iter().map(|l| l.market.clone()).collect(),
            caps: v
                .listed
                .iter()
                .filter_map(|l| {
                    l.cap.map(|cap| VaultCapSpec { market: l.market.clone(), cap: Raw(cap) })
                })
                .collect(),
            source: source(v.kind, Confidence::Medium, notes.join("; ")),
        });
    }
    Ok(out)
}
