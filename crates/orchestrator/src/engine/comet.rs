//! Compound v3 (Comet) markets in the cascade, by Comet's own rules (`faultline_lending::comet`,
//! mirroring `Comet.sol`):
//!
//! - every borrower `isLiquidatable` at the market's price feeds is absorbed: all its collateral
//!   goes to the protocol, credited at the liquidation factor, and the protocol takes the debt
//!   against its reserves. Absorption is not profit-gated: anyone may call `absorb` and the
//!   protocol, not the caller, bears the outcome (the caller pays only gas);
//! - reserves (`getReserves`) below zero are bad debt by Comet's rule: realised bad debt is how
//!   far below zero they stand once the pass's collateral purchases are done, in USD at the base
//!   token's market price (an absorption pays the collateral's credited value out of reserves
//!   at once, and a purchase pays it back, so a deficit a buyer would fill is not reported);
//! - absorbed collateral waits in the contract until someone buys it through `buyCollateral`
//!   at the store-front discount (open while reserves are below `targetReserves`): a buyer buys
//!   the largest of all, a half, a quarter, ... (down to 1/64) of it that profits after selling
//!   the collateral into the token's venue and gas, and the sale moves the venue;
//! - a borrower liquidatable at market prices but not by the feeds is a missed liquidation
//!   (oracle above market); economic bad debt is debt over collateral at market prices, summed
//!   over borrowers, both valued by Comet's own 8-decimal arithmetic.

use super::{
    Engine,
    lending::Miss,
    log::Quantity,
    model, settled, usd,
    world::{OracleState, whole},
};
use crate::{
    Error, Result,
    models::{aave_price, address_of, comet_market},
    report::{EventKind, MissReason},
    snapshot::{CometMarketSpec, Snapshot},
};
use alloy_primitives::{Address, U256};
use faultline_core::{OraclePrice, Price, Rounding, math::pow10};
use faultline_lending::{
    LendingMarket,
    comet::{CometMarket, FACTOR_SCALE, mul_factor},
};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

/// Fractions of the absorbed collateral a buyer tries, as right shifts (all, 1/2, ... 1/64).
const BUY_HALVINGS: usize = 7;

/// One collateral asset of a live Comet market.
#[derive(Debug, Clone)]
pub(crate) struct CometAssetLive {
    pub(crate) token: String,
    pub(crate) oracle: String,
    pub(crate) asset: Address,
    pub(crate) decimals: u8,
    /// Absorbed collateral the contract holds and nobody has bought yet, raw units.
    pub(crate) for_sale: U256,
}

/// A Comet market and the cascade's bookkeeping on it.
#[derive(Debug, Clone)]
pub(crate) struct CometLive {
    pub(crate) name: String,
    pub(crate) market: CometMarket,
    pub(crate) base: String,
    pub(crate) base_oracle: String,
    pub(crate) base_asset: Address,
    pub(crate) base_decimals: u8,
    pub(crate) assets: Vec<CometAssetLive>,
    /// Accounts with a borrow principal at the start, in snapshot order.
    pub(crate) borrowers: Vec<Address>,
    /// Borrowers whose missed liquidation has been logged (logged once each).
    pub(crate) missed: BTreeSet<Address>,
    pub(crate) missed_count: u64,
    /// Absorptions.
    pub(crate) liquidations: u64,
    pub(crate) realised_bad_debt_usd: Decimal,
    pub(crate) economic_bad_debt_usd: Decimal,
}

/// An oracle's current answer as a decimal.
pub(super) fn answer_of(
    id: &str,
    oracles: &BTreeMap<String, OracleState>,
    oracle: &str,
) -> Result<Decimal> {
    let state = oracles.get(oracle).ok_or_else(|| Error::Invalid {
        field: format!("{id}: oracle"),
        expected: "an oracle of the snapshot".into(),
        found: oracle.to_owned(),
    })?;
    state.oracle.price().0.to_decimal().map_err(|e| model(id, e))
}

