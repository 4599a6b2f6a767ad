//! `faultline graph [SNAPSHOT]`: the dependency graph of a snapshot, cycles marked.

use crate::{commands::stress, files};
use clap::{Args, ValueEnum};
use faultline_orchestrator::{Snapshot, graph};
use std::path::PathBuf;

/// How to draw the graph.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
    /// JSON: nodes, edges, cycles.
    Json,
    /// One self-contained HTML page with the graph drawn; opens offline in any browser.
    Html,
}

/// Arguments of `faultline graph`.
#[derive(Debug, Args)]
pub(crate) struct GraphArgs {
    /// The snapshot (JSON); the bundled Stream/Elixir snapshot without one.
    snapshot: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "mermaid")]
    format: GraphFormat,
    /// Write to this file (whole or not at all) instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

impl GraphArgs {
    pub(crate) fn run(self) -> eyre::Result<()> {
        let snapshot = match &self.snapshot {
            None => stress::load(None)?.snapshot,
            Some(path) => {
                let text = files::read(path)?;
                Snapshot::from_json(&text).map_err(|problems| {
                    let list: Vec<String> =
                        problems.iter().map(|p| format!("  {}: {p}", path.display())).collect();
                    eyre::eyre!("{} is not a valid snapshot:\n{}", path.display(), list.join("\n"))
                })?
            }
        };
        let graph = graph::build(&snapshot);
        let text = match self.format {
            GraphFormat::Json => format!("{}\n", serde_json::to_string_pretty(&graph)?),
            GraphFormat::Dot => crate::render::graph_dot(&graph),
            GraphFormat::Mermaid => crate::render::graph_mermaid(&graph),
            GraphFormat::Html => crate::render::html::graph(&graph, &snapshot.name),
        };
        files::emit(self.out.as_deref(), &text)
    }
}
