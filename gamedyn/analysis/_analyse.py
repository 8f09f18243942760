"""Checked, recorded spectra of large games: one deterministic operator per analysis.

A checkpoint spectrum is only worth having if it is the spectrum of *one* matrix and the
products that define it are right. An analysis here:

1. builds one :class:`~gamedyn.spectrum.JacobianOperator` (the game Jacobian ``J`` or
   an update operator's Jacobian, at one point, on the game's fixed batch; the game itself
   freezes latents,
   penalty points and buffers), after checking that the map is deterministic (two evaluations
   at the point are bit-identical, :func:`check_deterministic`);
2. checks that ``A u`` and ``Aᵀ w`` are adjoint, ``uᵀ(A v) = (Aᵀ u)ᵀ v`` for random ``u, v``
   (:func:`adjointness_error`), and refuses to go on when they are not
   (:class:`AdjointnessError`): a wrong forward- or reverse-mode derivative shows up here;
3. runs the Krylov solver (:func:`gamedyn.spectrum.solve_top`) with true
   residuals;
4. returns a :class:`SpectrumRecord` of what was computed and how —
   product mode, dtype of the products and of the Krylov basis, batch sizes, residuals,
   products, timing and peak memory — which ``SpectrumRecord.save`` writes as JSON beside an
   ``.npz`` of the eigenvalues. A solver that does not converge raises
   :class:`~gamedyn.linalg.NoConvergence` carrying the partial record.

:class:`~gamedyn.games.AveragedGame` averages the field over several games (the same
players on several batches): its Jacobian is the average Jacobian, the full-data Jacobian when
the batches cover the data set. :func:`batch_spectra` reports the spread of the top eigenvalues
across batches (small batches give noisy spectra) next to the averaged operator's. Over the
ranks of a ``torch.distributed`` process group,
:class:`~gamedyn.games.DistributedAveragedGame` holds each rank's shard of the
batches: :func:`analyse` and :func:`batch_spectra` then run on every rank, the products
all-reduced and the solver replicated, and return the same record everywhere.

Example:
  >>> import numpy as np
  >>> from gamedyn.games import Bilinear
  >>> from gamedyn.methods import GDA
  >>> record = analyse(Bilinear(np.diag([3.0, 2.0, 1.0])), k=2, method=GDA(0.1))
  >>> record.operator, np.round(np.abs(record.eigenvalues), 8).tolist()   # |1 − 0.1·3i|
  ('GDA(lr=0.1)', [1.04403065, 1.04403065])
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
import torch

from .. import _validate
from ..games._averaged import AveragedGame
from ..games._base import Game
from ..games._distributed import DistributedAveragedGame, on_every_rank
from ..linalg import NoConvergence
from ..methods import Method
from ..spectrum import JacobianOperator, KrylovSchur, solve_top
from ..spectrum._eigensolvers import check_which, operator_for
from ..spectrum._solvers import Arpack, check_solver
from ..vocabulary import KRYLOV_WHICH
from ._intervals import Interval, batch_size_needed, batches_needed, interval
from ._records import SpectrumRecord

Tensor = torch.Tensor

__all__ = [
    "ADJOINTNESS_TOL",
    "AdjointnessError",
    "adjointness_error",
    "check_adjointness",
    "NondeterministicError",
    "check_deterministic",
    "analyse",
    "BatchSpectra",
    "rank_spread",
    "ranked",
    "batch_spectra",
]

DEFAULT_SOLVER = KrylovSchur(tol=1e-8)
"""The solver of :func:`analyse` unless ``solver=`` says otherwise."""

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


def check_adjointness(op: JacobianOperator, tol: float | None = None, seed: int = 0) -> float:
    """:func:`adjointness_error` of the operator's products; raises :class:`AdjointnessError`
    above ``tol``.

    ``tol`` defaults to :data:`ADJOINTNESS_TOL` for the products' dtype. Returns the error.
    """
    dtype = op.product_dtype
    tol = ADJOINTNESS_TOL[dtype] if tol is None else _validate.positive("tol", tol)
    error = adjointness_error(op.apply, op.apply_transpose, op.shape[0], dtype, op.device, seed)
    if not error <= tol:
        raise AdjointnessError(
            f"the Jacobian products are not adjoint: |uᵀ(Av) − (Aᵀu)ᵀv| / (‖u‖‖Av‖ + ‖Aᵀu‖‖v‖)"
            f" = {error:.3e} > tol = {tol:.1e} ({op.mode} mode, {dtype}); A u or Aᵀ u is "
            "wrong (a layer whose derivatives PyTorch gets wrong, randomness or state changing "
            "between products, or a non-differentiable operation); no eigenvalues were computed",
            error,
            tol,
        )
    return error


class NondeterministicError(ValueError):
    """The map gives different values at the same point: the operator would be random."""


def check_deterministic(op: JacobianOperator) -> None:
    """Evaluates the map twice at the analysed point; raises :class:`NondeterministicError`
    unless the two results are bit-identical (randomness drawn inside the field — dropout,
    latents or penalty points redrawn per call — or state that changes between calls)."""
    first, second = op.fn(op.point), op.fn(op.point)
    if not torch.equal(first, second):
        gap = float(torch.linalg.vector_norm(first - second) / torch.linalg.vector_norm(first))
        raise NondeterministicError(
            f"two evaluations at the same point differ (relative difference {gap:.2e}): the "
            "field draws randomness or changes state between calls, so every product would be "
            "a different matrix; freeze latents, penalty points and dropout (TorchGame does)"
        )


def _peak_memory(device: torch.device) -> int | None:
    """Peak bytes: CUDA's ``max_memory_allocated``, else the process's peak resident set;
    ``None`` (unknown) where the ``resource`` module does not exist (Windows)."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device)
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _batch_sizes(game: Game) -> dict[str, Any]:
    if isinstance(game, DistributedAveragedGame):  # every rank's batches, in batch order
        local = [_batch_sizes(g) for g in game.games]
        gathered = [sizes for part in game.comm.gather(local) for sizes in part]
        return {"batches": game.batches, "per_batch": gathered}
    if isinstance(game, AveragedGame):
        return {"batches": len(game.games), "per_batch": [_batch_sizes(g) for g in game.games]}
    sizes = {}
    for name in ("real", "latent"):
        batch = getattr(game, name, None)
        if isinstance(batch, Tensor):
            sizes[name] = int(batch.shape[0])
    return sizes


