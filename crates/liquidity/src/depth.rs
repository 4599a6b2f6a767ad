//! Order-book depth for centralised and perpetual venues, in human units.
//!
//! Prices move along one curve through the venue's net inventory (see [`DepthVenue`]), so a
//! buy retraces a sale (Obizhaeva–Wang style) and round trips never gain.
//!
//! Exchanges and analysts publish depth as "quantity within ±x% of mid". [`DepthSide`] takes
//! those figures per side, cumulative by band, and interpolates linearly between them: selling
//! `q` walks the bids, the marginal price after it is `mid · (1 − δ(q))` where `δ` is the
//! piecewise-linear inverse of the cumulative depth, and the proceeds are the exact integral of
//! the marginal price (trapezoids per segment). Beyond the deepest published band the book is
//! taken as empty: the trade fails with [`Error::InsufficientLiquidity`] rather than inventing
//! depth.
//!
//! [`SquareRootImpact`] is the documented alternative: the square-root law of market impact,
//! `δ(q) = Y · σ · sqrt(q / V)` (Tóth et al. 2011; Y ≈ 0.5–1, σ the daily volatility, V the daily
//! volume). The marginal impact after `q` is `δ(q)`; since impact grows as the square root of
//! the executed quantity, the average impact over the trade is `(2/3) · δ(q)`.
//!
//! Precision: arithmetic is `rust_decimal` (96-bit mantissa, 28 significant digits), checked at
//! every step; raw amounts are converted through `faultline-core`'s one checked road, proceeds
//! rounded down and costs rounded up to the token's raw unit.

use crate::{
    Error, Result,
    venue::{PRICE_DECIMALS, Pair, Quote, Side, Venue, largest_sale},
};
use alloy_primitives::U256;
use faultline_core::{
    Price, Rounding,
    decimal::{from_decimal, to_decimal},
};
use rust_decimal::Decimal;

/// Quantity of base available between mid and `band` away from it (a fraction: 0.02 is ±2%).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DepthLevel {
    /// Distance from mid as a fraction, in `(0, 1)`.
    pub band: Decimal,
    /// Cumulative base quantity within the band, in whole tokens.
    pub quantity: Decimal,
}

const fn overflow(op: &'static str) -> Error {
    Error::Overflow { op }
}

/// One side of a book as a cumulative depth curve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepthSide {
    /// Levels by increasing band and quantity, starting implicitly at (0, 0).
    levels: Vec<DepthLevel>,
}

impl DepthSide {
    /// A side from published levels: bands strictly increasing in `(0, 1)`, quantities strictly
    /// increasing and positive.
    pub fn new(levels: Vec<DepthLevel>) -> Result<Self> {
        if levels.is_empty() {
            return Err(Error::ZeroLiquidity {
                venue: "DepthSide::new",
                detail: "no depth levels",
            });
        }
        let (mut band, mut quantity) = (Decimal::ZERO, Decimal::ZERO);
        for level in &levels {
            if level.band <= band || level.band >= Decimal::ONE {
                return Err(Error::invalid(
                    "band",
                    "strictly increasing fractions in (0, 1)",
                    level.band,
                ));
            }
            if level.quantity <= quantity {
                return Err(Error::invalid(
                    "quantity",
                    "strictly increasing positive cumulative depth",
                    level.quantity,
                ));
            }
            (band, quantity) = (level.band, level.quantity);
        }
        Ok(Self { levels })
    }

    /// All the quantity the side holds.
    pub fn total(&self) -> Decimal {
        self.levels.last().map_or(Decimal::ZERO, |l| l.quantity)
    }

