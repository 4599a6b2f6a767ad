//! Aave v3 on anvil from the compiled artifacts `@aave/core-v3` ships on npm (v3.0.x): the
//! addresses provider, ACL manager, the pool with its logic libraries linked into the bytecode
//! placeholders here, the configurator (with `ConfiguratorLogic` linked), aToken, stable- and
//! variable-debt token implementations, one `DefaultReserveInterestRateStrategy` per reserve and
//! `AaveOracle` over our `PriceFeed` mocks; underlying tokens are our `Token` mock
//! (`solidity/Mocks.sol`). Positions are opened in real transactions through the pool by
//! `AaveHarness` (`solidity/AaveMocks.sol`), many per transaction, each in an account contract of
//! its own. No Aave bytecode is committed: it is read from `node_modules` at test time.

use crate::{Error, Evm, Result, solc, tools};
use alloy::{
    primitives::{Address, Bytes, I256, U256},
    providers::Provider,
    sol,
    sol_types::{SolCall, SolValue},
};
use std::collections::BTreeMap;

sol! {
    /// `ConfiguratorInputTypes.InitReserveInput` (aave-v3-core).
    struct InitReserveInput {
        address aTokenImpl;
        address stableDebtTokenImpl;
        address variableDebtTokenImpl;
        uint8 underlyingAssetDecimals;
        address interestRateStrategyAddress;
        address underlyingAsset;
        address treasury;
        address incentivesController;
        string aTokenName;
        string aTokenSymbol;
        string variableDebtTokenName;
        string variableDebtTokenSymbol;
        string stableDebtTokenName;
        string stableDebtTokenSymbol;
        bytes params;
    }

    /// `Open` of `AaveMocks.sol`.
    #[derive(Debug, PartialEq, Eq)]
    struct Open {
        address collateral;
        uint256 amount;
        address collateral2;
        uint256 amount2;
        uint8 eMode;
        address debt;
        uint16 perMille;
    }

    /// `IPoolAddressesProvider` setters and getters.
    interface IProvider {
        function setACLAdmin(address newAclAdmin) external;
        function setACLManager(address newAclManager) external;
        function setPoolImpl(address newPoolImpl) external;
        function setPoolConfiguratorImpl(address newPoolConfiguratorImpl) external;
        function setPriceOracle(address newPriceOracle) external;
        function getPool() external view returns (address);
        function getPoolConfigurator() external view returns (address);
    }

    /// `IACLManager.addPoolAdmin`.
    interface IAcl {
        function addPoolAdmin(address admin) external;
    }

    /// `IPoolConfigurator`, the functions used.
    interface IConfigurator {
        function initReserves(InitReserveInput[] calldata input) external;
        function configureReserveAsCollateral(address asset, uint256 ltv, uint256 liquidationThreshold, uint256 liquidationBonus) external;
        function setReserveBorrowing(address asset, bool enabled) external;
        function setReserveFactor(address asset, uint256 newReserveFactor) external;
        function setLiquidationProtocolFee(address asset, uint256 newFee) external;
        function setEModeCategory(uint8 categoryId, uint16 ltv, uint16 liquidationThreshold, uint16 liquidationBonus, address oracle, string calldata label) external;
        function setAssetEModeCategory(address asset, uint8 newCategoryId) external;
    }

    /// `IPool.mintToTreasury`.
    interface IPoolTreasury {
        function mintToTreasury(address[] calldata assets) external;
    }

    /// Our mocks.
    interface IAaveMocks {
        function init(uint8 decimals_, string calldata symbol_) external;
        function setAnswer(int256 answer) external;
        function provide(address asset, uint256 amount) external;
        function openMany(Open[] calldata opens) external;
    }
}

/// Our mocks for Aave: `PriceFeed`, `AaveAccount`, `AaveHarness`.
pub const AAVE_MOCKS: &str = "crates/test-support/solidity/AaveMocks.sol";
/// Our `Token`.
const MOCKS: &str = crate::morpho_chain::MOCKS;

/// A compiled Hardhat artifact of `@aave/core-v3`.
struct Artifact {
    name: String,
    code: Vec<u8>,
    /// Library name → byte offsets of its 20-byte placeholders.
    links: BTreeMap<String, Vec<usize>>,
}

