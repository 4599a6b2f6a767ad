//! Aave v3 (v3.0 to v3.6 pools): reserves, their configuration bitmaps decoded, indexes, rate
//! strategies, the `AaveOracle`'s sources and answers, eMode categories, and each account's
//! scaled aToken and variable-debt balances, eMode and user configuration, in four batched rounds
//! whatever the number of accounts (plus one round trip per [`crate::Config::calls_per_batch`]
//! balances).
//!
//! Bindings written from the published interfaces of `aave/aave-v3-core` (`IPool.sol`,
//! `IPoolAddressesProvider.sol`, `IAaveOracle.sol`, `IScaledBalanceToken.sol`, `IAToken.sol`,
//! `IDefaultInterestRateStrategy.sol`, `DataTypes.sol` for the return layouts). The configuration
//! bitmap's bit positions are those of `ReserveConfiguration.sol` (its `*_START_BIT_POSITION`
//! constants and masks: LTV bits 0-15, liquidation threshold 16-31, bonus 32-47, decimals 48-55,
//! active 56, frozen 57, borrowing 58, stable borrowing 59, paused 60, borrowable in isolation 61,
//! siloed borrowing 62, flash loans 63, reserve factor 64-79, borrow cap 80-115, supply cap
//! 116-151, liquidation protocol fee 152-167, eMode category 168-175, unbacked mint cap 176-211,
//! debt ceiling 212-251); the user configuration's are `UserConfiguration.sol`'s (reserve `i`:
//! borrowing bit `2i`, collateral bit `2i + 1`).
//!
//! Pools from v3.2 on keep eModes as reserve bitmaps (`getEModeCategoryCollateralBitmap`) rather
//! than as a category per reserve, have no stable debt, a rate strategy V2 read per reserve, and
//! (v3.3+) a reserve deficit: [`super::aave_v32`] reads those and picks the release.

use super::aave_v32::{IAavePoolV32, Release};
use crate::{
    Error, Result,
    chain::Chain,
    multicall::{Call, decode, decode_outcome},
};
use alloy::{
    primitives::{Address, U256},
    sol,
};
use faultline_core::math::wad_ray::ray_mul;
use std::collections::{BTreeMap, BTreeSet};

