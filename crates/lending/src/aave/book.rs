//! Many positions at once: a columnar position book and a health kernel that evaluates each
//! position with exactly `calculateUserAccountData`'s arithmetic, against one snapshot of the
//! reserves (indexes, prices, thresholds), without maps or cloning. Used for stress runs over
//! millions of positions and for liquidation bands.

use super::{AavePool, AaveVersion, H};
use crate::{
    Error, Result,
    bands::{BandPosition, Exposure, LinearSums, LiquidationPoint},
};
use alloy_primitives::{Address, U256};
use faultline_core::math::{
    percentage::{PERCENTAGE_FACTOR, percent_mul},
    wad_ray::{WAD, wad_div},
};

/// Positions stored column-wise: position `p` owns entries `start[p]..start[p + 1]`.
#[derive(Debug, Clone, Default)]
pub struct PositionBook {
    e_mode: Vec<u8>,
    pub(super) start: Vec<u32>,
    pub(super) reserve: Vec<u16>,
    pub(super) scaled_a: Vec<u128>,
    pub(super) scaled_debt: Vec<u128>,
    pub(super) collateral: Vec<bool>,
}

/// One holding of a position in the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookEntry {
    /// Reserve id.
    pub reserve: u16,
    /// Scaled aToken balance.
    pub scaled_a: u128,
    /// Scaled variable debt.
    pub scaled_debt: u128,
    /// Used as collateral.
    pub collateral: bool,
}

impl PositionBook {
    /// An empty book.
    pub fn new() -> Self {
        Self { start: vec![0], ..Self::default() }
    }

    /// Adds a position.
    pub fn push(&mut self, e_mode: u8, entries: &[BookEntry]) -> Result<()> {
        for e in entries {
            self.reserve.push(e.reserve);
            self.scaled_a.push(e.scaled_a);
            self.scaled_debt.push(e.scaled_debt);
            self.collateral.push(e.collateral);
        }
        let end = u32::try_from(self.reserve.len())
            .map_err(|_| Error::invalid("book", "fewer than 2^32 entries", self.reserve.len()))?;
        if self.start.is_empty() {
            self.start.push(0);
        }
        self.start.push(end);
        self.e_mode.push(e_mode);
        Ok(())
    }

    /// Number of positions.
    pub const fn len(&self) -> usize {
        self.e_mode.len()
    }

    /// Whether the book is empty.
    pub const fn is_empty(&self) -> bool {
        self.e_mode.is_empty()
    }

    /// Number of holdings over all positions.
    pub const fn entries(&self) -> usize {
        self.reserve.len()
    }