/// Reads `artifacts/contracts/<dir>/<name>.sol/<name>.json` of `@aave/core-v3`.
fn artifact(dir: &str, name: &str) -> Result<Artifact> {
    let path = tools::package_dir("@aave/core-v3")?
        .join("artifacts/contracts")
        .join(dir)
        .join(format!("{name}.sol"))
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::Decode(format!("{}: {e}", path.display())))?;
    let hex = json["bytecode"].as_str().unwrap_or("");
    let hex = hex.strip_prefix("0x").unwrap_or(hex);
    // Placeholders (`__$…$__`) are not hex: decode around them, zero-filled, then link.
    let mut code = Vec::with_capacity(hex.len() / 2);
    for pair in hex.as_bytes().chunks(2) {
        let text = std::str::from_utf8(pair).unwrap_or("zz");
        code.push(u8::from_str_radix(text, 16).unwrap_or(0));
    }
    let mut links = BTreeMap::new();
    for (_, libs) in json["linkReferences"].as_object().into_iter().flatten() {
        for (lib, refs) in libs.as_object().into_iter().flatten() {
            let offsets: Vec<usize> = refs
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r["start"].as_u64().and_then(|s| usize::try_from(s).ok()))
                .collect();
            links.insert(lib.clone(), offsets);
        }
    }
    if code.is_empty() {
        return Err(Error::Decode(format!("{}: no bytecode", path.display())));
    }
    Ok(Artifact { name: name.to_owned(), code, links })
}

impl Artifact {
    /// The creation code with every library address written over its placeholders.
    fn linked(mut self, libraries: &BTreeMap<String, Address>) -> Result<Vec<u8>> {
        for (lib, offsets) in &self.links {
            let address = libraries.get(lib).ok_or_else(|| {
                Error::Decode(format!("{} needs library {lib}, which is not deployed", self.name))
            })?;
            for &at in offsets {
                let slot = self.code.get_mut(at..at + 20).ok_or_else(|| {
                    Error::Decode(format!("{}: link offset {at} outside the code", self.name))
                })?;
                slot.copy_from_slice(address.as_slice());
            }
        }
        Ok(self.code)
    }
}

/// One reserve to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReserveSetup {
    /// Symbol of the underlying mock.
    pub symbol: String,
    /// Its decimals.
    pub decimals: u8,
    /// The price feed's answer, USD with 8 decimals.
    pub price: i64,
    /// LTV, liquidation threshold, liquidation bonus (bps).
    pub risk: (u16, u16, u16),
    /// Reserve factor, bps.
    pub reserve_factor: u16,
    /// Liquidation protocol fee, bps.
    pub protocol_fee: u16,
    /// eMode category, 0 for none.
    pub e_mode: u8,
    /// `optimalUsageRatio`, `baseVariableBorrowRate`, `variableRateSlope1`, `variableRateSlope2`
    /// (RAY).
    pub rates: [U256; 4],
}

/// One eMode category to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EModeSetup {
    /// Category id.
    pub id: u8,
    /// LTV, liquidation threshold, liquidation bonus (bps).
    pub risk: (u16, u16, u16),
    /// Label.
    pub label: String,
}

/// Aave v3 deployed on anvil, the dev wallet its owner, ACL admin and pool admin.
#[derive(Debug)]
pub struct AaveDeployment {
    /// The `PoolAddressesProvider`.
    pub provider: Address,
    /// The pool (the provider's proxy).
    pub pool: Address,
    /// The configurator (proxy).
    pub configurator: Address,
    /// `AaveOracle`.
    pub oracle: Address,
    /// The underlying tokens, in listing order.
    pub assets: Vec<Address>,
    /// Their price feeds.
    pub feeds: Vec<Address>,
    /// Every reserve's treasury.
    pub treasury: Address,
    /// The harness (supplier of liquidity; creator of the accounts).
    pub harness: Address,
    /// The block of the first transaction to the pool (discovery may start here).
    pub first_block: u64,
    next_nonce: u64,
}

async fn owner(evm: &Evm) -> Result<Address> {
    evm.provider()
        .get_accounts()
        .await
        .map_err(|e| Error::rpc("eth_accounts", e))?
        .first()
        .copied()
        .ok_or_else(|| Error::rpc("eth_accounts", "no dev account"))
}

async fn view<C: SolCall>(evm: &Evm, to: Address, call: &C) -> Result<C::Return> {
    let out = evm.call(to, call.abi_encode().into()).await?;
    C::abi_decode_returns(&out).map_err(|e| Error::Decode(format!("return of a call to {to}: {e}")))
}

fn with_args(code: Vec<u8>, args: &[u8]) -> Bytes {
    [code.as_slice(), args].concat().into()
}

