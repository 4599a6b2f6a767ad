//! Integration tests of faultline-vaults, one module per area (one test binary).

mod derivation;
mod design;
mod erc4626;
mod graph;
mod issuer;
mod loops;
mod properties;
mod pyramid;
mod stream;
