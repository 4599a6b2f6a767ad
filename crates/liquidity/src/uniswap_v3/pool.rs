//! A Uniswap v3 pool: initialised ticks, positions' liquidity, and the swap loop with tick
//! crossing, as `UniswapV3Pool.swap` in Uniswap v3-core.
//!
//! The loop steps exactly where the contract steps: to the next initialised tick *within one
//! bitmap word* (`TickBitmap.nextInitializedTickWithinOneWord`), so a swap across an empty word
//! takes the same intermediate steps, and therefore the same roundings, as on chain. Oracle
//! observations, fee growth and protocol fees do not change amounts or prices and are not kept.

use super::{
    sqrt_price_math::{get_amount0_delta, get_amount1_delta},
    swap_math::{FEE_DENOMINATOR, compute_swap_step},
    tick_math::{
        MAX_SQRT_RATIO, MAX_TICK, MIN_SQRT_RATIO, MIN_TICK, get_sqrt_ratio_at_tick,
        get_tick_at_sqrt_ratio,
    },
};
use crate::{Error, Result};
use alloy_primitives::{I256, U256};
use faultline_core::{Rounding, math::mul_div_full};
use std::collections::BTreeMap;

/// The liquidity an initialised tick holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TickInfo {
    /// Total liquidity of positions with this tick as a bound (`liquidityGross`).
    pub liquidity_gross: u128,
    /// Liquidity added when the price crosses this tick upward (`liquidityNet`).
    pub liquidity_net: i128,
}

/// The result of a swap, as the contract returns and stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SwapResult {
    /// Token0 delta from the pool's side: positive is paid in, negative paid out.
    pub amount0: I256,
    /// Token1 delta from the pool's side.
    pub amount1: I256,
    /// `slot0.sqrtPriceX96` after the swap.
    pub sqrt_price_x96: U256,
    /// `slot0.tick` after the swap.
    pub tick: i32,
    /// In-range liquidity after the swap.
    pub liquidity: u128,
}

/// A Uniswap v3 pool's state that matters to swaps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    fee: u32,
    tick_spacing: i32,
    max_liquidity_per_tick: u128,
    sqrt_price_x96: U256,
    tick: i32,
    liquidity: u128,
    /// Initialised ticks by compressed index (`tick / tick_spacing`).
    ticks: BTreeMap<i32, TickInfo>,
    /// Minted positions `(tick_lower, tick_upper, liquidity)`, kept to rebuild the ticks when
    /// liquidity is scaled.
    positions: Vec<(i32, i32, u128)>,
}

/// `Tick.tickSpacingToMaxLiquidityPerTick`.
const fn max_liquidity_per_tick(tick_spacing: i32) -> u128 {
    let min_tick = (MIN_TICK / tick_spacing) * tick_spacing;
    let max_tick = (MAX_TICK / tick_spacing) * tick_spacing;
    let num_ticks = ((max_tick - min_tick) / tick_spacing) as u128 + 1;
    u128::MAX / num_ticks
}

/// `LiquidityMath.addDelta`.
fn add_delta(x: u128, y: i128) -> Result<u128> {
    if y < 0 {
        x.checked_sub(y.unsigned_abs()).ok_or(Error::Overflow { op: "LiquidityMath.addDelta (LS)" })
    } else {
        x.checked_add(y.unsigned_abs()).ok_or(Error::Overflow { op: "LiquidityMath.addDelta (LA)" })
    }
}

/// `SafeCast.toInt256`.
fn to_int256(value: U256, op: &'static str) -> Result<I256> {
    I256::try_from(value).map_err(|_| Error::Overflow { op })
}

impl Pool {
    /// A pool after `initialize(sqrtPriceX96)`: no liquidity yet.
    ///
    /// `fee` is in millionths (below 1e6); `tick_spacing` in `1..16384` as the factory accepts;
    /// the price must lie in `MIN_SQRT_RATIO..MAX_SQRT_RATIO`.
    pub fn new(fee: u32, tick_spacing: i32, sqrt_price_x96: U256) -> Result<Self> {
        if fee >= FEE_DENOMINATOR {
            return Err(Error::invalid("fee", "below 1,000,000 millionths", fee));
        }
        if !(1..16384).contains(&tick_spacing) {
            return Err(Error::invalid("tick_spacing", "1..16384", tick_spacing));
        }
        let tick = get_tick_at_sqrt_ratio(sqrt_price_x96)?;
        Ok(Self {
            fee,
            tick_spacing,
            max_liquidity_per_tick: max_liquidity_per_tick(tick_spacing),
            sqrt_price_x96,
            tick,
            liquidity: 0,
            ticks: BTreeMap::new(),
            positions: Vec::new(),
        })
    }

