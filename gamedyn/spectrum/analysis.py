"""Checked, recorded spectra of large games: one deterministic operator per analysis.

A checkpoint spectrum is only worth having if it is the spectrum of *one* matrix and the
products that define it are right. An analysis here:

1. builds the products of one operator once (the game Jacobian ``J`` or an update operator's
   Jacobian, at one point, on the game's fixed batch, as
   :func:`gamedyn.spectrum.matrix_free.jacobian_operator`; the game itself freezes latents,
   penalty points and buffers), after checking that the map is deterministic (two evaluations
   at the point are bit-identical, :func:`check_deterministic`);
2. checks that ``A u`` and ``Aᵀ w`` are adjoint, ``uᵀ(A v) = (Aᵀ u)ᵀ v`` for random ``u, v``
   (:func:`adjointness_error`), and refuses to go on when they are not
   (:class:`AdjointnessError`): a wrong forward- or reverse-mode derivative shows up here;
3. runs the Krylov solver (:func:`gamedyn.spectrum.matrix_free.solve_top`) with true residuals;
4. returns a :class:`SpectrumRecord` of what was computed and how — product mode, dtype of the
   products and of the Krylov basis, batch sizes, residuals, products, timing and peak memory —
   which :meth:`SpectrumRecord.save` writes as JSON beside an ``.npz`` of the eigenvalues.

:class:`AveragedGame` averages the field over several games (the same players on several
batches): its Jacobian is the average Jacobian, the full-data Jacobian when the batches cover
the data set. :func:`batch_spectra` reports the spread of the top eigenvalues across batches
(small batches give noisy spectra) next to the averaged operator's.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch

from .. import _validate
from ..games.base import Game
from ..methods.base import Method
from .matrix_free import MODES, SOLVERS, WHICH, MatrixFreeOps, _Products, _products, solve_top

Tensor = torch.Tensor

ADJOINTNESS_TOL = {torch.float64: 1e-10, torch.float32: 1e-4}
"""Default largest accepted :func:`adjointness_error` for each product dtype."""


class AdjointnessError(ValueError):
    """``A u`` and ``Aᵀ w`` are not each other's transpose: some product is wrong.

    Attributes:
      error: the measured relative error; tol: the accepted one.
    """

    def __init__(self, message: str, error: float, tol: float):
        super().__init__(message)
        self.error, self.tol = error, tol


def adjointness_error(
    apply: Callable[[Tensor], Tensor],
    transpose: Callable[[Tensor], Tensor],
    n: int,
    dtype: torch.dtype = torch.float64,
    device: Any = None,
    seed: int = 0,
) -> float:
    """``|uᵀ(A v) − (Aᵀ u)ᵀ v| / (‖u‖‖A v‖ + ‖Aᵀ u‖‖v‖)`` for standard normal ``u, v`` (``seed``).

    Zero in exact arithmetic for any linear ``A``; about the unit round-off of ``dtype`` times a
    modest factor when both products are right; of order one when either is wrong (a product of
    another matrix, or of the right matrix with errors in some directions).
    """
    gen = torch.Generator().manual_seed(seed)
    u, v = torch.randn(2, n, generator=gen, dtype=torch.float64).to(dtype=dtype, device=device)
    av, atu = apply(v), transpose(u)
    left, right = torch.dot(u, av), torch.dot(atu, v)
    scale = torch.linalg.vector_norm(u) * torch.linalg.vector_norm(av) + torch.linalg.vector_norm(
        atu
    ) * torch.linalg.vector_norm(v)
    if float(scale) == 0.0:
        return 0.0
    return float(torch.abs(left - right) / scale)


def check_adjointness(products: _Products, tol: float | None = None, seed: int = 0) -> float:
    """:func:`adjointness_error` of the products; raises :class:`AdjointnessError` above ``tol``.

    ``tol`` defaults to :data:`ADJOINTNESS_TOL` for the products' dtype. Returns the error.
    """
    dtype = products.s.dtype
    tol = ADJOINTNESS_TOL[dtype] if tol is None else _validate.positive("tol", tol)
    error = adjointness_error(
        products.jvp, products.vjp, products.s.shape[0], dtype, products.s.device, seed
    )
    if not error <= tol:
        raise AdjointnessError(
            f"the Jacobian products are not adjoint: |uᵀ(Av) − (Aᵀu)ᵀv| / (‖u‖‖Av‖ + ‖Aᵀu‖‖v‖)"
            f" = {error:.3e} > tol = {tol:.1e} ({products.mode} mode, {dtype}); A u or Aᵀ u is "
            "wrong (a layer whose derivatives PyTorch gets wrong, randomness or state changing "
            "between products, or a non-differentiable operation); no eigenvalues were computed",
            error,
            tol,
        )
    return error


class NondeterministicError(ValueError):
    """The map gives different values at the same point: the operator would be random."""


def check_deterministic(products: _Products) -> None:
    """Evaluates the map twice at the analysed point; raises :class:`NondeterministicError`
    unless the two results are bit-identical (randomness drawn inside the field — dropout,
    latents or penalty points redrawn per call — or state that changes between calls)."""
    first, second = products.fn(products.s), products.fn(products.s)
    if not torch.equal(first, second):
        gap = float(torch.linalg.vector_norm(first - second) / torch.linalg.vector_norm(first))
        raise NondeterministicError(
            f"two evaluations at the same point differ (relative difference {gap:.2e}): the "
            "field draws randomness or changes state between calls, so every product would be "
            "a different matrix; freeze latents, penalty points and dropout (TorchGame does)"
        )


@dataclass
class SpectrumRecord:
    """What an analysis computed and how (JSON-ready except the eigenvalue arrays)."""

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

    def to_dict(self) -> dict[str, Any]:
        """The record with eigenvalues as ``[re, im]`` pairs and residuals as floats."""
        record = asdict(self)
        record["eigenvalues"] = [[float(w.real), float(w.imag)] for w in self.eigenvalues]
        record["residuals"] = [float(r) for r in self.residuals]
        return record

    def save(self, out_dir: str | Path, name: str = "spectrum") -> tuple[Path, Path]:
        """Writes ``NAME.json`` (the record) and ``NAME.npz`` (``eigenvalues``, ``residuals``)."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        path_json, path_npz = out / f"{name}.json", out / f"{name}.npz"
        path_json.write_text(json.dumps(self.to_dict(), indent=2))
        np.savez(path_npz, eigenvalues=self.eigenvalues, residuals=self.residuals)
        return path_json, path_npz


