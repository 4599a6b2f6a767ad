//! One position on one protocol and market, as a borrower or an auditor asks about it: health,
//! borrowing power left, the liquidation price of each collateral asset (the price at which
//! health reaches 1, every other price fixed), and the largest liquidation allowed now with its
//! outcome, all from the protocol models' own functions.
//!
//! The position comes from a snapshot ([`from_snapshot`]), from figures ([`morpho`]), or from
//! holdings on the real Aave v3 reserves of a market fixture ([`aave`]). It lives here rather
//! than in `faultline-lending` because the snapshot path reads markets exactly as the stress
//! engine builds them (`models`); the Aave and Morpho parts only call the lending
//! crate's public API.

mod book;

use crate::{
    Error, Result,
    bands::{morpho_point, morpho_quote, mul, whole},
    engine, models,
    snapshot::{LendingProtocolSpec, Snapshot},
};
use alloy_primitives::{Address, U256};
use faultline_core::{
    Rounding,
    decimal::from_decimal,
    math::{mul_div, wad_ray::WAD},
};
use faultline_lending::{
    BadDebtBearer, LendingMarket, Liquidation, LiquidationAmount, LiquidationRequest,
    aave::{AavePool, User, load_market},
    bands::Side,
    morpho::{
        Irm, MarketParams, MarketState, MorphoMarket, Position, liquidation_incentive_factor,
    },
};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use std::collections::BTreeMap;

/// The Aave pool version whose rounding a position follows.
pub use faultline_lending::aave::AaveVersion;

/// A Morpho Blue position given by its figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MorphoInput {
    /// Liquidation LTV, a fraction in (0, 1).
    pub lltv: Decimal,
    /// Collateral, whole tokens.
    pub collateral: Decimal,
    /// The oracle's price of one collateral token in loan tokens.
    pub collateral_price: Decimal,
    /// Debt, whole loan tokens.
    pub debt: Decimal,
    /// Loan token decimals.
    pub loan_decimals: u8,
    /// Collateral token decimals.
    pub collateral_decimals: u8,
}

/// An Aave v3 position given by its holdings, on the reserves of a market fixture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AaveInput {
    /// Collateral: reserve symbol and whole tokens.
    pub collateral: Vec<(String, Decimal)>,
    /// Debt: reserve symbol and whole tokens.
    pub debt: Vec<(String, Decimal)>,
    /// Oracle prices to use instead of the fixture's: symbol and USD.
    pub prices: Vec<(String, Decimal)>,
    /// eMode category, 0 for none.
    pub e_mode: u8,
    /// The pool version whose rounding to follow.
    pub version: AaveVersion,
}

/// The what-if answer for one position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PositionReport {
    /// `morpho_blue` or `aave_v3`.
    pub protocol: String,
    /// The market (a snapshot market's name, or a description of the flags' market).
    pub market: String,
    /// The account, when the position comes from a snapshot.
    pub account: Option<Address>,
    /// The unit of every value below (the loan token's symbol for Morpho, `USD` for Aave).
    pub unit: String,
    /// Collateral holdings.
    pub collateral: Vec<CollateralLine>,
    /// Debt holdings.
    pub debt: Vec<DebtLine>,
    /// Collateral value, as the protocol rounds it.
    pub collateral_value: Decimal,
    /// Collateral value weighted by the liquidation threshold.
    pub liquidation_value: Decimal,
    /// Debt value, as the protocol rounds it.
    pub debt_value: Decimal,
    /// Health factor (18 places, rounded down); `None` with no debt.
    pub health_factor: Option<Decimal>,
    /// How much more may be borrowed now, in `unit`.
    pub borrowing_power: Decimal,
    /// Whether a liquidator may act now.
    pub liquidatable: bool,
    /// The largest liquidation allowed now, per collateral/debt pair (empty when healthy).
    pub liquidations: Vec<LiquidationLine>,
}

