//! The Python classes `Snapshot`, `Scenario` and `Report`, and `stress()`.

use crate::{
    errors::{self, Failure, Kind},
    frames, inputs,
};
use faultline_orchestrator::{Report, Scenario, Snapshot, json::to_json};
use pyo3::prelude::*;
use std::{path::PathBuf, sync::Arc};

/// JSON text of a report, or a `FaultlineError` (only a map with non-string keys could fail).
pub(crate) fn json_text<T: serde::Serialize>(py: Python<'_>, value: &T) -> PyResult<String> {
    to_json(value).map_err(|e| Failure::new(Kind::Other, format!("JSON: {e}")).into_pyerr(py))
}

/// `json.loads(text)`.
pub(crate) fn loads<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (text,))
}

/// An ecosystem snapshot, validated: tokens, oracles, venues, lending markets with positions,
/// issuers, holders, perp venues, books and vaults at one moment.
#[pyclass(name = "Snapshot", module = "faultline._native", frozen)]
#[derive(Debug)]
pub(crate) struct PySnapshot {
    pub(crate) inner: Arc<Snapshot>,
}

#[pymethods]
impl PySnapshot {
    /// Reads and validates a snapshot file (JSON, `faultline schema snapshot`). Raises
    /// `FaultlineIOError` if it cannot be read and `SnapshotError` listing every problem.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let text = inputs::read(py, &path)?;
        let inner = inputs::snapshot_from_text(py, &path.display().to_string(), &text)?;
        Ok(Self { inner })
    }

    /// Parses and validates a snapshot from JSON text; `name` stands for the file in messages.
    #[staticmethod]
    #[pyo3(signature = (text, name = "<string>"))]
    fn from_json(py: Python<'_>, text: &str, name: &str) -> PyResult<Self> {
        Ok(Self { inner: inputs::snapshot_from_text(py, name, text)? })
    }

    /// The snapshot's name.
    #[getter]
    fn name(&self) -> String {
        self.inner.name.clone()
    }

    /// Unix time of the state, seconds.
    #[getter]
    fn timestamp(&self) -> u64 {
        self.inner.timestamp
    }

    /// The snapshot as compact JSON text (what `from_json` reads back).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        serde_json::to_string(&*self.inner)
            .map_err(|e| Failure::new(Kind::Other, format!("JSON: {e}")).into_pyerr(py))
    }

    /// Pickling (Ray ships snapshots to workers this way): rebuilt from its JSON.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let py = slf.py();
        let from_json = py.get_type::<Self>().getattr("from_json")?;
        Ok((from_json, (slf.get().to_json(py)?,)))
    }

    fn __repr__(&self) -> String {
        format!("Snapshot({:?})", self.inner.name)
    }
}

/// A stress scenario (clock, shocks, engine options) with the snapshot it runs over, checked
/// against each other.
#[pyclass(name = "Scenario", module = "faultline._native", frozen)]
#[derive(Debug)]
pub(crate) struct PyScenario {
    /// The file it came from (or `<dict>`, `<string>`), as messages name it.
    pub(crate) file: String,
    pub(crate) scenario: Arc<Scenario>,
    pub(crate) snapshot: Arc<Snapshot>,
}

impl PyScenario {
    pub(crate) const fn new(
        file: String,
        scenario: Arc<Scenario>,
        snapshot: Arc<Snapshot>,
    ) -> Self {
        Self { file, scenario, snapshot }
    }
}

