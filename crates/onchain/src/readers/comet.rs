//! Compound v3 (Comet): configuration, collateral asset infos, price feeds, rate kinks, totals,
//! reserves and every account's base principal and collateral balances, in three batched rounds
//! (plus one round trip per [`crate::Config::calls_per_batch`] positions), and the accounts of a
//! market from its events.
//!
//! Bindings written from the published interfaces `CometMainInterface.sol`,
//! `CometExtInterface.sol`, `CometCore.sol` (`AssetInfo`) and `CometStorage.sol` (`TotalsBasic`,
//! `UserBasic`, `UserCollateral`, `TotalsCollateral`) of `compound-finance/comet`.

use crate::{
    Error, Result,
    chain::Chain,
    discovery::{Scan, ScanReport, scan_logs},
    multicall::{Call, decode},
};
use alloy::{
    primitives::{Address, I256, U256},
    sol,
    sol_types::SolEvent,
};
use faultline_lending::comet::{CometAsset, CometConfig, CometMarket, RateCurve, SECONDS_PER_YEAR};
use std::{
    collections::{BTreeMap, BTreeSet},
    path::PathBuf,
};

sol! {
    /// `AssetInfo` of `CometCore.sol`.
    #[derive(Debug, PartialEq, Eq)]
    struct CometAssetInfo {
        uint8 offset;
        address asset;
        address priceFeed;
        uint64 scale;
        uint64 borrowCollateralFactor;
        uint64 liquidateCollateralFactor;
        uint64 liquidationFactor;
        uint128 supplyCap;
    }

    /// `TotalsBasic` of `CometStorage.sol`.
    #[derive(Debug, PartialEq, Eq)]
    struct CometTotalsBasic {
        uint64 baseSupplyIndex;
        uint64 baseBorrowIndex;
        uint64 trackingSupplyIndex;
        uint64 trackingBorrowIndex;
        uint104 totalSupplyBase;
        uint104 totalBorrowBase;
        uint40 lastAccrualTime;
        uint8 pauseFlags;
    }

    /// The Comet getters and events read here.
    interface IComet {
        function baseToken() external view returns (address);
        function baseTokenPriceFeed() external view returns (address);
        function numAssets() external view returns (uint8);
        function getAssetInfo(uint8 i) external view returns (CometAssetInfo memory);
        function getPrice(address priceFeed) external view returns (uint256);
        function baseScale() external view returns (uint256);
        function storeFrontPriceFactor() external view returns (uint256);
        function targetReserves() external view returns (uint256);
        function baseBorrowMin() external view returns (uint256);
        function supplyKink() external view returns (uint256);
        function supplyPerSecondInterestRateSlopeLow() external view returns (uint256);
        function supplyPerSecondInterestRateSlopeHigh() external view returns (uint256);
        function supplyPerSecondInterestRateBase() external view returns (uint256);
        function borrowKink() external view returns (uint256);
        function borrowPerSecondInterestRateSlopeLow() external view returns (uint256);
        function borrowPerSecondInterestRateSlopeHigh() external view returns (uint256);
        function borrowPerSecondInterestRateBase() external view returns (uint256);
        function totalsBasic() external view returns (CometTotalsBasic memory);
        function getReserves() external view returns (int256);
        function userBasic(address account) external view returns (int104 principal, uint64 baseTrackingIndex, uint64 baseTrackingAccrued, uint16 assetsIn, uint8 _reserved);
        function userCollateral(address account, address asset) external view returns (uint128 balance, uint128 _reserved);
        function totalsCollateral(address asset) external view returns (uint128 totalSupplyAsset, uint128 _reserved);

        event Supply(address indexed from, address indexed dst, uint256 amount);
        event Transfer(address indexed from, address indexed to, uint256 amount);
        event Withdraw(address indexed src, address indexed to, uint256 amount);
        event SupplyCollateral(address indexed from, address indexed dst, address indexed asset, uint256 amount);
        event TransferCollateral(address indexed from, address indexed to, address indexed asset, uint256 amount);
        event WithdrawCollateral(address indexed src, address indexed to, address indexed asset, uint256 amount);
        event AbsorbDebt(address indexed absorber, address indexed borrower, uint256 basePaidOut, uint256 usdValue);
    }

    /// `balanceOf` of ERC-20.
    interface IErc20Balance {
        function balanceOf(address account) external view returns (uint256);
    }
}

