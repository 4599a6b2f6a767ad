//! The command line: global options and the subcommands, each in its own module as it arrives.

use clap::{Args, Parser};

/// Find where DeFi collateral chains break.
///
/// Faultline models lending markets, AMMs and order books, looped stablecoin vaults, perpetual
/// exchanges with auto-deleveraging and delta-neutral books, exactly as their contracts compute,
/// and composes them over real on-chain state to stress where collateral chains break.
#[derive(Debug, Parser)]
#[command(name = "faultline", version, about, long_about, arg_required_else_help = true)]
pub(crate) struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// More log output on standard error (-v info, -vv debug, -vvv trace); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub(crate) verbose: u8,
}

impl Cli {
    /// Runs the chosen command.
    pub(crate) fn run(self) -> eyre::Result<()> {
        // No subcommands yet: `arg_required_else_help` makes clap print the help for a bare call,
        // and `--help`/`--version` exit inside `parse`. Reaching here means only global flags.
        eyre::bail!("no command given; see `faultline --help`")
    }
}
