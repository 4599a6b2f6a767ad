//! The one-shot analyses (`bands`, `position`, `loop`) for people: each is a few titled grids,
//! drawn as terminal tables or as Markdown from the same rows.

use super::{Format, usd};
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use faultline_orchestrator::{
    bands::{BandsReport, MarketBands},
    loop_check::LoopReport,
    position::PositionReport,
};
use rust_decimal::Decimal;
use std::fmt::Write;

/// Text laid out for one format.
pub(super) struct Doc {
    format: Format,
    pub(super) out: String,
}

impl Doc {
    pub(super) const fn new(format: Format) -> Self {
        Self { format, out: String::new() }
    }

    pub(super) fn title(&mut self, text: &str) {
        let _ = match self.format {
            Format::Markdown => writeln!(self.out, "# {text}\n"),
            _ => writeln!(self.out, "{text}"),
        };
    }

    pub(super) fn heading(&mut self, text: &str) {
        let _ = match self.format {
            Format::Markdown => writeln!(self.out, "\n## {text}\n"),
            _ => writeln!(self.out, "\n{text}"),
        };
    }

    pub(super) fn line(&mut self, text: &str) {
        let _ = match self.format {
            Format::Markdown => writeln!(self.out, "{text}\n"),
            _ => writeln!(self.out, "{text}"),
        };
    }

    pub(super) fn grid(&mut self, header: &[&str], rows: &[Vec<String>]) {
        match self.format {
            Format::Markdown => {
                let _ = writeln!(self.out, "| {} |", header.join(" | "));
                let _ = writeln!(self.out, "|{}", "---|".repeat(header.len()));
                for row in rows {
                    let _ = writeln!(self.out, "| {} |", row.join(" | "));
                }
            }
            _ => {
                let mut table = Table::new();
                table.load_preset(UTF8_FULL_CONDENSED).set_header(header.to_vec());
                for row in rows {
                    table.add_row(row.clone());
                }
                let _ = writeln!(self.out, "{table}");
            }
        }
    }
}

fn num(value: Decimal) -> String {
    value.normalize().to_string()
}

fn opt(value: Option<Decimal>, none: &str) -> String {
    value.map_or_else(|| none.to_owned(), num)
}

fn pct(fraction: Decimal) -> String {
    format!("{:.2}%", fraction * Decimal::ONE_HUNDRED)
}

/// Whether every level of `m` is the same (same positions, same debt).
fn is_flat(m: &MarketBands) -> bool {
    m.levels.len() > 1
        && m.levels.windows(2).all(|w| w[0].positions == w[1].positions && w[0].debt == w[1].debt)
}

/// Why a market's levels do not change with the price, when they do not: its oracle holds
/// (hardcoded or an exchange rate), or no position's liquidation lies within the grid.
pub(crate) fn flat_reason(report: &BandsReport, m: &MarketBands) -> Option<String> {
    if !is_flat(m) {
        return None;
    }
    let deepest = m.levels.last().map_or(Decimal::ZERO, |l| l.fall_pct);
    Some(if m.oracle_moves {
        format!(
            "{}: the levels are flat: no position's liquidation price lies between the current price and a {}% fall.",
            m.name,
            num(deepest)
        )
    } else {
        let now = m.levels.first().map_or(0, |l| l.positions);
        let already = if now == 0 {
            String::new()
        } else {
            format!(" (the {now} liquidatable at every level are so at the current price already)")
        };
        format!(
            "{}: the levels are flat because its oracle {} ({}) holds at {} {} per {} whatever {}'s market price does, so no fall of the market price makes a further position liquidatable{already}; `--oracle-follows-market` shows the bands if the oracle followed.",
            m.name,
            m.oracle,
            m.oracle_kind,
            num(m.oracle_price),
            m.loan_token,
            report.symbol,
            report.symbol
        )
    })
}