#[pymethods]
impl PyScenario {
    /// Reads a scenario file (TOML) and the snapshot it names (relative to the file), as
    /// `faultline stress FILE` does, with the same errors.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        inputs::load_scenario(py, &path)
    }

    /// Parses a scenario from TOML text. Its snapshot is `snapshot` if given, else the file its
    /// `snapshot` key names, relative to `base_dir` (default: the working directory).
    #[staticmethod]
    #[pyo3(signature = (text, snapshot = None, base_dir = None, name = "<string>"))]
    fn from_toml(
        py: Python<'_>,
        text: &str,
        snapshot: Option<&PySnapshot>,
        base_dir: Option<PathBuf>,
        name: &str,
    ) -> PyResult<Self> {
        let parsed = Scenario::from_toml(text)
            .map_err(|p| Failure::invalid(Kind::Scenario, name, "scenario", &[p]).into_pyerr(py))?;
        let snapshot = match snapshot {
            Some(s) => s.inner.clone(),
            None => inputs::snapshot_named(py, &base_dir.unwrap_or_default(), &parsed.snapshot)?,
        };
        inputs::scenario_from_toml(py, name, text, snapshot)
    }

    /// Builds a scenario from a dict with the TOML file's keys (`name`, `snapshot`, `step_secs`,
    /// `horizon_secs`, `engine`, `shocks`); give decimals as strings to keep them exact. Its
    /// snapshot is `snapshot` if given, else the file `d["snapshot"]` names, relative to
    /// `base_dir` (default: the working directory). Problems name their field
    /// (`$.shocks[0].loss_usd`).
    #[staticmethod]
    #[pyo3(signature = (d, snapshot = None, base_dir = None, name = "<dict>"))]
    fn from_dict(
        py: Python<'_>,
        d: &Bound<'_, PyAny>,
        snapshot: Option<&PySnapshot>,
        base_dir: Option<PathBuf>,
        name: &str,
    ) -> PyResult<Self> {
        let text: String = py.import("json")?.call_method1("dumps", (d,))?.extract()?;
        let snapshot = match snapshot {
            Some(s) => s.inner.clone(),
            None => {
                let parsed = inputs::parse_json_scenario(&text).map_err(|p| {
                    Failure::invalid(Kind::Scenario, name, "scenario", &[p]).into_pyerr(py)
                })?;
                inputs::snapshot_named(py, &base_dir.unwrap_or_default(), &parsed.snapshot)?
            }
        };
        inputs::scenario_from_json(py, name, &text, snapshot)
    }

    /// The scenario as a dict with the TOML file's keys (decimals as strings): edit it and
    /// rebuild with `Scenario.from_dict(d, snapshot=s.snapshot)`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let text = serde_json::to_string(&*self.scenario)
            .map_err(|e| Failure::new(Kind::Other, format!("JSON: {e}")).into_pyerr(py))?;
        loads(py, &text)
    }

    /// The scenario's name.
    #[getter]
    fn name(&self) -> String {
        self.scenario.name.clone()
    }

    /// Where the scenario came from, as messages name it.
    #[getter]
    fn file(&self) -> String {
        self.file.clone()
    }

    /// The snapshot it runs over.
    #[getter]
    fn snapshot(&self) -> PySnapshot {
        PySnapshot { inner: self.snapshot.clone() }
    }

    /// Pickling: rebuilt from its dict and its snapshot.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let py = slf.py();
        let this = slf.get();
        let from_dict = py.get_type::<Self>().getattr("from_dict")?;
        let args = (this.to_dict(py)?, this.snapshot(), py.None(), this.file.clone());
        Ok((from_dict, args.into_pyobject(py)?.into_any()))
    }

    fn __repr__(&self) -> String {
        format!("Scenario({:?}, snapshot={:?})", self.scenario.name, self.snapshot.name)
    }
}

/// What a stress run found: the event log (every event names its causes), the first break,
/// losses per entity and the contagion paths.
#[pyclass(name = "Report", module = "faultline._native", frozen)]
#[derive(Debug)]
pub(crate) struct PyReport {
    pub(crate) inner: Arc<Report>,
}

#[pymethods]
impl PyReport {
    /// The report as JSON text, byte for byte what `faultline stress --format json` prints.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        json_text(py, &*self.inner)
    }

    /// The report as plain Python data (`json.loads(to_json())`; decimals are strings).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        loads(py, &self.to_json(py)?)
    }

    /// Every event in order: `id`, `step`, `at_secs`, `entity`, `type`, `is_loss`, `causes`
    /// (event ids), `summary`, `details` (the event's own fields as JSON text).
    #[getter]
    fn events<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        frames::frame(py, &self.inner, "events")
    }

    /// Losses per entity, largest first: `entity`, `name`, `kind`, the USD figures as `float64`
    /// (`bad_debt_usd`, `economic_bad_debt_usd`, `nav_lost_usd`, `frozen_usd`),
    /// `price_change_pct`, `liquidations`, `missed_liquidations`.
    #[getter]
    fn losses<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        frames::frame(py, &self.inner, "losses")
    }

    /// The contagion paths: `loss` (event id), `root` (the shock it started from), `length`,
    /// `path` (event ids, root first), `text`.
    #[getter]
    fn paths<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        frames::frame(py, &self.inner, "paths")
    }

    /// The scenario's name.
    #[getter]
    fn scenario(&self) -> String {
        self.inner.scenario.clone()
    }

    /// The snapshot's name.
    #[getter]
    fn snapshot(&self) -> String {
        self.inner.snapshot.clone()
    }

    /// Steps simulated.
    #[getter]
    fn steps(&self) -> u64 {
        self.inner.steps
    }

    /// Steps whose cascade did not settle within the iteration cap.
    #[getter]
    fn non_converged_steps(&self) -> Vec<u64> {
        self.inner.non_converged_steps.clone()
    }

    /// The id of the first loss event, or `None`.
    #[getter]
    fn first_break(&self) -> Option<usize> {
        self.inner.first_break
    }

    fn __repr__(&self) -> String {
        format!(
            "Report({:?}, events={}, entities={}, first_break={})",
            self.inner.scenario,
            self.inner.events.len(),
            self.inner.entities.len(),
            self.inner.first_break.map_or_else(|| "None".to_owned(), |b| b.to_string())
        )
    }
}

/// Runs a stress scenario over its snapshot (the GIL released while the engine runs).
#[pyfunction]
pub(crate) fn stress(py: Python<'_>, scenario: &PyScenario) -> PyResult<PyReport> {
    let (snapshot, plan) = (scenario.snapshot.clone(), scenario.scenario.clone());
    let report =
        errors::engine(py, py.detach(move || faultline_orchestrator::run(&snapshot, &plan)))?;
    Ok(PyReport { inner: Arc::new(report) })
}
