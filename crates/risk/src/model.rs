//! The `[risk]` model: what is uncertain over a scenario's horizon.
//!
//! It lives in a TOML file of its own (the scenario parser refuses unknown sections, so a
//! scenario keeps running under `faultline stress` unchanged). The file holds one `[risk]`
//! table; any other top-level key is ignored, so the table can sit next to other sections.
//!
//! ```toml
//! [risk]
//! name = "Stream/Elixir, four days"
//! depeg_pct = "5"              # a token depegs when it falls more than 5% below its start
//! dof = 3.2                    # Student-t degrees of freedom of every log-return (omit: normal)
//! calibration = "..."          # how the figures were obtained (window, method), for readers
//!
//! [[risk.assets]]              # log-returns per step, correlated, fat-tailed
//! token = "xUSD"
//! hourly_vol = 0.004           # standard deviation of the hourly log-return
//!
//! [[risk.correlations]]
//! a = "xUSD"
//! b = "deUSD"
//! rho = 0.6
//!
//! [[risk.events]]              # something that happens with a probability over the horizon
//! name = "stream-loss"
//! probability = 0.02
//! type = "write_down"          # write_down | redemptions_frozen | oracle_frozen | depth_withdrawn
//! backing = "xusd-external-manager"
//! loss_usd = { dist = "lognormal", median = 50000000, sigma = 0.6 }
//!
//! [[risk.events]]
//! name = "stream-freeze"
//! given = "stream-loss"        # only if that event happened, at the same time
//! probability = 0.9
//! type = "redemptions_frozen"
//! issuer = "xusd"
//! ```
//!
//! Each event maps onto a scenario shock the engine already knows: `write_down` onto a backing
//! write-down, `redemptions_frozen` onto an issuer halting redemptions, `oracle_frozen` onto an
//! oracle freeze, `depth_withdrawn` onto a venue's depth scaled by `1 - fraction`; with
//! `duration_secs` the freeze is lifted (or nothing happens if it ends beyond the horizon).
//! Statistical figures (volatilities, probabilities, severities) are `f64`: they parameterise
//! sampling, never protocol math; each sampled shock is turned into an exact decimal before the
//! cascade sees it.

use faultline_orchestrator::{
    Scenario,
    snapshot::{BackingItemSpec, Problem, Snapshot},
};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What is uncertain over the horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskModel {
    /// A short name, used in reports.
    pub name: String,
    /// What the model assumes and where its figures come from.
    #[serde(default)]
    pub description: String,
    /// How the figures were fitted (window, method); `faultline calibrate` fills it.
    #[serde(default)]
    pub calibration: String,
    /// Run the scenario's own shocks on every path too (default: only the sampled ones).
    #[serde(default)]
    pub keep_scenario_shocks: bool,
    /// A token depegs on a path when its market price falls more than this many percent below
    /// its starting price at any time.
    #[serde(default = "RiskModel::default_depeg")]
    pub depeg_pct: Decimal,
    /// Degrees of freedom of the multivariate Student-t law of the log-returns (above 2);
    /// absent: normal.
    #[serde(default)]
    pub dof: Option<f64>,
    /// Assets whose market price follows a random path.
    #[serde(default)]
    pub assets: Vec<AssetModel>,
    /// Correlations of the assets' log-returns (pairs not listed: 0).
    #[serde(default)]
    pub correlations: Vec<Correlation>,
    /// Events with a probability over the horizon and a severity.
    #[serde(default)]
    pub events: Vec<EventModel>,
}

/// One asset's price path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetModel {
    /// The token (a token id of the snapshot).
    pub token: String,
    /// Standard deviation of the hourly log-return (scaled by `sqrt(step / 1 h)` per step).
    pub hourly_vol: f64,
    /// Mean hourly log-return (default 0: a driftless log-price).
    #[serde(default)]
    pub hourly_drift: f64,
}

/// The correlation of two assets' log-returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Correlation {
    /// One token.
    pub a: String,
    /// The other.
    pub b: String,
    /// The correlation, in (-1, 1).
    pub rho: f64,
}

