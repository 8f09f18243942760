"""Mixed precision: eigenvalues converged with cheap low-precision products, refined in float64.

Game-free: two products of the same real ``n × n`` operator ``A``, a cheap one (float32: on
the CPU oneDNN's convolutions, on a GPU tensor cores) and an exact one (float64), both taking
and returning float64 tensors. Write ``A₃₂ u = A u + e(u)`` for the cheap product, with
``‖e(u)‖ ≤ η ‖A‖ ‖u‖`` and ``η ≈ 1e-7`` (float32 rounding, of the data and of the product).
:func:`mixed_precision_eigs`:

Every phase is a Krylov–Schur (:func:`~gamedyn.linalg.krylov_schur`) of
``m = max(2k + 1, MIXED_NCV)`` vectors whose convergence is tested after each new vector
(``check_every``: the Arnoldi relation ``A V_j = V_j H_j + v_{j+1} b_jᵀ`` gives the Ritz
residuals of every size ``j`` with no product), so a phase stops at the product where its Ritz
residuals reach its tolerance rather than at the end of a cycle, and a restart comes only
after ``m`` products: near-unrestarted Arnoldi, the fewest products of a restarted basis.

1. **Low phase.** The cheap products to ``low_tol`` (about 1e-6: ``η`` caps what they can
   resolve), on a float32 basis (its rounding, 6e-8, is far below ``low_tol``; its Gram–Schmidt
   reads half the memory of a float64 one: 0.06 s against 0.14 s a vector for 40 vectors of
   1.7 M entries, a third of a float32 product); the later phases' bases are float64. ``Q``
   (``n × p``, orthonormal in float64, ``p = k`` or ``k + 1`` where the ``k``-th value's
   conjugate is not among the ``k``) spans the real and imaginary parts of its Ritz vectors.
2. **Deflated refinement.** ``p`` float64 products give ``A Q``; then Krylov–Schur to
   ``tol / 2`` on the *deflated mixed operator*

   ``Ã u = (A Q)(Qᵀ u) + A₃₂ (I − Q Qᵀ) u``,

   (tested after each vector, so it stops once the Ritz residuals ``ρ`` are ``≤ tol/2 · |θ|``),
   which costs one cheap product (and ``O(n p)`` flops) per application. ``Ã = A + E`` with
   ``E u = e((I − QQᵀ) u)``: the float32 error only touches what lies outside ``span Q``. An
   eigenvector ``x`` of ``A`` (``‖x‖ = 1``) lies in ``span Q`` up to ``‖(I − QQᵀ) x‖ = sin∠``,
   about the low phase's residual over the gap (1e-6), so ``‖E x‖ ≤ η ‖A‖ sin∠ ≈ 1e-13 ‖A‖``:
   ``Ã`` and ``A`` share their wanted eigenpairs to far below ``tol``, and a Ritz pair
   ``(θ, x̃)`` of ``Ã`` with residual ``ρ`` has the true residual
   ``‖A x̃ − θ x̃‖ ≤ ρ + η ‖A‖ ‖(I − QQᵀ) x̃‖``. The corrections are small, so their products
   may be cheap; only the ``p`` columns that carry the answer need float64 products. The
   second term is the float32 error that no Ritz residual of ``Ã`` shows; the low phase stops
   at ``low_tol`` (it no longer runs on to the end of its cycle), so it is about
   ``η ‖A‖ · low_tol · κ / gap``: far below 1e-10 on the 1.7 M DCGAN (one refinement meets the
   check there), but about 1e-12 on a ``float32``-rounded dense matrix (``η ‖A‖`` is the
   rounding of every entry), where a ``tol`` of 1e-12 then takes a second refinement (step 3).
3. **Check.** One float64 product per real basis vector of the Ritz vectors gives their *true*
   residuals ``‖A x − θ x‖ / ‖x‖``; the answer is accepted where each is ``≤ tol · |θ|``
   (ARPACK's criterion). Otherwise the check's products are ``A Q`` for the new ``Q`` (the
   Ritz vectors' span, no product spent) and step 2 runs again, at most :data:`OUTER_STEPS`
   times in all. Each refinement multiplies the residual by about ``c ≈ η ‖A‖ κ / gap``
   (``κ`` the eigenvectors' condition); the first starts from the relative residual of
   ``span Q`` itself (known from ``A Q``, no product: ``‖A Q − Q T‖``, ``T = Qᵀ A Q``). A
   refinement that does not cut the largest relative residual by :data:`CONTRACTION` ends the
   refinements (the float32 operator is too far from ``A`` next to the gaps); slow ones are
   still worth it: with a float32 copy of the 1.7 M DCGAN at width 64, whose ``J u`` is
   ``η ≈ 3e-4`` off (one LeakyReLU input within float32 rounding of its kink, evaluated on
   the other side: ``gamedyn/spectrum/_lowered.py``), ``c ≈ 1e-2`` (4.6e-4, 3.5e-6, 3.5e-8,
   2.9e-10), where the float64 fallback needs over 100 float64 ones. The spectrum layer's
   cheap product is the float64 trace run in float32 (``η ≈ 7e-7`` there).
4. **Fallback.** Where step 2 cannot meet the check (or the low phase did not converge), a
   float64 Krylov–Schur started from the best vectors (``Σ (Re x_i + Im x_i)``) finishes, with
   its own true residuals: the answer is never worse than a float64 refinement's.

So a converged answer costs ``2p`` float64 products (``≈ 2k``) and the rest in cheap ones: the
refinement's Krylov–Schur on ``Ã`` takes about as many products as a float64 refinement from
the same start would (``benchmarks/bench_mixed_precision.py``), each at float32 cost. It
cannot be short: its start vector holds the wanted eigenvectors only to about ``low_tol``, and
it filters the rest out down to ``tol`` at the Krylov convergence rate of the same spectrum
(1.7 M DCGAN, top-6 to 1e-10: the float32 phase took 94 products from a random start to 1e-6,
the refinement 58 from 1e-6 to 5e-11), so both phases together cost about what one Krylov–Schur
from a random start to ``tol`` would, in float32 products, plus the ``2p`` float64 ones.
The values and residuals returned are float64 answers: residuals are true residuals with the
float64 products, so the float32 phase and ``Ã`` only choose where the float64 answer lies.

Example:
  >>> import numpy as np, torch
  >>> A = torch.diag(torch.arange(1.0, 201.0, dtype=torch.float64))
  >>> low = lambda u: (A.float() @ u.float()).double()
  >>> r = mixed_precision_eigs(low, lambda u: A @ u, 200, 3, tol=1e-12)
  >>> np.round(r.values.real, 12).tolist(), r.converged, r.fallback, r.high_matvecs <= 12
  ([200.0, 199.0, 198.0], True, False, True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import torch

from .. import _validate
from ._krylov import MAX_RESTARTS, KrylovNoConvergence, KrylovResult, krylov_schur

Tensor = torch.Tensor

__all__ = [
    "MixedResult",
    "mixed_precision_eigs",
    "LOW_TOL",
    "LOW_RESTARTS",
    "OUTER_STEPS",
    "CONTRACTION",
    "MIXED_NCV",
    "MIXED_BASIS_BYTES",
    "CHECK_EVERY",
    "default_ncv",
]

LOW_TOL = 1e-6
"""Default tolerance of the low-precision phase (float32 products resolve about 1e-7)."""
LOW_RESTARTS = 30
"""Default restarts of the low-precision phase: where float32 cannot resolve the wanted
values to ``low_tol`` (small moduli), the refinement starts from its best vectors early."""
OUTER_STEPS = 6
"""Deflated refinements (step 2 of the module docstring) before the float64 fallback."""
CONTRACTION = 0.1
"""A deflated refinement must cut the largest relative residual (first ``span Q``'s own, then
the previous check's) by this factor for another to run; otherwise the fallback runs."""


MIXED_NCV = 40
"""Default Krylov basis of every phase, ``ncv = max(2k + 1, MIXED_NCV)`` (at most ``n``, and at
most ``max(20, MIXED_BASIS_BYTES / 8n)``: ARPACK's 20 where 40 float64 vectors are too big), with
convergence tested inside the cycle (:data:`CHECK_EVERY`): near-unrestarted Arnoldi, which on
the 1.7 M DCGAN (top-6) took the float32 phase from 138 products (ARPACK's basis of 20) to 94
and the refinement from 75 to 58 (``benchmarks/bench_mixed_precision.py``)."""
MIXED_BASIS_BYTES = 2**30
"""The float64 basis (1 GiB) up to which :data:`MIXED_NCV` vectors are used; at 1.7 M entries
40 vectors are 0.55 GB."""
CHECK_EVERY = 1
"""Convergence of each phase is tested after every new basis vector from ``2k + 1`` on (no
product: the Arnoldi relation), so a phase stops at the product it converges."""


class MixedResult(NamedTuple):
    """The float64 eigenpairs of :func:`mixed_precision_eigs` and what each phase cost.

    ``values``: the eigenvalues, most wanted first; ``residuals``: their *true* residuals
    ``‖A x − θ x‖/‖x‖`` with the float64 products; ``converged``: each ``≤ tol · |θ|``;
    ``vectors``: the Ritz vectors (rows; with ``return_vectors=True``);
    ``low_matvecs`` / ``high_matvecs``: the cheap and the float64 products of the whole solve
    (the refinement's ``Ã`` products are cheap ones; the residual check's are float64 ones);
    ``low_converged``: whether the low phase met ``low_tol``; ``fallback``: whether the float64
    Krylov–Schur fallback ran; ``matvecs``: all products.
    """

    values: np.ndarray
    residuals: np.ndarray
    converged: bool
    low_matvecs: int
    high_matvecs: int
    low_converged: bool
    vectors: Tensor | None = None
    fallback: bool = False

    @property
    def matvecs(self) -> int:
        return self.low_matvecs + self.high_matvecs


def default_ncv(n: int, k: int) -> int:
    """Every phase's default basis: ``max(2k + 1, MIXED_NCV)`` vectors, at most ``n``, and at
    most ``max(20, MIXED_BASIS_BYTES / 8n)`` (:data:`MIXED_NCV`)."""
    return min(n, max(2 * k + 1, min(MIXED_NCV, max(20, MIXED_BASIS_BYTES // (8 * n)))))


def start_vector(vectors: Tensor) -> Tensor:
    """One real start vector holding every Ritz vector: ``Σ_i (Re x_i + Im x_i)`` (rows)."""
    return torch.sum(vectors.real, dim=0) + torch.sum(vectors.imag, dim=0)


def real_parts(values: np.ndarray, vectors: Tensor) -> tuple[Tensor, list[tuple[int, int, int]]]:
    """The real vectors spanning the Ritz vectors (rows ``B``: ``x`` of a real value, ``Re x``
    and ``Im x`` of a complex one, once per conjugate pair), and for each ``x_i`` the rows
    ``(a, b, s)`` with ``x_i = B_a + i·s·B_b`` exactly (``b = -1``: ``x_i = B_a``)."""
    rows: list[Tensor] = []
    where: list[tuple[int, int, int]] = []
    for i, (theta, x) in enumerate(zip(values, vectors, strict=True)):
        if theta.imag == 0:
            where.append((len(rows), -1, 0))
            rows.append(x.real)
            continue
        partner = next(
            (j for j in range(i) if abs(values[j] - np.conj(theta)) <= 1e-12 * abs(theta)), None
        )
        if partner is not None and where[partner][1] >= 0:
            a, b, s = where[partner]  # Krylov–Schur's conjugate pairs are conjugate rows
            where.append((a, b, -s))
            continue
        where.append((len(rows), len(rows) + 1, 1))
        rows += [x.real, x.imag]
    return torch.stack(rows), where


def orthonormal(rows: Tensor) -> tuple[Tensor, Tensor]:
    """``(Q, R)``: ``B = Rᵀ Q`` with orthonormal rows ``Q`` (Householder QR of ``Bᵀ``, float64)."""
    q, r = torch.linalg.qr(rows.T)
    return q.T.contiguous(), r


def true_residuals(
    high_matvec: Callable[[Tensor], Tensor], values: np.ndarray, vectors: Tensor
) -> tuple[np.ndarray, Tensor, Tensor]:
    """True residuals ``‖A x − θ x‖/‖x‖`` with one float64 product per real basis vector
    (:func:`real_parts`: a conjugate pair costs two, a real value one); also returns that basis
    ``B`` and ``A B`` (rows)."""
    basis, where = real_parts(values, vectors)
    images = torch.stack([high_matvec(b) for b in basis])
    residuals = np.empty(len(values))
    for i, (theta, (a, b, s)) in enumerate(zip(values, where, strict=True)):
        if b < 0:
            x, ax = basis[a], images[a]
            gap = ax - float(theta.real) * x
        else:
            x = torch.complex(basis[a], s * basis[b])
            ax = torch.complex(images[a], s * images[b])
            gap = ax - complex(theta) * x
        residuals[i] = float(torch.linalg.vector_norm(gap) / torch.linalg.vector_norm(x))
    return residuals, basis, images


def deflated(
    low_matvec: Callable[[Tensor], Tensor], q: Tensor, aq: Tensor
) -> Callable[[Tensor], Tensor]:
    """``Ã u = (A Q)(Qᵀ u) + A₃₂ (I − Q Qᵀ) u`` (rows ``q`` of ``Q``, ``aq`` of ``(A Q)ᵀ``)."""

    def apply(u: Tensor) -> Tensor:
        c = q @ u
        return aq.T @ c + low_matvec(u - q.T @ c)

    return apply


def worst(values: np.ndarray, residuals: np.ndarray, scale: float) -> float:
    """The largest relative residual ``residual / max(|θ|, ε‖A‖)``."""
    floor = np.finfo(float).eps * scale
    return float(np.max(residuals / np.maximum(np.abs(values), floor)))


def accepted(values: np.ndarray, residuals: np.ndarray, tol: float, scale: float) -> bool:
    return worst(values, residuals, scale) <= tol


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
    check_every: int | None = CHECK_EVERY,
) -> MixedResult:
    """``k`` eigenvalues of ``A`` by ``which`` to ``tol`` with float64 true residuals, most of
    the work done with low-precision products (module docstring: low phase, deflated
    refinement, float64 check, float64 fallback).

    Args:
      low_matvec, high_matvec: ``u ↦ A u`` on float64 tensors of length ``n`` (on ``device``),
        the first computed cheaply (float32), the second exactly (float64).
      n, k, which, ncv, max_restarts, v0, device, callback, check_every: as
        :func:`~gamedyn.linalg.krylov_schur` (``max_restarts`` for the refinement and the
        fallback, ``low_restarts`` for the low-precision phase), for every phase; but ``ncv``
        defaults to :func:`default_ncv` (``max(2k + 1, MIXED_NCV)``) and ``check_every`` to
        :data:`CHECK_EVERY` (``None``: tested only when the basis is full).
      tol: the answer's relative true residual with ``high_matvec``; low_tol: the low phase's
        (``max(tol, low_tol)`` is used).

    Raises:
      KrylovNoConvergence: the float64 fallback ran out of restarts; ``partial`` holds its
        estimates and ``partial.matvecs`` the products of every phase.
    """
    tol = _validate.positive("tol", tol)
    low_tol = max(tol, _validate.positive("low_tol", low_tol))
    if ncv is None:
        ncv = default_ncv(n, k)
    common = dict(ncv=ncv, dtype=torch.float64, device=device, check_every=check_every)
    low_count = high_count = 0

    def high(u: Tensor) -> Tensor:
        nonlocal high_count
        high_count += 1
        return high_matvec(u)

    def low32(u: Tensor) -> Tensor:  # the low phase's float32 basis, the products' float64
        return low_matvec(u.to(torch.float64)).to(torch.float32)

    try:
        low: KrylovResult = krylov_schur(
            low32, n, k, which, tol=low_tol, v0=v0, return_vectors=True,
            max_restarts=low_restarts, **(common | {"dtype": torch.float32}),
        )  # fmt: skip
        best = (low.values, low.vectors.to(torch.complex128))
    except KrylovNoConvergence as err:  # no vectors: the fallback starts from the start vector
        low, best = err.partial, None
    low_count += low.matvecs
    if best is not None:
        q, _ = orthonormal(real_parts(*best)[0])
        aq = torch.stack([high(row) for row in q])
        scale = float(torch.linalg.vector_norm(aq, dim=1).max())  # ≤ ‖A‖: the floor's scale
        # the true residual of span Q (no product): ‖A Q − Q T‖ by column, T = Qᵀ A Q
        subspace = torch.linalg.vector_norm(aq - (q @ aq.T).T @ q, dim=1).max()
        before = worst(low.values, np.full(len(low.values), float(subspace)), scale)
        for _ in range(OUTER_STEPS):
            try:
                r = krylov_schur(
                    deflated(low_matvec, q, aq), n, k, which, tol=tol / 2, v0=start_vector(best[1]),
                    return_vectors=True, max_restarts=max_restarts, callback=callback, **common,
                )  # fmt: skip
            except KrylovNoConvergence as err:
                low_count += err.partial.matvecs
                break
            low_count += r.matvecs
            residuals, basis, images = true_residuals(high, r.values, r.vectors)
            best = (r.values, r.vectors)
            if accepted(r.values, residuals, tol, scale):
                return MixedResult(
                    r.values, residuals, True, low_count, high_count, low.converged,
                    r.vectors if return_vectors else None,
                )  # fmt: skip
            after = worst(r.values, residuals, scale)
            if after > CONTRACTION * before:  # Ã is too far from A next to the gaps
                break
            before = after
            q, upper = orthonormal(basis)  # Bᵀ = Qᵀ R, so (A Q)ᵀ = (A B)ᵀ R⁻¹: no product
            aq = torch.linalg.solve_triangular(upper.T, images, upper=False)
    start = v0 if best is None else start_vector(best[1])
    try:
        result = krylov_schur(
            high, n, k, which, tol=tol, v0=start, callback=callback, return_vectors=True,
            max_restarts=max_restarts, **common,
        )  # fmt: skip
    except KrylovNoConvergence as err:
        partial = err.partial._replace(matvecs=high_count + low_count)
        raise KrylovNoConvergence(
            f"{err} (after {low_count} low-precision products)", partial
        ) from err
    residuals, _, _ = true_residuals(high, result.values, result.vectors)
    return MixedResult(
        result.values, residuals, result.converged, low_count, high_count, low.converged,
        result.vectors if return_vectors else None, True,
    )  # fmt: skip