    /// For a trade of `q` whole tokens: the marginal impact `δ(q)` and the average impact
    /// `(1/q)∫₀^q δ`, exact on the piecewise-linear curve.
    fn impact(&self, q: Decimal) -> Result<(Decimal, Decimal)> {
        const OP: &str = "DepthSide::impact";
        if q > self.total() {
            return Err(Error::InsufficientLiquidity {
                venue: OP,
                requested: U256::ZERO,
                available: U256::ZERO,
            });
        }
        let (mut prev_band, mut prev_qty) = (Decimal::ZERO, Decimal::ZERO);
        // ∫ δ over the filled segments.
        let mut area = Decimal::ZERO;
        for level in &self.levels {
            let seg_qty = level.quantity - prev_qty;
            let seg_band = level.band - prev_band;
            if q <= level.quantity {
                let part = q - prev_qty;
                let delta =
                    prev_band + seg_band.checked_mul(part).ok_or_else(|| overflow(OP))? / seg_qty;
                let piece = (prev_band + delta).checked_mul(part).ok_or_else(|| overflow(OP))?
                    / Decimal::TWO;
                area = area.checked_add(piece).ok_or_else(|| overflow(OP))?;
                let average = if q.is_zero() {
                    Decimal::ZERO
                } else {
                    area.checked_div(q).ok_or_else(|| overflow(OP))?
                };
                return Ok((delta, average));
            }
            let piece =
                (prev_band + level.band).checked_mul(seg_qty).ok_or_else(|| overflow(OP))?
                    / Decimal::TWO;
            area = area.checked_add(piece).ok_or_else(|| overflow(OP))?;
            (prev_band, prev_qty) = (level.band, level.quantity);
        }
        Err(Error::InsufficientLiquidity {
            venue: OP,
            requested: U256::ZERO,
            available: U256::ZERO,
        })
    }

    /// The trade `q` whose marginal impact is `delta` (the inverse of [`DepthSide::impact`]'s
    /// first figure), the side's total beyond its last band; `None` on overflow.
    fn inverse(&self, delta: Decimal) -> Option<Decimal> {
        if delta <= Decimal::ZERO {
            return Some(Decimal::ZERO);
        }
        let (mut prev_band, mut prev_qty) = (Decimal::ZERO, Decimal::ZERO);
        for level in &self.levels {
            if delta <= level.band {
                let seg_qty = level.quantity - prev_qty;
                let seg_band = level.band - prev_band;
                let part = (delta - prev_band).checked_mul(seg_qty)?.checked_div(seg_band)?;
                return prev_qty.checked_add(part);
            }
            (prev_band, prev_qty) = (level.band, level.quantity);
        }
        Some(self.total())
    }

    fn scaled(&self, factor: Decimal) -> Result<Self> {
        let levels = self
            .levels
            .iter()
            .map(|l| {
                l.quantity
                    .checked_mul(factor)
                    .map(|quantity| DepthLevel { band: l.band, quantity })
                    .ok_or_else(|| overflow("DepthSide::scaled"))
            })
            .collect::<Result<Vec<_>>>()?;
        Self::new(levels)
    }
}

/// How a depth venue turns a trade size into impact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImpactModel {
    /// Published depth per side: bids for sales, asks for buys.
    Depth {
        /// Bid side (absorbs sales).
        bids: DepthSide,
        /// Ask side (absorbs buys).
        asks: DepthSide,
    },
    /// The square-root law, symmetric for sales and buys.
    SquareRoot(SquareRootImpact),
}

/// `δ(q) = y · sigma · sqrt(q / daily_volume)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SquareRootImpact {
    /// The prefactor `Y` (of order one; 0.5–1 in the empirical studies).
    pub y: Decimal,
    /// Daily volatility as a fraction (0.05 is 5%).
    pub sigma: Decimal,
    /// Daily traded volume, whole base tokens.
    pub daily_volume: Decimal,
}

impl SquareRootImpact {
    /// Marginal and average impact of a trade of `q` whole tokens.
    fn impact(&self, q: Decimal) -> Result<(Decimal, Decimal)> {
        const OP: &str = "SquareRootImpact::impact";
        if self.daily_volume <= Decimal::ZERO {
            return Err(Error::ZeroLiquidity { venue: OP, detail: "daily volume" });
        }
        let ratio = q.checked_div(self.daily_volume).ok_or_else(|| overflow(OP))?;
        let marginal = self
            .y
            .checked_mul(self.sigma)
            .and_then(|p| p.checked_mul(sqrt(ratio)?))
            .ok_or_else(|| overflow(OP))?;
        if marginal >= Decimal::ONE {
            return Err(Error::InsufficientLiquidity {
                venue: OP,
                requested: U256::ZERO,
                available: U256::ZERO,
            });
        }
        Ok((marginal, marginal * Decimal::TWO / Decimal::from(3)))
    }
}

