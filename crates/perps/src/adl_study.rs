//! The ADL of 2025-10-10 on drawn populations, against the published per-coin figures.
//!
//! [`Study::parse`] reads the study's inputs (the parameters file
//! `fixtures/hyperliquid/adl-2025-10-10-populations.json` and the two per-coin CSVs beside it);
//! [`run`] draws each coin's population ([`crate::population`]), closes the coin's ADL'd size at
//! its average ADL price under a policy ([`crate::adl`]), and profiles who was closed: how many
//! accounts, their notional and realised PnL, the share in profit, and their leverage (first
//! quartile, median, third quartile), beside the published figures and the population's own.
//!
//! The ADL'd size per coin is an input (the net volume of the file), so the closed notional
//! equals the file's by construction; who is closed, and so the account count, the profit share
//! and the leverage, is the policy's answer on the drawn book.

use crate::{
    Decimal, Error, Result, Side,
    adl::{AdlPolicy, Shortfall, deleverage},
    population::{Account, Distributions, LeverageBucket, PopulationSpec, generate},
};
use serde::{Deserialize, Serialize};

/// A figure with its source.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Cited {
    value: Decimal,
    source: String,
}

#[derive(Debug, Clone, Deserialize)]
struct Note {
    assumed: String,
}

#[derive(Debug, Clone, Deserialize)]
struct Assumed<T> {
    value: T,
    assumed: String,
}

#[derive(Debug, Clone, Deserialize)]
struct Bucket {
    from: Decimal,
    to: Decimal,
    weight: Decimal,
}

#[derive(Debug, Clone, Deserialize)]
struct LeverageJson {
    buckets: Vec<Bucket>,
    source: String,
    assumed: String,
}

#[derive(Debug, Clone, Deserialize)]
struct PublishedJson {
    profitable_share: Decimal,
    median_leverage: Decimal,
    source: String,
    per_coin_source: String,
}

#[derive(Debug, Clone, Deserialize)]
struct CoinJson {
    coin: String,
    reference_price: Decimal,
    source: String,
}

#[derive(Debug, Clone, Deserialize)]
struct Params {
    seed: u64,
    open_interest_usd: Cited,
    adl_total_usd: Cited,
    population_scale: Note,
    leverage: LeverageJson,
    entry_spread: Assumed<Decimal>,
    size_decades: Assumed<u32>,
    published: PublishedJson,
    coins: Vec<CoinJson>,
}

/// What the files publish for one coin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishedCoin {
    /// ADL notional, USD.
    pub notional_usd: Decimal,
    /// Distinct accounts ADL closed.
    pub users: u64,
    /// ADL fills.
    pub events: u64,
    /// PnL the closed positions realised, USD.
    pub closed_pnl_usd: Decimal,
    /// Mean over fills of notional / cash-only account value (outliers included).
    pub mean_leverage: Decimal,
    /// Mean over fills of unrealised PnL / notional, percent.
    pub mean_pnl_percent: Decimal,
    /// Fills of accounts with negative equity.
    pub negative_equity_fills: u64,
    /// Size ADL closed (net volume), coin units.
    pub size: Decimal,
    /// Size-weighted average ADL price: net notional over net volume (the file's `avg_price` is
    /// the mean over fills, not weighted by size).
    pub price: Decimal,
}

/// One coin's inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoinInput {
    /// The coin.
    pub coin: String,
    /// Pre-crash price.
    pub reference_price: Decimal,
    /// Where it comes from.
    pub reference_source: String,
    /// The file's figures.
    pub published: PublishedCoin,
}

/// Everything the study reads.
#[derive(Debug, Clone)]
pub struct Study {
    /// Seed of every draw.
    pub seed: u64,
    /// Shorts open before the crash over ADL'd notional: the population's scale.
    pub scale: Decimal,
    /// The shape of every account.
    pub shape: Distributions,
    /// The coins, in the parameters file's order.
    pub coins: Vec<CoinInput>,
    /// Published share of ADL fills in profit (all coins).
    pub published_profitable_share: Decimal,
    /// Published median leverage of ADL fills (all coins).
    pub published_median_leverage: Decimal,
    /// `(what, source)` of every figure used.
    pub sources: Vec<(String, String)>,
    /// Every assumption, as stated in the parameters file.
    pub assumptions: Vec<String>,
}

/// First quartile, median and third quartile (linear interpolation between order statistics,
/// the rule of pandas' `median` and `quantile`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Quartiles {
    /// 25th percentile.
    pub q1: Decimal,
    /// 50th percentile.
    pub median: Decimal,
    /// 75th percentile.
    pub q3: Decimal,
}

