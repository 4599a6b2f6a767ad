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

/// Bytes of memory a snapshot takes per byte of its JSON once parsed, validated and built into
/// the engine's live state. Measured (README, "Limits"): a 130 MB snapshot of 1M Morpho
/// positions peaked at 553 MB resident through `faultline stress`, 4.25 bytes per byte, rounded
/// up.
const MEMORY_PER_JSON_BYTE: u64 = 5;

/// The text of the snapshot at `path`, after checking that the memory it needs (its size times
/// [`MEMORY_PER_JSON_BYTE`]) is available; a snapshot that cannot fit is refused before it is
/// read, with both figures.
pub(crate) fn read_snapshot(path: &Path) -> Result<String> {
    let size =
        std::fs::metadata(path).wrap_err_with(|| format!("cannot read {}", path.display()))?.len();
    if let Some(available) = available_memory()
        && let Some(refusal) = too_large(size, available)
    {
        eyre::bail!("{}: {refusal}", path.display());
    }
    read(path)
}

/// Why a snapshot of `size` bytes of JSON cannot be loaded with `available` bytes of memory,
/// or `None` when it fits.
fn too_large(size: u64, available: u64) -> Option<String> {
    let needed = size.saturating_mul(MEMORY_PER_JSON_BYTE);
    (needed > available).then(|| {
        format!(
            "a snapshot of {} MB needs about {} MB of memory to load and run \
             ({MEMORY_PER_JSON_BYTE} bytes per byte of JSON), but {} MB is available",
            size / 1_000_000,
            needed / 1_000_000,
            available / 1_000_000
        )
    })
}

/// The memory the system can give a new process (`MemAvailable` of `/proc/meminfo`), when known.
fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// What a temporary file for `name` is called before the random suffix: `.<name>.faultline-tmp.`,
/// hidden, and recognisable as ours beside the output it will become.
fn temporary_prefix(name: &str) -> String {
    format!(".{name}.faultline-tmp.")
}

/// Removes temporaries an earlier write of `path` left behind (a process killed between
/// creating the temporary and renaming it). A concurrent writer of the same output would lose
/// its temporary and fail at the rename, which leaves the output whole, as required.
fn clean_stale(dir: &Path, name: &str) {
    let prefix = temporary_prefix(name);
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            // Best effort: a temporary that cannot be removed is harmless.
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Writes `text` to `path` through a temporary file in the same directory and a rename, so a
/// reader never sees a half-written file and a failure leaves any old file untouched. The
/// temporary is `.<name>.faultline-tmp.XXXXXX`; stale ones from an interrupted write are removed
/// first. The file gets the usual mode (0666 less the umask), not the temporary's 0600.
pub(crate) fn write_whole(path: &Path, text: &str) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy());
    clean_stale(&dir, &name);
    let prefix = temporary_prefix(&name);
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Passed to open(2), which applies the umask, as for any new file.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut file = builder
        .tempfile_in(&dir)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_that_cannot_fit_in_memory_is_refused_with_both_figures() {
        // 400 MB of JSON at 5 bytes of memory per byte needs 2,000 MB.
        let refusal = too_large(400_000_000, 1_999_000_000).expect("refused");
        assert_eq!(
            refusal,
            "a snapshot of 400 MB needs about 2000 MB of memory to load and run (5 bytes per \
             byte of JSON), but 1999 MB is available"
        );
        assert_eq!(too_large(400_000_000, 2_000_000_000), None);
    }
}
