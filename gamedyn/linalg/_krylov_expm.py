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
gradient flow) from one basis per vector, and each of its residuals' ``e^{−sAᵀ} w`` from one
space of ``Aᵀ`` kept across them all (:class:`ExpmSpace`: Galerkin on an augmented Krylov space,
a vector adding only the directions its estimate asks for).

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

__all__ = [
    "ExpmResult",
    "ExpmSpace",
    "expm_apply",
    "expm_block",
    "expm_times",
    "KrylovExpmNoConvergence",
]


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


class ExpmSpace:
    """``e^{−s A} w`` by Galerkin on one growing space kept across calls (an augmented Krylov
    space): orthonormal rows ``X`` and their products ``Z = A X`` (rows), so that
    ``A Xᵀ = Xᵀ G + Rᵀ`` with ``g_ij = x_i · A x_j`` and ``R`` the parts of the products
    outside the space. For ``w = Xᵀc`` the approximation ``ũ(τ) = Xᵀ e^{−τG} c`` solves
    ``ũ' = −A ũ + ρ(τ)`` with the defect ``ρ(τ) = Rᵀ e^{−τG} c``, so its error at ``s`` is
    ``−∫₀ˢ e^{−(s−τ)A} ρ(τ) dτ``, estimated by ``∫₀ˢ ‖ρ(τ)‖ dτ`` (composite Simpson on
    :data:`_PANELS` panels; at least Saad's ``‖∫ρ‖``, which it is for one Arnoldi basis, where
    ``ρ`` is ``h_{m+1,m} v_{m+1}`` times one scalar function). A call adds to the space only
    what its vector needs — the part of ``w`` outside it, then the largest defect ``ρ(τ)`` on
    the grid (for one Arnoldi basis the next Arnoldi vector), one product each — until the
    estimate is at most ``tol`` times the result's norm; vectors whose Krylov spaces overlap
    (the residuals of one iteration) share their products. Products computed elsewhere join by
    :meth:`record` (linearity: no product). At ``capacity`` rows the oldest half is dropped
    (their directions move into ``R``: the estimate still says what is left out).

    Example:
      >>> import numpy as np, scipy.linalg, torch
      >>> A = torch.as_tensor(np.random.default_rng(0).standard_normal((60, 60))) / 8
      >>> space = ExpmSpace(lambda x: A @ x, 60, torch.float64)
      >>> u = torch.ones(60, dtype=torch.float64)
      >>> first = space.apply(u, 0.5, 1e-12)
      >>> again = space.apply(u + 1e-3 * A @ u, 0.5, 1e-12)   # mostly in the space already
      >>> exact = scipy.linalg.expm(-0.5 * A.numpy()) @ (u + 1e-3 * A @ u).numpy()
      >>> bool(np.linalg.norm(again.vector.numpy() - exact) <= 1e-11 * np.linalg.norm(exact))
      True
      >>> first.matvecs > again.matvecs
      True
    """

    def __init__(
        self,
        matvec: Callable[[Tensor], Tensor],
        n: int,
        dtype: torch.dtype = torch.float64,
        device: torch.device | str | None = None,
        capacity: int = 400,
    ):
        self.matvec, self.n = matvec, int(n)
        self.capacity = max(2, min(int(capacity), self.n))
        self.x = torch.zeros(self.capacity, self.n, dtype=dtype, device=device)
        self.z = torch.zeros_like(self.x)  # A x_j
        self.r = torch.zeros_like(self.x)  # r_j = A x_j − Σ_l g_lj x_l: outside the space
        self.g = np.zeros((self.capacity, self.capacity))
        self.k = 0  # rows in use
        self.products = 0  # products this space has asked for (not those recorded)

    def _orthogonal(self, u: Tensor) -> tuple[Tensor, Tensor]:
        """``(c, u − Xᵀc)`` with ``c`` the coordinates of ``u`` in the space (Gram–Schmidt,
        twice)."""
        x = self.x[: self.k]
        c = x @ u
        rest = u - x.T @ c
        again = x @ rest
        return c + again, rest - x.T @ again

    def _append(self, v: Tensor, image: Tensor) -> None:
        """A unit ``v`` orthogonal to the rows, with ``A v``, as a new row."""
        if self.k == self.capacity:  # drop the oldest half: their directions move into R
            keep, k = self.capacity // 2, self.k
            self.x[:keep] = self.x[k - keep : k].clone()
            self.z[:keep] = self.z[k - keep : k].clone()
            self.g[:keep, :keep] = self.g[k - keep : k, k - keep : k].copy()
            self.k = keep
            g = torch.as_tensor(self.g[:keep, :keep], dtype=self.x.dtype, device=self.x.device)
            self.r[:keep] = self.z[:keep] - g.T @ self.x[:keep]
        k = self.k
        self.x[k], self.z[k] = v, image
        column = self.x[: k + 1] @ image  # g_lk, l ≤ k
        row = self.r[:k] @ v  # g_kj = v · A x_j = v · r_j for j < k (v is outside the space)
        self.g[: k + 1, k] = column.double().cpu().numpy()
        self.g[k, :k] = row.double().cpu().numpy()
        self.r[:k].addr_(row, v, alpha=-1.0)  # in place: no k × n temporary
        self.r[k] = image - column @ self.x[: k + 1]
        self.k = k + 1

    def _add(self, u: Tensor) -> float:
        """The part of ``u`` outside the space, normalised, as a new row (one product);
        returns ``v · u`` (``0.0`` and no row where nothing is left: the space is invariant
        along ``u``)."""
        _, rest = self._orthogonal(u)
        size = float(torch.linalg.vector_norm(rest))
        if size <= 1e-14 * float(torch.linalg.vector_norm(u)):
            return 0.0
        v = rest / size
        self.products += 1
        self._append(v, self.matvec(v))
        return size

    def record(self, u: Tensor, image: Tensor) -> None:
        """A product ``image = A u`` computed elsewhere joins the space (no product): the part
        of ``u`` outside it, normalised, with its image by linearity, where that part is at
        least 1e-4 of ``u`` (so that the image's rounding stays near 1e-12 of it)."""
        c, rest = self._orthogonal(u)
        size = float(torch.linalg.vector_norm(rest))
        if size <= 1e-4 * float(torch.linalg.vector_norm(u)):
            return
        self._append(rest / size, (image - self.z[: self.k].T @ c) / size)

    def apply(self, w: Tensor, s: float, tol: float, max_steps: int = 200) -> ExpmResult:
        """``e^{−s A} w`` to the estimate ``tol`` relative (the class docstring; the part of
        ``w`` left outside the space, below ``tol/100`` of it, counted in), adding at most
        ``max_steps`` rows; ``ExpmResult.matvecs`` counts this call's products.

        Raises:
          KrylovExpmNoConvergence: not converged in ``max_steps`` products.
        """
        s = _validate.nonnegative("s", s)
        tol = _validate.positive("tol", tol)
        beta = float(torch.linalg.vector_norm(w))
        if beta == 0.0 or s == 0.0:
            return ExpmResult(w.clone(), 0, 0.0)
        start, error = self.products, np.inf
        c, rest = self._orthogonal(w)
        outside = float(torch.linalg.vector_norm(rest))
        while outside > 1e-2 * tol * beta:  # w's own directions first
            if self.products - start >= max_steps or not self._add(rest):
                break
            c, rest = self._orthogonal(w)
            outside = float(torch.linalg.vector_norm(rest))
        else:
            while True:
                y, defects = self._galerkin(c, s)
                norm_y = float(np.linalg.norm(y))
                sizes = torch.linalg.vector_norm(defects, dim=1).double().cpu().numpy()
                error = (s * float(_SIMPSON @ sizes) + outside) / max(norm_y, 1e-300)
                if error <= tol:
                    coeffs = torch.as_tensor(y, dtype=w.dtype, device=w.device)
                    return ExpmResult(coeffs @ self.x[: self.k], self.products - start, error)
                k = self.k
                if self.products - start >= max_steps or not self._add(
                    defects[int(np.argmax(sizes))]
                ):
                    break
                if self.k <= k:  # the oldest rows were dropped: coordinates afresh
                    c, rest = self._orthogonal(w)
                    outside = float(torch.linalg.vector_norm(rest))
                else:
                    c = torch.cat([c, (self.x[self.k - 1] @ w)[None]])
        raise KrylovExpmNoConvergence(
            f"the Krylov exponential did not reach tol = {tol:g} in max_steps = {max_steps} "
            f"steps (estimate {error:.2e}, s = {s:g}): split s or raise max_steps"
        )

    def _galerkin(self, c: Tensor, s: float) -> tuple[np.ndarray, Tensor]:
        """``e^{−sG} c`` and the defects ``R e^{−τG} c`` (rows) at ``τ = 0, s/P, …, s``
        (``P`` = :data:`_PANELS`), from one exponential ``e^{−(s/P)G}``."""
        k = self.k
        step = scipy.linalg.expm(-(s / _PANELS) * self.g[:k, :k])
        e = c.double().cpu().numpy()
        points = [e]
        for _ in range(_PANELS):
            e = step @ e
            points.append(e)
        coeffs = torch.as_tensor(np.array(points), dtype=self.x.dtype, device=self.x.device)
        return points[-1], coeffs @ self.r[:k]


# The grid of :meth:`ExpmSpace._galerkin` (even) and the composite Simpson weights on ``[0, 1]``.
_PANELS = 4
_SIMPSON = np.array([1.0] + [4.0, 2.0] * (_PANELS // 2 - 1) + [4.0, 1.0]) / (3 * _PANELS)
