"""Solver candidates for operator spectra that the library does not ship (measured and lost).

Each candidate runs on the update operator's own products (``JacobianOperator(game, None,
method)``, the operator route), finds the ``k`` eigenvalues of largest modulus to
``‖A x − μ x‖ ≤ tol·|μ|·‖x‖``, and returns a :class:`Found` with every operator product it made
counted (inner solves included) and the true residuals recomputed afterwards (not counted):

* :func:`extraction`: Arnoldi without restarts (classical Gram–Schmidt twice), convergence tested
  every ``every`` vectors from ``first`` on, with Ritz (``"ritz"``), refined Ritz (``"refined"``:
  for each wanted Ritz value ``θ`` the vector ``V y`` minimising ``‖(A − θ) V y‖``, i.e. the right
  singular vector of ``σ_min(H̄ − θ Ĩ)``, and its Rayleigh quotient) or harmonic Ritz
  (``"harmonic"``: Petrov–Galerkin on ``(A − τ) V``, ``τ`` just outside the wanted cluster, from
  a pilot Ritz value; Rayleigh quotients of the harmonic vectors) extraction.
* :func:`shift_invert`: Krylov–Schur (:func:`gamedyn.linalg.krylov_schur`) on
  ``(A − σ I)⁻¹``, each product one GMRES solve (:func:`gamedyn.linalg.gmres_to_tolerance`, relative
  residual ``inner_tol``), ``σ = (1 + δ) μ̂``, ``μ̂`` the most wanted Ritz value of a 40-product
  pilot (counted); the values are mapped back, ``μ = σ + 1/ν``.
* :func:`block_krylov`: block Arnoldi with block size ``b`` (products batched with ``vmap``:
  ``JacobianOperator.matmat``), unrestarted, Ritz extraction tested every block from ``first``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from gamedyn.linalg import gmres_to_tolerance, krylov_schur

Tensor = torch.Tensor


class Found(NamedTuple):
    values: np.ndarray
    residuals: np.ndarray
    matvecs: int
    note: str


class Overbudget(RuntimeError):
    """The candidate used more products than its budget."""


def _cgs2(basis: Tensor, w: Tensor) -> tuple[Tensor, Tensor]:
    h = basis @ w
    w = w - basis.T @ h
    c = basis @ w
    return h + c, w - basis.T @ c


def _true_residuals(op, values: np.ndarray, vectors: list[np.ndarray]) -> np.ndarray:
    out = []
    for mu, x in zip(values, vectors, strict=True):
        ax = op.matvec(x.real) + 1j * op.matvec(x.imag)
        out.append(np.linalg.norm(ax - mu * x) / np.linalg.norm(x))
    return np.array(out)


def _arnoldi_steps(op, n: int, v0: Tensor, budget: int):
    """Yield ``(j, V, H̄)`` after each new vector (``V``: ``(j + 1) × n``, ``H̄``: ``(j+1) × j``)."""
    v = torch.zeros(budget + 1, n, dtype=torch.float64)
    v[0] = v0 / torch.linalg.vector_norm(v0)
    hbar = np.zeros((budget + 1, budget))
    for j in range(budget):
        h, w = _cgs2(v[: j + 1], op.apply(v[j]))
        beta = torch.linalg.vector_norm(w)
        hbar[: j + 1, j] = h.numpy()
        hbar[j + 1, j] = float(beta)
        v[j + 1] = w / beta
        yield j + 1, v, hbar


def extraction(
    op,
    k: int,
    tol: float,
    kind: str = "ritz",
    *,
    first: int = 40,
    every: int = 10,
    budget: int = 600,
) -> Found:
    n = op.shape[0]
    v0 = torch.as_tensor(np.random.default_rng(0).standard_normal(n))
    start = op.count
    tau = None
    for m, v, hbar in _arnoldi_steps(op, n, v0, budget):
        if m < first or m % every:
            continue
        H, Hb = hbar[:m, :m], hbar[: m + 1, :m]
        theta, Y = np.linalg.eig(H)
        wanted = np.argsort(-np.abs(theta), kind="stable")
        if kind == "ritz":
            Y = Y / np.linalg.norm(Y, axis=0)
            rho, ys = theta[wanted[:k]], [Y[:, i] for i in wanted[:k]]
        elif kind == "refined":
            rho, ys = [], []
            for i in wanted[:k]:
                _, _, vh = np.linalg.svd(Hb - theta[i] * np.eye(m + 1, m))
                y = vh[-1].conj()
                ys.append(y)
                rho.append(np.vdot(y, H @ y))
            rho = np.array(rho)
        elif kind == "harmonic":
            if tau is None:  # just outside the wanted cluster, from the first Ritz values
                tau = theta[wanted[0]] * 1.01
            em = np.zeros(m)
            em[-1] = 1.0
            f = np.linalg.solve((H - tau * np.eye(m)).conj().T, em)
            phi, Y = np.linalg.eig(H + hbar[m, m - 1] ** 2 * np.outer(f, em))
            Y = Y / np.linalg.norm(Y, axis=0)
            q = np.array([np.vdot(Y[:, i], H @ Y[:, i]) for i in range(m)])
            order = np.argsort(-np.abs(q), kind="stable")[:k]
            rho, ys = q[order], [Y[:, i] for i in order]
        else:
            raise ValueError(kind)
        eye = np.eye(m + 1, m)
        res = np.array([np.linalg.norm((Hb - r * eye) @ y) for r, y in zip(rho, ys, strict=True)])
        if np.all(res <= tol * np.abs(rho)):
            matvecs = op.count - start
            basis = v[:m].numpy().T
            vectors = [basis @ y for y in ys]
            return Found(rho, _true_residuals(op, rho, vectors), matvecs, f"m = {m}")
    raise Overbudget(f"{kind}: not converged in {budget} products")


def shift_invert(
    op,
    k: int,
    tol: float,
    *,
    delta: float = 0.01,
    inner_tol: float = 1e-9,
    inner_max: int = 400,
    ncv: int = 20,
    budget: int = 6000,
) -> Found:
    n = op.shape[0]
    start = op.count
    pilot = krylov_schur(op.apply, n, 1, "LM", tol=1.0, ncv=40, max_restarts=0)
    sigma = complex(pilot.values[0]) * (1 + delta)
    if abs(sigma.imag) > 1e-12 * abs(sigma):
        raise Overbudget("complex shift: the real candidate takes a real pilot value")
    sigma = sigma.real
    inner = []

    def solve(u: Tensor) -> Tensor:
        if op.count - start > budget:
            raise Overbudget(f"shift-invert: over {budget} products (σ = {sigma:.6g})")
        before = op.count
        x, _ = gmres_to_tolerance(lambda w: op.apply(w) - sigma * w, u, inner_tol, inner_max)
        inner.append(op.count - before)
        return x

    v0 = torch.as_tensor(np.random.default_rng(0).standard_normal(n))
    r = krylov_schur(solve, n, k, "LM", tol=tol, ncv=ncv, v0=v0, return_vectors=True)
    values = sigma + 1.0 / r.values
    matvecs = op.count - start
    vectors = [x.numpy() for x in r.vectors]
    note = f"σ = {sigma:.6g}, {len(inner)} solves, inner {min(inner)}..{max(inner)}"
    return Found(values, _true_residuals(op, values, vectors), matvecs, note)


def block_krylov(
    op, k: int, tol: float, *, b: int = 6, first: int = 40, budget: int = 600
) -> Found:
    n = op.shape[0]
    rng = np.random.default_rng(0)
    start = op.count
    q, _ = np.linalg.qr(rng.standard_normal((n, b)))
    blocks = [torch.as_tensor(q.T.copy())]  # rows
    cap = budget // b + 1
    hbar = np.zeros(((cap + 1) * b, cap * b))
    for j in range(cap):
        V = torch.cat(blocks)
        W = torch.as_tensor(op.matmat(blocks[-1].numpy().T).T.copy())  # b batched products
        H1 = V @ W.T
        W = W - H1.T @ V
        H2 = V @ W.T
        W = W - H2.T @ V
        hbar[: V.shape[0], j * b : (j + 1) * b] = (H1 + H2).numpy()
        qn, rn = torch.linalg.qr(W.T)
        hbar[(j + 1) * b : (j + 2) * b, j * b : (j + 1) * b] = rn.numpy()
        blocks.append(qn.T.contiguous())
        m = (j + 1) * b
        if m < first:
            continue
        H = hbar[:m, :m]
        theta, Y = np.linalg.eig(H)
        Y = Y / np.linalg.norm(Y, axis=0)
        wanted = np.argsort(-np.abs(theta), kind="stable")[:k]
        res = np.linalg.norm(hbar[m : m + b, :m] @ Y[:, wanted], axis=0)
        if np.all(res <= tol * np.abs(theta[wanted])):
            matvecs = op.count - start
            basis = V.numpy().T
            vectors = [basis @ Y[:, i] for i in wanted]
            values = theta[wanted]
            return Found(values, _true_residuals(op, values, vectors), matvecs, f"m = {m}")
    raise Overbudget(f"block b={b}: not converged in {budget} products")
