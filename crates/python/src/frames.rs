//! A report's tables as columns for pandas: numbers as little-endian `bytes` with their NumPy
//! dtype (one copy out of Rust, read by `numpy.frombuffer` without another), text as lists.
//!
//! USD figures become `float64` here for plotting and aggregation; the exact decimals stay in
//! `Report.to_json()`.

use faultline_orchestrator::Report;
use pyo3::{
    exceptions::PyValueError,
    prelude::*,
    types::{PyBytes, PyDict},
};
use rust_decimal::Decimal;

/// One numeric column: its NumPy dtype and its values' bytes.
fn numeric<'py>(py: Python<'py>, dtype: &str, bytes: Vec<u8>) -> (String, Bound<'py, PyBytes>) {
    (dtype.to_owned(), PyBytes::new(py, &bytes))
}

fn int64<'py>(py: Python<'py>, values: impl Iterator<Item = u64>) -> (String, Bound<'py, PyBytes>) {
    // Step counts, seconds and ids are far below 2^63; saturate rather than wrap if not.
    let bytes = values.flat_map(|v| i64::try_from(v).unwrap_or(i64::MAX).to_le_bytes()).collect();
    numeric(py, "<i8", bytes)
}

fn float64<'py>(
    py: Python<'py>,
    values: impl Iterator<Item = Decimal>,
) -> (String, Bound<'py, PyBytes>) {
    // Through the decimal text: Rust's float parsing rounds to the nearest f64 (as Python's
    // `float(str)` does), where `Decimal::to_f64` can be an ulp off.
    let bytes = values
        .flat_map(|v| v.to_string().parse::<f64>().unwrap_or(f64::NAN).to_le_bytes())
        .collect();
    numeric(py, "<f8", bytes)
}

fn boolean<'py>(
    py: Python<'py>,
    values: impl Iterator<Item = bool>,
) -> (String, Bound<'py, PyBytes>) {
    numeric(py, "|b1", values.map(u8::from).collect())
}

/// `table` as a pandas DataFrame, built by `faultline.frames.frame` from [`columns`].
pub(crate) fn frame<'py>(
    py: Python<'py>,
    report: &Report,
    table: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let columns = columns(py, report, table)?;
    py.import("faultline.frames")?.call_method1("frame", (columns,))
}

/// The columns of `table` (`events`, `losses` or `paths`), in order.
fn columns<'py>(py: Python<'py>, report: &Report, table: &str) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    let id = |i: usize| u64::try_from(i).unwrap_or(u64::MAX);
    match table {
        "events" => {
            let e = &report.events;
            out.set_item("id", int64(py, e.iter().map(|e| id(e.id))))?;
            out.set_item("step", int64(py, e.iter().map(|e| e.step)))?;
            out.set_item("at_secs", int64(py, e.iter().map(|e| e.at_secs)))?;
            out.set_item("entity", e.iter().map(|e| e.entity.as_str()).collect::<Vec<_>>())?;
            out.set_item("type", e.iter().map(|e| e.kind.name()).collect::<Vec<_>>())?;
            out.set_item("is_loss", boolean(py, e.iter().map(|e| e.kind.is_loss())))?;
            out.set_item("causes", e.iter().map(|e| e.causes.clone()).collect::<Vec<_>>())?;
            out.set_item("summary", e.iter().map(|e| e.summary.as_str()).collect::<Vec<_>>())?;
            // The kind's own fields (exact decimals as strings), as in the JSON.
            let details = e
                .iter()
                .map(|e| serde_json::to_string(&e.kind))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|err| PyValueError::new_err(err.to_string()))?;
            out.set_item("details", details)?;
        }
        "losses" => {
            let l = &report.entities;
            out.set_item("entity", l.iter().map(|l| l.entity.as_str()).collect::<Vec<_>>())?;
            out.set_item("name", l.iter().map(|l| l.name.as_str()).collect::<Vec<_>>())?;
            out.set_item("kind", l.iter().map(|l| l.kind.as_str()).collect::<Vec<_>>())?;
            out.set_item("bad_debt_usd", float64(py, l.iter().map(|l| l.bad_debt_usd)))?;
            out.set_item(
                "economic_bad_debt_usd",
                float64(py, l.iter().map(|l| l.economic_bad_debt_usd)),
            )?;
            out.set_item(
                "oracle_bad_debt_usd",
                float64(py, l.iter().map(|l| l.oracle_bad_debt_usd)),
            )?;
            out.set_item("nav_lost_usd", float64(py, l.iter().map(|l| l.nav_lost_usd)))?;
            out.set_item("price_change_pct", float64(py, l.iter().map(|l| l.price_change_pct)))?;
            out.set_item("frozen_usd", float64(py, l.iter().map(|l| l.frozen_usd)))?;
            out.set_item("liquidations", int64(py, l.iter().map(|l| l.liquidations)))?;
            out.set_item(
                "missed_liquidations",
                int64(py, l.iter().map(|l| l.missed_liquidations)),
            )?;
        }
        "paths" => {
            let c = &report.contagion;
            out.set_item("loss", int64(py, c.iter().map(|c| id(c.loss))))?;
            out.set_item(
                "root",
                int64(py, c.iter().map(|c| id(c.path.first().copied().unwrap_or(c.loss)))),
            )?;
            out.set_item("length", int64(py, c.iter().map(|c| id(c.path.len()))))?;
            out.set_item("path", c.iter().map(|c| c.path.clone()).collect::<Vec<_>>())?;
            out.set_item("text", c.iter().map(|c| c.text.as_str()).collect::<Vec<_>>())?;
        }
        other => {
            return Err(PyValueError::new_err(format!(
                "table: expected events, losses or paths, found {other:?}"
            )));
        }
    }
    Ok(out)
}