/// An event that happens on a path with a probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EventModel {
    /// Its name (unique), for `given` and reports.
    pub name: String,
    /// Probability that it happens over the horizon (given `given`, if set).
    pub probability: f64,
    /// Happens only on paths where this earlier event happened, and at the same time.
    #[serde(default)]
    pub given: Option<String>,
    /// When it happens, seconds; absent: at the start of a step drawn uniformly over the horizon.
    #[serde(default)]
    pub at_secs: Option<u64>,
    /// How long a freeze lasts, seconds (absent: to the end of the horizon).
    #[serde(default)]
    pub duration_secs: Option<u64>,
    /// What happens.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What an event does, and to whom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum EventKind {
    /// An issuer's backing item is written down by `loss_usd`.
    WriteDown {
        /// The backing item's id.
        backing: String,
        /// USD lost.
        loss_usd: Severity,
    },
    /// An issuer halts redemptions.
    RedemptionsFrozen {
        /// The issuer.
        issuer: String,
    },
    /// An oracle stops publishing (consumers read its last answer).
    OracleFrozen {
        /// The oracle.
        oracle: String,
    },
    /// Market makers withdraw a fraction of a venue's depth.
    DepthWithdrawn {
        /// The venue.
        venue: String,
        /// The fraction withdrawn, in [0, 0.99] after sampling (clamped).
        fraction: Severity,
    },
}

/// A severity's law.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum Severity {
    /// Always `value`.
    Fixed {
        /// The value.
        value: f64,
    },
    /// Uniform on `[min, max]`.
    Uniform {
        /// Lower end.
        min: f64,
        /// Upper end.
        max: f64,
    },
    /// `scale × Beta(alpha, beta)`.
    Beta {
        /// First shape.
        alpha: f64,
        /// Second shape.
        beta: f64,
        /// Multiplier (default 1).
        #[serde(default = "one")]
        scale: f64,
    },
    /// Lognormal with this median and log-standard deviation.
    Lognormal {
        /// The median.
        median: f64,
        /// Standard deviation of the logarithm.
        sigma: f64,
    },
}

const fn one() -> f64 {
    1.0
}

#[derive(Deserialize)]
struct File {
    risk: RiskModel,
}

impl RiskModel {
    const fn default_depeg() -> Decimal {
        Decimal::from_parts(5, 0, 0, false, 0)
    }

    /// Parses the `[risk]` table of a TOML text; a syntax error or unknown key names its line.
    pub fn from_toml(text: &str) -> Result<Self, Problem> {
        toml::from_str::<File>(text).map(|f| f.risk).map_err(|e| {
            let line = e.span().map(|span| 1 + text[..span.start].matches('\n').count());
            Problem {
                path: line.map_or_else(|| "risk".into(), |l| format!("line {l}")),
                message: e.message().to_owned(),
            }
        })
    }

