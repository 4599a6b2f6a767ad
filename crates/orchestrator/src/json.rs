//! The JSON form of the orchestrator's reports: one function for every caller (the CLI's
//! `--format json` and the Python bindings), so the bytes they emit cannot drift apart. The risk
//! crate's reports (`faultline risk`, `faultline recommend`) are written by it too.

use serde::Serialize;

/// `value` as pretty-printed JSON (two-space indent) with a trailing newline: the exact bytes of
/// `faultline stress|breakpoints|bands|position|loop|risk|risk merge|recommend --format json`.
///
/// Fails only if `value` cannot be represented in JSON (a map with non-string keys); none of the
/// orchestrator's reports has one.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    Ok(format!("{}\n", serde_json::to_string_pretty(value)?))
}
