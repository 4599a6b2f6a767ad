//! MetaMorpho vaults in the cascade: what a vault share is worth by the contract's own rule and
//! what it is worth in truth, and what depositors cannot take out.
//!
//! A vault's supply in a market is the Morpho position of the vault's address in that market of
//! the snapshot, so the lending pass moves it (bad debt socialised by a liquidation, the lender
//! run) and this pass only reads it. Each pass rebuilds the vault as `faultline_lending`'s
//! [`MetaMorphoVault`] over one-position copies of its withdraw-queue markets, then reads:
//!
//! - the **share price**, `convertToAssets` as the contract computes it (`totalAssets` over
//!   `totalSupply` with the decimals offset, rounded down): v1.0 sums the vault's supply, so a
//!   market's *realised* bad debt lowers it at once; v1.1 books the shortfall in `lostAssets`
//!   and the share price holds (the loss stays as a claim nobody can withdraw);
//! - the **economic value per share**: each market's supply at what lenders can recover (the
//!   market's uncovered debt shared pro rata, as issuers' `LendingSupply` items are valued), plus
//!   the idle assets, in USD per whole share;
//! - **frozen** funds: the vault's supply its markets cannot pay out now
//!   ([`MetaMorphoVault::liquidity`]: `supplied − withdrawable` summed over the queue), the
//!   depositors' money stuck in 100%-utilised markets.
//!
//! What a vault's address takes out in a market's lender run (first come, in the lending pass)
//! is held idle in the vault: its depositors can withdraw it. Depositor-by-depositor runs through
//! the vault's own withdraw queue are not modelled (the snapshot carries no share balances).

use super::{Engine, change_pct, log::Quantity, model, pct_change, settled, world::whole};
use crate::{
    Error, Result,
    report::{EntityLoss, EventKind, usd},
    snapshot::{Snapshot, VaultSpec, VaultVersionSpec},
};
use alloy_primitives::{Address, U256};
use faultline_core::math::{morpho::VIRTUAL_SHARES, pow10};
use faultline_lending::{
    metamorpho::{MetaMorphoVault, VaultVersion},
    morpho::{Irm, MarketParams, MarketState, MorphoMarket, Position},
};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// The share price is read as `convertToAssets` of this many whole shares (`10^12`), divided
/// back: the contract's floor then costs at most 1e-12 of an asset unit per share.
const PRICE_SHARES_EXP: u32 = 12;

/// The smallest relative move of a vault's share price or economic value that is logged
/// (one basis point); smaller moves still count for the fixed point.
const LOGGED_MOVE: Decimal = Decimal::from_parts(1, 0, 0, false, 4);

fn logged_move(old: Decimal, new: Decimal) -> bool {
    if old.is_zero() {
        return !new.is_zero();
    }
    ((new - old) / old).abs() >= LOGGED_MOVE
}

/// A MetaMorpho vault, live.
#[derive(Debug, Clone)]
pub(crate) struct VaultLive {
    name: String,
    version: VaultVersion,
    asset: String,
    address: Address,
    decimals: u8,
    fee: U256,
    total_shares: U256,
    /// Idle assets at the start (the idle market and markets outside the snapshot).
    idle_start: U256,
    /// `lastTotalAssets`: set at the start to `totalAssets()` (no pending interest or fee).
    last_total_assets: U256,
    /// `lostAssets` as of the snapshot (v1.1).
    lost_assets: U256,
    withdraw_queue: Vec<String>,
    caps: Vec<U256>,
    supply_queue: Vec<usize>,
    /// Share price by the contract's rule, asset per whole share.
    pub(crate) share_price: Decimal,
    start_share_price: Decimal,
    /// Economic value per whole share, USD.
    pub(crate) economic: Decimal,
    start_economic: Decimal,
    /// Supply its markets cannot pay out now, USD.
    pub(crate) frozen_usd: Decimal,
    /// Share price and economic value at the last event: a move is logged once it reaches
    /// [`LOGGED_MOVE`] from there, so a backing cycle's geometric tail does not flood the log.
    logged: (Decimal, Decimal),
    /// `lostAssets` at the last logged event (v1.1), raw.
    lost_now: U256,
    /// Each withdraw-queue market's supply at what lenders can recover, USD, at the last pass.
    market_values: Vec<Decimal>,
    /// The last measure and everything it was read from: a pass over the same inputs reads the
    /// same figures, so it reuses them (most rounds of a step leave the vault's markets alone).
    memo: Option<(MeasureKey, Measure)>,
}

/// Everything [`Engine::measure`] reads: per withdraw-queue market its totals, the vault's
/// position, the oracle price and clock, what the vault took out in lender runs, the market's
/// uncovered debt and its loan token's price; the vault's asset price and `lastTotalAssets`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MeasureKey {
    markets: Vec<(MarketState, Position, U256, U256, U256, Decimal, Decimal)>,
    asset_usd: Decimal,
    last_total_assets: U256,
}

