//! Holders with a sell trigger: while the token trades below it, they sell into their venue,
//! moving its price. A snapshot's holder offers everything at once; a scenario's holder sells in
//! tranches, one per step while the trigger is crossed, until its holding is gone (see
//! [`crate::scenario::holders`]). What the book cannot absorb stays with the holder (an `unsold`
//! event) and is offered again the next step the trigger is still crossed.

use super::{Engine, log::Quantity, model_missing, usd};
use crate::{Result, report::EventKind, scenario::ScenarioHolder, snapshot::HolderSpec};
use rust_decimal::Decimal;

/// A holder with a sell trigger, live.
#[derive(Debug, Clone)]
pub(crate) struct HolderLive {
    id: String,
    token: String,
    venue: String,
    /// It sells while the market price is below this, USD.
    trigger: Decimal,
    /// Whole tokens sold in one step at most.
    per_step: Decimal,
    /// Whole tokens still held.
    left: Decimal,
    /// Declared in the scenario: its events count tranches.
    tranches: bool,
    /// Tranches sold so far.
    sold: u32,
    /// The step of its last sale (one sale per step).
    sold_in: Option<u64>,
    /// The price is below the trigger since the holder last looked (the crossing is logged).
    below: bool,
}

impl HolderLive {
    /// A snapshot's holder: everything at once.
    pub(crate) fn from_snapshot(spec: &HolderSpec) -> Self {
        Self::new(&spec.id, &spec.token, &spec.venue, spec.sell_below_usd, spec.amount, false)
            .with_per_step(spec.amount)
    }

    /// A scenario's holder: in tranches.
    pub(crate) fn from_scenario(spec: &ScenarioHolder) -> Self {
        Self::new(&spec.id, &spec.token, &spec.venue, spec.sell_below_usd, spec.amount, true)
            .with_per_step(spec.per_step())
    }

    fn new(
        id: &str,
        token: &str,
        venue: &str,
        trigger: Decimal,
        held: Decimal,
        tranches: bool,
    ) -> Self {
        Self {
            id: id.to_owned(),
            token: token.to_owned(),
            venue: venue.to_owned(),
            trigger,
            per_step: held,
            left: held,
            tranches,
            sold: 0,
            sold_in: None,
            below: false,
        }
    }

    const fn with_per_step(mut self, per_step: Decimal) -> Self {
        self.per_step = per_step;
        self
    }
}

impl Engine<'_> {
    /// Holders whose trigger is crossed sell their tranche of this step into their venue.
    pub(super) fn run_holders(&mut self) -> Result<()> {
        let step = self.log.step;
        for index in 0..self.world.holders.len() {
            let holder = &self.world.holders[index];
            if holder.left <= Decimal::ZERO {
                continue;
            }
            let price = self.world.tokens[&holder.token].price;
            if price >= holder.trigger {
                // Back at or above the trigger: the holder pauses until it is crossed again.
                self.world.holders[index].below = false;
                continue;
            }
            if holder.sold_in == Some(step) {
                continue;
            }
            let holder = &self.world.holders[index];
            if !holder.below {
                // The crossing: every tranche until the price comes back names the last price
                // move from at or above the trigger to below it (or, with none, the price's own
                // last cause).
                let (id, token, trigger) =
                    (holder.id.clone(), holder.token.clone(), holder.trigger);
                let crossing = self.log.events.iter().rev().find(|e| {
                    e.entity == token
                        && matches!(e.kind, EventKind::PriceMove { from_usd, to_usd }
                            if from_usd >= trigger && to_usd < trigger)
                });
                match crossing.map(|e| e.id) {
                    Some(event) => self.log.mark(Quantity::Trigger(id), event),
                    None => self.log.inherit(Quantity::Trigger(id), &Quantity::Price(token)),
                }
                self.world.holders[index].below = true;
            }
            let holder = &self.world.holders[index];
            let amount = holder.per_step.min(holder.left);
            let (id, token, venue_id) =
                (holder.id.clone(), holder.token.clone(), holder.venue.clone());
            // The holder's one sale into its venue. A book that cannot take it all leaves the
            // holder with the rest (an `unsold` event); it tries again next step.
            let seller = super::venues::Seller {
                id: &id,
                who: &id,
                consequence: "the holder is left holding them",
            };
            let sale =
                self.sell_into(&venue_id, amount, seller, None, &[Quantity::Price(token.clone())])?;
            let amount = sale.sold;
            if amount.is_zero() {
                // Nothing sold: the `unsold` event tells it; no tranche is counted.
                self.world.holders[index].sold_in = Some(step);
                continue;
            }
            let quote_usd = self
                .world
                .venues
                .get(&venue_id)
                .map(|v| self.world.tokens[&v.quote].price)
                .ok_or_else(|| model_missing(&venue_id))?;
            let holder = &mut self.world.holders[index];
            holder.left -= amount;
            holder.sold += 1;
            holder.sold_in = Some(step);
            let (tranche, left, trigger) = (holder.sold, holder.left, holder.trigger);
            let tranches = holder.tranches;
            let proceeds_usd = sale.proceeds * quote_usd;
            let summary = if tranches {
                format!(
                    "{id} sells tranche {tranche}, {amount} {token}, with {token} at {} below \
                     its ${trigger} trigger, for {}; {left} left",
                    usd(price),
                    usd(proceeds_usd)
                )
            } else {
                format!("{id} sells {amount} {token} below ${trigger} for {}", usd(proceeds_usd))
            };
            let kind = EventKind::TriggeredSale {
                holder: id.clone(),
                amount,
                proceeds_usd,
                tranche,
                left,
            };
            let inputs = [Quantity::Trigger(id.clone()), Quantity::Price(token.clone())];
            let event = self.log.record(&id, kind, &inputs, summary);
            self.log.mark(Quantity::Liquidity(venue_id.clone()), event);
            self.refresh_price(&token, &[Quantity::Liquidity(venue_id)], "holder sale")?;
        }
        Ok(())
    }
}