def _game_settings(game: Game) -> dict[str, Any]:
    """Settings a reader of the record needs: loss, penalty, BatchNorm statistics, swaps, and
    what was loaded from a checkpoint (``"loaded"``: the game's ``checkpoint_report``)."""
    names = ("loss", "reg", "reg_weight", "batchnorm", "replaced_layers", "frozen_spectral_norms")
    source = game.games[0] if isinstance(game, (AveragedGame, DistributedAveragedGame)) else game
    settings = {n: getattr(source, n) for n in names if hasattr(source, n)}
    report = getattr(source, "checkpoint_report", None)
    if report is not None:
        settings["loaded"] = report.to_dict()
    return settings


def _check_replicas(game: Game, values: np.ndarray, residuals: np.ndarray) -> None:
    """On a :class:`~gamedyn.games.DistributedAveragedGame`, raises
    ``RuntimeError`` unless every rank's replicated solver found bit-identical values and
    residuals (every rank applies the same float64 arithmetic to the same all-reduced products;
    ranks that differ — different BLAS builds or thread counts on the nodes — would each feed
    their own vectors into the shared products)."""
    if not isinstance(game, DistributedAveragedGame):
        return
    parts = [np.real(values), np.imag(values), np.asarray(residuals, dtype=float)]
    data = torch.as_tensor(np.nan_to_num(np.concatenate(parts), nan=-1.0))
    if not game.comm.same_everywhere(data):
        raise RuntimeError(
            f"the {game.world_size} ranks' replicated Krylov solvers disagree: every rank must "
            "run the same float64 arithmetic (the same torch, BLAS and thread count; "
            "OMP_NUM_THREADS) so that each product is applied to the same vector"
        )


