"""Sweeps: many runs planned once, run anywhere, merged in one order.

A sweep is a list of items, each a stress run of a scenario or a breakpoint search of a driver,
with its index, its parameters and its own seed ``item_seed(seed, index)``. ``sweep()`` runs
them in this process; ``faultline.distributed.sweep()`` runs the same plan as Ray tasks. Both
merge results by index through ``SweepResult``, so their ``to_json()`` is the same bytes
whatever the sharding.

The stress engine is deterministic and takes no seed today; each item's seed is derived and
recorded anyway so that seeded analyses (Monte Carlo paths) shard the same way.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import pandas as pd

from . import _native

_MASK = (1 << 64) - 1
_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def item_seed(seed: int, index: int) -> int:
    """The seed of item ``index`` of a sweep seeded ``seed``: output ``index`` of SplitMix64
    seeded with ``seed``, so it depends on nothing else (not the shard, not the worker)."""
    z = (seed + (index + 1) * 0x9E3779B97F4A7C15) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _path(path: str) -> List[Any]:
    """``shocks[0].loss_usd`` as keys and indices; a bad path raises InvalidInputError."""
    parts: List[Any] = []
    for segment in path.split("."):
        found = False
        for match in _TOKEN.finditer(segment):
            found = True
            parts.append(match.group(1) if match.group(1) else int(match.group(2)))
        if not found or "".join(m.group(0) for m in _TOKEN.finditer(segment)) != segment:
            raise _bad_input("grid", f"grid: expected a path such as shocks[0].loss_usd, found {path!r}")
    return parts


def _bad_input(field: str, message: str) -> Exception:
    from .errors import InvalidInputError

    return InvalidInputError(message, None, field, [(field, message)])


def set_param(d: Dict[str, Any], path: str, value: Any) -> None:
    """Sets ``path`` (``horizon_secs``, ``engine.liquidation_gas_usd``, ``shocks[0].loss_usd``)
    in a scenario dict; the path must exist."""
    parts = _path(path)
    target: Any = d
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        try:
            if last:
                target[part]  # the key or index must exist
                target[part] = value
            else:
                target = target[part]
        except (KeyError, IndexError, TypeError):
            raise _bad_input(
                "grid", f"grid: expected a field of the scenario, found {path!r}"
            ) from None


def plan(
    base: Optional[_native.Scenario] = None,
    *,
    grid: Optional[Mapping[str, Sequence[Any]]] = None,
    scenarios: Optional[Sequence[_native.Scenario]] = None,
    drivers: Optional[Sequence[str]] = None,
    breakpoint_options: Optional[Mapping[str, Any]] = None,
    seed: int = 0,
) -> Tuple[List[_native.Snapshot], List[Dict[str, Any]]]:
    """The items of a sweep and the distinct snapshots they run over.

    - ``grid``: every combination of the values of each path in ``base`` (stress runs);
    - ``scenarios``: one stress run per scenario;
    - ``drivers``: one breakpoint search per driver over ``base`` (``breakpoint_options`` are
      ``breakpoints()``'s keywords); with a ``grid``, one per driver and combination.
    """
    if scenarios is not None and (base is not None or grid or drivers):
        raise _bad_input("scenarios", "scenarios: give scenarios alone, or base with grid/drivers")
    snapshots: List[_native.Snapshot] = []
    texts: Dict[str, int] = {}
    specs: List[Dict[str, Any]] = []

    def snapshot_key(s: _native.Scenario) -> int:
        # Items over equal snapshots share one copy on the wire.
        text = s.snapshot.to_json()
        if text not in texts:
            texts[text] = len(snapshots)
            snapshots.append(s.snapshot)
        return texts[text]

    def add(kind: str, scenario_dict: Dict[str, Any], key: int, file: str, params: Dict[str, Any], driver: Optional[str]) -> None:
        index = len(specs)
        specs.append(
            {
                "index": index,
                "seed": item_seed(seed, index),
                "kind": kind,
                "params": params,
                "driver": driver,
                "options": dict(breakpoint_options or {}),
                "scenario": scenario_dict,
                "file": file,
                "snapshot": key,
            }
        )

    if scenarios is not None:
        for s in scenarios:
            add("stress", s.to_dict(), snapshot_key(s), s.file, {"scenario": s.name}, None)
        return snapshots, specs
    if base is None:
        raise _bad_input("base", "base: expected a scenario to sweep")
    key = snapshot_key(base)
    paths = list((grid or {}).keys())
    combos: Iterable[Tuple[Any, ...]] = itertools.product(*[list(grid[p]) for p in paths]) if grid else [()]
    for combo in combos:
        d = base.to_dict()
        params = dict(zip(paths, combo))
        for p, v in params.items():
            set_param(d, p, v)
        if drivers:
            for driver in drivers:
                add("breakpoints", d, key, base.file, dict(params), driver)
        else:
            add("stress", d, key, base.file, params, None)
    return snapshots, specs


def run_items(snapshots: Sequence[_native.Snapshot], specs: Sequence[Mapping[str, Any]]) -> List[Tuple[int, str]]:
    """Runs ``specs`` in order in this process: ``(index, report JSON)`` for each. This is the
    body of every Ray task too."""
    out: List[Tuple[int, str]] = []
    for spec in specs:
        scenario = _native.Scenario.from_dict(
            spec["scenario"], snapshot=snapshots[spec["snapshot"]], name=spec["file"]
        )
        if spec["kind"] == "stress":
            text = _native.stress(scenario).to_json()
        else:
            text = _native.breakpoints(scenario, spec["driver"], **spec["options"]).to_json()
        out.append((spec["index"], text))
    return out


class SweepResult:
    """A sweep's results in item order, whoever ran them."""

    def __init__(self, seed: int, specs: Sequence[Mapping[str, Any]], results: Iterable[Tuple[int, str]]):
        by_index = dict(results)
        missing = [s["index"] for s in specs if s["index"] not in by_index]
        if missing or len(by_index) != len(specs):
            raise RuntimeError(f"sweep: results missing for items {missing[:10]}")
        self.seed = seed
        self.items: List[Dict[str, Any]] = [
            {k: s[k] for k in ("index", "seed", "kind", "params", "driver")} for s in specs
        ]
        self.reports: List[str] = [by_index[s["index"]] for s in specs]

    def __len__(self) -> int:
        return len(self.items)

    def to_json(self) -> str:
        """The whole sweep as JSON text: its seed and each item (index, seed, kind, params,
        driver) with its report embedded exactly as ``to_json()`` printed it."""
        parts = []
        for item, report in zip(self.items, self.reports):
            head = json.dumps(item, sort_keys=True)
            parts.append(head[:-1] + ', "report": ' + report.rstrip("\n") + "}")
        return (
            '{"schema_version": 1, "seed": ' + str(self.seed) + ', "items": [\n'
            + ",\n".join(parts)
            + "\n]}\n"
        )

    def summary(self) -> pd.DataFrame:
        """One row per item: ``index``, ``seed``, ``kind``, ``driver``, one column per parameter,
        and for stress runs ``first_break``, ``events`` and the USD losses summed over entities
        (``bad_debt_usd``, ``economic_bad_debt_usd``, ``nav_lost_usd``, ``frozen_usd``)."""
        rows = []
        for item, report in zip(self.items, self.reports):
            row: Dict[str, Any] = {k: item[k] for k in ("index", "seed", "kind", "driver")}
            row.update(item["params"])
            data = json.loads(report)
            if item["kind"] == "stress":
                row["first_break"] = data["first_break"]
                row["events"] = len(data["events"])
                for field in ("bad_debt_usd", "economic_bad_debt_usd", "nav_lost_usd", "frozen_usd"):
                    row[field] = sum(float(e[field]) for e in data["entities"])
            rows.append(row)
        out = pd.DataFrame(rows)
        out["seed"] = out["seed"].astype("uint64")
        return out

    def __repr__(self) -> str:
        return f"SweepResult({len(self.items)} items, seed={self.seed})"


def sweep(
    base: Optional[_native.Scenario] = None,
    *,
    grid: Optional[Mapping[str, Sequence[Any]]] = None,
    scenarios: Optional[Sequence[_native.Scenario]] = None,
    drivers: Optional[Sequence[str]] = None,
    breakpoint_options: Optional[Mapping[str, Any]] = None,
    seed: int = 0,
) -> SweepResult:
    """Runs a sweep in this process (see ``plan`` for the arguments), one item after another.

    ``faultline.sweep(s, grid={"shocks[0].loss_usd": ["50000000", "93000000"]})`` stresses ``s``
    once per loss; ``faultline.distributed.sweep`` runs the same sweep on Ray with the same
    output, byte for byte.
    """
    snapshots, specs = plan(
        base, grid=grid, scenarios=scenarios, drivers=drivers,
        breakpoint_options=breakpoint_options, seed=seed,
    )
    return SweepResult(seed, specs, run_items(snapshots, specs))
