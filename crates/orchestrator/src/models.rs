//! Protocol models built from snapshot entries, one constructor per protocol, shared by the
//! cascade ([`crate::engine`]) and the one-shot analyses ([`crate::bands`], [`crate::position`]),
//! so every command reads a market exactly as the stress engine does.

use crate::{
    Error, Result,
    snapshot::{
        AaveMarketSpec, AaveVersionSpec, CollateralBalanceSpec, CometMarketSpec, EulerVaultSpec,
        MorphoMarketSpec, MorphoPositionSpec, Snapshot,
    },
};
use alloy_primitives::I256;
use alloy_primitives::{Address, U256};
use faultline_core::{OraclePrice, Price, Rounding};
use faultline_lending::LendingMarket;
use faultline_lending::aave::{
    AavePool, AaveVersion, EModeCategory, RateStrategy, Reserve, ReserveConfig, ReserveState, User,
};
use faultline_lending::comet::{CometAsset, CometConfig, CometMarket, RateCurve};
use faultline_lending::euler::{EulerCollateral, EulerVault, LinearKink, LtvConfig};
use faultline_lending::morpho::{Irm, MarketParams, MarketState, MorphoMarket, Position};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

fn model(entity: &str, error: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Model { entity: entity.to_owned(), source: Box::new(error) }
}

/// A decimal price per whole token, exactly (its own scale), as the protocol models' oracle
/// setters take it (each rounds it into its own oracle scale); negative figures count as zero.
pub(crate) fn whole_price(entity: &str, value: Decimal) -> Result<Price> {
    let value = value.max(Decimal::ZERO);
    let places = u8::try_from(value.scale())
        .map_err(|_| Error::Overflow { entity: entity.to_owned(), what: "price scale" })?;
    Price::from_decimal(value, places, Rounding::Down).map_err(|e| model(entity, e))
}

/// The token's address, or a stand-in derived from its position when it has none (the model
/// only needs distinct addresses to tell loan from collateral).
pub(crate) fn address_of(snapshot: &Snapshot, token: &str) -> Address {
    let index = snapshot.tokens.iter().position(|t| t.id == token).unwrap_or(0);
    snapshot.tokens.get(index).and_then(|t| t.address).map_or_else(
        || Address::with_last_byte(u8::try_from(index % 255 + 1).unwrap_or(1)),
        |a| a.0,
    )
}

/// The Morpho Blue market `id` of a validated snapshot, its oracle answering `answer` loan
/// tokens per whole collateral token, its clock at the snapshot's time. With the snapshot's IRM
/// state the market runs the AdaptiveCurveIRM from its `rateAtTarget`, last accrued at its
/// `lastUpdate` (the next accrual catches up from there); an IRM at `address(0)` accrues
/// nothing, as on chain. Without IRM state the market has no rate model: nothing accrues.
pub(crate) fn morpho_market(
    snapshot: &Snapshot,
    id: &str,
    spec: &MorphoMarketSpec,
    answer: Decimal,
) -> Result<MorphoMarket> {
    morpho_market_with(snapshot, id, spec, answer, true)
}