def analyse(
    game: Game,
    k: int = 6,
    which: str = "LM",
    *,
    method: Method | None = None,
    z: Any = None,
    solver: KrylovSchur | Arpack = DEFAULT_SOLVER,
    adjointness_tol: float | None = None,
    callback: Callable[[int, int], None] | None = None,
    non_normal: Any = None,
) -> SpectrumRecord:
    """Top-``k`` eigenvalues of the game Jacobian (or ``method``'s), checked and recorded.

    One operator for the whole analysis: the map is checked to be deterministic
    (:func:`check_deterministic`), its products are built once and checked for adjointness
    (:func:`check_adjointness`, raises :class:`AdjointnessError`), then handed to the Krylov
    solver: ``solver`` (:class:`~gamedyn.spectrum.KrylovSchur`, default ``tol=1e-8``, or
    :class:`~gamedyn.spectrum.Arpack`) and ``which`` as in
    :func:`~gamedyn.spectrum.top_eigenvalues`. The checks are of that one operator, so the
    solve runs on its own products: ``route="auto"`` means the operator route here, and
    ``route="jacobian"`` is refused. Products run in the game's dtype (float32: the fast mode;
    float64: the validation mode); the Krylov basis is float64. ``peak_memory_bytes`` is
    ``None`` where it cannot be measured (no ``resource`` module: Windows).

    On a :class:`~gamedyn.games.DistributedAveragedGame` call it on every rank: the
    products are all-reduced, the solver runs replicated (every rank the same deterministic
    float64 arithmetic on the same products, no other communication), the ranks are checked to
    agree bit for bit, and every rank returns the same record (``world_size``, ``backend``, the
    batch sizes of every rank, the peak memory of the most loaded rank); write it from rank 0.

    Raises:
      NondeterministicError: the map is random (nothing else is computed).
      AdjointnessError: the products are not adjoint (nothing else is computed).
      NoConvergence: the solver did not converge; ``err.record`` is the partial record
        (``converged=False``, the Ritz values so far and their residual estimates).
    """
    return _analysis(
        game, k, which, method=method, z=z, solver=solver, adjointness_tol=adjointness_tol,
        callback=callback, non_normal=non_normal,
    )[0]  # fmt: skip


def _analysis(
    game: Game,
    k: int,
    which: str,
    *,
    method: Method | None,
    z: Any,
    solver: KrylovSchur | Arpack,
    adjointness_tol: float | None = None,
    callback: Callable[[int, int], None] | None = None,
    non_normal: Any = None,
) -> tuple[SpectrumRecord, JacobianOperator]:
    """:func:`analyse`'s record and the one operator it checked and solved on (for the
    analysis's later quantities: :func:`gamedyn.analysis.study`'s extras)."""
    solver = check_solver(solver)
    which = check_which(which)
    if getattr(solver, "route", None) == "jacobian":
        raise ValueError(
            "analyse checks one operator and solves on its products: route='jacobian' does not "
            "apply here (use gamedyn.spectrum.top_eigenvalues, or route='auto'/'operator')"
        )
    if isinstance(solver, KrylovSchur):
        solver = solver.replace(route="operator")
    start = time.perf_counter()
    op = operator_for(game, z, method, solver)
    if op.device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(op.device)
    check_deterministic(op)
    error = check_adjointness(op, adjointness_tol)

    world = game.comm if isinstance(game, DistributedAveragedGame) else None

    def record(values: np.ndarray, residuals: np.ndarray, matvecs: int, **status: Any):
        _check_replicas(game, values, residuals)
        peak, retained = _peak_memory(op.device), op.retained_bytes
        if world is not None:  # the most loaded rank's
            peak, retained = world.maximum(peak), world.maximum(retained)
        return SpectrumRecord(
            operator=op.operator,
            n=int(op.shape[0]),
            k=int(k),
            which=which,
            solver=solver.name,
            mode=op.mode,
            product_dtype=str(op.product_dtype).removeprefix("torch."),
            basis_dtype="float64",
            device=str(op.device),
            batch_sizes=_batch_sizes(game),
            eigenvalues=values,
            residuals=residuals,
            matvecs=matvecs,
            seconds=time.perf_counter() - start,
            adjointness_error=error,
            tol=solver.tol,
            peak_memory_bytes=peak,
            retained_graph_bytes=retained,
            game=repr(game),
            settings=_game_settings(game),
            versions={"torch": torch.__version__, "numpy": np.__version__},
            world_size=1 if world is None else world.world_size,
            backend=None if world is None else world.backend,
            **status,
        )

    try:
        top = solve_top(op, k, which, solver, callback=callback, start=start)
    except NoConvergence as err:
        residuals = np.full(len(err.values), np.nan) if err.residuals is None else err.residuals
        err.record = record(err.values, residuals, err.matvecs, converged=False, message=str(err))
        raise
    result = record(top.values, top.residuals, top.matvecs)
    if top.precision is not None and top.precision != result.product_dtype:
        result.extras["precision"] = top.precision  # e.g. "mixed: 48 float32 products, ..."
    if non_normal is not None:
        from ..nonnormal import non_normal_extras

        result.extras["non_normal"] = non_normal_extras(
            op, non_normal, game=game, eigenvalues=top.values, which=which, k=k, tol=solver.tol
        )
    return result, op


