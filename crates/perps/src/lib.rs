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
//! - [`population`]: synthetic account populations drawn (seeded, exact totals) from documented
//!   distributions; [`adl_study`] runs the 2025-10-10 ADL on them against the published figures.
//! - [`tables`]: loading Hyperliquid's margin tables.
//! - [`venue`]: the venue engine: markets with mark and index, cross and isolated accounts,
//!   collateral at the venue's own oracle, funding each step, and the liquidation waterfall
//!   (order book, backstop vault, insurance fund, ADL), reporting [`events::Event`]s; its books
//!   are kept by cost basis in [`ledger`] so value is conserved exactly.
//! - [`reserve`]: reserve-fund drawdown under negative funding (LlamaRisk's methodologies).
//!
//! Figures are human-scale USD, sizes and prices in [`Decimal`] (28 significant digits): exact for
//! sums and products at these magnitudes; an inexact division rounds at the 28th digit, far below
//! the cent a venue settles in. No floating point.
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod adl;
pub mod adl_study;
pub mod error;
pub mod events;
pub mod funding;
pub mod ledger;
pub mod liquidation;
pub mod margin;
pub mod population;
pub mod reserve;
pub mod side;
pub mod tables;
pub mod venue;

// Only its `serde` feature is used (the ADL study's decimals as strings).
use rust_decimal as _;

pub use error::{Error, Result};
pub use faultline_core::decimal::Decimal;
pub use side::Side;
