//! Contract-exact lending protocol models: health, liquidation, bad debt and interest, to the wei.
//!
//! - [`market`]: the shared vocabulary ([`LendingMarket`], [`Health`], [`Liquidation`], ...) an
//!   orchestrator drives without knowing which protocol answers.
//! - [`morpho`]: Morpho Blue, mirroring `Morpho.sol` statement by statement, reverts included.
//! - [`comet`]: Compound v3 (Comet): collateralisation, `absorb`, the store front, kinked rates.
//! - [`euler`]: Euler v2 liquidation: ramped LTV, Dutch-auction discount, debt takeover, socialisation.
//! - [`bands`]: liquidation bands, solving each position's liquidation price once.
//! - [`cascade`]: what a stress cascade asks of every protocol ([`cascade::CascadeMarket`]):
//!   borrowers, the liquidation a liquidator would choose, its outcome, where bad debt lands.
//! - [`metamorpho`]: MetaMorpho v1.0/v1.1 vaults: total assets, fee, bad debt, withdrawable liquidity.
//! - [`aave`]: Aave v3 with the rounding of v3.3, v3.4 or v3.5+, and the fixture loader.
//!
//! Amounts are raw token units in [`U256`](alloy_primitives::U256); every division rounds the way
//! the contract rounds it, through `faultline_core::math`. The crate is pure: no IO, no async.
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod aave;
pub mod bands;
pub mod cascade;
pub mod comet;
pub mod error;
pub mod euler;
pub mod market;
pub mod metamorpho;
pub mod morpho;

pub use error::{Error, Protocol, Result};
pub use market::{
    BadDebtBearer, Health, LendingMarket, Liquidation, LiquidationAmount, LiquidationRequest,
    Rates, ValueUnit,
};
