"""The monitor's log: one JSON object per line in ``LOG_DIR/spectra.jsonl``, append-only.

Each monitored step writes one line per quantity::

    {"step": 500, "quantity": "jacobian", "which": "LM",
     "eigenvalues": [[re, im], ...], "residuals": [...], "converged": true,
     "products": 212, "seconds": 3.1, "wall_time": 1733580000.0, "settings": {...}, ...}

A line is written with a single ``write`` on a file opened with ``O_APPEND``: lines of several
writers never interleave, and a process killed while writing leaves at most a *torn last line*
(no final newline, or not JSON), which :func:`read_monitor_log` ignores and the next writer
removes before appending (so a resumed run never glues a record onto a fragment). Non-finite
numbers are written as ``null`` (strict JSON).
"""

from __future__ import annotations

import json
import math
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

__all__ = ["LOG_NAME", "LogWriter", "MonitorSeries", "read_monitor_log", "read_records", "jsonable"]

LOG_NAME = "spectra.jsonl"
"""The log's file name inside ``log_dir``."""


def jsonable(value: Any) -> Any:
    """``value`` with numpy/torch scalars and arrays as lists, complex numbers as ``[re, im]``,
    non-finite floats as ``None``."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, str):  # numpy, torch
        return jsonable(value.tolist())
    if isinstance(value, complex):
        return [jsonable(value.real), jsonable(value.imag)]
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return str(value)


def _log_path(log_dir: str | Path) -> Path:
    return Path(log_dir) / LOG_NAME


class LogWriter:
    """Appends records to ``log_dir/spectra.jsonl`` (created with its folder), one whole line
    per ``write``; a torn last line left by a killed run is cut off first (with a warning)."""

    def __init__(self, log_dir: str | Path):
        self.path = _log_path(log_dir)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._repair()

    def _repair(self) -> None:
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        if not data or data.endswith(b"\n"):
            return
        keep = data.rfind(b"\n") + 1
        warnings.warn(
            f"{self.path}: removed a torn last line of {len(data) - keep} bytes (a run killed "
            "while writing it)",
            stacklevel=3,
        )
        os.truncate(self.path, keep)

    def append(self, record: Mapping[str, Any]) -> None:
        """Write ``record`` as one JSON line."""
        data = (json.dumps(jsonable(record), allow_nan=False) + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            written = os.write(fd, data)
            while written < len(data):  # a regular file takes it whole; but never lose a tail
                written += os.write(fd, data[written:])
        finally:
            os.close(fd)


def read_records(log_dir: str | Path) -> list[dict[str, Any]]:
    """Every complete record of ``log_dir/spectra.jsonl``, in order.

    A torn last line (no final newline, or not a JSON object) is ignored; any other line that
    is not a JSON object raises ``ValueError`` naming it (the file was damaged otherwise).
    """
    path = _log_path(log_dir)
    if not path.is_file():
        raise FileNotFoundError(f"no monitor log {str(path)!r} (log_dir={str(log_dir)!r})")
    data = path.read_bytes()
    lines = data.split(b"\n")
    lines.pop()  # after the last newline: b"" or the torn last line of a killed run
    records = []
    for number, line in enumerate(lines, start=1):
        try:
            record = json.loads(line)
        except ValueError as err:
            raise ValueError(f"{path}: line {number} is not JSON ({err})") from None
        if not isinstance(record, dict):
            raise ValueError(f"{path}: line {number} is not a JSON object")
        records.append(record)
    return records


class MonitorSeries(NamedTuple):
    """One quantity (and ``which``) along training, from the log.

    Attributes:
      steps: ``(T,)`` the monitored steps.
      eigenvalues: ``(T, k)`` complex, ``nan`` where a step has fewer (or none, e.g. rotation).
      residuals: ``(T, k)``, ``nan`` where missing.
      converged: ``(T,)`` bool.
      values: ``(T,)`` the quantity's scalar (``"value"``: the rotation index; ``nan`` if none).
      errors: ``(T,)`` its standard error (``nan`` if none).
      records: the raw records.
    """

    steps: np.ndarray
    eigenvalues: np.ndarray
    residuals: np.ndarray
    converged: np.ndarray
    values: np.ndarray
    errors: np.ndarray
    records: list[dict[str, Any]]


def _float(value: Any) -> float:
    return float("nan") if value is None else float(value)


def _series(records: list[dict[str, Any]]) -> MonitorSeries:
    k = max((len(r.get("eigenvalues") or ()) for r in records), default=0)
    t = len(records)
    eig = np.full((t, k), np.nan, dtype=complex)
    res = np.full((t, k), np.nan)
    for i, r in enumerate(records):
        for j, pair in enumerate(r.get("eigenvalues") or ()):
            eig[i, j] = complex(_float(pair[0]), _float(pair[1]))
        for j, value in enumerate(r.get("residuals") or ()):
            res[i, j] = _float(value)
    return MonitorSeries(
        np.array([int(r["step"]) for r in records], dtype=np.int64),
        eig,
        res,
        np.array([bool(r.get("converged", True)) for r in records]),
        np.array([_float(r.get("value")) for r in records]),
        np.array([_float(r.get("stderr")) for r in records]),
        records,
    )


def series_key(record: Mapping[str, Any]) -> str:
    """``"jacobian"``, or ``"jacobian:SR"`` for another ``which`` than ``"LM"``."""
    which = record.get("which")
    quantity = str(record["quantity"])
    return quantity if which in (None, "LM") else f"{quantity}:{which}"


def read_monitor_log(log_dir: str | Path) -> dict[str, MonitorSeries]:
    """The series of a monitor log, by quantity (``"jacobian"``, ``"jacobian:SR"``,
    ``"optimiser"``, ``"rotation"``, ...), each ordered by step.

    Example:
      >>> import tempfile
      >>> d = tempfile.mkdtemp()
      >>> LogWriter(d).append({"step": 0, "quantity": "jacobian", "eigenvalues": [[1.0, 2.0]]})
      >>> read_monitor_log(d)["jacobian"].eigenvalues
      array([[1.+2.j]])
    """
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in read_records(log_dir):
        if "step" not in record or "quantity" not in record:
            continue
        grouped.setdefault(series_key(record), []).append(record)
    return {key: _series(sorted(rs, key=lambda r: int(r["step"]))) for key, rs in grouped.items()}
