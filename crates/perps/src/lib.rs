//! Perpetual exchanges: the first layer of fragility in a crash.
//!
//! Perp venues run off-chain matching engines, so there is no contract to mirror; this crate
//! mirrors the venues' *published* rules and checks them against the worked examples in their
//! documentation:
//!
//! - [`margin`]: maintenance-margin schedules, as Hyperliquid's leverage tiers and Binance's
//!   brackets, with the deduction that keeps the margin continuous across tiers.
//! - [`liquidation`]: liquidation prices: the two venues' formulas and an exact solver over a
//!   tiered schedule.
//! - [`funding`]: premium, the clamped funding rate, caps and payments.
//! - [`adl`]: auto-deleveraging when the insurance fund and backstop cannot absorb a bankrupt
//!   position, as pluggable policies (Hyperliquid's and Binance's rankings, pro-rata, and the
//!   leverage-draining policy from the risk-based ADL literature).
//! - [`tables`]: loading Hyperliquid's margin tables.
//!
//! Figures are human-scale USD, sizes and prices in [`Decimal`] (28 significant digits): exact for
//! sums and products at these magnitudes; an inexact division rounds at the 28th digit, far below
//! the cent a venue settles in. No floating point.
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod adl;
pub mod error;
pub mod funding;
pub mod liquidation;
pub mod margin;
pub mod side;
pub mod tables;

pub use error::{Error, Result};
pub use faultline_core::decimal::Decimal;
pub use side::Side;
