//! Liquidation bands: at which driver price each position becomes liquidatable, and how much debt
//! and collateral that puts in play at each price of a grid.
//!
//! Each position is solved once. Its collateral and debt are split into exposures whose value moves
//! with the driver price `x` through a beta (`value(x) = V · (1 + β (x/x0 − 1))`: β = 1 for the
//! driver itself or an asset that moves with it, such as an LST against ETH; β = 0 for a stable),
//! so the liquidation condition `Σ value_i(x)·LT_i < Σ debt_j(x)` is linear in `x` and has one
//! root. Sorting the roots answers every grid point by binary search, not by re-evaluating every
//! position at every price. Values are the protocol's per-asset values at the reference price, so
//! the root is exact up to the protocol's per-asset rounding (one base unit per asset); the tests
//! check each root against the real health factor just above and just below it.

use crate::{Error, Result};
use alloy_primitives::U256;
use faultline_core::{
    Rounding,
    math::{mul_div, mul_div_full, wad_ray::WAD},
};

/// One collateral or debt holding of a position, valued at the reference prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exposure {
    /// Value at the reference price (base currency units, e.g. 8-decimal USD).
    pub value: U256,
    /// Liquidation threshold in bps for collateral (eMode applied); ignored for debt.
    pub liquidation_threshold: u16,
    /// How the asset's price follows the driver, WAD, at most 1e18.
    pub beta: U256,
}

/// A position as the band solver sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BandPosition {
    /// Collateral holdings.
    pub collateral: Vec<Exposure>,
    /// Debt holdings.
    pub debt: Vec<Exposure>,
}

/// On which side of its liquidation price a position is liquidatable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    /// Liquidatable when the driver falls below the price (long the driver).
    Below,
    /// Liquidatable when the driver rises above it (short the driver).
    Above,
    /// Liquidatable at any driver price.
    Always,
    /// Never liquidatable by this driver.
    Never,
}

/// A solved position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiquidationPoint {
    /// The driver price at which the position crosses (same units as the reference price);
    /// rounded so that the position is liquidatable strictly beyond it on its side.
    pub price: U256,
    /// Which side is liquidatable.
    pub side: Side,
    /// Debt value at the reference prices.
    pub debt_value: U256,
    /// Collateral value at the reference prices.
    pub collateral_value: U256,
}

const fn overflow(op: &'static str) -> Error {
    Error::Arithmetic(faultline_core::Error::Overflow { op })
}

/// The linear liquidation condition of one position, summed holding by holding without
/// allocating: `a + b·r < c + d·r` at driver ratio `r = x/x0`, with collateral weighted by its LT
/// (bps) and debt by 1e4 so both sides share the scale.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinearSums {
    a: U256,
    b: U256,
    c: U256,
    d: U256,
    debt_value: U256,
    collateral_value: U256,
}

impl LinearSums {
    fn add(fixed: &mut U256, moving: &mut U256, e: &Exposure, weight: U256) -> Result<()> {
        if e.beta > WAD {
            return Err(Error::invalid("beta", "at most 1e18", e.beta));
        }
        let weighted = e.value.checked_mul(weight).ok_or_else(|| overflow("value * weight"))?;
        let f = weighted.checked_mul(WAD - e.beta).ok_or_else(|| overflow("value * (1 - beta)"))?;
        let m = weighted.checked_mul(e.beta).ok_or_else(|| overflow("value * beta"))?;
        *fixed = fixed.checked_add(f).ok_or_else(|| overflow("sum"))?;
        *moving = moving.checked_add(m).ok_or_else(|| overflow("sum"))?;
        Ok(())
    }

    /// Adds a collateral holding.
    pub fn collateral(&mut self, e: &Exposure) -> Result<()> {
        Self::add(&mut self.a, &mut self.b, e, U256::from(e.liquidation_threshold))?;
        self.collateral_value =
            self.collateral_value.checked_add(e.value).ok_or_else(|| overflow("collateral"))?;
        Ok(())
    }

