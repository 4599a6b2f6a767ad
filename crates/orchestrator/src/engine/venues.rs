//! Liquidity venues as the cascade uses them: sell whole tokens, read the mid, follow the fair
//! price, recover after sales, lose depth.
//!
//! The venues themselves are `faultline_liquidity`'s; this module only converts between the
//! cascade's human-scale figures and their raw units, with the rounding named at each step
//! (proceeds of a sale round down).

use super::{Engine, log::Quantity, model_missing};
use crate::snapshot::ConcentratedLiquiditySpec;
use crate::{
    Error, Result,
    report::{EventId, EventKind, usd},
};
use faultline_core::{
    Price, Rounding, U256,
    decimal::{from_decimal, to_decimal},
};
use faultline_liquidity::{
    PRICE_DECIMALS, Pair, Side,
    depth::{DepthLevel, DepthSide, DepthVenue, ImpactModel},
    dynamics::half_power,
    uniswap_v2::{ConstantProduct, Fee},
    uniswap_v3::{ConcentratedLiquidity, Pool},
};
use rust_decimal::Decimal;

/// A venue of the snapshot, live.
#[derive(Debug, Clone)]
pub(crate) enum LiveVenue {
    /// An order book from published depth.
    Depth(DepthVenue),
    /// A constant-product pool.
    Pool(ConstantProduct),
    /// A Uniswap v3 pool in the range of ticks read.
    Concentrated(ConcentratedLiquidity),
}

/// What a sale fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sale {
    /// Quote tokens received, whole tokens.
    pub(crate) proceeds: Decimal,
    /// Mid after the sale, quote per base.
    pub(crate) mid_after: Decimal,
}

/// What a sale of more than the book may absorb did: the part sold and the part left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fill {
    /// Whole base tokens the venue absorbed.
    pub(crate) sold: Decimal,
    /// Whole base tokens left with the seller (zero when the sale was whole). With `sold` it
    /// makes the amount asked for, rounded down to the token's raw unit.
    pub(crate) unsold: Decimal,
    /// Quote tokens received, whole tokens (zero when nothing was sold).
    pub(crate) proceeds: Decimal,
    /// Mid after the sale, quote per base.
    pub(crate) mid_after: Decimal,
}

fn liquidity(venue: &str, error: faultline_liquidity::Error) -> Error {
    Error::Model { entity: venue.to_owned(), source: Box::new(error) }
}

fn core(venue: &str, error: faultline_core::Error) -> Error {
    Error::Model { entity: venue.to_owned(), source: Box::new(error) }
}

impl LiveVenue {
    /// An order book with `levels` (distance from mid as a fraction, cumulative base quantity)
    /// on both sides, at `mid`.
    pub(crate) fn depth(
        id: &str,
        pair: Pair,
        mid: Decimal,
        levels: Vec<DepthLevel>,
    ) -> Result<Self> {
        let side = DepthSide::new(levels).map_err(|e| liquidity(id, e))?;
        let model = ImpactModel::Depth { bids: side.clone(), asks: side };
        DepthVenue::new(id, pair, mid, model).map(Self::Depth).map_err(|e| liquidity(id, e))
    }

    /// A constant-product pool with reserves in whole tokens.
    pub(crate) fn pool(
        id: &str,
        pair: Pair,
        reserve_base: Decimal,
        reserve_quote: Decimal,
        fee_bps: u32,
    ) -> Result<Self> {
        let base = from_decimal(reserve_base, pair.base_decimals(), Rounding::Down)
            .map_err(|e| core(id, e))?;
        let quote = from_decimal(reserve_quote, pair.quote_decimals(), Rounding::Down)
            .map_err(|e| core(id, e))?;
        let fee = Fee::new(10_000 - fee_bps.min(10_000), 10_000).map_err(|e| liquidity(id, e))?;
        ConstantProduct::new(id, pair, base, quote, fee)
            .map(Self::Pool)
            .map_err(|e| liquidity(id, e))
    }

