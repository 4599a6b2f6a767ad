//! Liquidation bands over a whole book at once, bit for bit the reference curve
//! ([`HealthKernel::band_curve`]: every position through [`HealthKernel::band_point`], then
//! [`BandIndex`]) at a fraction of its cost.
//!
//! Why it is exact:
//!
//! - Balances come from a [`PreparedBook`](super::PreparedBook) (computed once per index state with
//!   the reference functions); each holding's value is `balance · price / 10^decimals` with the
//!   reference's rounding, in `u128` with checked steps, as in the fast health kernel.
//! - The reference's sums `a, b, c, d` weight every holding by `WAD − β` and `β`. All betas and
//!   `WAD` share a common factor `g` (their gcd; `1e18` when every beta is 0 or 1), and dividing the
//!   four sums by `g` changes neither their order nor the root `x0·(c − a)/(b − d)` as a rational
//!   number, so the rounded root is the same integer while the sums stay far inside 128 bits.
//! - The curve only needs, for each grid price, the sums over positions whose root lies beyond
//!   it. Each position's root is placed between two grid prices (binary search over the sorted
//!   grid) and its debt and collateral added to that slot; suffix and prefix sums over the slots
//!   give the curve. No sort of the positions, and integer sums: the same totals in any order, so
//!   any thread count gives the same curve.
//!
//! Any step that would not fit 128 bits sends that position to [`HealthKernel::band_point`] (the
//! reference, value or error), and a slot sum, a beta above `WAD`, or a grid or reference price
//! past 128 bits sends the whole book to the reference curve: the result is always the
//! reference's.

use super::{HealthKernel, PositionBook, fast::PricedBook};
use crate::{
    Result,
    bands::{BandIndex, Bands, Side},
};
use alloy_primitives::U256;
use rayon::prelude::*;

const WAD_U128: u128 = 1_000_000_000_000_000_000;
/// Positions per parallel task: large enough that the per-task slots (two per grid price) are
/// cheap to merge, small enough to balance two cores.
const CHUNK: usize = 1 << 13;

impl HealthKernel {
    /// The reference curve: every position solved by [`Self::band_point`], sorted by
    /// [`BandIndex`], read at each grid price. [`PricedBook::bands`] returns the same, faster.
    pub fn band_curve(
        &self,
        book: &PositionBook,
        reserve_betas: &[U256],
        reference_price: U256,
        grid: &[U256],
    ) -> Result<Bands> {
        let points = (0..book.len())
            .map(|p| self.band_point(book, p, reserve_betas, reference_price))
            .collect::<Result<Vec<_>>>()?;
        BandIndex::new(&points)?.bands(grid)
    }
}

/// Each reserve's beta divided by the common factor of all betas and `WAD`.
struct Betas {
    /// `WAD / g`.
    whole: u128,
    /// `β / g` by reserve id.
    beta: Vec<u128>,
}

const fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Betas {
    /// `None` when a beta exceeds `WAD` (the reference then decides: an error if a position
    /// holds that reserve).
    fn new(reserve_betas: &[U256], reserves: usize) -> Option<Self> {
        // Ids past the slice read as 0, as in `band_point`.
        let raw = (0..reserves)
            .map(|i| {
                reserve_betas
                    .get(i)
                    .map_or(Some(0), |b| u128::try_from(*b).ok().filter(|b| *b <= WAD_U128))
            })
            .collect::<Option<Vec<u128>>>()?;
        let g = raw.iter().fold(WAD_U128, |g, b| gcd(g, *b));
        Some(Self { whole: WAD_U128 / g, beta: raw.iter().map(|b| b / g).collect() })
    }
}

/// The grid sorted ascending, with each sorted point's place in the caller's grid.
struct SortedGrid {
    prices: Vec<u128>,
    order: Vec<usize>,
}

/// `(debt, collateral)` slot sums: `below[j]` holds the positions liquidatable below a root
/// that exceeds exactly the `j` lowest grid prices, `above[k]` those liquidatable above a root
/// at or above exactly the `k` lowest.
struct Slots {
    below: Vec<(u128, u128)>,
    above: Vec<(u128, u128)>,
    always: (u128, u128),
}

fn add(slot: &mut (u128, u128), debt: u128, collateral: u128) -> Option<()> {
    slot.0 = slot.0.checked_add(debt)?;
    slot.1 = slot.1.checked_add(collateral)?;
    Some(())
}

