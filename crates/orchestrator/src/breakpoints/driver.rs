//! What a breakpoint search shocks: a token's price, an issuer's backing, or a venue's depth,
//! each scaled by one shock size `s` in [0, 1] and turned into ordinary scenario shocks.

use crate::{
    Error, Result,
    scenario::{Shock, ShockKind},
    snapshot::{BackingItemSpec, Snapshot},
};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What is shocked, parsed from `asset:<token id>`, `issuer:<issuer id>[/<backing item id>]` or
/// `venue:<venue id>` ([`Driver::parse`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Driver {
    /// The token's market price falls by `s × 100%` at t = 0 (a `price` shock with
    /// `change_pct = -100·s`, applied at once in the scenario's first step).
    Asset {
        /// The token id.
        token: String,
    },
    /// `s` times the value of the issuer's backing is written down at t = 0: every item a
    /// write-down can apply to (holdings, loans, opaque claims, reserve funds) loses `s` times
    /// its value at the snapshot's prices, or only `item` when one is named. Lending-supply
    /// items are not written down: their losses come from their market, which the engine values.
    Issuer {
        /// The issuer id.
        issuer: String,
        /// One backing item to write down instead of all of them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        item: Option<String>,
    },
    /// The venue's depth is scaled by `1 − s` at t = 0 (a `liquidity` shock: `s` of its
    /// liquidity is withdrawn).
    Venue {
        /// The venue id.
        venue: String,
    },
}

/// What the three driver forms look like, for error messages.
const FORMS: &str = "asset:<token id>, issuer:<issuer id>[/<backing item id>] or venue:<venue id>";

fn invalid(expected: String, found: &str) -> Error {
    Error::Invalid { field: "driver".into(), expected, found: format!("{found:?}") }
}

/// `a, b, c` (sorted), or `none` for an empty list.
fn listing<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    let mut ids: Vec<&str> = ids.collect();
    ids.sort_unstable();
    if ids.is_empty() { "none".into() } else { ids.join(", ") }
}

/// Whether a scenario write-down can apply to the item (the scenario checker refuses
/// write-downs of lending supply and delta-neutral books, whose values the cascade sets).
const fn writable(item: &BackingItemSpec) -> bool {
    !matches!(
        item,
        BackingItemSpec::LendingSupply { .. } | BackingItemSpec::DeltaNeutralBook { .. }
    )
}

impl Driver {
    /// Parses a driver and checks that it names something in `snapshot`; an error names the
    /// driver and lists the valid ids.
    pub fn parse(text: &str, snapshot: &Snapshot) -> Result<Self> {
        let Some((kind, id)) = text.split_once(':') else {
            return Err(invalid(FORMS.into(), text));
        };
        let driver = match kind {
            "asset" => Self::Asset { token: id.to_owned() },
            "issuer" => match id.split_once('/') {
                Some((issuer, item)) => {
                    Self::Issuer { issuer: issuer.to_owned(), item: Some(item.to_owned()) }
                }
                None => Self::Issuer { issuer: id.to_owned(), item: None },
            },
            "venue" => Self::Venue { venue: id.to_owned() },
            _ => return Err(invalid(FORMS.into(), text)),
        };
        driver.plan(snapshot)?;
        Ok(driver)
    }

    /// The driver as written on the command line (`issuer:xusd`).
    pub fn spec(&self) -> String {
        match self {
            Self::Asset { token } => format!("asset:{token}"),
            Self::Issuer { issuer, item: None } => format!("issuer:{issuer}"),
            Self::Issuer { issuer, item: Some(item) } => format!("issuer:{issuer}/{item}"),
            Self::Venue { venue } => format!("venue:{venue}"),
        }
    }

