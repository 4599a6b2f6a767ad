//! Differential tests of `faultline-core`'s math against the real Solidity libraries on anvil.
//!
//! Each test compiles a harness of the project's own that exposes the library functions unchanged
//! (`tests/solidity/*.sol`, importing the sources from the pinned npm packages), deploys it on a
//! fresh local anvil, and runs 10,000 deterministic pseudo-random inputs, edge values included,
//! through both implementations. Results must be equal to the wei, and failures must be the same
//! failure: Aave's assembly reverts with empty data, Morpho's checked arithmetic with
//! `Panic(0x11)` or `Panic(0x12)`.

mod aave;
mod aave_origin;
mod harness;
mod morpho;