    /// A Uniswap v3 pool from its state in the range of ticks read: sales run through the
    /// pool's exact swap and stop at the range's edge (the liquidity beyond was not read).
    pub(crate) fn concentrated(
        id: &str,
        pair: Pair,
        spec: &ConcentratedLiquiditySpec,
    ) -> Result<Self> {
        let field = |what: &str, value: U256| Error::Invalid {
            field: format!("venue {id}: {what}"),
            expected: "a uint128".into(),
            found: value.to_string(),
        };
        let in_range =
            u128::try_from(spec.liquidity.0).map_err(|_| field("liquidity", spec.liquidity.0))?;
        let ticks: Vec<(i32, i128)> =
            spec.ticks.iter().map(|t| (t.tick, t.liquidity_net.0)).collect();
        let pool = Pool::from_state(
            spec.fee_pips,
            spec.tick_spacing,
            spec.sqrt_price_x96.0,
            spec.tick,
            in_range,
            &ticks,
            (spec.tick_lower, spec.tick_upper),
        )
        .map_err(|e| liquidity(id, e))?;
        ConcentratedLiquidity::new(id, pair, pool, spec.base_is_token0)
            .with_range(spec.tick_lower, spec.tick_upper)
            .map(Self::Concentrated)
            .map_err(|e| liquidity(id, e))
    }

    fn venue(&self) -> &dyn faultline_liquidity::Venue {
        match self {
            Self::Depth(v) => v,
            Self::Pool(v) => v,
            Self::Concentrated(v) => v,
        }
    }

    fn venue_mut(&mut self) -> &mut dyn faultline_liquidity::Venue {
        match self {
            Self::Depth(v) => v,
            Self::Pool(v) => v,
            Self::Concentrated(v) => v,
        }
    }

    fn id(&self) -> &str {
        self.venue().name()
    }

    /// The marginal price, quote per base.
    pub(crate) fn mid(&self) -> Result<Decimal> {
        let id = self.id();
        let mid = self.venue().mid_price().map_err(|e| liquidity(id, e))?;
        mid.to_decimal().map_err(|e| core(id, e))
    }

    /// Whole base tokens the book can still absorb, where that is known exactly (published
    /// depth: [`DepthVenue::bid_room`]); `None` for pools and the square-root law.
    pub(crate) fn bid_room(&self) -> Option<Decimal> {
        match self {
            Self::Depth(v) => v.bid_room(),
            Self::Pool(_) | Self::Concentrated(_) => None,
        }
    }

    fn raw_base(&self, amount: Decimal) -> Result<U256> {
        let decimals = self.venue().pair().base_decimals();
        from_decimal(amount, decimals, Rounding::Down).map_err(|e| core(self.id(), e))
    }

    /// What selling `amount` whole base tokens would fetch, without selling.
    pub(crate) fn quote_sell(&self, amount: Decimal) -> Result<Sale> {
        if let Self::Depth(v) = self {
            let q = v.quote_human(Side::Sell, amount).map_err(|e| liquidity(self.id(), e))?;
            return Ok(Sale { proceeds: q.amount, mid_after: q.price_after });
        }
        let raw = self.raw_base(amount)?;
        let quote = self.venue().quote(Side::Sell, raw).map_err(|e| liquidity(self.id(), e))?;
        self.sale(quote)
    }

    /// Sells `amount` whole base tokens.
    pub(crate) fn sell(&mut self, amount: Decimal) -> Result<Sale> {
        let raw = self.raw_base(amount)?;
        let id = self.id().to_owned();
        let quote = self.venue_mut().execute(Side::Sell, raw).map_err(|e| liquidity(&id, e))?;
        self.sale(quote)
    }

    /// How much of a sale of `amount` whole base tokens the venue absorbs (the largest raw
    /// amount its book fills, see [`faultline_liquidity::Venue::max_sell`]), in raw units: the
    /// amount asked for and the part that fits.
    fn sellable(&self, amount: Decimal) -> Result<(U256, U256)> {
        let asked = self.raw_base(amount)?;
        let fits = self.venue().max_sell(asked).map_err(|e| liquidity(self.id(), e))?;
        Ok((asked, fits))
    }

