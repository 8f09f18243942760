"""Krylov–Schur eigenvalues of a real linear operator given as a torch function (CPU or GPU).

The operator is only applied, ``u ↦ A u`` on 1-D tensors of one dtype and device; the Krylov
basis ``V`` (``m + 1`` vectors of length ``n``) stays on that device, and only the small
``(m + 1) × m`` projected matrix comes to the host (numpy/LAPACK). One cycle:

1. **Arnoldi** extends the decomposition ``A V_p = V_{p+1} H̄_p`` to ``A V_m = V_{m+1} H̄_m``
   (classical Gram–Schmidt applied twice, so ``V`` is orthonormal to round-off; one product
   per new vector).
2. **Ritz values** ``θ_i`` and vectors ``y_i`` of ``H_m = H̄_m[:m]``; the residual of the Ritz
   pair ``(θ_i, V_m y_i)`` is ``‖A V_m y_i − θ_i V_m y_i‖ = |h̄_{m+1}ᵀ y_i|`` (``‖y_i‖ = 1``), with
   no extra product. A wanted value has converged when its residual is ``≤ tol · |θ_i|``
   (ARPACK's criterion, so ``tol`` means the same as in :func:`scipy.sparse.linalg.eigs`).
3. **Restart** (Stewart 2001): the real Schur form ``H_m = Z T Zᵀ`` ordered so that the ``p``
   most wanted Ritz values lead (conjugate pairs are never split: every ``which`` criterion
   gives both members of a pair the same score); keeping ``V_m Z[:, :p]`` and ``T[:p, :p]``
   gives a Krylov–Schur decomposition of size ``p`` from which Arnoldi continues.

Everything is real arithmetic: complex Ritz values come in conjugate pairs of 2 × 2 blocks.

References:
  G. W. Stewart, "A Krylov–Schur algorithm for large eigenproblems", SIAM J. Matrix Anal.
  Appl. 23 (2001). R. B. Lehoucq, D. C. Sorensen and C. Yang, ARPACK Users' Guide (1998).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import scipy.linalg
import scipy.linalg.lapack
import torch

from .. import _validate
from ..vocabulary import KRYLOV_WHICH, which_score

Tensor = torch.Tensor
KEEP_DIV = 2
MAX_RESTARTS = 300
"""Default number of restarts before :func:`krylov_schur` gives up."""

__all__ = [
    "krylov_schur",
    "KrylovResult",
    "KrylovNoConvergence",
    "MAX_RESTARTS",
    "arnoldi",
    "ArnoldiFactorisation",
    "NoConvergence",
    "check_k",
    "ritz_residuals",
]


class KrylovResult(NamedTuple):
    """Eigenvalues from :func:`krylov_schur`, most wanted first, and how far to trust them.

    Attributes:
      values: complex eigenvalue estimates (Ritz values), ordered by the ``which`` criterion.
      residuals: ``‖A v − θ v‖`` for each unit Ritz vector ``v`` (same order).
      converged: whether every one of the ``k`` values met ``residual ≤ tol · |θ|``.
      matvecs: the number of products ``A u`` used.
      restarts: the number of restarts.
      vectors: with ``return_vectors=True``, the unit Ritz vectors ``V_m y_i`` as the rows of a
        complex ``k × n`` tensor on the operator's device (conjugate pairs are conjugate rows);
        otherwise ``None``.
    """

    values: np.ndarray
    residuals: np.ndarray
    converged: bool
    matvecs: int
    restarts: int
    vectors: Tensor | None = None


class KrylovNoConvergence(RuntimeError):
    """Raised when :func:`krylov_schur` runs out of restarts; ``partial`` holds what it has."""

    def __init__(self, message: str, partial: KrylovResult):
        super().__init__(message)
        self.partial = partial


def _orthogonalise(basis: Tensor, w: Tensor) -> tuple[Tensor, Tensor]:
    """``w`` minus its projection on the orthonormal rows of ``basis`` (twice: CGS2).

    Returns the projection coefficients ``h`` and the remainder.
    """
    h = basis @ w
    w = w - basis.T @ h
    correction = basis @ w
    return h + correction, w - basis.T @ correction


def _score(values: np.ndarray, which: str, score: Callable[[np.ndarray], np.ndarray] | None):
    return which_score(values, which) if score is None else np.asarray(score(values), dtype=float)


def _ritz(
    hbar: np.ndarray, m: int, which: str, score: Callable[[np.ndarray], np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ritz values of ``H_m`` by decreasing ``which`` score, their residual estimates, and the
    unit eigenvectors ``y_i`` of ``H_m`` (columns, same order)."""
    theta, y = np.linalg.eig(hbar[:m, :m])
    y = y / np.linalg.norm(y, axis=0)
    residuals = np.abs(hbar[m, :m] @ y)
    order = np.argsort(-_score(theta, which, score), kind="stable")
    return theta[order], residuals[order], y[:, order]


