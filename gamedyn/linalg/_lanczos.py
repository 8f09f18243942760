"""Lanczos for symmetric/Hermitian problems given by products alone (game-free).

* :func:`hermitian_eigenvalues`: ``k`` eigenvalues of a symmetric/Hermitian
  ``scipy.sparse.linalg.LinearOperator`` by implicitly restarted Lanczos (ARPACK ``eigsh``),
  with :class:`~gamedyn.linalg.NoConvergence` carrying the partial result.
* :func:`inverse_lanczos`: the largest eigenvalue of a Hermitian positive definite ``B`` from
  ``u ↦ B u`` (numpy, full reorthogonalisation); with ``B = (M^H M)⁻¹`` it gives ``σ_min(M)``.
* :func:`top_singular`: ``‖B‖₂`` and its right singular vector by Lanczos on ``BᵀB`` (torch).
* :func:`symmetric_part_lowest`: the lowest eigenvector of ``(A + Aᵀ)/2`` from ``A u`` and
  ``Aᵀ u`` (a start vector for the gradient flow's transient).
* :func:`tridiagonal_top`: the Ritz value and residual factor of a Lanczos tridiagonal.

Example:
  >>> import numpy as np
  >>> from scipy.sparse.linalg import aslinearoperator
  >>> A = aslinearoperator(np.diag([4.0, 3.0, 2.0, 1.0, 0.5]))
  >>> hermitian_eigenvalues(A, 2, "LA").round(10).tolist()
  [4.0, 3.0]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.linalg
import scipy.linalg.lapack
import torch
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh

from .. import _validate
from ..vocabulary import HERMITIAN_WHICH
from ._krylov import NoConvergence, check_k

Tensor = torch.Tensor

__all__ = [
    "hermitian_eigenvalues",
    "inverse_lanczos",
    "symmetric_part_lowest",
    "top_singular",
    "tridiagonal_top",
]


def hermitian_eigenvalues(
    op: LinearOperator, k: int, which: str, tol: float = 1e-10, max_restarts: int | None = None
) -> np.ndarray:
    """``k`` eigenvalues of a symmetric/Hermitian ``op`` by Lanczos (``eigsh``), descending.

    ``which`` is :data:`gamedyn.vocabulary.HERMITIAN_WHICH`'s.
    """
    which = _validate.choice("which", which, HERMITIAN_WHICH)
    k = check_k(k, op.shape[0], 1)
    if which == "BE" and k == 1:  # ARPACK's BE takes the odd one from the high end
        which = "LA"
    v0 = np.random.default_rng(0).standard_normal(op.shape[0]).astype(op.dtype)
    counter = _Counted(op)
    try:
        values = eigsh(
            counter,
            k=k,
            which=which,
            tol=tol,
            maxiter=max_restarts,
            v0=v0,
            return_eigenvectors=False,
        )
    except ArpackNoConvergence as err:
        values = np.real(np.asarray(err.eigenvalues))
        vectors = np.asarray(err.eigenvectors)
        residuals = np.array(
            [
                np.linalg.norm(op.matvec(vectors[:, i]) - values[i] * vectors[:, i])
                / np.linalg.norm(vectors[:, i])
                for i in range(len(values))
            ]
        )
        order = np.argsort(values)[::-1]
        raise NoConvergence(
            f"Lanczos (ARPACK eigsh) did not converge: {len(values)} of k = {k} eigenvalues "
            f"({which}) after {counter.count} products",
            values[order],
            counter.count,
            residuals[order],
        ) from err
    return np.sort(np.real(values))[::-1]


class _Counted(LinearOperator):
    """``op`` with its products counted (any LinearOperator)."""

    def __init__(self, op: LinearOperator):
        self.op, self.count = op, 0
        super().__init__(dtype=op.dtype, shape=op.shape)

    def _matvec(self, u: np.ndarray) -> np.ndarray:
        self.count += 1
        return self.op.matvec(u)


def inverse_lanczos(
    apply_inverse: Callable[[np.ndarray], np.ndarray],
    n: int,
    v0: np.ndarray,
    tol: float,
    lanczos_steps: int,
) -> tuple[float, bool]:
    """Largest eigenvalue ``θ`` of the Hermitian positive definite ``B`` (``u ↦ B u``) by
    Lanczos with full reorthogonalisation; returns ``(θ, converged)``. Exact at ``n`` steps."""
    steps = min(n, lanczos_steps)
    q = np.zeros((steps + 1, n), dtype=complex)
    q[0] = v0 / np.linalg.norm(v0)
    alpha, beta = np.zeros(steps), np.zeros(steps)
    theta = 0.0
    for j in range(steps):
        w = apply_inverse(q[j])
        if not np.all(np.isfinite(w)):
            return np.inf, False
        alpha[j] = float(np.real(np.vdot(q[j], w)))
        for _ in range(2):  # full reorthogonalisation, twice (covers the three-term recurrence)
            w = w - q[: j + 1].T @ (q[: j + 1].conj() @ w)
        beta[j] = float(np.linalg.norm(w))
        theta, last = tridiagonal_top(alpha[: j + 1], beta[:j])
        if j + 1 == n or beta[j] * abs(last) <= tol * theta or beta[j] <= 1e-300:
            return theta, True
        q[j + 1] = w / beta[j]
    return theta, False


def tridiagonal_top(diagonal: np.ndarray, off: np.ndarray) -> tuple[float, float]:
    """The largest eigenvalue of a symmetric tridiagonal matrix and the last entry of its unit
    eigenvector (LAPACK ``dstev``): Lanczos' Ritz value and residual factor."""
    if len(diagonal) == 1:
        return float(diagonal[0]), 1.0
    values, vectors, info = scipy.linalg.lapack.dstev(diagonal, off, compute_v=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"dstev failed (info = {info})")
    return float(values[-1]), float(vectors[-1, -1])


