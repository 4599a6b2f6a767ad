//! `TickMath`: the sqrt price at a tick and the tick at a sqrt price, bit for bit as Uniswap
//! v3-core `contracts/libraries/TickMath.sol`.

use crate::{Error, Result};
use alloy_primitives::{I256, U256, uint};

/// The lowest tick: `log_1.0001(2^-128)`.
pub const MIN_TICK: i32 = -887_272;
/// The highest tick.
pub const MAX_TICK: i32 = -MIN_TICK;
/// `getSqrtRatioAtTick(MIN_TICK)`.
pub const MIN_SQRT_RATIO: U256 = uint!(4295128739_U256);
/// `getSqrtRatioAtTick(MAX_TICK)`.
pub const MAX_SQRT_RATIO: U256 = uint!(1461446703485210103287273052203988822378723970342_U256);

/// The Q128.128 factors `1/sqrt(1.0001)^(2^i)`, one per bit of the absolute tick (bit 0 first).
const FACTORS: [U256; 20] = [
    uint!(0xfffcb933bd6fad37aa2d162d1a594001_U256),
    uint!(0xfff97272373d413259a46990580e213a_U256),
    uint!(0xfff2e50f5f656932ef12357cf3c7fdcc_U256),
    uint!(0xffe5caca7e10e4e61c3624eaa0941cd0_U256),
    uint!(0xffcb9843d60f6159c9db58835c926644_U256),
    uint!(0xff973b41fa98c081472e6896dfb254c0_U256),
    uint!(0xff2ea16466c96a3843ec78b326b52861_U256),
    uint!(0xfe5dee046a99a2a811c461f1969c3053_U256),
    uint!(0xfcbe86c7900a88aedcffc83b479aa3a4_U256),
    uint!(0xf987a7253ac413176f2b074cf7815e54_U256),
    uint!(0xf3392b0822b70005940c7a398e4b70f3_U256),
    uint!(0xe7159475a2c29b7443b29c7fa6e889d9_U256),
    uint!(0xd097f3bdfd2022b8845ad8f792aa5825_U256),
    uint!(0xa9f746462d870fdf8a65dc1f90e061e5_U256),
    uint!(0x70d869a156d2a1b890bb3df62baf32f7_U256),
    uint!(0x31be135f97d08fd981231505542fcfa6_U256),
    uint!(0x9aa508b5b7a84e1c677de54f3e99bc9_U256),
    uint!(0x5d6af8dedb81196699c329225ee604_U256),
    uint!(0x2216e584f5fa1ea926041bedfe98_U256),
    uint!(0x48a170391f7dc42444e8fa2_U256),
];

/// `getSqrtRatioAtTick`: `sqrt(1.0001^tick) * 2^96` as a Q64.96, rounded up in the last shift.
///
/// Fails with [`Error::PriceOutOfRange`] outside `MIN_TICK..=MAX_TICK` (the contract's `'T'`).
pub fn get_sqrt_ratio_at_tick(tick: i32) -> Result<U256> {
    let abs_tick = tick.unsigned_abs();
    if abs_tick > MAX_TICK.unsigned_abs() {
        return Err(Error::out_of_range("tick", "-887272..=887272", tick));
    }
    let mut ratio = if abs_tick & 1 != 0 { FACTORS[0] } else { U256::from(1u8) << 128usize };
    for (bit, factor) in FACTORS.iter().enumerate().skip(1) {
        if abs_tick & (1 << bit) != 0 {
            // Both factors are below 2^129, so the product fits: the contract's unchecked `*`.
            ratio = ratio.wrapping_mul(*factor) >> 128usize;
        }
    }
    if tick > 0 {
        ratio = U256::MAX / ratio;
    }
    // Q128.128 to Q128.96, rounding up so that getTickAtSqrtRatio of the result is `tick`.
    let round = U256::from(u8::from(!(ratio & U256::from(u32::MAX)).is_zero()));
    Ok((ratio >> 32usize) + round)
}