/// One collateral holding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CollateralLine {
    /// Symbol.
    pub asset: String,
    /// Whole tokens.
    pub amount: Decimal,
    /// Oracle price, in `unit` per token.
    pub price: Decimal,
    /// Liquidation threshold (LLTV for Morpho; eMode applied for Aave).
    pub liquidation_threshold: Decimal,
    /// The price below which the position is liquidatable, every other price fixed; `None`
    /// when no price of this asset makes it liquidatable or healthy.
    pub liquidation_price: Option<Decimal>,
    /// The fall from `price` to `liquidation_price`, percent (0 when liquidatable already).
    pub fall_pct: Option<Decimal>,
}

/// One debt holding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DebtLine {
    /// Symbol.
    pub asset: String,
    /// Whole tokens.
    pub amount: Decimal,
    /// Oracle price, in `unit` per token.
    pub price: Decimal,
}

/// The largest liquidation of one collateral/debt pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiquidationLine {
    /// Collateral seized.
    pub collateral_asset: String,
    /// Debt repaid.
    pub debt_asset: String,
    /// Share of the debt a liquidator may repay in one call (Morpho: all of it; Aave: 50% of
    /// the total debt above health 0.95 when both reserves are worth $2,000 or more, else all).
    pub close_factor: Decimal,
    /// The liquidator's bonus on the repaid debt's worth (Morpho LIF − 1; Aave bonus − 100%).
    pub bonus: Decimal,
    /// What the liquidation does, or `None` when the protocol refuses it.
    pub outcome: Option<LiquidationOutcome>,
    /// Why the protocol refuses it (its revert), when it does.
    pub refused: Option<String>,
}

/// What the largest liquidation does, in whole tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiquidationOutcome {
    /// Debt repaid by the liquidator.
    pub debt_repaid: Decimal,
    /// Collateral taken from the borrower, protocol fee included.
    pub collateral_seized: Decimal,
    /// Of it, the liquidator's bonus.
    pub liquidator_bonus: Decimal,
    /// Of it, the protocol's fee.
    pub protocol_fee: Decimal,
    /// Debt written off (debt-token units, whole).
    pub bad_debt: Decimal,
    /// Who carries it: `nobody`, `suppliers`, `protocol_deficit`, `reserves`.
    pub bad_debt_bearer: String,
    /// Collateral left in the seized asset.
    pub remaining_collateral: Decimal,
    /// Debt left in the repaid asset.
    pub remaining_debt: Decimal,
    /// Health factor afterwards; `None` with no debt left.
    pub health_after: Option<Decimal>,
}

fn invalid(field: &str, expected: impl Into<String>, found: impl ToString) -> Error {
    Error::Invalid { field: field.into(), expected: expected.into(), found: found.to_string() }
}

fn model(entity: &str, error: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Model { entity: entity.to_owned(), source: Box::new(error) }
}

fn health(entity: &str, hf: U256) -> Result<Option<Decimal>> {
    if hf == U256::MAX { Ok(None) } else { whole(entity, hf, 18).map(Some) }
}

const fn bearer(b: BadDebtBearer) -> &'static str {
    match b {
        BadDebtBearer::Suppliers => "suppliers",
        BadDebtBearer::ProtocolDeficit => "protocol_deficit",
        BadDebtBearer::Reserves => "reserves",
        _ => "nobody",
    }
}

/// `1 − price / current` in percent, 4 places; 0 when `price` is at or above `current`.
fn fall(entity: &str, price: U256, current: U256) -> Result<Decimal> {
    if current.is_zero() || price >= current {
        return Ok(Decimal::ZERO);
    }
    let kept = mul_div(price, WAD, current, Rounding::Up).map_err(|e| model(entity, e))?;
    let kept = whole(entity, kept, 18)?;
    Ok(((Decimal::ONE - kept) * Decimal::ONE_HUNDRED).round_dp(4))
}