sol! {
    /// `DataTypes.ReserveConfigurationMap` / `UserConfigurationMap`: one packed word.
    #[derive(Debug, PartialEq, Eq)]
    struct AaveConfigurationMap {
        uint256 data;
    }

    /// `DataTypes.ReserveData` of v3.0 (v3.1 keeps the layout for `getReserveData`).
    #[derive(Debug, PartialEq, Eq)]
    struct AaveReserveData {
        AaveConfigurationMap configuration;
        uint128 liquidityIndex;
        uint128 currentLiquidityRate;
        uint128 variableBorrowIndex;
        uint128 currentVariableBorrowRate;
        uint128 currentStableBorrowRate;
        uint40 lastUpdateTimestamp;
        uint16 id;
        address aTokenAddress;
        address stableDebtTokenAddress;
        address variableDebtTokenAddress;
        address interestRateStrategyAddress;
        uint128 accruedToTreasury;
        uint128 unbacked;
        uint128 isolationModeTotalDebt;
    }

    /// `DataTypes.EModeCategory` of v3.0 and v3.1.
    #[derive(Debug, PartialEq, Eq)]
    struct AaveEModeCategory {
        uint16 ltv;
        uint16 liquidationThreshold;
        uint16 liquidationBonus;
        address priceSource;
        string label;
    }

    /// The `IPool` getters read here.
    interface IAavePool {
        function ADDRESSES_PROVIDER() external view returns (address);
        function getReservesList() external view returns (address[] memory);
        function getReserveData(address asset) external view returns (AaveReserveData memory);
        function getConfiguration(address asset) external view returns (AaveConfigurationMap memory);
        function getUserConfiguration(address user) external view returns (AaveConfigurationMap memory);
        function getUserEMode(address user) external view returns (uint256);
        function getEModeCategoryData(uint8 id) external view returns (AaveEModeCategory memory);
        function getReserveNormalizedIncome(address asset) external view returns (uint256);
        function getReserveNormalizedVariableDebt(address asset) external view returns (uint256);
        function getUserAccountData(address user) external view returns (uint256 totalCollateralBase, uint256 totalDebtBase, uint256 availableBorrowsBase, uint256 currentLiquidationThreshold, uint256 ltv, uint256 healthFactor);
        /// v3.2 and later only: used to tell such a pool apart.
        function getEModeCategoryCollateralBitmap(uint8 id) external view returns (uint128);
    }

    /// `IPoolAddressesProvider.getPriceOracle`.
    interface IAaveAddressesProvider {
        function getPriceOracle() external view returns (address);
    }

    /// The `IAaveOracle` getters read here.
    interface IAaveOracle {
        function BASE_CURRENCY_UNIT() external view returns (uint256);
        function getSourceOfAsset(address asset) external view returns (address);
        function getAssetPrice(address asset) external view returns (uint256);
    }

    /// `IScaledBalanceToken` (aTokens and variable-debt tokens) and `IERC20.balanceOf`.
    interface IAaveScaledToken {
        function scaledBalanceOf(address user) external view returns (uint256);
        function scaledTotalSupply() external view returns (uint256);
        function balanceOf(address user) external view returns (uint256);
        function totalSupply() external view returns (uint256);
    }

    /// `IAToken.RESERVE_TREASURY_ADDRESS`.
    interface IAaveAToken {
        function RESERVE_TREASURY_ADDRESS() external view returns (address);
    }

    /// The `IDefaultInterestRateStrategy` getters of the variable rate.
    interface IAaveRateStrategy {
        function OPTIMAL_USAGE_RATIO() external view returns (uint256);
        function getBaseVariableBorrowRate() external view returns (uint256);
        function getVariableRateSlope1() external view returns (uint256);
        function getVariableRateSlope2() external view returns (uint256);
    }
}

/// Bits `start..start + width` of `data`.
fn bits(data: U256, start: usize, width: usize) -> U256 {
    (data >> start) & ((U256::from(1u8) << width) - U256::from(1u8))
}

/// A field of at most 64 bits (masked, so the conversion never saturates).
fn small<T>(data: U256, start: usize, width: usize) -> T
where
    T: TryFrom<u64> + Default,
{
    T::try_from(bits(data, start, width).saturating_to::<u64>()).unwrap_or_default()
}

/// A reserve's configuration bitmap, decoded (`ReserveConfiguration.sol`'s layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReserveConfig {
    /// Loan-to-value, bps.
    pub ltv: u16,
    /// Liquidation threshold, bps.
    pub liquidation_threshold: u16,
    /// Liquidation bonus including the principal, bps.
    pub liquidation_bonus: u16,
    /// The underlying's decimals.
    pub decimals: u8,
    /// Active.
    pub active: bool,
    /// Frozen.
    pub frozen: bool,
    /// Borrowing enabled.
    pub borrowing_enabled: bool,
    /// Stable-rate borrowing enabled.
    pub stable_borrowing_enabled: bool,
    /// Paused.
    pub paused: bool,
    /// Borrowable in isolation mode.
    pub borrowable_in_isolation: bool,
    /// Siloed borrowing.
    pub siloed_borrowing: bool,
    /// Flash loans enabled.
    pub flashloan_enabled: bool,
    /// Reserve factor, bps.
    pub reserve_factor: u16,
    /// Borrow cap, whole tokens, 0 = none.
    pub borrow_cap: u64,
    /// Supply cap, whole tokens, 0 = none.
    pub supply_cap: u64,
    /// The protocol's share of the liquidation bonus, bps.
    pub liquidation_protocol_fee: u16,
    /// eMode category, 0 = none.
    pub e_mode_category: u8,
    /// Unbacked mint cap, whole tokens.
    pub unbacked_mint_cap: u64,
    /// Debt ceiling for isolation mode, in units of 0.01 USD.
    pub debt_ceiling: u64,
}