def _tested(
    hbar: np.ndarray,
    j: int,
    k: int,
    which: str,
    score: Callable[[np.ndarray], np.ndarray] | None,
    tol: float,
    scale: float,
    reference: Callable[[np.ndarray], np.ndarray] | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The Ritz values, residual estimates and coordinates of the size-``j`` decomposition
    (most wanted first), and what the ``k`` most wanted residuals are relative to,
    ``max(ρ(θ), ε‖A‖)``: converged where ``residual ≤ tol`` times it (:func:`krylov_schur`'s
    test, inside a cycle and at its end)."""
    theta, residuals, y = _ritz(hbar, j, which, score)
    size = np.abs(theta[:k]) if reference is None else np.abs(reference(theta[:k]))
    floor = np.finfo(float).eps * max(scale, 1e-300)
    return theta, residuals, y, np.maximum(size, floor)


def _schur_blocks(t: np.ndarray) -> list[tuple[int, int, complex]]:
    """The diagonal blocks ``(start, size, eigenvalue)`` of a real Schur form (1 × 1 or 2 × 2)."""
    blocks, i, m = [], 0, t.shape[0]
    while i < m:
        if i + 1 < m and t[i + 1, i] != 0.0:
            value = np.linalg.eigvals(t[i : i + 2, i : i + 2])
            blocks.append((i, 2, complex(value[np.argmax(value.imag)])))
            i += 2
        else:
            blocks.append((i, 1, complex(t[i, i])))
            i += 1
    return blocks


def _restart(
    hbar: np.ndarray,
    m: int,
    which: str,
    keep: int,
    score: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Ordered real Schur form of ``H_m``: the ``p ≥ keep`` most wanted Ritz values first.

    Conjugate pairs are 2 × 2 blocks, kept or dropped whole (LAPACK ``dtrsen`` reorders).
    Returns ``Z`` (``m × m`` orthogonal), the new ``H̄`` (``(p + 1) × p``: ``T[:p, :p]`` over
    the residual row ``h̄_{m+1}ᵀ Z[:, :p]``) and ``p``.
    """
    t, z = scipy.linalg.schur(hbar[:m, :m], output="real")
    blocks = _schur_blocks(t)
    scores = _score(np.array([b[2] for b in blocks]), which, score)
    select = np.zeros(m, dtype=np.int32)
    p = 0
    for b in np.argsort(-scores, kind="stable"):
        start, size, _ = blocks[b]
        if p >= keep or p + size > m - 1:
            break
        select[start : start + size] = 1
        p += size
    t, z, _, _, p, _, _, info = scipy.linalg.lapack.dtrsen(select, t, z, job="N")
    if info != 0 or not 0 < p < m:
        raise np.linalg.LinAlgError(f"the Schur reordering failed (info = {info}, kept {p} of {m})")
    new = np.zeros((p + 1, p))
    new[:p, :p] = t[:p, :p]
    new[p, :] = hbar[m, :m] @ z[:, :p]
    return z, new, p


def _as_torch_matvec(
    operator: Any, n: int, dtype: torch.dtype, device: Any
) -> Callable[[Tensor], Tensor]:
    """A torch ``u ↦ A u`` from a torch function or a ``scipy.sparse.linalg.LinearOperator``."""
    if hasattr(operator, "matvec") and hasattr(operator, "shape"):
        if tuple(operator.shape) != (n, n):
            raise ValueError(f"the operator has shape {operator.shape}, expected ({n}, {n})")

        def matvec(u: Tensor) -> Tensor:
            image = operator.matvec(u.detach().cpu().double().numpy())
            return torch.as_tensor(np.real(image).ravel(), dtype=dtype, device=device)

        return matvec
    if not callable(operator):
        raise TypeError(f"matvec must be callable or a LinearOperator, got {type(operator)}")
    return operator


def krylov_schur(
    matvec: Callable[[Tensor], Tensor],
    n: int,
    k: int,
    which: str = "LM",
    *,
    tol: float = 1e-10,
    ncv: int | None = None,
    max_restarts: int = MAX_RESTARTS,
    v0: Tensor | None = None,
    dtype: torch.dtype = torch.float64,
    device: Any = None,
    seed: int = 0,
    callback: Callable[[int, int], None] | None = None,
    return_vectors: bool = False,
    score: Callable[[np.ndarray], np.ndarray] | None = None,
    reference: Callable[[np.ndarray], np.ndarray] | None = None,
    check_every: int | None = None,
    check_from: int | None = None,
) -> KrylovResult:
    """The ``k`` most wanted eigenvalues of the real ``n × n`` operator ``u ↦ matvec(u)``.

    Args:
      matvec: ``A u`` for a 1-D tensor ``u`` of ``dtype`` on ``device``, linear; or a
        ``scipy.sparse.linalg.LinearOperator`` (products then go through the host).
      n: the operator's size.
      k: how many eigenvalues, ``1 ≤ k ≤ n − 2``.
      which: ``"LM"`` largest modulus, ``"LR"``/``"SR"`` largest/smallest real part,
        ``"LI"``/``"SI"`` largest/smallest ``|imaginary part|``.
      tol: relative accuracy, ``‖A v − θ v‖ ≤ tol · |θ|`` (as ARPACK).
      ncv: Krylov basis size ``m`` (default ``min(n, max(2k + 1, 20))``, ARPACK's choice). With
        ``m = n`` the basis spans the whole space after ``n`` products and every eigenvalue is
        exact (small operators).
      max_restarts: restarts before giving up.
      v0: the starting vector (default: standard normal from ``seed``, reproducible).
      callback: called as ``callback(converged, k)`` after every cycle (progress bars).
      return_vectors: also return the Ritz vectors (``k × n`` complex, on the device: for
        ``n = 1.7 M`` and ``k = 20`` in float64 that is 0.55 GB).
      score: instead of ``which``, the criterion itself: Ritz values ``θ`` (complex array) ↦
        how wanted each is (larger = more), equal on conjugate pairs (the Jacobian route of
        :mod:`gamedyn.spectrum` ranks ``θ`` by ``max |μ(θ)|``).
      reference: what a Ritz value's residual is relative to, ``θ ↦ ρ(θ)`` (converged when
        ``residual ≤ tol · ρ(θ)``); default ``|θ|``.
      check_every: also test convergence inside a cycle, each time the basis reaches a size
        ``j ≥ check_from`` (default ``2k + 1``) that is a multiple of ``check_every`` (the relation
        ``A V_j = V_j H_j + v_{j+1} b_jᵀ`` holds at every ``j``: the test costs no product, only
        the eigenvalues of the ``j × j`` matrix), and stop there when the ``k`` have converged.
        With a long basis (``ncv``) this is Arnoldi without restarts until convergence, the
        fewest products of any restarted basis; default ``None``: tested when the basis is full.

    Returns:
      A :class:`KrylovResult` with exactly ``k`` values, most wanted first.

    Raises:
      KrylovNoConvergence: after ``max_restarts`` restarts; ``.partial`` has the estimates.

    Example:
      >>> A = torch.diag(torch.arange(1.0, 101.0, dtype=torch.float64))
      >>> r = krylov_schur(lambda u: A @ u, 100, 3)
      >>> np.round(r.values.real, 8).tolist()
      [100.0, 99.0, 98.0]
    """
    if which not in KRYLOV_WHICH:
        raise ValueError(f"which must be one of {KRYLOV_WHICH}, got {which!r}")
    matvec = _as_torch_matvec(matvec, n, dtype, device)
    n = _validate.integer_at_least("n", n, 3)
    k = _validate.integer_at_least("k", k, 1)
    if k > n - 2:
        raise ValueError(f"k must satisfy 1 <= k <= n - 2 = {n - 2}, got {k}")
    m = min(n, max(2 * k + 1, 20)) if ncv is None else _validate.integer_at_least("ncv", ncv, 1)
    if not k + 2 <= m <= n:
        raise ValueError(f"ncv must satisfy k + 2 = {k + 2} <= ncv <= n = {n}, got {ncv}")
    _validate.positive("tol", tol)
    max_restarts = _validate.integer_at_least("max_restarts", max_restarts, 0)
    if check_every is not None:
        check_every = _validate.integer_at_least("check_every", check_every, 1)
    check_from = 2 * k + 1 if check_from is None else check_from
    check_from = _validate.integer_at_least("check_from", check_from, 1)
    itemsize = torch.empty((), dtype=dtype).element_size()
    if device is None or torch.device(device).type == "cpu":
        _validate.allocation(
            f"a Krylov basis of ncv + 1 = {m + 1} vectors of n = {n}", (m + 1) * n * itemsize
        )
    if v0 is None:
        gen = torch.Generator().manual_seed(seed)
        v0 = torch.randn(n, generator=gen, dtype=torch.float64)
    v0 = torch.as_tensor(v0)
    if v0.shape != (n,):
        raise ValueError(f"v0 must be a vector of length n = {n}, got shape {tuple(v0.shape)}")
    if not torch.isfinite(v0).all() or not bool(torch.any(v0 != 0)):
        raise ValueError("v0 must be finite and non-zero (the start vector of the Krylov basis)")
    v = torch.zeros(m + 1, n, dtype=dtype, device=device)  # rows: the basis vectors
    v[0] = v0.to(dtype=dtype, device=device) / torch.linalg.vector_norm(v0)
    hbar = np.zeros((m + 1, m))
    p, matvecs, restarts = 0, 0, 0
    scale = 0.0  # running estimate of ‖A‖ (largest |h_ij| seen) for the breakdown test
    while True:
        for j in range(p, m):
            w = matvec(v[j])
            matvecs += 1
            h, w = _orthogonalise(v[: j + 1], w)
            beta = torch.linalg.vector_norm(w)
            h_host, beta_host = h.double().cpu().numpy(), float(beta)
            hbar[: j + 1, j] = h_host
            hbar[j + 1, j] = beta_host
            scale = max(scale, float(np.abs(h_host).max(initial=0.0)), beta_host)
            if j + 1 == n:  # V spans the whole space: A V_n = V_n H_n exactly, nothing is left
                hbar[n, j] = 0.0
                v[n] = 0.0
                continue
            if beta_host <= 1e-14 * max(scale, 1e-300):
                # invariant subspace: continue with a fresh random direction (A V_j ⊂ V_j)
                hbar[j + 1, j] = 0.0
                gen = torch.Generator().manual_seed(seed + 1 + matvecs)
                w = torch.randn(n, generator=gen, dtype=torch.float64).to(
                    dtype=dtype, device=device
                )
                _, w = _orthogonalise(v[: j + 1], w)
                _, w = _orthogonalise(v[: j + 1], w)
                beta = torch.linalg.vector_norm(w)
            v[j + 1] = w / beta
            size_j = j + 1
            if check_every is not None and j + 1 < m and size_j >= max(check_from, k + 1):
                if size_j % check_every == 0:
                    tested = _tested(hbar, size_j, k, which, score, tol, scale, reference)
                    if np.all(tested[1][:k] <= tol * tested[3]):
                        break  # converged inside the cycle: V_j, H_j are the decomposition
        else:
            size_j = m
            tested = _tested(hbar, m, k, which, score, tol, scale, reference)
        theta, residuals, y, relative_to = tested
        ok = residuals[:k] <= tol * relative_to
        if callback is not None:
            callback(int(ok.sum()), k)
        result = KrylovResult(theta[:k], residuals[:k], bool(ok.all()), matvecs, restarts)
        if result.converged:
            if return_vectors:
                cdtype = torch.complex128 if dtype == torch.float64 else torch.complex64
                parts = [  # a copy: y.imag of a real y is a read-only view
                    torch.as_tensor(np.array(p[:, :k].T), dtype=dtype, device=device)
                    for p in (y.real, y.imag)
                ]
                vectors = torch.empty(k, n, dtype=cdtype, device=device)
                for i in range(k):  # row by row: no complex copy of the basis (m × n)
                    basis = v[:size_j]
                    vectors[i] = torch.complex(parts[0][i] @ basis, parts[1][i] @ basis)
                result = result._replace(vectors=vectors)
            return result
        if restarts >= max_restarts:
            worst = np.max(residuals[:k] / relative_to)
            raise KrylovNoConvergence(
                f"Krylov–Schur: {int(ok.sum())} of k = {k} eigenvalues ({which}) converged to "
                f"tol = {tol:g} after {restarts} restarts and {matvecs} products; largest "
                f"relative residual {worst:.2e}",
                result,
            )
        # keep k + half the rest (SLEPc's default), never splitting a pair
        z, hbar_p, p = _restart(hbar, m, which, min(m - 2, k + (m - k) // KEEP_DIV), score)
        zt = torch.as_tensor(z[:, :p].T, dtype=dtype, device=device)
        v[:p] = zt @ v[:m]
        v[p] = v[m]
        hbar = np.zeros((m + 1, m))
        hbar[: p + 1, :p] = hbar_p
        restarts += 1


class ArnoldiFactorisation(NamedTuple):
    """An Arnoldi factorisation ``A V_m = V_{m+1} H̄_m`` from :func:`arnoldi`.

    Attributes:
      basis: ``V_{m+1}``, the orthonormal basis vectors as the rows of an ``(m + 1) × n`` tensor
        on the operator's device (the last row is zero when the space became invariant at
        ``m = n``).
      hessenberg: ``H̄_m``, the ``(m + 1) × m`` upper Hessenberg matrix (numpy, float64);
        ``H_m = H̄_m[:m]`` is ``V_mᵀ A V_m``, whose eigenvalues are the Ritz values.
      matvecs: the products ``A u`` used (``m``).
      invariant: the columns ``j`` after which ``A V_{j+1} ⊂ V_{j+1}`` (a zero subdiagonal
        ``h̄_{j+1,j}``: the next vector was drawn at random, as in :func:`krylov_schur`).
    """

    basis: Tensor
    hessenberg: np.ndarray
    matvecs: int
    invariant: tuple[int, ...] = ()


def arnoldi(
    matvec: Callable[[Tensor], Tensor],
    n: int,
    m: int,
    *,
    v0: Tensor | None = None,
    dtype: torch.dtype = torch.float64,
    device: Any = None,
    seed: int = 0,
) -> ArnoldiFactorisation:
    """``m`` steps of Arnoldi on the real ``n × n`` operator ``u ↦ matvec(u)``, unrestarted.

    The same process as the first cycle of :func:`krylov_schur` (classical Gram–Schmidt applied
    twice; a breakdown continues with a fresh random direction): ``A V_m = V_{m+1} H̄_m`` with
    ``V_{m+1}`` orthonormal to round-off. The basis stays on ``device``; only ``H̄_m`` comes to
    the host. Uses: Krylov-projected pseudospectra (``σ_min(z Ĩ − H̄_m) ≥ σ_min(z I − A)``,
    :mod:`gamedyn.nonnormal`), Ritz values without restarts.

    Args:
      matvec: ``A u`` for a 1-D tensor, or a ``scipy.sparse.linalg.LinearOperator``.
      n: the operator's size; m: the number of steps, ``1 ≤ m ≤ n``.
      v0: the starting vector (default: standard normal from ``seed``).

    Example:
      >>> A = torch.diag(torch.arange(1.0, 6.0, dtype=torch.float64))
      >>> f = arnoldi(lambda u: A @ u, 5, 5)
      >>> np.round(np.sort(np.linalg.eigvals(f.hessenberg[:5]).real), 10).tolist()
      [1.0, 2.0, 3.0, 4.0, 5.0]
    """
    matvec = _as_torch_matvec(matvec, n, dtype, device)
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or not 1 <= m <= n:
        raise ValueError(f"m must be an integer with 1 <= m <= n = {n}, got {m!r}")
    m = int(m)
    if v0 is None:
        v0 = torch.randn(n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    norm = torch.linalg.vector_norm(v0)
    if not torch.isfinite(norm) or float(norm) == 0.0:
        raise ValueError("v0 must be a finite, non-zero vector")
    v = torch.zeros(m + 1, n, dtype=dtype, device=device)
    v[0] = v0.to(dtype=dtype, device=device) / norm.to(dtype=dtype, device=device)
    hbar = np.zeros((m + 1, m))
    scale, invariant = 0.0, []
    for j in range(m):
        h, w = _orthogonalise(v[: j + 1], matvec(v[j]))
        beta = torch.linalg.vector_norm(w)
        hbar[: j + 1, j] = h.double().cpu().numpy()
        hbar[j + 1, j] = float(beta)
        scale = max(scale, float(np.abs(hbar[: j + 2, j]).max()))
        if j + 1 == n:  # V spans the whole space: nothing is left
            hbar[n, j] = 0.0
            invariant.append(j)
            continue
        if float(beta) <= 1e-14 * max(scale, 1e-300):
            hbar[j + 1, j] = 0.0
            invariant.append(j)
            gen = torch.Generator().manual_seed(seed + 1 + j)
            w = torch.randn(n, generator=gen, dtype=torch.float64).to(dtype=dtype, device=device)
            _, w = _orthogonalise(v[: j + 1], w)
            _, w = _orthogonalise(v[: j + 1], w)
            beta = torch.linalg.vector_norm(w)
        v[j + 1] = w / beta
    return ArnoldiFactorisation(v, hbar, m, tuple(invariant))


class NoConvergence(ValueError):
    """A solver stopped before all ``k`` eigenvalues converged.

    Attributes:
      values: the best estimates so far (sorted; Krylov–Schur gives all ``k`` Ritz values,
        ARPACK and Lanczos only the converged ones, possibly none).
      matvecs: the products used.
      residuals: the Ritz residual estimates of ``values`` where the solver has them, else
        ``None``.
      record: the partial :class:`~gamedyn.analysis.SpectrumRecord`, when the solver ran
        inside :func:`~gamedyn.analysis.analyse` (``None`` otherwise).
    """

    def __init__(
        self, message: str, values: np.ndarray, matvecs: int, residuals: np.ndarray | None = None
    ):
        super().__init__(message)
        self.values = values
        self.matvecs = matvecs
        self.residuals = residuals
        self.record: Any = None


def check_k(k: int, size: int, limit: int) -> int:
    """``k`` as an integer with ``1 ≤ k ≤ size − limit`` (what a Krylov solver can find)."""
    k = _validate.integer_at_least("k", k, 1)
    if k > size - limit:
        raise ValueError(
            f"k = {k} is too large for an operator of size {size}: the Krylov solver needs "
            f"k <= {size - limit}; use gamedyn.spectrum.eigenvalues for the full dense spectrum"
        )
    return k


def ritz_residuals(
    apply: Callable[[Tensor], Tensor], values: np.ndarray, vectors: Tensor
) -> np.ndarray:
    """True residuals ``‖A x − θ x‖/‖x‖`` of Ritz pairs, with fresh products ``u ↦ A u``.

    ``vectors`` holds the complex ``x`` as rows. ``A`` is real, so a conjugate pair's vectors
    are conjugate and share one residual: each pair costs two products (``A Re x``, ``A Im x``),
    each real eigenvalue one.
    """
    residuals = np.empty(len(values))
    for i, (theta, x) in enumerate(zip(values, vectors, strict=True)):
        tolerance = 1e-12 * (1 + abs(theta))
        partner = [j for j in range(i) if abs(values[j] - np.conj(theta)) < tolerance]
        partner = partner if theta.imag != 0 else []
        if partner:
            residuals[i] = residuals[partner[0]]
            continue
        ax = apply(x.real).to(x.dtype)
        if theta.imag != 0:
            ax = ax + 1j * apply(x.imag)
        lam = torch.as_tensor(complex(theta), dtype=x.dtype, device=x.device)
        gap = torch.linalg.vector_norm(ax - lam * x) / torch.linalg.vector_norm(x)
        residuals[i] = float(gap)
    return residuals