def _peak_memory(device: torch.device) -> int | None:
    """Peak bytes: CUDA's ``max_memory_allocated``, else the process's peak resident set."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _batch_sizes(game: Game) -> dict[str, Any]:
    if isinstance(game, AveragedGame):
        return {"batches": len(game.games), "per_batch": [_batch_sizes(g) for g in game.games]}
    sizes = {}
    for name in ("real", "latent"):
        batch = getattr(game, name, None)
        if isinstance(batch, Tensor):
            sizes[name] = int(batch.shape[0])
    return sizes


def _game_settings(game: Game) -> dict[str, Any]:
    """Settings a reader of the record needs: loss, penalty, BatchNorm statistics, swaps."""
    names = ("loss", "reg", "reg_weight", "batchnorm", "replaced_layers", "frozen_spectral_norms")
    source = game.games[0] if isinstance(game, AveragedGame) else game
    return {n: getattr(source, n) for n in names if hasattr(source, n)}


def analyse(
    game: Game,
    k: int = 6,
    which: str = "LM",
    method: Method | None = None,
    *,
    z: Any = None,
    solver: str = "krylov-schur",
    mode: str = "reverse",
    tol: float = 1e-8,
    ncv: int | None = None,
    maxiter: int | None = None,
    ops: MatrixFreeOps | None = None,
    adjointness_tol: float | None = None,
    callback: Callable[[int, int], None] | None = None,
) -> SpectrumRecord:
    """Top-``k`` eigenvalues of the game Jacobian (or ``method``'s), checked and recorded.

    One operator for the whole analysis: the map is checked to be deterministic
    (:func:`check_deterministic`), its products are built once and checked for adjointness
    (:func:`check_adjointness`, raises :class:`AdjointnessError`), then handed to the Krylov
    solver (``solver``, ``which``, ``tol``, ``ncv``, ``maxiter`` as in
    :func:`~gamedyn.spectrum.matrix_free.top_eigenvalues`; ``mode`` as in
    :func:`~gamedyn.spectrum.matrix_free.jacobian_operator`). Products run in the game's dtype
    (float32: the fast mode; float64: the validation mode); the Krylov basis is float64.

    Raises:
      NondeterministicError: the map is random (nothing else is computed).
      AdjointnessError: the products are not adjoint (nothing else is computed).
      NoConvergence: the solver did not converge (with the partial result).
    """
    _validate.choice("which", which, WHICH)
    _validate.choice("solver", solver, SOLVERS)
    _validate.choice("mode", mode, MODES)
    start = time.perf_counter()
    products = _products(game, z, method, ops, mode)
    device = products.s.device
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    check_deterministic(products)
    error = check_adjointness(products, adjointness_tol)
    top = solve_top(products, k, which, solver, tol, maxiter, ncv, callback, start)
    return SpectrumRecord(
        operator="game Jacobian" if method is None else repr(method),
        n=int(products.s.shape[0]),
        k=len(top.values),
        which=which,
        solver=solver,
        mode=products.mode,
        product_dtype=str(products.s.dtype).removeprefix("torch."),
        basis_dtype="float64",
        device=str(device),
        batch_sizes=_batch_sizes(game),
        eigenvalues=top.values,
        residuals=top.residuals,
        matvecs=top.matvecs,
        seconds=time.perf_counter() - start,
        adjointness_error=error,
        tol=tol,
        peak_memory_bytes=_peak_memory(device),
        retained_graph_bytes=products.retained_bytes,
        game=repr(game),
        settings=_game_settings(game),
        versions={"torch": torch.__version__, "numpy": np.__version__},
    )


# ---------------------------------------------------------------------------------------------
# Averaging over batches
# ---------------------------------------------------------------------------------------------


class AveragedGame(Game):
    """The average of several games' fields: ``v̄(z) = (1/B) Σ_b v_b(z)``.

    With the same players on ``B`` batches (e.g. :meth:`TorchGame.with_batch`), ``v̄`` is the
    field of the loss averaged over the batches, and its Jacobian ``J̄ = (1/B) Σ_b J_b`` (the
    Jacobian is linear in the field); over batches that cover the data set, the full-data
    Jacobian. Every game must have the same ``nx`` and ``ny``; points, dtype and device are the
    first game's.
    """

    def __init__(self, games: Sequence[Game]):
        games = list(games)
        if not games:
            raise ValueError("games must hold at least one game, got none")
        for i, g in enumerate(games):
            if not isinstance(g, Game):
                raise TypeError(f"games[{i}] must be a gamedyn Game, got {type(g).__name__}")
            if (g.nx, g.ny) != (games[0].nx, games[0].ny):
                raise ValueError(
                    f"games[{i}] has (nx, ny) = ({g.nx}, {g.ny}), games[0] has "
                    f"({games[0].nx}, {games[0].ny}): averaged games must share their players"
                )
        self.games = games
        self.nx, self.ny = games[0].nx, games[0].ny
        if hasattr(games[0], "z0"):
            self.z0 = games[0].z0

    def losses(self, z: Tensor) -> tuple[Tensor, Tensor]:
        """The average of the games' losses."""
        pairs = [g.losses(z) for g in self.games]
        return tuple(torch.stack(p).mean() for p in zip(*pairs, strict=True))

    def field(self, z: Tensor) -> Tensor:
        """``(1/B) Σ_b v_b(z)``."""
        return torch.stack([g.field(z) for g in self.games]).mean(dim=0)

    def point(self, z: Any, name: str = "z") -> Tensor:
        return self.games[0].point(z, name)

    def __repr__(self) -> str:
        return f"AveragedGame({len(self.games)} × {self.games[0]!r})"


class BatchSpectra(NamedTuple):
    """Top eigenvalues per batch, their spread, and the averaged operator's.

    Attributes:
      per_batch: ``B × k`` complex, row ``b`` the top-``k`` of batch ``b`` in gamedyn's order.
      mean, std: per rank (column), the mean and standard deviation across batches of the
        modulus (``which="LM"``) or real part (``"LR"``/``"SR"``) — the sorted quantity, so
        ranks are comparable.
      averaged: the :class:`SpectrumRecord` of the averaged game's operator.
    """

    per_batch: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    averaged: SpectrumRecord


def rank_spread(per_batch: np.ndarray, which: str = "LM") -> tuple[np.ndarray, np.ndarray]:
    """Per rank, the mean and standard deviation across rows (batches) of the quantity that
    ``which`` sorts by: modulus (``"LM"``), real part (``"LR"``: descending, ``"SR"``:
    ascending), ``|imaginary part|`` (``"LI"``: descending, ``"SI"``: ascending)."""
    per_batch = np.atleast_2d(np.asarray(per_batch, dtype=complex))
    which = _validate.choice("which", which, WHICH)
    key = {"LM": np.abs, "LR": np.real, "SR": np.real}.get(which, lambda w: np.abs(w.imag))
    ranked = np.sort(key(per_batch), axis=1)
    if which in ("LM", "LR", "LI"):
        ranked = ranked[:, ::-1]
    return ranked.mean(axis=0), ranked.std(axis=0)


def batch_spectra(
    games: Sequence[Game], k: int = 6, which: str = "LM", method: Method | None = None, **kwargs
) -> BatchSpectra:
    """Top-``k`` of each game (one batch each) and of their :class:`AveragedGame`.

    ``kwargs`` go to :func:`analyse`. The spread is :func:`rank_spread`'s.
    """
    games = list(games)
    per_batch = np.array([analyse(g, k, which, method, **kwargs).eigenvalues for g in games])
    mean, std = rank_spread(per_batch, which)
    averaged = analyse(AveragedGame(games), k, which, method, **kwargs)
    return BatchSpectra(per_batch, mean, std, averaged)