impl AaveDeployment {
    /// Deploys the protocol and lists `reserves` with their eModes, every reserve's treasury
    /// `treasury`.
    pub async fn deploy(
        evm: &Evm,
        reserves: &[ReserveSetup],
        e_modes: &[EModeSetup],
        treasury: Address,
    ) -> Result<Self> {
        let admin = owner(evm).await?;
        let cfg = "protocol/configuration";
        let logic = "protocol/libraries/logic";
        let provider = evm
            .deploy(with_args(
                artifact(cfg, "PoolAddressesProvider")?.code,
                &("Faultline".to_owned(), admin).abi_encode_params(),
            ))
            .await?;
        evm.send_heavy(
            provider,
            IProvider::setACLAdminCall { newAclAdmin: admin }.abi_encode().into(),
        )
        .await?;
        let acl = evm
            .deploy(with_args(artifact(cfg, "ACLManager")?.code, &provider.abi_encode()))
            .await?;
        evm.send_heavy(
            provider,
            IProvider::setACLManagerCall { newAclManager: acl }.abi_encode().into(),
        )
        .await?;
        evm.send_heavy(acl, IAcl::addPoolAdminCall { admin }.abi_encode().into()).await?;

        // Libraries: FlashLoanLogic links BorrowLogic, so BorrowLogic goes first.
        let mut libraries = BTreeMap::new();
        for name in [
            "BorrowLogic",
            "SupplyLogic",
            "LiquidationLogic",
            "EModeLogic",
            "BridgeLogic",
            "PoolLogic",
            "FlashLoanLogic",
            "ConfiguratorLogic",
        ] {
            let code = artifact(logic, name)?.linked(&libraries)?;
            let at = evm.deploy(code.into()).await?;
            libraries.insert(name.to_owned(), at);
        }
        let pool_impl = evm
            .deploy(with_args(
                artifact("protocol/pool", "Pool")?.linked(&libraries)?,
                &provider.abi_encode(),
            ))
            .await?;
        evm.send_heavy(
            provider,
            IProvider::setPoolImplCall { newPoolImpl: pool_impl }.abi_encode().into(),
        )
        .await?;
        let pool = view(evm, provider, &IProvider::getPoolCall {}).await?;
        let configurator_impl = evm
            .deploy(artifact("protocol/pool", "PoolConfigurator")?.linked(&libraries)?.into())
            .await?;
        evm.send_heavy(
            provider,
            IProvider::setPoolConfiguratorImplCall { newPoolConfiguratorImpl: configurator_impl }
                .abi_encode()
                .into(),
        )
        .await?;
        let configurator = view(evm, provider, &IProvider::getPoolConfiguratorCall {}).await?;

        // Tokens and feeds.
        let token_code = solc::compile(&[MOCKS], solc::Settings::HARNESS)?.bytecode("Token")?;
        let mocks = solc::compile(&[AAVE_MOCKS], solc::Settings::HARNESS)?;
        let (mut assets, mut feeds) = (Vec::new(), Vec::new());
        for r in reserves {
            let token = evm.deploy(token_code.clone()).await?;
            let init = IAaveMocks::initCall { decimals_: r.decimals, symbol_: r.symbol.clone() };
            evm.send_heavy(token, init.abi_encode().into()).await?;
            let feed = evm.deploy(mocks.bytecode("PriceFeed")?).await?;
            let answer =
                IAaveMocks::setAnswerCall { answer: I256::try_from(r.price).unwrap_or_default() };
            evm.send_heavy(feed, answer.abi_encode().into()).await?;
            assets.push(token);
            feeds.push(feed);
        }
        let oracle = evm
            .deploy(with_args(
                artifact("misc", "AaveOracle")?.code,
                &(
                    provider,
                    assets.clone(),
                    feeds.clone(),
                    Address::ZERO,
                    Address::ZERO,
                    U256::from(100_000_000u64),
                )
                    .abi_encode_params(),
            ))
            .await?;
        evm.send_heavy(
            provider,
            IProvider::setPriceOracleCall { newPriceOracle: oracle }.abi_encode().into(),
        )
        .await?;

        // Token implementations and rate strategies, then the listing.
        let tok = "protocol/tokenization";
        let a_impl =
            evm.deploy(with_args(artifact(tok, "AToken")?.code, &pool.abi_encode())).await?;
        let s_impl = evm
            .deploy(with_args(artifact(tok, "StableDebtToken")?.code, &pool.abi_encode()))
            .await?;
        let v_impl = evm
            .deploy(with_args(artifact(tok, "VariableDebtToken")?.code, &pool.abi_encode()))
            .await?;
        let ray = U256::from(10u8).pow(U256::from(27u8));
        let mut inputs = Vec::new();
        for (r, asset) in reserves.iter().zip(&assets) {
            let [optimal, base, slope1, slope2] = r.rates;
            // Stable-rate parameters: none used (no stable borrowing is enabled).
            let args = (
                provider,
                optimal,
                base,
                slope1,
                slope2,
                U256::ZERO,
                U256::ZERO,
                U256::ZERO,
                U256::ZERO,
                ray / U256::from(5u8),
            )
                .abi_encode_params();
            let strategy = evm
                .deploy(with_args(
                    artifact("protocol/pool", "DefaultReserveInterestRateStrategy")?.code,
                    &args,
                ))
                .await?;
            inputs.push(InitReserveInput {
                aTokenImpl: a_impl,
                stableDebtTokenImpl: s_impl,
                variableDebtTokenImpl: v_impl,
                underlyingAssetDecimals: r.decimals,
                interestRateStrategyAddress: strategy,
                underlyingAsset: *asset,
                treasury,
                incentivesController: Address::ZERO,
                aTokenName: format!("Aave Faultline {}", r.symbol),
                aTokenSymbol: format!("a{}", r.symbol),
                variableDebtTokenName: format!("Aave Faultline Variable Debt {}", r.symbol),
                variableDebtTokenSymbol: format!("variableDebt{}", r.symbol),
                stableDebtTokenName: format!("Aave Faultline Stable Debt {}", r.symbol),
                stableDebtTokenSymbol: format!("stableDebt{}", r.symbol),
                params: Bytes::new(),
            });
        }
        evm.send_heavy(
            configurator,
            IConfigurator::initReservesCall { input: inputs }.abi_encode().into(),
        )
        .await?;
        for e in e_modes {
            let call = IConfigurator::setEModeCategoryCall {
                categoryId: e.id,
                ltv: e.risk.0,
                liquidationThreshold: e.risk.1,
                liquidationBonus: e.risk.2,
                oracle: Address::ZERO,
                label: e.label.clone(),
            };
            evm.send_heavy(configurator, call.abi_encode().into()).await?;
        }
        for (r, asset) in reserves.iter().zip(&assets) {
            let asset = *asset;
            let calls: Vec<Bytes> = vec![
                IConfigurator::configureReserveAsCollateralCall {
                    asset,
                    ltv: U256::from(r.risk.0),
                    liquidationThreshold: U256::from(r.risk.1),
                    liquidationBonus: U256::from(r.risk.2),
                }
                .abi_encode()
                .into(),
                IConfigurator::setReserveBorrowingCall { asset, enabled: true }.abi_encode().into(),
                IConfigurator::setReserveFactorCall {
                    asset,
                    newReserveFactor: U256::from(r.reserve_factor),
                }
                .abi_encode()
                .into(),
                IConfigurator::setLiquidationProtocolFeeCall {
                    asset,
                    newFee: U256::from(r.protocol_fee),
                }
                .abi_encode()
                .into(),
            ];
            for call in calls {
                evm.send_heavy(configurator, call).await?;
            }
            if r.e_mode != 0 {
                let call =
                    IConfigurator::setAssetEModeCategoryCall { asset, newCategoryId: r.e_mode };
                evm.send_heavy(configurator, call.abi_encode().into()).await?;
            }
        }
        let harness = evm
            .deploy(with_args(
                mocks.bytecode("AaveHarness")?.to_vec(),
                &(pool, oracle).abi_encode_params(),
            ))
            .await?;
        let first_block = evm
            .provider()
            .get_block_number()
            .await
            .map_err(|e| Error::rpc("eth_blockNumber", e))?;
        Ok(Self {
            provider,
            pool,
            configurator,
            oracle,
            assets,
            feeds,
            treasury,
            harness,
            first_block,
            next_nonce: 1,
        })
    }