/// [`morpho_market`] with its parameters, totals, rate model and price but, unless
/// `with_positions`, none of the snapshot's positions: for a caller that reads each position
/// from the snapshot itself (the model's functions of a position in hand, such as
/// [`MorphoMarket::liquidation_point_of`], need only the market), without hashing every account
/// into the model's map.
pub(crate) fn morpho_market_with(
    snapshot: &Snapshot,
    id: &str,
    spec: &MorphoMarketSpec,
    answer: Decimal,
    with_positions: bool,
) -> Result<MorphoMarket> {
    let decimals = |token: &str| {
        snapshot.tokens.iter().find(|t| t.id == token).map(|t| t.decimals).ok_or_else(|| {
            Error::Invalid {
                field: format!("{id}: token"),
                expected: "a token of the snapshot".into(),
                found: token.to_owned(),
            }
        })
    };
    let (loan_decimals, collateral_decimals) =
        (decimals(&spec.loan_token)?, decimals(&spec.collateral_token)?);
    let price = faultline_lending::morpho::oracle_price(
        whole_price(id, answer)?,
        loan_decimals,
        collateral_decimals,
    )
    .map_err(|e| model(id, e))?;
    // The oracle's exact answer, while `answer` is it as the engine keeps oracle answers.
    let price = spec.oracle_price_raw.map_or(price, |raw| {
        faultline_lending::morpho::exact_or_rounded(
            raw.0,
            price,
            loan_decimals,
            collateral_decimals,
            crate::engine::ORACLE_DECIMALS,
        )
    });
    let params = MarketParams {
        loan_token: address_of(snapshot, &spec.loan_token),
        collateral_token: address_of(snapshot, &spec.collateral_token),
        oracle: Address::ZERO,
        irm: Address::ZERO,
        lltv: spec.lltv.0,
    };
    let (irm, last_update) = morpho_irm(snapshot, id, spec)?;
    let state = MarketState {
        total_supply_assets: spec.total_supply_assets.0,
        total_supply_shares: spec.total_supply_shares.0,
        total_borrow_assets: spec.total_borrow_assets.0,
        total_borrow_shares: spec.total_borrow_shares.0,
        last_update: U256::from(last_update),
        fee: spec.fee.0,
    };
    let positions = spec.positions.iter().map(|p| (p.account.0, morpho_position(p)));
    let positions = positions.take(if with_positions { usize::MAX } else { 0 });
    MorphoMarket::from_positions(params, state, positions, irm, price, snapshot.timestamp)
        .map_err(|e| model(id, e))
}

/// A snapshot's Morpho position as the model holds it.
pub(crate) const fn morpho_position(p: &MorphoPositionSpec) -> Position {
    Position {
        supply_shares: p.supply_shares.0,
        borrow_shares: p.borrow_shares.0,
        collateral: p.collateral.0,
    }
}

/// A Morpho market's rate model and the time it last accrued: the AdaptiveCurveIRM at the
/// snapshot's `rateAtTarget` and `lastUpdate`, no model at `address(0)` or without IRM state
/// (then the totals are taken as accrued to the snapshot's time).
pub(crate) fn morpho_irm(
    snapshot: &Snapshot,
    id: &str,
    spec: &MorphoMarketSpec,
) -> Result<(Irm, u64)> {
    let Some(irm) = &spec.irm else { return Ok((Irm::None, snapshot.timestamp)) };
    if irm.address.0 == Address::ZERO {
        return Ok((Irm::None, irm.last_update));
    }
    let rate_at_target = I256::try_from(irm.rate_at_target.0)
        .map_err(|_| Error::Overflow { entity: id.to_owned(), what: "rateAtTarget" })?;
    Ok((Irm::AdaptiveCurve { rate_at_target }, irm.last_update))
}

/// A bitmap of reserve ids (`EModeCategory` collateral and borrowable sets).
fn bitmap(spec: &AaveMarketSpec, tokens: &[String]) -> u128 {
    tokens
        .iter()
        .filter_map(|t| spec.reserves.iter().position(|r| &r.token == t))
        .filter(|&i| i < 128)
        .fold(0u128, |bits, i| bits | (1u128 << i))
}

