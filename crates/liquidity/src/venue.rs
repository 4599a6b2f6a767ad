//! The vocabulary every venue speaks: quote a sale or a buy of the base asset, and the inverse.
//!
//! Amounts are raw token units. Prices are human prices (whole quote tokens per whole base token)
//! as a [`Price`] with [`PRICE_DECIMALS`] decimals, computed exactly from the venue's own integer
//! state in 512 bits and rounded down, so two quotes compare exactly.

use crate::{Error, Result};
use alloy_primitives::{U256, U512};
use faultline_core::{Price, Rounding};
use rust_decimal::Decimal;
use std::sync::OnceLock;

/// Decimals of every price a venue reports (WAD precision).
pub const PRICE_DECIMALS: u8 = 18;

/// The largest token decimals a [`Pair`] accepts: keeps every price computation inside 512 bits.
pub const MAX_TOKEN_DECIMALS: u8 = 36;

/// Basis points in one: slippage bounds are given in basis points.
pub const BPS: u32 = 10_000;

/// Which way the trade goes, seen from the base asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// Sell `base` into the venue for quote (a liquidation sale).
    Sell,
    /// Buy `base` out of the venue, paying quote.
    Buy,
}

/// The decimals of a venue's base and quote tokens, which turn raw amounts into human prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pair {
    base_decimals: u8,
    quote_decimals: u8,
}

impl Pair {
    /// A pair of tokens with these decimals (each at most [`MAX_TOKEN_DECIMALS`]).
    pub fn new(base_decimals: u8, quote_decimals: u8) -> Result<Self> {
        for (field, decimals) in
            [("base_decimals", base_decimals), ("quote_decimals", quote_decimals)]
        {
            if decimals > MAX_TOKEN_DECIMALS {
                return Err(Error::invalid(field, "at most 36 decimals", decimals));
            }
        }
        Ok(Self { base_decimals, quote_decimals })
    }

    /// Decimals of the base token.
    pub const fn base_decimals(&self) -> u8 {
        self.base_decimals
    }

    /// Decimals of the quote token.
    pub const fn quote_decimals(&self) -> u8 {
        self.quote_decimals
    }

    /// The human price of `quote` raw quote units for `base` raw base units, rounded as asked.
    pub fn price_of(&self, quote: U256, base: U256, rounding: Rounding) -> Result<Price> {
        self.price_of_ratio(U512::from(quote), U512::from(base), rounding)
    }

    /// The human price when one raw base unit is worth `num / den` raw quote units.
    ///
    /// `price = num * 10^(18 + base decimals) / (den * 10^quote decimals)`, one division in 512
    /// bits. `num` must stay below 2^320 and `den` below 2^380 (every venue's state does).
    pub fn price_of_ratio(&self, num: U512, den: U512, rounding: Rounding) -> Result<Price> {
        const OP: &str = "price_of_ratio";
        let overflow = || Error::Overflow { op: OP };
        let up = pow512(u32::from(PRICE_DECIMALS) + u32::from(self.base_decimals));
        let down = pow512(u32::from(self.quote_decimals));
        let num = num.checked_mul(up).ok_or_else(overflow)?;
        let den = den.checked_mul(down).ok_or_else(overflow)?;
        if den.is_zero() {
            return Err(Error::ZeroLiquidity { venue: OP, detail: "price of zero base units" });
        }
        let (q, r) = num.div_rem(den);
        let q = match rounding {
            Rounding::Down => q,
            Rounding::Up => q + U512::from(u8::from(!r.is_zero())),
            Rounding::HalfUp => q + U512::from(u8::from(r >= den - (den >> 1usize))),
        };
        let raw = U256::checked_from_limbs_slice(q.as_limbs()).ok_or_else(overflow)?;
        Ok(Price::new(raw, PRICE_DECIMALS)?)
    }
}

/// `10^exp` in 512 bits for `exp <= 18 + 36` (every caller's range), from a table built once:
/// quoting is a hot path and the power would otherwise be recomputed per quote.
fn pow512(exp: u32) -> U512 {
    static TABLE: OnceLock<Vec<U512>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut powers = Vec::with_capacity(MAX_POW as usize + 1);
        let mut value = U512::from(1u8);
        for _ in 0..=MAX_POW {
            powers.push(value);
            value *= U512::from(10u8);
        }
        powers
    });
    table.get(exp as usize).copied().unwrap_or_else(|| U512::from(10u8).pow(U512::from(exp)))
}

/// The largest power of ten [`pow512`] keeps in its table.
const MAX_POW: u32 = PRICE_DECIMALS as u32 + MAX_TOKEN_DECIMALS as u32;

