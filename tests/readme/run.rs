//! Running a printed command against the built binary, with the few visible differences between a
//! reader at a terminal and this test.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Names in READMEs and help texts that stand for the reader's own files, and the bundled
/// fixtures this test runs them on instead.
pub(crate) const PLACEHOLDERS: &[(&str, &str)] = &[
    ("my-scenario.toml", "fixtures/scenarios/stream-elixir-2025-11.toml"),
    ("my-snapshot.json", "fixtures/snapshots/stream-elixir-2025-11.json"),
];

/// Flags whose value is a file or directory the command writes: a relative value goes into a
/// scratch directory of this test instead of the work tree.
pub(crate) const WRITTEN: &[&str] = &["--out", "--record", "--log-cache"];

/// Flags that name files written by one subcommand only: `import` writes its price path and
/// observed series where `--prices` and `--observed` say (`backtest --observed` reads a file).
pub(crate) const WRITTEN_BY: &[(&str, &[&str])] = &[("import", &["--prices", "--observed"])];

/// Flags that need a JSON-RPC node, and why this test does not give it one. A command with one
/// runs with the node replaced by an address where nothing listens and no retry: it must then fail
/// only for want of the node (every other flag as printed is accepted), never for its flags.
pub(crate) const NEEDS_NODE: &[(&str, &str)] = &[(
    "--rpc-url",
    "reads a real chain at a pinned block (Ethereum mainnet in the README), and CI has no \
     network; `live_snapshot::one_command_reads_all_five_kinds_and_stress_runs_on_it` runs the \
     same command on the five kinds deployed on a local anvil, and \
     `snapshot::snapshot_of_morpho_on_anvil_is_replayable_and_stress_runs_on_it` records a read \
     and replays it offline (`--replay DIR --block N`)",
)];

/// Where nothing listens (port 1): the stand-in for a node.
pub(crate) const NO_NODE: &str = "http://127.0.0.1:1";

/// What a command needing a node must say when the node does not answer.
const NO_NODE_ERROR: &str = "cannot connect to --rpc-url http://127.0.0.1:1";

/// Longest a command may run before the test stops it and fails.
const TIMEOUT: Duration = Duration::from_secs(300);

/// The workspace root: every command runs from here, as the README's reader does.
pub(crate) fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A command ready to run, and what it must do.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Plan {
    /// Environment set for it.
    pub(crate) env: Vec<(String, String)>,
    /// faultline's arguments as run.
    pub(crate) args: Vec<String>,
    /// `Some(reason)` when it needs a node: it must fail with [`NO_NODE_ERROR`].
    pub(crate) without_node: Option<&'static str>,
}

/// `args` as printed, mapped to what this test runs (see the module's tables).
pub(crate) fn plan(env: &[(String, String)], args: &[String]) -> Plan {
    let mut args: Vec<String> = args
        .iter()
        .map(|arg| match PLACEHOLDERS.iter().find(|(name, _)| arg == name) {
            Some((_, fixture)) => (*fixture).to_owned(),
            None => arg.clone(),
        })
        .collect();
    let mut without_node = None;
    for (flag, reason) in NEEDS_NODE {
        if let Some(i) = args.iter().position(|a| a == flag) {
            if let Some(value) = args.get_mut(i + 1) {
                *value = NO_NODE.to_owned();
            }
            set_flag(&mut args, "--retries", "0");
            without_node = Some(*reason);
        }
    }
    if !has_flag(&args, "--format")
        && !has_flag(&args, "--out")
        && subcommand(&args).is_some_and(offers_table)
    {
        // On a terminal this command prints a table (what the README shows); into this test's
        // pipe it would print Markdown. Ask for the table.
        args.extend(["--format".to_owned(), "table".to_owned()]);
    }
    Plan { env: env.to_vec(), args, without_node }
}

/// Whether `flag` is given, as `--flag value` or `--flag=value`.
fn has_flag(args: &[String], flag: &str) -> bool {
    args.iter().any(|a| a == flag || a.strip_prefix(flag).is_some_and(|rest| rest.starts_with('=')))
}

/// Gives `flag` the value `value`, replacing the one given.
fn set_flag(args: &mut Vec<String>, flag: &str, value: &str) {
    match args.iter().position(|a| a == flag) {
        Some(i) if i + 1 < args.len() => args[i + 1] = value.to_owned(),
        _ => args.extend([flag.to_owned(), value.to_owned()]),
    }
}

