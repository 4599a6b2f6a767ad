//! The liquidation-bands page: debt liquidatable at each price level as bars stacked by
//! market, the current price marked, each market's levels, and why flat levels are flat.

use super::page::page;
use super::svg::{self, Axis, f};
use crate::render::analyses::flat_reason;
use faultline_orchestrator::{bands::BandsReport, report::usd};
use maud::html;
use rust_decimal::Decimal;

/// The bands report as one HTML page.
pub(crate) fn bands(report: &BandsReport) -> String {
    let categories: Vec<String> = report
        .combined
        .iter()
        .map(|l| format!("-{}% {}", l.fall_pct.normalize(), usd(l.price_usd)))
        .collect();
    let series: Vec<(String, Vec<f64>)> = report
        .markets
        .iter()
        .map(|m| (m.name.clone(), m.levels.iter().map(|l| f(l.debt_usd)).collect()))
        .collect();
    let now = report.combined.iter().position(|l| l.fall_pct.is_zero());
    let dollars = |v: f64| usd(Decimal::try_from(v).unwrap_or_default().round_dp(2));
    let desc = format!(
        "Debt liquidatable at each of {} price levels of {}, stacked by market ({} markets); the tables below give the figures.",
        categories.len(),
        report.symbol,
        series.len()
    );
    let body = html! {
        section #headline aria-labelledby="headline-h" {
            h2 #headline-h { "Headline" }
            p { (report.symbol) " (" (report.asset) ") now " strong { (usd(report.price_usd)) } ". "
                (report.markets.len()) @if report.markets.len() == 1 { " market takes" } @else { " markets take" } " it as collateral." }
            @for m in &report.markets {
                @if let Some(reason) = flat_reason(report, m) { p.flat data-market=(m.market) { (reason) } }
            }
            @if !report.not_covered.is_empty() {
                p.note { "Not covered (bands not yet supported for their protocol): " (report.not_covered.join(", ")) "." }
            }
        }
        section #chart aria-labelledby="chart-h" {
            h2 #chart-h { "Liquidation bands" }
            figure.chart {
                figcaption { "Debt liquidatable at each price level, by market" }
                (svg::stacked_bars("chart-bands", "Liquidation bands", &desc, &categories, &series, now,
                    &Axis { label: "debt liquidatable, USD".into(), fmt: dollars }))
            }
        }
        section #levels aria-labelledby="levels-h" {
            h2 #levels-h { "Levels" }
            h3 { "All markets (cumulative)" }
            table #combined {
                thead { tr { th.num { "fall" } th.num { "price" } th.num { "positions" } th.num { "collateral $" } th.num { "debt $" } th.num { "new debt $" } } }
                tbody { @for l in &report.combined { tr {
                    td.num { "-" (l.fall_pct.normalize()) "%" } td.num { (usd(l.price_usd)) } td.num { (l.positions) }
                    td.num { (usd(l.collateral_usd)) } td.num { (usd(l.debt_usd)) } td.num { (usd(l.new_debt_usd)) }
                } } }
            }
            @for m in &report.markets {
                h3 { (m.name) }
                p.note { "Oracle " (m.oracle) " (" (m.oracle_kind) ") at " (m.oracle_price.normalize()) " " (m.loan_token) " per " (report.symbol)
                    @if !m.oracle_moves { ", does not move" } "; LLTV " (m.lltv.normalize()) "; " (m.borrowers) " borrowers." }
                table.market data-market=(m.market) {
                    thead { tr { th.num { "fall" } th.num { "oracle" } th.num { "positions" } th.num { "debt $" } } }
                    tbody { @for l in &m.levels { tr {
                        td.num { "-" (l.fall_pct.normalize()) "%" } td.num { (l.oracle_price.round_dp(6).normalize()) }
                        td.num { (l.positions) } td.num { (usd(l.debt_usd)) }
                    } } }
                }
            }
        }
    };
    page(
        &format!("Liquidation bands of {}", report.symbol),
        &format!("Faultline bands report over the snapshot {}", report.snapshot),
        &[("headline", "Headline"), ("chart", "Bands"), ("levels", "Levels")],
        body,
    )
}