/// What a trade of `base` fetches (a sale) or costs (a buy), and what it does to the price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quote {
    /// Which way the trade went.
    pub side: Side,
    /// Base traded, raw units: sold into the venue, or bought out of it.
    pub base: U256,
    /// Quote exchanged, raw units: the proceeds of a sale, or the cost of a buy (fees included).
    pub quote: U256,
    /// The venue's marginal price before the trade.
    pub price_before: Price,
    /// `quote / base` as a human price, rounded down.
    pub average_price: Price,
    /// The venue's marginal price after the trade.
    pub price_after: Price,
}

impl Quote {
    /// Builds a quote, computing the average price from the amounts.
    pub fn new(
        pair: Pair,
        side: Side,
        base: U256,
        quote: U256,
        before: Price,
        after: Price,
    ) -> Result<Self> {
        if base.is_zero() {
            return Err(Error::invalid("base", "a trade of at least one raw unit", base));
        }
        let average_price = pair.price_of(quote, base, Rounding::Down)?;
        Ok(Self { side, base, quote, price_before: before, average_price, price_after: after })
    }

    /// Whether the average price is within `max_slippage_bps` of the price before the trade
    /// (below it for a sale, above it for a buy). Exact: compared in integers.
    pub fn within_slippage(&self, max_slippage_bps: u32) -> bool {
        let bps = U512::from(BPS);
        let avg = U512::from(self.average_price.raw()) * bps;
        let before = U512::from(self.price_before.raw());
        match self.side {
            Side::Sell => avg >= before * U512::from(BPS.saturating_sub(max_slippage_bps)),
            Side::Buy => avg <= before * U512::from(u64::from(BPS) + u64::from(max_slippage_bps)),
        }
    }

    /// The price impact of the trade as a fraction: how much worse the average price is than the
    /// price before (positive for a sale below, or a buy above, the pre-trade price).
    pub fn slippage(&self) -> Result<Decimal> {
        let before = self.price_before.to_decimal()?;
        let average = self.average_price.to_decimal()?;
        if before.is_zero() {
            return Err(Error::ZeroLiquidity {
                venue: "Quote::slippage",
                detail: "zero pre-trade price",
            });
        }
        let gap = match self.side {
            Side::Sell => before - average,
            Side::Buy => average - before,
        };
        gap.checked_div(before).ok_or(Error::Overflow { op: "Quote::slippage" })
    }
}

/// A place where the base asset trades against the quote asset.
///
/// `quote` prices a trade without changing the venue; `execute` applies it. Both fail with a typed
/// [`Error`] when the venue cannot fill the trade.
pub trait Venue: core::fmt::Debug + Send + Sync {
    /// A short label for reports.
    fn name(&self) -> &str;

    /// The decimals of the pair.
    fn pair(&self) -> Pair;

    /// The marginal price now.
    fn mid_price(&self) -> Result<Price>;

    /// Prices a trade of `base` raw units without changing the venue.
    fn quote(&self, side: Side, base: U256) -> Result<Quote>;

    /// Trades `base` raw units and updates the venue.
    fn execute(&mut self, side: Side, base: U256) -> Result<Quote>;

    /// Scales the venue's liquidity by `factor` (market makers pulling or adding quotes): depth,
    /// reserves or position liquidity are multiplied, the marginal price is kept.
    fn scale_liquidity(&mut self, factor: Decimal) -> Result<()>;

    /// A copy of the venue behind a box, so owners of `Box<dyn Venue>` (a perp venue's order
    /// books) can be cloned.
    fn boxed_clone(&self) -> Box<dyn Venue>;

    /// The largest sale whose average price stays within `max_slippage_bps` of the price before
    /// it, searched up to `cap` raw units (zero when even one unit is too much).
    ///
    /// Binary search over [`Venue::quote`]; relies on the average price of a sale falling as the
    /// sale grows, which the property tests check for every venue.
    fn max_sell_within(&self, max_slippage_bps: u32, cap: U256) -> Result<U256> {
        let fits = |size: U256| {
            self.quote(Side::Sell, size).is_ok_and(|q| q.within_slippage(max_slippage_bps))
        };
        largest_where(cap, fits)
    }

    /// The largest sale of at most `cap` raw units the venue can fill: `cap` itself when it
    /// absorbs all of it, less when its book runs out first (a liquidity black hole), zero when
    /// it absorbs nothing more.
    ///
    /// By default a binary search over [`Venue::quote`] (a size whose quote fails, for whatever
    /// reason, is one the venue cannot fill); a venue that knows where its book ends answers
    /// exactly.
    fn max_sell(&self, cap: U256) -> Result<U256> {
        largest_sale(self, cap)
    }

