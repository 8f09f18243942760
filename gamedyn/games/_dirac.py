"""The Dirac-GAN of Mescheder, Geiger and Nowozin (ICML 2018).

The generator is a point mass ``p_θ = δ_θ``, the discriminator is linear, ``D_ψ(x) = ψ x``, and
the data distribution is ``δ_0``. With instance noise of standard deviation ``σ`` the GAN
objective is

    ``L(θ, ψ) = E_ε f(ψ(θ + ε)) + E_ε f(−ψ ε)``,  ``ε ~ N(0, σ²)``,

which for ``σ = 0`` is ``L(θ, ψ) = f(ψθ) + f(0)``, with ``f(t) = −log(1 + e^{−t})`` for the
standard GAN and ``f(t) = t`` for the WGAN. In gamedyn's convention (each player minimises its
own loss), with ``x = θ`` and ``y = ψ``:

* generator: ``L_x = L`` (``loss="saturating"`` or ``"wgan"``), or ``L_x = −E_ε f(−ψ(θ + ε))``
  (``loss="non-saturating"``);
* discriminator: ``L_y = −L + R(ψ)``, where the regulariser ``R`` is
  ``(γ/2) ψ²`` for ``reg="r1"`` and ``reg="r2"`` (the two coincide here: ``∇_x D_ψ = ψ``),
  ``(γ/2)(|ψ| − 1)²`` for the WGAN-GP penalty ``reg="gp"``, and nothing for ``reg=None``;
* ``reg="consensus"`` adds ``(γ/2)‖v₀(z)‖²`` to *both* players' losses, ``v₀`` being the
  unregularised field; the field becomes ``v₀ + γ J₀ᵀ v₀`` (consensus optimisation, Mescheder,
  Nowozin and Geiger 2017, written as a regulariser).

The unique equilibrium is ``(θ, ψ) = (0, 0)``, where ``J = [[0, f′(0)], [−f′(0), R″(0)]]`` (for
``σ = 0``): eigenvalues ``±i f′(0)`` unregularised and ``γ/2 ± √(γ²/4 − f′(0)²)`` with R1/R2, so
``γ = 2 f′(0)`` (``= 1`` for the standard GAN) is the critical regularisation. Instance noise
adds ``−2σ² f″(0)`` to ``∂v_ψ/∂ψ`` at the equilibrium.

Expectations over ``ε`` are computed by Gauss–Hermite quadrature with ``quadrature_nodes``
nodes, exact for polynomials of degree ``< 2·quadrature_nodes``; ``σ = 0`` uses the single node
``ε = 0``, so the formulas above hold exactly.

The gradient penalty is not differentiable at ``ψ = 0``: there ``R′(0) = 0`` (the midpoint of
the subdifferential) and the Jacobian uses the one-sided derivative ``R″ = γ``. WGAN with weight
clipping is a projection in the update, not a property of the game, and is not modelled here.
Instance noise with the consensus regulariser is refused (its analytic Jacobian needs
derivatives we do not write out; use :class:`FunctionGame` for it).
"""

from __future__ import annotations

import numpy as np
import torch

from .. import _validate
from ..vocabulary import GAN_REGULARISERS, gan_loss
from ._base import Game, Tensor

__all__ = ["DiracGAN", "LOSSES", "REGULARISERS", "MAX_QUADRATURE_NODES"]

LOSSES = ("saturating", "non-saturating", "wgan")
"""The losses of :data:`gamedyn.vocabulary.GAN_LOSSES` the Dirac-GAN has (hinge is not smooth)."""
REGULARISERS = (None, *GAN_REGULARISERS, "consensus")
MAX_QUADRATURE_NODES = 1000
"""The most Gauss–Hermite nodes :class:`DiracGAN` takes."""