/// One listed collateral asset (`getAssetInfo`) with its feed's answer and total supplied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CometAssetRead {
    /// `asset`.
    pub asset: Address,
    /// `priceFeed`.
    pub price_feed: Address,
    /// `scale` (`10^decimals`).
    pub scale: U256,
    /// `borrowCollateralFactor`, 1e18.
    pub borrow_collateral_factor: U256,
    /// `liquidateCollateralFactor`, 1e18.
    pub liquidate_collateral_factor: U256,
    /// `liquidationFactor`, 1e18.
    pub liquidation_factor: U256,
    /// `supplyCap`, raw units.
    pub supply_cap: U256,
    /// `getPrice(priceFeed)`, USD with 8 decimals.
    pub price: U256,
    /// `totalsCollateral(asset).totalSupplyAsset`.
    pub total_supply: U256,
}

/// `totalsBasic()`, the fields the model needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CometTotals {
    /// `baseSupplyIndex` at the last accrual.
    pub base_supply_index: U256,
    /// `baseBorrowIndex` at the last accrual.
    pub base_borrow_index: U256,
    /// `totalSupplyBase` (principal).
    pub total_supply_base: U256,
    /// `totalBorrowBase` (principal).
    pub total_borrow_base: U256,
    /// `lastAccrualTime`, Unix seconds.
    pub last_accrual_time: u64,
}

/// One Comet market read at the pinned block, raw as the contract answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CometRead {
    /// The Comet proxy.
    pub comet: Address,
    /// `baseToken()`.
    pub base_token: Address,
    /// `baseTokenPriceFeed()`.
    pub base_price_feed: Address,
    /// `getPrice(baseTokenPriceFeed)`, USD with 8 decimals.
    pub base_price: U256,
    /// `baseScale()`.
    pub base_scale: U256,
    /// `storeFrontPriceFactor()`, 1e18.
    pub store_front_price_factor: U256,
    /// `targetReserves()`, base units.
    pub target_reserves: U256,
    /// `baseBorrowMin()`, base units.
    pub base_borrow_min: U256,
    /// The supply curve, yearly figures (the per-second getters times `SECONDS_PER_YEAR`, which
    /// the model divides back exactly).
    pub supply: RateCurve,
    /// The borrow curve, likewise.
    pub borrow: RateCurve,
    /// `totalsBasic()`.
    pub totals: CometTotals,
    /// `getReserves()` (accrued to the block by the contract itself).
    pub reserves: I256,
    /// `baseToken.balanceOf(comet)`.
    pub base_balance: U256,
    /// Listed collateral assets, in the contract's order.
    pub assets: Vec<CometAssetRead>,
    /// Each account read: `userBasic(account).principal` and `userCollateral(account, asset)`
    /// per listed asset.
    pub positions: BTreeMap<Address, (I256, Vec<U256>)>,
}

impl CometRead {
    /// The lending model of the market as of its last accrual (`totalsBasic().lastAccrualTime`),
    /// every position set; [`CometMarket::accrue`] brings it to a later time.
    pub fn to_model(&self) -> Result<CometMarket> {
        let what = || format!("Comet market {}", self.comet);
        let config = CometConfig {
            base_token: self.base_token,
            base_scale: self.base_scale,
            base_price: self.base_price,
            store_front_price_factor: self.store_front_price_factor,
            target_reserves: self.target_reserves,
            base_borrow_min: self.base_borrow_min,
            supply: self.supply,
            borrow: self.borrow,
            assets: self
                .assets
                .iter()
                .map(|a| CometAsset {
                    asset: a.asset,
                    scale: a.scale,
                    price: a.price,
                    borrow_collateral_factor: a.borrow_collateral_factor,
                    liquidate_collateral_factor: a.liquidate_collateral_factor,
                    liquidation_factor: a.liquidation_factor,
                })
                .collect(),
        };
        let mut market = CometMarket::new(config, self.base_balance, self.totals.last_accrual_time)
            .map_err(|source| Error::Model { what: what(), source })?;
        market.set_totals(
            self.totals.base_supply_index,
            self.totals.base_borrow_index,
            self.totals.total_supply_base,
            self.totals.total_borrow_base,
        );
        for (account, (principal, collateral)) in &self.positions {
            market.set_base_principal(*account, *principal);
            for (i, amount) in collateral.iter().enumerate() {
                if !amount.is_zero() {
                    market
                        .supply_collateral(*account, i, *amount)
                        .map_err(|source| Error::Model { what: what(), source })?;
                }
            }
        }
        Ok(market)
    }
}

