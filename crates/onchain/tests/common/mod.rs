//! Shared by the anvil tests: compiling the test contracts, deploying, placing code at an address.

#![allow(dead_code, unreachable_pub)]

use alloy::{
    network::TransactionBuilder,
    node_bindings::{Anvil, AnvilInstance},
    primitives::{Address, Bytes},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    sol,
};
use faultline_test_support::{solc, tools};

/// An anvil node with a funded wallet. `faultline_test_support::Evm` does not expose its
/// endpoint URL, which the reader under test needs, so the tests spawn anvil the same way here.
#[derive(Debug)]
pub struct Evm {
    provider: DynProvider,
    anvil: AnvilInstance,
}

impl Evm {
    /// Spawns anvil (the pinned npm binary) with a 1e9 block gas limit.
    pub async fn start() -> Self {
        let path = tools::anvil_binary().expect("anvil binary (tools/evm)");
        let anvil =
            Anvil::at(&path).args(["--gas-limit", "1000000000"]).try_spawn().expect("spawn anvil");
        let wallet = anvil.wallet().expect("dev wallet");
        let provider =
            ProviderBuilder::new().wallet(wallet).connect_http(anvil.endpoint_url()).erased();
        Self { provider, anvil }
    }

    /// The node's HTTP endpoint.
    pub fn endpoint(&self) -> String {
        self.anvil.endpoint()
    }

    /// The wallet provider.
    pub const fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// Deploys creation code; returns the address.
    pub async fn deploy(&self, creation: Bytes) -> Result<Address, String> {
        let tx = TransactionRequest::default().with_deploy_code(creation);
        let receipt = self
            .provider
            .send_transaction(tx)
            .await
            .map_err(|e| e.to_string())?
            .get_receipt()
            .await
            .map_err(|e| e.to_string())?;
        if !receipt.status() {
            return Err("deployment reverted".into());
        }
        receipt.contract_address.ok_or_else(|| "no contract address".into())
    }

    /// Sends a transaction and waits for it; fails if it reverts.
    pub async fn send(&self, to: Address, input: Bytes) -> Result<(), String> {
        // An explicit gas limit: estimates of calls that deploy contracts can fall short.
        let tx =
            TransactionRequest::default().with_to(to).with_input(input).with_gas_limit(500_000_000);
        if let Err(e) = self.provider.call(tx.clone()).await {
            return Err(format!("transaction to {to} would revert: {e}"));
        }
        let receipt = self
            .provider
            .send_transaction(tx)
            .await
            .map_err(|e| e.to_string())?
            .get_receipt()
            .await
            .map_err(|e| e.to_string())?;
        if receipt.status() { Ok(()) } else { Err(format!("transaction to {to} reverted")) }
    }
}

sol! {
    /// The test contracts' functions (crates/onchain/tests/solidity/Mocks.sol).
    struct TestMarketParams {
        address loanToken;
        address collateralToken;
        address oracle;
        address irm;
        uint256 lltv;
    }
    function init(uint8 decimals_, string symbol_) external;
    function mint(address to, uint256 amount) external;
    function setPrice(uint256 newPrice) external;
    function setRate(uint256 newRate) external;
    function setupMarket(TestMarketParams params, uint256 supplied, uint256[] collaterals, uint256[] borrows) external;
    function pledgeMany(TestMarketParams params, address[] accounts, uint256 each) external;
    function probe(TestMarketParams params, address[] borrowers) external returns (bool[] liquidatable, bytes[] reverts);
    function mintLiquidity(address pool, int24 lower, int24 upper, uint128 amount) external;
    /// Morpho Blue's owner functions (IMorpho.sol).
    function enableIrm(address irm) external;
    function enableLltv(uint256 lltv) external;
    function createMarket(TestMarketParams marketParams) external;
}

pub const MOCKS: &str = "crates/onchain/tests/solidity/Mocks.sol";
pub const MULTICALL: &str = "crates/onchain/tests/solidity/Multicall.sol";

/// Creation code of a test contract.
pub fn code(source: &str, contract: &str) -> Bytes {
    solc::compile(&[source], solc::Settings::HARNESS)
        .and_then(|c| c.bytecode(contract))
        .unwrap_or_else(|e| panic!("compiling {contract} of {source}: {e}"))
}

/// Deploys our Multicall3-compatible contract.
pub async fn deploy_multicall(evm: &Evm) -> Address {
    evm.deploy(code(MULTICALL, "Multicall")).await.expect("deploy Multicall")
}

/// Deploys `creation` once and copies its runtime code to `at` (`anvil_setCode`), so the
/// contract answers at a real mainnet address; its storage there starts empty.
pub async fn place(evm: &Evm, creation: Bytes, at: Address) {
    let template = evm.deploy(creation).await.expect("deploy template");
    let runtime = evm.provider().get_code_at(template).await.expect("eth_getCode");
    let _: serde_json::Value = evm
        .provider()
        .raw_request("anvil_setCode".into(), (at, runtime))
        .await
        .expect("anvil_setCode");
}

/// Moves the chain's clock forward and mines a block.
pub async fn advance(evm: &Evm, seconds: u64) {
    let _: serde_json::Value = evm
        .provider()
        .raw_request("evm_increaseTime".into(), (seconds,))
        .await
        .expect("increaseTime");
    let _: serde_json::Value =
        evm.provider().raw_request("evm_mine".into(), ()).await.expect("mine");
}

/// The latest block's timestamp.
pub async fn latest_timestamp(evm: &Evm) -> u64 {
    evm.provider()
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await
        .expect("latest block")
        .expect("a latest block")
        .header
        .timestamp
}

/// A fresh, empty temporary directory for this test.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("faultline-onchain-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
