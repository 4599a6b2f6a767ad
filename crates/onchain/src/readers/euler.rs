//! Euler v2 (EVK): one liability vault's configuration (asset, oracle router, unit of account,
//! LTV list with each collateral's `LTVFull`, liquidation discount, flags), totals, IRM
//! (`IRMLinearKink`'s parameters) and fee, the router's quotes for the asset and each
//! collateral's asset, and every account's debt, shares and collateral balances (the collaterals
//! the EVC lists as enabled, converted to the collateral vault's asset), in five batched rounds,
//! and the accounts of a vault from its events.
//!
//! Bindings written from the published interfaces `src/EVault/IEVault.sol` of
//! `euler-xyz/euler-vault-kit`, `IEthereumVaultConnector.sol` of
//! `euler-xyz/ethereum-vault-connector`, `IPriceOracle.sol` and `EulerRouter.sol`'s getters of
//! `euler-xyz/euler-price-oracle`, and `IRMLinearKink.sol`'s getters.

use crate::{
    Error, Result,
    chain::Chain,
    discovery::{Scan, ScanReport, scan_logs},
    multicall::{Call, decode, decode_outcome},
};
use alloy::{
    primitives::{Address, U256},
    sol,
    sol_types::SolEvent,
};
use std::{
    collections::{BTreeMap, BTreeSet},
    path::PathBuf,
};

sol! {
    /// The EVault getters and events read here (`IEVault.sol`).
    interface IEVault {
        function asset() external view returns (address);
        function oracle() external view returns (address);
        function unitOfAccount() external view returns (address);
        function EVC() external view returns (address);
        function LTVList() external view returns (address[] memory);
        function LTVFull(address collateral) external view returns (uint16 borrowLTV, uint16 liquidationLTV, uint16 initialLiquidationLTV, uint48 targetTimestamp, uint32 rampDuration);
        function maxLiquidationDiscount() external view returns (uint16);
        function configFlags() external view returns (uint32);
        function cash() external view returns (uint256);
        function totalBorrows() external view returns (uint256);
        function totalSupply() external view returns (uint256);
        function accumulatedFees() external view returns (uint256);
        function interestRateModel() external view returns (address);
        function interestFee() external view returns (uint16);
        function debtOf(address account) external view returns (uint256);
        function balanceOf(address account) external view returns (uint256);
        function convertToAssets(uint256 shares) external view returns (uint256);

        event Transfer(address indexed from, address indexed to, uint256 value);
        event Deposit(address indexed sender, address indexed owner, uint256 assets, uint256 shares);
        event Withdraw(address indexed sender, address indexed receiver, address indexed owner, uint256 assets, uint256 shares);
        event Borrow(address indexed account, uint256 assets);
        event Repay(address indexed account, uint256 assets);
    }

    /// `getCollaterals` of `IEthereumVaultConnector.sol`.
    interface IEVC {
        function getCollaterals(address account) external view returns (address[] memory);
    }

    /// `getQuote` of `IPriceOracle.sol`; `resolvedVaults` of `EulerRouter.sol`.
    interface IEulerRouter {
        function getQuote(uint256 inAmount, address base, address quote) external view returns (uint256 outAmount);
        function resolvedVaults(address vault) external view returns (address asset);
    }

    /// `IRMLinearKink`'s public parameters.
    interface ILinearKink {
        function baseRate() external view returns (uint256);
        function slope1() external view returns (uint256);
        function slope2() external view returns (uint256);
        function kink() external view returns (uint256);
    }

    /// `decimals` of ERC-20.
    interface IErc20Decimals {
        function decimals() external view returns (uint8);
    }
}

/// `CFG_DONT_SOCIALIZE_DEBT` of `Constants.sol`.
pub const CFG_DONT_SOCIALIZE_DEBT: u32 = 1;

/// The unit of account Euler's USD vaults use: `address(840)` (ISO 4217's code for USD), 18
/// decimals.
pub const USD: Address =
    Address::new([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x03, 0x48]);

