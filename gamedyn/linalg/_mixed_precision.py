"""Mixed precision: eigenvalues converged with cheap low-precision products, refined in float64.

Game-free: two products of the same real ``n × n`` operator ``A``, a cheap one (float32: on
the CPU oneDNN's convolutions, on a GPU tensor cores) and an exact one (float64), both taking
and returning float64 tensors. :func:`mixed_precision_eigs`:

1. Krylov–Schur (:func:`~gamedyn.linalg.krylov_schur`, float64 basis) with the
   low-precision products to ``low_tol`` (about 1e-6: the float32 products' own accuracy,
   ``‖A₃₂ u − A u‖ ≈ 1e-7 ‖A‖ ‖u‖``, caps what they can resolve);
2. Krylov–Schur with the high-precision products to ``tol``, started from the sum of the real
   and imaginary parts of the low-precision Ritz vectors (every wanted eigenvector is in the
   start vector to about ``low_tol``, so the refinement needs about half the products of a
   float64 solve from a random vector; measured in ``benchmarks/bench_mixed_precision.py``).

The eigenvalues and residuals returned are the float64 solve's: the residuals are ARPACK's
``‖A v − θ v‖ ≤ tol · |θ|`` with the float64 products, so the answer is a float64 answer;
the float32 phase only chooses where the float64 phase starts. Where the low-precision phase
does not converge, its best vectors still start the refinement (nothing is lost but its
products).

Example:
  >>> import numpy as np, torch
  >>> A = torch.diag(torch.arange(1.0, 201.0, dtype=torch.float64))
  >>> low = lambda u: (A.float() @ u.float()).double()
  >>> r = mixed_precision_eigs(low, lambda u: A @ u, 200, 3, tol=1e-12)
  >>> np.round(r.values.real, 12).tolist(), r.low_matvecs > 0, r.converged
  ([200.0, 199.0, 198.0], True, True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import torch

from .. import _validate
from ._krylov import MAX_RESTARTS, KrylovNoConvergence, KrylovResult, krylov_schur

Tensor = torch.Tensor

__all__ = ["MixedResult", "mixed_precision_eigs", "LOW_TOL", "LOW_RESTARTS"]

LOW_TOL = 1e-6
"""Default tolerance of the low-precision phase (float32 products resolve about 1e-7)."""
LOW_RESTARTS = 30
"""Default restarts of the low-precision phase: where float32 cannot resolve the wanted
values to ``low_tol`` (small moduli), the refinement starts from its best vectors early."""


class MixedResult(NamedTuple):
    """The float64 eigenpairs of :func:`mixed_precision_eigs` and what each phase cost.

    ``values``, ``residuals``, ``converged``, ``vectors``: the high-precision phase's
    (:class:`~gamedyn.linalg.KrylovResult`); ``low_matvecs`` / ``high_matvecs``: the
    products of each phase; ``low_converged``: whether the low phase met ``low_tol``;
    ``matvecs``: their sum.
    """

    values: np.ndarray
    residuals: np.ndarray
    converged: bool
    low_matvecs: int
    high_matvecs: int
    low_converged: bool
    vectors: Tensor | None = None

    @property
    def matvecs(self) -> int:
        return self.low_matvecs + self.high_matvecs


def start_vector(vectors: Tensor) -> Tensor:
    """One real start vector holding every Ritz vector: ``Σ_i (Re x_i + Im x_i)`` (rows)."""
    return torch.sum(vectors.real, dim=0) + torch.sum(vectors.imag, dim=0)


def mixed_precision_eigs(
    low_matvec: Callable[[Tensor], Tensor],
    high_matvec: Callable[[Tensor], Tensor],
    n: int,
    k: int,
    which: str = "LM",
    *,
    tol: float = 1e-10,
    low_tol: float = LOW_TOL,
    ncv: int | None = None,
    max_restarts: int = MAX_RESTARTS,
    low_restarts: int = LOW_RESTARTS,
    v0: Tensor | None = None,
    device: Any = None,
    callback: Callable[[int, int], None] | None = None,
    return_vectors: bool = False,
) -> MixedResult:
    """``k`` eigenvalues of ``A`` by ``which`` to ``tol`` with high-precision products, most of
    the work done with low-precision ones (module docstring).

    Args:
      low_matvec, high_matvec: ``u ↦ A u`` on float64 tensors of length ``n`` (on ``device``),
        the first computed cheaply (float32), the second exactly (float64).
      n, k, which, ncv, max_restarts, v0, device, callback: as
        :func:`~gamedyn.linalg.krylov_schur` (``max_restarts`` for the float64
        phase, ``low_restarts`` for the low-precision one).
      tol: the answer's relative residual with ``high_matvec``; low_tol: the low phase's
        (``max(tol, low_tol)`` is used).

    Raises:
      KrylovNoConvergence: the high-precision phase ran out of restarts; ``partial`` holds its
        estimates and ``partial.matvecs`` the products of both phases.
    """
    tol = _validate.positive("tol", tol)
    low_tol = max(tol, _validate.positive("low_tol", low_tol))
    common = dict(ncv=ncv, dtype=torch.float64, device=device)
    try:
        low: KrylovResult = krylov_schur(
            low_matvec, n, k, which, tol=low_tol, v0=v0, return_vectors=True,
            max_restarts=low_restarts, **common,
        )  # fmt: skip
        start = start_vector(low.vectors)
    except KrylovNoConvergence as err:  # the refinement starts from the start vector
        low = err.partial
        start = v0
    try:
        high = krylov_schur(
            high_matvec, n, k, which, tol=tol, v0=start, callback=callback,
            return_vectors=return_vectors, max_restarts=max_restarts, **common,
        )  # fmt: skip
    except KrylovNoConvergence as err:
        partial = err.partial._replace(matvecs=err.partial.matvecs + low.matvecs)
        raise KrylovNoConvergence(
            f"{err} (after {low.matvecs} low-precision products)", partial
        ) from err
    return MixedResult(
        high.values,
        high.residuals,
        high.converged,
        low.matvecs,
        high.matvecs,
        low.converged,
        high.vectors,
    )
