//! Euler v2 (EVK) on anvil through our stand-ins (`solidity/EulerLike.sol`: Euler's published ABI
//! — IEVault/IEVC/IPriceOracle from euler-xyz/euler-vault-kit and ethereum-vault-connector — our
//! code): an EVC, a router quoting in USD (`address(840)`), collateral vaults over our token mock,
//! an `IRMLinearKink` and one liability vault, configured and with positions opened in real
//! transactions. [`EulerDeployment::deploy`] returns the addresses it made and works on an anvil
//! other deployments share.

use crate::{
    Evm, Result,
    lenders_chain::{Coin, deploy_token},
    morpho_chain::code,
};
use alloy::{
    primitives::{Address, Bytes, U256},
    sol,
    sol_types::{SolCall, SolValue},
};

sol! {
    /// `EVaultLike.configure` (ours).
    function configure(address asset_, address oracle_, address uoa, address evc, address irm, uint16 fee, uint16 maxDiscount, uint32 flags) external;
    /// GovernanceModule's `setLTV`.
    function setLTV(address collateral, uint16 borrowLTV, uint16 liquidationLTV, uint32 rampDuration) external;
    /// EulerRouter's `govSetResolvedVault`.
    function govSetResolvedVault(address vault, bool set) external;
    /// `RouterLike.setPrice` (ours).
    function setPrice(address base, uint256 price) external;
    /// IEVC's `enableCollateral`.
    function enableCollateral(address account, address vault) external payable;
    /// `EscrowLike.credit` (ours).
    function credit(address to, uint256 shares, uint256 assets) external;
    /// `EscrowLike.setTotalAssets` (ours).
    function setTotalAssets(uint256 assets) external;
    /// IEVault's `deposit`.
    function deposit(uint256 assets, address receiver) external returns (uint256 shares);
    /// IEVault's `transfer`.
    function transfer(address to, uint256 amount) external returns (bool);
    /// `EVaultLike.borrowFor` (ours).
    function borrowFor(address account, uint256 assets) external;
    /// `EVaultLike.bookFees` (ours).
    function bookFees(uint256 shares) external;
}

/// Our Euler stand-ins.
pub const EULER: &str = "crates/test-support/solidity/EulerLike.sol";

/// Euler's USD unit of account, `address(840)`.
pub const USD: Address =
    Address::new([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x03, 0x48]);

/// One collateral to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EulerCollateralSetup {
    /// Its asset.
    pub coin: Coin,
    /// USD per whole token, 18 decimals.
    pub price: U256,
    /// Borrow LTV, 1e4.
    pub borrow_ltv: u16,
    /// Liquidation LTV, 1e4.
    pub liquidation_ltv: u16,
}

/// A liability vault to deploy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EulerSetup {
    /// The asset lent.
    pub asset: Coin,
    /// USD per whole asset, 18 decimals.
    pub price: U256,
    /// `IRMLinearKink` (baseRate, slope1, slope2, kink).
    pub irm: (U256, U256, U256, u32),
    /// `interestFee`, 1e4.
    pub interest_fee: u16,
    /// `maxLiquidationDiscount`, 1e4.
    pub max_liquidation_discount: u16,
    /// `configFlags`.
    pub config_flags: u32,
    /// Collaterals, in listing order.
    pub collaterals: Vec<EulerCollateralSetup>,
}

/// The deployed stand-ins.
#[derive(Debug, Clone)]
pub struct EulerDeployment {
    /// The liability vault.
    pub vault: Address,
    /// Its asset.
    pub asset: Address,
    /// The router.
    pub router: Address,
    /// The EVC.
    pub evc: Address,
    /// The IRM.
    pub irm: Address,
    /// Collateral vaults, in listing order.
    pub collateral_vaults: Vec<Address>,
    /// Their assets.
    pub collateral_assets: Vec<Address>,
}

async fn deploy_with(evm: &Evm, contract: &str, args: Vec<u8>) -> Result<Address> {
    let mut creation = code(EULER, contract)?.to_vec();
    creation.extend(args);
    evm.deploy(Bytes::from(creation)).await
}

async fn send<C: SolCall>(evm: &Evm, to: Address, call: C) -> Result<()> {
    evm.send_heavy(to, call.abi_encode().into()).await
}