/// The Aave v3 pool `id` of a validated snapshot, each reserve's oracle answering
/// `answer(oracle id)` USD per whole token, on the snapshot's clock. The snapshot carries no
/// index state, so indexes start at 1 RAY (scaled balances equal the balances given). A reserve
/// with its rate strategy in the snapshot gets it, and its current rates as its last operation
/// would have set them (so it accrues when the clock moves); one without gets a flat zero
/// strategy and accrues nothing. The pool's underlying balance per reserve is what is supplied
/// less what is borrowed.
pub(crate) fn aave_pool(
    snapshot: &Snapshot,
    id: &str,
    spec: &AaveMarketSpec,
    answer: &dyn Fn(&str) -> Result<Decimal>,
) -> Result<AavePool> {
    let version = match spec.version {
        AaveVersionSpec::V3_3 => AaveVersion::V3_3,
        AaveVersionSpec::V3_4 => AaveVersion::V3_4,
        AaveVersionSpec::V3_5 => AaveVersion::V3_5,
    };
    let ray = faultline_core::math::wad_ray::RAY;
    let flat = RateStrategy {
        optimal_usage_ratio: ray / U256::from(10u8) * U256::from(9u8),
        base_variable_borrow_rate: U256::ZERO,
        variable_rate_slope1: U256::ZERO,
        variable_rate_slope2: U256::ZERO,
    };
    let mut supplied: BTreeMap<&str, U256> = BTreeMap::new();
    let mut borrowed: BTreeMap<&str, U256> = BTreeMap::new();
    for position in &spec.positions {
        for b in &position.supply {
            let total = supplied.entry(b.token.as_str()).or_default();
            *total = total.saturating_add(b.amount.0);
        }
        for b in &position.debt {
            let total = borrowed.entry(b.token.as_str()).or_default();
            *total = total.saturating_add(b.amount.0);
        }
    }
    let mut reserves = Vec::with_capacity(spec.reserves.len());
    for (i, r) in spec.reserves.iter().enumerate() {
        let mut state = ReserveState::new(snapshot.timestamp);
        state.virtual_balance = supplied
            .get(r.token.as_str())
            .copied()
            .unwrap_or_default()
            .saturating_sub(borrowed.get(r.token.as_str()).copied().unwrap_or_default());
        reserves.push(Reserve {
            config: ReserveConfig {
                asset: address_of(snapshot, &r.token),
                symbol: r.token.clone(),
                id: u16::try_from(i).map_err(|_| Error::Overflow {
                    entity: id.to_owned(),
                    what: "reserve count",
                })?,
                decimals: r.decimals,
                ltv: r.ltv,
                liquidation_threshold: r.liquidation_threshold,
                liquidation_bonus: r.liquidation_bonus,
                liquidation_protocol_fee: r.liquidation_protocol_fee,
                reserve_factor: r.reserve_factor,
                borrow_cap: U256::from(r.borrow_cap),
                supply_cap: U256::from(r.supply_cap),
                debt_ceiling: U256::ZERO,
                borrowable_in_isolation: false,
                borrowing_enabled: r.borrowing_enabled,
                active: true,
                frozen: false,
                paused: false,
            },
            strategy: r.rate_strategy.as_ref().map_or(flat, |k| RateStrategy {
                optimal_usage_ratio: k.optimal_usage_ratio.0,
                base_variable_borrow_rate: k.base_variable_borrow_rate.0,
                variable_rate_slope1: k.variable_rate_slope1.0,
                variable_rate_slope2: k.variable_rate_slope2.0,
            }),
            state,
            // Set below through the pool's own oracle setter.
            price: U256::ZERO,
        });
    }
    let e_modes = spec
        .e_modes
        .iter()
        .map(|e| EModeCategory {
            id: e.id,
            label: e.label.clone(),
            ltv: e.ltv,
            liquidation_threshold: e.liquidation_threshold,
            liquidation_bonus: e.liquidation_bonus,
            collateral_bitmap: bitmap(spec, &e.collateral),
            borrowable_bitmap: bitmap(spec, &e.borrowable),
        })
        .collect();
    let mut pool =
        AavePool::new(version, reserves, e_modes, snapshot.timestamp).map_err(|e| model(id, e))?;
    for r in &spec.reserves {
        let price = OraclePrice(whole_price(id, answer(&r.oracle)?)?);
        pool.set_oracle_price(address_of(snapshot, &r.token), price).map_err(|e| model(id, e))?;
    }
    let reserve_id = |token: &str| -> Result<u16> {
        spec.reserves
            .iter()
            .position(|r| r.token == token)
            .and_then(|i| u16::try_from(i).ok())
            .ok_or_else(|| Error::Invalid {
                field: format!("{id}: positions"),
                expected: "a token listed as a reserve".into(),
                found: token.to_owned(),
            })
    };
    for position in &spec.positions {
        let mut user = User { e_mode: position.e_mode, reserves: BTreeMap::new() };
        for b in &position.supply {
            let rid = reserve_id(&b.token)?;
            let collateral = b.collateral
                && spec
                    .reserves
                    .get(usize::from(rid))
                    .is_some_and(|r| r.liquidation_threshold != 0);
            let entry = user.reserves.entry(rid).or_default();
            // At an index of exactly 1 RAY the scaled balance is the balance, in every version.
            entry.scaled_a = b.amount.0;
            entry.collateral_enabled = collateral;
        }
        for b in &position.debt {
            let entry = user.reserves.entry(reserve_id(&b.token)?).or_default();
            entry.scaled_debt = b.amount.0;
        }
        pool.set_user(position.account.0, user).map_err(|e| model(id, e))?;
    }
    if spec.reserves.iter().any(|r| r.rate_strategy.is_some()) {
        pool.refresh_rates().map_err(|e| model(id, e))?;
    }
    Ok(pool)
}