impl ReserveConfig {
    /// Decodes `ReserveConfigurationMap.data`.
    pub fn decode(data: U256) -> Self {
        let flag = |bit: usize| data.bit(bit);
        Self {
            ltv: small(data, 0, 16),
            liquidation_threshold: small(data, 16, 16),
            liquidation_bonus: small(data, 32, 16),
            decimals: small(data, 48, 8),
            active: flag(56),
            frozen: flag(57),
            borrowing_enabled: flag(58),
            stable_borrowing_enabled: flag(59),
            paused: flag(60),
            borrowable_in_isolation: flag(61),
            siloed_borrowing: flag(62),
            flashloan_enabled: flag(63),
            reserve_factor: small(data, 64, 16),
            borrow_cap: small(data, 80, 36),
            supply_cap: small(data, 116, 36),
            liquidation_protocol_fee: small(data, 152, 16),
            e_mode_category: small(data, 168, 8),
            unbacked_mint_cap: small(data, 176, 36),
            debt_ceiling: small(data, 212, 40),
        }
    }
}

/// A reserve's `DefaultReserveInterestRateStrategy`, the variable-rate part (RAY).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateRead {
    /// `OPTIMAL_USAGE_RATIO()`.
    pub optimal_usage_ratio: U256,
    /// `getBaseVariableBorrowRate()`.
    pub base_variable_borrow_rate: U256,
    /// `getVariableRateSlope1()`.
    pub variable_rate_slope1: U256,
    /// `getVariableRateSlope2()`.
    pub variable_rate_slope2: U256,
}

/// One reserve as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReserveRead {
    /// The underlying asset.
    pub asset: Address,
    /// Its position in `getReservesList()` (checked equal to `ReserveData.id`).
    pub id: u16,
    /// `getConfiguration(asset).data` (checked equal to `ReserveData.configuration`).
    pub config_raw: U256,
    /// The configuration, decoded.
    pub config: ReserveConfig,
    /// `getReserveData(asset)` as the pool returns it.
    pub data: AaveReserveData,
    /// `getReserveNormalizedIncome(asset)`: the liquidity index at the block's timestamp.
    pub normalized_income: U256,
    /// `getReserveNormalizedVariableDebt(asset)`: the borrow index at the block's timestamp.
    pub normalized_variable_debt: U256,
    /// The aToken's `scaledTotalSupply()`.
    pub a_scaled_total: U256,
    /// The variable-debt token's `scaledTotalSupply()`.
    pub debt_scaled_total: U256,
    /// The stable-debt token's `totalSupply()`.
    pub stable_debt_total: U256,
    /// The aToken's `RESERVE_TREASURY_ADDRESS()`.
    pub treasury: Address,
    /// The rate strategy's parameters.
    pub rates: RateRead,
    /// `AaveOracle.getSourceOfAsset(asset)`.
    pub price_source: Address,
    /// `AaveOracle.getAssetPrice(asset)`, in units of the oracle's `BASE_CURRENCY_UNIT`.
    pub price: U256,
    /// `getReserveDeficit(asset)` (v3.3+; `None` where the pool has no such getter).
    pub deficit: Option<U256>,
    /// `getVirtualUnderlyingBalance(asset)` (v3.2+).
    pub virtual_balance: Option<U256>,
}

impl ReserveRead {
    /// An account's aToken `balanceOf` from its scaled balance: `rayMul(scaled, normalizedIncome)`,
    /// half up to v3.4, down from v3.5 ([`Release::balance_rounding`]).
    pub fn a_balance(&self, scaled: U256, release: Release) -> Result<U256> {
        ray_mul(scaled, self.normalized_income, release.balance_rounding().0)
            .map_err(|e| Error::invalid(format!("aToken balance in reserve {}", self.asset), "", e))
    }

    /// An account's variable-debt `balanceOf`: `rayMul(scaled, normalizedVariableDebt)`, half up
    /// to v3.4, up from v3.5.
    pub fn debt_balance(&self, scaled: U256, release: Release) -> Result<U256> {
        ray_mul(scaled, self.normalized_variable_debt, release.balance_rounding().1)
            .map_err(|e| Error::invalid(format!("debt balance in reserve {}", self.asset), "", e))
    }
}

