//! Uniswap v3 pools in a snapshot, as concentrated-liquidity venues.
//!
//! [`read`] reads each pool's `slot0`, `liquidity` and the initialised ticks within
//! [`Request::venue_ticks`] of its current tick (rounded outward to the tick spacing) through
//! `tickBitmap`, at the pinned block. The venue is the pool's exact swap state in that range; the
//! cascade trades within it and no further (the ticks beyond were not read).
//!
//! Which token the venue sells (its base): the one named in the target
//! (`uniswap-v3:POOL:BASE`); without one, the token of the two the caller does not price with
//! `--price` when the caller prices exactly one (`--price USDC=1` makes a WETH/USDC pool sell
//! WETH); otherwise the read fails asking for the base. The pool prices its base in its quote
//! (a venue quote: the strongest price evidence), from `sqrtPriceX96` exactly.

use super::{
    Request, Stage, TokenKey,
    part::{Context, Contribution, Part, Quote, QuoteRank, QuoteValue, as_decimal, source},
};
use crate::{
    Error, Result,
    chain::Chain,
    readers::uniswap_v3::{PoolRead, read_pool},
};
use alloy::primitives::{Address, U256, U512};
use faultline_snapshot::{
    ConcentratedLiquiditySpec, Confidence, Raw, RawSigned, SourceKind, TickSpec, VenueModelSpec,
    VenueSpec,
};
use std::collections::BTreeSet;

/// `TickMath.MIN_TICK`.
const MIN_TICK: i32 = -887_272;
/// The places a pool's price is computed to before it is fitted to a decimal.
const PRICE_PLACES: u8 = 36;

/// One pool to read: its address and, if the caller named it, its base token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PoolTarget {
    pub pool: Address,
    pub base: Option<Address>,
}

/// A pool read, with the range of ticks read.
struct Pool {
    target: PoolTarget,
    read: PoolRead,
    range: (i32, i32),
}

/// The Uniswap v3 pools of a request.
pub(crate) struct UniswapV3Part {
    pools: Vec<Pool>,
    /// The tokens the caller prices, which are quote tokens when no base is named.
    priced: Vec<TokenKey>,
    ticks: u32,
}

/// `[tick − ticks, tick + ticks]` rounded outward to multiples of `spacing`, within the usable
/// ticks.
pub(crate) fn tick_range(tick: i32, spacing: i32, ticks: u32) -> (i32, i32) {
    let ticks = i32::try_from(ticks).unwrap_or(i32::MAX).max(1);
    let min = (MIN_TICK / spacing) * spacing;
    let max = -min;
    let lower = tick.saturating_sub(ticks).div_euclid(spacing) * spacing;
    let upper = -((-(tick.saturating_add(ticks))).div_euclid(spacing) * spacing);
    (lower.max(min), upper.min(max))
}

/// Reads the pools of `targets` at `chain`'s pinned block.
pub(crate) async fn read(
    chain: &Chain,
    request: &Request,
    targets: &[PoolTarget],
    progress: &mut dyn FnMut(Stage),
) -> Result<UniswapV3Part> {
    let mut seen = BTreeSet::new();
    let mut pools = Vec::with_capacity(targets.len());
    for target in targets {
        if !seen.insert(target.pool) {
            return Err(Error::invalid(
                "uniswap-v3 venues",
                "each pool once",
                format!("{} twice", target.pool),
            ));
        }
        progress(Stage::Reading { target: format!("uniswap-v3:{}", target.pool) });
        // slot0 first (through a one-tick read) for the range around its tick.
        let head = read_pool(chain, target.pool, 0, 0).await?;
        let label = format!("univ3({}).slot0", target.pool);
        if head.sqrt_price_x96.is_zero() {
            return Err(Error::invalid(label, "an initialised pool", "sqrtPriceX96 = 0"));
        }
        if !head.unlocked {
            return Err(Error::invalid(label, "an unlocked pool", "unlocked = false"));
        }
        let range = tick_range(head.tick, head.tick_spacing, request.venue_ticks);
        let read = read_pool(chain, target.pool, range.0, range.1).await?;
        if let Some(base) = target.base
            && base != read.token0
            && base != read.token1
        {
            return Err(Error::invalid(
                format!("base token of uniswap-v3:{}", target.pool),
                format!("token0 {} or token1 {}", read.token0, read.token1),
                base,
            ));
        }
        pools.push(Pool { target: *target, read, range });
    }
    Ok(UniswapV3Part {
        pools,
        priced: request.prices.keys().cloned().collect(),
        ticks: request.venue_ticks,
    })
}

impl UniswapV3Part {
    /// Whether the base of `pool` is its token0.
    fn base_is_token0(&self, pool: &Pool, cx: &Context<'_>) -> Result<bool> {
        let r = &pool.read;
        if let Some(base) = pool.target.base {
            return Ok(base == r.token0);
        }
        let priced = |token: Address| -> Result<bool> {
            let t = cx.token(token)?;
            Ok(self.priced.iter().any(|key| match key {
                TokenKey::Address(a) => *a == token,
                TokenKey::Symbol(s) => t.symbol.eq_ignore_ascii_case(s),
            }))
        };
        match (priced(r.token0)?, priced(r.token1)?) {
            (false, true) => Ok(true),
            (true, false) => Ok(false),
            (both, _) => Err(Error::invalid(
                format!("base token of uniswap-v3:{}", r.address),
                "the base named (uniswap-v3:POOL:BASE), or exactly one of the two tokens priced \
                 with --price (the other is sold)",
                format!(
                    "{} of {} ({}) and {} ({}) priced",
                    if both { "both" } else { "neither" },
                    cx.id(r.token0),
                    r.token0,
                    cx.id(r.token1),
                    r.token1
                ),
            )),
        }
    }