/// A token's decimals in a validated snapshot.
fn decimals_of(snapshot: &Snapshot, id: &str, token: &str) -> Result<u8> {
    snapshot.tokens.iter().find(|t| t.id == token).map(|t| t.decimals).ok_or_else(|| {
        Error::Invalid {
            field: format!("{id}: token"),
            expected: "a token of the snapshot".into(),
            found: token.to_owned(),
        }
    })
}

/// `10^decimals` as a U256.
fn scale_of(entity: &str, decimals: u8) -> Result<U256> {
    faultline_core::math::pow10(u32::from(decimals))
        .ok_or_else(|| Error::Overflow { entity: entity.to_owned(), what: "10^decimals" })
}

/// Where `token` sits in a collateral list, or an error naming the field.
fn collateral_index(id: &str, listed: &[&str], balance: &CollateralBalanceSpec) -> Result<usize> {
    listed.iter().position(|t| *t == balance.token).ok_or_else(|| Error::Invalid {
        field: format!("{id}: positions.collateral"),
        expected: "a token listed as collateral".into(),
        found: balance.token.clone(),
    })
}

/// The Comet market `id` of a validated snapshot, each price feed answering `answer(oracle id)`
/// USD per whole token (8 decimals, as Comet's feeds answer), on the snapshot's clock. The rate
/// curves are the snapshot's, or flat zero when it gives none (then nothing accrues). The contract
/// holds each collateral exactly as its users pledged (no collateral reserves at the start).
pub(crate) fn comet_market(
    snapshot: &Snapshot,
    id: &str,
    spec: &CometMarketSpec,
    answer: &dyn Fn(&str) -> Result<Decimal>,
) -> Result<CometMarket> {
    let flat = RateCurve {
        kink: U256::ZERO,
        base_per_year: U256::ZERO,
        slope_low_per_year: U256::ZERO,
        slope_high_per_year: U256::ZERO,
    };
    let curve = |c: &crate::snapshot::CometCurveSpec| RateCurve {
        kink: c.kink.0,
        base_per_year: c.base_per_year.0,
        slope_low_per_year: c.slope_low_per_year.0,
        slope_high_per_year: c.slope_high_per_year.0,
    };
    let (supply, borrow) =
        spec.rates.as_ref().map_or((flat, flat), |r| (curve(&r.supply), curve(&r.borrow)));
    let mut assets = Vec::with_capacity(spec.assets.len());
    for a in &spec.assets {
        assets.push(CometAsset {
            asset: address_of(snapshot, &a.token),
            scale: scale_of(id, decimals_of(snapshot, id, &a.token)?)?,
            // Set below through the market's own oracle setter.
            price: U256::ZERO,
            borrow_collateral_factor: a.borrow_collateral_factor.0,
            liquidate_collateral_factor: a.liquidate_collateral_factor.0,
            liquidation_factor: a.liquidation_factor.0,
        });
    }
    let config = CometConfig {
        base_token: address_of(snapshot, &spec.base_token),
        base_scale: scale_of(id, decimals_of(snapshot, id, &spec.base_token)?)?,
        base_price: U256::ZERO,
        store_front_price_factor: spec.store_front_price_factor.0,
        target_reserves: spec.target_reserves.0,
        base_borrow_min: spec.base_borrow_min.0,
        supply,
        borrow,
        assets,
    };
    let mut market = CometMarket::new(config, spec.base_balance.0, snapshot.timestamp)
        .map_err(|e| model(id, e))?;
    let feeds = spec.assets.iter().map(|a| (&a.token, &a.oracle));
    for (token, oracle) in feeds.chain([(&spec.base_token, &spec.base_oracle)]) {
        let price = OraclePrice(whole_price(id, answer(oracle)?)?);
        market.set_oracle_price(address_of(snapshot, token), price).map_err(|e| model(id, e))?;
    }
    market.set_totals(
        spec.base_supply_index.0,
        spec.base_borrow_index.0,
        spec.total_supply_base.0,
        spec.total_borrow_base.0,
    );
    let listed: Vec<&str> = spec.assets.iter().map(|a| a.token.as_str()).collect();
    let signed = |raw: U256| {
        I256::try_from(raw)
            .map_err(|_| Error::Overflow { entity: id.to_owned(), what: "Comet principal" })
    };
    for p in &spec.positions {
        let principal = if p.borrow_principal.0.is_zero() {
            signed(p.supply_principal.0)?
        } else {
            -signed(p.borrow_principal.0)?
        };
        market.set_base_principal(p.account.0, principal);
        for b in &p.collateral {
            let i = collateral_index(id, &listed, b)?;
            market.supply_collateral(p.account.0, i, b.amount.0).map_err(|e| model(id, e))?;
        }
    }
    Ok(market)
}

