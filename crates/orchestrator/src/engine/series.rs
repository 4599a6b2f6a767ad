//! Per-step figures for a backtest: each Morpho market's totals, utilisation and bad debt, and
//! each token's price, once every step has settled (only when the scenario asks for them).

use super::{Engine, model};
use crate::{Result, report::SeriesPoint, snapshot::LendingProtocolSpec};
use faultline_core::{Rounding, U256, decimal::to_decimal};
use rust_decimal::Decimal;

impl Engine<'_> {
    /// Records the figures of `step` once its cascade has settled, stamped with the step's start
    /// (Unix time `snapshot + now`): the time its shocks (and price-path samples) apply at.
    pub(super) fn record_series(&mut self, step: u64, now: u64) -> Result<()> {
        let timestamp = self.snapshot.timestamp.saturating_add(now);
        let w = &self.world;
        let mut out = Vec::new();
        let mut push = |entity: &str, metric: &str, value: Decimal| {
            out.push(SeriesPoint {
                step,
                timestamp,
                entity: entity.to_owned(),
                metric: metric.to_owned(),
                value,
            });
        };
        for spec in &self.snapshot.lending_markets {
            let LendingProtocolSpec::MorphoBlue(tokens) = &spec.protocol else { continue };
            let id = spec.id.as_str();
            let live = w.morpho(id)?;
            let market = live.model.market();
            let state = market.state();
            let loan = w.tokens.get(&tokens.loan_token).map_or(0, |t| t.decimals);
            let coll = w.tokens.get(&tokens.collateral_token).map_or(0, |t| t.decimals);
            let whole = |raw: U256, decimals: u8| {
                to_decimal(raw, decimals, u32::from(decimals.min(18)), Rounding::Down)
                    .map_err(|e| model(id, e))
            };
            let collateral = market
                .positions_unordered()
                .fold(U256::ZERO, |sum, (_, p)| sum.saturating_add(p.collateral));
            push(id, "supply", whole(state.total_supply_assets, loan)?);
            push(id, "borrow", whole(state.total_borrow_assets, loan)?);
            push(id, "collateral", whole(collateral, coll)?);
            let utilisation = market.utilization().map_err(|e| model(id, e))?;
            push(id, "utilisation", whole(utilisation, 18)?);
            push(id, "bad_debt", live.book.economic_bad_debt_usd);
            push(id, "realised_bad_debt", live.book.realised_bad_debt_usd);
        }
        for (id, t) in &w.tokens {
            push(id, "price", t.price);
        }
        self.series.extend(out);
        Ok(())
    }
}
