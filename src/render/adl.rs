//! `faultline adl` for people: who the ADL of 2025-10-10 closes on drawn populations, per coin,
//! beside the published figures, with every source and assumption.

use super::{Format, analyses::Doc, usd};
use faultline_perps::adl_study::{Quartiles, StudyReport};
use rust_decimal::Decimal;

/// A share as a percentage with one decimal.
fn share(fraction: Decimal) -> String {
    format!("{:.1}%", (fraction * Decimal::ONE_HUNDRED).round_dp(1))
}

/// A leverage with two decimals; an account without equity has none.
fn lev(value: Decimal) -> String {
    if value == Decimal::MAX { "no equity".into() } else { format!("{:.2}x", value.round_dp(2)) }
}

fn quartiles(q: &Quartiles) -> String {
    format!("{} / {} / {}", lev(q.q1), lev(q.median), lev(q.q3))
}

/// The study's report.
pub(crate) fn adl(report: &StudyReport, format: Format) -> String {
    let mut doc = Doc::new(format);
    doc.title(&format!(
        "Hyperliquid ADL of 2025-10-10 on drawn populations ({}, seed {})",
        report.policy, report.seed
    ));
    doc.line(
        "SYNTHETIC populations: each coin's shorts are drawn from documented distributions (sources and assumptions below), scaled from the coin's ADL'd notional and users by open interest over ADL notional. ADL closes each coin's published size at its size-weighted average ADL price, so the closed notional equals the published by construction; who is closed (how many accounts, in profit or not, at what leverage) is the ranking's answer on the drawn book, not fitted to the published one.",
    );
    doc.heading("Who ADL closed: accounts, notional, PnL (model against published)");
    let rows: Vec<Vec<String>> = report
        .coins
        .iter()
        .map(|c| {
            vec![
                c.coin.clone(),
                c.deleveraged.accounts.to_string(),
                c.published.users.to_string(),
                usd(c.deleveraged.notional_usd.round_dp(0)),
                usd(c.published.notional_usd.round_dp(0)),
                usd(c.deleveraged.realized_pnl_usd.round_dp(0)),
                usd(c.published.closed_pnl_usd.round_dp(0)),
            ]
        })
        .collect();
    doc.grid(
        &[
            "coin",
            "accounts",
            "users (published)",
            "notional",
            "notional (published)",
            "realised PnL",
            "closed PnL (published)",
        ],
        &rows,
    );
    doc.heading("Who ADL closed: profit and leverage (model against published)");
    let rows: Vec<Vec<String>> = report
        .coins
        .iter()
        .map(|c| {
            vec![
                c.coin.clone(),
                share(c.deleveraged.profitable_share),
                quartiles(&c.deleveraged.leverage),
                format!("{:.1}%", c.deleveraged.mean_pnl_percent.round_dp(1)),
                format!("{:.1}%", c.published.mean_pnl_percent.round_dp(1)),
                lev(c.published.mean_leverage),
            ]
        })
        .collect();
    doc.grid(
        &[
            "coin",
            "in profit",
            "leverage q1 / median / q3",
            "mean uPnL %",
            "mean PnL % (published)",
            "mean leverage (published)",
        ],
        &rows,
    );
    doc.line(&format!(
        "Published for all coins together: {} of ADL fills in profit, median leverage {} (per coin the files give only means; the mean leverage is dominated by near-zero-equity outliers). The published leverage is notional over cash-only account value; the model's is notional over account value with unrealised PnL, before ADL.",
        share(report.published_profitable_share),
        lev(report.published_median_leverage),
    ));
    doc.heading("The drawn populations");
    let rows: Vec<Vec<String>> = report
        .coins
        .iter()
        .map(|c| {
            vec![
                c.coin.clone(),
                c.side.clone(),
                c.population.accounts.to_string(),
                usd(c.population.notional_usd.round_dp(0)),
                share(c.population.profitable_share),
                quartiles(&c.population.leverage),
                c.reference_price.normalize().to_string(),
                c.published.price.round_dp(4).normalize().to_string(),
            ]
        })
        .collect();
    doc.grid(
        &[
            "coin",
            "side",
            "accounts",
            "notional",
            "in profit",
            "leverage q1 / median / q3",
            "pre-crash price",
            "ADL price",
        ],
        &rows,
    );
    doc.line(&format!(
        "Population scale: open interest over ADL notional = {}.",
        report.scale.round_dp(4)
    ));
    doc.heading("Sources");
    let rows: Vec<Vec<String>> =
        report.sources.iter().map(|(what, src)| vec![what.clone(), src.clone()]).collect();
    doc.grid(&["figure", "source"], &rows);
    doc.heading("Assumptions");
    for a in &report.assumptions {
        doc.line(a);
    }
    doc.finish()
}
