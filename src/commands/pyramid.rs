//! `faultline pyramid [SNAPSHOT]`: the inverted pyramid of a snapshot's backing graph, layer by
//! layer, with the reported figures of an events file set against its loop.

use crate::{
    commands::stress,
    files,
    render::{self, Format},
};
use clap::Args;
use eyre::{Result, WrapErr, bail, eyre};
use faultline_orchestrator::{
    Snapshot,
    pyramid::{Reported, build},
};
use rust_decimal::Decimal;
use serde_json::Value;
use std::path::PathBuf;

/// The reported Stream/Elixir figures, compiled in beside the bundled snapshot.
const BUNDLED_EVENTS: (&str, &str) = (
    "fixtures/events/stream-xusd-2025-11.json",
    include_str!("../../fixtures/events/stream-xusd-2025-11.json"),
);

/// Arguments of `faultline pyramid`.
#[derive(Debug, Args)]
pub(crate) struct PyramidArgs {
    /// The snapshot (JSON); the bundled Stream/Elixir snapshot, with its reported figures,
    /// without one.
    snapshot: Option<PathBuf>,
    /// Reported figures to set against the loop (the format of
    /// fixtures/events/stream-xusd-2025-11.json: an issuer id with `loop_illustration`,
    /// `reported_backing_usd`, `reported_liabilities_usd`); the bundled ones by default.
    #[arg(long)]
    events: Option<PathBuf>,
    /// Output format; a table on a terminal, Markdown otherwise.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write to this file (whole or not at all) instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

impl PyramidArgs {
    pub(crate) fn run(self) -> Result<()> {
        let snapshot = match &self.snapshot {
            None => stress::load(None)?.snapshot,
            Some(path) => {
                let text = files::read(path)?;
                Snapshot::from_json(&text).map_err(|problems| {
                    let list: Vec<String> =
                        problems.iter().map(|p| format!("  {}: {p}", path.display())).collect();
                    eyre!("{} is not a valid snapshot:\n{}", path.display(), list.join("\n"))
                })?
            }
        };
        let events = match (&self.events, &self.snapshot) {
            (Some(path), _) => Some((path.display().to_string(), files::read(path)?)),
            (None, None) => Some((BUNDLED_EVENTS.0.to_owned(), BUNDLED_EVENTS.1.to_owned())),
            (None, Some(_)) => None,
        };
        let reported = match &events {
            Some((name, text)) => Some(reported(&snapshot, name, text)?),
            None => None,
        };
        let report = build(&snapshot, reported.as_ref())
            .wrap_err_with(|| format!("the pyramid of {}", snapshot.name))?;
        let format = self.format.unwrap_or_else(|| Format::default_for(self.out.as_deref()));
        let text = match format {
            Format::Json => faultline_orchestrator::json::to_json(&report)?,
            _ => render::pyramid(&report, format),
        };
        files::emit(self.out.as_deref(), &text)
    }
}

/// The reported figures of the events file `name`: the first top-level key naming an issuer of
/// the snapshot that has a `loop_illustration`.
fn reported(snapshot: &Snapshot, name: &str, text: &str) -> Result<Reported> {
    let doc: Value =
        serde_json::from_str(text).wrap_err_with(|| format!("{name} is not valid JSON"))?;
    let found = snapshot.issuers.iter().find_map(|i| {
        doc.get(&i.id).filter(|v| v.get("loop_illustration").is_some()).map(|v| (i, v))
    });
    let Some((issuer, entry)) = found else {
        bail!("{name}: no issuer of {} with a `loop_illustration`", snapshot.name);
    };
    let number = |path: &[&str]| -> Result<Decimal> {
        let mut v = entry;
        for key in path {
            v = v.get(key).ok_or_else(|| {
                eyre!("{name}: {}.{} is missing (expected a USD number)", issuer.id, path.join("."))
            })?;
        }
        let text = v.as_number().map(ToString::to_string).ok_or_else(|| {
            eyre!("{name}: {}.{}: expected a USD number, found {v}", issuer.id, path.join("."))
        })?;
        text.parse().wrap_err_with(|| format!("{name}: {}.{}: {text}", issuer.id, path.join(".")))
    };
    Ok(Reported {
        token: issuer.token.clone(),
        loop_real: number(&["loop_illustration", "real_usd"])?,
        loop_minted: number(&["loop_illustration", "minted_xusd_usd"])?,
        backing: number(&["reported_backing_usd"])?,
        liabilities: number(&["reported_liabilities_usd"])?,
        source: entry.get("source").and_then(Value::as_str).unwrap_or(name).to_owned(),
    })
}
