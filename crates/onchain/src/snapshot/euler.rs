//! Euler v2 (EVK) liability vaults in a snapshot.
//!
//! [`read`] discovers each vault's accounts from its events (plus the caller's), reads the vault,
//! its collaterals, its router's quotes and every position at the pinned block. The vault's views
//! accrue interest to the block themselves (`debtOf`, `totalBorrows`, `totalSupply`), so the
//! snapshot is what the next transaction sees. A liquidation LTV in the middle of a ramp is taken
//! as the EVK computes it at the block's timestamp (and its source says so). Collateral balances
//! are carried in the collateral vault's asset (`convertToAssets` of the shares, as the router
//! values a resolved vault), priced by the router's quote of the asset; two collaterals over one
//! asset (or over the vault's own) are an error naming them. The debts found must add up to
//! `totalBorrows` within the EVK's rounding (one unit per debtor, plus one, either way) and the
//! shares with `accumulatedFees` to `totalSupply`, else the read fails naming the vault and the
//! gap.

use super::{
    Request, Stage, accounts,
    part::{Context, Contribution, Part, Quote, QuoteRank, QuoteValue, as_decimal, source},
};
use crate::{
    Error, Result,
    chain::{Chain, PinnedBlock},
    readers::euler::{CFG_DONT_SOCIALIZE_DEBT, EulerRead, euler_accounts, read_euler},
};
use alloy::primitives::{Address, U256};
use faultline_snapshot::{
    CollateralBalanceSpec, Confidence, EulerCollateralSpec, EulerIrmSpec, EulerPositionSpec,
    EulerVaultSpec, LendingMarketSpec, LendingProtocolSpec, OracleSpec, Raw, RawAddress,
    SourceKind,
};
use std::collections::BTreeSet;

/// One vault, read and checked.
struct Vault {
    read: EulerRead,
    /// The block's timestamp (for the LTV ramps).
    now: u64,
    /// Accounts read whose position is empty.
    empty: usize,
    /// Log pages fetched by the discovery.
    pages_fetched: usize,
    /// Accounts found in the logs.
    found: usize,
}

/// The Euler v2 vaults of a request.
pub(crate) struct EulerPart {
    from_block: u64,
    to_block: u64,
    given: usize,
    vaults: Vec<Vault>,
}

/// Reads the liability vaults at `vaults` at `chain`'s pinned block.
pub(crate) async fn read(
    chain: &Chain,
    request: &Request,
    vaults: &[Address],
    progress: &mut dyn FnMut(Stage),
) -> Result<EulerPart> {
    let block = *chain.block();
    let mut out = Vec::with_capacity(vaults.len());
    accounts::distinct("euler vaults", vaults)?;
    for vault in vaults {
        progress(Stage::Reading { target: super::Target::Euler(*vault).to_string() });
        let (found, accounts, report) =
            accounts::discover(request, block.number, progress, |from, to, span, cache| {
                euler_accounts(chain, *vault, from, to, span, cache)
            })
            .await?;
        progress(Stage::ReadingMarkets { markets: 1, positions: accounts.len() });
        let read = read_euler(chain, *vault, &accounts).await?;
        out.push(check(read, &block, request.from_block, report.pages_fetched, found.len())?);
    }
    Ok(EulerPart {
        from_block: request.from_block,
        to_block: block.number,
        given: request.accounts.len(),
        vaults: out,
    })
}