/// An eMode category as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EModeRead {
    /// Category id, 1..=255.
    pub id: u8,
    /// `getEModeCategoryData(id)` (v3.0/v3.1); from v3.2 `getEModeCategoryCollateralConfig(id)`
    /// and `getEModeCategoryLabel(id)`, with no price source.
    pub data: AaveEModeCategory,
    /// Reserve ids whose collateral gets the category's parameters: v3.0/v3.1 the reserves of
    /// the category, from v3.2 `getEModeCategoryCollateralBitmap(id)`.
    pub collateral: Vec<u16>,
    /// Reserve ids a user in the category may borrow: v3.0/v3.1 the reserves of the category,
    /// from v3.2 `getEModeCategoryBorrowableBitmap(id)`.
    pub borrowable: Vec<u16>,
}

/// One account as read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserRead {
    /// `getUserEMode(user)`.
    pub e_mode: u8,
    /// `getUserConfiguration(user).data`.
    pub config: U256,
    /// Scaled aToken and variable-debt balances by reserve id (the reserves asked for).
    pub scaled: BTreeMap<u16, (U256, U256)>,
}

impl UserRead {
    /// Whether the user uses reserve `id` as collateral (`UserConfiguration.isUsingAsCollateral`).
    pub fn collateral(&self, id: u16) -> bool {
        self.config.bit(2 * usize::from(id) + 1)
    }

    /// Whether the user borrows reserve `id` (`UserConfiguration.isBorrowing`).
    pub fn borrowing(&self, id: u16) -> bool {
        self.config.bit(2 * usize::from(id))
    }
}

/// An Aave v3 pool as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolRead {
    /// The pool.
    pub pool: Address,
    /// The release, by the rule of [`super::aave_v32`].
    pub release: Release,
    /// Whether a v3.4+ pool's balances told v3.4 from v3.5 (else v3.5 was taken).
    pub release_decided: bool,
    /// `ADDRESSES_PROVIDER()`.
    pub provider: Address,
    /// The provider's `getPriceOracle()`.
    pub oracle: Address,
    /// The oracle's `BASE_CURRENCY_UNIT()`.
    pub base_currency_unit: U256,
    /// Reserves in `getReservesList()` order.
    pub reserves: Vec<ReserveRead>,
    /// eMode categories named by a reserve or a user.
    pub e_modes: Vec<EModeRead>,
    /// Accounts read, each in the reserves asked for it and its treasury's.
    pub users: BTreeMap<Address, UserRead>,
}

fn one<C: alloy::sol_types::SolCall>(
    label: &str,
    data: &[alloy::primitives::Bytes],
) -> Result<C::Return> {
    let first = data.first().ok_or_else(|| Error::inconsistent(label, "one result", "none"))?;
    decode::<C>(label, first)
}

