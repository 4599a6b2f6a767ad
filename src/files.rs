//! Reading inputs with their paths in every error, and writing outputs whole or not at all.

use eyre::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The bundled Stream/Elixir scenario and its snapshot, compiled in so `faultline stress` works
/// from any directory.
pub(crate) const BUNDLED_SCENARIO: (&str, &str) = (
    "fixtures/scenarios/stream-elixir-2025-11.toml",
    include_str!("../fixtures/scenarios/stream-elixir-2025-11.toml"),
);
/// The bundled scenario's snapshot.
pub(crate) const BUNDLED_SNAPSHOT: (&str, &str) = (
    "fixtures/snapshots/stream-elixir-2025-11.json",
    include_str!("../fixtures/snapshots/stream-elixir-2025-11.json"),
);

/// The text of `path`, or an error naming it.
pub(crate) fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).wrap_err_with(|| format!("cannot read {}", path.display()))
}

/// Writes `text` to `path` through a temporary file in the same directory and a rename, so a
/// reader never sees a half-written file and a failure leaves any old file untouched.
pub(crate) fn write_whole(path: &Path, text: &str) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(&dir)
        .wrap_err_with(|| format!("cannot create a temporary file in {}", dir.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.as_file().sync_all())
        .wrap_err_with(|| format!("cannot write {}", path.display()))?;
    file.persist(path)
        .map_err(|e| e.error)
        .wrap_err_with(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Writes to `out` if given, else to standard output.
pub(crate) fn emit(out: Option<&Path>, text: &str) -> Result<()> {
    match out {
        Some(path) => write_whole(path, text),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
                .wrap_err("cannot write to standard output")
        }
    }
}