/// Checks the positions against the vault's totals.
fn check(
    read: EulerRead,
    block: &PinnedBlock,
    from: u64,
    pages_fetched: usize,
    found: usize,
) -> Result<Vault> {
    let vault = read.vault;
    // The spec lists a collateral by its vault's asset: each asset once, none the lent one.
    let mut assets = BTreeSet::from([read.asset]);
    for c in &read.collaterals {
        if !assets.insert(c.asset) {
            return Err(Error::invalid(
                format!("collateral {} of Euler vault {vault}", c.vault),
                "a collateral vault over an asset no other collateral (nor the vault) has: the \
                 snapshot carries a collateral as its asset",
                format!("asset {} again", c.asset),
            ));
        }
    }
    let gap = |what: &str, total: String, sum: U256| {
        Error::inconsistent(
            format!(
                "{what} of the accounts found for Euler vault {vault} (from logs of blocks \
                 [{from}, {}] and the accounts given; an earlier first block or the missing \
                 accounts would find the rest)",
                block.number
            ),
            total,
            sum,
        )
    };
    let (mut debts, mut debtors, mut shares, mut empty) = (U256::ZERO, 0u64, U256::ZERO, 0);
    for p in read.positions.values() {
        if p.debt.is_zero() && p.shares.is_zero() && p.collateral.iter().all(|c| c.1.is_zero()) {
            empty += 1;
        }
        if !p.debt.is_zero() {
            debtors += 1;
        }
        debts = debts.saturating_add(p.debt);
        shares = shares.saturating_add(p.shares);
    }
    // Each debtOf rounds its owed amount (31 extra bits) up and totalBorrows the total once;
    // per-account interest rounds down while the total's does not: at most one unit per debtor,
    // plus one, either way.
    let slack = U256::from(debtors + 1);
    let off = if debts > read.total_borrows {
        debts - read.total_borrows
    } else {
        read.total_borrows - debts
    };
    if off > slack {
        return Err(gap(
            "debts (debtOf)",
            format!(
                "totalBorrows() {} (within {slack} for the rounding of {debtors} debts)",
                read.total_borrows
            ),
            debts,
        ));
    }
    let held = read.total_supply.saturating_sub(read.accumulated_fees);
    if shares != held || read.accumulated_fees > read.total_supply {
        return Err(gap(
            "shares (balanceOf)",
            format!(
                "totalSupply() {} less accumulatedFees() {}: {held}",
                read.total_supply, read.accumulated_fees
            ),
            shares,
        ));
    }
    Ok(Vault { read, now: block.timestamp, empty, pages_fetched, found })
}

/// Quotes are in the unit of account (USD), 18 decimals.
const QUOTE_DECIMALS: u8 = 18;

/// The oracle id of `token`'s quote through the router of the vault at `vault`.
fn oracle_id(cx: &Context<'_>, vault: Address, token: Address) -> String {
    format!("euler-{vault}-{}", cx.id(token))
}

/// Every quote of a vault: `(token, raw quote for one whole token)`, the asset first.
fn quotes_of(v: &Vault) -> Vec<(Address, U256)> {
    let r = &v.read;
    let mut out = vec![(r.asset, r.asset_quote)];
    out.extend(r.collaterals.iter().map(|c| (c.asset, c.quote)));
    out
}

fn reference(cx: &Context<'_>, r: &EulerRead, token: Address, raw: U256) -> Result<String> {
    let decimals = cx.token(token)?.decimals;
    Ok(format!(
        "Euler vault {}: router {}.getQuote(1e{decimals}, {token}, {}) at {} = {raw} (USD, 18 \
         decimals)",
        r.vault, r.oracle, r.unit_of_account, cx.at
    ))
}

impl Part for EulerPart {
    fn tokens(&self) -> Vec<Address> {
        self.vaults.iter().flat_map(|v| quotes_of(v).into_iter().map(|(t, _)| t)).collect()
    }

    fn oracles(&self) -> Vec<Address> {
        self.vaults.iter().map(|v| v.read.oracle).collect()
    }

