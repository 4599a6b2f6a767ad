//! The vault-design check: a looped vault described in a TOML file, analysed for protocol teams.
//!
//! The crate owns the file's types ([`VaultDesign`], deserialised with unknown fields denied)
//! and its validation ([`VaultDesign::validate`] names the field at fault); the CLI reads the
//! file. Decimal figures are written as strings (`lltv = "0.86"`) or integers: a TOML float is
//! binary and inexact, so one is refused with a message saying so.
//!
//! [`analyse`] is pure: it builds the design's position with a flash loan to the target
//! leverage, then reports the max safe leverage for the tolerated depeg, the break-even depegs
//! (liquidation and insolvency), where the design's oracle lets the liquidation fire, the
//! health of the design and of every listed looper under each shock, the survival time at the
//! maximum borrow rate, the unwind cost through the given depth, and what breaks first.

use crate::{
    Error, Result,
    backing::{div, mul, sub, usd},
    loops::{LiquidationTrigger, LoopParams, LoopPosition, MarketExposure, Unwind, Yields},
};
use faultline_core::{MarketPrice, Observation, Oracle, OracleKind, decimal::Decimal};
use faultline_liquidity::{
    Pair,
    depth::{DepthLevel, DepthSide, DepthVenue, ImpactModel},
};
use serde::{Deserialize, Deserializer, de};

/// A decimal figure as the design file writes it: a string (`"0.86"`) or an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figure(pub Decimal);

impl<'de> Deserialize<'de> for Figure {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = Figure;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a decimal as a string such as \"0.86\", or an integer")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Figure, E> {
                Decimal::from_str_exact(v)
                    .map(Figure)
                    .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Figure, E> {
                Ok(Figure(Decimal::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Figure, E> {
                Ok(Figure(Decimal::from(v)))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Figure, E> {
                Err(E::custom(
                    "a float is binary and inexact: write the decimal as a string, e.g. \"0.86\"",
                ))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// A looped-vault design.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaultDesign {
    /// The design's name, for reports.
    pub name: String,
    /// The lending market the loop runs in.
    pub market: MarketDesign,
    /// The oracle that prices the collateral for the market.
    pub oracle: OracleDesign,
    /// The designed position.
    pub position: PositionDesign,
    /// The shocks to test.
    pub shocks: ShockDesign,
    /// Depth of the collateral's market, for the unwind cost (optional).
    #[serde(default)]
    pub liquidity: Option<LiquidityDesign>,
    /// Other loopers in the same market (optional): name, equity and leverage each.
    #[serde(default)]
    pub loopers: Vec<LooperDesign>,
}

/// The lending market.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketDesign {
    /// Liquidation LTV, a fraction in (0, 1).
    pub lltv: Figure,
    /// Total supply of the borrowed asset in the market, whole tokens.
    pub total_supply: Figure,
    /// What the collateral earns per year (fraction).
    pub supply_yield: Figure,
    /// What borrowing costs per year now (fraction).
    pub borrow_rate: Figure,
    /// The rate model's borrow rate at 100% utilisation (fraction per year).
    pub max_borrow_rate: Figure,
    /// Incentives per year on the collateral (fraction); zero when absent.
    #[serde(default = "zero")]
    pub incentives: Figure,
}

/// The oracle kind, with its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum OracleDesign {
    /// Follows the market.
    Market,
    /// Chainlink-style push feed.
    PushFeed {
        /// Deviation threshold in basis points.
        deviation_bps: u32,
        /// Heartbeat in seconds.
        heartbeat_secs: u64,
    },
    /// Hardcoded price.
    Fixed {
        /// The price it always reports.
        price: Figure,
    },
    /// The issuer's reported exchange rate times the underlying.
    ExchangeRate {
        /// Yearly growth of the reported rate that the oracle passes through (fraction).
        rate_growth: Figure,
    },
    /// The market price from `delay_secs` ago.
    Lagged {
        /// The delay in seconds.
        delay_secs: u64,
    },
}

/// The designed position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PositionDesign {
    /// Own collateral, whole tokens.
    pub equity: Figure,
    /// Price of the collateral in the borrowed asset.
    pub price: Figure,
    /// Leverage built with a flash loan (assets over equity).
    pub target_leverage: Figure,
    /// Fraction lost per swap of borrowed asset into collateral; zero when absent.
    #[serde(default = "zero")]
    pub swap_cost: Figure,
}

/// The shocks.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShockDesign {
    /// Depegs of the collateral's market price to test (fractions, e.g. "0.05").
    pub depegs: Vec<Figure>,
    /// The depeg the design must survive without liquidation, for the max safe leverage.
    pub tolerated_depeg: Figure,
}

/// Depth on the bid side of the collateral's market, cumulative by band.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiquidityDesign {
    /// Decimals of the collateral token.
    pub collateral_decimals: u8,
    /// Decimals of the borrowed token.
    pub debt_decimals: u8,
    /// Bid depth levels.
    pub bids: Vec<DepthDesign>,
}

