//! Dev-only test support: a real local EVM for faultline's differential tests.
//!
//! - [`tools`] finds the pinned npm tool set in `tools/evm/` (anvil, solc-js, protocol sources)
//!   and installs it with `npm ci` once when it is missing, under a cross-process lock.
//! - [`solc`] compiles Solidity offline with solc-js, caching the output under `target/`.
//! - [`evm`] spawns anvil on 127.0.0.1 through alloy, deploys bytecode and calls it, batching
//!   thousands of calls into one `eth_call` through the `Batch` helper contract.
//! - [`morpho_chain`] deploys Morpho Blue with our token, oracle and IRM mocks at chosen
//!   addresses, creates markets and opens positions in real transactions (tests that read a chain).
//! - [`aave_chain`] deploys Aave v3 from the compiled artifacts `@aave/core-v3` ships (libraries
//!   linked here), lists reserves over our token and price-feed mocks and opens positions through
//!   the real pool, many per transaction.
//! - [`lenders_chain`] deploys our stand-ins of lending protocols without an npm package (Comet,
//!   MetaMorpho on the real Morpho Blue of [`morpho_chain`]):
//!   their real ABI, our code.
//! - [`euler_chain`] deploys our Euler v2 stand-ins (EVC, router, collateral vaults, IRM and a
//!   liability vault: Euler's published ABI, our code) and opens positions.
//! - [`uniswap_v3_chain`] deploys a Uniswap v3 pool from the npm factory artifact with our minter
//!   and swapper, returning the addresses (a pool beside other protocols on one anvil).
//! - [`inputs`] draws deterministic pseudo-random inputs that include the edge values.
//!
//! When the node cannot be had the test fails with a message that says exactly what to run; it is
//! never skipped.
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod aave_chain;
pub mod error;
pub mod euler_chain;
pub mod evm;
pub mod inputs;
pub mod lenders_chain;
pub mod morpho_chain;
pub mod paths;
pub mod solc;
pub mod tools;
pub mod uniswap_v3_chain;

pub use error::{Error, Result};
pub use evm::{Evm, Outcome};
pub use inputs::Inputs;
