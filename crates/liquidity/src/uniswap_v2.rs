//! Uniswap v2-style constant product with a fee, exact to `UniswapV2Library`.
//!
//! [`get_amount_out`] and [`get_amount_in`] mirror v2-periphery
//! `contracts/libraries/UniswapV2Library.sol` line for line (SafeMath checks included): the same
//! integer operations in the same order, so the same results and the same failures. The fee is a
//! parameter ([`Fee::UNISWAP_V2`] is 997/1000) because forks keep the formula and change the fee.
//! [`ConstantProduct`] is a pool that applies trades and enforces the pair's `uint112` reserves.

use crate::{
    Error, Result,
    venue::{Pair, Quote, Side, Venue},
};
use alloy_primitives::{U256, U512};
use faultline_core::{Price, Rounding, decimal::from_decimal};
use rust_decimal::Decimal;

/// A v2-style fee: the input counts as `amount * keep / scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fee {
    keep: u32,
    scale: u32,
}

impl Fee {
    /// Uniswap v2's 0.3%: `amountIn * 997` over `reserveIn * 1000`.
    pub const UNISWAP_V2: Self = Self { keep: 997, scale: 1000 };

    /// A fee of `scale - keep` parts in `scale` (`keep` at most `scale`, `scale` non-zero).
    pub fn new(keep: u32, scale: u32) -> Result<Self> {
        if scale == 0 || keep == 0 || keep > scale {
            return Err(Error::invalid("fee", "0 < keep <= scale", format!("{keep}/{scale}")));
        }
        Ok(Self { keep, scale })
    }
}

const fn overflow(op: &'static str) -> Error {
    Error::Overflow { op }
}

fn check_reserves(reserve_in: U256, reserve_out: U256, venue: &'static str) -> Result<()> {
    if reserve_in.is_zero() || reserve_out.is_zero() {
        // UniswapV2Library: 'INSUFFICIENT_LIQUIDITY'.
        return Err(Error::ZeroLiquidity { venue, detail: "a reserve is zero" });
    }
    Ok(())
}

/// `UniswapV2Library.getAmountOut`: the output for `amount_in`, rounded down.
pub fn get_amount_out(amount_in: U256, reserve_in: U256, reserve_out: U256) -> Result<U256> {
    get_amount_out_with_fee(amount_in, reserve_in, reserve_out, Fee::UNISWAP_V2)
}

/// [`get_amount_out`] with another fee: `in·keep·Rout / (Rin·scale + in·keep)`.
pub fn get_amount_out_with_fee(
    amount_in: U256,
    reserve_in: U256,
    reserve_out: U256,
    fee: Fee,
) -> Result<U256> {
    const OP: &str = "get_amount_out";
    if amount_in.is_zero() {
        return Err(Error::invalid("amount_in", "> 0 (INSUFFICIENT_INPUT_AMOUNT)", amount_in));
    }
    check_reserves(reserve_in, reserve_out, OP)?;
    let with_fee = amount_in.checked_mul(U256::from(fee.keep)).ok_or(overflow(OP))?;
    let numerator = with_fee.checked_mul(reserve_out).ok_or(overflow(OP))?;
    let denominator = reserve_in
        .checked_mul(U256::from(fee.scale))
        .and_then(|d| d.checked_add(with_fee))
        .ok_or(overflow(OP))?;
    Ok(numerator / denominator)
}

/// `UniswapV2Library.getAmountIn`: the input needed for `amount_out`, `⌊…⌋ + 1`.
pub fn get_amount_in(amount_out: U256, reserve_in: U256, reserve_out: U256) -> Result<U256> {
    get_amount_in_with_fee(amount_out, reserve_in, reserve_out, Fee::UNISWAP_V2)
}

/// [`get_amount_in`] with another fee: `Rin·out·scale / ((Rout − out)·keep) + 1`.
pub fn get_amount_in_with_fee(
    amount_out: U256,
    reserve_in: U256,
    reserve_out: U256,
    fee: Fee,
) -> Result<U256> {
    const OP: &str = "get_amount_in";
    if amount_out.is_zero() {
        return Err(Error::invalid("amount_out", "> 0 (INSUFFICIENT_OUTPUT_AMOUNT)", amount_out));
    }
    check_reserves(reserve_in, reserve_out, OP)?;
    let numerator = reserve_in
        .checked_mul(amount_out)
        .and_then(|n| n.checked_mul(U256::from(fee.scale)))
        .ok_or(overflow(OP))?;
    // SafeMath `sub` reverts when the output exceeds the reserve; equal makes the division fail.
    let left =
        reserve_out.checked_sub(amount_out).filter(|left| !left.is_zero()).ok_or_else(|| {
            Error::InsufficientLiquidity {
                venue: OP,
                requested: amount_out,
                available: reserve_out - U256::from(1u8),
            }
        })?;
    let denominator = left.checked_mul(U256::from(fee.keep)).ok_or(overflow(OP))?;
    (numerator / denominator).checked_add(U256::from(1u8)).ok_or(overflow(OP))
}

