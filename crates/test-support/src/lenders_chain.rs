//! Lending protocols without an npm package, on anvil, through stand-ins of our own that expose
//! their real ABI (`solidity/CometLike.sol`, ...; each file's header names the published interface
//! it copies): deploy, configure, open positions in real transactions, for tests that read a chain
//! (faultline-onchain, `faultline snapshot`). Each deployer returns the addresses it made and works
//! on an anvil other deployments share ([`crate::morpho_chain`]'s Multicall included).

use crate::{
    Error, Evm, Result,
    morpho_chain::{
        MOCKS, MorphoDeployment, TestMarketParams, code, createMarketCall, enableIrmCall, initCall,
        mintCall,
    },
};
use alloy::{
    primitives::{Address, B256, I256, U256},
    sol,
    sol_types::{SolCall, SolValue},
};

sol! {
    /// `CometLike.configure` (ours: Comet takes its configuration in its constructor).
    function configure(address base, address feed, uint256 storeFront, uint256 target, uint256 borrowMin, uint256[8] kinks) external;
    /// `CometLike.addAsset` (ours).
    function addAsset(address asset, address feed, uint64 borrowCF, uint64 liquidateCF, uint64 liquidationF, uint128 cap) external;
    /// Comet's `accrueAccount` (CometMainInterface.sol).
    function accrueAccount(address account) external;
    /// `PriceFeed.setAnswer` (ours).
    function setAnswer(int256 a) external;
    /// `CometHarness.supplyBase`.
    function supplyBase(address comet, uint256 amount) external;
    /// `CometHarness.openBorrowers`.
    function openBorrowers(address comet, address[] assets, uint256[] collaterals, uint256[] borrows) external;
    /// `CometHarness.transferBase`.
    function transferBase(address comet, address dst, uint256 amount) external;
    /// `CometHarness.pledgeFor`.
    function pledgeFor(address comet, address asset, address dst, uint256 amount) external;
}

/// Our Comet stand-in, its price feed and harness contracts.
pub const COMET: &str = "crates/test-support/solidity/CometLike.sol";

/// A token to deploy: decimals and symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coin {
    /// `decimals()`.
    pub decimals: u8,
    /// `symbol()`.
    pub symbol: String,
}

/// Deploys our `Token` mock with `coin`'s decimals and symbol.
pub async fn deploy_token(evm: &Evm, coin: &Coin) -> Result<Address> {
    let token = evm.deploy(code(MOCKS, "Token")?).await?;
    let init = initCall { decimals_: coin.decimals, symbol_: coin.symbol.clone() };
    evm.send_heavy(token, init.abi_encode().into()).await?;
    Ok(token)
}

/// Deploys a Chainlink-style 8-decimal USD feed answering `answer`.
pub async fn deploy_feed(evm: &Evm, answer: i64) -> Result<Address> {
    let feed = evm.deploy(code(COMET, "PriceFeed")?).await?;
    set_answer(evm, feed, answer).await?;
    Ok(feed)
}

/// Sets a feed's answer (8 decimals).
pub async fn set_answer(evm: &Evm, feed: Address, answer: i64) -> Result<()> {
    let call = setAnswerCall { a: I256::try_from(answer).unwrap_or_default() };
    evm.send_heavy(feed, call.abi_encode().into()).await
}

/// One Comet collateral asset to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CometAssetSetup {
    /// The token.
    pub coin: Coin,
    /// Its feed's answer, USD with 8 decimals.
    pub price: i64,
    /// `borrowCollateralFactor`, 1e18.
    pub borrow_cf: u64,
    /// `liquidateCollateralFactor`, 1e18.
    pub liquidate_cf: u64,
    /// `liquidationFactor`, 1e18.
    pub liquidation_factor: u64,
    /// `supplyCap`, raw units.
    pub supply_cap: u128,
}

/// A Comet market to deploy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CometSetup {
    /// The base token.
    pub base: Coin,
    /// The base feed's answer, USD with 8 decimals.
    pub base_price: i64,
    /// `storeFrontPriceFactor`, 1e18.
    pub store_front_price_factor: U256,
    /// `targetReserves`, base units.
    pub target_reserves: U256,
    /// `baseBorrowMin`, base units.
    pub base_borrow_min: U256,
    /// Supply kink, base, slope low, slope high, then the same for borrow; rates per year, 1e18.
    pub kinks: [U256; 8],
    /// Collateral assets, in listing order.
    pub assets: Vec<CometAssetSetup>,
}

/// A Comet stand-in deployed with its tokens, feeds and harness.
#[derive(Debug)]
pub struct CometDeployment {
    /// The Comet (`CometLike`).
    pub comet: Address,
    /// The base token.
    pub base: Address,
    /// The base token's feed.
    pub base_feed: Address,
    /// Collateral tokens, in listing order.
    pub assets: Vec<Address>,
    /// Their feeds.
    pub feeds: Vec<Address>,
    /// The harness: base supplier, creator of the borrowers.
    pub harness: Address,
    next_nonce: u64,
}