/// Square root by Newton's method to `Decimal` precision; `None` for negative input.
pub(crate) fn sqrt(x: Decimal) -> Option<Decimal> {
    if x.is_sign_negative() && !x.is_zero() {
        return None;
    }
    if x.is_zero() {
        return Some(Decimal::ZERO);
    }
    let mut guess = if x > Decimal::ONE { x / Decimal::TWO } else { Decimal::ONE };
    for _ in 0..100 {
        let next = (guess + x.checked_div(guess)?) / Decimal::TWO;
        if next == guess {
            break;
        }
        guess = next;
    }
    Some(guess)
}

/// A centralised or perpetual venue described by its depth around a reference mid price.
///
/// The venue keeps the net base it has absorbed since the book was last at its reference
/// (`inventory`: positive after sales, negative after buys) and prices every trade on one curve
/// `P(x)`: `reference · (1 − δ_bid(x))` for `x >= 0` and `reference · (1 + δ_ask(−x))` below.
/// A trade from `x` to `x ± q` pays or receives the exact integral of `P` over the way, so a buy
/// right after a sale retraces the same curve and a round trip never gains (proceeds are rounded
/// down and costs up). The displacement is temporary impact; [`crate::dynamics::Recovering`]
/// decays it toward a fair price and carries the permanent part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepthVenue {
    name: String,
    pair: Pair,
    reference: Decimal,
    inventory: Decimal,
    model: ImpactModel,
    /// `curve(inventory)` (`None` when it fails, so the call is made again and fails as it
    /// would have): every quote starts there, and a liquidation cascade quotes the same venue
    /// state many times between two trades. Updated wherever the inventory or the model moves.
    here: Option<(Decimal, Decimal)>,
}

impl DepthVenue {
    /// A venue at `mid` (quote per base, human units) with `model`, no displacement.
    pub fn new(
        name: impl Into<String>,
        pair: Pair,
        mid: Decimal,
        model: ImpactModel,
    ) -> Result<Self> {
        if mid <= Decimal::ZERO {
            return Err(Error::out_of_range("mid", "> 0", mid));
        }
        let mut venue = Self {
            name: name.into(),
            pair,
            reference: mid,
            inventory: Decimal::ZERO,
            model,
            here: None,
        };
        venue.settle();
        Ok(venue)
    }

    /// Recomputes the curve at the inventory after the inventory or the model changed.
    fn settle(&mut self) {
        self.here = self.curve(self.inventory).ok();
    }

    /// `curve(inventory)`, kept from the last change.
    fn curve_here(&self) -> Result<(Decimal, Decimal)> {
        self.here.map_or_else(|| self.curve(self.inventory), Ok)
    }

    /// The undisturbed mid the depth bands are measured from, human units.
    pub const fn reference(&self) -> Decimal {
        self.reference
    }

    /// Net base absorbed (whole tokens): positive after sales.
    pub const fn inventory(&self) -> Decimal {
        self.inventory
    }

    /// Whole base tokens the bids can still absorb (`total − inventory`, zero or less when
    /// they are exhausted) for published depth; `None` under the square-root law, which has no
    /// last level.
    pub fn bid_room(&self) -> Option<Decimal> {
        let ImpactModel::Depth { bids, .. } = &self.model else { return None };
        bids.total().checked_sub(self.inventory)
    }

    /// Moves the reference mid (the external price moved), keeping the displacement.
    pub fn set_reference(&mut self, mid: Decimal) -> Result<()> {
        if mid <= Decimal::ZERO {
            return Err(Error::out_of_range("mid", "> 0", mid));
        }
        self.reference = mid;
        Ok(())
    }