class DiracGAN(Game):
    """The Dirac-GAN game in ``z = (θ, ψ)``; see the module docstring for the exact losses.

    Args:
      loss: ``"saturating"`` (the minimax GAN, Mescheder et al.'s "standard GAN"; the alias
        ``"standard"`` is accepted), ``"non-saturating"`` or ``"wgan"``.
      reg: ``None``, ``"r1"``, ``"r2"``, ``"gp"`` or ``"consensus"``.
      gamma: the regularisation weight ``γ ≥ 0``.
      noise_std: instance-noise standard deviation ``σ ≥ 0``.
      quadrature_nodes: Gauss–Hermite nodes for the expectations over the noise.

    Example:
      >>> game = DiracGAN("saturating", reg="r1", gamma=0.3)
      >>> J = game.jacobian(game.equilibrium)          # [[0, f′(0)], [−f′(0), γ]]
      >>> float(J[0, 1]), float(J[1, 0]), float(J[1, 1])
      (0.5, -0.5, 0.3)
    """

    nx = 1
    ny = 1

    def __init__(
        self,
        loss: str = "saturating",
        reg: str | None = None,
        gamma: float = 0.0,
        noise_std: float = 0.0,
        quadrature_nodes: int = 64,
    ):
        self.loss = _validate.choice("loss", gan_loss(loss), LOSSES)
        self.reg = _validate.choice("reg", reg, REGULARISERS)
        self.gamma = _validate.nonnegative("gamma", gamma)
        self.noise_std = _validate.nonnegative("noise_std", noise_std)
        nodes = _validate.integer_at_least("quadrature_nodes", quadrature_nodes, 1)
        if nodes > MAX_QUADRATURE_NODES:
            raise ValueError(
                f"quadrature_nodes = {nodes} is more than {MAX_QUADRATURE_NODES}: the rule is "
                f"exact for polynomials of degree < {2 * MAX_QUADRATURE_NODES} already, and its "
                f"nodes would need {8 * nodes**2 / 2**30:.3g} GiB and O(nodes³) time"
            )
        _validate.unused_regulariser(self.reg, "gamma", self.gamma)
        if self.reg == "consensus" and self.noise_std > 0:
            raise ValueError("reg='consensus' with noise_std > 0 is not supported")
        if self.noise_std == 0:
            eps, weights = np.zeros(1), np.ones(1)
        else:
            eps, weights = np.polynomial.hermite_e.hermegauss(nodes)
            eps, weights = self.noise_std * eps, weights / weights.sum()
        self._eps = torch.as_tensor(eps, dtype=_validate.DTYPE)
        self._w = torch.as_tensor(weights, dtype=_validate.DTYPE)
        # The generator's loss uses f(a ψ(θ+ε)): a = +1 (saturating, wgan), −1 (non-saturating).
        self._a = -1.0 if self.loss == "non-saturating" else 1.0

    def __repr__(self) -> str:
        return (
            f"DiracGAN(loss={self.loss!r}, reg={self.reg!r}, gamma={self.gamma}, "
            f"noise_std={self.noise_std})"
        )

    @property
    def equilibrium(self) -> Tensor:
        """The equilibrium ``(θ, ψ) = (0, 0)``."""
        return torch.zeros(2, dtype=_validate.DTYPE)

    def default_point(self) -> Tensor:
        """The equilibrium ``(0, 0)``."""
        return self.equilibrium

    # f and its derivatives -------------------------------------------------------------------
    def f(self, t: Tensor, order: int = 0) -> Tensor:
        """``f^{(order)}(t)`` for ``order`` in 0..3."""
        if self.loss == "wgan":
            return [t, torch.ones_like(t), torch.zeros_like(t), torch.zeros_like(t)][order]
        p, q = torch.sigmoid(t), torch.sigmoid(-t)
        if order == 0:
            return -torch.nn.functional.softplus(-t)
        return [None, q, -p * q, p * q * (p - q)][order]

    def _mean(self, values: Tensor) -> Tensor:
        return (self._w * values).sum()

    # Losses (used by autograd checks) ----------------------------------------------------------
    def losses(self, z: Tensor) -> tuple[Tensor, Tensor]:
        theta, psi = z[0], z[1]
        fake, eps = theta + self._eps, self._eps
        gan = self._mean(self.f(psi * fake)) + self._mean(self.f(-psi * eps))
        loss_x = gan if self._a > 0 else -self._mean(self.f(-psi * fake))
        loss_y = -gan + self._penalty(psi)
        if self.reg == "consensus":
            norm = 0.5 * self.gamma * (self._plain_field(z) ** 2).sum()
            loss_x, loss_y = loss_x + norm, loss_y + norm
        return loss_x, loss_y

    def _penalty(self, psi: Tensor) -> Tensor:
        if self.reg in ("r1", "r2"):
            return 0.5 * self.gamma * psi**2
        if self.reg == "gp":
            return 0.5 * self.gamma * (psi.abs() - 1.0) ** 2
        return torch.zeros_like(psi)

    def _penalty_grad(self, psi: Tensor) -> Tensor:
        if self.reg in ("r1", "r2"):
            return self.gamma * psi
        if self.reg == "gp":
            return self.gamma * (psi - torch.sign(psi))
        return torch.zeros_like(psi)

    def _penalty_hess(self, psi: Tensor) -> Tensor:
        if self.reg in ("r1", "r2", "gp"):
            return torch.full_like(psi, float(self.gamma))
        return torch.zeros_like(psi)

    # Analytic field and Jacobian ---------------------------------------------------------------
    def _plain_field(self, z: Tensor) -> Tensor:
        """``v₀``: the field without the consensus term (penalty included)."""
        theta, psi = z[0], z[1]
        fake, eps, a = theta + self._eps, self._eps, self._a
        v_theta = psi * self._mean(self.f(a * psi * fake, 1))
        dL_dpsi = self._mean(fake * self.f(psi * fake, 1)) - self._mean(eps * self.f(-psi * eps, 1))
        return torch.stack([v_theta, -dL_dpsi + self._penalty_grad(psi)])

    def _plain_jacobian(self, z: Tensor) -> Tensor:
        theta, psi = z[0], z[1]
        fake, eps, a = theta + self._eps, self._eps, self._a
        g1, g2 = self.f(a * psi * fake, 1), self.f(a * psi * fake, 2)
        h1, h2 = self.f(psi * fake, 1), self.f(psi * fake, 2)
        d_tt = a * psi**2 * self._mean(g2)
        d_tp = self._mean(g1) + a * psi * self._mean(fake * g2)
        d_pt = -(self._mean(h1) + psi * self._mean(fake * h2))
        d_pp = -(self._mean(fake**2 * h2) + self._mean(eps**2 * self.f(-psi * eps, 2)))
        d_pp = d_pp + self._penalty_hess(psi)
        return torch.stack([torch.stack([d_tt, d_tp]), torch.stack([d_pt, d_pp])])

    def _plain_hessians(self, z: Tensor) -> Tensor:
        """``∇²v₀_k`` for ``k = θ, ψ`` (noise-free), shape ``(2, 2, 2)``."""
        theta, psi = z[0], z[1]
        s, a = psi * theta, self._a
        g2, g3 = self.f(a * s, 2), self.f(a * s, 3)
        h2, h3 = self.f(s, 2), self.f(s, 3)
        cross_t = 2 * a * psi * g2 + psi * s * g3
        hess_t = torch.stack(
            [
                torch.stack([psi**3 * g3, cross_t]),
                torch.stack([cross_t, 2 * a * theta * g2 + s * theta * g3]),
            ]
        )
        cross_p = -2 * theta * h2 - theta * s * h3
        hess_p = torch.stack(
            [
                torch.stack([-2 * psi * h2 - s * psi * h3, cross_p]),
                torch.stack([cross_p, -(theta**3) * h3]),
            ]
        )
        return torch.stack([hess_t, hess_p])

    def field(self, z: Tensor) -> Tensor:
        v0 = self._plain_field(z)
        if self.reg != "consensus":
            return v0
        return v0 + self.gamma * self._plain_jacobian(z).T @ v0

    def jacobian(self, z: Tensor) -> Tensor:
        J0 = self._plain_jacobian(z)
        if self.reg != "consensus":
            return J0
        v0 = self._plain_field(z)
        curvature = torch.einsum("k,kij->ij", v0, self._plain_hessians(z))
        return J0 + self.gamma * (J0.T @ J0 + curvature)
