//! `faultline snapshot`: read protocol state from a JSON-RPC node at one block and write it as an
//! ecosystem snapshot that `faultline stress` can run a scenario on.
//!
//! The reading itself is `faultline_onchain::snapshot`; this command parses the flags, runs it on a
//! tokio runtime of its own, shows progress on standard error and writes the JSON whole or not at
//! all. Every bad flag value is refused naming the flag and the value.

use crate::files;
use clap::Args;
use eyre::{Context, Result};
use faultline_onchain::{
    Chain, Config, Endpoint,
    primitives::{Address, B256},
    snapshot::{
        DEFAULT_VENUE_TICKS, MORPHO_BLUE_MAINNET, Request, Stage, Target, TokenKey, UsdPrice,
        snapshot,
    },
};
use faultline_orchestrator::snapshot::{Confidence, OracleKindSpec, Source, SourceKind};
use indicatif::{ProgressBar, ProgressStyle};
use rust_decimal::Decimal;
use std::{path::PathBuf, str::FromStr, time::Duration};

/// The protocols `--protocol` accepts, for its error message and help.
const SUPPORTED: &str = "morpho-blue:<market-id> (a Morpho Blue market by its 32-byte id), \
                         aave-v3:<pool> (an Aave v3.0 to v3.6 pool by its address), \
                         comet:<address> (a Compound v3 market by its proxy's address), \
                         euler:<vault> (an Euler v2 liability vault with its collaterals), \
                         metamorpho:<address> (a MetaMorpho v1.0/v1.1 vault, with the Morpho Blue \
                         markets of its withdraw queue)";

