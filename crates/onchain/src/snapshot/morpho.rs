//! Morpho Blue markets in a snapshot.
//!
//! [`read`] discovers the accounts of the requested markets from their events, reads the markets
//! and every position at the pinned block, and accrues interest to the block's timestamp exactly
//! as Morpho's `_accrueInterest` would (the lending model mirrors it), so the snapshot is what the
//! next transaction sees. The positions found must add up to the markets' share totals, else the
//! read fails naming the market and the gap: a snapshot never silently lacks positions.

use super::{
    Request, Stage,
    part::{Context, Contribution, Part, Quote, QuoteRank, QuoteValue, as_decimal, source},
};
use crate::{
    Error, Result,
    chain::{Chain, PinnedBlock},
    discovery,
    readers::morpho::{IrmState, MarketRead, fee_recipient, read_markets},
};
use alloy::primitives::{Address, B256, U256};
use faultline_lending::morpho::Position;
use faultline_snapshot::{
    Confidence, LendingMarketSpec, LendingProtocolSpec, MorphoIrmSpec, MorphoMarketSpec,
    MorphoPositionSpec, OracleSpec, Raw, RawAddress, SourceKind,
};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

/// One market, read and accrued to the block.
struct Market {
    read: MarketRead,
    /// Totals after accrual to the block's timestamp.
    state: faultline_lending::morpho::MarketState,
    /// Non-empty positions after accrual (the fee recipient's included).
    positions: BTreeMap<Address, Position>,
    /// Accounts discovered whose position is empty.
    empty: usize,
    /// `price()`, raw.
    oracle_raw: U256,
    /// The IRM after accrual to the block (an AdaptiveCurveIRM's `rateAtTarget` moves with it).
    irm: faultline_lending::morpho::Irm,
}

/// The Morpho Blue markets of a request, read and accrued.
pub(crate) struct MorphoPart {
    morpho: Address,
    from_block: u64,
    to_block: u64,
    timestamp: u64,
    pages_fetched: usize,
    markets: Vec<Market>,
}

/// Reads the Morpho Blue markets `ids` of `request.morpho` at `chain`'s pinned block.
pub(crate) async fn read(
    chain: &Chain,
    request: &Request,
    ids: &[B256],
    progress: &mut dyn FnMut(Stage),
) -> Result<MorphoPart> {
    let block = *chain.block();
    let ids = checked_ids(ids)?;
    progress(Stage::Discovering { from: request.from_block, to: block.number });
    let (found, report) = discovery::morpho_accounts(
        chain,
        request.morpho,
        request.from_block,
        block.number,
        request.log_span,
        request.log_cache.clone(),
    )
    .await?;
    let recipient = fee_recipient(chain, request.morpho).await?;
    let mut users: BTreeMap<B256, Vec<Address>> = BTreeMap::new();
    let mut discovered = 0;
    for id in &ids {
        let mut accounts: BTreeSet<Address> = found.get(id).cloned().unwrap_or_default();
        discovered += accounts.len();
        // Fee shares are minted to the recipient without a `Supply` event; the caller's
        // accounts (shares received by transfer have no event either) are read in every market.
        accounts.insert(recipient);
        accounts.extend(request.accounts.iter().copied());
        users.insert(*id, accounts.into_iter().collect());
    }
    progress(Stage::Discovered {
        accounts: discovered,
        pages_fetched: report.pages_fetched,
        pages_cached: report.pages_cached,
    });

    progress(Stage::ReadingMarkets {
        markets: ids.len(),
        positions: users.values().map(Vec::len).sum(),
    });
    let reads = read_markets(chain, request.morpho, &ids, &users).await?;
    let mut markets = Vec::with_capacity(reads.len());
    for read in reads {
        markets.push(accrue(read, recipient, &block, request.from_block)?);
    }
    Ok(MorphoPart {
        morpho: request.morpho,
        from_block: request.from_block,
        to_block: block.number,
        timestamp: block.timestamp,
        pages_fetched: report.pages_fetched,
        markets,
    })
}

fn checked_ids(ids: &[B256]) -> Result<Vec<B256>> {
    if ids.is_empty() {
        return Err(Error::invalid("morpho markets", "at least one market id", "none"));
    }
    let mut seen = BTreeSet::new();
    for id in ids {
        if !seen.insert(*id) {
            return Err(Error::invalid(
                "morpho markets",
                "each market once",
                format!("{id} twice"),
            ));
        }
    }
    Ok(ids.to_vec())
}

