//! The vault-design check (`faultline loop`): a looped vault described in TOML, parsed into
//! `faultline_vaults::design::VaultDesign` with errors naming the line, analysed by
//! `faultline_vaults::design::analyse`, and returned as a serialisable report.

use crate::{Error, Result, snapshot::Problem};
use faultline_vaults::{
    design::{Breakpoint, DesignReport, VaultDesign, analyse},
    loops::LiquidationTrigger,
};
use rust_decimal::Decimal;
use serde::Serialize;

/// The design check's answer, serialisable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoopReport {
    /// The design's name.
    pub name: String,
    /// The designed position: collateral, whole tokens.
    pub collateral: Decimal,
    /// Its debt, whole loan tokens.
    pub debt: Decimal,
    /// The collateral's price in loan tokens at the start.
    pub price: Decimal,
    /// Leverage (assets over equity) at the start; `None` when the position has no equity.
    pub leverage: Option<Decimal>,
    /// Net yield on equity per year.
    pub net_yield: Decimal,
    /// Health at the start.
    pub health: Decimal,
    /// The highest leverage that survives the tolerated depeg at a market-following oracle.
    pub max_safe_leverage: Decimal,
    /// Depeg at which health reaches one (market-following oracle).
    pub liquidation_depeg: Decimal,
    /// Depeg at which the collateral at market no longer covers the debt.
    pub insolvency_depeg: Decimal,
    /// Where the design's oracle lets the liquidation fire, in words.
    pub trigger: String,
    /// Whole days at 100% utilisation and the max borrow rate (`None`: beyond ten years).
    pub survival_days: Option<u32>,
    /// The unwind through the given depth, when the design gives one.
    pub unwind: Option<UnwindLine>,
    /// Debt of the design and the loopers over the market's supply.
    pub debt_share_of_supply: Decimal,
    /// The positions under each shock.
    pub shocks: Vec<ShockLine>,
    /// What breaks, by depeg, first first.
    pub breaks: Vec<BreakLine>,
}

/// Unwinding the designed loop through the given depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UnwindLine {
    /// Collateral sold.
    pub sold: Decimal,
    /// What the sale fetched.
    pub proceeds: Decimal,
    /// Lost to impact and fees.
    pub cost: Decimal,
    /// Collateral left after repaying.
    pub collateral_left: Decimal,
    /// Debt the whole collateral could not repay.
    pub shortfall: Decimal,
}

/// Every position under one shock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShockLine {
    /// The depeg of the collateral's market price.
    pub depeg: Decimal,
    /// The oracle's price after it.
    pub oracle_price: Decimal,
    /// The design first, then the loopers.
    pub positions: Vec<ShockedLine>,
}

/// One position under one shock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShockedLine {
    /// `design` or the looper's name.
    pub name: String,
    /// Health at the oracle's price.
    pub oracle_health: Decimal,
    /// Health at the market price.
    pub market_health: Decimal,
    /// Whether the market liquidates it.
    pub liquidated: bool,
    /// The lenders' loss when it is not liquidated.
    pub bad_debt: Decimal,
}

/// One breakpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BreakLine {
    /// The depeg.
    pub depeg: Decimal,
    /// `liquidation` or `insolvency`.
    pub what: String,
}

/// Parses a design from TOML; a syntax or type error names its line.
pub fn from_toml(text: &str) -> Result<VaultDesign, Problem> {
    toml::from_str(text).map_err(|e| {
        let line =
            e.span().map(|span| 1 + text.get(..span.start).unwrap_or(text).matches('\n').count());
        Problem {
            path: line.map_or_else(|| "design".into(), |l| format!("line {l}")),
            message: e.message().to_owned(),
        }
    })
}

fn trigger(t: &LiquidationTrigger) -> String {
    match t {
        LiquidationTrigger::Already => "liquidatable already at the oracle's answer".into(),
        LiquidationTrigger::AtMarketPrice { price, delay_secs: 0 } => {
            format!("when the market price reaches {price}")
        }
        LiquidationTrigger::AtMarketPrice { price, delay_secs } => {
            format!("{delay_secs} s after the market price reaches {price}")
        }
        LiquidationTrigger::OnReportedRateBelow(rate) => {
            format!("only when the issuer's reported rate falls below {rate}")
        }
        LiquidationTrigger::Never => {
            "never: the oracle does not move; losses fall to the lenders".into()
        }
        _ => format!("{t:?}"),
    }
}

/// Analyses a design (validated first; a range error names the field).
pub fn check(design: &VaultDesign) -> Result<LoopReport> {
    let report: DesignReport = analyse(design)
        .map_err(|e| Error::Model { entity: design.name.clone(), source: Box::new(e) })?;
    let p = report.position;
    Ok(LoopReport {
        name: report.name,
        collateral: p.collateral,
        debt: p.debt,
        price: p.price,
        leverage: p.leverage(p.price).ok(),
        net_yield: report.net_yield,
        health: report.health,
        max_safe_leverage: report.max_safe_leverage,
        liquidation_depeg: report.liquidation_depeg,
        insolvency_depeg: report.insolvency_depeg,
        trigger: trigger(&report.trigger),
        survival_days: report.survival_days,
        unwind: report.unwind.map(|u| UnwindLine {
            sold: u.sold,
            proceeds: u.proceeds,
            cost: u.cost,
            collateral_left: u.collateral_left,
            shortfall: u.shortfall,
        }),
        debt_share_of_supply: report.debt_share_of_supply,
        shocks: report
            .shocks
            .into_iter()
            .map(|s| ShockLine {
                depeg: s.depeg,
                oracle_price: s.oracle_price,
                positions: s
                    .positions
                    .into_iter()
                    .map(|p| ShockedLine {
                        name: p.name,
                        oracle_health: p.oracle_health,
                        market_health: p.market_health,
                        liquidated: p.liquidated,
                        bad_debt: p.bad_debt,
                    })
                    .collect(),
            })
            .collect(),
        breaks: report
            .breaks
            .into_iter()
            .map(|(depeg, b)| BreakLine {
                depeg,
                what: match b {
                    Breakpoint::Liquidation => "liquidation".into(),
                    Breakpoint::Insolvency => "insolvency".into(),
                    _ => format!("{b:?}").to_lowercase(),
                },
            })
            .collect(),
    })
}