    /// The `[risk]` table as TOML text.
    pub fn to_toml(&self) -> String {
        #[derive(Serialize)]
        struct Out<'a> {
            risk: &'a RiskModel,
        }
        toml::to_string(&Out { risk: self }).unwrap_or_default()
    }

    /// Every problem with this model over `snapshot` and `scenario`; empty when it can run.
    pub fn check(&self, snapshot: &Snapshot, scenario: &Scenario) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut push = |path: String, message: String| problems.push(Problem { path, message });
        let tokens: BTreeSet<&str> = snapshot.tokens.iter().map(|t| t.id.as_str()).collect();
        let venues: BTreeSet<&str> = snapshot.venues.iter().map(|v| v.id.as_str()).collect();
        let oracles: BTreeSet<&str> = snapshot.oracles.iter().map(|o| o.id.as_str()).collect();
        let issuers: BTreeSet<&str> = snapshot.issuers.iter().map(|i| i.id.as_str()).collect();
        let backing: BTreeSet<&str> = snapshot
            .issuers
            .iter()
            .flat_map(|i| i.backing.iter())
            .filter(|b| {
                !matches!(
                    b.item,
                    BackingItemSpec::LendingSupply { .. }
                        | BackingItemSpec::DeltaNeutralBook { .. }
                )
            })
            .map(|b| b.id.as_str())
            .collect();
        if self.depeg_pct <= Decimal::ZERO || self.depeg_pct > Decimal::ONE_HUNDRED {
            push("risk.depeg_pct".into(), format!("expected (0, 100], found {}", self.depeg_pct));
        }
        if let Some(dof) = self.dof
            && !(dof > 2.0 && dof.is_finite())
        {
            push("risk.dof".into(), format!("expected a finite number above 2, found {dof}"));
        }
        let mut seen = BTreeSet::new();
        for (i, a) in self.assets.iter().enumerate() {
            let at = |f: &str| format!("risk.assets[{i}].{f}");
            if !tokens.contains(a.token.as_str()) {
                push(at("token"), format!("expected a token of the snapshot, found {:?}", a.token));
            }
            if !seen.insert(a.token.as_str()) {
                push(at("token"), format!("expected each token once, found {:?} again", a.token));
            }
            if !(a.hourly_vol >= 0.0 && a.hourly_vol.is_finite()) {
                push(
                    at("hourly_vol"),
                    format!("expected a finite number >= 0, found {}", a.hourly_vol),
                );
            }
            if !a.hourly_drift.is_finite() {
                push(
                    at("hourly_drift"),
                    format!("expected a finite number, found {}", a.hourly_drift),
                );
            }
        }
        for (i, c) in self.correlations.iter().enumerate() {
            let at = |f: &str| format!("risk.correlations[{i}].{f}");
            for (field, token) in [("a", &c.a), ("b", &c.b)] {
                if !seen.contains(token.as_str()) {
                    push(at(field), format!("expected a token of risk.assets, found {token:?}"));
                }
            }
            if c.a == c.b {
                push(at("b"), format!("expected two different tokens, found {:?} twice", c.a));
            }
            if !(c.rho > -1.0 && c.rho < 1.0) {
                push(at("rho"), format!("expected a correlation in (-1, 1), found {}", c.rho));
            }
        }
        let mut names = BTreeSet::new();
        for (i, e) in self.events.iter().enumerate() {
            let at = |f: &str| format!("risk.events[{i}].{f}");
            if !(0.0..=1.0).contains(&e.probability) {
                push(at("probability"), format!("expected [0, 1], found {}", e.probability));
            }
            if let Some(given) = &e.given
                && !names.contains(given.as_str())
            {
                push(
                    at("given"),
                    format!("expected the name of an earlier event, found {given:?}"),
                );
            }
            if !names.insert(e.name.as_str()) {
                push(at("name"), format!("expected a unique name, found {:?} again", e.name));
            }
            if let Some(t) = e.at_secs
                && t >= scenario.horizon_secs
            {
                push(
                    at("at_secs"),
                    format!(
                        "expected a time within the horizon ({}), found {t}",
                        scenario.horizon_secs
                    ),
                );
            }
            let (set, id, what, field): (&BTreeSet<&str>, &str, &str, &str) = match &e.kind {
                EventKind::WriteDown { backing: b, .. } => {
                    (&backing, b, "a holding, loan, opaque or reserve backing item", "backing")
                }
                EventKind::RedemptionsFrozen { issuer } => {
                    (&issuers, issuer, "an issuer", "issuer")
                }
                EventKind::OracleFrozen { oracle } => (&oracles, oracle, "an oracle", "oracle"),
                EventKind::DepthWithdrawn { venue, .. } => (&venues, venue, "a venue", "venue"),
            };
            if !set.contains(id) {
                push(at(field), format!("expected {what} of the snapshot, found {id:?}"));
            }
            let severity = match &e.kind {
                EventKind::WriteDown { loss_usd, .. } => Some(("loss_usd", loss_usd)),
                EventKind::DepthWithdrawn { fraction, .. } => Some(("fraction", fraction)),
                _ => None,
            };
            if let Some((field, s)) = severity
                && let Err(message) = s.check()
            {
                push(at(field), message);
            }
        }
        problems
    }
}

impl Severity {
    fn check(&self) -> Result<(), String> {
        let finite = |x: f64| x.is_finite();
        let ok = match *self {
            Self::Fixed { value } => finite(value) && value >= 0.0,
            Self::Uniform { min, max } => finite(min) && finite(max) && 0.0 <= min && min <= max,
            Self::Beta { alpha, beta, scale } => {
                alpha > 0.0
                    && beta > 0.0
                    && finite(alpha)
                    && finite(beta)
                    && finite(scale)
                    && scale >= 0.0
            }
            Self::Lognormal { median, sigma } => {
                median > 0.0 && finite(median) && sigma >= 0.0 && finite(sigma)
            }
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "expected finite, non-negative parameters (min <= max, shapes above 0, median \
                 above 0), found {self:?}"
            ))
        }
    }
}
