"""Chebyshev-filtered Krylov–Schur: eigenvalues away from the largest moduli (SR, LR, crowded).

Krylov–Schur converges fastest to eigenvalues that are well separated at the edge of the
spectrum in modulus; the least stable directions of a game (``which="SR"``) and crowded
spectra (extragradient's near 1) converge slowly. Saad's Chebyshev acceleration (Saad 1984)
changes the operator, not the eigenvectors:

1. **A short Arnoldi run** (``ncv`` products, :func:`gamedyn.spectrum.krylov.arnoldi`) gives
   Ritz values, which approximate the outer part of the spectrum.
2. **An ellipse** (:func:`fit_ellipse`): centre ``c`` on the real axis (``A`` is real), foci
   ``c ± e`` with ``e² = s`` real (``s > 0``: foci on the real axis; ``s < 0``: ``c ± i√−s``).
   ``|T_d((λ − c)/e)| ≈ ρ(λ)^d/2`` with ``ρ(λ) = |w + √(w² − 1)| ≥ 1``, ``w = (λ − c)/e``
   (:func:`growth` is ``log ρ``); the level sets of ``ρ`` are the confocal ellipses. ``(c, s)``
   is chosen (a grid search, then a finer one around the best) to maximise the *rate*
   ``min_W log ρ − max_U log ρ`` between the wanted Ritz values ``W`` (the ``k`` or a few more
   most wanted by ``which``) and the others ``U``: the ellipse through the outermost of ``U``
   encloses all of them, and the wanted lie outside it.
3. **Krylov–Schur on the filtered operator** ``p(A) = T_d((A − cI)/e)/γ^d`` by its largest
   moduli: the three-term recurrence ``S_{j+1} = 2 B S_j − sign(s) S_{j−1}``,
   ``B = (A − cI)/√|s|`` (real arithmetic also for imaginary foci:
   ``T_j(−iB) = (−i)^j S_j(B)``), scaled by ``γ = e^{max_U log ρ}`` at every step so nothing
   overflows; ``d`` products of ``A`` per filtered product. ``p(A)`` has ``A``'s eigenvectors,
   and its largest moduli are ``A``'s wanted eigenvalues.
4. **Rayleigh–Ritz on ``A``**: the real span ``Q`` of the converged Ritz vectors of ``p(A)``,
   ``A Q`` (one product per basis vector), the eigenpairs of ``Qᵀ A Q``; their residuals
   ``‖A x − λ x‖/‖x‖ = ‖(A Q) y − λ Q y‖`` are true residuals on ``A`` itself (``A`` is
   linear). Every returned pair is checked, ``≤ tol · |λ|`` (or ``≤ 100 ε ‖A‖``, the rounding
   of a true residual, for ``λ ≈ 0``).
5. **Refit**: an eigenvalue of ``A`` found in the filtered subspace that ``which`` ranks below
   an unwanted Ritz value (the ellipse missed part of the spectrum) joins ``U`` and the ellipse
   is fitted again (``max_refits`` times); if it still fails the result says so
   (``converged=False``) and :func:`~gamedyn.spectrum.eigensolvers.top_eigenvalues` falls back
   to plain Krylov–Schur, started from the best vectors.

Like any Krylov method, the filtered one can miss an eigenvalue its start vector and the Ritz
values never saw; the tests compare it with dense eigenvalues.

References:
  Y. Saad, "Chebyshev acceleration techniques for solving nonsymmetric eigenvalue problems",
  Math. Comp. 42 (1984). Y. Saad, *Numerical Methods for Large Eigenvalue Problems*, 2nd ed.,
  SIAM (2011), ch. 7.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import torch

from .. import _validate
from ..vocabulary import KRYLOV_WHICH, which_score
from .krylov import MAX_RESTARTS, KrylovNoConvergence, arnoldi, krylov_schur

Tensor = torch.Tensor

__all__ = [
    "Ellipse",
    "FilteredResult",
    "growth",
    "fit_ellipse",
    "chebyshev_operator",
    "chebyshev_eigenpairs",
    "auto_degree",
]


class Ellipse(NamedTuple):
    """A real-axis-aligned ellipse family for the Chebyshev filter, fitted by :func:`fit_ellipse`.

    Attributes:
      center: ``c`` (real).
      focal: ``s = e²``; foci ``c ± √s`` (``s > 0``) or ``c ± i√−s`` (``s < 0``).
      boundary: ``max_U log ρ``, the level of the ellipse through the outermost unwanted value.
      rate: ``min_W log ρ − boundary``, the separation per degree (``> 0`` when it separates).
      wanted: ``|W|``, how many Ritz values it separates from the rest (``≥ k``).
    """

    center: float
    focal: float
    boundary: float
    rate: float
    wanted: int


class FilteredResult(NamedTuple):
    """Eigenpairs from :func:`chebyshev_eigenpairs`, most wanted first.

    ``values`` (``k``, complex), ``vectors`` (``k × n`` complex rows, unit), ``residuals`` (the
    true ``‖A x − λ x‖`` on ``A``), ``converged`` (every residual ``≤ tol · |λ|``), ``matvecs``
    (products of ``A``, all included: Arnoldi, filters, Rayleigh–Ritz), ``description`` (the
    degree and ellipse used, or why it failed).
    """

    values: np.ndarray
    vectors: Tensor | None
    residuals: np.ndarray
    converged: bool
    matvecs: int
    description: str


def growth(values: Any, center: float, focal: float) -> np.ndarray:
    """``log ρ(λ)``, ``ρ = |w + √(w² − 1)|`` (the branch ``≥ 1``), ``w = (λ − c)/√s``.

    ``|T_d(w)| ≈ ρ^d / 2`` for large ``d``; ``ρ`` is constant on the ellipses with foci
    ``c ± √s`` and equals 1 on the segment between them.

    Example:
      >>> np.round(growth([3.0, 1.0, 0.5], 0.0, 1.0), 6).tolist()  # ρ(3) = 3 + √8
      [1.762747, 0.0, 0.0]
    """
    e = np.sqrt(complex(focal))
    w = (np.asarray(values, dtype=complex) - center) / e
    r = np.sqrt(w * w - 1)
    return np.log(np.maximum(np.abs(w + r), np.abs(w - r)))


def _rates(values: np.ndarray, n_wanted: int, centers: np.ndarray, focals: np.ndarray):
    """Rate and boundary of every ``(c, s)`` (grids), ``values`` sorted most wanted first."""
    e = np.sqrt(focals.astype(complex))[None, :, None]
    w = (values[None, None, :] - centers[:, None, None]) / e
    r = np.sqrt(w * w - 1)
    g = np.log(np.maximum(np.abs(w + r), np.abs(w - r)))
    boundary = g[:, :, n_wanted:].max(axis=2)
    return g[:, :, :n_wanted].min(axis=2) - boundary, boundary


def _splits(values: np.ndarray, k: int) -> list[int]:
    """How many of the sorted ``values`` may be called wanted: ``k`` to ``2k`` (never splitting a
    conjugate pair, always leaving at least two unwanted)."""
    out = []
    for w in range(k, min(2 * k, len(values) - 2) + 1):
        a, b = values[w - 1], values[w]
        if a.imag != 0 and abs(b - np.conj(a)) <= 1e-10 * (1 + abs(a)):
            continue
        out.append(w)
    return out


def fit_ellipse(
    values: Any,
    k: int,
    which: str = "SR",
    *,
    score: Callable[[np.ndarray], np.ndarray] | None = None,
    grid: int = 48,
) -> Ellipse | None:
    """The ellipse that best separates the ``k`` (or up to ``2k``) most wanted of ``values``.

    A grid search over the centre ``c`` and ``s = e²`` (both signs), then a finer grid around
    the best, maximising ``min_W log ρ − max_U log ρ``. Returns ``None`` when no ellipse of
    the grid separates them (rate ``≤ 0``) or there are fewer than ``k + 2`` values.

    Example:
      >>> values = np.concatenate([[0.1, 0.2], np.linspace(1.0, 10.0, 12)])
      >>> e = fit_ellipse(values, 2, "SR")
      >>> bool(e.rate > 0 and e.center - np.sqrt(e.focal) > 0.2)
      True
    """
    values = np.asarray(values, dtype=complex).ravel()
    values = values[np.isfinite(values)]
    if len(values) < k + 2:
        return None
    scores = which_score(values, which) if score is None else np.asarray(score(values), float)
    values = values[np.argsort(-scores, kind="stable")]
    lo, hi = float(values.real.min()), float(values.real.max())
    scale = max(hi - lo, 2 * float(np.abs(values.imag).max()), 1e-12 * (1 + np.abs(values).max()))
    centers = np.linspace(lo - scale, hi + scale, 2 * grid + 1)
    mags = scale**2 * np.geomspace(1e-4, 4.0, grid)
    focals = np.concatenate([-mags[::-1], mags])
    best = None
    for n_wanted in _splits(values, k):
        rate, boundary = _rates(values, n_wanted, centers, focals)
        i, j = np.unravel_index(np.argmax(rate), rate.shape)
        c, s, step_c = centers[i], focals[j], centers[1] - centers[0]
        # refine around the best point: c ± one step, s by a factor of the grid's ratio
        ratio = mags[1] / mags[0]
        fine_c = np.linspace(c - step_c, c + step_c, 2 * grid + 1)
        fine_s = np.sign(s) * abs(s) * np.geomspace(1 / ratio, ratio, grid)
        fine_rate, fine_boundary = _rates(values, n_wanted, fine_c, fine_s)
        a, b = np.unravel_index(np.argmax(fine_rate), fine_rate.shape)
        if fine_rate[a, b] >= rate[i, j]:
            candidate = Ellipse(
                float(fine_c[a]), float(fine_s[b]), float(fine_boundary[a, b]),
                float(fine_rate[a, b]), n_wanted,
            )  # fmt: skip
        else:
            candidate = Ellipse(
                float(c), float(s), float(boundary[i, j]), float(rate[i, j]), n_wanted
            )
        if best is None or candidate.rate > best.rate * 1.05:  # fewer wanted unless clearly better
            best = candidate
    if best is None or not best.rate > 0:
        return None
    return best


def auto_degree(rate: float, lowest: int = 2, highest: int = 2) -> int:
    """The default filter degree: about ``ln 10 / rate`` (each filtered product separates the
    wanted from the unwanted by a factor ~10), clipped to ``[lowest, highest]``.

    The cap is measured (``python benchmarks/bench_accelerate.py --sweep``): on the digits DCGAN
    (``n = 19,362``, SR top-4, ``tol`` 1e-8) with bases 20 / 40 / 60, degree 2 took 668 / 549 /
    596 products, 4: 960 / 773 / 820, 30: 1,584 / 1,785 / 1,868 (plain: 698 / 375 / 308); a
    high-degree filter throws away the optimality of the Krylov polynomial between restarts."""
    return int(np.clip(np.ceil(np.log(10.0) / max(rate, 1e-12)), lowest, highest))


def chebyshev_operator(
    apply: Callable[[Tensor], Tensor], ellipse: Ellipse, degree: int
) -> Callable[[Tensor], Tensor]:
    """``u ↦ T_d((A − cI)/e) u / γ^d`` (up to a unit phase), ``d = degree``, ``γ = e^boundary``.

    The real recurrence ``S_0 = u``, ``S_1 = B u``, ``S_{j+1} = 2 B S_j − sign(s) S_{j−1}``,
    ``B = (A − cI)/√|s|`` (``T_j(w) = (−i)^j S_j`` for imaginary foci), each ``S_j`` divided by
    ``γ^j`` as it is formed. ``degree`` products of ``A``.

    Example:
      >>> A = torch.diag(torch.tensor([0.0, 1.0, 2.0, 3.0], dtype=torch.float64))
      >>> p = chebyshev_operator(lambda u: A @ u, Ellipse(2.0, 1.0, 0.0, 1.0, 1), 3)
      >>> p(torch.ones(4, dtype=torch.float64)).tolist()  # T_3(x) = 4x³ − 3x at x = λ − 2
      [-26.0, -1.0, 0.0, 1.0]
    """
    degree = _validate.integer_at_least("degree", degree, 1)
    c, sign = ellipse.center, float(np.sign(ellipse.focal))
    root = float(np.sqrt(abs(ellipse.focal)))
    gamma = float(np.exp(ellipse.boundary))

    def step(u: Tensor) -> Tensor:
        return (apply(u) - c * u) / (root * gamma)

    def filtered(u: Tensor) -> Tensor:
        previous, current = u, step(u)
        for _ in range(degree - 1):
            previous, current = current, 2 * step(current) - (sign / gamma**2) * previous
        return current

    return filtered


def _rayleigh_ritz(
    apply: Callable[[Tensor], Tensor],
    vectors: Tensor,
    which: str,
    score: Callable[[np.ndarray], np.ndarray] | None,
) -> tuple[np.ndarray, Tensor, np.ndarray, int]:
    """Eigenpairs of ``A`` on the real span of the complex rows of ``vectors``, most wanted
    first, with their true residuals; one product per basis vector."""
    real = torch.cat([vectors.real, vectors.imag]).T  # n × 2r
    q, r = torch.linalg.qr(real)
    diag = torch.abs(torch.diagonal(r))
    q = q[:, diag > 1e-10 * float(diag.max())]
    aq = torch.stack([apply(q[:, j]).to(q.dtype) for j in range(q.shape[1])], dim=1)
    h = (q.T @ aq).double().cpu().numpy()
    theta, y = np.linalg.eig(h)
    y = y / np.linalg.norm(y, axis=0)
    order = np.argsort(
        -(which_score(theta, which) if score is None else score(theta)), kind="stable"
    )
    theta, y = theta[order], y[:, order]
    cdtype = torch.complex128 if q.dtype == torch.float64 else torch.complex64
    yt = torch.as_tensor(y, dtype=cdtype, device=q.device)
    x = q.to(cdtype) @ yt
    ax = aq.to(cdtype) @ yt
    lam = torch.as_tensor(theta, dtype=cdtype, device=q.device)
    residuals = torch.linalg.vector_norm(ax - x * lam, dim=0).cpu().numpy()
    return theta, x.T, residuals, q.shape[1]


def chebyshev_eigenpairs(
    apply: Callable[[Tensor], Tensor],
    n: int,
    k: int,
    which: str = "SR",
    *,
    tol: float = 1e-10,
    ncv: int | None = None,
    max_restarts: int = MAX_RESTARTS,
    degree: int | None = None,
    max_refits: int = 2,
    v0: Tensor | None = None,
    dtype: torch.dtype = torch.float64,
    device: Any = None,
    seed: int = 0,
    callback: Callable[[int, int], None] | None = None,
) -> FilteredResult:
    """``k`` eigenpairs of the real operator ``u ↦ apply(u)`` by ``which``, Chebyshev-filtered.

    The steps of the module docstring: ``ncv`` Arnoldi steps (default
    ``min(n, max(2k + 1, 20))``), an ellipse from their Ritz values, Krylov–Schur (``ncv``,
    ``tol``, ``max_restarts``) on ``T_d((A − cI)/e)`` by largest modulus, Rayleigh–Ritz on
    ``A`` with true residuals, refits. ``degree``: the filter's ``d`` (default
    :func:`auto_degree` of the fitted rate). Never raises for non-convergence: a failed run
    returns ``converged=False`` with its best pairs and the reason in ``description``.

    Example:
      >>> A = torch.diag(torch.linspace(0.0, 10.0, 200, dtype=torch.float64))
      >>> r = chebyshev_eigenpairs(lambda u: A @ u, 200, 2, "SR")
      >>> r.converged, (np.round(r.values.real, 8) + 0.0).tolist()
      (True, [0.0, 0.05025126])
    """
    _validate.choice("which", which, KRYLOV_WHICH)
    n = _validate.integer_at_least("n", n, 3)
    k = _validate.integer_at_least("k", k, 1)
    if k > n - 2:
        raise ValueError(f"k must satisfy 1 <= k <= n - 2 = {n - 2}, got {k}")
    m = min(n, max(2 * k + 1, 20)) if ncv is None else _validate.integer_at_least("ncv", ncv, 1)
    if not k + 2 <= m <= n:
        raise ValueError(f"ncv must satisfy k + 2 = {k + 2} <= ncv <= n = {n}, got {ncv}")
    _validate.positive("tol", tol)
    if degree is not None:
        degree = _validate.integer_at_least("degree", degree, 1)
    max_refits = _validate.integer_at_least("max_refits", max_refits, 0)
    f = arnoldi(apply, n, m, v0=v0, dtype=dtype, device=device, seed=seed)
    matvecs = f.matvecs
    theta, y = np.linalg.eig(f.hessenberg[:m, :m])
    order = np.argsort(-which_score(theta, which), kind="stable")
    theta, y = theta[order], y[:, order]
    ritz = theta.copy()
    # start vector: the real part of the wanted Ritz vectors (plus a little of everything)
    start = f.basis[:m].T @ torch.as_tensor(y[:, : min(2 * k, m)].real.sum(axis=1), dtype=dtype)
    start = start + 1e-3 * torch.linalg.vector_norm(start) * f.basis[0]
    best: FilteredResult | None = None
    history: list[str] = []
    for _ in range(max_refits + 1):
        ellipse = fit_ellipse(ritz, k, which)
        if ellipse is None:
            history.append("no ellipse separates the wanted Ritz values")
            break
        d = auto_degree(ellipse.rate) if degree is None else degree
        kf = min(ellipse.wanted, n - 2, m - 2)
        note = (
            f"chebyshev degree {d}, centre {ellipse.center:.6g}, e² {ellipse.focal:.6g}, "
            f"rate {ellipse.rate:.3g}, {kf} filtered values"
        )
        # J's residual ≤ tol·|λ| needs the subspace to about tol·|λ|/‖A‖ (relative to p(A))
        norm = max(np.abs(f.hessenberg).max(), np.abs(ritz).max(), 1e-300)  # ≈ ‖A‖, from below
        smallest = max(float(np.abs(ritz[:kf]).min()), 1e-300)
        tol_f = float(np.clip(tol * smallest / norm, 1e-13, tol))
        counted = _Counted(apply)
        try:
            r = krylov_schur(
                chebyshev_operator(counted, ellipse, d),
                n,
                kf,
                "LM",
                tol=tol_f,
                ncv=m,
                max_restarts=max_restarts,
                v0=start,
                dtype=dtype,
                device=device,
                seed=seed,
                callback=callback,
                return_vectors=True,
            )
            vectors = r.vectors
        except KrylovNoConvergence as err:
            matvecs += counted.count
            history.append(f"{note}: the filtered solve did not converge ({err})")
            break
        matvecs += counted.count
        values, x, residuals, used = _rayleigh_ritz(apply, vectors, which, None)
        matvecs += used
        floor = 100 * np.finfo(float).eps * norm  # where a true residual's rounding lies
        ok = bool(np.all(residuals[:k] <= np.maximum(tol * np.abs(values[:k]), floor)))
        best = FilteredResult(values[:k], x[:k], residuals[:k], ok, matvecs, note)
        # intruders: values found that rank below an unwanted Ritz value (outside the ellipse)
        threshold = which_score(ritz[ellipse.wanted : ellipse.wanted + 1], which)[0]
        extra = values[k:]
        intruders = extra[which_score(extra, which) < threshold] if len(extra) else extra
        if ok and len(intruders) == 0:
            return best._replace(description="; ".join([*history, note]))
        history.append(
            f"{note}: {'converged' if ok else 'residuals above tol'}, "
            f"{len(intruders)} unwanted eigenvalues inside the filter's reach; refitted"
        )
        ritz = np.concatenate([values, ritz[ellipse.wanted :]])  # found values replace W
        ritz = ritz[np.argsort(-which_score(ritz, which), kind="stable")]
        start = torch.sum(x[:k].real, dim=0)
    if best is None:
        return FilteredResult(
            theta[:k], None, np.full(k, np.nan), False, matvecs, "; ".join(history)
        )
    return best._replace(converged=False, matvecs=matvecs, description="; ".join(history))


class _Counted:
    """``apply`` with its products counted."""

    def __init__(self, apply: Callable[[Tensor], Tensor]):
        self.apply, self.count = apply, 0

    def __call__(self, u: Tensor) -> Tensor:
        self.count += 1
        return self.apply(u)
