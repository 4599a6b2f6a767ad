//! Compound v3 (Comet) markets in a snapshot.
//!
//! [`read`] discovers each market's accounts from its events (plus the caller's), reads the
//! market and every position at the pinned block, and accrues the indexes to the block's
//! timestamp exactly as Comet's `accrueInternal` would (the lending model mirrors it), so the
//! snapshot is what the next transaction sees. The accrual is checked against the contract's own:
//! the reserves the model computes must equal `getReserves()` (which accrues to the block), to the
//! unit. The principals found must add up to `totalSupplyBase`/`totalBorrowBase` and the
//! collateral balances to `totalsCollateral`, else the read fails naming the market and the gap.

use super::{
    Request, Stage, accounts,
    part::{Context, Contribution, Part, Quote, QuoteRank, QuoteValue, as_decimal, source},
};
use crate::{
    Error, Result,
    chain::{Chain, PinnedBlock},
    readers::comet::{CometRead, comet_accounts, read_comet},
};
use alloy::primitives::{Address, U256};
use faultline_snapshot::{
    CollateralBalanceSpec, CometAssetSpec, CometCurveSpec, CometMarketSpec, CometPositionSpec,
    CometRatesSpec, Confidence, LendingMarketSpec, LendingProtocolSpec, OracleSpec, Raw,
    RawAddress, SourceKind,
};

/// One market, read and accrued to the block.
struct Market {
    read: CometRead,
    /// `(baseSupplyIndex, baseBorrowIndex)` accrued to the block's timestamp.
    indexes: (U256, U256),
    /// Accounts read whose position is empty.
    empty: usize,
    /// Log pages fetched by the discovery.
    pages_fetched: usize,
    /// Accounts found in the logs.
    found: usize,
}

/// The Comet markets of a request, read and accrued.
pub(crate) struct CometPart {
    from_block: u64,
    to_block: u64,
    given: usize,
    markets: Vec<Market>,
}

/// Reads the Comet markets at `comets` at `chain`'s pinned block.
pub(crate) async fn read(
    chain: &Chain,
    request: &Request,
    comets: &[Address],
    progress: &mut dyn FnMut(Stage),
) -> Result<CometPart> {
    let block = *chain.block();
    let mut markets = Vec::with_capacity(comets.len());
    accounts::distinct("comet markets", comets)?;
    for comet in comets {
        progress(Stage::Reading { target: super::Target::Comet(*comet).to_string() });
        let (found, accounts, report) =
            accounts::discover(request, block.number, progress, |from, to, span, cache| {
                comet_accounts(chain, *comet, from, to, span, cache)
            })
            .await?;
        progress(Stage::ReadingMarkets { markets: 1, positions: accounts.len() });
        let read = read_comet(chain, *comet, &accounts).await?;
        markets.push(accrue(read, &block, request.from_block, report.pages_fetched, found.len())?);
    }
    Ok(CometPart {
        from_block: request.from_block,
        to_block: block.number,
        given: request.accounts.len(),
        markets,
    })
}

