//! `faultline`: find where DeFi collateral chains break.
//!
//! The command-line program over the faultline model crates. It is the only part of the workspace
//! that knows about files, terminals and output formats; the models it drives are pure functions.
//! Standard output carries results only; logs and progress go to standard error.

mod cli;
mod commands;
mod files;
mod render;
mod series_files;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    init_tracing(cli.global.verbose);
    match cli.run() {
        Ok(code) => code,
        Err(error) => {
            // Every error names what was wrong and where; print the whole chain of causes.
            eprintln!("error: {error}");
            for cause in error.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(2)
        }
    }
}

/// Logs to standard error, filtered by `RUST_LOG` or by `-v` (info) / `-vv` (debug) / `-vvv`.
fn init_tracing(verbose: u8) {
    use tracing_subscriber::{EnvFilter, fmt};
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).init();
}
