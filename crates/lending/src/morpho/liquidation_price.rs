//! A Morpho Blue borrower's liquidation price in closed form, proven on Morpho's own health test.
//!
//! `_isHealthy` holds at oracle price `x` when `⌊⌊C·x / 1e36⌋ · LLTV / 1e18⌋ ≥ B` (`C` the
//! collateral, `B` the borrowed assets rounded up). Both floors are monotone in `x`, so:
//! `⌊v · LLTV / 1e18⌋ ≥ B ⇔ v ≥ ⌈B · 1e18 / LLTV⌉ = V` and `⌊C·x / 1e36⌋ ≥ V ⇔ x ≥ ⌈V · 1e36 / C⌉`.
//! The least healthy price is therefore `⌈⌈B·1e18/LLTV⌉ · 1e36 / C⌉`: two ceiling divisions, where
//! a bisection on the health test needs about ninety evaluations. The result is then checked
//! through [`MorphoMarket::max_borrow_of`] itself (healthy at the price, liquidatable one raw unit
//! below), so the closed form can never silently disagree with the model.

use super::{MorphoMarket, ORACLE_PRICE_SCALE, Position};
use crate::{
    Error, Result,
    bands::{LiquidationPoint, Side},
};
use alloy_primitives::{Address, U256};
use faultline_core::{
    Rounding,
    math::{mul_div_full, wad_ray::WAD},
};

impl MorphoMarket {
    /// `account`'s exact liquidation point (see [`Self::liquidation_point_of`]).
    pub fn liquidation_point(&self, account: Address) -> Result<LiquidationPoint> {
        self.liquidation_point_of(&self.position(account))
    }

    /// The least oracle price at which `position` is healthy (`Side::Below`: liquidatable at
    /// every price strictly below it); `Side::Never` without debt, `Side::Always` when no price
    /// up to `U256::MAX` makes it healthy (no collateral, LLTV 0). `debt_value` carries the
    /// borrowed loan units (rounded up, as `_isHealthy` reads them) and `collateral_value` the raw
    /// collateral. An overflow of the health test itself at the boundary is an error, as the
    /// contract would revert there.
    pub fn liquidation_point_of(&self, position: &Position) -> Result<LiquidationPoint> {
        let borrowed = self.debt_of(position)?;
        let point = |price, side| LiquidationPoint {
            price,
            side,
            debt_value: borrowed,
            collateral_value: position.collateral,
        };
        if borrowed.is_zero() {
            return Ok(point(U256::ZERO, Side::Never));
        }
        let healthy =
            |x: U256| -> Result<bool> { Ok(self.max_borrow_of(position, x)? >= borrowed) };
        let closed = (!self.params.lltv.is_zero() && !position.collateral.is_zero())
            .then(|| {
                let value = mul_div_full(borrowed, WAD, self.params.lltv, Rounding::Up).ok()?;
                mul_div_full(value, ORACLE_PRICE_SCALE, position.collateral, Rounding::Up).ok()
            })
            .flatten();
        let Some(price) = closed else {
            // No price fits in 256 bits: liquidatable at any price, which the health test itself
            // confirms at the highest price there is (or reports the overflow it hits there).
            return if healthy(U256::MAX)? {
                Err(disagrees(U256::MAX))
            } else {
                Ok(point(U256::ZERO, Side::Always))
            };
        };
        // The proof: healthy at `price`, liquidatable one raw unit below (B > 0, so price ≥ 1).
        if !healthy(price)? || healthy(price - U256::from(1u8))? {
            return Err(disagrees(price));
        }
        Ok(point(price, Side::Below))
    }
}

fn disagrees(price: U256) -> Error {
    Error::invalid(
        "liquidation price",
        "the least price at which maxBorrow covers the debt",
        format!("{price}, which Morpho's health test does not confirm"),
    )
}