/// One depth level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepthDesign {
    /// Distance from mid, a fraction.
    pub band: Figure,
    /// Cumulative collateral bid within the band, whole tokens.
    pub quantity: Figure,
}

/// Another looper in the market.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LooperDesign {
    /// Name, for reports.
    pub name: String,
    /// Own collateral, whole tokens.
    pub equity: Figure,
    /// Leverage (assets over equity).
    pub leverage: Figure,
}

const fn zero() -> Figure {
    Figure(Decimal::ZERO)
}

impl VaultDesign {
    /// Checks every figure's range, naming the field (`market.lltv`, `loopers[2].leverage`).
    pub fn validate(&self) -> Result<()> {
        let fraction = |field: &str, v: Figure, open: bool| {
            let ok = if open {
                v.0 > Decimal::ZERO && v.0 < Decimal::ONE
            } else {
                v.0 >= Decimal::ZERO && v.0 < Decimal::ONE
            };
            if ok {
                Ok(())
            } else {
                Err(Error::invalid(
                    field,
                    if open { "a fraction in (0, 1)" } else { "a fraction in [0, 1)" },
                    v.0,
                ))
            }
        };
        let positive = |field: &str, v: Figure| {
            if v.0 > Decimal::ZERO {
                Ok(())
            } else {
                Err(Error::invalid(field, "a positive figure", v.0))
            }
        };
        let rate = |field: &str, v: Figure| {
            if v.0 >= Decimal::ZERO {
                Ok(())
            } else {
                Err(Error::invalid(field, "a yearly rate >= 0", v.0))
            }
        };
        fraction("market.lltv", self.market.lltv, true)?;
        positive("market.total_supply", self.market.total_supply)?;
        rate("market.supply_yield", self.market.supply_yield)?;
        rate("market.borrow_rate", self.market.borrow_rate)?;
        rate("market.max_borrow_rate", self.market.max_borrow_rate)?;
        rate("market.incentives", self.market.incentives)?;
        positive("position.equity", self.position.equity)?;
        positive("position.price", self.position.price)?;
        if self.position.target_leverage.0 < Decimal::ONE {
            return Err(Error::invalid(
                "position.target_leverage",
                "a leverage >= 1",
                self.position.target_leverage.0,
            ));
        }
        fraction("position.swap_cost", self.position.swap_cost, false)?;
        fraction("shocks.tolerated_depeg", self.shocks.tolerated_depeg, false)?;
        for (i, depeg) in self.shocks.depegs.iter().enumerate() {
            fraction(&format!("shocks.depegs[{i}]"), *depeg, false)?;
        }
        match self.oracle {
            OracleDesign::Fixed { price } => positive("oracle.price", price)?,
            OracleDesign::PushFeed { deviation_bps, .. }
                if deviation_bps == 0 || deviation_bps >= 10_000 =>
            {
                return Err(Error::invalid(
                    "oracle.deviation_bps",
                    "basis points in (0, 10000)",
                    deviation_bps,
                ));
            }
            OracleDesign::ExchangeRate { rate_growth } => rate("oracle.rate_growth", rate_growth)?,
            _ => {}
        }
        for (i, looper) in self.loopers.iter().enumerate() {
            positive(&format!("loopers[{i}].equity"), looper.equity)?;
            if looper.leverage.0 < Decimal::ONE {
                return Err(Error::invalid(
                    format!("loopers[{i}].leverage"),
                    "a leverage >= 1",
                    looper.leverage.0,
                ));
            }
        }
        Ok(())
    }

