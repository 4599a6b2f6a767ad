"""Type stubs of the extension module ``faultline._native`` (the Rust half of the package)."""

from os import PathLike
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

import pandas as pd

_Decimal = Union[str, int, float, Any]  # str() of it must parse as an exact decimal
_Path = Union[str, "PathLike[str]"]

class Snapshot:
    """An ecosystem snapshot, validated."""

    @staticmethod
    def load(path: _Path) -> Snapshot:
        """Reads and validates a snapshot file (JSON)."""
    @staticmethod
    def from_json(text: str, name: str = "<string>") -> Snapshot:
        """Parses and validates a snapshot from JSON text; ``name`` stands for the file."""
    @property
    def name(self) -> str: ...
    @property
    def timestamp(self) -> int: ...
    def to_json(self) -> str:
        """The snapshot as compact JSON text."""

class Scenario:
    """A stress scenario with its snapshot, checked against each other."""

    @staticmethod
    def load(path: _Path) -> Scenario:
        """Reads a scenario file (TOML) and the snapshot it names, as ``faultline stress FILE``."""
    @staticmethod
    def from_toml(
        text: str,
        snapshot: Optional[Snapshot] = None,
        base_dir: Optional[_Path] = None,
        name: str = "<string>",
    ) -> Scenario: ...
    @staticmethod
    def from_dict(
        d: Dict[str, Any],
        snapshot: Optional[Snapshot] = None,
        base_dir: Optional[_Path] = None,
        name: str = "<dict>",
    ) -> Scenario:
        """A scenario from a dict with the TOML file's keys (decimals as strings)."""
    def to_dict(self) -> Dict[str, Any]: ...
    @property
    def name(self) -> str: ...
    @property
    def file(self) -> str: ...
    @property
    def snapshot(self) -> Snapshot: ...

class Report:
    """What a stress run found."""

    def to_json(self) -> str:
        """Byte for byte ``faultline stress --format json``."""
    def to_dict(self) -> Dict[str, Any]: ...
    @property
    def events(self) -> pd.DataFrame: ...
    @property
    def losses(self) -> pd.DataFrame: ...
    @property
    def paths(self) -> pd.DataFrame: ...
    @property
    def scenario(self) -> str: ...
    @property
    def snapshot(self) -> str: ...
    @property
    def steps(self) -> int: ...
    @property
    def non_converged_steps(self) -> List[int]: ...
    @property
    def first_break(self) -> Optional[int]: ...

class AnalysisReport:
    """The result of ``breakpoints``, ``bands``, ``position`` or ``loop_check``."""

    @property
    def kind(self) -> str: ...
    def to_json(self) -> str:
        """Byte for byte the CLI's ``--format json``."""
    def to_dict(self) -> Dict[str, Any]: ...

class RiskReport:
    """The result of ``risk`` or ``risk_merge``: a Monte Carlo run's figures and mergeable state."""

    @staticmethod
    def from_json(text: str, name: str = "<string>") -> RiskReport:
        """Reads a risk report back from its JSON (``to_json()`` or ``faultline risk --format json``)."""
    def to_json(self) -> str:
        """Byte for byte ``faultline risk --format json`` (the input of ``risk_merge``)."""
    def to_dict(self) -> Dict[str, Any]: ...
    @property
    def summary(self) -> pd.DataFrame:
        """The tail table per entity, largest mean loss first: ``entity``, ``name``, ``kind``,
        ``mean_loss_usd``, ``mean_loss_se``, ``median_loss_usd``, ``var95_usd`` / ``_low`` /
        ``_high``, ``var99_usd`` / ``_low`` / ``_high``, ``es99_usd``, ``es99_se``,
        ``mean_bad_debt_market_usd``, ``mean_bad_debt_oracle_usd`` (``float64``), and for
        ``p_loss``, ``p_insolvent``, ``p_frozen`` the probability, ``_low`` / ``_high`` (Wilson
        95%) and ``_count`` (paths, ``int64``)."""
    @property
    def scenario(self) -> str: ...
    @property
    def snapshot(self) -> str: ...
    @property
    def seed(self) -> int: ...
    @property
    def paths(self) -> int:
        """Paths of the whole run (a shard covers ``range`` of them)."""
    @property
    def range(self) -> Tuple[int, int]:
        """The paths this report covers, ``(start, end)``."""

def risk(
    scenario: Scenario,
    model: Optional[_Path] = None,
    *,
    paths: int = 10000,
    seed: int = 1,
    shard: Optional[Union[str, Tuple[int, int]]] = None,
) -> RiskReport:
    """Monte Carlo over the cascade, as ``faultline risk`` (GIL released). ``model``: a path, or
    TOML text (a ``str`` with a line break); default the scenario's sibling ``<name>.risk.toml``.
    ``shard``: ``"K/M"`` or ``(K, M)``, 1-based."""

def risk_merge(shards: Iterable[Union[RiskReport, str]]) -> RiskReport:
    """Combines shard outputs (reports or their JSON, any order), as ``faultline risk merge``."""

def risk_model_text(scenario: Scenario, model: Optional[_Path] = None) -> str:
    """The TOML text of the risk model ``risk(scenario, model)`` runs."""

def stress(scenario: Scenario) -> Report:
    """Runs a stress scenario over its snapshot (GIL released)."""

def bundled(name: str) -> Scenario:
    """A bundled scenario: ``"stream-elixir"`` or ``"ten-ten"``."""

def bundled_names() -> List[str]: ...
def breakpoints(
    scenario: Scenario,
    driver: str,
    *,
    tolerance: Optional[_Decimal] = None,
    grid: int = 16,
    keep_shocks: bool = False,
    depeg_pct: Optional[_Decimal] = None,
) -> AnalysisReport: ...
def bands(
    snapshot: Snapshot,
    asset: str,
    *,
    grid: int = 11,
    max_fall: Optional[_Decimal] = None,
    oracle_follows_market: bool = False,
) -> AnalysisReport: ...
def position(snapshot: Snapshot, market: str, account: str) -> AnalysisReport: ...
def loop_check(
    path: Optional[_Path] = None, *, text: Optional[str] = None, name: str = "<string>"
) -> AnalysisReport: ...
