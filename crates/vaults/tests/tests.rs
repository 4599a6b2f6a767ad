//! Integration tests of faultline-vaults, one module per area (one test binary).

mod erc4626;
mod issuer;
mod loops;
mod properties;
