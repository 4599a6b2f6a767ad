//! Aave v3 pools in a snapshot.
//!
//! [`read`] discovers each pool's accounts from its `Supply` and `Borrow` events (every
//! `onBehalfOf`, by reserve) since the request's first block, adds the caller's accounts and each
//! reserve's treasury (`AToken.RESERVE_TREASURY_ADDRESS`: `Pool.mintToTreasury` mints it aTokens
//! without a `Supply` event, so logs alone cannot find it), and reads the pool at the pinned block
//! ([`crate::readers::aave`]). The scaled balances found must add up to each aToken's and
//! variable-debt token's `scaledTotalSupply`, else the read fails naming the reserve and the gap:
//! a snapshot never silently lacks positions (an account that only received aTokens by transfer
//! is one such gap; give it with the request's accounts).
//!
//! Balances are written as `balanceOf` reads at the block (`rayMul(scaled, normalized index)`),
//! which is what the snapshot format holds (indexes restart at 1 RAY at the snapshot's time), and
//! exactly what `GenericLogic.calculateUserAccountData` values: a health factor computed from the
//! snapshot is the pool's own, to the wei.
//!
//! Version: the reader reads v3.0 to v3.6 pools; [`crate::readers::aave_v32`] states the rule
//! that picks the release and so the [`faultline_snapshot::AaveVersionSpec`] (v3.2/v3.3 → v3.3,
//! v3.4 → v3.4, v3.5/v3.6 → v3.5), and the balances are rounded as that release's `balanceOf`. A
//! v3.3+ reserve's `getReserveDeficit` and v3.2+'s `getVirtualUnderlyingBalance` have no field in
//! the format; their values are written in the market's source reference. v3.0/v3.1: their health
//! factor rounding (`rayMul` half up for balances, debt valued `price · debt / unit` rounded down,
//! `percentMul(Σcollateral, avgLT)` then `wadDiv`, both half up) and their interest compounding
//! (the three-term binomial of `MathUtils.calculateCompoundedInterest`) are v3.3's, so the model
//! runs them as [`AaveVersionSpec::V3_3`]; v3.0 has none of v3.3's liquidation dust rules or
//! deficit accounting, which the model's liquidations apply. What the format cannot hold is refused,
//! not approximated: stable-rate debt, an eMode with its own price source, an oracle whose base
//! unit is not 1e8. A supply's collateral flag is the user configuration's (the treasury's is
//! off: `mintToTreasury` does not enable it).

use super::{
    Request, Stage,
    part::{Context, Contribution, Part, Quote, QuoteRank, QuoteValue, as_decimal, source},
};
use crate::{
    Error, Result,
    chain::Chain,
    discovery,
    readers::{
        aave::{PoolRead, ReserveRead, read_pool},
        aave_v32::Release,
    },
};
use alloy::primitives::{Address, U256};
use faultline_snapshot::{
    AaveBalanceSpec, AaveEModeSpec, AaveMarketSpec, AavePositionSpec, AaveRateSpec,
    AaveReserveSpec, Confidence, LendingMarketSpec, LendingProtocolSpec, OracleSpec, Raw,
    RawAddress, SourceKind,
};
use std::collections::BTreeSet;

/// The oracle base unit the lending model values in (`AaveOracle` of USD markets: 8 decimals).
const BASE_DECIMALS: u8 = 8;

/// One pool, read.
struct Pool {
    read: PoolRead,
    pages_fetched: usize,
    /// Accounts found (or given) whose position is empty.
    empty: usize,
}

/// The Aave v3 pools of a request, read.
pub(crate) struct AavePart {
    from_block: u64,
    to_block: u64,
    pools: Vec<Pool>,
}

