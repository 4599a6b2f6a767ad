//! `markets.csv`: every market with its parameters, totals, IRM and tokens; and the snapshot's
//! tokens, markets and oracles built from what the import gathered.

use super::{oracles::OracleConfig, rows::MarketRow, source};
use crate::{
    error::{ImportError, Warnings},
    fields::{self, At},
    rows,
};
use alloy_primitives::{Address, U256};
use faultline_orchestrator::snapshot::{
    Confidence, LendingMarketSpec, LendingProtocolSpec, MorphoIrmSpec, MorphoMarketSpec,
    MorphoPositionSpec, OracleSpec, Raw, RawAddress, SourceKind, TokenSpec,
};
use rust_decimal::{Decimal, MathematicalOps};
use std::collections::BTreeMap;

const FILE: &str = "markets.csv";

/// Loan tokens taken at par when the export prices them 0.
const STABLES: [&str; 4] = ["USDC", "USDC.e", "USDT", "pUSD"];

/// A token as a market row names it.
#[derive(Debug, Clone)]
pub(crate) struct TokenInfo {
    pub(crate) id: String,
    pub(crate) symbol: String,
    pub(crate) address: Address,
    pub(crate) decimals: u8,
    pub(crate) price_usd: Decimal,
    /// Where the price comes from.
    pub(crate) price_source: String,
}

/// One position being assembled from the export's rows.
#[derive(Debug, Clone, Default)]
pub(crate) struct Position {
    pub(crate) supply_shares: U256,
    pub(crate) borrow_shares: U256,
    pub(crate) collateral: U256,
    /// The rows it comes from and how its figures were made.
    pub(crate) notes: Vec<String>,
    /// Whether any figure is derived (shares from assets) or scaled.
    pub(crate) kind: Option<SourceKind>,
}

/// One market as read, then completed by the other files.
#[derive(Debug, Clone)]
pub(crate) struct Market {
    pub(crate) line: u64,
    /// The market id, lowercase hex.
    pub(crate) key: String,
    /// The snapshot id.
    pub(crate) id: String,
    pub(crate) chain: String,
    pub(crate) chain_id: u64,
    pub(crate) collateral: TokenInfo,
    pub(crate) loan: TokenInfo,
    pub(crate) lltv: U256,
    pub(crate) fee: U256,
    pub(crate) supply_assets: U256,
    pub(crate) supply_shares: U256,
    pub(crate) borrow_assets: U256,
    pub(crate) borrow_shares: U256,
    pub(crate) collateral_assets: U256,
    pub(crate) utilization: Decimal,
    pub(crate) borrow_apy: Decimal,
    /// The borrow rate realised over the history hour before the state's (continuously
    /// compounded, per year), the utilisation at that hour's start and where both come from:
    /// with it the rate at target is derived at the state's time instead of at the pull.
    pub(crate) realised_rate: Option<(Decimal, Decimal, String)>,
    pub(crate) irm: Address,
    pub(crate) oracle_address: Address,
    pub(crate) oracle_type: String,
    pub(crate) oracle_price_raw: U256,
    /// Collateral USD / loan USD at the pull, to compare with the recorded oracle answer (the
    /// last hourly market price of the collateral replaces the API's price where there is one).
    pub(crate) pull_ratio: Decimal,
    pub(crate) state_timestamp: u64,
    pub(crate) positions: BTreeMap<Address, Position>,
    /// How the market's state was placed (the export's, or scaled to a history hour).
    pub(crate) state_note: String,
    pub(crate) state_kind: SourceKind,
    pub(crate) state_confidence: Confidence,
}

/// A chain's name as ids use it.
fn chain_name(text: &str) -> String {
    text.trim().to_lowercase()
}