    /// The pool's price of its base in its quote, whole tokens, and whether it is exact.
    fn price(
        pool: &Pool,
        base_is_token0: bool,
        cx: &Context<'_>,
    ) -> Result<(rust_decimal::Decimal, bool)> {
        let r = &pool.read;
        let (d0, d1) = (cx.token(r.token0)?.decimals, cx.token(r.token1)?.decimals);
        let sqrt = U512::from(r.sqrt_price_x96);
        let ten = U512::from(10u8);
        // token1 per token0, whole: sqrt² / 2^192 · 10^d0 / 10^d1.
        let (mut num, mut den) = (
            sqrt * sqrt * ten.pow(U512::from(d0)),
            (U512::from(1u8) << 192usize) * ten.pow(U512::from(d1)),
        );
        if !base_is_token0 {
            core::mem::swap(&mut num, &mut den);
        }
        let field = format!("price of uniswap-v3:{}", r.address);
        let scaled = num
            .checked_mul(ten.pow(U512::from(PRICE_PLACES)))
            .map(|n| n / den)
            .filter(|q| q.bit_len() <= 256)
            .map(|q| U256::from_limbs_slice(&q.as_limbs()[..4]))
            .ok_or_else(|| {
                Error::invalid(&field, "a price a uint256 at 1e36 can hold", r.sqrt_price_x96)
            })?;
        let (price, exact) = as_decimal(&field, scaled, PRICE_PLACES)?;
        // Exact only if nothing was cut at 36 places either.
        let exact = exact && U512::from(scaled) * den == num * ten.pow(U512::from(PRICE_PLACES));
        Ok((price, exact))
    }
}

impl Part for UniswapV3Part {
    fn tokens(&self) -> Vec<Address> {
        self.pools.iter().flat_map(|p| [p.read.token0, p.read.token1]).collect()
    }

    /// Each pool prices its base in its quote token.
    fn quotes(&self, cx: &Context<'_>) -> Result<Vec<Quote>> {
        let mut quotes = Vec::with_capacity(self.pools.len());
        for pool in &self.pools {
            let r = &pool.read;
            let zero = self.base_is_token0(pool, cx)?;
            let (base, quote) = if zero { (r.token0, r.token1) } else { (r.token1, r.token0) };
            let (price, exact) = Self::price(pool, zero, cx)?;
            quotes.push(Quote {
                token: base,
                value: QuoteValue::In { quote, price },
                rank: QuoteRank::Venue,
                reference: format!(
                    "Uniswap v3 pool {} slot0.sqrtPriceX96 = {} at {} = {price} {} per {} ({})",
                    r.address,
                    r.sqrt_price_x96,
                    cx.at,
                    cx.id(quote),
                    cx.id(base),
                    if exact { "exact" } else { "rounded down to fit a decimal" },
                ),
            });
        }
        Ok(quotes)
    }

    fn assemble(&self, cx: &Context<'_>) -> Result<Contribution> {
        let mut out = Contribution::default();
        for pool in &self.pools {
            let r = &pool.read;
            let zero = self.base_is_token0(pool, cx)?;
            let (base, quote) = if zero { (r.token0, r.token1) } else { (r.token1, r.token0) };
            let reference = format!(
                "{}: Uniswap v3 pool {} (token0 {}, token1 {}): fee(), tickSpacing(), slot0(), \
                 liquidity(), and ticks(t).liquidityNet of the {} initialised tick(s) that \
                 tickBitmap shows in [{}, {}] (±{} ticks of tick {}, rounded out to the spacing); \
                 nothing is known, and nothing is traded, beyond that range",
                cx.at,
                r.address,
                cx.id(r.token0),
                cx.id(r.token1),
                r.ticks.len(),
                pool.range.0,
                pool.range.1,
                self.ticks,
                r.tick,
            );
            out.venues.push(VenueSpec {
                id: format!("uniswap-v3-{}", r.address),
                base: cx.id(base),
                quote: cx.id(quote),
                model: VenueModelSpec::ConcentratedLiquidity(ConcentratedLiquiditySpec {
                    base_is_token0: zero,
                    fee_pips: r.fee,
                    tick_spacing: r.tick_spacing,
                    sqrt_price_x96: Raw(r.sqrt_price_x96),
                    tick: r.tick,
                    liquidity: Raw(U256::from(r.liquidity)),
                    tick_lower: pool.range.0,
                    tick_upper: pool.range.1,
                    ticks: r
                        .ticks
                        .iter()
                        .map(|(t, info)| TickSpec {
                            tick: *t,
                            liquidity_net: RawSigned(info.liquidity_net),
                        })
                        .collect(),
                }),
                recovery_half_life_secs: None,
                source: source(SourceKind::Onchain, reference, Confidence::High),
            });
        }
        out.summary = format!(
            "{} Uniswap v3 pool(s) as concentrated-liquidity venues, each with its initialised \
             ticks within ±{} ticks of its price.",
            self.pools.len(),
            self.ticks
        );
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_range_is_rounded_out_to_the_spacing_and_kept_usable() {
        // Tick 100 ± 2,232 = [-2,132, 2,332]: out to multiples of 60, [-2,160, 2,340].
        assert_eq!(tick_range(100, 60, 2_232), (-2_160, 2_340));
        // A negative tick: -101 ± 10 = [-111, -91] → [-120, -60].
        assert_eq!(tick_range(-101, 60, 10), (-120, -60));
        // Near the end of the tick range: clamped to ±887,220 (the last multiples of 60).
        assert_eq!(tick_range(887_000, 60, 2_232), (884_760, 887_220));
        assert_eq!(tick_range(-887_000, 60, 2_232), (-887_220, -884_760));
    }
}
