//! A pair's market as the sum of its venues, with a best-execution split of a large sale.
//!
//! The split is greedy by slices: the sale is cut into `slices` equal parts (the last takes the
//! remainder) and each part goes to the venue whose proceeds grow most by taking it, given what
//! that venue already holds. For venues whose proceeds are concave in the size (every venue here:
//! a larger sale never gets a better average price), the greedy split is optimal up to the slice
//! size. Quotes are exact per venue; only the split is discretised.

use crate::{
    Error, Result,
    venue::{Quote, Side, Venue},
};
use alloy_primitives::U256;

/// The venues where a pair trades.
#[derive(Debug, Default)]
pub struct Market {
    venues: Vec<Box<dyn Venue>>,
}

/// How a sale is spread over the venues, and what it fetches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// Base sold on each venue, in the market's venue order.
    pub allocation: Vec<U256>,
    /// The quote of each venue's share (`None` where nothing was sold).
    pub quotes: Vec<Option<Quote>>,
    /// Total proceeds, raw quote units.
    pub proceeds: U256,
}

impl Market {
    /// An empty market.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a venue.
    pub fn with(mut self, venue: Box<dyn Venue>) -> Self {
        self.venues.push(venue);
        self
    }

    /// The venues.
    pub fn venues(&self) -> &[Box<dyn Venue>] {
        &self.venues
    }

    /// Mutable venues (to shock or recover them one by one).
    pub fn venues_mut(&mut self) -> &mut [Box<dyn Venue>] {
        &mut self.venues
    }

    /// The best split of a sale of `base` over the venues, in `slices` parts, without trading.
    pub fn split_sell(&self, base: U256, slices: u32) -> Result<Split> {
        if self.venues.is_empty() {
            return Err(Error::ZeroLiquidity { venue: "Market", detail: "no venues" });
        }
        if slices == 0 {
            return Err(Error::invalid("slices", "at least one", slices));
        }
        let n = self.venues.len();
        let mut allocation = vec![U256::ZERO; n];
        let mut proceeds = vec![U256::ZERO; n];
        let slice = base / U256::from(slices);
        let mut left = base;
        while !left.is_zero() {
            let size = if slice.is_zero() || left < slice * U256::from(2u8) { left } else { slice };
            // The venue whose proceeds grow most by taking this slice.
            let mut best: Option<(usize, U256, U256)> = None;
            for (i, venue) in self.venues.iter().enumerate() {
                let Ok(q) = venue.quote(Side::Sell, allocation[i] + size) else { continue };
                let gain = q.quote.saturating_sub(proceeds[i]);
                if best.is_none_or(|(_, best_gain, _)| gain > best_gain) {
                    best = Some((i, gain, q.quote));
                }
            }
            let (i, _, total) = best.ok_or(Error::InsufficientLiquidity {
                venue: "Market::split_sell",
                requested: base,
                available: base - left,
            })?;
            allocation[i] += size;
            proceeds[i] = total;
            left -= size;
        }
        let quotes = self
            .venues
            .iter()
            .zip(&allocation)
            .map(|(v, a)| if a.is_zero() { Ok(None) } else { v.quote(Side::Sell, *a).map(Some) })
            .collect::<Result<Vec<_>>>()?;
        let total = proceeds
            .iter()
            .try_fold(U256::ZERO, |acc, p| acc.checked_add(*p))
            .ok_or(Error::Overflow { op: "Market::split_sell" })?;
        Ok(Split { allocation, quotes, proceeds: total })
    }

    /// Sells `base` split as [`Market::split_sell`] finds best, and updates every venue.
    pub fn sell(&mut self, base: U256, slices: u32) -> Result<Split> {
        let split = self.split_sell(base, slices)?;
        for (venue, amount) in self.venues.iter_mut().zip(&split.allocation) {
            if !amount.is_zero() {
                venue.execute(Side::Sell, *amount)?;
            }
        }
        Ok(split)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        uniswap_v2::{ConstantProduct, Fee},
        venue::Pair,
    };

    fn e18(n: u64) -> U256 {
        U256::from(n) * U256::from(10u64.pow(18))
    }

    /// Two identical pools: by symmetry the best split is half and half, and it fetches more than
    /// the whole sale on one pool.
    #[test]
    fn identical_pools_split_evenly_and_beat_one_pool() {
        let pair = Pair::new(18, 18).unwrap();
        let pool = || {
            ConstantProduct::new("v2", pair, e18(1000), e18(2_000_000), Fee::UNISWAP_V2).unwrap()
        };
        let market = Market::new().with(Box::new(pool())).with(Box::new(pool()));
        let split = market.split_sell(e18(100), 100).unwrap();
        assert_eq!(split.allocation, vec![e18(50), e18(50)]);
        let alone = pool().quote(Side::Sell, e18(100)).unwrap().quote;
        assert!(split.proceeds > alone);
    }

    #[test]
    fn an_empty_market_is_a_typed_error() {
        assert!(matches!(Market::new().split_sell(e18(1), 10), Err(Error::ZeroLiquidity { .. })));
    }
}
