"""The analysis record: what a checked spectrum computed and how, saved as JSON + ``.npz``.

Example:
  >>> import numpy as np, tempfile
  >>> from gamedyn.games import Bilinear
  >>> from gamedyn.analysis import analyse
  >>> record = analyse(Bilinear(np.diag([3.0, 2.0, 1.0])), k=2)
  >>> record.operator, record.n, np.round(record.eigenvalues, 8).tolist()
  ('game Jacobian', 6, [3j, -3j])
  >>> with tempfile.TemporaryDirectory() as out:
  ...     [p.name for p in record.save(out, "bilinear")]
  ['bilinear.json', 'bilinear.npz']
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._atomic import write_npz, write_text

__all__ = ["SpectrumRecord", "json_safe"]


def json_safe(value: Any) -> Any:
    """``value`` with every non-finite float replaced by ``None`` (JSON has no nan or inf), and
    numpy scalars and arrays turned into Python numbers and lists."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, complex):
        return [json_safe(value.real), json_safe(value.imag)]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


@dataclass
class SpectrumRecord:
    """What an analysis computed and how (JSON-ready except the eigenvalue arrays).

    ``settings`` holds what the result depends on besides the operator (the game's loss,
    penalty, BatchNorm choice and replaced layers; the command line adds the checkpoint, batch
    and seed); ``extras`` holds further results computed with it (the command line's
    per-batch spread and per-player blocks). ``converged`` is ``False`` for the partial record
    of a solver that stopped early (``message`` says why). ``world_size`` and ``backend`` are the
    ``torch.distributed`` process group's the products were all-reduced over (``1`` and
    ``None`` in one process; :class:`~gamedyn.games.DistributedAveragedGame`).
    """

    operator: str
    n: int
    k: int
    which: str
    solver: str
    mode: str
    product_dtype: str
    basis_dtype: str
    device: str
    batch_sizes: dict[str, Any]
    eigenvalues: np.ndarray
    residuals: np.ndarray
    matvecs: int
    seconds: float
    adjointness_error: float
    tol: float
    peak_memory_bytes: int | None
    retained_graph_bytes: int | None
    game: str
    settings: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    converged: bool = True
    message: str = ""
    extras: dict[str, Any] = field(default_factory=dict)
    world_size: int = 1
    backend: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The record with eigenvalues as ``[re, im]`` pairs and residuals as floats; every
        number that is not finite (a residual a solver did not estimate) becomes ``None``, so
        the JSON is standard."""
        record = asdict(self)
        record["eigenvalues"] = [[float(w.real), float(w.imag)] for w in self.eigenvalues]
        record["residuals"] = [float(r) for r in self.residuals]
        return json_safe(record)

    def save(self, out_dir: str | Path, name: str = "spectrum") -> tuple[Path, Path]:
        """Writes ``NAME.json`` (the record) and ``NAME.npz`` (``eigenvalues``, ``residuals``),
        each atomically (a temporary file, then a rename)."""
        out = Path(out_dir)
        path_json, path_npz = out / f"{name}.json", out / f"{name}.npz"
        write_text(path_json, json.dumps(self.to_dict(), indent=2, allow_nan=False))
        write_npz(path_npz, eigenvalues=self.eigenvalues, residuals=self.residuals)
        return path_json, path_npz