/// `type(uint112).max`: the pair stores reserves in 112 bits and reverts (`UniswapV2: OVERFLOW`)
/// on a balance above it.
pub const MAX_RESERVE: U256 = U256::from_limbs([u64::MAX, (1 << 48) - 1, 0, 0]);

/// A constant-product pool holding `reserve_base` and `reserve_quote` raw units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstantProduct {
    name: String,
    pair: Pair,
    reserve_base: U256,
    reserve_quote: U256,
    fee: Fee,
}

impl ConstantProduct {
    /// A pool with these reserves (each non-zero and at most [`MAX_RESERVE`]).
    pub fn new(
        name: impl Into<String>,
        pair: Pair,
        reserve_base: U256,
        reserve_quote: U256,
        fee: Fee,
    ) -> Result<Self> {
        for (field, reserve) in [("reserve_base", reserve_base), ("reserve_quote", reserve_quote)] {
            if reserve.is_zero() {
                return Err(Error::ZeroLiquidity { venue: "ConstantProduct::new", detail: field });
            }
            if reserve > MAX_RESERVE {
                return Err(Error::invalid(field, "at most 2^112 - 1 (uint112)", reserve));
            }
        }
        Ok(Self { name: name.into(), pair, reserve_base, reserve_quote, fee })
    }

    /// Reserves as `(base, quote)`.
    pub const fn reserves(&self) -> (U256, U256) {
        (self.reserve_base, self.reserve_quote)
    }

    fn price(&self, base: U256, quote: U256) -> Result<Price> {
        self.pair.price_of(quote, base, Rounding::Down)
    }

    /// The trade and the reserves after it.
    fn simulate(&self, side: Side, base: U256) -> Result<(Quote, U256, U256)> {
        let (quote, new_base, new_quote) = match side {
            Side::Sell => {
                let out =
                    get_amount_out_with_fee(base, self.reserve_base, self.reserve_quote, self.fee)?;
                (out, self.reserve_base.checked_add(base), self.reserve_quote.checked_sub(out))
            }
            Side::Buy => {
                let cost =
                    get_amount_in_with_fee(base, self.reserve_quote, self.reserve_base, self.fee)?;
                (cost, self.reserve_base.checked_sub(base), self.reserve_quote.checked_add(cost))
            }
        };
        let new_base =
            new_base.filter(|r| *r <= MAX_RESERVE).ok_or(overflow("UniswapV2Pair._update"))?;
        let new_quote =
            new_quote.filter(|r| *r <= MAX_RESERVE).ok_or(overflow("UniswapV2Pair._update"))?;
        if new_base.is_zero() || new_quote.is_zero() {
            return Err(Error::InsufficientLiquidity {
                venue: "ConstantProduct",
                requested: base,
                available: U256::ZERO,
            });
        }
        let before = self.mid_price()?;
        let after = self.price(new_base, new_quote)?;
        Ok((Quote::new(self.pair, side, base, quote, before, after)?, new_base, new_quote))
    }
}

impl Venue for ConstantProduct {
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
        self.price(self.reserve_base, self.reserve_quote)
    }

    fn quote(&self, side: Side, base: U256) -> Result<Quote> {
        self.simulate(side, base).map(|(quote, ..)| quote)
    }

    fn execute(&mut self, side: Side, base: U256) -> Result<Quote> {
        let (quote, new_base, new_quote) = self.simulate(side, base)?;
        (self.reserve_base, self.reserve_quote) = (new_base, new_quote);
        Ok(quote)
    }

    /// Both reserves times `factor`, rounded down (the price moves only by that rounding).
    fn scale_liquidity(&mut self, factor: Decimal) -> Result<()> {
        let factor = scale_factor(factor)?;
        let scaled = |reserve: U256| -> Result<U256> {
            let r = U512::from(reserve) * U512::from(factor) / U512::from(FACTOR_ONE);
            U256::checked_from_limbs_slice(r.as_limbs())
                .filter(|r| !r.is_zero() && *r <= MAX_RESERVE)
                .ok_or_else(|| Error::invalid("factor", "a factor leaving reserves in 1..2^112", r))
        };
        let (base, quote) = (scaled(self.reserve_base)?, scaled(self.reserve_quote)?);
        (self.reserve_base, self.reserve_quote) = (base, quote);
        Ok(())
    }
}

/// Fixed point of liquidity scale factors: factors are applied with 18 decimals.
pub(crate) const FACTOR_ONE: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);