/// Token symbols and decimals of a Morpho market, for the report.
struct MorphoNames<'a> {
    market: String,
    loan: &'a str,
    loan_decimals: u8,
    collateral: &'a str,
    collateral_decimals: u8,
}

fn morpho_report(
    market: &MorphoMarket,
    account: Address,
    names: &MorphoNames<'_>,
    shown_account: Option<Address>,
) -> Result<PositionReport> {
    let id = names.market.as_str();
    let m = |e| model(id, e);
    let (loan_dec, coll_dec) = (names.loan_decimals, names.collateral_decimals);
    let h = LendingMarket::health(market, account).map_err(m)?;
    let position = market.position(account);
    let borrowed = market.borrowed(account).map_err(m)?;
    let point = morpho_point(market, id, account)?;
    let liquidation_price = match point.side {
        Side::Below => Some(morpho_quote(id, point.price, loan_dec, coll_dec)?),
        _ => None,
    };
    let fall_pct = match point.side {
        Side::Below => Some(fall(id, point.price, market.price())?),
        Side::Always => Some(Decimal::ZERO),
        _ => None,
    };
    let lltv = market.params().lltv;
    let liquidatable = LendingMarket::is_liquidatable(market, account).map_err(m)?;
    let mut liquidations = Vec::new();
    if liquidatable {
        let lif = liquidation_incentive_factor(lltv).map_err(m)?;
        let bonus = whole(id, lif.saturating_sub(WAD), 18)?;
        let p = market.params();
        let mut after = market.clone();
        let line = match after.liquidate_max(account) {
            Ok(_) => {
                let out = LendingMarket::max_liquidation(
                    market,
                    account,
                    p.collateral_token,
                    p.loan_token,
                )
                .map_err(m)?;
                let after_health = LendingMarket::health(&after, account).map_err(m)?;
                (Some(outcome(id, &out, coll_dec, loan_dec, after_health.health_factor)?), None)
            }
            Err(e) => (None, Some(e.to_string())),
        };
        liquidations.push(LiquidationLine {
            collateral_asset: names.collateral.to_owned(),
            debt_asset: names.loan.to_owned(),
            close_factor: Decimal::ONE,
            bonus,
            outcome: line.0,
            refused: line.1,
        });
    }
    Ok(PositionReport {
        protocol: "morpho_blue".into(),
        market: names.market.clone(),
        account: shown_account,
        unit: names.loan.to_owned(),
        collateral: vec![CollateralLine {
            asset: names.collateral.to_owned(),
            amount: whole(id, position.collateral, coll_dec)?,
            price: morpho_quote(id, market.price(), loan_dec, coll_dec)?,
            liquidation_threshold: whole(id, lltv, 18)?,
            liquidation_price,
            fall_pct,
        }],
        debt: vec![DebtLine {
            asset: names.loan.to_owned(),
            amount: whole(id, borrowed, loan_dec)?,
            price: Decimal::ONE,
        }],
        collateral_value: whole(id, h.collateral_value, loan_dec)?,
        liquidation_value: whole(id, h.liquidation_value, loan_dec)?,
        debt_value: whole(id, h.debt_value, loan_dec)?,
        health_factor: health(id, h.health_factor)?,
        borrowing_power: whole(
            id,
            LendingMarket::borrowing_power(market, account).map_err(m)?,
            loan_dec,
        )?,
        liquidatable,
        liquidations,
    })
}

fn outcome(
    entity: &str,
    out: &Liquidation,
    coll_dec: u8,
    debt_dec: u8,
    health_after: U256,
) -> Result<LiquidationOutcome> {
    Ok(LiquidationOutcome {
        debt_repaid: whole(entity, out.debt_repaid, debt_dec)?,
        collateral_seized: whole(entity, out.collateral_seized, coll_dec)?,
        liquidator_bonus: whole(entity, out.liquidator_bonus, coll_dec)?,
        protocol_fee: whole(entity, out.protocol_fee, coll_dec)?,
        bad_debt: whole(entity, out.bad_debt, debt_dec)?,
        bad_debt_bearer: bearer(out.bad_debt_bearer).into(),
        remaining_collateral: whole(entity, out.remaining_collateral, coll_dec)?,
        remaining_debt: whole(entity, out.remaining_debt, debt_dec)?,
        health_after: health(entity, health_after)?,
    })
}