    /// Scales the bid side only (the side that absorbs sales) by `factor > 0`, asks untouched:
    /// the buyers' side thins when the stablecoin they bid with shrinks (see [`crate::supply`]).
    /// Bids already hit stay hit: when the venue has absorbed more than the scaled side would
    /// hold, the factor is raised to what keeps the absorbed quantity on the book, so the mid is
    /// the scaled side's last level rather than an empty book. Returns the factor applied.
    /// Published depth only: the square-root law is one curve for both sides.
    pub fn scale_bids(&mut self, factor: Decimal) -> Result<Decimal> {
        const OP: &str = "DepthVenue::scale_bids";
        if factor <= Decimal::ZERO {
            return Err(Error::invalid("factor", "> 0 (a book with no bids is no venue)", factor));
        }
        let ImpactModel::Depth { bids, asks } = &self.model else {
            return Err(Error::invalid(
                "model",
                "published depth (the square-root law has no separate bid side)",
                "square-root law",
            ));
        };
        let total = bids.total();
        let mut applied = factor;
        let scaled = total.checked_mul(factor).ok_or_else(|| overflow(OP))?;
        if self.inventory > scaled {
            applied = self.inventory.checked_div(total).ok_or_else(|| overflow(OP))?;
            // The quotient is rounded to 28 digits: nudge it up until the side holds the
            // absorbed quantity.
            while total.checked_mul(applied).ok_or_else(|| overflow(OP))? < self.inventory {
                applied += Decimal::new(1, 26);
            }
        }
        self.model = ImpactModel::Depth { bids: bids.scaled(applied)?, asks: asks.clone() };
        self.settle();
        Ok(applied)
    }

    /// `δ` and `∫₀^q δ` on one side of the book, for `q >= 0` whole tokens.
    fn side_impact(&self, bids: bool, q: Decimal) -> Result<(Decimal, Decimal)> {
        let (marginal, average) = match &self.model {
            ImpactModel::Depth { bids: b, asks: a } => {
                if bids {
                    b.impact(q)?
                } else {
                    a.impact(q)?
                }
            }
            ImpactModel::SquareRoot(law) => law.impact(q)?,
        };
        Ok((marginal, average.checked_mul(q).ok_or_else(|| overflow("DepthVenue"))?))
    }

    /// `P(x)` and `F(x) = ∫₀^x P`, both divided by the reference.
    fn curve(&self, x: Decimal) -> Result<(Decimal, Decimal)> {
        if x >= Decimal::ZERO {
            let (delta, area) = self.side_impact(true, x)?;
            Ok((
                Decimal::ONE - delta,
                x.checked_sub(area).ok_or_else(|| overflow("DepthVenue::curve"))?,
            ))
        } else {
            let (delta, area) = self.side_impact(false, -x)?;
            Ok((
                Decimal::ONE + delta,
                x.checked_sub(area).ok_or_else(|| overflow("DepthVenue::curve"))?,
            ))
        }
    }

    fn price(value: Decimal) -> Result<Price> {
        Ok(Price::from_decimal(value.max(Decimal::ZERO), PRICE_DECIMALS, Rounding::Down)?)
    }

    /// A trade of `q` whole base tokens in human units, without the raw-unit conversions of
    /// [`Venue::quote`]: the quote amount (whole tokens, unrounded), the price before and after
    /// (quote per base), and the inventory after. This is the fast path for scenario loops.
    pub fn quote_human(&self, side: Side, q: Decimal) -> Result<HumanQuote> {
        const OP: &str = "DepthVenue";
        if q <= Decimal::ZERO {
            return Err(Error::invalid("q", "> 0", q));
        }
        let inventory = match side {
            Side::Sell => self.inventory.checked_add(q),
            Side::Buy => self.inventory.checked_sub(q),
        }
        .ok_or_else(|| overflow(OP))?;
        let (price_before, f_before) = self.curve_here()?;
        let (price_after, f_after) = self.curve(inventory)?;
        let amount = f_after
            .checked_sub(f_before)
            .and_then(|f| f.abs().checked_mul(self.reference))
            .ok_or_else(|| overflow(OP))?;
        Ok(HumanQuote {
            amount,
            price_before: price_before.checked_mul(self.reference).ok_or_else(|| overflow(OP))?,
            price_after: price_after.checked_mul(self.reference).ok_or_else(|| overflow(OP))?,
            inventory,
        })
    }

