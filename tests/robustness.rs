//! Inputs that used to crash, hang or abort a run (issue 15), each end to end through the CLI:
//! exit 2 with the file and the field (or the step and shock) named, never a panic (exit 101)
//! and never a hang. Plus the determinism of `breakpoints` across thread counts and the way
//! outputs are written.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

const STREAM: &str = "stream-elixir-2025-11";
const TEN_TEN: &str = "ten-ten-2025";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn faultline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .output()
        .expect("the faultline binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("robustness-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The bundled snapshot `name` as JSON.
fn snapshot(name: &str) -> Value {
    let text = std::fs::read_to_string(root().join(format!("fixtures/snapshots/{name}.json")))
        .expect("bundled snapshot");
    serde_json::from_str(&text).unwrap()
}

/// The bundled scenario `name` as TOML text, pointing at `snapshot.json` beside it.
fn scenario(name: &str) -> String {
    let text = std::fs::read_to_string(root().join(format!("fixtures/scenarios/{name}.toml")))
        .expect("bundled scenario");
    text.replace(&format!("../snapshots/{name}.json"), "snapshot.json")
}

/// Writes `snapshot` and `scenario` into a scratch directory and runs `faultline stress` on
/// them; returns the output and the scenario's path.
fn stress(test: &str, snapshot: &Value, scenario: &str) -> (Output, PathBuf) {
    let dir = scratch(test);
    std::fs::write(dir.join("snapshot.json"), serde_json::to_string(snapshot).unwrap()).unwrap();
    let path = dir.join("scenario.toml");
    std::fs::write(&path, scenario).unwrap();
    (faultline(&["stress", path.to_str().unwrap(), "--format", "json"]), path)
}

/// Asserts a refusal: exit 2, every `needles` in the message, no panic.
fn refused(out: &Output, needles: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    for needle in needles {
        assert!(err.contains(needle), "expected {needle:?} in:\n{err}");
    }
}

/// The index of the entry of `list` whose `id` is `id`.
fn index(list: &Value, id: &str) -> usize {
    list.as_array().unwrap().iter().position(|e| e["id"] == id).unwrap()
}

/// The bundled snapshot `name` with the string at JSON pointer `pointer` set to `value`, run
/// under its bundled scenario: refused, naming the snapshot and `path`.
fn snapshot_field_refused(name: &str, pointer: &str, value: &str, path: &str, range: &str) {
    let mut snap = snapshot(name);
    *snap.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer}")) = Value::from(value);
    let test = format!("{name}-{}", pointer.replace('/', "-"));
    let (out, _) = stress(&test, &snap, &scenario(name));
    refused(&out, &["snapshot.json", path, range, value]);
}

#[test]
fn a_token_price_beyond_the_range_is_refused_with_its_path() {
    let snap = snapshot(STREAM);
    let deusd = index(&snap["tokens"], "deUSD");
    let usdc = index(&snap["tokens"], "USDC");
    // Once "Multiplication overflowed" (holding x price) and a USDC price of 1e24.
    for (token, value) in [(deusd, "2000000000000000000000"), (usdc, "1000000000000000000000000")] {
        snapshot_field_refused(
            STREAM,
            &format!("/tokens/{token}/price_usd"),
            value,
            &format!("$.tokens[{token}].price_usd"),
            "expected a price from 1e-12 to 1e12",
        );
    }
    // A price of 1e-28 (once a panic in change_pct and in ADL's ranking on the 10-10 file).
    let weth = index(&snapshot(TEN_TEN)["tokens"], "WETH");
    snapshot_field_refused(
        TEN_TEN,
        &format!("/tokens/{weth}/price_usd"),
        "0.0000000000000000000000000001",
        &format!("$.tokens[{weth}].price_usd"),
        "expected a price from 1e-12 to 1e12",
    );
}

#[test]
fn backing_values_and_supplies_beyond_the_range_are_refused() {
    let snap = snapshot(STREAM);
    let xusd = index(&snap["issuers"], "xusd");
    // A value near the decimal maximum (once "Addition overflowed" summing the backing).
    snapshot_field_refused(
        STREAM,
        &format!("/issuers/{xusd}/backing/0/item/value_usd"),
        "79000000000000000000000000000",
        &format!("$.issuers[{xusd}].backing[0].item.value_usd"),
        "expected a USD figure from 0 to 1e15",
    );
    // A supply of 1e-28 (once "Division overflowed": NAV = backing / supply).
    snapshot_field_refused(
        STREAM,
        &format!("/issuers/{xusd}/supply"),
        "0.0000000000000000000000000001",
        &format!("$.issuers[{xusd}].supply"),
        "expected 0 or an amount from 1e-12 to 1e15",
    );
}

