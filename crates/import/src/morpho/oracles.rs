//! Each market's oracle by its real configuration. Morpho's `ChainlinkOracleV2` answers
//!
//! ```text
//! price = SCALE_FACTOR * baseVault.convertToAssets(BASE_VAULT_CONVERSION_SAMPLE)
//!       * baseFeed1 * baseFeed2 / (quoteVault.convertToAssets(QUOTE_SAMPLE) * quoteFeed1 * quoteFeed2)
//! ```
//!
//! (a missing feed or vault counts as 1). The snapshot's oracle kinds cannot compose feeds and
//! vault rates, so each configuration is mapped, with the rule in the oracle's source:
//! - no feed and no vault: the answer is `SCALE_FACTOR` alone, hardcoded: [`Fixed`];
//! - feeds (with or without vaults): the feeds follow their assets' markets: [`Market`] (the
//!   export gives no heartbeat or deviation threshold, and a vault's rate is taken to move with
//!   the market price of the token it prices);
//! - vaults only: the vault's exchange rate, which the snapshot can express only through an
//!   issuer the export does not describe: [`Fixed`] at the recorded answer.
//!
//! The export also records each oracle's answer at the pull (`oracle_price_raw`). A feed whose
//! answer stayed far from the market (a "feed" pinned at a reported NAV) does not follow the
//! market: it is imported as [`Fixed`] at its answer, with a warning.
//!
//! [`Fixed`]: faultline_orchestrator::snapshot::OracleKindSpec::Fixed
//! [`Market`]: faultline_orchestrator::snapshot::OracleKindSpec::Market

use super::{
    markets::Market,
    rows::{OracleRow, PlumeOracleRow},
    source,
};
use crate::{
    error::{ImportError, Warnings},
    fields::{self, At},
    rows,
};
use alloy_primitives::{Address, U256};
use faultline_core::{Rounding, decimal::to_decimal};
use faultline_orchestrator::snapshot::{Confidence, OracleKindSpec, OracleSpec, SourceKind};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

const FILE: &str = "oracle_configs.csv";
const PLUME: &str = "plume_oracles.csv";

/// One market's oracle configuration.
#[derive(Debug, Clone)]
pub(crate) struct OracleConfig {
    line: u64,
    mechanism: String,
    base_feeds: Vec<Address>,
    quote_feeds: Vec<Address>,
    base_vault: Option<Address>,
    quote_vault: Option<Address>,
    scale_factor: U256,
}

fn nonzero(a: Address) -> Option<Address> {
    (a != Address::ZERO).then_some(a)
}

