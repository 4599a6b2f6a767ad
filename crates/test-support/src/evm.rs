//! A local anvil node through alloy: deploy bytecode, call it, and run thousands of calls per
//! round trip through the `Batch` helper contract (`crates/test-support/solidity/Batch.sol`).

use crate::{Error, Result, tools};
use alloy::{
    network::TransactionBuilder,
    node_bindings::{Anvil, AnvilInstance},
    primitives::{Address, Bytes},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    sol,
    sol_types::SolCall,
};

sol! {
    /// One call's result inside a batch: whether it succeeded, and its return or revert data.
    #[derive(Debug, PartialEq, Eq)]
    struct Outcome {
        bool ok;
        bytes data;
    }

    /// `Batch.batch`: runs each call against the contract itself.
    function batch(bytes[] calls) external view returns (Outcome[] outcomes);
}

/// The batch helper's source, relative to the repository root, for harnesses to import.
pub const BATCH_SOURCE: &str = "crates/test-support/solidity/Batch.sol";

/// Calls per `eth_call`: small enough for the gas limit below, large enough that 10,000 inputs take
/// ten round trips.
const BATCH_SIZE: usize = 1_000;

/// Block gas limit given to anvil, so a batch of heavy calls fits one `eth_call`.
const GAS_LIMIT: u64 = 1_000_000_000;

/// A running anvil node with a funded wallet. The node is killed when this is dropped.
#[derive(Debug)]
pub struct Evm {
    provider: DynProvider,
    // Declared last so the provider is dropped before the process is killed.
    anvil: AnvilInstance,
}

impl Evm {
    /// Spawns anvil on 127.0.0.1 on a free port.
    pub async fn start() -> Result<Self> {
        let path = tools::anvil_binary()?;
        let anvil = Anvil::at(&path)
            .args(["--gas-limit", &GAS_LIMIT.to_string()])
            .try_spawn()
            .map_err(|source| Error::AnvilSpawn { path: path.clone(), source })?;
        let wallet =
            anvil.wallet().ok_or_else(|| Error::rpc("start", "anvil reported no dev accounts"))?;
        let provider =
            ProviderBuilder::new().wallet(wallet).connect_http(anvil.endpoint_url()).erased();
        Ok(Self { provider, anvil })
    }

    /// The node's HTTP endpoint (`http://127.0.0.1:PORT`), for a client under test.
    pub fn endpoint(&self) -> String {
        self.anvil.endpoint()
    }

    /// Sends a transaction with an explicit gas limit of half a block (estimates of calls that
    /// deploy contracts can fall short) and waits for it; a revert is reported with its reason,
    /// asked of the node with an `eth_call` of the same transaction first.
    pub async fn send_heavy(&self, to: Address, input: Bytes) -> Result<()> {
        let tx = TransactionRequest::default()
            .with_to(to)
            .with_input(input)
            .with_gas_limit(GAS_LIMIT / 2);
        if let Err(e) = self.provider.call(tx.clone()).await {
            return Err(Error::rpc("send", format!("transaction to {to} would revert: {e}")));
        }
        self.mine(tx, to).await
    }

    /// Deploys `creation` once and copies its runtime code to `at` (`anvil_setCode`), so the
    /// contract answers at a chosen (e.g. mainnet) address; its storage there starts empty.
    pub async fn place(&self, creation: Bytes, at: Address) -> Result<()> {
        let template = self.deploy(creation).await?;
        let runtime =
            self.provider.get_code_at(template).await.map_err(|e| Error::rpc("eth_getCode", e))?;
        let _: serde_json::Value = self
            .provider
            .raw_request("anvil_setCode".into(), (at, runtime))
            .await
            .map_err(|e| Error::rpc("anvil_setCode", e))?;
        Ok(())
    }

    /// Moves the chain's clock forward by `seconds` and mines a block.
    pub async fn advance(&self, seconds: u64) -> Result<()> {
        let _: serde_json::Value = self
            .provider
            .raw_request("evm_increaseTime".into(), (seconds,))
            .await
            .map_err(|e| Error::rpc("evm_increaseTime", e))?;
        let _: serde_json::Value = self
            .provider
            .raw_request("evm_mine".into(), ())
            .await
            .map_err(|e| Error::rpc("evm_mine", e))?;
        Ok(())
    }

    /// The latest block's timestamp.
    pub async fn latest_timestamp(&self) -> Result<u64> {
        self.provider
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await
            .map_err(|e| Error::rpc("eth_getBlockByNumber", e))?
            .map(|b| b.header.timestamp)
            .ok_or_else(|| Error::rpc("eth_getBlockByNumber", "no latest block"))
    }

    /// The provider, for calls the helpers here do not cover.
    pub const fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// Deploys creation bytecode (constructor arguments appended) and returns the address.
    pub async fn deploy(&self, creation_code: Bytes) -> Result<Address> {
        let tx = TransactionRequest::default().with_deploy_code(creation_code);
        let receipt = self
            .provider
            .send_transaction(tx)
            .await
            .map_err(|e| Error::rpc("deploy", e))?
            .get_receipt()
            .await
            .map_err(|e| Error::rpc("deploy receipt", e))?;
        if !receipt.status() {
            return Err(Error::rpc("deploy", "the creation transaction reverted"));
        }
        receipt
            .contract_address
            .ok_or_else(|| Error::rpc("deploy", "receipt has no contract address"))
    }

    /// Sends `tx` and waits for its receipt; a revert is an error naming `to`.
    async fn mine(&self, tx: TransactionRequest, to: Address) -> Result<()> {
        let receipt = self
            .provider
            .send_transaction(tx)
            .await
            .map_err(|e| Error::rpc("send", e))?
            .get_receipt()
            .await
            .map_err(|e| Error::rpc("send receipt", e))?;
        if receipt.status() {
            Ok(())
        } else {
            Err(Error::rpc("send", format!("transaction to {to} reverted")))
        }
    }

    /// Sends a transaction and waits for it to be mined; fails if it reverts.
    pub async fn send(&self, to: Address, input: Bytes) -> Result<()> {
        let tx = TransactionRequest::default().with_to(to).with_input(input);
        self.mine(tx, to).await
    }

    /// `eth_call` of `input` against `to`.
    pub async fn call(&self, to: Address, input: Bytes) -> Result<Bytes> {
        let tx = TransactionRequest::default().with_to(to).with_input(input);
        self.provider.call(tx).await.map_err(|e| Error::rpc("eth_call", e))
    }

    /// Runs every call against `to` (a contract that inherits `Batch`), `BATCH_SIZE` per
    /// round trip, and returns each outcome in order.
    pub async fn batch(&self, to: Address, calls: &[Bytes]) -> Result<Vec<Outcome>> {
        let mut outcomes = Vec::with_capacity(calls.len());
        for chunk in calls.chunks(BATCH_SIZE) {
            let input = batchCall { calls: chunk.to_vec() }.abi_encode();
            let returned = self.call(to, input.into()).await?;
            let decoded = batchCall::abi_decode_returns(&returned)
                .map_err(|e| Error::Decode(format!("batch outcome: {e}")))?;
            if decoded.len() != chunk.len() {
                return Err(Error::Decode(format!(
                    "batch returned {} outcomes for {} calls",
                    decoded.len(),
                    chunk.len()
                )));
            }
            outcomes.extend(decoded);
        }
        Ok(outcomes)
    }
}