#[test]
fn book_figures_beyond_the_range_are_refused() {
    let snap = snapshot(TEN_TEN);
    let book = index(&snap["books"], "usde-book");
    for (pointer, value, path, range) in [
        ("reserve_fund_usd", "79228162514264337593543950335", "reserve_fund_usd", "0 to 1e15"),
        ("rules/rehedge_band", "79228162514264337593543950335", "rules.rehedge_band", "0 to 1"),
        (
            "longs/0/delta_per_unit",
            "0.0000000000000000000000000001",
            "longs[0].delta_per_unit",
            "0 or 1e-12 to 1e6",
        ),
    ] {
        snapshot_field_refused(
            TEN_TEN,
            &format!("/books/{book}/{pointer}"),
            value,
            &format!("$.books[{book}].{path}"),
            range,
        );
    }
}

#[test]
fn liquidation_gas_must_be_a_usd_figure_of_at_least_zero() {
    for gas in ["-1000000", "79000000000000000000000000000", "-79000000000000000000000000000"] {
        let text = scenario(STREAM)
            .lines()
            .map(|l| {
                if l.starts_with("liquidation_gas_usd") {
                    format!("liquidation_gas_usd = \"{gas}\"")
                } else {
                    l.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        assert!(text.contains(gas));
        let (out, path) = stress(&format!("gas{}", gas.len()), &snapshot(STREAM), &text);
        refused(
            &out,
            &[
                path.to_str().unwrap(),
                "engine.liquidation_gas_usd",
                "expected a USD figure from 0 to 1e15",
                gas,
            ],
        );
    }
}

/// The Stream/Elixir scenario with one more shock (TOML table text).
fn with_shock(shock: &str) -> String {
    format!("{}\n[[shocks]]\n{shock}\n", scenario(STREAM))
}

#[test]
fn a_price_shock_to_zero_is_refused_before_the_run() {
    let shocks = scenario(STREAM).matches("[[shocks]]").count();
    for (shock, field, range) in [
        (
            "at_secs = 0\ntype = \"price\"\ntoken = \"deUSD\"\nchange_pct = \"-100\"",
            "change_pct",
            "a change above -100",
        ),
        (
            "at_secs = 0\ntype = \"price\"\ntoken = \"deUSD\"\nprice_usd = \"0\"",
            "price_usd",
            "a price from 1e-12 to 1e12",
        ),
    ] {
        let (out, path) = stress(&format!("shock-{field}"), &snapshot(STREAM), &with_shock(shock));
        refused(&out, &[path.to_str().unwrap(), &format!("shocks[{shocks}].{field}"), range]);
    }
}

#[test]
fn a_shock_whose_target_leaves_the_range_names_the_step_the_shock_and_the_files() {
    // A change in percent is checked against the price when the shock starts, which only the
    // run knows: USDT0 at $1 less 99.9999999999999% is $1e-15, below the smallest price.
    let snap = snapshot(STREAM);
    let shocks = scenario(STREAM).matches("[[shocks]]").count();
    let text = with_shock(
        "at_secs = 3600\ntype = \"price\"\ntoken = \"USDT0\"\nchange_pct = \"-99.9999999999999\"\nnote = \"x\"",
    );
    let (out, path) = stress("target-out-of-range", &snap, &text);
    let dir = path.parent().unwrap().join("snapshot.json");
    refused(
        &out,
        &[
            &format!("running {} over {}", path.display(), dir.display()),
            "step 1 (t = 3600s; shocks so far:",
            &format!("shocks[{shocks}] target price of USDT0"),
            "expected a price from 1e-12 to 1e12",
        ],
    );
}

#[test]
fn a_horizon_of_1e15_one_second_steps_is_refused_with_the_limit() {
    let text = scenario(STREAM)
        .lines()
        .map(|l| match l {
            l if l.starts_with("step_secs") => "step_secs = 1".to_owned(),
            l if l.starts_with("horizon_secs") => "horizon_secs = 1000000000000000".to_owned(),
            l => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let started = std::time::Instant::now();
    let (out, path) = stress("horizon", &snapshot(STREAM), &text);
    refused(
        &out,
        &[
            path.to_str().unwrap(),
            "horizon_secs",
            "expected at most 1000000 steps",
            "1000000000000000",
        ],
    );
    assert!(started.elapsed().as_secs() < 30, "refused at once, not after running");
}

/// The 10-10 snapshot with every order book's depth cut to a tenth, under its bundled scenario
/// cut to its first hour and a minute (every shock starts by then) and `max_iterations` replaced.
fn thin_books(test: &str, max_iterations: u32) -> Value {
    let mut snap = snapshot(TEN_TEN);
    for venue in snap["venues"].as_array_mut().unwrap() {
        if venue["model"]["type"] != "depth" {
            continue;
        }
        for level in venue["model"]["levels"].as_array_mut().unwrap() {
            let q: rust_decimal::Decimal = level["quantity"].as_str().unwrap().parse().unwrap();
            level["quantity"] = Value::from((q / rust_decimal::Decimal::TEN).to_string());
        }
    }
    let text = scenario(TEN_TEN)
        .lines()
        .map(|l| match l {
            l if l.starts_with("horizon_secs") => "horizon_secs = 3660".to_owned(),
            l if l.starts_with("max_iterations") => format!("max_iterations = {max_iterations}"),
            l => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let (out, _) = stress(test, &snap, &text);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn thin_books_converge_and_a_capped_step_names_what_still_moves() {
    // Depth x0.1 used to leave steps unsettled for ever: each round the perp venue retried the
    // accounts it could not close and counted the attempt as activity (steps 3 to 62 of 120; the first 61 are
    // run here).
    let report = thin_books("thin-books", 64);
    assert_eq!(report["non_converged_steps"], Value::from(Vec::<u64>::new()));
    assert!(report.get("still_moving").is_none());
    // One round per step cannot settle a step whose shock moves prices: each such step is
    // reported with the quantities its last round moved, by name.
    let capped = thin_books("thin-books-capped", 1);
    let steps = capped["non_converged_steps"].as_array().unwrap();
    let moving = capped["still_moving"].as_array().unwrap();
    assert!(!steps.is_empty());
    assert_eq!(steps.len(), moving.len());
    for (step, m) in steps.iter().zip(moving) {
        assert_eq!(&m["step"], step);
        let quantities = m["quantities"].as_array().unwrap();
        assert!(!quantities.is_empty(), "{m}");
        for q in quantities {
            assert!(q.as_str().unwrap().contains(" -> "), "{q}");
        }
    }
    let named = moving.iter().flat_map(|m| m["quantities"].as_array().unwrap());
    assert!(named.clone().any(|q| q.as_str().unwrap().starts_with("price of WETH")), "{capped}");
}

/// `breakpoints --driver asset:sdeUSD` with `threads` rayon threads, as JSON.
fn breakpoints_with(threads: &str) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["breakpoints", "--driver", "asset:sdeUSD", "--tolerance", "0.001", "--format"])
        .arg("json")
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .expect("the faultline binary runs");
    assert!(out.status.success(), "{}", stderr(&out));
    out.stdout
}

#[test]
fn breakpoints_are_byte_identical_on_1_2_4_and_16_threads() {
    let one = breakpoints_with("1");
    for threads in ["2", "4", "16"] {
        assert!(one == breakpoints_with(threads), "{threads} threads differ from 1");
    }
    let report: Value = serde_json::from_slice(&one).unwrap();
    assert!(report["runs"].as_u64().unwrap() > 17, "refinement ran beyond the grid");
}

#[cfg(unix)]
#[test]
fn outputs_take_the_umask_mode_and_stale_temporaries_are_removed() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("outputs");
    let out = dir.join("report.json");
    let stale = dir.join(".report.json.faultline-tmp.AbC123");
    std::fs::write(&stale, "half a report").unwrap();
    let bin = env!("CARGO_BIN_EXE_faultline");
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("umask 022 && exec '{bin}' stress --format json --out '{}'", out.display()))
        .status()
        .unwrap();
    assert!(status.success());
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644, "0666 less the umask 022");
    assert!(!stale.exists(), "the stale temporary was removed");
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(left.len(), 1, "only the report: {left:?}");
    let report: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert!(report.is_object());
}