/// Liquidation bands: the combined curve, then each market's levels.
pub(crate) fn bands(report: &BandsReport, format: Format) -> String {
    let mut doc = Doc::new(format);
    doc.title(&format!(
        "Liquidation bands of {} ({}) in {}",
        report.symbol, report.asset, report.snapshot
    ));
    doc.line(&format!(
        "Price now {}; oracles {}.",
        usd(report.price_usd),
        match report.oracle_mode {
            faultline_orchestrator::bands::OracleMode::AsConfigured => {
                "as configured (hardcoded and exchange-rate oracles do not follow the price)"
            }
            _ => "all following the price",
        }
    ));
    if !report.not_covered.is_empty() {
        doc.line(&format!(
            "Not covered (bands not yet supported for their protocol): {}.",
            report.not_covered.join(", ")
        ));
    }
    doc.heading("All markets (cumulative)");
    let rows: Vec<Vec<String>> = report
        .combined
        .iter()
        .map(|l| {
            vec![
                format!("-{}%", num(l.fall_pct)),
                usd(l.price_usd),
                l.positions.to_string(),
                num(l.collateral.round_dp(4)),
                usd(l.collateral_usd),
                usd(l.debt_usd),
                usd(l.new_debt_usd),
            ]
        })
        .collect();
    doc.grid(
        &["fall", "price", "positions", "collateral", "collateral $", "debt $", "new debt $"],
        &rows,
    );
    for m in &report.markets {
        doc.heading(&format!("{} ({})", m.name, m.market));
        doc.line(&format!(
            "Oracle {} ({}) at {} {} per {}{}; LLTV {}; {} borrowers.",
            m.oracle,
            m.oracle_kind,
            num(m.oracle_price),
            m.loan_token,
            report.symbol,
            if m.oracle_moves { "" } else { ", does not move" },
            num(m.lltv),
            m.borrowers
        ));
        if let Some(reason) = flat_reason(report, m) {
            doc.line(&reason);
        }
        // A flat market's levels are all equal: one row says it.
        let levels = if is_flat(m) { &m.levels[..1] } else { &m.levels[..] };
        let rows: Vec<Vec<String>> = levels
            .iter()
            .map(|l| {
                vec![
                    if is_flat(m) {
                        format!(
                            "-0% to -{}%",
                            num(m.levels.last().map_or(l.fall_pct, |x| x.fall_pct))
                        )
                    } else {
                        format!("-{}%", num(l.fall_pct))
                    },
                    num(l.oracle_price.round_dp(6)),
                    l.positions.to_string(),
                    num(l.collateral.round_dp(4)),
                    num(l.debt.round_dp(2)),
                    usd(l.debt_usd),
                ]
            })
            .collect();
        doc.grid(&["fall", "oracle", "positions", "collateral", "debt", "debt $"], &rows);
    }
    doc.out
}

