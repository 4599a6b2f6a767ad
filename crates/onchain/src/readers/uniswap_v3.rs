//! Uniswap v3 pools: `slot0`, `liquidity`, and the initialised ticks of a range found through
//! `tickBitmap` (one word per 256 tick spacings), then read with `ticks(tick)`.
//!
//! Bindings written from `IUniswapV3PoolState.sol` / `IUniswapV3PoolImmutables.sol` of
//! `Uniswap/v3-core`; the bitmap layout follows its `TickBitmap.position`.

use crate::{
    Error, Result,
    chain::Chain,
    multicall::{Call, decode},
};
use alloy::{
    primitives::{Address, U256, aliases::I24},
    sol,
};
use std::collections::BTreeMap;

sol! {
    /// The Uniswap v3 pool getters read here.
    interface IUniswapV3Pool {
        function token0() external view returns (address);
        function token1() external view returns (address);
        function fee() external view returns (uint24);
        function tickSpacing() external view returns (int24);
        function liquidity() external view returns (uint128);
        function slot0() external view returns (uint160 sqrtPriceX96, int24 tick, uint16 observationIndex, uint16 observationCardinality, uint16 observationCardinalityNext, uint8 feeProtocol, bool unlocked);
        function tickBitmap(int16 wordPosition) external view returns (uint256);
        function ticks(int24 tick) external view returns (uint128 liquidityGross, int128 liquidityNet, uint256 feeGrowthOutside0X128, uint256 feeGrowthOutside1X128, int56 tickCumulativeOutside, uint160 secondsPerLiquidityOutsideX128, uint32 secondsOutside, bool initialized);
    }
}

/// One initialised tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TickRead {
    /// `liquidityGross`.
    pub liquidity_gross: u128,
    /// `liquidityNet`: liquidity added when the price crosses the tick upwards.
    pub liquidity_net: i128,
}

/// A pool as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolRead {
    /// The pool.
    pub address: Address,
    /// `token0()`.
    pub token0: Address,
    /// `token1()`.
    pub token1: Address,
    /// `fee()`, in hundredths of a basis point.
    pub fee: u32,
    /// `tickSpacing()`.
    pub tick_spacing: i32,
    /// `slot0.sqrtPriceX96`.
    pub sqrt_price_x96: U256,
    /// `slot0.tick`.
    pub tick: i32,
    /// `slot0.unlocked` (false during a swap, or before `initialize`).
    pub unlocked: bool,
    /// `liquidity()`: in range at the current tick.
    pub liquidity: u128,
    /// Initialised ticks in the range asked for, by tick.
    pub ticks: BTreeMap<i32, TickRead>,
}

/// `TickBitmap.position(tick / tickSpacing)`: the word and bit of a tick (compressed toward
/// negative infinity, as the contract does for negative ticks).
pub const fn bitmap_position(tick: i32, spacing: i32) -> (i16, u8) {
    let compressed = tick.div_euclid(spacing);
    ((compressed >> 8) as i16, (compressed & 0xff) as u8)
}

/// Reads `pool` with its initialised ticks in `[tick_lower, tick_upper]`.
pub async fn read_pool(
    chain: &Chain,
    pool: Address,
    tick_lower: i32,
    tick_upper: i32,
) -> Result<PoolRead> {
    if tick_lower > tick_upper {
        return Err(Error::invalid(
            "tick range",
            "lower <= upper",
            format!("[{tick_lower}, {tick_upper}]"),
        ));
    }
    let p = |name: &str| format!("univ3({pool}).{name}");
    let calls = vec![
        Call::new(p("token0"), pool, &IUniswapV3Pool::token0Call {}),
        Call::new(p("token1"), pool, &IUniswapV3Pool::token1Call {}),
        Call::new(p("fee"), pool, &IUniswapV3Pool::feeCall {}),
        Call::new(p("tickSpacing"), pool, &IUniswapV3Pool::tickSpacingCall {}),
        Call::new(p("slot0"), pool, &IUniswapV3Pool::slot0Call {}),
        Call::new(p("liquidity"), pool, &IUniswapV3Pool::liquidityCall {}),
    ];
    let d = chain.call_all(&calls).await?;
    let spacing = decode::<IUniswapV3Pool::tickSpacingCall>(&calls[3].label, &d[3])?.as_i32();
    if spacing <= 0 {
        return Err(Error::invalid(p("tickSpacing"), "positive", spacing));
    }
    let slot0 = decode::<IUniswapV3Pool::slot0Call>(&calls[4].label, &d[4])?;
    let mut read = PoolRead {
        address: pool,
        token0: decode::<IUniswapV3Pool::token0Call>(&calls[0].label, &d[0])?,
        token1: decode::<IUniswapV3Pool::token1Call>(&calls[1].label, &d[1])?,
        fee: decode::<IUniswapV3Pool::feeCall>(&calls[2].label, &d[2])?.to::<u32>(),
        tick_spacing: spacing,
        sqrt_price_x96: U256::from(slot0.sqrtPriceX96),
        tick: slot0.tick.as_i32(),
        unlocked: slot0.unlocked,
        liquidity: decode::<IUniswapV3Pool::liquidityCall>(&calls[5].label, &d[5])?,
        ticks: BTreeMap::new(),
    };

    // The bitmap words covering the range, then the ticks whose bits are set.
    let (first, _) = bitmap_position(tick_lower, spacing);
    let (last, _) = bitmap_position(tick_upper, spacing);
    let words: Vec<i16> = (first..=last).collect();
    let calls: Vec<Call> = words
        .iter()
        .map(|w| {
            Call::new(
                p(&format!("tickBitmap({w})")),
                pool,
                &IUniswapV3Pool::tickBitmapCall { wordPosition: *w },
            )
        })
        .collect();
    let d = chain.call_all(&calls).await?;
    let mut ticks = Vec::new();
    for ((w, call), data) in words.iter().zip(&calls).zip(&d) {
        let bits = decode::<IUniswapV3Pool::tickBitmapCall>(&call.label, data)?;
        for bit in 0..256usize {
            if bits.bit(bit) {
                let tick = ((i32::from(*w) << 8) + bit as i32) * spacing;
                if (tick_lower..=tick_upper).contains(&tick) {
                    ticks.push(tick);
                }
            }
        }
    }
    let calls: Vec<Call> = ticks
        .iter()
        .map(|t| {
            Call::new(
                p(&format!("ticks({t})")),
                pool,
                &IUniswapV3Pool::ticksCall { tick: I24::unchecked_from(*t) },
            )
        })
        .collect();
    let d = chain.call_all(&calls).await?;
    for ((tick, call), data) in ticks.iter().zip(&calls).zip(&d) {
        let t = decode::<IUniswapV3Pool::ticksCall>(&call.label, data)?;
        if !t.initialized {
            return Err(Error::inconsistent(
                call.label.clone(),
                "an initialised tick (its bitmap bit is set)",
                "initialized = false",
            ));
        }
        read.ticks.insert(
            *tick,
            TickRead { liquidity_gross: t.liquidityGross, liquidity_net: t.liquidityNet },
        );
    }
    Ok(read)
}