/// Accrues `read` to the block's timestamp, checks the accrual against `getReserves()` and the
/// positions against the totals.
fn accrue(
    read: CometRead,
    block: &PinnedBlock,
    from: u64,
    pages_fetched: usize,
    found: usize,
) -> Result<Market> {
    let comet = read.comet;
    let mut model = read.to_model()?;
    let elapsed = block.timestamp.checked_sub(read.totals.last_accrual_time).ok_or_else(|| {
        Error::inconsistent(
            format!("lastAccrualTime of Comet {comet}"),
            format!("at most the block's timestamp {}", block.timestamp),
            read.totals.last_accrual_time,
        )
    })?;
    let what = || format!("Comet market {comet}");
    model.accrue(elapsed).map_err(|source| Error::Model { what: what(), source })?;
    let reserves = model.reserves().map_err(|source| Error::Model { what: what(), source })?;
    if reserves != read.reserves {
        return Err(Error::inconsistent(
            format!(
                "reserves of Comet {comet} with the indexes accrued over {elapsed} s to the block \
                 (getReserves())"
            ),
            read.reserves,
            reserves,
        ));
    }
    let gap = |what: String, total: U256, found: U256| {
        Error::inconsistent(
            format!(
                "{what} of the accounts found for Comet {comet} (from logs of blocks [{from}, {}] \
                 and the accounts given; an earlier first block or the missing accounts would \
                 find the rest)",
                block.number
            ),
            total,
            found,
        )
    };
    let (mut supply, mut borrow) = (U256::ZERO, U256::ZERO);
    let mut collateral = vec![U256::ZERO; read.assets.len()];
    let mut empty = 0;
    for (principal, balances) in read.positions.values() {
        if principal.is_zero() && balances.iter().all(U256::is_zero) {
            empty += 1;
        }
        if principal.is_negative() {
            borrow = borrow.saturating_add(principal.unsigned_abs());
        } else {
            supply = supply.saturating_add(principal.unsigned_abs());
        }
        for (sum, b) in collateral.iter_mut().zip(balances) {
            *sum = sum.saturating_add(*b);
        }
    }
    if supply != read.totals.total_supply_base {
        return Err(gap(
            "supply principal (totalSupplyBase)".into(),
            read.totals.total_supply_base,
            supply,
        ));
    }
    if borrow != read.totals.total_borrow_base {
        return Err(gap(
            "borrow principal (totalBorrowBase)".into(),
            read.totals.total_borrow_base,
            borrow,
        ));
    }
    for (sum, a) in collateral.iter().zip(&read.assets) {
        if *sum != a.total_supply {
            return Err(gap(
                format!("collateral {} (totalsCollateral)", a.asset),
                a.total_supply,
                *sum,
            ));
        }
    }
    Ok(Market { indexes: model.indexes(), read, empty, pages_fetched, found })
}

/// `getPrice` answers are USD with 8 decimals.
const PRICE_DECIMALS: u8 = 8;

/// The oracle id of `token`'s feed in the market at `comet`.
fn oracle_id(cx: &Context<'_>, comet: Address, token: Address) -> String {
    format!("comet-{comet}-{}", cx.id(token))
}

/// Every feed of a market: `(token, feed, raw answer)`, the base first.
fn feeds(m: &Market) -> Vec<(Address, Address, U256)> {
    let r = &m.read;
    let mut out = vec![(r.base_token, r.base_price_feed, r.base_price)];
    out.extend(r.assets.iter().map(|a| (a.asset, a.price_feed, a.price)));
    out
}

impl Part for CometPart {
    fn tokens(&self) -> Vec<Address> {
        self.markets.iter().flat_map(|m| feeds(m).into_iter().map(|(t, _, _)| t)).collect()
    }

    fn oracles(&self) -> Vec<Address> {
        self.markets.iter().flat_map(|m| feeds(m).into_iter().map(|(_, f, _)| f)).collect()
    }

    /// Each feed's answer: USD per whole token.
    fn quotes(&self, cx: &Context<'_>) -> Result<Vec<Quote>> {
        let mut quotes = Vec::new();
        for m in &self.markets {
            for (token, feed, raw) in feeds(m) {
                let field = format!("Comet {} getPrice({feed})", m.read.comet);
                let (price, _) = as_decimal(&field, raw, PRICE_DECIMALS)?;
                quotes.push(Quote {
                    token,
                    value: QuoteValue::Usd(price),
                    rank: QuoteRank::Oracle,
                    reference: format!(
                        "Comet {}.getPrice({feed}) at {} = {raw} (USD, 8 decimals) = {price} USD \
                         per {}",
                        m.read.comet,
                        cx.at,
                        cx.id(token)
                    ),
                });
            }
        }
        Ok(quotes)
    }

