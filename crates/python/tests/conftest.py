"""Shared fixtures: the repository root and the `faultline` CLI binary the tests compare with.

The binary is ``$FAULTLINE_BIN`` if set, else ``target/debug/faultline`` (or
``$CARGO_TARGET_DIR/debug/faultline``); a missing binary fails the tests that need it (CI builds
it first), it never skips them.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import List

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _binary() -> Path:
    if os.environ.get("FAULTLINE_BIN"):
        return Path(os.environ["FAULTLINE_BIN"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "debug" / "faultline"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def cli():
    """Runs the CLI from the repository root: ``cli(*args) -> CompletedProcess`` (text)."""
    binary = _binary()
    assert binary.is_file(), f"the faultline CLI is not built at {binary}: run `cargo build --bin faultline` or set FAULTLINE_BIN"

    def run(*args: str) -> "subprocess.CompletedProcess[str]":
        return subprocess.run(
            [str(binary), *args], cwd=ROOT, capture_output=True, text=True, timeout=600
        )

    return run


@pytest.fixture(scope="session")
def one_step():
    """The bundled Stream/Elixir scenario cut to its first hour (the shocks at t = 0 kept): a
    cheap run over the real snapshot."""
    import faultline

    base = faultline.bundled("stream-elixir")
    d = base.to_dict()
    d["horizon_secs"] = d["step_secs"]
    d["shocks"] = [s for s in d["shocks"] if s["at_secs"] < d["step_secs"]]
    return faultline.Scenario.from_dict(d, snapshot=base.snapshot)


def cli_error(stderr: str) -> str:
    """The CLI's error message: stderr after ``error: `` (logs and causes excluded)."""
    assert stderr.startswith("error: "), stderr
    lines: List[str] = stderr[len("error: "):].rstrip("\n").split("\n")
    return "\n".join(line for line in lines if not line.startswith("  caused by: "))
