//! Morpho Blue on anvil with mocks of our own, for tests that read a chain (faultline-onchain,
//! `faultline snapshot`): compile `@morpho-org/morpho-blue` `Morpho.sol` at its production setting,
//! place our token, oracle and fixed-rate IRM mocks (`solidity/Mocks.sol`) at chosen addresses (a
//! fixture's mainnet ones give markets their mainnet ids), create markets and open positions in
//! real transactions through the `Harness` contract, and serve Multicall3's `aggregate3` from our
//! own `solidity/Multicall.sol`.

use crate::{Error, Evm, Result, solc};
use alloy::{
    primitives::{Address, Bytes, U256},
    providers::Provider,
    sol,
    sol_types::{SolCall, SolValue},
};

sol! {
    /// Morpho's `MarketParams` (IMorpho.sol), as the mocks and Morpho take it.
    #[derive(Debug, PartialEq, Eq)]
    struct TestMarketParams {
        address loanToken;
        address collateralToken;
        address oracle;
        address irm;
        uint256 lltv;
    }
    /// `Token.init` (Mocks.sol).
    function init(uint8 decimals_, string symbol_) external;
    /// `Token.mint`.
    function mint(address to, uint256 amount) external;
    /// `Oracle.setPrice`.
    function setPrice(uint256 newPrice) external;
    /// `FixedRateIrm.setRate`.
    function setRate(uint256 newRate) external;
    /// `Harness.setupMarket`: a supply, then one new `Borrower` per entry.
    function setupMarket(TestMarketParams params, uint256 supplied, uint256[] collaterals, uint256[] borrows) external;
    /// `Harness.pledgeMany`: collateral on behalf of each account, no debt.
    function pledgeMany(TestMarketParams params, address[] accounts, uint256 each) external;
    /// `Harness.probe` (eth_call only): whether Morpho lets one wei of each borrower be liquidated.
    function probe(TestMarketParams params, address[] borrowers) external returns (bool[] liquidatable, bytes[] reverts);
    /// `V3Minter.mintLiquidity`.
    function mintLiquidity(address pool, int24 lower, int24 upper, uint128 amount) external;
    /// Morpho Blue's owner function `enableIrm` (IMorpho.sol).
    function enableIrm(address irm) external;
    /// Morpho Blue's owner function `enableLltv`.
    function enableLltv(uint256 lltv) external;
    /// Morpho Blue's owner function `setFeeRecipient`.
    function setFeeRecipient(address newFeeRecipient) external;
    /// Morpho Blue's owner function `setFee`.
    function setFee(TestMarketParams marketParams, uint256 newFee) external;
    /// Morpho Blue's `createMarket`.
    function createMarket(TestMarketParams marketParams) external;
}

/// The mocks: `Token`, `Oracle`, `FixedRateIrm`, `Borrower`, `Harness`, `V3Minter`.
pub const MOCKS: &str = "crates/test-support/solidity/Mocks.sol";
/// Our Multicall3-compatible `aggregate3`.
pub const MULTICALL: &str = "crates/test-support/solidity/Multicall.sol";
/// Morpho Blue 1.0.0 from npm.
pub const MORPHO: &str = "tools/evm/node_modules/@morpho-org/morpho-blue/src/Morpho.sol";

/// Creation code of `contract` in `source` (legacy pipeline, 200 runs).
pub fn code(source: &str, contract: &str) -> Result<Bytes> {
    solc::compile(&[source], solc::Settings::HARNESS)?.bytecode(contract)
}

/// Creation code of Morpho Blue at its production setting (via IR, 999,999 runs), without the
/// constructor argument.
pub fn morpho_code() -> Result<Bytes> {
    solc::compile(&[MORPHO], solc::Settings { optimizer_runs: Some(999_999), via_ir: true })?
        .bytecode("Morpho")
}

/// Deploys our Multicall3-compatible contract at a fresh address.
pub async fn deploy_multicall(evm: &Evm) -> Result<Address> {
    evm.deploy(code(MULTICALL, "Multicall")?).await
}

/// Places our Multicall3-compatible contract at `at` (e.g. the canonical
/// `0xcA11bde05977b3631167028862bE2a173976CA11`, so a client with default settings finds it).
pub async fn place_multicall(evm: &Evm, at: Address) -> Result<()> {
    evm.place(code(MULTICALL, "Multicall")?, at).await
}

/// A token of a market: where it lives, its decimals and symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSetup {
    /// The address the mock is placed at.
    pub address: Address,
    /// `decimals()`.
    pub decimals: u8,
    /// `symbol()`.
    pub symbol: String,
}

/// One market to create: tokens, oracle (with its price), IRM and LLTV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketSetup {
    /// The loan token.
    pub loan: TokenSetup,
    /// The collateral token.
    pub collateral: TokenSetup,
    /// The oracle's address.
    pub oracle: Address,
    /// `price()`: loan units per collateral unit, times 1e36.
    pub price: U256,
    /// The IRM's address.
    pub irm: Address,
    /// Liquidation LTV, WAD.
    pub lltv: U256,
}

impl MarketSetup {
    /// The market's parameters as Morpho takes them.
    pub const fn params(&self) -> TestMarketParams {
        TestMarketParams {
            loanToken: self.loan.address,
            collateralToken: self.collateral.address,
            oracle: self.oracle,
            irm: self.irm,
            lltv: self.lltv,
        }
    }
}

