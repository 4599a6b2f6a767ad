//! Impact over time: temporary and permanent impact, recovery toward an external fair price with
//! a half-life (arbitrageurs trading the venue back), and liquidity shocks.
//!
//! A [`Recovering`] venue keeps a fair price. A sale moves the venue's price; a fraction of that
//! move (`permanent`) also moves the fair price (information, or the market absorbing the flow),
//! the rest is temporary. As time passes, arbitrageurs close the gap between the venue and the
//! fair price: after `dt` the gap is `gap · 2^(−dt / half_life)`, reached by a real trade on the
//! venue ([`Venue::arbitrage_to`]), so an AMM's reserves and an order book's mid move exactly as
//! the venue's own math says. Liquidity shocks scale the venue's depth
//! ([`Venue::scale_liquidity`]); a [`ShockSchedule`] says by how much at each time.

use crate::{
    Error, Result,
    venue::{PRICE_DECIMALS, Quote, Side, Venue},
};
use alloy_primitives::U256;
use faultline_core::{Price, Rounding};
use rust_decimal::Decimal;

/// `2^(−x)` for `x >= 0`, to `Decimal` precision: halvings for the integer part, a Taylor series
/// of `exp(−f·ln 2)` for the fraction.
pub fn half_power(x: Decimal) -> Result<Decimal> {
    if x.is_sign_negative() && !x.is_zero() {
        return Err(Error::invalid("x", ">= 0", x));
    }
    // Past 2^-100 the result is below Decimal's resolution.
    if x > Decimal::from(100) {
        return Ok(Decimal::ZERO);
    }
    let whole = x.trunc();
    let fraction = x - whole;
    let ln2 = Decimal::from_str_exact("0.6931471805599453094172321215")
        .map_err(|_| Error::Overflow { op: "ln2" })?;
    let z = -(fraction * ln2);
    let (mut term, mut sum) = (Decimal::ONE, Decimal::ONE);
    for k in 1..40u32 {
        term = term * z / Decimal::from(k);
        sum += term;
    }
    let mut result = sum;
    for _ in 0..whole.mantissa() / 10i128.pow(whole.scale()) {
        result /= Decimal::TWO;
    }
    Ok(result)
}

/// A venue with a fair price it recovers toward.
#[derive(Debug)]
pub struct Recovering<V> {
    venue: V,
    fair: Decimal,
    permanent: Decimal,
    half_life_secs: u64,
    /// Bound for the arbitrage search, raw base units.
    cap: U256,
}

impl<V: Venue> Recovering<V> {
    /// Wraps `venue` with its fair price (human units), the permanent share of impact in `[0, 1]`,
    /// the recovery half-life in seconds (non-zero), and `cap`, the largest arbitrage trade
    /// considered (raw base units).
    pub fn new(
        venue: V,
        fair: Decimal,
        permanent: Decimal,
        half_life_secs: u64,
        cap: U256,
    ) -> Result<Self> {
        if fair <= Decimal::ZERO {
            return Err(Error::out_of_range("fair", "> 0", fair));
        }
        if permanent < Decimal::ZERO || permanent > Decimal::ONE {
            return Err(Error::invalid("permanent", "a fraction in [0, 1]", permanent));
        }
        if half_life_secs == 0 {
            return Err(Error::invalid("half_life_secs", "> 0", half_life_secs));
        }
        Ok(Self { venue, fair, permanent, half_life_secs, cap })
    }

    /// The venue.
    pub const fn venue(&self) -> &V {
        &self.venue
    }

    /// The fair price, human units.
    pub const fn fair(&self) -> Decimal {
        self.fair
    }

    /// Moves the fair price (the external market moved).
    pub fn set_fair(&mut self, fair: Decimal) -> Result<()> {
        if fair <= Decimal::ZERO {
            return Err(Error::out_of_range("fair", "> 0", fair));
        }
        self.fair = fair;
        Ok(())
    }

    /// Trades on the venue; the permanent share of the price move carries into the fair price.
    pub fn trade(&mut self, side: Side, base: U256) -> Result<Quote> {
        let quote = self.venue.execute(side, base)?;
        let moved = quote.price_after.to_decimal()? - quote.price_before.to_decimal()?;
        let shift =
            moved.checked_mul(self.permanent).ok_or(Error::Overflow { op: "Recovering::trade" })?;
        self.fair = self
            .fair
            .checked_add(shift)
            .ok_or(Error::Overflow { op: "Recovering::trade" })?
            .max(Decimal::new(1, 18));
        Ok(quote)
    }

    /// Lets `dt_secs` pass: arbitrage closes the gap to the fair price by `1 − 2^(−dt/half_life)`.
    /// Returns the arbitrage trade, if one was made.
    pub fn advance(&mut self, dt_secs: u64) -> Result<Option<Quote>> {
        let mid = self.venue.mid_price()?.to_decimal()?;
        let remaining = half_power(Decimal::from(dt_secs) / Decimal::from(self.half_life_secs))?;
        let target = mid
            .checked_sub(self.fair)
            .and_then(|gap| gap.checked_mul(remaining))
            .and_then(|gap| gap.checked_add(self.fair))
            .ok_or(Error::Overflow { op: "Recovering::advance" })?;
        let target =
            Price::from_decimal(target.max(Decimal::ZERO), PRICE_DECIMALS, Rounding::Down)?;
        self.venue.arbitrage_to(target, self.cap)
    }

