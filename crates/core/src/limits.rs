//! The ranges a person-typed figure may take, chosen so that every human-scale computation the
//! cascade makes on them stays inside [`rust_decimal::Decimal`] (about ±7.9e28 with 28 places).
//!
//! The bounds compose: a quantity of at most [`MAX_AMOUNT`] tokens at a price of at most
//! [`MAX_PRICE_USD`] is worth at most 1e27 USD, so a holding times its price, and a sum of up to
//! 79 such values, fits; the smallest non-zero amount and price ([`MIN_AMOUNT`],
//! [`MIN_PRICE_USD`]) keep a ratio of two figures (NAV per unit, a percentage change) at most
//! 1e27 as well. What a run adds up beyond that (thousands of positions) is checked arithmetic in
//! the engine, which stops with the entity and quantity that overflowed.
//!
//! Every check returns `Err(expected)`, a phrase with the accepted range for the message
//! ("expected ..., found ...") a validator builds around it.

use rust_decimal::Decimal;

/// Smallest non-zero price, USD (and the smallest price of one token in another).
pub const MIN_PRICE_USD: Decimal = Decimal::from_parts(1, 0, 0, false, 12);
/// Largest price, USD: 1e12 (a trillion dollars a token).
pub const MAX_PRICE_USD: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0);
/// Smallest non-zero token quantity (a supply, a holding, a depth level, a position size).
pub const MIN_AMOUNT: Decimal = Decimal::from_parts(1, 0, 0, false, 12);
/// Largest token quantity: 1e15 tokens.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(2_764_472_320, 232_830, 0, false, 0);
/// Largest USD figure (a backing value, a fund, a loss, gas): 1e15 USD, ten times world GDP.
pub const MAX_USD: Decimal = Decimal::from_parts(2_764_472_320, 232_830, 0, false, 0);
/// Largest multiplier a scenario may put on a venue's depth.
pub const MAX_DEPTH_FACTOR: Decimal = Decimal::from_parts(1_000, 0, 0, false, 0);
/// Largest upward price change a scenario may ask for, percent (a 10,000-fold rise).
pub const MAX_CHANGE_PCT: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);
/// Largest delta one unit of a long leg carries, in units of its underlying.
pub const MAX_DELTA_PER_UNIT: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

/// A price: in `[MIN_PRICE_USD, MAX_PRICE_USD]`.
pub fn price(value: Decimal) -> Result<(), String> {
    within(value, MIN_PRICE_USD, MAX_PRICE_USD, "a price from 1e-12 to 1e12")
}

/// A price that may also be 0 (a token nobody quotes, a holder's trigger that never fires).
pub fn price_or_zero(value: Decimal) -> Result<(), String> {
    if value.is_zero() {
        return Ok(());
    }
    within(value, MIN_PRICE_USD, MAX_PRICE_USD, "0 or a price from 1e-12 to 1e12")
}

/// A token quantity that may be 0: 0 or in `[MIN_AMOUNT, MAX_AMOUNT]`.
pub fn amount_or_zero(value: Decimal) -> Result<(), String> {
    if value.is_zero() {
        return Ok(());
    }
    within(value, MIN_AMOUNT, MAX_AMOUNT, "0 or an amount from 1e-12 to 1e15")
}

/// A token quantity above 0: in `[MIN_AMOUNT, MAX_AMOUNT]`.
pub fn amount(value: Decimal) -> Result<(), String> {
    within(value, MIN_AMOUNT, MAX_AMOUNT, "an amount from 1e-12 to 1e15")
}

/// A USD figure of at least 0 and at most [`MAX_USD`].
pub fn usd(value: Decimal) -> Result<(), String> {
    within(value, Decimal::ZERO, MAX_USD, "a USD figure from 0 to 1e15")
}

/// A fraction in `[0, 1]` (a fee rate, a band).
pub fn fraction(value: Decimal) -> Result<(), String> {
    within(value, Decimal::ZERO, Decimal::ONE, "a fraction from 0 to 1")
}

/// A ratio in `[lo, hi]`, described as `what`.
pub fn within(value: Decimal, lo: Decimal, hi: Decimal, what: &str) -> Result<(), String> {
    if value < lo || value > hi { Err(what.to_owned()) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn constants_are_the_documented_powers_of_ten() {
        assert_eq!(MIN_PRICE_USD, d("0.000000000001"));
        assert_eq!(MAX_PRICE_USD, d("1000000000000"));
        assert_eq!(MIN_AMOUNT, d("0.000000000001"));
        assert_eq!(MAX_AMOUNT, d("1000000000000000"));
        assert_eq!(MAX_USD, d("1000000000000000"));
        assert_eq!(MAX_DEPTH_FACTOR, d("1000"));
        assert_eq!(MAX_CHANGE_PCT, d("1000000"));
        assert_eq!(MAX_DELTA_PER_UNIT, d("1000000"));
    }

    #[test]
    fn the_extremes_compose_inside_a_decimal() {
        // A holding at the largest amount and price, 79 times over, and the largest figure over
        // the smallest: none overflows.
        let value = MAX_AMOUNT.checked_mul(MAX_PRICE_USD).unwrap();
        assert!(value.checked_mul(Decimal::from(79)).is_some());
        assert!(MAX_USD.checked_div(MIN_AMOUNT).is_some());
        assert!(MAX_PRICE_USD.checked_div(MIN_PRICE_USD).is_some());
    }

    #[test]
    fn bounds_are_inclusive_and_zero_is_special() {
        assert!(price(MIN_PRICE_USD).is_ok());
        assert!(price(MAX_PRICE_USD).is_ok());
        assert!(price(Decimal::ZERO).is_err());
        assert!(price_or_zero(Decimal::ZERO).is_ok());
        assert!(price(d("1e-13")).is_err());
        assert!(amount_or_zero(d("1e-28")).is_err());
        assert!(usd(d("-1")).is_err());
        assert_eq!(usd(d("1e16")).unwrap_err(), "a USD figure from 0 to 1e15");
    }
}