/// Arguments of `faultline snapshot`.
#[derive(Debug, Args)]
pub(crate) struct SnapshotArgs {
    /// The JSON-RPC node (http or https).
    #[arg(long, value_name = "URL", required_unless_present = "replay")]
    rpc_url: Option<String>,
    /// Serve the requests from a directory written by `--record` instead of a node (offline).
    #[arg(long, value_name = "DIR", conflicts_with = "rpc_url")]
    replay: Option<PathBuf>,
    /// The block to read at; the node's latest when absent.
    #[arg(long, value_name = "N")]
    block: Option<u64>,
    /// What to read, repeated: `morpho-blue:<market-id>`, `aave-v3:<pool>`, `comet:<address>`,
    /// `metamorpho:<address>`.
    #[arg(long = "protocol", value_name = "PROTOCOL", required_unless_present = "venues", value_parser = parse_protocol)]
    protocols: Vec<Protocol>,
    /// A venue to read, repeated: `uniswap-v3:<pool>[:<base>]`, a Uniswap v3 pool selling
    /// `<base>` (one of its tokens). Without `<base>`, the pool sells the token of the two that
    /// `--price` does not price (give exactly one of them a price, e.g. `--price USDC=1`).
    #[arg(long = "venue", value_name = "VENUE", value_parser = parse_venue)]
    venues: Vec<Target>,
    /// How far from each venue's current tick its liquidity is read, each way (rounded out to
    /// the pool's tick spacing); the default covers 0.80 to 1.25 times the price. A sale that
    /// would move a pool past the range read finds no more liquidity.
    #[arg(long, value_name = "TICKS", default_value_t = DEFAULT_VENUE_TICKS)]
    venue_ticks: u32,
    /// First block scanned for the accounts of the markets (Morpho Blue's deployment block is
    /// enough: 18883124 on Ethereum).
    #[arg(long, value_name = "N", default_value_t = 0)]
    from_block: u64,
    /// First `eth_getLogs` page, in blocks; halved whenever the node refuses a page.
    #[arg(long, value_name = "BLOCKS", default_value_t = 100_000)]
    log_span: u64,
    /// Cache log pages here, so an interrupted scan resumes.
    #[arg(long, value_name = "DIR")]
    log_cache: Option<PathBuf>,
    /// An account to read beside those found in the protocols' events, repeated (one that only
    /// received tokens by transfer, which a totals check names as a gap).
    #[arg(long = "account", value_name = "ADDRESS", value_parser = parse_address)]
    accounts: Vec<Address>,
    /// A token's USD price, repeated: `TOKEN=USD`, TOKEN a symbol or an address. Collateral
    /// without one is priced through its market's oracle and the loan token's price.
    #[arg(long = "price", value_name = "TOKEN=USD", value_parser = parse_price)]
    prices: Vec<(TokenKey, Decimal)>,
    /// How an oracle follows the market, repeated: `ORACLE=fixed|market` or
    /// `ORACLE=push-feed:heartbeat=SECS,deviation=PCT` (a Chainlink-style feed publishing on a
    /// PCT% move or after SECS seconds; ORACLE its address). The chain cannot say; every oracle
    /// is `market` unless given here.
    #[arg(long = "oracle-kind", value_name = "ORACLE=KIND", value_parser = parse_oracle_kind)]
    oracle_kinds: Vec<(Address, OracleKindSpec)>,
    /// The Morpho Blue contract.
    #[arg(long, value_name = "ADDRESS", default_value_t = MORPHO_BLUE_MAINNET, value_parser = parse_address)]
    morpho: Address,
    /// The Multicall3 contract calls are batched through.
    #[arg(long, value_name = "ADDRESS", default_value_t = faultline_onchain::MULTICALL3, value_parser = parse_address)]
    multicall: Address,
    /// The snapshot's name (default: "`<chain> block N`").
    #[arg(long)]
    name: Option<String>,
    /// Retries of a failed request (with exponential backoff from 250 ms).
    #[arg(long, value_name = "N", default_value_t = 5)]
    retries: u32,
    /// Seconds allowed for one request.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    timeout: u64,
    /// Record every request and response into this directory (replay it with `--replay`).
    #[arg(long, value_name = "DIR")]
    record: Option<PathBuf>,
    /// Write the snapshot here (whole or not at all) instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// One `--protocol` value: what to read (`faultline_onchain::snapshot::Target`).
type Protocol = Target;

fn parse_protocol(text: &str) -> Result<Protocol, String> {
    let (name, arg) = text.split_once(':').unwrap_or((text, ""));
    match name {
        "morpho-blue" => {
            if arg.is_empty() {
                return Err(format!("expected morpho-blue:<market-id>, found {text:?}"));
            }
            parse_hash(arg)
                .map(Target::MorphoBlue)
                .map_err(|e| format!("morpho-blue market id: {e}"))
        }
        "aave-v3" => parse_address(arg)
            .map(Target::AaveV3)
            .map_err(|e| format!("aave-v3 pool (aave-v3:<pool>): {e}")),
        "comet" => parse_address(arg).map(Target::Comet).map_err(|e| format!("comet: {e}")),
        "euler" => parse_address(arg).map(Target::Euler).map_err(|e| format!("euler: {e}")),
        "metamorpho" => {
            parse_address(arg).map(Target::MetaMorpho).map_err(|e| format!("metamorpho: {e}"))
        }
        _ => Err(format!("unsupported protocol {name:?}; supported: {SUPPORTED}")),
    }
}

/// The venues `--venue` accepts, for its error message.
const VENUES: &str = "uniswap-v3:<pool>[:<base token>] (a Uniswap v3 pool by address)";

fn parse_venue(text: &str) -> Result<Target, String> {
    let (name, arg) = text.split_once(':').unwrap_or((text, ""));
    match name {
        "uniswap-v3" => {
            let (pool, base) = match arg.split_once(':') {
                Some((pool, base)) => (pool, Some(base)),
                None => (arg, None),
            };
            let pool = parse_address(pool).map_err(|e| format!("uniswap-v3 pool: {e}"))?;
            let base = base
                .map(parse_address)
                .transpose()
                .map_err(|e| format!("uniswap-v3 base token: {e}"))?;
            Ok(Target::UniswapV3 { pool, base })
        }
        _ => Err(format!("unsupported venue {name:?}; supported: {VENUES}")),
    }
}

fn parse_hash(text: &str) -> Result<B256, String> {
    let hex = text.strip_prefix("0x").unwrap_or("");
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("expected 0x and 64 hex digits, found {text:?}"));
    }
    B256::from_str(text).map_err(|e| format!("expected 0x and 64 hex digits, found {text:?}: {e}"))
}

fn parse_address(text: &str) -> Result<Address, String> {
    let hex = text.strip_prefix("0x").unwrap_or("");
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("expected an address (0x and 40 hex digits), found {text:?}"));
    }
    Address::from_str(text).map_err(|e| format!("expected an address, found {text:?}: {e}"))
}