    pub(super) fn range(&self, p: usize) -> Option<(u8, core::ops::Range<usize>)> {
        let from = *self.start.get(p)? as usize;
        let to = *self.start.get(p + 1)? as usize;
        Some((*self.e_mode.get(p)?, from..to))
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct KernelReserve {
    pub(super) liquidity_index: U256,
    pub(super) borrow_index: U256,
    pub(super) price: U256,
    pub(super) unit: U256,
    lt: U256,
    asset: Address,
    /// Its id (its place in the kernel's list).
    index: usize,
}

/// The reserves' state frozen at one time and one set of prices.
#[derive(Debug, Clone)]
pub struct HealthKernel {
    pub(super) version: AaveVersion,
    pub(super) reserves: Vec<KernelReserve>,
    /// `(eMode id, LT, collateral bitmap)`.
    e_modes: Vec<(u8, U256, u128)>,
}

impl AavePool {
    /// The kernel for the pool's current time and prices.
    pub fn health_kernel(&self) -> Result<HealthKernel> {
        let mut reserves = Vec::with_capacity(self.reserves.len());
        for (index, r) in self.reserves.iter().enumerate() {
            let (liquidity_index, borrow_index) = self.next_indexes(r)?;
            reserves.push(KernelReserve {
                liquidity_index,
                borrow_index,
                price: r.price,
                unit: r.unit()?,
                lt: U256::from(r.config.liquidation_threshold),
                asset: r.config.asset,
                index,
            });
        }
        let e_modes = self
            .e_modes
            .values()
            .map(|e| (e.id, U256::from(e.liquidation_threshold), e.collateral_bitmap))
            .collect();
        Ok(HealthKernel { version: self.version, reserves, e_modes })
    }
}

impl HealthKernel {
    /// Sets one reserve's price (8-decimal base currency).
    pub fn set_price(&mut self, reserve: u16, price: U256) -> Result<()> {
        let r = self
            .reserves
            .get_mut(usize::from(reserve))
            .ok_or_else(|| Error::invalid("reserve", "a listed reserve id", reserve))?;
        r.price = price;
        Ok(())
    }

    /// Number of reserves.
    pub const fn len(&self) -> usize {
        self.reserves.len()
    }

    /// Whether there are no reserves.
    pub const fn is_empty(&self) -> bool {
        self.reserves.is_empty()
    }

    /// A reserve's price.
    pub fn price(&self, reserve: u16) -> Option<U256> {
        self.reserves.get(usize::from(reserve)).map(|r| r.price)
    }

    /// A reserve's `(liquidity index, variable borrow index)` (ray) at the kernel's time.
    pub fn indexes(&self, reserve: u16) -> Option<(U256, U256)> {
        self.reserves.get(usize::from(reserve)).map(|r| (r.liquidity_index, r.borrow_index))
    }

    pub(super) fn lt(&self, e_mode: u8, id: u16, r: &KernelReserve) -> U256 {
        if e_mode != 0
            && let Some((_, lt, bitmap)) = self.e_modes.iter().find(|(e, _, _)| *e == e_mode)
            && id < 128
            && (bitmap >> id) & 1 == 1
        {
            return *lt;
        }
        r.lt
    }

    /// Per-holding values as `calculateUserAccountData` computes them:
    /// `(collateral value, LT, debt value, reserve)` for each entry.
    fn values(
        &self,
        book: &PositionBook,
        p: usize,
        mut each: impl FnMut(U256, U256, U256, &KernelReserve) -> Result<()>,
    ) -> Result<()> {
        let (e_mode, range) = book
            .range(p)
            .ok_or_else(|| Error::invalid("position", "an index below the book's length", p))?;
        for k in range {
            let (Some(&id), Some(&sa), Some(&sd), Some(&coll)) = (
                book.reserve.get(k),
                book.scaled_a.get(k),
                book.scaled_debt.get(k),
                book.collateral.get(k),
            ) else {
                continue;
            };
            let r = self
                .reserves
                .get(usize::from(id))
                .ok_or_else(|| Error::invalid("book.reserve", "a listed reserve id", id))?;
            let mut collateral = U256::ZERO;
            let mut debt = U256::ZERO;
            if coll && sa != 0 {
                let balance = self.version.a_balance(U256::from(sa), r.liquidity_index)?;
                collateral = balance.checked_mul(r.price).ok_or(Error::Arithmetic(
                    faultline_core::Error::Overflow { op: "balance * price" },
                ))? / r.unit;
            }
            if sd != 0 {
                let d = self.version.v_balance(U256::from(sd), r.borrow_index)?;
                debt = self.version.debt_value(d, r.price, r.unit)?;
            }
            each(collateral, self.lt(e_mode, id, r), debt, r)?;
        }
        Ok(())
    }

    /// Position `p`'s health factor, WAD, exactly as `calculateUserAccountData`.
    pub fn health_factor(&self, book: &PositionBook, p: usize) -> Result<U256> {
        let (mut total_collateral, mut total_debt, mut weighted) =
            (U256::ZERO, U256::ZERO, U256::ZERO);
        self.values(book, p, |c, lt, d, _| {
            let of = || Error::Arithmetic(faultline_core::Error::Overflow { op: "account totals" });
            total_collateral = total_collateral.checked_add(c).ok_or_else(of)?;
            weighted = c.checked_mul(lt).and_then(|v| weighted.checked_add(v)).ok_or_else(of)?;
            total_debt = total_debt.checked_add(d).ok_or_else(of)?;
            Ok(())
        })?;
        if total_debt.is_zero() {
            return Ok(U256::MAX);
        }
        if self.version.legacy_rounding() {
            let avg =
                if total_collateral.is_zero() { U256::ZERO } else { weighted / total_collateral };
            Ok(wad_div(percent_mul(total_collateral, avg, H)?, total_debt, H)?)
        } else {
            Ok(wad_div(weighted, total_debt, H)? / PERCENTAGE_FACTOR)
        }
    }

    /// Position `p` for the band solver: each holding's value at the kernel's prices, its LT, and
    /// the beta of its asset to the driver (`betas`, WAD; assets not listed do not move).
    pub fn band_position(
        &self,
        book: &PositionBook,
        p: usize,
        betas: &[(Address, U256)],
    ) -> Result<BandPosition> {
        let mut position = BandPosition::default();
        self.values(book, p, |c, lt, d, r| {
            let beta =
                betas.iter().find(|(a, _)| *a == r.asset).map_or(U256::ZERO, |(_, b)| *b).min(WAD);
            let lt = u16::try_from(lt.min(PERCENTAGE_FACTOR)).unwrap_or(0);
            if !c.is_zero() {
                position.collateral.push(Exposure { value: c, liquidation_threshold: lt, beta });
            }
            if !d.is_zero() {
                position.debt.push(Exposure { value: d, liquidation_threshold: 0, beta });
            }
            Ok(())
        })?;
        Ok(position)
    }
}

impl HealthKernel {
    /// Each reserve's beta to the driver, by reserve id, from `betas` (`(asset, beta)`, WAD, capped
    /// at 1e18; assets not listed do not move): resolved once for the book, so a position's solve
    /// reads its betas by index instead of searching the list for every holding.
    pub fn reserve_betas(&self, betas: &[(Address, U256)]) -> Vec<U256> {
        self.reserves
            .iter()
            .map(|r| {
                betas.iter().find(|(a, _)| *a == r.asset).map_or(U256::ZERO, |(_, b)| *b).min(WAD)
            })
            .collect()
    }

    /// Position `p`'s liquidation point against a driver at `reference_price`, with the betas of
    /// [`Self::reserve_betas`]: the same point as
    /// [`liquidation_point`](crate::bands::liquidation_point) of [`Self::band_position`], without
    /// building the position's vectors.
    pub fn band_point(
        &self,
        book: &PositionBook,
        p: usize,
        reserve_betas: &[U256],
        reference_price: U256,
    ) -> Result<LiquidationPoint> {
        let mut sums = LinearSums::default();
        self.values(book, p, |c, lt, d, r| {
            let beta = reserve_betas.get(r.index).copied().unwrap_or(U256::ZERO);
            let lt = u16::try_from(lt.min(PERCENTAGE_FACTOR)).unwrap_or(0);
            if !c.is_zero() {
                sums.collateral(&Exposure { value: c, liquidation_threshold: lt, beta })?;
            }
            if !d.is_zero() {
                sums.debt(&Exposure { value: d, liquidation_threshold: 0, beta })?;
            }
            Ok(())
        })?;
        sums.solve(reference_price)
    }
}

impl HealthKernel {
    /// The kernel with reserve prices moved to driver price `x`: each listed reserve's price
    /// becomes `p0 · ((1 − β)·x0 + β·x) / x0` (floor), from its price in `self` at driver price
    /// `x0`.
    pub fn at_driver_price(&self, moves: &[(u16, U256)], x0: U256, x: U256) -> Result<Self> {
        let mut moved = self.clone();
        let denominator = WAD
            .checked_mul(x0)
            .ok_or(Error::Arithmetic(faultline_core::Error::Overflow { op: "WAD * x0" }))?;
        for (reserve, beta) in moves {
            let beta = (*beta).min(WAD);
            let p0 = self
                .price(*reserve)
                .ok_or_else(|| Error::invalid("moves", "listed reserve ids", reserve))?;
            let numerator = (WAD - beta)
                .checked_mul(x0)
                .and_then(|f| beta.checked_mul(x).and_then(|m| f.checked_add(m)))
                .ok_or(Error::Arithmetic(faultline_core::Error::Overflow { op: "driver move" }))?;
            let price = faultline_core::math::mul_div_full(
                p0,
                numerator,
                denominator,
                faultline_core::Rounding::Down,
            )?;
            moved.set_price(*reserve, price)?;
        }
        Ok(moved)
    }

    /// The exact driver price (in the price's integer units) where position `p` turns
    /// liquidatable, by bisection on the exact health factor around the linear root `guess`:
    /// for [`Side::Below`](crate::bands::Side::Below) the lowest price at which it is still healthy
    /// (one unit less is liquidatable), for `Above` the highest. `None` when the health factor
    /// does not cross 1 within a factor of 4 of the guess.
    pub fn exact_liquidation_price(
        &self,
        book: &PositionBook,
        p: usize,
        moves: &[(u16, U256)],
        x0: U256,
        guess: U256,
        side: crate::bands::Side,
    ) -> Result<Option<U256>> {
        use crate::bands::Side;
        let healthy = |x: U256| -> Result<bool> {
            Ok(self.at_driver_price(moves, x0, x)?.health_factor(book, p)? >= WAD)
        };
        let four = U256::from(4u8);
        let (lo, hi) = (guess / four, guess.saturating_mul(four));
        // Invariant for Below: lo liquidatable, hi healthy. For Above: lo healthy, hi liquidatable.
        let want_lo_healthy = side == Side::Above;
        if side != Side::Below && side != Side::Above {
            return Ok(None);
        }
        if healthy(lo)? != want_lo_healthy || healthy(hi)? == want_lo_healthy {
            return Ok(None);
        }
        let (mut lo, mut hi) = (lo, hi);
        while hi - lo > U256::from(1u8) {
            let mid = lo + (hi - lo) / U256::from(2u8);
            if healthy(mid)? == want_lo_healthy {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Ok(Some(if side == Side::Below { hi } else { lo }))
    }
}
