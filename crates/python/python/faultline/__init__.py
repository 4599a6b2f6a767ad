"""faultline: find where DeFi collateral chains break, from Python.

Faultline's stress engine (exact protocol models composed over a snapshot of an ecosystem) with
reports as pandas DataFrames::

    import faultline
    report = faultline.stress(faultline.bundled("stream-elixir"))
    report.losses          # losses per entity
    report.events          # the event log, each event with its causes
    report.paths           # contagion paths from each shock to each loss
    report.to_json()       # byte for byte `faultline stress --format json`

Inputs: ``Snapshot.load(path)``, ``Snapshot.from_json(text)``, ``Scenario.load(path)``,
``Scenario.from_dict(d, snapshot=...)``, ``bundled(name)``. Analyses: ``breakpoints``,
``bands``, ``position``, ``loop_check``. Monte Carlo: ``risk`` (``faultline risk``; ``.summary``
is the per-entity tail table) and ``risk_merge`` (``faultline risk merge``), and
``faultline.distributed.risk`` for its paths on Ray. Sweeps: ``sweep`` here, ``faultline.distributed.sweep``
on Ray. Errors are ``faultline.errors.FaultlineError`` subclasses with the CLI's message, file
and field. The engine runs with the GIL released.
"""

from __future__ import annotations

from typing import Any

from . import errors, frames
from ._native import (
    AnalysisReport,
    Report,
    RiskReport,
    Scenario,
    Snapshot,
    bands,
    breakpoints,
    bundled,
    bundled_names,
    loop_check,
    position,
    risk,
    risk_merge,
    stress,
)
from .errors import (
    FaultlineError,
    FaultlineIOError,
    InvalidInputError,
    ModelError,
    ScenarioError,
    SnapshotError,
)
from .sweeps import SweepResult, item_seed, sweep


def bands_frame(report: AnalysisReport) -> Any:
    """The combined levels of a ``bands()`` report as a DataFrame (see ``faultline.frames``)."""
    return frames.bands_frame(report)


__all__ = [
    "AnalysisReport",
    "Report",
    "RiskReport",
    "Scenario",
    "Snapshot",
    "SweepResult",
    "bands",
    "bands_frame",
    "breakpoints",
    "bundled",
    "bundled_names",
    "errors",
    "item_seed",
    "loop_check",
    "position",
    "risk",
    "risk_merge",
    "stress",
    "sweep",
    "FaultlineError",
    "FaultlineIOError",
    "InvalidInputError",
    "ModelError",
    "ScenarioError",
    "SnapshotError",
]
