//! Delta-neutral books: long legs (spot, LSTs, yield-bearing stablecoins, lending collateral)
//! held at custodians or venues, hedged with short perp legs on [`faultline_perps::venue::Venue`]s.
//!
//! - [`book`]: the book, its value and delta, funding paid from a reserve fund, margin top-ups
//!   from a buffer, re-hedging outside a band, and write-downs (a failed custodian or venue, an
//!   off-chain manager's loss).
//! - [`unwind`]: redemptions: selling long legs through thin liquidity and closing shorts.
//! - [`drawdown`]: the book's value over time and the drawdown an issuer backed by it sees.
//!
//! Human-scale USD figures in [`Decimal`]; no floating point, no IO.
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod book;
pub mod drawdown;
pub mod error;
pub mod unwind;

pub use error::{Error, Result};
pub use faultline_perps::Decimal;