    /// Adds a debt holding.
    pub fn debt(&mut self, e: &Exposure) -> Result<()> {
        Self::add(&mut self.c, &mut self.d, e, U256::from(10_000u16))?;
        self.debt_value = self.debt_value.checked_add(e.value).ok_or_else(|| overflow("debt"))?;
        Ok(())
    }

    /// Solves the position against a driver whose current (reference) price is
    /// `reference_price`.
    pub fn solve(&self, reference_price: U256) -> Result<LiquidationPoint> {
        let Self { a, b, c, d, debt_value, collateral_value } = *self;
        let point =
            |price, side| Ok(LiquidationPoint { price, side, debt_value, collateral_value });
        if debt_value.is_zero() {
            return point(U256::ZERO, Side::Never);
        }
        // Liquidatable at ratio r = x/x0 iff a + b·r < c + d·r.
        if b > d {
            // (b − d)·r < c − a.
            if c <= a {
                return point(U256::ZERO, Side::Never);
            }
            // Liquidatable for x < x0·(c − a)/(b − d); rounded up, every integer price strictly
            // below the returned one is liquidatable.
            let price = mul_div_full(reference_price, c - a, b - d, Rounding::Up)?;
            point(price, Side::Below)
        } else if b < d {
            // (d − b)·r > a − c.
            if a < c {
                return point(U256::ZERO, Side::Always);
            }
            // Rounded down, every integer price strictly above the returned one is liquidatable.
            let price = mul_div_full(reference_price, a - c, d - b, Rounding::Down)?;
            point(price, Side::Above)
        } else if a < c {
            point(U256::ZERO, Side::Always)
        } else {
            point(U256::ZERO, Side::Never)
        }
    }
}

/// Solves one position against a driver whose current (reference) price is `reference_price`.
pub fn liquidation_point(
    position: &BandPosition,
    reference_price: U256,
) -> Result<LiquidationPoint> {
    let mut sums = LinearSums::default();
    for e in &position.collateral {
        sums.collateral(e)?;
    }
    for e in &position.debt {
        sums.debt(e)?;
    }
    sums.solve(reference_price)
}

/// Liquidatable debt and collateral at each grid price, from solved points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bands {
    /// The grid, as given.
    pub grid: Vec<U256>,
    /// Debt value liquidatable at each grid price (cumulative over positions).
    pub debt: Vec<U256>,
    /// Collateral value of those positions.
    pub collateral: Vec<U256>,
}

/// Sorted roots with prefix sums; answers any price in `O(log n)`.
#[derive(Debug, Clone)]
pub struct BandIndex {
    below: Vec<(U256, U256, U256)>,
    above: Vec<(U256, U256, U256)>,
    always: (U256, U256),
}

fn prefix(mut v: Vec<(U256, U256, U256)>) -> Result<Vec<(U256, U256, U256)>> {
    let (mut debt, mut coll) = (U256::ZERO, U256::ZERO);
    for entry in &mut v {
        debt = debt.checked_add(entry.1).ok_or_else(|| overflow("band debt"))?;
        coll = coll.checked_add(entry.2).ok_or_else(|| overflow("band collateral"))?;
        *entry = (entry.0, debt, coll);
    }
    Ok(v)
}