    /// Applies a liquidity shock: the venue's depth times `factor`.
    pub fn shock(&mut self, factor: Decimal) -> Result<()> {
        self.venue.scale_liquidity(factor)
    }

    /// Moves time from `from` to `to` seconds: first the liquidity level of `schedule` (if it
    /// changed), then recovery over the interval. Returns the arbitrage trade, if any.
    pub fn step(&mut self, schedule: &ShockSchedule, from: u64, to: u64) -> Result<Option<Quote>> {
        if to < from {
            return Err(Error::invalid("to", "a time at or after `from`", to));
        }
        let factor = schedule.factor_between(from, to);
        if factor != Decimal::ONE {
            self.shock(factor)?;
        }
        self.advance(to - from)
    }
}

/// Liquidity as a multiple of today's, stepping at given times (seconds from the scenario start):
/// market makers pulling quotes when volatility comes, and returning later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShockSchedule {
    steps: Vec<(u64, Decimal)>,
}

impl ShockSchedule {
    /// Steps `(time, level)` by increasing time, each level positive; before the first step the
    /// level is one.
    pub fn new(steps: Vec<(u64, Decimal)>) -> Result<Self> {
        let mut last = None;
        for &(t, level) in &steps {
            if last.is_some_and(|l| t <= l) {
                return Err(Error::invalid("steps", "strictly increasing times", t));
            }
            if level <= Decimal::ZERO {
                return Err(Error::invalid("level", "> 0", level));
            }
            last = Some(t);
        }
        Ok(Self { steps })
    }

    /// The liquidity level at time `t`.
    pub fn level_at(&self, t: u64) -> Decimal {
        self.steps.iter().take_while(|(at, _)| *at <= t).last().map_or(Decimal::ONE, |(_, l)| *l)
    }

    /// The factor to apply when time moves from `from` to `to` (one when the level is the same).
    pub fn factor_between(&self, from: u64, to: u64) -> Decimal {
        self.level_at(to) / self.level_at(from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    /// 2^0 = 1, 2^-1 = 0.5, 2^-3 = 0.125 exactly by halvings; 2^-0.5 = 0.70710678118654752…
    #[test]
    fn half_powers() {
        assert_eq!(half_power(d("0")).unwrap(), d("1"));
        assert_eq!(half_power(d("1")).unwrap(), d("0.5"));
        assert_eq!(half_power(d("3")).unwrap(), d("0.125"));
        let root_half = half_power(d("0.5")).unwrap();
        assert!((root_half - d("0.7071067811865475244")).abs() < d("0.0000000000000000001"));
        assert!(half_power(d("-1")).is_err());
    }

    /// A book that lost 70% of its depth a minute into the scenario: the same sale, held as
    /// inventory, now shows a larger displacement, and recovery still brings the price back.
    #[test]
    fn a_shock_deepens_the_displacement_and_recovery_closes_it() {
        use crate::{
            depth::{DepthLevel, DepthSide, DepthVenue, ImpactModel},
            venue::Pair,
        };
        let side = || {
            DepthSide::new(vec![
                DepthLevel { band: d("0.01"), quantity: d("100") },
                DepthLevel { band: d("0.05"), quantity: d("1000") },
            ])
            .unwrap()
        };
        let book = DepthVenue::new(
            "book",
            Pair::new(18, 18).unwrap(),
            d("2000"),
            ImpactModel::Depth { bids: side(), asks: side() },
        )
        .unwrap();
        let cap = U256::from(10u8).pow(U256::from(24u8));
        let mut venue = Recovering::new(book, d("2000"), d("0"), 120, cap).unwrap();
        // 50 ETH into the 100-ETH first band: the price drops by 0.5% to 1,990.
        venue.trade(Side::Sell, U256::from(50u8) * U256::from(10u64.pow(18))).unwrap();
        assert_eq!(venue.venue().mid_price().unwrap().to_decimal().unwrap(), d("1990"));
        let schedule = ShockSchedule::new(vec![(60, d("0.3"))]).unwrap();
        // At 60 s depth falls to 30%: 30 ETH within 1%, 300 within 5%. The 50 ETH held now run
        // past the first band into the second (270 ETH over 4%): δ = 1% + 4%·20/270 = 1.2963%,
        // a price of 2000·(1 − 0.012963) = 1,974.074.
        venue.shock(schedule.factor_between(0, 60)).unwrap();
        let shocked = venue.venue().mid_price().unwrap().to_decimal().unwrap();
        assert!((shocked - d("1974.0740741")).abs() < d("0.000001"), "{shocked}");
        for t in 0..20u64 {
            venue.step(&schedule, 60 + t * 120, 60 + (t + 1) * 120).unwrap();
        }
        let gap = (venue.venue().mid_price().unwrap().to_decimal().unwrap() - d("2000")).abs();
        assert!(gap < d("0.001"), "gap {gap}");
    }

    /// Levels step at 60 s to 0.3 and at 600 s back to 0.8; the factor from 30 s to 90 s is 0.3.
    #[test]
    fn schedule_levels() {
        let s = ShockSchedule::new(vec![(60, d("0.3")), (600, d("0.8"))]).unwrap();
        assert_eq!(s.level_at(0), d("1"));
        assert_eq!(s.level_at(60), d("0.3"));
        assert_eq!(s.factor_between(30, 90), d("0.3"));
        assert_eq!(s.factor_between(90, 700), d("0.8") / d("0.3"));
        assert!(ShockSchedule::new(vec![(60, d("0.3")), (60, d("0.8"))]).is_err());
    }
}
