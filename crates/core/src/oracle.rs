//! Oracles: how the price a protocol reads follows, lags or ignores the market.
//!
//! A lending market liquidates on its oracle, so *how* the oracle moves decides whether a crash
//! is liquidated in time, late, or never. The kinds modelled here are the ones the 2025 events
//! turned on:
//!
//! - [`OracleKind::Market`]: reads the market every step (a spot read, or a push feed so tight it
//!   never lags at the model's time step).
//! - [`OracleKind::PushFeed`]: a Chainlink-style aggregator that publishes a new answer only when
//!   the market has moved by the deviation threshold or the heartbeat has elapsed, so small moves
//!   are invisible for up to a heartbeat (docs.chain.link, "Deviation threshold and heartbeat").
//! - [`OracleKind::Fixed`]: a hardcoded price. The xUSD and deUSD Morpho markets priced their
//!   collateral at a constant $1 while it traded far below, so no liquidation ever fired and the
//!   loss moved to the lenders.
//! - [`OracleKind::ExchangeRate`]: the issuer's *reported* exchange rate (its book NAV per token)
//!   times the oracle price of the underlying, as `sUSDe`-style adapters do; it follows what the
//!   issuer reports, not what the token trades at.
//! - [`OracleKind::Lagged`]: reports the market price as it was `delay_secs` ago (a TWAP or a
//!   slow keeper).
//!
//! Freezing (a paused feed, a sequencer outage) and overriding (an admin or exchange pinning a
//! price, Binance's internal USDe mark at $0.65) are *states* an oracle of any kind can be put in
//! by a scenario, not kinds of their own.
//!
//! Everything is exact integer arithmetic on [`Price`]s: a market price is rescaled to the
//! oracle's decimals rounding down, and deviation is compared without division.

use crate::{Error, MarketPrice, OraclePrice, Price, Result, math::Rounding};
use alloy_primitives::U256;
use std::collections::VecDeque;

/// Basis points in one: a deviation threshold of `50` is 0.5%.
pub const BPS: u32 = 10_000;

/// How an oracle's reported price follows the market.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OracleKind {
    /// Reports the market price at every observation.
    Market,
    /// Publishes the market price when it deviates from the last answer by at least
    /// `deviation_bps` or when `heartbeat_secs` have passed since the last answer.
    PushFeed {
        /// Deviation threshold in basis points of the last answer (Chainlink ETH/USD: 50).
        deviation_bps: u32,
        /// Longest time between answers, in seconds (Chainlink ETH/USD: 3,600).
        heartbeat_secs: u64,
    },
    /// Always reports this price, whatever the market does.
    Fixed(Price),
    /// Reports the issuer's reported exchange rate times the underlying's oracle price; see
    /// [`Observation::reported`].
    ExchangeRate,
    /// Reports the market price observed `delay_secs` earlier.
    Lagged {
        /// The delay, in seconds.
        delay_secs: u64,
    },
}

/// What an oracle can see at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observation {
    /// Seconds since the start of the simulation (or any fixed epoch); never decreases.
    pub at: u64,
    /// What the asset trades at.
    pub market: MarketPrice,
    /// What an [`OracleKind::ExchangeRate`] oracle would publish: the issuer's reported rate times
    /// the underlying's price, computed by whoever knows the issuer. Ignored by the other kinds.
    pub reported: Option<Price>,
}

/// One oracle as a consumer reads it: its kind, what it last published, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Oracle {
    kind: OracleKind,
    decimals: u8,
    answer: Price,
    updated_at: u64,
    last_seen: u64,
    frozen: bool,
    overridden: Option<Price>,
    /// Market observations not yet old enough for a [`OracleKind::Lagged`] oracle.
    pending: VecDeque<(u64, Price)>,
}

impl Oracle {
    /// An oracle that published `initial` at time `at`; its answers keep `initial`'s decimals.
    ///
    /// A [`OracleKind::Fixed`] oracle publishes its fixed price (rescaled, rounding down) from the
    /// start, whatever `initial` says.
    pub fn new(kind: OracleKind, initial: Price, at: u64) -> Result<Self> {
        if let OracleKind::PushFeed { deviation_bps: 0, .. } = kind {
            return Err(Error::InvalidParameter {
                field: "deviation_bps",
                expected: "a deviation threshold above 0 basis points",
                found: "0".into(),
            });
        }
        let decimals = initial.decimals();
        let answer = match kind {
            OracleKind::Fixed(price) => price.rescale(decimals, Rounding::Down)?,
            _ => initial,
        };
        Ok(Self {
            kind,
            decimals,
            answer,
            updated_at: at,
            last_seen: at,
            frozen: false,
            overridden: None,
            pending: VecDeque::new(),
        })
    }

