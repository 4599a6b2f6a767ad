# Faultline's everyday commands. `just` lists them.

# List the recipes.
default:
    @just --list

# Format every crate.
fmt:
    cargo fmt --all

# Formatting check, clippy with warnings as errors, and docs with warnings as errors.
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

# The test suite, exactly as CI runs it (installs the pinned EVM tools on first use).
test:
    cargo test --workspace

# Criterion benchmarks of every crate that has them.
bench:
    cargo bench --workspace

# What faultline does, end to end, on the bundled data.
demo:
    cargo run --release -- --help

# Everything CI runs.
ci:
    bash .ci/run

# Every fuzz target (fuzz/, cargo-fuzz on nightly) for SECS seconds each, seeded from fixtures/.
fuzz SECS="60":
    bash fuzz/run {{SECS}}