    fn assemble(&self, cx: &Context<'_>) -> Result<Contribution> {
        let mut out = Contribution::default();
        let mut empty = 0;
        for m in &self.markets {
            let r = &m.read;
            for (token, feed, raw) in feeds(m) {
                let field = format!("Comet {} getPrice({feed})", r.comet);
                let (price, exact) = as_decimal(&field, raw, PRICE_DECIMALS)?;
                let (kind, how) = cx.oracle_kind(feed);
                let exactness = if exact { "exact" } else { "rounded down to fit a decimal" };
                out.oracles.push(OracleSpec {
                    id: oracle_id(cx, r.comet, token),
                    token: cx.id(token),
                    quote: None,
                    kind,
                    price,
                    source: source(
                        SourceKind::Onchain,
                        format!(
                            "{}: Comet {}.getPrice({feed}) = {raw} (USD, 8 decimals) = {price} \
                             USD per {} ({exactness}); {how}",
                            cx.at,
                            r.comet,
                            cx.id(token)
                        ),
                        Confidence::High,
                    ),
                });
            }
            let mut positions = Vec::new();
            for (account, (principal, balances)) in &r.positions {
                if principal.is_zero() && balances.iter().all(U256::is_zero) {
                    continue;
                }
                let (supply, borrow) = if principal.is_negative() {
                    (U256::ZERO, principal.unsigned_abs())
                } else {
                    (principal.unsigned_abs(), U256::ZERO)
                };
                positions.push(CometPositionSpec {
                    account: RawAddress(*account),
                    supply_principal: Raw(supply),
                    borrow_principal: Raw(borrow),
                    collateral: r
                        .assets
                        .iter()
                        .zip(balances)
                        .filter(|(_, b)| !b.is_zero())
                        .map(|(a, b)| CollateralBalanceSpec {
                            token: cx.id(a.asset),
                            amount: Raw(*b),
                        })
                        .collect(),
                });
            }
            out.positions += positions.len();
            empty += m.empty;
            let curve = |c: &faultline_lending::comet::RateCurve| CometCurveSpec {
                kink: Raw(c.kink),
                base_per_year: Raw(c.base_per_year),
                slope_low_per_year: Raw(c.slope_low_per_year),
                slope_high_per_year: Raw(c.slope_high_per_year),
            };
            let reference = format!(
                "{}: Comet {}: baseToken, baseTokenPriceFeed, numAssets, getAssetInfo, getPrice, \
                 baseScale, storeFrontPriceFactor, targetReserves, baseBorrowMin, supply/borrow \
                 kinks and per-second rates (times 31,536,000 for the yearly figures), \
                 totalsBasic, totalsCollateral, userBasic and userCollateral of each account, \
                 baseToken.balanceOf(comet); indexes accrued from lastAccrualTime {} to the \
                 block's timestamp {} as Comet's accrueInternal does (reserves {} equal \
                 getReserves()); collateral reserves (balance beyond totalsCollateral) not \
                 carried",
                cx.at, r.comet, r.totals.last_accrual_time, cx.block.timestamp, r.reserves,
            );
            out.lending_markets.push(LendingMarketSpec {
                id: format!("comet-{}", r.comet),
                name: format!("Compound v3 {} {}", cx.id(r.base_token), r.comet),
                protocol: LendingProtocolSpec::CompoundV3(CometMarketSpec {
                    base_token: cx.id(r.base_token),
                    base_oracle: oracle_id(cx, r.comet, r.base_token),
                    store_front_price_factor: Raw(r.store_front_price_factor),
                    target_reserves: Raw(r.target_reserves),
                    base_borrow_min: Raw(r.base_borrow_min),
                    base_supply_index: Raw(m.indexes.0),
                    base_borrow_index: Raw(m.indexes.1),
                    total_supply_base: Raw(r.totals.total_supply_base),
                    total_borrow_base: Raw(r.totals.total_borrow_base),
                    base_balance: Raw(r.base_balance),
                    rates: Some(CometRatesSpec {
                        supply: curve(&r.supply),
                        borrow: curve(&r.borrow),
                    }),
                    assets: r
                        .assets
                        .iter()
                        .map(|a| CometAssetSpec {
                            token: cx.id(a.asset),
                            oracle: oracle_id(cx, r.comet, a.asset),
                            borrow_collateral_factor: Raw(a.borrow_collateral_factor),
                            liquidate_collateral_factor: Raw(a.liquidate_collateral_factor),
                            liquidation_factor: Raw(a.liquidation_factor),
                        })
                        .collect(),
                    positions,
                }),
                source: source(SourceKind::Onchain, reference, Confidence::High),
            });
        }
        let found: usize = self.markets.iter().map(|m| m.found).sum();
        let pages: usize = self.markets.iter().map(|m| m.pages_fetched).sum();
        out.summary = format!(
            "{} Compound v3 market(s), {} non-empty position(s) of the {found} account(s) in \
             their Supply, Withdraw, Transfer, SupplyCollateral, TransferCollateral, \
             WithdrawCollateral and AbsorbDebt events of blocks [{}, {}] ({pages} log page(s) \
             fetched) and the {} account(s) given; {empty} empty left out. Principals add up to \
             totalsBasic and collateral to totalsCollateral.",
            self.markets.len(),
            out.positions,
            self.from_block,
            self.to_block,
            self.given,
        );
        Ok(out)
    }
}