    /// The quote and the inventory after the trade.
    fn simulate(&self, side: Side, base: U256) -> Result<(Quote, Decimal)> {
        let places = u32::from(self.pair.base_decimals()).min(28);
        let q = to_decimal(base, self.pair.base_decimals(), places, Rounding::Down)?;
        let human = self.quote_human(side, q).map_err(|e| match e {
            Error::InsufficientLiquidity { venue, .. } => {
                Error::InsufficientLiquidity { venue, requested: base, available: U256::ZERO }
            }
            other => other,
        })?;
        let rounding = if side == Side::Sell { Rounding::Down } else { Rounding::Up };
        let quote = from_decimal(human.amount, self.pair.quote_decimals(), rounding)?;
        let before = Self::price(human.price_before)?;
        let after = Self::price(human.price_after)?;
        Ok((Quote::new(self.pair, side, base, quote, before, after)?, human.inventory))
    }
}

/// A depth-venue quote in human units (see [`DepthVenue::quote_human`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanQuote {
    /// Quote received (sale) or paid (buy), whole tokens, unrounded.
    pub amount: Decimal,
    /// Marginal price before the trade.
    pub price_before: Decimal,
    /// Marginal price after the trade.
    pub price_after: Decimal,
    /// The venue's inventory after the trade.
    pub inventory: Decimal,
}