/// Reads every market.
pub(crate) fn read(text: &str, warnings: &mut Warnings) -> Result<Vec<Market>, ImportError> {
    let mut out: Vec<Market> = Vec::new();
    for row in rows::read::<MarketRow>(FILE, text)? {
        let r = &row.record;
        let at = |column: &'static str| At { file: FILE, line: row.line, column };
        let key = r.market_id.trim().to_lowercase();
        if key.len() != 66 || !key.starts_with("0x") {
            return Err(at("market_id").error(format!("expected a 32-byte hex id, found {key:?}")));
        }
        if out.iter().any(|m| m.key == key) {
            at("market_id").warn(warnings, format!("market {key} listed again; this row ignored"));
            continue;
        }
        let chain = chain_name(&r.chain);
        let chain_id = fields::raw(at("chain_id"), &r.chain_id, warnings)?;
        let chain_id = u64::try_from(chain_id)
            .map_err(|_| at("chain_id").error(format!("expected a chain id, found {chain_id}")))?;
        let decimals = |column: &'static str, text: &str, w: &mut Warnings| {
            let d = fields::raw(at(column), text, w)?;
            u8::try_from(d).ok().filter(|d| *d <= 36).ok_or_else(|| {
                at(column).error(format!("expected decimals of at most 36, found {d}"))
            })
        };
        let state_timestamp =
            u64::try_from(fields::raw(at("state_timestamp"), &r.state_timestamp, warnings)?)
                .map_err(|_| at("state_timestamp").error("expected a Unix time in seconds"))?;
        let price_note =
            format!("{FILE} line {} (price at the pull, Unix {state_timestamp})", row.line);
        let collateral = TokenInfo {
            id: format!("{}:{chain}", r.collateral_symbol.trim()),
            symbol: r.collateral_symbol.trim().to_owned(),
            address: fields::address(at("collateral_address"), &r.collateral_address)?,
            decimals: decimals("collateral_decimals", &r.collateral_decimals, warnings)?,
            price_usd: fields::decimal(at("collateral_price_usd"), &r.collateral_price_usd)?,
            price_source: price_note.clone(),
        };
        let loan = TokenInfo {
            id: format!("{}:{chain}", r.loan_symbol.trim()),
            symbol: r.loan_symbol.trim().to_owned(),
            address: fields::address(at("loan_address"), &r.loan_address)?,
            decimals: decimals("loan_decimals", &r.loan_decimals, warnings)?,
            price_usd: fields::decimal(at("loan_price_usd"), &r.loan_price_usd)?,
            price_source: price_note,
        };
        let block =
            u64::try_from(fields::raw(at("state_block_number"), &r.state_block_number, warnings)?)
                .map_err(|_| at("state_block_number").error("expected a block number"))?;
        let supply_assets = fields::raw(at("supply_assets"), &r.supply_assets, warnings)?;
        let borrow_assets = fields::raw(at("borrow_assets"), &r.borrow_assets, warnings)?;
        let mut loan = loan;
        if loan.price_usd.is_zero() && STABLES.contains(&loan.symbol.as_str()) {
            at("loan_price_usd").warn(
                warnings,
                format!("{} priced 0; taken as 1 (a USD stablecoin at par)", loan.symbol),
            );
            loan.price_usd = Decimal::ONE;
            loan.price_source =
                format!("{FILE} line {}: priced 0 in the export, taken at par", row.line);
        }
        let pull_ratio = if loan.price_usd.is_zero() {
            Decimal::ZERO
        } else {
            collateral.price_usd / loan.price_usd
        };
        let market = Market {
            pull_ratio,
            line: row.line,
            id: format!("morpho-{chain}-{}", &key[2..10]),
            key,
            chain_id,
            lltv: fields::wad_of_fraction(at("lltv"), &r.lltv)?,
            fee: fields::wad_of_fraction(at("fee"), &r.fee)?,
            supply_shares: fields::raw(at("supply_shares"), &r.supply_shares, warnings)?,
            borrow_shares: fields::raw(at("borrow_shares"), &r.borrow_shares, warnings)?,
            collateral_assets: fields::raw(
                at("collateral_assets"),
                &r.collateral_assets,
                warnings,
            )?,
            utilization: fields::decimal_opt(at("utilization"), &r.utilization)?
                .unwrap_or_default(),
            borrow_apy: fields::decimal_opt(at("borrow_apy"), &r.borrow_apy)?.unwrap_or_default(),
            realised_rate: None,
            irm: fields::address(at("irm_address"), &r.irm_address)?,
            oracle_address: fields::address(at("oracle_address"), &r.oracle_address)?,
            oracle_type: r.oracle_type.trim().to_owned(),
            oracle_price_raw: fields::raw_opt(
                at("oracle_price_raw"),
                &r.oracle_price_raw,
                warnings,
            )?
            .unwrap_or_default(),
            state_note: format!(
                "{FILE} line {}: totals at the pull, {} block {block} (Unix {state_timestamp})",
                row.line,
                r.chain.trim()
            ),
            state_kind: SourceKind::Reported,
            state_confidence: Confidence::Medium,
            state_timestamp,
            chain,
            collateral,
            loan,
            supply_assets,
            borrow_assets,
            positions: BTreeMap::new(),
        };
        if market.borrow_assets > market.supply_assets {
            at("borrow_assets").warn(
                warnings,
                format!(
                    "borrow {} above supply {}; kept as read (the snapshot will not validate)",
                    market.borrow_assets, market.supply_assets
                ),
            );
        }
        out.push(market);
    }
    // Timestamps that disagree across chains: the snapshot takes the latest and each market
    // names its own.
    let times: std::collections::BTreeSet<u64> = out.iter().map(|m| m.state_timestamp).collect();
    if times.len() > 1 {
        warnings.file(
            FILE,
            format!(
                "markets read at different times ({times:?}, by chain); the snapshot's timestamp \
                 is the latest and each market's source names its own"
            ),
        );
    }
    Ok(out)
}