/// What one pass reads off a vault.
#[derive(Debug, Clone)]
struct Measure {
    share_price: Decimal,
    economic: Decimal,
    frozen_usd: Decimal,
    lost: U256,
    market_values: Vec<Decimal>,
    total_assets: U256,
}

impl VaultLive {
    /// The vault of a validated snapshot.
    pub(crate) fn build(snapshot: &Snapshot, spec: &VaultSpec) -> Result<Self> {
        let decimals =
            snapshot.tokens.iter().find(|t| t.id == spec.asset).map(|t| t.decimals).ok_or_else(
                || Error::Invalid {
                    field: format!("{}: asset", spec.id),
                    expected: "a token of the snapshot".into(),
                    found: spec.asset.clone(),
                },
            )?;
        let index = |market: &str| spec.withdraw_queue.iter().position(|m| m == market);
        let caps = spec
            .withdraw_queue
            .iter()
            .map(|m| spec.caps.iter().find(|c| &c.market == m).map(|c| c.cap.0).unwrap_or_default())
            .collect();
        Ok(Self {
            name: spec.name.clone(),
            version: match spec.version {
                VaultVersionSpec::V1_0 => VaultVersion::V1_0,
                VaultVersionSpec::V1_1 => VaultVersion::V1_1,
            },
            asset: spec.asset.clone(),
            address: spec.address.0,
            decimals,
            fee: spec.fee.0,
            total_shares: spec.total_shares.0,
            idle_start: spec.idle_assets.0,
            last_total_assets: U256::ZERO,
            lost_assets: spec.lost_assets.0,
            withdraw_queue: spec.withdraw_queue.clone(),
            caps,
            supply_queue: spec.supply_queue.iter().filter_map(|m| index(m)).collect(),
            share_price: Decimal::ZERO,
            start_share_price: Decimal::ZERO,
            economic: Decimal::ZERO,
            start_economic: Decimal::ZERO,
            frozen_usd: Decimal::ZERO,
            logged: (Decimal::ZERO, Decimal::ZERO),
            lost_now: spec.lost_assets.0,
            market_values: Vec::new(),
            memo: None,
        })
    }

    /// Whole vault shares (`decimals + DECIMALS_OFFSET` = 18 for an asset of at most 18).
    fn share_decimals(&self) -> u8 {
        self.decimals.max(18)
    }

    /// The vault's losses over the run, for the report.
    pub(crate) fn loss(&self, id: &str) -> EntityLoss {
        let shares = whole(id, self.total_shares, self.share_decimals()).unwrap_or_default();
        EntityLoss {
            entity: id.to_owned(),
            name: self.name.clone(),
            kind: "vault".into(),
            bad_debt_usd: Decimal::ZERO,
            economic_bad_debt_usd: Decimal::ZERO,
            oracle_bad_debt_usd: Decimal::ZERO,
            nav_lost_usd: ((self.start_economic - self.economic) * shares).max(Decimal::ZERO),
            price_change_pct: change_pct(self.start_share_price, self.share_price),
            frozen_usd: self.frozen_usd,
            liquidations: 0,
            missed_liquidations: 0,
            interest: None,
        }
    }
}

/// A one-position copy of a live market: its totals and price with only the vault's position,
/// all `MetaMorphoVault` reads (cloning the live market would copy every borrower).
fn slim(id: &str, market: &MorphoMarket, vault: Address) -> Result<MorphoMarket> {
    let positions = BTreeMap::from([(vault, market.position(vault))]);
    MorphoMarket::from_state(
        *market.params(),
        *market.state(),
        positions,
        Irm::None,
        market.price(),
        market.now().saturating_to::<u64>(),
    )
    .map_err(|e| model(id, e))
}

/// The idle market MetaMorpho parks idle assets in (no collateral, no borrowing), holding
/// `idle` for the vault: shares `idle · VIRTUAL_SHARES` are worth exactly `idle`.
fn idle_market(id: &str, vault: Address, idle: U256, now: U256) -> Result<MorphoMarket> {
    let shares = idle
        .checked_mul(VIRTUAL_SHARES)
        .ok_or(Error::Overflow { entity: id.to_owned(), what: "idle assets as supply shares" })?;
    let state = MarketState {
        total_supply_assets: idle,
        total_supply_shares: shares,
        last_update: now,
        ..MarketState::default()
    };
    let params = MarketParams {
        loan_token: Address::ZERO,
        collateral_token: Address::ZERO,
        oracle: Address::ZERO,
        irm: Address::ZERO,
        lltv: U256::ZERO,
    };
    let positions =
        BTreeMap::from([(vault, Position { supply_shares: shares, ..Position::default() })]);
    MorphoMarket::from_state(params, state, positions, Irm::None, U256::ZERO, now.saturating_to())
        .map_err(|e| model(id, e))
}