/// A set of accounts: the whole population, or those ADL closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Profile {
    /// Accounts.
    pub accounts: u64,
    /// Notional at the ADL price (closed notional for the ADL'd), USD.
    pub notional_usd: Decimal,
    /// Share of accounts with unrealised PnL > 0 at the ADL price.
    pub profitable_share: Decimal,
    /// Leverage (notional / account value) at the ADL price, before ADL.
    pub leverage: Quartiles,
    /// Mean unrealised PnL over notional at the ADL price, percent.
    pub mean_pnl_percent: Decimal,
    /// PnL realised on the closed size (ADL'd only; zero for the population), USD.
    pub realized_pnl_usd: Decimal,
}

/// One coin's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoinProfile {
    /// The coin.
    pub coin: String,
    /// The side the population holds (ADL's counterparties).
    pub side: String,
    /// Pre-crash price and its source.
    pub reference_price: Decimal,
    /// Where the pre-crash price comes from.
    pub reference_source: String,
    /// The drawn population.
    pub population: Profile,
    /// The accounts ADL closed in the model.
    pub deleveraged: Profile,
    /// Size the population could not cover.
    pub unfilled: Decimal,
    /// The file's figures.
    pub published: PublishedCoin,
}

/// The study's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StudyReport {
    /// The policy that ranked the accounts.
    pub policy: String,
    /// Seed of the draws.
    pub seed: u64,
    /// Population notional over ADL'd notional.
    pub scale: Decimal,
    /// Per coin.
    pub coins: Vec<CoinProfile>,
    /// Published share of ADL fills in profit, all coins.
    pub published_profitable_share: Decimal,
    /// Published median leverage of ADL fills, all coins.
    pub published_median_leverage: Decimal,
    /// `(what, source)` of every figure.
    pub sources: Vec<(String, String)>,
    /// Every assumption.
    pub assumptions: Vec<String>,
}

impl Study {
    /// Reads the parameters file and the two CSVs; `names` are the files' names for errors.
    pub fn parse(
        params: (&str, &str),
        by_coin: (&str, &str),
        net_volume: (&str, &str),
    ) -> Result<Self> {
        let p: Params = serde_json::from_str(params.1)
            .map_err(|e| Error::invalid(params.0, "the ADL study parameters", e))?;
        if p.adl_total_usd.value <= Decimal::ZERO {
            return Err(Error::invalid(
                format!("{}: adl_total_usd.value", params.0),
                "a positive number",
                p.adl_total_usd.value,
            ));
        }
        let by_coin_rows = rows(
            by_coin,
            &[
                "coin",
                "adl_notional",
                "closed_pnl",
                "leverage_realtime",
                "pnl_percent",
                "is_negative_equity",
                "num_users",
                "num_events",
            ],
        )?;
        let volume_rows = rows(
            net_volume,
            &[
                "ticker",
                "net_volume",
                "net_notional_usd",
                "total_pnl",
                "num_adl_events",
                "avg_price",
            ],
        )?;
        let mut coins = Vec::new();
        for c in &p.coins {
            let (line, r) = row_of(by_coin.0, &by_coin_rows, &c.coin)?;
            let (vline, v) = row_of(net_volume.0, &volume_rows, &c.coin)?;
            let num = |file: &str, line: usize, col: &str, s: &str| {
                s.parse::<Decimal>()
                    .map_err(|_| Error::invalid(format!("{file}:{line}: {col}"), "a number", s))
            };
            let int = |file: &str, line: usize, col: &str, s: &str| {
                s.parse::<u64>().map_err(|_| {
                    Error::invalid(format!("{file}:{line}: {col}"), "a whole number", s)
                })
            };
            let (b, n) = (by_coin.0, net_volume.0);
            coins.push(CoinInput {
                coin: c.coin.clone(),
                reference_price: c.reference_price,
                reference_source: c.source.clone(),
                published: PublishedCoin {
                    notional_usd: num(b, *line, "adl_notional", &r[1])?,
                    closed_pnl_usd: num(b, *line, "closed_pnl", &r[2])?,
                    mean_leverage: num(b, *line, "leverage_realtime", &r[3])?,
                    mean_pnl_percent: num(b, *line, "pnl_percent", &r[4])?,
                    negative_equity_fills: int(b, *line, "is_negative_equity", &r[5])?,
                    users: int(b, *line, "num_users", &r[6])?,
                    events: int(b, *line, "num_events", &r[7])?,
                    size: num(n, *vline, "net_volume", &v[1])?,
                    price: weighted_price(
                        num(n, *vline, "net_notional_usd", &v[2])?,
                        num(n, *vline, "net_volume", &v[1])?,
                        &format!("{n}:{vline}"),
                    )?,
                },
            });
        }
        let mut sources = vec![
            ("open interest before the crash".to_owned(), p.open_interest_usd.source.clone()),
            ("ADL notional, all coins".to_owned(), p.adl_total_usd.source.clone()),
            ("leverage histogram".to_owned(), p.leverage.source.clone()),
            ("published share in profit, median leverage".to_owned(), p.published.source),
            ("published per-coin figures".to_owned(), p.published.per_coin_source),
        ];
        sources.extend(coins.iter().map(|c| {
            (
                format!("{} pre-crash price {}", c.coin, c.reference_price),
                c.reference_source.clone(),
            )
        }));
        Ok(Self {
            seed: p.seed,
            scale: p.open_interest_usd.value / p.adl_total_usd.value,
            shape: Distributions {
                leverage: p
                    .leverage
                    .buckets
                    .iter()
                    .map(|b| LeverageBucket { from: b.from, to: b.to, weight: b.weight })
                    .collect(),
                entry_spread: p.entry_spread.value,
                size_decades: p.size_decades.value,
            },
            coins,
            published_profitable_share: p.published.profitable_share,
            published_median_leverage: p.published.median_leverage,
            sources,
            assumptions: vec![
                p.population_scale.assumed,
                p.leverage.assumed,
                p.entry_spread.assumed,
                p.size_decades.assumed,
            ],
        })
    }
}

