//! What an import reports: a [`Warning`] for input it could read but had to interpret, an
//! [`ImportError`] for input it could not read. Both name the file, row and column.

use std::fmt;

/// A place in an export: a file, and optionally a row (the file's line number, header = 1) and
/// a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The file's name within the export.
    pub file: String,
    /// Line number in the file (the header is line 1), if the problem is in a row.
    pub row: Option<u64>,
    /// The column's header, if the problem is in one field.
    pub column: Option<String>,
}

impl Place {
    /// A row and column of `file`.
    pub(crate) fn at(file: &str, row: u64, column: &str) -> Self {
        Self { file: file.to_owned(), row: Some(row), column: Some(column.to_owned()) }
    }

    /// A whole file.
    pub(crate) fn file(file: &str) -> Self {
        Self { file: file.to_owned(), row: None, column: None }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(row) = self.row {
            write!(f, " line {row}")?;
        }
        if let Some(column) = &self.column {
            write!(f, " column {column}")?;
        }
        Ok(())
    }
}

/// Input read but interpreted: what was found and the rule applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Where.
    pub place: Place,
    /// What was found and the rule applied.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

/// Input that cannot be read: a missing file or column, a field that is not what its column
/// holds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {message}")]
pub struct ImportError {
    /// Where.
    pub place: Place,
    /// What was expected and what was found.
    pub message: String,
}

impl ImportError {
    /// An error at a row and column.
    pub(crate) fn at(file: &str, row: u64, column: &str, message: impl Into<String>) -> Self {
        Self { place: Place::at(file, row, column), message: message.into() }
    }
}

/// The warnings of one import, in the order found.
#[derive(Debug, Default)]
pub(crate) struct Warnings(pub(crate) Vec<Warning>);

impl Warnings {
    /// Records a warning at a row and column.
    pub(crate) fn at(&mut self, file: &str, row: u64, column: &str, message: impl Into<String>) {
        self.0.push(Warning { place: Place::at(file, row, column), message: message.into() });
    }

    /// Records a warning about a whole file.
    pub(crate) fn file(&mut self, file: &str, message: impl Into<String>) {
        self.0.push(Warning { place: Place::file(file), message: message.into() });
    }
}
