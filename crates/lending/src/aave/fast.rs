//! The health kernel's fast path: the same numbers as [`HealthKernel::health_factor`], bit for
//! bit, at several million positions per second.
//!
//! Two facts make it fast without changing a single rounding:
//!
//! - A price shock does not move balances. `rayMul(scaled, index)` (floored, ceiled or half-up by
//!   version) depends only on the book and the reserve indexes, so [`PreparedBook`] computes every
//!   holding's balance once, with the reference functions, and each new price set only does the
//!   per-price work: `balance · price / 10^decimals` (floored for collateral; for debt floored up
//!   to v3.4, ceiled from v3.5), the sums, and the final `wadDiv`.
//! - Those values fit 128 bits for any realistic position (a $1B balance in 8-decimal USD is
//!   2^57). Each step checks that it does and, where it would not, that position is evaluated
//!   by the reference 256-bit path instead, so the answer (value or error) is always the
//!   reference's. The 128-bit divisions by the per-reserve unit use `u128` division, whose
//!   64-bit-divisor case is a couple of hardware divisions; the final `wadDiv` is 128-bit when
//!   `weighted · 1e18` fits and 256-bit otherwise.
//!
//! The per-holding liquidation threshold (eMode or reserve) is resolved once in the book too.

use super::{HealthKernel, PositionBook};
use crate::{Error, Result};
use alloy_primitives::U256;
use faultline_core::math::{percentage::PERCENTAGE_FACTOR, wad_ray::wad_div};

const WAD_U128: u128 = 1_000_000_000_000_000_000;

/// A book with each holding's balance at the kernel's indexes, ready for many price sets.
#[derive(Debug, Clone)]
pub struct PreparedBook {
    pub(super) legacy: bool,
    pub(super) indexes: Vec<(U256, U256)>,
    pub(super) start: Vec<u32>,
    pub(super) reserve: Vec<u16>,
    /// Collateral balance (0 when not used as collateral).
    pub(super) collateral: Vec<u128>,
    pub(super) debt: Vec<u128>,
    pub(super) lt: Vec<u16>,
    /// Positions whose balances or thresholds do not fit the 128-bit path.
    pub(super) slow: Vec<bool>,
}

/// A prepared book at one set of prices.
#[derive(Debug, Clone)]
pub struct PricedBook<'a> {
    pub(super) prepared: &'a PreparedBook,
    pub(super) kernel: &'a HealthKernel,
    pub(super) book: &'a PositionBook,
    /// Each reserve's price and unit in 128 bits (`None` when either does not fit).
    pub(super) priced: Vec<Option<Priced>>,
}

impl HealthKernel {
    /// Computes every holding's balance at this kernel's indexes (see the module doc). The result
    /// serves any kernel with the same indexes, whatever its prices.
    pub fn prepare(&self, book: &PositionBook) -> Result<PreparedBook> {
        let n = book.entries();
        let mut prepared = PreparedBook {
            legacy: self.version.legacy_rounding(),
            indexes: self.reserves.iter().map(|r| (r.liquidity_index, r.borrow_index)).collect(),
            start: book.start.clone(),
            reserve: book.reserve.clone(),
            collateral: Vec::with_capacity(n),
            debt: Vec::with_capacity(n),
            lt: Vec::with_capacity(n),
            slow: vec![false; book.len()],
        };
        for p in 0..book.len() {
            let (e_mode, range) = book
                .range(p)
                .ok_or_else(|| Error::invalid("position", "an index below the book's length", p))?;
            let mut slow = false;
            for k in range {
                let (Some(&id), Some(&sa), Some(&sd), Some(&coll)) = (
                    book.reserve.get(k),
                    book.scaled_a.get(k),
                    book.scaled_debt.get(k),
                    book.collateral.get(k),
                ) else {
                    slow = true;
                    continue;
                };
                let (c, d, lt) = match self.reserves.get(usize::from(id)) {
                    Some(r) => {
                        let c = if coll && sa != 0 {
                            self.version.a_balance(U256::from(sa), r.liquidity_index).ok()
                        } else {
                            Some(U256::ZERO)
                        };
                        let d = if sd == 0 {
                            Some(U256::ZERO)
                        } else {
                            self.version.v_balance(U256::from(sd), r.borrow_index).ok()
                        };
                        (c, d, u16::try_from(self.lt(e_mode, id, r)).ok())
                    }
                    None => (None, None, None),
                };
                let fit = |v: Option<U256>| v.and_then(|v| u128::try_from(v).ok());
                let (c, d) = (fit(c), fit(d));
                slow |= c.is_none() || d.is_none() || lt.is_none();
                prepared.collateral.push(c.unwrap_or(0));
                prepared.debt.push(d.unwrap_or(0));
                prepared.lt.push(lt.unwrap_or(0));
            }
            if let Some(s) = prepared.slow.get_mut(p) {
                *s = slow;
            }
        }
        Ok(prepared)
    }
}

