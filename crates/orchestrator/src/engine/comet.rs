//! What the cascade adds to Compound v3 (Comet) around the shared lending pass (where borrowers
//! are absorbed, `faultline_lending::cascade::CometBook`):
//!
//! - absorbed collateral waits in the contract until someone buys it through `buyCollateral` at
//!   the store-front discount (open while reserves are below `targetReserves`): a buyer buys the
//!   largest of all, a half, a quarter, ... (down to 1/64) of it that profits after selling the
//!   collateral into the token's venue and gas, and the sale moves the venue;
//! - realised bad debt is how far the reserves stand below zero once the pass's purchases are
//!   done, in USD at the base token's market price (an absorption pays the collateral's credited
//!   value out of reserves at once, and a purchase pays it back, so a deficit a buyer would fill
//!   is not reported).

use super::{
    Engine,
    lending::Protocol,
    log::Quantity,
    markets::{Kind, Live},
    model, settled, usd,
    world::whole,
};
use crate::{Result, report::EventKind};
use faultline_lending::cascade::CometBook;
use rust_decimal::Decimal;

/// Fractions of the absorbed collateral a buyer tries, as right shifts (all, 1/2, ... 1/64).
const BUY_HALVINGS: usize = 7;

impl Protocol for CometBook {
    const KIND: Kind = Kind::Comet;

    fn after_visits(engine: &mut Engine<'_>, id: &str, live: &mut Live<Self>) -> Result<()> {
        engine.buy_collateral(id, live)?;
        engine.account_reserves(id, live)
    }
}

impl Engine<'_> {
    /// `buyCollateral` of absorbed collateral, asset by asset, while reserves are below target
    /// and a buyer profits after selling into the token's venue and gas.
    fn buy_collateral(&mut self, id: &str, live: &mut Live<CometBook>) -> Result<()> {
        let base = live.assets.last().map(|a| (a.token.clone(), a.decimals)).unwrap_or_default();
        for i in 0..live.model.market().config().assets.len() {
            let market = live.model.market();
            let for_sale = market.collateral_reserves(i);
            if for_sale.is_zero() {
                continue;
            }
            let a = live.assets[i].clone();
            let reserves = market.reserves().map_err(|e| model(id, e))?;
            let target = market.config().target_reserves;
            if !reserves.is_negative() && reserves.unsigned_abs() >= target {
                continue;
            }
            let Some(venue_id) = self.world.tokens[&a.token].venue.clone() else { continue };
            let base_usd = self.world.tokens[&base.0].price;
            let quote_usd = self.world.tokens[&self.world.venues[&venue_id].quote].price;
            let gas = self.scenario.engine.liquidation_gas_usd;
            let mut best = None;
            for halving in 0..BUY_HALVINGS {
                let wanted = for_sale >> halving;
                let base_amount =
                    market.base_for_collateral(i, wanted).map_err(|e| model(id, e))?;
                if base_amount.is_zero() {
                    break;
                }
                let amount = market.quote_collateral(i, base_amount).map_err(|e| model(id, e))?;
                if amount.is_zero() || amount > for_sale {
                    continue;
                }
                let sold = whole(id, amount, a.decimals)?;
                let Ok(sale) = self.world.venues[&venue_id].venue.quote_sell(sold) else {
                    continue;
                };
                let proceeds = sale.proceeds * quote_usd;
                let paid = whole(id, base_amount, base.1)? * base_usd;
                let profit = proceeds - paid - gas;
                if profit > Decimal::ZERO {
                    best = Some((base_amount, paid, proceeds, profit));
                    break;
                }
            }
            let Some((base_amount, paid, proceeds, profit)) = best else { continue };
            let bought = live.model.buy_collateral(i, base_amount).map_err(|e| model(id, e))?;
            let sold = whole(id, bought, a.decimals)?;
            let summary = format!(
                "{}: buyCollateral, {} of {} bought for {} of {} at the store-front discount, \
                 sold for {}",
                live.book.name,
                sold,
                a.token,
                usd(paid),
                base.0,
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

    /// Realised bad debt by Comet's rule: reserves below zero, in USD at the base token's market
    /// price; logged when it grows.
    fn account_reserves(&mut self, id: &str, live: &mut Live<CometBook>) -> Result<()> {
        let Some(base) = live.assets.last() else { return Ok(()) };
        let shortfall = live.model.shortfall().map_err(|e| model(id, e))?;
        let base_token = base.token.clone();
        let deficit = whole(id, shortfall, base.decimals)? * self.world.tokens[&base_token].price;
        let old = live.book.realised_bad_debt_usd;
        live.book.realised_bad_debt_usd = deficit;
        if deficit > old && !settled(old, deficit) {
            let summary = format!(
                "{}: reserves {} below zero: bad debt by Comet's rule",
                live.book.name,
                usd(deficit)
            );
            let causes = [Quantity::MarketLoss(id.to_owned()), Quantity::Price(base_token)];
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
}