/// Accrues `read` to the block's timestamp (what any transaction in the next block would see
/// first) and checks the positions found add up to the share totals.
fn accrue(read: MarketRead, recipient: Address, block: &PinnedBlock, from: u64) -> Result<Market> {
    let oracle_raw = read.price.clone().map_err(|f| Error::item(f.item, f.reason))?;
    let mut model = read.to_model(block.timestamp)?;
    model.set_fee_recipient(recipient);
    model
        .accrue()
        .map_err(|source| Error::Model { what: format!("Morpho market {}", read.id), source })?;
    let state = *model.state();
    let irm = model.irm().clone();
    let mut positions = BTreeMap::new();
    let mut empty = 0;
    let (mut supply, mut borrow) = (U256::ZERO, U256::ZERO);
    for account in read.positions.keys() {
        let p = model.position(*account);
        if p == Position::default() {
            if *account != recipient {
                empty += 1;
            }
            continue;
        }
        supply = supply.saturating_add(p.supply_shares);
        borrow = borrow.saturating_add(p.borrow_shares);
        positions.insert(*account, p);
    }
    let gap = |what: &str, total: U256, found: U256| {
        Error::inconsistent(
            format!(
                "{what} of the accounts found for Morpho market {} (from logs of blocks [{from}, {}]; \
                 an earlier first block may find the rest)",
                read.id, block.number
            ),
            total,
            found,
        )
    };
    if supply != state.total_supply_shares {
        return Err(gap("supply shares", state.total_supply_shares, supply));
    }
    if borrow != state.total_borrow_shares {
        return Err(gap("borrow shares", state.total_borrow_shares, borrow));
    }
    Ok(Market { read, state, positions, empty, oracle_raw, irm })
}

/// An oracle's answer in loan tokens per whole collateral token, and whether it is exact.
struct OracleAnswer {
    price: Decimal,
    exact: bool,
    scale: u8,
}

fn oracle_answer(m: &Market, cx: &Context<'_>) -> Result<OracleAnswer> {
    let (loan, collateral) =
        (cx.token(m.read.params.loan_token)?, cx.token(m.read.params.collateral_token)?);
    let field = format!("oracle {} of Morpho market {}", m.read.params.oracle, m.read.id);
    let scale = 36 + i32::from(loan.decimals) - i32::from(collateral.decimals);
    let scale = u8::try_from(scale).ok().filter(|s| *s <= 77).ok_or_else(|| {
        Error::invalid(&field, "36 + loan decimals - collateral decimals in [0, 77]", scale)
    })?;
    let (price, exact) = as_decimal(&field, m.oracle_raw, scale)?;
    Ok(OracleAnswer { price, exact, scale })
}

impl Part for MorphoPart {
    fn tokens(&self) -> Vec<Address> {
        self.markets
            .iter()
            .flat_map(|m| [m.read.params.loan_token, m.read.params.collateral_token])
            .collect()
    }

    fn oracles(&self) -> Vec<Address> {
        self.markets.iter().map(|m| m.read.params.oracle).collect()
    }

    /// A market's collateral, quoted in its loan token by the market's oracle.
    fn quotes(&self, cx: &Context<'_>) -> Result<Vec<Quote>> {
        let mut quotes = Vec::with_capacity(self.markets.len());
        for m in &self.markets {
            let answer = oracle_answer(m, cx)?;
            let p = &m.read.params;
            quotes.push(Quote {
                token: p.collateral_token,
                value: QuoteValue::In { quote: p.loan_token, price: answer.price },
                rank: QuoteRank::Oracle,
                reference: format!(
                    "oracle {} price() of Morpho market {} at {} = {} {} per {} (raw {} / 1e{})",
                    p.oracle,
                    m.read.id,
                    cx.at,
                    answer.price,
                    cx.id(p.loan_token),
                    cx.id(p.collateral_token),
                    m.oracle_raw,
                    answer.scale,
                ),
            });
        }
        Ok(quotes)
    }