/// Reads the Aave v3 pools `pools` at `chain`'s pinned block.
pub(crate) async fn read(
    chain: &Chain,
    request: &Request,
    pools: &[Address],
    progress: &mut dyn FnMut(Stage),
) -> Result<AavePart> {
    let block = *chain.block();
    let mut out = Vec::with_capacity(pools.len());
    let mut seen = BTreeSet::new();
    for pool in pools {
        if !seen.insert(*pool) {
            return Err(Error::invalid("aave-v3 pools", "each pool once", format!("{pool} twice")));
        }
        progress(Stage::Discovering { from: request.from_block, to: block.number });
        let (found, report) = discovery::aave_accounts(
            chain,
            *pool,
            request.from_block,
            block.number,
            request.log_span,
            request.log_cache.clone(),
        )
        .await?;
        progress(Stage::Discovered {
            accounts: found.values().map(BTreeSet::len).sum(),
            pages_fetched: report.pages_fetched,
            pages_cached: report.pages_cached,
        });
        progress(Stage::Reading { target: format!("aave-v3:{pool}") });
        let read = read_pool(chain, *pool, &found, &request.accounts).await?;
        check(&read, request.from_block, block.number)?;
        let empty = read
            .users
            .values()
            .filter(|u| u.scaled.values().all(|(a, d)| a.is_zero() && d.is_zero()))
            .count();
        out.push(Pool { read, pages_fetched: report.pages_fetched, empty });
    }
    Ok(AavePart { from_block: request.from_block, to_block: block.number, pools: out })
}

/// What the snapshot cannot hold is refused, and the balances found must add up to the totals.
fn check(read: &PoolRead, from: u64, to: u64) -> Result<()> {
    let pool = read.pool;
    if read.base_currency_unit != U256::from(10u64.pow(u32::from(BASE_DECIMALS))) {
        return Err(Error::invalid(
            format!("AaveOracle {} BASE_CURRENCY_UNIT of pool {pool}", read.oracle),
            "1e8 (a USD market, 8 decimals, as the lending model values)",
            read.base_currency_unit,
        ));
    }
    for e in &read.e_modes {
        if e.data.priceSource != Address::ZERO {
            return Err(Error::invalid(
                format!("eMode {} of Aave pool {pool}: priceSource", e.id),
                "address(0) (the snapshot prices each reserve by its own oracle source)",
                e.data.priceSource,
            ));
        }
    }
    for r in &read.reserves {
        if !r.stable_debt_total.is_zero() {
            return Err(Error::invalid(
                format!("stable debt of reserve {} of Aave pool {pool}", r.asset),
                "none (the snapshot holds variable debt only)",
                r.stable_debt_total,
            ));
        }
        let (mut supply, mut debt) = (U256::ZERO, U256::ZERO);
        for user in read.users.values() {
            let Some((a, d)) = user.scaled.get(&r.id) else { continue };
            supply = supply.saturating_add(*a);
            debt = debt.saturating_add(*d);
        }
        let gap = |what: &str, total: U256, found: U256| {
            Error::inconsistent(
                format!(
                    "{what} of the accounts found for reserve {} of Aave pool {pool} (the \
                     onBehalfOf of Supply and Borrow in blocks [{from}, {to}], the accounts given \
                     and the treasury {}; an earlier first block or the missing holders as \
                     accounts may find the rest)",
                    r.asset, r.treasury
                ),
                total,
                found,
            )
        };
        if supply != r.a_scaled_total {
            return Err(gap("scaled aToken balances", r.a_scaled_total, supply));
        }
        if debt != r.debt_scaled_total {
            return Err(gap("scaled variable-debt balances", r.debt_scaled_total, debt));
        }
    }
    Ok(())
}

/// What the release changed in the read, and what the snapshot cannot carry (the deficit and
/// virtual balance as read, for the auditor: the format has no field for them).
fn release_note(read: &PoolRead) -> String {
    let mut note = match read.release {
        Release::V3_0 => "a v3.0/v3.1 pool (eMode per reserve), rounding of v3.0-3.1 = v3.3's".into(),
        Release::V3_2 => "a v3.2/v3.3 pool (it answers getEModeCategoryCollateralBitmap, not \
                          RESERVE_INTEREST_RATE_STRATEGY): eModes by getEModeCategoryCollateralConfig, \
                          getEModeCategoryLabel and the collateral/borrowable bitmaps, rates by \
                          getInterestRateData, run as v3.3"
            .to_string(),
        Release::V3_4 | Release::V3_5 => format!(
            "a v3.4+ pool (it answers RESERVE_INTEREST_RATE_STRATEGY): eModes by bitmaps, rates by \
             getInterestRateData; {}",
            match (read.release, read.release_decided) {
                (Release::V3_4, _) => "balanceOf rounds half up: v3.4".to_string(),
                (_, true) => "balanceOf rounds aTokens down, debt up: v3.5+".to_string(),
                _ => "no held balance tells v3.4's half-up balanceOf from v3.5's floor/ceil: \
                      v3.5 taken"
                    .to_string(),
            }
        ),
    };
    for r in &read.reserves {
        if let Some(d) = r.deficit {
            note.push_str(&format!("; getReserveDeficit({}) = {d}", r.asset));
        }
        if let Some(v) = r.virtual_balance {
            note.push_str(&format!("; getVirtualUnderlyingBalance({}) = {v}", r.asset));
        }
    }
    note
}

