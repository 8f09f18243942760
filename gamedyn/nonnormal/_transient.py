"""Transient growth: ``‖Tᵗ‖₂`` along the iteration, the worst direction, the Kreiss constant.

Near a fixed point the deviation of an update operator's iterates evolves as
``s_t − s* ≈ Tᵗ (s_0 − s*)`` with ``T`` its Jacobian, so ``‖Tᵗ‖₂`` is the largest amplification
any initial perturbation can have after ``t`` steps. The spectral radius ``ρ(T)`` gives only
the asymptotic rate, ``‖Tᵗ‖^{1/t} → ρ``; for a non-normal ``T``, ``‖Tᵗ‖`` can grow far above
``ρᵗ`` — even above 1 when ``ρ < 1`` — before it decays. ``ρᵗ ≤ ‖Tᵗ‖ ≤ ‖T‖ᵗ`` always, and
``‖Tᵗ‖ ≤ 2 r(T)ᵗ`` with ``r`` the numerical radius (:mod:`.numerical_range`).

For the game Jacobian itself (``method=None``) the dynamics is the gradient flow
``ż = −v(z)``, linearised ``ż = −J z``, and the one-step map is its exact time-``dt`` flow
``e^{−dt J}``: :func:`transient_growth` gives ``‖e^{−t·dt·J}‖`` at ``t = 0 … steps``.

* :func:`transient_growth`: dense (powers by repeated products, norms by LAPACK), or
  matrix-free: Rayleigh–Ritz for ``(Tᵗ)ᵀ Tᵗ`` on one subspace carried along ``t``
  (:func:`power_norms`: the images ``Tᵗ Q`` advanced by one product per kept vector, residual
  expansions at ``2t`` products each, the last worst directions kept to extrapolate the next),
  with the ``JacobianOperator``'s ``apply`` and ``apply_transpose``; for the flow,
  ``e^{−t·dt·J} u`` for a window of ``t`` from one Krylov basis of ``J`` and the residuals'
  ``e^{−t·dt·Jᵀ} w`` by Galerkin on one space of ``Jᵀ`` kept across them, whatever ``t``
  (:func:`flow_powers`). Each value is ``‖Tᵗ v‖`` for a unit ``v``: a lower bound on
  ``‖Tᵗ‖``, found to about ``tol`` relative.
* :func:`worst_direction`: the peak ``t* = argmax ‖Tᵗ‖``, its amplification and the unit
  initial direction (right singular vector) that attains it; :func:`amplification_run` runs the
  method's own step from that direction and measures what it does.
* :func:`kreiss_constant`: ``K(T) = sup_{|w|>1} (|w| − 1) ‖(wI − T)⁻¹‖`` (discrete), or for
  the flow ``K = sup_{Re w<0} |Re w| ‖(wI − J)⁻¹‖``; the Kreiss matrix theorem bounds the
  worst transient, ``K ≤ sup_t ‖Tᵗ‖ ≤ e·N·K`` for an ``N × N`` matrix
  (:func:`kreiss_bounds`; LeVeque and Trefethen 1984, Spijker 1991). ``K = ∞`` when
  ``ρ(T) > 1`` (or some ``Re λ(J) < 0``).

References:
  L. N. Trefethen and M. Embree, *Spectra and Pseudospectra* (2005), chapters 14–18.
  M. N. Spijker, "On a conjecture by LeVeque and Trefethen related to the Kreiss matrix
  theorem", BIT 31 (1991).

Example:
  >>> from gamedyn.games import DiracGAN
  >>> from gamedyn.methods import GDA
  >>> from gamedyn.spectrum import spectral_radius
  >>> game = DiracGAN("saturating", reg="r1", gamma=1.0)      # J is a Jordan block at ½
  >>> growth = transient_growth(game, 10, method=GDA(0.5))
  >>> rho = spectral_radius(GDA(0.5), game)                    # 1 − 0.5 · ½
  >>> round(rho, 6), bool(growth[4] > rho**4)
  (0.75, True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import scipy.linalg
import torch
from scipy.sparse.linalg import expm_multiply

from .. import _validate
from ..backends._dense import TorchOps
from ..backends._state import flatten, step_map
from ..games._base import Game, point_or_default
from ..linalg import ExpmSpace, arnoldi, expm_apply, expm_block, expm_times, symmetric_part_lowest
from ..methods import Method
from ..spectrum._linear import dense_matrix, operator_of, size_of, use_dense
from ..spectrum._operator import JacobianOperator
from ..vocabulary import DEFAULT_PRODUCT_MODE
from ._pseudospectra import SchurResolvent, projected_sigma_min

Tensor = torch.Tensor

__all__ = [
    "flow_map",
    "flow_products",
    "flow_powers",
    "dense_power_norms",
    "power_norms",
    "transient_growth",
    "WorstDirection",
    "worst_direction",
    "amplification_run",
    "kreiss_constant",
    "kreiss_bounds",
    "dense_kreiss_constant",
]


def flow_map(matrix: Any, dt: float = 1.0) -> np.ndarray:
    """``e^{−dt·J}``: the exact time-``dt`` map of the linearised gradient flow ``ż = −J z``."""
    dt = _validate.positive("dt", dt)
    return scipy.linalg.expm(-dt * np.asarray(matrix, dtype=float))


def dense_power_norms(matrix: Any, steps: int) -> np.ndarray:
    """``‖Aᵗ‖₂`` for ``t = 0 … steps`` of a dense ``A`` (powers by repeated products).

    Norms are LAPACK's largest singular value (``numpy.linalg.norm(·, 2)``) up to ``n = 400``,
    ARPACK's (``svds``, to machine precision) above.
    """
    a = np.asarray(matrix, dtype=float)
    steps = _validate.integer_at_least("steps", steps, 0)
    _bounded_steps(steps, dense=True)
    out = np.empty(steps + 1)
    out[0] = 1.0
    power = np.eye(a.shape[0])
    for t in range(1, steps + 1):
        power = a @ power
        out[t] = _two_norm(power)
    return out


def _two_norm(matrix: np.ndarray) -> float:
    if matrix.shape[0] <= 400:
        return float(np.linalg.norm(matrix, 2))
    from scipy.sparse.linalg import svds

    v0 = np.random.default_rng(0).standard_normal(matrix.shape[0])
    return float(svds(matrix, k=1, tol=0, v0=v0, return_singular_vectors=False)[0])


# The carried subspace of :func:`power_norms`: the top Ritz vectors kept from one ``t`` to the
# next, how many earlier worst directions are kept beside them, and the basis size at which a
# ``t`` restarts (thick restart to the top ``_RESTART`` Ritz vectors and the history).
_KEEP, _HISTORY, _MAX_BASIS, _RESTART = 4, 6, 30, 10


class _Powers(NamedTuple):
    """How :func:`power_norms` reaches powers of ``T``: ``images(u, first, last)`` is
    ``[T^first u, …, T^last u]``, ``power_t(w, t, accuracy)`` is ``(Tᵀ)ᵗ w`` (to ``accuracy``
    relative where it is approximated: the flow's exponential), and ``window`` how many
    steps of images to compute ahead at once (one Krylov basis serves them all for the flow;
    chained products gain nothing from it). For the flow also ``block(u, first, last)``: a few
    orthonormal Krylov vectors ``U`` of ``A`` from ``u`` and ``[T^first U, …, T^last U]`` from
    one basis (an expansion by a block, a product or so per extra vector); ``start(noise)``: the
    vector ``t = 1`` starts from; ``basis``: the largest basis and the size a thick restart
    cuts it to."""

    images: Callable[[Tensor, int, int], list[Tensor]]
    power_t: Callable[[Tensor, int, float], Tensor]
    window: int
    block: Callable[[Tensor, int, int], tuple[Tensor, list[Tensor]]] | None = None
    start: Callable[[Tensor], Tensor] | None = None
    basis: tuple[int, int] = (_MAX_BASIS, _RESTART)


def _chained(
    apply: Callable[[Tensor], Tensor], apply_transpose: Callable[[Tensor], Tensor]
) -> _Powers:
    """Powers by repeated products: ``T^last u`` costs ``last`` products, ``(Tᵀ)ᵗ w`` ``t``."""

    def images(u: Tensor, first: int, last: int) -> list[Tensor]:
        out = []
        for k in range(1, last + 1):
            u = apply(u)
            if k >= first:
                out.append(u)
        return out

    def power_t(w: Tensor, t: int, accuracy: float) -> Tensor:
        for _ in range(t):
            w = apply_transpose(w)
        return w

    return _Powers(images, power_t, 1)


def power_norms(
    apply: Callable[[Tensor], Tensor],
    apply_transpose: Callable[[Tensor], Tensor],
    n: int,
    steps: int,
    *,
    tol: float = 1e-10,
    lanczos_steps: int = 100,
    seed: int = 0,
    device: Any = None,
    dtype: torch.dtype = torch.float64,
    powers: _Powers | None = None,
) -> tuple[np.ndarray, list[Tensor]]:
    """``‖Tᵗ‖₂`` for ``t = 0 … steps`` from products ``T u`` and ``Tᵀ w`` only (matrix-free).

    One subspace carried along ``t`` (Rayleigh–Ritz for ``Bₜ = (Tᵗ)ᵀTᵗ``, Davidson-style): an
    orthonormal basis ``Q`` and its images ``Yₜ = Tᵗ Q``; the Ritz values of ``Bₜ`` on ``Q`` are
    the eigenvalues of ``Yₜ Yₜᵀ`` (no products), the top one ``θ = ‖Tᵗ v‖²`` with ``v`` its unit
    Ritz vector, and the residual ``r = Bₜ v − θ v`` costs ``t`` products of ``Tᵀ`` (``Tᵗ v``
    is already in ``Yₜ``). Until ``t`` has converged, ``r`` (orthogonalised) joins ``Q`` with its
    image ``Tᵗ r`` (``t`` products), so each expansion costs ``2t`` products like a Lanczos
    step on ``Bₜ``; from ``t`` to ``t + 1`` the basis is cut to the top few Ritz vectors and
    the worst directions ``v`` of the last few ``t`` (they extrapolate the next one: its first
    residual is typically ``10⁻⁴ θ`` instead of ``10⁻² θ`` from a single vector), and
    ``Yₜ₊₁ = T Yₜ`` costs one product per kept vector. ``t = 1`` starts from a fixed random
    vector (``seed``). Where ``powers`` has blocks (the flow, :func:`flow_powers`), an
    expansion adds the residual's first few Krylov vectors instead of ``r`` alone, with their
    images from one Krylov basis, and ``t = 1`` starts from ``powers.start``'s vector. The
    residual steers and stops, never enters a value: ``(Tᵀ)ᵗ`` where it is approximated (the
    flow's exponential) is computed to 1 % of the last relative residual (the previous ``t``'s
    first one at a new ``t``), at least to ``tol / 10`` and at most to 1e-6.

    Accuracy: ``t`` has converged when the relative residual ``‖r‖/θ`` is at most ``tol``, or
    at most ``√tol`` with the quadratic (Kato–Temple) estimate ``‖r‖²/(θ δ) ≤ tol``, ``δ`` the
    gap from ``θ`` to the next Ritz value more than ``‖r‖`` below it; the Ritz value of a
    Hermitian matrix is within ``‖r‖²/gap`` of its eigenvalue, so ``‖Tᵗ‖²`` is found to about
    ``tol`` relative (unless the two top singular values of ``Tᵗ`` are closer than ``‖r‖``:
    then to within their distance). Every returned norm is ``‖Tᵗ v‖`` for a unit ``v``, a lower
    bound on ``‖Tᵗ‖`` whatever the convergence (an iterative estimate, as ARPACK's; for the
    flow up to the Krylov exponentials' relative accuracy, 1e-13, times at most
    ``1/``:data:`_BLOCK_DROP` where a block is orthonormalised).

    Returns the norms and the unit right singular vectors (``vectors[t]`` attains ``‖Tᵗ‖``).
    ``powers``: how to reach ``Tᵗ`` and ``(Tᵀ)ᵗ`` other than by ``t`` products each (the flow's
    ``e^{−t·dt·J}`` by Krylov exponentials, :func:`flow_powers`).

    Raises:
      ValueError: not converged in ``lanczos_steps`` expansions at some ``t``.
    """
    steps = _validate.integer_at_least("steps", steps, 0)
    _bounded_steps(steps, dense=False)
    seed = _validate.seed("seed", seed)
    tol = _validate.positive("tol", tol)
    lanczos_steps = _validate.integer_at_least("lanczos_steps", lanczos_steps, 1)
    ops = _chained(apply, apply_transpose) if powers is None else powers
    largest, restart = ops.basis
    noise = torch.randn(n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    noise = (noise / torch.linalg.vector_norm(noise)).to(dtype=dtype, device=device)
    norms, vectors = np.ones(steps + 1), [noise]
    first = noise if ops.start is None else ops.start(noise)
    basis = first[None] / torch.linalg.vector_norm(first)  # Q: orthonormal rows
    level = basis.clone()  # T^{t-1} Q, then Tᵗ Q
    ahead: list[Tensor] = []  # the window: ahead[j] = T^{t+j} Q
    first_residual = 1.0  # the last t's first relative residual: a guess of the next t's
    for t in range(1, steps + 1):
        if not ahead:  # a new window of images, from the rows' images at t − 1
            last = min(steps, t + ops.window - 1)
            if t == 1 and ops.block is not None:  # the start's block: its Krylov vectors
                basis, ahead = ops.block(first, 1, last)
            else:
                rows = [ops.images(y, 1, last - t + 1) for y in level]
                ahead = [torch.stack([r[j] for r in rows]) for j in range(last - t + 1)]
        level = ahead.pop(0)
        last_residual = first_residual
        for expansion in range(lanczos_steps + 1):
            theta, coeffs = _ritz(level)
            c = torch.as_tensor(coeffs[:, 0], dtype=level.dtype, device=level.device)
            v, image = c @ basis, c @ level
            top = float(theta[0])
            accuracy = min(_LOOSEST, max(tol / 10, last_residual * _RESIDUAL_ACCURACY))
            residual = ops.power_t(image, t, accuracy) - top * v
            size = float(torch.linalg.vector_norm(residual))
            last_residual = size / max(abs(top), 1e-300)
            if expansion == 0:
                first_residual = last_residual
            if _converged(size, theta, tol) or expansion == lanczos_steps:
                break
            if basis.shape[0] >= min(largest, n):  # thick restart
                basis, level, ahead = _cut(basis, level, ahead, coeffs, restart, vectors[1:])
            if ops.block is None:
                rows = _orthonormal_row(basis, residual, size)
                new = None if rows is None else (rows, ops.images(rows[0], t, t + len(ahead)))
            else:  # the residual's Krylov block, orthonormalised against the basis
                rows, images = ops.block(residual, t, t + len(ahead))
                new = _orthonormal_block(basis, [level, *ahead], rows, images)
            if new is None:  # the basis is invariant: θ is exact
                size = 0.0
                break
            rows, images = new
            basis = torch.cat([basis, rows])
            level = torch.cat([level, images[0].reshape(rows.shape)])
            later = zip(ahead, images[1:], strict=True)
            ahead = [torch.cat([a, y.reshape(rows.shape)]) for a, y in later]
        if not _converged(size, theta, tol):
            raise ValueError(
                f"the norm estimate of Tᵗ (Rayleigh–Ritz on (Tᵗ)ᵀTᵗ) did not reach tol = "
                f"{tol:g} at t = {t} in lanczos_steps = {lanczos_steps} expansions (relative "
                f"residual {size / max(top, 1e-300):.2e}, estimate ‖Tᵗ‖ ≈ "
                f"{np.sqrt(max(top, 0.0)):.8g}); "
                "raise lanczos_steps or loosen tol"
            )
        norms[t] = float(torch.linalg.vector_norm(image)) / float(torch.linalg.vector_norm(v))
        vectors.append(v / torch.linalg.vector_norm(v))
        if t < steps and not ahead:  # the next t needs new images of every row: cut first
            basis, level, ahead = _cut(basis, level, ahead, coeffs, _KEEP, vectors[1:])
    return norms, vectors


def _orthonormal_row(basis: Tensor, residual: Tensor, size: float) -> Tensor | None:
    """The residual orthogonalised against the basis (classical Gram–Schmidt, twice) and
    normalised, as one row; ``None`` when nothing is left (the basis is invariant)."""
    for _ in range(2):
        residual = residual - basis.T @ (basis @ residual)
    fresh = float(torch.linalg.vector_norm(residual))
    if fresh <= 1e-12 * max(size, 1e-300):
        return None
    return (residual / fresh)[None]


# The accuracy of ``(Tᵀ)ᵗ w`` for a residual (its direction and the stopping test only, never a
# value): this fraction of the last relative residual, at least ``tol / 10``, at most _LOOSEST.
_RESIDUAL_ACCURACY, _LOOSEST = 1e-2, 1e-6


# A block's direction is dropped when less than this fraction of its norm is outside the basis
# (its images' errors are amplified by the inverse in the orthonormalisation: at most 1e3 × the
# exponentials' 1e-13; measured on the digits DCGAN, 1e-4 saves 32 of 1,042 products, 1e-2
# costs more).
_BLOCK_DROP = 1e-3


def _orthonormal_block(
    basis: Tensor, levels: list[Tensor], rows: Tensor, images: list[Tensor]
) -> tuple[Tensor, list[Tensor]] | None:
    """New orthonormal rows (with their images at every level) spanning the part of ``rows``
    outside the basis: ``rows − C Q`` has the images ``images − C·levels`` (``levels[j]`` the
    images of ``Q``), orthonormalised by the inverse square root of its Gram matrix, twice;
    directions with less than :data:`_BLOCK_DROP` of their norm left are dropped. ``None``
    when none is left."""
    for _ in range(2):
        for _ in range(2):  # classical Gram–Schmidt against the basis, twice
            c = rows @ basis.T
            rows = rows - c @ basis
            images = [y - c @ lv for y, lv in zip(images, levels, strict=True)]
        gram = (rows @ rows.T).double().cpu().numpy()
        values, vectors = np.linalg.eigh((gram + gram.T) / 2)
        kept = values > _BLOCK_DROP**2
        if not kept.any():
            return None
        w = torch.as_tensor(
            (vectors[:, kept] / np.sqrt(values[kept])).T.copy(), dtype=rows.dtype,
            device=rows.device,
        )  # fmt: skip
        rows, images = w @ rows, [w @ y for y in images]
    return rows, images


def _ritz(level: Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Ritz values of ``(Tᵗ)ᵀTᵗ`` on the basis (descending) and their coefficient vectors:
    the eigenpairs of ``Yₜ Yₜᵀ`` (the basis is orthonormal)."""
    gram = (level @ level.T).double().cpu().numpy()
    values, coeffs = np.linalg.eigh((gram + gram.T) / 2)
    return values[::-1].copy(), coeffs[:, ::-1].copy()


def _converged(size: float, theta: np.ndarray, tol: float) -> bool:
    """The stopping rule of :func:`power_norms` (its docstring): ``‖r‖ ≤ tol θ``, or
    ``‖r‖ ≤ √tol θ`` and ``‖r‖² ≤ tol θ δ``."""
    top = float(theta[0])
    if size <= tol * top:
        return True
    if size > np.sqrt(tol) * top:
        return False
    below = theta[1:][theta[1:] < top - size]
    return below.size > 0 and size**2 <= tol * top * (top - float(below[0]))


def _cut(
    basis: Tensor,
    level: Tensor,
    ahead: list[Tensor],
    coeffs: np.ndarray,
    keep: int,
    history: list[Tensor],
) -> tuple[Tensor, Tensor, list[Tensor]]:
    """The basis cut to its top ``keep`` Ritz vectors and the last :data:`_HISTORY` worst
    directions (all in its span: a change of coordinates, no products), orthonormalised."""
    rows = [coeffs[:, j] for j in range(min(keep, coeffs.shape[1]))]
    for v in history[-_HISTORY:][::-1]:
        rows.append((basis @ v.to(basis)).double().cpu().numpy())
    kept: list[np.ndarray] = []
    for row in rows:  # Gram–Schmidt on the coefficients (the basis is orthonormal), twice
        for _ in range(2):
            for k in kept:
                row = row - (k @ row) * k
        norm = float(np.linalg.norm(row))
        if norm > 1e-8:
            kept.append(row / norm)
    c = torch.as_tensor(np.array(kept), dtype=basis.dtype, device=basis.device)
    return c @ basis, c @ level, [c @ a for a in ahead]


def flow_products(op: JacobianOperator, dt: float) -> tuple[Callable, Callable]:
    """``u ↦ e^{−dt A} u`` and ``w ↦ e^{−dt Aᵀ} w`` on tensors, by ``expm_multiply``."""
    minus, minus_t = -dt * op, -dt * op.T

    def as_tensor(x: np.ndarray, like: Tensor) -> Tensor:
        return torch.as_tensor(np.real(x), dtype=like.dtype, device=like.device)

    def apply(u: Tensor) -> Tensor:
        return as_tensor(expm_multiply(minus, u.detach().cpu().double().numpy(), traceA=0.0), u)

    def apply_transpose(w: Tensor) -> Tensor:
        image = expm_multiply(minus_t, w.detach().cpu().double().numpy(), traceA=0.0)
        return as_tensor(image, w)

    return apply, apply_transpose


# How many steps of the flow one Krylov basis covers (:func:`flow_powers`' ``window``), at
# most: the images ahead take ``window · _FLOW_BASIS`` vectors, kept under ``_WINDOW_BYTES``.
_FLOW_WINDOW, _WINDOW_BYTES = 10, 2**30

# The residuals' space of ``Aᵀ`` (:class:`~gamedyn.linalg.ExpmSpace`): at most this many rows (each
# with its product and defect: three vectors, under ``_WINDOW_BYTES``), and one Krylov
# exponential per residual instead where fewer than ``_TRANSPOSED_LEAST`` rows fit.
_TRANSPOSED_ROWS, _TRANSPOSED_LEAST = 400, 64


# The flow's carried subspace (:func:`flow_powers`): each expansion adds the residual's first
# ``_FLOW_BLOCK`` Krylov vectors of ``A`` (their images from the one basis, about a product
# each), up to ``_FLOW_BASIS`` rows, a thick restart cutting to ``_FLOW_RESTART``; ``t = 1``
# starts from the lowest eigenvector of ``(A + Aᵀ)/2`` (Lanczos to ``_START_TOL``, at most
# ``_START_STEPS`` steps of two products).
_FLOW_BLOCK, _FLOW_BASIS, _FLOW_RESTART, _START_TOL, _START_STEPS = 9, 300, 100, 1e-5, 60


def flow_powers(op: JacobianOperator, dt: float, tol: float = 1e-13) -> _Powers:
    """The flow's powers for :func:`power_norms`: ``e^{−t·dt·A} u`` for ``t = first … last``
    from one Krylov basis of ``A`` started at ``u`` (``m`` products, ``m`` growing with
    ``last·dt·‖A‖``, not with the number of times), and ``e^{−t·dt·Aᵀ} w`` by Galerkin on one
    space of ``Aᵀ`` kept across all the residuals (:class:`~gamedyn.linalg.ExpmSpace`: an
    augmented Krylov space, a residual adding only the directions its own estimate asks for,
    4–8 products instead of 5–12 on the digits DCGAN; the start's products of ``Aᵀ`` join it
    for free), in float64 on the operator's device. The residual's accuracy is what
    :func:`power_norms` asks, estimated as for one Krylov basis (the defect's integral); where
    :data:`_TRANSPOSED_LEAST` rows do not fit in memory, one Krylov exponential per residual
    (:func:`~gamedyn.linalg.expm_apply`).

    Expansions by blocks: the residual's first :data:`_FLOW_BLOCK` Arnoldi vectors ``r, A r, …``
    (orthonormalised) with their images for every ``t`` ahead, all from one basis a few products
    longer than ``r``'s alone. The start: ``e^{−sAᵀ} e^{−sA} = I − 2s (A + Aᵀ)/2 + O(s²)``, so
    for small ``s`` the worst direction is near the eigenvector of the lowest eigenvalue of the
    symmetric part, found by Lanczos at two products a step; the block of its Krylov vectors
    holds the first-order correction (``Aᵀ v = 2λ v − A v`` for that eigenvector ``v``).
    """

    def images(u: Tensor, first: int, last: int) -> list[Tensor]:
        times = [k * dt for k in range(first, last + 1)]
        return expm_times(op.apply, u, times, tol, 200)[0]

    def block(u: Tensor, first: int, last: int) -> tuple[Tensor, list[Tensor]]:
        times = [k * dt for k in range(first, last + 1)]
        rows, out, _, _ = expm_block(op.apply, u, times, tol, 200, _FLOW_BLOCK)
        return rows, out

    # the residuals' e^{−t·dt·Aᵀ} w: one space of Aᵀ kept across them (their Krylov spaces
    # overlap: 4–7 products each on the digits DCGAN instead of 5–12), where it fits in memory
    n = int(op.shape[0])
    rows = min(_TRANSPOSED_ROWS, _WINDOW_BYTES // (24 * n))  # X, A X and R
    transposed = None if rows < _TRANSPOSED_LEAST else ExpmSpace(
        op.apply_transpose, n, torch.float64, op.device, rows
    )  # fmt: skip

    def power_t(w: Tensor, t: int, accuracy: float) -> Tensor:
        if transposed is None:
            return expm_apply(op.apply_transpose, w, t * dt, tol=max(tol, accuracy)).vector
        return transposed.apply(w, t * dt, max(tol, accuracy)).vector

    def start(noise: Tensor) -> Tensor:
        def apply_transpose(u: Tensor) -> Tensor:  # the start's products of Aᵀ join the space
            image = op.apply_transpose(u)
            if transposed is not None:
                transposed.record(u, image)
            return image

        return symmetric_part_lowest(op.apply, apply_transpose, noise, _START_TOL, _START_STEPS)

    per_step = _FLOW_BASIS * int(op.shape[0]) * 8
    window = max(1, min(_FLOW_WINDOW, _WINDOW_BYTES // per_step))
    return _Powers(images, power_t, window, block, start, (_FLOW_BASIS, _FLOW_RESTART))


def transient_growth(
    game: Game,
    steps: int,
    *,
    method: Method | None = None,
    z: Any = None,
    dt: float = 1.0,
    matrix_free: bool | None = None,
    tol: float = 1e-10,
    lanczos_steps: int = 100,
    mode: str = DEFAULT_PRODUCT_MODE,
) -> np.ndarray:
    """``‖Tᵗ‖₂`` for ``t = 0 … steps``: the largest amplification after ``t`` steps.

    ``T`` is ``method``'s operator Jacobian at the state built from ``z`` (``z=None``: the
    game's default point); with ``method=None``, the linearised gradient flow's map
    ``e^{−dt·J}`` (so entry ``t`` is ``‖e^{−t·dt·J}‖``). ``matrix_free=None`` chooses dense up to
    :data:`~gamedyn.spectrum.DENSE_LIMIT` unknowns; matrix-free estimates each ``‖Tᵗ‖`` by
    Rayleigh–Ritz for ``(Tᵗ)ᵀTᵗ`` on one subspace carried along ``t``, with products of a
    :class:`~gamedyn.spectrum.JacobianOperator` (``mode``), to relative accuracy about
    ``tol`` (:func:`power_norms`; each value a lower bound on ``‖Tᵗ‖``): a few products per
    kept vector and ``2t`` per expansion at each ``t`` (measured in
    ``docs/benchmarks_performance.md``), still growing like ``steps²`` at worst, so keep
    ``steps`` modest at scale; for the flow, expansions by Krylov blocks of ``J`` and ``t = 1``
    from the symmetric part's lowest eigenvector (:func:`flow_powers`).

    Returns:
      A float array of ``steps + 1`` norms, entry 0 equal to 1.
    """
    steps = _validate.integer_at_least("steps", steps, 0)
    dt = _validate.positive("dt", dt)
    dense = use_dense(game, method, matrix_free)
    _bounded_steps(steps, dense)
    if dense:
        matrix = dense_matrix(game, method, z)
        return dense_power_norms(flow_map(matrix, dt) if method is None else matrix, steps)
    op = operator_of(game, method, z, mode)
    powers = None if method is not None else flow_powers(op, dt)
    norms, _ = power_norms(
        op.apply, op.apply_transpose, op.shape[0], steps, tol=tol, lanczos_steps=lanczos_steps,
        device=op.device, powers=powers,
    )  # fmt: skip
    return norms


class WorstDirection(NamedTuple):
    """The worst transient up to some step: ``step = argmax_t ‖Tᵗ‖``, ``amplification =
    ‖T^step‖``, ``direction`` the unit initial perturbation (of the state, ``order · n``
    entries) with ``‖T^step direction‖ = amplification``, and ``norms`` (all ``‖Tᵗ‖``)."""

    step: int
    amplification: float
    direction: np.ndarray
    norms: np.ndarray


def worst_direction(
    game: Game,
    steps: int,
    *,
    method: Method | None = None,
    z: Any = None,
    dt: float = 1.0,
    matrix_free: bool | None = None,
    tol: float = 1e-10,
    lanczos_steps: int = 100,
) -> WorstDirection:
    """The peak of :func:`transient_growth` over ``t ≤ steps`` and the direction attaining it.

    Dense: the leading right singular vector of ``T^{t*}`` (LAPACK); matrix-free: the Ritz
    vector of :func:`power_norms`. The sign is fixed so that the largest entry is positive.
    """
    steps = _validate.integer_at_least("steps", steps, 0)
    dt = _validate.positive("dt", dt)
    if use_dense(game, method, matrix_free):
        matrix = dense_matrix(game, method, z)
        matrix = flow_map(matrix, dt) if method is None else matrix
        norms = dense_power_norms(matrix, steps)
        peak = int(np.argmax(norms))
        _, _, vh = np.linalg.svd(np.linalg.matrix_power(matrix, peak))
        direction = vh[0]
    else:
        op = operator_of(game, method, z)
        norms, vectors = power_norms(
            op.apply, op.apply_transpose, op.shape[0], steps, tol=tol,
            lanczos_steps=lanczos_steps, device=op.device,
            powers=None if method is not None else flow_powers(op, dt),
        )  # fmt: skip
        peak = int(np.argmax(norms))
        direction = vectors[peak].detach().cpu().double().numpy()
    direction = direction * np.sign(direction[np.argmax(np.abs(direction))])
    return WorstDirection(peak, float(norms[peak]), direction / np.linalg.norm(direction), norms)


def amplification_run(
    method: Method, game: Game, direction: Any, steps: int, z: Any = None, eps: float = 1e-6
) -> np.ndarray:
    """``‖δ_t‖ / ‖δ_0‖`` for ``t = 0 … steps``, running ``method``'s own step (float64, dense
    primitives) from the state ``s_0 = init(z)`` and from ``s_0 + eps · direction``.

    ``δ_t`` is the difference of the two runs after ``t`` steps. Where ``z`` is a fixed point,
    ``δ_t = Tᵗ δ_0 + O(eps²)``: from :func:`worst_direction`'s direction the ratio at its step
    is the predicted amplification, to ``O(eps)``. ``direction`` is a perturbation of the
    whole state (``order · n`` entries: ``(z_t, z_{t−1})`` for augmented methods).
    """
    if not isinstance(method, Method):
        raise TypeError(f"method must be an update operator (a Method), got {method!r}")
    steps = _validate.integer_at_least("steps", steps, 0)
    eps = _validate.positive("eps", eps)
    base = flatten(method.init(point_or_default(game, z)))
    d = _validate.vector("direction", direction, base.shape[0]).to(base)
    d = eps * d / torch.linalg.vector_norm(d)
    update = step_map(method, TorchOps(game))
    a, b = base.clone(), base + d
    out = np.empty(steps + 1)
    out[0] = 1.0
    with torch.no_grad():
        for t in range(1, steps + 1):
            a, b = update(a), update(b)
            out[t] = float(torch.linalg.vector_norm(b - a) / eps)
    return out


def _bounded_steps(steps: int, dense: bool) -> None:
    """Refuse, before any work, more steps than the dense or matrix-free limit."""
    if dense:
        _validate.at_most(
            "steps", steps, _validate.MAX_DENSE_POWERS, "one product and one 2-norm per step"
        )
    else:
        _validate.at_most(
            "steps",
            steps,
            _validate.MAX_MATRIX_FREE_POWERS,
            "matrix-free, a norm estimate at every step (2t products an expansion)",
        )


def kreiss_bounds(constant: float, size: int) -> tuple[float, float]:
    """The Kreiss matrix theorem: ``K ≤ sup_t ‖Tᵗ‖ ≤ e · N · K`` for an ``N × N`` matrix with
    Kreiss constant ``K`` (discrete or continuous time); returns ``(K, e·N·K)``. ``K`` is a
    supremum of non-negative quantities: a negative or non-finite one is refused.

    Example:
      >>> kreiss_bounds(1.5, 2)[1] == float(np.e * 2 * 1.5)
      True
    """
    constant = _validate.nonnegative("constant", constant)
    size = _validate.integer_at_least("size", size, 1)
    return float(constant), float(np.e * size * constant)


def _maximise(
    f: Callable[[np.ndarray], float], starts: list[np.ndarray], bounds: list[tuple[float, float]]
) -> tuple[float, np.ndarray]:
    """The largest of ``f`` over Nelder–Mead runs from ``starts`` (scipy.optimize, imported
    here: ``import gamedyn`` does not load it)."""
    from scipy.optimize import minimize

    best, where = -np.inf, starts[0]
    for x0 in starts:
        result = minimize(
            lambda x: -f(np.clip(x, *np.array(bounds).T)),
            x0,
            method="Nelder-Mead",
            options={"xatol": 1e-9, "fatol": 1e-12, "maxiter": 600},
        )
        x = np.clip(result.x, *np.array(bounds).T)
        value = f(x)
        if value > best:
            best, where = value, x
    return best, where


def dense_kreiss_constant(
    matrix: Any,
    discrete: bool = True,
    *,
    sigma_min: Callable[[complex], float] | None = None,
    starts: int = 6,
) -> tuple[float, complex]:
    """The Kreiss constant of a dense matrix and the point ``w`` where the supremum is attained.

    Discrete (``discrete=True``): ``sup_{|w|>1} (|w| − 1)/σ_min(wI − A)``, searched over
    ``w = (1 + e^s) e^{iφ}``; continuous: ``sup_{Re w<0} |Re w|/σ_min(wI − A)`` over
    ``w = −e^s + iy``. A coarse grid (angles or heights of the eigenvalues included) picks
    ``starts`` points, refined by Nelder–Mead; ``σ_min`` by :class:`SchurResolvent` unless
    ``sigma_min`` is given (e.g. a Krylov-projected one: a lower bound on ``K``). ``∞`` (and
    ``w = nan``) when ``ρ(A) > 1`` (discrete) or ``min Re λ < 0`` (continuous). ``K ≥ 1``
    always (the limit at infinity; then ``w = inf``). The value is a supremum found by search:
    a lower bound that is tight to the optimiser's tolerance.
    """
    a = np.asarray(matrix, dtype=float)
    resolvent = SchurResolvent(a)
    lam = resolvent.eigenvalues
    sigma = resolvent.sigma_min if sigma_min is None else sigma_min
    scale = max(float(np.abs(lam).max()), float(np.linalg.norm(a, 2)), 1e-300)
    unstable = (np.abs(lam).max() > 1 + 1e-12) if discrete else (lam.real.min() < -1e-12 * scale)
    if unstable:
        return np.inf, complex(np.nan, np.nan)

    if discrete:

        def point(x: np.ndarray) -> complex:
            return (1 + np.exp(x[0])) * np.exp(1j * x[1])

        def f(x: np.ndarray) -> float:
            w = point(x)
            return float((abs(w) - 1) / max(sigma(w), 1e-300))

        s_axis = np.linspace(np.log(1e-6), np.log(10.0), 15)
        angles = np.concatenate([np.linspace(0, np.pi, 37), np.mod(np.angle(lam), 2 * np.pi)])
        angles = angles[angles <= np.pi + 1e-12]  # real A: conjugate symmetry
        bounds = [(np.log(1e-12), np.log(1e3)), (-np.pi, 2 * np.pi)]
        grid = [np.array([s, p]) for s in s_axis for p in angles]
    else:

        def point(x: np.ndarray) -> complex:
            return complex(-np.exp(x[0]), x[1])

        def f(x: np.ndarray) -> float:
            w = point(x)
            return float(-w.real / max(sigma(w), 1e-300))

        top = float(np.abs(lam.imag).max())
        s_axis = np.linspace(np.log(1e-6 * scale), np.log(10.0 * scale), 15)
        heights = np.concatenate([np.linspace(0, 1.5 * top + 0.5 * scale, 31), np.abs(lam.imag)])
        bounds = [(np.log(1e-12 * scale), np.log(1e3 * scale)), (-10 * scale, 10 * scale)]
        grid = [np.array([s, y]) for s in s_axis for y in heights]
    values = np.array([f(x) for x in grid])
    best = np.argsort(-values)[: max(1, int(starts))]
    value, where = _maximise(f, [grid[i] for i in best], bounds)
    if value < 1.0:  # the supremum is the limit 1 at infinity (|w| → ∞, or Re w → −∞)
        return 1.0, complex(np.inf, 0.0)
    return value, point(where)


def kreiss_constant(
    game: Game,
    *,
    method: Method | None = None,
    z: Any = None,
    ncv: int | None = None,
    mode: str = DEFAULT_PRODUCT_MODE,
) -> float:
    """The Kreiss constant of ``method``'s operator Jacobian ``T`` (discrete time), or with
    ``method=None`` of the gradient flow ``ż = −J z`` (continuous time, the left half plane).

    ``K(T) = sup_{|w|>1} (|w| − 1) ‖(wI − T)⁻¹‖`` and ``K = sup_{Re w<0} |Re w| ‖(wI − J)⁻¹‖``;
    by the Kreiss matrix theorem (:func:`kreiss_bounds`) ``K ≤ sup_t ‖Tᵗ‖ ≤ e·N·K``
    (``sup_t ‖e^{−tJ}‖`` for the flow). ``∞`` when ``ρ(T) > 1`` (some ``Re λ(J) < 0``). Dense
    by default; ``ncv=m`` evaluates the resolvent from ``m`` matrix-free Arnoldi steps
    (Krylov-projected, so the result is a lower bound on ``K``).

    Example:
      >>> from gamedyn.games import Bilinear
      >>> from gamedyn.methods import ExtraGradient
      >>> round(kreiss_constant(Bilinear([[1.0]]), method=ExtraGradient(0.5)), 6)  # normal T
      1.0
    """
    size = size_of(game, method)
    if ncv is None:
        return dense_kreiss_constant(dense_matrix(game, method, z), method is not None)[0]
    op = operator_of(game, method, z, mode)
    ncv = _validate.integer_at_least("ncv", ncv, 1)
    if ncv > size:
        raise ValueError(f"ncv = {ncv} is larger than the operator's size {size}")
    factorisation = arnoldi(op.apply, size, ncv, device=op.device)
    hbar = factorisation.hessenberg

    def sigma(w: complex) -> float:
        return float(projected_sigma_min(hbar, [w.real], [w.imag])[0, 0])

    return dense_kreiss_constant(hbar[:ncv], method is not None, sigma_min=sigma)[0]
