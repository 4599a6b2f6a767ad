//! Prices: what an asset trades at versus what a protocol's oracle says it is worth.
//!
//! The two are different types on purpose. A lending market liquidates on its [`OraclePrice`];
//! liquidators sell into markets at the [`MarketPrice`]. When a hardcoded oracle says $1.00 for a
//! token trading at $0.26, positions that are deeply insolvent at market stay "healthy", no
//! liquidation fires, and the loss moves to the lenders. Keeping the two apart in the types means
//! no model can silently use one for the other.

use crate::{
    Error, Result, TokenAmount,
    amount::scale,
    decimal::{Decimal, from_decimal, to_decimal},
    math::{Rounding, mul_div},
};
use alloy_primitives::U256;
use core::fmt;

/// A fixed-point price: `raw / 10^decimals` units of the quote asset per *whole* base token.
///
/// Chainlink USD feeds and Aave's oracle use 8 decimals; Comet requires 8; an 18-decimal price is
/// common elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Price {
    raw: U256,
    decimals: u8,
}

impl Price {
    /// A price from its fixed-point integer.
    pub fn new(raw: U256, decimals: u8) -> Result<Self> {
        scale(decimals)?;
        Ok(Self { raw, decimals })
    }

    /// A price from a human figure such as `"2000.5"`, rounded to `decimals` places as asked.
    pub fn from_decimal(value: Decimal, decimals: u8, rounding: Rounding) -> Result<Self> {
        Ok(Self { raw: from_decimal(value, decimals, rounding)?, decimals })
    }

    /// The fixed-point integer.
    pub const fn raw(&self) -> U256 {
        self.raw
    }

    /// Decimals of the fixed point.
    pub const fn decimals(&self) -> u8 {
        self.decimals
    }

    /// The price as a human figure with its own decimals (exact while it fits a `Decimal`).
    pub fn to_decimal(&self) -> Result<Decimal> {
        to_decimal(self.raw, self.decimals, u32::from(self.decimals.min(28)), Rounding::Down)
    }

    /// The same price with another number of decimals, rounded as asked.
    pub fn rescale(&self, decimals: u8, rounding: Rounding) -> Result<Self> {
        let raw = mul_div(self.raw, scale(decimals)?, scale(self.decimals)?, rounding)?;
        Ok(Self { raw, decimals })
    }

    /// The quote value of `amount` in this price's fixed point: `amount * price / 10^token
    /// decimals`, rounded as asked (protocols round collateral down and debt up).
    pub fn value_of(&self, amount: TokenAmount, rounding: Rounding) -> Result<U256> {
        mul_div(amount.raw(), self.raw, amount.one(), rounding)
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Same exact rendering as an amount with these decimals.
        fmt::Display::fmt(&TokenAmount::from_checked_parts(self.raw, self.decimals), f)
    }
}

/// What an asset trades at: the price a liquidator's sale or a holder's exit actually gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MarketPrice(pub Price);

/// What a protocol reads from its oracle for an asset; may be stale, capped, hardcoded or an
/// exchange-internal mark, and is what decides health and liquidation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OraclePrice(pub Price);

impl OraclePrice {
    /// How far the oracle sits above (positive) or below (negative) the market, as a fraction of
    /// the market price with 18 places: `oracle / market - 1`. The $1.06 oracle over a $0.86
    /// market for sdeUSD is `0.2325...`.
    pub fn premium_over(&self, market: MarketPrice) -> Result<Decimal> {
        const PLACES: u8 = 18;
        let oracle = self.0.rescale(PLACES, Rounding::Down)?.raw;
        let market = market.0.rescale(PLACES, Rounding::Down)?.raw;
        if market.is_zero() {
            return Err(Error::DivisionByZero { op: "OraclePrice::premium_over" });
        }
        let one = scale(PLACES)?;
        let ratio = mul_div(oracle, one, market, Rounding::Down)?;
        let ratio = to_decimal(ratio, PLACES, u32::from(PLACES), Rounding::Down)?;
        Ok(ratio - Decimal::ONE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::str::FromStr;

    fn price(text: &str, decimals: u8) -> Price {
        Price::from_decimal(Decimal::from_str(text).unwrap(), decimals, Rounding::Down).unwrap()
    }

    #[test]
    fn values_collateral_down_and_debt_up() {
        // 1.5 WETH at $2,000.12345678 (8 decimals) = $3,000.18518517 exactly: 300018518517.
        let eth = price("2000.12345678", 8);
        let amount = TokenAmount::parse("1.5", 18).unwrap();
        assert_eq!(eth.value_of(amount, Rounding::Down), Ok(U256::from(300_018_518_517u64)));
        // 1 wei of WETH is worth 2e-15 of a cent: 0 rounded down, 1 (the smallest unit) up.
        let wei = TokenAmount::from_raw(U256::from(1u8), 18).unwrap();
        assert_eq!(eth.value_of(wei, Rounding::Down), Ok(U256::ZERO));
        assert_eq!(eth.value_of(wei, Rounding::Up), Ok(U256::from(1u8)));
    }

    #[test]
    fn the_sdeusd_oracle_gap() {
        // comp.xyz 7326: sdeUSD traded at $0.86 while its oracle said $1.06: 1.06 / 0.86 - 1.
        let oracle = OraclePrice(price("1.06", 8));
        let market = MarketPrice(price("0.86", 18));
        let premium = oracle.premium_over(market).unwrap();
        assert_eq!(premium, Decimal::from_str("0.232558139534883720").unwrap());
        assert!(OraclePrice(price("1", 8)).premium_over(MarketPrice(price("0", 8))).is_err());
    }

    #[test]
    fn rescale_and_display() {
        let p = price("0.26", 8);
        assert_eq!(p.to_string(), "0.26");
        assert_eq!(p.rescale(2, Rounding::Down).unwrap().raw(), U256::from(26u8));
        assert_eq!(price("1.999", 3).rescale(2, Rounding::Up).unwrap().to_string(), "2");
        assert_eq!(p.to_decimal().unwrap(), Decimal::from_str("0.26000000").unwrap());
    }
}
