"""Least-action dynamics (LEAD, Hemmat, Mitra, Lajoie and Mitliagkas)."""

from __future__ import annotations

from typing import Any

from .. import _validate
from ._base import Method, Ops, State, off_diagonal_jvp, scale

__all__ = ["LEAD"]


class LEAD(Method):
    """LEAD: heavy-ball momentum plus a coupling to the other player's last move.

    On the augmented state ``(z_t, z_{t−1})``, with ``Δ = z_t − z_{t−1}``:

    ``z_{t+1} = z_t + β Δ − η v(z_t) − α J_off(z_t) Δ``,

    i.e. ``x_{t+1} = x_t + β Δx − η ∇_x L_x − α ∇²_xy L_x Δy`` and the same for ``y`` with
    ``∇²_yx L_y Δx``: each player corrects its gradient, to first order, for the move the other
    has just made (``J_off``: the coupling blocks of ``J``, :func:`off_diagonal_jvp`). For the
    zero-sum game ``min_x max_y f`` these are Hemmat et al.'s ``− α ∇_xy f Δy`` for ``x`` and
    ``+ α ∇_yx f Δx`` for the ascending ``y`` (their Algorithm 1, updated simultaneously). In a
    general-sum game each player uses its own field's coupling block; the authors' GAN code
    uses the transpose of the other player's block instead, which is the same in zero-sum games.

    **gamedyn follows the paper, not the released scripts.** The authors' released code does not
    implement Algorithm 1: ``Lyapunov.py`` alternates the players and its momentum term never
    acts, and ``toy_quad.py``'s Jacobian carries an extra ``+α∇v`` term. This class is
    Algorithm 1 as the paper states it (simultaneous, momentum and coupling as above). ``α`` may
    be negative (the authors' experiments sweep negative values).

    The Jacobian at a fixed point is ``[[(1 + β) I − η J − α J_off, −β I + α J_off], [I, 0]]``;
    on the bilinear game (``J_off = J``) each eigenvalue ``λ = ±iσ`` of ``J`` gives the roots
    ``μ`` of ``μ² − (1 + β − (η + α) λ) μ + β − α λ = 0``. ``α = 0`` is
    :class:`~gamedyn.methods.Momentum`.

    Args:
      lr: step size η, or a pair ``(η_x, η_y)``.
      beta: momentum β (any sign).
      alpha: the coupling coefficient ``α`` (any sign), or a pair ``(α_x, α_y)``.

    Example:
      >>> from gamedyn.games import Bilinear
      >>> from gamedyn.spectrum import spectral_radius
      >>> rho = spectral_radius(LEAD(0.3, beta=0.2, alpha=0.5), Bilinear([[1.0]]))
      >>> bool(rho < 1)                                  # momentum alone would diverge here
      True

    References:
      Hemmat, Mitra, Lajoie and Mitliagkas, "LEAD: Min-Max Optimization from a Physical
      Perspective", TMLR 2023 (arXiv 2010.13846, "LEAD: Least-Action Dynamics for Min-Max
      Optimization", 2020).
    """

    order = 2

    def __init__(self, lr: Any, beta: Any, alpha: Any):
        self.lr = _validate.step_size("lr", lr)
        self.beta = _validate.real_scalar("beta", beta)
        if isinstance(alpha, (tuple, list)):
            if len(alpha) != 2:
                raise ValueError(
                    f"alpha must be a number or a pair (alpha_x, alpha_y), got {alpha!r}"
                )
            alpha = tuple(_validate.real_scalar(f"alpha[{i}]", a) for i, a in enumerate(alpha))
        else:
            alpha = _validate.real_scalar("alpha", alpha)
        self.alpha = alpha

    def step(self, ops: Ops, state: State) -> State:
        z, z_prev = state
        delta = z - z_prev
        coupling = scale(ops, self.alpha, off_diagonal_jvp(ops, z, delta))
        return (z + self.beta * delta - scale(ops, self.lr, ops.field(z)) - coupling, z)
