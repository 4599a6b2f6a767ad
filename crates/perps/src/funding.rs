//! Funding: what longs pay shorts (or the reverse) to tie the perp to its index.
//!
//! Both venues (Hyperliquid docs "Funding"; Binance FAQ 360033525031) use, per funding interval,
//! `F = P + clamp(I - P, -c, +c)` with `P` the averaged premium, `I` the interest rate
//! (0.01% per 8 hours) and `c = 0.05%`, then cap the result. Hyperliquid pays `F / 8` every hour
//! with a cap of 4% per hour; the payment is `size * oracle_price * rate`.

use crate::{Decimal, Error, Result, Side};

/// A venue's funding rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FundingRule {
    /// `I`: the interest rate per funding interval.
    pub interest_rate: Decimal,
    /// `c`: how far `I - P` may move the rate.
    pub clamp: Decimal,
    /// Payments per funding interval (Hyperliquid: 8 hourly payments per 8-hour rate).
    pub payments_per_interval: u32,
    /// Cap on each payment's rate, either sign.
    pub payment_cap: Decimal,
}

impl FundingRule {
    /// Hyperliquid: 0.01% per 8 hours, clamp 0.05%, paid hourly, capped at 4% per hour.
    pub const HYPERLIQUID: Self = Self {
        interest_rate: Decimal::from_parts(1, 0, 0, false, 4),
        clamp: Decimal::from_parts(5, 0, 0, false, 4),
        payments_per_interval: 8,
        payment_cap: Decimal::from_parts(4, 0, 0, false, 2),
    };

    /// The funding rate per interval for an averaged premium: `P + clamp(I - P, -c, c)`.
    pub fn interval_rate(&self, average_premium: Decimal) -> Decimal {
        average_premium + (self.interest_rate - average_premium).clamp(-self.clamp, self.clamp)
    }

    /// The rate of each payment: the interval rate split over its payments, capped.
    pub fn payment_rate(&self, average_premium: Decimal) -> Result<Decimal> {
        if self.payments_per_interval == 0 {
            return Err(Error::invalid("payments_per_interval", "at least 1", 0));
        }
        let rate = self.interval_rate(average_premium) / Decimal::from(self.payments_per_interval);
        Ok(rate.clamp(-self.payment_cap, self.payment_cap))
    }
}

/// The premium of the perp over the oracle from the impact prices:
/// `(max(impact_bid - oracle, 0) - max(oracle - impact_ask, 0)) / oracle`.
pub fn premium(impact_bid: Decimal, impact_ask: Decimal, oracle: Decimal) -> Result<Decimal> {
    if oracle <= Decimal::ZERO {
        return Err(Error::invalid("oracle", "a positive price", oracle));
    }
    let above = (impact_bid - oracle).max(Decimal::ZERO);
    let below = (oracle - impact_ask).max(Decimal::ZERO);
    Ok((above - below) / oracle)
}

/// What a position receives from one funding payment (negative: it pays). Longs pay a positive
/// rate: `-side * size * oracle_price * rate`.
pub fn payment(side: Side, size: Decimal, oracle_price: Decimal, rate: Decimal) -> Result<Decimal> {
    let notional =
        size.checked_mul(oracle_price).ok_or(Error::Overflow { op: "funding payment" })?;
    let amount = notional.checked_mul(rate).ok_or(Error::Overflow { op: "funding payment" })?;
    Ok(-side.sign() * amount)
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    /// Hyperliquid docs, "Funding": a premium of 1% gives a funding rate of 0.95%
    /// (1% + clamp(0.01% - 1%, -0.05%, 0.05%) = 1% - 0.05%).
    #[test]
    fn hyperliquid_doc_example() {
        let rule = FundingRule::HYPERLIQUID;
        assert_eq!(rule.interval_rate(d("0.01")), d("0.0095"));
        assert_eq!(rule.payment_rate(d("0.01")).unwrap(), d("0.0011875"));
        // Zero premium: the clamp lets the full interest through, 0.01% per 8h.
        assert_eq!(rule.interval_rate(Decimal::ZERO), d("0.0001"));
        // A premium of 100% would pay 12.5% an hour; the 4% cap binds.
        assert_eq!(rule.payment_rate(d("1")).unwrap(), d("0.04"));
        assert_eq!(rule.payment_rate(d("-1")).unwrap(), d("-0.04"));
    }

    #[test]
    fn premium_and_payment_signs() {
        // Impact bid 101 over an oracle of 100: +1%. Impact ask 99 under it: -1%. Inside: 0.
        assert_eq!(premium(d("101"), d("102"), d("100")).unwrap(), d("0.01"));
        assert_eq!(premium(d("98"), d("99"), d("100")).unwrap(), d("-0.01"));
        assert_eq!(premium(d("99.9"), d("100.1"), d("100")).unwrap(), Decimal::ZERO);
        assert!(premium(d("1"), d("1"), Decimal::ZERO).is_err());
        // 2 BTC at 100,000 and 0.01%: longs pay 20, shorts receive 20.
        assert_eq!(payment(Side::Long, d("2"), d("100000"), d("0.0001")).unwrap(), d("-20"));
        assert_eq!(payment(Side::Short, d("2"), d("100000"), d("0.0001")).unwrap(), d("20"));
    }
}