impl CometDeployment {
    /// Deploys the tokens, feeds, the Comet stand-in configured as `setup` says, and the harness.
    pub async fn deploy(evm: &Evm, setup: &CometSetup) -> Result<Self> {
        let base = deploy_token(evm, &setup.base).await?;
        let base_feed = deploy_feed(evm, setup.base_price).await?;
        let comet = evm.deploy(code(COMET, "CometLike")?).await?;
        let call = configureCall {
            base,
            feed: base_feed,
            storeFront: setup.store_front_price_factor,
            target: setup.target_reserves,
            borrowMin: setup.base_borrow_min,
            kinks: setup.kinks,
        };
        evm.send_heavy(comet, call.abi_encode().into()).await?;
        let (mut assets, mut feeds) = (Vec::new(), Vec::new());
        for a in &setup.assets {
            let token = deploy_token(evm, &a.coin).await?;
            let feed = deploy_feed(evm, a.price).await?;
            let call = addAssetCall {
                asset: token,
                feed,
                borrowCF: a.borrow_cf,
                liquidateCF: a.liquidate_cf,
                liquidationF: a.liquidation_factor,
                cap: a.supply_cap,
            };
            evm.send_heavy(comet, call.abi_encode().into()).await?;
            assets.push(token);
            feeds.push(feed);
        }
        let harness = evm.deploy(code(COMET, "CometHarness")?).await?;
        Ok(Self { comet, base, base_feed, assets, feeds, harness, next_nonce: 1 })
    }

    /// The harness supplies `amount` base.
    pub async fn supply_base(&self, evm: &Evm, amount: U256) -> Result<()> {
        let call = supplyBaseCall { comet: self.comet, amount };
        evm.send_heavy(self.harness, call.abi_encode().into()).await
    }

