//! A concentrated-liquidity venue (a Uniswap v3 pool) as its exact on-chain state around the
//! price, and the checks that the state is one pool's.
//!
//! The pool's ticks are known only in the range read (`tick_lower..=tick_upper`); the cascade
//! trades within that range and no further (a sale past it is refused, not priced on liquidity
//! nobody read).

use crate::{Raw, RawSigned};
use alloy_primitives::U256;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `TickMath.MIN_TICK`.
const MIN_TICK: i32 = -887_272;
/// `TickMath.MIN_SQRT_RATIO`.
const MIN_SQRT_RATIO: u64 = 4_295_128_739;
/// `TickMath.MAX_SQRT_RATIO`, `1461446703485210103287273052203988822378723970342`.
const MAX_SQRT_RATIO: &str = "1461446703485210103287273052203988822378723970342";

/// A Uniswap v3 pool's swap state in a range of ticks around its price, raw as the pool stores
/// it. Which token the venue sells (its `base`) is token0 when `base_is_token0`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConcentratedLiquiditySpec {
    /// Whether the venue's base token is the pool's `token0` (else `token1`).
    pub base_is_token0: bool,
    /// `fee()`, in millionths (3000 = 0.3%).
    pub fee_pips: u32,
    /// `tickSpacing()`.
    pub tick_spacing: i32,
    /// `slot0.sqrtPriceX96`: √(token1 units per token0 unit) · 2^96.
    pub sqrt_price_x96: Raw,
    /// `slot0.tick`.
    pub tick: i32,
    /// `liquidity()`: the liquidity in range at the current tick.
    pub liquidity: Raw,
    /// The lowest tick read (a multiple of the spacing): nothing is known below it.
    pub tick_lower: i32,
    /// The highest tick read (a multiple of the spacing): nothing is known above it.
    pub tick_upper: i32,
    /// Every initialised tick in `tick_lower..=tick_upper`, in increasing order.
    #[serde(default)]
    pub ticks: Vec<TickSpec>,
}

/// One initialised tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TickSpec {
    /// The tick.
    pub tick: i32,
    /// `ticks(tick).liquidityNet`: liquidity added when the price crosses it upward.
    pub liquidity_net: RawSigned,
}

impl ConcentratedLiquiditySpec {
    /// Every problem of the state, as (field relative to the spec, message).
    pub(crate) fn problems(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        if self.fee_pips >= 1_000_000 {
            out.push(problem(
                "fee_pips",
                format!("expected below 1000000 (100%), found {}", self.fee_pips),
            ));
        }
        let spacing = self.tick_spacing;
        if !(1..16_384).contains(&spacing) {
            out.push(problem("tick_spacing", format!("expected 1..16384, found {spacing}")));
            return out;
        }
        let max_sqrt = U256::from_str_radix(MAX_SQRT_RATIO, 10).unwrap_or(U256::MAX);
        let sqrt = self.sqrt_price_x96.0;
        if sqrt < U256::from(MIN_SQRT_RATIO) || sqrt >= max_sqrt {
            out.push(problem(
                "sqrt_price_x96",
                format!("expected MIN_SQRT_RATIO ..< MAX_SQRT_RATIO (TickMath), found {sqrt}"),
            ));
        }
        if self.liquidity.0 > U256::from(u128::MAX) {
            out.push(problem(
                "liquidity",
                format!("expected a uint128, found {}", self.liquidity.0),
            ));
            return out;
        }
        let (lower, upper) = (self.tick_lower, self.tick_upper);
        for (field, bound) in [("tick_lower", lower), ("tick_upper", upper)] {
            if bound % spacing != 0 || !(MIN_TICK..=-MIN_TICK).contains(&bound) {
                out.push(problem(
                    field,
                    format!(
                        "expected a multiple of the tick spacing {spacing} within ±887272, found \
                         {bound}"
                    ),
                ));
            }
        }
        if !(lower <= self.tick && self.tick < upper) {
            out.push(problem(
                "tick",
                format!("expected within the range read [{lower}, {upper}), found {}", self.tick),
            ));
            return out;
        }
        let mut last: Option<i32> = None;
        for (j, t) in self.ticks.iter().enumerate() {
            let field = format!("ticks[{j}].tick");
            if let Some(l) = last.filter(|l| t.tick <= *l) {
                out.push(problem(
                    &field,
                    format!("expected ticks in increasing order, found {} after {l}", t.tick),
                ));
            }
            last = Some(t.tick);
            if t.tick % spacing != 0 || !(lower..=upper).contains(&t.tick) {
                out.push(problem(
                    &field,
                    format!(
                        "expected a multiple of the tick spacing {spacing} within [{lower}, \
                         {upper}], found {}",
                        t.tick
                    ),
                ));
            }
        }
        if out.is_empty() {
            out.extend(self.profile_problem());
        }
        out
    }