fn parse_price(text: &str) -> Result<(TokenKey, Decimal), String> {
    let (token, usd) =
        text.split_once('=').ok_or_else(|| format!("expected TOKEN=USD, found {text:?}"))?;
    let key = if token.starts_with("0x") {
        TokenKey::Address(parse_address(token)?)
    } else if token.trim().is_empty() {
        return Err(format!("expected a token symbol or address before '=', found {text:?}"));
    } else {
        TokenKey::Symbol(token.to_owned())
    };
    let usd = Decimal::from_str_exact(usd)
        .ok()
        .filter(|d| !d.is_sign_negative())
        .ok_or_else(|| format!("expected a USD price of at least 0 after '=', found {usd:?}"))?;
    Ok((key, usd))
}

fn parse_oracle_kind(text: &str) -> Result<(Address, OracleKindSpec), String> {
    let (oracle, kind) =
        text.split_once('=').ok_or_else(|| format!("expected ORACLE=KIND, found {text:?}"))?;
    let kind = match kind {
        "fixed" => OracleKindSpec::Fixed,
        "market" => OracleKindSpec::Market,
        other => match other.strip_prefix("push-feed:") {
            Some(params) => parse_push_feed(params)?,
            None => {
                return Err(format!(
                    "expected the kind fixed, market or push-feed:heartbeat=SECS,deviation=PCT, \
                     found {other:?}"
                ));
            }
        },
    };
    Ok((parse_address(oracle)?, kind))
}

/// `heartbeat=SECS,deviation=PCT` of a Chainlink-style push feed (neither is on chain: the
/// aggregator publishes on a deviation of PCT percent or after SECS seconds): both required,
/// the deviation a percentage with at most two decimals (basis points).
fn parse_push_feed(params: &str) -> Result<OracleKindSpec, String> {
    let (mut heartbeat, mut deviation) = (None, None);
    for pair in params.split(',') {
        match pair.split_once('=') {
            Some(("heartbeat", secs)) => {
                heartbeat = Some(secs.parse::<u64>().ok().filter(|s| *s > 0).ok_or_else(|| {
                    format!("expected heartbeat=SECS (a positive whole number), found {pair:?}")
                })?);
            }
            Some(("deviation", pct)) => {
                let bps = Decimal::from_str_exact(pct)
                    .ok()
                    .filter(|d| d.is_sign_positive() && !d.is_zero())
                    .and_then(|d| {
                        (d * Decimal::ONE_HUNDRED).normalize().to_string().parse::<u32>().ok()
                    })
                    .ok_or_else(|| {
                        format!(
                            "expected deviation=PCT (a positive percentage, at most two \
                             decimals: 0.5 = 50 bps), found {pair:?}"
                        )
                    })?;
                deviation = Some(bps);
            }
            _ => {
                return Err(format!(
                    "expected push-feed:heartbeat=SECS,deviation=PCT, found {pair:?}"
                ));
            }
        }
    }
    match (heartbeat, deviation) {
        (Some(heartbeat_secs), Some(deviation_bps)) => {
            Ok(OracleKindSpec::PushFeed { deviation_bps, heartbeat_secs })
        }
        _ => Err(format!(
            "expected both heartbeat=SECS and deviation=PCT after push-feed:, found {params:?}"
        )),
    }
}

/// A spinner on standard error (indicatif hides it when that is not a terminal).
fn spinner() -> Result<ProgressBar> {
    let bar = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
            .map_err(|e| eyre::eyre!("progress template: {e}"))?,
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    Ok(bar)
}

fn describe(stage: &Stage) -> String {
    match stage {
        Stage::Discovering { from, to } => format!("scanning logs of blocks {from}..={to}"),
        Stage::Discovered { accounts, pages_fetched, pages_cached } => format!(
            "{accounts} accounts found ({pages_fetched} log pages fetched, {pages_cached} cached)"
        ),
        Stage::ReadingMarkets { markets, positions } => {
            format!("reading {markets} markets and {positions} positions")
        }
        Stage::Reading { target } => format!("reading {target}"),
        Stage::ReadingTokens { tokens } => format!("reading {tokens} tokens"),
        Stage::Checking => "checking the block and the snapshot".to_owned(),
        Stage::Done { round_trips } => format!("done in {round_trips} round trips"),
        other => format!("{other:?}"),
    }
}

