//! `breakpoints`, `bands`, `position` and `loop_check`: the CLI's analyses, with the GIL
//! released while they run, each returned as an [`PyAnalysis`] holding the CLI's JSON.

use crate::{
    errors::{self, Failure, Kind},
    inputs,
    objects::{PyScenario, PySnapshot, json_text, loads},
};
use faultline_orchestrator::{
    bands::{BandsOptions, OracleMode},
    breakpoints::{Driver, Options},
    loop_check as design, position as pos,
};
use pyo3::prelude::*;
use rust_decimal::Decimal;
use std::path::PathBuf;

/// The result of an analysis (`breakpoints`, `bands`, `position`, `loop`): its JSON text, byte
/// for byte what the CLI's `--format json` prints, and the same as plain Python data.
#[pyclass(name = "AnalysisReport", module = "faultline._native", frozen)]
#[derive(Debug)]
pub(crate) struct PyAnalysis {
    kind: &'static str,
    json: String,
}

#[pymethods]
impl PyAnalysis {
    /// Which analysis: `breakpoints`, `bands`, `position` or `loop`.
    #[getter]
    fn kind(&self) -> String {
        self.kind.to_owned()
    }

    /// The report as JSON text, as the CLI prints it with `--format json`.
    fn to_json(&self) -> String {
        self.json.clone()
    }

    /// The report as plain Python data (decimals are strings).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        loads(py, &self.json)
    }

    fn __repr__(&self) -> String {
        format!("AnalysisReport({:?}, {} bytes of JSON)", self.kind, self.json.len())
    }
}

fn input_error(py: Python<'_>, field: &str, message: String) -> PyErr {
    Failure::new(Kind::Input, message).field(field).into_pyerr(py)
}

/// The smallest shock of one driver (`asset:<token>`, `issuer:<issuer>[/<item>]`,
/// `venue:<venue>`) at which each market, issuer and token first takes a loss and first becomes
/// insolvent, by bisection over the cascade (`faultline breakpoints`).
#[pyfunction]
#[pyo3(signature = (scenario, driver, *, tolerance = None, grid = 16, keep_shocks = false, depeg_pct = None))]
pub(crate) fn breakpoints(
    py: Python<'_>,
    scenario: &PyScenario,
    driver: &str,
    tolerance: Option<&Bound<'_, PyAny>>,
    grid: u32,
    keep_shocks: bool,
    depeg_pct: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyAnalysis> {
    let defaults = Options::default();
    let options = Options {
        tolerance: tolerance
            .map_or(Ok(defaults.tolerance), |t| inputs::decimal(py, "tolerance", t))?,
        grid,
        keep_shocks,
        depeg_pct: depeg_pct
            .map_or(Ok(defaults.depeg_pct), |d| inputs::decimal(py, "depeg_pct", d))?,
    };
    let (snapshot, plan) = (scenario.snapshot.clone(), scenario.scenario.clone());
    let driver = errors::engine(py, Driver::parse(driver, &snapshot))?;
    let report = errors::engine(
        py,
        py.detach(move || {
            faultline_orchestrator::breakpoints::search(&snapshot, &plan, &driver, &options)
        }),
    )?;
    Ok(PyAnalysis { kind: "breakpoints", json: json_text(py, &report)? })
}

/// Liquidation bands of one collateral asset across every lending market of a snapshot
/// (`faultline bands`): `grid` price levels from no fall to `max_fall` percent (at most two
/// decimals).
#[pyfunction]
#[pyo3(signature = (snapshot, asset, *, grid = 11, max_fall = None, oracle_follows_market = false))]
pub(crate) fn bands(
    py: Python<'_>,
    snapshot: &PySnapshot,
    asset: &str,
    grid: usize,
    max_fall: Option<&Bound<'_, PyAny>>,
    oracle_follows_market: bool,
) -> PyResult<PyAnalysis> {
    let max_fall =
        max_fall.map_or(Ok(Decimal::from(50)), |m| inputs::decimal(py, "max_fall", m))?;
    let bps = max_fall * Decimal::ONE_HUNDRED;
    if max_fall.is_sign_negative() || max_fall > Decimal::ONE_HUNDRED || !bps.fract().is_zero() {
        return Err(input_error(
            py,
            "max_fall",
            format!(
                "max_fall: expected a percentage from 0 to 100 with at most two decimals, found {max_fall}"
            ),
        ));
    }
    let options = BandsOptions {
        levels: grid,
        max_fall_bps: u32::try_from(bps.trunc().mantissa()).unwrap_or(u32::MAX),
        oracle: if oracle_follows_market {
            OracleMode::FollowsMarket
        } else {
            OracleMode::AsConfigured
        },
    };
    let (inner, asset) = (snapshot.inner.clone(), asset.to_owned());
    let report = errors::engine(
        py,
        py.detach(move || faultline_orchestrator::bands::bands(&inner, &asset, &options)),
    )?;
    Ok(PyAnalysis { kind: "bands", json: json_text(py, &report)? })
}

/// One position's health, liquidation prices and largest liquidation now, read from a
/// snapshot's lending market (`faultline position --market M --account 0x..`).
#[pyfunction]
pub(crate) fn position(
    py: Python<'_>,
    snapshot: &PySnapshot,
    market: &str,
    account: &str,
) -> PyResult<PyAnalysis> {
    let address = account.parse().map_err(|_| {
        input_error(
            py,
            "account",
            format!("account: expected a 0x-prefixed 20-byte address, found {account:?}"),
        )
    })?;
    let report = errors::engine(py, pos::from_snapshot(&snapshot.inner, market, address))?;
    Ok(PyAnalysis { kind: "position", json: json_text(py, &report)? })
}

/// The vault-design check of a looped vault (`faultline loop CONFIG.toml`): from a file
/// `path`, or from TOML `text` (named `name` in messages).
#[pyfunction]
#[pyo3(signature = (path = None, *, text = None, name = "<string>"))]
pub(crate) fn loop_check(
    py: Python<'_>,
    path: Option<PathBuf>,
    text: Option<String>,
    name: &str,
) -> PyResult<PyAnalysis> {
    let (name, text) = match (path, text) {
        (Some(path), None) => (path.display().to_string(), inputs::read(py, &path)?),
        (None, Some(text)) => (name.to_owned(), text),
        _ => {
            return Err(input_error(
                py,
                "path",
                "path: expected a vault design file or text=, not both or neither".into(),
            ));
        }
    };
    let design = design::from_toml(&text).map_err(|p| {
        Failure::invalid(Kind::Input, &name, "vault design", std::slice::from_ref(&p))
            .into_pyerr(py)
    })?;
    let report = design::check(&design).map_err(|e| {
        let mut failure = Failure::from_engine(&e);
        failure.message = format!("{name}: {}", failure.message);
        failure.file(name.clone()).into_pyerr(py)
    })?;
    Ok(PyAnalysis { kind: "loop", json: json_text(py, &report)? })
}