/// Net notional over net volume, the price at which ADL closes the file's size for the file's
/// notional.
fn weighted_price(notional: Decimal, size: Decimal, at: &str) -> Result<Decimal> {
    if size.is_zero() || notional <= Decimal::ZERO {
        return Err(Error::invalid(
            format!("{at}: net_volume, net_notional_usd"),
            "a non-zero volume and a positive notional",
            format!("{size}, {notional}"),
        ));
    }
    Ok(notional / size.abs())
}

/// The row of `coin` in the file `name`.
fn row_of<'a>(
    name: &str,
    table: &'a [(usize, Vec<String>)],
    coin: &str,
) -> Result<&'a (usize, Vec<String>)> {
    table.iter().find(|(_, r)| r[0] == coin).ok_or_else(|| {
        Error::invalid(name.to_owned(), "a row for every coin of the parameters", coin)
    })
}

/// The CSV's data rows with their line numbers, after checking the header.
fn rows((name, text): (&str, &str), header: &[&str]) -> Result<Vec<(usize, Vec<String>)>> {
    let mut lines = text.lines().enumerate();
    let found = lines.next().map_or("", |(_, l)| l.trim());
    if found != header.join(",") {
        return Err(Error::invalid(format!("{name}:1"), "the header of the published file", found));
    }
    lines
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let cols: Vec<String> = l.trim().split(',').map(str::to_owned).collect();
            if cols.len() == header.len() {
                Ok((i + 1, cols))
            } else {
                Err(Error::invalid(format!("{name}:{}", i + 1), "one value per column", l))
            }
        })
        .collect()
}

