"""Adaptive competitive gradient descent (ACGD; Schäfer, Zheng and Anandkumar, ICML 2020)."""

from __future__ import annotations

from typing import Any

import torch

from .. import _validate
from ._base import Method, Ops, State, off_diagonal_jvp, scale

__all__ = ["ACGD"]

ROOT_FLOOR = 1e-12
"""``√a`` is taken as ``√(a + (ROOT_FLOOR·ε)²)``: finite derivatives where ``a = 0`` exactly (at a
fixed point), a change below ``ROOT_FLOOR·ε`` in the denominator ``√a + ε`` anywhere."""


class ACGD(Method):
    """CGD whose step sizes are RMSProp's per-coordinate ones.

    The state is ``(z_t, a_t, c_t)``, three vectors of ``n`` entries: the point, the
    exponential average ``a`` of the squared field entries, and its weight ``c = 1 − β₂ᵗ``
    (the same average of ones), started at ``(z_0, 0, 0)`` — or ``(z_0, 0, 1)`` with
    ``bias_correction=False``, where ``c`` stays 1. One step, with ``v = v(z_t)``:

    * ``a_{t+1} = β₂ a_t + (1 − β₂) v²`` and ``c_{t+1} = β₂ c_t + (1 − β₂)``;
    * ``h = η √c_{t+1} / (√a_{t+1} + ε)``, entry by entry (``η = η_x`` or ``η_y`` by player);
    * the CGD step with ``H = diag(h)``: ``(I + H J_off) Δ = H v``, ``z_{t+1} = z_t − Δ``.

    With one step size per player this is :class:`~gamedyn.methods.CGD`'s system; eliminating
    ``Δ_y`` gives the authors' ``Δ_x = (I + H_x D_xy H_y D_yx)⁻¹ H_x (∇_x f − D_xy H_y ∇_y f)``
    for ``max_x min_y f``. As in their released code, ``h = η √(1 − β₂ᵗ) / (√a + ε)`` (``ε``
    outside the bias correction).

    Entrywise products are not :class:`~gamedyn.methods.Ops` primitives, so ACGD runs on
    the torch backends only (runs, dense ``jacfwd``, matrix-free products): it has no symbolic
    Jacobian and no eigenvalue map. Its operator Jacobian at ``z`` is taken at the state
    ``init(z)``; at a fixed point ``z*`` the map's own fixed point is ``(z*, 0, 1)``, which
    ``init`` gives with ``bias_correction=False``: there the Jacobian is block diagonal,
    CGD's with step ``η/ε`` on ``z`` and ``β₂`` on ``a`` and ``c``, and its spectral radius is
    the rate of the iterates (the derivative in ``a`` is ``v`` times ``1/√a``: zero at an exact
    fixed point, round-off times ``1/(ROOT_FLOOR·ε)`` at one found numerically).

    Args:
      lr: step size η, or a pair ``(η_x, η_y)``.
      beta2: the decay ``β₂ ∈ [0, 1)`` of the average of squares (the authors' ``beta``).
      eps: ``ε > 0`` in the denominator.
      bias_correction: divide the average by its weight ``1 − β₂ᵗ`` (the authors' choice).

    References:
      Schäfer, Zheng and Anandkumar, "Implicit competitive regularization in GANs", ICML 2020;
      their ``ACGD`` optimiser (CGDs package). Schäfer and Anandkumar, "Competitive Gradient
      Descent", NeurIPS 2019.
    """

    order = 3

    def __init__(self, lr: Any, beta2: Any = 0.99, eps: Any = 1e-5, bias_correction: bool = True):
        self.lr = _validate.step_size("lr", lr)
        self.beta2 = _validate.real_scalar("beta2", beta2)
        if not _validate.is_symbolic(self.beta2) and not 0.0 <= self.beta2 < 1.0:
            raise ValueError(f"beta2 must lie in [0, 1), got {self.beta2!r}")
        self.eps = _validate.positive("eps", eps)
        if not isinstance(bias_correction, bool):
            raise TypeError(f"bias_correction must be a bool, got {bias_correction!r}")
        self.bias_correction = bias_correction

    def init(self, z: Any) -> State:
        """``(z_0, 0, 0)``, or ``(z_0, 0, 1)`` without bias correction."""
        # any backend's vector (an eigenvalue map starts here): the step refuses non-torch ones
        zero = torch.zeros_like(z) if isinstance(z, torch.Tensor) else z * 0
        return (z, zero, zero if self.bias_correction else zero + 1)

    def step(self, ops: Ops, state: State) -> State:
        z, average, weight = state
        ops.split(z)  # per-player blocks: no eigenvalue map (EigenOps refuses here)
        _require_tensor(z)
        v = ops.field(z)
        average = self.beta2 * average + (1 - self.beta2) * v * v
        weight = self.beta2 * weight + (1 - self.beta2)
        floor = (ROOT_FLOOR * self.eps) ** 2
        h = scale(ops, self.lr, weight**0.5 / ((average + floor) ** 0.5 + self.eps))

        def system(u, z, h):
            return u + h * off_diagonal_jvp(ops, z, u)

        delta = ops.solve(system, h * v, z, h)
        return (z - delta, average, weight)


def _require_tensor(z: Any) -> None:
    if not isinstance(z, torch.Tensor):
        raise TypeError(
            "ACGD's per-coordinate step sizes need entrywise products of vectors, which only the "
            f"torch backends (TorchOps, MatrixFreeOps) provide; got a {type(z).__name__}: it has "
            "no symbolic Jacobian"
        )