/// The subcommand: the first argument that is not a flag.
pub(crate) fn subcommand(args: &[String]) -> Option<&str> {
    args.iter().map(String::as_str).find(|a| !a.starts_with('-'))
}

/// Whether `faultline SUB --help` offers `--format table` (whose default is a table on a
/// terminal, Markdown otherwise). Asked once per subcommand.
fn offers_table(sub: &str) -> bool {
    static HELP: OnceLock<Mutex<HashMap<String, bool>>> = OnceLock::new();
    let cache = HELP.get_or_init(Mutex::default);
    if let Some(known) = cache.lock().unwrap().get(sub) {
        return *known;
    }
    let help = help(&[sub]);
    let table = help.lines().any(|l| {
        let l = l.trim();
        l.starts_with("- table:") || (l.contains("possible values:") && l.contains("table"))
    });
    cache.lock().unwrap().insert(sub.to_owned(), table);
    table
}

/// `faultline ARGS --help`, which must succeed.
pub(crate) fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .arg("--help")
        .output()
        .expect("the faultline binary runs");
    assert!(out.status.success(), "faultline {} --help failed", args.join(" "));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What one run printed.
#[derive(Debug)]
pub(crate) struct Ran {
    /// Exit code (`None` when stopped by a signal or the timeout).
    pub(crate) code: Option<i32>,
    /// Standard output.
    pub(crate) stdout: String,
    /// Standard error.
    pub(crate) stderr: String,
    /// The arguments as run.
    pub(crate) args: Vec<String>,
}

impl Ran {
    /// Why the run does not count as working, or `None`.
    pub(crate) fn failure(&self, plan: &Plan) -> Option<String> {
        match plan.without_node {
            None if self.code == Some(0) => None,
            None => Some(format!(
                "exited with {:?} (run as `faultline {}`):\n{}",
                self.code,
                self.args.join(" "),
                self.stderr.trim_end()
            )),
            Some(_) if self.code == Some(2) && self.stderr.contains(NO_NODE_ERROR) => None,
            Some(reason) => Some(format!(
                "needs a node ({reason}); run against {NO_NODE} (nothing listens) it should fail \
                 only with \"{NO_NODE_ERROR}\", but exited with {:?} (run as `faultline {}`):\n{}",
                self.code,
                self.args.join(" "),
                self.stderr.trim_end()
            )),
        }
    }
}

/// Runs `plan` once per test process: the same command printed in two places (the README and a
/// help text) runs once.
pub(crate) fn run(plan: &Plan) -> Arc<Ran> {
    type Cache = Mutex<HashMap<Plan, Arc<OnceLock<Arc<Ran>>>>>;
    static RUNS: OnceLock<Cache> = OnceLock::new();
    let slot =
        RUNS.get_or_init(Mutex::default).lock().unwrap().entry(plan.clone()).or_default().clone();
    slot.get_or_init(|| Arc::new(execute(plan))).clone()
}

/// A scratch directory of its own for each run.
fn scratch() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("readme")
        .join(NEXT.fetch_add(1, Ordering::Relaxed).to_string());
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// Runs the binary from the workspace root, written files redirected, stopped after [`TIMEOUT`].
fn execute(plan: &Plan) -> Ran {
    let dir = scratch();
    let mut args = plan.args.clone();
    let subcommand = args.first().cloned().unwrap_or_default();
    let written = WRITTEN.iter().chain(
        WRITTEN_BY.iter().filter(|(name, _)| *name == subcommand).flat_map(|(_, flags)| *flags),
    );
    let written: Vec<&str> = written.copied().collect();
    for i in 0..args.len() {
        for flag in &written {
            if args[i] == *flag && i + 1 < args.len() && Path::new(&args[i + 1]).is_relative() {
                args[i + 1] = dir.join(&args[i + 1]).display().to_string();
            } else if let Some(value) = args[i].strip_prefix(&format!("{flag}="))
                && Path::new(value).is_relative()
            {
                args[i] = format!("{flag}={}", dir.join(value).display());
            }
        }
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(&args)
        .envs(plan.env.iter().map(|(k, v)| (k, v)))
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the faultline binary runs");
    // Drain both pipes while waiting, so a long output cannot block the child.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped stderr")));
    let start = Instant::now();
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait for faultline") {
            break status.code();
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = stderr.join().expect("stderr reader");
    if code.is_none() && start.elapsed() > TIMEOUT {
        stderr.push_str(&format!("\n(stopped by the test after {} s)", TIMEOUT.as_secs()));
    }
    Ran { code, stdout: stdout.join().expect("stdout reader"), stderr, args }
}