    /// The oracle's kind.
    pub const fn kind(&self) -> OracleKind {
        self.kind
    }

    /// What a consumer reads now: the override if one is set, else the last published answer.
    pub fn price(&self) -> OraclePrice {
        OraclePrice(self.overridden.unwrap_or(self.answer))
    }

    /// When the current answer was published.
    pub const fn updated_at(&self) -> u64 {
        self.updated_at
    }

    /// Seconds the current answer has gone without an update at time `at`, as a consumer's
    /// staleness check would compute it.
    pub const fn staleness(&self, at: u64) -> u64 {
        at.saturating_sub(self.updated_at)
    }

    /// Stops (`true`) or resumes (`false`) publishing; a frozen oracle keeps its last answer.
    pub const fn set_frozen(&mut self, frozen: bool) {
        self.frozen = frozen;
    }

    /// Whether the oracle is frozen.
    pub const fn is_frozen(&self) -> bool {
        self.frozen
    }

    /// Pins what consumers read to `price` (`None` lifts the pin). The underlying feed keeps
    /// running underneath, so lifting the pin returns to what it would have published.
    pub fn set_override(&mut self, price: Option<Price>) -> Result<()> {
        self.overridden = price.map(|p| p.rescale(self.decimals, Rounding::Down)).transpose()?;
        Ok(())
    }

    /// Lets the oracle see the market at `observation.at` and publish if its rule says so;
    /// returns what consumers read afterwards.
    ///
    /// Fails if time runs backwards, or if an exchange-rate oracle is given no reported price.
    pub fn observe(&mut self, observation: Observation) -> Result<OraclePrice> {
        if observation.at < self.last_seen {
            return Err(Error::InvalidParameter {
                field: "at",
                expected: "observations in time order",
                found: format!("{} after {}", observation.at, self.last_seen),
            });
        }
        self.last_seen = observation.at;
        let market = observation.market.0.rescale(self.decimals, Rounding::Down)?;
        let next = match self.kind {
            OracleKind::Market => Some(market),
            OracleKind::Fixed(_) => None,
            OracleKind::PushFeed { deviation_bps, heartbeat_secs } => {
                let heartbeat_due = observation.at - self.updated_at >= heartbeat_secs;
                (heartbeat_due || deviates(self.answer.raw(), market.raw(), deviation_bps)?)
                    .then_some(market)
            }
            OracleKind::ExchangeRate => {
                let reported = observation.reported.ok_or_else(|| Error::InvalidParameter {
                    field: "reported",
                    expected: "the issuer's reported rate times the underlying price",
                    found: "nothing".into(),
                })?;
                Some(reported.rescale(self.decimals, Rounding::Down)?)
            }
            OracleKind::Lagged { delay_secs } => {
                self.pending.push_back((observation.at, market));
                let mut due = None;
                while let Some(&(seen, price)) = self.pending.front() {
                    if observation.at - seen < delay_secs {
                        break;
                    }
                    due = Some(price);
                    self.pending.pop_front();
                }
                due
            }
        };
        if let Some(answer) = next
            && !self.frozen
        {
            self.answer = answer;
            self.updated_at = observation.at;
        }
        Ok(self.price())
    }
}