/// Draws every coin's population and runs its ADL under `policy`.
pub fn run(study: &Study, policy: AdlPolicy) -> Result<StudyReport> {
    let mut coins = Vec::with_capacity(study.coins.len());
    for (k, c) in study.coins.iter().enumerate() {
        let published = &c.published;
        // Net volume > 0: ADL bought back shorts (the bankrupt were long).
        let (bankrupt_side, side) = if published.size >= Decimal::ZERO {
            (Side::Long, Side::Short)
        } else {
            (Side::Short, Side::Long)
        };
        let accounts = (Decimal::from(published.users) * study.scale).round();
        let spec = PopulationSpec {
            coin: c.coin.clone(),
            side,
            accounts: u32::try_from(accounts.mantissa()).map_err(|_| {
                Error::invalid(format!("{}.accounts", c.coin), "fewer than 2^32 accounts", accounts)
            })?,
            notional_usd: (published.notional_usd * study.scale).round_dp(2),
            mark: published.price,
            reference_price: c.reference_price,
        };
        let population = generate(&spec, &study.shape, study.seed, (k as u64 + 1) * 1_000_000_000)?;
        let shortfall = Shortfall {
            bankrupt_side,
            size: published.size.abs(),
            fill_price: published.price,
            mark_price: published.price,
        };
        let candidates: Vec<_> = population.iter().map(|a| a.candidate.clone()).collect();
        let outcome = deleverage(policy, &shortfall, &candidates)?;
        let first = population[0].candidate.account;
        let closed: Vec<(&Account, Decimal)> = outcome
            .fills
            .iter()
            .map(|f| (&population[(f.account - first) as usize], f.size))
            .collect();
        let realized: Decimal = outcome.fills.iter().map(|f| f.realized_pnl).sum();
        let everyone: Vec<(&Account, Decimal)> =
            population.iter().map(|a| (a, a.candidate.size)).collect();
        let mut population_profile = profile(&everyone, side, published.price);
        population_profile.notional_usd = spec.notional_usd;
        let mut deleveraged = profile(&closed, side, published.price);
        deleveraged.realized_pnl_usd = realized;
        coins.push(CoinProfile {
            coin: c.coin.clone(),
            side: format!("{side:?}").to_lowercase(),
            reference_price: c.reference_price,
            reference_source: c.reference_source.clone(),
            population: population_profile,
            deleveraged,
            unfilled: outcome.unfilled,
            published: published.clone(),
        });
    }
    Ok(StudyReport {
        policy: format!("{policy:?}"),
        seed: study.seed,
        scale: study.scale,
        coins,
        published_profitable_share: study.published_profitable_share,
        published_median_leverage: study.published_median_leverage,
        sources: study.sources.clone(),
        assumptions: study.assumptions.clone(),
    })
}

/// The profile of `(account, closed size)` pairs at `mark`.
fn profile(closed: &[(&Account, Decimal)], side: Side, mark: Decimal) -> Profile {
    let mut leverage = Vec::with_capacity(closed.len());
    let (mut profitable, mut pnl_pct, mut notional) = (0_u64, Decimal::ZERO, Decimal::ZERO);
    for (a, size) in closed {
        let c = &a.candidate;
        let upnl = side.sign() * c.size * (mark - c.entry_price);
        let value = c.wallet_balance + upnl;
        let position = c.size * mark;
        leverage.push(if value > Decimal::ZERO { position / value } else { Decimal::MAX });
        if upnl > Decimal::ZERO {
            profitable += 1;
        }
        pnl_pct += upnl / position * Decimal::ONE_HUNDRED;
        notional += *size * mark;
    }
    let n = Decimal::from(closed.len().max(1));
    leverage.sort();
    Profile {
        accounts: closed.len() as u64,
        notional_usd: notional,
        profitable_share: Decimal::from(profitable) / n,
        leverage: Quartiles {
            q1: quantile(&leverage, Decimal::new(25, 2)),
            median: quantile(&leverage, Decimal::new(5, 1)),
            q3: quantile(&leverage, Decimal::new(75, 2)),
        },
        mean_pnl_percent: pnl_pct / n,
        realized_pnl_usd: Decimal::ZERO,
    }
}

/// The `q` quantile of sorted values, linear between order statistics (pandas' default); zero
/// for none.
pub fn quantile(sorted: &[Decimal], q: Decimal) -> Decimal {
    let Some(last) = sorted.len().checked_sub(1) else { return Decimal::ZERO };
    let position = q * Decimal::from(last);
    let below = position.floor();
    let i = usize::try_from(below.mantissa()).unwrap_or(last).min(last);
    let next = sorted[(i + 1).min(last)];
    sorted[i] + (next - sorted[i]) * (position - below)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    /// pandas: `pd.Series([1, 2, 3, 4]).quantile([.25, .5, .75])` is 1.75, 2.5, 3.25.
    #[test]
    fn quantiles_interpolate_like_pandas() {
        let v = [d("1"), d("2"), d("3"), d("4")];
        assert_eq!(quantile(&v, d("0.25")), d("1.75"));
        assert_eq!(quantile(&v, d("0.5")), d("2.5"));
        assert_eq!(quantile(&v, d("0.75")), d("3.25"));
        assert_eq!(quantile(&[d("7")], d("0.5")), d("7"));
        assert_eq!(quantile(&[], d("0.5")), Decimal::ZERO);
    }

    #[test]
    fn a_bad_row_names_the_file_and_line() {
        let header = "ticker,net_volume,net_notional_usd,total_pnl,num_adl_events,avg_price";
        let err = rows(
            ("nv.csv", &format!("{header}\nBTC,1,2\n")),
            &header.split(',').collect::<Vec<_>>(),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "nv.csv:2: expected one value per column, found BTC,1,2");
    }
}
