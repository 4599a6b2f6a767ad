//! Holders with a sell trigger: once the token trades below it, they sell everything into their
//! venue, moving its price.

use super::{Engine, log::Quantity, usd};
use crate::{Result, report::EventKind};

impl Engine<'_> {
    /// Holders whose trigger is crossed sell everything into their venue.
    pub(super) fn run_holders(&mut self) -> Result<()> {
        for index in 0..self.world.holders.len() {
            let holder = &self.world.holders[index];
            if holder.sold
                || self.world.tokens[&holder.spec.token].price >= holder.spec.sell_below_usd
            {
                continue;
            }
            let spec = holder.spec.clone();
            // A book that cannot take it all leaves the holder with the rest (an `unsold` event).
            let seller = super::venues::Seller {
                id: &spec.id,
                who: &spec.id,
                consequence: "the holder is left holding them",
            };
            let sale = self.sell_into(
                &spec.venue,
                spec.amount,
                seller,
                None,
                &[Quantity::Price(spec.token.clone())],
            )?;
            let quote_usd = self.world.tokens[&self.world.venues[&spec.venue].quote].price;
            self.world.holders[index].sold = true;
            let proceeds_usd = sale.proceeds * quote_usd;
            let summary = format!(
                "{} sells {} {} below ${} for {}",
                spec.id,
                sale.sold,
                spec.token,
                spec.sell_below_usd,
                usd(proceeds_usd)
            );
            let kind = EventKind::TriggeredSale {
                holder: spec.id.clone(),
                amount: sale.sold,
                proceeds_usd,
            };
            let event =
                self.log.record(&spec.id, kind, &[Quantity::Price(spec.token.clone())], summary);
            self.log.mark(Quantity::Liquidity(spec.venue.clone()), event);
            self.refresh_price(
                &spec.token,
                &[Quantity::Liquidity(spec.venue.clone())],
                "holder sale",
            )?;
        }
        Ok(())
    }
}