impl Slots {
    fn new(grid_points: usize) -> Self {
        Self {
            below: vec![(0, 0); grid_points + 1],
            above: vec![(0, 0); grid_points + 1],
            always: (0, 0),
        }
    }

    fn merge(&mut self, other: &Self) -> Option<()> {
        for (s, o) in self.below.iter_mut().zip(&other.below) {
            add(s, o.0, o.1)?;
        }
        for (s, o) in self.above.iter_mut().zip(&other.above) {
            add(s, o.0, o.1)?;
        }
        add(&mut self.always, other.always.0, other.always.1)
    }
}

/// A position solved in 128 bits: side, root, debt and collateral value.
type Point = (Side, u128, u128, u128);

impl PricedBook<'_> {
    /// The liquidation bands of every position in the book against a driver at
    /// `reference_price` with the betas of [`HealthKernel::reserve_betas`], at each price of
    /// `grid`: exactly [`HealthKernel::band_curve`]'s value or error (see the module doc), using
    /// every rayon thread, with the same result for any number of them.
    pub fn bands(
        &self,
        reserve_betas: &[U256],
        reference_price: U256,
        grid: &[U256],
    ) -> Result<Bands> {
        let reference = || self.kernel.band_curve(self.book, reserve_betas, reference_price, grid);
        let (Some(betas), Ok(x0), Some(sorted)) = (
            Betas::new(reserve_betas, self.kernel.reserves.len()),
            u128::try_from(reference_price),
            sorted_grid(grid),
        ) else {
            return reference();
        };
        let n = self.book.len();
        let chunks: Vec<Result<Option<Slots>>> = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                let range = c * CHUNK..n.min((c + 1) * CHUNK);
                self.chunk_slots(range, &betas, x0, reserve_betas, reference_price, &sorted)
            })
            .collect();
        let mut total = Slots::new(sorted.prices.len());
        for chunk in chunks {
            // The first error in position order is the reference's (it stops there too).
            match chunk? {
                Some(slots) if total.merge(&slots).is_some() => {}
                _ => return reference(),
            }
        }
        curve(&total, &sorted, grid).map_or_else(reference, Ok)
    }

    /// One chunk's slots; `Ok(None)` when a slot sum leaves 128 bits.
    fn chunk_slots(
        &self,
        range: core::ops::Range<usize>,
        betas: &Betas,
        x0: u128,
        reserve_betas: &[U256],
        reference_price: U256,
        grid: &SortedGrid,
    ) -> Result<Option<Slots>> {
        let mut slots = Slots::new(grid.prices.len());
        for p in range {
            let (side, slot, debt, collateral) = match self.band_point_fast(p, betas, x0) {
                Some((side, root, debt, collateral)) => {
                    let slot = match side {
                        Side::Below => grid.prices.partition_point(|g| *g < root),
                        Side::Above => grid.prices.partition_point(|g| *g <= root),
                        Side::Always | Side::Never => 0,
                    };
                    (side, slot, debt, collateral)
                }
                None => {
                    let point =
                        self.kernel.band_point(self.book, p, reserve_betas, reference_price)?;
                    let (Ok(debt), Ok(collateral)) =
                        (u128::try_from(point.debt_value), u128::try_from(point.collateral_value))
                    else {
                        return Ok(None);
                    };
                    let root = point.price;
                    let slot = match point.side {
                        Side::Below => grid.prices.partition_point(|g| U256::from(*g) < root),
                        Side::Above => grid.prices.partition_point(|g| U256::from(*g) <= root),
                        Side::Always | Side::Never => 0,
                    };
                    (point.side, slot, debt, collateral)
                }
            };
            let target = match side {
                Side::Below => slots.below.get_mut(slot),
                Side::Above => slots.above.get_mut(slot),
                Side::Always => Some(&mut slots.always),
                Side::Never => continue,
            };
            if target.and_then(|t| add(t, debt, collateral)).is_none() {
                return Ok(None);
            }
        }
        Ok(Some(slots))
    }

    /// Position `p` in 128 bits (see the module doc), `None` whenever a step would not fit.
    #[inline]
    fn band_point_fast(&self, p: usize, betas: &Betas, x0: u128) -> Option<Point> {
        let b = self.prepared;
        if *b.slow.get(p)? {
            return None;
        }
        let from = *b.start.get(p)? as usize;
        let to = *b.start.get(p + 1)? as usize;
        // a + b·r < c + d·r at driver ratio r, each sum divided by the betas' common factor.
        let (mut fa, mut mb, mut fc, mut md) = (0u128, 0u128, 0u128, 0u128);
        let (mut debt, mut collateral) = (0u128, 0u128);
        for k in from..to {
            let id = usize::from(*b.reserve.get(k)?);
            let r = (*self.priced.get(id)?)?;
            let beta = *betas.beta.get(id)?;
            let fixed = betas.whole - beta;
            let c = *b.collateral.get(k)?;
            let d = *b.debt.get(k)?;
            if c != 0 {
                let value = c.checked_mul(r.price)? / r.unit;
                // The threshold as `band_point` caps it (eMode already resolved in the book).
                let weighted = value.checked_mul(u128::from((*b.lt.get(k)?).min(10_000)))?;
                fa = fa.checked_add(weighted.checked_mul(fixed)?)?;
                mb = mb.checked_add(weighted.checked_mul(beta)?)?;
                collateral = collateral.checked_add(value)?;
            }
            if d != 0 {
                let product = d.checked_mul(r.price)?;
                let mut value = product / r.unit;
                // Up to v3.4 the debt value is floored, from v3.5 ceiled.
                if !b.legacy && value * r.unit != product {
                    value += 1;
                }
                let weighted = value.checked_mul(10_000)?;
                fc = fc.checked_add(weighted.checked_mul(fixed)?)?;
                md = md.checked_add(weighted.checked_mul(beta)?)?;
                debt = debt.checked_add(value)?;
            }
        }
        let point = |side, root| Some((side, root, debt, collateral));
        if debt == 0 {
            return point(Side::Never, 0);
        }
        // The branches of `LinearSums::solve`, on the reduced sums.
        if mb > md {
            if fc <= fa {
                return point(Side::Never, 0);
            }
            // Rounded up, as the reference's `mul_div_full(.., Up)`.
            let product = x0.checked_mul(fc - fa)?;
            let den = mb - md;
            let root = product / den + u128::from(product % den != 0);
            point(Side::Below, root)
        } else if mb < md {
            if fa < fc {
                return point(Side::Always, 0);
            }
            point(Side::Above, x0.checked_mul(fa - fc)? / (md - mb))
        } else if fa < fc {
            point(Side::Always, 0)
        } else {
            point(Side::Never, 0)
        }
    }
}