impl CometLive {
    pub(crate) fn build(
        snapshot: &Snapshot,
        id: &str,
        name: &str,
        spec: &CometMarketSpec,
        oracles: &BTreeMap<String, OracleState>,
    ) -> Result<Self> {
        let answer = |oracle: &str| answer_of(id, oracles, oracle);
        let market = comet_market(snapshot, id, spec, &answer)?;
        let decimals =
            |token: &str| snapshot.tokens.iter().find(|t| t.id == token).map_or(0, |t| t.decimals);
        Ok(Self {
            name: name.to_owned(),
            market,
            base: spec.base_token.clone(),
            base_oracle: spec.base_oracle.clone(),
            base_asset: address_of(snapshot, &spec.base_token),
            base_decimals: decimals(&spec.base_token),
            assets: spec
                .assets
                .iter()
                .map(|a| CometAssetLive {
                    token: a.token.clone(),
                    oracle: a.oracle.clone(),
                    asset: address_of(snapshot, &a.token),
                    decimals: decimals(&a.token),
                    for_sale: U256::ZERO,
                })
                .collect(),
            borrowers: spec
                .positions
                .iter()
                .filter(|p| !p.borrow_principal.0.is_zero())
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

/// Sets 8-decimal USD prices (Comet's feeds' scale) by token address, base token included.
fn set_prices(id: &str, market: &mut CometMarket, prices: &[(Address, U256)]) -> Result<()> {
    for &(asset, raw) in prices {
        let price = OraclePrice(Price::new(raw, 8).map_err(|e| model(id, e))?);
        market.set_oracle_price(asset, price).map_err(|e| model(id, e))?;
    }
    Ok(())
}

/// The market's base token id.
fn m_base(engine: &Engine<'_>, id: &str) -> String {
    engine.world.comet[id].base.clone()
}

/// `max(0, −reserves)` in base units.
fn shortfall(market: &CometMarket, id: &str) -> Result<U256> {
    let reserves = market.reserves().map_err(|e| model(id, e))?;
    Ok(if reserves.is_negative() { reserves.unsigned_abs() } else { U256::ZERO })
}

impl Engine<'_> {
    /// One pass over every Comet market.
    pub(super) fn run_comet(&mut self) -> Result<()> {
        for id in self.world.comet.keys().cloned().collect::<Vec<_>>() {
            self.sync_comet_oracles(&id)?;
            let at_market = self.comet_at_market(&id)?;
            for borrower in self.world.comet[&id].borrowers.clone() {
                self.visit_comet_borrower(&id, borrower, &at_market)?;
            }
            self.buy_comet_collateral(&id)?;
            self.account_comet_reserves(&id)?;
            self.account_comet_losses(&id)?;
        }
        Ok(())
    }

    /// Gives the base token and every asset its price feed's current answer (8 decimals).
    fn sync_comet_oracles(&mut self, id: &str) -> Result<()> {
        let m = &self.world.comet[id];
        let mut prices = vec![(
            m.base_asset,
            aave_price(id, answer_of(id, &self.world.oracles, &m.base_oracle)?)?,
        )];
        for a in &m.assets {
            prices.push((a.asset, aave_price(id, answer_of(id, &self.world.oracles, &a.oracle)?)?));
        }
        self.set_comet_prices(id, &prices)
    }

    fn set_comet_prices(&mut self, id: &str, prices: &[(Address, U256)]) -> Result<()> {
        if let Some(m) = self.world.comet.get_mut(id) {
            set_prices(id, &mut m.market, prices)?;
        }
        Ok(())
    }

    /// The market as it stands, its feeds replaced by the market prices.
    fn comet_at_market(&self, id: &str) -> Result<CometMarket> {
        let m = &self.world.comet[id];
        let mut market = m.market.clone();
        let tokens = &self.world.tokens;
        let mut prices = vec![(m.base_asset, aave_price(id, tokens[&m.base].price)?)];
        prices.extend(
            m.assets
                .iter()
                .map(|a| Ok((a.asset, aave_price(id, tokens[&a.token].price)?)))
                .collect::<Result<Vec<_>>>()?,
        );
        set_prices(id, &mut market, &prices)?;
        Ok(market)
    }

    /// The causes of a borrower's fate: its largest collateral's feed and price first (by value
    /// at the feeds), then the others', then the base feed.
    fn comet_causes(&self, id: &str, borrower: Address) -> Result<Vec<Quantity>> {
        let m = &self.world.comet[id];
        let mut held: Vec<(U256, usize)> = Vec::new();
        for (i, a) in m.assets.iter().enumerate() {
            let balance = m.market.collateral_of(borrower, i);
            if balance.is_zero() {
                continue;
            }
            let unit = pow10(u32::from(a.decimals)).unwrap_or(U256::MAX);
            let price = aave_price(id, answer_of(id, &self.world.oracles, &a.oracle)?)?;
            let value = faultline_core::math::mul_div(balance, price, unit, Rounding::Down)
                .map_err(|e| model(id, e))?;
            held.push((value, i));
        }
        // Largest first; ties to the lower index.
        held.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut causes = Vec::new();
        for (_, i) in held {
            let a = &m.assets[i];
            causes.push(Quantity::Oracle(a.oracle.clone()));
            causes.push(Quantity::Price(a.token.clone()));
        }
        causes.push(Quantity::Oracle(m.base_oracle.clone()));
        Ok(causes)
    }

    fn visit_comet_borrower(
        &mut self,
        id: &str,
        borrower: Address,
        at_market: &CometMarket,
    ) -> Result<()> {
        let m = &self.world.comet[id];
        if m.market.debt_of(borrower).map_err(|e| model(id, e))?.is_zero() {
            return Ok(());
        }
        let by_market = LendingMarket::health(at_market, borrower).map_err(|e| model(id, e))?;
        let debt_usd = whole(id, by_market.debt_value, 8)?;
        let collateral_usd = whole(id, by_market.collateral_value, 8)?;
        let causes = self.comet_causes(id, borrower)?;
        let m = &self.world.comet[id];
        if !m.market.is_liquidatable(borrower).map_err(|e| model(id, e))? {
            if at_market.is_liquidatable(borrower).map_err(|e| model(id, e))? {
                self.comet_miss(id, borrower, debt_usd, collateral_usd, &causes);
            }
            return Ok(());
        }
        // Absorb: the protocol takes the debt and the collateral.
        let base_price = self.world.tokens[&m.base].price;
        let name = m.name.clone();
        let Some(m) = self.world.comet.get_mut(id) else { return Ok(()) };
        let debt = m.market.debt_of(borrower).map_err(|e| model(id, e))?;
        let out = m.market.absorb(borrower).map_err(|e| model(id, e))?;
        m.liquidations += 1;
        for (a, seized) in m.assets.iter_mut().zip(&out.seized) {
            a.for_sale = a.for_sale.saturating_add(*seized);
        }
        let base_decimals = m.base_decimals;
        // What the collateral, credited at the liquidation factor, did not cover: the
        // reserves take it.
        let bad_debt_usd = whole(id, out.shortfall, base_decimals)? * base_price;
        let repaid_usd = whole(id, debt, base_decimals)? * base_price;
        let summary = format!(
            "{name}: {borrower} absorbed, {} of debt taken by the protocol against {} of \
             collateral at market{}",
            usd(repaid_usd),
            usd(collateral_usd),
            if bad_debt_usd.is_zero() {
                String::new()
            } else {
                format!(", {} not covered, taken by reserves", usd(bad_debt_usd))
            }
        );
        let kind = EventKind::Liquidation {
            borrower: borrower.to_string(),
            repaid_usd,
            seized_usd: collateral_usd,
            profit_usd: Decimal::ZERO,
            bad_debt_usd,
        };
        let event = self.log.record(id, kind, &causes, summary);
        // Every absorption moves the reserves.
        self.log.mark(Quantity::MarketLoss(id.to_owned()), event);
        Ok(())
    }

    /// Realised bad debt by Comet's rule: reserves below zero once the pass's collateral
    /// purchases are done, in USD at the base token's market price; logged when it grows.
    fn account_comet_reserves(&mut self, id: &str) -> Result<()> {
        let m = &self.world.comet[id];
        let deficit = whole(id, shortfall(&m.market, id)?, m.base_decimals)?
            * self.world.tokens[&m.base].price;
        let (name, old) = (m.name.clone(), m.realised_bad_debt_usd);
        if let Some(m) = self.world.comet.get_mut(id) {
            m.realised_bad_debt_usd = deficit;
        }
        if deficit > old && !settled(old, deficit) {
            let summary =
                format!("{name}: reserves {} below zero: bad debt by Comet's rule", usd(deficit));
            let causes = [Quantity::MarketLoss(id.to_owned()), Quantity::Price(m_base(self, id))];
            let event = self.log.record(
                id,
                EventKind::ReservesBelowZero { deficit_usd: deficit },
                &causes,
                summary,
            );
            self.log.mark(Quantity::MarketLoss(id.to_owned()), event);
        }
        Ok(())
    }

    fn comet_miss(
        &mut self,
        id: &str,
        borrower: Address,
        debt_usd: Decimal,
        collateral_usd: Decimal,
        causes: &[Quantity],
    ) {
        let Some(m) = self.world.comet.get_mut(id) else { return };
        if !m.missed.insert(borrower) {
            return;
        }
        m.missed_count += 1;
        let name = m.name.clone();
        let miss = Miss {
            borrower,
            reason: MissReason::OracleAboveMarket,
            debt_usd,
            collateral_usd,
            oracle_says_healthy: "its price feeds still report it collateralised",
        };
        self.log_miss(id, &name, &miss, causes);
    }

    /// `buyCollateral` of absorbed collateral, asset by asset, while reserves are below target
    /// and a buyer profits after selling into the token's venue and gas.
    fn buy_comet_collateral(&mut self, id: &str) -> Result<()> {
        for i in 0..self.world.comet[id].assets.len() {
            let m = &self.world.comet[id];
            let a = m.assets[i].clone();
            if a.for_sale.is_zero() {
                continue;
            }
            let reserves = m.market.reserves().map_err(|e| model(id, e))?;
            let target = m.market.config().target_reserves;
            if !reserves.is_negative() && reserves.unsigned_abs() >= target {
                continue;
            }
            let Some(venue_id) = self.world.tokens[&a.token].venue.clone() else { continue };
            let base_usd = self.world.tokens[&m.base].price;
            let quote_usd = self.world.tokens[&self.world.venues[&venue_id].quote].price;
            let gas = self.scenario.engine.liquidation_gas_usd;
            let mut best = None;
            for halving in 0..BUY_HALVINGS {
                let wanted = a.for_sale >> halving;
                let base_amount = m.base_for(id, i, wanted)?;
                if base_amount.is_zero() {
                    break;
                }
                let amount = m.market.quote_collateral(i, base_amount).map_err(|e| model(id, e))?;
                if amount.is_zero() || amount > a.for_sale {
                    continue;
                }
                let sold = whole(id, amount, a.decimals)?;
                let Ok(sale) = self.world.venues[&venue_id].venue.quote_sell(sold) else {
                    continue;
                };
                let proceeds = sale.proceeds * quote_usd;
                let paid = whole(id, base_amount, m.base_decimals)? * base_usd;
                let profit = proceeds - paid - gas;
                if profit > Decimal::ZERO {
                    best = Some((base_amount, paid, proceeds, profit));
                    break;
                }
            }
            let Some((base_amount, paid, proceeds, profit)) = best else { continue };
            let name = m.name.clone();
            let Some(m) = self.world.comet.get_mut(id) else { continue };
            let bought = m.market.buy_collateral(i, base_amount).map_err(|e| model(id, e))?;
            if let Some(asset) = m.assets.get_mut(i) {
                asset.for_sale = asset.for_sale.saturating_sub(bought);
            }
            let sold = whole(id, bought, a.decimals)?;
            let summary = format!(
                "{name}: buyCollateral, {} of {} bought for {} of {} at the store-front \
                 discount, sold for {}",
                sold,
                a.token,
                usd(paid),
                self.world.comet[id].base,
                usd(proceeds)
            );
            let kind = EventKind::CollateralPurchase {
                token: a.token.clone(),
                paid_usd: paid,
                proceeds_usd: proceeds,
                profit_usd: profit,
            };
            let causes = [Quantity::Price(a.token.clone()), Quantity::MarketLoss(id.to_owned())];
            let event = self.log.record(id, kind, &causes, summary);
            if let Some(v) = self.world.venues.get_mut(&venue_id) {
                v.venue.sell(sold)?;
            }
            self.log.mark(Quantity::Liquidity(venue_id.clone()), event);
            self.refresh_price(&a.token, &[Quantity::Liquidity(venue_id)], "collateral purchase")?;
        }
        Ok(())
    }

    /// Economic bad debt: the sum over borrowers of debt less collateral, both valued by Comet's
    /// 8-decimal arithmetic at market prices, where positive.
    fn account_comet_losses(&mut self, id: &str) -> Result<()> {
        let at_market = self.comet_at_market(id)?;
        let m = &self.world.comet[id];
        let mut uncovered_base = U256::ZERO;
        for &borrower in &m.borrowers {
            let h = LendingMarket::health(&at_market, borrower).map_err(|e| model(id, e))?;
            uncovered_base += h.debt_value.saturating_sub(h.collateral_value);
        }
        let uncovered = whole(id, uncovered_base, 8)?;
        let mut causes: Vec<Quantity> =
            m.assets.iter().map(|a| Quantity::Price(a.token.clone())).collect();
        causes.push(Quantity::MarketLoss(id.to_owned()));
        let (name, old) = (m.name.clone(), m.economic_bad_debt_usd);
        if let Some(m) = self.world.comet.get_mut(id) {
            m.economic_bad_debt_usd = uncovered;
        }
        self.log_uncovered(id, &name, old, uncovered, &causes);
        Ok(())
    }
}

impl CometLive {
    /// The base amount whose `quoteCollateral` is at most `collateral` units of asset `i`:
    /// `⌊collateral · discountedPrice · baseScale / (basePrice · assetScale)⌋`, inverting
    /// `quoteCollateral`'s `⌊⌊basePrice · baseAmount · assetScale / discountedPrice⌋ /
    /// baseScale⌋` (each floor can only lower the quote, so the quote stays within
    /// `collateral`), with `discountedPrice = mulFactor(price, 1e18 − mulFactor(storeFront,
    /// 1e18 − liquidationFactor))` as `quoteCollateral` computes it.
    fn base_for(&self, id: &str, i: usize, collateral: U256) -> Result<U256> {
        let config = self.market.config();
        let Some(a) = config.assets.get(i) else { return Ok(U256::ZERO) };
        let discount = mul_factor(
            config.store_front_price_factor,
            FACTOR_SCALE.saturating_sub(a.liquidation_factor),
        )
        .map_err(|e| model(id, e))?;
        let discounted =
            mul_factor(a.price, FACTOR_SCALE.saturating_sub(discount)).map_err(|e| model(id, e))?;
        let denominator = config.base_price.checked_mul(a.scale).ok_or_else(|| {
            Error::Overflow { entity: id.to_owned(), what: "buyCollateral base amount" }
        })?;
        if denominator.is_zero() {
            return Ok(U256::ZERO);
        }
        let numerator = collateral
            .checked_mul(discounted)
            .and_then(|n| n.checked_mul(config.base_scale))
            .ok_or_else(|| Error::Overflow {
                entity: id.to_owned(),
                what: "buyCollateral base amount",
            })?;
        Ok(numerator / denominator)
    }
}