/// `getTickAtSqrtRatio`: the greatest tick whose sqrt ratio is at most `sqrt_price_x96`.
///
/// Fails with [`Error::PriceOutOfRange`] unless `MIN_SQRT_RATIO <= sqrt_price_x96 <
/// MAX_SQRT_RATIO` (the contract's `'R'`).
pub fn get_tick_at_sqrt_ratio(sqrt_price_x96: U256) -> Result<i32> {
    if sqrt_price_x96 < MIN_SQRT_RATIO || sqrt_price_x96 >= MAX_SQRT_RATIO {
        return Err(Error::out_of_range(
            "sqrt_price_x96",
            "MIN_SQRT_RATIO (4295128739) <= sqrt price < MAX_SQRT_RATIO",
            sqrt_price_x96,
        ));
    }
    let ratio = sqrt_price_x96 << 32usize;
    // The contract's assembly cascade computes the most significant bit of a non-zero ratio.
    let msb = ratio.bit_len() - 1;
    let mut r = if msb >= 128 { ratio >> (msb - 127) } else { ratio << (127 - msb) };
    // |log_2| < 2^72, so i128 holds it; the contract ORs bits into an int256, which for these
    // values is the same as adding them.
    let mut log_2: i128 = (msb as i128 - 128) << 64usize;
    for shift in (50..=63).rev() {
        r = r.wrapping_mul(r) >> 127usize;
        let f = r >> 128usize;
        log_2 |= i128::from(f.to::<u8>()) << shift;
        r >>= f.to::<usize>();
    }
    let log_sqrt10001 = I256::try_from(log_2)
        .map_err(|_| Error::Overflow { op: "getTickAtSqrtRatio" })?
        * I256::try_from(255_738_958_999_603_826_347_141_i128)
            .map_err(|_| Error::Overflow { op: "getTickAtSqrtRatio" })?;
    let low_offset = I256::try_from(3_402_992_956_809_132_418_596_140_100_660_247_210_i128)
        .map_err(|_| Error::Overflow { op: "getTickAtSqrtRatio" })?;
    let high_offset: I256 = "291339464771989622907027621153398088495"
        .parse()
        .map_err(|_| Error::Overflow { op: "getTickAtSqrtRatio" })?;
    let to_tick = |value: I256| -> Result<i32> {
        i32::try_from(value.asr(128).as_i64())
            .map_err(|_| Error::Overflow { op: "getTickAtSqrtRatio" })
    };
    let tick_low = to_tick(log_sqrt10001 - low_offset)?;
    let tick_high = to_tick(log_sqrt10001 + high_offset)?;
    Ok(if tick_low == tick_high {
        tick_low
    } else if get_sqrt_ratio_at_tick(tick_high)? <= sqrt_price_x96 {
        tick_high
    } else {
        tick_low
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Uniswap/v3-core `test/TickMath.spec.ts`: "min tick" returns 4295128739, "max tick"
    /// returns 1461446703485210103287273052203988822378723970342, ticks beyond them revert 'T'; the
    /// constants MIN_SQRT_RATIO/MAX_SQRT_RATIO equal those values.
    #[test]
    fn bounds() {
        assert_eq!(get_sqrt_ratio_at_tick(MIN_TICK).unwrap(), MIN_SQRT_RATIO);
        assert_eq!(get_sqrt_ratio_at_tick(MAX_TICK).unwrap(), MAX_SQRT_RATIO);
        assert!(matches!(
            get_sqrt_ratio_at_tick(MIN_TICK - 1),
            Err(Error::PriceOutOfRange { field: "tick", .. })
        ));
        assert!(matches!(get_sqrt_ratio_at_tick(MAX_TICK + 1), Err(Error::PriceOutOfRange { .. })));
        assert_eq!(get_tick_at_sqrt_ratio(MIN_SQRT_RATIO).unwrap(), MIN_TICK);
        assert_eq!(get_tick_at_sqrt_ratio(MAX_SQRT_RATIO - U256::from(1u8)).unwrap(), MAX_TICK - 1);
        assert!(get_tick_at_sqrt_ratio(MAX_SQRT_RATIO).is_err());
        assert!(get_tick_at_sqrt_ratio(MIN_SQRT_RATIO - U256::from(1u8)).is_err());
    }

    /// Tick 0 is price 1: sqrt = 2^96 exactly (every factor skipped, no rounding).
    #[test]
    fn tick_zero_is_price_one() {
        assert_eq!(get_sqrt_ratio_at_tick(0).unwrap(), U256::from(1u8) << 96usize);
        assert_eq!(get_tick_at_sqrt_ratio(U256::from(1u8) << 96usize).unwrap(), 0);
    }

    /// Uniswap/v3-core `test/TickMath.spec.ts`: "min tick +1" = 4295343490, "max tick - 1" =
    /// 1461373636630004318706518188784493106690254656249.
    #[test]
    fn next_to_the_bounds() {
        assert_eq!(get_sqrt_ratio_at_tick(MIN_TICK + 1).unwrap(), U256::from(4_295_343_490u64));
        assert_eq!(
            get_sqrt_ratio_at_tick(MAX_TICK - 1).unwrap(),
            "1461373636630004318706518188784493106690254656249".parse::<U256>().unwrap()
        );
    }

    /// The two functions are inverse on every 997th tick across the range: the tick of a tick's
    /// price is the tick, and one wei below that price is the tick before.
    #[test]
    fn round_trip_across_the_range() {
        for tick in (MIN_TICK..MAX_TICK).step_by(997) {
            let sqrt = get_sqrt_ratio_at_tick(tick).unwrap();
            assert_eq!(get_tick_at_sqrt_ratio(sqrt).unwrap(), tick);
            if tick > MIN_TICK {
                assert_eq!(get_tick_at_sqrt_ratio(sqrt - U256::from(1u8)).unwrap(), tick - 1);
            }
        }
    }
}
