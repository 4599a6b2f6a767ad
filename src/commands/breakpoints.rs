//! `faultline breakpoints [SCENARIO] --driver <asset|issuer|venue>:<id>`: the smallest shock of
//! one driver at which each entity first takes a loss and first becomes insolvent.

use crate::{
    commands::stress::load,
    files,
    render::{self, Format},
};
use clap::Args;
use eyre::{Result, WrapErr, bail};
use faultline_orchestrator::breakpoints::{Driver, Options, SearchProgress, search_with};
use indicatif::{ProgressBar, ProgressStyle};
use rust_decimal::Decimal;
use std::path::PathBuf;

/// Arguments of `faultline breakpoints`.
#[derive(Debug, Args)]
pub(crate) struct BreakpointsArgs {
    /// The scenario (TOML) whose snapshot, clock and engine options are used. Without one, the
    /// bundled Stream/Elixir November 2025 scenario.
    scenario: Option<PathBuf>,
    /// What is shocked, by a size s in [0, 1]: `asset:<token>` (price falls s × 100%),
    /// `issuer:<issuer>[/<backing item>]` (s × its backing written down), `venue:<venue>`
    /// (s of its depth withdrawn).
    #[arg(long)]
    driver: String,
    /// Keep the scenario's own shocks as a baseline (by default only the driver applies).
    #[arg(long)]
    keep_shocks: bool,
    /// Width of the final bracket around each breakpoint, in shock size.
    #[arg(long, default_value = "0.0001")]
    tolerance: Decimal,
    /// Intervals of the first, evenly spaced pass over [0, 1].
    #[arg(long, default_value_t = 16)]
    grid: u32,
    /// A token breaks when its price falls more than this many percent.
    #[arg(long, default_value = "5")]
    depeg_pct: Decimal,
    /// Output format; a table on a terminal, Markdown otherwise.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write the report to this file (whole or not at all) instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Shows runs done of runs planned on standard error (indicatif hides itself off a terminal).
struct Bar(ProgressBar);

impl SearchProgress for Bar {
    fn runs(&self, done: usize, planned: usize) {
        self.0.set_length(planned as u64);
        self.0.set_position(done as u64);
    }
}

impl BreakpointsArgs {
    pub(crate) fn run(self) -> Result<()> {
        let loaded = load(self.scenario.as_deref())?;
        let driver = Driver::parse(&self.driver, &loaded.snapshot)?;
        let options = Options {
            tolerance: self.tolerance,
            grid: self.grid,
            keep_shocks: self.keep_shocks,
            depeg_pct: self.depeg_pct,
        };
        let bar = ProgressBar::new(0).with_style(
            ProgressStyle::with_template("{msg} [{bar:30}] run {pos}/{len}")
                .map_err(|e| eyre::eyre!("progress template: {e}"))?,
        );
        bar.set_message(format!("breakpoints {}", driver.spec()));
        let progress = Bar(bar);
        let report = search_with(&loaded.snapshot, &loaded.scenario, &driver, &options, &progress)
            .wrap_err_with(|| format!("searching {}", loaded.files()))?;
        progress.0.finish_and_clear();
        let format = self.format.unwrap_or_else(|| Format::default_for(self.out.as_deref()));
        let text = render::breakpoints(&report, format)?;
        if text.is_empty() {
            bail!("the report rendered empty");
        }
        files::emit(self.out.as_deref(), &text)
    }
}