/// Morpho Blue deployed on anvil with the test harness, the dev wallet its owner.
#[derive(Debug)]
pub struct MorphoDeployment {
    /// The Morpho Blue contract.
    pub morpho: Address,
    /// The `Harness` (supplier of every market it sets up; creator of the borrowers).
    pub harness: Address,
    /// Morpho's owner (the dev wallet).
    pub owner: Address,
    /// The nonce of the harness's next CREATE (EIP-161: a contract starts at 1).
    next_nonce: u64,
}

impl MorphoDeployment {
    /// Compiles and deploys Morpho Blue and the harness.
    pub async fn deploy(evm: &Evm) -> Result<Self> {
        let owner = *evm
            .provider()
            .get_accounts()
            .await
            .map_err(|e| Error::rpc("eth_accounts", e))?
            .first()
            .ok_or_else(|| Error::rpc("eth_accounts", "no dev account"))?;
        let morpho =
            evm.deploy([morpho_code()?.as_ref(), &owner.abi_encode()].concat().into()).await?;
        let harness = evm
            .deploy([code(MOCKS, "Harness")?.as_ref(), &morpho.abi_encode()].concat().into())
            .await?;
        Ok(Self { morpho, harness, owner, next_nonce: 1 })
    }

    /// Places a `Token` mock at `token.address` and sets its decimals and symbol.
    pub async fn place_token(evm: &Evm, token: &TokenSetup) -> Result<()> {
        evm.place(code(MOCKS, "Token")?, token.address).await?;
        let init = initCall { decimals_: token.decimals, symbol_: token.symbol.clone() };
        evm.send_heavy(token.address, init.abi_encode().into()).await
    }

    /// Places a `FixedRateIrm` at `at` with `rate` per second (WAD) and enables it on Morpho.
    pub async fn place_irm(&self, evm: &Evm, at: Address, rate: U256) -> Result<()> {
        evm.place(code(MOCKS, "FixedRateIrm")?, at).await?;
        evm.send_heavy(at, setRateCall { newRate: rate }.abi_encode().into()).await?;
        evm.send_heavy(self.morpho, enableIrmCall { irm: at }.abi_encode().into()).await
    }

    /// Places an `Oracle` at `at` answering `price`.
    pub async fn place_oracle(evm: &Evm, at: Address, price: U256) -> Result<()> {
        evm.place(code(MOCKS, "Oracle")?, at).await?;
        Self::set_price(evm, at, price).await
    }

    /// Sets the price an `Oracle` mock answers.
    pub async fn set_price(evm: &Evm, oracle: Address, price: U256) -> Result<()> {
        evm.send_heavy(oracle, setPriceCall { newPrice: price }.abi_encode().into()).await
    }

    /// Enables `lltv` on Morpho.
    pub async fn enable_lltv(&self, evm: &Evm, lltv: U256) -> Result<()> {
        evm.send_heavy(self.morpho, enableLltvCall { lltv }.abi_encode().into()).await
    }

    /// Places the market's tokens and oracle, enables its LLTV and creates it. The IRM must
    /// already be placed ([`Self::place_irm`]).
    pub async fn create_market(&self, evm: &Evm, market: &MarketSetup) -> Result<()> {
        Self::place_token(evm, &market.loan).await?;
        Self::place_token(evm, &market.collateral).await?;
        Self::place_oracle(evm, market.oracle, market.price).await?;
        self.enable_lltv(evm, market.lltv).await?;
        let call = createMarketCall { marketParams: market.params() };
        evm.send_heavy(self.morpho, call.abi_encode().into()).await
    }

    /// In one transaction: the harness supplies `supplied`, then one new borrower per entry
    /// pledges `collaterals[i]` and borrows `borrows[i]`. Returns the borrowers' addresses.
    pub async fn open_positions(
        &mut self,
        evm: &Evm,
        market: &MarketSetup,
        supplied: U256,
        collaterals: &[U256],
        borrows: &[U256],
    ) -> Result<Vec<Address>> {
        if collaterals.len() != borrows.len() {
            return Err(Error::Decode(format!(
                "open_positions: {} collaterals for {} borrows",
                collaterals.len(),
                borrows.len()
            )));
        }
        let call = setupMarketCall {
            params: market.params(),
            supplied,
            collaterals: collaterals.to_vec(),
            borrows: borrows.to_vec(),
        };
        evm.send_heavy(self.harness, call.abi_encode().into()).await?;
        let borrowers = (0..collaterals.len() as u64)
            .map(|i| self.harness.create(self.next_nonce + i))
            .collect();
        self.next_nonce += collaterals.len() as u64;
        Ok(borrowers)
    }

    /// Asks Morpho itself, in one `eth_call` at the latest block, whether one wei of each
    /// borrower's collateral can be liquidated (every attempt rolled back).
    pub async fn liquidatable(
        &self,
        evm: &Evm,
        market: &MarketSetup,
        borrowers: &[Address],
    ) -> Result<Vec<bool>> {
        let call = probeCall { params: market.params(), borrowers: borrowers.to_vec() };
        let out = evm.call(self.harness, call.abi_encode().into()).await?;
        let probed = probeCall::abi_decode_returns(&out)
            .map_err(|e| Error::Decode(format!("probe returns: {e}")))?;
        Ok(probed.liquidatable)
    }
}
