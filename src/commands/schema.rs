//! `faultline schema`: the JSON Schemas of the snapshot, report and risk report formats.

use clap::{Args, ValueEnum};

/// Which format.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Which {
    /// The ecosystem snapshot (`faultline stress` input).
    Snapshot,
    /// The stress report (`faultline stress --format json` output).
    Report,
    /// The risk report (`faultline risk --format json` output, `faultline risk merge` input).
    Risk,
}

/// Arguments of `faultline schema`.
#[derive(Debug, Args)]
pub(crate) struct SchemaArgs {
    /// The format whose schema to print.
    #[arg(value_enum)]
    which: Which,
}

impl SchemaArgs {
    pub(crate) fn run(self) -> eyre::Result<()> {
        let schema = match self.which {
            Which::Snapshot => faultline_orchestrator::snapshot::json_schema(),
            Which::Report => faultline_orchestrator::report::report_schema(),
            Which::Risk => faultline_risk::risk_schema(),
        };
        crate::files::emit(None, &format!("{}\n", serde_json::to_string_pretty(&schema)?))
    }
}