/// `LTVFull(collateral)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LtvRead {
    /// `borrowLTV`, 1e4.
    pub borrow: u16,
    /// `liquidationLTV` (the ramp's target), 1e4.
    pub liquidation: u16,
    /// `initialLiquidationLTV`, 1e4.
    pub initial: u16,
    /// `targetTimestamp`.
    pub target_timestamp: u64,
    /// `rampDuration`, seconds.
    pub ramp_duration: u64,
}

impl LtvRead {
    /// `LTVConfig.getLTV(true)` at `now`: the target once the ramp is over (or when it did not
    /// lower the LTV), else linear between the initial and the target value, rounded down.
    pub fn liquidation_at(&self, now: u64) -> u16 {
        if now >= self.target_timestamp
            || self.liquidation >= self.initial
            || self.ramp_duration == 0
        {
            return self.liquidation;
        }
        let remaining = u128::from(self.target_timestamp - now);
        let span = u128::from(self.initial - self.liquidation);
        let extra = span * remaining / u128::from(self.ramp_duration);
        // At most `initial - liquidation` (remaining <= rampDuration), so it fits.
        self.liquidation + u16::try_from(extra).unwrap_or(self.initial - self.liquidation)
    }

    /// Whether a ramp is in progress at `now`.
    pub fn ramping(&self, now: u64) -> bool {
        self.liquidation_at(now) != self.liquidation
    }
}

/// One collateral vault of the LTV list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EulerCollateralRead {
    /// The collateral vault.
    pub vault: Address,
    /// Its `asset()`, which the router resolves it to.
    pub asset: Address,
    /// `decimals()` of the asset.
    pub decimals: u8,
    /// `LTVFull(vault)`.
    pub ltv: LtvRead,
    /// `getQuote(10^decimals, asset, unitOfAccount)`.
    pub quote: U256,
}

/// One account's position.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EulerPositionRead {
    /// `debtOf(account)`, assets.
    pub debt: U256,
    /// `balanceOf(account)`, shares.
    pub shares: U256,
    /// Per collateral of the LTV list (same order): `(shares, assets)` — the collateral vault's
    /// `balanceOf(account)` and its `convertToAssets`, zero when the EVC does not list the vault
    /// among the account's collaterals.
    pub collateral: Vec<(U256, U256)>,
}

/// `IRMLinearKink`'s parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinearKinkRead {
    /// The IRM contract.
    pub irm: Address,
    /// `baseRate()`.
    pub base_rate: U256,
    /// `slope1()`.
    pub slope1: U256,
    /// `slope2()`.
    pub slope2: U256,
    /// `kink()`.
    pub kink: u32,
}

/// One liability vault read at the pinned block, raw as the contracts answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EulerRead {
    /// The vault.
    pub vault: Address,
    /// `asset()`.
    pub asset: Address,
    /// `decimals()` of the asset.
    pub asset_decimals: u8,
    /// `oracle()` (the router).
    pub oracle: Address,
    /// `unitOfAccount()`.
    pub unit_of_account: Address,
    /// `EVC()`.
    pub evc: Address,
    /// `getQuote(10^decimals, asset, unitOfAccount)`.
    pub asset_quote: U256,
    /// `maxLiquidationDiscount()`, 1e4.
    pub max_liquidation_discount: u16,
    /// `configFlags()`.
    pub config_flags: u32,
    /// `cash()`.
    pub cash: U256,
    /// `totalBorrows()` (accrued to the block by the view).
    pub total_borrows: U256,
    /// `totalSupply()` (shares, fee shares included).
    pub total_supply: U256,
    /// `accumulatedFees()` (shares no account holds yet).
    pub accumulated_fees: U256,
    /// `interestRateModel()`.
    pub irm_address: Address,
    /// Its parameters where it answers `IRMLinearKink`'s getters.
    pub irm: Option<LinearKinkRead>,
    /// `interestFee()`, 1e4.
    pub interest_fee: u16,
    /// The LTV list, in order.
    pub collaterals: Vec<EulerCollateralRead>,
    /// Each account read.
    pub positions: BTreeMap<Address, EulerPositionRead>,
}

