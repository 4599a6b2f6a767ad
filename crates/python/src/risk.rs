//! `risk` and `risk_merge`: the Monte Carlo of `faultline risk` and `faultline risk merge`, with
//! the GIL released while the paths run, each result a [`PyRiskReport`] holding the CLI's JSON.

use crate::{
    bundled,
    errors::{Failure, Kind},
    inputs,
    objects::{PyScenario, json_text, loads},
};
use faultline_risk::{
    Error, NoProgress, Options, RiskModel, RiskReport, Runner, Shard, aggregate::EntitySummary,
    stats::Probability,
};
use pyo3::{
    prelude::*,
    types::{PyBytes, PyDict, PyString},
};
use std::path::{Path, PathBuf};

/// A risk report: what `faultline risk --format json` prints (`to_json()`, byte for byte), its
/// per-entity tail table as a DataFrame (`summary`), and the figures as plain Python data.
#[pyclass(name = "RiskReport", module = "faultline._native", frozen)]
#[derive(Debug)]
pub(crate) struct PyRiskReport {
    inner: RiskReport,
    json: String,
}

impl PyRiskReport {
    fn new(py: Python<'_>, inner: RiskReport) -> PyResult<Self> {
        let json = json_text(py, &inner)?;
        Ok(Self { inner, json })
    }
}

#[pymethods]
#[allow(
    clippy::missing_const_for_fn,
    reason = "called from Python through PyO3's wrappers, never in a const context"
)]
impl PyRiskReport {
    /// Reads a risk report back from its JSON text (`to_json()`, or the CLI's `--format json`).
    #[staticmethod]
    #[pyo3(signature = (text, name = "<string>"))]
    fn from_json(py: Python<'_>, text: &str, name: &str) -> PyResult<Self> {
        Self::new(py, parse(py, name, text)?)
    }

    /// The report as JSON text, byte for byte what `faultline risk --format json` prints (the
    /// input of `risk_merge` and `faultline risk merge`).
    fn to_json(&self) -> String {
        self.json.clone()
    }

    /// The report as plain Python data (`json.loads(to_json())`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        loads(py, &self.json)
    }

    /// The tail table per entity, largest mean loss first (the CLI's "Tail per entity"), as a
    /// DataFrame of `float64` figures: `entity`, `name`, `kind`; `mean_loss_usd` and
    /// `mean_loss_se`; `median_loss_usd`; `var95_usd`, `var99_usd` with their 95% interval
    /// (`_low`, `_high`); `es99_usd`, `es99_se`; `mean_bad_debt_market_usd`,
    /// `mean_bad_debt_oracle_usd`; and `p_loss`, `p_insolvent`, `p_frozen` with their Wilson
    /// interval (`_low`, `_high`) and `_count` (paths, `int64`).
    #[getter]
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let columns = entity_columns(py, &self.inner.summary.entities)?;
        py.import("faultline.frames")?.call_method1("frame", (columns,))
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

    /// The seed.
    #[getter]
    fn seed(&self) -> u64 {
        self.inner.seed
    }

    /// Paths of the whole run.
    #[getter]
    fn paths(&self) -> u64 {
        self.inner.paths
    }

    /// The paths this report covers, `(start, end)`: all of them unless it is a shard.
    #[getter]
    fn range(&self) -> (u64, u64) {
        (self.inner.range[0], self.inner.range[1])
    }

    /// Pickling (Ray returns reports this way): rebuilt from its JSON.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let from_json = slf.py().get_type::<Self>().getattr("from_json")?;
        Ok((from_json, (slf.get().json.clone(),)))
    }

    fn __repr__(&self) -> String {
        let r = &self.inner;
        format!(
            "RiskReport({:?}, paths {}..{} of {}, seed {})",
            r.scenario, r.range[0], r.range[1], r.paths, r.seed
        )
    }
}

/// Reads one probability of an entity.
type Pick = fn(&EntitySummary) -> &Probability;