class BatchSpectra(NamedTuple):
    """Top eigenvalues per batch, their spread, and the averaged operator's.

    Attributes:
      per_batch: ``B × k`` complex, row ``b`` the top-``k`` of batch ``b`` in gamedyn's order
        (for a batch whose solver did not converge, its best estimates, padded with ``nan``).
      mean, std: per rank (column), the mean and standard deviation across the *converged*
        batches of the modulus (``which="LM"``) or real part (``"LR"``/``"SR"``) — the sorted
        quantity, so ranks are comparable.
      averaged: the :class:`SpectrumRecord` of the averaged game's
        operator.
      converged: per batch, whether its solver converged.
      interval: per rank, the confidence interval of the mean across the converged batches
        (:class:`Interval`; ``None`` with fewer than 2). The
        averaged record keeps it in ``extras["batch_interval"]``, with the batches and batch
        size a target ``precision`` needs.
    """

    per_batch: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    averaged: SpectrumRecord
    converged: np.ndarray
    interval: Interval | None = None


def rank_spread(per_batch: np.ndarray, which: str = "LM") -> tuple[np.ndarray, np.ndarray]:
    """Per rank, the mean and standard deviation across rows (batches) of the quantity that
    ``which`` sorts by: modulus (``"LM"``), real part (``"LR"``: descending, ``"SR"``:
    ascending), ``|imaginary part|`` (``"LI"``: descending, ``"SI"``: ascending)."""
    values = ranked(per_batch, which)
    return values.mean(axis=0), values.std(axis=0)


def ranked(per_batch: np.ndarray, which: str = "LM") -> np.ndarray:
    """Per row (batch), the quantity ``which`` sorts by, in rank order (:func:`rank_spread`)."""
    per_batch = np.atleast_2d(np.asarray(per_batch, dtype=complex))
    which = _validate.choice("which", which, KRYLOV_WHICH)
    key = {"LM": np.abs, "LR": np.real, "SR": np.real}.get(which, lambda w: np.abs(w.imag))
    values = np.sort(key(per_batch), axis=1)
    if which in ("LM", "LR", "LI"):
        values = values[:, ::-1]
    return values


def batch_spectra(
    games: Sequence[Game] | DistributedAveragedGame,
    k: int = 6,
    which: str = "LM",
    *,
    confidence: float = 0.95,
    interval_method: str = "batch-means",
    precision: float | None = None,
    non_normal: Any = None,
    **kwargs: Any,
) -> BatchSpectra:
    """Top-``k`` of the :class:`~gamedyn.games.AveragedGame` of ``games`` (one batch
    each) and of each game.

    ``kwargs`` (``method=``, ``z=``, solver options) go to :func:`analyse`. The spread is
    :func:`rank_spread`'s over the batches whose solver converged; beside it, the
    ``confidence`` interval of their mean per rank (``interval_method``: ``"batch-means"`` or
    ``"bootstrap"``, :func:`interval`), and, for a target half-width
    ``precision``, the batches and the batch size it needs (from the first batch's size).
    All are kept in the averaged record's ``extras["batch_interval"]``, and each batch's top-k
    in ``extras["batch_spread"]`` (``per_batch`` as ``[re, im]`` pairs, ``converged``, the
    ranked ``quantity``, ``mean``, ``std``); a batch that did not converge makes the averaged
    record ``converged=False`` with a message naming it. ``non_normal`` (a
    :class:`~gamedyn.nonnormal.NonNormal`) adds its quantities for the averaged game,
    as :func:`analyse` does.

    ``games`` may be a :class:`~gamedyn.games.DistributedAveragedGame` (call on
    every rank): its operator is analysed replicated, each rank analyses its own shard's
    batches (in parallel, no communication), and the rows are gathered in batch order, so every
    rank — rank 0, which writes them, included — returns the same result. A batch analysis that
    raises on one rank raises on every rank (:func:`~gamedyn.games._distributed.on_every_rank`).

    Raises:
      NoConvergence: the averaged game's solver did not converge (``err.record`` is its
        partial record); a batch that does not converge is reported in ``converged``
        instead.
    """
    return _batch_spectra(
        games, k, which, confidence=confidence, interval_method=interval_method,
        precision=precision, non_normal=non_normal, **kwargs,
    )[0]  # fmt: skip