    /// A pool as read from chain at one moment: `slot0` (`sqrt_price_x96`, `tick`), the in-range
    /// `liquidity`, and the initialised ticks `(tick, liquidityNet)` of the range
    /// `[range.0, range.1]` read around the price (the ticks outside it are unknown, so a venue
    /// over this pool must not trade past the range: see
    /// [`super::ConcentratedLiquidity::with_range`]).
    ///
    /// The liquidity between two neighbouring ticks follows from the in-range liquidity and the
    /// nets crossed to reach it (up: `+net`, down: `-net`, as the swap loop crosses); every such
    /// figure must lie in `0..=u128::MAX`, else the ticks and the liquidity do not belong to one
    /// pool and the error names the tick. `slot0.tick` must be the tick of the price, or one below
    /// it when the price sits exactly on a tick a downward swap ended at (the loop stores
    /// `tick_next - 1` there). `liquidityGross` is not needed by swaps and is taken as `|net|`.
    ///
    /// The pool keeps the liquidity profile as one synthetic position per stretch between
    /// neighbouring ticks (same liquidity everywhere in the range), which is what
    /// [`Pool::scale_liquidity`] scales.
    pub fn from_state(
        fee: u32,
        tick_spacing: i32,
        sqrt_price_x96: U256,
        tick: i32,
        liquidity: u128,
        ticks: &[(i32, i128)],
        range: (i32, i32),
    ) -> Result<Self> {
        let mut pool = Self::new(fee, tick_spacing, sqrt_price_x96)?;
        let at_price = pool.tick;
        if tick != at_price
            && !(tick == at_price - 1 && get_sqrt_ratio_at_tick(at_price)? == sqrt_price_x96)
        {
            return Err(Error::invalid(
                "tick",
                "the tick of sqrt_price_x96, or one below it on a tick boundary",
                format!("{tick} (the price's tick is {at_price})"),
            ));
        }
        let (lower, upper) = range;
        for (field, bound) in [("range lower tick", lower), ("range upper tick", upper)] {
            if bound % tick_spacing != 0 || !(MIN_TICK..=MAX_TICK).contains(&bound) {
                return Err(Error::invalid(
                    field,
                    "a multiple of the tick spacing within MIN_TICK..=MAX_TICK",
                    bound,
                ));
            }
        }
        if !(lower <= tick && tick < upper) {
            return Err(Error::invalid(
                "tick",
                "within the range read [lower, upper)",
                format!("{tick} outside [{lower}, {upper})"),
            ));
        }
        let mut points = vec![lower];
        let mut previous = None;
        for &(t, net) in ticks {
            if previous.is_some_and(|p| t <= p) {
                return Err(Error::invalid("ticks", "strictly increasing", t));
            }
            previous = Some(t);
            if t % tick_spacing != 0 || !(lower..=upper).contains(&t) {
                return Err(Error::invalid(
                    "ticks",
                    "multiples of the tick spacing within the range read",
                    format!("{t} (spacing {tick_spacing}, range [{lower}, {upper}])"),
                ));
            }
            if net == i128::MIN {
                return Err(Error::invalid("liquidityNet", "above -2^127", t));
            }
            pool.ticks.insert(
                t / tick_spacing,
                TickInfo { liquidity_gross: net.unsigned_abs(), liquidity_net: net },
            );
            if t != lower && t != upper {
                points.push(t);
            }
        }
        points.push(upper);
        let net_at = |t: i32| pool.ticks.get(&(t / tick_spacing)).map_or(0, |i| i.liquidity_net);
        // The stretch holding the price: the last point at or below `tick`.
        let here = points.iter().rposition(|p| *p <= tick).unwrap_or(0);
        let mut stretch = vec![0u128; points.len() - 1];
        stretch[here] = liquidity;
        let crossed = |l: u128, net: i128, t: i32| {
            add_delta(l, net).map_err(|_| {
                Error::invalid(
                    "liquidityNet",
                    "nets that keep the liquidity within 0..=2^128-1 across the range",
                    t,
                )
            })
        };
        for k in here + 1..stretch.len() {
            stretch[k] = crossed(stretch[k - 1], net_at(points[k]), points[k])?;
        }
        for k in (0..here).rev() {
            let net = net_at(points[k + 1]).checked_neg().unwrap_or(i128::MAX);
            stretch[k] = crossed(stretch[k + 1], net, points[k + 1])?;
        }
        pool.positions = points
            .windows(2)
            .zip(&stretch)
            .filter(|(_, l)| **l > 0)
            .map(|(w, l)| (w[0], w[1], *l))
            .collect();
        pool.tick = tick;
        pool.liquidity = liquidity;
        Ok(pool)
    }

