"""TensorBoard output of a monitor (optional: ``pip install 'gamedyn[tensorboard]'``).

Imported only when a monitor has a ``log_dir`` and the ``tensorboard`` package is installed.
Scalars per record, under the record's series key (``jacobian``, ``jacobian:SR``,
``optimiser``, ``rotation``): ``spectral_radius`` (largest ``|λ|``), ``max_real`` and
``min_real`` (of the eigenvalues found), ``products`` and ``seconds``; ``value`` and ``stderr``
for scalar quantities; and the eigenvalue cloud as an image (matplotlib, Agg).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

from ._log import series_key

__all__ = ["available", "TensorBoardSink"]


def available() -> bool:
    """Whether ``tensorboard`` (which ``torch.utils.tensorboard`` needs) is installed."""
    return importlib.util.find_spec("tensorboard") is not None


class TensorBoardSink:
    """Writes a monitor's records as TensorBoard scalars and eigenvalue-cloud images."""

    def __init__(self, log_dir: str | Path):
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(log_dir=str(log_dir))

    def write(self, step: int, record: dict[str, Any]) -> None:
        key = series_key(record)
        pairs = record.get("eigenvalues") or []
        values = np.array([complex(p[0], p[1]) for p in pairs], dtype=complex)
        if len(values):
            self.writer.add_scalar(f"{key}/spectral_radius", float(np.abs(values).max()), step)
            self.writer.add_scalar(f"{key}/max_real", float(values.real.max()), step)
            self.writer.add_scalar(f"{key}/min_real", float(values.real.min()), step)
            self.writer.add_figure(f"{key}/eigenvalues", _cloud(values, key, step), step)
        for name in ("value", "stderr", "products", "seconds"):
            if isinstance(record.get(name), int | float):
                self.writer.add_scalar(f"{key}/{name}", float(record[name]), step)
        self.writer.flush()


def _cloud(values: np.ndarray, key: str, step: int) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3.2, 3.2), dpi=80)
    ax = fig.add_subplot()
    ax.axvline(0.0, color="0.7", lw=0.8)
    ax.axhline(0.0, color="0.7", lw=0.8)
    ax.scatter(values.real, values.imag, s=14)
    ax.set_xlabel("Re λ")
    ax.set_ylabel("Im λ")
    ax.set_title(f"{key}, step {step}", fontsize=9)
    fig.tight_layout()
    return fig