    /// Whether published depth takes a sale of `amount` whole, by [`DepthVenue::bid_room`] in
    /// `Decimal` alone: when `amount` (at most the base token's places) plus one raw unit fits
    /// the room, its raw amount is below the room's, so [`Self::sellable`] would find it whole.
    /// `false` says nothing (the raw check decides).
    fn fits_whole(&self, amount: Decimal) -> bool {
        let Self::Depth(v) = self else { return false };
        let decimals = u32::from(self.venue().pair().base_decimals());
        if decimals > 28 || amount <= Decimal::ZERO || amount.scale() > decimals {
            return false;
        }
        let (Some(room), Some(next)) =
            (v.bid_room(), amount.checked_add(Decimal::new(1, decimals)))
        else {
            return false;
        };
        next <= room
    }

    fn whole_base(&self, raw: U256) -> Result<Decimal> {
        let decimals = self.venue().pair().base_decimals();
        to_decimal(raw, decimals, u32::from(decimals.min(28)), Rounding::Down)
            .map_err(|e| core(self.id(), e))
    }

    /// The parts of a sale of `amount` (`asked` raw units) of which `fits` are absorbed: a whole
    /// sale is `amount` as given, a partial one the raw amounts as whole tokens.
    fn parts(&self, amount: Decimal, asked: U256, fits: U256) -> Result<(Decimal, Decimal)> {
        if fits == asked {
            return Ok((amount, Decimal::ZERO));
        }
        Ok((self.whole_base(fits)?.normalize(), self.whole_base(asked - fits)?.normalize()))
    }

    /// What selling as much of `amount` as the book absorbs would fetch, without selling.
    pub(crate) fn quote_sell_up_to(&self, amount: Decimal) -> Result<Fill> {
        if self.fits_whole(amount) {
            let sale = self.quote_sell(amount)?;
            return Ok(Fill {
                sold: amount,
                unsold: Decimal::ZERO,
                proceeds: sale.proceeds,
                mid_after: sale.mid_after,
            });
        }
        self.quote_sell_up_to_by_raw_units(amount)
    }

    /// [`Self::quote_sell_up_to`] by the raw amounts: the part the book takes, then its quote.
    fn quote_sell_up_to_by_raw_units(&self, amount: Decimal) -> Result<Fill> {
        let (asked, fits) = self.sellable(amount)?;
        let (sold, unsold) = self.parts(amount, asked, fits)?;
        if fits.is_zero() {
            return Ok(Fill { sold, unsold, proceeds: Decimal::ZERO, mid_after: self.mid()? });
        }
        let sale = self.quote_sell(sold)?;
        Ok(Fill { sold, unsold, proceeds: sale.proceeds, mid_after: sale.mid_after })
    }

    /// Sells as much of `amount` whole base tokens as the book absorbs; the rest stays with the
    /// seller. A sale the book takes whole is [`LiveVenue::sell`] exactly.
    pub(crate) fn sell_up_to(&mut self, amount: Decimal) -> Result<Fill> {
        let (asked, fits) = self.sellable(amount)?;
        let (sold, unsold) = self.parts(amount, asked, fits)?;
        if fits.is_zero() {
            return Ok(Fill { sold, unsold, proceeds: Decimal::ZERO, mid_after: self.mid()? });
        }
        let sale = self.sell(sold)?;
        Ok(Fill { sold, unsold, proceeds: sale.proceeds, mid_after: sale.mid_after })
    }

    /// Buys `amount` whole base tokens (a short closed on a perp venue's book).
    pub(crate) fn buy(&mut self, amount: Decimal) -> Result<()> {
        let raw = self.raw_base(amount)?;
        let id = self.id().to_owned();
        self.venue_mut().execute(Side::Buy, raw).map_err(|e| liquidity(&id, e))?;
        Ok(())
    }

    /// Buys `amount` whole base tokens; the sale's `proceeds` are the quote tokens paid.
    pub(crate) fn buy_for(&mut self, amount: Decimal) -> Result<Sale> {
        let raw = self.raw_base(amount)?;
        let id = self.id().to_owned();
        let quote = self.venue_mut().execute(Side::Buy, raw).map_err(|e| liquidity(&id, e))?;
        self.sale(quote)
    }

    /// A copy of the venue as a perp venue's order book: its liquidation orders are priced on
    /// the copy, then replayed here with [`LiveVenue::sell`] and [`LiveVenue::buy`].
    pub(crate) fn boxed(&self) -> Box<dyn faultline_liquidity::Venue> {
        match self {
            Self::Depth(v) => Box::new(v.clone()),
            Self::Pool(v) => Box::new(v.clone()),
            Self::Concentrated(v) => Box::new(v.clone()),
        }
    }