/// Accounts of the Comet at `comet`: every account named by its `Supply` (dst), `Withdraw`
/// (src), `Transfer` (from, to), `SupplyCollateral` (dst), `TransferCollateral` (from, to),
/// `WithdrawCollateral` (src) and `AbsorbDebt` (borrower) events in `[from, to]`, deduplicated,
/// the zero address left out.
pub async fn comet_accounts(
    chain: &Chain,
    comet: Address,
    from: u64,
    to: u64,
    initial_span: u64,
    cache: Option<PathBuf>,
) -> Result<(BTreeSet<Address>, ScanReport)> {
    use IComet::{
        AbsorbDebt, Supply, SupplyCollateral, Transfer, TransferCollateral, Withdraw,
        WithdrawCollateral,
    };
    let scan = Scan {
        address: comet,
        events: vec![
            Supply::SIGNATURE_HASH,
            Withdraw::SIGNATURE_HASH,
            Transfer::SIGNATURE_HASH,
            SupplyCollateral::SIGNATURE_HASH,
            TransferCollateral::SIGNATURE_HASH,
            WithdrawCollateral::SIGNATURE_HASH,
            AbsorbDebt::SIGNATURE_HASH,
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
                format!("comet {comet} log in tx {:?}", log.transaction_hash),
                format!("malformed event: {e}"),
            )
        };
        let data = log.data();
        let named: Vec<Address> = match log.topic0() {
            Some(&Supply::SIGNATURE_HASH) => vec![Supply::decode_log_data(data).map_err(bad)?.dst],
            Some(&Withdraw::SIGNATURE_HASH) => {
                vec![Withdraw::decode_log_data(data).map_err(bad)?.src]
            }
            Some(&Transfer::SIGNATURE_HASH) => {
                let e = Transfer::decode_log_data(data).map_err(bad)?;
                vec![e.from, e.to]
            }
            Some(&SupplyCollateral::SIGNATURE_HASH) => {
                vec![SupplyCollateral::decode_log_data(data).map_err(bad)?.dst]
            }
            Some(&TransferCollateral::SIGNATURE_HASH) => {
                let e = TransferCollateral::decode_log_data(data).map_err(bad)?;
                vec![e.from, e.to]
            }
            Some(&WithdrawCollateral::SIGNATURE_HASH) => {
                vec![WithdrawCollateral::decode_log_data(data).map_err(bad)?.src]
            }
            Some(&AbsorbDebt::SIGNATURE_HASH) => {
                vec![AbsorbDebt::decode_log_data(data).map_err(bad)?.borrower]
            }
            other => {
                return Err(Error::inconsistent(
                    format!("comet {comet} log topic0"),
                    "a Comet account event",
                    format!("{other:?}"),
                ));
            }
        };
        accounts.extend(named.into_iter().filter(|a| *a != Address::ZERO));
    }
    Ok((accounts, report))
}

fn label(comet: Address, call: &str) -> String {
    format!("comet({comet}).{call}")
}