    /// The fee in millionths.
    pub const fn fee(&self) -> u32 {
        self.fee
    }

    /// The tick spacing.
    pub const fn tick_spacing(&self) -> i32 {
        self.tick_spacing
    }

    /// `slot0.sqrtPriceX96`.
    pub const fn sqrt_price_x96(&self) -> U256 {
        self.sqrt_price_x96
    }

    /// `slot0.tick`.
    pub const fn tick(&self) -> i32 {
        self.tick
    }

    /// In-range liquidity.
    pub const fn liquidity(&self) -> u128 {
        self.liquidity
    }

    /// The initialised ticks, by tick.
    pub fn ticks(&self) -> impl Iterator<Item = (i32, TickInfo)> + '_ {
        self.ticks.iter().map(|(compressed, info)| (compressed * self.tick_spacing, *info))
    }

    /// `mint`: adds `amount` of liquidity on `[tick_lower, tick_upper)` and returns the token0 and
    /// token1 the position costs (rounded up), as the pool's `_modifyPosition`.
    pub fn mint(&mut self, tick_lower: i32, tick_upper: i32, amount: u128) -> Result<(U256, U256)> {
        if amount == 0 {
            return Err(Error::invalid("amount", "> 0", amount));
        }
        if tick_lower >= tick_upper {
            return Err(Error::invalid("tick_lower", "below tick_upper (TLU)", tick_lower));
        }
        if tick_lower < MIN_TICK {
            return Err(Error::out_of_range("tick_lower", ">= MIN_TICK (TLM)", tick_lower));
        }
        if tick_upper > MAX_TICK {
            return Err(Error::out_of_range("tick_upper", "<= MAX_TICK (TUM)", tick_upper));
        }
        for (field, tick) in [("tick_lower", tick_lower), ("tick_upper", tick_upper)] {
            if tick % self.tick_spacing != 0 {
                return Err(Error::invalid(field, "a multiple of the tick spacing", tick));
            }
        }
        let delta = i128::try_from(amount).map_err(|_| Error::Overflow { op: "toInt128" })?;
        // Work on copies so a failure leaves the pool unchanged.
        let lower = self.updated_tick(tick_lower, delta, false)?;
        let upper = self.updated_tick(tick_upper, delta, true)?;
        let sqrt_lower = get_sqrt_ratio_at_tick(tick_lower)?;
        let sqrt_upper = get_sqrt_ratio_at_tick(tick_upper)?;
        let (amount0, amount1, liquidity) = if self.tick < tick_lower {
            (get_amount0_delta(sqrt_lower, sqrt_upper, amount, true)?, U256::ZERO, self.liquidity)
        } else if self.tick < tick_upper {
            (
                get_amount0_delta(self.sqrt_price_x96, sqrt_upper, amount, true)?,
                get_amount1_delta(sqrt_lower, self.sqrt_price_x96, amount, true)?,
                add_delta(self.liquidity, delta)?,
            )
        } else {
            (U256::ZERO, get_amount1_delta(sqrt_lower, sqrt_upper, amount, true)?, self.liquidity)
        };
        self.ticks.insert(tick_lower / self.tick_spacing, lower);
        self.ticks.insert(tick_upper / self.tick_spacing, upper);
        self.liquidity = liquidity;
        self.positions.push((tick_lower, tick_upper, amount));
        Ok((amount0, amount1))
    }

    /// `Tick.update` on a copy: the tick's info after adding `delta` as a lower or upper bound.
    fn updated_tick(&self, tick: i32, delta: i128, upper: bool) -> Result<TickInfo> {
        let info = self.ticks.get(&(tick / self.tick_spacing)).copied().unwrap_or_default();
        let gross = add_delta(info.liquidity_gross, delta)?;
        if gross > self.max_liquidity_per_tick {
            return Err(Error::invalid(
                "amount",
                "liquidity per tick at most maxLiquidityPerTick (LO)",
                gross,
            ));
        }
        let net = if upper {
            info.liquidity_net.checked_sub(delta)
        } else {
            info.liquidity_net.checked_add(delta)
        }
        .ok_or(Error::Overflow { op: "Tick.update liquidityNet" })?;
        Ok(TickInfo { liquidity_gross: gross, liquidity_net: net })
    }

    /// `TickBitmap.nextInitializedTickWithinOneWord`, on the map of initialised ticks.
    fn next_initialized_tick_within_one_word(&self, tick: i32, lte: bool) -> (i32, bool) {
        let spacing = self.tick_spacing;
        let mut compressed = tick / spacing;
        if tick < 0 && tick % spacing != 0 {
            compressed -= 1; // round toward negative infinity
        }
        if lte {
            let word_start = (compressed >> 8usize) << 8usize;
            match self.ticks.range(word_start..=compressed).next_back() {
                Some((next, _)) => (next * spacing, true),
                None => (word_start * spacing, false),
            }
        } else {
            let from = compressed + 1;
            let word_end = ((from >> 8usize) << 8usize) + 255;
            match self.ticks.range(from..=word_end).next() {
                Some((next, _)) => (next * spacing, true),
                None => (word_end * spacing, false),
            }
        }
    }

    /// Prices a swap without changing the pool; see [`Pool::swap`].
    pub fn quote_swap(
        &self,
        zero_for_one: bool,
        amount_specified: I256,
        sqrt_price_limit_x96: U256,
    ) -> Result<SwapResult> {
        // v3-core 1.0 (the npm release, deployed on mainnet): `require(amountSpecified != 0, 'AS')`,
        // then the price-limit check `'SPL'`.
        if amount_specified.is_zero() {
            return Err(Error::invalid("amount_specified", "non-zero (AS)", amount_specified));
        }
        let limit_ok = if zero_for_one {
            sqrt_price_limit_x96 < self.sqrt_price_x96 && sqrt_price_limit_x96 > MIN_SQRT_RATIO
        } else {
            sqrt_price_limit_x96 > self.sqrt_price_x96 && sqrt_price_limit_x96 < MAX_SQRT_RATIO
        };
        if !limit_ok {
            return Err(Error::out_of_range(
                "sqrt_price_limit_x96",
                "beyond the current price in the swap direction and strictly inside (MIN_SQRT_RATIO, MAX_SQRT_RATIO) (SPL)",
                sqrt_price_limit_x96,
            ));
        }
        let exact_input = amount_specified.is_positive();
        let mut remaining = amount_specified;
        let mut calculated = I256::ZERO;
        let mut sqrt_price = self.sqrt_price_x96;
        let mut tick = self.tick;
        let mut liquidity = self.liquidity;

        while !remaining.is_zero() && sqrt_price != sqrt_price_limit_x96 {
            let start = sqrt_price;
            let (tick_next, initialized) =
                self.next_initialized_tick_within_one_word(tick, zero_for_one);
            let tick_next = tick_next.clamp(MIN_TICK, MAX_TICK);
            let sqrt_next = get_sqrt_ratio_at_tick(tick_next)?;
            let target = if (zero_for_one && sqrt_next < sqrt_price_limit_x96)
                || (!zero_for_one && sqrt_next > sqrt_price_limit_x96)
            {
                sqrt_price_limit_x96
            } else {
                sqrt_next
            };
            let step = compute_swap_step(sqrt_price, target, liquidity, remaining, self.fee)?;
            sqrt_price = step.sqrt_ratio_next_x96;
            let paid = step
                .amount_in
                .checked_add(step.fee_amount)
                .ok_or(Error::Overflow { op: "swap amountIn + fee" })?;
            if exact_input {
                remaining = remaining
                    .checked_sub(to_int256(paid, "swap toInt256")?)
                    .ok_or(Error::Overflow { op: "swap amountSpecifiedRemaining" })?;
                calculated = calculated
                    .checked_sub(to_int256(step.amount_out, "swap toInt256")?)
                    .ok_or(Error::Overflow { op: "swap amountCalculated" })?;
            } else {
                remaining = remaining
                    .checked_add(to_int256(step.amount_out, "swap toInt256")?)
                    .ok_or(Error::Overflow { op: "swap amountSpecifiedRemaining" })?;
                calculated = calculated
                    .checked_add(to_int256(paid, "swap toInt256")?)
                    .ok_or(Error::Overflow { op: "swap amountCalculated" })?;
            }
            if sqrt_price == sqrt_next {
                if initialized {
                    let net = self
                        .ticks
                        .get(&(tick_next / self.tick_spacing))
                        .map_or(0, |t| t.liquidity_net);
                    // liquidityNet is never i128::MIN (it is a sum of ±uint128-bounded deltas
                    // checked against maxLiquidityPerTick), so the negation cannot overflow.
                    let net = if zero_for_one {
                        net.checked_neg().ok_or(Error::Overflow { op: "swap -liquidityNet" })?
                    } else {
                        net
                    };
                    liquidity = add_delta(liquidity, net)?;
                }
                tick = if zero_for_one { tick_next - 1 } else { tick_next };
            } else if sqrt_price != start {
                tick = get_tick_at_sqrt_ratio(sqrt_price)?;
            }
        }
        let specified_used = amount_specified
            .checked_sub(remaining)
            .ok_or(Error::Overflow { op: "swap amountSpecified - remaining" })?;
        let (amount0, amount1) = if zero_for_one == exact_input {
            (specified_used, calculated)
        } else {
            (calculated, specified_used)
        };
        Ok(SwapResult { amount0, amount1, sqrt_price_x96: sqrt_price, tick, liquidity })
    }

    /// `swap`: trades `amount_specified` (positive: exact input; negative: exact output) of the
    /// input (zero for one: token0) or output token, stopping at `sqrt_price_limit_x96`, and
    /// updates the pool. A swap that reaches the limit with amount left fills partially, as on
    /// chain; the returned amounts say how much.
    pub fn swap(
        &mut self,
        zero_for_one: bool,
        amount_specified: I256,
        sqrt_price_limit_x96: U256,
    ) -> Result<SwapResult> {
        let result = self.quote_swap(zero_for_one, amount_specified, sqrt_price_limit_x96)?;
        self.apply(&result);
        Ok(result)
    }

    /// Stores the state a swap from the current state ended in.
    pub(crate) const fn apply(&mut self, result: &SwapResult) {
        self.sqrt_price_x96 = result.sqrt_price_x96;
        self.tick = result.tick;
        self.liquidity = result.liquidity;
    }

    /// Scales every position's liquidity by `numerator / denominator`, each rounded down, and
    /// rebuilds the ticks from the scaled positions: market makers pulling (or adding) liquidity
    /// at every range. The price is unchanged.
    pub fn scale_liquidity(&mut self, numerator: U256, denominator: U256) -> Result<()> {
        if denominator.is_zero() {
            return Err(Error::invalid("denominator", "> 0", denominator));
        }
        let mut rebuilt =
            Self { ticks: BTreeMap::new(), liquidity: 0, positions: Vec::new(), ..self.clone() };
        for &(lower, upper, amount) in &self.positions {
            let scaled = mul_div_full(U256::from(amount), numerator, denominator, Rounding::Down)?;
            let scaled = u128::try_from(scaled)
                .map_err(|_| Error::Overflow { op: "Pool::scale_liquidity" })?;
            if scaled > 0 {
                rebuilt.mint(lower, upper, scaled)?;
            }
        }
        *self = rebuilt;
        Ok(())
    }
}
