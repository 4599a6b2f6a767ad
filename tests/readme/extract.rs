//! Finding the commands in a README: its shell code blocks, split as a shell splits them, and the
//! output shown beneath each.

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};

/// Info strings of the code blocks whose lines are commands.
const SHELL: &[&str] = &["sh", "bash", "shell"];

/// Info string of a block that shows the output of the command above it.
const SHOWN: &str = "text";

/// One fenced code block of a Markdown file.
#[derive(Debug)]
pub(crate) struct Block {
    /// The info string's first word (`sh`, `text`, `rust`, ...), empty when there is none.
    pub(crate) lang: String,
    /// The whole info string (`rust,ignore`).
    pub(crate) info: String,
    /// Line (1-based) of the block's first content line.
    pub(crate) line: usize,
    /// The content.
    pub(crate) text: String,
    /// Whether nothing but white space separates it from the block before it.
    pub(crate) follows_block: bool,
}

/// Every fenced code block of `markdown`, in order.
pub(crate) fn blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    // True right after a code block ends, until any other Markdown follows.
    let mut after_block = false;
    for (event, range) in Parser::new(markdown).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                let info = info.to_string();
                open = Some(Block {
                    lang: info.split([',', ' ']).next().unwrap_or("").to_owned(),
                    info,
                    // The fence is on the line where the block starts; the content follows it.
                    line: markdown[..range.start].matches('\n').count() + 2,
                    text: String::new(),
                    follows_block: after_block,
                });
            }
            Event::Text(text) if open.is_some() => {
                if let Some(block) = open.as_mut() {
                    block.text.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(block) = open.take() {
                    blocks.push(block);
                    after_block = true;
                }
            }
            _ => after_block = false,
        }
    }
    blocks
}

/// A command printed in a README that runs faultline.
#[derive(Debug, Clone)]
pub(crate) struct Example {
    /// Where it is printed: `README.md:12`.
    pub(crate) at: String,
    /// As printed, continuation lines joined.
    pub(crate) text: String,
    /// Environment assignments printed before the command (`RUST_LOG=debug faultline ...`).
    pub(crate) env: Vec<(String, String)>,
    /// faultline's arguments.
    pub(crate) args: Vec<String>,
    /// The output shown beneath it (the lines of the `text` block after its `sh` block), if any.
    pub(crate) shown: Option<Shown>,
}

/// Output shown beneath a command.
#[derive(Debug, Clone)]
pub(crate) struct Shown {
    /// Where the shown block starts.
    pub(crate) at: String,
    /// Its lines.
    pub(crate) lines: Vec<String>,
}

/// A command line that could not be read.
#[derive(Debug)]
pub(crate) struct Unreadable {
    /// Where.
    pub(crate) at: String,
    /// Why.
    pub(crate) why: String,
}

/// The commands of shell code blocks in `markdown` (a file shown as `name`) that run faultline,
/// each with the output shown beneath it; problems name the file and line.
pub(crate) fn examples(name: &str, markdown: &str) -> Result<Vec<Example>, Vec<Unreadable>> {
    let blocks = blocks(markdown);
    let mut examples = Vec::new();
    let mut problems = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        if !SHELL.contains(&block.lang.as_str()) {
            continue;
        }
        let mut found: Vec<(usize, String, Vec<String>)> = Vec::new();
        for (offset, line) in command_lines(&block.text) {
            let at = format!("{name}:{}", block.line + offset);
            match shlex::split(&line) {
                None => problems.push(Unreadable {
                    at,
                    why: format!("cannot split `{line}` as a shell would (an unclosed quote?)"),
                }),
                Some(words) if words.is_empty() => {}
                Some(words) => found.push((block.line + offset, line, words)),
            }
        }
        let shown = blocks.get(i + 1).filter(|next| next.follows_block && next.lang == SHOWN);
        let last = found.len().checked_sub(1);
        if shown.is_some()
            && last.is_none_or(|last| faultline_args(split_env(&found[last].2).1).is_none())
        {
            problems.push(Unreadable {
                at: format!("{name}:{}", block.line),
                why: "a `text` block follows this block, but its last command does not run \
                      faultline: shown output belongs to a faultline command"
                    .to_owned(),
            });
        }
        for (k, (line, text, words)) in found.into_iter().enumerate() {
            let at = format!("{name}:{line}");
            let (env, command) = split_env(&words);
            let Some(args) = faultline_args(command) else { continue };
            if let Some(op) = args.iter().find(|w| OPERATORS.contains(&w.as_str())) {
                problems.push(Unreadable {
                    at,
                    why: format!(
                        "`{op}` in `{text}`: print one faultline command per line, without pipes, \
                         redirections or chains, so that this test can run it as printed"
                    ),
                });
                continue;
            }
            let shown = shown.filter(|_| Some(k) == last).map(|block| Shown {
                at: format!("{name}:{}", block.line),
                lines: block.text.lines().map(str::to_owned).collect(),
            });
            examples.push(Example { at, text: one_line(&text), env, args, shown });
        }
    }
    if problems.is_empty() { Ok(examples) } else { Err(problems) }
}