impl EulerDeployment {
    /// Deploys and configures everything `setup` names.
    pub async fn deploy(evm: &Evm, setup: &EulerSetup) -> Result<Self> {
        let asset = deploy_token(evm, &setup.asset).await?;
        let evc = evm.deploy(code(EULER, "EVCLike")?).await?;
        let router = deploy_with(evm, "RouterLike", USD.abi_encode()).await?;
        let (b, s1, s2, k) = setup.irm;
        let irm =
            deploy_with(evm, "LinearKinkLike", (b, s1, s2, U256::from(k)).abi_encode_params())
                .await?;
        let vault = evm.deploy(code(EULER, "EVaultLike")?).await?;
        send(
            evm,
            vault,
            configureCall {
                asset_: asset,
                oracle_: router,
                uoa: USD,
                evc,
                irm,
                fee: setup.interest_fee,
                maxDiscount: setup.max_liquidation_discount,
                flags: setup.config_flags,
            },
        )
        .await?;
        send(evm, router, setPriceCall { base: asset, price: setup.price }).await?;
        let (mut collateral_vaults, mut collateral_assets) = (Vec::new(), Vec::new());
        for c in &setup.collaterals {
            let token = deploy_token(evm, &c.coin).await?;
            let cv = deploy_with(evm, "EscrowLike", token.abi_encode()).await?;
            send(evm, router, govSetResolvedVaultCall { vault: cv, set: true }).await?;
            send(evm, router, setPriceCall { base: token, price: c.price }).await?;
            send(
                evm,
                vault,
                setLTVCall {
                    collateral: cv,
                    borrowLTV: c.borrow_ltv,
                    liquidationLTV: c.liquidation_ltv,
                    rampDuration: 0,
                },
            )
            .await?;
            collateral_vaults.push(cv);
            collateral_assets.push(token);
        }
        Ok(Self { vault, asset, router, evc, irm, collateral_vaults, collateral_assets })
    }

    /// Lists one more collateral vault over `asset` (already priced by the router) with the given
    /// LTVs; returns it.
    pub async fn add_collateral(
        &mut self,
        evm: &Evm,
        asset: Address,
        borrow_ltv: u16,
        liquidation_ltv: u16,
    ) -> Result<Address> {
        let cv = deploy_with(evm, "EscrowLike", asset.abi_encode()).await?;
        send(evm, self.router, govSetResolvedVaultCall { vault: cv, set: true }).await?;
        send(
            evm,
            self.vault,
            setLTVCall {
                collateral: cv,
                borrowLTV: borrow_ltv,
                liquidationLTV: liquidation_ltv,
                rampDuration: 0,
            },
        )
        .await?;
        self.collateral_vaults.push(cv);
        self.collateral_assets.push(asset);
        Ok(cv)
    }

    /// Deposits `assets` into the liability vault for `receiver`.
    pub async fn deposit(&self, evm: &Evm, assets: U256, receiver: Address) -> Result<()> {
        send(evm, self.vault, depositCall { assets, receiver }).await
    }

    /// The sender transfers `amount` of its vault shares to `to`.
    pub async fn transfer(&self, evm: &Evm, to: Address, amount: U256) -> Result<()> {
        send(evm, self.vault, transferCall { to, amount }).await
    }

    /// Credits `account` with `shares` of collateral vault `i` (backed by `assets` more), and
    /// enables it as the account's collateral in the EVC.
    pub async fn pledge(
        &self,
        evm: &Evm,
        account: Address,
        i: usize,
        shares: U256,
        assets: U256,
    ) -> Result<()> {
        let cv = self.collateral_vaults[i];
        send(evm, cv, creditCall { to: account, shares, assets }).await?;
        send(evm, self.evc, enableCollateralCall { account, vault: cv }).await
    }

    /// Sets collateral vault `i`'s `totalAssets` (its share price).
    pub async fn set_total_assets(&self, evm: &Evm, i: usize, assets: U256) -> Result<()> {
        send(evm, self.collateral_vaults[i], setTotalAssetsCall { assets }).await
    }

    /// `account` borrows `assets`.
    pub async fn borrow(&self, evm: &Evm, account: Address, assets: U256) -> Result<()> {
        send(evm, self.vault, borrowForCall { account, assets }).await
    }

    /// Sets a token's (or the asset's) USD price, 18 decimals.
    pub async fn set_price(&self, evm: &Evm, token: Address, price: U256) -> Result<()> {
        send(evm, self.router, setPriceCall { base: token, price }).await
    }

    /// Sets collateral `i`'s LTVs, the liquidation LTV ramping over `ramp` seconds.
    pub async fn set_ltv(
        &self,
        evm: &Evm,
        i: usize,
        borrow_ltv: u16,
        liquidation_ltv: u16,
        ramp: u32,
    ) -> Result<()> {
        send(
            evm,
            self.vault,
            setLTVCall {
                collateral: self.collateral_vaults[i],
                borrowLTV: borrow_ltv,
                liquidationLTV: liquidation_ltv,
                rampDuration: ramp,
            },
        )
        .await
    }

    /// Books fee shares no account holds.
    pub async fn book_fees(&self, evm: &Evm, shares: U256) -> Result<()> {
        send(evm, self.vault, bookFeesCall { shares }).await
    }
}
