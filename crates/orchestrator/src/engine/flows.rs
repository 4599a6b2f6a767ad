//! A scenario's flow series applied at their times: each row of a flow buys (positive) or sells
//! (negative) whole tokens in its venue at the start of the step containing it, after the step's
//! shocks, moving the venue's price (see [`crate::scenario::flows`]). A row is exogenous, like a
//! shock: its event has no causes, and the price move it makes names it.

use super::{Engine, log::Quantity, model_missing, usd};
use crate::{
    Error, Result,
    report::EventKind,
    scenario::{Flow, FlowKind},
};
use rust_decimal::Decimal;

impl Engine<'_> {
    /// Applies every flow row whose time falls in the step starting at `now`.
    pub(super) fn apply_flows(&mut self, now: u64) -> Result<()> {
        let scenario = self.scenario;
        let end = now.saturating_add(scenario.step_secs);
        let start = self.snapshot.timestamp;
        for flow in &scenario.flows {
            // Rows are checked to be in time order, so the step's rows are one run of them.
            let offset = |j: usize| flow.rows[j].offset(start).unwrap_or(u64::MAX);
            let from = flow.rows.partition_point(|r| r.offset(start).unwrap_or(u64::MAX) < now);
            for j in (from..flow.rows.len()).take_while(|&j| offset(j) < end) {
                self.trade(flow, j).map_err(|e| Error::Flow {
                    flow: flow.id.clone(),
                    row: flow.row_place(j),
                    source: Box::new(e),
                })?;
            }
        }
        Ok(())
    }

    /// Row `j` of `flow`: a buy out of its venue, or a sale into it (or, for a stablecoin-supply
    /// flow, a mint or redemption: see `stablecoins`).
    fn trade(&mut self, flow: &Flow, j: usize) -> Result<()> {
        if flow.kind == FlowKind::StablecoinSupply {
            return self.change_supply(flow, j);
        }
        let row = &flow.rows[j];
        if row.amount.is_zero() {
            return Ok(());
        }
        let state =
            self.world.venues.get_mut(&row.venue).ok_or_else(|| model_missing(&row.venue))?;
        let (trade, verb) = if row.amount > Decimal::ZERO {
            (state.venue.buy_for(row.amount)?, "buys")
        } else {
            (state.venue.sell(-row.amount)?, "sells")
        };
        let quote_usd = self.world.tokens[&self.world.venues[&row.venue].quote].price;
        let value_usd = trade.proceeds * quote_usd;
        let place = flow.row_place(j);
        let summary = format!(
            "{} {place}: {} {verb} {} {} {} {} for {}",
            flow.id,
            row.entity,
            row.amount.abs(),
            row.token,
            if row.amount > Decimal::ZERO { "out of" } else { "into" },
            row.venue,
            usd(value_usd)
        );
        let kind = EventKind::Flow {
            flow: flow.id.clone(),
            row: place,
            party: row.entity.clone(),
            token: row.token.clone(),
            amount: row.amount,
            value_usd,
        };
        let event = self.log.record(&row.venue, kind, &[], summary);
        self.log.mark(Quantity::Liquidity(row.venue.clone()), event);
        self.refresh_price(&row.token, &[Quantity::Liquidity(row.venue.clone())], "flow")
    }
}