/// The account the cascade's Euler liquidators act from (`liquidator` of
/// [`EulerVault`]): any address no position uses.
pub(crate) const EULER_LIQUIDATOR: Address = Address::new([0xee; 20]);

/// The Euler v2 vault `id` of a validated snapshot, each oracle answering `answer(oracle id)`
/// USD per whole token (the unit of account), on the snapshot's clock, the interest accumulator
/// at 1 RAY. With the snapshot's `IRMLinearKink` the vault's stored rate is set as its last
/// operation would have (a `touch`), so it accrues as the clock moves; without it nothing
/// accrues.
pub(crate) fn euler_vault(
    snapshot: &Snapshot,
    id: &str,
    spec: &EulerVaultSpec,
    answer: &dyn Fn(&str) -> Result<Decimal>,
) -> Result<EulerVault> {
    let asset_decimals = decimals_of(snapshot, id, &spec.asset)?;
    let mut collaterals = Vec::with_capacity(spec.collaterals.len());
    for c in &spec.collaterals {
        let decimals = decimals_of(snapshot, id, &c.token)?;
        collaterals.push(EulerCollateral {
            vault: address_of(snapshot, &c.token),
            // Set below through the vault's own oracle setter.
            price: U256::ZERO,
            decimals,
            ltv: LtvConfig {
                borrow_ltv: c.borrow_ltv,
                liquidation_ltv: c.liquidation_ltv,
                initial_liquidation_ltv: c.liquidation_ltv,
                target_timestamp: 0,
                ramp_duration: 0,
            },
        });
    }
    let mut vault =
        EulerVault::new(None, collaterals, spec.max_liquidation_discount, snapshot.timestamp);
    vault.socialize_debt = spec.socialize_debt;
    vault.asset = address_of(snapshot, &spec.asset);
    vault.asset_decimals = asset_decimals;
    vault.liquidator = EULER_LIQUIDATOR;
    let oracles = spec.collaterals.iter().map(|c| (&c.token, &c.oracle));
    for (token, oracle) in oracles.chain([(&spec.asset, &spec.asset_oracle)]) {
        let price = OraclePrice(whole_price(id, answer(oracle)?)?);
        vault.set_oracle_price(address_of(snapshot, token), price).map_err(|e| model(id, e))?;
    }
    vault.cash = spec.cash.0;
    vault.total_shares = spec.total_shares.0;
    if let Some(irm) = &spec.irm {
        vault.irm = Some(LinearKink {
            base_rate: irm.base_rate.0,
            slope1: irm.slope1.0,
            slope2: irm.slope2.0,
            kink: irm.kink,
        });
        vault.interest_fee = irm.interest_fee;
    }
    let listed: Vec<&str> = spec.collaterals.iter().map(|c| c.token.as_str()).collect();
    for p in &spec.positions {
        vault.set_shares(p.account.0, p.shares.0);
        if !p.debt.0.is_zero() {
            vault.set_debt(p.account.0, p.debt.0).map_err(|e| model(id, e))?;
        }
        for b in &p.collateral {
            let i = collateral_index(id, &listed, b)?;
            vault.set_collateral(p.account.0, i, b.amount.0).map_err(|e| model(id, e))?;
        }
    }
    if vault.irm.is_some() {
        // No time has passed: the touch only stores the IRM's rate at the vault's state.
        vault.touch().map_err(|e| model(id, e))?;
    }
    Ok(vault)
}
