//! Reading scenarios and snapshots from files, text and dicts, with the CLI's messages: a file's
//! problems are listed under its name (`fixtures/x.toml is not a valid scenario:` ...), and the
//! scenario is checked against its snapshot before anything runs.

use crate::{
    errors::{Failure, Kind},
    objects::PyScenario,
};
use faultline_orchestrator::{Scenario, Snapshot, snapshot::Problem};
use pyo3::prelude::*;
use rust_decimal::Decimal;
use std::{path::Path, sync::Arc};

/// The text of `path`, or a `FaultlineIOError` naming it (the CLI's `cannot read` and its cause).
pub(crate) fn read(py: Python<'_>, path: &Path) -> PyResult<String> {
    std::fs::read_to_string(path).map_err(|e| {
        let name = path.display().to_string();
        Failure::new(Kind::Io, format!("cannot read {name}: {e}")).file(name).into_pyerr(py)
    })
}

/// A snapshot parsed and validated from JSON `text`; problems name `file`.
pub(crate) fn snapshot_from_text(
    py: Python<'_>,
    file: &str,
    text: &str,
) -> PyResult<Arc<Snapshot>> {
    py.detach(|| Snapshot::from_json(text)).map(Arc::new).map_err(|problems| {
        Failure::invalid(Kind::Snapshot, file, "snapshot", &problems).into_pyerr(py)
    })
}

/// `scenario` checked against `snapshot`, as a Python scenario.
fn checked(
    py: Python<'_>,
    file: &str,
    scenario: Scenario,
    snapshot: Arc<Snapshot>,
) -> PyResult<PyScenario> {
    let problems = scenario.check(&snapshot);
    if !problems.is_empty() {
        let what = "scenario for this snapshot";
        return Err(Failure::invalid(Kind::Scenario, file, what, &problems).into_pyerr(py));
    }
    Ok(PyScenario::new(file.to_owned(), Arc::new(scenario), snapshot))
}

/// A scenario parsed from TOML `text` over `snapshot`; problems name `file`.
pub(crate) fn scenario_from_toml(
    py: Python<'_>,
    file: &str,
    text: &str,
    snapshot: Arc<Snapshot>,
) -> PyResult<PyScenario> {
    let scenario = Scenario::from_toml(text)
        .map_err(|p| Failure::invalid(Kind::Scenario, file, "scenario", &[p]).into_pyerr(py))?;
    checked(py, file, scenario, snapshot)
}

/// A scenario parsed from JSON `text` (a dict's `json.dumps`) over `snapshot`; a problem names
/// its field as a JSON path (`$.shocks[0].loss_usd`).
pub(crate) fn scenario_from_json(
    py: Python<'_>,
    file: &str,
    text: &str,
    snapshot: Arc<Snapshot>,
) -> PyResult<PyScenario> {
    let scenario = parse_json_scenario(text)
        .map_err(|p| Failure::invalid(Kind::Scenario, file, "scenario", &[p]).into_pyerr(py))?;
    checked(py, file, scenario, snapshot)
}

/// A scenario from JSON text, or the problem with its path.
pub(crate) fn parse_json_scenario(text: &str) -> Result<Scenario, Problem> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        Problem {
            path: if path == "." { "$".into() } else { format!("$.{path}") },
            message: without_position(&e.into_inner().to_string()).to_owned(),
        }
    })
}

/// `message` without serde_json's ` at line L column C`: the JSON was written by `json.dumps`,
/// not by the user, so its position means nothing to them; the path says where.
fn without_position(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(at) if message[at..].contains(" column ") => &message[..at],
        _ => message,
    }
}

/// The snapshot a scenario names, resolved against `base` (the scenario file's directory).
pub(crate) fn snapshot_named(py: Python<'_>, base: &Path, named: &str) -> PyResult<Arc<Snapshot>> {
    let path = base.join(named);
    let text = read(py, &path)?;
    snapshot_from_text(py, &path.display().to_string(), &text)
}

/// A scenario file and the snapshot it names, as `faultline stress FILE` reads them.
pub(crate) fn load_scenario(py: Python<'_>, path: &Path) -> PyResult<PyScenario> {
    let file = path.display().to_string();
    let text = read(py, path)?;
    let scenario = Scenario::from_toml(&text)
        .map_err(|p| Failure::invalid(Kind::Scenario, &file, "scenario", &[p]).into_pyerr(py))?;
    let base = path.parent().unwrap_or_else(|| Path::new("."));
    let snapshot = snapshot_named(py, base, &scenario.snapshot)?;
    checked(py, &file, scenario, snapshot)
}

/// A decimal argument given as `str`, `int`, `float` or `decimal.Decimal` (its `str()`, parsed
/// exactly), or an `InvalidInputError` naming `field`.
pub(crate) fn decimal(py: Python<'_>, field: &str, value: &Bound<'_, PyAny>) -> PyResult<Decimal> {
    let text = value.str()?.to_string();
    let bad = || {
        Failure::new(Kind::Input, format!("{field}: expected a decimal number, found {text:?}"))
            .field(field)
            .into_pyerr(py)
    };
    if value.is_instance_of::<pyo3::types::PyBool>() {
        return Err(bad());
    }
    Decimal::from_str_exact(text.trim()).map_err(|_| bad())
}