impl Engine<'_> {
    /// The vault as the contract sees it now: its withdraw-queue markets as they are in the
    /// run, then its idle assets (the start's plus what it took out in lender runs).
    fn contract_view(&self, id: &str) -> Result<MetaMorphoVault> {
        let v = &self.world.vaults[id];
        let mut vault = MetaMorphoVault::new(v.version, v.address, v.decimals, v.fee)
            .map_err(|e| model(id, e))?;
        let mut idle = v.idle_start;
        let mut now = U256::ZERO;
        for (market, cap) in v.withdraw_queue.iter().zip(&v.caps) {
            let live = self.world.morpho(market)?;
            let morpho = live.model.market();
            vault
                .enable_market(slim(market, morpho, v.address)?, *cap)
                .map_err(|e| model(id, e))?;
            idle = idle
                .saturating_add(live.book.withdrawn.get(&v.address).copied().unwrap_or_default());
            now = now.max(morpho.now());
        }
        if !idle.is_zero() {
            vault
                .enable_market(idle_market(id, v.address, idle, now)?, U256::ZERO)
                .map_err(|e| model(id, e))?;
        }
        vault.supply_queue = v.supply_queue.clone();
        vault.total_supply = v.total_shares;
        vault.last_total_assets = v.last_total_assets;
        vault.lost_assets = v.lost_assets;
        Ok(vault)
    }

    /// What [`Engine::measure`] would read the vault's figures from now.
    fn measure_key(&self, id: &str) -> Result<MeasureKey> {
        let v = &self.world.vaults[id];
        let mut markets = Vec::with_capacity(v.withdraw_queue.len());
        for market in &v.withdraw_queue {
            let live = self.world.morpho(market)?;
            let morpho = live.model.market();
            markets.push((
                *morpho.state(),
                morpho.position(v.address),
                morpho.price(),
                morpho.now(),
                live.book.withdrawn.get(&v.address).copied().unwrap_or_default(),
                live.book.economic_bad_debt_usd,
                self.world.tokens[&live.loan().token].price,
            ));
        }
        Ok(MeasureKey {
            markets,
            asset_usd: self.world.tokens[&v.asset].price,
            last_total_assets: v.last_total_assets,
        })
    }

    /// [`Engine::measure`], reusing the last one when its inputs are unchanged.
    fn measure_memo(&mut self, id: &str) -> Result<Measure> {
        let key = self.measure_key(id)?;
        if let Some((last, m)) = &self.world.vaults[id].memo
            && *last == key
        {
            return Ok(m.clone());
        }
        let m = self.measure(id)?;
        if let Some(v) = self.world.vaults.get_mut(id) {
            v.memo = Some((key, m.clone()));
        }
        Ok(m)
    }

    /// Reads the vault's figures off its contract view and its markets.
    fn measure(&self, id: &str) -> Result<Measure> {
        let v = &self.world.vaults[id];
        let vault = self.contract_view(id)?;
        let (_, total_assets, lost) = vault.accrued_fee_and_assets().map_err(|e| model(id, e))?;
        let share_exp = u32::from(v.share_decimals()) + PRICE_SHARES_EXP;
        let probe = pow10(share_exp)
            .ok_or(Error::Overflow { entity: id.to_owned(), what: "share price probe" })?;
        let assets = vault.convert_to_assets(probe).map_err(|e| model(id, e))?;
        let share_price = whole(id, assets, v.decimals.saturating_add(PRICE_SHARES_EXP as u8))?;
        let liquidity = vault.liquidity().map_err(|e| model(id, e))?;
        let asset_usd = self.world.tokens[&v.asset].price;
        let mut market_values = Vec::with_capacity(v.withdraw_queue.len());
        for (market, supplied) in v.withdraw_queue.iter().zip(&liquidity.supplied) {
            market_values.push(self.recoverable_usd(market, *supplied)?);
        }
        // The idle market, when there is one, is last in the queue.
        let idle = liquidity.supplied.get(v.withdraw_queue.len()).copied().unwrap_or_default();
        let idle_usd = whole(id, idle, v.decimals)? * asset_usd;
        let shares = whole(id, v.total_shares, v.share_decimals())?;
        let value: Decimal = market_values.iter().copied().sum::<Decimal>() + idle_usd;
        let economic = if shares.is_zero() { Decimal::ZERO } else { value / shares };
        let stuck = liquidity
            .supplied
            .iter()
            .zip(&liquidity.withdrawable)
            .fold(U256::ZERO, |a, (s, w)| a.saturating_add(s.saturating_sub(*w)));
        let frozen_usd = whole(id, stuck, v.decimals)? * asset_usd;
        Ok(Measure { share_price, economic, frozen_usd, lost, market_values, total_assets })
    }

    /// The vaults' starting figures, before any shock (not events).
    pub(super) fn start_vaults(&mut self) -> Result<()> {
        for id in self.world.vaults.keys().cloned().collect::<Vec<_>>() {
            // `lastTotalAssets` as the contract last stored it: the total with no pending
            // interest (v1.1: the supply plus `lostAssets`).
            let total = self.measure(&id)?.total_assets;
            if let Some(v) = self.world.vaults.get_mut(&id) {
                v.last_total_assets = total;
            }
            let m = self.measure(&id)?;
            if let Some(v) = self.world.vaults.get_mut(&id) {
                v.share_price = m.share_price;
                v.start_share_price = m.share_price;
                v.economic = m.economic;
                v.start_economic = m.economic;
                v.frozen_usd = m.frozen_usd;
                v.logged = (m.share_price, m.economic);
                v.lost_now = m.lost;
                v.market_values = m.market_values;
            }
        }
        Ok(())
    }

    /// One pass: every vault's share price, economic value and frozen funds, with events for
    /// what moved, caused by the markets whose recoverable value moved (largest move first).
    pub(super) fn run_vaults(&mut self) -> Result<()> {
        for id in self.world.vaults.keys().cloned().collect::<Vec<_>>() {
            let m = self.measure_memo(&id)?;
            let v = &self.world.vaults[&id];
            let mut moved: Vec<(Decimal, Quantity)> = v
                .withdraw_queue
                .iter()
                .zip(v.market_values.iter().zip(&m.market_values))
                .filter(|(_, (old, new))| !settled(**old, **new))
                .map(|(market, (old, new))| {
                    ((*old - *new).abs(), Quantity::MarketLoss(market.clone()))
                })
                .collect();
            moved.sort_by_key(|(change, _)| std::cmp::Reverse(*change));
            let mut causes: Vec<Quantity> = moved.into_iter().map(|(_, q)| q).collect();
            if causes.is_empty() {
                causes = v.withdraw_queue.iter().map(|m| Quantity::MarketLoss(m.clone())).collect();
            }
            let (logged_price, logged_value) = v.logged;
            let price_moved = logged_move(logged_price, m.share_price);
            let value_moved = logged_move(logged_value, m.economic);
            let newly_frozen = v.frozen_usd.is_zero() && !m.frozen_usd.is_zero();
            if price_moved || value_moved {
                let version = match v.version {
                    VaultVersion::V1_0 => "v1.0",
                    VaultVersion::V1_1 => "v1.1",
                };
                let lost = if m.lost > v.lost_now {
                    let booked = whole(&id, m.lost - v.lost_now, v.decimals)?
                        * self.world.tokens[&v.asset].price;
                    format!(", {} booked as lostAssets", usd(booked))
                } else {
                    String::new()
                };
                let price = if settled(logged_price, m.share_price) {
                    format!("holds at {} {}", m.share_price.round_dp(6), v.asset)
                } else {
                    format!(
                        "{} to {} {}",
                        pct_change(logged_price, m.share_price),
                        m.share_price.round_dp(6),
                        v.asset
                    )
                };
                let summary = format!(
                    "MetaMorpho vault {} ({version}) share price {price}{lost}; economic value per \
                     share {} to ${}",
                    v.name,
                    pct_change(logged_value, m.economic),
                    m.economic.round_dp(4),
                );
                let kind = EventKind::VaultValue {
                    share_price_from: logged_price,
                    share_price_to: m.share_price,
                    economic_from: logged_value,
                    economic_to: m.economic,
                };
                self.log.record(&id, kind, &causes, summary);
            }
            let v = &self.world.vaults[&id];
            if newly_frozen {
                let summary = format!(
                    "MetaMorpho vault {}: {} of depositors' funds cannot be withdrawn (markets \
                     100% utilised)",
                    v.name,
                    usd(m.frozen_usd)
                );
                let kind = EventKind::FundsFrozen { frozen_usd: m.frozen_usd };
                self.log.record(&id, kind, &causes, summary);
            }
            if let Some(v) = self.world.vaults.get_mut(&id) {
                if price_moved || value_moved {
                    v.logged = (m.share_price, m.economic);
                    v.lost_now = m.lost;
                }
                v.share_price = m.share_price;
                v.economic = m.economic;
                v.frozen_usd = m.frozen_usd;
                v.market_values = m.market_values;
            }
        }
        Ok(())
    }
}
