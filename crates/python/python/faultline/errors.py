"""Faultline's exceptions.

Each carries the message the CLI prints after ``error:`` (``str(exc)``), the file it names
(``exc.file``: a path, or ``<dict>``/``<string>`` for in-memory input), the field at fault
(``exc.field``: a JSON path such as ``$.lending_markets[3].lltv``, ``line 12`` of a TOML file,
an argument name, or the entity a model refused) and every problem found (``exc.problems``: a
list of ``(field, message)`` pairs).
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple


class FaultlineError(Exception):
    """Base class of every error faultline raises."""

    message: str
    file: Optional[str]
    field: Optional[str]
    problems: List[Tuple[str, str]]

    def __init__(
        self,
        message: str,
        file: Optional[str] = None,
        field: Optional[str] = None,
        problems: Sequence[Tuple[str, str]] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.field = field
        self.problems = [(str(p), str(m)) for p, m in problems]

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):  # keep the fields across pickling (Ray returns errors this way)
        return (type(self), (self.message, self.file, self.field, self.problems))


class SnapshotError(FaultlineError):
    """A snapshot is not valid; ``problems`` lists each with its JSON path."""


class ScenarioError(FaultlineError):
    """A scenario is not valid, or not valid for its snapshot; ``field`` names the key or line."""


class InvalidInputError(FaultlineError, ValueError):
    """An argument or input figure is out of range or names nothing that exists."""


class ModelError(FaultlineError):
    """A protocol model refused an operation on an entity (``field``), or a figure overflowed."""


class FaultlineIOError(FaultlineError):
    """A file could not be read; ``file`` names it."""


__all__ = [
    "FaultlineError",
    "SnapshotError",
    "ScenarioError",
    "InvalidInputError",
    "ModelError",
    "FaultlineIOError",
]