    fn sale(&self, quote: faultline_liquidity::Quote) -> Result<Sale> {
        let id = self.id();
        let decimals = self.venue().pair().quote_decimals();
        let proceeds =
            to_decimal(quote.quote, decimals, u32::from(decimals.min(28)), Rounding::Down)
                .map_err(|e| core(id, e))?;
        let mid_after = quote.price_after.to_decimal().map_err(|e| core(id, e))?;
        Ok(Sale { proceeds, mid_after })
    }

    /// Moves the venue to a new fair mid (the external market moved): an order book re-centres;
    /// a pool is arbitraged to it.
    pub(crate) fn follow(&mut self, fair_mid: Decimal) -> Result<()> {
        let id = self.id().to_owned();
        match self {
            Self::Depth(v) => v.set_reference(fair_mid).map_err(|e| liquidity(&id, e)),
            Self::Pool(_) | Self::Concentrated(_) => self.arbitrage_to(fair_mid),
        }
    }

    fn arbitrage_to(&mut self, target: Decimal) -> Result<()> {
        let id = self.id().to_owned();
        let target = Price::from_decimal(target.max(Decimal::ZERO), PRICE_DECIMALS, Rounding::Down)
            .map_err(|e| core(&id, e))?;
        // Bound the search by a generous multiple of the venue's own scale.
        let cap = U256::from(u128::MAX);
        self.venue_mut().arbitrage_to(target, cap).map_err(|e| liquidity(&id, e))?;
        Ok(())
    }

    /// Lets `dt` seconds pass: arbitrage closes the gap to `fair_mid` by `1 - 2^(-dt/half_life)`.
    pub(crate) fn recover(&mut self, fair_mid: Decimal, dt: u64, half_life: u64) -> Result<()> {
        if half_life == 0 || dt == 0 {
            return Ok(());
        }
        let id = self.id().to_owned();
        let mid = self.mid()?;
        let remaining = half_power(Decimal::from(dt) / Decimal::from(half_life))
            .map_err(|e| liquidity(&id, e))?;
        let target = fair_mid + (mid - fair_mid) * remaining;
        if target == mid { Ok(()) } else { self.arbitrage_to(target) }
    }

    /// Scales the venue's depth by `factor`.
    pub(crate) fn scale(&mut self, factor: Decimal) -> Result<()> {
        let id = self.id().to_owned();
        self.venue_mut().scale_liquidity(factor).map_err(|e| liquidity(&id, e))
    }

    /// Scales the bid side only by `factor`; the factor applied (see
    /// [`DepthVenue::scale_bids`]). An order book only: a pool has no bid side of its own.
    pub(crate) fn scale_bids(&mut self, factor: Decimal) -> Result<Decimal> {
        match self {
            Self::Depth(v) => {
                let id = faultline_liquidity::Venue::name(v).to_owned();
                v.scale_bids(factor).map_err(|e| liquidity(&id, e))
            }
            Self::Pool(v) => Err(Error::Invalid {
                field: format!("venue {}", faultline_liquidity::Venue::name(v)),
                expected: "an order book to thin its bids".into(),
                found: "a constant-product pool".into(),
            }),
            Self::Concentrated(v) => Err(Error::Invalid {
                field: format!("venue {}", faultline_liquidity::Venue::name(v)),
                expected: "an order book to thin its bids".into(),
                found: "a concentrated-liquidity pool".into(),
            }),
        }
    }
}

/// Who sells into a venue, and what it means for them to be left with what the book cannot take.
#[derive(Debug, Clone, Copy)]
pub(super) struct Seller<'s> {
    /// The holder, market or venue selling (the entity of the event).
    pub(super) id: &'s str,
    /// Who sold, in words for the report ("fund", "the scenario", "Morpho M's liquidator").
    pub(super) who: &'s str,
    /// What the unsold remainder means for it, in words for the report.
    pub(super) consequence: &'s str,
}

