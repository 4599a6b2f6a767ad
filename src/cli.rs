//! The command line: global options and the subcommands, each in its own module.

use crate::commands::{
    backtest::BacktestArgs, bands::BandsArgs, breakpoints::BreakpointsArgs, graph::GraphArgs,
    import::ImportArgs, loop_check::LoopArgs, position::PositionArgs, schema::SchemaArgs,
    snapshot::SnapshotArgs, stress::StressArgs,
};
use clap::{Args, Parser, Subcommand};

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
    /// What to do.
    #[command(subcommand)]
    command: Option<Command>,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// More log output on standard error (-v info, -vv debug, -vvv trace); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub(crate) verbose: u8,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Run a stress scenario and report what broke, in what order, and why.
    Stress(StressArgs),
    /// The smallest shock of one driver (an asset's price, an issuer's backing, a venue's depth)
    /// at which each market, issuer and token first takes a loss and first becomes insolvent.
    Breakpoints(BreakpointsArgs),
    /// Draw the collateral and backing dependency graph of a snapshot, cycles marked.
    Graph(GraphArgs),
    /// Print the JSON Schema of the snapshot or report format.
    Schema(SchemaArgs),
    /// Read protocol state from a JSON-RPC node at one block into a snapshot for `stress`.
    Snapshot(SnapshotArgs),
    /// Liquidation bands of one collateral asset across every lending market of a snapshot.
    Bands(BandsArgs),
    /// One position's health, liquidation prices and largest liquidation now.
    Position(PositionArgs),
    /// The vault-design check of a looped vault described in TOML.
    Loop(LoopArgs),
    /// Turn a third-party export of protocol state into a snapshot (and its time series).
    Import(ImportArgs),
    /// Run a scenario and compare its per-step figures with an observed series; exit 1 when an
    /// error is outside the tolerance.
    Backtest(BacktestArgs),
}

impl Cli {
    /// Runs the chosen command.
    pub(crate) fn run(self) -> eyre::Result<std::process::ExitCode> {
        let done = match self.command {
            Some(Command::Backtest(args)) => return args.run(),
            Some(Command::Import(args)) => args.run(),
            Some(Command::Stress(args)) => args.run(),
            Some(Command::Breakpoints(args)) => args.run(),
            Some(Command::Graph(args)) => args.run(),
            Some(Command::Schema(args)) => args.run(),
            Some(Command::Bands(args)) => args.run(),
            Some(Command::Position(args)) => args.run(),
            Some(Command::Loop(args)) => args.run(),
            Some(Command::Snapshot(args)) => args.run(),
            // `arg_required_else_help` prints help for a bare call; only global flags reach here.
            None => eyre::bail!("no command given; see `faultline --help`"),
        };
        done.map(|()| std::process::ExitCode::SUCCESS)
    }
}