impl Venue for DepthVenue {
    fn boxed_clone(&self) -> Box<dyn Venue> {
        Box::new(self.clone())
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn pair(&self) -> Pair {
        self.pair
    }

    fn mid_price(&self) -> Result<Price> {
        let (price, _) = self.curve_here()?;
        Self::price(price * self.reference)
    }

    fn quote(&self, side: Side, base: U256) -> Result<Quote> {
        self.simulate(side, base).map(|(quote, _)| quote)
    }

    /// Published depth inverted: the inventory `x` at which `P(x)` is `target`, less the
    /// inventory now (the square-root law is searched whole).
    fn arbitrage_guess(&self, target: Price) -> Option<U256> {
        let ImpactModel::Depth { bids, asks } = &self.model else { return None };
        let ratio = target.to_decimal().ok()?.checked_div(self.reference)?;
        let x = if ratio <= Decimal::ONE {
            bids.inverse(Decimal::ONE - ratio)?
        } else {
            -asks.inverse(ratio - Decimal::ONE)?
        };
        let q = x.checked_sub(self.inventory)?.abs();
        from_decimal(q, self.pair.base_decimals(), Rounding::Down).ok()
    }

    fn execute(&mut self, side: Side, base: U256) -> Result<Quote> {
        let (quote, inventory) = self.simulate(side, base)?;
        self.inventory = inventory;
        self.settle();
        Ok(quote)
    }

    /// Exact for published depth: the bids hold `total` whole tokens from the reference, of
    /// which `inventory` are already taken (fewer after buys), so a sale can add
    /// `total − inventory`, rounded down to the raw unit. The square-root law has no last level
    /// (its impact reaches 100% asymptotically) and is searched.
    fn max_sell(&self, cap: U256) -> Result<U256> {
        let ImpactModel::Depth { bids, .. } = &self.model else {
            return largest_sale(self, cap);
        };
        let room = bids.total().checked_sub(self.inventory).ok_or_else(|| overflow("max_sell"))?;
        if room <= Decimal::ZERO {
            return Ok(U256::ZERO);
        }
        let room = from_decimal(room, self.pair.base_decimals(), Rounding::Down)?;
        if cap < room {
            return Ok(cap);
        }
        // The room is exact, but the inventory after the sale is a 28-digit decimal sum: should
        // it round past the last level, search below it instead.
        let size = room;
        if self.quote(Side::Sell, size).is_ok() { Ok(size) } else { largest_sale(self, size) }
    }

    /// Depth times `factor` (volume, for the square-root law); the inventory is kept, so a
    /// displaced book shows a larger displacement once thinned.
    fn scale_liquidity(&mut self, factor: Decimal) -> Result<()> {
        if factor <= Decimal::ZERO {
            return Err(Error::invalid("factor", "> 0 (a book with no depth is no venue)", factor));
        }
        self.model = match &self.model {
            ImpactModel::Depth { bids, asks } => {
                ImpactModel::Depth { bids: bids.scaled(factor)?, asks: asks.scaled(factor)? }
            }
            ImpactModel::SquareRoot(law) => ImpactModel::SquareRoot(SquareRootImpact {
                daily_volume: law
                    .daily_volume
                    .checked_mul(factor)
                    .ok_or_else(|| overflow("scale_liquidity"))?,
                ..*law
            }),
        };
        self.settle();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn book() -> DepthVenue {
        // 100 ETH within 1% of a 2,000 mid, 300 within 2%, per side.
        let side = || {
            DepthSide::new(vec![
                DepthLevel { band: d("0.01"), quantity: d("100") },
                DepthLevel { band: d("0.02"), quantity: d("300") },
            ])
            .unwrap()
        };
        let pair = Pair::new(18, 6).unwrap();
        DepthVenue::new("cex", pair, d("2000"), ImpactModel::Depth { bids: side(), asks: side() })
            .unwrap()
    }

    fn eth(n: u64) -> U256 {
        U256::from(n) * U256::from(10u64.pow(18))
    }

    /// Arbitrage from the inverted book finds the trade the whole-range bisection finds, for
    /// targets on both sides, across a band edge and past the book's end, from a displaced book
    /// (the guess only starts the search).
    #[test]
    fn arbitrage_from_the_guess_is_the_whole_range_search() {
        use crate::venue::{largest_where, largest_where_near};
        let mut venue = book();
        venue.execute(Side::Sell, eth(37)).unwrap();
        let cap = U256::from(u128::MAX);
        for target in
            ["1999.99", "1990", "1980", "1975.123456789", "1900", "2000", "2013.5", "2100"]
        {
            let target = Price::from_decimal(d(target), PRICE_DECIMALS, Rounding::Down).unwrap();
            let mid = venue.mid_price().unwrap();
            let (side, keeps): (Side, fn(&Quote, Price) -> bool) = if mid.raw() > target.raw() {
                (Side::Sell, |q, t| q.price_after.raw() >= t.raw())
            } else {
                (Side::Buy, |q, t| q.price_after.raw() <= t.raw())
            };
            let fits = |size: U256| venue.quote(side, size).is_ok_and(|q| keeps(&q, target));
            let whole = largest_where(cap, fits).unwrap();
            let guess = venue.arbitrage_guess(target);
            assert!(guess.is_some(), "a depth book inverts");
            for guess in [guess, Some(U256::ZERO), Some(eth(1)), Some(whole + U256::from(5000u16))]
            {
                assert_eq!(largest_where_near(cap, guess, fits).unwrap(), whole, "{target:?}");
            }
        }
    }

    /// By hand: selling 100 ETH walks the first band linearly to δ = 1%; the average impact is
    /// 0.5%, so the proceeds are 100 · 2000 · 0.995 = 199,000 USDC and the last fill is at 1,980.
    /// Selling 200 ETH adds 100 ETH from δ = 1% to 1.5% (halfway through the 200-ETH second band):
    /// ∫δ = 100·0.005 + 100·0.0125 = 1.75, average 0.875%, proceeds 200 · 2000 · 0.99125 = 396,500.
    #[test]
    fn depth_curve_by_hand() {
        let venue = book();
        let q = venue.quote(Side::Sell, eth(100)).unwrap();
        assert_eq!(q.quote, U256::from(199_000_000_000u64));
        assert_eq!(q.price_after.raw(), eth(1980));
        let q = venue.quote(Side::Sell, eth(200)).unwrap();
        assert_eq!(q.quote, U256::from(396_500_000_000u64));
        assert_eq!(q.price_after.raw(), eth(1970));
        // Beyond the published 2% there is no depth.
        assert!(matches!(
            venue.quote(Side::Sell, eth(301)),
            Err(Error::InsufficientLiquidity { .. })
        ));
    }

    /// A liquidity black hole, by hand: the bids hold 300 ETH within 2%. After a 250-ETH sale
    /// 50 are left, so a 120-ETH sale fills 50 and leaves 70 unsold; it walks δ from
    /// 1% + 1%·150/200 = 1.75% to 2% (250 → 300 ETH of the 200-ETH second band from 1% to 2%),
    /// ∫δ = 50·(0.0175 + 0.02)/2 = 0.9375, so the
    /// proceeds are 2000·(50 − 0.9375) = 98,125 USDC and the last fill is at 2000·0.98 = 1,960.
    /// Then the book absorbs nothing: no trade.
    #[test]
    fn a_sale_past_the_book_fills_what_is_left() {
        let mut venue = book();
        venue.execute(Side::Sell, eth(250)).unwrap();
        assert_eq!(venue.max_sell(eth(120)).unwrap(), eth(50));
        assert_eq!(venue.max_sell(eth(20)).unwrap(), eth(20), "a sale that fits is whole");
        let q = venue.execute_sell_up_to(eth(120)).unwrap().unwrap();
        assert_eq!(q.base, eth(50));
        // The model's average impact is a 28-digit quotient (∫δ/q) multiplied back by q: its
        // last-digit error, rounded down, can cost the seller one micro-USDC, never more.
        let exact = U256::from(98_125_000_000u64);
        assert!(q.quote <= exact && q.quote + U256::from(1u8) >= exact, "{}", q.quote);
        assert_eq!(q.price_after.raw(), eth(1960));
        assert_eq!(venue.inventory(), d("300"));
        assert_eq!(venue.max_sell(eth(1)).unwrap(), U256::ZERO);
        assert_eq!(venue.execute_sell_up_to(eth(1)).unwrap(), None);
        // A buy of 100 ETH gives 100 back to the bids.
        venue.execute(Side::Buy, eth(100)).unwrap();
        assert_eq!(venue.max_sell(eth(500)).unwrap(), eth(100));
    }

    /// The square-root law has no last level: its room is searched. With Y·σ = 0.04 and
    /// V = 10,000 the impact reaches 100% at q = V/0.04² = 6,250,000, which no sale reaches.
    #[test]
    fn square_root_room_is_searched() {
        let law = SquareRootImpact { y: d("1"), sigma: d("0.04"), daily_volume: d("10000") };
        let venue = DepthVenue::new(
            "perp",
            Pair::new(18, 6).unwrap(),
            d("2000"),
            ImpactModel::SquareRoot(law),
        )
        .unwrap();
        let most = venue.max_sell(eth(7_000_000)).unwrap();
        assert!(most < eth(6_250_000) && most > eth(6_249_999), "{most}");
        assert_eq!(venue.max_sell(eth(1_000)).unwrap(), eth(1_000));
    }

    /// By hand: Y = 1, σ = 4%, V = 10,000; a sale of 100 is 1% of V, √0.01 = 0.1, so the marginal
    /// impact is 0.4% and the average (2/3 of it) 0.2666…%; at mid 2,000 the last fill is 1,992.
    #[test]
    fn square_root_law_by_hand() {
        let law = SquareRootImpact { y: d("1"), sigma: d("0.04"), daily_volume: d("10000") };
        let venue = DepthVenue::new(
            "perp",
            Pair::new(18, 6).unwrap(),
            d("2000"),
            ImpactModel::SquareRoot(law),
        )
        .unwrap();
        let q = venue.quote(Side::Sell, eth(100)).unwrap();
        assert_eq!(q.price_after.raw(), eth(1992));
        // 100 · 2000 · (1 − 0.004·2/3) = 199,466.666… USDC, rounded down to the micro-dollar.
        assert_eq!(q.quote, U256::from(199_466_666_666u64));
    }

    #[test]
    fn bad_depth_is_a_typed_error() {
        assert!(matches!(DepthSide::new(vec![]), Err(Error::ZeroLiquidity { .. })));
        let inverted = vec![
            DepthLevel { band: d("0.02"), quantity: d("100") },
            DepthLevel { band: d("0.01"), quantity: d("300") },
        ];
        assert!(matches!(DepthSide::new(inverted), Err(Error::InvalidInput { field: "band", .. })));
        assert!(sqrt(d("-1")).is_none());
        // A book as deep as Decimal allows: quoting its whole depth overflows the notional, which
        // is an error, not a panic.
        let huge =
            DepthSide::new(vec![DepthLevel { band: d("0.5"), quantity: Decimal::MAX }]).unwrap();
        let venue = DepthVenue::new(
            "huge",
            Pair::new(18, 18).unwrap(),
            d("2000"),
            ImpactModel::Depth { bids: huge.clone(), asks: huge },
        )
        .unwrap();
        assert!(matches!(venue.quote_human(Side::Sell, Decimal::MAX), Err(Error::Overflow { .. })));
        assert_eq!(sqrt(d("0.01")), Some(d("0.1")));
    }

    /// A liquidity shock halving the depth doubles the impact of the same sale: 100 ETH now
    /// reaches the 1% band's end at 50 ETH and goes on to 1.25%.
    #[test]
    fn liquidity_shock_scales_depth() {
        let mut venue = book();
        venue.scale_liquidity(d("0.5")).unwrap();
        let q = venue.quote(Side::Sell, eth(100)).unwrap();
        // 50 ETH over 0→1% (∫ = 0.25) and 50 ETH over 1→1.5% of the 100-ETH band (∫ = 0.625):
        // average 0.875%, last fill at 2000·0.985 = 1,970, proceeds 100·2000·0.99125 = 198,250.
        assert_eq!(q.price_after.raw(), eth(1970));
        assert_eq!(q.quote, U256::from(198_250_000_000u64));
    }

    /// Halving the bids halves the book only for sellers: the 100-ETH sale of
    /// `liquidity_shock_scales_depth` reaches 1,970 again, while a 50-ETH buy still walks the
    /// untouched asks, half of the 100-ETH 1% band: +0.5%, to 2,010.
    #[test]
    fn scale_bids_thins_the_sellers_side_only() {
        let mut venue = book();
        assert_eq!(venue.scale_bids(d("0.5")).unwrap(), d("0.5"));
        let q = venue.quote(Side::Sell, eth(100)).unwrap();
        assert_eq!(q.price_after.raw(), eth(1970));
        assert_eq!(q.quote, U256::from(198_250_000_000u64));
        let buy = venue.quote(Side::Buy, eth(50)).unwrap();
        assert_eq!(buy.price_after.raw(), eth(2010));
    }

    /// Bids already hit stay hit: after a 250-ETH sale (100 over the 1% band, 150 of the next
    /// 200: δ = 1% + 1% · 150/200 = 1.75%, mid 1,965), halving the 300-ETH side would leave 150
    /// below the 250 absorbed, so the factor applied is 250/300 and the mid sits at the side's
    /// last level, 2% under the reference: 1,960.
    #[test]
    fn scale_bids_keeps_what_was_absorbed() {
        let mut venue = book();
        venue.execute(Side::Sell, eth(250)).unwrap();
        assert_eq!(venue.mid_price().unwrap().raw(), eth(1965));
        let applied = venue.scale_bids(d("0.5")).unwrap();
        assert!(applied * d("300") >= d("250") && applied < d("0.8333334"), "{applied}");
        assert_eq!(venue.mid_price().unwrap().raw(), eth(1960));
        assert_eq!(venue.max_sell(eth(1)).unwrap(), U256::ZERO);
        assert!(venue.scale_bids(Decimal::ZERO).is_err());
    }
}
