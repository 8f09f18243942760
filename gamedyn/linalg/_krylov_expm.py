"""The action of a matrix exponential, ``e^{−s A} u``, by Arnoldi (game-free; CPU or GPU).

``e^{−s A} u ≈ ‖u‖ V_m e^{−s H_m} e_1`` from ``m`` Arnoldi steps ``A V_m = V_{m+1} H̄_m``
started at ``u`` (Saad 1992; Hochbruck and Lubich 1997). The error is estimated after every
step by the generalised residual ``‖u‖ · s · h_{m+1,m} · |e_mᵀ φ₁(−s H_m) e_1|`` (``φ₁(x) =
(eˣ − 1)/x``; computed exactly from the exponential of the augmented ``(m + 1) × (m + 1)``
matrix), and the iteration stops when it is below ``tol · ‖result‖``. Only ``m`` products
``A u`` (no norm estimates, no Taylor steps), and one basis serves several times at once:
``e^{−s_i A} u ≈ ‖u‖ V_m e^{−s_i H_m} e_1`` for every ``s_i``, stopped when every estimate is
below ``tol`` (so ``m`` is set by the largest ``s_i``).
:func:`gamedyn.nonnormal.transient_growth` takes ``e^{−t·dt·J} u`` for ``t = t₀ … t₁`` (the
gradient flow) from one basis per vector.

References:
  Y. Saad, "Analysis of some Krylov subspace approximations to the matrix exponential
  operator", SIAM J. Numer. Anal. 29 (1992). M. Hochbruck and C. Lubich, "On Krylov subspace
  approximations to the matrix exponential operator", SIAM J. Numer. Anal. 34 (1997).

Example:
  >>> import numpy as np, scipy.linalg, torch
  >>> A = torch.as_tensor(np.random.default_rng(0).standard_normal((50, 50)))
  >>> u = torch.ones(50, dtype=torch.float64)
  >>> r = expm_apply(lambda x: A @ x, u, 0.3)
  >>> exact = scipy.linalg.expm(-0.3 * A.numpy()) @ u.numpy()
  >>> bool(np.linalg.norm(r.vector.numpy() - exact) <= 1e-11 * np.linalg.norm(exact))
  True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import scipy.linalg
import torch

from .. import _validate

Tensor = torch.Tensor

__all__ = ["ExpmResult", "expm_apply", "expm_block", "expm_times", "KrylovExpmNoConvergence"]


class ExpmResult(NamedTuple):
    """``vector``: ``e^{−s A} u``; ``matvecs``: products used; ``error``: the estimate."""

    vector: Tensor
    matvecs: int
    error: float


class KrylovExpmNoConvergence(ValueError):
    """The estimate did not fall below ``tol`` within ``max_steps`` Arnoldi steps."""


def expm_apply(
    matvec: Callable[[Tensor], Tensor],
    u: Tensor,
    s: float,
    *,
    tol: float = 1e-12,
    max_steps: int = 200,
) -> ExpmResult:
    """``e^{−s A} u`` by Krylov (module docstring), to relative accuracy about ``tol``.

    Args:
      matvec: ``u ↦ A u`` on 1-D tensors of ``u``'s dtype and device.
      u: the vector; s: the time, ``s ≥ 0``.
      tol: the relative error estimate to stop at; max_steps: the most Arnoldi steps.

    Raises:
      KrylovExpmNoConvergence: not converged in ``max_steps`` (``s‖A‖`` too large for one
        basis: split ``s``).
    """
    s = _validate.nonnegative("s", s)
    tol = _validate.positive("tol", tol)
    max_steps = _validate.integer_at_least("max_steps", max_steps, 1)
    vectors, matvecs, error = expm_times(matvec, u, [s], tol, max_steps)
    return ExpmResult(vectors[0], matvecs, error)


def expm_times(
    matvec: Callable[[Tensor], Tensor], u: Tensor, times: list[float], tol: float, max_steps: int
) -> tuple[list[Tensor], int, float]:
    """``[e^{−s A} u for s in times]`` from one Arnoldi basis started at ``u``: ``m`` products
    for all the times together, ``m`` the first size at which every time's error estimate is
    below ``tol`` times its result's norm (so ``m`` is set by the largest time). Returns the
    vectors, ``m`` and the largest relative estimate. Times ``≥ 0`` (checked by the caller)."""
    beta = float(torch.linalg.vector_norm(u))
    if beta == 0.0 or max(times) == 0.0:
        return [u.clone() for _ in times], 0, 0.0
    rows, images, m, error = expm_block(matvec, u, times, tol, max_steps, 1)
    return [beta * y[0] for y in images], m, error


def expm_block(
    matvec: Callable[[Tensor], Tensor],
    u: Tensor,
    times: list[float],
    tol: float,
    max_steps: int,
    columns: int,
) -> tuple[Tensor, list[Tensor], int, float]:
    """The first ``columns`` Arnoldi vectors ``V_c`` of ``A`` from ``u ≠ 0`` (orthonormal rows)
    and ``e^{−s A} V_c`` for every ``s`` in ``times``, from one basis: column ``j`` of ``V_m``
    has ``e^{−s A} v_j ≈ V_m e^{−s H_m} e_j``, with the error estimate ``s · h_{m+1,m} ·
    |e_mᵀ φ₁(−s H_m) e_j|`` (the module docstring's, for the start ``v_j``), so ``m`` products
    give the images of ``columns`` vectors, ``m`` about ``columns − 1`` more than for ``u``
    alone. Stops at the first ``m`` where every estimate is below ``tol`` times its image's
    norm; fewer rows when the Krylov space is invariant sooner. Returns ``(V_c, [e^{−s A} V_c
    for s in times], m, the largest relative estimate)``."""
    beta = float(torch.linalg.vector_norm(u))
    n = u.shape[0]
    steps = min(max_steps, n)
    v = torch.zeros(steps + 1, n, dtype=u.dtype, device=u.device)
    v[0] = u / beta
    h = np.zeros((steps + 1, steps))
    error = np.inf
    for j in range(steps):
        w = matvec(v[j])
        for _ in range(2):  # classical Gram–Schmidt, twice
            c = v[: j + 1] @ w
            w = w - v[: j + 1].T @ c
            h[: j + 1, j] += c.double().cpu().numpy()
        h[j + 1, j] = float(torch.linalg.vector_norm(w))
        m = j + 1
        invariant = h[j + 1, j] <= 1e-14 * max(np.abs(h[: j + 2, : j + 1]).max(), 1e-300)
        cols = min(columns, m)
        if m < columns and not invariant:  # column j needs the step from v_j
            v[j + 1] = w / h[j + 1, j]
            continue
        exact = invariant or m == n
        ys, error = [], 0.0
        # the largest time first: it sets m but for rare cases, so the others wait until it passes
        for s in sorted(set(times), reverse=True):
            y, phi = _phi_block(h[:m, :m], s, cols)
            norms = np.linalg.norm(y, axis=0)
            estimate = 0.0 if exact else s * h[j + 1, j] * phi
            error = max(error, float(np.max(estimate / np.maximum(norms, 1e-300))))
            if error > tol:
                break
            ys.append((s, y))
        if error <= tol:
            ys = [dict(ys)[s] for s in times]
            images = []
            for y in ys:
                coeffs = torch.as_tensor(y.T.copy(), dtype=u.dtype, device=u.device)
                images.append(coeffs @ v[:m])
            return v[:cols].clone(), images, m, float(error)
        v[j + 1] = w / h[j + 1, j]
    raise KrylovExpmNoConvergence(
        f"the Krylov exponential did not reach tol = {tol:g} in max_steps = {max_steps} steps "
        f"(estimate {error:.2e}, s = {max(times):g}): split s or raise max_steps"
    )


def _phi_block(h: np.ndarray, s: float, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """``e^{−s H} [e_1 … e_c]`` and ``|e_mᵀ φ₁(−s H) e_j|`` for ``j ≤ c`` from one exponential
    of ``[[−sH, E], [0, 0]]``, ``E = [e_1 … e_c]`` (its top right block is ``φ₁(−sH) E``);
    ``s = 0``: the identity's columns."""
    m = h.shape[0]
    big = np.zeros((m + columns, m + columns))
    big[:m, :m] = -s * h
    big[np.arange(columns), m + np.arange(columns)] = 1.0
    e = scipy.linalg.expm(big)
    return e[:m, :columns], np.abs(e[m - 1, m:])
