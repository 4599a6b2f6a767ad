//! The stablecoin-supply channel in a report: each declared stablecoin's supply over the run and
//! the share of each funded token's price fall that the channel made, measured against a run of
//! the same scenario with the channel off (the orchestrator runs both; see
//! [`crate::scenario::stablecoins`]).
//!
//! The share is `(fall with − fall without) / fall with`, in percent of the fall with the
//! channel, where a fall is the token's lowest price over the run against its price at the
//! start (the low, not the end: venues recover toward the fair price after a cascade, and the
//! channel acts on the cascade's sales). It is reported only when the price fell with the
//! channel.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One stablecoin's supply over a run and its channel's effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StablecoinOutcome {
    /// The stablecoin's token.
    pub token: String,
    /// Supply at the start, whole tokens.
    pub supply_start: Decimal,
    /// Supply at the end, whole tokens.
    pub supply_end: Decimal,
    /// Redeemed out of liquidation proceeds in the cascade, whole tokens.
    pub redeemed_in_cascade: Decimal,
    /// Redeemed by supply flow rows, whole tokens.
    pub redeemed_by_flows: Decimal,
    /// Minted by supply flow rows, whole tokens.
    pub minted_by_flows: Decimal,
    /// The depth law's exponent.
    pub elasticity: Decimal,
    /// The funded venues' bid depth at the end, as a multiple of the start's.
    pub bid_depth_factor: Decimal,
    /// Per base token of the funded venues, the price fall with and without the channel.
    pub channel: Vec<ChannelShare>,
}

/// A token's price change with and without the stablecoin-supply channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ChannelShare {
    /// The token (base of a venue the stablecoin funds).
    pub token: String,
    /// The lowest price over the run against the start, with the channel, percent.
    pub low_change_pct: Decimal,
    /// The same over the run with the channel off, percent.
    pub low_change_without_pct: Decimal,
    /// The channel's share of the fall, percent of the fall with it; `None` when the price did
    /// not fall.
    pub share_pct: Option<Decimal>,
}

impl ChannelShare {
    /// `(fall with − fall without) / fall with` in percent, 2 places; `None` without a fall.
    pub fn share(change_pct: Decimal, change_without_pct: Decimal) -> Option<Decimal> {
        if change_pct >= Decimal::ZERO {
            return None;
        }
        let share = (change_pct - change_without_pct).checked_div(change_pct)?;
        share.checked_mul(Decimal::ONE_HUNDRED).map(|s| s.round_dp(2))
    }
}

impl StablecoinOutcome {
    /// The outcome for people, one line per funded token after a line on the supply:
    /// `stablecoin-supply channel: 1.23% of WETH's fall (-20.50% with the channel, -20.25%
    /// without)`. Every report format prints these lines.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "{} supply {} -> {} (redeemed from liquidation proceeds {}, by flows {}, minted {}); \
             bid depth x{} of the start (elasticity {})",
            self.token,
            whole(self.supply_start),
            whole(self.supply_end),
            whole(self.redeemed_in_cascade),
            whole(self.redeemed_by_flows),
            whole(self.minted_by_flows),
            self.bid_depth_factor.round_dp(6).normalize(),
            self.elasticity.normalize(),
        )];
        for c in &self.channel {
            let share = c.share_pct.map_or_else(
                || format!("no fall of {} to share", c.token),
                |s| format!("{s}% of {}'s fall", c.token),
            );
            lines.push(format!(
                "stablecoin-supply channel ({}): {share} (low {}% with the channel, {}% without)",
                self.token,
                c.low_change_pct.round_dp(2),
                c.low_change_without_pct.round_dp(2),
            ));
        }
        lines
    }
}

impl crate::Report {
    /// Every stablecoin's [`StablecoinOutcome::lines`], in declaration order (empty without
    /// stablecoins).
    pub fn channel_lines(&self) -> Vec<String> {
        self.stablecoins.iter().flat_map(StablecoinOutcome::lines).collect()
    }
}

/// Whole tokens with thousands separators: `4,049,000,000`.
fn whole(value: Decimal) -> String {
    grouped(value, 0)
}

/// `value` rounded to `dp` places, trailing zeros dropped, with thousands separators:
/// `74,999,876,543.21`.
pub(crate) fn grouped(value: Decimal, dp: u32) -> String {
    let v = value.round_dp(dp).normalize();
    let text = v.abs().to_string();
    let (int, frac) = text.split_once('.').map_or((text.as_str(), ""), |(i, f)| (i, f));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    if v.is_sign_negative() && !v.is_zero() { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_of_a_fall() {
        // -20% with the channel, -15% without: the channel made 5 of the 20 points, 25%.
        assert_eq!(
            ChannelShare::share(Decimal::from(-20), Decimal::from(-15)),
            Some(Decimal::from(25))
        );
        assert_eq!(ChannelShare::share(Decimal::ONE, Decimal::ZERO), None);
        assert_eq!(whole(Decimal::from(-4_049_000_000i64)), "-4,049,000,000");
        assert_eq!(whole(Decimal::from(999)), "999");
        assert_eq!(grouped(Decimal::new(7_499_987_654_321, 2), 2), "74,999,876,543.21");
    }
}