/// Reads the Comet at `comet` with the positions of `accounts`. A contract that does not answer
/// Comet's getters fails the read with an error naming the contract and the call.
pub async fn read_comet(chain: &Chain, comet: Address, accounts: &[Address]) -> Result<CometRead> {
    // Round 1: configuration and totals.
    let l = |call: &str| label(comet, call);
    let calls = vec![
        Call::new(l("baseToken()"), comet, &IComet::baseTokenCall {}),
        Call::new(l("baseTokenPriceFeed()"), comet, &IComet::baseTokenPriceFeedCall {}),
        Call::new(l("numAssets()"), comet, &IComet::numAssetsCall {}),
        Call::new(l("baseScale()"), comet, &IComet::baseScaleCall {}),
        Call::new(l("storeFrontPriceFactor()"), comet, &IComet::storeFrontPriceFactorCall {}),
        Call::new(l("targetReserves()"), comet, &IComet::targetReservesCall {}),
        Call::new(l("baseBorrowMin()"), comet, &IComet::baseBorrowMinCall {}),
        Call::new(l("supplyKink()"), comet, &IComet::supplyKinkCall {}),
        Call::new(
            l("supplyPerSecondInterestRateBase()"),
            comet,
            &IComet::supplyPerSecondInterestRateBaseCall {},
        ),
        Call::new(
            l("supplyPerSecondInterestRateSlopeLow()"),
            comet,
            &IComet::supplyPerSecondInterestRateSlopeLowCall {},
        ),
        Call::new(
            l("supplyPerSecondInterestRateSlopeHigh()"),
            comet,
            &IComet::supplyPerSecondInterestRateSlopeHighCall {},
        ),
        Call::new(l("borrowKink()"), comet, &IComet::borrowKinkCall {}),
        Call::new(
            l("borrowPerSecondInterestRateBase()"),
            comet,
            &IComet::borrowPerSecondInterestRateBaseCall {},
        ),
        Call::new(
            l("borrowPerSecondInterestRateSlopeLow()"),
            comet,
            &IComet::borrowPerSecondInterestRateSlopeLowCall {},
        ),
        Call::new(
            l("borrowPerSecondInterestRateSlopeHigh()"),
            comet,
            &IComet::borrowPerSecondInterestRateSlopeHighCall {},
        ),
        Call::new(l("totalsBasic()"), comet, &IComet::totalsBasicCall {}),
        Call::new(l("getReserves()"), comet, &IComet::getReservesCall {}),
    ];
    let data = chain.call_all(&calls).await?;
    let word = |i: usize| decode::<IComet::baseScaleCall>(&calls[i].label, &data[i]);
    let base_token = decode::<IComet::baseTokenCall>(&calls[0].label, &data[0])?;
    let base_price_feed = decode::<IComet::baseTokenPriceFeedCall>(&calls[1].label, &data[1])?;
    let num_assets = decode::<IComet::numAssetsCall>(&calls[2].label, &data[2])?;
    let per_year = |i: usize| -> Result<U256> {
        word(i)?
            .checked_mul(SECONDS_PER_YEAR)
            .ok_or_else(|| Error::invalid(&calls[i].label, "a per-second rate", "an overflow"))
    };
    let supply = RateCurve {
        kink: word(7)?,
        base_per_year: per_year(8)?,
        slope_low_per_year: per_year(9)?,
        slope_high_per_year: per_year(10)?,
    };
    let borrow = RateCurve {
        kink: word(11)?,
        base_per_year: per_year(12)?,
        slope_low_per_year: per_year(13)?,
        slope_high_per_year: per_year(14)?,
    };
    let t = decode::<IComet::totalsBasicCall>(&calls[15].label, &data[15])?;
    let totals = CometTotals {
        base_supply_index: U256::from(t.baseSupplyIndex),
        base_borrow_index: U256::from(t.baseBorrowIndex),
        total_supply_base: U256::from(t.totalSupplyBase),
        total_borrow_base: U256::from(t.totalBorrowBase),
        last_accrual_time: t.lastAccrualTime.to::<u64>(),
    };
    let reserves = decode::<IComet::getReservesCall>(&calls[16].label, &data[16])?;
    let (base_scale, store_front_price_factor, target_reserves, base_borrow_min) =
        (word(3)?, word(4)?, word(5)?, word(6)?);
    if base_token == Address::ZERO {
        return Err(Error::invalid(l("baseToken()"), "a base token", "the zero address"));
    }

    // Round 2: assets, the base token's balance and price, and every principal.
    let mut calls = vec![
        Call::new(
            format!("erc20({base_token}).balanceOf({comet})"),
            base_token,
            &IErc20Balance::balanceOfCall { account: comet },
        ),
        Call::new(
            l(&format!("getPrice({base_price_feed})")),
            comet,
            &IComet::getPriceCall { priceFeed: base_price_feed },
        ),
    ];
    for i in 0..num_assets {
        calls.push(Call::new(
            l(&format!("getAssetInfo({i})")),
            comet,
            &IComet::getAssetInfoCall { i },
        ));
    }
    for account in accounts {
        calls.push(Call::new(
            l(&format!("userBasic({account})")),
            comet,
            &IComet::userBasicCall { account: *account },
        ));
    }
    let data = chain.call_all(&calls).await?;
    let base_balance = decode::<IErc20Balance::balanceOfCall>(&calls[0].label, &data[0])?;
    let base_price = decode::<IComet::getPriceCall>(&calls[1].label, &data[1])?;
    let n = usize::from(num_assets);
    let mut infos = Vec::with_capacity(n);
    for k in 0..n {
        let at = 2 + k;
        let info = decode::<IComet::getAssetInfoCall>(&calls[at].label, &data[at])?;
        if usize::from(info.offset) != k {
            return Err(Error::inconsistent(format!("{} offset", calls[at].label), k, info.offset));
        }
        infos.push(info);
    }
    let mut principals = Vec::with_capacity(accounts.len());
    for k in 0..accounts.len() {
        let at = 2 + n + k;
        let basic = decode::<IComet::userBasicCall>(&calls[at].label, &data[at])?;
        // An int104 fits an i128, which an I256 holds whole.
        let principal =
            i128::try_from(basic.principal).ok().and_then(|p| I256::try_from(p).ok()).ok_or_else(
                || Error::invalid(&calls[at].label, "an int104 principal", basic.principal),
            )?;
        principals.push(principal);
    }

    // Round 3: collateral prices, totals and balances (they need the asset list).
    let mut calls = Vec::new();
    for info in &infos {
        calls.push(Call::new(
            l(&format!("getPrice({})", info.priceFeed)),
            comet,
            &IComet::getPriceCall { priceFeed: info.priceFeed },
        ));
        calls.push(Call::new(
            l(&format!("totalsCollateral({})", info.asset)),
            comet,
            &IComet::totalsCollateralCall { asset: info.asset },
        ));
    }
    for account in accounts {
        for info in &infos {
            calls.push(Call::new(
                l(&format!("userCollateral({account}, {})", info.asset)),
                comet,
                &IComet::userCollateralCall { account: *account, asset: info.asset },
            ));
        }
    }
    let data = chain.call_all(&calls).await?;
    let mut assets = Vec::with_capacity(n);
    for (k, info) in infos.iter().enumerate() {
        let price = decode::<IComet::getPriceCall>(&calls[2 * k].label, &data[2 * k])?;
        let total =
            decode::<IComet::totalsCollateralCall>(&calls[2 * k + 1].label, &data[2 * k + 1])?;
        assets.push(CometAssetRead {
            asset: info.asset,
            price_feed: info.priceFeed,
            scale: U256::from(info.scale),
            borrow_collateral_factor: U256::from(info.borrowCollateralFactor),
            liquidate_collateral_factor: U256::from(info.liquidateCollateralFactor),
            liquidation_factor: U256::from(info.liquidationFactor),
            supply_cap: U256::from(info.supplyCap),
            price,
            total_supply: U256::from(total.totalSupplyAsset),
        });
    }
    let mut positions = BTreeMap::new();
    for (a, (account, principal)) in accounts.iter().zip(principals).enumerate() {
        let mut balances = Vec::with_capacity(n);
        for k in 0..n {
            let at = 2 * n + a * n + k;
            let c = decode::<IComet::userCollateralCall>(&calls[at].label, &data[at])?;
            balances.push(U256::from(c.balance));
        }
        positions.insert(*account, (principal, balances));
    }
    Ok(CometRead {
        comet,
        base_token,
        base_price_feed,
        base_price,
        base_scale,
        store_front_price_factor,
        target_reserves,
        base_borrow_min,
        supply,
        borrow,
        totals,
        reserves,
        base_balance,
        assets,
        positions,
    })
}