    fn assemble(&self, cx: &Context<'_>) -> Result<Contribution> {
        let mut out = Contribution::default();
        // Oracles: one per (address, pair).
        let mut oracle_id_of: BTreeMap<(Address, Address, Address), String> = BTreeMap::new();
        let pairs_per_oracle = |o: Address| {
            self.markets
                .iter()
                .filter(|m| m.read.params.oracle == o)
                .map(|m| (m.read.params.collateral_token, m.read.params.loan_token))
                .collect::<BTreeSet<_>>()
                .len()
        };
        for m in &self.markets {
            let p = &m.read.params;
            let key = (p.oracle, p.collateral_token, p.loan_token);
            if oracle_id_of.contains_key(&key) {
                continue;
            }
            let answer = oracle_answer(m, cx)?;
            let id = if pairs_per_oracle(p.oracle) == 1 {
                format!("oracle-{}", p.oracle)
            } else {
                format!("oracle-{}-{}-{}", p.oracle, cx.id(p.collateral_token), cx.id(p.loan_token))
            };
            let (kind, how) = cx.oracle_kind(p.oracle);
            let exactness = if answer.exact { "exact" } else { "rounded down to fit a decimal" };
            let reference = format!(
                "{}: Morpho oracle {}.price() = {} (collateral quoted in the loan token, scale \
                 1e{}) = {} {} per {} ({exactness}); {how}",
                cx.at,
                p.oracle,
                m.oracle_raw,
                answer.scale,
                answer.price,
                cx.id(p.loan_token),
                cx.id(p.collateral_token),
            );
            out.oracles.push(OracleSpec {
                id: id.clone(),
                token: cx.id(p.collateral_token),
                quote: Some(cx.id(p.loan_token)),
                kind,
                price: answer.price,
                source: source(SourceKind::Onchain, reference, Confidence::High),
            });
            oracle_id_of.insert(key, id);
        }

        let mut empty = 0;
        for m in &self.markets {
            let p = &m.read.params;
            let (lltv_pct, _) = as_decimal("lltv", p.lltv, 16)?;
            let oracle = oracle_id_of
                .get(&(p.oracle, p.collateral_token, p.loan_token))
                .cloned()
                .unwrap_or_default();
            out.positions += m.positions.len();
            empty += m.empty;
            let reference = format!(
                "{}: Morpho Blue {} market {}; IRM {} ({:?}); totals accrued from lastUpdate {} to \
                 the block's timestamp {} as Morpho's _accrueInterest does",
                cx.at,
                self.morpho,
                m.read.id,
                p.irm,
                m.read.irm,
                m.read.state.last_update,
                self.timestamp
            );
            out.lending_markets.push(LendingMarketSpec {
                id: format!("morpho-{}", m.read.id),
                name: format!(
                    "Morpho {}/{} {lltv_pct}%",
                    cx.id(p.collateral_token),
                    cx.id(p.loan_token)
                ),
                protocol: LendingProtocolSpec::MorphoBlue(MorphoMarketSpec {
                    market_id: m.read.id.to_string(),
                    loan_token: cx.id(p.loan_token),
                    collateral_token: cx.id(p.collateral_token),
                    oracle,
                    lltv: Raw(p.lltv),
                    total_supply_assets: Raw(m.state.total_supply_assets),
                    total_supply_shares: Raw(m.state.total_supply_shares),
                    total_borrow_assets: Raw(m.state.total_borrow_assets),
                    total_borrow_shares: Raw(m.state.total_borrow_shares),
                    fee: Raw(m.state.fee),
                    irm: irm_spec(m, cx, self.timestamp)?,
                    oracle_price_raw: Some(Raw(m.oracle_raw)),
                    positions: m
                        .positions
                        .iter()
                        .map(|(account, pos)| MorphoPositionSpec {
                            account: RawAddress(*account),
                            supply_shares: Raw(pos.supply_shares),
                            borrow_shares: Raw(pos.borrow_shares),
                            collateral: Raw(pos.collateral),
                            source: None,
                        })
                        .collect(),
                }),
                source: source(SourceKind::Onchain, reference, Confidence::High),
            });
        }
        out.summary = format!(
            "{} Morpho Blue market(s) of {}, {} non-empty position(s) of the accounts in their \
             Supply, Borrow and SupplyCollateral events of blocks [{}, {}] ({} log page(s) \
             fetched) and of the fee recipient; {empty} account(s) with an empty position left \
             out. Positions add up to the markets' share totals.",
            self.markets.len(),
            self.morpho,
            out.positions,
            self.from_block,
            self.to_block,
            self.pages_fetched,
        );
        Ok(out)
    }
}

