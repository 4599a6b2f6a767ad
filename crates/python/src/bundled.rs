//! The bundled scenarios and their snapshots, compiled in (as the CLI compiles in its default),
//! so `faultline.bundled("stream-elixir")` works from any directory and from a wheel.

use crate::objects::PyScenario;
use pyo3::prelude::*;

/// A bundled scenario: its name for `bundled()`, and the scenario, snapshot and default risk
/// model files, each as the path the CLI names in messages and the compiled-in text.
struct Bundle {
    name: &'static str,
    scenario: (&'static str, &'static str),
    snapshot: (&'static str, &'static str),
    /// The scenario's sibling `<name>.risk.toml`, which `faultline risk` reads by default.
    risk: (&'static str, &'static str),
}

const BUNDLES: [Bundle; 2] = [
    Bundle {
        name: "stream-elixir",
        scenario: (
            "fixtures/scenarios/stream-elixir-2025-11.toml",
            include_str!("../../../fixtures/scenarios/stream-elixir-2025-11.toml"),
        ),
        snapshot: (
            "fixtures/snapshots/stream-elixir-2025-11.json",
            include_str!("../../../fixtures/snapshots/stream-elixir-2025-11.json"),
        ),
        risk: (
            "fixtures/scenarios/stream-elixir-2025-11.risk.toml",
            include_str!("../../../fixtures/scenarios/stream-elixir-2025-11.risk.toml"),
        ),
    },
    Bundle {
        name: "ten-ten",
        scenario: (
            "fixtures/scenarios/ten-ten-2025.toml",
            include_str!("../../../fixtures/scenarios/ten-ten-2025.toml"),
        ),
        snapshot: (
            "fixtures/snapshots/ten-ten-2025.json",
            include_str!("../../../fixtures/snapshots/ten-ten-2025.json"),
        ),
        risk: (
            "fixtures/scenarios/ten-ten-2025.risk.toml",
            include_str!("../../../fixtures/scenarios/ten-ten-2025.risk.toml"),
        ),
    },
];

/// The names `bundled()` accepts.
#[pyfunction]
pub(crate) fn bundled_names() -> Vec<&'static str> {
    BUNDLES.iter().map(|b| b.name).collect()
}

/// A bundled scenario with its snapshot: `"stream-elixir"` (the CLI's default, Stream/Elixir,
/// November 2025) or `"ten-ten"` (10 October 2025).
#[pyfunction]
pub(crate) fn bundled(py: Python<'_>, name: &str) -> PyResult<PyScenario> {
    let Some(bundle) = BUNDLES.iter().find(|b| b.name == name) else {
        let known = bundled_names().join(", ");
        return Err(crate::errors::Failure::new(
            crate::errors::Kind::Input,
            format!("name: expected one of {known}, found {name:?}"),
        )
        .field("name")
        .into_pyerr(py));
    };
    let snapshot = crate::inputs::snapshot_from_text(py, bundle.snapshot.0, bundle.snapshot.1)?;
    crate::inputs::scenario_from_toml(py, bundle.scenario.0, bundle.scenario.1, snapshot)
}

/// The default risk model (file name and compiled-in text) of the bundled scenario read from
/// `scenario_file`, if it is one: what `faultline risk` reads next to it.
pub(crate) fn risk_model(scenario_file: &str) -> Option<(&'static str, &'static str)> {
    BUNDLES.iter().find(|b| b.scenario.0 == scenario_file).map(|b| b.risk)
}