impl SnapshotArgs {
    pub(crate) fn run(self) -> Result<()> {
        let (endpoint, origin) = match (&self.rpc_url, &self.replay) {
            (Some(url), _) => (Endpoint::Http(url.clone()), format!("--rpc-url {url}")),
            (None, Some(dir)) => {
                (Endpoint::Replay(dir.clone()), format!("--replay {}", dir.display()))
            }
            (None, None) => eyre::bail!("give --rpc-url URL (or --replay DIR)"),
        };
        let mut config = Config::new(endpoint);
        config.block = self.block;
        config.multicall = self.multicall;
        config.record.clone_from(&self.record);
        config.policy.max_retries = self.retries;
        config.policy.timeout = Duration::from_secs(self.timeout.max(1));

        let mut targets = self.protocols.clone();
        targets.extend(self.venues.iter().copied());
        let mut request = Request::new(targets);
        request.venue_ticks = self.venue_ticks.max(1);
        request.morpho = self.morpho;
        request.name.clone_from(&self.name);
        request.from_block = self.from_block;
        request.log_span = self.log_span.max(1);
        request.log_cache.clone_from(&self.log_cache);
        for account in &self.accounts {
            if request.accounts.contains(account) {
                eyre::bail!("--account {account} is given twice");
            }
            request.accounts.push(*account);
        }
        for (key, usd) in &self.prices {
            let source = Source {
                kind: SourceKind::Reported,
                reference: format!("given on the command line: --price {key}={usd}"),
                confidence: Confidence::Medium,
            };
            if request.prices.insert(key.clone(), UsdPrice { usd: *usd, source }).is_some() {
                eyre::bail!("--price {key} is given twice");
            }
        }
        for (oracle, kind) in &self.oracle_kinds {
            if request.oracle_kinds.insert(*oracle, kind.clone()).is_some() {
                eyre::bail!("--oracle-kind {oracle} is given twice");
            }
        }

        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .wrap_err("cannot start the async runtime")?;
        let bar = spinner()?;
        bar.set_message(format!("connecting to {origin}"));
        let read = runtime.block_on(async {
            let chain = Chain::connect(&config)
                .await
                .wrap_err_with(|| format!("cannot connect to {origin}"))?;
            bar.set_message(format!("pinned block {}", chain.block().number));
            let mut progress = |stage: Stage| bar.set_message(describe(&stage));
            let snap = snapshot(&chain, &request, &mut progress).await.wrap_err_with(|| {
                format!("reading the snapshot at block {} from {origin}", chain.block().number)
            })?;
            Ok::<_, eyre::Report>((snap, chain.stats().round_trips()))
        });
        bar.finish_and_clear();
        let (snap, trips) = read?;
        let text = format!("{}\n", serde_json::to_string_pretty(&snap)?);
        files::emit(self.out.as_deref(), &text)?;
        let positions: usize = snap
            .lending_markets
            .iter()
            .map(|m| match &m.protocol {
                faultline_orchestrator::snapshot::LendingProtocolSpec::MorphoBlue(s) => {
                    s.positions.len()
                }
                faultline_orchestrator::snapshot::LendingProtocolSpec::AaveV3(s) => {
                    s.positions.len()
                }
                faultline_orchestrator::snapshot::LendingProtocolSpec::CompoundV3(s) => {
                    s.positions.len()
                }
                faultline_orchestrator::snapshot::LendingProtocolSpec::EulerV2(s) => {
                    s.positions.len()
                }
            })
            .sum();
        let block = snap.block.as_ref().map_or(0, |b| b.number);
        eprintln!(
            "snapshot of block {block}: {} markets, {positions} positions, {} vaults, {} venues, \
             {} tokens, {trips} round trips{}",
            snap.lending_markets.len(),
            snap.vaults.len(),
            snap.venues.len(),
            snap.tokens.len(),
            self.out.as_ref().map(|p| format!(", written to {}", p.display())).unwrap_or_default()
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_values_are_checked_and_named() {
        let id = format!("0x{}", "ab".repeat(32));
        assert_eq!(
            parse_protocol(&format!("morpho-blue:{id}")),
            Ok(Target::MorphoBlue(B256::repeat_byte(0xab)))
        );
        let pool = format!("0x{}", "cd".repeat(20));
        assert_eq!(
            parse_protocol(&format!("aave-v3:{pool}")),
            Ok(Target::AaveV3(Address::repeat_byte(0xcd)))
        );
        assert_eq!(
            parse_protocol(&format!("comet:{}", Address::repeat_byte(0xc3))),
            Ok(Target::Comet(Address::repeat_byte(0xc3)))
        );
        assert_eq!(
            parse_protocol(&format!("euler:{}", Address::repeat_byte(0xe7))),
            Ok(Target::Euler(Address::repeat_byte(0xe7)))
        );
        assert_eq!(
            parse_protocol(&format!("metamorpho:{}", Address::repeat_byte(0x3a))),
            Ok(Target::MetaMorpho(Address::repeat_byte(0x3a)))
        );
        let err = parse_protocol("comet:0x12").unwrap_err();
        assert!(err.contains("comet: expected an address") && err.contains("0x12"), "{err}");
        let err = parse_protocol("aave-v3").unwrap_err();
        assert!(err.contains("aave-v3:<pool>") && err.contains("\"\""), "{err}");
        let err = parse_protocol("aave-v2").unwrap_err();
        assert!(err.contains("unsupported protocol \"aave-v2\"") && err.contains("euler:<vault>"));
        let err = parse_protocol("morpho-blue:0x1234").unwrap_err();
        assert!(err.contains("64 hex digits") && err.contains("0x1234"), "{err}");
    }

    #[test]
    fn venue_values_are_checked_and_named() {
        let pool = format!("0x{}", "11".repeat(20));
        let base = format!("0x{}", "22".repeat(20));
        assert_eq!(
            parse_venue(&format!("uniswap-v3:{pool}")),
            Ok(Target::UniswapV3 { pool: Address::repeat_byte(0x11), base: None })
        );
        assert_eq!(
            parse_venue(&format!("uniswap-v3:{pool}:{base}")),
            Ok(Target::UniswapV3 {
                pool: Address::repeat_byte(0x11),
                base: Some(Address::repeat_byte(0x22))
            })
        );
        let err = parse_venue("uniswap-v3:0x12").unwrap_err();
        assert!(err.contains("uniswap-v3 pool") && err.contains("0x12"), "{err}");
        let err = parse_venue(&format!("uniswap-v3:{pool}:WETH")).unwrap_err();
        assert!(err.contains("base token") && err.contains("WETH"), "{err}");
        let err = parse_venue("curve:0x1").unwrap_err();
        assert!(err.contains("unsupported venue \"curve\"") && err.contains("uniswap-v3"), "{err}");
    }

    #[test]
    fn prices_and_oracle_kinds_parse() {
        assert_eq!(
            parse_price("USDC=1.0001"),
            Ok((TokenKey::Symbol("USDC".into()), Decimal::new(10_001, 4)))
        );
        assert!(parse_price("USDC=-1").unwrap_err().contains("at least 0"));
        assert!(parse_price("USDC").unwrap_err().contains("TOKEN=USD"));
        let oracle = format!("0x{}", "11".repeat(20));
        assert_eq!(
            parse_oracle_kind(&format!("{oracle}=fixed")),
            Ok((Address::repeat_byte(0x11), OracleKindSpec::Fixed))
        );
        assert!(parse_oracle_kind(&format!("{oracle}=lagged")).unwrap_err().contains("\"lagged\""));
        // A push feed: 0.5% is 50 bps, heartbeat one hour.
        assert_eq!(
            parse_oracle_kind(&format!("{oracle}=push-feed:heartbeat=3600,deviation=0.5")),
            Ok((
                Address::repeat_byte(0x11),
                OracleKindSpec::PushFeed { deviation_bps: 50, heartbeat_secs: 3600 }
            ))
        );
        for bad in [
            "heartbeat=3600",
            "heartbeat=0,deviation=1",
            "heartbeat=60,deviation=0.001",
            "deviation=-1,heartbeat=60",
            "heartbeat=60,spread=1",
        ] {
            let err = parse_oracle_kind(&format!("{oracle}=push-feed:{bad}")).unwrap_err();
            assert!(err.contains("expected"), "{bad}: {err}");
        }
    }
}
