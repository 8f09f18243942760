"""GMRES for ``A u = b`` from products ``u ↦ A u`` alone (torch tensors, game-free).

* :func:`gmres`: a fixed number of steps, no branching on values, so torch.func differentiates
  straight through it.
* :func:`gmres_to_tolerance`: stopped at a relative residual, eager; the residual is
  recomputed with one more product.

Example:
  >>> import torch
  >>> A = torch.tensor([[2.0, 1.0], [0.0, 3.0]], dtype=torch.float64)
  >>> b = torch.tensor([1.0, 3.0], dtype=torch.float64)
  >>> u, residual = gmres_to_tolerance(lambda v: A @ v, b, 1e-12, 2)
  >>> torch.allclose(u, torch.tensor([0.0, 1.0], dtype=torch.float64), atol=1e-14), residual < 1e-14
  (True, True)
"""

from __future__ import annotations

from collections.abc import Callable

import torch

Tensor = torch.Tensor

__all__ = ["gmres", "gmres_to_tolerance"]


def gmres(linear_map: Callable[[Tensor], Tensor], rhs: Tensor, iterations: int) -> Tensor:
    """``u ≈ A⁻¹ b`` by ``iterations`` steps of GMRES from ``u₀ = 0``; differentiable.

    Arnoldi with classical Gram–Schmidt applied twice builds ``A V_m = V_{m+1} H_m`` on the
    Krylov space of ``b``; then ``u = V_m y`` with ``y = argmin ‖‖b‖ e₁ − H_m y‖`` (reduced QR).
    The number of steps is fixed and there is no branching on tensor values, so torch.func
    (``jvp``, ``vjp``, ``vmap``, ``jacfwd``) differentiates straight through it: when the
    residual after ``m`` steps is small on a neighbourhood of the data (fast convergence, well
    before the Arnoldi process breaks down), the derivative of the result matches the derivative
    of the exact solution to about the same accuracy. ``b`` must be non-zero.
    """
    beta = torch.linalg.vector_norm(rhs)
    basis = [rhs / beta]
    columns = []
    for j in range(iterations):
        w = linear_map(basis[-1])
        v = torch.stack(basis)
        h = v @ w
        w = w - v.T @ h
        correction = v @ w  # second Gram–Schmidt pass: orthogonality to round-off
        w = w - v.T @ correction
        h = h + correction
        norm = torch.linalg.vector_norm(w)
        basis.append(w / norm)
        columns.append(torch.cat([h, norm[None], h.new_zeros(iterations - j - 1)]))
    hessenberg = torch.stack(columns, dim=1)  # (m + 1) × m
    e1 = torch.cat([beta[None], beta.new_zeros(iterations)])
    q, r = torch.linalg.qr(hessenberg)
    y = torch.linalg.solve_triangular(r, (q.T @ e1)[:, None], upper=True)[:, 0]
    return torch.stack(basis[:iterations]).T @ y


def gmres_to_tolerance(
    linear_map: Callable[[Tensor], Tensor], rhs: Tensor, tol: float, max_iterations: int
) -> tuple[Tensor, float]:
    """``u ≈ A⁻¹ b`` by GMRES from ``u₀ = 0``, stopped once the relative residual is ≤ ``tol``.

    Arnoldi with classical Gram–Schmidt applied twice; the small least-squares problem
    ``min ‖‖b‖ e₁ − H_j y‖`` is solved at every step, whose residual is the GMRES residual
    ``‖b − A u_j‖`` (in exact arithmetic). Eager (it branches on values): not for tracing.
    ``b = 0`` gives ``u = 0``. A lucky breakdown (an invariant Krylov space) stops it exactly.

    Returns:
      ``(u, relative_residual)``: the relative residual ``‖A u − b‖/‖b‖`` recomputed with one
      more product (0 when ``b = 0``).
    """
    beta = float(torch.linalg.vector_norm(rhs))
    if beta == 0.0:
        return torch.zeros_like(rhs), 0.0
    if not torch.isfinite(rhs).all():
        raise FloatingPointError("the right-hand side of the step's linear system is not finite")
    basis = [rhs / beta]
    hessenberg = rhs.new_zeros(max_iterations + 1, max_iterations)
    y = rhs.new_zeros(1)
    for j in range(max_iterations):
        w = linear_map(basis[-1])
        v = torch.stack(basis)
        for _ in range(2):  # classical Gram–Schmidt, twice: orthogonal to round-off
            h = v @ w
            w = w - v.T @ h
            hessenberg[: j + 1, j] += h
        norm = float(torch.linalg.vector_norm(w))
        hessenberg[j + 1, j] = norm
        e1 = rhs.new_zeros(j + 2)
        e1[0] = beta
        small = hessenberg[: j + 2, : j + 1]
        y = torch.linalg.lstsq(small, e1[:, None]).solution[:, 0]
        estimate = float(torch.linalg.vector_norm(small @ y - e1)) / beta
        if estimate <= tol or norm <= 1e-14 * beta:
            break
        basis.append(w / norm)
    u = torch.stack(basis[: y.shape[0]]).T @ y
    residual = float(torch.linalg.vector_norm(linear_map(u) - rhs)) / beta
    return u, residual
