"""Extragradient (Korpelevich 1976) and optimistic gradient descent-ascent."""

from __future__ import annotations

from typing import Any

from .. import _validate
from .base import Method, Ops, State, scale
from .composed import Composed
from .gda import plain_players
from .schedules import Extrapolation, optimistic_point

__all__ = ["ExtraGradient", "OptimisticGDA"]


class ExtraGradient(Composed):
    """Extragradient: a look-ahead step, then the update with the field seen there.

    ``z_{½} = z − η v(z)``,  ``z⁺ = z − η v(z_{½})``: the extrapolation schedule
    (:class:`~gamedyn.methods.schedules.Extrapolation`) over a plain step — over Adam the same
    schedule is :class:`~gamedyn.methods.ExtraAdam`.

    Jacobian ``I − η J(z_{½})(I − η J(z))``; on affine games ``I − ηJ + η²J²``, eigenvalues
    ``1 − ηλ + η²λ²``. On the bilinear game the spectral radius is
    ``max_σ √((1 − η²σ²)² + η²σ²)``, below 1 for ``0 < η σ_max < 1``.

    References:
      Korpelevich, "The extragradient method for finding saddle points and other problems",
      1976. Gidel, Berard, Vignoud, Vincent and Lacoste-Julien, "A Variational Inequality
      Perspective on Generative Adversarial Networks", ICLR 2019.
    """

    def __init__(self, lr: Any):
        self.lr = _validate.step_size("lr", lr)
        super().__init__(Extrapolation(plain_players(self.lr)))

    def hyperparameters(self) -> dict[str, Any]:
        return {"lr": self.lr}


class OptimisticGDA(Method):
    """Optimistic GDA on the augmented state ``(z_t, z_{t−1})``.

    ``z_{t+1} = z_t − 2η v(z_t) + η v(z_{t−1})`` (the optimistic combination
    :func:`~gamedyn.methods.schedules.optimistic_point`, shared with
    :class:`~gamedyn.methods.schedules.Optimistic`, which keeps the past *update* instead of the
    past point — the layout Adam needs; the two are related by ``u_{t−1} = η v(z_{t−1})`` and
    have the same eigenvalues where ``J`` is invertible).

    This is also **past extragradient** (Popov 1980): extragradient whose look-ahead step reuses
    the field computed at the previous look-ahead point; written in the iterates ``z_t`` the two
    methods are the same operator. Each eigenvalue ``λ`` of ``J`` gives the roots of
    ``μ² − (1 − 2ηλ) μ − ηλ = 0``.

    References:
      Daskalakis, Ilyas, Syrgkanis and Zeng, "Training GANs with Optimism", ICLR 2018.
      Gidel et al., ICLR 2019 (extrapolation from the past).
    """

    order = 2

    def __init__(self, lr: Any):
        self.lr = _validate.step_size("lr", lr)

    def step(self, ops: Ops, state: State) -> State:
        z, z_prev = state
        now, past = scale(ops, self.lr, ops.field(z)), scale(ops, self.lr, ops.field(z_prev))
        return (optimistic_point(z, now, past), z)