/// Whether `market` differs from `answer` by at least `bps` basis points of `answer`:
/// `|market - answer| * 10_000 >= bps * answer`, compared exactly.
fn deviates(answer: U256, market: U256, bps: u32) -> Result<bool> {
    let diff = answer.abs_diff(market);
    let lhs =
        diff.checked_mul(U256::from(BPS)).ok_or(Error::Overflow { op: "oracle deviation" })?;
    let rhs =
        answer.checked_mul(U256::from(bps)).ok_or(Error::Overflow { op: "oracle deviation" })?;
    Ok(lhs >= rhs)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::decimal::Decimal;
    use core::str::FromStr;

    /// A USD price with 8 decimals, like a Chainlink USD feed.
    fn usd(text: &str) -> Price {
        Price::from_decimal(Decimal::from_str(text).unwrap(), 8, Rounding::Down).unwrap()
    }

    fn at(at: u64, market: &str) -> Observation {
        Observation { at, market: MarketPrice(usd(market)), reported: None }
    }

    #[test]
    fn market_oracle_follows_every_move() {
        let mut oracle = Oracle::new(OracleKind::Market, usd("2000.00"), 0).unwrap();
        assert_eq!(oracle.observe(at(60, "1999.99")).unwrap(), OraclePrice(usd("1999.99")));
        assert_eq!(oracle.updated_at(), 60);
    }

    #[test]
    fn push_feed_publishes_on_deviation_or_heartbeat_only() {
        // ETH/USD-like: 0.5% deviation, one-hour heartbeat, last answer $2,000.00.
        let kind = OracleKind::PushFeed { deviation_bps: 50, heartbeat_secs: 3_600 };
        let mut oracle = Oracle::new(kind, usd("2000.00"), 0).unwrap();
        // $1,990.01 is 0.4995% below: under 0.5%, so no answer.
        assert_eq!(oracle.observe(at(60, "1990.01")).unwrap(), OraclePrice(usd("2000.00")));
        // $1,990.00 is exactly 0.5% below ($10 * 10,000 = 50 * $2,000): published.
        assert_eq!(oracle.observe(at(120, "1990.00")).unwrap(), OraclePrice(usd("1990.00")));
        // A tiny move is published once an hour has passed since the last answer (t = 120).
        assert_eq!(oracle.observe(at(3_719, "1990.01")).unwrap(), OraclePrice(usd("1990.00")));
        assert_eq!(oracle.observe(at(3_720, "1990.01")).unwrap(), OraclePrice(usd("1990.01")));
        assert_eq!(oracle.staleness(4_000), 280);
    }

    #[test]
    fn fixed_oracle_never_moves() {
        // The xUSD markets' oracle: $1 whatever the market says.
        let mut oracle = Oracle::new(OracleKind::Fixed(usd("1.00")), usd("1.00"), 0).unwrap();
        assert_eq!(oracle.observe(at(3_600, "0.26")).unwrap(), OraclePrice(usd("1.00")));
    }

    #[test]
    fn exchange_rate_oracle_follows_the_reported_rate_not_the_market() {
        let mut oracle = Oracle::new(OracleKind::ExchangeRate, usd("1.20"), 0).unwrap();
        // The token trades at $0.60 but the issuer still reports $1.20 of book value.
        let seen =
            Observation { at: 60, market: MarketPrice(usd("0.60")), reported: Some(usd("1.20")) };
        assert_eq!(oracle.observe(seen).unwrap(), OraclePrice(usd("1.20")));
        assert!(matches!(
            oracle.observe(at(120, "0.60")),
            Err(Error::InvalidParameter { field: "reported", .. })
        ));
    }

    #[test]
    fn lagged_oracle_reports_the_price_from_delay_ago() {
        let mut oracle =
            Oracle::new(OracleKind::Lagged { delay_secs: 600 }, usd("100.00"), 0).unwrap();
        assert_eq!(oracle.observe(at(300, "90.00")).unwrap(), OraclePrice(usd("100.00")));
        assert_eq!(oracle.observe(at(600, "80.00")).unwrap(), OraclePrice(usd("100.00")));
        // At t = 900 the t = 300 observation is 600 s old.
        assert_eq!(oracle.observe(at(900, "70.00")).unwrap(), OraclePrice(usd("90.00")));
        // At t = 2,000 the t = 600 and t = 900 observations are both due; the newer wins.
        assert_eq!(oracle.observe(at(2_000, "60.00")).unwrap(), OraclePrice(usd("70.00")));
    }

    #[test]
    fn frozen_and_overridden_states() {
        let mut oracle = Oracle::new(OracleKind::Market, usd("1.00"), 0).unwrap();
        oracle.set_frozen(true);
        assert_eq!(oracle.observe(at(60, "0.50")).unwrap(), OraclePrice(usd("1.00")));
        oracle.set_frozen(false);
        assert_eq!(oracle.observe(at(120, "0.50")).unwrap(), OraclePrice(usd("0.50")));
        // An exchange pins its internal mark at $0.65 while the market says $0.90.
        oracle.set_override(Some(usd("0.65"))).unwrap();
        assert_eq!(oracle.observe(at(180, "0.90")).unwrap(), OraclePrice(usd("0.65")));
        oracle.set_override(None).unwrap();
        assert_eq!(oracle.price(), OraclePrice(usd("0.90")));
    }

    #[test]
    fn rejects_time_running_backwards_and_a_zero_threshold() {
        let mut oracle = Oracle::new(OracleKind::Market, usd("1.00"), 100).unwrap();
        assert!(matches!(
            oracle.observe(at(99, "1.00")),
            Err(Error::InvalidParameter { field: "at", .. })
        ));
        let kind = OracleKind::PushFeed { deviation_bps: 0, heartbeat_secs: 60 };
        assert!(matches!(
            Oracle::new(kind, usd("1.00"), 0),
            Err(Error::InvalidParameter { field: "deviation_bps", .. })
        ));
    }
}
