//! Issuers, looped vaults and recursive minting: how a little real money carries a tower of
//! claims, and where it falls.
//!
//! - [`design`]: the vault-design check: the TOML file's types and validation, and [`analyse`]
//!   giving max safe leverage, break-even depegs, health under shocks and what breaks first.
//! - [`erc4626`]: ERC-4626 share math with OpenZeppelin's rounding and virtual shares, to the wei.
//! - [`backing`]: backing items (tokens, lending supply, loans, hedged books, off-chain claims,
//!   reserves, cash) and the prices and [`NavRule`] they are valued under.
//! - [`graph`]: the backing graph across issuers: cycles (Tarjan), exogenous backing against
//!   nominal claims, amplification and the layers of the inverted pyramid; the minting loop.
//! - [`pyramid`]: the inverted pyramid layer by layer: who minted what against what, at what
//!   ratio, cumulative claims against the real assets, and the write-down that breaks each layer.
//! - [`reach`]: whether a reported figure is within a minting loop's reach, and in how many
//!   rounds.
//! - [`issuer`]: an issuer's reported and true NAV, write-downs, redemptions step by step.
//! - [`loops`]: looped positions: leverage (closed form and iterated), net yield, health, the
//!   liquidation trigger under each oracle kind, unwind cost through a venue, survival at 100%
//!   utilisation, and many loopers in one market.
//! - [`redemption`]: redemption modes (instant, cooldown, queue, gated, frozen) and who is paid
//!   in a run (first come or pro rata).
//!
//! Amounts a contract defines are raw [`U256`](alloy_primitives::U256) with the contract's
//! rounding; human-scale figures (USD values, NAV, leverage) are [`Decimal`] reached through
//! `faultline_core`'s one conversion, checked at every step. No floating point, no IO, and every
//! output is in a deterministic order.
#![doc = include_str!("../README.md")]
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod backing;
pub mod design;
pub mod erc4626;
pub mod error;
pub mod graph;
pub mod issuer;
pub mod loops;
pub mod pyramid;
pub mod reach;
pub mod redemption;

pub use backing::{BackingItem, BackingKind, NavRule, Prices};
pub use design::{DesignReport, VaultDesign, analyse};
pub use erc4626::Erc4626;
pub use error::{Error, Result};
pub use faultline_core::decimal::Decimal;
pub use graph::{BackingGraph, Layer, MintLoop, PyramidReport, recursive_mint};
pub use issuer::{Issuer, Liability, NavReport};
pub use loops::{LiquidationTrigger, LoopParams, LoopPosition, MarketExposure, Unwind, Yields};
pub use redemption::{RedemptionEvent, RedemptionMode, RunRule};
