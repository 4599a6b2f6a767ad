//! `faultline stress [SCENARIO]`: run a stress scenario and report what broke.

use crate::{
    files::{self, BUNDLED_SCENARIO, BUNDLED_SNAPSHOT},
    render::{self, Format},
};
use clap::Args;
use eyre::{Result, WrapErr, bail};
use faultline_orchestrator::{Engine, Progress, Scenario, Snapshot, snapshot::Problem};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};

/// Arguments of `faultline stress`.
#[derive(Debug, Args)]
pub(crate) struct StressArgs {
    /// The scenario (TOML). Without one, the bundled Stream/Elixir November 2025 scenario runs.
    scenario: Option<PathBuf>,
    /// Output format; a table on a terminal, Markdown otherwise.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write the report to this file (whole or not at all) instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// A scenario and its snapshot, read and checked.
pub(crate) struct Loaded {
    pub(crate) scenario: Scenario,
    pub(crate) snapshot: Snapshot,
    /// Where the scenario came from (a path, or the bundled one's).
    pub(crate) scenario_file: String,
    /// Where the snapshot came from.
    pub(crate) snapshot_file: String,
}

impl Loaded {
    /// Where the inputs came from, for errors raised during a run: `scenario.toml over
    /// snapshot.json`.
    pub(crate) fn files(&self) -> String {
        format!("{} over {}", self.scenario_file, self.snapshot_file)
    }
}

/// `problems` as one error naming `file`.
fn invalid(file: &str, what: &str, problems: &[Problem]) -> eyre::Report {
    let list: Vec<String> = problems.iter().map(|p| format!("  {file}: {p}")).collect();
    eyre::eyre!("{file} is not a valid {what}:\n{}", list.join("\n"))
}

/// Reads a scenario (or the bundled one) and the snapshot it names.
pub(crate) fn load(path: Option<&Path>) -> Result<Loaded> {
    let (scenario_name, scenario_text, snapshot_name, snapshot_text) = match path {
        None => (
            BUNDLED_SCENARIO.0.to_owned(),
            BUNDLED_SCENARIO.1.to_owned(),
            BUNDLED_SNAPSHOT.0.to_owned(),
            BUNDLED_SNAPSHOT.1.to_owned(),
        ),
        Some(path) => {
            let text = files::read(path)?;
            let scenario = Scenario::from_toml(&text)
                .map_err(|p| invalid(&path.display().to_string(), "scenario", &[p]))?;
            let snapshot_path =
                path.parent().unwrap_or_else(|| Path::new(".")).join(&scenario.snapshot);
            let snapshot_text = files::read_snapshot(&snapshot_path)?;
            (path.display().to_string(), text, snapshot_path.display().to_string(), snapshot_text)
        }
    };
    let mut scenario = Scenario::from_toml(&scenario_text)
        .map_err(|p| invalid(&scenario_name, "scenario", &[p]))?;
    // Price paths and flow series are files beside the scenario; the orchestrator reads none.
    let dir = path.and_then(Path::parent).unwrap_or_else(|| Path::new("."));
    crate::series_files::load_price_paths(&mut scenario, dir)?;
    crate::series_files::load_flows(&mut scenario, &scenario_name, dir)?;
    let snapshot = Snapshot::from_json(&snapshot_text)
        .map_err(|problems| invalid(&snapshot_name, "snapshot", &problems))?;
    let problems = scenario.check(&snapshot);
    if !problems.is_empty() {
        return Err(invalid(&scenario_name, "scenario for this snapshot", &problems));
    }
    Ok(Loaded { scenario, snapshot, scenario_file: scenario_name, snapshot_file: snapshot_name })
}

/// Shows steps on standard error when it is a terminal (indicatif hides itself otherwise).
struct Bar(ProgressBar);

impl Progress for Bar {
    fn step_done(&mut self, step: u64, total: u64) {
        self.0.set_length(total);
        self.0.set_position(step);
    }
}

impl StressArgs {
    pub(crate) fn run(self) -> Result<()> {
        let loaded = load(self.scenario.as_deref())?;
        let engine = Engine::new(&loaded.snapshot, &loaded.scenario)?;
        let bar = ProgressBar::new(0).with_style(
            ProgressStyle::with_template("{msg} [{bar:30}] step {pos}/{len}")
                .map_err(|e| eyre::eyre!("progress template: {e}"))?,
        );
        bar.set_message("stress");
        let mut progress = Bar(bar);
        let report =
            engine.run(&mut progress).wrap_err_with(|| format!("running {}", loaded.files()))?;
        progress.0.finish_and_clear();
        let format = self.format.unwrap_or_else(|| Format::default_for(self.out.as_deref()));
        let inputs = render::html::Inputs {
            scenario: &loaded.scenario,
            snapshot: &loaded.snapshot,
            scenario_file: &loaded.scenario_file,
            snapshot_file: &loaded.snapshot_file,
        };
        let text = render::report(&report, format, &inputs)?;
        if text.is_empty() {
            bail!("the report rendered empty");
        }
        files::emit(self.out.as_deref(), &text)
    }
}