/// The position of `account` in the lending market `market` (an id) of `snapshot`, read as the
/// stress engine reads it.
pub fn from_snapshot(
    snapshot: &Snapshot,
    market: &str,
    account: Address,
) -> Result<PositionReport> {
    let spec = snapshot.lending_markets.iter().find(|m| m.id == market).ok_or_else(|| {
        let known: Vec<&str> = snapshot.lending_markets.iter().map(|m| m.id.as_str()).collect();
        invalid(
            "market",
            format!("a lending market id of the snapshot ({})", known.join(", ")),
            market,
        )
    })?;
    // One arm per protocol.
    match &spec.protocol {
        LendingProtocolSpec::MorphoBlue(morpho) => {
            if !morpho.positions.iter().any(|p| p.account.0 == account) {
                return Err(invalid(
                    "account",
                    format!("an account with a position in {market}"),
                    account,
                ));
            }
            let oracle =
                snapshot.oracles.iter().find(|o| o.id == morpho.oracle).ok_or_else(|| {
                    invalid("oracle", "an oracle of the snapshot", &morpho.oracle)
                })?;
            let answer = oracle
                .price
                .max(Decimal::ZERO)
                .round_dp_with_strategy(18, RoundingStrategy::ToZero);
            let built = models::morpho_market(snapshot, market, morpho, answer)?;
            let token = |id: &str| {
                snapshot
                    .tokens
                    .iter()
                    .find(|t| t.id == id)
                    .ok_or_else(|| invalid("token", "a token of the snapshot", id))
            };
            let (loan, collateral) = (token(&morpho.loan_token)?, token(&morpho.collateral_token)?);
            let names = MorphoNames {
                market: spec.name.clone(),
                loan: &loan.symbol,
                loan_decimals: loan.decimals,
                collateral: &collateral.symbol,
                collateral_decimals: collateral.decimals,
            };
            morpho_report(&built, account, &names, Some(account))
        }
        LendingProtocolSpec::AaveV3(_)
        | LendingProtocolSpec::CompoundV3(_)
        | LendingProtocolSpec::EulerV2(_) => {
            let index = snapshot.lending_markets.iter().position(|m| m.id == market).unwrap_or(0);
            let live = engine::live_markets(snapshot)?;
            let (id, name) = (market, spec.name.as_str());
            match live.get(index) {
                Some(engine::markets::Market::Aave(l)) => {
                    book::book_report(snapshot, id, name, "aave_v3", l, account)
                }
                Some(engine::markets::Market::Comet(l)) => {
                    book::book_report(snapshot, id, name, "compound_v3", l, account)
                }
                Some(engine::markets::Market::Euler(l)) => {
                    book::book_report(snapshot, id, name, "euler_v2", l, account)
                }
                _ => Err(invalid("market", "a lending market of the snapshot", market)),
            }
        }
    }
}

/// The Aave v3 pool of lending market `market` of `snapshot`, built exactly as the stress engine
/// builds it, for checking its figures (health factors, account data) against the chain's.
pub fn aave_pool(snapshot: &Snapshot, market: &str) -> Result<AavePool> {
    let index = snapshot.lending_markets.iter().position(|m| m.id == market);
    let live = engine::live_markets(snapshot)?;
    match index.and_then(|i| live.into_iter().nth(i)) {
        Some(engine::markets::Market::Aave(l)) => Ok(l.model.pool().clone()),
        _ => Err(invalid("market", "an Aave v3 lending market of the snapshot", market)),
    }
}

fn non_negative(field: &str, value: Decimal) -> Result<()> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err(invalid(field, "a figure of zero or more", value));
    }
    Ok(())
}