fn oracle_id(pool: Address, cx: &Context<'_>, asset: Address) -> String {
    format!("aave-{pool}-{}", cx.id(asset))
}

fn price_reference(read: &PoolRead, r: &ReserveRead, cx: &Context<'_>) -> String {
    format!(
        "{}: AaveOracle {} of Aave pool {}: getAssetPrice({}) = {} / BASE_CURRENCY_UNIT {} USD \
         per {} (source {})",
        cx.at,
        read.oracle,
        read.pool,
        r.asset,
        r.price,
        read.base_currency_unit,
        cx.id(r.asset),
        r.price_source,
    )
}

impl Part for AavePart {
    fn tokens(&self) -> Vec<Address> {
        self.pools.iter().flat_map(|p| p.read.reserves.iter().map(|r| r.asset)).collect()
    }

    fn oracles(&self) -> Vec<Address> {
        self.pools.iter().map(|p| p.read.oracle).collect()
    }

    /// Each reserve's USD price by the pool's `AaveOracle`, exact (8 decimals).
    fn quotes(&self, cx: &Context<'_>) -> Result<Vec<Quote>> {
        let mut quotes = Vec::new();
        for p in &self.pools {
            for r in &p.read.reserves {
                let (usd, _) = as_decimal(
                    &format!("AaveOracle price of {}", r.asset),
                    r.price,
                    BASE_DECIMALS,
                )?;
                quotes.push(Quote {
                    token: r.asset,
                    value: QuoteValue::Usd(usd),
                    rank: QuoteRank::Oracle,
                    reference: price_reference(&p.read, r, cx),
                });
            }
        }
        Ok(quotes)
    }