def _lanczos_top(
    apply: Callable[[Tensor], Tensor], v0: Tensor, tol: float, lanczos_steps: int, spread: bool
) -> tuple[float, Tensor, float]:
    """The top eigenpair of the symmetric ``u ↦ apply(u)`` by Lanczos (full reorthogonalisation,
    twice; a float64 basis on ``v0``'s device) from ``v0``: ``(θ, unit v, relative residual)``,
    the residual relative to ``θ`` (``spread=False``) or to the largest Ritz value in modulus
    (``spread=True``: where ``θ`` may be near zero or negative). Stops when it is ``≤ tol``,
    the space is invariant, or after ``lanczos_steps`` steps (the residual says how far)."""
    n = v0.shape[0]
    steps = min(n, lanczos_steps)
    q = torch.zeros(steps + 1, n, dtype=v0.dtype, device=v0.device)
    q[0] = v0 / torch.linalg.vector_norm(v0)
    alpha, beta = np.zeros(steps), np.zeros(steps)
    for j in range(steps):
        w = apply(q[j])
        alpha[j] = float(q[j] @ w)
        w = w - alpha[j] * q[j] - (beta[j - 1] * q[j - 1] if j else 0.0)
        for _ in range(2):
            w = w - q[: j + 1].T @ (q[: j + 1] @ w)
        beta[j] = float(torch.linalg.vector_norm(w))
        if j == 0:
            values, s = alpha[:1], np.ones(1)
        else:
            values, vectors, _ = scipy.linalg.lapack.dstev(alpha[: j + 1], beta[:j], compute_v=1)
            s = vectors[:, -1]
        theta = float(values[-1])
        scale = max(abs(float(values[0])), abs(theta)) if spread else theta
        residual = beta[j] * abs(s[-1]) / max(scale, 1e-300)
        done = j + 1 == n or residual <= tol or beta[j] <= 1e-300
        if done or j + 1 == steps:
            v = torch.as_tensor(s.copy(), dtype=q.dtype, device=q.device) @ q[: j + 1]
            residual = 0.0 if j + 1 == n or beta[j] <= 1e-300 else residual
            return theta, v / torch.linalg.vector_norm(v), residual
        q[j + 1] = w / beta[j]
    raise AssertionError("unreachable")


def top_singular(
    apply: Callable[[Tensor], Tensor],
    apply_transpose: Callable[[Tensor], Tensor],
    v0: Tensor,
    tol: float,
    lanczos_steps: int,
) -> tuple[float, Tensor, float]:
    """``‖B‖₂`` and its unit right singular vector by Lanczos (full reorthogonalisation) on
    ``BᵀB``, from ``v0``; ``(σ, v, relative residual of σ²)``, converged when the residual is
    ``≤ tol``. The basis is float64 on ``v0``'s device."""
    theta, v, residual = _lanczos_top(
        lambda u: apply_transpose(apply(u)), v0, tol, lanczos_steps, spread=False
    )
    return float(np.sqrt(max(theta, 0.0))), v, residual


def symmetric_part_lowest(
    apply: Callable[[Tensor], Tensor],
    apply_transpose: Callable[[Tensor], Tensor],
    v0: Tensor,
    tol: float,
    lanczos_steps: int,
) -> Tensor:
    """The unit eigenvector of the smallest eigenvalue of the symmetric part ``(A + Aᵀ)/2``, by
    Lanczos (full reorthogonalisation, float64 on ``v0``'s device) from ``v0``: two products
    (``A u`` and ``Aᵀ u``) a step, stopped when the Ritz pair's residual is at most ``tol``
    times the largest Ritz value in modulus, or after ``lanczos_steps`` steps (a start for an
    iteration, not an answer: no error when not converged)."""
    minus_s = lambda u: -(apply(u) + apply_transpose(u)) / 2  # noqa: E731 (lowest of S: top of −S)
    return _lanczos_top(minus_s, v0, tol, lanczos_steps, spread=True)[1]
