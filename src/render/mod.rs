//! Rendering reports and graphs for people (a terminal table, Markdown, a self-contained HTML
//! page, DOT, Mermaid) and for programs (JSON with its `schema_version`).

mod adl;
mod analyses;
mod breakpoints;
mod digest;
mod graph;
pub(crate) mod html;
mod markdown;
mod pyramid;
mod risk;
mod table;

pub(crate) use adl::adl;
pub(crate) use analyses::{backtest, bands, design, position};
pub(crate) use breakpoints::breakpoints;
pub(crate) use graph::{graph_dot, graph_mermaid};
pub(crate) use pyramid::pyramid;
pub(crate) use risk::{frontier, risk};

use clap::ValueEnum;
use faultline_orchestrator::Report;
use rust_decimal::Decimal;
use std::io::IsTerminal;
use std::path::Path;

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// A readable table for a terminal.
    Table,
    /// JSON following `faultline schema report`.
    Json,
    /// Markdown, for reviews and audit reports.
    Markdown,
    /// One self-contained HTML page with charts; opens offline in any browser.
    Html,
}

impl Format {
    /// A table on a terminal; Markdown into a file or a pipe.
    pub(crate) fn default_for(out: Option<&Path>) -> Self {
        if out.is_none() && std::io::stdout().is_terminal() { Self::Table } else { Self::Markdown }
    }
}

/// The report in `format`; HTML also tells the inputs, so it needs them.
pub(crate) fn report(
    report: &Report,
    format: Format,
    inputs: &html::Inputs<'_>,
) -> eyre::Result<String> {
    Ok(match format {
        Format::Json => faultline_orchestrator::json::to_json(report)?,
        Format::Markdown => markdown::report(report),
        Format::Table => table::report(report),
        Format::Html => html::stress(report, inputs),
    })
}

pub(crate) use faultline_orchestrator::report::usd;

/// `-74.00%`, or `` for no change.
pub(crate) fn pct(value: Decimal) -> String {
    if value.is_zero() { String::new() } else { format!("{value:.2}%") }
}

/// A figure worth showing, or an empty cell.
pub(crate) fn money(value: Decimal) -> String {
    if value.is_zero() { String::new() } else { usd(value) }
}
