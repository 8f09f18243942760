"""Hamiltonian gradient descent: descent on the squared norm of the field alone."""

from __future__ import annotations

from typing import Any

from .. import _validate
from ._base import Method, Ops, State, scale

__all__ = ["HamiltonianGD"]


class HamiltonianGD(Method):
    """Gradient descent on ``H(z) = ½‖v(z)‖²``: ``z⁺ = z − η ∇H(z) = z − η J(z)ᵀ v(z)``.

    Both players descend the one potential ``H``, which is zero exactly at the fixed points of
    the game: the rotation of the field is gone, at the price of treating saddles and maxima of
    the players' losses like minima ("minimise the norm of the gradient"). Consensus
    optimisation adds this term to the field instead (``v + γ Jᵀv``).

    The Jacobian at a fixed point is ``I − η JᵀJ`` (the curvature term ``Σ_k v_k ∇²v_k``
    vanishes with ``v``); for a normal ``J`` the eigenvalue map is ``μ = 1 − η |λ|²``. On the
    bilinear game ``xᵀAy`` that is ``1 − η σ²`` for each singular value ``σ``: on ``x·y`` the
    iterates contract at ``|1 − η|``.

    Args:
      lr: step size η, or a pair ``(η_x, η_y)``.

    Example:
      >>> from gamedyn.games import Bilinear
      >>> from gamedyn.spectrum import spectral_radius
      >>> round(spectral_radius(HamiltonianGD(0.3), Bilinear([[1.0]])), 12)     # |1 − η|
      0.7

    References:
      Mescheder, Nowozin and Geiger, "The Numerics of GANs", NIPS 2017 (Hamiltonian descent as
      the first idea, consensus as the second). Balduzzi, Racanière, Martens, Foerster, Tuyls
      and Graepel, "The Mechanics of n-Player Differentiable Games", ICML 2018. Loizou,
      Berard, Jolicoeur-Martineau, Vincent, Lacoste-Julien and Mitliagkas, "Stochastic
      Hamiltonian Gradient Methods for Smooth Games", ICML 2020.
    """

    def __init__(self, lr: Any):
        self.lr = _validate.step_size("lr", lr)

    def step(self, ops: Ops, state: State) -> State:
        (z,) = state
        return (z - scale(ops, self.lr, ops.vjp(z, ops.field(z))),)