/// The market's IRM state as the snapshot carries it, accrued to the block with the totals:
/// an AdaptiveCurveIRM's `rateAtTarget` after the accrual, or no interest for `irm ==
/// address(0)`; `None` for another IRM (a fixed-rate one), which the format cannot describe.
fn irm_spec(m: &Market, cx: &Context<'_>, timestamp: u64) -> Result<Option<MorphoIrmSpec>> {
    use faultline_lending::morpho::Irm;
    let p = &m.read.params;
    let last_update = u64::try_from(m.state.last_update).map_err(|_| {
        Error::invalid(
            format!("lastUpdate of Morpho market {}", m.read.id),
            "a u64",
            m.state.last_update,
        )
    })?;
    let (rate, how) = match &m.irm {
        Irm::None => (U256::ZERO, "irm = address(0): no interest".to_owned()),
        Irm::AdaptiveCurve { rate_at_target } => {
            let read = match m.read.irm {
                IrmState::AdaptiveCurve { rate_at_target } => rate_at_target.to_string(),
                other => format!("{other:?}"),
            };
            let rate = U256::try_from(*rate_at_target).map_err(|_| {
                Error::invalid(
                    format!("rateAtTarget of Morpho market {}", m.read.id),
                    "at least 0",
                    rate_at_target,
                )
            })?;
            (
                rate,
                format!(
                    "AdaptiveCurveIRM {}.rateAtTarget({}) = {read} read, {rate} after \
                     _accrueInterest to the block's timestamp {timestamp}",
                    p.irm, m.read.id
                ),
            )
        }
        _ => return Ok(None),
    };
    Ok(Some(MorphoIrmSpec {
        address: RawAddress(p.irm),
        rate_at_target: Raw(rate),
        last_update,
        source: source(SourceKind::Onchain, format!("{}: {how}", cx.at), Confidence::High),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A market last accrued an hour before the block, at 50% utilisation, with an
    /// AdaptiveCurveIRM: the snapshot's IRM state is the `rateAtTarget` after accrual to the
    /// block (below target utilisation it falls: the lending model's `_accrueInterest`, which
    /// `crates/lending/tests/morpho_accrual.rs` checks by hand) stamped at the block's time, so a
    /// run accrues on from there.
    #[test]
    fn the_irm_state_is_accrued_to_the_block_with_the_totals() {
        use faultline_lending::morpho::{Irm, MarketParams, MarketState};
        let t = 1_700_000_000u64;
        let block = PinnedBlock { chain_id: 1, number: 7, hash: B256::ZERO, timestamp: t };
        let params = MarketParams {
            loan_token: Address::repeat_byte(1),
            collateral_token: Address::repeat_byte(2),
            oracle: Address::repeat_byte(3),
            irm: Address::repeat_byte(4),
            lltv: U256::from(860_000_000_000_000_000u64),
        };
        let e12 = U256::from(1_000_000_000_000u64);
        let state = MarketState {
            total_supply_assets: e12,
            total_supply_shares: e12 * U256::from(1_000_000u32),
            total_borrow_assets: e12 / U256::from(2u8),
            total_borrow_shares: e12 * U256::from(500_000u32),
            last_update: U256::from(t - 3_600),
            fee: U256::ZERO,
        };
        // 4% a year at target: 0.04e18 / 31,536,000 s = 1,268,391,679 wei/s.
        let start = alloy::primitives::I256::try_from(1_268_391_679u64).unwrap();
        let positions: BTreeMap<Address, Position> = [
            (
                Address::repeat_byte(0xa),
                Position { supply_shares: state.total_supply_shares, ..Position::default() },
            ),
            (
                Address::repeat_byte(0xb),
                Position {
                    borrow_shares: state.total_borrow_shares,
                    collateral: e12,
                    ..Position::default()
                },
            ),
        ]
        .into_iter()
        .collect();
        let read = MarketRead {
            id: B256::repeat_byte(9),
            params,
            state,
            price: Ok(U256::from(10u8).pow(U256::from(36u8))),
            irm: IrmState::AdaptiveCurve { rate_at_target: start },
            positions,
        };
        let market = accrue(read, Address::ZERO, &block, 0).expect("accrue");
        let Irm::AdaptiveCurve { rate_at_target } = market.irm else { panic!("{:?}", market.irm) };
        assert!(rate_at_target < start, "{rate_at_target} below {start} at 50% utilisation");
        let tokens = BTreeMap::new();
        let ids = BTreeMap::new();
        let kinds = BTreeMap::new();
        let usd = BTreeMap::new();
        let cx = Context {
            block: &block,
            at: "ethereum block 7",
            tokens: &tokens,
            ids: &ids,
            oracle_kinds: &kinds,
            usd: &usd,
        };
        let spec = irm_spec(&market, &cx, t).expect("spec").expect("an AdaptiveCurveIRM");
        assert_eq!(spec.address.0, params.irm);
        assert_eq!(spec.rate_at_target.0, U256::try_from(rate_at_target).unwrap());
        assert_eq!(spec.last_update, t);
        assert!(spec.source.reference.contains("1268391679 read"), "{}", spec.source.reference);
    }

    #[test]
    fn market_ids_must_be_given_once() {
        assert!(checked_ids(&[]).unwrap_err().to_string().contains("at least one market id"));
        let id = B256::repeat_byte(7);
        assert!(checked_ids(&[id, id]).unwrap_err().to_string().contains("twice"));
    }
}