/// A Morpho Blue position given by its figures: one borrower in a market that holds only its
/// debt (borrow shares at Morpho's initial 1e6 per asset, so it owes exactly `debt`).
pub fn morpho(input: &MorphoInput) -> Result<PositionReport> {
    if input.lltv <= Decimal::ZERO || input.lltv >= Decimal::ONE {
        return Err(invalid("lltv", "a fraction in (0, 1)", input.lltv));
    }
    non_negative("collateral", input.collateral)?;
    non_negative("collateral_price", input.collateral_price)?;
    non_negative("debt", input.debt)?;
    for (field, decimals) in
        [("loan_decimals", input.loan_decimals), ("collateral_decimals", input.collateral_decimals)]
    {
        if decimals > 36 {
            return Err(invalid(field, "at most 36", decimals));
        }
    }
    let entity = "morpho-blue";
    let m = |e| model(entity, e);
    let raw = |field: &str, value: Decimal, decimals: u8, rounding| {
        from_decimal(value, decimals, rounding)
            .map_err(|e| invalid(field, "an amount that fits 256 bits", e))
    };
    let lltv = raw("lltv", input.lltv, 18, Rounding::Down)?;
    let collateral =
        raw("collateral", input.collateral, input.collateral_decimals, Rounding::Down)?;
    let debt = raw("debt", input.debt, input.loan_decimals, Rounding::Up)?;
    let shares = debt.checked_mul(U256::from(1_000_000u32)).ok_or_else(|| {
        invalid("debt", "an amount that fits 256 bits as borrow shares", input.debt)
    })?;
    let price = faultline_lending::morpho::oracle_price(
        models::whole_price(entity, input.collateral_price)?,
        input.loan_decimals,
        input.collateral_decimals,
    )
    .map_err(m)?;
    let (loan_token, collateral_token) = (Address::with_last_byte(1), Address::with_last_byte(2));
    let params = MarketParams {
        loan_token,
        collateral_token,
        oracle: Address::ZERO,
        irm: Address::ZERO,
        lltv,
    };
    let state = MarketState {
        total_supply_assets: debt,
        total_supply_shares: shares,
        total_borrow_assets: debt,
        total_borrow_shares: shares,
        last_update: U256::ZERO,
        fee: U256::ZERO,
    };
    let account = Address::with_last_byte(0xB0);
    let positions = BTreeMap::from([(
        account,
        Position { supply_shares: U256::ZERO, borrow_shares: shares, collateral },
    )]);
    let market =
        MorphoMarket::from_state(params, state, positions, Irm::None, price, 0).map_err(m)?;
    let names = MorphoNames {
        market: format!("Morpho Blue, LLTV {}", input.lltv.normalize()),
        loan: "loan",
        loan_decimals: input.loan_decimals,
        collateral: "collateral",
        collateral_decimals: input.collateral_decimals,
    };
    morpho_report(&market, account, &names, None)
}

