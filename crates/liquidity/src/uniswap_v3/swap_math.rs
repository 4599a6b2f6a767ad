//! `SwapMath.computeSwapStep`: one step of a swap within a single liquidity range, bit for bit as
//! Uniswap v3-core `contracts/libraries/SwapMath.sol`.

use super::sqrt_price_math::{
    get_amount0_delta, get_amount1_delta, get_next_sqrt_price_from_input,
    get_next_sqrt_price_from_output,
};
use crate::{Error, Result};
use alloy_primitives::{I256, U256};
use faultline_core::{Rounding, math::mul_div_full};

/// Fees are in hundredths of a basis point: `1e6` is 100%.
pub const FEE_DENOMINATOR: u32 = 1_000_000;

/// The outcome of one swap step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SwapStep {
    /// The price after the step: the target, or where the amount ran out.
    pub sqrt_ratio_next_x96: U256,
    /// Input consumed, fee excluded.
    pub amount_in: U256,
    /// Output produced.
    pub amount_out: U256,
    /// Fee taken on the input.
    pub fee_amount: U256,
}

/// `computeSwapStep`: swap toward `sqrt_ratio_target_x96` with `amount_remaining` (positive: exact
/// input left; negative: exact output left) at a fee of `fee_pips` millionths.
pub fn compute_swap_step(
    sqrt_ratio_current_x96: U256,
    sqrt_ratio_target_x96: U256,
    liquidity: u128,
    amount_remaining: I256,
    fee_pips: u32,
) -> Result<SwapStep> {
    if fee_pips >= FEE_DENOMINATOR {
        return Err(Error::invalid("fee_pips", "below 1,000,000 (100%)", fee_pips));
    }
    let zero_for_one = sqrt_ratio_current_x96 >= sqrt_ratio_target_x96;
    let exact_in = !amount_remaining.is_negative();
    // `uint256(amountRemaining)` / `uint256(-amountRemaining)`: the magnitude (2^255 for int256 min,
    // as the contract's unchecked negation gives).
    let remaining = amount_remaining.unsigned_abs();
    let keep = U256::from(FEE_DENOMINATOR - fee_pips);
    let million = U256::from(FEE_DENOMINATOR);

    let mut amount_in = U256::ZERO;
    let mut amount_out = U256::ZERO;
    let sqrt_ratio_next_x96 = if exact_in {
        let remaining_less_fee = mul_div_full(remaining, keep, million, Rounding::Down)?;
        amount_in = if zero_for_one {
            get_amount0_delta(sqrt_ratio_target_x96, sqrt_ratio_current_x96, liquidity, true)?
        } else {
            get_amount1_delta(sqrt_ratio_current_x96, sqrt_ratio_target_x96, liquidity, true)?
        };
        if remaining_less_fee >= amount_in {
            sqrt_ratio_target_x96
        } else {
            get_next_sqrt_price_from_input(
                sqrt_ratio_current_x96,
                liquidity,
                remaining_less_fee,
                zero_for_one,
            )?
        }
    } else {
        amount_out = if zero_for_one {
            get_amount1_delta(sqrt_ratio_target_x96, sqrt_ratio_current_x96, liquidity, false)?
        } else {
            get_amount0_delta(sqrt_ratio_current_x96, sqrt_ratio_target_x96, liquidity, false)?
        };
        if remaining >= amount_out {
            sqrt_ratio_target_x96
        } else {
            get_next_sqrt_price_from_output(
                sqrt_ratio_current_x96,
                liquidity,
                remaining,
                zero_for_one,
            )?
        }
    };

    let max = sqrt_ratio_target_x96 == sqrt_ratio_next_x96;
    if zero_for_one {
        if !max || !exact_in {
            amount_in =
                get_amount0_delta(sqrt_ratio_next_x96, sqrt_ratio_current_x96, liquidity, true)?;
        }
        if !max || exact_in {
            amount_out =
                get_amount1_delta(sqrt_ratio_next_x96, sqrt_ratio_current_x96, liquidity, false)?;
        }
    } else {
        if !max || !exact_in {
            amount_in =
                get_amount1_delta(sqrt_ratio_current_x96, sqrt_ratio_next_x96, liquidity, true)?;
        }
        if !max || exact_in {
            amount_out =
                get_amount0_delta(sqrt_ratio_current_x96, sqrt_ratio_next_x96, liquidity, false)?;
        }
    }
    // Cap the output at what was asked for.
    if !exact_in && amount_out > remaining {
        amount_out = remaining;
    }
    let fee_amount = if exact_in && sqrt_ratio_next_x96 != sqrt_ratio_target_x96 {
        // The target was not reached: the rest of the input is the fee. `amount_in` never exceeds
        // the remainder here; the contract's subtraction is unchecked (Solidity 0.7).
        remaining.wrapping_sub(amount_in)
    } else {
        mul_div_full(amount_in, U256::from(fee_pips), keep, Rounding::Up)?
    };
    Ok(SwapStep { sqrt_ratio_next_x96, amount_in, amount_out, fee_amount })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uniswap_v3::sqrt_price_math::Q96;

    /// `encodePriceSqrt(reserve1, reserve0)` of Uniswap/v3-core `test/shared/utilities.ts`:
    /// `floor(sqrt(reserve1 / reserve0) * 2^96)` (bignumber.js with 40 decimal places, floored),
    /// which is `isqrt(floor(reserve1 * 2^192 / reserve0))`.
    fn encode_price_sqrt(reserve1: u64, reserve0: u64) -> U256 {
        ((U256::from(reserve1) << 192usize) / U256::from(reserve0)).root(2)
    }

    fn u(s: &str) -> U256 {
        s.parse().unwrap()
    }

    fn i(s: &str) -> I256 {
        s.parse().unwrap()
    }

    fn step(current: U256, target: U256, liquidity: u128, amount: I256, fee: u32) -> SwapStep {
        compute_swap_step(current, target, liquidity, amount, fee).unwrap()
    }

    /// Uniswap/v3-core `test/SwapMath.spec.ts`, `#computeSwapStep` (read through the search
    /// tool, commit 04c22839): price 1:1, L = 2e18, fee 600, one for zero.
    #[test]
    fn swap_math_spec_capped_and_fully_spent() {
        let price = encode_price_sqrt(1, 1);
        assert_eq!(price, Q96);
        let l = 2 * 10u128.pow(18);
        let e18 = i("1000000000000000000");

        // "exact amount in that gets capped at price target in one for zero"
        let target = encode_price_sqrt(101, 100);
        let s = step(price, target, l, e18, 600);
        assert_eq!(s.amount_in, u("9975124224178055"));
        assert_eq!(s.fee_amount, u("5988667735148"));
        assert_eq!(s.amount_out, u("9925619580021728"));
        assert_eq!(s.sqrt_ratio_next_x96, target);
        assert!(s.amount_in + s.fee_amount < e18.into_raw());
        assert!(
            s.sqrt_ratio_next_x96
                < get_next_sqrt_price_from_input(price, l, e18.into_raw(), false).unwrap()
        );

        // "exact amount out that gets capped at price target in one for zero"
        let s = step(price, target, l, -e18, 600);
        assert_eq!(s.amount_in, u("9975124224178055"));
        assert_eq!(s.fee_amount, u("5988667735148"));
        assert_eq!(s.amount_out, u("9925619580021728"));
        assert_eq!(s.sqrt_ratio_next_x96, target);

        // "exact amount in that is fully spent in one for zero"
        let target = encode_price_sqrt(1000, 100);
        let s = step(price, target, l, e18, 600);
        assert_eq!(s.amount_in, u("999400000000000000"));
        assert_eq!(s.fee_amount, u("600000000000000"));
        assert_eq!(s.amount_out, u("666399946655997866"));
        assert_eq!(s.amount_in + s.fee_amount, e18.into_raw());
        assert!(s.sqrt_ratio_next_x96 < target);
        assert_eq!(
            s.sqrt_ratio_next_x96,
            get_next_sqrt_price_from_input(price, l, e18.into_raw() - s.fee_amount, false).unwrap()
        );

        // "exact amount out that is fully received in one for zero"
        let target = encode_price_sqrt(10000, 100);
        let s = step(price, target, l, -e18, 600);
        assert_eq!(s.amount_in, u("2000000000000000000"));
        assert_eq!(s.fee_amount, u("1200720432259356"));
        assert_eq!(s.amount_out, e18.into_raw());
        assert!(s.sqrt_ratio_next_x96 < target);
        assert_eq!(
            s.sqrt_ratio_next_x96,
            get_next_sqrt_price_from_output(price, l, e18.into_raw(), false).unwrap()
        );
    }

    /// Uniswap/v3-core `test/SwapMath.spec.ts`: the edge cases with literal inputs.
    #[test]
    fn swap_math_spec_edge_cases() {
        // "amount out is capped at the desired amount out"
        let s = step(
            u("417332158212080721273783715441582"),
            u("1452870262520218020823638996"),
            159344665391607089467575320103,
            i("-1"),
            1,
        );
        assert_eq!((s.amount_in, s.fee_amount, s.amount_out), (u("1"), u("1"), u("1")));
        assert_eq!(s.sqrt_ratio_next_x96, u("417332158212080721273783715441581"));

        // "target price of 1 uses partial input amount"
        let s = step(u("2"), u("1"), 1, i("3915081100057732413702495386755767"), 1);
        assert_eq!(s.amount_in, u("39614081257132168796771975168"));
        assert_eq!(s.fee_amount, u("39614120871253040049813"));
        assert_eq!(s.amount_out, U256::ZERO);
        assert_eq!(s.sqrt_ratio_next_x96, u("1"));

        // "entire input amount taken as fee"
        let s =
            step(u("2413"), u("79887613182836312"), 1985041575832132834610021537970, i("10"), 1872);
        assert_eq!((s.amount_in, s.fee_amount, s.amount_out), (U256::ZERO, u("10"), U256::ZERO));
        assert_eq!(s.sqrt_ratio_next_x96, u("2413"));

        // "handles intermediate insufficient liquidity in zero for one exact output case"
        let sqrt_p = u("20282409603651670423947251286016");
        let target = sqrt_p * U256::from(11u8) / U256::from(10u8);
        let s = step(sqrt_p, target, 1024, i("-4"), 3000);
        assert_eq!((s.amount_out, s.amount_in, s.fee_amount), (U256::ZERO, u("26215"), u("79")));
        assert_eq!(s.sqrt_ratio_next_x96, target);

        // "handles intermediate insufficient liquidity in one for zero exact output case"
        let target = sqrt_p * U256::from(9u8) / U256::from(10u8);
        let s = step(sqrt_p, target, 1024, i("-263000"), 3000);
        assert_eq!((s.amount_out, s.amount_in, s.fee_amount), (u("26214"), u("1"), u("1")));
        assert_eq!(s.sqrt_ratio_next_x96, target);
    }

    #[test]
    fn a_fee_of_100_percent_is_rejected() {
        assert!(matches!(
            compute_swap_step(Q96, Q96 * U256::from(2u8), 1, i("1"), FEE_DENOMINATOR),
            Err(Error::InvalidInput { field: "fee_pips", .. })
        ));
    }
}