/// Reads `oracle_configs.csv` by market id, cross-checking it against `markets.csv` and
/// `plume_oracles.csv`.
pub(crate) fn read(
    text: &str,
    plume: Option<&str>,
    markets: &[Market],
    warnings: &mut Warnings,
) -> Result<BTreeMap<String, OracleConfig>, ImportError> {
    let mut out = BTreeMap::new();
    for row in rows::read::<OracleRow>(FILE, text)? {
        let r = &row.record;
        let at = |column: &'static str| At { file: FILE, line: row.line, column };
        let key = r.market_unique_key.trim().to_lowercase();
        let Some(market) = markets.iter().find(|m| m.key == key) else {
            at("market_unique_key")
                .warn(warnings, format!("no market {key} in markets.csv; row ignored"));
            continue;
        };
        let address = fields::address(at("oracle_address"), &r.oracle_address)?;
        if address != market.oracle_address {
            at("oracle_address").warn(
                warnings,
                format!(
                    "oracle {address} disagrees with markets.csv line {} ({}); the market's \
                     oracle is taken from markets.csv and this configuration kept",
                    market.line, market.oracle_address
                ),
            );
        }
        let lltv = fields::raw(at("lltv_raw"), &r.lltv_raw, warnings)?;
        if lltv != market.lltv {
            at("lltv_raw").warn(
                warnings,
                format!(
                    "LLTV {lltv} disagrees with markets.csv line {} ({}); markets.csv's kept",
                    market.line, market.lltv
                ),
            );
        }
        let feed = |column: &'static str, text: &str| -> Result<Option<Address>, ImportError> {
            if fields::absent(text) {
                Ok(None)
            } else {
                fields::address(at(column), text).map(nonzero)
            }
        };
        let config = OracleConfig {
            line: row.line,
            mechanism: r.oracle_mechanism.trim().to_owned(),
            base_feeds: [
                feed("base_feed_one", &r.base_feed_one)?,
                feed("base_feed_two", &r.base_feed_two)?,
            ]
            .into_iter()
            .flatten()
            .collect(),
            quote_feeds: [
                feed("quote_feed_one", &r.quote_feed_one)?,
                feed("quote_feed_two", &r.quote_feed_two)?,
            ]
            .into_iter()
            .flatten()
            .collect(),
            base_vault: feed("base_oracle_vault", &r.base_oracle_vault)?,
            quote_vault: feed("quote_oracle_vault", &r.quote_oracle_vault)?,
            scale_factor: fields::raw(at("scale_factor"), &r.scale_factor, warnings)?,
        };
        // The samples are read to check they are integers; the composition needs the vaults'
        // live rates, which the export does not give.
        fields::raw_opt(
            at("base_vault_conversion_sample"),
            &r.base_vault_conversion_sample,
            warnings,
        )?;
        fields::raw_opt(
            at("quote_vault_conversion_sample"),
            &r.quote_vault_conversion_sample,
            warnings,
        )?;
        out.insert(key, config);
    }
    for m in markets {
        if !out.contains_key(&m.key) {
            warnings.at(
                "markets.csv",
                m.line,
                "oracle_address",
                format!("no configuration for market {} in {FILE}; its oracle is imported from the recorded answer alone", m.key),
            );
        }
    }
    if let Some(text) = plume {
        cross_check_plume(text, markets, &out, warnings)?;
    }
    Ok(out)
}

/// `plume_oracles.csv` names markets by a label; each row is matched to a configuration by
/// its oracle address and the two compared field by field.
fn cross_check_plume(
    text: &str,
    markets: &[Market],
    configs: &BTreeMap<String, OracleConfig>,
    warnings: &mut Warnings,
) -> Result<(), ImportError> {
    for row in rows::read::<PlumeOracleRow>(PLUME, text)? {
        let r = &row.record;
        let at = |column: &'static str| At { file: PLUME, line: row.line, column };
        let address = fields::address(at("oracle_address"), &r.oracle_address)?;
        let Some(m) = markets.iter().find(|m| m.oracle_address == address) else {
            at("oracle_address").warn(
                warnings,
                format!(
                    "oracle {address} ({}) is no market's oracle in markets.csv; row ignored",
                    r.market
                ),
            );
            continue;
        };
        let lltv = fields::raw(at("lltv"), &r.lltv, warnings)?;
        if lltv != m.lltv {
            at("lltv").warn(
                warnings,
                format!(
                    "LLTV {lltv} disagrees with markets.csv line {} ({}); markets.csv's kept",
                    m.line, m.lltv
                ),
            );
        }
        let Some(c) = configs.get(&m.key) else { continue };
        let scale = fields::raw(at("scale_factor"), &r.scale_factor, warnings)?;
        let base_feed = if fields::absent(&r.base_feed_one) {
            None
        } else {
            nonzero(fields::address(at("base_feed_one"), &r.base_feed_one)?)
        };
        let quote_feed = if fields::absent(&r.quote_feed_one) {
            None
        } else {
            nonzero(fields::address(at("quote_feed_one"), &r.quote_feed_one)?)
        };
        let vault = if fields::absent(&r.base_oracle_vault) {
            None
        } else {
            nonzero(fields::address(at("base_oracle_vault"), &r.base_oracle_vault)?)
        };
        let disagree = [
            ("scale_factor", scale != c.scale_factor),
            ("base_feed_one", base_feed != c.base_feeds.first().copied()),
            ("quote_feed_one", quote_feed != c.quote_feeds.first().copied()),
            ("base_oracle_vault", vault != c.base_vault),
        ];
        for (column, differs) in disagree {
            if differs {
                at(column).warn(
                    warnings,
                    format!(
                        "disagrees with {FILE} line {} for market {}; {FILE}'s kept",
                        c.line, m.key
                    ),
                );
            }
        }
    }
    Ok(())
}

