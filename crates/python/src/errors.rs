//! Errors as the exception classes of `faultline.errors`, carrying the CLI's message, the file
//! and the field at fault.

use faultline_orchestrator::{Error, snapshot::Problem};
use pyo3::{prelude::*, types::PyList};

/// Which exception class of `faultline.errors` a failure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A snapshot file or text is not valid.
    Snapshot,
    /// A scenario is not valid, or not valid for its snapshot.
    Scenario,
    /// An argument or an input file's figure is out of range or names nothing.
    Input,
    /// A model refused an operation on a named entity, or a figure overflowed.
    Model,
    /// A file could not be read.
    Io,
    /// Anything else the orchestrator reports.
    Other,
}

impl Kind {
    const fn class(self) -> &'static str {
        match self {
            Self::Snapshot => "SnapshotError",
            Self::Scenario => "ScenarioError",
            Self::Input => "InvalidInputError",
            Self::Model => "ModelError",
            Self::Io => "FaultlineIOError",
            Self::Other => "FaultlineError",
        }
    }
}

/// A failure on its way to Python: the CLI's message (what follows `error: `), the file and
/// field it names, and every problem found.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) kind: Kind,
    pub(crate) message: String,
    pub(crate) file: Option<String>,
    pub(crate) field: Option<String>,
    pub(crate) problems: Vec<(String, String)>,
}

impl Failure {
    pub(crate) fn new(kind: Kind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), file: None, field: None, problems: Vec::new() }
    }

    pub(crate) fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub(crate) fn file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// `problems` as the CLI's one error naming `file`: `{file} is not a valid {what}:` and one
    /// indented `{file}: {path}: {message}` line per problem.
    pub(crate) fn invalid(kind: Kind, file: &str, what: &str, problems: &[Problem]) -> Self {
        let list: Vec<String> = problems.iter().map(|p| format!("  {file}: {p}")).collect();
        Self {
            kind,
            message: format!("{file} is not a valid {what}:\n{}", list.join("\n")),
            file: Some(file.to_owned()),
            field: problems.first().map(|p| p.path.clone()),
            problems: problems.iter().map(|p| (p.path.clone(), p.message.clone())).collect(),
        }
    }

    /// An orchestrator error, its message exactly as the CLI prints it.
    pub(crate) fn from_engine(error: &Error) -> Self {
        let message = error.to_string();
        let (kind, field, problems): (Kind, Option<String>, &[Problem]) = match root(error) {
            Error::Snapshot(p) => (Kind::Snapshot, p.first().map(|p| p.path.clone()), p),
            Error::Scenario(p) => (Kind::Scenario, p.first().map(|p| p.path.clone()), p),
            Error::Invalid { field, .. } => (Kind::Input, Some(field.clone()), &[]),
            Error::Model { entity, .. } | Error::Overflow { entity, .. } => {
                (Kind::Model, Some(entity.clone()), &[])
            }
            _ => (Kind::Other, None, &[]),
        };
        Self {
            kind,
            message,
            file: None,
            field,
            problems: problems.iter().map(|p| (p.path.clone(), p.message.clone())).collect(),
        }
    }

    /// The failure as an instance of its `faultline.errors` class.
    pub(crate) fn into_pyerr(self, py: Python<'_>) -> PyErr {
        let build = || -> PyResult<PyErr> {
            let class = py.import("faultline.errors")?.getattr(self.kind.class())?;
            let problems = PyList::new(py, &self.problems)?;
            let value = class.call1((&self.message, &self.file, &self.field, problems))?;
            Ok(PyErr::from_value(value))
        };
        build().unwrap_or_else(|e| e)
    }
}

/// The failure a breakpoint probe wraps (its message still names the shock size).
fn root(error: &Error) -> &Error {
    match error {
        Error::Probe { source, .. } => root(source),
        other => other,
    }
}

/// An orchestrator result as a Python one.
pub(crate) fn engine<T>(py: Python<'_>, result: faultline_orchestrator::Result<T>) -> PyResult<T> {
    result.map_err(|e| Failure::from_engine(&e).into_pyerr(py))
}
