//! Uniswap v3 concentrated liquidity, exact to Uniswap v3-core 1.0.
//!
//! - [`tick_math`]: `TickMath` (sqrt price at a tick and back).
//! - [`sqrt_price_math`]: `SqrtPriceMath` (price moves and amount deltas).
//! - [`swap_math`]: one swap step (`SwapMath.computeSwapStep`).
//! - [`pool`]: a pool with initialised ticks and the swap loop with tick crossing.
//!
//! [`ConcentratedLiquidity`] wraps a [`Pool`] as a [`Venue`] with the base asset as token0 or
//! token1. Why the math is written here instead of taken from the `uniswap_v3_math` crate is in
//! the crate README.

pub mod pool;
pub mod sqrt_price_math;
pub mod swap_math;
pub mod tick_math;

pub use pool::{Pool, SwapResult, TickInfo};

use crate::{
    Error, Result,
    uniswap_v2::{FACTOR_ONE, scale_factor},
    venue::{Pair, Quote, Side, Venue},
};
use alloy_primitives::{I256, U256, U512};
use faultline_core::{Price, Rounding};
use rust_decimal::Decimal;
use tick_math::{MAX_SQRT_RATIO, MIN_SQRT_RATIO};

/// A v3 pool as a venue: sales and buys of the base token run through [`Pool::swap`] with the
/// widest price limit (or the edge of the range given to [`ConcentratedLiquidity::with_range`]),
/// and a trade the pool cannot fill completely is an error, not a partial fill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConcentratedLiquidity {
    name: String,
    pair: Pair,
    pool: Pool,
    base_is_token0: bool,
    /// The sqrt prices (low, high) the venue trades within: the ticks beyond a range read from
    /// chain are unknown.
    bounds: (U256, U256),
}

impl ConcentratedLiquidity {
    /// A venue over `pool`, whose base token is token0 when `base_is_token0`.
    pub fn new(name: impl Into<String>, pair: Pair, pool: Pool, base_is_token0: bool) -> Self {
        let bounds = (MIN_SQRT_RATIO + U256::from(1u8), MAX_SQRT_RATIO - U256::from(1u8));
        Self { name: name.into(), pair, pool, base_is_token0, bounds }
    }

    /// Trades only within ticks `[lower, upper]` (a pool read from chain knows its ticks there
    /// only): a trade that would move the price past them fills nothing beyond and fails with
    /// [`Error::InsufficientLiquidity`], so a sale past the range is never priced on liquidity
    /// that was not read.
    pub fn with_range(mut self, lower: i32, upper: i32) -> Result<Self> {
        let low = tick_math::get_sqrt_ratio_at_tick(lower)?.max(self.bounds.0);
        let high = tick_math::get_sqrt_ratio_at_tick(upper)?.min(self.bounds.1);
        if low >= high {
            return Err(Error::invalid("range", "lower tick below upper tick", lower));
        }
        self.bounds = (low, high);
        Ok(self)
    }

    /// The pool.
    pub const fn pool(&self) -> &Pool {
        &self.pool
    }

    fn price_at(&self, sqrt_price_x96: U256) -> Result<Price> {
        let squared = U512::from(sqrt_price_x96) * U512::from(sqrt_price_x96);
        let q192 = U512::from(1u8) << 192usize;
        let (num, den) = if self.base_is_token0 { (squared, q192) } else { (q192, squared) };
        self.pair.price_of_ratio(num, den, Rounding::Down)
    }

    /// The swap for a trade, and the (base, quote) amounts it moves.
    fn simulate(&self, side: Side, base: U256) -> Result<(SwapResult, U256)> {
        let amount = I256::try_from(base)
            .map_err(|_| Error::invalid("base", "below 2^255 (int256)", base))?;
        // Selling token0 or buying token1 is zero for one.
        let zero_for_one = (side == Side::Sell) == self.base_is_token0;
        let specified = if side == Side::Sell { amount } else { -amount };
        let price = self.pool.sqrt_price_x96();
        let limit = if zero_for_one { self.bounds.0 } else { self.bounds.1 };
        // At the edge of the range already: nothing more can trade this way.
        if (zero_for_one && price <= limit) || (!zero_for_one && price >= limit) {
            return Err(Error::InsufficientLiquidity {
                venue: "ConcentratedLiquidity",
                requested: base,
                available: U256::ZERO,
            });
        }
        let result = self.pool.quote_swap(zero_for_one, specified, limit)?;
        let (base_delta, quote_delta) = if self.base_is_token0 {
            (result.amount0, result.amount1)
        } else {
            (result.amount1, result.amount0)
        };
        let filled = base_delta.unsigned_abs();
        if filled < base {
            return Err(Error::InsufficientLiquidity {
                venue: "ConcentratedLiquidity",
                requested: base,
                available: filled,
            });
        }
        Ok((result, quote_delta.unsigned_abs()))
    }
}

impl Venue for ConcentratedLiquidity {
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
        self.price_at(self.pool.sqrt_price_x96())
    }

    fn quote(&self, side: Side, base: U256) -> Result<Quote> {
        let (result, quote) = self.simulate(side, base)?;
        Quote::new(
            self.pair,
            side,
            base,
            quote,
            self.mid_price()?,
            self.price_at(result.sqrt_price_x96)?,
        )
    }

    fn execute(&mut self, side: Side, base: U256) -> Result<Quote> {
        let (result, quote) = self.simulate(side, base)?;
        let quote = Quote::new(
            self.pair,
            side,
            base,
            quote,
            self.mid_price()?,
            self.price_at(result.sqrt_price_x96)?,
        )?;
        self.pool.apply(&result);
        Ok(quote)
    }

    fn scale_liquidity(&mut self, factor: Decimal) -> Result<()> {
        self.pool.scale_liquidity(scale_factor(factor)?, FACTOR_ONE)
    }
}