/// `AdaptiveCurveIrm`'s bounds on the rate at target, WAD per second: 0.1% and 200% a year
/// (`ConstantsLib.MIN_RATE_AT_TARGET`, `MAX_RATE_AT_TARGET`, over `365 days`).
const SECONDS_PER_YEAR: u64 = 365 * 24 * 3600;

/// The rate at target implied by a borrow rate at a utilisation, WAD per second: the rate is
/// `rateAtTarget * curve(err)` with `AdaptiveCurveIrm`'s curve (steepness 4, target 90%). The
/// borrow rate is the one realised over the history hour before the state's when the state was
/// placed at a history hour (`realised_rate`), else the export's borrow APY at the pull (the APY
/// is `exp(rate * year) - 1`). Derived from floats: a figure to start the model, not the
/// contract's stored value.
fn rate_at_target(m: &Market) -> (U256, String) {
    let min = U256::from(1_000_000_000_000_000u64 / SECONDS_PER_YEAR);
    let max = U256::from(2_000_000_000_000_000_000u64 / SECONDS_PER_YEAR);
    let target = Decimal::new(9, 1);
    let (per_year, utilization, basis) = m.realised_rate.clone().unwrap_or_else(|| {
        let per_year =
            (Decimal::ONE + m.borrow_apy.max(Decimal::ZERO)).checked_ln().unwrap_or_default();
        let basis = format!(
            "{FILE} line {} borrow_apy {} at utilization {}: ln(1 + apy) / year",
            m.line, m.borrow_apy, m.utilization
        );
        (per_year, m.utilization, basis)
    });
    let u = utilization.clamp(Decimal::ZERO, Decimal::ONE);
    let err =
        if u > target { (u - target) / (Decimal::ONE - target) } else { (u - target) / target };
    let steepness = Decimal::from(4);
    let curve = if err < Decimal::ZERO {
        (Decimal::ONE - Decimal::ONE / steepness) * err + Decimal::ONE
    } else {
        (steepness - Decimal::ONE) * err + Decimal::ONE
    };
    let wad_per_second = per_year / curve * Decimal::from(1_000_000_000_000_000_000u64)
        / Decimal::from(SECONDS_PER_YEAR);
    let raw = U256::from(wad_per_second.round().to_string().parse::<u128>().unwrap_or_default());
    let clamped = raw.clamp(min, max);
    let mut note = format!("rateAtTarget derived from {basis} / curve(u) = {raw} wei/s");
    if clamped != raw {
        note.push_str(&format!(", clamped to the IRM's bound {clamped}"));
    }
    (clamped, note)
}