/// Reads the Aave v3 pool at `pool`: every reserve, the eModes its reserves and the accounts use,
/// and the balances of `accounts[asset]` in the reserve of `asset`, of `everywhere` in every
/// reserve, and of each reserve's treasury in its reserve.
pub async fn read_pool(
    chain: &Chain,
    pool: Address,
    accounts: &BTreeMap<Address, BTreeSet<Address>>,
    everywhere: &[Address],
) -> Result<PoolRead> {
    // Round 1: the reserve list, the addresses provider, and the v3.2 and v3.4 probes.
    let calls = [
        Call::new(
            format!("pool({pool}).getReservesList"),
            pool,
            &IAavePool::getReservesListCall {},
        ),
        Call::new(
            format!("pool({pool}).ADDRESSES_PROVIDER"),
            pool,
            &IAavePool::ADDRESSES_PROVIDERCall {},
        ),
        Call::new(
            format!("pool({pool}).getEModeCategoryCollateralBitmap(1)"),
            pool,
            &IAavePool::getEModeCategoryCollateralBitmapCall { id: 1 },
        ),
        Call::new(
            format!("pool({pool}).RESERVE_INTEREST_RATE_STRATEGY"),
            pool,
            &IAavePoolV32::RESERVE_INTEREST_RATE_STRATEGYCall {},
        ),
    ];
    let out = chain.call_many(&calls).await?;
    let assets = decode_outcome::<IAavePool::getReservesListCall>(&calls[0].label, &out[0])?;
    let provider = decode_outcome::<IAavePool::ADDRESSES_PROVIDERCall>(&calls[1].label, &out[1])?;
    // A v3.4+ pool is told from v3.5 by its balances in round 5; V3_4 stands for both till then.
    let strategy_v34 = decode_outcome::<IAavePoolV32::RESERVE_INTEREST_RATE_STRATEGYCall>(
        &calls[3].label,
        &out[3],
    )
    .ok();
    let mut release = match (out[2].is_ok(), strategy_v34) {
        (false, _) => Release::V3_0,
        (true, None) => Release::V3_2,
        (true, Some(_)) => Release::V3_4,
    };
    if assets.is_empty() {
        return Err(Error::invalid(format!("Aave pool {pool}"), "at least one reserve", "none"));
    }
    let call = Call::new(
        format!("provider({provider}).getPriceOracle"),
        provider,
        &IAaveAddressesProvider::getPriceOracleCall {},
    );
    let oracle = one::<IAaveAddressesProvider::getPriceOracleCall>(
        &call.label,
        &chain.call_all(std::slice::from_ref(&call)).await?,
    )?;

    // Round 2: per reserve, its data, configuration, normalized indexes and oracle answer.
    const PER_RESERVE: usize = 6;
    let mut calls = Vec::with_capacity(assets.len() * PER_RESERVE + 1);
    for asset in &assets {
        let label = |what: &str| format!("pool({pool}).{what}({asset})");
        calls.push(Call::new(
            label("getReserveData"),
            pool,
            &IAavePool::getReserveDataCall { asset: *asset },
        ));
        calls.push(Call::new(
            label("getConfiguration"),
            pool,
            &IAavePool::getConfigurationCall { asset: *asset },
        ));
        calls.push(Call::new(
            label("getReserveNormalizedIncome"),
            pool,
            &IAavePool::getReserveNormalizedIncomeCall { asset: *asset },
        ));
        calls.push(Call::new(
            label("getReserveNormalizedVariableDebt"),
            pool,
            &IAavePool::getReserveNormalizedVariableDebtCall { asset: *asset },
        ));
        calls.push(Call::new(
            format!("oracle({oracle}).getSourceOfAsset({asset})"),
            oracle,
            &IAaveOracle::getSourceOfAssetCall { asset: *asset },
        ));
        calls.push(Call::new(
            format!("oracle({oracle}).getAssetPrice({asset})"),
            oracle,
            &IAaveOracle::getAssetPriceCall { asset: *asset },
        ));
    }
    calls.push(Call::new(
        format!("oracle({oracle}).BASE_CURRENCY_UNIT"),
        oracle,
        &IAaveOracle::BASE_CURRENCY_UNITCall {},
    ));
    let data = chain.call_all(&calls).await?;
    let base_currency_unit = decode::<IAaveOracle::BASE_CURRENCY_UNITCall>(
        &calls[calls.len() - 1].label,
        &data[data.len() - 1],
    )?;
    let mut reserves = Vec::with_capacity(assets.len());
    for (i, asset) in assets.iter().enumerate() {
        let at = |k: usize| (&calls[PER_RESERVE * i + k].label, &data[PER_RESERVE * i + k]);
        let (l, d) = at(0);
        let reserve = decode::<IAavePool::getReserveDataCall>(l, d)?;
        let (l, d) = at(1);
        let config_raw = decode::<IAavePool::getConfigurationCall>(l, d)?.data;
        let (l, d) = at(2);
        let normalized_income = decode::<IAavePool::getReserveNormalizedIncomeCall>(l, d)?;
        let (l, d) = at(3);
        let normalized_variable_debt =
            decode::<IAavePool::getReserveNormalizedVariableDebtCall>(l, d)?;
        let (l, d) = at(4);
        let price_source = decode::<IAaveOracle::getSourceOfAssetCall>(l, d)?;
        let (l, d) = at(5);
        let price = decode::<IAaveOracle::getAssetPriceCall>(l, d)?;
        let id =
            u16::try_from(i).map_err(|_| Error::invalid("reserve count", "at most 65535", i))?;
        if reserve.id != id {
            return Err(Error::inconsistent(format!("getReserveData({asset}).id"), id, reserve.id));
        }
        if reserve.configuration.data != config_raw {
            return Err(Error::inconsistent(
                format!("configuration of reserve {asset}"),
                format!("getConfiguration = {config_raw:#x}"),
                format!("getReserveData.configuration = {:#x}", reserve.configuration.data),
            ));
        }
        reserves.push(ReserveRead {
            asset: *asset,
            id,
            config_raw,
            config: ReserveConfig::decode(config_raw),
            data: reserve,
            normalized_income,
            normalized_variable_debt,
            a_scaled_total: U256::ZERO,
            debt_scaled_total: U256::ZERO,
            stable_debt_total: U256::ZERO,
            treasury: Address::ZERO,
            rates: RateRead {
                optimal_usage_ratio: U256::ZERO,
                base_variable_borrow_rate: U256::ZERO,
                variable_rate_slope1: U256::ZERO,
                variable_rate_slope2: U256::ZERO,
            },
            price_source,
            price,
            deficit: None,
            virtual_balance: None,
        });
    }

    // Round 3: token totals, treasuries, rate strategies (v3.2+: and deficits, virtual balances).
    if release.bitmaps() {
        super::aave_v32::read_reserves(chain, pool, strategy_v34, &mut reserves).await?;
    } else {
        const PER_TOKEN: usize = 8;
        let mut calls = Vec::with_capacity(reserves.len() * PER_TOKEN);
        for r in &reserves {
            let (a, v, s, k) = (
                r.data.aTokenAddress,
                r.data.variableDebtTokenAddress,
                r.data.stableDebtTokenAddress,
                r.data.interestRateStrategyAddress,
            );
            calls.push(Call::new(
                format!("aToken({a}).scaledTotalSupply"),
                a,
                &IAaveScaledToken::scaledTotalSupplyCall {},
            ));
            calls.push(Call::new(
                format!("aToken({a}).RESERVE_TREASURY_ADDRESS"),
                a,
                &IAaveAToken::RESERVE_TREASURY_ADDRESSCall {},
            ));
            calls.push(Call::new(
                format!("variableDebtToken({v}).scaledTotalSupply"),
                v,
                &IAaveScaledToken::scaledTotalSupplyCall {},
            ));
            calls.push(Call::new(
                format!("stableDebtToken({s}).totalSupply"),
                s,
                &IAaveScaledToken::totalSupplyCall {},
            ));
            calls.push(Call::new(
                format!("rateStrategy({k}).OPTIMAL_USAGE_RATIO"),
                k,
                &IAaveRateStrategy::OPTIMAL_USAGE_RATIOCall {},
            ));
            calls.push(Call::new(
                format!("rateStrategy({k}).getBaseVariableBorrowRate"),
                k,
                &IAaveRateStrategy::getBaseVariableBorrowRateCall {},
            ));
            calls.push(Call::new(
                format!("rateStrategy({k}).getVariableRateSlope1"),
                k,
                &IAaveRateStrategy::getVariableRateSlope1Call {},
            ));
            calls.push(Call::new(
                format!("rateStrategy({k}).getVariableRateSlope2"),
                k,
                &IAaveRateStrategy::getVariableRateSlope2Call {},
            ));
        }
        let data = chain.call_all(&calls).await?;
        for (i, r) in reserves.iter_mut().enumerate() {
            let at = |k: usize| (&calls[PER_TOKEN * i + k].label, &data[PER_TOKEN * i + k]);
            let (l, d) = at(0);
            r.a_scaled_total = decode::<IAaveScaledToken::scaledTotalSupplyCall>(l, d)?;
            let (l, d) = at(1);
            r.treasury = decode::<IAaveAToken::RESERVE_TREASURY_ADDRESSCall>(l, d)?;
            let (l, d) = at(2);
            r.debt_scaled_total = decode::<IAaveScaledToken::scaledTotalSupplyCall>(l, d)?;
            let (l, d) = at(3);
            r.stable_debt_total = decode::<IAaveScaledToken::totalSupplyCall>(l, d)?;
            let (l, d) = at(4);
            r.rates.optimal_usage_ratio =
                decode::<IAaveRateStrategy::OPTIMAL_USAGE_RATIOCall>(l, d)?;
            let (l, d) = at(5);
            r.rates.base_variable_borrow_rate =
                decode::<IAaveRateStrategy::getBaseVariableBorrowRateCall>(l, d)?;
            let (l, d) = at(6);
            r.rates.variable_rate_slope1 =
                decode::<IAaveRateStrategy::getVariableRateSlope1Call>(l, d)?;
            let (l, d) = at(7);
            r.rates.variable_rate_slope2 =
                decode::<IAaveRateStrategy::getVariableRateSlope2Call>(l, d)?;
        }
    }

    // Round 4: every account's eMode, configuration and scaled balances.
    let mut asked: BTreeMap<Address, BTreeSet<u16>> = BTreeMap::new();
    for r in &reserves {
        for a in accounts.get(&r.asset).into_iter().flatten().chain(everywhere).chain([&r.treasury])
        {
            asked.entry(*a).or_default().insert(r.id);
        }
    }
    let mut calls = Vec::new();
    for (user, ids) in &asked {
        calls.push(Call::new(
            format!("pool({pool}).getUserEMode({user})"),
            pool,
            &IAavePool::getUserEModeCall { user: *user },
        ));
        calls.push(Call::new(
            format!("pool({pool}).getUserConfiguration({user})"),
            pool,
            &IAavePool::getUserConfigurationCall { user: *user },
        ));
        for id in ids {
            let r = &reserves[usize::from(*id)];
            let (a, v) = (r.data.aTokenAddress, r.data.variableDebtTokenAddress);
            calls.push(Call::new(
                format!("aToken({a}).scaledBalanceOf({user})"),
                a,
                &IAaveScaledToken::scaledBalanceOfCall { user: *user },
            ));
            calls.push(Call::new(
                format!("variableDebtToken({v}).scaledBalanceOf({user})"),
                v,
                &IAaveScaledToken::scaledBalanceOfCall { user: *user },
            ));
        }
    }
    let data = chain.call_all(&calls).await?;
    let mut users = BTreeMap::new();
    let mut k = 0;
    let mut e_mode_ids: BTreeSet<u8> = if release.bitmaps() {
        BTreeSet::new()
    } else {
        reserves.iter().map(|r| r.config.e_mode_category).filter(|c| *c != 0).collect()
    };
    for (user, ids) in &asked {
        let e_mode = decode::<IAavePool::getUserEModeCall>(&calls[k].label, &data[k])?;
        let e_mode = u8::try_from(e_mode).map_err(|_| {
            Error::invalid(format!("getUserEMode({user})"), "a category id below 256", e_mode)
        })?;
        let config =
            decode::<IAavePool::getUserConfigurationCall>(&calls[k + 1].label, &data[k + 1])?.data;
        k += 2;
        let mut scaled = BTreeMap::new();
        for id in ids {
            let a = decode::<IAaveScaledToken::scaledBalanceOfCall>(&calls[k].label, &data[k])?;
            let v =
                decode::<IAaveScaledToken::scaledBalanceOfCall>(&calls[k + 1].label, &data[k + 1])?;
            k += 2;
            scaled.insert(*id, (a, v));
        }
        if e_mode != 0 {
            e_mode_ids.insert(e_mode);
        }
        users.insert(*user, UserRead { e_mode, config, scaled });
    }

    let e_modes = if release.bitmaps() {
        super::aave_v32::read_e_modes(chain, pool, reserves.len(), &e_mode_ids).await?
    } else {
        read_e_modes(chain, pool, &reserves, &e_mode_ids).await?
    };
    let mut release_decided = release != Release::V3_4;
    if release == Release::V3_4 {
        let evidence = super::aave_v32::probe_rounding(chain, &reserves, &users).await?;
        release = evidence.release(&pool.to_string())?;
        release_decided = evidence.half_up + evidence.directed > 0;
    }
    Ok(PoolRead {
        pool,
        release,
        release_decided,
        provider,
        oracle,
        base_currency_unit,
        reserves,
        e_modes,
        users,
    })
}

