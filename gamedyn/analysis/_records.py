"""The analysis record: what a checked spectrum computed and how, saved as JSON + ``.npz``.

Example:
  >>> import numpy as np, tempfile
  >>> from gamedyn.games import Bilinear
  >>> from gamedyn.analysis import analyse
  >>> record = analyse(Bilinear(np.diag([3.0, 2.0, 1.0])), k=2)
  >>> record.operator, record.n, np.round(record.eigenvalues, 8).tolist()
  ('game Jacobian', 6, [3j, -3j])
  >>> with tempfile.TemporaryDirectory() as root:
  ...     out = f"{root}/record"
  ...     names = [p.name for p in record.save(out, "bilinear")]
  ...     again = SpectrumRecord.load(out, "bilinear")
  >>> names, np.array_equal(again.eigenvalues, record.eigenvalues)
  (['bilinear.json', 'bilinear.npz'], True)
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._atomic import RUN_KEY, png_text, record_set, tag_png

__all__ = ["SpectrumRecord", "json_safe"]


def _members(out: Path, name: str) -> set[str]:
    """The files of the record ``name`` in ``out`` (replaced by a new one; the rest is kept)."""
    members = {f"{name}.json", f"{name}.npz"}
    try:
        listed = json.loads((out / f"{name}.json").read_text(encoding="utf-8")).get("files", [])
        members |= {str(f) for f in listed if isinstance(f, str) and "/" not in f}
    except (OSError, ValueError, AttributeError):
        pass
    return members


def _run_of(path: Path) -> str | None:
    """The run id a file of a record set carries (``None``: none, or no such file)."""
    if not path.exists():
        raise ValueError(f"the record set lacks {path.name} (in {str(path.parent)!r})")
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as arrays:
            return str(arrays["run_id"]) if "run_id" in arrays.files else None
    if path.suffix == ".png":
        return png_text(path).get(RUN_KEY)
    return None


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

    def save(
        self,
        out_dir: str | Path,
        name: str = "spectrum",
        *,
        figures: Callable[[Path], Any] | None = None,
    ) -> tuple[Path, Path]:
        """Writes ``NAME.json`` (the record), ``NAME.npz`` (``eigenvalues``, ``residuals``) and
        whatever ``figures(folder)`` draws into ``folder`` (PNG files) as one record set
        (:func:`gamedyn._atomic.record_set`): the directory ``out_dir`` is replaced by a new
        one with one rename, so a reader sees the old set or the new one, never a mix; other
        files in ``out_dir`` are kept. Each file carries the run id (the JSON's ``run_id`` and
        ``files``, the ``.npz``'s ``run_id``, each PNG's ``gamedyn-run`` text chunk), which
        :meth:`load` checks."""
        out = Path(out_dir)
        with record_set(out, lambda old: _members(old, name)) as rs:
            if figures is not None:
                figures(rs.path)
            pngs = sorted(p.name for p in rs.path.iterdir() if p.suffix == ".png")
            for png in pngs:
                tag_png(rs.path / png, RUN_KEY, rs.run_id)
            np.savez(
                rs.path / f"{name}.npz",
                eigenvalues=self.eigenvalues,
                residuals=self.residuals,
                run_id=np.array(rs.run_id),
            )
            record = self.to_dict() | {"run_id": rs.run_id, "files": [f"{name}.npz", *pngs]}
            text = json.dumps(record, indent=2, allow_nan=False)
            (rs.path / f"{name}.json").write_text(text, encoding="utf-8")
        return out / f"{name}.json", out / f"{name}.npz"

    @classmethod
    def load(cls, out_dir: str | Path, name: str = "spectrum") -> SpectrumRecord:
        """The record saved by :meth:`save`, after checking that its files belong together:
        ``NAME.npz`` and every file the JSON lists must carry the JSON's ``run_id``; a mixed
        set (files of two runs) is refused naming the file."""
        out = Path(out_dir)
        path = out / f"{name}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise FileNotFoundError(f"no record {str(path)!r}") from None
        except json.JSONDecodeError as err:
            raise ValueError(f"{str(path)!r} is not a record (not JSON: {err})") from None
        run = data.pop("run_id", None)
        files = data.pop("files", [f"{name}.npz"])
        if run is None:
            raise ValueError(
                f"{str(path)!r} has no run_id: written before record sets, its files cannot "
                "be told to belong together; write it again"
            )
        for file in files:
            found = _run_of(out / file)
            if found != run:
                raise ValueError(
                    f"a mixed record set in {str(out)!r}: {file} belongs to run {found!r}, "
                    f"{name}.json to run {run!r} (files of two runs)"
                )
        with np.load(out / f"{name}.npz", allow_pickle=False) as arrays:
            eigenvalues, residuals = arrays["eigenvalues"], arrays["residuals"]
        names = {f.name for f in dataclasses.fields(cls)}
        known = {k: v for k, v in data.items() if k in names}
        known.update(eigenvalues=eigenvalues, residuals=residuals)
        return cls(**known)
