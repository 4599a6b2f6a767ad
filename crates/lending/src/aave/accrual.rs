//! A pool built from balances (a snapshot) has no stored rates: on chain each reserve's rates are
//! the ones its last operation left. [`AavePool::refresh_rates`] sets them as that operation
//! would have, so that time passing ([`crate::LendingMarket::accrue`]) grows the indexes by the
//! reserve's strategy at its usage, exactly as `getNormalizedDebt` reads between operations.

use super::AavePool;
use crate::Result;
use alloy_primitives::U256;

impl AavePool {
    /// `updateInterestRatesAndVirtualBalance` with nothing added or taken, on every reserve: the
    /// rates its strategy gives at the reserve's debt, virtual balance and deficit now.
    pub fn refresh_rates(&mut self) -> Result<()> {
        self.transact(|pool| {
            for i in 0..pool.reserves.len() {
                pool.update_rates(i, U256::ZERO, U256::ZERO)?;
            }
            Ok(())
        })
    }
}