/// v3.0/v3.1 eModes: `getEModeCategoryData(id)`, each with the reserves of its category.
async fn read_e_modes(
    chain: &Chain,
    pool: Address,
    reserves: &[ReserveRead],
    ids: &BTreeSet<u8>,
) -> Result<Vec<EModeRead>> {
    let calls: Vec<Call> = ids
        .iter()
        .map(|id| {
            Call::new(
                format!("pool({pool}).getEModeCategoryData({id})"),
                pool,
                &IAavePool::getEModeCategoryDataCall { id: *id },
            )
        })
        .collect();
    let data = chain.call_all(&calls).await?;
    let mut e_modes = Vec::with_capacity(calls.len());
    for ((id, call), d) in ids.iter().zip(&calls).zip(&data) {
        let members: Vec<u16> =
            reserves.iter().filter(|r| r.config.e_mode_category == *id).map(|r| r.id).collect();
        e_modes.push(EModeRead {
            id: *id,
            data: decode::<IAavePool::getEModeCategoryDataCall>(&call.label, d)?,
            collateral: members.clone(),
            borrowable: members,
        });
    }
    Ok(e_modes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_bits_decode_at_reserve_configuration_positions() {
        // Built field by field at the positions of ReserveConfiguration.sol (a hand encoding,
        // not the decoder's own shifts): LTV 8000, LT 8250, bonus 10500, 6 decimals, active,
        // borrowing, flash loans, RF 1000, borrow cap 2^36 - 1, supply cap 7, fee 1000, eMode 3,
        // debt ceiling 1.
        let u = |v: u64| U256::from(v);
        let data = u(8000)
            | u(8250) << 16
            | u(10500) << 32
            | u(6) << 48
            | u(1) << 56
            | u(1) << 58
            | u(1) << 63
            | u(1000) << 64
            | u((1 << 36) - 1) << 80
            | u(7) << 116
            | u(1000) << 152
            | u(3) << 168
            | u(1) << 212;
        let c = ReserveConfig::decode(data);
        assert_eq!(
            c,
            ReserveConfig {
                ltv: 8000,
                liquidation_threshold: 8250,
                liquidation_bonus: 10500,
                decimals: 6,
                active: true,
                frozen: false,
                borrowing_enabled: true,
                stable_borrowing_enabled: false,
                paused: false,
                borrowable_in_isolation: false,
                siloed_borrowing: false,
                flashloan_enabled: true,
                reserve_factor: 1000,
                borrow_cap: (1 << 36) - 1,
                supply_cap: 7,
                liquidation_protocol_fee: 1000,
                e_mode_category: 3,
                unbacked_mint_cap: 0,
                debt_ceiling: 1,
            }
        );
        // Every flag on its own bit.
        for (bit, pick) in [
            (57, (|c: &ReserveConfig| c.frozen) as fn(&ReserveConfig) -> bool),
            (59, |c| c.stable_borrowing_enabled),
            (60, |c| c.paused),
            (61, |c| c.borrowable_in_isolation),
            (62, |c| c.siloed_borrowing),
        ] {
            assert!(pick(&ReserveConfig::decode(U256::from(1u8) << bit)), "bit {bit}");
        }
    }

    #[test]
    fn user_configuration_pairs_borrowing_then_collateral() {
        // Reserve 0 borrowed, reserve 1 collateral, reserve 2 both: bits 0, 3, 4 and 5.
        let user = UserRead { config: U256::from(0b11_1001u64), ..UserRead::default() };
        assert!(user.borrowing(0) && !user.collateral(0));
        assert!(!user.borrowing(1) && user.collateral(1));
        assert!(user.borrowing(2) && user.collateral(2));
    }
}