/// The columns of the per-entity table, in order (see [`PyRiskReport::summary`]).
fn entity_columns<'py>(py: Python<'py>, e: &[EntitySummary]) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    let f64s = |values: Vec<f64>| {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        ("<f8".to_owned(), PyBytes::new(py, &bytes))
    };
    let counts = |values: Vec<u64>| {
        // Path counts are far below 2^63; saturate rather than wrap if not.
        let bytes: Vec<u8> = values
            .iter()
            .flat_map(|v| i64::try_from(*v).unwrap_or(i64::MAX).to_le_bytes())
            .collect();
        ("<i8".to_owned(), PyBytes::new(py, &bytes))
    };
    let col = |f: fn(&EntitySummary) -> f64| f64s(e.iter().map(f).collect());
    out.set_item("entity", e.iter().map(|e| e.entity.as_str()).collect::<Vec<_>>())?;
    out.set_item("name", e.iter().map(|e| e.name.as_str()).collect::<Vec<_>>())?;
    out.set_item("kind", e.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>())?;
    out.set_item("mean_loss_usd", col(|e| e.mean_loss_usd.value))?;
    out.set_item("mean_loss_se", col(|e| e.mean_loss_usd.se))?;
    out.set_item("median_loss_usd", col(|e| e.loss_median_usd.value))?;
    out.set_item("var95_usd", col(|e| e.var95_usd.value))?;
    out.set_item("var95_low", col(|e| e.var95_usd.low))?;
    out.set_item("var95_high", col(|e| e.var95_usd.high))?;
    out.set_item("var99_usd", col(|e| e.var99_usd.value))?;
    out.set_item("var99_low", col(|e| e.var99_usd.low))?;
    out.set_item("var99_high", col(|e| e.var99_usd.high))?;
    out.set_item("es99_usd", col(|e| e.es99_usd.value))?;
    out.set_item("es99_se", col(|e| e.es99_usd.se))?;
    out.set_item("mean_bad_debt_market_usd", col(|e| e.mean_bad_debt_market_usd.value))?;
    out.set_item("mean_bad_debt_oracle_usd", col(|e| e.mean_bad_debt_oracle_usd.value))?;
    let probabilities: [(&str, Pick); 3] = [
        ("p_loss", |e| &e.p_loss),
        ("p_insolvent", |e| &e.p_insolvent),
        ("p_frozen", |e| &e.p_frozen),
    ];
    for (name, p) in probabilities {
        out.set_item(name, f64s(e.iter().map(|e| p(e).p).collect()))?;
        out.set_item(format!("{name}_low"), f64s(e.iter().map(|e| p(e).low).collect()))?;
        out.set_item(format!("{name}_high"), f64s(e.iter().map(|e| p(e).high).collect()))?;
        out.set_item(format!("{name}_count"), counts(e.iter().map(|e| p(e).count).collect()))?;
    }
    Ok(out)
}

/// A risk error as its `faultline.errors` class, with the CLI's message.
fn risk_error(py: Python<'_>, error: &Error) -> PyErr {
    let failure = match error {
        Error::Engine(inner) => Failure::from_engine(inner),
        Error::Path { source, .. } => {
            Failure { message: error.to_string(), ..Failure::from_engine(source) }
        }
        Error::Model(problems) => Failure {
            kind: Kind::Input,
            message: error.to_string(),
            file: None,
            field: problems.first().map(|p| p.path.clone()),
            problems: problems.iter().map(|p| (p.path.clone(), p.message.clone())).collect(),
        },
        Error::Invalid { field, .. } => Failure::new(Kind::Input, error.to_string()).field(field),
        Error::Merge(_) => Failure::new(Kind::Input, error.to_string()),
    };
    failure.into_pyerr(py)
}

/// A risk report from JSON `text` (named `name` in messages), as `faultline risk merge` reads
/// a shard output.
fn parse(py: Python<'_>, name: &str, text: &str) -> PyResult<RiskReport> {
    serde_json::from_str(text).map_err(|e| {
        Failure::new(Kind::Input, format!("{name} is not a risk report (JSON): {e}"))
            .file(name)
            .into_pyerr(py)
    })
}

/// The risk model's file name (as messages name it) and TOML text: `model` if given (a `str`
/// with a line break is TOML text; any other `str` or path-like is a file), else the scenario's
/// sibling `<name>.risk.toml` as `faultline risk` reads it (for a bundled scenario whose file is
/// not on disk here, its bundled model).
fn model_text(
    py: Python<'_>,
    scenario: &PyScenario,
    model: Option<&Bound<'_, PyAny>>,
) -> PyResult<(String, String)> {
    if let Some(model) = model {
        if model.is_instance_of::<PyString>() {
            let text: String = model.extract()?;
            if text.contains('\n') {
                return Ok(("<string>".to_owned(), text));
            }
        }
        let path: PathBuf = model.extract()?;
        return Ok((path.display().to_string(), inputs::read(py, &path)?));
    }
    let file = Path::new(&scenario.file);
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("scenario");
    let sibling = file.with_file_name(format!("{stem}.risk.toml"));
    if !sibling.exists()
        && let Some((name, text)) = bundled::risk_model(&scenario.file)
    {
        return Ok((name.to_owned(), text.to_owned()));
    }
    if scenario.file.starts_with('<') {
        return Err(Failure::new(
            Kind::Input,
            format!(
                "model: the scenario comes from {}, not a file, so it has no default risk model \
                 (<name>.risk.toml next to it); give model= (a path or TOML text)",
                scenario.file
            ),
        )
        .field("model")
        .into_pyerr(py));
    }
    inputs::read(py, &sibling).map(|text| (sibling.display().to_string(), text)).map_err(|e| {
        let cause = e.value(py).str().map(|s| s.to_string()).unwrap_or_default();
        Failure::new(
            Kind::Io,
            format!("no model given, so the default {} was read: {cause}", sibling.display()),
        )
        .file(sibling.display().to_string())
        .into_pyerr(py)
    })
}