/// One position: health, holdings with liquidation prices, the largest liquidation.
pub(crate) fn position(report: &PositionReport, format: Format) -> String {
    let mut doc = Doc::new(format);
    doc.title(&format!("Position on {}", report.market));
    if let Some(account) = report.account {
        doc.line(&format!("Account {account}."));
    }
    let unit = &report.unit;
    doc.grid(
        &[
            "health factor",
            "collateral",
            "liquidation value",
            "debt",
            "borrowing power",
            "liquidatable",
        ],
        &[vec![
            opt(report.health_factor.map(|h| h.round_dp(6)), "no debt"),
            format!("{} {unit}", num(report.collateral_value)),
            format!("{} {unit}", num(report.liquidation_value)),
            format!("{} {unit}", num(report.debt_value)),
            format!("{} {unit}", num(report.borrowing_power)),
            if report.liquidatable { "yes".into() } else { "no".into() },
        ]],
    );
    doc.heading("Collateral");
    let rows: Vec<Vec<String>> = report
        .collateral
        .iter()
        .map(|c| {
            vec![
                c.asset.clone(),
                num(c.amount),
                num(c.price),
                pct(c.liquidation_threshold),
                opt(c.liquidation_price, "none"),
                c.fall_pct.map_or_else(String::new, |f| format!("-{}%", num(f))),
            ]
        })
        .collect();
    doc.grid(
        &["asset", "amount", &format!("price ({unit})"), "liq. threshold", "liq. price", "fall"],
        &rows,
    );
    doc.heading("Debt");
    let rows: Vec<Vec<String>> =
        report.debt.iter().map(|d| vec![d.asset.clone(), num(d.amount), num(d.price)]).collect();
    doc.grid(&["asset", "amount", &format!("price ({unit})")], &rows);
    doc.heading("Largest liquidation now");
    if report.liquidations.is_empty() {
        doc.line("None: the position is healthy.");
    } else {
        let rows: Vec<Vec<String>> = report
            .liquidations
            .iter()
            .map(|l| {
                let mut row = vec![
                    format!("{} for {}", l.collateral_asset, l.debt_asset),
                    pct(l.close_factor),
                    pct(l.bonus),
                ];
                match (&l.outcome, &l.refused) {
                    (Some(o), _) => row.extend([
                        num(o.debt_repaid),
                        num(o.collateral_seized),
                        num(o.protocol_fee),
                        format!("{} ({})", num(o.bad_debt), o.bad_debt_bearer),
                        opt(o.health_after.map(|h| h.round_dp(6)), "no debt"),
                    ]),
                    (None, refused) => row.extend([
                        format!("refused: {}", refused.clone().unwrap_or_default()),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                    ]),
                }
                row
            })
            .collect();
        doc.grid(
            &[
                "pair",
                "close factor",
                "bonus",
                "repaid",
                "seized",
                "fee",
                "bad debt",
                "health after",
            ],
            &rows,
        );
    }
    doc.out
}

/// The vault-design check.
pub(crate) fn design(report: &LoopReport, format: Format) -> String {
    let mut doc = Doc::new(format);
    doc.title(&format!("Vault design: {}", report.name));
    doc.grid(
        &[
            "leverage",
            "max safe leverage",
            "liquidation depeg",
            "insolvency depeg",
            "health",
            "net yield",
        ],
        &[vec![
            opt(report.leverage.map(|l| l.round_dp(4)), "no equity"),
            num(report.max_safe_leverage.round_dp(4)),
            pct(report.liquidation_depeg),
            pct(report.insolvency_depeg),
            num(report.health.round_dp(4)),
            pct(report.net_yield),
        ]],
    );
    doc.line(&format!("Liquidation fires {}.", report.trigger));
    doc.line(&format!(
        "Survives {} at 100% utilisation and the max borrow rate. Loopers' debt is {} of the market's supply.",
        report.survival_days.map_or_else(|| "beyond ten years".into(), |d| format!("{d} days")),
        pct(report.debt_share_of_supply)
    ));
    if let Some(u) = &report.unwind {
        doc.line(&format!(
            "Unwind: sells {} for {} (cost {}), shortfall {}.",
            num(u.sold.round_dp(2)),
            num(u.proceeds.round_dp(2)),
            num(u.cost.round_dp(2)),
            num(u.shortfall.round_dp(2))
        ));
    }
    doc.heading("What breaks first");
    let rows: Vec<Vec<String>> =
        report.breaks.iter().map(|b| vec![pct(b.depeg), b.what.clone()]).collect();
    doc.grid(&["depeg", "break"], &rows);
    doc.heading("Shocks");
    let mut rows = Vec::new();
    for s in &report.shocks {
        for p in &s.positions {
            rows.push(vec![
                pct(s.depeg),
                num(s.oracle_price.round_dp(4)),
                p.name.clone(),
                num(p.oracle_health.round_dp(4)),
                num(p.market_health.round_dp(4)),
                if p.liquidated { "yes".into() } else { "no".into() },
                num(p.bad_debt.round_dp(2)),
            ]);
        }
    }
    doc.grid(
        &[
            "depeg",
            "oracle",
            "position",
            "health (oracle)",
            "health (market)",
            "liquidated",
            "bad debt",
        ],
        &rows,
    );
    doc.out
}