    fn assemble(&self, cx: &Context<'_>) -> Result<Contribution> {
        let mut out = Contribution::default();
        let mut empty = 0;
        let mut pages = 0;
        for p in &self.pools {
            let read = &p.read;
            let pool = read.pool;
            empty += p.empty;
            pages += p.pages_fetched;
            let (kind, how) = cx.oracle_kind(read.oracle);
            let mut reserves = Vec::with_capacity(read.reserves.len());
            for r in &read.reserves {
                let token = cx.token(r.asset)?;
                if token.decimals != r.config.decimals {
                    return Err(Error::inconsistent(
                        format!("decimals of reserve {} of Aave pool {pool}", r.asset),
                        format!("the token's decimals() = {}", token.decimals),
                        format!("the configuration's {}", r.config.decimals),
                    ));
                }
                let (usd, _) = as_decimal(
                    &format!("AaveOracle price of {}", r.asset),
                    r.price,
                    BASE_DECIMALS,
                )?;
                out.oracles.push(OracleSpec {
                    id: oracle_id(pool, cx, r.asset),
                    token: cx.id(r.asset),
                    quote: None,
                    kind: kind.clone(),
                    price: usd,
                    source: source(
                        SourceKind::Onchain,
                        format!("{} (exact); {how}", price_reference(read, r, cx)),
                        Confidence::High,
                    ),
                });
                let c = &r.config;
                reserves.push(AaveReserveSpec {
                    token: cx.id(r.asset),
                    decimals: c.decimals,
                    oracle: oracle_id(pool, cx, r.asset),
                    ltv: c.ltv,
                    liquidation_threshold: c.liquidation_threshold,
                    liquidation_bonus: c.liquidation_bonus,
                    liquidation_protocol_fee: c.liquidation_protocol_fee,
                    reserve_factor: c.reserve_factor,
                    supply_cap: c.supply_cap,
                    borrow_cap: c.borrow_cap,
                    borrowing_enabled: c.borrowing_enabled,
                    rate_strategy: Some(AaveRateSpec {
                        optimal_usage_ratio: Raw(r.rates.optimal_usage_ratio),
                        base_variable_borrow_rate: Raw(r.rates.base_variable_borrow_rate),
                        variable_rate_slope1: Raw(r.rates.variable_rate_slope1),
                        variable_rate_slope2: Raw(r.rates.variable_rate_slope2),
                    }),
                });
            }
            let ids = |list: &[u16]| -> Vec<String> {
                list.iter().map(|i| cx.id(read.reserves[usize::from(*i)].asset)).collect()
            };
            let e_modes = read
                .e_modes
                .iter()
                .map(|e| {
                    AaveEModeSpec {
                        id: e.id,
                        label: e.data.label.clone(),
                        ltv: e.data.ltv,
                        liquidation_threshold: e.data.liquidationThreshold,
                        liquidation_bonus: e.data.liquidationBonus,
                        // v3.0/3.1: the reserves of the category; v3.2+: the bitmaps.
                        collateral: ids(&e.collateral),
                        borrowable: ids(&e.borrowable),
                    }
                })
                .collect();
            let mut positions = Vec::new();
            for (account, user) in &read.users {
                let (mut supply, mut debt) = (Vec::new(), Vec::new());
                for (id, (a, d)) in &user.scaled {
                    let r = &read.reserves[usize::from(*id)];
                    if !a.is_zero() {
                        supply.push(AaveBalanceSpec {
                            token: cx.id(r.asset),
                            amount: Raw(r.a_balance(*a, read.release)?),
                            collateral: user.collateral(*id),
                        });
                    }
                    if !d.is_zero() {
                        debt.push(AaveBalanceSpec {
                            token: cx.id(r.asset),
                            amount: Raw(r.debt_balance(*d, read.release)?),
                            // Meaningful for supplies only; the default keeps it out of the JSON.
                            collateral: true,
                        });
                    }
                }
                if supply.is_empty() && debt.is_empty() {
                    continue;
                }
                positions.push(AavePositionSpec {
                    account: RawAddress(*account),
                    e_mode: user.e_mode,
                    supply,
                    debt,
                });
            }
            out.positions += positions.len();
            let reference = format!(
                "{}: Aave v3 pool {pool} (addresses provider {}, oracle {}): getReservesList, \
                 getReserveData and getConfiguration (bitmap decoded at ReserveConfiguration.sol's \
                 positions), getEModeCategoryData, each rate strategy's variable-rate getters, \
                 getUserEMode, getUserConfiguration and the tokens' scaledBalanceOf; balances are \
                 balanceOf at the block (rayMul by getReserveNormalizedIncome / \
                 getReserveNormalizedVariableDebt); {}",
                cx.at,
                read.provider,
                read.oracle,
                release_note(read),
            );
            out.lending_markets.push(LendingMarketSpec {
                id: format!("aave-v3-{pool}"),
                name: format!("Aave v3 {pool}"),
                protocol: LendingProtocolSpec::AaveV3(AaveMarketSpec {
                    version: read.release.spec(),
                    reserves,
                    e_modes,
                    positions,
                }),
                source: source(SourceKind::Onchain, reference, Confidence::High),
            });
        }
        out.summary = format!(
            "{} Aave v3 pool(s), {} non-empty position(s) of the accounts in their Supply and \
             Borrow events of blocks [{}, {}] ({pages} log page(s) fetched), of the accounts given \
             and of the reserves' treasuries; {empty} account(s) with an empty position left out. \
             Scaled balances add up to the aToken and variable-debt totals.",
            self.pools.len(),
            out.positions,
            self.from_block,
            self.to_block,
        );
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::aave::{
        AaveConfigurationMap, AaveEModeCategory, AaveReserveData, EModeRead, RateRead,
        ReserveConfig, UserRead,
    };

    use std::collections::BTreeMap;

    /// One reserve with aToken total 30 and debt total 5, held by two accounts (20 + 10 and
    /// 5 of debt), the second being the treasury.
    fn pool() -> PoolRead {
        let asset = Address::repeat_byte(1);
        let reserve = ReserveRead {
            asset,
            id: 0,
            config_raw: U256::ZERO,
            config: ReserveConfig::decode(U256::ZERO),
            data: AaveReserveData {
                configuration: AaveConfigurationMap { data: U256::ZERO },
                liquidityIndex: 0,
                currentLiquidityRate: 0,
                variableBorrowIndex: 0,
                currentVariableBorrowRate: 0,
                currentStableBorrowRate: 0,
                lastUpdateTimestamp: alloy::primitives::aliases::U40::ZERO,
                id: 0,
                aTokenAddress: Address::ZERO,
                stableDebtTokenAddress: Address::ZERO,
                variableDebtTokenAddress: Address::ZERO,
                interestRateStrategyAddress: Address::ZERO,
                accruedToTreasury: 0,
                unbacked: 0,
                isolationModeTotalDebt: 0,
            },
            normalized_income: U256::ZERO,
            normalized_variable_debt: U256::ZERO,
            a_scaled_total: U256::from(30u8),
            debt_scaled_total: U256::from(5u8),
            stable_debt_total: U256::ZERO,
            treasury: Address::repeat_byte(0x7e),
            rates: RateRead {
                optimal_usage_ratio: U256::ZERO,
                base_variable_borrow_rate: U256::ZERO,
                variable_rate_slope1: U256::ZERO,
                variable_rate_slope2: U256::ZERO,
            },
            price_source: Address::ZERO,
            price: U256::ZERO,
            deficit: None,
            virtual_balance: None,
        };
        let user = |a: u8, d: u8| UserRead {
            e_mode: 0,
            config: U256::ZERO,
            scaled: BTreeMap::from([(0, (U256::from(a), U256::from(d)))]),
        };
        PoolRead {
            pool: Address::repeat_byte(9),
            release: Release::V3_0,
            release_decided: true,
            provider: Address::ZERO,
            oracle: Address::ZERO,
            base_currency_unit: U256::from(100_000_000u64),
            reserves: vec![reserve],
            e_modes: Vec::new(),
            users: BTreeMap::from([
                (Address::repeat_byte(2), user(20, 5)),
                (Address::repeat_byte(0x7e), user(10, 0)),
            ]),
        }
    }

    #[test]
    fn positions_must_add_up_to_the_scaled_totals() {
        assert!(check(&pool(), 0, 9).is_ok());
        // Without the treasury, 10 scaled aTokens are missing: named by reserve, with the gap.
        let mut read = pool();
        read.users.remove(&Address::repeat_byte(0x7e));
        let err = check(&read, 0, 9).unwrap_err().to_string();
        assert!(
            err.contains("scaled aToken balances")
                && err.contains(&Address::repeat_byte(1).to_string()),
            "{err}"
        );
        assert!(err.contains("expected 30, found 20"), "{err}");
        let mut read = pool();
        read.reserves[0].debt_scaled_total = U256::from(6u8);
        let err = check(&read, 0, 9).unwrap_err().to_string();
        assert!(
            err.contains("scaled variable-debt balances") && err.contains("expected 6, found 5"),
            "{err}"
        );
    }

    #[test]
    fn what_the_snapshot_cannot_hold_is_refused() {
        let mut read = pool();
        read.reserves[0].stable_debt_total = U256::from(1u8);
        assert!(check(&read, 0, 9).unwrap_err().to_string().contains("stable debt"));
        let mut read = pool();
        read.base_currency_unit = U256::from(10u64).pow(U256::from(18u8));
        assert!(check(&read, 0, 9).unwrap_err().to_string().contains("BASE_CURRENCY_UNIT"));
        let mut read = pool();
        read.e_modes.push(EModeRead {
            id: 1,
            data: AaveEModeCategory {
                ltv: 9_000,
                liquidationThreshold: 9_300,
                liquidationBonus: 10_100,
                priceSource: Address::repeat_byte(5),
                label: "ETH".into(),
            },
            collateral: vec![0],
            borrowable: vec![0],
        });
        assert!(check(&read, 0, 9).unwrap_err().to_string().contains("priceSource"));
    }
}
