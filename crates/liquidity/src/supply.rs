//! The buy side a stablecoin funds: how much bid depth a venue quoting in a stablecoin keeps when
//! that stablecoin's supply changes.
//!
//! The law is a power law in the supply left to buy with:
//!
//! ```text
//! bid depth = depth0 · (supply / supply0) ^ elasticity
//! ```
//!
//! `supply0` is the supply when the book's depth `depth0` was measured. `elasticity = 1` says the
//! dollars resting on the bids are a fixed share of the dollars in circulation (half the supply,
//! half the bids); `0` switches the channel off; values between say that bids thin more slowly
//! than supply (market makers' inventory is only partly stablecoin). No public study calibrates
//! it; a scenario states its value as an assumption. The power is computed in `rust_decimal`
//! (exact for integer elasticities, `exp(e · ln x)` to 28 digits otherwise): no floating point.

use crate::{Error, Result};
use rust_decimal::{Decimal, MathematicalOps};

/// `(supply / supply0) ^ elasticity`: the factor on a venue's bid depth when a stablecoin's
/// supply is `supply` after `supply0` (both positive, whole tokens), `elasticity >= 0`.
pub fn depth_factor(supply: Decimal, supply0: Decimal, elasticity: Decimal) -> Result<Decimal> {
    const OP: &str = "supply::depth_factor";
    if supply0 <= Decimal::ZERO {
        return Err(Error::invalid("supply0", "> 0", supply0));
    }
    if supply <= Decimal::ZERO {
        return Err(Error::ZeroLiquidity {
            venue: OP,
            detail: "the stablecoin's supply is exhausted: no dollars left to bid with",
        });
    }
    if elasticity.is_sign_negative() {
        return Err(Error::invalid("elasticity", ">= 0", elasticity));
    }
    let ratio = supply.checked_div(supply0).ok_or(Error::Overflow { op: OP })?;
    ratio.checked_powd(elasticity).ok_or(Error::Overflow { op: OP })
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn elasticity_one_is_the_supply_ratio_exactly() {
        // 900 / 1000 = 0.9, to the power 1.
        assert_eq!(depth_factor(d("900"), d("1000"), Decimal::ONE).unwrap(), d("0.9"));
    }

    #[test]
    fn integer_elasticities_are_exact_powers() {
        // 0.9^2 = 0.81.
        assert_eq!(depth_factor(d("900"), d("1000"), d("2")).unwrap(), d("0.81"));
        // Elasticity 0: the channel is off, whatever the supply.
        assert_eq!(depth_factor(d("1"), d("1000"), Decimal::ZERO).unwrap(), Decimal::ONE);
    }

    #[test]
    fn a_half_elasticity_is_the_square_root() {
        // 0.81^0.5 = 0.9; exp(0.5 · ln 0.81) to within 1e-20.
        let f = depth_factor(d("810"), d("1000"), d("0.5")).unwrap();
        assert!((f - d("0.9")).abs() < d("1e-20"), "{f}");
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(depth_factor(Decimal::ZERO, d("1000"), Decimal::ONE).is_err());
        assert!(depth_factor(d("1"), Decimal::ZERO, Decimal::ONE).is_err());
        assert!(depth_factor(d("1"), d("2"), d("-1")).is_err());
    }
}
