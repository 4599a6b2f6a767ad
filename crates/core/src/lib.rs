//! Faultline's foundation: the units every protocol model is written in.
//!
//! - [`math`]: fixed-point arithmetic on [`U256`] that mirrors the Solidity libraries bit for bit
//!   (Aave's `WadRayMath` and `PercentageMath`, Morpho Blue's `MathLib` and `SharesMathLib`), where
//!   every division names its [`Rounding`] and every failure is an [`Error`], never a panic.
//! - [`amount`]: token amounts as raw integer units plus decimals, parsed and formatted exactly.
//! - [`decimal`]: the one checked road from raw units to [`rust_decimal::Decimal`], for
//!   human-scale figures (USD values, ratios, health factors).
//! - [`token`]: chains, addresses and tokens.
//! - [`price`]: a *market* price (what an asset trades at) and an *oracle* price (what a protocol
//!   reads) are different types, because the gap between them is where collateral chains break.
//! - [`limits`]: the ranges a person-typed figure may take, so the cascade stays in range.
//! - [`oracle`]: how an oracle's price follows the market: every step, a deviation/heartbeat push
//!   feed, hardcoded, the issuer's reported exchange rate, or lagged; frozen or overridden.
//!
//! This crate is pure: no IO, no async, no floating point.
//!
#![doc = include_str!("../README.md")]
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod amount;
pub mod decimal;
pub mod error;
pub mod limits;
pub mod math;
pub mod oracle;
pub mod price;
pub mod token;

pub use alloy_primitives::{Address, U256};
pub use amount::TokenAmount;
pub use error::{Error, Result};
pub use math::Rounding;
pub use oracle::{Observation, Oracle, OracleKind};
pub use price::{MarketPrice, OraclePrice, Price};
pub use token::{ChainId, Token};