    /// Sells as much of `base` raw units as the venue absorbs ([`Venue::max_sell`]): the trade,
    /// whose `base` is what was sold (the rest is the caller's to keep), or `None` when the venue
    /// absorbs nothing.
    fn execute_sell_up_to(&mut self, base: U256) -> Result<Option<Quote>> {
        let size = self.max_sell(base)?;
        if size.is_zero() { Ok(None) } else { self.execute(Side::Sell, size).map(Some) }
    }

    /// Where [`Venue::arbitrage_to`]'s search should start: an estimate of the trade, raw base
    /// units, that brings the marginal price to `target` (`None`: search the whole range). Only
    /// the search's cost depends on it: the trade is the same whatever the estimate.
    fn arbitrage_guess(&self, _target: Price) -> Option<U256> {
        None
    }

    /// Arbitrage toward `target`: trades the largest amount that moves the marginal price toward
    /// `target` without passing it, and returns that trade (`None` when no trade of one raw unit
    /// stays on the near side of the target).
    fn arbitrage_to(&mut self, target: Price, cap: U256) -> Result<Option<Quote>> {
        let mid = self.mid_price()?;
        let (side, keeps_side): (Side, fn(&Quote, Price) -> bool) = if mid.raw() > target.raw() {
            (Side::Sell, |q, t| q.price_after.raw() >= t.raw())
        } else if mid.raw() < target.raw() {
            (Side::Buy, |q, t| q.price_after.raw() <= t.raw())
        } else {
            return Ok(None);
        };
        let size = largest_where_near(cap, self.arbitrage_guess(target), |size| {
            self.quote(side, size).is_ok_and(|q| keeps_side(&q, target))
        })?;
        if size.is_zero() { Ok(None) } else { self.execute(side, size).map(Some) }
    }
}

impl Clone for Box<dyn Venue> {
    fn clone(&self) -> Self {
        self.boxed_clone()
    }
}

/// [`Venue::max_sell`] by binary search: the largest sale up to `cap` whose quote succeeds.
pub(crate) fn largest_sale<V: Venue + ?Sized>(venue: &V, cap: U256) -> Result<U256> {
    largest_where(cap, |size| size.is_zero() || venue.quote(Side::Sell, size).is_ok())
}

/// The largest `x` in `0..=cap` with `fits(x)`, for a `fits` that holds up to some point and fails
/// after it; `fits(0)` is taken as true.
pub(crate) fn largest_where(cap: U256, mut fits: impl FnMut(U256) -> bool) -> Result<U256> {
    if fits(cap) {
        return Ok(cap);
    }
    Ok(bisect(U256::ZERO, cap, fits))
}

/// [`largest_where`] searched from `guess` outward: a bracket around the guess, widened by
/// doubling until its low end fits (or is 0) and its high end does not, then bisected. For a
/// `fits` that holds up to some point and fails after it, the largest fitting `x` is unique, so
/// the answer is [`largest_where`]'s; a good guess (within a few thousand units) makes it about
/// 15 calls of `fits` instead of one per bit of `cap`.
pub(crate) fn largest_where_near(
    cap: U256,
    guess: Option<U256>,
    mut fits: impl FnMut(U256) -> bool,
) -> Result<U256> {
    let Some(guess) = guess.filter(|g| *g <= cap) else {
        return largest_where(cap, fits);
    };
    let start = U256::from(1024u16);
    let mut width = start;
    let mut lo = guess.saturating_sub(width);
    while !lo.is_zero() && !fits(lo) {
        width = width.saturating_mul(U256::from(2u8));
        lo = guess.saturating_sub(width);
    }
    let mut width = start;
    let mut hi = guess.saturating_add(width).min(cap);
    while fits(hi) {
        if hi == cap {
            return Ok(cap);
        }
        width = width.saturating_mul(U256::from(2u8));
        hi = guess.saturating_add(width).min(cap);
    }
    Ok(bisect(lo, hi, fits))
}

/// The largest `x` in `lo..hi` with `fits(x)`, given `fits(lo)` (or `lo == 0`) and `!fits(hi)`.
fn bisect(mut lo: U256, mut hi: U256, mut fits: impl FnMut(U256) -> bool) -> U256 {
    let one = U256::from(1u8);
    // Invariant: fits(lo) (or lo == 0), !fits(hi).
    while hi - lo > one {
        let mid = lo + ((hi - lo) >> 1usize);
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}