    /// Checks the driver against `snapshot` and works out what `s = 1` means.
    pub(crate) fn plan(&self, snapshot: &Snapshot) -> Result<Plan> {
        let spec = self.spec();
        match self {
            Self::Asset { token } => {
                if !snapshot.tokens.iter().any(|t| &t.id == token) {
                    let ids = listing(snapshot.tokens.iter().map(|t| t.id.as_str()));
                    return Err(invalid(format!("a token of the snapshot (one of {ids})"), &spec));
                }
                Ok(Plan { driver: self.clone(), items: Vec::new() })
            }
            Self::Venue { venue } => {
                if !snapshot.venues.iter().any(|v| &v.id == venue) {
                    let ids = listing(snapshot.venues.iter().map(|v| v.id.as_str()));
                    return Err(invalid(format!("a venue of the snapshot (one of {ids})"), &spec));
                }
                Ok(Plan { driver: self.clone(), items: Vec::new() })
            }
            Self::Issuer { issuer, item } => {
                let Some(found) = snapshot.issuers.iter().find(|i| &i.id == issuer) else {
                    let ids = listing(snapshot.issuers.iter().map(|i| i.id.as_str()));
                    return Err(invalid(
                        format!("an issuer of the snapshot (one of {ids})"),
                        &spec,
                    ));
                };
                let candidates: Vec<_> =
                    found.backing.iter().filter(|b| writable(&b.item)).collect();
                let chosen: Vec<_> = match item {
                    None => candidates,
                    Some(item) => candidates.into_iter().filter(|b| &b.id == item).collect(),
                };
                if chosen.is_empty() {
                    let ids = listing(
                        found.backing.iter().filter(|b| writable(&b.item)).map(|b| b.id.as_str()),
                    );
                    return Err(invalid(
                        format!(
                            "a backing item of {issuer} that a write-down applies to (one of \
                             {ids}; lending-supply items lose value through their market)"
                        ),
                        &spec,
                    ));
                }
                let mut items = Vec::new();
                for backing in chosen {
                    let value = match &backing.item {
                        BackingItemSpec::Holding { token, amount } => {
                            let price = snapshot
                                .tokens
                                .iter()
                                .find(|t| &t.id == token)
                                .map(|t| t.price_usd)
                                .ok_or_else(|| {
                                    invalid(
                                        format!("a holding of a known token, not {token}"),
                                        &spec,
                                    )
                                })?;
                            amount.checked_mul(price).ok_or_else(|| Error::Overflow {
                                entity: backing.id.clone(),
                                what: "holding value",
                            })?
                        }
                        BackingItemSpec::Loan { value_usd, .. }
                        | BackingItemSpec::Opaque { value_usd, .. }
                        | BackingItemSpec::ReserveFund { value_usd } => *value_usd,
                        BackingItemSpec::LendingSupply { .. }
                        | BackingItemSpec::DeltaNeutralBook { .. } => continue,
                    };
                    items.push(WrittenDown { backing: backing.id.clone(), value_usd: value });
                }
                Ok(Plan { driver: self.clone(), items })
            }
        }
    }
}

/// A backing item an issuer driver writes down, with its value at the snapshot's prices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WrittenDown {
    /// The backing item id.
    pub backing: String,
    /// Its value at the snapshot's prices, USD: what `s = 1` writes off.
    pub value_usd: Decimal,
}

/// A driver checked against a snapshot: the shocks for any `s`.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) driver: Driver,
    /// For an issuer driver, the items written down and their values.
    pub(crate) items: Vec<WrittenDown>,
}

impl Plan {
    /// The unit of [`Plan::magnitude`].
    pub(crate) const fn unit(&self) -> &'static str {
        match self.driver {
            Driver::Asset { .. } => "price fall %",
            Driver::Issuer { .. } => "USD written down",
            Driver::Venue { .. } => "liquidity removed %",
        }
    }

    /// Shock size `s` in the driver's own terms: percent of the price or of the depth, or USD.
    pub(crate) fn magnitude(&self, s: Decimal) -> Decimal {
        match self.driver {
            Driver::Asset { .. } | Driver::Venue { .. } => s * Decimal::ONE_HUNDRED,
            Driver::Issuer { .. } => self.items.iter().map(|i| i.value_usd * s).sum(),
        }
    }

    /// The scenario shocks that apply the driver at size `s`, all at t = 0.
    pub(crate) fn shocks(&self, s: Decimal) -> Vec<Shock> {
        let note = format!("breakpoint driver {} at s = {s}", self.driver.spec());
        let shock = |kind| Shock { at_secs: 0, note: note.clone(), kind };
        match &self.driver {
            Driver::Asset { token } => vec![shock(ShockKind::Price {
                token: token.clone(),
                price_usd: None,
                change_pct: Some(-(s * Decimal::ONE_HUNDRED)),
                over_secs: 0,
            })],
            Driver::Issuer { .. } => self
                .items
                .iter()
                .map(|i| {
                    shock(ShockKind::WriteDown {
                        backing: i.backing.clone(),
                        loss_usd: i.value_usd * s,
                    })
                })
                .collect(),
            Driver::Venue { venue } => {
                vec![shock(ShockKind::Liquidity { venue: venue.clone(), factor: Decimal::ONE - s })]
            }
        }
    }
}