    /// In one transaction, one new account per entry pledges `collaterals[i]` of asset
    /// `assets[i]` (an index into [`Self::assets`]) and borrows `borrows[i]` base. Returns the
    /// accounts' addresses.
    pub async fn open_borrowers(
        &mut self,
        evm: &Evm,
        assets: &[usize],
        collaterals: &[U256],
        borrows: &[U256],
    ) -> Result<Vec<Address>> {
        if assets.len() != collaterals.len() || assets.len() != borrows.len() {
            return Err(Error::Decode("open_borrowers: lists of different lengths".into()));
        }
        let tokens = assets
            .iter()
            .map(|i| {
                self.assets.get(*i).copied().ok_or_else(|| {
                    Error::Decode(format!("open_borrowers: no collateral asset {i}"))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let call = openBorrowersCall {
            comet: self.comet,
            assets: tokens,
            collaterals: collaterals.to_vec(),
            borrows: borrows.to_vec(),
        };
        evm.send_heavy(self.harness, call.abi_encode().into()).await?;
        let accounts =
            (0..assets.len() as u64).map(|i| self.harness.create(self.next_nonce + i)).collect();
        self.next_nonce += assets.len() as u64;
        Ok(accounts)
    }

    /// The harness transfers `amount` of its base to `dst` (a `Transfer` event, no `Supply`).
    pub async fn transfer_base(&self, evm: &Evm, dst: Address, amount: U256) -> Result<()> {
        let call = transferBaseCall { comet: self.comet, dst, amount };
        evm.send_heavy(self.harness, call.abi_encode().into()).await
    }

    /// The harness pledges `amount` of asset `asset` (an index) for `dst`.
    pub async fn pledge_for(
        &self,
        evm: &Evm,
        asset: usize,
        dst: Address,
        amount: U256,
    ) -> Result<()> {
        let token = *self
            .assets
            .get(asset)
            .ok_or_else(|| Error::Decode(format!("pledge_for: no collateral asset {asset}")))?;
        let call = pledgeForCall { comet: self.comet, asset: token, dst, amount };
        evm.send_heavy(self.harness, call.abi_encode().into()).await
    }

    /// `accrueAccount`: the market's indexes accrued to the new block.
    pub async fn accrue(&self, evm: &Evm) -> Result<()> {
        let call = accrueAccountCall { account: self.harness };
        evm.send_heavy(self.comet, call.abi_encode().into()).await
    }
}

sol! {
    /// `MarketParams` (IMorpho.sol), as the MetaMorpho stand-ins take it.
    #[derive(Debug, PartialEq, Eq)]
    struct VaultMarketParams {
        address loanToken;
        address collateralToken;
        address oracle;
        address irm;
        uint256 lltv;
    }
    /// `MetaMorphoV1_0Like.setCap` (ours: MetaMorpho's `submitCap`/`acceptCap` without timelock).
    function setCap(VaultMarketParams params, uint184 cap) external;
    /// MetaMorpho's `setSupplyQueue`.
    function setSupplyQueue(bytes32[] queue) external;
    /// MetaMorpho's `setFee`.
    function setFee(uint256 newFee) external;
    /// MetaMorpho's `setFeeRecipient`.
    function setFeeRecipient(address newFeeRecipient) external;
    /// ERC-4626 `deposit`.
    function deposit(uint256 assets, address receiver) external returns (uint256 shares);
    /// `MetaMorphoV1_1Like.setLostAssets` (test-only, not in the real ABI).
    function setLostAssets(uint256 lost) external;
    /// ERC-20 `approve`.
    function approve(address spender, uint256 amount) external returns (bool);
}

/// Our MetaMorpho v1.0 and v1.1 stand-ins (`MetaMorphoV1_0Like`, `MetaMorphoV1_1Like`).
pub const METAMORPHO: &str = "crates/test-support/solidity/MetaMorphoLike.sol";

const fn vault_params(p: &TestMarketParams) -> VaultMarketParams {
    VaultMarketParams {
        loanToken: p.loanToken,
        collateralToken: p.collateralToken,
        oracle: p.oracle,
        irm: p.irm,
        lltv: p.lltv,
    }
}

/// Creates Morpho Blue's idle market of `loan` (no collateral, oracle, IRM or LLTV: where
/// MetaMorpho parks idle assets), enabling IRM 0 and LLTV 0 first. Returns its parameters.
pub async fn create_idle_market(
    evm: &Evm,
    morpho: &MorphoDeployment,
    loan: Address,
) -> Result<TestMarketParams> {
    evm.send_heavy(morpho.morpho, enableIrmCall { irm: Address::ZERO }.abi_encode().into()).await?;
    morpho.enable_lltv(evm, U256::ZERO).await?;
    let params = TestMarketParams {
        loanToken: loan,
        collateralToken: Address::ZERO,
        oracle: Address::ZERO,
        irm: Address::ZERO,
        lltv: U256::ZERO,
    };
    let call = createMarketCall { marketParams: params.clone() };
    evm.send_heavy(morpho.morpho, call.abi_encode().into()).await?;
    Ok(params)
}

/// A MetaMorpho stand-in deployed on a Morpho Blue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VaultDeployment {
    /// The vault.
    pub vault: Address,
    /// Its asset.
    pub asset: Address,
}

impl VaultDeployment {
    /// Deploys `MetaMorphoV1_1Like` (`v1_1`) or `MetaMorphoV1_0Like` named `name` over `asset` on
    /// the Morpho Blue at `morpho`.
    pub async fn deploy(
        evm: &Evm,
        morpho: Address,
        asset: Address,
        name: &str,
        v1_1: bool,
    ) -> Result<Self> {
        let contract = if v1_1 { "MetaMorphoV1_1Like" } else { "MetaMorphoV1_0Like" };
        let args = (morpho, asset, name.to_owned()).abi_encode_params();
        let vault =
            evm.deploy([code(METAMORPHO, contract)?.as_ref(), &args].concat().into()).await?;
        Ok(Self { vault, asset })
    }

    /// Sets the cap of a market (which joins the withdraw queue when new).
    pub async fn set_cap(&self, evm: &Evm, market: &TestMarketParams, cap: u128) -> Result<()> {
        let cap = alloy::primitives::Uint::<184, 3>::from(cap);
        let call = setCapCall { params: vault_params(market), cap };
        evm.send_heavy(self.vault, call.abi_encode().into()).await
    }

    /// Sets the supply queue.
    pub async fn set_supply_queue(&self, evm: &Evm, queue: &[B256]) -> Result<()> {
        let call = setSupplyQueueCall { queue: queue.to_vec() };
        evm.send_heavy(self.vault, call.abi_encode().into()).await
    }

    /// Sets the fee recipient, then the fee (WAD).
    pub async fn set_fee(&self, evm: &Evm, recipient: Address, fee: U256) -> Result<()> {
        let call = setFeeRecipientCall { newFeeRecipient: recipient };
        evm.send_heavy(self.vault, call.abi_encode().into()).await?;
        evm.send_heavy(self.vault, setFeeCall { newFee: fee }.abi_encode().into()).await
    }

    /// Mints `assets` to the dev wallet `owner` and deposits them for it.
    pub async fn deposit(&self, evm: &Evm, owner: Address, assets: U256) -> Result<()> {
        evm.send_heavy(self.asset, mintCall { to: owner, amount: assets }.abi_encode().into())
            .await?;
        let approve = approveCall { spender: self.vault, amount: U256::MAX };
        evm.send_heavy(self.asset, approve.abi_encode().into()).await?;
        let call = depositCall { assets, receiver: owner };
        evm.send_heavy(self.vault, call.abi_encode().into()).await
    }

    /// v1.1 stand-in only: books `lost` as lost assets.
    pub async fn set_lost_assets(&self, evm: &Evm, lost: U256) -> Result<()> {
        evm.send_heavy(self.vault, setLostAssetsCall { lost }.abi_encode().into()).await
    }
}
