//! Market liquidity: what a sale of X of an asset fetches, and what it does to the price.
//!
//! In a liquidation cascade every liquidation is a sale into a market; when depth thins, each sale
//! fills worse and pushes the price into the next band of liquidations. This crate prices those
//! sales on the venues where they happen:
//!
//! - [`uniswap_v2`]: constant product with fee, exact to `UniswapV2Library`.
//! - [`uniswap_v3`]: concentrated liquidity (tick math, sqrt-price math, swap steps, a pool with
//!   initialised ticks and tick crossing), exact to Uniswap v3-core and checked against the real
//!   pool bytecode on a local EVM.
//! - [`curve`]: Curve StableSwap `get_D`/`get_y`/`exchange` with amplification and fee, exact to
//!   the 3pool Vyper.
//! - [`depth`]: order-book depth given as quantity within ±x% of mid, and the square-root impact
//!   law as a documented alternative.
//! - [`market`]: a pair's market as the sum of its venues, with a best-execution split.
//! - [`dynamics`]: temporary and permanent impact, recovery toward a fair price with a half-life,
//!   liquidity shocks.
//! - [`supply`]: the bid depth a stablecoin's supply funds (a power law in supply), applied to a
//!   book's bid side with [`depth::DepthVenue::scale_bids`].
//!
//! Every venue speaks the shared vocabulary of [`venue`]: quote a sale or a buy (proceeds,
//! average price, post-trade price) and the inverse (the largest sale within a slippage bound).
//! Amounts are raw token units ([`U256`]); prices are human quote-per-base prices with
//! [`PRICE_DECIMALS`] decimals. Where a contract defines the math it is mirrored bit for bit,
//! rounding and failures included; nothing panics on bad input.
//!
//! This crate is pure: no IO, no async, no floating point.
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod curve;
pub mod depth;
pub mod dynamics;
pub mod error;
pub mod market;
pub mod supply;
pub mod uniswap_v2;
pub mod uniswap_v3;
pub mod venue;

pub use alloy_primitives::{I256, U256};
pub use error::{Error, Result};
pub use venue::{PRICE_DECIMALS, Pair, Quote, Side, Venue};