    fn oracle(&self) -> Result<Oracle> {
        let price = usd(self.position.price.0)?;
        let kind = match self.oracle {
            OracleDesign::Market => OracleKind::Market,
            OracleDesign::PushFeed { deviation_bps, heartbeat_secs } => {
                OracleKind::PushFeed { deviation_bps, heartbeat_secs }
            }
            OracleDesign::Fixed { price } => OracleKind::Fixed(usd(price.0)?),
            OracleDesign::ExchangeRate { .. } => OracleKind::ExchangeRate,
            OracleDesign::Lagged { delay_secs } => OracleKind::Lagged { delay_secs },
        };
        Ok(Oracle::new(kind, price, 0)?)
    }
}

/// One position's state under one shock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShockedPosition {
    /// The position's name (`design` for the designed one).
    pub name: String,
    /// Health at the oracle's price after the shock (what the market acts on).
    pub oracle_health: Decimal,
    /// Health at the market price after the shock (the truth).
    pub market_health: Decimal,
    /// Whether the market liquidates it.
    pub liquidated: bool,
    /// Debt above collateral value at market when it is *not* liquidated: the lenders' loss.
    pub bad_debt: Decimal,
}

/// Every position under one shock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShockResult {
    /// The depeg of the collateral's market price.
    pub depeg: Decimal,
    /// The oracle price the market reads after it (one observation, a fast move).
    pub oracle_price: Decimal,
    /// The design first, then the loopers in file order.
    pub positions: Vec<ShockedPosition>,
}

/// What breaks, at which depeg.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Breakpoint {
    /// The design's position is liquidated.
    Liquidation,
    /// The design's position is insolvent at market: from here any loss not liquidated is the
    /// lenders'.
    Insolvency,
}

/// The vault-design report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesignReport {
    /// The design's name.
    pub name: String,
    /// The designed position.
    pub position: LoopPosition,
    /// Its net yield on equity per year.
    pub net_yield: Decimal,
    /// Its health at the start.
    pub health: Decimal,
    /// The highest leverage that survives the tolerated depeg at a market-following oracle:
    /// `1 / (1 - (1 - t) * lltv * (1 - swap_cost))`.
    pub max_safe_leverage: Decimal,
    /// Depeg at which health reaches one (market oracle): `1 - liquidation price / price`.
    pub liquidation_depeg: Decimal,
    /// Depeg at which collateral at market no longer covers the debt: `1 - debt / (C * P)`.
    pub insolvency_depeg: Decimal,
    /// Where the design's oracle lets the liquidation fire.
    pub trigger: LiquidationTrigger,
    /// Whole days at 100% utilisation and the max borrow rate (`None`: beyond ten years).
    pub survival_days: Option<u32>,
    /// Unwind through the given depth, when given.
    pub unwind: Option<Unwind>,
    /// Debt of the design and the loopers over the market's supply: the lenders' money riding
    /// on the collateral token.
    pub debt_share_of_supply: Decimal,
    /// The positions under each shock.
    pub shocks: Vec<ShockResult>,
    /// What breaks, by depeg, first first (a liquidation the oracle never fires is left out).
    pub breaks: Vec<(Decimal, Breakpoint)>,
}

