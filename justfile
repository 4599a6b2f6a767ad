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
    mkdir -p target/demo && cargo run --release --quiet -- stress --format html --out target/demo/stream-elixir.html && cargo run --release --quiet -- stress fixtures/scenarios/ten-ten-2025.toml --format html --out target/demo/ten-ten.html && cargo run --release --quiet -- breakpoints --driver issuer:xusd --format html --out target/demo/breakpoints-xusd.html && cargo run --release --quiet -- graph --format html --out target/demo/graph.html && cargo run --release --quiet -- bands --asset sdeUSD --format html --out target/demo/bands-sdeusd.html && echo "HTML reports (open in any browser, offline):" && ls -1 "$PWD"/target/demo/*.html

# Everything CI runs.
ci:
    bash .ci/run
