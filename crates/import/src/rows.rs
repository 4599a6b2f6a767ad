//! Reading a CSV file's rows into typed records with `csv` and serde; an error names the file,
//! the line and the column.

use crate::error::{ImportError, Place};
use serde::de::DeserializeOwned;

/// One record and the line it starts on (the header is line 1).
#[derive(Debug, Clone)]
pub(crate) struct Row<T> {
    /// Line number in the file.
    pub(crate) line: u64,
    /// The record.
    pub(crate) record: T,
}

/// Every row of `text` (a CSV file named `file` with a header) as a `T`.
pub(crate) fn read<T: DeserializeOwned>(
    file: &str,
    text: &str,
) -> Result<Vec<Row<T>>, ImportError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ImportError { place: Place::file(file), message: format!("{e}") })?
        .clone();
    let newlines: Vec<u64> =
        text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i as u64).collect();
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(describe(file, &headers, &e)),
        }
        // The line from the record's byte offset, counting a newline at the offset itself:
        // after a CRLF line end csv starts the next record at the `\n` (its own line count is
        // then one short; most of the Morpho export's files end lines with CRLF).
        let byte = record.position().map_or(0, csv::Position::byte);
        let line = 1 + newlines.partition_point(|&at| at <= byte) as u64;
        let typed = record.deserialize::<T>(Some(&headers)).map_err(|e| {
            let mut error = describe(file, &headers, &e);
            error.place.row = Some(line);
            error
        })?;
        rows.push(Row { line, record: typed });
    }
    Ok(rows)
}

/// A csv error as an [`ImportError`] naming the line and, where the error is in one field, its
/// column.
fn describe(file: &str, headers: &csv::StringRecord, error: &csv::Error) -> ImportError {
    let line = error.position().map(csv::Position::line);
    let (column, message) = match error.kind() {
        csv::ErrorKind::Deserialize { err, .. } => {
            let column = err.field().and_then(|i| headers.get(i as usize)).map(str::to_owned);
            (column, format!("{}", err.kind()))
        }
        _ => (None, format!("{error}")),
    };
    ImportError { place: Place { file: file.to_owned(), row: line, column }, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct R {
        a: String,
    }

    #[test]
    fn rows_carry_their_line_in_the_file() {
        for text in ["a\nx\ny\n", "a\nx\ny", "a\r\nx\r\ny\r\n"] {
            let lines: Vec<u64> = read::<R>("f", text).unwrap().iter().map(|r| r.line).collect();
            assert_eq!(lines, [2, 3], "{text:?}");
        }
        let rows = read::<R>("f", "a\nx\n").unwrap();
        assert_eq!(rows[0].record.a, "x");
    }
}