/// Accounts of the vault at `vault`: every account named by its `Transfer` (from, to),
/// `Deposit` (owner), `Withdraw` (owner), `Borrow` and `Repay` (account) events in `[from, to]`,
/// deduplicated, the zero address left out.
pub async fn euler_accounts(
    chain: &Chain,
    vault: Address,
    from: u64,
    to: u64,
    initial_span: u64,
    cache: Option<PathBuf>,
) -> Result<(BTreeSet<Address>, ScanReport)> {
    use IEVault::{Borrow, Deposit, Repay, Transfer, Withdraw};
    let scan = Scan {
        address: vault,
        events: vec![
            Transfer::SIGNATURE_HASH,
            Deposit::SIGNATURE_HASH,
            Withdraw::SIGNATURE_HASH,
            Borrow::SIGNATURE_HASH,
            Repay::SIGNATURE_HASH,
        ],
        from,
        to,
        initial_span,
        cache,
    };
    let (logs, report) = scan_logs(chain, &scan).await?;
    let mut accounts = BTreeSet::new();
    for log in &logs {
        let bad = |e: alloy::sol_types::Error| {
            Error::item(
                format!("euler {vault} log in tx {:?}", log.transaction_hash),
                format!("malformed event: {e}"),
            )
        };
        let data = log.data();
        let named: Vec<Address> = match log.topic0() {
            Some(&Transfer::SIGNATURE_HASH) => {
                let e = Transfer::decode_log_data(data).map_err(bad)?;
                vec![e.from, e.to]
            }
            Some(&Deposit::SIGNATURE_HASH) => {
                vec![Deposit::decode_log_data(data).map_err(bad)?.owner]
            }
            Some(&Withdraw::SIGNATURE_HASH) => {
                vec![Withdraw::decode_log_data(data).map_err(bad)?.owner]
            }
            Some(&Borrow::SIGNATURE_HASH) => {
                vec![Borrow::decode_log_data(data).map_err(bad)?.account]
            }
            Some(&Repay::SIGNATURE_HASH) => {
                vec![Repay::decode_log_data(data).map_err(bad)?.account]
            }
            other => {
                return Err(Error::inconsistent(
                    format!("euler {vault} log topic0"),
                    "an EVault account event",
                    format!("{other:?}"),
                ));
            }
        };
        accounts.extend(named.into_iter().filter(|a| *a != Address::ZERO));
    }
    Ok((accounts, report))
}

fn label(vault: Address, call: &str) -> String {
    format!("euler({vault}).{call}")
}

fn pow10(decimals: u8) -> U256 {
    U256::from(10u8).pow(U256::from(decimals))
}

