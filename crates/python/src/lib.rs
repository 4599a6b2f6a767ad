//! `faultline._native`: the Rust half of the `faultline` Python package.
//!
//! A thin layer over the orchestrator's public API: it reads files as the CLI does (so errors
//! name the same file and field), releases the GIL while the engine runs, and hands reports to
//! Python as JSON text (the CLI's bytes, through [`faultline_orchestrator::json::to_json`]) and
//! as columns for pandas; `risk` runs the Monte Carlo of the `faultline-risk` crate. The Python half (`crates/python/python/faultline`) adds the DataFrames,
//! the exception classes, sweeps and the Ray scale-out.

mod analyses;
mod bundled;
mod errors;
mod frames;
mod inputs;
mod objects;
mod risk;

use pyo3::prelude::*;

/// The extension module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<objects::PySnapshot>()?;
    m.add_class::<objects::PyScenario>()?;
    m.add_class::<objects::PyReport>()?;
    m.add_class::<analyses::PyAnalysis>()?;
    m.add_class::<risk::PyRiskReport>()?;
    m.add_function(wrap_pyfunction!(objects::stress, m)?)?;
    m.add_function(wrap_pyfunction!(bundled::bundled, m)?)?;
    m.add_function(wrap_pyfunction!(bundled::bundled_names, m)?)?;
    m.add_function(wrap_pyfunction!(analyses::breakpoints, m)?)?;
    m.add_function(wrap_pyfunction!(analyses::bands, m)?)?;
    m.add_function(wrap_pyfunction!(analyses::position, m)?)?;
    m.add_function(wrap_pyfunction!(analyses::loop_check, m)?)?;
    m.add_function(wrap_pyfunction!(risk::risk, m)?)?;
    m.add_function(wrap_pyfunction!(risk::risk_merge, m)?)?;
    m.add_function(wrap_pyfunction!(risk::risk_model_text, m)?)?;
    Ok(())
}
