//! Writing a file whole or not at all: a recorded response or a cached log page that a killed
//! process left half-written would be read back later as a (corrupt) answer.

use std::io::Write;
use std::path::Path;

/// Writes `text` to `path` through a temporary file in the same directory, synced, then
/// renamed over `path`; a failure leaves no partial file under `path`. The file gets the usual
/// mode (0666 less the umask).
pub(crate) fn write(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy());
    let prefix = format!(".{name}.faultline-tmp.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut file = builder.tempfile_in(dir)?;
    file.write_all(text.as_bytes())?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_whole_text_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("page.json");
        write(&path, "[1,2]").unwrap();
        write(&path, "[3]").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[3]");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1, "only the file itself: {names:?}");
    }

    #[test]
    fn a_missing_directory_is_an_error_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("absent").join("page.json");
        assert!(write(&path, "[1]").is_err());
        assert!(!path.exists());
    }
}
