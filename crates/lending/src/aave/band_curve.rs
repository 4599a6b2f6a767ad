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
//!   it. Each position is placed between two grid prices without dividing out its root: a grid
//!   price `g` lies below the rounded-up root `⌈x0·N/D⌉` exactly when `g·D < x0·N`, and at or
//!   below the rounded-down root `⌊x0·N/D⌋` exactly when `g·D <= x0·N` (integer comparisons from
//!   a float-interpolated first guess). Its debt and collateral go to that slot; suffix and prefix
//!   sums over the slots give the curve. No sort of the positions, and integer sums: the same
//!   totals in any order, so any thread count gives the same curve.
//!
//! Any step that would not fit 128 bits (or a price or unit past 64 bits) sends that position to
//! [`HealthKernel::band_point`] (the reference, value or error), and a slot sum, a beta above
//! `WAD`, or a grid or reference price past 128 bits sends the whole book to the reference curve:
//! the result is always the reference's.

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

/// What a holding of each reserve needs: price and unit in 64 bits and its beta divided by the
/// common factor `g` of all betas and `WAD` (`fixed = (WAD − β) / g`, `moving = β / g`). When
/// every beta is 0 or `WAD` (`g = WAD`), `fixed` and `moving` are 0 or 1 and the masks stand in
/// for the multiplications.
#[derive(Clone, Copy)]
struct Row {
    price: u128,
    unit: u128,
    fixed: u128,
    moving: u128,
    fixed_mask: u128,
    moving_mask: u128,
}

impl Row {
    /// A weighted value's fixed and moving parts.
    #[inline]
    fn split<const BINARY: bool>(&self, weighted: u128) -> Option<(u128, u128)> {
        if BINARY {
            Some((weighted & self.fixed_mask, weighted & self.moving_mask))
        } else {
            Some((weighted.checked_mul(self.fixed)?, weighted.checked_mul(self.moving)?))
        }
    }
}

const fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl PricedBook<'_> {
    /// One row per reserve (`None` where the price or unit does not fit 64 bits: holdings of it
    /// take the reference path) and whether every beta is 0 or `WAD`; `None` overall when a beta
    /// exceeds `WAD` (the reference then decides: an error if a position holds that reserve).
    fn rows(&self, reserve_betas: &[U256]) -> Option<(Vec<Option<Row>>, bool)> {
        // Ids past the slice read as 0, as in `band_point`.
        let betas = (0..self.priced.len())
            .map(|i| {
                reserve_betas
                    .get(i)
                    .map_or(Some(0), |b| u128::try_from(*b).ok().filter(|b| *b <= WAD_U128))
            })
            .collect::<Option<Vec<u128>>>()?;
        let g = betas.iter().fold(WAD_U128, |g, b| gcd(g, *b));
        let mask = |v: u128| if v == 0 { 0 } else { u128::MAX };
        let rows = self
            .priced
            .iter()
            .zip(&betas)
            .map(|(priced, beta)| {
                let r = (*priced)?;
                // 64-bit prices and units keep `balance · price` one multiplication wide.
                let (price, unit) = (u64::try_from(r.price).ok()?, u64::try_from(r.unit).ok()?);
                let (fixed, moving) = ((WAD_U128 - beta) / g, beta / g);
                Some(Row {
                    price: u128::from(price),
                    unit: u128::from(unit),
                    fixed,
                    moving,
                    fixed_mask: mask(fixed),
                    moving_mask: mask(moving),
                })
            })
            .collect();
        Some((rows, g == WAD_U128))
    }
}

/// The grid sorted ascending, with each sorted point's place in the caller's grid, and what an
/// interpolated first guess of a root's place needs.
struct SortedGrid {
    prices: Vec<u128>,
    order: Vec<usize>,
    low: f64,
    per_unit: f64,
}

impl SortedGrid {
    /// How many grid prices `g` satisfy `g·den < num` (`strict`) or `g·den <= num`: the prices
    /// below a root `num/den`, counted exactly in integers. A float interpolation only picks where
    /// the count starts (an even grid puts it within a step), then exact comparisons walk to it;
    /// a far guess falls back to binary search.
    #[inline]
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a first guess, corrected by exact comparisons"
    )]
    fn count_below(&self, num: u128, den: u128, strict: bool) -> usize {
        let below = |g: &u128| match g.checked_mul(den) {
            Some(v) => v < num || (!strict && v == num),
            // Past 128 bits: above `num`.
            None => false,
        };
        let n = self.prices.len();
        let root = num as f64 / den as f64;
        // Saturating float-to-int cast (NaN to 0); the walk corrects any guess.
        let mut i = (((root - self.low) * self.per_unit) as usize).min(n);
        let mut steps = 0;
        while i < n && self.prices.get(i).is_some_and(below) {
            i += 1;
            steps += 1;
            if steps > 8 {
                return self.prices.partition_point(below);
            }
        }
        while i > 0 && !self.prices.get(i - 1).is_some_and(below) {
            i -= 1;
            steps += 1;
            if steps > 8 {
                return self.prices.partition_point(below);
            }
        }
        i
    }
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

/// A position solved in 128 bits: its side, its slot (grid prices below its root), debt and
/// collateral value.
type Point = (Side, usize, u128, u128);

