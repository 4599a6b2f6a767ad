//! Shared by the anvil tests: the node, the mocks and Morpho deployment of
//! `faultline_test_support::morpho_chain`, with panicking shorthands.

#![allow(dead_code, unreachable_pub, unused_imports)]

pub mod proxy;

use alloy::primitives::{Address, Bytes};
pub use faultline_test_support::morpho_chain::*;

/// An anvil node (`faultline_test_support::Evm`) whose `send` sets an explicit gas limit and
/// reports reverts with their reason.
#[derive(Debug)]
pub struct Evm(pub faultline_test_support::Evm);

impl Evm {
    /// Spawns anvil (the pinned npm binary) with a 1e9 block gas limit.
    pub async fn start() -> Self {
        Self(faultline_test_support::Evm::start().await.expect("anvil (tools/evm)"))
    }

    /// Sends a transaction and waits for it; fails if it reverts.
    pub async fn send(&self, to: Address, input: Bytes) -> faultline_test_support::Result<()> {
        self.0.send_heavy(to, input).await
    }
}

impl core::ops::Deref for Evm {
    type Target = faultline_test_support::Evm;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// Creation code of a test contract.
pub fn code(source: &str, contract: &str) -> Bytes {
    faultline_test_support::morpho_chain::code(source, contract)
        .unwrap_or_else(|e| panic!("compiling {contract} of {source}: {e}"))
}

/// Deploys our Multicall3-compatible contract.
pub async fn deploy_multicall(evm: &Evm) -> Address {
    faultline_test_support::morpho_chain::deploy_multicall(evm).await.expect("deploy Multicall")
}

/// Deploys `creation` once and copies its runtime code to `at` (`anvil_setCode`).
pub async fn place(evm: &Evm, creation: Bytes, at: Address) {
    evm.0.place(creation, at).await.expect("place code");
}

/// Moves the chain's clock forward and mines a block.
pub async fn advance(evm: &Evm, seconds: u64) {
    evm.0.advance(seconds).await.expect("advance");
}

/// The latest block's timestamp.
pub async fn latest_timestamp(evm: &Evm) -> u64 {
    evm.0.latest_timestamp().await.expect("latest block")
}

/// A fresh, empty temporary directory for this test.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("faultline-onchain-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
