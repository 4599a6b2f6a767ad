//! Shared helpers of the `bands`, `position` and `loop` end-to-end tests.

use std::path::PathBuf;
use std::process::{Command, Output};

pub(crate) fn faultline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .output()
        .expect("the faultline binary runs")
}

pub(crate) fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A failure: exit status 2, nothing on stdout, and the message on stderr.
pub(crate) fn fails(args: &[&str]) -> String {
    let out = faultline(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    assert!(out.stdout.is_empty(), "{args:?} printed {}", stdout(&out));
    stderr(&out)
}

/// A success: JSON on stdout and nothing on stderr.
pub(crate) fn json(args: &[&str]) -> serde_json::Value {
    let out = faultline(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("stdout is only the JSON result")
}

/// A fresh directory for one test's files.
pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
