//! Multicall3 batching: many labelled calls per `eth_call`, each with its own outcome.
//!
//! Calls go through `aggregate3` with `allowFailure = true`, so one reverting item cannot hide
//! the others; each failure is kept with the item's label. Typed decoding
//! ([`decode`]) validates the ABI encoding strictly, so a corrupted word is an error naming the
//! item rather than a wrong number.

use crate::{Error, Result, chain::Chain};
use alloy::{
    primitives::{Address, Bytes},
    sol,
    sol_types::{Revert, SolCall, SolError},
};

sol! {
    /// The Multicall3 interface (`mds1/multicall`, `Multicall3.sol`), the part used here.
    interface IMulticall3 {
        /// One call.
        struct Call3 {
            address target;
            bool allowFailure;
            bytes callData;
        }
        /// One call's outcome.
        struct Result {
            bool success;
            bytes returnData;
        }
        /// Runs the calls; with `allowFailure` a reverting call is reported, not propagated.
        function aggregate3(Call3[] calldata calls) external payable returns (Result[] memory returnData);
    }
}

/// One labelled call.
#[derive(Debug, Clone)]
pub struct Call {
    /// What is read, used in errors and reports (e.g. `erc20(0x…).decimals`).
    pub label: String,
    /// The contract.
    pub target: Address,
    /// ABI-encoded call data.
    pub data: Bytes,
}

impl Call {
    /// A call of `call` on `target`, labelled `label`.
    pub fn new<C: SolCall>(label: impl Into<String>, target: Address, call: &C) -> Self {
        Self { label: label.into(), target, data: call.abi_encode().into() }
    }
}

/// One item's failure: its label and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The item's label.
    pub item: String,
    /// The revert reason (decoded when it is `Error(string)`) or the raw revert data.
    pub reason: String,
}

impl core::fmt::Display for Failure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}: {}", self.item, self.reason)
    }
}

/// One item's outcome: its return data or its failure.
pub type Outcome = core::result::Result<Bytes, Failure>;

fn revert_reason(data: &Bytes) -> String {
    if data.is_empty() {
        return "reverted without data (or the target has no code)".to_owned();
    }
    match Revert::abi_decode(data) {
        Ok(revert) => format!("reverted: {}", revert.reason),
        Err(_) => format!("reverted with data {data}"),
    }
}

/// Runs `calls` in chunks of `per_batch` at `chain`'s pinned block.
pub(crate) async fn run(chain: &Chain, calls: &[Call], per_batch: usize) -> Result<Vec<Outcome>> {
    let mut outcomes = Vec::with_capacity(calls.len());
    for (n, chunk) in calls.chunks(per_batch.max(1)).enumerate() {
        let request = IMulticall3::aggregate3Call {
            calls: chunk
                .iter()
                .map(|c| IMulticall3::Call3 {
                    target: c.target,
                    allowFailure: true,
                    callData: c.data.clone(),
                })
                .collect(),
        };
        let what = format!(
            "multicall batch {n} ({} calls, first {})",
            chunk.len(),
            chunk.first().map_or("", |c| c.label.as_str())
        );
        let returned =
            chain.call(&what, chain.multicall_address(), request.abi_encode().into()).await?;
        let results = IMulticall3::aggregate3Call::abi_decode_returns_validate(&returned)
            .map_err(|e| Error::inconsistent(&what, "an aggregate3 result array", e))?;
        if results.len() != chunk.len() {
            return Err(Error::inconsistent(
                format!("{what}: number of results"),
                chunk.len(),
                results.len(),
            ));
        }
        for (call, result) in chunk.iter().zip(results) {
            outcomes.push(if result.success {
                Ok(result.returnData)
            } else {
                Err(Failure { item: call.label.clone(), reason: revert_reason(&result.returnData) })
            });
        }
    }
    Ok(outcomes)
}

/// Every outcome's data, or an error naming every failed item.
pub(crate) fn all(outcomes: Vec<Outcome>) -> Result<Vec<Bytes>> {
    let failures: Vec<String> =
        outcomes.iter().filter_map(|o| o.as_ref().err().map(ToString::to_string)).collect();
    if failures.is_empty() {
        Ok(outcomes.into_iter().filter_map(core::result::Result::ok).collect())
    } else {
        Err(Error::item(
            format!("{} of {} batched calls", failures.len(), outcomes.len()),
            failures.join("; "),
        ))
    }
}

/// Decodes the return data of `C` for the item `label`, validating the encoding.
pub fn decode<C: SolCall>(label: &str, data: &[u8]) -> Result<C::Return> {
    C::abi_decode_returns_validate(data)
        .map_err(|e| Error::item(label, format!("malformed return data: {e}")))
}

/// A typed decode of one outcome: the failure, or the decoded value.
pub fn decode_outcome<C: SolCall>(label: &str, outcome: &Outcome) -> Result<C::Return> {
    match outcome {
        Ok(data) => decode::<C>(label, data),
        Err(f) => Err(Error::item(&f.item, &f.reason)),
    }
}