/// The snapshot's tokens, markets and oracles.
pub(crate) type Specs = (Vec<TokenSpec>, Vec<LendingMarketSpec>, Vec<OracleSpec>);

/// Builds the snapshot's tokens, markets and oracles.
pub(crate) fn to_specs(
    markets: &[Market],
    oracles: &BTreeMap<String, OracleConfig>,
) -> Result<Specs, ImportError> {
    let mut tokens: BTreeMap<String, TokenSpec> = BTreeMap::new();
    let mut specs = Vec::new();
    let mut oracle_specs = Vec::new();
    for m in markets {
        for t in [&m.collateral, &m.loan] {
            tokens.entry(t.id.clone()).or_insert_with(|| TokenSpec {
                id: t.id.clone(),
                symbol: t.symbol.clone(),
                decimals: t.decimals,
                chain_id: Some(m.chain_id),
                address: Some(RawAddress(t.address)),
                price_usd: t.price_usd,
                source: source(SourceKind::Reported, Confidence::Medium, t.price_source.clone()),
            });
        }
        let oracle = super::oracles::spec(m, oracles.get(&m.key))?;
        let (rate, irm_note) = rate_at_target(m);
        let positions = m
            .positions
            .iter()
            .map(|(account, p)| MorphoPositionSpec {
                account: RawAddress(*account),
                supply_shares: Raw(p.supply_shares),
                borrow_shares: Raw(p.borrow_shares),
                collateral: Raw(p.collateral),
                source: Some(source(
                    p.kind.unwrap_or(SourceKind::Reported),
                    if p.kind == Some(SourceKind::Synthetic) {
                        Confidence::Low
                    } else {
                        Confidence::Medium
                    },
                    p.notes.join("; "),
                )),
            })
            .collect();
        specs.push(LendingMarketSpec {
            id: m.id.clone(),
            name: format!(
                "Morpho {}/{} {}% ({})",
                m.collateral.symbol,
                m.loan.symbol,
                Decimal::from_i128_with_scale(
                    i128::try_from(m.lltv / U256::from(10_000_000_000_000u64)).unwrap_or_default(),
                    3
                )
                .normalize(),
                m.chain
            ),
            protocol: LendingProtocolSpec::MorphoBlue(MorphoMarketSpec {
                market_id: m.key.clone(),
                loan_token: m.loan.id.clone(),
                collateral_token: m.collateral.id.clone(),
                oracle: oracle.id.clone(),
                lltv: Raw(m.lltv),
                total_supply_assets: Raw(m.supply_assets),
                total_supply_shares: Raw(m.supply_shares),
                total_borrow_assets: Raw(m.borrow_assets),
                total_borrow_shares: Raw(m.borrow_shares),
                fee: Raw(m.fee),
                irm: Some(MorphoIrmSpec {
                    address: RawAddress(m.irm),
                    rate_at_target: Raw(rate),
                    last_update: m.state_timestamp,
                    source: source(
                        SourceKind::Derived,
                        Confidence::Low,
                        format!(
                            "{irm_note}; last_update = the state's time (the export has no \
                             lastUpdate; the API's figures are accrued to it)"
                        ),
                    ),
                }),
                oracle_price_raw: None,
                positions,
            }),
            source: source(m.state_kind, m.state_confidence, m.state_note.clone()),
        });
        oracle_specs.push(oracle);
    }
    Ok((tokens.into_values().collect(), specs, oracle_specs))
}