def _batch_spectra(
    games: Sequence[Game] | DistributedAveragedGame,
    k: int,
    which: str,
    *,
    confidence: float = 0.95,
    interval_method: str = "batch-means",
    precision: float | None = None,
    non_normal: Any = None,
    **kwargs: Any,
) -> tuple[BatchSpectra, JacobianOperator]:
    """:func:`batch_spectra`'s result and the averaged game's operator (:func:`_analysis`)."""
    distributed = isinstance(games, DistributedAveragedGame)
    local = list(games.games) if distributed else list(games)
    options = {"method": None, "z": None, "solver": DEFAULT_SOLVER, **kwargs}
    averaged, op = _analysis(
        games if distributed else AveragedGame(local), k, which, non_normal=non_normal, **options
    )

    def per_batch() -> tuple[list[np.ndarray], list[bool]]:
        rows, converged = [], []
        for game in local:
            try:
                values, ok = analyse(game, k, which, **kwargs).eigenvalues, True
            except NoConvergence as err:
                values, ok = np.asarray(err.values, dtype=complex)[:k], False
            rows.append(np.concatenate([values, np.full(k - len(values), np.nan + 0j)]))
            converged.append(ok)
        return rows, converged

    if distributed:
        mine = on_every_rank(per_batch, "the per-batch spectra", games.comm.group)
        parts = games.comm.gather(mine)  # rank order is batch order (shard's blocks)
        rows = [row for part in parts for row in part[0]]
        flags = [ok for part in parts for ok in part[1]]
    else:
        rows, flags = per_batch()
    per_batch_values, converged = np.array(rows), np.array(flags)
    if converged.any():
        mean, std = rank_spread(per_batch_values[converged], which)
    else:
        mean = std = np.full(k, np.nan)
    found = None
    if converged.sum() >= 2:
        values = ranked(per_batch_values[converged], which)
        found = interval(values, confidence, interval_method)
        extras: dict[str, Any] = {**found.to_dict(), "std": values.std(axis=0, ddof=1).tolist()}
        if precision is not None:
            spread = values.std(axis=0, ddof=1)
            extras["precision"] = float(precision)
            extras["batches_needed"] = batches_needed(spread, precision, confidence).tolist()
            size = _first_batch_size(local[0]) if local else None
            if size is not None:
                extras["batch_size"] = size
                extras["batch_size_needed"] = batch_size_needed(
                    spread, size, precision, confidence
                ).tolist()
        averaged.extras["batch_interval"] = extras
    averaged.extras["batch_spread"] = {
        "per_batch": [[[float(w.real), float(w.imag)] for w in row] for row in per_batch_values],
        "converged": converged.tolist(),
        "quantity": {"LM": "modulus", "LR": "real part", "SR": "real part"}.get(
            which, "|imaginary part|"
        ),
        "mean": mean.tolist(),
        "std": std.tolist(),
    }
    if not converged.all():
        averaged.converged = False
        averaged.message = (
            f"the solver did not converge on batches {np.flatnonzero(~converged).tolist()}"
        )
    return BatchSpectra(per_batch_values, mean, std, averaged, converged, found), op


def _first_batch_size(game: Game) -> int | None:
    """The number of samples in one batch of ``game`` (a ``TorchGame``'s ``real`` rows)."""
    real = getattr(game, "real", None)
    return None if real is None else int(real.shape[0])
