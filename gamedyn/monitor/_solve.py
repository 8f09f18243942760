"""One budgeted Krylov–Schur solve on a Jacobian operator.

The solver is :func:`gamedyn.spectrum.krylov_schur` (float64 basis, products in the game's
dtype), started at the standard normal vector of seed 0 that :func:`gamedyn.spectrum.analyse`
uses, so a monitored step repeats an offline analysis with the same basis (``ncv``) product for
product. The monitor's default basis is ARPACK's ``max(2k + 1, 20)``, tested when full (its
budgets count cycles of it); ``analyse``'s own default for a game Jacobian is a longer basis
tested after every vector (:func:`gamedyn.linalg.default_ncv`), which stops elsewhere with the
same values to ``tol``. (Warm starts from the
previous monitored step's Ritz vectors were measured not to pay, ``benchmarks/bench_monitor.py``:
the same products 30 steps apart on the digits DCGAN, 5 % fewer 10 steps apart.)

A *budget* of products bounds the restarts: a first cycle costs ``m = ncv`` products, each
restart at most ``m − p`` with ``p = min(m − 2, k + ⌊(m − k)/2⌋)`` kept vectors (Krylov–Schur's
restart), and the true residuals of the converged values one product per real eigenvalue and two
per conjugate pair. Past the budget the solve stops after the last affordable cycle and returns
every Ritz value with its residual estimate ``‖A v − θ v‖`` (``v`` a unit Ritz vector), each
flagged converged (``≤ tol · |θ|``) or not.
"""

from __future__ import annotations

import time
from typing import Any, NamedTuple

import numpy as np
import torch

from ..linalg import MAX_RESTARTS, KrylovNoConvergence, krylov_schur, ritz_residuals

Tensor = torch.Tensor

__all__ = ["Solve", "solve", "default_ncv", "order_of"]


class Solve(NamedTuple):
    """What :func:`solve` found: ``values`` (gamedyn's order), ``residuals`` (true residuals
    ``‖A x − θ x‖/‖x‖`` when converged, Ritz estimates otherwise), ``converged`` per value,
    ``vectors`` (``k × N`` complex rows, ``None`` when not converged), ``products`` (solver and
    residuals), ``seconds``, ``status`` (``"converged"``, ``"budget"``, ``"max_restarts"``)."""

    values: np.ndarray
    residuals: np.ndarray
    converged: np.ndarray
    vectors: Tensor | None
    products: int
    seconds: float
    status: str


def default_ncv(n: int, k: int) -> int:
    """The basis size of :func:`gamedyn.spectrum.krylov_schur` and ARPACK,
    ``min(n, max(2k + 1, 20))``."""
    return min(n, max(2 * k + 1, 20))


def order_of(values: np.ndarray) -> np.ndarray:
    """The permutation that puts ``values`` in gamedyn's order (decreasing modulus, then real
    part, then imaginary part; :func:`gamedyn.spectrum.sort_eigenvalues`)."""
    modulus = np.abs(values)
    scale = max(float(modulus.max(initial=0.0)), np.finfo(float).tiny)
    return np.lexsort((-values.imag, -values.real, -np.round(modulus / scale, 10)))


def restarts_within(products: int, n: int, k: int, ncv: int) -> int | None:
    """The restarts that ``products`` pay for (after the first cycle and the residuals), or
    ``None`` when they do not pay for one cycle."""
    p = min(ncv - 2, k + (ncv - k) // 2)
    spare = products - ncv - 2 * k
    if spare < 0:
        return None
    return spare // max(ncv - p, 1)


def solve(
    op: Any,
    k: int,
    which: str,
    *,
    tol: float,
    ncv: int | None,
    max_products: int | None,
    max_restarts: int = MAX_RESTARTS,
) -> Solve:
    """Top-``k`` of the :class:`~gamedyn.spectrum.JacobianOperator` ``op`` (module docstring).

    Raises ``ValueError`` when ``max_products`` does not pay for one Krylov cycle.
    """
    start, count = time.perf_counter(), op.count
    n = int(op.shape[0])
    m = default_ncv(n, k) if ncv is None else ncv
    restarts = max_restarts
    if max_products is not None:
        affordable = restarts_within(max_products, n, k, m)
        if affordable is None:
            raise ValueError(
                f"the budget of {max_products} products does not pay for one Krylov cycle "
                f"(ncv = {m} products, and up to 2k = {2 * k} for the residuals)"
            )
        restarts = min(restarts, affordable)
    v0 = torch.as_tensor(np.random.default_rng(0).standard_normal(n))
    try:
        r = krylov_schur(
            op.apply, n, k, which, tol=tol, ncv=m, max_restarts=restarts, v0=v0,
            dtype=torch.float64, device=op.device, return_vectors=True,
        )  # fmt: skip
    except KrylovNoConvergence as err:
        values = np.asarray(err.partial.values, dtype=complex)
        residuals = np.asarray(err.partial.residuals, dtype=float)
        order = order_of(values)
        values, residuals = values[order], residuals[order]
        converged = residuals <= tol * np.abs(values)
        status = "budget" if restarts < max_restarts else "max_restarts"
        return Solve(
            values,
            residuals,
            converged,
            None,
            op.count - count,
            time.perf_counter() - start,
            status,
        )
    values = np.asarray(r.values, dtype=complex)
    order = order_of(values)
    values, vectors = values[order], r.vectors[torch.as_tensor(order, device=r.vectors.device)]
    residuals = ritz_residuals(op.apply, values, vectors)
    converged = np.ones(len(values), dtype=bool)
    return Solve(
        values, residuals, converged, vectors, op.count - count, time.perf_counter() - start,
        "converged",
    )  # fmt: skip
