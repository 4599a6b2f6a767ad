//! What the cascade adds to Morpho Blue around the shared lending pass: a pass over unchanged
//! inputs is skipped, and once a market shows uncovered debt its lenders run for the liquidity
//! (the xUSD and deUSD markets' lenders did within hours), leaving whoever is last holding a
//! claim on a market at 100% utilisation.

use super::{
    Engine,
    lending::Protocol,
    log::Quantity,
    markets::{Kind, Live, ScanKey},
    model, usd,
    world::whole,
};
use crate::{Result, report::EventKind};
use alloy_primitives::U256;
use faultline_lending::cascade::MorphoBook;
use rust_decimal::Decimal;

impl Protocol for MorphoBook {
    const KIND: Kind = Kind::Morpho;

    fn scan_key(engine: &Engine<'_>, live: &Live<Self>) -> Option<ScanKey> {
        let market = live.model.market();
        let collateral = &live.assets[0].token;
        Some(ScanKey {
            oracle: market.price(),
            collateral_usd: engine.world.tokens[collateral].price,
            loan_usd: engine.world.tokens[&live.loan().token].price,
            totals: *market.state(),
        })
    }

    fn after_losses(engine: &mut Engine<'_>, id: &str, live: &mut Live<Self>) -> Result<()> {
        if live.book.economic_bad_debt_usd > Decimal::ZERO {
            engine.lenders_run(id, live)?;
        }
        engine.frozen_funds(id, live)
    }
}

impl Engine<'_> {
    /// Lenders who see uncovered debt withdraw what liquidity there is, first come first served
    /// (snapshot order).
    fn lenders_run(&mut self, id: &str, live: &mut Live<MorphoBook>) -> Result<()> {
        let mut withdrawn = U256::ZERO;
        for (account, take) in live.model.lenders_run().map_err(|e| model(id, e))? {
            *live.book.withdrawn.entry(account).or_default() += take;
            withdrawn = withdrawn.checked_add(take).ok_or_else(|| crate::Error::Overflow {
                entity: id.to_owned(),
                what: "lender withdrawals",
            })?;
        }
        if withdrawn.is_zero() {
            return Ok(());
        }
        let loan = live.loan();
        let amount = whole(id, withdrawn, loan.decimals)? * self.world.tokens[&loan.token].price;
        let summary = format!(
            "{}: lenders withdraw {} of liquidity as losses appear",
            live.book.name,
            usd(amount)
        );
        let kind = EventKind::LenderRun { withdrawn_usd: amount };
        let event = self.log.record(id, kind, &[Quantity::MarketLoss(id.to_owned())], summary);
        self.log.mark(Quantity::MarketLoss(id.to_owned()), event);
        Ok(())
    }

    /// Lender funds that cannot be withdrawn while the market is fully utilised; logged when
    /// the market first reaches 100%.
    fn frozen_funds(&mut self, id: &str, live: &mut Live<MorphoBook>) -> Result<()> {
        let state = *live.model.market().state();
        let loan = live.loan();
        let loan_usd = self.world.tokens[&loan.token].price;
        let supplied = whole(id, state.total_supply_assets, loan.decimals)?;
        let available = whole(
            id,
            state.total_supply_assets.saturating_sub(state.total_borrow_assets),
            loan.decimals,
        )?;
        let frozen = ((supplied - available) * loan_usd).max(Decimal::ZERO);
        let was = live.book.frozen_usd;
        live.book.frozen_usd = if available.is_zero() { frozen } else { Decimal::ZERO };
        if available.is_zero() && !supplied.is_zero() && was.is_zero() {
            let summary = format!(
                "{}: 100% utilised, {} of lender funds cannot be withdrawn",
                live.book.name,
                usd(frozen)
            );
            let causes = [
                Quantity::Price(live.assets[0].token.clone()),
                Quantity::MarketLoss(id.to_owned()),
            ];
            self.log.record(id, EventKind::FundsFrozen { frozen_usd: frozen }, &causes, summary);
        }
        Ok(())
    }
}
