//! Redemption rules: how and when holders get the backing back, and who is paid in a run.
//!
//! A request waits out the issuer's cooldown (read from the issuer's state, never assumed), then
//! joins the claimable queue. Each step the issuer pays claimable requests from its liquid
//! backing (cash, then reserves) up to the step's capacity: all of it (instant, cooldown), a
//! value per step (queue), or a fraction of supply per step (gated); a frozen issuer pays
//! nothing. When the liquid backing cannot cover every claim, [`RunRule`] decides who is paid:
//! in request order at full NAV until it runs out, or everyone the same fraction.

use crate::{
    Error, Result,
    backing::{div, mul, sub},
};
use faultline_core::decimal::{Decimal, RoundingStrategy};

/// Decimal places redemptions pay in (a USDC raw unit); payouts round down to it.
pub const PAY_PLACES: u32 = 6;

/// Decimal places of issuer token amounts (shares); burns round up to it.
pub const SHARE_PLACES: u32 = 18;

/// How an issuer lets holders redeem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedemptionMode {
    /// Paid in the step requested.
    Instant,
    /// Claimable `cooldown_secs` after the request (sUSDe's `cooldownDuration`, read from
    /// state).
    Cooldown {
        /// The cooldown in seconds as the issuer's state holds it.
        cooldown_secs: u64,
    },
    /// A withdrawal queue that pays at most this much USD value per step.
    Queue {
        /// USD value paid per step.
        capacity_per_step: Decimal,
    },
    /// Redemptions gated to a fraction of supply per step.
    Gated {
        /// Fraction of the supply at the step's start that may be redeemed in the step.
        max_fraction_per_step: Decimal,
    },
    /// No redemptions (Stream after 3 Nov 2025).
    Frozen,
}

/// Who is paid when claims exceed what can be paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunRule {
    /// In request order, each at full NAV, until the liquid backing runs out.
    FirstCome,
    /// Everyone claimable the same fraction of their claim.
    ProRata,
}

/// A holder's pending redemption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Sequential id, also the request order.
    pub id: u64,
    /// Who asked.
    pub holder: String,
    /// Issuer tokens still to redeem.
    pub shares: Decimal,
    /// When the request was made (seconds).
    pub requested_at: u64,
    /// When it becomes claimable (after the cooldown).
    pub claimable_at: u64,
}

/// What a redemption step did, as events in the order they happened.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedemptionEvent {
    /// A request was paid, fully or in part.
    Paid {
        /// The request.
        request: u64,
        /// Its holder.
        holder: String,
        /// Issuer tokens burned for the payment.
        shares_burned: Decimal,
        /// USD paid.
        paid: Decimal,
        /// Issuer tokens still waiting in the request.
        shares_left: Decimal,
    },
    /// Claimable requests that could not be paid this step (liquidity or capacity ran out).
    Unpaid {
        /// How many requests still wait.
        requests: usize,
        /// Their issuer tokens in total.
        shares: Decimal,
        /// Their claim at the paying NAV, USD.
        claim: Decimal,
    },
}

/// How much of each claim a pool of `available` USD pays under `rule`, in claim order. Each
/// payout is at most its claim and rounded down to [`PAY_PLACES`]; the payouts sum to at most
/// `available`.
pub fn allocate(claims: &[Decimal], available: Decimal, rule: RunRule) -> Result<Vec<Decimal>> {
    const OP: &str = "redemption::allocate";
    if available.is_sign_negative() && !available.is_zero() {
        return Err(Error::invalid("available", "a USD value >= 0", available));
    }
    let mut payouts = Vec::with_capacity(claims.len());
    match rule {
        RunRule::FirstCome => {
            let mut left = available;
            for &claim in claims {
                let pay = floor_pay(claim.min(left));
                left = sub(left, pay, OP)?;
                payouts.push(pay);
            }
        }
        RunRule::ProRata => {
            let total = claims.iter().try_fold(Decimal::ZERO, |acc, c| {
                acc.checked_add(*c).ok_or(Error::Overflow { op: OP })
            })?;
            if total <= available {
                payouts.extend(claims.iter().map(|c| floor_pay(*c)));
            } else {
                for &claim in claims {
                    // claim * available / total, multiplied first to keep the digits; the
                    // floor keeps the sum within `available`.
                    let pay = match claim.checked_mul(available) {
                        Some(product) => div(product, total, OP)?,
                        None => mul(div(claim, total, OP)?, available, OP)?,
                    };
                    payouts.push(floor_pay(pay.min(claim)));
                }
            }
        }
    }
    Ok(payouts)
}

fn floor_pay(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(PAY_PLACES, RoundingStrategy::ToZero).max(Decimal::ZERO)
}

/// Shares to burn for a payment: `shares * paid / claim`, rounded up to [`SHARE_PLACES`] and at
/// most `shares` (so the holder never keeps shares that were paid for).
pub(crate) fn shares_for(shares: Decimal, paid: Decimal, claim: Decimal) -> Result<Decimal> {
    const OP: &str = "redemption::shares_for";
    if paid >= claim || claim.is_zero() {
        return Ok(shares);
    }
    let fraction = div(paid, claim, OP)?;
    let burned = mul(shares, fraction, OP)?
        .round_dp_with_strategy(SHARE_PLACES, RoundingStrategy::AwayFromZero);
    Ok(burned.min(shares))
}
