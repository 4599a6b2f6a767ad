//! Contract-exact lending protocol models: health, liquidation, bad debt and interest, to the wei.
//!
//! - [`market`]: the shared vocabulary ([`LendingMarket`], [`Health`], [`Liquidation`], ...) an
//!   orchestrator drives without knowing which protocol answers.
//! - [`morpho`]: Morpho Blue, mirroring `Morpho.sol` statement by statement, reverts included.
//!
//! Amounts are raw token units in [`U256`](alloy_primitives::U256); every division rounds the way
//! the contract rounds it, through `faultline_core::math`. The crate is pure: no IO, no async.
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod error;
pub mod market;
pub mod morpho;

// The fixture loaders parse JSON given as text or a serde value.
use serde_json as _;

pub use error::{Error, Protocol, Result};
pub use market::{
    BadDebtBearer, Health, LendingMarket, Liquidation, LiquidationAmount, LiquidationRequest,
    Rates, ValueUnit,
};