/// An Aave v3 position of `input`'s holdings on the reserves of the market fixture `fixture`
/// (the `fixtures/aave-v3/*.json` format), at the fixture's oracle prices unless overridden.
pub fn aave(fixture: &str, input: &AaveInput) -> Result<PositionReport> {
    let entity = "aave-v3";
    let m = |e| model(entity, e);
    let mut pool = load_market(fixture, input.version, 0).map_err(m)?.pool;
    let reserves: Vec<(String, Address, u16, u8)> = pool
        .reserves()
        .iter()
        .map(|r| (r.config.symbol.clone(), r.config.asset, r.config.id, r.config.decimals))
        .collect();
    let symbols: Vec<&str> = reserves.iter().map(|r| r.0.as_str()).collect();
    let find = |field: &str, symbol: &str| -> Result<(Address, u16, u8)> {
        reserves
            .iter()
            .find(|r| r.0 == symbol)
            .or_else(|| reserves.iter().find(|r| r.0.eq_ignore_ascii_case(symbol)))
            .map(|r| (r.1, r.2, r.3))
            .ok_or_else(|| {
                invalid(
                    &format!("{field}[{symbol}]"),
                    format!("a reserve of the market ({})", symbols.join(", ")),
                    symbol,
                )
            })
    };
    if input.debt.is_empty() && input.collateral.is_empty() {
        return Err(invalid("position", "at least one collateral or debt holding", "none"));
    }
    for (symbol, usd) in &input.prices {
        non_negative(&format!("price[{symbol}]"), *usd)?;
        let (asset, _, _) = find("price", symbol)?;
        let raw = from_decimal(*usd, 8, Rounding::Down)
            .map_err(|e| invalid(&format!("price[{symbol}]"), "a price that fits 256 bits", e))?;
        pool.set_price(asset, raw).map_err(m)?;
    }
    if input.e_mode != 0 && !pool.e_modes().contains_key(&input.e_mode) {
        let known: Vec<String> = pool.e_modes().keys().map(u8::to_string).collect();
        return Err(invalid(
            "e_mode",
            format!("0 or a category of the market ({})", known.join(", ")),
            input.e_mode,
        ));
    }
    let mut user = User { e_mode: input.e_mode, reserves: BTreeMap::new() };
    let mut add = |field: &str, symbol: &str, amount: Decimal, debt: bool| -> Result<()> {
        non_negative(&format!("{field}[{symbol}]"), amount)?;
        let (_, id, decimals) = find(field, symbol)?;
        // Indexes start at 1 RAY, so scaled balances equal the amounts.
        let raw = from_decimal(amount, decimals, if debt { Rounding::Up } else { Rounding::Down })
            .map_err(|e| {
                invalid(&format!("{field}[{symbol}]"), "an amount that fits 256 bits", e)
            })?;
        let entry = user.reserves.entry(id).or_default();
        if debt {
            entry.scaled_debt = raw;
        } else {
            entry.scaled_a = raw;
            entry.collateral_enabled = true;
        }
        Ok(())
    };
    for (symbol, amount) in &input.collateral {
        add("collateral", symbol, *amount, false)?;
    }
    for (symbol, amount) in &input.debt {
        add("debt", symbol, *amount, true)?;
    }
    let account = Address::with_last_byte(0xB0);
    pool.set_user(account, user).map_err(m)?;
    aave_report(&pool, account, input)
}

fn usd(entity: &str, raw: U256) -> Result<Decimal> {
    whole(entity, raw, 8)
}

