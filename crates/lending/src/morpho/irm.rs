//! Interest rate models a Morpho Blue market can use.

use super::MarketState;
use crate::Result;
use alloy_primitives::U256;

/// A market's rate model (`IIrm.borrowRate`), returning a per-second WAD rate.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Irm {
    /// `irm == address(0)`: the market accrues no interest at all.
    None,
    /// A constant per-second borrow rate (a fixed-rate IRM, as the test mocks use).
    Fixed {
        /// Borrow rate per second, WAD.
        rate_per_second: U256,
    },
}

impl Irm {
    /// `borrowRate(marketParams, market)`, called by `_accrueInterest` (may update IRM state);
    /// `None` when the market has no IRM.
    pub(crate) const fn borrow_rate(
        &self,
        market: &MarketState,
        now: U256,
    ) -> Result<Option<U256>> {
        self.borrow_rate_view(market, now)
    }

    /// `borrowRateView`: the rate without updating any state.
    pub(crate) const fn borrow_rate_view(
        &self,
        _market: &MarketState,
        _now: U256,
    ) -> Result<Option<U256>> {
        Ok(match self {
            Self::None => None,
            Self::Fixed { rate_per_second } => Some(*rate_per_second),
        })
    }
}