/// A non-negative scale factor as an 18-decimal integer, rounded down.
pub(crate) fn scale_factor(factor: Decimal) -> Result<U256> {
    if factor.is_sign_negative() && !factor.is_zero() {
        return Err(Error::invalid("factor", "a non-negative scale factor", factor));
    }
    Ok(from_decimal(factor, 18, Rounding::Down)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e18(n: u64) -> U256 {
        U256::from(n) * U256::from(10u64.pow(18))
    }

    /// Uniswap/v2-core `test/UniswapV2Pair.spec.ts`, `swapTestCases`: `[swapAmount, token0Amount,
    /// token1Amount, expectedOutputAmount]`, the first three in whole tokens (×1e18), the output in
    /// wei. The test swaps token0 in, so reserveIn = token0Amount. Read through the search tool
    /// (commit 00873c4a).
    #[test]
    fn uniswap_v2_pair_spec_swap_test_cases() {
        let cases: [(u64, u64, u64, &str); 7] = [
            (1, 5, 10, "1662497915624478906"),
            (1, 10, 5, "453305446940074565"),
            (2, 5, 10, "2851015155847869602"),
            (2, 10, 5, "831248957812239453"),
            (1, 10, 10, "906610893880149131"),
            (1, 100, 100, "987158034397061298"),
            (1, 1000, 1000, "996006981039903216"),
        ];
        for (swap, r0, r1, expected) in cases {
            let expected: U256 = expected.parse().unwrap();
            let out = get_amount_out(e18(swap), e18(r0), e18(r1)).unwrap();
            assert_eq!(out, expected, "swap {swap} into {r0}/{r1}");
            // The spec also checks that one wei more fails the K check: the amount is the maximum.
            // getAmountIn of that output must not exceed the input that produced it.
            assert!(get_amount_in(out, e18(r0), e18(r1)).unwrap() <= e18(swap));
            assert!(get_amount_in(out + U256::from(1u8), e18(r0), e18(r1)).unwrap() > e18(swap));
        }
    }

    /// Uniswap/v2-core `test/UniswapV2Pair.spec.ts`, `optimisticTestCases` case 3: given amountOut
    /// 1e18 from reserves 5e18/5e18, amountIn = ceiling(amountOut / .997) = 1003009027081243732.
    /// That case is a flash swap paid back in the same token (no reserve change); getAmountIn with
    /// the output taken from the *other* reserve differs, so here the hand calculation is
    /// ⌊5e18·1e18·1000 / ((5e18 − 1e18)·997)⌋ + 1 = ⌊5e39 / 3.988e21⌋ + 1 = 1253761283851554663 + 1.
    #[test]
    fn get_amount_in_by_hand() {
        let amount_in = get_amount_in(e18(1), e18(5), e18(5)).unwrap();
        assert_eq!(amount_in, "1253761283851554664".parse::<U256>().unwrap());
    }

    #[test]
    fn zero_liquidity_zero_amount_and_overflow_are_typed_errors() {
        assert!(matches!(
            get_amount_out(e18(1), U256::ZERO, e18(1)),
            Err(Error::ZeroLiquidity { .. })
        ));
        assert!(matches!(
            get_amount_out(U256::ZERO, e18(1), e18(1)),
            Err(Error::InvalidInput { field: "amount_in", .. })
        ));
        assert!(matches!(get_amount_out(U256::MAX, e18(1), e18(1)), Err(Error::Overflow { .. })));
        assert!(matches!(
            get_amount_in(e18(1), e18(1), e18(1)),
            Err(Error::InsufficientLiquidity { .. })
        ));
        assert!(matches!(
            get_amount_in(e18(2), e18(1), e18(1)),
            Err(Error::InsufficientLiquidity { .. })
        ));
        let pair = Pair::new(18, 18).unwrap();
        assert!(matches!(
            ConstantProduct::new("v2", pair, U256::ZERO, e18(1), Fee::UNISWAP_V2),
            Err(Error::ZeroLiquidity { .. })
        ));
        assert!(matches!(
            ConstantProduct::new(
                "v2",
                pair,
                MAX_RESERVE + U256::from(1u8),
                e18(1),
                Fee::UNISWAP_V2
            ),
            Err(Error::InvalidInput { field: "reserve_base", .. })
        ));
    }

    #[test]
    fn pool_quotes_and_executes_like_the_library() {
        // 18/6 decimals: 100 base against 200,000 quote, a human price of 2,000.
        let pair = Pair::new(18, 6).unwrap();
        let mut pool = ConstantProduct::new(
            "v2",
            pair,
            e18(100),
            U256::from(200_000_000_000u64),
            Fee::UNISWAP_V2,
        )
        .unwrap();
        assert_eq!(pool.mid_price().unwrap().raw(), e18(2000));
        let quote = pool.execute(Side::Sell, e18(1)).unwrap();
        let expected = get_amount_out(e18(1), e18(100), U256::from(200_000_000_000u64)).unwrap();
        assert_eq!(quote.quote, expected);
        assert_eq!(pool.reserves(), (e18(101), U256::from(200_000_000_000u64) - expected));
        assert!(quote.average_price.raw() < quote.price_before.raw());
        assert!(quote.price_after.raw() < quote.average_price.raw());
    }
}