fn aave_report(pool: &AavePool, account: Address, input: &AaveInput) -> Result<PositionReport> {
    let entity = "aave-v3";
    let m = |e| model(entity, e);
    let h = LendingMarket::health(pool, account).map_err(m)?;
    let user = pool.user(account);
    let e_mode = pool.e_modes().get(&user.e_mode);
    let mut collateral = Vec::new();
    let mut debt = Vec::new();
    for (id, ur) in &user.reserves {
        let r = pool
            .reserves()
            .get(usize::from(*id))
            .ok_or_else(|| invalid("reserve", "a listed reserve", id))?;
        let c = &r.config;
        let in_e_mode = e_mode.filter(|e| *id < 128 && (e.collateral_bitmap >> id) & 1 == 1);
        if ur.collateral_enabled && !ur.scaled_a.is_zero() {
            let lt = in_e_mode.map_or(c.liquidation_threshold, |e| e.liquidation_threshold);
            // Bisection on the asset's price, all else fixed; only where health rises with it
            // (an asset also borrowed may not).
            let (liquidation_price, fall_pct) = if ur.scaled_debt.is_zero() {
                let healthy = |p: U256| -> Result<bool> {
                    let mut moved = pool.clone();
                    moved.set_price(c.asset, p).map_err(m)?;
                    Ok(moved.account_data(account).map_err(m)?.health_factor >= WAD)
                };
                match crate::bands::least_healthy_price(r.price, healthy)? {
                    Some(p) if !p.is_zero() => {
                        (Some(usd(entity, p)?), Some(fall(entity, p, r.price)?))
                    }
                    _ => (None, None),
                }
            } else {
                (None, None)
            };
            collateral.push(CollateralLine {
                asset: c.symbol.clone(),
                amount: whole(entity, ur.scaled_a, c.decimals)?,
                price: usd(entity, r.price)?,
                liquidation_threshold: Decimal::new(i64::from(lt), 4),
                liquidation_price,
                fall_pct,
            });
        }
        if !ur.scaled_debt.is_zero() {
            debt.push(DebtLine {
                asset: c.symbol.clone(),
                amount: whole(entity, ur.scaled_debt, c.decimals)?,
                price: usd(entity, r.price)?,
            });
        }
    }
    let liquidatable = LendingMarket::is_liquidatable(pool, account).map_err(m)?;
    let health_factor = health(entity, h.health_factor)?;
    let mut liquidations = Vec::new();
    if liquidatable {
        let above_095 = h.health_factor > faultline_lending::aave::CLOSE_FACTOR_HF_THRESHOLD;
        let min = Decimal::from(2_000);
        for c in &collateral {
            for d in &debt {
                let (ca, cid, cdec) = find_reserve(pool, &c.asset)?;
                let (da, _, ddec) = find_reserve(pool, &d.asset)?;
                let half = above_095
                    && mul(entity, "collateral value", c.amount, c.price)? >= min
                    && mul(entity, "debt value", d.amount, d.price)? >= min;
                let bonus_bps = e_mode
                    .filter(|e| cid < 128 && (e.collateral_bitmap >> cid) & 1 == 1)
                    .map_or_else(
                        || {
                            pool.reserves()
                                .get(usize::from(cid))
                                .map_or(0, |r| r.config.liquidation_bonus)
                        },
                        |e| e.liquidation_bonus,
                    );
                let mut after = pool.clone();
                // What `max_liquidation` does: cover as much as the pool allows.
                let result = after.liquidate(LiquidationRequest {
                    borrower: account,
                    collateral_asset: ca,
                    debt_asset: da,
                    amount: LiquidationAmount::Debt(U256::MAX),
                });
                let (outcome_line, refused) = match result {
                    Ok(out) => {
                        let hf = after.account_data(account).map_err(m)?.health_factor;
                        (Some(outcome(entity, &out, cdec, ddec, hf)?), None)
                    }
                    Err(e) => (None, Some(e.to_string())),
                };
                liquidations.push(LiquidationLine {
                    collateral_asset: c.asset.clone(),
                    debt_asset: d.asset.clone(),
                    close_factor: if half { Decimal::new(5, 1) } else { Decimal::ONE },
                    bonus: Decimal::new(i64::from(bonus_bps) - 10_000, 4),
                    outcome: outcome_line,
                    refused,
                });
            }
        }
    }
    let market = format!(
        "Aave v3 ({:?} rounding{})",
        input.version,
        e_mode.map_or_else(String::new, |e| format!(", eMode {} {}", e.id, e.label))
    );
    Ok(PositionReport {
        protocol: "aave_v3".into(),
        market,
        account: None,
        unit: "USD".into(),
        collateral,
        debt,
        collateral_value: usd(entity, h.collateral_value)?,
        liquidation_value: usd(entity, h.liquidation_value)?,
        debt_value: usd(entity, h.debt_value)?,
        health_factor,
        borrowing_power: usd(entity, LendingMarket::borrowing_power(pool, account).map_err(m)?)?,
        liquidatable,
        liquidations,
    })
}

fn find_reserve(pool: &AavePool, symbol: &str) -> Result<(Address, u16, u8)> {
    pool.reserves()
        .iter()
        .find(|r| r.config.symbol == symbol)
        .map(|r| (r.config.asset, r.config.id, r.config.decimals))
        .ok_or_else(|| invalid("reserve", "a reserve of the market", symbol))
}