/// Reads the liability vault at `vault` with the positions of `accounts`. A contract that does
/// not answer the EVault getters fails the read with an error naming the vault and the call.
pub async fn read_euler(chain: &Chain, vault: Address, accounts: &[Address]) -> Result<EulerRead> {
    let l = |call: &str| label(vault, call);
    // Round 1: configuration and totals.
    let calls = vec![
        Call::new(l("asset()"), vault, &IEVault::assetCall {}),
        Call::new(l("oracle()"), vault, &IEVault::oracleCall {}),
        Call::new(l("unitOfAccount()"), vault, &IEVault::unitOfAccountCall {}),
        Call::new(l("EVC()"), vault, &IEVault::EVCCall {}),
        Call::new(l("LTVList()"), vault, &IEVault::LTVListCall {}),
        Call::new(l("maxLiquidationDiscount()"), vault, &IEVault::maxLiquidationDiscountCall {}),
        Call::new(l("configFlags()"), vault, &IEVault::configFlagsCall {}),
        Call::new(l("cash()"), vault, &IEVault::cashCall {}),
        Call::new(l("totalBorrows()"), vault, &IEVault::totalBorrowsCall {}),
        Call::new(l("totalSupply()"), vault, &IEVault::totalSupplyCall {}),
        Call::new(l("accumulatedFees()"), vault, &IEVault::accumulatedFeesCall {}),
        Call::new(l("interestRateModel()"), vault, &IEVault::interestRateModelCall {}),
        Call::new(l("interestFee()"), vault, &IEVault::interestFeeCall {}),
    ];
    let data = chain.call_all(&calls).await?;
    let address = |i: usize| decode::<IEVault::assetCall>(&calls[i].label, &data[i]);
    let word = |i: usize| decode::<IEVault::cashCall>(&calls[i].label, &data[i]);
    let asset = address(0)?;
    let oracle = address(1)?;
    let unit_of_account = address(2)?;
    let evc = address(3)?;
    let list = decode::<IEVault::LTVListCall>(&calls[4].label, &data[4])?;
    let max_liquidation_discount =
        decode::<IEVault::maxLiquidationDiscountCall>(&calls[5].label, &data[5])?;
    let config_flags = decode::<IEVault::configFlagsCall>(&calls[6].label, &data[6])?;
    let (cash, total_borrows, total_supply, accumulated_fees) =
        (word(7)?, word(8)?, word(9)?, word(10)?);
    let irm_address = address(11)?;
    let interest_fee = decode::<IEVault::interestFeeCall>(&calls[12].label, &data[12])?;
    if asset == Address::ZERO {
        return Err(Error::invalid(l("asset()"), "an asset", "the zero address"));
    }
    if unit_of_account != USD {
        return Err(Error::invalid(
            l("unitOfAccount()"),
            format!("USD ({USD}, ISO 4217's 840): the snapshot's oracles quote in USD"),
            unit_of_account,
        ));
    }
    let mut seen = BTreeSet::new();
    for c in &list {
        if !seen.insert(*c) {
            return Err(Error::inconsistent(l("LTVList()"), "each collateral once", c));
        }
    }

    // Round 2: the asset's decimals, each collateral's LTVs and asset, the IRM, each account's
    // debt, shares and enabled collaterals.
    let mut calls = vec![Call::new(
        format!("erc20({asset}).decimals()"),
        asset,
        &IErc20Decimals::decimalsCall {},
    )];
    for c in &list {
        calls.push(Call::new(
            l(&format!("LTVFull({c})")),
            vault,
            &IEVault::LTVFullCall { collateral: *c },
        ));
        calls.push(Call::new(format!("euler({c}).asset()"), *c, &IEVault::assetCall {}));
        calls.push(Call::new(
            format!("router({oracle}).resolvedVaults({c})"),
            oracle,
            &IEulerRouter::resolvedVaultsCall { vault: *c },
        ));
    }
    let irm_at = calls.len();
    let irm_calls = [
        Call::new(
            format!("irm({irm_address}).baseRate()"),
            irm_address,
            &ILinearKink::baseRateCall {},
        ),
        Call::new(format!("irm({irm_address}).slope1()"), irm_address, &ILinearKink::slope1Call {}),
        Call::new(format!("irm({irm_address}).slope2()"), irm_address, &ILinearKink::slope2Call {}),
        Call::new(format!("irm({irm_address}).kink()"), irm_address, &ILinearKink::kinkCall {}),
    ];
    if irm_address != Address::ZERO {
        calls.extend(irm_calls.iter().cloned());
    }
    let accounts_at = calls.len();
    for account in accounts {
        calls.push(Call::new(
            l(&format!("debtOf({account})")),
            vault,
            &IEVault::debtOfCall { account: *account },
        ));
        calls.push(Call::new(
            l(&format!("balanceOf({account})")),
            vault,
            &IEVault::balanceOfCall { account: *account },
        ));
        calls.push(Call::new(
            format!("evc({evc}).getCollaterals({account})"),
            evc,
            &IEVC::getCollateralsCall { account: *account },
        ));
    }
    // The IRM may be another model: its answers are optional, the rest must all succeed.
    let outcomes = chain.call_many(&calls).await?;
    let mut required = Vec::with_capacity(outcomes.len());
    for (i, o) in outcomes.iter().enumerate() {
        if (irm_at..accounts_at).contains(&i) {
            continue;
        }
        required.push(o.clone());
    }
    let _ = crate::multicall::all(required)?;
    let asset_decimals =
        decode_outcome::<IErc20Decimals::decimalsCall>(&calls[0].label, &outcomes[0])?;
    let mut pending = Vec::with_capacity(list.len());
    for (k, c) in list.iter().enumerate() {
        let at = 1 + 3 * k;
        let full = decode_outcome::<IEVault::LTVFullCall>(&calls[at].label, &outcomes[at])?;
        let c_asset =
            decode_outcome::<IEVault::assetCall>(&calls[at + 1].label, &outcomes[at + 1])?;
        let resolved = decode_outcome::<IEulerRouter::resolvedVaultsCall>(
            &calls[at + 2].label,
            &outcomes[at + 2],
        )?;
        if resolved != c_asset {
            return Err(Error::inconsistent(
                format!(
                    "router({oracle}).resolvedVaults({c}) of Euler vault {vault} (the snapshot \
                     values a collateral vault as its asset, as the router does for a resolved \
                     vault)"
                ),
                c_asset,
                resolved,
            ));
        }
        let ltv = LtvRead {
            borrow: full.borrowLTV,
            liquidation: full.liquidationLTV,
            initial: full.initialLiquidationLTV,
            target_timestamp: full.targetTimestamp.to::<u64>(),
            ramp_duration: u64::from(full.rampDuration),
        };
        pending.push((*c, c_asset, ltv));
    }
    let irm = if irm_address == Address::ZERO {
        None
    } else {
        let o = &outcomes[irm_at..irm_at + 4];
        match (
            decode_outcome::<ILinearKink::baseRateCall>(&calls[irm_at].label, &o[0]),
            decode_outcome::<ILinearKink::slope1Call>(&calls[irm_at + 1].label, &o[1]),
            decode_outcome::<ILinearKink::slope2Call>(&calls[irm_at + 2].label, &o[2]),
            decode_outcome::<ILinearKink::kinkCall>(&calls[irm_at + 3].label, &o[3]),
        ) {
            (Ok(base_rate), Ok(slope1), Ok(slope2), Ok(kink)) => Some(LinearKinkRead {
                irm: irm_address,
                base_rate,
                slope1,
                slope2,
                kink: u32::try_from(kink)
                    .map_err(|_| Error::invalid(&calls[irm_at + 3].label, "a 32-bit kink", kink))?,
            }),
            // Not an IRMLinearKink: the snapshot carries no IRM (and its source says so).
            _ => None,
        }
    };
    let mut enabled = Vec::with_capacity(accounts.len());
    let mut debts = Vec::with_capacity(accounts.len());
    for k in 0..accounts.len() {
        let at = accounts_at + 3 * k;
        debts.push((
            decode_outcome::<IEVault::debtOfCall>(&calls[at].label, &outcomes[at])?,
            decode_outcome::<IEVault::balanceOfCall>(&calls[at + 1].label, &outcomes[at + 1])?,
        ));
        enabled.push(decode_outcome::<IEVC::getCollateralsCall>(
            &calls[at + 2].label,
            &outcomes[at + 2],
        )?);
    }

    // Round 3: the collaterals' decimals (the quotes need them).
    let calls: Vec<Call> = pending
        .iter()
        .map(|(_, a, _)| {
            Call::new(format!("erc20({a}).decimals()"), *a, &IErc20Decimals::decimalsCall {})
        })
        .collect();
    let data = chain.call_all(&calls).await?;
    let mut decimals = Vec::with_capacity(pending.len());
    for (i, c) in calls.iter().enumerate() {
        decimals.push(decode::<IErc20Decimals::decimalsCall>(&c.label, &data[i])?);
    }

    // Round 4: quotes and collateral balances.
    let quote = |base: Address, d: u8| {
        Call::new(
            format!("router({oracle}).getQuote({}, {base}, {unit_of_account})", pow10(d)),
            oracle,
            &IEulerRouter::getQuoteCall { inAmount: pow10(d), base, quote: unit_of_account },
        )
    };
    let mut calls = vec![quote(asset, asset_decimals)];
    for ((_, a, _), d) in pending.iter().zip(&decimals) {
        calls.push(quote(*a, *d));
    }
    let mut wanted = Vec::new();
    for (k, account) in accounts.iter().enumerate() {
        for (j, (c, _, _)) in pending.iter().enumerate() {
            if enabled[k].contains(c) {
                wanted.push((k, j));
                calls.push(Call::new(
                    format!("euler({c}).balanceOf({account})"),
                    *c,
                    &IEVault::balanceOfCall { account: *account },
                ));
            }
        }
    }
    let data = chain.call_all(&calls).await?;
    let asset_quote = decode::<IEulerRouter::getQuoteCall>(&calls[0].label, &data[0])?;
    let mut collaterals = Vec::with_capacity(pending.len());
    for (j, ((c, a, ltv), d)) in pending.iter().zip(&decimals).enumerate() {
        collaterals.push(EulerCollateralRead {
            vault: *c,
            asset: *a,
            decimals: *d,
            ltv: *ltv,
            quote: decode::<IEulerRouter::getQuoteCall>(&calls[1 + j].label, &data[1 + j])?,
        });
    }
    let base = 1 + pending.len();
    let mut shares_of = Vec::with_capacity(wanted.len());
    for (i, _) in wanted.iter().enumerate() {
        let at = base + i;
        shares_of.push(decode::<IEVault::balanceOfCall>(&calls[at].label, &data[at])?);
    }

    // Round 5: each non-zero collateral balance in its vault's asset.
    let mut calls = Vec::new();
    let mut converted = Vec::new();
    for (i, (k, j)) in wanted.iter().enumerate() {
        if !shares_of[i].is_zero() {
            let c = pending[*j].0;
            converted.push(i);
            calls.push(Call::new(
                format!("euler({c}).convertToAssets({}) for {}", shares_of[i], accounts[*k]),
                c,
                &IEVault::convertToAssetsCall { shares: shares_of[i] },
            ));
        }
    }
    let data = if calls.is_empty() { Vec::new() } else { chain.call_all(&calls).await? };
    let mut assets_of = vec![U256::ZERO; wanted.len()];
    for (n, i) in converted.iter().enumerate() {
        assets_of[*i] = decode::<IEVault::convertToAssetsCall>(&calls[n].label, &data[n])?;
    }
    let mut positions = BTreeMap::new();
    for (k, account) in accounts.iter().enumerate() {
        let (debt, shares) = debts[k];
        positions.insert(
            *account,
            EulerPositionRead {
                debt,
                shares,
                collateral: vec![(U256::ZERO, U256::ZERO); pending.len()],
            },
        );
    }
    for (i, (k, j)) in wanted.iter().enumerate() {
        if let Some(p) = positions.get_mut(&accounts[*k]) {
            p.collateral[*j] = (shares_of[i], assets_of[i]);
        }
    }
    Ok(EulerRead {
        vault,
        asset,
        asset_decimals,
        oracle,
        unit_of_account,
        evc,
        asset_quote,
        max_liquidation_discount,
        config_flags,
        cash,
        total_borrows,
        total_supply,
        accumulated_fees,
        irm_address,
        irm,
        interest_fee,
        collaterals,
        positions,
    })
}
