//! Deploys a harness on anvil and compares its outcomes with the Rust implementation.

use alloy::{
    primitives::{Address, Bytes, U256},
    sol_types::SolCall,
};
use faultline_test_support::{Evm, Inputs, evm::BATCH_SOURCE, solc};

/// Inputs per function.
pub(crate) const INPUTS: usize = 10_000;

/// How the Solidity signals a failure.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Revert {
    /// Aave's assembly: `revert(0, 0)`.
    Empty,
    /// Solidity 0.8 checked arithmetic: `Panic(uint256 code)`.
    Panic,
}

/// A deployed harness contract.
pub(crate) struct Harness {
    evm: Evm,
    address: Address,
}

impl Harness {
    /// Compiles `source` (with the batch helper) and deploys `contract` on a fresh anvil.
    pub(crate) async fn deploy(source: &str, contract: &str) -> Self {
        let compiled = solc::compile(&[source, BATCH_SOURCE], solc::Settings::HARNESS)
            .unwrap_or_else(|e| panic!("compiling {source}: {e}"));
        let evm = Evm::start().await.unwrap_or_else(|e| panic!("starting anvil: {e}"));
        let code = compiled.bytecode(contract).unwrap_or_else(|e| panic!("{e}"));
        let address =
            evm.deploy(code).await.unwrap_or_else(|e| panic!("deploying {contract}: {e}"));
        Self { evm, address }
    }

    /// Runs every call on chain and compares it with the Rust result beside it.
    pub(crate) async fn compare<C>(
        &self,
        cases: Vec<(C, faultline_core::Result<U256>)>,
        revert: Revert,
    ) -> Report
    where
        C: SolCall<Return = U256> + std::fmt::Debug,
    {
        let calls: Vec<Bytes> = cases.iter().map(|(call, _)| call.abi_encode().into()).collect();
        let outcomes = self.evm.batch(self.address, &calls).await.unwrap_or_else(|e| panic!("{e}"));
        let mut report =
            Report { total: outcomes.len(), succeeded: 0, reverted: 0, mismatches: Vec::new() };
        for ((call, rust), chain) in cases.iter().zip(outcomes) {
            let agrees = match (rust, chain.ok) {
                (Ok(value), true) => {
                    report.succeeded += 1;
                    C::abi_decode_returns(&chain.data).is_ok_and(|returned| returned == *value)
                }
                (Err(error), false) => {
                    report.reverted += 1;
                    match revert {
                        Revert::Empty => chain.data.is_empty(),
                        Revert::Panic => error
                            .solidity_panic_code()
                            .is_some_and(|code| chain.data == panic_data(code)),
                    }
                }
                _ => false,
            };
            if !agrees && report.mismatches.len() < 5 {
                report.mismatches.push(format!(
                    "{call:?}: rust {rust:?}, chain ok={} data={}",
                    chain.ok, chain.data
                ));
            }
        }
        report
    }
}

/// `Panic(uint256)` revert data for a panic code.
fn panic_data(code: u8) -> Bytes {
    let mut data = vec![0x4e, 0x48, 0x7b, 0x71];
    data.extend_from_slice(&U256::from(code).to_be_bytes::<32>());
    data.into()
}

/// What a comparison found.
#[derive(Debug)]
pub(crate) struct Report {
    total: usize,
    succeeded: usize,
    reverted: usize,
    mismatches: Vec<String>,
}

impl Report {
    /// Every input agreed, there were exactly [`INPUTS`] of them, and at least `min_each` of them
    /// took each path (success and revert), so neither path went untested.
    #[track_caller]
    pub(crate) fn assert_identical(&self, min_each: usize) {
        assert_eq!(self.total, INPUTS, "every input must reach the chain");
        assert!(
            self.mismatches.is_empty(),
            "mismatches against the contract: {:#?}",
            self.mismatches
        );
        assert!(
            self.succeeded >= min_each && self.reverted >= min_each,
            "too few of one path: {} succeeded, {} reverted",
            self.succeeded,
            self.reverted
        );
    }

    /// Like [`Self::assert_identical`] for a function that cannot fail.
    #[track_caller]
    pub(crate) fn assert_identical_never_reverting(&self) {
        assert_eq!(self.total, INPUTS, "every input must reach the chain");
        assert!(
            self.mismatches.is_empty(),
            "mismatches against the contract: {:#?}",
            self.mismatches
        );
        assert_eq!(self.reverted, 0);
    }
}

/// Two operands for a multiplication-like function whose overflow check flips at
/// `a > bound(b)`: a quarter of draws sit right at that bound, a quarter are small enough to
/// succeed, half are spread over every magnitude.
pub(crate) fn operands(inputs: &mut Inputs, bound: impl Fn(U256) -> Option<U256>) -> (U256, U256) {
    match inputs.below(4) {
        0 => {
            let b = inputs.value();
            match bound(b) {
                Some(limit) => (inputs.around(limit), b),
                None => (inputs.value(), b),
            }
        }
        1 => (inputs.bits(128), inputs.bits(128)),
        _ => (inputs.value(), inputs.value()),
    }
}