/// The grid sorted ascending with each point's place, `None` when a price passes 128 bits.
fn sorted_grid(grid: &[U256]) -> Option<SortedGrid> {
    let mut pairs = grid
        .iter()
        .enumerate()
        .map(|(i, x)| u128::try_from(*x).ok().map(|x| (x, i)))
        .collect::<Option<Vec<_>>>()?;
    pairs.sort_unstable();
    Some(SortedGrid {
        prices: pairs.iter().map(|(x, _)| *x).collect(),
        order: pairs.iter().map(|(_, i)| *i).collect(),
    })
}

/// The curve from the slot sums, in the caller's grid order; `None` when a sum passes 128 bits.
fn curve(slots: &Slots, sorted: &SortedGrid, grid: &[U256]) -> Option<Bands> {
    let g = sorted.prices.len();
    let mut debt = vec![U256::ZERO; g];
    let mut collateral = vec![U256::ZERO; g];
    // Liquidatable at sorted point i: below-roots in slots j > i, above-roots in slots k <= i.
    let mut below = vec![(0u128, 0u128); g];
    let mut sum = (0u128, 0u128);
    for i in (0..g).rev() {
        let s = slots.below.get(i + 1)?;
        add(&mut sum, s.0, s.1)?;
        *below.get_mut(i)? = sum;
    }
    let mut above = (0u128, 0u128);
    for (i, b) in below.iter().enumerate() {
        let s = slots.above.get(i)?;
        add(&mut above, s.0, s.1)?;
        let mut total = slots.always;
        add(&mut total, b.0, b.1)?;
        add(&mut total, above.0, above.1)?;
        let at = *sorted.order.get(i)?;
        *debt.get_mut(at)? = U256::from(total.0);
        *collateral.get_mut(at)? = U256::from(total.1);
    }
    Some(Bands { grid: grid.to_vec(), debt, collateral })
}
