//! `faultline loop CONFIG.toml`: the vault-design check of a looped vault.

use crate::{
    files,
    render::{self, Format},
};
use clap::Args;
use eyre::Result;
use faultline_orchestrator::loop_check::{check, from_toml};
use std::path::PathBuf;

/// Arguments of `faultline loop`.
#[derive(Debug, Args)]
pub(crate) struct LoopArgs {
    /// The vault design (TOML; see fixtures/vaults/example-loop.toml).
    config: PathBuf,
    /// Output format; a table on a terminal, Markdown otherwise.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write to this file (whole or not at all) instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

impl LoopArgs {
    pub(crate) fn run(self) -> Result<()> {
        let name = self.config.display().to_string();
        let text = files::read(&self.config)?;
        let design = from_toml(&text)
            .map_err(|p| eyre::eyre!("{name} is not a valid vault design:\n  {name}: {p}"))?;
        let report = check(&design).map_err(|e| eyre::eyre!("{name}: {e}"))?;
        let format = self.format.unwrap_or_else(|| Format::default_for(self.out.as_deref()));
        let text = match format {
            Format::Json => faultline_orchestrator::json::to_json(&report)?,
            _ => render::design(&report, format),
        };
        files::emit(self.out.as_deref(), &text)
    }
}