    /// The liquidity of every stretch between ticks: up from the price, +net on each tick
    /// crossed; down, −net. Each must be a uint128, else the ticks and the liquidity are not one
    /// pool's; the first tick where it fails is named.
    fn profile_problem(&self) -> Option<(String, String)> {
        let cap = U256::from(u128::MAX);
        let fails = |j: usize| {
            problem(
                &format!("ticks[{j}].liquidity_net"),
                format!(
                    "expected nets that keep the pool's liquidity within 0..=2^128-1 from the \
                     current {}, found the liquidity past tick {} out of that range",
                    self.liquidity.0, self.ticks[j].tick
                ),
            )
        };
        let up = self.ticks.iter().enumerate().filter(|(_, t)| t.tick > self.tick);
        let down = self.ticks.iter().enumerate().rev().filter(|(_, t)| t.tick <= self.tick);
        let mut level = self.liquidity.0;
        for (j, t) in up {
            match cross(level, t.liquidity_net.0, true).filter(|l| *l <= cap) {
                Some(l) => level = l,
                None => return Some(fails(j)),
            }
        }
        let mut level = self.liquidity.0;
        for (j, t) in down {
            match cross(level, t.liquidity_net.0, false).filter(|l| *l <= cap) {
                Some(l) => level = l,
                None => return Some(fails(j)),
            }
        }
        None
    }
}

fn problem(field: &str, message: String) -> (String, String) {
    (field.to_owned(), message)
}

/// The liquidity after crossing a tick with `net` upward (`level + net`) or downward
/// (`level − net`); `None` below zero.
fn cross(level: U256, net: i128, upward: bool) -> Option<U256> {
    if (net < 0) == upward {
        level.checked_sub(U256::from(net.unsigned_abs()))
    } else {
        level.checked_add(U256::from(net.unsigned_abs()))
    }
}

#[cfg(test)]
mod tests {
    use crate::VenueModelSpec;

    /// A pool at tick 0 (sqrtPriceX96 = 2^96) with liquidity 1,500 in range: positions
    /// [-600, 600) of 1,000 and [-120, 1,200) of 500 give nets +1,000 at -600, +500 at -120,
    /// -1,000 at 600 and -500 at 1,200.
    const POOL: &str = r#"{
        "type": "concentrated_liquidity", "base_is_token0": true, "fee_pips": 3000,
        "tick_spacing": 60, "sqrt_price_x96": "79228162514264337593543950336", "tick": 0,
        "liquidity": "1500", "tick_lower": -1200, "tick_upper": 1200,
        "ticks": [
            {"tick": -600, "liquidity_net": "1000"}, {"tick": -120, "liquidity_net": "500"},
            {"tick": 600, "liquidity_net": "-1000"}, {"tick": 1200, "liquidity_net": "-500"}
        ]
    }"#;

    fn problems(edit: impl Fn(&mut serde_json::Value)) -> Vec<(String, String)> {
        let mut json: serde_json::Value = serde_json::from_str(POOL).unwrap();
        edit(&mut json);
        match serde_json::from_value::<VenueModelSpec>(json).unwrap() {
            VenueModelSpec::ConcentratedLiquidity(spec) => spec.problems(),
            other => panic!("expected concentrated liquidity, found {other:?}"),
        }
    }

    #[test]
    fn a_consistent_pool_has_no_problems_and_round_trips() {
        assert_eq!(problems(|_| {}), vec![]);
        let spec: VenueModelSpec = serde_json::from_str(POOL).unwrap();
        let back: VenueModelSpec =
            serde_json::from_str(&serde_json::to_string(&spec).unwrap()).unwrap();
        assert_eq!(back, spec);
        let mut extra: serde_json::Value = serde_json::from_str(POOL).unwrap();
        extra["reserve_base"] = "1".into();
        assert!(serde_json::from_value::<VenueModelSpec>(extra).is_err());
    }

    #[test]
    fn each_inconsistency_names_its_field() {
        let field = |p: Vec<(String, String)>| p.into_iter().map(|(f, _)| f).collect::<Vec<_>>();
        assert_eq!(field(problems(|j| j["fee_pips"] = 1_000_000.into())), ["fee_pips"]);
        assert_eq!(field(problems(|j| j["tick_spacing"] = 0.into())), ["tick_spacing"]);
        assert_eq!(field(problems(|j| j["sqrt_price_x96"] = "1".into())), ["sqrt_price_x96"]);
        assert_eq!(field(problems(|j| j["tick_lower"] = (-1190).into())), ["tick_lower"]);
        assert_eq!(field(problems(|j| j["tick"] = 1200.into())), ["tick"]);
        assert_eq!(field(problems(|j| j["ticks"][1]["tick"] = (-660).into())), ["ticks[1].tick"]);
        assert_eq!(field(problems(|j| j["ticks"][3]["tick"] = 1260.into())), ["ticks[3].tick"]);
        // Liquidity 1,000 in range: crossing 600 upward takes 1,000 out (0 left), crossing 1,200
        // takes 500 more: below zero, at ticks[3]. (Down: crossing -120 leaves 500, -600 −500.)
        let p = problems(|j| j["liquidity"] = "1000".into());
        assert_eq!(field(p.clone()), ["ticks[3].liquidity_net"]);
        assert!(p[0].1.contains("past tick 1200"), "{}", p[0].1);
        // Liquidity 2,000: up is fine (2,000 → 1,000 → 500), down crossing -120 leaves 1,500,
        // crossing -600 leaves 500: consistent too, so make -600's net 2,000: 1,500 − 2,000 < 0.
        let p = problems(|j| {
            j["liquidity"] = "2000".into();
            j["ticks"][0]["liquidity_net"] = "2000".into();
        });
        assert_eq!(field(p), ["ticks[0].liquidity_net"]);
    }
}
