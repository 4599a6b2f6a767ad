//! Whether a reported figure is within a minting loop's reach, and in how many rounds.
//!
//! A loop recycles real money through [`Leg`]s (a mint at a ratio, a borrow at an LTV); one
//! round multiplies what goes round by the product `r` of the legs. From `real` dollars, `n`
//! rounds mint `real (1 + r + ... + r^(n-1))` (the first mint uses the real money) and borrow
//! `real (r + ... + r^n)`. Neither sum ever reaches its limit (`real / (1 - r)`, `real r / (1 -
//! r)`), so a reported figure at or above the limit is beyond the loop however many rounds run:
//! [`reach`] then says so with the limit and the recycle the figure would need, instead of a
//! round count found by tuning `r`.

use crate::{
    Error, Result,
    backing::{add, div, mul, sub},
};
use faultline_core::decimal::Decimal;

/// Rounds [`reach`] runs before giving up (a figure just under the limit needs many).
pub const MAX_ROUNDS: u32 = 10_000;

/// One leg of a loop round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leg {
    /// What happens, in words, with its source ("borrow USDC against xUSD at the Plume
    /// market's 86% LLTV").
    pub what: String,
    /// Dollars out per dollar in.
    pub ratio: Decimal,
}

/// What a reported figure counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Tokens minted, the first mint with the real money included.
    Minted,
    /// Money borrowed: every round's borrow, the real money excluded.
    Borrowed,
}

/// Where a reported figure lies against a loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Reached during round `rounds` (1-based).
    Within {
        /// The round in which the total first reaches the figure.
        rounds: u32,
        /// The total after the round before.
        before: Decimal,
        /// The total after that round.
        after: Decimal,
        /// The share of that round's amount the figure needs: `(figure - before) / (after -
        /// before)`; one when the round ends exactly on it.
        share_of_round: Decimal,
    },
    /// Beyond the loop's limit, however many rounds.
    Beyond {
        /// The limit of the total as rounds go to infinity (never reached).
        limit: Decimal,
        /// The recycle per round an infinite loop would need to reach the figure.
        needed_recycle: Decimal,
    },
}

/// The recycle per round: the product of the legs' ratios, each at least zero, the product
/// below one (at one or more the loop grows without bound).
pub fn recycle(legs: &[Leg]) -> Result<Decimal> {
    if legs.is_empty() {
        return Err(Error::invalid("legs", "at least one leg", "none"));
    }
    let mut r = Decimal::ONE;
    for leg in legs {
        if leg.ratio < Decimal::ZERO {
            return Err(Error::invalid(format!("leg {:?}", leg.what), "a ratio >= 0", leg.ratio));
        }
        r = mul(r, leg.ratio, "reach::recycle")?;
    }
    if r >= Decimal::ONE {
        return Err(Error::invalid("legs", "a recycle per round below 1", r));
    }
    Ok(r)
}

/// The limit of `measure` from `real` dollars at recycle `r` (never reached).
pub fn limit(real: Decimal, r: Decimal, measure: Measure) -> Result<Decimal> {
    const OP: &str = "reach::limit";
    let all = div(real, sub(Decimal::ONE, r, OP)?, OP)?;
    match measure {
        Measure::Minted => Ok(all),
        Measure::Borrowed => mul(all, r, OP),
    }
}

/// Where `figure` (a reported total of `measure` from `real` dollars) lies against the loop of
/// `legs`.
pub fn reach(real: Decimal, legs: &[Leg], measure: Measure, figure: Decimal) -> Result<Reach> {
    const OP: &str = "reach";
    if real <= Decimal::ZERO {
        return Err(Error::invalid("real", "a positive USD amount", real));
    }
    if figure <= Decimal::ZERO {
        return Err(Error::invalid("figure", "a positive USD amount", figure));
    }
    let r = recycle(legs)?;
    let cap = limit(real, r, measure)?;
    if figure >= cap {
        let needed_recycle = match measure {
            Measure::Minted => sub(Decimal::ONE, div(real, figure, OP)?, OP)?,
            Measure::Borrowed => div(figure, add(real, figure, OP)?, OP)?,
        };
        return Ok(Reach::Beyond { limit: cap, needed_recycle });
    }
    let mut amount = match measure {
        Measure::Minted => real,
        Measure::Borrowed => mul(real, r, OP)?,
    };
    let mut total = Decimal::ZERO;
    for rounds in 1..=MAX_ROUNDS {
        let after = add(total, amount, OP)?;
        if after >= figure {
            let share_of_round = div(sub(figure, total, OP)?, amount, OP)?;
            return Ok(Reach::Within { rounds, before: total, after, share_of_round });
        }
        total = after;
        amount = mul(amount, r, OP)?;
    }
    Err(Error::invalid("figure", "a figure reached within 10,000 rounds", figure))
}
