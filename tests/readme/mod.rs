//! The front door: every `faultline` command printed in a README works as printed, every example
//! at the end of a `--help` runs, and Rust examples in crate READMEs are doc tests.
//!
//! **Which commands.** `README.md` and every `crates/*/README.md`; in their ```` ```sh ````
//! (also `bash`, `shell`) blocks, each line that runs faultline: `faultline ARGS`, or `cargo run
//! --release -- ARGS` (the same program: this test runs the debug build, whose output is the
//! same). Lines are split as a shell splits them (quotes, `#` comments, a backslash at the end of
//! a line continues it); other commands (`cargo build`, `npm ci`, ...) are not run. Each command
//! runs from the workspace root, as the README's reader does, and must exit 0. Commands are
//! whatever the READMEs print: a new command's section is tested as soon as it is written.
//!
//! **Shown output.** A ```` ```text ```` block right after a ```` ```sh ```` block (nothing but
//! blank lines between) is what that block's last command prints. Each of its lines must still
//! appear in the command's standard output, in the same order (other lines may come between); a
//! line ending in `...` is cut, and matches an output line that starts with what comes before the
//! `...`; blank lines and lines of just `...` are not compared.
//!
//! **Where the test differs from a reader at a terminal** (tables in [`run`]):
//! - [`run::PLACEHOLDERS`]: names standing for the reader's own files run on bundled fixtures;
//! - [`run::WRITTEN`]: files a command writes (`--out`, ...) go into a scratch directory;
//! - [`run::NEEDS_NODE`]: a command that reads a node (`--rpc-url`) runs against an address where
//!   nothing listens, and must fail only for that (so every other flag is checked as printed);
//!   the table gives the reason and the test that runs such a command for real;
//! - a command whose `--format` offers `table`, given neither `--format` nor `--out`, prints a
//!   table on a terminal and Markdown into a pipe: the test asks for the table the README shows.

mod extract;
mod run;

use extract::{Example, examples, mismatch};
use std::path::Path;

/// The READMEs: `README.md`, then `crates/*/README.md` by name, each with its text.
fn readmes() -> Vec<(String, String)> {
    let root = run::root();
    let mut crates: Vec<String> = std::fs::read_dir(root.join("crates"))
        .expect("crates/")
        .map(|entry| entry.expect("crates/ entry").file_name().to_string_lossy().into_owned())
        .filter(|name| root.join("crates").join(name).join("README.md").is_file())
        .collect();
    crates.sort();
    std::iter::once("README.md".to_owned())
        .chain(crates.into_iter().map(|name| format!("crates/{name}/README.md")))
        .map(|name| {
            let text = std::fs::read_to_string(root.join(&name))
                .unwrap_or_else(|e| panic!("cannot read {name}: {e}"));
            (name, text)
        })
        .collect()
}

/// At most `n` lines of `text`, for a failure message.
fn head(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = lines.iter().take(n).copied().collect::<Vec<_>>().join("\n");
    if lines.len() > n {
        out.push_str(&format!("\n... ({} more lines)", lines.len() - n));
    }
    out
}

/// Runs one printed command and adds what is wrong with it to `failures`.
fn check(example: &Example, failures: &mut Vec<String>) {
    let plan = run::plan(&example.env, &example.args);
    let ran = run::run(&plan);
    let at = format!("{}: `{}`", example.at, example.text);
    if let Some(failure) = ran.failure(&plan) {
        failures.push(format!("{at} {failure}"));
        return;
    }
    let Some(shown) = &example.shown else { return };
    if let Some(reason) = plan.without_node {
        failures.push(format!(
            "{at}: output is shown beneath it (at {}), but it needs a node ({reason})",
            shown.at
        ));
    } else if let Some(problem) = mismatch(&shown.lines, &ran.stdout) {
        failures.push(format!(
            "{at}: its output shown at {} {problem}\nIt now prints (run as `faultline {}`):\n{}",
            shown.at,
            ran.args.join(" "),
            head(&ran.stdout, 40)
        ));
    }
}