/// What a chunk of positions needs besides the book.
struct Job<'g> {
    rows: Vec<Option<Row>>,
    /// Every beta 0 or `WAD`.
    binary: bool,
    x0: u128,
    grid: &'g SortedGrid,
    reserve_betas: &'g [U256],
    reference_price: U256,
}

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
        let (Some((rows, binary)), Ok(x0), Some(sorted)) =
            (self.rows(reserve_betas), u128::try_from(reference_price), sorted_grid(grid))
        else {
            return reference();
        };
        let job = Job { rows, binary, x0, grid: &sorted, reserve_betas, reference_price };
        let n = self.book.len();
        let chunks: Vec<Result<Option<Slots>>> = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| self.chunk_slots(c * CHUNK..n.min((c + 1) * CHUNK), &job))
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
    fn chunk_slots(&self, range: core::ops::Range<usize>, job: &Job<'_>) -> Result<Option<Slots>> {
        let grid = job.grid;
        let mut slots = Slots::new(grid.prices.len());
        for p in range {
            let fast = if job.binary {
                self.band_point_fast::<true>(p, job)
            } else {
                self.band_point_fast::<false>(p, job)
            };
            let (side, slot, debt, collateral) = match fast {
                Some(point) => point,
                None => {
                    let point = self.kernel.band_point(
                        self.book,
                        p,
                        job.reserve_betas,
                        job.reference_price,
                    )?;
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
    /// `BINARY`: every beta is 0 or `WAD`, so the reduced weights are 0 or 1 (masks).
    #[inline]
    fn band_point_fast<const BINARY: bool>(&self, p: usize, job: &Job<'_>) -> Option<Point> {
        let b = self.prepared;
        if *b.slow.get(p)? {
            return None;
        }
        let range = *b.start.get(p)? as usize..*b.start.get(p + 1)? as usize;
        let holdings = b
            .reserve
            .get(range.clone())?
            .iter()
            .zip(b.collateral.get(range.clone())?)
            .zip(b.debt.get(range.clone())?)
            .zip(b.lt.get(range)?);
        // a + b·r < c + d·r at driver ratio r, each sum divided by the betas' common factor.
        let (mut fa, mut mb, mut fc, mut md) = (0u128, 0u128, 0u128, 0u128);
        let (mut debt, mut collateral) = (0u128, 0u128);
        for (((id, &c), &d), &lt) in holdings {
            let r = (*job.rows.get(usize::from(*id))?)?;
            if c != 0 {
                let value = c.checked_mul(r.price)? / r.unit;
                // The threshold as `band_point` caps it (eMode already resolved in the book).
                let weighted = value.checked_mul(u128::from(lt.min(10_000)))?;
                let (f, m) = r.split::<BINARY>(weighted)?;
                fa = fa.checked_add(f)?;
                mb = mb.checked_add(m)?;
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
                let (f, m) = r.split::<BINARY>(weighted)?;
                fc = fc.checked_add(f)?;
                md = md.checked_add(m)?;
                debt = debt.checked_add(value)?;
            }
        }
        let point = |side, slot| Some((side, slot, debt, collateral));
        if debt == 0 {
            return point(Side::Never, 0);
        }
        // The branches of `LinearSums::solve` on the reduced sums. The root is never divided
        // out: a grid price g lies below the Below root ceil(x0·(c − a)/(b − d)) exactly when
        // g·(b − d) < x0·(c − a), and at or below the Above root floor(x0·(a − c)/(d − b))
        // exactly when g·(d − b) <= x0·(a − c).
        if mb > md {
            if fc <= fa {
                return point(Side::Never, 0);
            }
            let num = job.x0.checked_mul(fc - fa)?;
            point(Side::Below, job.grid.count_below(num, mb - md, true))
        } else if mb < md {
            if fa < fc {
                return point(Side::Always, 0);
            }
            let num = job.x0.checked_mul(fa - fc)?;
            point(Side::Above, job.grid.count_below(num, md - mb, false))
        } else if fa < fc {
            point(Side::Always, 0)
        } else {
            point(Side::Never, 0)
        }
    }
}

/// The grid sorted ascending with each point's place, `None` when a price passes 128 bits.
#[allow(clippy::cast_precision_loss, reason = "for the first guess only (see `count_below`)")]
fn sorted_grid(grid: &[U256]) -> Option<SortedGrid> {
    let mut pairs = grid
        .iter()
        .enumerate()
        .map(|(i, x)| u128::try_from(*x).ok().map(|x| (x, i)))
        .collect::<Option<Vec<_>>>()?;
    pairs.sort_unstable();
    let (low, high) = match (pairs.first(), pairs.last()) {
        (Some(l), Some(h)) => (l.0 as f64, h.0 as f64),
        _ => (0.0, 0.0),
    };
    // Grid steps per price unit, for the first guess of a root's place (exact for an even grid
    // up to float rounding; any value is safe, see `count_below`).
    let per_unit = if high > low { (pairs.len() - 1) as f64 / (high - low) } else { 0.0 };
    Some(SortedGrid {
        prices: pairs.iter().map(|(x, _)| *x).collect(),
        order: pairs.iter().map(|(_, i)| *i).collect(),
        low,
        per_unit,
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