/// The risk model `faultline risk` would run for `scenario` and `model` (see [`model_text`]).
fn read_model(
    py: Python<'_>,
    scenario: &PyScenario,
    model: Option<&Bound<'_, PyAny>>,
) -> PyResult<(String, RiskModel)> {
    let (name, text) = model_text(py, scenario, model)?;
    let parsed = RiskModel::from_toml(&text).map_err(|p| {
        Failure {
            kind: Kind::Input,
            message: format!("{name} is not a valid risk model: {p}"),
            file: Some(name.clone()),
            field: Some(p.path.clone()),
            problems: vec![(p.path.clone(), p.message)],
        }
        .into_pyerr(py)
    })?;
    Ok((text, parsed))
}

/// `K/M` (1-based, as `--shard`) or a `(K, M)` tuple, as shard `K - 1` of `M`.
fn shard(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Shard> {
    let text = value.str()?.to_string();
    let bad = || {
        Failure::new(
            Kind::Input,
            format!("shard: expected K/M with 1 <= K <= M (e.g. 2/4), found {text:?}"),
        )
        .field("shard")
        .into_pyerr(py)
    };
    let (k, m): (u64, u64) = if value.is_instance_of::<PyString>() {
        let s: String = value.extract()?;
        let (k, m) = s.split_once('/').ok_or_else(bad)?;
        (k.trim().parse().map_err(|_| bad())?, m.trim().parse().map_err(|_| bad())?)
    } else {
        value.extract().map_err(|_| bad())?
    };
    if k == 0 || k > m {
        return Err(bad());
    }
    Ok(Shard { index: k - 1, count: m })
}

/// Monte Carlo over the cascade (`faultline risk SCENARIO --paths N --seed S [--shard K/M]`):
/// `paths` paths of prices and events drawn from the `[risk]` `model`, each path `i` from
/// `(seed, i)` alone, each run through the full cascade; the GIL is released while they run.
///
/// `model`: a path to the model's TOML file, or its TOML text (a `str` with a line break); by
/// default the scenario's sibling `<name>.risk.toml`, as the CLI reads it (for
/// `bundled("stream-elixir")`, fixtures/scenarios/stream-elixir-2025-11.risk.toml, bundled).
/// `shard`: `"K/M"` or `(K, M)` runs only shard K of M (1-based); combine with `risk_merge`.
#[pyfunction]
#[pyo3(signature = (scenario, model = None, *, paths = 10_000, seed = 1, shard = None))]
pub(crate) fn risk(
    py: Python<'_>,
    scenario: &PyScenario,
    model: Option<&Bound<'_, PyAny>>,
    paths: u64,
    seed: u64,
    shard: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyRiskReport> {
    let (_, model) = read_model(py, scenario, model)?;
    let shard = shard.map(|s| self::shard(py, s)).transpose()?.unwrap_or(Shard::WHOLE);
    let options = Options { paths, seed, shard };
    let (snapshot, plan) = (scenario.snapshot.clone(), scenario.scenario.clone());
    let report = py
        .detach(move || Runner::new(&snapshot, &plan, &model)?.run(&options, &NoProgress))
        .map_err(|e| risk_error(py, &e))?;
    PyRiskReport::new(py, report)
}

/// The TOML text of the risk model `risk(scenario, model)` runs (what `faultline.distributed`
/// ships to its workers).
#[pyfunction]
#[pyo3(signature = (scenario, model = None))]
pub(crate) fn risk_model_text(
    py: Python<'_>,
    scenario: &PyScenario,
    model: Option<&Bound<'_, PyAny>>,
) -> PyResult<String> {
    read_model(py, scenario, model).map(|(text, _)| text)
}

/// Combines shard outputs of one run, in any order (`faultline risk merge`): each a
/// `RiskReport` or its JSON text; the result equals the unsharded run's, byte for byte.
#[pyfunction]
pub(crate) fn risk_merge(py: Python<'_>, shards: &Bound<'_, PyAny>) -> PyResult<PyRiskReport> {
    let mut reports = Vec::new();
    for (i, item) in shards.try_iter()?.enumerate() {
        let item = item?;
        let report = if let Ok(r) = item.cast::<PyRiskReport>() {
            r.get().inner.clone()
        } else if item.is_instance_of::<PyString>() {
            parse(py, &format!("shards[{i}]"), &item.extract::<String>()?)?
        } else {
            return Err(Failure::new(
                Kind::Input,
                format!(
                    "shards[{i}]: expected a RiskReport or its JSON text, found {}",
                    item.get_type().name()?
                ),
            )
            .field(format!("shards[{i}]"))
            .into_pyerr(py));
        };
        reports.push(report);
    }
    let merged =
        py.detach(move || faultline_risk::merge(reports)).map_err(|e| risk_error(py, &e))?;
    PyRiskReport::new(py, merged)
}