impl Engine<'_> {
    /// Sells as much of `amount` whole base tokens into `venue_id` as its book absorbs. When it
    /// absorbs less (a liquidity black hole), the remainder stays with the seller and an
    /// [`EventKind::Unsold`] event says so, caused by `causes` and by whatever last changed the
    /// venue's depth, after `by`, the event that sold (a liquidation, a shock), when there is
    /// one; the run goes on. The caller marks the venue's liquidity with its own event.
    pub(super) fn sell_into(
        &mut self,
        venue_id: &str,
        amount: Decimal,
        seller: Seller<'_>,
        by: Option<EventId>,
        causes: &[Quantity],
    ) -> Result<Fill> {
        let state = self.world.venues.get_mut(venue_id).ok_or_else(|| model_missing(venue_id))?;
        let fill = state.venue.sell_up_to(amount)?;
        let token = state.base.clone();
        self.note_sale(venue_id, fill.proceeds, by)?;
        if fill.unsold.is_zero() {
            return Ok(fill);
        }
        let price = self.world.tokens[&token].price;
        let unsold_usd = fill.unsold.checked_mul(price).ok_or_else(|| Error::Overflow {
            entity: seller.id.to_owned(),
            what: "unsold remainder at market",
        })?;
        let summary = format!(
            "{venue_id}: liquidity black hole: {} sold {amount} {token}, the book absorbed {}; \
             {} {token} ({} at market) unsold: {}",
            seller.who,
            fill.sold,
            fill.unsold,
            usd(unsold_usd),
            seller.consequence
        );
        let kind = EventKind::Unsold {
            seller: seller.id.to_owned(),
            venue: venue_id.to_owned(),
            token,
            requested: amount,
            sold: fill.sold,
            unsold: fill.unsold,
            unsold_usd,
            consequence: seller.consequence.to_owned(),
        };
        let mut inputs = causes.to_vec();
        inputs.push(Quantity::Liquidity(venue_id.to_owned()));
        let first: Vec<EventId> = by.into_iter().collect();
        self.log.record_after(seller.id, kind, &first, &inputs, summary);
        Ok(fill)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A published-depth book at a 2,000 mid: 100 whole tokens within 1%, 300 within 2%, then
    /// `far` more within 5%, after `sold` whole tokens were sold into it.
    fn book(decimals: u8, far: u32, sold: u64) -> LiveVenue {
        let d = |m: i64, s: u32| Decimal::new(m, s);
        let levels = vec![
            DepthLevel { band: d(1, 2), quantity: d(100, 0) },
            DepthLevel { band: d(2, 2), quantity: d(300, 0) },
            DepthLevel { band: d(5, 2), quantity: d(300, 0) + Decimal::from(far) },
        ];
        let pair = Pair::new(decimals, 6).unwrap();
        let mut venue = LiveVenue::depth("book", pair, d(2000, 0), levels).unwrap();
        if sold > 0 {
            venue.sell(Decimal::from(sold)).unwrap();
        }
        venue
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// Amounts up to and past the book's room, to the raw unit, give the same fill either
        /// way; and a fill never fetches more than the part the book takes at the mid before
        /// it (what the cascade's profit bound assumes).
        #[test]
        fn the_shortcut_is_the_raw_road(
            decimals in prop_oneof![Just(6u8), Just(8), Just(18)],
            far in 1u32..500,
            sold in 0u64..600,
            whole in 0u64..1_200,
            raw in 0u64..1_000_000,
            at_room in any::<bool>(),
        ) {
            let venue = book(decimals, far, sold.min(250));
            let unit = Decimal::new(1, u32::from(decimals));
            let amount = match (at_room, venue.bid_room()) {
                // The room itself and its neighbours, where the raw check decides.
                (true, Some(room)) => room + unit * Decimal::from(raw % 3) - unit,
                _ => Decimal::from(whole) + Decimal::from(raw) * unit,
            };
            prop_assume!(amount > Decimal::ZERO);
            let fast = venue.quote_sell_up_to(amount);
            let slow = venue.quote_sell_up_to_by_raw_units(amount);
            prop_assert_eq!(fast.is_ok(), slow.is_ok());
            if let (Ok(fast), Ok(slow)) = (fast, slow) {
                prop_assert_eq!(fast, slow);
                let room = venue.bid_room().unwrap().max(Decimal::ZERO);
                prop_assert!(fast.proceeds <= amount.min(room) * venue.mid().unwrap());
            }
        }
    }
}