/// Analyses a design (validated first).
pub fn analyse(design: &VaultDesign) -> Result<DesignReport> {
    const OP: &str = "design::analyse";
    design.validate()?;
    let (m, p) = (&design.market, &design.position);
    let price = p.price.0;
    let params = LoopParams {
        equity: p.equity.0,
        price,
        ltv: m.lltv.0,
        lltv: m.lltv.0,
        swap_cost: p.swap_cost.0,
    };
    let build = |equity: Decimal, leverage: Decimal| {
        LoopParams { equity, ..params }.flash_to_leverage(leverage)
    };
    let position = build(p.equity.0, p.target_leverage.0)?;
    let yields =
        Yields { supply: m.supply_yield.0, borrow: m.borrow_rate.0, incentives: m.incentives.0 };
    let keep = mul(
        sub(Decimal::ONE, design.shocks.tolerated_depeg.0, OP)?,
        mul(m.lltv.0, sub(Decimal::ONE, p.swap_cost.0, OP)?, OP)?,
        OP,
    )?;
    let max_safe_leverage = div(Decimal::ONE, sub(Decimal::ONE, keep, OP)?, OP)?;
    let depeg_at =
        |level: Decimal| -> Result<Decimal> { sub(Decimal::ONE, div(level, price, OP)?, OP) };
    let liquidation_depeg = depeg_at(position.liquidation_price()?)?;
    let insolvency_depeg = depeg_at(position.insolvency_price()?)?;
    let oracle = design.oracle()?;
    let trigger = position.liquidation_trigger(&oracle)?;
    let growth = match design.oracle {
        OracleDesign::ExchangeRate { rate_growth } => rate_growth.0,
        _ => Decimal::ZERO,
    };
    let survival_days = position.survival_days(
        oracle.price().0.to_decimal()?,
        m.max_borrow_rate.0,
        growth,
        3_650,
    )?;
    let unwind = match &design.liquidity {
        Some(l) => {
            let levels = l
                .bids
                .iter()
                .map(|b| DepthLevel { band: b.band.0, quantity: b.quantity.0 })
                .collect();
            let side = DepthSide::new(levels)?;
            let model = ImpactModel::Depth { bids: side.clone(), asks: side };
            let venue = DepthVenue::new(
                design.name.clone(),
                Pair::new(l.collateral_decimals, l.debt_decimals)?,
                price,
                model,
            )?;
            Some(position.unwind(&venue)?)
        }
        None => None,
    };
    let mut named = vec![("design".to_owned(), position)];
    for (i, looper) in design.loopers.iter().enumerate() {
        let built = build(looper.equity.0, looper.leverage.0).map_err(|_| {
            Error::invalid(
                format!("loopers[{i}].leverage"),
                "a leverage healthy at the start price",
                looper.leverage.0,
            )
        })?;
        named.push((looper.name.clone(), built));
    }
    let mut shocks = Vec::with_capacity(design.shocks.depegs.len());
    for depeg in &design.shocks.depegs {
        let market = mul(price, sub(Decimal::ONE, depeg.0, OP)?, OP)?;
        let mut seen = design.oracle()?;
        // Reported rate for an exchange-rate oracle: the issuer still reports the start price.
        let observed = seen.observe(Observation {
            at: 1,
            market: MarketPrice(usd(market)?),
            reported: Some(usd(price)?),
        })?;
        let oracle_price = observed.0.to_decimal()?;
        let mut positions = Vec::with_capacity(named.len());
        for (name, pos) in &named {
            let oracle_health = pos.health(oracle_price)?;
            let liquidated = oracle_health < Decimal::ONE;
            let gap = sub(pos.debt, mul(pos.collateral, market, OP)?, OP)?;
            positions.push(ShockedPosition {
                name: name.clone(),
                oracle_health,
                market_health: pos.health(market)?,
                liquidated,
                bad_debt: if liquidated { Decimal::ZERO } else { gap.max(Decimal::ZERO) },
            });
        }
        shocks.push(ShockResult { depeg: depeg.0, oracle_price, positions });
    }
    let mut breaks = vec![(insolvency_depeg, Breakpoint::Insolvency)];
    match trigger {
        LiquidationTrigger::AtMarketPrice { price: at, .. } => {
            breaks.push((depeg_at(at)?, Breakpoint::Liquidation))
        }
        LiquidationTrigger::Already => breaks.push((Decimal::ZERO, Breakpoint::Liquidation)),
        _ => {}
    }
    breaks.sort();
    let exposure = MarketExposure::new(&named, m.total_supply.0)?;
    Ok(DesignReport {
        name: design.name.clone(),
        position,
        net_yield: position.net_yield(price, yields)?,
        health: position.health(price)?,
        max_safe_leverage,
        liquidation_depeg,
        insolvency_depeg,
        trigger,
        survival_days,
        unwind,
        debt_share_of_supply: exposure.debt_share_of_supply,
        shocks,
        breaks,
    })
}
