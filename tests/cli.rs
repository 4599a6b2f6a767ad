//! The command line as a user meets it: help, version, exit codes, and what goes to which stream.

use std::process::{Command, Output};

fn faultline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .output()
        .expect("the faultline binary runs")
}

#[test]
fn version_prints_the_package_version_on_stdout() {
    let out = faultline(&["--version"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("faultline {}", env!("CARGO_PKG_VERSION"))
    );
    assert!(out.stderr.is_empty());
}

#[test]
fn help_says_what_faultline_is_for() {
    let out = faultline(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("Find where DeFi collateral chains break"), "{help}");
    assert!(help.contains("--verbose") && help.contains("--version"), "{help}");
}

#[test]
fn a_bare_call_shows_help_and_fails() {
    let out = faultline(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage: faultline"));
}

#[test]
fn an_unknown_flag_is_named_in_the_error() {
    let out = faultline(&["--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--no-such-flag"), "{err}");
    assert!(out.stdout.is_empty());
}