/// A reserve's price and unit in 128 bits.
#[derive(Debug, Clone, Copy)]
pub(super) struct Priced {
    pub(super) price: u128,
    pub(super) unit: u128,
}

impl PreparedBook {
    /// The book at `kernel`'s prices; `kernel` must have the indexes the book was prepared with.
    pub fn at<'a>(
        &'a self,
        kernel: &'a HealthKernel,
        book: &'a PositionBook,
    ) -> Result<PricedBook<'a>> {
        let same = kernel.reserves.len() == self.indexes.len()
            && kernel
                .reserves
                .iter()
                .zip(&self.indexes)
                .all(|(r, (li, bi))| r.liquidity_index == *li && r.borrow_index == *bi)
            && kernel.version.legacy_rounding() == self.legacy
            && book.start == self.start;
        if !same {
            return Err(Error::invalid(
                "kernel",
                "the indexes, version and book the book was prepared with",
                "a different kernel or book",
            ));
        }
        let priced = kernel
            .reserves
            .iter()
            .map(|r| {
                Some(Priced {
                    price: u128::try_from(r.price).ok()?,
                    unit: u128::try_from(r.unit).ok().filter(|u| *u != 0)?,
                })
            })
            .collect();
        Ok(PricedBook { prepared: self, kernel, book, priced })
    }
}

impl PricedBook<'_> {
    /// Position `p`'s health factor: [`HealthKernel::health_factor`]'s value or error, exactly.
    #[inline]
    pub fn health_factor(&self, p: usize) -> Result<U256> {
        match self.fast(p) {
            Some(hf) => Ok(hf),
            None => self.kernel.health_factor(self.book, p),
        }
    }

    /// How many positions have a health factor below 1 (errors propagate).
    pub fn count_liquidatable(&self) -> Result<usize> {
        let mut n = 0;
        for p in 0..self.book.len() {
            if self.health_factor(p)? < U256::from(WAD_U128) {
                n += 1;
            }
        }
        Ok(n)
    }

    /// Every position's health factor, in order.
    pub fn health_factors(&self) -> Result<Vec<U256>> {
        (0..self.book.len()).map(|p| self.health_factor(p)).collect()
    }

    /// The 128-bit evaluation, `None` whenever a step would not fit (then the reference runs).
    #[inline]
    fn fast(&self, p: usize) -> Option<U256> {
        let b = self.prepared;
        if *b.slow.get(p)? {
            return None;
        }
        let from = *b.start.get(p)? as usize;
        let to = *b.start.get(p + 1)? as usize;
        let (mut total_collateral, mut total_debt, mut weighted) = (0u128, 0u128, 0u128);
        for k in from..to {
            let r = (*self.priced.get(usize::from(*b.reserve.get(k)?))?)?;
            let c = *b.collateral.get(k)?;
            let d = *b.debt.get(k)?;
            if c != 0 {
                let value = c.checked_mul(r.price)? / r.unit;
                total_collateral = total_collateral.checked_add(value)?;
                weighted = weighted.checked_add(value.checked_mul(u128::from(*b.lt.get(k)?))?)?;
            }
            if d != 0 {
                let product = d.checked_mul(r.price)?;
                let mut value = product / r.unit;
                // Up to v3.4 the debt value is floored, from v3.5 ceiled.
                if !b.legacy && value * r.unit != product {
                    value += 1;
                }
                total_debt = total_debt.checked_add(value)?;
            }
        }
        if total_debt == 0 {
            return Some(U256::MAX);
        }
        let half = total_debt >> 1;
        if b.legacy {
            let avg = weighted.checked_div(total_collateral).unwrap_or(0);
            // percentMul(totalCollateral, avg), half up.
            let pm = total_collateral.checked_mul(avg)?.checked_add(5_000)? / 10_000;
            match pm.checked_mul(WAD_U128).and_then(|v| v.checked_add(half)) {
                Some(v) => Some(U256::from(v / total_debt)),
                None => wad_div(U256::from(pm), U256::from(total_debt), super::H).ok(),
            }
        } else {
            match weighted.checked_mul(WAD_U128).and_then(|v| v.checked_add(half)) {
                Some(v) => Some(U256::from(v / total_debt / 10_000)),
                None => wad_div(U256::from(weighted), U256::from(total_debt), super::H)
                    .ok()
                    .map(|v| v / PERCENTAGE_FACTOR),
            }
        }
    }
}