/// Panics listing every failure, if any.
fn report(what: &str, failures: &[String]) {
    assert!(failures.is_empty(), "{} {what}:\n\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn every_faultline_command_in_the_readmes_runs_as_printed() {
    let mut failures = Vec::new();
    let mut commands = 0;
    for (name, text) in readmes() {
        match examples(&name, &text) {
            Err(problems) => {
                failures.extend(problems.iter().map(|p| format!("{}: {}", p.at, p.why)))
            }
            Ok(found) => {
                for example in &found {
                    check(example, &mut failures);
                }
                commands += found.len();
            }
        }
    }
    report("README commands do not work as printed", &failures);
    // The README prints a tour of every analysis; finding almost none means the reading broke.
    assert!(commands >= 10, "only {commands} faultline commands found in the READMEs");
}

#[test]
fn the_readme_opens_with_the_run_command_and_the_test_command() {
    let text = std::fs::read_to_string(run::root().join("README.md")).expect("README.md");
    let shell: Vec<_> = extract::blocks(&text).into_iter().filter(|b| b.lang == "sh").collect();
    let commands = |i: usize| -> Vec<String> {
        extract::command_lines(&shell[i].text)
            .into_iter()
            .filter_map(|(_, line)| shlex::split(&line))
            .filter(|words| !words.is_empty())
            .map(|words| words.join(" "))
            .collect()
    };
    // The main job on the bundled data, with its output shown (checked by the test above).
    assert_eq!(commands(0), ["cargo run --release -- stress"], "README.md's first command");
    let found = examples("README.md", &text).expect("README.md's commands");
    assert!(found[0].shown.is_some(), "README.md's run command shows its output beneath it");
    // The test suite, exactly as CI runs it.
    assert_eq!(commands(1), ["cargo test --workspace"], "README.md's second command");
    let ci = std::fs::read_to_string(run::root().join(".ci/run")).expect(".ci/run");
    assert!(
        ci.lines().any(|l| l.trim() == "cargo test --workspace"),
        "CI runs the README's test command"
    );
}

/// The subcommands `faultline --help` lists (clap's own `help` aside).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| l.trim() != "Commands:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// The commands listed under `Examples:` at the end of a help text.
fn help_examples(who: &str, help: &str) -> Result<Vec<Example>, String> {
    let Some((_, tail)) = help.split_once("\nExamples:\n") else { return Ok(Vec::new()) };
    let mut found = Vec::new();
    for (offset, line) in extract::command_lines(tail) {
        let at = format!("`{who} --help`, example line {}", offset + 1);
        let words = shlex::split(&line).ok_or_else(|| format!("{at}: cannot split `{line}`"))?;
        if words.is_empty() {
            continue;
        }
        let args = extract::faultline_args(&words)
            .ok_or_else(|| format!("{at}: `{}` does not run faultline", line.trim()))?;
        found.push(Example {
            at,
            text: line.trim().to_owned(),
            env: Vec::new(),
            args,
            shown: None,
        });
    }
    Ok(found)
}

#[test]
fn every_help_ends_with_examples_that_run() {
    let top = run::help(&[]);
    let subs = subcommands(&top);
    assert!(subs.iter().any(|s| s == "stress"), "no subcommands found in:\n{top}");
    let texts = std::iter::once(("faultline".to_owned(), top))
        .chain(subs.iter().map(|sub| (format!("faultline {sub}"), run::help(&[sub]))));
    let mut failures = Vec::new();
    for (who, help) in texts {
        match help_examples(&who, &help) {
            Err(problem) => failures.push(problem),
            Ok(found) if found.is_empty() => failures.push(format!(
                "`{who} --help` ends with no examples: give its command in src/cli.rs an \
                 `after_help` with one or two commands on the bundled data"
            )),
            Ok(found) => found.iter().for_each(|example| check(example, &mut failures)),
        }
    }
    report("help examples do not work as printed", &failures);
}

#[test]
fn rust_examples_in_readmes_are_doc_tests() {
    let mut failures = Vec::new();
    for (name, text) in readmes() {
        let rust: Vec<_> =
            extract::blocks(&text).into_iter().filter(|b| b.lang == "rust").collect();
        if rust.is_empty() {
            continue;
        }
        let Some(dir) = name.strip_suffix("/README.md") else {
            failures.push(format!(
                "{name}:{}: a Rust example in the root README is not compiled (the root package \
                 is a binary): put it in a crate's README, where it is a doc test",
                rust[0].line
            ));
            continue;
        };
        let lib = Path::new(dir).join("src/lib.rs");
        let source = std::fs::read_to_string(run::root().join(&lib)).unwrap_or_default();
        if !source.contains("include_str!(\"../README.md\")") {
            failures.push(format!(
                "{name}:{}: a Rust example, but {} does not include the README as documentation \
                 (`#[doc = include_str!(\"../README.md\")]`), so it is not a doc test",
                rust[0].line,
                lib.display()
            ));
        }
        for block in rust.iter().filter(|b| b.info.split(',').any(|w| w.trim() == "ignore")) {
            failures.push(format!(
                "{name}:{}: `{}`: an ignored example is never compiled; make it run (hidden `# ` \
                 lines for set-up) or `no_run`",
                block.line, block.info
            ));
        }
    }
    report("README Rust examples are not doc tests", &failures);
}

/// Lines, for the tests of the matcher.
fn lines<const N: usize>(text: [&str; N]) -> Vec<String> {
    text.iter().map(|l| (*l).to_owned()).collect()
}

#[test]
fn shown_output_must_still_be_printed_whole_and_in_order() {
    let out = "Title\n\n│ a ┆ 1 │\n│ b ┆ 2 │   \nend\n";
    assert_eq!(mismatch(&lines(["Title", "", "...", "│ b ┆ 2 │"]), out), None);
    assert_eq!(mismatch(&lines(["│ b ┆ ..."]), out), None, "a cut line matches its start");
    let order = mismatch(&lines(["│ b ┆ 2 │", "│ a ┆ 1 │"]), out).expect("out of order");
    assert!(order.contains("shown line 2") && order.contains("after output line 4"), "{order}");
    assert!(mismatch(&lines(["│ c ┆ 3 │"]), out).is_some(), "a line no longer printed");
    assert!(mismatch(&lines(["Titl"]), out).is_some(), "only a line ending in ... is cut");
}

#[test]
fn commands_are_read_as_a_shell_reads_them() {
    let md = "# X\n\n```sh\n# a comment\nfaultline stress \\\n  --format json   # why\n\
              cargo build --release\nRUST_LOG=debug cargo run --release -- graph 'a b'\n```\n\n\
              ```text\nflowchart LR\n```\n\nProse.\n\n```sh\nfaultline loop x.toml\n```\n\n\
              Between.\n\n```text\nnot shown output\n```\n";
    let found = examples("X.md", md).expect("readable");
    let args: Vec<_> = found.iter().map(|e| e.args.join(" ")).collect();
    assert_eq!(args, ["stress --format json", "graph a b", "loop x.toml"]);
    assert_eq!(found[0].at, "X.md:5");
    assert!(found[0].shown.is_none(), "shown output belongs to the block's last command");
    assert_eq!(found[1].env, [("RUST_LOG".to_owned(), "debug".to_owned())]);
    assert_eq!(found[1].shown.as_ref().map(|s| s.lines.clone()), Some(lines(["flowchart LR"])));
    assert!(found[2].shown.is_none(), "a text block after prose is not shown output");

    let piped = examples("Y.md", "```sh\nfaultline stress | head\n```\n").unwrap_err();
    assert!(piped[0].at == "Y.md:2" && piped[0].why.contains("`|`"), "{piped:?}");
    let orphan = examples("Z.md", "```sh\nnpm ci\n```\n```text\nadded\n```\n").unwrap_err();
    assert!(orphan[0].why.contains("does not run faultline"), "{orphan:?}");
}

#[test]
fn placeholders_written_files_and_nodes_are_mapped_visibly() {
    let args = |text: &str| shlex::split(text).unwrap();
    let plan = run::plan(&[], &args("stress my-scenario.toml --format json --out report.json"));
    assert_eq!(
        plan.args,
        args(
            "stress fixtures/scenarios/stream-elixir-2025-11.toml --format json --out report.json"
        )
    );
    let plan = run::plan(&[], &args("snapshot --rpc-url https://eth.example/rpc --protocol p"));
    assert_eq!(plan.args, args("snapshot --rpc-url http://127.0.0.1:1 --protocol p --retries 0"));
    assert!(plan.without_node.is_some());
    // A table on a terminal: asked for explicitly; graph has no table format.
    assert_eq!(run::plan(&[], &args("stress")).args, args("stress --format table"));
    assert_eq!(run::plan(&[], &args("graph")).args, args("graph"));
}
