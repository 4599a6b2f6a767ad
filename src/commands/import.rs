//! `faultline import <KIND> ...`: turn a third-party export of protocol state into a snapshot
//! (and, where the export has time series, a price path and an observed series). One
//! subcommand per export layout; `morpho-export` is the first.

use crate::files;
use clap::{Args, Subcommand};
use eyre::{Result, WrapErr};
use faultline_import::morpho::{self, HISTORY_SUFFIX, Imported, Options};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Arguments of `faultline import`.
#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// The export's layout.
    #[command(subcommand)]
    kind: ImportKind,
}

/// The export layouts `faultline import` reads.
#[derive(Debug, Subcommand)]
enum ImportKind {
    /// A Morpho API export directory (markets.csv, oracle_configs.csv, borrower_positions.csv,
    /// and when present plume_oracles.csv, plume_borrower_positions.csv, vaults.csv,
    /// vault_allocations.csv, asset_prices_hourly.csv, `<chain>_market_history_hourly.csv`).
    MorphoExport(MorphoExportArgs),
}

/// Arguments of `faultline import morpho-export`.
#[derive(Debug, Args)]
struct MorphoExportArgs {
    /// The export's directory.
    dir: PathBuf,
    /// Write the snapshot (JSON) here, whole or not at all; standard output without it.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Place the snapshot at this Unix time (an hour of the market histories, e.g. 1762124400
    /// for 2025-11-02 23:00 UTC): markets with a history take that hour's totals, their
    /// positions scaled pro rata (labelled synthetic); tokens take that hour's prices.
    #[arg(long)]
    at: Option<u64>,
    /// With --at: leave out markets without an hourly history (their state would be the
    /// export's, after that time) and vaults left with no market.
    #[arg(long, requires = "at")]
    history_only: bool,
    /// The snapshot's name.
    #[arg(long)]
    name: Option<String>,
    /// Also write the hourly prices as a price path (`timestamp,symbol,price`, symbols as
    /// the snapshot's token ids) for a `price_path` shock.
    #[arg(long)]
    prices: Option<PathBuf>,
    /// Also write the market histories and prices as an observed series
    /// (`timestamp,entity,metric,value`) for `faultline backtest`.
    #[arg(long)]
    observed: Option<PathBuf>,
}

impl ImportArgs {
    pub(crate) fn run(self) -> Result<()> {
        match self.kind {
            ImportKind::MorphoExport(args) => args.run(),
        }
    }
}

/// Every file of the export that the importer reads, by name.
fn read_export(dir: &Path) -> Result<BTreeMap<String, String>> {
    let mut files = BTreeMap::new();
    let entries = std::fs::read_dir(dir)
        .wrap_err_with(|| format!("cannot read the directory {}", dir.display()))?;
    for entry in entries {
        let entry = entry.wrap_err_with(|| format!("cannot list {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let wanted = morpho::REQUIRED.contains(&name.as_str())
            || morpho::OPTIONAL.contains(&name.as_str())
            || name.ends_with(HISTORY_SUFFIX);
        if wanted {
            files.insert(name, files::read(&entry.path())?);
        }
    }
    Ok(files)
}

impl MorphoExportArgs {
    fn run(self) -> Result<()> {
        let files = read_export(&self.dir)?;
        let options =
            Options { name: self.name.clone(), at: self.at, history_only: self.history_only };
        let imported = morpho::import(&files, &options)
            .map_err(|e| eyre::eyre!("{}: {e}", self.dir.display()))?;
        for warning in &imported.warnings {
            eprintln!("warning: {warning}");
        }
        let problems = faultline_orchestrator::snapshot::validate(&imported.snapshot);
        if !problems.is_empty() {
            let list: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
            eyre::bail!("the imported snapshot is not valid:\n{}", list.join("\n"));
        }
        write_series(&imported, self.prices.as_deref(), self.observed.as_deref())?;
        let mut text = serde_json::to_string_pretty(&imported.snapshot)
            .wrap_err("cannot serialise the snapshot")?;
        text.push('\n');
        files::emit(self.out.as_deref(), &text)?;
        eprintln!(
            "imported {} markets, {} positions, {} vaults, {} oracles ({} warnings)",
            imported.snapshot.lending_markets.len(),
            imported
                .snapshot
                .lending_markets
                .iter()
                .map(|m| match &m.protocol {
                    faultline_orchestrator::snapshot::LendingProtocolSpec::MorphoBlue(m) =>
                        m.positions.len(),
                    _ => 0,
                })
                .sum::<usize>(),
            imported.snapshot.vaults.len(),
            imported.snapshot.oracles.len(),
            imported.warnings.len()
        );
        Ok(())
    }
}

/// Writes the price path and the observed series where asked.
fn write_series(imported: &Imported, prices: Option<&Path>, observed: Option<&Path>) -> Result<()> {
    if let Some(path) = prices {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["timestamp", "symbol", "price"])?;
        for p in &imported.price_path {
            w.write_record([p.timestamp.to_string(), p.token.clone(), p.price_usd.to_string()])?;
        }
        files::write_whole(path, &String::from_utf8(w.into_inner()?)?)?;
    }
    if let Some(path) = observed {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["timestamp", "entity", "metric", "value"])?;
        for o in &imported.observed {
            w.write_record([
                o.timestamp.to_string(),
                o.entity.clone(),
                o.metric.clone(),
                o.value.to_string(),
            ])?;
        }
        files::write_whole(path, &String::from_utf8(w.into_inner()?)?)?;
    }
    Ok(())
}
