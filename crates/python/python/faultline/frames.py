"""Report tables as pandas DataFrames.

The extension hands each table over as columns: numbers as little-endian bytes with their NumPy
dtype (read with ``numpy.frombuffer``, no per-value Python objects), text as lists. pyarrow is not
needed. USD figures are ``float64`` for plotting and aggregation; the exact decimals are in
``Report.to_json()``.
"""

from __future__ import annotations

from typing import Any, Dict

import numpy as np
import pandas as pd


def frame(columns: Dict[str, Any]) -> pd.DataFrame:
    """A DataFrame from the extension's columns (see the module documentation)."""
    data: Dict[str, Any] = {}
    for name, column in columns.items():
        if isinstance(column, tuple):
            dtype, raw = column
            data[name] = np.frombuffer(raw, dtype=np.dtype(dtype)).astype(
                np.dtype(dtype).newbyteorder("="), copy=False
            )
        else:
            data[name] = pd.Series(column, dtype=object) if name in ("causes", "path") else column
    return pd.DataFrame(data)


def bands_frame(report: Any) -> pd.DataFrame:
    """The combined levels of a ``bands()`` report: ``fall_pct``, ``price_usd``, ``positions``,
    ``collateral``, ``debt_usd`` (floats for plotting; exact decimals in ``to_json()``)."""
    rows = report.to_dict()["combined"]
    out = pd.DataFrame(rows)
    for column in out.columns:
        if column != "positions":
            out[column] = out[column].astype("float64")
    if "positions" in out.columns:
        out["positions"] = out["positions"].astype("int64")
    return out