    /// Each quote: USD per whole token.
    fn quotes(&self, cx: &Context<'_>) -> Result<Vec<Quote>> {
        let mut quotes = Vec::new();
        for v in &self.vaults {
            for (token, raw) in quotes_of(v) {
                let field = format!("Euler {} getQuote of {token}", v.read.vault);
                let (price, _) = as_decimal(&field, raw, QUOTE_DECIMALS)?;
                quotes.push(Quote {
                    token,
                    value: QuoteValue::Usd(price),
                    rank: QuoteRank::Oracle,
                    reference: format!(
                        "{} = {price} USD per {}",
                        reference(cx, &v.read, token, raw)?,
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
        for v in &self.vaults {
            let r = &v.read;
            // One oracle per token: a token both asset and collateral is quoted once.
            let mut named = BTreeSet::new();
            for (token, raw) in quotes_of(v) {
                if !named.insert(token) {
                    continue;
                }
                let field = format!("Euler {} getQuote of {token}", r.vault);
                let (price, exact) = as_decimal(&field, raw, QUOTE_DECIMALS)?;
                let (kind, how) = cx.oracle_kind(r.oracle);
                let exactness = if exact { "exact" } else { "rounded down to fit a decimal" };
                out.oracles.push(OracleSpec {
                    id: oracle_id(cx, r.vault, token),
                    token: cx.id(token),
                    quote: None,
                    kind,
                    price,
                    source: source(
                        SourceKind::Onchain,
                        format!(
                            "{} = {price} USD per {} ({exactness}); {how}",
                            reference(cx, r, token, raw)?,
                            cx.id(token)
                        ),
                        Confidence::High,
                    ),
                });
            }
            let mut ramps = Vec::new();
            let collaterals = r
                .collaterals
                .iter()
                .map(|c| {
                    let liquidation_ltv = c.ltv.liquidation_at(v.now);
                    if c.ltv.ramping(v.now) {
                        ramps.push(format!(
                            "collateral {} liquidation LTV ramping from {} to {} until {}: {} at \
                             the block's timestamp {} (LTVConfig.getLTV)",
                            c.vault,
                            c.ltv.initial,
                            c.ltv.liquidation,
                            c.ltv.target_timestamp,
                            liquidation_ltv,
                            v.now
                        ));
                    }
                    EulerCollateralSpec {
                        token: cx.id(c.asset),
                        oracle: oracle_id(cx, r.vault, c.asset),
                        borrow_ltv: c.ltv.borrow,
                        liquidation_ltv,
                    }
                })
                .collect();
            let mut positions = Vec::new();
            for (account, p) in &r.positions {
                let collateral: Vec<CollateralBalanceSpec> = r
                    .collaterals
                    .iter()
                    .zip(&p.collateral)
                    .filter(|(_, (_, assets))| !assets.is_zero())
                    .map(|(c, (_, assets))| CollateralBalanceSpec {
                        token: cx.id(c.asset),
                        amount: Raw(*assets),
                    })
                    .collect();
                if p.debt.is_zero() && p.shares.is_zero() && collateral.is_empty() {
                    continue;
                }
                positions.push(EulerPositionSpec {
                    account: RawAddress(*account),
                    shares: Raw(p.shares),
                    debt: Raw(p.debt),
                    collateral,
                });
            }
            out.positions += positions.len();
            empty += v.empty;
            let irm = r.irm.map(|k| EulerIrmSpec {
                base_rate: Raw(k.base_rate),
                slope1: Raw(k.slope1),
                slope2: Raw(k.slope2),
                kink: k.kink,
                interest_fee: r.interest_fee,
            });
            let irm_note = match (&r.irm, r.irm_address) {
                (Some(_), a) => format!("IRMLinearKink {a} (baseRate, slope1, slope2, kink)"),
                (None, a) if a == Address::ZERO => "no IRM (address 0: nothing accrues)".into(),
                (None, a) => format!(
                    "IRM {a} does not answer IRMLinearKink's getters: not carried, nothing \
                     accrues over a run"
                ),
            };
            let ramp_note = if ramps.is_empty() {
                "no LTV ramp in progress".to_owned()
            } else {
                ramps.join("; ")
            };
            let reference = format!(
                "{}: Euler vault {}: asset, oracle, unitOfAccount, EVC, LTVList, LTVFull of each \
                 collateral, maxLiquidationDiscount, configFlags {}, cash, totalBorrows {}, \
                 totalSupply {} (accumulatedFees {}), interestRateModel, interestFee {}; {irm_note}; \
                 {ramp_note}; debtOf and balanceOf of each account, its collaterals from \
                 EVC.getCollaterals, each collateral vault's balanceOf converted by its \
                 convertToAssets (the router resolves the vault to its asset)",
                cx.at,
                r.vault,
                r.config_flags,
                r.total_borrows,
                r.total_supply,
                r.accumulated_fees,
                r.interest_fee,
            );
            out.lending_markets.push(LendingMarketSpec {
                id: format!("euler-{}", r.vault),
                name: format!("Euler v2 {} {}", cx.id(r.asset), r.vault),
                protocol: LendingProtocolSpec::EulerV2(EulerVaultSpec {
                    asset: cx.id(r.asset),
                    asset_oracle: oracle_id(cx, r.vault, r.asset),
                    max_liquidation_discount: r.max_liquidation_discount,
                    socialize_debt: r.config_flags & CFG_DONT_SOCIALIZE_DEBT == 0,
                    cash: Raw(r.cash),
                    total_shares: Raw(r.total_supply),
                    irm,
                    collaterals,
                    positions,
                }),
                source: source(SourceKind::Onchain, reference, Confidence::High),
            });
        }
        let found: usize = self.vaults.iter().map(|v| v.found).sum();
        let pages: usize = self.vaults.iter().map(|v| v.pages_fetched).sum();
        out.summary = format!(
            "{} Euler v2 vault(s), {} non-empty position(s) of the {found} account(s) in their \
             Transfer, Deposit, Withdraw, Borrow and Repay events of blocks [{}, {}] ({pages} \
             log page(s) fetched) and the {} account(s) given; {empty} empty left out. Debts add \
             up to totalBorrows and shares with accumulatedFees to totalSupply.",
            self.vaults.len(),
            out.positions,
            self.from_block,
            self.to_block,
            self.given,
        );
        Ok(out)
    }
}