    /// The harness supplies `amount` of `asset` as itself.
    pub async fn provide(&self, evm: &Evm, asset: Address, amount: U256) -> Result<()> {
        evm.send_heavy(self.harness, IAaveMocks::provideCall { asset, amount }.abi_encode().into())
            .await
    }

    /// Opens each position in a new account, `per_tx` per transaction; returns the accounts.
    pub async fn open_many(
        &mut self,
        evm: &Evm,
        opens: &[Open],
        per_tx: usize,
    ) -> Result<Vec<Address>> {
        let mut accounts = Vec::with_capacity(opens.len());
        for chunk in opens.chunks(per_tx.max(1)) {
            let call = IAaveMocks::openManyCall { opens: chunk.to_vec() };
            evm.send_heavy(self.harness, call.abi_encode().into()).await?;
            for _ in chunk {
                accounts.push(self.harness.create(self.next_nonce));
                self.next_nonce += 1;
            }
        }
        Ok(accounts)
    }

    /// Sets the feed answer of reserve `i` (USD, 8 decimals).
    pub async fn set_price(&self, evm: &Evm, i: usize, price: i64) -> Result<()> {
        let feed = *self.feeds.get(i).ok_or_else(|| Error::Decode(format!("no reserve {i}")))?;
        let call = IAaveMocks::setAnswerCall { answer: I256::try_from(price).unwrap_or_default() };
        evm.send_heavy(feed, call.abi_encode().into()).await
    }

    /// `Pool.mintToTreasury` of every reserve: the treasury's accrued share becomes aTokens,
    /// without a `Supply` event.
    pub async fn mint_to_treasury(&self, evm: &Evm) -> Result<()> {
        let call = IPoolTreasury::mintToTreasuryCall { assets: self.assets.clone() };
        evm.send_heavy(self.pool, call.abi_encode().into()).await
    }
}