/// Shell operators this test does not run.
const OPERATORS: &[&str] = &["|", "||", "&&", ";", ">", ">>", "<", "&"];

/// The logical lines of a shell block, each with its first line's offset in the block: a line
/// ending in a backslash continues on the next.
pub(crate) fn command_lines(text: &str) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (offset, line) in text.lines().enumerate() {
        let (start, mut joined) = current.take().unwrap_or((offset, String::new()));
        joined.push_str(line);
        if let Some(cut) = line.trim_end().strip_suffix('\\') {
            // A shell drops the backslash-newline before splitting words.
            joined.truncate(joined.len() - line.len() + cut.len());
            joined.push(' ');
            current = Some((start, joined));
        } else {
            lines.push((start, joined));
        }
    }
    lines.extend(current);
    lines
}

/// A logical line as one line, for messages.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Leading `NAME=value` words, and the rest.
fn split_env(words: &[String]) -> (Vec<(String, String)>, &[String]) {
    let count = words
        .iter()
        .take_while(|w| {
            w.split_once('=').is_some_and(|(name, _)| {
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
        })
        .count();
    let env = words[..count]
        .iter()
        .filter_map(|w| w.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    (env, &words[count..])
}

/// faultline's arguments when `words` run faultline: `faultline ARGS`, or `cargo run ... --
/// ARGS` (the workspace's default binary is faultline).
pub(crate) fn faultline_args(words: &[String]) -> Option<Vec<String>> {
    match words {
        [first, rest @ ..] if first == "faultline" => Some(rest.to_vec()),
        [cargo, run, rest @ ..] if cargo == "cargo" && run == "run" => Some(
            rest.iter().position(|w| w == "--").map_or_else(Vec::new, |i| rest[i + 1..].to_vec()),
        ),
        _ => None,
    }
}

/// How `shown` (lines printed under a command) fails to match `output` (what it printed now),
/// or `None` when every shown line is still there, in order.
///
/// Blank shown lines and lines of just `...` are not compared; a line ending in `...` is cut and
/// matches an output line that starts with what comes before the `...`; every other line must
/// equal an output line (trailing white space ignored). Other output lines may come between.
pub(crate) fn mismatch(shown: &[String], output: &str) -> Option<String> {
    let output: Vec<&str> = output.lines().map(str::trim_end).collect();
    let mut from = 0;
    for (n, line) in shown.iter().enumerate() {
        let line = line.trim_end();
        if line.trim().is_empty() || line.trim() == "..." {
            continue;
        }
        let (wanted, cut) = match line.strip_suffix("...") {
            Some(prefix) => (prefix.trim_end(), true),
            None => (line, false),
        };
        let hit = output[from..]
            .iter()
            .position(|out| if cut { out.starts_with(wanted) } else { *out == wanted });
        match hit {
            Some(k) => from += k + 1,
            None => {
                let after = if from == 0 {
                    String::new()
                } else {
                    format!(" after output line {from} (`{}`)", output[from - 1])
                };
                return Some(format!(
                    "shown line {} is no longer printed{after}:\n  {line}",
                    n + 1
                ));
            }
        }
    }
    None
}