/// An oracle answer (`price()`, scaled by 1e36 * 10^(loan - collateral decimals)) in loan
/// tokens per whole collateral token.
fn answer(m: &Market, raw: U256) -> Result<Decimal, ImportError> {
    let scale = 36 + u32::from(m.loan.decimals) - u32::from(m.collateral.decimals).min(36);
    let scale = u8::try_from(scale).unwrap_or(u8::MAX);
    to_decimal(raw, scale, 18, Rounding::Down).map_err(|e| {
        ImportError::at(
            "markets.csv",
            m.line,
            "oracle_price_raw",
            format!("answer {raw} out of range: {e}"),
        )
    })
}

/// The snapshot's oracle for market `m`.
pub(crate) fn spec(m: &Market, config: Option<&OracleConfig>) -> Result<OracleSpec, ImportError> {
    let recorded = answer(m, m.oracle_price_raw)?;
    let market_ratio = if m.loan.price_usd.is_zero() {
        Decimal::ZERO
    } else {
        m.collateral.price_usd / m.loan.price_usd
    };
    let id = format!("oracle-{}-{}", m.chain, &m.key[2..10]);
    let described = match config {
        Some(c) => format!(
            "{FILE} line {}: {} oracle {} ({}): base feeds {:?}, base vault {:?}, quote feeds \
             {:?}, quote vault {:?}, SCALE_FACTOR {}",
            c.line,
            m.oracle_type,
            m.oracle_address,
            c.mechanism,
            c.base_feeds,
            c.base_vault,
            c.quote_feeds,
            c.quote_vault,
            c.scale_factor
        ),
        None => format!(
            "markets.csv line {}: {} oracle {} (no configuration in {FILE})",
            m.line, m.oracle_type, m.oracle_address
        ),
    };
    let has_feeds = config.is_some_and(|c| !c.base_feeds.is_empty() || !c.quote_feeds.is_empty());
    let has_vaults = config.is_some_and(|c| c.base_vault.is_some() || c.quote_vault.is_some());
    let (kind, price, rule, kind_src, confidence) = if has_feeds {
        // A feed far from the market at the pull does not follow it.
        let far = !recorded.is_zero()
            && !m.pull_ratio.is_zero()
            && ((recorded - m.pull_ratio).abs() / m.pull_ratio) > Decimal::new(25, 2);
        if far {
            (
                OracleKindSpec::Fixed,
                recorded,
                format!(
                    "feeds configured, but the recorded answer {recorded} stayed more than 25% from \
                     the market ratio {} at the pull: the feed does not follow the \
                     market; imported as hardcoded at its answer",
                    m.pull_ratio
                ),
                SourceKind::Derived,
                Confidence::Medium,
            )
        } else {
            (
                OracleKindSpec::Market,
                market_ratio,
                format!(
                    "feeds follow their markets: imported as following the market (heartbeat and \
                     deviation not in the export{}); recorded answer {recorded}",
                    if has_vaults {
                        "; the vault rate is taken to move with the market price"
                    } else {
                        ""
                    }
                ),
                SourceKind::Derived,
                Confidence::Low,
            )
        }
    } else if has_vaults {
        (
            OracleKindSpec::Fixed,
            recorded,
            "vault exchange rate only: the snapshot expresses a vault rate only through an issuer, \
             which the export does not describe; imported as hardcoded at the recorded answer"
                .to_owned(),
            SourceKind::Derived,
            Confidence::Low,
        )
    } else {
        let scaled = match config {
            Some(c) if !c.scale_factor.is_zero() => answer(m, c.scale_factor)?,
            _ => recorded,
        };
        (
            OracleKindSpec::Fixed,
            scaled,
            format!(
                "no feed and no vault: the answer is SCALE_FACTOR alone, hardcoded at {scaled}; recorded answer {recorded}"
            ),
            SourceKind::Onchain,
            Confidence::High,
        )
    };
    Ok(OracleSpec {
        id,
        token: m.collateral.id.clone(),
        quote: Some(m.loan.id.clone()),
        kind,
        price,
        source: source(kind_src, confidence, format!("{described}; {rule}")),
    })
}