/// Sorts `(price, debt, collateral)` entries by price (descending when `descending`). When every
/// price fits in 96 bits and the count in 32, the sort runs on 16-byte keys `price << 32 | index`
/// (exact: the key orders as the price does, ties by position) and the entries are gathered after;
/// otherwise on the 96-byte entries themselves. Ties may come out in any order either way, which
/// [`BandIndex::at`] never sees: it only reads the sums at boundaries between distinct prices.
fn sort_by_price(entries: &mut Vec<(U256, U256, U256)>, descending: bool) {
    let compact =
        u32::try_from(entries.len()).is_ok() && entries.iter().all(|e| e.0.bit_len() <= 96);
    if !compact {
        if descending {
            entries.sort_unstable_by_key(|e| core::cmp::Reverse(e.0));
        } else {
            entries.sort_unstable_by_key(|e| e.0);
        }
        return;
    }
    let mut keys: Vec<u128> =
        entries.iter().zip(0u32..).map(|(e, i)| (e.0.to::<u128>() << 32) | u128::from(i)).collect();
    keys.sort_unstable();
    if descending {
        // Descending by price; the index within a tie does not matter (see above).
        keys.reverse();
    }
    let sorted: Vec<(U256, U256, U256)> = keys
        .iter()
        .filter_map(|k| entries.get((*k & u128::from(u32::MAX)) as usize).copied())
        .collect();
    *entries = sorted;
}

impl BandIndex {
    /// Sorts the points once.
    pub fn new(points: &[LiquidationPoint]) -> Result<Self> {
        let mut below = Vec::new();
        let mut above = Vec::new();
        let mut always = (U256::ZERO, U256::ZERO);
        for p in points {
            match p.side {
                // Descending, so the positions liquidatable at a price x are a prefix: root > x.
                Side::Below => below.push((p.price, p.debt_value, p.collateral_value)),
                Side::Above => above.push((p.price, p.debt_value, p.collateral_value)),
                Side::Always => {
                    always.0 =
                        always.0.checked_add(p.debt_value).ok_or_else(|| overflow("band debt"))?;
                    always.1 = always
                        .1
                        .checked_add(p.collateral_value)
                        .ok_or_else(|| overflow("band collateral"))?;
                }
                Side::Never => {}
            }
        }
        sort_by_price(&mut below, true);
        sort_by_price(&mut above, false);
        Ok(Self { below: prefix(below)?, above: prefix(above)?, always })
    }

    /// Debt and collateral value liquidatable at driver price `x`.
    pub fn at(&self, x: U256) -> Result<(U256, U256)> {
        let n_below = self.below.partition_point(|e| e.0 > x);
        let n_above = self.above.partition_point(|e| e.0 < x);
        let pick = |v: &[(U256, U256, U256)], n: usize| {
            if n == 0 {
                (U256::ZERO, U256::ZERO)
            } else {
                v.get(n - 1).map_or((U256::ZERO, U256::ZERO), |e| (e.1, e.2))
            }
        };
        let (bd, bc) = pick(&self.below, n_below);
        let (ad, ac) = pick(&self.above, n_above);
        let debt = self
            .always
            .0
            .checked_add(bd)
            .and_then(|s| s.checked_add(ad))
            .ok_or_else(|| overflow("band debt"))?;
        let coll = self
            .always
            .1
            .checked_add(bc)
            .and_then(|s| s.checked_add(ac))
            .ok_or_else(|| overflow("band collateral"))?;
        Ok((debt, coll))
    }

    /// The curve over a grid.
    pub fn bands(&self, grid: &[U256]) -> Result<Bands> {
        let mut debt = Vec::with_capacity(grid.len());
        let mut collateral = Vec::with_capacity(grid.len());
        for x in grid {
            let (d, c) = self.at(*x)?;
            debt.push(d);
            collateral.push(c);
        }
        Ok(Bands { grid: grid.to_vec(), debt, collateral })
    }
}

/// `grid_points` prices evenly spaced from `low` to `high` inclusive.
pub fn grid(low: U256, high: U256, grid_points: usize) -> Result<Vec<U256>> {
    if grid_points < 2 || high < low {
        return Err(Error::invalid(
            "grid",
            "at least 2 points and low <= high",
            format!("{grid_points} points, {low}..{high}"),
        ));
    }
    let steps = U256::from(grid_points - 1);
    (0..grid_points)
        .map(|i| Ok(low + mul_div(high - low, U256::from(i), steps, Rounding::Down)?))
        .collect()
}
