"""Sweeps on a Ray cluster: the same plan as ``faultline.sweep``, run as Ray tasks.

``sweep(..., address="auto")`` joins the cluster this machine belongs to, ``address="ray://host:10001"``
a remote one through Ray Client, and ``address=None`` (no cluster running) starts a local one
(``ray_init`` keywords go to ``ray.init``, e.g. ``num_cpus=2``). The items are cut into contiguous
shards, one per CPU of the cluster (at most one per item); each shard is a task that rebuilds its
scenarios over the snapshots (shipped once through the object store), runs them with
``faultline.sweeps.run_items`` and returns each report's JSON text. The results are merged by item
index, so ``sweep(...).to_json()`` is byte for byte ``faultline.sweep(...).to_json()``.

``risk(scenario, paths=..., seed=...)`` runs the Monte Carlo paths of ``faultline risk`` the same
way: the paths cut into contiguous shards (``faultline risk --shard K/M``), one task each, merged
with ``faultline.risk_merge``. Path ``i`` draws from ``(seed, i)`` alone and the shards' states add
exactly, so ``risk(...).to_json()`` is byte for byte ``faultline.risk(...).to_json()``.

Every worker needs the same ``faultline`` wheel installed (and ``ray``); see the README.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from . import _native
from .sweeps import SweepResult, plan, run_items


def _ray() -> Any:
    try:
        import ray
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "faultline.distributed needs Ray: pip install 'faultline[ray]' "
            "(from a clone: pip install './crates/python[ray]')"
        ) from e
    return ray


def shards(count: int, parts: int) -> List[range]:
    """``count`` items cut into ``parts`` contiguous ranges whose sizes differ by at most one."""
    parts = max(1, min(parts, count))
    size, extra = divmod(count, parts)
    out, start = [], 0
    for i in range(parts):
        end = start + size + (1 if i < extra else 0)
        out.append(range(start, end))
        start = end
    return [r for r in out if len(r)]


def _shard(snapshots: Sequence[_native.Snapshot], specs: Sequence[Mapping[str, Any]]) -> List[Tuple[int, str]]:
    return run_items(snapshots, specs)


def sweep(
    base: Optional[_native.Scenario] = None,
    *,
    grid: Optional[Mapping[str, Sequence[Any]]] = None,
    scenarios: Optional[Sequence[_native.Scenario]] = None,
    drivers: Optional[Sequence[str]] = None,
    breakpoint_options: Optional[Mapping[str, Any]] = None,
    seed: int = 0,
    address: Optional[str] = None,
    num_shards: Optional[int] = None,
    ray_init: Optional[Dict[str, Any]] = None,
) -> SweepResult:
    """``faultline.sweep`` on Ray (see the module documentation). If Ray is already initialised
    in this process, its cluster is used and left running; otherwise ``ray.init(address, **ray_init)``
    is called here and ``ray.shutdown()`` when the sweep is done."""
    ray = _ray()
    snapshots, specs = plan(
        base, grid=grid, scenarios=scenarios, drivers=drivers,
        breakpoint_options=breakpoint_options, seed=seed,
    )
    started = False
    if not ray.is_initialized():
        ray.init(address=address, **(ray_init or {}))
        started = True
    try:
        cpus = int(ray.cluster_resources().get("CPU", 1)) or 1
        ranges = shards(len(specs), num_shards or cpus)
        snapshots_ref = ray.put(list(snapshots))
        task = ray.remote(num_cpus=1)(_shard)
        refs = [task.remote(snapshots_ref, [specs[i] for i in r]) for r in ranges]
        results = [pair for shard in ray.get(refs) for pair in shard]
    finally:
        if started:
            ray.shutdown()
    return SweepResult(seed, specs, results)


def _risk_shard(
    scenario: _native.Scenario, model: str, paths: int, seed: int, shard: Tuple[int, int]
) -> str:
    return _native.risk(scenario, model, paths=paths, seed=seed, shard=shard).to_json()


def risk(
    scenario: _native.Scenario,
    model: Optional[Any] = None,
    *,
    paths: int = 10000,
    seed: int = 1,
    address: Optional[str] = None,
    shards: Optional[int] = None,
    ray_init: Optional[Dict[str, Any]] = None,
) -> _native.RiskReport:
    """``faultline.risk`` on Ray (see the module documentation): ``shards`` tasks (default: one
    per CPU of the cluster, at most one per path), each running its share of the paths, merged
    with ``faultline.risk_merge``. ``model`` is read here (as ``faultline.risk`` reads it) and its
    text shipped to the workers, so they need no files. Ray is joined and shut down as in
    ``sweep``."""
    ray = _ray()
    text = _native.risk_model_text(scenario, model)
    if paths < 1:  # the local run's error (the CLI's message), before any task starts
        return _native.risk(scenario, text, paths=paths, seed=seed)
    started = False
    if not ray.is_initialized():
        ray.init(address=address, **(ray_init or {}))
        started = True
    try:
        cpus = int(ray.cluster_resources().get("CPU", 1)) or 1
        count = max(1, min(shards or cpus, paths))
        scenario_ref = ray.put(scenario)
        task = ray.remote(num_cpus=1)(_risk_shard)
        refs = [task.remote(scenario_ref, text, paths, seed, (k, count)) for k in range(1, count + 1)]
        outputs = ray.get(refs)
    finally:
        if started:
            ray.shutdown()
    return _native.risk_merge(outputs)


__all__ = ["risk", "sweep", "shards"]
